//! Ingest of every supported format, with the messy details real exports have.

use serde_json::Value;

use crate::fixtures::{self, X};
use crate::{Env, column, id};

#[test]
fn gbk_csv_with_title_rows_legacy_ids_full_width_digits_and_chinese_dates() {
    let env = Env::new();
    let good = id("11010119900307123");
    let wide: String = good
        .chars()
        .map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap())
        .collect();
    let text = format!(
        "某县公安局交通违法处罚信息（2023年）,,,,\n\
         填报单位：交警大队,,,,\n\
         ,,,,\n\
         姓名,身份证号,处罚日期,罚款金额(万元),备注\n\
         张三,{good},2023-05-01,0.02,\n\
         李四,610104620927690,2023年6月12日,1.5,十五位老号码\n\
         王 五,{wide},二〇二三年七月三日,\"2,000元\",全角数字\n\
         赵六,1.10101199E+17,2023/7/4,0.1,Excel损坏\n\
         钱七,110101199003071235,20230705,abc,校验码错\n"
    );
    let path = env.write("penalties.csv", fixtures::gbk(&text));
    let version = env.ingest(&path, "penalties", &[]);
    let quality = &version["quality"];
    assert_eq!(quality["rows_read"], 5);
    assert_eq!(quality["rows_kept"], 5);
    assert_eq!(quality["files"][0]["encoding"], "gb18030");
    assert_eq!(quality["files"][0]["header_row"], 4);
    assert_eq!(quality["files"][0]["title_rows"], serde_json::json!([1, 2]));

    let person_id = column(&version, "person_id");
    assert_eq!(person_id["valid"], 3);
    assert_eq!(person_id["invalid"], 2);
    assert_eq!(person_id["issues"]["counts"]["excel_mangled"], 1);
    assert_eq!(person_id["issues"]["counts"]["bad_check_digit"], 1);
    assert_eq!(person_id["notes"]["upgraded_15_to_18"], 1);
    let example = person_id["issues"]["examples"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["code"] == "bad_check_digit")
        .unwrap();
    assert_eq!(example["location"]["row"], 9);
    assert_eq!(example["location"]["column"], "身份证号");
    assert!(
        example["location"]["file"]
            .as_str()
            .unwrap()
            .ends_with("penalties.csv")
    );

    let amount = column(&version, "fine_amount");
    assert_eq!(amount["unit"], "万元");
    assert_eq!(amount["invalid"], 1);

    let rows = env.sql(
        "SELECT name, person_id, person_id__raw, person_id__issue, CAST(penalty_date AS VARCHAR) AS d, \
         CAST(fine_amount AS VARCHAR) AS a, _source_row FROM penalties ORDER BY _row_id",
    );
    assert_eq!(rows[0]["person_id"], good.as_str());
    assert_eq!(rows[0]["a"], "200.00");
    assert_eq!(rows[1]["person_id"], "610104196209276908");
    assert_eq!(rows[1]["d"], "2023-06-12");
    assert_eq!(rows[1]["a"], "15000.00");
    assert_eq!(rows[2]["name"], "王五");
    assert_eq!(rows[2]["person_id"], good.as_str());
    assert_eq!(rows[2]["d"], "2023-07-03");
    assert_eq!(
        rows[2]["a"], "2000.00",
        "a unit in the cell overrides the column unit"
    );
    assert!(rows[3].get("person_id").is_none_or(Value::is_null));
    assert_eq!(rows[3]["person_id__raw"], "1.10101199E+17");
    assert_eq!(rows[3]["person_id__issue"], "excel_mangled");
    assert_eq!(rows[4]["d"], "2023-07-05");
    assert_eq!(rows[4]["_source_row"], 9);
}

#[test]
fn utf8_bom_tsv_and_utf16_are_read() {
    let env = Env::new();
    let good = id("44030819990110151");
    let bom = env.write(
        "a.csv",
        fixtures::utf8_bom(&format!("姓名,身份证号\n张三,{good}\n")),
    );
    let tsv = env.write(
        "b.tsv",
        format!("姓名\t身份证号\t金额\n李四\t{good}\t8,000.50\n"),
    );
    let utf16 = env.write(
        "c.txt",
        fixtures::utf16le(&format!("姓名,身份证号\r\n王五,{good}\r\n")),
    );
    for (path, name) in [(bom, "bom"), (tsv, "tsv"), (utf16, "utf16")] {
        let version = env.ingest(&path, name, &[]);
        assert_eq!(version["quality"]["rows_kept"], 1, "{name}");
        assert_eq!(
            column(&version, "person_id")["valid"],
            1,
            "{name}: {version}"
        );
    }
    let rows = env.sql("SELECT name, CAST(amount AS VARCHAR) AS a FROM tsv");
    assert_eq!(rows[0]["a"], "8000.50");
    let rows = env.sql("SELECT name FROM utf16");
    assert_eq!(rows[0]["name"], "王五");
}

#[test]
fn xlsx_with_title_rows_two_row_header_date_cells_and_numeric_ids() {
    let env = Env::new();
    let path = env.input("deaths.xlsx");
    let good = id("33060219500101002");
    let rows = vec![
        vec![X::S("某县民政局死亡人员火化信息"), X::E, X::E, X::E, X::E],
        vec![X::E, X::E, X::E, X::E, X::E],
        vec![X::S("序号"), X::S("死者信息"), X::E, X::S("火化信息"), X::E],
        vec![
            X::E,
            X::S("姓名"),
            X::S("身份证号"),
            X::S("火化日期"),
            X::S("死亡日期"),
        ],
        vec![
            X::N(1.0),
            X::S("孙八"),
            X::S(&good),
            X::D(2023, 3, 5),
            X::S("2023年3月1日"),
        ],
        vec![
            X::N(2.0),
            X::S("周九"),
            X::N(110101199003071234.0),
            X::N(45000.0),
            X::S("45000"),
        ],
        vec![
            X::N(3.0),
            X::S("吴十"),
            X::S(&good),
            X::E,
            X::S("二〇二三年十二月三十一日"),
        ],
    ];
    let merges = vec![
        (0, 0, 0, 4, "某县民政局死亡人员火化信息"),
        (2, 0, 3, 0, "序号"),
        (2, 1, 2, 2, "死者信息"),
        (2, 3, 2, 4, "火化信息"),
    ];
    fixtures::xlsx(&path, &[("Sheet1", rows, merges)]);
    let version = env.ingest(&path, "deaths", &[]);
    let quality = &version["quality"];
    assert_eq!(quality["files"][0]["header_row"], 4, "{quality}");
    assert_eq!(quality["rows_kept"], 3);
    let names: Vec<&str> = version["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "xu_hao",
            "name",
            "person_id",
            "cremation_date",
            "death_date"
        ]
    );
    let person_id = column(&version, "person_id");
    assert_eq!(
        person_id["issues"]["counts"]["excel_mangled"], 1,
        "{person_id}"
    );
    let rows = env.sql(
        "SELECT CAST(cremation_date AS VARCHAR) AS c, CAST(death_date AS VARCHAR) AS d, person_id__raw FROM deaths ORDER BY _row_id",
    );
    assert_eq!(rows[0]["c"], "2023-03-05");
    assert_eq!(rows[0]["d"], "2023-03-01");
    assert_eq!(
        rows[1]["c"], "2023-03-15",
        "a number in a date column is an Excel serial"
    );
    assert_eq!(rows[1]["d"], "2023-03-15");
    assert_eq!(rows[1]["person_id__raw"], "1.10101199003071E+17");
    assert_eq!(rows[2]["d"], "2023-12-31");
}

#[test]
fn xlsx_sheets_by_name_and_all_sheets() {
    let env = Env::new();
    let path = env.input("monthly.xlsx");
    let pid = id("11010119900307123");
    let sheet = |month: &'static str| {
        (
            month,
            vec![
                vec![X::S("身份证号"), X::S("发放年月"), X::S("金额")],
                vec![
                    X::S(Box::leak(pid.clone().into_boxed_str())),
                    X::S(month),
                    X::N(1200.0),
                ],
            ],
            vec![],
        )
    };
    fixtures::xlsx(
        &path,
        &[sheet("2023年1月"), sheet("2023年2月"), sheet("2023年3月")],
    );
    let one = env.ingest(&path, "february", &["--sheet", "2023年2月"]);
    assert_eq!(one["quality"]["rows_kept"], 1);
    let all = env.ingest(&path, "pensions", &["--sheet", "*"]);
    assert_eq!(all["quality"]["rows_kept"], 3);
    assert_eq!(all["quality"]["files"].as_array().unwrap().len(), 3);
    let rows =
        env.sql("SELECT CAST(pay_month AS VARCHAR) AS m, _source FROM pensions ORDER BY pay_month");
    assert_eq!(rows[0]["m"], "2023-01-01");
    assert!(
        rows[2]["_source"]
            .as_str()
            .unwrap()
            .ends_with("monthly.xlsx[2023年3月]")
    );
    env.procura(&[
        "ingest",
        path.to_str().unwrap(),
        "--dataset",
        "x",
        "--sheet",
        "五月",
    ])
    .fails(3);
}

#[test]
fn legacy_xls_workbook() {
    let env = Env::new();
    let fixture =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/penalties.xls");
    let version = env.ingest(&fixture, "xls_penalties", &[]);
    assert_eq!(version["quality"]["files"][0]["format"], "xls");
    assert_eq!(version["quality"]["files"][0]["header_row"], 2);
    assert_eq!(version["quality"]["rows_kept"], 4);
    let rows = env.sql(
        "SELECT name, person_id, CAST(penalty_date AS VARCHAR) AS d, CAST(fine_amount AS VARCHAR) AS a, plate \
         FROM xls_penalties ORDER BY _row_id",
    );
    assert_eq!(rows[0]["d"], "2023-05-01");
    assert_eq!(rows[0]["plate"], "京A12345");
    assert_eq!(rows[1]["a"], "1500.50");
    assert_eq!(rows[2]["name"], "阿卜杜拉·买买提");
    assert_eq!(rows[2]["person_id"], "610104196209276908");
    assert_eq!(rows[2]["d"], "2023-07-03");
    assert_eq!(rows[2]["a"], "2000.00");
    assert_eq!(rows[3]["d"], "2023-09-01");
    assert_eq!(rows[3]["a"], "2000.00");
}

#[test]
fn json_array_ndjson_and_parquet() {
    let env = Env::new();
    let good = id("11010119900307123");
    let array = env.write(
        "a.json",
        format!(r#"[{{"姓名": "张三", "身份证号": {good}, "金额": 12.5}}, {{"姓名": "李四", "身份证号": "{good}", "备注": {{"x": 1}}}}]"#)
            .replace(&format!(": {good},"), &format!(": \"{good}\",")),
    );
    let version = env.ingest(&array, "json_people", &[]);
    assert_eq!(version["quality"]["rows_kept"], 2);
    assert_eq!(column(&version, "person_id")["valid"], 2);
    let ndjson = env.write(
        "b.ndjson",
        format!("{{\"姓名\":\"张三\",\"身份证号\":\"{good}\"}}\n\n{{\"姓名\":\"李四\",\"身份证号\":\"{good}\"}}\nnot json\n"),
    );
    let version = env.ingest(&ndjson, "nd_people", &[]);
    assert_eq!(version["quality"]["rows_kept"], 2);
    assert_eq!(version["quality"]["rows_rejected"], 1);
    assert_eq!(
        version["quality"]["rejected"]["examples"][0]["location"]["row"],
        4
    );

    // A dataset version is Parquet; ingesting it again goes through the Parquet reader.
    let parquet = version["path"].as_str().unwrap();
    let again = env.ingest(std::path::Path::new(parquet), "from_parquet", &[]);
    assert_eq!(again["quality"]["files"][0]["format"], "parquet");
    assert_eq!(again["quality"]["rows_kept"], 2);
}

#[test]
fn folder_and_zip_ingest_as_one_dataset() {
    let env = Env::new();
    let pid = id("11010119900307123");
    env.write(
        "folder/2023-01.csv",
        fixtures::gbk(&format!("身份证号,姓名,金额\n{pid},张三,100\n")),
    );
    env.write(
        "folder/2023-02.csv",
        format!("姓名,身份证号,金额\n李四,{pid},200\n"),
    );
    env.write("folder/.hidden.csv", "junk");
    env.write("folder/notes.docx", "not read");
    let version = env.ingest(&env.input("folder"), "folder_data", &[]);
    assert_eq!(version["quality"]["rows_kept"], 2);
    assert_eq!(version["quality"]["files"].as_array().unwrap().len(), 2);
    let rows =
        env.sql("SELECT name, CAST(amount AS VARCHAR) AS a FROM folder_data ORDER BY _row_id");
    assert_eq!(
        (rows[0]["name"].as_str(), rows[1]["name"].as_str()),
        (Some("张三"), Some("李四"))
    );

    let zip = env.input("exports.zip");
    let first = fixtures::gbk(&format!("身份证号,姓名\n{pid},张三\n"));
    let second = format!("身份证号,姓名\n{pid},李四\n");
    fixtures::zip(
        &zip,
        &[
            ("一月.csv", &first),
            ("sub/二月.csv", second.as_bytes()),
            ("readme.md", b"x"),
        ],
    );
    let version = env.ingest(&zip, "zipped", &[]);
    assert_eq!(version["quality"]["rows_kept"], 2);
    assert!(
        version["quality"]["files"][0]["file"]
            .as_str()
            .unwrap()
            .contains("exports.zip!")
    );
}

#[test]
fn suggested_mapping_can_be_edited_and_passed_back() {
    let env = Env::new();
    let pid = id("11010119900307123");
    let path = env.write(
        "m.csv",
        format!("当事人名称,证件,处理时间,经办人意见,内部编号\n张三,{pid},2023-01-05,同意,A1\n"),
    );
    let suggestion = env
        .procura(&["ingest", path.to_str().unwrap(), "--suggest"])
        .ok()
        .stdout;
    assert!(suggestion.contains("source = \"证件\""), "{suggestion}");
    let edited = suggestion
        .replace(
            "name = \"zheng_jian\"\ntype = \"text\"",
            "name = \"person_id\"\ntype = \"person_id\"",
        )
        .replace(
            "name = \"dang_shi_ren_ming_cheng\"\ntype = \"text\"",
            "name = \"name\"\ntype = \"name\"",
        )
        .replace(
            "name = \"nei_bu_bian_hao\"\ntype = \"text\"",
            "name = \"nei_bu_bian_hao\"\ntype = \"text\"\nskip = true",
        );
    let mapping = env.write("mapping.toml", &edited);
    let version = env.ingest(&path, "mapped", &["--mapping", mapping.to_str().unwrap()]);
    let names: Vec<&str> = version["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    // Headers the dictionary has no name for get SQL-safe pinyin names; the header stays
    // the column's source, its label.
    assert_eq!(
        names,
        [
            "name",
            "person_id",
            "chu_li_shi_jian",
            "jing_ban_ren_yi_jian"
        ]
    );
    assert_eq!(column(&version, "chu_li_shi_jian")["source"], "处理时间");
    assert_eq!(column(&version, "person_id")["valid"], 1);

    let bad = env.write(
        "bad.toml",
        "[[column]]\nsource = \"不存在\"\nname = \"x\"\n",
    );
    let run = env
        .procura(&[
            "ingest",
            path.to_str().unwrap(),
            "--dataset",
            "m2",
            "--mapping",
            bad.to_str().unwrap(),
        ])
        .fails(3);
    assert!(
        run.stderr.contains("`不存在` is not in the file"),
        "{}",
        run.stderr
    );
}

#[test]
fn forced_encoding_and_strict_mode() {
    let env = Env::new();
    let pid = id("11010119900307123");
    let path = env.write(
        "s.csv",
        fixtures::gbk(&format!("姓名,身份证号\n张三,{pid}\n李四,123\n")),
    );
    let version = env.ingest(&path, "lenient", &["--encoding", "gbk"]);
    assert_eq!(column(&version, "person_id")["invalid"], 1);
    let run = env
        .procura(&[
            "ingest",
            path.to_str().unwrap(),
            "--dataset",
            "strict",
            "--strict",
        ])
        .fails(3);
    assert!(
        run.stderr.contains(":3: column `身份证号`"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--strict"), "{}", run.stderr);
    let list = env.procura(&["datasets", "list", "--json"]).ok().json();
    assert_eq!(
        list.as_array().unwrap().len(),
        1,
        "the strict failure left no dataset"
    );
}

#[test]
fn quality_report_counts_duplicates_and_fill_rates() {
    let env = Env::new();
    let a = id("11010119900307123");
    let b = id("11010119900307124");
    let path = env.write(
        "d.csv",
        format!("身份证号,姓名,电话\n{a},张三,13812345678\n{a},张三,13812345678\n{b},李四,\n{a},张三,0571-88886666\n"),
    );
    let version = env.ingest(&path, "dups", &[]);
    let quality = &version["quality"];
    assert_eq!(quality["duplicate_rows"], 1);
    assert_eq!(quality["duplicate_keys"][0]["column"], "person_id");
    assert_eq!(quality["duplicate_keys"][0]["distinct"], 2);
    assert_eq!(quality["duplicate_keys"][0]["duplicates"], 2);
    let phone = column(&version, "phone");
    assert_eq!(phone["filled"], 3);
    assert_eq!(phone["empty"], 1);
    let shown = env.procura(&["datasets", "show", "dups"]).ok().stdout;
    assert!(shown.contains("75.0%"), "{shown}");
    assert!(shown.contains("重复行 duplicate rows 1"), "{shown}");
}
