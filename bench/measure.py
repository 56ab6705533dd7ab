#!/usr/bin/env python3
"""Runs a command and prints one JSON line: wall seconds and the child's peak RSS (MiB).

Usage: measure.py LABEL COMMAND [ARGS...]
"""
import json
import resource
import subprocess
import sys
import time

label, command = sys.argv[1], sys.argv[2:]
start = time.perf_counter()
completed = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
wall = time.perf_counter() - start
peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
if completed.returncode != 0:
    sys.stderr.write(completed.stderr.decode("utf-8", "replace"))
    sys.exit(completed.returncode)
print(json.dumps({"label": label, "seconds": round(wall, 3), "peak_rss_mib": round(peak_kib / 1024, 1),
                  "stdout": completed.stdout.decode("utf-8", "replace")}, ensure_ascii=False))
