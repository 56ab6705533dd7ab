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

/// Which sheets of a workbook to read. Whatever the choice, the quality report lists every
/// sheet of every workbook, read or skipped, with the reason
/// ([`crate::quality::SheetQuality`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum SheetSelection {
    /// No sheet named (the default): the workbook's first table, which may continue over
    /// several sheets. It starts on the first sheet with a header and data rows, preferring
    /// a header of two or more columns that the dictionary partly recognises (so a leading
    /// `说明` sheet of sentences is passed over), and goes on over every later sheet whose
    /// header has the same columns after clean-up, in any order and whatever title rows stand
    /// above it: an export longer than a sheet continues on `明细(2)`. Other sheets (another
    /// table, notes, empty) are skipped, and named in the report and in a note on the first
    /// sheet read. Skipping rather than refusing: workbooks routinely carry notes and summary
    /// sheets, and a refusal would make every such file need `--sheet`.
    #[default]
    First,
    /// The sheet with this name (or this 1-based position, when a number), and only it.
    Named(String),
    /// Every sheet with content (monthly sheets of the same layout); empty sheets are skipped.
    All,
}

/// How a unit came to be listed, which decides whether it is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SheetPick {
    /// Not a workbook, or the sheet that was named: read it (an empty one is an error).
    Only,
    /// `SheetSelection::All`: read it unless it is empty.
    Every,
    /// `SheetSelection::First`: read it if it belongs to the workbook's first table.
    Candidate,
    /// Another sheet was named; listed so that the report can say so.
    NotSelected,
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
    /// The sheet's 1-based position in the workbook (0 for other formats).
    pub sheet_position: usize,
    /// Why the unit is listed; the pipeline reads it or not after looking at its header.
    pub pick: SheetPick,
    /// The name used in locations: `book.xlsx` or `book.xlsx[二月]` when several sheets of
    /// the workbook are read.
    pub display: String,
    /// For text files, the detected layout.
    pub layout: Option<TextLayout>,
    /// The epoch of Excel serials in this unit: the workbook's own, else 1900 (Excel writes
    /// serials of the 1900 system when it saves a CSV, and JSON exports follow it).
    pub excel_dates: ExcelDateSystem,
    /// Notes for the quality report about this unit (such as the sheets skipped beside it).
    pub notes: Vec<String>,
}

/// Expands inputs into units: one per text/JSON/Parquet file, one per workbook sheet (each
/// with its [`SheetPick`]; which are read is settled by the pipeline once headers are known).
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
                let picks: Vec<SheetPick> = match &options.sheets {
                    SheetSelection::First => vec![SheetPick::Candidate; names.len()],
                    SheetSelection::All => vec![SheetPick::Every; names.len()],
                    SheetSelection::Named(wanted) => {
                        let by_name = names.iter().position(|name| name.trim() == wanted.trim());
                        let by_position = wanted
                            .parse::<usize>()
                            .ok()
                            .and_then(|i| i.checked_sub(1))
                            .filter(|i| *i < names.len());
                        let Some(chosen) = by_name.or(by_position) else {
                            return Err(Error::NoSuchSheet {
                                location: Location::file(&file.display),
                                sheet: wanted.clone(),
                                available: names.join(", "),
                            });
                        };
                        (0..names.len())
                            .map(|i| {
                                if i == chosen {
                                    SheetPick::Only
                                } else {
                                    SheetPick::NotSelected
                                }
                            })
                            .collect()
                    }
                };
                for (position, (sheet, pick)) in names.into_iter().zip(picks).enumerate() {
                    units.push(Unit {
                        file: file.clone(),
                        sheet: Some(sheet),
                        sheet_position: position + 1,
                        pick,
                        // Settled once it is known how many sheets of the workbook are read.
                        display: file.display.clone(),
                        layout: None,
                        excel_dates: info.dates,
                        notes: Vec::new(),
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
                    sheet_position: 0,
                    pick: SheetPick::Only,
                    display: file.display.clone(),
                    layout: Some(layout),
                    excel_dates: ExcelDateSystem::Excel1900,
                    notes: Vec::new(),
                });
            }
            Format::JsonArray | Format::NdJson | Format::Parquet => units.push(Unit {
                file: file.clone(),
                sheet: None,
                sheet_position: 0,
                pick: SheetPick::Only,
                display: file.display.clone(),
                layout: None,
                excel_dates: ExcelDateSystem::Excel1900,
                notes: Vec::new(),
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
