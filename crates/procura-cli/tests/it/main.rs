//! End-to-end tests of the `procura` binary against real files and a real metadata store.
//! One test binary (modules below) so that DataFusion is linked once.

mod audit;
mod catalog;
mod fixtures;
mod independent_exports;
mod ingest;
mod linkage;
mod malformed;
mod models;
mod session;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// A temporary workspace and a way to run `procura` in it.
pub struct Env {
    pub dir: tempfile::TempDir,
    pub database_url: Option<String>,
}

/// The result of one run.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    #[track_caller]
    pub fn ok(self) -> Run {
        assert_eq!(
            self.code, 0,
            "expected success\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    #[track_caller]
    pub fn fails(self, code: i32) -> Run {
        assert_eq!(
            self.code, code,
            "expected exit code {code}\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", self.stdout))
    }
}

impl Default for Env {
    fn default() -> Env {
        Env::new()
    }
}

impl Env {
    /// A fresh workspace on SQLite.
    pub fn new() -> Env {
        let env = Env {
            dir: tempfile::tempdir().unwrap(),
            database_url: None,
        };
        env.procura(&["init", env.root().to_str().unwrap()]).ok();
        env
    }

    /// A fresh workspace whose metadata store is a fresh PostgreSQL database, when the tests
    /// have a server (`PROCURA_TEST_POSTGRES_URL`).
    pub fn postgres() -> Option<Env> {
        let admin = std::env::var("PROCURA_TEST_POSTGRES_URL").ok()?;
        let database = format!(
            "procura_cli_{}_{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        );
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            use sqlx::Connection;
            sqlx::any::install_default_drivers();
            let mut connection = sqlx::AnyConnection::connect(&admin).await.unwrap();
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {database}")))
                .execute(&mut connection)
                .await
                .unwrap();
        });
        let (base, _) = admin.rsplit_once('/').unwrap();
        let env = Env {
            dir: tempfile::tempdir().unwrap(),
            database_url: Some(format!("{base}/{database}")),
        };
        env.procura(&["init", env.root().to_str().unwrap()]).ok();
        Some(env)
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// A path for input files, outside the workspace.
    pub fn input(&self, name: &str) -> PathBuf {
        let dir = self.root().join("inputs");
        std::fs::create_dir_all(&dir).unwrap();
        dir.join(name)
    }

    /// Writes an input file.
    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.input(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, bytes).unwrap();
        path
    }

    /// Runs `procura ARGS` in this workspace with `input` on standard input.
    pub fn procura_with_input(&self, args: &[&str], input: &str) -> Run {
        use std::io::Write;
        use std::process::Stdio;
        let mut command = self.command(args);
        command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let Output {
            status,
            stdout,
            stderr,
        } = child.wait_with_output().unwrap();
        Run {
            code: status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_procura"));
        command
            .args(args)
            .env("PROCURA_WORKSPACE", self.root())
            .env("PROCURA_USER", "tester")
            .env("PROCURA_SESSION_DIR", self.root().join(".sessions"))
            .env_remove("PROCURA_DATABASE_URL")
            .current_dir(self.root());
        if let Some(url) = &self.database_url {
            command.env("PROCURA_DATABASE_URL", url);
        }
        command
    }

    /// Runs `procura ARGS` in this workspace.
    pub fn procura(&self, args: &[&str]) -> Run {
        let Output {
            status,
            stdout,
            stderr,
        } = self.command(args).output().unwrap();
        Run {
            code: status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
        }
    }

    /// Ingests and returns `datasets show --json` of the new version.
    #[track_caller]
    pub fn ingest(&self, path: &Path, dataset: &str, extra: &[&str]) -> Value {
        let mut args = vec![
            "ingest",
            path.to_str().unwrap(),
            "--dataset",
            dataset,
            "--json",
        ];
        args.extend_from_slice(extra);
        self.procura(&args).ok().json()
    }

    /// Rows of `procura sql … --format json`.
    #[track_caller]
    pub fn sql(&self, sql: &str) -> Vec<Value> {
        let run = self.procura(&["sql", sql, "--format", "json"]).ok();
        match run.json() {
            Value::Array(rows) => rows,
            other => panic!("not an array: {other}"),
        }
    }

    /// Names of files under the workspace's data and scratch directories.
    pub fn stored_files(&self) -> Vec<String> {
        let mut files = Vec::new();
        for dir in ["datasets", "tmp"] {
            collect(&self.root().join(dir), self.root(), &mut files);
        }
        files.sort();
        files
    }
}

fn collect(dir: &Path, root: &Path, files: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, root, files);
        } else {
            files.push(path.strip_prefix(root).unwrap().display().to_string());
        }
    }
}

/// Looks up a column's quality entry in a version JSON.
pub fn column<'a>(version: &'a Value, name: &str) -> &'a Value {
    version["quality"]["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no column {name} in {}", version["quality"]["columns"]))
}

/// An ID number with a correct check character for the first 17 digits.
pub fn id(first17: &str) -> String {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first17
        .bytes()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{first17}{check}")
}
