//! The malformed and hostile file corpus: every case with its expected outcome, and after
//! every failure the catalog and the data directory exactly as they were.

use std::io::Write;
use std::path::PathBuf;

use serde_json::Value;

use crate::fixtures::{self, X};
use crate::{Env, column, id};

enum Expect {
    /// Exit code 3 and these fragments in the message.
    Fails(&'static [&'static str]),
    /// Success, then this check on the version JSON.
    Ingests(fn(&Value)),
}

struct Case {
    name: &'static str,
    build: Box<dyn Fn(&Env) -> PathBuf>,
    args: &'static [&'static str],
    expect: Expect,
}

fn case(
    name: &'static str,
    args: &'static [&'static str],
    expect: Expect,
    build: impl Fn(&Env) -> PathBuf + 'static,
) -> Case {
    Case {
        name,
        build: Box::new(build),
        args,
        expect,
    }
}

fn zip_with(env: &Env, file: &str, members: &[(&str, &[u8])]) -> PathBuf {
    let path = env.input(file);
    fixtures::zip(&path, members);
    path
}

fn cases() -> Vec<Case> {
    // Leaked so that every case's closure can copy them.
    let pid: &'static str = Box::leak(id("11010119900307123").into_boxed_str());
    let header = "姓名,身份证号,处罚日期,罚款金额\n";
    let row = move |name: &str| format!("{name},{pid},2023-05-01,200\n");
    let good_rows: String = (0..3).map(|i| row(&format!("张{i}"))).collect();
    let good: &'static str = Box::leak(format!("{header}{good_rows}").into_boxed_str());
    vec![
        // --- structural faults: the ingest fails and leaves nothing behind ---
        case(
            "empty file",
            &[],
            Expect::Fails(&["empty.csv", "no data rows"]),
            |env| env.write("empty.csv", ""),
        ),
        case(
            "header only",
            &[],
            Expect::Fails(&["header_only.csv", "no data rows"]),
            move |env| env.write("header_only.csv", header),
        ),
        case(
            "blank lines only",
            &[],
            Expect::Fails(&["blank.csv", "no data"]),
            |env| env.write("blank.csv", "\n\n , \n\n"),
        ),
        case(
            "no header row",
            &[],
            Expect::Fails(&["no header row found"]),
            |env| {
                env.write(
                    "numbers.csv",
                    "110101199003071234,2023-05-01,200\n110101199003071235,2023-05-02,300\n",
                )
            },
        ),
        case(
            "ELF binary renamed .csv",
            &[],
            Expect::Fails(&["elf.csv", "ELF executable"]),
            |env| {
                env.write(
                    "elf.csv",
                    b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00",
                )
            },
        ),
        case(
            "PDF renamed .xlsx",
            &[],
            Expect::Fails(&["report.xlsx", "PDF document"]),
            |env| env.write("report.xlsx", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"),
        ),
        case(
            "PNG renamed .csv",
            &[],
            Expect::Fails(&["PNG image"]),
            |env| env.write("image.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
        ),
        case(
            "NUL bytes in text",
            &[],
            Expect::Fails(&["nul.csv", "NUL bytes"]),
            |env| {
                env.write("nul.csv", b"\xe5\xa7\x93\xe5\x90\x8d,a\n\x00\x00\x01\x02\x00\x00\xff\xfe\x00\x00\x00\x01\x00\x00,b\n")
            },
        ),
        case(
            "corrupt zip container as xlsx",
            &[],
            Expect::Fails(&["corrupt.xlsx", "damaged zip"]),
            |env| {
                env.write(
                    "corrupt.xlsx",
                    b"PK\x03\x04\x14\x00\x00\x00garbage garbage garbage",
                )
            },
        ),
        case(
            "truncated xlsx",
            &[],
            Expect::Fails(&["truncated.xlsx", "damaged"]),
            |env| {
                let whole = env.input("whole.xlsx");
                fixtures::xlsx(
                    &whole,
                    &[(
                        "Sheet1",
                        vec![
                            vec![X::S("姓名"), X::S("身份证号")],
                            vec![X::S("张三"), X::S("1")],
                        ],
                        vec![],
                    )],
                );
                let bytes = std::fs::read(&whole).unwrap();
                env.write("truncated.xlsx", &bytes[..bytes.len() / 2])
            },
        ),
        case(
            "encrypted workbook",
            &[],
            Expect::Fails(&["locked.xlsx", "password-protected"]),
            |env| {
                let mut bytes = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
                bytes.resize(1024, 0);
                bytes.extend("EncryptedPackage".encode_utf16().flat_map(u16::to_le_bytes));
                bytes.resize(4096, 0);
                env.write("locked.xlsx", bytes)
            },
        ),
        case(
            "zip bomb",
            &[],
            Expect::Fails(&["bomb.zip", "zip bomb"]),
            |env| {
                let zeros = vec![b'0'; 100 << 20];
                zip_with(env, "bomb.zip", &[("a.csv", &zeros)])
            },
        ),
        case(
            "xlsx bomb",
            &[],
            Expect::Fails(&["bomb.xlsx", "zip bomb"]),
            |env| {
                let sheet = vec![b' '; 100 << 20];
                zip_with(
                    env,
                    "bomb.xlsx",
                    &[
                        ("[Content_Types].xml", b"<Types/>"),
                        ("xl/workbook.xml", b"<workbook/>"),
                        ("xl/worksheets/sheet1.xml", &sheet),
                    ],
                )
            },
        ),
        case(
            "zip slip",
            &[],
            Expect::Fails(&["slip.zip", "leaves the archive"]),
            move |env| zip_with(env, "slip.zip", &[("../evil.csv", good.as_bytes())]),
        ),
        case(
            "absolute path in zip",
            &[],
            Expect::Fails(&["abs.zip", "leaves the archive"]),
            |env| zip_with(env, "abs.zip", &[("/etc/evil.csv", b"a,b\n1,2\n")]),
        ),
        case(
            "zip without tables",
            &[],
            Expect::Fails(&["notes.zip", "contains no"]),
            |env| {
                zip_with(
                    env,
                    "notes.zip",
                    &[("readme.md", b"# hi"), ("inner.zip", b"PK")],
                )
            },
        ),
        case(
            "Word document renamed .xlsx",
            &[],
            Expect::Fails(&["letter.xlsx", "Word files are not tables"]),
            |env| {
                zip_with(
                    env,
                    "letter.xlsx",
                    &[
                        ("[Content_Types].xml", b"<Types/>"),
                        ("word/document.xml", b"<w:document/>"),
                    ],
                )
            },
        ),
        case(
            "xlsb workbook",
            &[],
            Expect::Fails(&["book.xlsb", "xlsb"]),
            |env| zip_with(env, "book.xlsb", &[("xl/workbook.bin", b"\x00\x01")]),
        ),
        case(
            "line longer than the limit",
            &[],
            Expect::Fails(&["long.csv", "longer than"]),
            |env| {
                let path = env.input("long.csv");
                let mut file = std::fs::File::create(&path).unwrap();
                file.write_all("姓名,备注\n张三,".as_bytes()).unwrap();
                let chunk = vec![b'x'; 1 << 20];
                for _ in 0..17 {
                    file.write_all(&chunk).unwrap();
                }
                path
            },
        ),
        case(
            "truncated JSON array",
            &[],
            Expect::Fails(&["cut.json", "not closed"]),
            |env| env.write("cut.json", "[{\"姓名\": \"张三\"}, {\"姓名\": \"李"),
        ),
        case(
            "JSON array of numbers",
            &[],
            Expect::Fails(&["nums.json", "no header"]),
            |env| env.write("nums.json", "[1, 2, 3]"),
        ),
        case(
            "data after a JSON array",
            &[],
            Expect::Fails(&["after.json", "after the end"]),
            |env| env.write("after.json", "[{\"姓名\": \"张三\"}] trailing"),
        ),
        case(
            "GBK file forced as UTF-8",
            &["--encoding", "utf-8"],
            Expect::Fails(&["forced.csv", "not valid UTF-8"]),
            move |env| {
                env.write(
                    "forced.csv",
                    fixtures::gbk(&format!("{header}{}", row("张三").repeat(20))),
                )
            },
        ),
        case(
            "unknown encoding name",
            &["--encoding", "klingon"],
            Expect::Fails(&["unknown encoding `klingon`"]),
            |env| env.write("k.csv", "a,b\n1,2\n"),
        ),
        case(
            "missing sheet",
            &["--sheet", "不存在"],
            Expect::Fails(&["no sheet named `不存在`", "Sheet1"]),
            |env| {
                let path = env.input("sheets.xlsx");
                fixtures::xlsx(
                    &path,
                    &[(
                        "Sheet1",
                        vec![vec![X::S("姓名")], vec![X::S("张三")]],
                        vec![],
                    )],
                );
                path
            },
        ),
        case(
            "too many columns",
            &[],
            Expect::Fails(&["wide.csv", "limit 16384"]),
            |env| {
                let header: Vec<String> = (0..20_000).map(|i| format!("列名{i}")).collect();
                env.write(
                    "wide.csv",
                    format!("{}\n{}\n", header.join(","), vec!["x"; 20_000].join(",")),
                )
            },
        ),
        case(
            "mapping with an unknown type",
            &[
                "--mapping",
                "MAPPING:[[column]]\nsource = \"姓名\"\ntype = \"idcard\"\n",
            ],
            Expect::Fails(&["unknown field type `idcard`"]),
            move |env| env.write("m1.csv", format!("{header}{}", row("张三"))),
        ),
        case(
            "mapping with a reserved name",
            &[
                "--mapping",
                "MAPPING:[[column]]\nsource = \"姓名\"\nname = \"x__raw\"\n",
            ],
            Expect::Fails(&["reserved"]),
            move |env| env.write("m2.csv", format!("{header}{}", row("张三"))),
        ),
        case(
            "strict mode and a ragged row",
            &["--strict"],
            Expect::Fails(&["ragged_strict.csv:3", "row has 2 fields"]),
            move |env| {
                env.write(
                    "ragged_strict.csv",
                    format!("{header}{}张三,1\n", row("李四")),
                )
            },
        ),
        // --- row faults: the ingest succeeds and the report tells the truth ---
        case(
            "ragged rows",
            &[],
            Expect::Ingests(|v| {
                // A short row is an export leaving out trailing empty fields: read, and
                // reported as repaired. A long one cannot be placed: rejected.
                assert_eq!(v["quality"]["rows_kept"], 2);
                assert_eq!(v["quality"]["repaired"]["counts"]["short_row_padded"], 1);
                assert_eq!(
                    v["quality"]["repaired"]["examples"][0]["location"]["row"],
                    3
                );
                assert_eq!(v["quality"]["rejected"]["counts"]["too_many_fields"], 1);
                assert_eq!(
                    v["quality"]["rejected"]["examples"][0]["location"]["row"],
                    4
                );
            }),
            move |env| {
                env.write(
                    "ragged.csv",
                    format!(
                        "{header}{}张三,1\n李四,{},2023-05-01,200,多余\n",
                        row("王五"),
                        id("11010119900307123")
                    ),
                )
            },
        ),
        case(
            "invalid bytes deep in a GBK file",
            &[],
            Expect::Ingests(|v| {
                assert_eq!(v["quality"]["files"][0]["encoding"], "gb18030");
                assert_eq!(v["quality"]["rejected"]["counts"]["invalid_encoding"], 1);
                assert_eq!(v["quality"]["rows_kept"], 8000);
            }),
            move |env| {
                let mut bytes = fixtures::gbk(&format!("{header}{}", row("张三").repeat(8000)));
                bytes.extend_from_slice(b"\xff\xfe\xfd,");
                bytes.extend(fixtures::gbk(&format!(
                    "{},2023-05-01,200\n",
                    id("11010119900307123")
                )));
                env.write("deep.csv", bytes)
            },
        ),
        case(
            "summary and signature rows",
            &[],
            Expect::Ingests(|v| {
                assert_eq!(v["quality"]["rows_kept"], 3);
                assert_eq!(v["quality"]["rejected"]["counts"]["summary_row"], 2);
            }),
            move |env| {
                env.write(
                    "summary.csv",
                    format!("{}合计,,,600\n制表人：张科员,,,\n", good_rows_text()),
                )
            },
        ),
        case(
            "invalid values are counted, rows kept",
            &[],
            Expect::Ingests(|v| {
                assert_eq!(v["quality"]["rows_kept"], 5);
                let dates = column(v, "penalty_date");
                assert_eq!(dates["issues"]["counts"]["invalid_day"], 1);
                assert_eq!(dates["issues"]["counts"]["ambiguous"], 2);
                let ids = column(v, "person_id");
                assert_eq!(ids["issues"]["counts"]["future_date"], 1);
                assert_eq!(ids["issues"]["counts"]["bad_length"], 1);
                let amounts = column(v, "fine_amount");
                assert_eq!(amounts["issues"]["counts"]["unrecognised"], 1);
                assert_eq!(amounts["issues"]["counts"]["sub_fen"], 1);
            }),
            move |env| {
                env.write("values.csv", format!(
                "{header}张三,{pid},2023-02-30,200\n李四,{},03/05/2024,1.234\n王五,{pid},24-3-5,abc\n赵六,12345,2023-05-01,200\n钱七,{pid},2023-05-01,200\n",
                id("11010120990101123")
            ))
            },
        ),
        case(
            "quoted fields with newlines, commas and quotes",
            &[],
            Expect::Ingests(|v| {
                assert_eq!(v["quality"]["rows_kept"], 2);
                assert_eq!(v["quality"]["rows_rejected"], 0);
            }),
            move |env| {
                env.write("quoted.csv", format!("姓名,身份证号,备注\n张三,{pid},\"第一行\n第二行, 含逗号 \"\"引号\"\"\"\n李四,{pid},普通\n"))
            },
        ),
        case(
            "mixed line endings",
            &[],
            Expect::Ingests(|v| assert_eq!(v["quality"]["rows_kept"], 3)),
            move |env| {
                env.write(
                    "endings.csv",
                    format!("姓名,身份证号\r\n张三,{pid}\n李四,{pid}\r\n王五,{pid}\n"),
                )
            },
        ),
        case(
            "formula-injection cells stay text",
            &[],
            Expect::Ingests(|v| {
                assert_eq!(v["quality"]["rows_kept"], 3);
                assert_eq!(column(v, "note")["valid"], 3);
            }),
            move |env| {
                env.write("formula.csv", format!("姓名,身份证号,备注\n张三,{pid},=cmd|' /C calc'!A0\n李四,{pid},+1+1\n王五,{pid},@SUM(A1)\n"))
            },
        ),
        case(
            "duplicate header names",
            &[],
            Expect::Ingests(|v| {
                let names: Vec<&str> = v["columns"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c["name"].as_str().unwrap())
                    .collect();
                assert_eq!(names, ["name", "xing_ming_2", "person_id"]);
            }),
            move |env| {
                env.write(
                    "dupheader.csv",
                    format!("姓名,姓名,身份证号\n张三,张3,{pid}\n"),
                )
            },
        ),
        case(
            "unterminated quote at the end",
            &[],
            Expect::Ingests(|v| {
                assert_eq!(v["quality"]["rows_kept"], 1);
                assert_eq!(v["quality"]["rejected"]["counts"]["too_few_fields"], 1);
            }),
            move |env| {
                env.write(
                    "unterminated.csv",
                    format!("姓名,身份证号,备注\n张三,{pid},好\n李四,\"{pid},坏\n"),
                )
            },
        ),
        case(
            "header with full-width spaces and markers",
            &[],
            Expect::Ingests(|v| {
                assert_eq!(column(v, "person_id")["valid"], 1);
            }),
            move |env| env.write("spaces.csv", format!("　姓名　,*身份证号 \n张三,{pid}\n")),
        ),
        case(
            "extension says xlsx, content is CSV",
            &[],
            Expect::Ingests(|v| {
                assert_eq!(v["quality"]["files"][0]["format"], "csv");
                assert!(
                    v["quality"]["files"][0]["notes"][0]
                        .as_str()
                        .unwrap()
                        .contains("extension .xlsx")
                );
            }),
            move |env| env.write("really_csv.xlsx", format!("姓名,身份证号\n张三,{pid}\n")),
        ),
    ]
}

fn good_rows_text() -> String {
    let pid = id("11010119900307123");
    let mut text = String::from("姓名,身份证号,处罚日期,罚款金额\n");
    for i in 0..3 {
        text.push_str(&format!("张{i},{pid},2023-05-01,200\n"));
    }
    text
}

#[test]
fn malformed_corpus_has_the_expected_outcomes_and_never_changes_the_catalog_on_failure() {
    let env = Env::new();
    let cases = cases();
    assert!(cases.len() >= 30, "the corpus has {} cases", cases.len());
    let mut failures = Vec::new();
    for (index, case) in cases.iter().enumerate() {
        let path = (case.build)(&env);
        let dataset = format!("case_{index}");
        let mut args: Vec<String> = vec![
            "ingest".into(),
            path.display().to_string(),
            "--dataset".into(),
            dataset,
            "--json".into(),
        ];
        for arg in case.args {
            if let Some(mapping) = arg.strip_prefix("MAPPING:") {
                let file = env.write(&format!("mapping_{index}.toml"), mapping);
                args.push(file.display().to_string());
            } else {
                args.push((*arg).to_owned());
            }
        }
        let before_list = env.procura(&["datasets", "list", "--json"]).ok().stdout;
        let before_files = env.stored_files();
        let arg_refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = env.procura(&arg_refs);
        let outcome =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match &case.expect {
                Expect::Fails(fragments) => {
                    assert_eq!(run.code, 3, "exit code; stderr: {}", run.stderr);
                    for fragment in *fragments {
                        assert!(
                            run.stderr.contains(fragment),
                            "missing `{fragment}` in: {}",
                            run.stderr
                        );
                    }
                    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
                    assert_eq!(
                        env.procura(&["datasets", "list", "--json"]).ok().stdout,
                        before_list,
                        "catalog changed"
                    );
                    assert_eq!(env.stored_files(), before_files, "files left behind");
                }
                Expect::Ingests(check) => {
                    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
                    check(&run.json());
                }
            }));
        if let Err(panic) = outcome {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            failures.push(format!("{}: {message}", case.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}
