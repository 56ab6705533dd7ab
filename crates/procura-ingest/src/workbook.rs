//! Excel workbooks: xlsx streamed cell by cell (constant memory whatever the sheet size),
//! xls read whole (the format cannot exceed 65,536 rows). Date cells arrive as dates, already
//! converted with the workbook's own date system (1900 or 1904); [`inspect`] reports that
//! system so that serials in cells without a date format are read with it too.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use calamine::{Data, DataRef, Reader, Xls, Xlsx};
use procura_core::date::ExcelDateSystem;
use procura_core::location::Location;

use crate::cell::{Cell, RawRow};
use crate::error::{Error, Result};
use crate::source::{Flow, Item};

/// What a workbook holds before any sheet is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkbookInfo {
    /// The sheet names, in workbook order.
    pub sheets: Vec<String>,
    /// The epoch its serial numbers count from. Date cells arrive already converted, but a
    /// serial in a cell without a date format (or typed as a plain number) needs it too.
    pub dates: ExcelDateSystem,
}

/// The sheet names and the date system of a workbook.
pub fn inspect(path: &Path, display: &str, xls: bool) -> Result<WorkbookInfo> {
    let (sheets, is_1904) = if xls {
        let workbook = open_xls(path, display)?;
        (workbook.sheet_names(), workbook.has_1904_epoch())
    } else {
        let workbook = open_xlsx(path, display)?;
        (workbook.sheet_names(), workbook.has_1904_epoch())
    };
    Ok(WorkbookInfo {
        sheets,
        dates: if is_1904 {
            ExcelDateSystem::Excel1904
        } else {
            ExcelDateSystem::Excel1900
        },
    })
}

fn open_xlsx(path: &Path, display: &str) -> Result<Xlsx<BufReader<File>>> {
    let file = File::open(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })?;
    Xlsx::new(BufReader::new(file)).map_err(|e| Error::Corrupt {
        location: Location::file(display),
        reason: format!("damaged xlsx workbook: {e}"),
    })
}

fn open_xls(path: &Path, display: &str) -> Result<Xls<BufReader<File>>> {
    let file = File::open(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })?;
    Xls::new(BufReader::new(file)).map_err(|e| {
        if is_encrypted_ooxml(path) {
            Error::UnsupportedFormat {
                location: Location::file(display),
                reason: "the workbook is password-protected; remove the password in Excel and export again".into(),
            }
        } else {
            Error::Corrupt {
                location: Location::file(display),
                reason: format!("damaged xls workbook: {e}"),
            }
        }
    })
}

/// A password-protected xlsx is an OLE container holding an `EncryptedPackage` stream.
fn is_encrypted_ooxml(path: &Path) -> bool {
    let Ok(file) = File::open(path) else {
        return false;
    };
    let mut head = Vec::new();
    if file.take(4 << 20).read_to_end(&mut head).is_err() {
        return false;
    }
    let needle: Vec<u8> = "EncryptedPackage"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    head.windows(needle.len()).any(|window| window == needle)
}

/// Streams the rows of one xlsx sheet.
pub fn read_xlsx(
    path: &Path,
    display: &str,
    sheet: &str,
    emit: &mut dyn FnMut(Item) -> Result<Flow>,
) -> Result<()> {
    let mut workbook = open_xlsx(path, display)?;
    let corrupt = |e: calamine::XlsxError| Error::Corrupt {
        location: Location::file(display),
        reason: format!("damaged sheet `{sheet}`: {e}"),
    };
    let mut cells = workbook.worksheet_cells_reader(sheet).map_err(corrupt)?;
    let mut current: Option<u32> = None;
    let mut row_cells: Vec<Cell> = Vec::new();
    loop {
        let next = cells.next_cell().map_err(corrupt)?;
        let Some(cell) = next else { break };
        let (row, column) = cell.get_position();
        if current != Some(row) {
            if let Some(done) = current
                && !row_cells.is_empty()
            {
                let flow = emit(Item::Row(RawRow {
                    row: u64::from(done) + 1,
                    cells: std::mem::take(&mut row_cells),
                }))?;
                if flow == Flow::Stop {
                    return Ok(());
                }
            }
            current = Some(row);
            row_cells.clear();
        }
        let column = column as usize;
        if column >= crate::input::Limits::default().max_columns {
            return Err(Error::LimitExceeded {
                location: Location::row(display, u64::from(row) + 1),
                reason: format!(
                    "a cell in column {} (limit {})",
                    column + 1,
                    crate::input::Limits::default().max_columns
                ),
            });
        }
        let value = convert_ref(cell.get_value());
        if matches!(value, Cell::Empty) {
            continue;
        }
        if row_cells.len() <= column {
            row_cells.resize(column + 1, Cell::Empty);
        }
        row_cells[column] = value;
    }
    if let Some(done) = current
        && !row_cells.is_empty()
    {
        emit(Item::Row(RawRow {
            row: u64::from(done) + 1,
            cells: row_cells,
        }))?;
    }
    Ok(())
}

/// Reads the rows of one xls sheet.
pub fn read_xls(
    path: &Path,
    display: &str,
    sheet: &str,
    emit: &mut dyn FnMut(Item) -> Result<Flow>,
) -> Result<()> {
    let mut workbook = open_xls(path, display)?;
    let range = workbook
        .worksheet_range(sheet)
        .map_err(|e| Error::Corrupt {
            location: Location::file(display),
            reason: format!("damaged sheet `{sheet}`: {e}"),
        })?;
    let (start_row, start_column) = range.start().unwrap_or((0, 0));
    for (offset, row) in range.rows().enumerate() {
        let mut cells: Vec<Cell> = Vec::with_capacity(start_column as usize + row.len());
        cells.resize(start_column as usize, Cell::Empty);
        cells.extend(row.iter().map(convert_data));
        while cells.last().is_some_and(|cell| matches!(cell, Cell::Empty)) {
            cells.pop();
        }
        if cells.is_empty() {
            continue;
        }
        let flow = emit(Item::Row(RawRow {
            row: u64::from(start_row) + offset as u64 + 1,
            cells,
        }))?;
        if flow == Flow::Stop {
            break;
        }
    }
    Ok(())
}

fn convert_ref(value: &DataRef<'_>) -> Cell {
    match value {
        DataRef::Empty => Cell::Empty,
        DataRef::Int(i) => Cell::Number(*i as f64),
        DataRef::Float(f) => Cell::Number(*f),
        DataRef::String(s) => text_cell(s),
        DataRef::SharedString(s) => text_cell(s),
        DataRef::Bool(b) => Cell::Bool(*b),
        DataRef::DateTime(dt) => match dt.as_datetime() {
            Some(datetime) if dt.is_datetime() => Cell::DateTime(datetime),
            _ => Cell::Number(dt.as_f64()),
        },
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => text_cell(s),
        DataRef::Error(e) => Cell::Text(format!("{e}")),
    }
}

fn convert_data(value: &Data) -> Cell {
    match value {
        Data::Empty => Cell::Empty,
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::String(s) => text_cell(s),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(datetime) if dt.is_datetime() => Cell::DateTime(datetime),
            _ => Cell::Number(dt.as_f64()),
        },
        Data::DateTimeIso(s) | Data::DurationIso(s) => text_cell(s),
        Data::Error(e) => Cell::Text(format!("{e}")),
    }
}

fn text_cell(text: &str) -> Cell {
    if text.is_empty() {
        Cell::Empty
    } else {
        Cell::Text(text.to_owned())
    }
}
