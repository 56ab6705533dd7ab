#!/usr/bin/env python3
"""Load check of the web workbench: many signed-in sessions hitting the clue list and the
clue detail of `procura serve` on loopback, driven by wrk; prints p50/p90/p99.

Usage: web_load.py BASE_URL SESSIONS SECONDS OUT_DIR
Signs in SESSIONS times (the demo accounts of two departments, round robin), writes a wrk
Lua script that gives each request the cookie of one of the sessions, and runs wrk with one
connection per session for each of: list page 1, list deep pages with a filter, detail.
"""
import json
import os
import re
import subprocess
import sys
import urllib.request

base, sessions, seconds, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
# The 刑事检察部 accounts: the department with the most clues (43 % of them).
users = ["li.jiancha", "wang.zhuren", "zhao.jiancha"]


def login(user):
    body = json.dumps({"username": user, "password": "procura-demo-2026"}).encode()
    request = urllib.request.Request(base + "/api/login", data=body, headers={"content-type": "application/json"})
    with urllib.request.urlopen(request) as response:
        cookie = response.headers["set-cookie"].split(";")[0]
        return cookie


cookies = [login(users[i % len(users)]) for i in range(sessions)]
ids = []
for page in range(1, 11):
    request = urllib.request.Request(base + "/api/clues?page_size=200&sort=id&page=%d" % page, headers={"cookie": cookies[0]})
    with urllib.request.urlopen(request) as response:
        ids += [c["id"] for c in json.load(response)["items"]]

lua = os.path.join(out, "sessions.lua")
with open(lua, "w") as f:
    f.write("local cookies = {%s}\n" % ",".join('"%s"' % c for c in cookies))
    f.write("local ids = {%s}\n" % ",".join(str(i) for i in ids))
    f.write("""
local counter = 0
local mode = os.getenv("MODE")
request = function()
  counter = counter + 1
  local cookie = cookies[(counter %% #cookies) + 1]
  local path
  if mode == "list" then
    path = "/api/clues?page=1&page_size=20"
  elseif mode == "deep" then
    path = "/api/clues?status=assigned&sort=-amount&page_size=20&page=" .. ((counter %% 50) + 1)
  else
    path = "/api/clues/" .. ids[(counter %% #ids) + 1]
  end
  return wrk.format("GET", path, {["Cookie"] = cookie})
end
""".replace("%%", "%"))

results = {}
for mode in ["list", "deep", "detail"]:
    env = dict(os.environ, MODE=mode)
    completed = subprocess.run(
        ["wrk", "-t2", "-c%d" % sessions, "-d%ds" % seconds, "--timeout", "10s", "--latency", "-s", lua, base],
        env=env, capture_output=True, text=True, check=True)
    text = completed.stdout
    percentiles = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", text, re.M))
    rps = re.search(r"Requests/sec:\s+(\S+)", text).group(1)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    errors = re.search(r"Socket errors: (.*)", text)
    results[mode] = {"p50": percentiles.get("50"), "p90": percentiles.get("90"), "p99": percentiles.get("99"),
                     "requests_per_s": rps, "non_2xx": int(non2xx.group(1)) if non2xx else 0,
                     "socket_errors": errors.group(1) if errors else ""}
    with open(os.path.join(out, "wrk-%s.txt" % mode), "w") as f:
        f.write(text)

print("| request | p50 | p90 | p99 | requests/s | non-2xx |")
print("|---|---:|---:|---:|---:|---:|")
labels = {"list": "clue list, page 1 (20 rows in scope, total counted up to 10,000)",
          "deep": "clue list, filter + sort by amount, pages 1–50",
          "detail": "clue detail (evidence rows read from Parquet, history, comments; 2,000 clues)"}
for mode, r in results.items():
    print("| %s | %s | %s | %s | %s | %d |" % (labels[mode], r["p50"], r["p90"], r["p99"], r["requests_per_s"], r["non_2xx"]))
