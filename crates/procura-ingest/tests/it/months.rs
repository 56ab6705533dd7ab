//! Month columns read Excel serials, date cells and the month spellings exactly as date
//! columns do (a user's 发放年月 held `45444`, which a date column read as 2024-06-01).

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

use crate::{Env, column};

const MAPPING: &str = r#"
[[column]]
source = "姓名"

[[column]]
source = "发放年月"
type = "month"

[[column]]
source = "发放日期"
type = "date"

[[column]]
source = "到账时间"
type = "datetime"
"#;

#[test]
fn csv_with_serials_as_text_reads_months_like_dates() {
    let env = Env::new();
    let path = env.write_text(
        "payments.csv",
        "姓名,发放年月,发放日期,到账时间\n\
         张三,45444,45444,45444.5\n\
         李四,45474,2024-07-15,2024/7/15 9:30\n\
         王五,2024年3月,2024年3月5日,45356.25\n\
         赵六,2024.3,20240305,2024-03-05 06:00:00\n\
         钱七,202403,45356,45356\n\
         孙八,2024-03,45356.75,45356.75\n\
         周九,2024,2024,2024\n\
         吴十,12,12,12\n",
    );
    let mut request = env.request(&path);
    request.mapping = Some(procura_ingest::Mapping::from_toml(MAPPING).unwrap());
    let outcome = env.ingest(&request).unwrap();
    let rows = env.rows(&request);
    assert_eq!(
        column(&rows, "pay_month"),
        [
            "2024-06-01",
            "2024-07-01",
            "2024-03-01",
            "2024-03-01",
            "2024-03-01",
            "2024-03-01",
            "∅",
            "∅"
        ]
    );
    assert_eq!(
        column(&rows, "pay_date"),
        [
            "2024-06-01",
            "2024-07-15",
            "2024-03-05",
            "2024-03-05",
            "2024-03-05",
            "2024-03-05",
            "∅",
            "1900-01-12"
        ]
    );
    assert_eq!(
        column(&rows, "dao_zhang_shi_jian"),
        [
            "2024-06-01T12:00:00",
            "2024-07-15T09:30:00",
            "2024-03-05T06:00:00",
            "2024-03-05T06:00:00",
            "2024-03-05T00:00:00",
            "2024-03-05T18:00:00",
            "∅",
            "1900-01-12T00:00:00"
        ]
    );
    // The bare year is refused alike in the three columns, with the same code.
    assert_eq!(column(&rows, "pay_month__issue")[6], "unrecognised");
    assert_eq!(column(&rows, "pay_date__issue")[6], "unrecognised");
    assert_eq!(
        column(&rows, "dao_zhang_shi_jian__issue")[6],
        "unrecognised"
    );
    // `12` is a month without its year in a month column, not 1900-01-12.
    // Date and datetime columns read it as a serial, as they always did.
    assert_eq!(column(&rows, "pay_month__issue")[7], "unrecognised");
    let month = outcome
        .report
        .columns
        .iter()
        .find(|c| c.name == "pay_month")
        .unwrap();
    assert_eq!((month.valid, month.invalid), (6, 2));
    let example = &month.issues.examples[0];
    assert_eq!(example.location.row, Some(8));
    assert_eq!(example.location.column.as_deref(), Some("发放年月"));
    assert!(example.location.file.ends_with("payments.csv"));
}

/// Writes the same four payments as number cells, date cells and text cells.
fn write_payments(path: &std::path::Path) {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("低保发放明细").unwrap();
    for (column, header) in ["姓名", "发放年月", "发放日期", "到账时间"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, column as u16, *header).unwrap();
    }
    let month_format = Format::new().set_num_format("yyyy-mm");
    let date_format = Format::new().set_num_format("yyyy-mm-dd");
    // Row 2: plain number cells holding serials (a pasted column that lost its format).
    sheet.write_string(1, 0, "张三").unwrap();
    sheet.write_number(1, 1, 45444.0).unwrap();
    sheet.write_number(1, 2, 45444.0).unwrap();
    sheet.write_number(1, 3, 45444.5).unwrap();
    // Row 3: real date cells.
    let june = ExcelDateTime::from_ymd(2024, 6, 17).unwrap();
    sheet.write_string(2, 0, "李四").unwrap();
    sheet
        .write_datetime_with_format(2, 1, &june, &month_format)
        .unwrap();
    sheet
        .write_datetime_with_format(2, 2, &june, &date_format)
        .unwrap();
    sheet
        .write_datetime_with_format(2, 3, &june, &date_format)
        .unwrap();
    // Row 4: a number that is `yyyymm`, and text.
    sheet.write_string(3, 0, "王五").unwrap();
    sheet.write_number(3, 1, 202406.0).unwrap();
    sheet.write_string(3, 2, "2024年6月3日").unwrap();
    sheet.write_string(3, 3, "2024-06-03 08:00").unwrap();
    // Row 5: month text forms.
    sheet.write_string(4, 0, "赵六").unwrap();
    sheet.write_string(4, 1, "2024年6月").unwrap();
    sheet.write_number(4, 2, 45446.0).unwrap();
    sheet.write_string(4, 3, "45446").unwrap();
    workbook.save(path).unwrap();
}

#[test]
fn xlsx_number_and_date_cells_read_months_like_dates() {
    let env = Env::new();
    let path = env.path("payments.xlsx");
    write_payments(&path);
    let mut request = env.request(&path);
    request.mapping = Some(procura_ingest::Mapping::from_toml(MAPPING).unwrap());
    let outcome = env.ingest(&request).unwrap();
    let rows = env.rows(&request);
    assert_eq!(
        column(&rows, "pay_month"),
        ["2024-06-01", "2024-06-01", "2024-06-01", "2024-06-01"]
    );
    assert_eq!(
        column(&rows, "pay_date"),
        ["2024-06-01", "2024-06-17", "2024-06-03", "2024-06-03"]
    );
    assert_eq!(
        column(&rows, "dao_zhang_shi_jian"),
        [
            "2024-06-01T12:00:00",
            "2024-06-17T00:00:00",
            "2024-06-03T08:00:00",
            "2024-06-03T00:00:00"
        ]
    );
    assert_eq!(column(&rows, "pay_month__raw")[0], "45444");
    assert_eq!(outcome.report.value_issue_count(), 0);
}

/// Rewrites an xlsx so that it uses the 1904 date system, as old Mac Excel saved it.
/// rust_xlsxwriter cannot write such workbooks, so the flag is set in `workbook.xml`.
fn set_1904_system(path: &std::path::Path) {
    use std::io::{Read, Write};
    let bytes = std::fs::read(path).unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).unwrap();
        let name = entry.name().unwrap().into_owned();
        let mut content = Vec::new();
        entry.read_to_end(&mut content).unwrap();
        if name == "xl/workbook.xml" {
            let text = String::from_utf8(content).unwrap();
            assert!(text.contains("<workbookPr"), "{text}");
            content = text
                .replacen("<workbookPr", "<workbookPr date1904=\"1\"", 1)
                .into_bytes();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(&content).unwrap();
    }
    let bytes = out.finish().unwrap().into_inner();
    let mut file = std::fs::File::create(path).unwrap();
    file.write_all(&bytes).unwrap();
}

#[test]
fn xlsx_in_the_1904_system_reads_number_cells_with_its_epoch() {
    let env = Env::new();
    let path = env.path("mac.xlsx");
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    for (column, header) in ["姓名", "发放年月", "发放日期", "到账时间"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, column as u16, *header).unwrap();
    }
    // 2024-06-01 is serial 43982 in the 1904 system (45444 in the 1900 system).
    sheet.write_string(1, 0, "张三").unwrap();
    sheet.write_number(1, 1, 43982.0).unwrap();
    sheet.write_number(1, 2, 43982.0).unwrap();
    sheet.write_number(1, 3, 43982.5).unwrap();
    sheet.write_string(2, 0, "李四").unwrap();
    sheet.write_string(2, 1, "43982").unwrap();
    sheet.write_string(2, 2, "43982").unwrap();
    sheet.write_string(2, 3, "43982.25").unwrap();
    workbook.save(&path).unwrap();
    set_1904_system(&path);

    let mut request = env.request(&path);
    request.mapping = Some(procura_ingest::Mapping::from_toml(MAPPING).unwrap());
    env.ingest(&request).unwrap();
    let rows = env.rows(&request);
    assert_eq!(column(&rows, "pay_month"), ["2024-06-01", "2024-06-01"]);
    assert_eq!(column(&rows, "pay_date"), ["2024-06-01", "2024-06-01"]);
    assert_eq!(
        column(&rows, "dao_zhang_shi_jian"),
        ["2024-06-01T12:00:00", "2024-06-01T06:00:00"]
    );
}
