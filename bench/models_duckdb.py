#!/usr/bin/env python3
"""The DuckDB side of the models benchmark: for every built-in model, the exact SQL Procura
compiles it to (`procura models show ID --sql --json`, the same logical query), run by DuckDB
over the same Parquet files. Prints per-model seconds and result rows as JSON.

Usage: models_duckdb.py PROCURA WORKSPACE REFERENCE_DATE
"""
import json
import os
import resource
import subprocess
import sys
import time

import duckdb

procura, workspace, reference_date = sys.argv[1:4]
models = json.loads(subprocess.run([procura, "--workspace", workspace, "models", "list", "--json"],
                                   check=True, capture_output=True).stdout)
con = duckdb.connect()
con.execute(f"SET threads = {os.cpu_count()}").fetchall()
# Procura's case-number match key (procura_core::field::case_no_key), as far as SQL can say it:
# brackets unified, spaces removed, letters in upper case (the demo data has no full-width forms).
con.execute(
    "CREATE MACRO case_no_key(s) AS NULLIF(upper(regexp_replace(translate(s, "
    "'（〔［【[〖｛{）〕］】]〗｝}', '(((((((())))))))'), '\\s', '', 'g')), '')"
).fetchall()
results = []
total = 0.0
for model in models:
    spec = json.loads(subprocess.run(
        [procura, "--workspace", workspace, "models", "show", model["id"], "--sql", "--json",
         "--param", f"reference_date={reference_date}"],
        check=True, capture_output=True).stdout)
    start = time.perf_counter()
    for name, path in spec["tables"].items():
        con.execute(f'CREATE OR REPLACE VIEW "{name}" AS SELECT * FROM read_parquet(\'{path}\')').fetchall()
    rows = con.execute(spec["sql"]).fetchall()
    seconds = time.perf_counter() - start
    total += seconds
    results.append({"model": model["id"], "rows": len(rows), "seconds": round(seconds, 3)})
print(json.dumps({"models": results, "seconds": round(total, 3),
                  "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}, ensure_ascii=False))
