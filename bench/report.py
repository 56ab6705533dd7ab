#!/usr/bin/env python3
"""Prints the comparison tables of a benchmark run (markdown, for BENCHMARKS.md)."""
import json
import os
import sys


def load(path):
    with open(path, encoding="utf-8") as f:
        text = f.read().strip()
    value = json.loads(text.splitlines()[-1]) if text.startswith("{") and "\n" in text else json.loads(text)
    return value


def inner(measured):
    """measure.py wraps a command's stdout; the command's own JSON is inside."""
    return json.loads(measured["stdout"].strip().splitlines()[-1])


kind, directory = sys.argv[1], sys.argv[2]
if kind == "ingest":
    rows, xlsx_rows = int(sys.argv[3]), int(sys.argv[4])
    csv = load(os.path.join(directory, "procura_csv.json"))
    quarter = load(os.path.join(directory, "procura_csv_quarter.json"))
    xlsx = load(os.path.join(directory, "procura_xlsx.json"))
    duck_measured = load(os.path.join(directory, "duckdb.json"))
    duck = inner(duck_measured)
    print("| input | rows | Procura s | Procura rows/s | DuckDB s | DuckDB rows/s | Procura / DuckDB speed |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, n, ours, theirs in [("GBK CSV", rows, csv["seconds"], duck["csv"]["seconds"]),
                                   ("xlsx", xlsx_rows, xlsx["seconds"], duck["xlsx"]["seconds"])]:
        print(f"| {label} | {n:,} | {ours:.2f} | {n / ours:,.0f} | {theirs:.2f} | {n / theirs:,.0f} | {theirs / ours:.2f}× |")
    print()
    print(f"DuckDB CSV time = transcode GBK→UTF-8 {duck['csv']['transcode_seconds']} s + normalise {duck['csv']['normalise_seconds']} s "
          f"(without the transcode: {rows / duck['csv']['normalise_seconds']:,.0f} rows/s).")
    print(f"Peak RSS: Procura CSV {csv['peak_rss_mib']} MiB at {rows:,} rows, {quarter['peak_rss_mib']} MiB at {rows // 4:,} rows; "
          f"Procura xlsx {xlsx['peak_rss_mib']} MiB; DuckDB process {duck['peak_rss_mib']} MiB.")
    print(f"DuckDB valid IDs {duck['csv']['valid_ids']:,} of {duck['csv']['rows']:,}.")
elif kind == "models":
    persons = int(sys.argv[3])
    generate = load(os.path.join(directory, "generate.json"))
    ingest = load(os.path.join(directory, "ingest.json"))
    ours_measured = load(os.path.join(directory, "procura_models.json"))
    ours_runs = json.loads(ours_measured["stdout"]) if ours_measured["stdout"].strip().startswith("[") else []
    duck_measured = load(os.path.join(directory, "duckdb_models.json"))
    duck = inner(duck_measured)
    print(f"Population {persons:,} persons; {ingest['rows']:,} rows in {len(ingest['datasets'])} datasets "
          f"(generated in {generate['seconds']:.1f} s, ingested in {ingest['seconds']:.1f} s, ingest peak RSS {ingest['peak_rss_mib']} MiB).")
    print()
    print("| model | clues (Procura) | rows (DuckDB) | Procura s | DuckDB s | ratio |")
    print("|---|---:|---:|---:|---:|---:|")
    duck_by_model = {m["model"]: m for m in duck["models"]}
    for run in ours_runs:
        theirs = duck_by_model.get(run["model_id"], {})
        ours_s = (run.get("duration_ms") or 0) / 1000
        theirs_s = theirs.get("seconds", 0)
        ratio = f"{theirs_s / ours_s:.2f}×" if ours_s else "-"
        print(f"| {run['model_id']} | {run['n_clues']:,} | {theirs.get('rows', 0):,} | {ours_s:.2f} | {theirs_s:.2f} | {ratio} |")
    print()
    print(f"Total: Procura `run --all` {ours_measured['seconds']:.2f} s wall (process start, binding, executing, recording clues in SQLite; "
          f"peak RSS {ours_measured['peak_rss_mib']} MiB); DuckDB {duck['seconds']:.2f} s (views + queries; process peak RSS {duck['peak_rss_mib']} MiB).")
elif kind == "linkage":
    records = int(sys.argv[3])
    ingest = load(os.path.join(directory, "procura_ingest.json"))
    link_measured = load(os.path.join(directory, "procura_link.json"))
    link = json.loads(link_measured["stdout"])
    metrics = load(os.path.join(directory, "procura_metrics.json"))
    splink_measured = load(os.path.join(directory, "splink.json"))
    splink = inner(splink_measured)
    ours = link["seconds"]
    ours_total = sum(ours.values())
    pairs = sum(r["pairs"] for r in link["candidate_pairs"])
    print(f"{records:,} records ({link['records']:,} distinct, {link['with_valid_id']:,} with a valid ID).")
    print()
    print("| | Procura | Splink 5 (DuckDB) |")
    print("|---|---:|---:|")
    print(f"| candidate pairs compared | {pairs:,} | (in predict) |")
    print(f"| pairs kept (p ≥ 0.5) | {link['pairs_kept']:,} | {splink['pairs_above_0_5']:,} |")
    print(f"| blocking s | {ours['blocking']:.2f} | — |")
    print(f"| training s | {ours['training']:.2f} | {splink['seconds']['training']:.2f} |")
    print(f"| scoring s (Splink: blocking + scoring) | {ours['scoring']:.2f} | {splink['seconds']['blocking_and_scoring']:.2f} |")
    print(f"| clustering s | {ours['clustering']:.2f} | {splink['seconds']['clustering']:.2f} |")
    print(f"| linkage total s | {ours_total:.2f} | {splink['total_seconds']:.2f} |")
    print(f"| speed-up (linkage stages) | {splink['total_seconds'] / ours_total:.1f}× | |")
    print(f"| whole process s (Procura: read the dataset, derive features, link, publish 3 datasets; "
          f"Splink: Python start, load prepared features, link, cluster) | {link_measured['seconds']:.2f} | {splink_measured['seconds']:.2f} |")
    print(f"| speed-up (whole process) | {splink_measured['seconds'] / link_measured['seconds']:.1f}× | |")
    print(f"| peak RSS MiB | {link_measured['peak_rss_mib']} | {splink['peak_rss_mib']} |")
    print(f"| pairwise precision | {metrics['precision']:.4f} | {splink['precision']:.4f} |")
    print(f"| pairwise recall | {metrics['recall']:.4f} | {splink['recall']:.4f} |")
    print(f"| pairwise F1 | {metrics['f1']:.4f} | {splink['f1']:.4f} |")
