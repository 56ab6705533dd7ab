#!/usr/bin/env python3
"""The DuckDB side of the ingest benchmark: the same files, the same normalised columns.

DuckDB cannot read GBK without its `encodings` extension, which it downloads from the
internet; offline, the CSV is transcoded to UTF-8 first (timed separately and included in
the total). DuckDB cannot read xlsx without its `excel` extension either; the xlsx is read
with python-calamine (the same Rust reader Procura uses) into Arrow and normalised by DuckDB.

Usage: ingest_duckdb.py CSV_GBK XLSX GB2260_TSV OUT_DIR
"""
import json
import os
import resource
import sys
import time

import duckdb
import pyarrow as pa
from python_calamine import CalamineWorkbook

csv_gbk, xlsx, gb2260, out_dir = sys.argv[1:5]
os.makedirs(out_dir, exist_ok=True)

# The ID check in SQL: clean, upgrade 15→18 (century 19, or 18 for sequence 996–999),
# MOD 11-2 check character, valid birth date, region code known to GB/T 2260.
NORMALISE = r"""
WITH cleaned AS (
  SELECT *, upper(translate(regexp_replace(CAST("身份证号" AS VARCHAR), '[\s\-]', '', 'g'),
                            '０１２３４５６７８９ｘＸ', '0123456789XX')) AS id_clean
  FROM {source}
), upgraded AS (
  SELECT *, CASE
      WHEN length(id_clean) = 15 AND regexp_full_match(id_clean, '[0-9]{{15}}') THEN
        substr(id_clean, 1, 6) || (CASE WHEN substr(id_clean, 13, 3) IN ('996','997','998','999') THEN '18' ELSE '19' END) || substr(id_clean, 7, 9)
      WHEN length(id_clean) = 18 THEN substr(id_clean, 1, 17)
    END AS id17
  FROM cleaned
), checked AS (
  SELECT *, CASE WHEN regexp_full_match(id17, '[0-9]{{17}}') THEN
      ['1','0','X','9','8','7','6','5','4','3','2'][CAST((list_sum(list_transform(range(17),
         lambda i: CAST(substr(id17, i + 1, 1) AS INTEGER) * [7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2][i + 1])) % 11) + 1 AS BIGINT)]
    END AS check_char
  FROM upgraded
)
SELECT
  CAST("序号" AS BIGINT) AS _row_id,
  "姓名" AS name,
  CASE WHEN check_char IS NOT NULL
        AND (length(id_clean) = 15 OR substr(id_clean, 18, 1) = check_char)
        AND try_strptime(substr(id17, 7, 8), '%Y%m%d') IS NOT NULL
        AND substr(id17, 1, 6) IN (SELECT code FROM regions)
       THEN id17 || check_char END AS person_id,
  CAST("身份证号" AS VARCHAR) AS person_id__raw,
  {date} AS penalty_date,
  CAST("处罚日期" AS VARCHAR) AS penalty_date__raw,
  {amount} AS fine_amount,
  CAST("罚款金额(元)" AS VARCHAR) AS fine_amount__raw,
  "违法事实" AS note
FROM checked
"""

TEXT_DATE = """CAST(COALESCE(try_strptime("处罚日期", '%Y-%m-%d'), try_strptime("处罚日期", '%Y/%m/%d'),
                  try_strptime("处罚日期", '%Y年%m月%d日')) AS DATE)"""
TEXT_AMOUNT = """CASE WHEN "罚款金额(元)" LIKE '%万%'
     THEN CAST(TRY_CAST(regexp_replace("罚款金额(元)", '[^0-9.]', '', 'g') AS DECIMAL(18,6)) * 10000 AS DECIMAL(18,2))
     ELSE TRY_CAST(regexp_replace("罚款金额(元)", '[,￥元 ]', '', 'g') AS DECIMAL(18,2)) END"""

results = {}
con = duckdb.connect()
con.execute(f"SET threads = {os.cpu_count()}").fetchall()
with open(gb2260, encoding="utf-8") as table:
    comment_lines = sum(1 for line in table if line.startswith("#"))
con.execute(f"""CREATE TABLE regions AS SELECT DISTINCT code FROM read_csv('{gb2260}', delim = '\t', header = true,
                skip = {comment_lines}, columns = {{'code': 'VARCHAR', 'name': 'VARCHAR', 'first': 'VARCHAR', 'last': 'VARCHAR'}})""").fetchall()

# CSV: transcode, then normalise.
utf8 = os.path.join(out_dir, "penalties_utf8.csv")
start = time.perf_counter()
with open(csv_gbk, "r", encoding="gb18030", newline="") as source, open(utf8, "w", encoding="utf-8", newline="") as target:
    while True:
        chunk = source.read(1 << 20)
        if not chunk:
            break
        target.write(chunk)
transcode = time.perf_counter() - start
start = time.perf_counter()
source = f"read_csv('{utf8}', header = true, all_varchar = true, delim = ',', quote = '\"')"
sql = NORMALISE.format(source=source, date=TEXT_DATE, amount=TEXT_AMOUNT)
con.execute(f"COPY ({sql}) TO '{out_dir}/csv.parquet' (FORMAT parquet, COMPRESSION zstd)").fetchall()
normalise = time.perf_counter() - start
rows = con.execute(f"SELECT count(*), count(person_id), count(penalty_date), count(fine_amount) FROM '{out_dir}/csv.parquet'").fetchall()[0]
results["csv"] = {"rows": rows[0], "valid_ids": rows[1], "valid_dates": rows[2], "valid_amounts": rows[3],
                  "transcode_seconds": round(transcode, 3), "normalise_seconds": round(normalise, 3),
                  "seconds": round(transcode + normalise, 3)}

# xlsx: read with python-calamine into Arrow, normalise with DuckDB.
start = time.perf_counter()
sheet = CalamineWorkbook.from_path(xlsx).get_sheet_by_index(0).to_python()
header, body = sheet[0], sheet[1:]
columns = {name: [row[i] if i < len(row) else None for row in body] for i, name in enumerate(header)}
columns["身份证号"] = [str(v) for v in columns["身份证号"]]
columns["罚款金额(元)"] = [float(v) if v != "" else None for v in columns["罚款金额(元)"]]
table = pa.table(columns)
con.register("xlsx_rows", table)
sql = NORMALISE.format(source="xlsx_rows", date='CAST("处罚日期" AS DATE)', amount='CAST("罚款金额(元)" AS DECIMAL(18,2))')
con.execute(f"COPY ({sql}) TO '{out_dir}/xlsx.parquet' (FORMAT parquet, COMPRESSION zstd)").fetchall()
seconds = time.perf_counter() - start
rows = con.execute(f"SELECT count(*), count(person_id) FROM '{out_dir}/xlsx.parquet'").fetchall()[0]
results["xlsx"] = {"rows": rows[0], "valid_ids": rows[1], "seconds": round(seconds, 3)}
results["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
print(json.dumps(results, ensure_ascii=False))
