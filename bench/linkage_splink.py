#!/usr/bin/env python3
"""The Splink side of the linkage benchmark (Splink with its DuckDB backend).

Splink gets the same prepared features Procura compares (normalised and simplified names,
pinyin, birth dates, gender, region, IDs), the same blocking rules (rule 0 links records that
share a valid ID, as Procura's deterministic layer does; the other rules skip pairs of two valid
IDs, as Procura does), and comparison levels equivalent to Procura's. Prints stage times, pairs,
peak memory and pairwise precision/recall/F1 as JSON.

Usage: linkage_splink.py FEATURES_PARQUET PERSONS_PARQUET LABELS_CSV
"""
import json
import resource
import sys
import time

import duckdb
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

features, persons, labels = sys.argv[1:4]
con = duckdb.connect()
con.execute(f"CREATE TABLE features AS SELECT * FROM read_parquet('{features}')").fetchall()
n_records = con.execute("SELECT count(*) FROM features").fetchall()[0][0]
timings = {}

def rule(sql):
    # Pairs of two valid IDs are decided by the IDs (rule 0), never compared.
    return f"({sql}) AND (l.id IS NULL OR r.id IS NULL)"

blocking = [
    block_on("id"),
    rule("l.birth_date = r.birth_date"),
    rule("l.pinyin = r.pinyin AND l.birth_year = r.birth_year"),
    rule("l.region = r.region AND l.name_simplified = r.name_simplified"),
    rule("substr(coalesce(l.id, l.id_digits), 1, 14) = substr(coalesce(r.id, r.id_digits), 1, 14)"),
]
name = cl.CustomComparison(
    output_column_name="name",
    comparison_levels=[
        cll.NullLevel("name_norm"),
        cll.ExactMatchLevel("name_norm").configure(tf_adjustment_column="name_simplified"),
        cll.ExactMatchLevel("name_simplified").configure(tf_adjustment_column="name_simplified"),
        cll.ExactMatchLevel("pinyin").configure(tf_adjustment_column="pinyin"),
        cll.LevenshteinLevel("name_simplified", 1),
        cll.JaroWinklerLevel("pinyin", 0.92),
        cll.JaroWinklerLevel("pinyin", 0.85),
        cll.ElseLevel(),
    ],
)
birth = cl.CustomComparison(
    output_column_name="birth_date",
    comparison_levels=[
        cll.NullLevel("birth_date"),
        cll.ExactMatchLevel("birth_date"),
        cll.CustomLevel("substr(birth_date_l, 1, 4) = substr(birth_date_r, 1, 4) AND substr(birth_date_l, 6, 2) = substr(birth_date_r, 9, 2) "
                        "AND substr(birth_date_l, 9, 2) = substr(birth_date_r, 6, 2)", "day/month swapped"),
        cll.LevenshteinLevel("birth_date", 1),
        cll.CustomLevel("birth_year_l = birth_year_r", "same year"),
        cll.ElseLevel(),
    ],
)
region = cl.CustomComparison(
    output_column_name="region",
    comparison_levels=[
        cll.NullLevel("region"),
        cll.ExactMatchLevel("region"),
        cll.ExactMatchLevel("city"),
        cll.ExactMatchLevel("province"),
        cll.ElseLevel(),
    ],
)
identity = cl.CustomComparison(
    output_column_name="id",
    comparison_levels=[
        cll.CustomLevel("coalesce(id_l, id_digits_l) IS NULL OR coalesce(id_r, id_digits_r) IS NULL", "null").configure(is_null_level=True),
        cll.CustomLevel("levenshtein(coalesce(id_l, id_digits_l), coalesce(id_r, id_digits_r)) <= 1 "
                        "OR substr(coalesce(id_l, id_digits_l), 1, 17) = substr(coalesce(id_r, id_digits_r), 1, 17)", "one character apart"),
        cll.ElseLevel(),
    ],
)
settings = SettingsCreator(
    link_type="dedupe_only",
    unique_id_column_name="row_id",
    blocking_rules_to_generate_predictions=blocking,
    comparisons=[name, birth, cl.ExactMatch("gender"), region, identity, cl.ExactMatch("phone")],
    retain_intermediate_calculation_columns=False,
    retain_matching_columns=False,
)

start = time.perf_counter()
db_api = DuckDBAPI(connection=con)
linker = Linker(db_api.register("features"), settings)
timings["setup"] = time.perf_counter() - start

start = time.perf_counter()
linker.training.estimate_probability_two_random_records_match([block_on("id")], recall=0.65)
linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=42)
for training_rule in [block_on("birth_date"), block_on("pinyin", "birth_year"), block_on("region", "name_simplified")]:
    linker.training.estimate_parameters_using_expectation_maximisation(training_rule)
timings["training"] = time.perf_counter() - start

start = time.perf_counter()
predictions = linker.inference.predict(threshold_match_probability=0.5)
pairs = predictions.as_duckdbpyrelation().count("*").fetchall()[0][0]
timings["blocking_and_scoring"] = time.perf_counter() - start

start = time.perf_counter()
clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, threshold_match_probability=0.9)
assignment = clusters.as_duckdbpyrelation().select("row_id, cluster_id")
con.register("splink_clusters", assignment.df())
timings["clustering"] = time.perf_counter() - start

con.execute(f"CREATE TABLE labels AS SELECT * FROM read_csv('{labels}', header = true, all_varchar = true)")
metrics = con.execute(f"""
    WITH joined AS (
        SELECT c.cluster_id AS predicted, l.true_entity AS truth
        FROM splink_clusters c
        JOIN read_parquet('{persons}') p ON p._row_id = c.row_id
        JOIN labels l ON l."记录编号" = p."记录编号"
    ),
    tp AS (SELECT sum(n * (n - 1) / 2) AS v FROM (SELECT count(*) AS n FROM joined GROUP BY predicted, truth)),
    pp AS (SELECT sum(n * (n - 1) / 2) AS v FROM (SELECT count(*) AS n FROM joined GROUP BY predicted)),
    ap AS (SELECT sum(n * (n - 1) / 2) AS v FROM (SELECT count(*) AS n FROM joined GROUP BY truth))
    SELECT tp.v, pp.v, ap.v FROM tp, pp, ap
""").fetchall()[0]
true_pairs, predicted_pairs, actual_pairs = (float(v or 0) for v in metrics)
precision = true_pairs / predicted_pairs if predicted_pairs else 1.0
recall = true_pairs / actual_pairs if actual_pairs else 1.0
print(json.dumps({
    "records": n_records,
    "pairs_above_0_5": pairs,
    "seconds": {k: round(v, 3) for k, v in timings.items()},
    "total_seconds": round(sum(timings.values()), 3),
    "precision": round(precision, 4), "recall": round(recall, 4),
    "f1": round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0,
    "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
}))
