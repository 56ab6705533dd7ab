#!/usr/bin/env python3
"""Pairwise precision, recall and F1 of Procura's person entities against the labels.

Usage: linkage_metrics.py PERSON_LINKS_PARQUET PERSONS_PARQUET LABELS_CSV
"""
import json
import sys

import duckdb

links, persons, labels = sys.argv[1:4]
con = duckdb.connect()
true_pairs, predicted_pairs, actual_pairs = (float(v or 0) for v in con.execute(f"""
    WITH joined AS (
        SELECT k.entity AS predicted, l.true_entity AS truth
        FROM read_parquet('{links}') k
        JOIN read_parquet('{persons}') p ON p._row_id = k.row_id
        JOIN read_csv('{labels}', header = true, all_varchar = true) l ON l."记录编号" = p."记录编号"
    ),
    tp AS (SELECT sum(n * (n - 1) / 2) AS v FROM (SELECT count(*) AS n FROM joined GROUP BY predicted, truth)),
    pp AS (SELECT sum(n * (n - 1) / 2) AS v FROM (SELECT count(*) AS n FROM joined GROUP BY predicted)),
    ap AS (SELECT sum(n * (n - 1) / 2) AS v FROM (SELECT count(*) AS n FROM joined GROUP BY truth))
    SELECT tp.v, pp.v, ap.v FROM tp, pp, ap
""").fetchall()[0])
precision = true_pairs / predicted_pairs if predicted_pairs else 1.0
recall = true_pairs / actual_pairs if actual_pairs else 1.0
print(json.dumps({"precision": round(precision, 4), "recall": round(recall, 4),
                  "f1": round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0}))
