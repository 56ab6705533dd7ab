//! An independent check of the ground truth: every model's rule, recomputed with plain loops
//! from the rows exactly as they were written, must find the exact positives and nothing else.
//!
//! The evaluator reads values the way ingest does (procura-core's parsers on the written
//! text, Excel serials converted, case numbers canonicalised), so it also proves that the
//! noise in the files cannot change a result. Unparseable IDs become missing, as in ingest;
//! an unparseable date, month or number is a bug in the generator and fails the test. A row
//! whose key is missing joins nothing, forms no group and triggers no follow-up check (as
//! `IS NOT NULL` in the models' SQL). Check-in and violation times are evaluated both as
//! dates and as timestamps compared with midnight of the other side's dates, and must give
//! the same result, because the models may see either.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use procura_core::amount::{AmountUnit, parse_amount};
use procura_core::date::{ExcelDateSystem, excel_serial_to_datetime, parse_date, parse_month};
use procura_core::field::{normalize_case_number, parse_number};
use procura_core::org_id::parse_org_id;
use procura_core::person_id::parse_person_id;

use crate::calendar::{AS_OF, add_days};
use crate::datasets::*;
use crate::truth::GroundTruth;
use crate::write::{Cell, RecordedTable, TableSpec};
use crate::{DemoConfig, Run};

/// One recorded dataset with its columns looked up by header.
struct Table<'a> {
    spec: &'static TableSpec,
    rows: &'a [Vec<Cell>],
}

impl<'a> Table<'a> {
    fn of(run: &'a Run, spec: &'static TableSpec) -> Table<'a> {
        let rows = run
            .recorded
            .get(spec.name)
            .map_or(&[][..], |t: &RecordedTable| &t.rows[..]);
        assert!(!rows.is_empty(), "{} has no rows", spec.name);
        Table { spec, rows }
    }

    fn col(&self, header: &str) -> usize {
        self.spec
            .headers
            .iter()
            .position(|h| *h == header)
            .unwrap_or_else(|| panic!("{} has no column {header}", self.spec.name))
    }

    /// Every row's cells in the named columns.
    fn select<const N: usize>(&self, headers: [&str; N]) -> Vec<[&'a Cell; N]> {
        let cols = headers.map(|h| self.col(h));
        self.rows.iter().map(|row| cols.map(|c| &row[c])).collect()
    }
}

fn text(cell: &Cell) -> Option<&str> {
    match cell {
        Cell::Text(value) if !value.trim().is_empty() => Some(value),
        _ => None,
    }
}

fn person(cell: &Cell) -> Option<String> {
    parse_person_id(text(cell)?, AS_OF)
        .ok()
        .map(|p| p.into_string())
}

fn org(cell: &Cell) -> Option<String> {
    parse_org_id(text(cell)?).ok().map(|o| o.into_string())
}

fn day(cell: &Cell) -> Option<NaiveDate> {
    match cell {
        Cell::Date(day) => Some(*day),
        Cell::Number(serial) => Some(
            excel_serial_to_datetime(*serial, ExcelDateSystem::Excel1900)
                .unwrap_or_else(|| panic!("serial {serial}"))
                .date(),
        ),
        Cell::Text(value) => Some(
            parse_date(value, ExcelDateSystem::Excel1900)
                .unwrap_or_else(|e| panic!("date {value:?}: {e:?}"))
                .date,
        ),
        Cell::Empty => None,
    }
}

/// A date with its time of day (`timestamps`) or at midnight.
fn moment(cell: &Cell, timestamps: bool) -> Option<NaiveDateTime> {
    match cell {
        Cell::Text(value) if timestamps => Some(
            parse_date(value, ExcelDateSystem::Excel1900)
                .unwrap_or_else(|e| panic!("date {value:?}: {e:?}"))
                .datetime(),
        ),
        other => day(other).map(midnight),
    }
}

fn midnight(day: NaiveDate) -> NaiveDateTime {
    day.and_time(chrono::NaiveTime::MIN)
}

fn month(cell: &Cell) -> NaiveDate {
    let value = text(cell).unwrap_or_else(|| panic!("month {cell:?}"));
    parse_month(value).unwrap_or_else(|e| panic!("month {value:?}: {e:?}"))
}

fn number(cell: &Cell) -> Option<f64> {
    match cell {
        Cell::Number(number) => Some(*number),
        Cell::Text(value) => {
            Some(parse_number(value).unwrap_or_else(|| panic!("number {value:?}")))
        }
        _ => None,
    }
}

fn case_no(cell: &Cell) -> String {
    normalize_case_number(text(cell).unwrap_or_else(|| panic!("case number {cell:?}")))
}

fn passed(trigger: NaiveDate, days: i64) -> bool {
    AS_OF > add_days(trigger, days)
}

/// Whether some `n` of the sorted `days` fit within `window` days.
fn n_within(days: &mut [NaiveDate], n: usize, window: i64) -> bool {
    days.sort();
    days.windows(n)
        .any(|w| (w[n - 1] - w[0]).num_days() <= window)
}

type Found = BTreeMap<&'static str, BTreeSet<String>>;

fn evaluate(run: &Run) -> Found {
    let mut found = Found::new();
    found.insert("M03", m03(run));
    found.insert("M01", m01(run));
    found.insert("M05", m05(run));
    found.insert("M06", m06(run));
    found.insert("M07", m07(run));
    found.insert("M10", m10(run));
    found.insert("M11", m11(run));
    found.insert("M35", m35(run));
    found.insert("M13", m13(run));
    found.insert("M14", m14(run));
    found.insert("M20", m20(run));
    found.insert("M36", m36(run));
    found.insert("M27", m27(run));
    found.insert("M30", m30(run));
    found
}

fn pensions(run: &Run) -> Vec<(String, NaiveDate)> {
    Table::of(run, &PENSIONS)
        .select(["身份证号", "发放年月"])
        .into_iter()
        .filter_map(|[id, m]| Some((person(id)?, month(m))))
        .collect()
}

fn custody(run: &Run) -> Vec<(String, NaiveDate, Option<NaiveDate>)> {
    Table::of(run, &CUSTODY)
        .select(["身份证号", "入所日期", "出所日期"])
        .into_iter()
        .filter_map(|[id, start, end]| Some((person(id)?, day(start)?, day(end))))
        .collect()
}

fn m03(run: &Run) -> BTreeSet<String> {
    let deaths: Vec<(String, NaiveDate)> = Table::of(run, &DEATHS)
        .select(["身份证号", "死亡日期"])
        .into_iter()
        .filter_map(|[id, d]| Some((person(id)?, day(d)?)))
        .collect();
    let mut found = BTreeSet::new();
    for (id, paid) in pensions(run) {
        for (dead, died) in &deaths {
            if *dead == id && paid > *died {
                found.insert(id.clone());
            }
        }
    }
    found
}

fn paid_in_custody(payments: Vec<(String, NaiveDate)>, run: &Run) -> BTreeSet<String> {
    let custody = custody(run);
    let mut found = BTreeSet::new();
    for (id, paid) in payments {
        for (held, start, end) in &custody {
            if *held == id && *start < paid && paid <= end.unwrap_or(AS_OF) {
                found.insert(id.clone());
            }
        }
    }
    found
}

fn m01(run: &Run) -> BTreeSet<String> {
    paid_in_custody(pensions(run), run)
}

fn m05(run: &Run) -> BTreeSet<String> {
    let dibao = Table::of(run, &DIBAO)
        .select(["身份证号", "发放月份"])
        .into_iter()
        .filter_map(|[id, m]| Some((person(id)?, month(m))))
        .collect();
    paid_in_custody(dibao, run)
}

fn m06(run: &Run) -> BTreeSet<String> {
    let reports: Vec<(String, NaiveDate)> = Table::of(run, &CORRECTION_REPORTS)
        .select(["身份证号", "入矫报到日期"])
        .into_iter()
        .filter_map(|[id, d]| Some((person(id)?, day(d)?)))
        .collect();
    let mut found = BTreeSet::new();
    let judgments = Table::of(run, &PROBATION_JUDGMENTS);
    for [case, id, effective] in judgments.select(["案号", "身份证号", "判决生效日期"])
    {
        let (Some(id), Some(effective)) = (person(id), day(effective)) else {
            continue;
        };
        let reported = reports
            .iter()
            .any(|(who, on)| *who == id && effective <= *on && *on <= add_days(effective, 10));
        if passed(effective, 10) && !reported {
            found.insert(case_no(case));
        }
    }
    found
}

fn m07(run: &Run) -> BTreeSet<String> {
    let by_day = m07_with(run, false);
    assert_eq!(by_day, m07_with(run, true), "M07 depends on check-in times");
    by_day
}

fn m07_with(run: &Run, timestamps: bool) -> BTreeSet<String> {
    let roster: Vec<(String, NaiveDate, NaiveDate, String)> = Table::of(run, &CORRECTION_ROSTER)
        .select(["身份证号", "矫正开始日期", "矫正结束日期", "执行地区划代码"])
        .into_iter()
        .filter_map(|[id, s, e, r]| Some((person(id)?, day(s)?, day(e)?, text(r)?.to_owned())))
        .collect();
    let leaves: Vec<(String, NaiveDate, NaiveDate)> = Table::of(run, &LEAVE_RECORDS)
        .select(["身份证号", "请假开始日期", "请假结束日期"])
        .into_iter()
        .filter_map(|[id, s, e]| Some((person(id)?, day(s)?, day(e)?)))
        .collect();
    let within = |at: NaiveDateTime, from: NaiveDate, to: NaiveDate| {
        midnight(from) <= at && at <= midnight(to)
    };
    let mut found = BTreeSet::new();
    let stays = Table::of(run, &HOTEL_STAYS);
    for [id, at, region] in stays.select(["身份证号", "入住时间", "旅馆所在地区划代码"])
    {
        let (Some(id), Some(at), Some(region)) = (person(id), moment(at, timestamps), text(region))
        else {
            continue;
        };
        let on_leave = leaves
            .iter()
            .any(|(l, from, to)| *l == id && within(at, *from, *to));
        for (who, start, end, home) in &roster {
            let away = region != home && at <= midnight(AS_OF);
            if *who == id && within(at, *start, *end) && away && !on_leave {
                found.insert(id.clone());
            }
        }
    }
    found
}

fn m10(run: &Run) -> BTreeSet<String> {
    let executions: Vec<(String, NaiveDate)> = Table::of(run, &EXECUTION_CASES)
        .select(["原审案号", "执行立案日期"])
        .into_iter()
        .filter_map(|[case, d]| Some((case_no(case), day(d)?)))
        .collect();
    let mut found = BTreeSet::new();
    for [case, fine, effective] in
        Table::of(run, &CRIMINAL_JUDGMENTS).select(["案号", "罚金(元)", "判决生效日期"])
    {
        let (case, effective) = (case_no(case), day(effective).unwrap_or(AS_OF));
        let executed = executions
            .iter()
            .any(|(c, on)| *c == case && *on <= add_days(effective, 90));
        if number(fine).unwrap_or(0.0) > 0.0 && passed(effective, 90) && !executed {
            found.insert(case);
        }
    }
    found
}

fn m11(run: &Run) -> BTreeSet<String> {
    let revoked: Vec<(String, NaiveDate)> = Table::of(run, &LICENCE_STATUS)
        .select(["身份证号", "驾驶证状态", "状态日期"])
        .into_iter()
        .filter(|[_, status, _]| matches!(text(status), Some("吊销" | "注销")))
        .filter_map(|[id, _, d]| Some((person(id)?, day(d)?)))
        .collect();
    let mut found = BTreeSet::new();
    let judgments = Table::of(run, &CRIMINAL_JUDGMENTS);
    for [id, charge, effective] in judgments.select(["身份证号", "罪名", "判决生效日期"])
    {
        let (Some(id), Some(effective)) = (person(id), day(effective)) else {
            continue;
        };
        let traffic = matches!(text(charge), Some("危险驾驶罪" | "交通肇事罪"));
        let done = revoked
            .iter()
            .any(|(who, on)| *who == id && effective <= *on && *on <= add_days(effective, 90));
        if traffic && passed(effective, 90) && !done {
            found.insert(id);
        }
    }
    found
}

fn filings(run: &Run) -> Vec<(String, String, NaiveDate)> {
    Table::of(run, &CRIMINAL_FILINGS)
        .select(["身份证号", "案由", "立案日期"])
        .into_iter()
        .filter_map(|[id, cause, d]| Some((person(id)?, text(cause)?.to_owned(), day(d)?)))
        .collect()
}

fn m35(run: &Run) -> BTreeSet<String> {
    let by_day = m35_with(run, false);
    assert_eq!(
        by_day,
        m35_with(run, true),
        "M35 depends on violation times"
    );
    by_day
}

fn m35_with(run: &Run, timestamps: bool) -> BTreeSet<String> {
    let filings = filings(run);
    let mut found = BTreeSet::new();
    let penalties = Table::of(run, &TRAFFIC_PENALTIES);
    for [id, at, bac] in penalties.select(["身份证号", "违法时间", "血液酒精含量(mg/100ml)"])
    {
        let (Some(id), Some(at)) = (person(id), moment(at, timestamps)) else {
            continue;
        };
        let deadline = at + Duration::days(180);
        let filed = filings
            .iter()
            .any(|(who, _, f)| *who == id && at <= midnight(*f) && midnight(*f) <= deadline);
        if number(bac).unwrap_or(0.0) >= 80.0 && deadline < midnight(AS_OF) && !filed {
            found.insert(id);
        }
    }
    found
}

fn m13(run: &Run) -> BTreeSet<String> {
    let mut thefts: BTreeMap<String, Vec<NaiveDate>> = BTreeMap::new();
    for [id, offence, d] in
        Table::of(run, &ADMIN_PENALTIES).select(["身份证号", "违法行为", "处罚日期"])
    {
        if let (Some(id), Some("盗窃"), Some(d)) = (person(id), text(offence), day(d)) {
            thefts.entry(id).or_default().push(d);
        }
    }
    let filings = filings(run);
    let mut found = BTreeSet::new();
    for (id, mut days) in thefts {
        let prosecuted = filings
            .iter()
            .any(|(who, cause, _)| *who == id && cause.contains("盗窃"));
        if n_within(&mut days, 3, 730) && !prosecuted {
            found.insert(id);
        }
    }
    found
}

fn m14(run: &Run) -> BTreeSet<String> {
    Table::of(run, &POLICE_CASES)
        .select(["案件编号", "案件状态", "立案日期"])
        .into_iter()
        .filter(|[_, status, filed]| {
            text(status) == Some("侦查中") && day(filed).is_some_and(|d| d < add_days(AS_OF, -730))
        })
        .map(|[case, _, _]| case_no(case))
        .collect()
}

fn m20(run: &Run) -> BTreeSet<String> {
    let mut suits: BTreeMap<String, Vec<NaiveDate>> = BTreeMap::new();
    for [cause, id, d] in Table::of(run, &CIVIL_CASES).select(["案由", "原告身份证号", "立案日期"])
    {
        if let (Some("民间借贷纠纷"), Some(id), Some(d)) = (text(cause), person(id), day(d)) {
            suits.entry(id).or_default().push(d);
        }
    }
    suits
        .into_iter()
        .filter_map(|(id, mut days)| n_within(&mut days, 5, 730).then_some(id))
        .collect()
}

fn m36(run: &Run) -> BTreeSet<String> {
    let penalties: Vec<(String, NaiveDate)> = Table::of(run, &ENV_PENALTIES)
        .select(["统一社会信用代码", "处罚日期"])
        .into_iter()
        .filter_map(|[id, d]| Some((org(id)?, day(d)?)))
        .collect();
    let mut found = BTreeSet::new();
    for [id, d] in Table::of(run, &SUBSIDIES).select(["统一社会信用代码", "发放日期"]) {
        let (Some(id), Some(paid)) = (org(id), day(d)) else {
            continue;
        };
        for (penalised, on) in &penalties {
            if *penalised == id && *on <= paid && paid <= add_days(*on, 1095) {
                found.insert(id.clone());
            }
        }
    }
    found
}

fn m27(run: &Run) -> BTreeSet<String> {
    let accidents: Vec<(String, NaiveDate)> = Table::of(run, &TRAFFIC_ACCIDENTS)
        .select(["身份证号", "事故日期", "责任认定"])
        .into_iter()
        .filter(|[_, _, liability]| text(liability) == Some("对方全责"))
        .filter_map(|[id, d, _]| Some((person(id)?, day(d)?)))
        .collect();
    let mut found = BTreeSet::new();
    for [id, d, diagnosis] in
        Table::of(run, &MEDICAL_CLAIMS).select(["身份证号", "入院日期", "诊断"])
    {
        let (Some(id), Some(admitted)) = (person(id), day(d)) else {
            continue;
        };
        if !text(diagnosis).is_some_and(|t| t.contains("外伤")) {
            continue;
        }
        for (victim, on) in &accidents {
            if *victim == id && *on <= admitted && admitted <= add_days(*on, 1) {
                found.insert(id.clone());
            }
        }
    }
    found
}

fn m30(run: &Run) -> BTreeSet<String> {
    let sums = |spec: &'static TableSpec, header: &str| {
        let mut sums: BTreeMap<String, f64> = BTreeMap::new();
        for [id, litres] in Table::of(run, spec).select(["统一社会信用代码", header]) {
            if let (Some(id), Some(litres)) = (org(id), number(litres)) {
                *sums.entry(id).or_default() += litres;
            }
        }
        sums
    };
    let bought = sums(&OIL_PURCHASES, "采购数量(升)");
    let declared = sums(&WASTE_OIL, "申报数量(升)");
    bought
        .into_iter()
        .filter(|(id, litres)| {
            *litres >= 1000.0 && declared.get(id).copied().unwrap_or(0.0) / litres < 0.3
        })
        .map(|(id, _)| id)
        .collect()
}

/// Asserts that the rules find exactly the exact positives, and no near-miss or linkage case.
fn assert_matches(truth: &GroundTruth, found: &Found, label: &str) {
    assert_eq!(truth.models.len(), found.len(), "{label}: models");
    for (model, cases) in &truth.models {
        let found = found
            .get(model.as_str())
            .unwrap_or_else(|| panic!("{label}: no evaluator for {model}"));
        let exact: BTreeSet<String> = cases
            .positives
            .iter()
            .filter(|c| c.exact)
            .map(|c| c.key[0].clone())
            .collect();
        assert_eq!(found, &exact, "{label}: {model} found ≠ exact positives");
        for case in cases
            .positives
            .iter()
            .filter(|c| !c.exact)
            .chain(&cases.near_misses)
        {
            assert!(
                !found.contains(&case.key[0]),
                "{label}: {model} found {case:?}"
            );
        }
        let non_exact = cases.positives.iter().filter(|c| !c.exact).count();
        assert!(cases.positives.len() >= 5, "{label}: {model} positives");
        assert!(cases.near_misses.len() >= 5, "{label}: {model} near-misses");
        assert!(
            non_exact * 10 <= cases.positives.len(),
            "{label}: {model} non-exact share"
        );
    }
}

fn generate_recorded(out: &Path, persons: usize, seed: u64) -> Run {
    let config = DemoConfig {
        persons,
        seed,
        out: out.to_path_buf(),
    };
    crate::run(&config, &|_| {}, true).unwrap_or_else(|e| panic!("generate: {e}"))
}

#[test]
fn rules_find_exactly_the_planted_exact_positives() {
    for persons in [500, 2000] {
        for seed in 1..=3 {
            let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
            let run = generate_recorded(dir.path(), persons, seed);
            let found = evaluate(&run);
            assert_matches(
                &run.output.truth,
                &found,
                &format!("{persons} persons, seed {seed}"),
            );
        }
    }
}

#[test]
fn every_truth_key_is_canonical_and_unique() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let run = generate_recorded(dir.path(), 2000, 4);
    for (model, cases) in &run.output.truth.models {
        let mut seen = BTreeSet::new();
        for case in cases.positives.iter().chain(&cases.near_misses) {
            let [key] = case.key.as_slice() else {
                panic!("{model}: {case:?}");
            };
            assert!(seen.insert(key.clone()), "{model}: duplicate key {key}");
            match cases.key_fields[0].as_str() {
                "person_id" | "plaintiff_id" => {
                    let parsed = parse_person_id(key, AS_OF).map(|p| p.into_string());
                    assert_eq!(parsed.ok().as_ref(), Some(key), "{model}");
                }
                "org_id" => {
                    let parsed =
                        parse_org_id(key).unwrap_or_else(|e| panic!("{model} {key}: {e:?}"));
                    assert!(parsed.warnings.is_empty(), "{model} {key}");
                    assert_eq!(parsed.as_str(), key);
                }
                _ => assert_eq!(&normalize_case_number(key), key, "{model}"),
            }
        }
    }
}

#[test]
fn amounts_and_plates_parse() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let run = generate_recorded(dir.path(), 500, 5);
    for (spec, header) in [
        (&PENSIONS, "发放金额"),
        (&DIBAO, "发放金额"),
        (&EXECUTION_CASES, "执行到位金额"),
        (&SUBSIDIES, "补贴金额"),
        (&MEDICAL_CLAIMS, "医保统筹支付金额"),
    ] {
        for [cell] in Table::of(&run, spec).select([header]) {
            let value = text(cell).unwrap_or_else(|| panic!("{}: {cell:?}", spec.name));
            assert!(
                parse_amount(value, AmountUnit::Yuan).is_ok(),
                "{}: {value:?}",
                spec.name
            );
        }
    }
    for [cell] in Table::of(&run, &TRAFFIC_PENALTIES).select(["号牌号码"]) {
        let value = text(cell).unwrap_or_default();
        assert!(procura_core::plate::parse_plate(value).is_ok(), "{value:?}");
    }
}
