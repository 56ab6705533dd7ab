#!/usr/bin/env python3
"""Ingests every dataset of a generated demo folder; prints timing per dataset as JSON."""
import json
import os
import resource
import subprocess
import sys
import time

procura, workspace, data = sys.argv[1:4]
with open(os.path.join(data, "manifest.json"), encoding="utf-8") as f:
    manifest = json.load(f)
results = []
total = 0.0
for dataset in manifest:
    command = [procura, "--workspace", workspace, "ingest", os.path.join(data, dataset["path"]), "--dataset", dataset["name"]]
    if dataset.get("sheet"):
        command += ["--sheet", dataset["sheet"]]
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    total += seconds
    results.append({"dataset": dataset["name"], "rows": dataset["rows"], "seconds": round(seconds, 3)})
print(json.dumps({"datasets": results, "seconds": round(total, 3),
                  "rows": sum(d["rows"] for d in manifest),
                  "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)}, ensure_ascii=False))
