//! One unit of reading (a file, or one sheet of a workbook) and the push-based interface all
//! readers share: they call `emit` with a header (when the format has one), rows, records that
//! could not be parsed, and notes, and stop early when `emit` says so.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use encoding_rs::Encoding;
use procura_core::date::ExcelDateSystem;
use procura_core::location::Location;

use crate::cell::RawRow;
use crate::error::{Error, Result};
use crate::input::{Format, InputFile, Inputs, Limits};
use crate::text_file::{self, DelimitedRows, TextLayout};
use crate::{json, parquet_in, workbook};

/// What a reader hands over.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// The header, for formats that carry one (JSON objects, Parquet).
    Header(Vec<String>),
    /// A row of cells.
    Row(RawRow),
    /// A record that could not be parsed at all (a broken NDJSON line).
    BadRecord {
        /// Its line or row.
        row: u64,
        /// Why.
        reason: String,
    },
    /// Something the quality report should mention.
    Note(String),
}

/// Whether the reader should go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Read on.
    Continue,
    /// Stop reading (the header scan has seen enough).
    Stop,
}

/// Which sheets of a workbook to read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum SheetSelection {
    /// The first sheet.
    #[default]
    First,
    /// The sheet with this name (or this 1-based position, when a number).
    Named(String),
    /// Every sheet (monthly sheets of the same layout).
    All,
}

/// How to read the files of one ingest.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Forces the encoding of text files.
    pub encoding: Option<&'static Encoding>,
    /// Forces the delimiter of text files.
    pub delimiter: Option<u8>,
    /// Which sheets of workbooks.
    pub sheets: SheetSelection,
    /// Protective limits.
    pub limits: Limits,
}

/// One thing to read: a file, or one sheet of a workbook.
#[derive(Debug, Clone)]
pub struct Unit {
    /// The file.
    pub file: InputFile,
    /// The sheet, for workbooks.
    pub sheet: Option<String>,
    /// The name used in locations: `book.xlsx` or `book.xlsx[二月]` when several sheets are read.
    pub display: String,
    /// For text files, the detected layout.
    pub layout: Option<TextLayout>,
    /// The epoch of Excel serials in this unit: the workbook's own, else 1900 (Excel writes
    /// serials of the 1900 system when it saves a CSV, and JSON exports follow it).
    pub excel_dates: ExcelDateSystem,
}

/// Expands inputs into units: one per text/JSON/Parquet file, one per selected sheet.
pub fn units(inputs: &Inputs, options: &ReadOptions) -> Result<Vec<Unit>> {
    let mut units = Vec::new();
    for file in &inputs.files {
        match file.format {
            Format::Xlsx | Format::Xls => {
                let info =
                    workbook::inspect(&file.path, &file.display, file.format == Format::Xls)?;
                let names = info.sheets;
                if names.is_empty() {
                    return Err(Error::NoData {
                        location: Location::file(&file.display),
                    });
                }
                let selected: Vec<String> = match &options.sheets {
                    SheetSelection::First => vec![names[0].clone()],
                    SheetSelection::All => names.clone(),
                    SheetSelection::Named(wanted) => {
                        let by_name = names.iter().find(|name| name.trim() == wanted.trim());
                        let by_position = wanted
                            .parse::<usize>()
                            .ok()
                            .and_then(|i| i.checked_sub(1))
                            .and_then(|i| names.get(i));
                        match by_name.or(by_position) {
                            Some(name) => vec![name.clone()],
                            None => {
                                return Err(Error::NoSuchSheet {
                                    location: Location::file(&file.display),
                                    sheet: wanted.clone(),
                                    available: names.join(", "),
                                });
                            }
                        }
                    }
                };
                let several = selected.len() > 1;
                for sheet in selected {
                    let display = if several {
                        format!("{}[{sheet}]", file.display)
                    } else {
                        file.display.clone()
                    };
                    units.push(Unit {
                        file: file.clone(),
                        sheet: Some(sheet),
                        display,
                        layout: None,
                        excel_dates: info.dates,
                    });
                }
            }
            Format::Delimited => {
                let layout = text_file::detect_layout(
                    &file.path,
                    &file.display,
                    options.encoding,
                    options.delimiter,
                )?;
                units.push(Unit {
                    file: file.clone(),
                    sheet: None,
                    display: file.display.clone(),
                    layout: Some(layout),
                    excel_dates: ExcelDateSystem::Excel1900,
                });
            }
            Format::JsonArray | Format::NdJson | Format::Parquet => units.push(Unit {
                file: file.clone(),
                sheet: None,
                display: file.display.clone(),
                layout: None,
                excel_dates: ExcelDateSystem::Excel1900,
            }),
        }
    }
    Ok(units)
}

/// Reads one unit from the start, pushing items into `emit` until the end or a `Stop`.
pub fn read_unit(
    unit: &Unit,
    limits: &Limits,
    progress: Arc<AtomicU64>,
    emit: &mut dyn FnMut(Item) -> Result<Flow>,
) -> Result<()> {
    let file = &unit.file;
    match file.format {
        Format::Delimited => {
            let layout = unit
                .layout
                .ok_or_else(|| Error::Internal("text unit without a layout".into()))?;
            let mut rows =
                DelimitedRows::open(&file.path, &unit.display, layout, *limits, progress)?;
            while let Some(row) = rows.next_row()? {
                if emit(Item::Row(row))? == Flow::Stop {
                    break;
                }
            }
            Ok(())
        }
        Format::Xlsx | Format::Xls => {
            let sheet = unit
                .sheet
                .as_deref()
                .ok_or_else(|| Error::Internal("workbook unit without a sheet".into()))?;
            let result = if file.format == Format::Xlsx {
                workbook::read_xlsx(&file.path, &unit.display, sheet, emit)
            } else {
                workbook::read_xls(&file.path, &unit.display, sheet, emit)
            };
            progress.fetch_add(file.size, std::sync::atomic::Ordering::Relaxed);
            result
        }
        Format::JsonArray | Format::NdJson => json::read_json(
            &file.path,
            &unit.display,
            file.format == Format::NdJson,
            limits.max_line_bytes,
            progress,
            emit,
        ),
        Format::Parquet => parquet_in::read_parquet(&file.path, &unit.display, progress, emit),
    }
}
