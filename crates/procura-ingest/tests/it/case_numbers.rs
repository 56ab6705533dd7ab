//! Case and document numbers get a match key beside the value, so that `a3201…` written by
//! one agency meets `A3201…` written by another.

use crate::{Env, column};

#[test]
fn case_number_columns_carry_a_match_key() {
    let env = Env::new();
    let path = env.write_text(
        "cases.csv",
        "案号,文号,姓名\n\
         （2023）浙0602刑初123号,浙政办发〔2023〕5号,张三\n\
         (2023)浙0602刑初１２３号,浙政办发[2023]5号,李四\n\
         〔2023〕浙0602 刑初 123号,浙政办发（２０２３）５号,王五\n\
         a3201002023,,赵六\n\
         Ａ3201 002023,\u{3000},钱七\n",
    );
    let request = env.request(&path);
    let outcome = env.ingest(&request).unwrap();
    let rows = env.rows(&request);
    assert_eq!(
        column(&rows, "case_no__key"),
        [
            "(2023)浙0602刑初123号",
            "(2023)浙0602刑初123号",
            "(2023)浙0602刑初123号",
            "A3201002023",
            "A3201002023"
        ]
    );
    assert_eq!(
        column(&rows, "document_no__key"),
        [
            "浙政办发(2023)5号",
            "浙政办发(2023)5号",
            "浙政办发(2023)5号",
            "∅",
            "∅"
        ]
    );
    // The value is the number as issued, its official brackets kept: an administrative
    // 决定书文号 written with 〔〕 must be quoted with 〔〕 in exports and documents.
    assert_eq!(
        column(&rows, "document_no"),
        [
            "浙政办发〔2023〕5号",
            "浙政办发[2023]5号",
            "浙政办发（2023）5号",
            "∅",
            "∅"
        ]
    );
    assert_eq!(column(&rows, "case_no")[0], "（2023）浙0602刑初123号");
    assert_eq!(column(&rows, "case_no")[4], "A3201 002023");
    // The raw text is kept as found; the key is an extra column.
    assert_eq!(column(&rows, "case_no__raw")[3], "a3201002023");
    assert_eq!(column(&rows, "document_no__raw")[0], "浙政办发〔2023〕5号");
    assert!(outcome.columns.iter().all(|c| !c.name.ends_with("__key")));
}
