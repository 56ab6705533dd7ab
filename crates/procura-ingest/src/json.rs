//! JSON input: an array of objects (or of arrays, the first being the header) and
//! newline-delimited JSON. Both are read in a streaming way: a small scanner finds where each
//! array element ends, and only one element is parsed at a time, so a 10 GB array needs no
//! more memory than its largest element.
//!
//! Object keys become the header, in order of first appearance among the first
//! [`HEADER_SAMPLE`] records; keys that only appear later are counted in the report. Numbers
//! keep their exact text (an 18-digit ID written as a JSON number stays exact).

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use procura_core::location::Location;
use serde_json::Value;

use crate::cell::{Cell, RawRow};
use crate::error::{Error, Result};
use crate::source::{Flow, Item};

/// How many records decide the header of an object stream.
pub const HEADER_SAMPLE: usize = 1000;

/// One record found by the scanners: its first line and its parse result.
struct Record {
    line: u64,
    value: std::result::Result<Value, String>,
}

/// Reads a JSON file (array or NDJSON) and emits a header and rows.
pub fn read_json(
    path: &Path,
    display: &str,
    ndjson: bool,
    max_record_bytes: u64,
    progress: Arc<AtomicU64>,
    emit: &mut dyn FnMut(Item) -> Result<Flow>,
) -> Result<()> {
    let file = File::open(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })?;
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let mut shaper = Shaper::new(display);
    let mut on_record = |record: Record| shaper.push(record, emit);
    if ndjson {
        scan_ndjson(
            &mut reader,
            display,
            max_record_bytes,
            &progress,
            &mut on_record,
        )?;
    } else {
        scan_array(
            &mut reader,
            display,
            max_record_bytes,
            &progress,
            &mut on_record,
        )?;
    }
    shaper.finish(emit)
}

/// Turns parsed records into a header and rows.
struct Shaper {
    display: String,
    buffered: Vec<Record>,
    header: Option<Vec<String>>,
    arrays: bool,
    stopped: bool,
}

impl Shaper {
    fn new(display: &str) -> Shaper {
        Shaper {
            display: display.to_owned(),
            buffered: Vec::new(),
            header: None,
            arrays: false,
            stopped: false,
        }
    }

    fn push(&mut self, record: Record, emit: &mut dyn FnMut(Item) -> Result<Flow>) -> Result<Flow> {
        if self.stopped {
            return Ok(Flow::Stop);
        }
        if self.header.is_none() && !self.arrays {
            if self.buffered.is_empty()
                && let Ok(Value::Array(_)) = &record.value
            {
                // An array of arrays: the rows carry their own header row.
                self.arrays = true;
            } else {
                self.buffered.push(record);
                if self.buffered.len() >= HEADER_SAMPLE {
                    return self.flush(emit);
                }
                return Ok(Flow::Continue);
            }
        }
        let flow = self.emit_record(record, emit)?;
        if flow == Flow::Stop {
            self.stopped = true;
        }
        Ok(flow)
    }

    fn flush(&mut self, emit: &mut dyn FnMut(Item) -> Result<Flow>) -> Result<Flow> {
        let mut keys: Vec<String> = Vec::new();
        for record in &self.buffered {
            if let Ok(Value::Object(object)) = &record.value {
                for key in object.keys() {
                    if !keys.contains(key) {
                        keys.push(key.clone());
                    }
                }
            }
        }
        if keys.is_empty() {
            return Err(Error::NoHeader {
                location: Location::file(&self.display),
                scanned: self.buffered.len(),
            });
        }
        emit(Item::Header(keys.clone()))?;
        self.header = Some(keys);
        for record in std::mem::take(&mut self.buffered) {
            if self.emit_record(record, emit)? == Flow::Stop {
                self.stopped = true;
                return Ok(Flow::Stop);
            }
        }
        Ok(Flow::Continue)
    }

    fn emit_record(
        &mut self,
        record: Record,
        emit: &mut dyn FnMut(Item) -> Result<Flow>,
    ) -> Result<Flow> {
        let row = record.line;
        match record.value {
            Err(reason) => emit(Item::BadRecord { row, reason }),
            Ok(Value::Array(values)) if self.arrays => emit(Item::Row(RawRow {
                row,
                cells: values.iter().map(json_cell).collect(),
            })),
            Ok(Value::Object(mut object)) if !self.arrays => {
                let header = self.header.as_deref().unwrap_or_default();
                let cells = header
                    .iter()
                    .map(|key| object.remove(key).map_or(Cell::Empty, |v| json_cell(&v)))
                    .collect();
                if !object.is_empty() {
                    let keys: Vec<String> = object.keys().cloned().collect();
                    emit(Item::Note(format!(
                        "第{row}行含表头之外的键 / record at line {row} has keys outside the header: {}",
                        keys.join(", ")
                    )))?;
                }
                emit(Item::Row(RawRow { row, cells }))
            }
            Ok(other) => emit(Item::BadRecord {
                row,
                reason: format!(
                    "expected {}, found {}",
                    if self.arrays { "an array" } else { "an object" },
                    kind(&other)
                ),
            }),
        }
    }

    fn finish(&mut self, emit: &mut dyn FnMut(Item) -> Result<Flow>) -> Result<()> {
        if self.header.is_none() && !self.arrays && !self.buffered.is_empty() && !self.stopped {
            self.flush(emit)?;
        }
        Ok(())
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn json_cell(value: &Value) -> Cell {
    match value {
        Value::Null => Cell::Empty,
        Value::Bool(b) => Cell::Bool(*b),
        Value::Number(n) => Cell::Text(n.to_string()),
        Value::String(s) if s.is_empty() => Cell::Empty,
        Value::String(s) => Cell::Text(s.clone()),
        nested => Cell::Text(nested.to_string()),
    }
}

fn scan_ndjson(
    reader: &mut BufReader<File>,
    display: &str,
    max_record_bytes: u64,
    progress: &AtomicU64,
    on_record: &mut dyn FnMut(Record) -> Result<Flow>,
) -> Result<()> {
    let mut line = Vec::new();
    let mut line_number = 0u64;
    loop {
        line.clear();
        let n = read_line_limited(reader, &mut line, max_record_bytes).map_err(|e| match e {
            LineError::TooLong => Error::LimitExceeded {
                location: Location::row(display, line_number + 1),
                reason: format!("a line is longer than {max_record_bytes} bytes"),
            },
            LineError::Io(source) => Error::Read {
                path: display.into(),
                source,
            },
        })?;
        if n == 0 {
            return Ok(());
        }
        progress.fetch_add(n as u64, Ordering::Relaxed);
        line_number += 1;
        let trimmed = trim_ascii(&line);
        let trimmed = trimmed.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(trimmed);
        if trimmed.is_empty() {
            continue;
        }
        let value =
            serde_json::from_slice::<Value>(trimmed).map_err(|e| format!("invalid JSON: {e}"));
        if on_record(Record {
            line: line_number,
            value,
        })? == Flow::Stop
        {
            return Ok(());
        }
    }
}

enum LineError {
    TooLong,
    Io(std::io::Error),
}

fn read_line_limited(
    reader: &mut impl BufRead,
    line: &mut Vec<u8>,
    max: u64,
) -> std::result::Result<usize, LineError> {
    let mut total = 0usize;
    loop {
        let available = reader.fill_buf().map_err(LineError::Io)?;
        if available.is_empty() {
            return Ok(total);
        }
        let (take, done) = match available.iter().position(|b| *b == b'\n') {
            Some(i) => (i + 1, true),
            None => (available.len(), false),
        };
        line.extend_from_slice(&available[..take]);
        reader.consume(take);
        total += take;
        if total as u64 > max {
            return Err(LineError::TooLong);
        }
        if done {
            return Ok(total);
        }
    }
}

fn trim_ascii(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |i| i + 1);
    &bytes[start..end]
}

/// Scans `[ v1, v2, … ]` and hands each element's bytes to serde_json.
fn scan_array(
    reader: &mut BufReader<File>,
    display: &str,
    max_record_bytes: u64,
    progress: &AtomicU64,
    on_record: &mut dyn FnMut(Record) -> Result<Flow>,
) -> Result<()> {
    let corrupt = |line: u64, reason: &str| Error::Corrupt {
        location: Location::row(display, line),
        reason: reason.to_owned(),
    };
    let mut scanner = ArrayScanner::default();
    let mut element = Vec::new();
    let mut element_line = 1u64;
    loop {
        let available = reader.fill_buf().map_err(|source| Error::Read {
            path: display.into(),
            source,
        })?;
        if available.is_empty() {
            break;
        }
        let len = available.len();
        for &byte in available {
            match scanner.step(byte) {
                Step::Skip => {}
                Step::Byte => {
                    if element.is_empty() {
                        element_line = scanner.line;
                    }
                    element.push(byte);
                    if element.len() as u64 > max_record_bytes {
                        return Err(Error::LimitExceeded {
                            location: Location::row(display, element_line),
                            reason: format!(
                                "a JSON element is longer than {max_record_bytes} bytes"
                            ),
                        });
                    }
                }
                Step::EndElement => {
                    let value = serde_json::from_slice::<Value>(trim_ascii(&element))
                        .map_err(|e| format!("invalid JSON: {e}"));
                    element.clear();
                    if on_record(Record {
                        line: element_line,
                        value,
                    })? == Flow::Stop
                    {
                        return Ok(());
                    }
                }
                Step::Error(reason) => return Err(corrupt(scanner.line, reason)),
            }
        }
        reader.consume(len);
        progress.fetch_add(len as u64, Ordering::Relaxed);
    }
    if !scanner.closed {
        return Err(corrupt(
            scanner.line,
            "the JSON array is not closed (the file is truncated?)",
        ));
    }
    Ok(())
}

#[derive(Default)]
struct ArrayScanner {
    started: bool,
    closed: bool,
    depth: u32,
    in_string: bool,
    escaped: bool,
    has_content: bool,
    line: u64,
    bom: u8,
}

enum Step {
    Skip,
    Byte,
    EndElement,
    Error(&'static str),
}

impl ArrayScanner {
    fn step(&mut self, byte: u8) -> Step {
        if self.line == 0 {
            self.line = 1;
        }
        if byte == b'\n' {
            self.line += 1;
        }
        if !self.started {
            if self.bom < 3 && [0xEF, 0xBB, 0xBF].get(self.bom as usize) == Some(&byte) {
                self.bom += 1;
                return Step::Skip;
            }
            return match byte {
                b'[' => {
                    self.started = true;
                    Step::Skip
                }
                b if b.is_ascii_whitespace() => Step::Skip,
                _ => Step::Error("expected `[` at the start of a JSON array"),
            };
        }
        if self.closed {
            return if byte.is_ascii_whitespace() {
                Step::Skip
            } else {
                Step::Error("data after the end of the JSON array")
            };
        }
        if self.in_string {
            if self.escaped {
                self.escaped = false;
            } else if byte == b'\\' {
                self.escaped = true;
            } else if byte == b'"' {
                self.in_string = false;
            }
            return Step::Byte;
        }
        match byte {
            b'"' => {
                self.in_string = true;
                self.has_content = true;
                Step::Byte
            }
            b'{' | b'[' => {
                self.depth += 1;
                self.has_content = true;
                Step::Byte
            }
            b'}' | b']' if self.depth > 0 => {
                self.depth -= 1;
                Step::Byte
            }
            b']' => {
                self.closed = true;
                if self.has_content {
                    self.has_content = false;
                    Step::EndElement
                } else {
                    Step::Skip
                }
            }
            b',' if self.depth == 0 => {
                if !self.has_content {
                    return Step::Error("an empty element in the JSON array");
                }
                self.has_content = false;
                Step::EndElement
            }
            b if b.is_ascii_whitespace() && !self.has_content => Step::Skip,
            _ => {
                self.has_content = true;
                Step::Byte
            }
        }
    }
}
