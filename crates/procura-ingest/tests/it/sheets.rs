//! Which sheets of a workbook are read: an export longer than a sheet continues on
//! `低保发放明细(2)` with the same header, and was silently cut to its first sheet.

use procura_ingest::quality::SheetQuality;
use procura_ingest::{Error, SheetSelection};
use rust_xlsxwriter::Workbook;

use crate::{Env, column};

/// A sheet as rows of text cells; an empty string leaves the cell empty.
type Sheet<'a> = (&'a str, Vec<Vec<&'a str>>);

fn xlsx(path: &std::path::Path, sheets: &[Sheet<'_>]) {
    let mut workbook = Workbook::new();
    for (name, rows) in sheets {
        let sheet = workbook.add_worksheet();
        sheet.set_name(*name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, text) in row.iter().enumerate() {
                if !text.is_empty() {
                    sheet.write_string(r as u32, c as u16, *text).unwrap();
                }
            }
        }
    }
    workbook.save(path).unwrap();
}

const HEADER: [&str; 4] = ["序号", "姓名", "身份证号", "发放金额"];

/// The export the user had: a title row, the data sheet, its continuation (whose title row
/// says "续表" and whose columns come in another order), a notes sheet and an empty sheet.
fn continued_export(env: &Env) -> std::path::PathBuf {
    let path = env.path("低保.xlsx");
    xlsx(
        &path,
        &[
            (
                "低保发放明细",
                vec![
                    vec!["某县2024年6月城乡低保发放明细", "", "", ""],
                    HEADER.to_vec(),
                    vec!["1", "张三", "110101199003071234", "500"],
                    vec!["2", "李四", "11010119900307123X", "600"],
                    vec!["3", "王五", "110101199003071251", "700"],
                ],
            ),
            (
                "低保发放明细(2)",
                vec![
                    vec!["某县2024年6月城乡低保发放明细（续表）", "", "", ""],
                    vec![],
                    vec!["序号", "姓名", "发放金额", "身份证号"],
                    vec!["4", "赵六", "800", "110101199003071278"],
                    vec!["5", "钱七", "900", "110101199003071294"],
                ],
            ),
            (
                "说明",
                vec![
                    vec!["数据来源：县民政局"],
                    vec!["导出时间：2024年7月1日"],
                    vec!["每个工作表最多1048576行，超出部分见续表"],
                ],
            ),
            ("Sheet4", vec![]),
        ],
    );
    path
}

fn sheet<'a>(sheets: &'a [SheetQuality], name: &str) -> &'a SheetQuality {
    sheets
        .iter()
        .find(|s| s.sheet == name)
        .unwrap_or_else(|| panic!("sheet `{name}` not in the report: {sheets:?}"))
}

#[test]
fn continuation_sheet_with_the_same_header_is_read_as_one_table() {
    let env = Env::new();
    let path = continued_export(&env);
    let request = env.request(&path);
    let outcome = env.ingest(&request).unwrap();
    let rows = env.rows(&request);
    assert_eq!(
        column(&rows, "name"),
        ["张三", "李四", "王五", "赵六", "钱七"]
    );
    assert_eq!(
        column(&rows, "amount"),
        ["500.00", "600.00", "700.00", "800.00", "900.00"]
    );
    let display = path.display().to_string();
    assert_eq!(
        column(&rows, "_source"),
        [
            format!("{display}[低保发放明细]"),
            format!("{display}[低保发放明细]"),
            format!("{display}[低保发放明细]"),
            format!("{display}[低保发放明细(2)]"),
            format!("{display}[低保发放明细(2)]"),
        ]
    );
    assert_eq!(column(&rows, "_source_row"), ["3", "4", "5", "4", "5"]);
    assert_eq!(column(&rows, "_row_id"), ["1", "2", "3", "4", "5"]);

    let report = &outcome.report;
    assert_eq!(report.rows_kept, 5);
    assert_eq!(report.files.len(), 2);
    assert_eq!(report.files[1].header_row, 3);
    assert_eq!(report.files[1].title_rows, [1]);
    let sheets = &report.sheets;
    assert_eq!(sheets.len(), 4, "{sheets:?}");
    assert_eq!(
        sheets
            .iter()
            .map(|s| (s.position, s.read, s.reason.as_str()))
            .collect::<Vec<_>>(),
        [
            (1, true, "first_table"),
            (2, true, "same_header"),
            (3, false, "other_header"),
            (4, false, "empty"),
        ]
    );
    assert!(sheets.iter().all(|s| s.file == display));
    assert!(
        sheet(sheets, "说明").detail.contains("低保发放明细"),
        "{sheets:?}"
    );
    // The first sheet read says, in the notes every front-end shows, what was left out.
    let notes = report.files[0].notes.join("\n");
    assert!(notes.contains("`说明`"), "{notes}");
    assert!(
        notes.contains("`Sheet4`") && notes.contains("empty"),
        "{notes}"
    );
}

#[test]
fn notes_sheet_before_the_data_is_passed_over() {
    let env = Env::new();
    let path = env.path("book.xlsx");
    xlsx(
        &path,
        &[
            (
                "说明",
                vec![
                    vec!["填表说明"],
                    vec!["一、金额单位为元"],
                    vec!["二、身份证号为18位"],
                ],
            ),
            (
                "明细",
                vec![
                    HEADER.to_vec(),
                    vec!["1", "张三", "110101199003071234", "500"],
                ],
            ),
        ],
    );
    let request = env.request(&path);
    let outcome = env.ingest(&request).unwrap();
    let rows = env.rows(&request);
    assert_eq!(column(&rows, "name"), ["张三"]);
    // One sheet read: locations name the workbook alone, as before.
    assert_eq!(column(&rows, "_source"), [path.display().to_string()]);
    let sheets = &outcome.report.sheets;
    assert_eq!(sheet(sheets, "说明").reason, "other_header");
    assert_eq!(sheet(sheets, "明细").reason, "first_table");
}

#[test]
fn sheet_with_a_different_header_is_skipped_and_says_which_columns_differ() {
    let env = Env::new();
    let path = env.path("book.xlsx");
    xlsx(
        &path,
        &[
            (
                "明细",
                vec![
                    HEADER.to_vec(),
                    vec!["1", "张三", "110101199003071234", "500"],
                ],
            ),
            (
                "家庭成员",
                vec![
                    vec!["序号", "姓名", "身份证号", "与户主关系"],
                    vec!["1", "张小三", "110101201003071234", "子"],
                ],
            ),
            (
                "明细(2)",
                vec![
                    HEADER.to_vec(),
                    vec!["2", "李四", "11010119900307123X", "600"],
                ],
            ),
        ],
    );
    let request = env.request(&path);
    let outcome = env.ingest(&request).unwrap();
    assert_eq!(column(&env.rows(&request), "name"), ["张三", "李四"]);
    let members = sheet(&outcome.report.sheets, "家庭成员");
    assert!(!members.read);
    assert_eq!(members.reason, "other_header");
    assert!(
        members.detail.contains("lacks 发放金额"),
        "{}",
        members.detail
    );
    assert!(
        members.detail.contains("has 与户主关系"),
        "{}",
        members.detail
    );
    assert_eq!(members.header_row, Some(1));
    // No column of the other table leaks into the dataset.
    assert!(
        outcome.columns.iter().all(|c| c.source != "与户主关系"),
        "{:?}",
        outcome.columns
    );
}

#[test]
fn named_sheet_is_read_alone_and_the_others_are_listed() {
    let env = Env::new();
    let path = continued_export(&env);
    let mut request = env.request(&path);
    request.read.sheets = SheetSelection::Named("低保发放明细(2)".into());
    let outcome = env.ingest(&request).unwrap();
    assert_eq!(column(&env.rows(&request), "name"), ["赵六", "钱七"]);
    let reasons: Vec<(&str, bool, &str)> = outcome
        .report
        .sheets
        .iter()
        .map(|s| (s.sheet.as_str(), s.read, s.reason.as_str()))
        .collect();
    assert_eq!(
        reasons,
        [
            ("低保发放明细", false, "not_selected"),
            ("低保发放明细(2)", true, "named"),
            ("说明", false, "not_selected"),
            ("Sheet4", false, "not_selected"),
        ]
    );
}

#[test]
fn all_sheets_skip_empty_ones_instead_of_failing() {
    let env = Env::new();
    let path = env.path("book.xlsx");
    xlsx(
        &path,
        &[
            (
                "1月",
                vec![
                    HEADER.to_vec(),
                    vec!["1", "张三", "110101199003071234", "500"],
                ],
            ),
            ("2月", vec![]),
            (
                "3月",
                vec![
                    HEADER.to_vec(),
                    vec!["1", "张三", "110101199003071234", "500"],
                ],
            ),
        ],
    );
    let mut request = env.request(&path);
    request.read.sheets = SheetSelection::All;
    let outcome = env.ingest(&request).unwrap();
    assert_eq!(outcome.report.rows_kept, 2);
    let empty = sheet(&outcome.report.sheets, "2月");
    assert_eq!((empty.read, empty.reason.as_str()), (false, "empty"));
}

#[test]
fn workbook_without_data_is_an_error_naming_it() {
    let env = Env::new();
    let path = env.path("empty.xlsx");
    xlsx(&path, &[("Sheet1", vec![]), ("Sheet2", vec![])]);
    let error = env.ingest(&env.request(&path)).unwrap_err();
    assert!(matches!(error, Error::NoData { .. }), "{error:?}");
    assert!(error.to_string().contains("empty.xlsx"), "{error}");

    let path = env.path("header_only.xlsx");
    xlsx(&path, &[("Sheet1", vec![HEADER.to_vec()])]);
    let error = env.ingest(&env.request(&path)).unwrap_err();
    assert!(matches!(error, Error::NoData { .. }), "{error:?}");
    assert!(error.to_string().contains("header_only.xlsx"), "{error}");
}

#[test]
fn suggestion_leaves_out_the_notes_sheet() {
    let env = Env::new();
    let path = continued_export(&env);
    let mapping =
        procura_ingest::suggest(&path, &Default::default(), env.path("").as_path()).unwrap();
    let sources: Vec<&str> = mapping.columns.iter().map(|c| c.source.as_str()).collect();
    assert_eq!(sources, HEADER);
}
