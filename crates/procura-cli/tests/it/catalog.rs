//! The catalog commands, as one story run on SQLite and on PostgreSQL.

use crate::{Env, fixtures, id};

fn catalog_story(env: &Env) {
    let pid = id("11010119900307123");
    let first = env.write(
        "v1.csv",
        fixtures::gbk(&format!("姓名,身份证号,金额\n张三,{pid},100\n")),
    );
    let second = env.write(
        "v2.csv",
        format!("姓名,身份证号,金额\n张三,{pid},100\n李四,{pid},200\n"),
    );
    let v1 = env.ingest(&first, "pensions", &[]);
    let v2 = env.ingest(&second, "pensions", &[]);
    assert_eq!(
        (v1["version"].as_i64(), v2["version"].as_i64()),
        (Some(1), Some(2))
    );
    assert_eq!(v2["created_by"], "tester");

    let list = env.procura(&["datasets", "list", "--json"]).ok().json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["version"], 2);
    let text = env.procura(&["datasets", "list"]).ok().stdout;
    assert!(text.contains("pensions"), "{text}");

    let shown = env
        .procura(&["datasets", "show", "pensions", "--version", "1", "--json"])
        .ok()
        .json();
    assert_eq!(shown["n_rows"], 1);
    assert_eq!(shown["quality"]["files"][0]["encoding"], "gb18030");
    let versions = env
        .procura(&["datasets", "versions", "pensions"])
        .ok()
        .stdout;
    assert!(
        versions.contains("v1.csv") && versions.contains("v2.csv"),
        "{versions}"
    );

    // SQL reads the newest version, in every output format.
    let rows = env.sql("SELECT COUNT(*) AS n, SUM(amount) AS total FROM pensions");
    assert_eq!(rows[0]["n"], 2);
    let csv = env
        .procura(&[
            "sql",
            "SELECT name FROM pensions ORDER BY name",
            "--format",
            "csv",
        ])
        .ok()
        .stdout;
    assert_eq!(csv, "name\n张三\n李四\n");
    let table = env
        .procura(&["sql", "SELECT name FROM pensions ORDER BY name"])
        .ok()
        .stdout;
    assert!(table.contains("| 张三 |"), "{table}");
    let error = env
        .procura(&["sql", "SELECT nope FROM pensions"])
        .fails(1)
        .stderr;
    assert!(error.contains("nope"), "{error}");

    // Dropping removes the dataset and its files; the name can be used again.
    let dropped = env.procura(&["datasets", "drop", "pensions"]).ok().stdout;
    assert!(dropped.contains("2 个版本 versions"), "{dropped}");
    assert!(
        env.stored_files()
            .iter()
            .all(|f| !f.starts_with("datasets/pensions/")),
        "{:?}",
        env.stored_files()
    );
    env.procura(&["datasets", "show", "pensions"]).fails(4);
    let again = env.ingest(&first, "pensions", &[]);
    assert_eq!(again["version"], 1);

    // Bad names and unknown datasets are clear errors.
    let run = env
        .procura(&["ingest", first.to_str().unwrap(), "--dataset", "Bad Name"])
        .fails(3);
    assert!(
        run.stderr.contains("invalid dataset name"),
        "{}",
        run.stderr
    );
    env.procura(&["datasets", "drop", "nothing"]).fails(4);
}

#[test]
fn catalog_commands_on_sqlite() {
    catalog_story(&Env::new());
}

#[test]
fn catalog_commands_on_postgres() {
    match Env::postgres() {
        Some(env) => catalog_story(&env),
        None => assert!(
            std::env::var("PROCURA_REQUIRE_POSTGRES").is_err(),
            "PROCURA_REQUIRE_POSTGRES is set but PROCURA_TEST_POSTGRES_URL is not"
        ),
    }
}

#[test]
fn init_is_idempotent_and_commands_outside_a_workspace_explain() {
    let env = Env::new();
    env.procura(&["init", env.root().to_str().unwrap()]).ok();
    let elsewhere = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_procura"))
        .args(["datasets", "list"])
        .env_remove("PROCURA_WORKSPACE")
        .current_dir(elsewhere.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("procura init"), "{stderr}");
}
