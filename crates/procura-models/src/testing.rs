//! Running a model's fixture tests: each test's rows become small Parquet files, the model runs
//! on them exactly as on real datasets, and the clues found are compared with the expected ones
//! (and with the near-misses that must not appear).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use chrono::NaiveDate;
use datafusion::arrow::array::{
    ArrayRef, Date32Builder, Decimal128Builder, Float64Builder, Int64Builder, StringBuilder,
    TimestampMillisecondBuilder,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::parquet::arrow::ArrowWriter;
use procura_core::field::FieldType;

use crate::binding::Column;
use crate::error::{Error, Result};
use crate::manifest::{FieldKind, Model, ModelTest};
use crate::run::{self, BoundInput};

/// The outcome of one fixture test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestOutcome {
    /// The test's name.
    pub name: String,
    /// Problems found; empty when the test passed.
    pub failures: Vec<String>,
}

/// Runs every fixture test of a model, writing fixtures under `scratch`.
pub async fn run_tests(
    model: &Model,
    scratch: &Path,
    today: NaiveDate,
) -> Result<Vec<TestOutcome>> {
    let mut outcomes = Vec::new();
    for (index, test) in model.tests.iter().enumerate() {
        let dir = scratch.join(format!("{}-{index}", model.meta.id));
        std::fs::create_dir_all(&dir)
            .map_err(|e| Error::Fixture(format!("{}: {e}", dir.display())))?;
        let result = run_test(model, test, &dir, today).await;
        let _ = std::fs::remove_dir_all(&dir);
        outcomes.push(TestOutcome {
            name: test.name.clone(),
            failures: match result {
                Ok(failures) => failures,
                Err(error) => vec![error.to_string()],
            },
        });
    }
    Ok(outcomes)
}

async fn run_test(
    model: &Model,
    test: &ModelTest,
    dir: &Path,
    today: NaiveDate,
) -> Result<Vec<String>> {
    for role in test.data.keys() {
        if !model.inputs.iter().any(|i| &i.role == role) {
            return Err(Error::Fixture(format!(
                "test `{}`: unknown input `{role}`",
                test.name
            )));
        }
    }
    let mut inputs = Vec::new();
    for input in &model.inputs {
        if input.optional && !test.data.contains_key(&input.role) {
            // The test runs without this input, as a user without the dataset would.
            continue;
        }
        let rows = test.data.get(&input.role).map(Vec::as_slice).unwrap_or(&[]);
        let path = dir.join(format!("{}.parquet", input.role));
        let columns = write_fixture(&path, input, rows).map_err(|e| {
            Error::Fixture(format!("test `{}`, input `{}`: {e}", test.name, input.role))
        })?;
        inputs.push(BoundInput {
            role: input.role.clone(),
            dataset: format!("fixture:{}", input.role),
            path,
            columns,
            overrides: BTreeMap::new(),
            link: None,
        });
    }
    let execution = run::execute(model, &inputs, &test.params, today).await?;
    let found: BTreeMap<String, &run::ClueHit> = execution
        .hits
        .iter()
        .map(|h| (h.key.join("|"), h))
        .collect();
    let mut failures = Vec::new();
    for expected in &test.expect {
        match found.get(&expected.key) {
            None => failures.push(format!(
                "expected a clue for `{}`, none found (found: {:?})",
                expected.key,
                found.keys().collect::<Vec<_>>()
            )),
            Some(hit) => {
                if let Some(amount) = &expected.amount {
                    let got = hit
                        .amount_fen
                        .map(|f| procura_core::amount::Amount::from_fen(f).yuan_string());
                    if got.as_deref() != Some(amount.as_str()) {
                        failures.push(format!(
                            "clue `{}`: amount {got:?}, expected {amount}",
                            expected.key
                        ));
                    }
                }
                for (role, count) in &expected.evidence {
                    let got = hit
                        .evidence
                        .iter()
                        .find(|(r, _)| r == role)
                        .map_or(0, |(_, ids)| ids.len());
                    if got != *count {
                        failures.push(format!(
                            "clue `{}`: {got} evidence rows of `{role}`, expected {count}",
                            expected.key
                        ));
                    }
                }
            }
        }
    }
    for rejected in &test.reject {
        if found.contains_key(rejected) {
            failures.push(format!("near-miss `{rejected}` produced a clue"));
        }
    }
    if test.expect.is_empty() && test.reject.is_empty() && !found.is_empty() {
        failures.push(format!(
            "expected no clues, found {:?}",
            found.keys().collect::<Vec<_>>()
        ));
    }
    Ok(failures)
}

fn field_type(kind: FieldKind) -> FieldType {
    match kind {
        FieldKind::PersonId => FieldType::PersonId,
        FieldKind::OrgId => FieldType::OrgId,
        FieldKind::PartyId => FieldType::PartyId,
        FieldKind::CaseNumber => FieldType::CaseNumber,
        FieldKind::Name => FieldType::Name,
        FieldKind::Text => FieldType::Text,
        FieldKind::Date => FieldType::Date,
        FieldKind::Month => FieldType::Month,
        FieldKind::DateTime => FieldType::DateTime,
        FieldKind::Amount => FieldType::Amount,
        FieldKind::Number => FieldType::Number,
        FieldKind::RegionCode => FieldType::RegionCode,
        FieldKind::Plate => FieldType::Plate,
    }
}

fn write_fixture(
    path: &Path,
    input: &crate::manifest::Input,
    rows: &[BTreeMap<String, toml::Value>],
) -> std::result::Result<Vec<Column>, String> {
    for row in rows {
        for name in row.keys() {
            if !input.fields.iter().any(|f| &f.name == name) {
                return Err(format!("unknown field `{name}`"));
            }
        }
    }
    let mut fields = vec![Field::new("_row_id", DataType::Int64, false)];
    let mut arrays: Vec<ArrayRef> = Vec::new();
    let mut ids = Int64Builder::new();
    for index in 0..rows.len() {
        ids.append_value(index as i64 + 1);
    }
    arrays.push(Arc::new(ids.finish()));
    let text = |value: &toml::Value| match value {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    for field in &input.fields {
        let values: Vec<Option<String>> = rows
            .iter()
            .map(|row| row.get(&field.name).map(text))
            .collect();
        let (data_type, array): (DataType, ArrayRef) = match field.kind {
            FieldKind::Date | FieldKind::Month => {
                let mut builder = Date32Builder::new();
                for value in &values {
                    match value {
                        Some(v) => {
                            // A date field may be bound to a timestamp column: take its date.
                            let day = v.get(..10).unwrap_or(v);
                            let date = NaiveDate::parse_from_str(day, "%Y-%m-%d")
                                .map_err(|_| format!("`{v}` is not YYYY-MM-DD"))?;
                            builder.append_value((date - epoch).num_days() as i32);
                        }
                        None => builder.append_null(),
                    }
                }
                (DataType::Date32, Arc::new(builder.finish()))
            }
            FieldKind::DateTime => {
                let mut builder = TimestampMillisecondBuilder::new();
                for value in &values {
                    match value {
                        Some(v) => {
                            let datetime =
                                chrono::NaiveDateTime::parse_from_str(v, "%Y-%m-%d %H:%M:%S")
                                    .or_else(|_| {
                                        NaiveDate::parse_from_str(v, "%Y-%m-%d")
                                            .map(|d| d.and_time(Default::default()))
                                    })
                                    .map_err(|_| format!("`{v}` is not YYYY-MM-DD HH:MM:SS"))?;
                            builder.append_value(datetime.and_utc().timestamp_millis());
                        }
                        None => builder.append_null(),
                    }
                }
                (
                    DataType::Timestamp(TimeUnit::Millisecond, None),
                    Arc::new(builder.finish()),
                )
            }
            FieldKind::Amount => {
                let mut builder = Decimal128Builder::new()
                    .with_precision_and_scale(18, 2)
                    .map_err(|e| e.to_string())?;
                for value in &values {
                    match value {
                        Some(v) => {
                            let amount = procura_core::amount::parse_amount(v, Default::default())
                                .map_err(|e| e.to_string())?;
                            builder.append_value(i128::from(amount.fen()));
                        }
                        None => builder.append_null(),
                    }
                }
                (DataType::Decimal128(18, 2), Arc::new(builder.finish()))
            }
            FieldKind::Number => {
                let mut builder = Float64Builder::new();
                for value in &values {
                    match value {
                        Some(v) => builder
                            .append_value(v.parse().map_err(|_| format!("`{v}` is not a number"))?),
                        None => builder.append_null(),
                    }
                }
                (DataType::Float64, Arc::new(builder.finish()))
            }
            _ => {
                let mut builder = StringBuilder::new();
                for value in &values {
                    builder.append_option(value.as_deref());
                }
                (DataType::Utf8, Arc::new(builder.finish()))
            }
        };
        fields.push(Field::new(&field.name, data_type, true));
        arrays.push(array);
    }
    let schema = Arc::new(Schema::new(fields));
    let batch = RecordBatch::try_new(Arc::clone(&schema), arrays).map_err(|e| e.to_string())?;
    let file = std::fs::File::create_new(path).map_err(|e| e.to_string())?;
    let mut writer = ArrowWriter::try_new(file, schema, None).map_err(|e| e.to_string())?;
    writer.write(&batch).map_err(|e| e.to_string())?;
    writer.close().map_err(|e| e.to_string())?;
    Ok(input
        .fields
        .iter()
        .map(|f| Column {
            name: f.name.clone(),
            field_type: field_type(f.kind),
        })
        .collect())
}
