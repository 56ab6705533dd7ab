//! The demo as its users see it: files on disk. Output is byte-identical between runs, GBK
//! files are GBK, workbooks open, JSON parses, and the manifest and the truth file describe
//! what was written.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use calamine::{Data, Reader, Xlsx, open_workbook};
use procura_demo::linkage_data::{LinkageConfig, write_linkage_data};
use procura_demo::{
    DemoConfig, DemoOutput, Error, MANIFEST_FILE, TRUTH_FILE, generate, read_truth,
};

fn config(out: &Path, persons: usize, seed: u64) -> DemoConfig {
    DemoConfig {
        persons,
        seed,
        out: out.to_path_buf(),
    }
}

fn run(out: &Path, persons: usize, seed: u64) -> DemoOutput {
    generate(&config(out, persons, seed), &|_| {}).unwrap_or_else(|e| panic!("generate: {e}"))
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"))
}

fn read(path: &Path) -> Vec<u8> {
    fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every file under `dir`, by path relative to it.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let entries =
            fs::read_dir(&current).unwrap_or_else(|e| panic!("{}: {e}", current.display()));
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let relative = path
                    .strip_prefix(dir)
                    .map(Path::to_path_buf)
                    .unwrap_or_default();
                out.insert(relative, read(&path));
            }
        }
    }
    out
}

#[test]
fn same_persons_and_seed_give_identical_bytes() {
    let (a, b, c) = (tempdir(), tempdir(), tempdir());
    run(a.path(), 600, 7);
    run(b.path().join("nested").as_path(), 600, 7);
    run(c.path(), 600, 8);
    let first = files(a.path());
    let second = files(&b.path().join("nested"));
    assert_eq!(
        first.keys().collect::<Vec<_>>(),
        second.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &first {
        assert!(
            second.get(path) == Some(bytes),
            "{} differs between runs",
            path.display()
        );
    }
    // 23 datasets, the pensions folder holding 24 monthly files, plus manifest and truth.
    assert_eq!(first.len(), 22 + 24 + 2);
    let other = files(c.path());
    assert_ne!(
        first.get(Path::new(TRUTH_FILE)),
        other.get(Path::new(TRUTH_FILE))
    );
}

#[test]
fn manifest_truth_and_files_agree() {
    let dir = tempdir();
    let output = run(dir.path(), 500, 11);
    let manifest: Vec<procura_demo::DemoDataset> =
        serde_json::from_slice(&read(&dir.path().join(MANIFEST_FILE)))
            .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(manifest, output.datasets);
    assert_eq!(manifest.len(), 23);
    let truth = read_truth(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(truth, output.truth);
    assert_eq!(truth.as_of, procura_demo::AS_OF);
    assert_eq!(truth.models.len(), 14);
    assert_eq!(
        output.rows_written,
        manifest.iter().map(|d| d.rows).sum::<u64>()
    );
    for dataset in &manifest {
        assert!(dataset.rows > 0, "{} is empty", dataset.name);
        assert!(
            dir.path().join(&dataset.path).exists(),
            "{} missing",
            dataset.path
        );
    }
}

#[test]
fn refuses_a_non_empty_directory_and_a_tiny_population() {
    let dir = tempdir();
    fs::write(dir.path().join("keep.txt"), b"x").unwrap_or_else(|e| panic!("{e}"));
    let result = generate(&config(dir.path(), 500, 1), &|_| {});
    assert!(
        matches!(result, Err(Error::OutputNotEmpty { .. })),
        "{result:?}"
    );
    let empty = tempdir();
    let result = generate(&config(empty.path(), 100, 1), &|_| {});
    assert!(
        matches!(result, Err(Error::TooFewPersons { .. })),
        "{result:?}"
    );
}

/// Decodes a GBK CSV strictly and checks its title rows, header and line ends.
fn check_gbk(path: &Path, titles: usize, header_start: &str, rows: Option<u64>) {
    let bytes = read(path);
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "{} looks like UTF-8",
        path.display()
    );
    let (text, had_errors) = encoding_rs::GBK.decode_without_bom_handling(&bytes);
    assert!(!had_errors, "{} is not clean GBK", path.display());
    assert!(text.ends_with("\r\n"), "{}", path.display());
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    for title in &lines[..titles] {
        assert!(title.ends_with(",,"), "title row {title:?}");
    }
    assert!(
        lines[titles].starts_with(header_start),
        "{}: {:?}",
        path.display(),
        lines[titles]
    );
    if let Some(rows) = rows {
        assert_eq!(
            lines.len() as u64,
            titles as u64 + 1 + rows,
            "{}",
            path.display()
        );
    }
}

#[test]
fn gbk_files_are_gbk_with_their_title_rows() {
    let dir = tempdir();
    let output = run(dir.path(), 500, 3);
    let rows = |name: &str| {
        output
            .datasets
            .iter()
            .find(|d| d.name == name)
            .map(|d| d.rows)
    };
    check_gbk(
        &dir.path().join("deaths.csv"),
        1,
        "序号,姓名,身份证号,出生日期,性别,死亡日期",
        rows("deaths"),
    );
    check_gbk(
        &dir.path().join("dibao.csv"),
        0,
        "户主身份证号,户主姓名,姓名,身份证号,出生日期,性别,保障人数",
        rows("dibao"),
    );
    check_gbk(
        &dir.path().join("execution_cases.csv"),
        0,
        "执行案号,原审案号",
        rows("execution_cases"),
    );
    check_gbk(
        &dir.path().join("traffic_penalties.csv"),
        2,
        "处罚决定书文号,姓名,身份证号,出生日期,性别,违法时间",
        rows("traffic_penalties"),
    );
    check_gbk(
        &dir.path().join("police_cases.csv"),
        1,
        "案件编号,案件名称",
        rows("police_cases"),
    );
    let pensions = dir.path().join("pensions");
    let mut months: Vec<String> = fs::read_dir(&pensions)
        .unwrap_or_else(|e| panic!("{e}"))
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    months.sort();
    assert_eq!(months.len(), 24);
    assert_eq!(months[0], "养老金发放_2023年07月.csv");
    assert_eq!(months[23], "养老金发放_2025年06月.csv");
    for month in &months {
        check_gbk(
            &pensions.join(month),
            2,
            "身份证号,出生日期,性别,姓名,发放年月,发放金额,经办机构",
            None,
        );
    }
}

#[test]
fn utf8_and_json_files_parse() {
    let dir = tempdir();
    run(dir.path(), 500, 4);
    let judgments = read(&dir.path().join("probation_judgments.csv"));
    assert!(judgments.starts_with("\u{FEFF}案号,被告人,身份证号,出生日期,性别,罪名".as_bytes()));
    let roster =
        String::from_utf8(read(&dir.path().join("correction_roster.csv"))).unwrap_or_default();
    assert!(
        roster
            .starts_with("姓名,身份证号,出生日期,性别,矫正开始日期,矫正结束日期,执行地区划代码\n")
    );
    let claims =
        String::from_utf8(read(&dir.path().join("medical_claims.csv"))).unwrap_or_default();
    assert!(claims.starts_with("身份证号,出生日期,性别,姓名,入院日期"));

    let stays = String::from_utf8(read(&dir.path().join("hotel_stays.ndjson"))).unwrap_or_default();
    for line in stays.lines() {
        let value: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}"));
        let keys: Vec<&String> = value
            .as_object()
            .map(|o| o.keys().collect())
            .unwrap_or_default();
        assert_eq!(keys.len(), 5, "{line}");
        assert!(
            value.get("入住时间").is_some_and(|v| v.is_string()),
            "{line}"
        );
    }
    let civil: serde_json::Value =
        serde_json::from_slice(&read(&dir.path().join("civil_cases.json")))
            .unwrap_or_else(|e| panic!("{e}"));
    let suits = civil.as_array().map(Vec::as_slice).unwrap_or_default();
    assert!(!suits.is_empty());
    assert!(
        suits
            .iter()
            .all(|s| s.get("标的额(万元)").is_some_and(|v| v.is_number()))
    );
}

#[test]
fn workbooks_open_with_their_sheets_and_headers() {
    let dir = tempdir();
    let output = run(dir.path(), 500, 5);
    for (file, sheet, titles, first_header) in [
        ("custody.xlsx", "在押人员", 1, "姓名"),
        ("correction_reports.xlsx", "入矫报到", 0, "姓名"),
        ("criminal_judgments.xlsx", "刑事判决", 2, "案号"),
        ("admin_penalties.xlsx", "治安处罚", 0, "处罚决定书文号"),
        ("env_penalties.xlsx", "环境行政处罚", 1, "统一社会信用代码"),
    ] {
        let path = dir.path().join(file);
        let mut workbook: Xlsx<_> = open_workbook(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(workbook.sheet_names(), vec![sheet.to_owned()], "{file}");
        let range = workbook
            .worksheet_range(sheet)
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        let rows: Vec<&[Data]> = range.rows().collect();
        assert_eq!(
            rows[titles][0],
            Data::String(first_header.to_owned()),
            "{file}"
        );
        let dataset = output.datasets.iter().find(|d| d.path == file);
        let expected = dataset.map(|d| d.rows as usize + titles + 1);
        assert_eq!(Some(rows.len()), expected, "{file}");
        assert_eq!(dataset.and_then(|d| d.sheet.as_deref()), Some(sheet));
    }
    let path = dir.path().join("criminal_judgments.xlsx");
    let mut workbook: Xlsx<_> = open_workbook(&path).unwrap_or_else(|e| panic!("{e}"));
    let range = workbook
        .worksheet_range("刑事判决")
        .unwrap_or_else(|e| panic!("{e}"));
    let header = range
        .rows()
        .nth(2)
        .map(<[Data]>::to_vec)
        .unwrap_or_default();
    assert_eq!(header.get(3), Some(&Data::String("出生日期".to_owned())));
    assert_eq!(header.get(4), Some(&Data::String("性别".to_owned())));
    let first = range
        .rows()
        .nth(3)
        .map(<[Data]>::to_vec)
        .unwrap_or_default();
    // 出生日期 and 判决生效日期 are date cells.
    assert!(matches!(first.get(3), Some(Data::DateTime(_))), "{first:?}");
    assert!(matches!(first.get(8), Some(Data::DateTime(_))), "{first:?}");
}

/// A large population, for timing: `PROCURA_DEMO_PERSONS=500000 cargo test --release -p
/// procura-demo --test it large_population` with `PROCURA_SLOW_TESTS=1` (defaults to 50 000 persons; set
/// `PROCURA_DEMO_OUT` to an empty or new directory to keep the files).
#[test]
fn large_population() {
    // Slow: runs only when asked for (PROCURA_SLOW_TESTS=1), like the other slow suites.
    if std::env::var_os("PROCURA_SLOW_TESTS").is_none() {
        return;
    }
    let persons = std::env::var("PROCURA_DEMO_PERSONS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(50_000);
    let dir = tempdir();
    let out = std::env::var_os("PROCURA_DEMO_OUT")
        .map_or_else(|| dir.path().to_path_buf(), PathBuf::from);
    let output = run(&out, persons, 1);
    assert!(output.rows_written > persons as u64);
    let positives: usize = output
        .truth
        .models
        .values()
        .map(|m| m.positives.len())
        .sum();
    assert_eq!(positives, 14 * (10 + persons / 1000));
}

/// A large linkage benchmark population, for timing: `PROCURA_SLOW_TESTS=1 cargo test --release
/// -p procura-demo --test it large_linkage_population` (1 000 000 records unless
/// `PROCURA_LINKAGE_RECORDS` says otherwise).
#[test]
fn large_linkage_population() {
    if std::env::var_os("PROCURA_SLOW_TESTS").is_none() {
        return;
    }
    let records = std::env::var("PROCURA_LINKAGE_RECORDS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempdir();
    let config = LinkageConfig {
        records,
        seed: 1,
        out: dir.path().join("linkage"),
    };
    let output = write_linkage_data(&config).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(output.records, records);
    assert!(output.persons * 2 < records && output.persons * 3 > records);
    let labels = fs::metadata(&output.labels).map(|m| m.len()).unwrap_or(0);
    assert!(labels > records as u64 * 10);
}
