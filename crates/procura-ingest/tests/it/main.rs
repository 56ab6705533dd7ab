//! The ingest pipeline end to end on small files written by the tests themselves: the one
//! integration-test binary of this crate (see ARCHITECTURE.md, Testing).

mod case_numbers;
mod csv_rows;
mod duplicates;
mod layout;
mod months;
mod parties;
mod sheets;

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use arrow::util::display::{ArrayFormatter, FormatOptions};
use chrono::NaiveDate;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use procura_ingest::{IngestOutcome, IngestRequest, NoProgress, ReadOptions};

/// A temporary directory holding the inputs, the outputs and the scratch space of a test.
pub(crate) struct Env {
    dir: tempfile::TempDir,
    outputs: std::cell::Cell<u32>,
}

/// One output row: column name → value as text (`∅` for null).
pub(crate) type Row = BTreeMap<String, String>;

impl Env {
    pub(crate) fn new() -> Env {
        Env {
            dir: tempfile::tempdir().expect("a temporary directory"),
            outputs: std::cell::Cell::new(0),
        }
    }

    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes a UTF-8 text file.
    pub(crate) fn write_text(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        std::io::Write::write_all(&mut File::create(&path).unwrap(), text.as_bytes()).unwrap();
        path
    }

    /// A request with the defaults the app uses; tests change what they need.
    pub(crate) fn request(&self, path: &Path) -> IngestRequest {
        let n = self.outputs.get() + 1;
        self.outputs.set(n);
        IngestRequest {
            path: path.to_owned(),
            mapping: None,
            read: ReadOptions::default(),
            strict: false,
            today: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
            output: self.path(&format!("out-{n}.parquet")),
            scratch: self.dir.path().to_owned(),
            threads: 2,
            duplicates: None,
        }
    }

    pub(crate) fn ingest(&self, request: &IngestRequest) -> procura_ingest::Result<IngestOutcome> {
        procura_ingest::ingest(request, &NoProgress)
    }

    /// Reads an ingest's Parquet output back, every value as text.
    pub(crate) fn rows(&self, request: &IngestRequest) -> Vec<Row> {
        let file = File::open(&request.output).unwrap();
        let reader = ParquetRecordBatchReaderBuilder::try_new(file)
            .unwrap()
            .build()
            .unwrap();
        let options = FormatOptions::default().with_null("∅");
        let mut rows = Vec::new();
        for batch in reader {
            let batch = batch.unwrap();
            let schema = batch.schema();
            let formatters: Vec<ArrayFormatter<'_>> = batch
                .columns()
                .iter()
                .map(|array| ArrayFormatter::try_new(array.as_ref(), &options).unwrap())
                .collect();
            for row_index in 0..batch.num_rows() {
                rows.push(
                    schema
                        .fields()
                        .iter()
                        .zip(&formatters)
                        .map(|(field, formatter)| {
                            (field.name().clone(), formatter.value(row_index).to_string())
                        })
                        .collect(),
                );
            }
        }
        rows
    }
}

/// The values of one column, in row order.
pub(crate) fn column(rows: &[Row], name: &str) -> Vec<String> {
    rows.iter()
        .map(|row| {
            row.get(name)
                .unwrap_or_else(|| panic!("no column `{name}` in {row:?}"))
                .clone()
        })
        .collect()
}
