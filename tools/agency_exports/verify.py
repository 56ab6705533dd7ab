#!/usr/bin/env python3
"""Re-derives truth.json from the written files alone (a check on the generator itself).

    python3 tools/agency_exports/verify.py DIR

Reads every file listed in DIR/bind.json back (GBK / UTF-8-BOM CSV, hand-written xlsx),
normalises IDs, dates, months, amounts and numbers with its own small parsers, drops exact
duplicate rows where bind.json says `duplicates = "drop"`, and runs the same rule functions
as generate.py over the recovered records. Exits 1 and names the model when the keys differ:
then the files do not say what truth.json claims, and the generator is wrong, not the product.
"""

import csv
import io
import json
import os
import re
import sys
import unicodedata
import zipfile
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from xml.etree import ElementTree

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate as g  # noqa: E402  (the rule functions only)

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def nfkc(s):
    return unicodedata.normalize("NFKC", s)


def parse_id(raw):
    s = re.sub(r"\s|'|^=\"|\"$", "", nfkc(raw).strip()).upper()
    if len(s) == 15 and s.isdigit():
        s = s[:6] + "19" + s[6:]
        s = s + g.id_check(s)
    if len(s) != 18 or not s[:17].isdigit() or g.id_check(s[:17]) != s[17]:
        return None
    return s


def parse_org(raw):
    s = re.sub(r"\s|^=\"|\"$", "", nfkc(raw).strip()).upper()
    if len(s) != 18 or g.uscc(s[2:8], s[8:16]) != s:
        return None
    return s


def parse_date(raw, kind, date1904):
    if isinstance(raw, float) and raw > 10000000:
        raw = "%d" % raw                                  # 20240305 typed as a number
    elif isinstance(raw, str) and re.fullmatch(r"\d{5}(\.\d+)?", raw.strip()):
        raw = float(raw)                                  # a serial saved as text
    if isinstance(raw, float):
        epoch = datetime(1904, 1, 1) if date1904 else datetime(1899, 12, 30)
        value = epoch + timedelta(days=raw)
        value = value.replace(microsecond=0) + timedelta(seconds=round(value.microsecond / 1e6))
        return value if kind == "datetime" else value.date()
    s = nfkc(raw).strip()
    s = re.sub(r"\.0$", "", s)
    m = re.fullmatch(r"(\d{4})(?:[-/.年])(\d{1,2})(?:[-/.月])(\d{1,2})日?(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?", s) \
        or re.fullmatch(r"(\d{4})(\d{2})(\d{2})()()()", s)
    if not m:
        raise ValueError("date %r" % raw)
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if kind == "datetime":
        return datetime(y, mo, d, int(m.group(4) or 0), int(m.group(5) or 0), int(m.group(6) or 0))
    return date(y, mo, d)


def parse_month(raw, date1904):
    if isinstance(raw, float) and raw > 100000:
        raw = "%d" % raw                                  # 202403 typed as a number
    if isinstance(raw, float):
        return g.month_start(parse_date(raw, "date", date1904))
    s = nfkc(raw).strip()
    m = re.fullmatch(r"(\d{4})[-./年]?(\d{1,2})月?(?:-01)?", s)
    if not m:
        raise ValueError("month %r" % raw)
    return date(int(m.group(1)), int(m.group(2)), 1)


def parse_number(raw):
    if isinstance(raw, float):
        return Decimal(repr(raw)).normalize()
    s = nfkc(raw).replace(",", "").replace("￥", "").replace("¥", "").strip()
    m = re.match(r"[-+]?\d+(\.\d+)?", s)
    if not m:
        raise ValueError("number %r" % raw)
    return Decimal(m.group(0)) * (10000 if s[m.end():].startswith("万") else 1)


def read_csv(path, fmt):
    with open(path, "rb") as f:
        data = f.read()
    text = data.decode("gbk") if fmt == "csv-gbk" else data.decode("utf-8-sig")
    return [list(r) for r in csv.reader(io.StringIO(text))], False


def read_xlsx(path):
    z = zipfile.ZipFile(path)
    strings = [("".join(t.text or "" for t in si.iter(NS + "t")))
               for si in ElementTree.fromstring(z.read("xl/sharedStrings.xml")).iter(NS + "si")]
    wb = ElementTree.fromstring(z.read("xl/workbook.xml"))
    pr = wb.find(NS + "workbookPr")
    date1904 = pr is not None and pr.get("date1904") in ("1", "true")
    names = [s.get("name") for s in wb.iter(NS + "sheet")]
    rows_all = []
    header = None
    for i, name in enumerate(names, 1):
        sheet = ElementTree.fromstring(z.read("xl/worksheets/sheet%d.xml" % i))
        rows = []
        for row in sheet.iter(NS + "row"):
            cells = {}
            col = 0
            for c in row.iter(NS + "c"):
                if c.get("r"):
                    col = 0
                    for ch in re.match(r"[A-Z]+", c.get("r")).group(0):
                        col = col * 26 + ord(ch) - 64
                else:
                    col += 1      # no reference: the cell after the previous one
                v = c.find(NS + "v")
                if c.get("t") in ("str", "d"):
                    cells[col - 1] = v.text or ""
                elif c.get("t") == "inlineStr":
                    cells[col - 1] = "".join(t.text or "" for t in c.iter(NS + "t"))
                elif v is None:
                    continue
                else:
                    cells[col - 1] = strings[int(v.text)] if c.get("t") == "s" else float(v.text)
            width = max(cells) + 1 if cells else 0
            rows.append([cells.get(j, "") for j in range(width)])
        if header is None:
            rows_all.extend(rows)
            header = next((r for r in rows if r and r[0].replace("\n", "") == "序号"), None)
        elif rows and header in rows:
            rows_all.extend(rows[rows.index(header) + 1:])   # 明细(2): the same table continued
    return rows_all, date1904


def main():
    out = sys.argv[1]
    plan = json.load(open(os.path.join(out, "bind.json"), encoding="utf-8"))
    truth = json.load(open(os.path.join(out, "truth.json"), encoding="utf-8"))
    tables = {}
    for f in plan["files"]:
        path = os.path.join(out, f["file"])
        rows, date1904 = read_xlsx(path) if f["format"] == "xlsx" else read_csv(path, f["format"])
        headers = ["序号"] + [h.replace(" ", "") for h in f["columns"].values()]

        def cleaned(r):
            return [str(c).replace("\n", "").replace(" ", "") for c in r[:len(headers)]]

        def joined(a, b):   # a two-row header: the lower label where there is one
            a, b = a + [""] * len(headers), b + [""] * len(headers)
            return [str(y or x).replace("\n", "").replace(" ", "") for x, y in zip(a[:len(headers)], b[:len(headers)])]

        start = next(i + (cleaned(r) != headers) for i, r in enumerate(rows)
                     if cleaned(r) == headers or (i + 1 < len(rows) and joined(r, rows[i + 1]) == headers))
        fields = list(f["columns"].keys())
        table = g.Table(f["dataset"], f["file"], f["format"], [])
        seen = set()
        for r in rows[start + 1:]:
            r = list(r) + [""] * (len(headers) - len(r))
            if all(c == "" for c in r) or r[0] == "合计" or str(r[0]).startswith("制表人") or r[0] == "序号":
                continue
            if f["duplicates"] == "drop":
                fingerprint = tuple(str(c) for c in r)
                if fingerprint in seen:
                    continue
                seen.add(fingerprint)
            rec = {}
            for field, cell in zip(fields, r[1:]):
                kind = f["kinds"][field]
                if cell == "" or (isinstance(cell, str) and cell.strip() == ""):
                    rec[field] = None
                    continue
                try:
                    if isinstance(cell, float) and kind in ("id", "party"):
                        cell = "%d" % cell    # a 15-digit ID in a number cell
                    if kind == "party":
                        rec[field] = parse_id(str(cell)) or parse_org(str(cell))
                    elif kind == "id":
                        rec[field] = parse_id(str(cell))
                    elif kind == "org":
                        rec[field] = parse_org(str(cell))
                    elif kind in ("date", "datetime"):
                        rec[field] = parse_date(cell, kind, date1904)
                    elif kind == "month":
                        rec[field] = parse_month(cell, date1904)
                    elif kind in ("amount", "number"):
                        rec[field] = parse_number(cell)
                    elif kind == "case":
                        rec[field] = str(cell)
                    else:
                        rec[field] = nfkc(str(cell)).strip() if isinstance(cell, str) else cell
                except (ValueError, InvalidOperation):
                    rec[field] = None
            table.rows.append(rec)
        tables[f["dataset"]] = table
    derived = g.truth(tables)
    bad = 0
    for model, keys in derived.items():
        want = truth["models"][model]["keys"]
        if keys != want:
            bad += 1
            print("%s: files say %d keys, truth.json %d; only in files %s; only in truth %s" % (
                model, len(keys), len(want), sorted(set(keys) - set(want))[:5], sorted(set(want) - set(keys))[:5]))
        else:
            print("%s: %d keys, as truth.json says" % (model, len(keys)))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
