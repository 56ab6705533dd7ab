//! What other agencies' CSV exports do that ours did not: rows that leave out their trailing
//! empty fields, the header line repeated at every page, and IDs wrapped in Excel's text
//! formula `="…"` so that Excel keeps their 18 digits.

use crate::{Env, column};

#[test]
fn short_rows_repeated_headers_and_excel_text_wrappers() {
    let env = Env::new();
    let path = env.write_text(
        "deaths.csv",
        "姓名,身份证号,死亡日期,信息来源\n\
         张三,110101199003071233,2024-01-05\n\
         李四,=\"11010119900307125X\",2024-02-06,民政\n\
         姓名,身份证号,死亡日期,信息来源\n\
         王五,110101199003071276,2024-03-07,\n\
         赵六,\"=\"\"110101199003071233\"\"\",2024-04-08,卫健\n\
         钱七,\"11010119900307\n",
    );
    let request = env.request(&path);
    let outcome = env.ingest(&request).unwrap();
    let report = &outcome.report;
    let rows = env.rows(&request);
    // Row 2 leaves out its last field: read, its source empty, and said so.
    assert_eq!(
        column(&rows, "name"),
        ["张三", "李四", "王五", "赵六"],
        "{report:?}"
    );
    assert_eq!(report.repaired.counts.get("short_row_padded"), Some(&1));
    assert_eq!(report.repaired.examples[0].location.row, Some(2));
    // The header line again (row 5) is not data.
    assert_eq!(report.rejected.counts.get("repeated_header"), Some(&1));
    // The wrapper is Excel's, not the ID's; the raw text keeps what the file had.
    assert_eq!(
        column(&rows, "person_id"),
        [
            "110101199003071233",
            "11010119900307125X",
            "110101199003071276",
            "110101199003071233"
        ]
    );
    assert_eq!(
        column(&rows, "person_id__raw")[1],
        "=\"11010119900307125X\""
    );
    // A quote left open at the end swallows the rest of the file: that row is refused.
    assert_eq!(report.rejected.counts.get("too_few_fields"), Some(&1));
}
