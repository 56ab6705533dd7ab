//! Edge cases of each primitive, with small inline models.

use procura_models::{manifest, testing};

use crate::today;

const HEADER: &str = r#"
[model]
id = "T"
version = "0"
name = { zh = "测试", en = "test" }
area = "criminal"
supervision_point = "-"
description = "-"
legal_basis = [{ law = "-" }]
follow_up = []
author = "-"
organisation = "-"
"#;

async fn check(body: &str) {
    let text = format!("{HEADER}{body}");
    let model = manifest::parse(&text, &|_| None).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let scratch = tempfile::tempdir().unwrap();
    let outcomes = testing::run_tests(&model, scratch.path(), today())
        .await
        .unwrap();
    let failures: Vec<String> = outcomes
        .iter()
        .flat_map(|o| o.failures.iter().map(move |f| format!("{}: {f}", o.name)))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn status_conflict_with_nulls_duplicates_and_inclusive_bounds() {
    check(
        r#"
[inputs.e]
label = "-"
dataset = "e"
fields = { k = "person_id", d = "date", amount = "amount" }
[inputs.s]
label = "-"
dataset = "s"
fields = { k = "person_id", start = "date", stop = "date?" }
[rule]
pattern = "status_conflict"
event = { input = "e", key = "k", date = "d" }
state = { input = "s", key = "k", start = "start", end = "stop" }
[clue]
key = ["e.k"]
title = "{k}"
severity = "'low'"
amount = "sum(e.amount)"

[[tests]]
name = "bounds are inclusive by default; null keys never match; duplicate rows both count"
reject = [["B"]]
[tests.data]
s = [{ k = "A", start = "2024-01-01", stop = "2024-01-31" }, { start = "2024-01-01" }, { k = "B", start = "2024-03-01", stop = "2024-03-02" }]
e = [
  { k = "A", d = "2024-01-01", amount = "1" },
  { k = "A", d = "2024-01-31", amount = "2" },
  { k = "A", d = "2024-01-31", amount = "2" },
  { k = "A", d = "2024-02-01", amount = "100" },
  { d = "2024-01-05", amount = "100" },
  { k = "B", d = "2024-03-03", amount = "100" },
]
[[tests.expect]]
key = ["A"]
amount = "5.00"
evidence = { e = 3, s = 1 }

[[tests]]
name = "empty inputs"
[tests.data]
"#,
    )
    .await;
}

#[tokio::test]
async fn missing_follow_up_window_is_inclusive_and_deadline_must_have_passed() {
    check(
        r#"
[inputs.t]
label = "-"
dataset = "t"
fields = { k = "person_id", d = "date" }
[inputs.f]
label = "-"
dataset = "f"
fields = { k = "person_id", d = "date" }
[parameters.days]
type = "integer"
default = 10
label = "-"
[rule]
pattern = "missing_follow_up"
trigger = { input = "t", key = "k", date = "d" }
follow_up = { input = "f", key = "k", date = "d" }
within_days = "days"
[clue]
key = ["t.k"]
title = "{k}"
severity = "'low'"

[[tests]]
name = "day 10 is in time, day 11 is late, before the trigger does not count"
params = { reference_date = "2025-06-30" }
reject = [["ON_TIME"], ["NOT_YET"]]
[tests.data]
t = [
  { k = "ON_TIME", d = "2025-01-01" },
  { k = "LATE", d = "2025-01-01" },
  { k = "EARLY", d = "2025-01-01" },
  { k = "NOT_YET", d = "2025-06-25" },
  { d = "2025-01-01" },
]
f = [
  { k = "ON_TIME", d = "2025-01-11" },
  { k = "LATE", d = "2025-01-12" },
  { k = "EARLY", d = "2024-12-31" },
]
[[tests.expect]]
key = ["LATE"]
[[tests.expect]]
key = ["EARLY"]
"#,
    )
    .await;
}

#[tokio::test]
async fn repetition_counts_any_sliding_window() {
    check(
        r#"
[inputs.e]
label = "-"
dataset = "e"
fields = { k = "person_id", d = "date" }
[parameters.n]
type = "integer"
default = 3
label = "-"
[parameters.w]
type = "integer"
default = 30
label = "-"
[rule]
pattern = "repetition"
event = { input = "e", key = "k", date = "d" }
min_count = "n"
window_days = "w"
[clue]
key = ["e.k"]
title = "{k}"
severity = "'low'"

[[tests]]
name = "three events exactly 30 days apart qualify; 31 do not; duplicates on one day count"
reject = [["SPREAD"]]
[tests.data]
e = [
  { k = "EDGE", d = "2024-01-01" }, { k = "EDGE", d = "2024-01-15" }, { k = "EDGE", d = "2024-01-31" },
  { k = "SPREAD", d = "2024-01-01" }, { k = "SPREAD", d = "2024-01-15" }, { k = "SPREAD", d = "2024-02-01" },
  { k = "SAME_DAY", d = "2024-05-01" }, { k = "SAME_DAY", d = "2024-05-01" }, { k = "SAME_DAY", d = "2024-05-01" },
  { k = "LATER", d = "2023-01-01" }, { k = "LATER", d = "2024-01-01" }, { k = "LATER", d = "2024-01-10" }, { k = "LATER", d = "2024-01-20" },
]
[[tests.expect]]
key = ["EDGE"]
evidence = { e = 3 }
[[tests.expect]]
key = ["SAME_DAY"]
evidence = { e = 3 }
[[tests.expect]]
key = ["LATER"]
evidence = { e = 3 }
"#,
    )
    .await;
}

#[tokio::test]
async fn interval_overlap_and_same_day_boundaries() {
    check(
        r#"
[inputs.a]
label = "-"
dataset = "a"
fields = { k = "person_id", d = "date" }
[inputs.r]
label = "-"
dataset = "r"
fields = { k = "person_id", start = "date", stop = "date?" }
[inputs.x]
label = "-"
dataset = "x"
fields = { k = "person_id", start = "date", stop = "date?" }
[rule]
pattern = "interval_overlap"
activity = { input = "a", key = "k", date = "d" }
restriction = { input = "r", key = "k", start = "start", end = "stop" }
exemption = { input = "x", key = "k", start = "start", end = "stop" }
[clue]
key = ["a.k"]
title = "{k}"
severity = "'low'"

[[tests]]
name = "first and last day of the restriction count; an open-ended restriction lasts; exemption bounds are inclusive"
reject = [["AFTER"], ["EXEMPT"]]
[tests.data]
r = [
  { k = "FIRST", start = "2024-01-01", stop = "2024-01-31" },
  { k = "AFTER", start = "2024-01-01", stop = "2024-01-31" },
  { k = "OPEN", start = "2024-01-01" },
  { k = "EXEMPT", start = "2024-01-01", stop = "2024-12-31" },
]
a = [
  { k = "FIRST", d = "2024-01-01" },
  { k = "AFTER", d = "2024-02-01" },
  { k = "OPEN", d = "2025-01-01" },
  { k = "EXEMPT", d = "2024-06-10" },
]
x = [{ k = "EXEMPT", start = "2024-06-01", stop = "2024-06-10" }]
[[tests.expect]]
key = ["FIRST"]
[[tests.expect]]
key = ["OPEN"]
"#,
    )
    .await;
}
