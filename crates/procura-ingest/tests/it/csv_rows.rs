//! Row numbers of delimited files, as the user's editor shows them.

use crate::{Env, column};

#[test]
fn row_number_after_an_empty_csv_line() {
    // FIXME: the csv crate gives the first record after an empty line the empty line's number
    // (BurntSushi/rust-csv#208), so `_source_row` and every location of that row are one too
    // small: 李四 is on line 4. Lines holding only `\r` or spaces are not affected (they are
    // records, and blank). This asserts today's wrong behaviour so a fix shows up here.
    let env = Env::new();
    let path = env.write_text(
        "gaps.csv",
        "姓名,金额\n张三,1\n\n李四,2\n王五,3\n\r\n赵六,4\n",
    );
    let request = env.request(&path);
    env.ingest(&request).unwrap();
    assert_eq!(
        column(&env.rows(&request), "_source_row"),
        ["2", "3", "5", "7"]
    );
}
