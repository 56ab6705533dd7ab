//! Parquet input: any Parquet file, its columns read as text (dates, decimals and timestamps
//! in their ISO forms) and normalised like every other source.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use arrow::array::{Array, StringArray};
use arrow::compute::cast;
use arrow::datatypes::DataType;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use procura_core::location::Location;

use crate::cell::{Cell, RawRow};
use crate::error::{Error, Result};
use crate::source::{Flow, Item};

/// Reads a Parquet file and emits its schema as the header, then its rows.
pub fn read_parquet(
    path: &Path,
    display: &str,
    progress: Arc<AtomicU64>,
    emit: &mut dyn FnMut(Item) -> Result<Flow>,
) -> Result<()> {
    let corrupt = |e: &dyn std::fmt::Display| Error::Corrupt {
        location: Location::file(display),
        reason: format!("damaged Parquet file: {e}"),
    };
    let file = File::open(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| corrupt(&e))?;
    let total_rows = builder.metadata().file_metadata().num_rows().max(1) as u64;
    let header: Vec<String> = builder
        .schema()
        .fields()
        .iter()
        .map(|field| field.name().clone())
        .collect();
    if emit(Item::Header(header))? == Flow::Stop {
        return Ok(());
    }
    let reader = builder
        .with_batch_size(8192)
        .build()
        .map_err(|e| corrupt(&e))?;
    let mut row_number = 0u64;
    for batch in reader {
        let batch = batch.map_err(|e| corrupt(&e))?;
        let columns: Vec<StringArray> = batch
            .columns()
            .iter()
            .map(|column| {
                let text = cast(column, &DataType::Utf8).map_err(|e| corrupt(&e))?;
                text.as_any()
                    .downcast_ref::<StringArray>()
                    .cloned()
                    .ok_or_else(|| Error::Internal("cast to Utf8 gave another type".into()))
            })
            .collect::<Result<_>>()?;
        for index in 0..batch.num_rows() {
            row_number += 1;
            let cells = columns
                .iter()
                .map(|column| {
                    if column.is_null(index) || column.value(index).is_empty() {
                        Cell::Empty
                    } else {
                        Cell::Text(column.value(index).to_owned())
                    }
                })
                .collect();
            if emit(Item::Row(RawRow {
                row: row_number,
                cells,
            }))? == Flow::Stop
            {
                return Ok(());
            }
        }
        progress.fetch_add(
            size * batch.num_rows() as u64 / total_rows,
            Ordering::Relaxed,
        );
    }
    Ok(())
}
