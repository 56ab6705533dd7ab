//! An independent check of the ground truth: every model's rule, recomputed with plain loops
//! from the rows exactly as they were written, must find the exact positives and nothing else;
//! and every linkage case must be attributable: its damaged row declares the person's birth
//! date and gender (or keeps them in the damaged number), its name reads as the person's, no
//! other resident fits it, and the person has valid-ID rows elsewhere to link it to.
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
use procura_core::field::{normalize_case_number, normalize_gender, parse_number};
use procura_core::name::{name_pinyin, normalize_name};
use procura_core::org_id::parse_org_id;
use procura_core::person_id::{Gender, parse_person_id};

use crate::calendar::{AS_OF, add_days};
use crate::datasets::*;
use crate::plan::{LinkageRow, Subject};
use crate::population::Person;
use crate::truth::GroundTruth;
use crate::write::{Cell, RecordedTable, TableSpec};
use crate::{DemoConfig, Run};

/// One recorded dataset with its columns looked up by header.
struct Table<'a> {
    spec: &'static TableSpec,
    rows: &'a [Vec<Cell>],
}

impl<'a> Table<'a> {
    fn named(run: &'a Run, name: &str) -> Table<'a> {
        let spec = ALL_SPECS
            .iter()
            .find(|spec| spec.name == name)
            .unwrap_or_else(|| panic!("no dataset {name}"));
        Table::of(run, spec)
    }

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
            non_exact * 5 <= cases.positives.len(),
            "{label}: {model} non-exact share"
        );
        // M10 and M14 have no linkage cases by design: their keys are case numbers that
        // no damaged identifier could hide.
        if !matches!(model.as_str(), "M10" | "M14") {
            assert!(non_exact >= 1, "{label}: {model} has no linkage case");
        }
    }
}

/// Every export that names a person, by its name and ID columns; `declared` when the file
/// also has 出生日期 and 性别.
struct PersonColumns {
    spec: &'static TableSpec,
    name: &'static str,
    id: &'static str,
    declared: bool,
}

const fn columns(
    spec: &'static TableSpec,
    name: &'static str,
    id: &'static str,
    declared: bool,
) -> PersonColumns {
    PersonColumns {
        spec,
        name,
        id,
        declared,
    }
}

const PERSON_COLUMNS: [PersonColumns; 17] = [
    columns(&DEATHS, "姓名", "身份证号", true),
    columns(&PENSIONS, "姓名", "身份证号", true),
    columns(&CUSTODY, "姓名", "身份证号", true),
    columns(&DIBAO, "户主姓名", "户主身份证号", false),
    columns(&DIBAO, "姓名", "身份证号", true),
    columns(&PROBATION_JUDGMENTS, "被告人", "身份证号", true),
    columns(&CORRECTION_REPORTS, "姓名", "身份证号", false),
    columns(&CORRECTION_ROSTER, "姓名", "身份证号", true),
    columns(&HOTEL_STAYS, "姓名", "身份证号", false),
    columns(&CRIMINAL_JUDGMENTS, "被告人", "身份证号", true),
    columns(&LICENCE_STATUS, "姓名", "身份证号", false),
    columns(&TRAFFIC_PENALTIES, "姓名", "身份证号", true),
    columns(&CRIMINAL_FILINGS, "姓名", "身份证号", false),
    columns(&ADMIN_PENALTIES, "姓名", "身份证号", true),
    columns(&CIVIL_CASES, "原告", "原告身份证号", false),
    columns(&CIVIL_CASES, "被告", "被告身份证号", false),
    columns(&MEDICAL_CLAIMS, "姓名", "身份证号", true),
];

const ORG_SPECS: [&TableSpec; 5] = [
    &POLICE_CASES,
    &ENV_PENALTIES,
    &SUBSIDIES,
    &OIL_PURCHASES,
    &WASTE_OIL,
];

const ALL_SPECS: [&TableSpec; 23] = [
    &DEATHS,
    &PENSIONS,
    &CUSTODY,
    &DIBAO,
    &PROBATION_JUDGMENTS,
    &CORRECTION_REPORTS,
    &CORRECTION_ROSTER,
    &HOTEL_STAYS,
    &LEAVE_RECORDS,
    &CRIMINAL_JUDGMENTS,
    &EXECUTION_CASES,
    &LICENCE_STATUS,
    &TRAFFIC_PENALTIES,
    &CRIMINAL_FILINGS,
    &ADMIN_PENALTIES,
    &POLICE_CASES,
    &CIVIL_CASES,
    &ENV_PENALTIES,
    &SUBSIDIES,
    &MEDICAL_CLAIMS,
    &TRAFFIC_ACCIDENTS,
    &OIL_PURCHASES,
    &WASTE_OIL,
];

/// A row naming a person with a valid ID, as a linker would read it.
#[derive(Debug)]
struct PersonRow {
    dataset: &'static str,
    /// The name in simplified characters.
    name: Option<String>,
    /// The declared birth date and whether the declared gender is male.
    declared: Option<(NaiveDate, bool)>,
}

/// Every row with a valid person ID, by canonical ID.
fn person_rows(run: &Run) -> BTreeMap<String, Vec<PersonRow>> {
    let mut rows: BTreeMap<String, Vec<PersonRow>> = BTreeMap::new();
    for columns in &PERSON_COLUMNS {
        let table = Table::of(run, columns.spec);
        let (name, id) = (table.col(columns.name), table.col(columns.id));
        let declared = columns
            .declared
            .then(|| (table.col("出生日期"), table.col("性别")));
        for row in table.rows {
            let Some(canonical) = person(&row[id]) else {
                continue;
            };
            let declared = declared.map(|(birth, gender)| {
                let birth = day(&row[birth]).unwrap_or_else(|| panic!("no birth date {row:?}"));
                let gender = text(&row[gender]).and_then(normalize_gender);
                let male = gender.unwrap_or_else(|| panic!("no gender {row:?}")) == "男";
                (birth, male)
            });
            rows.entry(canonical).or_default().push(PersonRow {
                dataset: columns.spec.name,
                name: text(&row[name]).and_then(|n| normalize_name(n).ok().map(|n| n.simplified)),
                declared,
            });
        }
    }
    rows
}

/// The birth date and gender left in a damaged ID number (its first 17 characters), if any.
fn damaged_digits(id: &str) -> Option<(NaiveDate, bool)> {
    let birth = NaiveDate::parse_from_str(id.get(6..14)?, "%Y%m%d").ok()?;
    let gender = id.as_bytes().get(16).filter(|d| d.is_ascii_digit())?;
    Some((birth, gender % 2 == 1))
}

/// Declared birth dates and genders agree with the ID everywhere, except for the misrecorded
/// birth dates of background pension and death rows, none of which belongs to a person of a
/// planted case. Returns the share of pension rows with such a contradiction.
fn assert_declared_attributes(
    run: &Run,
    rows: &BTreeMap<String, Vec<PersonRow>>,
    label: &str,
) -> f64 {
    let planted: BTreeSet<&String> = run
        .output
        .truth
        .models
        .values()
        .filter(|m| matches!(m.key_fields[0].as_str(), "person_id" | "plaintiff_id"))
        .flat_map(|m| m.positives.iter().chain(&m.near_misses))
        .map(|c| &c.key[0])
        .collect();
    let (mut pensions, mut misrecorded_pensions) = (0, 0);
    for (id, rows) in rows {
        let parsed = parse_person_id(id, AS_OF).unwrap_or_else(|e| panic!("{id}: {e:?}"));
        let male = parsed.gender == Gender::Male;
        for row in rows {
            let Some((birth, declared_male)) = row.declared else {
                continue;
            };
            assert_eq!(
                declared_male, male,
                "{label}: {id} gender in {}",
                row.dataset
            );
            if row.dataset == PENSIONS.name {
                pensions += 1;
            }
            if birth == parsed.birth_date {
                continue;
            }
            assert!(
                matches!(row.dataset, "pensions" | "deaths"),
                "{label}: {id} birth date {birth} in {}",
                row.dataset
            );
            assert!(
                !planted.contains(id),
                "{label}: {id} of a planted case has birth date {birth} in {}",
                row.dataset
            );
            if row.dataset == PENSIONS.name {
                misrecorded_pensions += 1;
            }
        }
    }
    f64::from(misrecorded_pensions) / f64::from(pensions.max(1))
}

/// The truth's linkage cases and the rows behind them agree, and each row can be attributed
/// to its person or company and to nobody else.
fn assert_linkage(run: &Run, rows: &BTreeMap<String, Vec<PersonRow>>, label: &str) {
    let cases: BTreeSet<(String, String)> = run
        .output
        .truth
        .models
        .iter()
        .flat_map(|(model, m)| {
            m.positives
                .iter()
                .filter(|c| !c.exact)
                .map(move |c| (model.clone(), c.key[0].clone()))
        })
        .collect();
    let planted: BTreeSet<(String, String)> = run
        .linkage
        .iter()
        .map(|row| (row.model.code().to_owned(), row.key.clone()))
        .collect();
    assert_eq!(cases, planted, "{label}: linkage rows");
    assert_eq!(
        planted.len(),
        run.linkage.len(),
        "{label}: one row per case"
    );
    for row in &run.linkage {
        let label = format!("{label}: {} {}", row.model.code(), row.key);
        match row.subject {
            Subject::Person(index) => assert_person_case(run, rows, row, index, &label),
            Subject::Org(index) => assert_org_case(run, row, index, &label),
        }
    }
}

/// The row of `row.dataset` written with this name and ID text.
fn hidden_row<'a>(table: &Table<'a>, name: &str, id: &str, row: &LinkageRow) -> &'a [Cell] {
    let (name_col, id_col) = (table.col(name), table.col(id));
    let raw = |cell: &Cell| match cell {
        Cell::Text(value) => value.clone(),
        _ => String::new(),
    };
    let matching: Vec<&Vec<Cell>> = table
        .rows
        .iter()
        .filter(|r| raw(&r[name_col]) == row.name && raw(&r[id_col]) == row.id)
        .collect();
    // The deaths export repeats some rows verbatim; a repeat is the same row.
    assert!(!matching.is_empty(), "{row:?}");
    assert!(matching.iter().all(|r| *r == matching[0]), "{row:?}");
    matching[0]
}

fn assert_person_case(
    run: &Run,
    rows: &BTreeMap<String, Vec<PersonRow>>,
    row: &LinkageRow,
    index: usize,
    label: &str,
) {
    let persons = &run.population.persons;
    let resident = &persons[index];
    let columns = PERSON_COLUMNS
        .iter()
        .find(|c| c.spec.name == row.dataset && (c.spec.name != "civil_cases" || c.name == "原告"))
        .unwrap_or_else(|| panic!("{label}: no person columns"));
    let table = Table::named(run, row.dataset);
    let cells = hidden_row(&table, columns.name, columns.id, row);
    assert!(
        person(&cells[table.col(columns.id)]).is_none(),
        "{label}: the ID is usable"
    );
    let person = resident;
    let (birth, male) = if columns.declared {
        let birth = day(&cells[table.col("出生日期")]);
        let gender = text(&cells[table.col("性别")]).and_then(normalize_gender);
        (birth, gender.map(|g| g == "男"))
    } else {
        let digits = damaged_digits(&row.id);
        (digits.map(|d| d.0), digits.map(|d| d.1))
    };
    assert_eq!(birth, Some(person.birth), "{label}: birth date");
    assert_eq!(male, Some(person.is_male()), "{label}: gender");
    let simplified = normalize_name(&row.name)
        .unwrap_or_else(|e| panic!("{label}: name {e:?}"))
        .simplified;
    let pinyin = name_pinyin(&simplified);
    assert_eq!(
        pinyin,
        name_pinyin(&person.name),
        "{label}: name reads differently"
    );
    let undotted = |name: &str| name.replace('·', "");
    // No other resident has the name, birth date and gender the row declares; nobody but
    // the person has its name pinyin and birth date.
    let same_name: Vec<&Person> = persons
        .iter()
        .filter(|p| {
            undotted(&p.name) == undotted(&simplified)
                && p.birth == person.birth
                && p.is_male() == person.is_male()
        })
        .collect();
    assert!(
        same_name.iter().all(|p| p.id == person.id),
        "{label}: {simplified} also fits {same_name:?}"
    );
    let same_reading: Vec<&Person> = persons
        .iter()
        .filter(|p| p.birth == person.birth && name_pinyin(&p.name) == pinyin)
        .collect();
    assert_eq!(same_reading.len(), 1, "{label}: {same_reading:?}");
    // At least two other rows with the valid ID, the same name and (where declared) the same
    // birth date to link the hidden row to.
    let support = rows
        .get(&person.id)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter(|r| {
            r.name.as_deref() == Some(person.name.as_str())
                && r.declared.is_none_or(|(birth, _)| birth == person.birth)
        })
        .count();
    assert!(support >= 2, "{label}: only {support} rows to link to");
}

/// A company name without its district and with one form of company, as a linker compares
/// names.
fn org_key(name: &str) -> String {
    let name = name
        .strip_prefix("绍兴市")
        .and_then(|rest| rest.char_indices().nth(3).map(|(i, _)| &rest[i..]))
        .unwrap_or(name);
    name.replace("有限责任公司", "有限公司")
}

fn assert_org_case(run: &Run, row: &LinkageRow, index: usize, label: &str) {
    let orgs = &run.population.orgs;
    let company = &orgs[index];
    let table = Table::named(run, row.dataset);
    let cells = hidden_row(&table, "企业名称", "统一社会信用代码", row);
    let written = org(&cells[table.col("统一社会信用代码")]);
    assert_ne!(
        written.as_ref(),
        Some(&company.id),
        "{label}: the USCC is usable"
    );
    assert_eq!(row.name, company.name, "{label}: name");
    let same_name = orgs.iter().filter(|o| o.name == row.name).count();
    assert_eq!(same_name, 1, "{label}: {} companies named so", same_name);
    let same_key = orgs
        .iter()
        .filter(|o| org_key(&o.name) == org_key(&row.name))
        .count();
    assert_eq!(same_key, 1, "{label}: {} companies named alike", same_key);
    let support: usize = ORG_SPECS
        .iter()
        .map(|spec| {
            let table = Table::of(run, spec);
            let name = table.col(if spec.name == "police_cases" {
                "涉案企业名称"
            } else {
                "企业名称"
            });
            let id = table.col(if spec.name == "police_cases" {
                "涉案企业统一社会信用代码"
            } else {
                "统一社会信用代码"
            });
            table
                .rows
                .iter()
                .filter(|r| {
                    org(&r[id]).as_ref() == Some(&company.id) && text(&r[name]) == Some(&row.name)
                })
                .count()
        })
        .sum();
    assert!(support >= 1, "{label}: no row to link to");
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
            let label = format!("{persons} persons, seed {seed}");
            assert_matches(&run.output.truth, &found, &label);
            let rows = person_rows(&run);
            assert_linkage(&run, &rows, &label);
            let misrecorded = assert_declared_attributes(&run, &rows, &label);
            if persons == 2000 {
                assert!(
                    (0.005..0.05).contains(&misrecorded),
                    "{label}: {misrecorded} of pension rows misstate the birth date"
                );
                for (model, cases) in &run.output.truth.models {
                    let non_exact = cases.positives.iter().filter(|c| !c.exact).count();
                    let expected = if matches!(model.as_str(), "M10" | "M14") {
                        0
                    } else {
                        2
                    };
                    assert_eq!(non_exact, expected, "{label}: {model}");
                }
            }
        }
    }
}

#[test]
fn declared_birth_date_and_gender_follow_the_id_column() {
    for spec in PERSON_COLUMNS.iter().filter(|c| c.declared) {
        let position = |header: &str| spec.spec.headers.iter().position(|h| *h == header);
        let id = position(spec.id).unwrap_or_else(|| panic!("{}", spec.spec.name));
        assert_eq!(position("出生日期"), Some(id + 1), "{}", spec.spec.name);
        assert_eq!(position("性别"), Some(id + 2), "{}", spec.spec.name);
    }
    assert_eq!(PERSON_COLUMNS.iter().filter(|c| c.declared).count(), 10);
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
