//! One writer for every export layout the demo produces: GBK CSV with title rows, UTF-8 CSV
//! (with or without BOM), xlsx with merged title rows, NDJSON and a JSON array. Generators
//! hand it typed cells row by row; it streams CSV and JSON straight to disk and keeps only
//! xlsx sheets (which are small) in memory until they are saved.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, FormatAlign, Workbook, Worksheet};

use crate::DemoDataset;
use crate::calendar::AS_OF;
use crate::error::Error;

/// One value as the exporting system wrote it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    /// Text, including dates and amounts already spelled for a text file.
    Text(String),
    /// A numeric cell (xlsx) or a JSON number; also Excel serial dates that lost their format.
    Number(f64),
    /// A formatted date cell (xlsx only).
    Date(NaiveDate),
    Empty,
}

/// Shorthand for a text cell.
pub(crate) fn text(value: impl Into<String>) -> Cell {
    Cell::Text(value.into())
}

/// The file format of a dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Layout {
    /// GBK, comma-separated, CRLF, as Windows-era government systems export.
    GbkCsv,
    /// UTF-8 without BOM, LF.
    Utf8Csv,
    /// UTF-8 with BOM, CRLF, as Excel's "CSV UTF-8" saves.
    Utf8BomCsv,
    /// An xlsx workbook with one sheet of this name.
    Xlsx(&'static str),
    /// One JSON object per line.
    Ndjson,
    /// One JSON array of objects.
    JsonArray,
}

/// A dataset's file layout and columns, as one agency's system exports it.
#[derive(Debug)]
pub(crate) struct TableSpec {
    /// The catalog dataset name.
    pub(crate) name: &'static str,
    /// The file, or for `folder` datasets the directory, relative to the output directory.
    pub(crate) path: &'static str,
    /// True when the dataset is a folder of files with the same columns.
    pub(crate) folder: bool,
    pub(crate) layout: Layout,
    /// Title rows above the header: one text cell each.
    pub(crate) titles: &'static [&'static str],
    pub(crate) headers: &'static [&'static str],
    pub(crate) description_zh: &'static str,
}

/// The rows of one dataset as written, kept only when the caller asks (tests check the
/// models' rules against them).
#[derive(Debug, Default)]
pub(crate) struct RecordedTable {
    pub(crate) rows: Vec<Vec<Cell>>,
}

/// Writes one dataset, possibly as several files (`open_part`).
pub(crate) struct TableWriter {
    spec: &'static TableSpec,
    root: PathBuf,
    sink: Option<Sink>,
    rows: u64,
    recorded: Option<RecordedTable>,
}

impl TableWriter {
    /// Starts a dataset under `root`. A single-file dataset opens its file now; a folder
    /// dataset creates the folder and waits for [`TableWriter::open_part`].
    pub(crate) fn create(
        root: &Path,
        spec: &'static TableSpec,
        record: bool,
    ) -> Result<TableWriter, Error> {
        let mut writer = TableWriter {
            spec,
            root: root.to_path_buf(),
            sink: None,
            rows: 0,
            recorded: record.then(RecordedTable::default),
        };
        if spec.folder {
            let dir = root.join(spec.path);
            fs::create_dir_all(&dir).map_err(Error::io(&dir))?;
        } else {
            let path = root.join(spec.path);
            writer.sink = Some(Sink::open(spec, path)?);
        }
        Ok(writer)
    }

    pub(crate) fn name(&self) -> &'static str {
        self.spec.name
    }

    /// Finishes the current file of a folder dataset and starts `file_name` in the folder.
    pub(crate) fn open_part(&mut self, file_name: &str) -> Result<(), Error> {
        if let Some(sink) = self.sink.take() {
            sink.finish()?;
        }
        let path = self.root.join(self.spec.path).join(file_name);
        self.sink = Some(Sink::open(self.spec, path)?);
        Ok(())
    }

    pub(crate) fn row(&mut self, cells: Vec<Cell>) -> Result<(), Error> {
        debug_assert_eq!(cells.len(), self.spec.headers.len(), "{}", self.spec.name);
        if let Some(sink) = self.sink.as_mut() {
            sink.row(&cells)?;
        }
        self.rows += 1;
        if let Some(recorded) = self.recorded.as_mut() {
            recorded.rows.push(cells);
        }
        Ok(())
    }

    /// Closes the last file and describes the dataset for the manifest.
    pub(crate) fn finish(self) -> Result<(DemoDataset, Option<RecordedTable>), Error> {
        if let Some(sink) = self.sink {
            sink.finish()?;
        }
        let dataset = DemoDataset {
            name: self.spec.name.to_owned(),
            path: self.spec.path.to_owned(),
            sheet: match self.spec.layout {
                Layout::Xlsx(sheet) => Some(sheet.to_owned()),
                _ => None,
            },
            rows: self.rows,
            description_zh: self.spec.description_zh.to_owned(),
        };
        Ok((dataset, self.recorded))
    }
}

enum Sink {
    Csv(CsvSink),
    Xlsx(Box<XlsxSink>),
    Json(JsonSink),
}

impl Sink {
    fn open(spec: &'static TableSpec, path: PathBuf) -> Result<Sink, Error> {
        Ok(match spec.layout {
            Layout::GbkCsv | Layout::Utf8Csv | Layout::Utf8BomCsv => {
                Sink::Csv(CsvSink::open(spec, path)?)
            }
            Layout::Xlsx(sheet) => Sink::Xlsx(Box::new(XlsxSink::open(spec, sheet, path)?)),
            Layout::Ndjson | Layout::JsonArray => Sink::Json(JsonSink::open(spec, path)?),
        })
    }

    fn row(&mut self, cells: &[Cell]) -> Result<(), Error> {
        match self {
            Sink::Csv(sink) => sink.row(cells),
            Sink::Xlsx(sink) => sink.row(cells),
            Sink::Json(sink) => sink.row(cells),
        }
    }

    fn finish(self) -> Result<(), Error> {
        match self {
            Sink::Csv(sink) => sink.finish(),
            Sink::Xlsx(sink) => sink.finish(),
            Sink::Json(sink) => sink.finish(),
        }
    }
}

fn create_file(path: &Path) -> Result<BufWriter<File>, Error> {
    let file = File::create(path).map_err(Error::io(path))?;
    Ok(BufWriter::with_capacity(1 << 16, file))
}

struct CsvSink {
    file: BufWriter<File>,
    path: PathBuf,
    gbk: bool,
    line_end: &'static str,
    line: String,
}

impl CsvSink {
    fn open(spec: &TableSpec, path: PathBuf) -> Result<CsvSink, Error> {
        let mut file = create_file(&path)?;
        if spec.layout == Layout::Utf8BomCsv {
            file.write_all("\u{FEFF}".as_bytes())
                .map_err(Error::io(&path))?;
        }
        let mut sink = CsvSink {
            file,
            path,
            gbk: spec.layout == Layout::GbkCsv,
            line_end: if spec.layout == Layout::Utf8Csv {
                "\n"
            } else {
                "\r\n"
            },
            line: String::new(),
        };
        let width = spec.headers.len();
        for title in spec.titles {
            let mut cells = vec![text(*title)];
            cells.resize(width, Cell::Empty);
            sink.row(&cells)?;
        }
        let header: Vec<Cell> = spec.headers.iter().map(|h| text(*h)).collect();
        sink.row(&header)?;
        Ok(sink)
    }

    fn row(&mut self, cells: &[Cell]) -> Result<(), Error> {
        self.line.clear();
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                self.line.push(',');
            }
            push_csv_field(&mut self.line, cell);
        }
        self.line.push_str(self.line_end);
        if self.gbk {
            let (bytes, _, unmappable) = encoding_rs::GBK.encode(&self.line);
            if unmappable {
                return Err(Error::Unencodable {
                    path: self.path.clone(),
                    text: self.line.trim_end().to_owned(),
                });
            }
            self.file.write_all(&bytes)
        } else {
            self.file.write_all(self.line.as_bytes())
        }
        .map_err(Error::io(&self.path))
    }

    fn finish(mut self) -> Result<(), Error> {
        self.file.flush().map_err(Error::io(&self.path))
    }
}

fn push_csv_field(line: &mut String, cell: &Cell) {
    let value = match cell {
        Cell::Text(value) => value.clone(),
        Cell::Number(number) => number.to_string(),
        Cell::Date(day) => day.format("%Y-%m-%d").to_string(),
        Cell::Empty => return,
    };
    if value.contains([',', '"', '\n', '\r']) {
        line.push('"');
        line.push_str(&value.replace('"', "\"\""));
        line.push('"');
    } else {
        line.push_str(&value);
    }
}

struct XlsxSink {
    sheet: Worksheet,
    path: PathBuf,
    row: u32,
    date_format: Format,
}

impl XlsxSink {
    fn open(spec: &TableSpec, sheet_name: &str, path: PathBuf) -> Result<XlsxSink, Error> {
        let mut sheet = Worksheet::new();
        sheet.set_name(sheet_name).map_err(Error::xlsx(&path))?;
        let last_col = u16::try_from(spec.headers.len().saturating_sub(1)).unwrap_or(0);
        let title_format = Format::new().set_bold().set_align(FormatAlign::Center);
        let mut row = 0;
        for title in spec.titles {
            sheet
                .merge_range(row, 0, row, last_col, title, &title_format)
                .map_err(Error::xlsx(&path))?;
            row += 1;
        }
        let header_format = Format::new().set_bold();
        for (col, header) in (0u16..).zip(spec.headers) {
            sheet
                .write_string_with_format(row, col, *header, &header_format)
                .map_err(Error::xlsx(&path))?;
        }
        Ok(XlsxSink {
            sheet,
            path,
            row: row + 1,
            date_format: Format::new().set_num_format("yyyy-mm-dd"),
        })
    }

    fn row(&mut self, cells: &[Cell]) -> Result<(), Error> {
        for (col, cell) in (0u16..).zip(cells) {
            let written = match cell {
                Cell::Text(value) => self.sheet.write_string(self.row, col, value),
                Cell::Number(number) => self.sheet.write_number(self.row, col, *number),
                Cell::Date(day) => {
                    let datetime = excel_date(*day).map_err(Error::xlsx(&self.path))?;
                    self.sheet.write_datetime_with_format(
                        self.row,
                        col,
                        &datetime,
                        &self.date_format,
                    )
                }
                Cell::Empty => continue,
            };
            written.map_err(Error::xlsx(&self.path))?;
        }
        self.row += 1;
        Ok(())
    }

    fn finish(self) -> Result<(), Error> {
        let mut workbook = Workbook::new();
        // A fixed creation time keeps the file byte-identical between runs.
        let created = excel_date(AS_OF).map_err(Error::xlsx(&self.path))?;
        workbook.set_properties(&DocProperties::new().set_creation_datetime(&created));
        workbook.push_worksheet(self.sheet);
        workbook.save(&self.path).map_err(Error::xlsx(&self.path))
    }
}

fn excel_date(day: NaiveDate) -> Result<ExcelDateTime, rust_xlsxwriter::XlsxError> {
    // Demo dates are between 1935 and 2026, so the narrowing conversions cannot fail.
    let year = u16::try_from(day.year()).unwrap_or(1900);
    ExcelDateTime::from_ymd(year, day.month() as u8, day.day() as u8)
}

struct JsonSink {
    file: BufWriter<File>,
    path: PathBuf,
    headers: &'static [&'static str],
    array: bool,
    rows: u64,
    line: String,
}

impl JsonSink {
    fn open(spec: &'static TableSpec, path: PathBuf) -> Result<JsonSink, Error> {
        let mut file = create_file(&path)?;
        let array = spec.layout == Layout::JsonArray;
        if array {
            file.write_all(b"[").map_err(Error::io(&path))?;
        }
        Ok(JsonSink {
            file,
            path,
            headers: spec.headers,
            array,
            rows: 0,
            line: String::new(),
        })
    }

    /// Builds the object by hand so that keys keep the header order.
    fn row(&mut self, cells: &[Cell]) -> Result<(), Error> {
        self.line.clear();
        if self.array {
            self.line
                .push_str(if self.rows == 0 { "\n  " } else { ",\n  " });
        }
        self.line.push('{');
        for (i, (header, cell)) in self.headers.iter().zip(cells).enumerate() {
            if i > 0 {
                self.line.push(',');
            }
            self.line.push_str(&json_string(header));
            self.line.push(':');
            let value = match cell {
                Cell::Text(value) => json_string(value),
                Cell::Number(number) => serde_json::Number::from_f64(*number)
                    .map_or_else(|| "null".to_owned(), |n| n.to_string()),
                Cell::Date(day) => json_string(&day.format("%Y-%m-%d").to_string()),
                Cell::Empty => "null".to_owned(),
            };
            self.line.push_str(&value);
        }
        self.line.push('}');
        if !self.array {
            self.line.push('\n');
        }
        self.rows += 1;
        self.file
            .write_all(self.line.as_bytes())
            .map_err(Error::io(&self.path))
    }

    fn finish(mut self) -> Result<(), Error> {
        if self.array {
            self.file
                .write_all(b"\n]\n")
                .map_err(Error::io(&self.path))?;
        }
        self.file.flush().map_err(Error::io(&self.path))
    }
}

fn json_string(value: &str) -> String {
    serde_json::Value::String(value.to_owned()).to_string()
}
