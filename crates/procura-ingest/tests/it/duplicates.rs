//! Exact duplicate rows: kept by default, dropped (first occurrence kept) when the mapping or
//! the request says so, always counted, and proposed by `suggest` when it sees them.

use procura_ingest::{DuplicatePolicy, Mapping};

use crate::{Env, column};

/// Rows 4 and 7 repeat rows 2 and 3 (row numbers differ, content does not); row 5 differs
/// from row 2 in the amount only; row 8 is a real second payment in another month.
const PAYMENTS: &str = "姓名,身份证号,发放年月,金额\n\
    张三,110101199003071233,2024-06,500\n\
    李四,11010119900307125X,2024-06,600\n\
    张三,110101199003071233,2024-06,500\n\
    张三,110101199003071233,2024-06,501\n\
    王五,110101199003071276,2024-06,700\n\
    李四,11010119900307125X,2024-06,600\n\
    张三,110101199003071233,2024-07,500\n";

const DROP: &str = "duplicates = \"drop\"\n[[column]]\nsource = \"姓名\"\n";

#[test]
fn duplicates_are_kept_and_counted_by_default() {
    let env = Env::new();
    let path = env.write_text("payments.csv", PAYMENTS);
    let request = env.request(&path);
    let outcome = env.ingest(&request).unwrap();
    let report = &outcome.report;
    assert_eq!(report.rows_kept, 7);
    assert_eq!(report.duplicate_rows, 2);
    assert_eq!(report.duplicate_policy, DuplicatePolicy::Keep);
    assert_eq!(report.duplicate_rows_dropped, 0);
    assert!(report.dropped_duplicates.is_empty());
    assert_eq!(outcome.mapping.duplicates, Some(DuplicatePolicy::Keep));
    assert_eq!(env.rows(&request).len(), 7);
}

#[test]
fn mapping_drop_keeps_the_first_occurrence_and_reports_the_dropped_rows() {
    let env = Env::new();
    let path = env.write_text("payments.csv", PAYMENTS);
    let mut request = env.request(&path);
    request.mapping = Some(Mapping::from_toml(DROP).unwrap());
    let outcome = env.ingest(&request).unwrap();
    let rows = env.rows(&request);
    assert_eq!(column(&rows, "_source_row"), ["2", "3", "5", "6", "8"]);
    assert_eq!(
        column(&rows, "amount"),
        ["500.00", "600.00", "501.00", "700.00", "500.00"]
    );
    // `_row_id` stays the ordinal among the rows read, so evidence ids do not shift.
    assert_eq!(column(&rows, "_row_id"), ["1", "2", "4", "5", "7"]);

    let report = &outcome.report;
    assert_eq!(report.duplicate_policy, DuplicatePolicy::Drop);
    assert_eq!(report.duplicate_rows, 2);
    assert_eq!(report.duplicate_rows_dropped, 2);
    assert_eq!(report.rows_read, 7);
    assert_eq!(report.rows_kept, 5);
    assert_eq!(
        report.rows_read,
        report.rows_kept + report.rows_rejected + report.duplicate_rows_dropped
    );
    assert_eq!(report.files[0].duplicates_dropped, 2);
    assert_eq!(report.files[0].rows_kept, 5);
    let examples: Vec<String> = report
        .dropped_duplicates
        .iter()
        .map(|e| e.location.to_string())
        .collect();
    let file = path.display().to_string();
    assert_eq!(examples, [format!("{file}:4"), format!("{file}:7")]);
    assert_eq!(report.dropped_duplicates[0].code, "duplicate_row");
    assert_eq!(
        report.dropped_duplicates[0].value,
        "张三 | 110101199003071233 | 2024-06 | 500"
    );
    // Duplicate keys are counted among the rows kept: 张三's ID is in rows 2, 5 and 8.
    let keys = &report.duplicate_keys[0];
    assert_eq!((keys.distinct, keys.duplicates), (3, 2), "{keys:?}");
    assert_eq!(outcome.n_rows, 5);
    assert!(outcome.mapping.to_toml().contains("duplicates = \"drop\""));
}

#[test]
fn request_overrides_the_mapping() {
    let env = Env::new();
    let path = env.write_text("payments.csv", PAYMENTS);
    let mut request = env.request(&path);
    request.mapping = Some(Mapping::from_toml(DROP).unwrap());
    request.duplicates = Some(DuplicatePolicy::Keep);
    let outcome = env.ingest(&request).unwrap();
    assert_eq!(outcome.report.rows_kept, 7);
    assert_eq!(outcome.report.duplicate_policy, DuplicatePolicy::Keep);

    let mut request = env.request(&path);
    request.duplicates = Some(DuplicatePolicy::Drop);
    let outcome = env.ingest(&request).unwrap();
    assert_eq!(outcome.report.rows_kept, 5);
    assert_eq!(outcome.mapping.duplicates, Some(DuplicatePolicy::Drop));
}

#[test]
fn duplicates_across_chunks_and_threads_keep_the_first_occurrence() {
    // Every row comes twice, the copies 20,000 rows apart: more than one chunk of 16,384
    // rows, normalised on two threads, so the order of the writer is what keeps the first.
    let env = Env::new();
    let mut text = String::from("姓名,编号,金额\n");
    for _ in 0..2 {
        for i in 0..20_000 {
            text.push_str(&format!("人{i},{i},{}\n", i % 97));
        }
    }
    let path = env.write_text("big.csv", &text);
    let mut request = env.request(&path);
    request.duplicates = Some(DuplicatePolicy::Drop);
    let outcome = env.ingest(&request).unwrap();
    assert_eq!(outcome.report.rows_read, 40_000);
    assert_eq!(outcome.report.rows_kept, 20_000);
    assert_eq!(outcome.report.duplicate_rows, 20_000);
    assert_eq!(outcome.report.duplicate_rows_dropped, 20_000);
    let rows = env.rows(&request);
    let source_rows: Vec<u64> = column(&rows, "_source_row")
        .iter()
        .map(|r| r.parse().unwrap())
        .collect();
    assert_eq!(source_rows, (2..20_002).collect::<Vec<u64>>());
    let first = &outcome.report.dropped_duplicates[0];
    assert_eq!(first.location.row, Some(20_002));
}

#[test]
fn rows_repeated_on_a_continuation_sheet_are_duplicates_too() {
    let env = Env::new();
    let path = env.path("book.xlsx");
    let mut workbook = rust_xlsxwriter::Workbook::new();
    for (name, rows) in [
        ("明细", vec![["张三", "500"], ["李四", "600"]]),
        ("明细(2)", vec![["李四", "600"], ["王五", "700"]]),
    ] {
        let sheet = workbook.add_worksheet();
        sheet.set_name(name).unwrap();
        sheet.write_string(0, 0, "姓名").unwrap();
        sheet.write_string(0, 1, "金额").unwrap();
        for (r, [person, amount]) in rows.iter().enumerate() {
            sheet.write_string(r as u32 + 1, 0, *person).unwrap();
            sheet
                .write_number(r as u32 + 1, 1, amount.parse::<f64>().unwrap())
                .unwrap();
        }
    }
    workbook.save(&path).unwrap();
    let mut request = env.request(&path);
    request.duplicates = Some(DuplicatePolicy::Drop);
    let outcome = env.ingest(&request).unwrap();
    assert_eq!(
        column(&env.rows(&request), "name"),
        ["张三", "李四", "王五"]
    );
    let dropped = &outcome.report.dropped_duplicates[0];
    assert_eq!(
        dropped.location.to_string(),
        format!("{}[明细(2)]:2", path.display())
    );
    assert_eq!(outcome.report.files[1].duplicates_dropped, 1);
}

#[test]
fn suggest_proposes_drop_with_the_rows_it_saw() {
    let env = Env::new();
    let path = env.write_text("payments.csv", PAYMENTS);
    let mapping = procura_ingest::suggest(&path, &Default::default(), &env.path("")).unwrap();
    assert_eq!(mapping.duplicates, Some(DuplicatePolicy::Drop));
    let seen = mapping.duplicates_seen.as_ref().unwrap();
    assert_eq!(
        (seen.rows_scanned, seen.duplicates, seen.complete),
        (7, 2, true)
    );
    let file = path.display().to_string();
    assert_eq!(
        seen.examples
            .iter()
            .map(|l| l.to_string())
            .collect::<Vec<_>>(),
        [format!("{file}:4"), format!("{file}:7")]
    );
    let text = mapping.to_toml();
    assert!(text.contains("duplicates = \"drop\""), "{text}");
    assert!(text.contains(&format!("e.g. {file}:4, {file}:7")), "{text}");
    // What suggest proposes, ingest then does.
    let mut request = env.request(&path);
    request.mapping = Some(Mapping::from_toml(&text).unwrap());
    assert_eq!(
        env.ingest(&request).unwrap().report.duplicate_rows_dropped,
        2
    );
}

#[test]
fn suggest_without_duplicates_leaves_the_default() {
    let env = Env::new();
    // The two signature rows are identical, but ingest rejects them as summary rows, so they
    // are not duplicates of data.
    let path = env.write_text(
        "unique.csv",
        "姓名,身份证号,发放年月,金额\n\
         张三,110101199003071233,2024-06,500\n\
         张三,110101199003071233,2024-07,500\n\
         制表人：赵,,,\n\
         制表人：赵,,,\n",
    );
    let mapping = procura_ingest::suggest(&path, &Default::default(), &env.path("")).unwrap();
    assert_eq!(mapping.duplicates, None);
    assert_eq!(mapping.duplicates_seen, None);
    assert!(mapping.to_toml().contains("# duplicates = \"keep\""));
}
