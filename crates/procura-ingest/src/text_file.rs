//! Delimited text files (CSV, TSV, TXT): encoding detection, delimiter detection, and a
//! streaming row reader with a limit on line length.
//!
//! Chinese Windows saves "CSV" in the ANSI code page, which is GBK; Excel's "CSV UTF-8" adds a
//! BOM; some systems write UTF-16. Detection order: a BOM; UTF-16 without BOM (zero bytes);
//! valid UTF-8; GB18030 when it decodes the sample cleanly and yields Chinese text (the prior
//! that fits agency data); otherwise chardetng's guess. The guess is checked by decoding the
//! sample, and a file that decodes to garbage is refused instead of being ingested as mojibake.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use encoding_rs::Encoding;
use encoding_rs_io::{DecodeReaderBytes, DecodeReaderBytesBuilder};
use procura_core::location::Location;

use crate::cell::{Cell, RawRow};
use crate::error::{Error, Result};
use crate::input::{Limits, looks_like_utf16_without_bom};

/// How many bytes the detectors look at.
const SAMPLE_BYTES: usize = 256 * 1024;

/// What was detected (or given) for one text file.
#[derive(Debug, Clone, Copy)]
pub struct TextLayout {
    /// The character encoding.
    pub encoding: &'static Encoding,
    /// The field delimiter.
    pub delimiter: u8,
}

/// Detects the encoding (unless given) and the delimiter (unless given) of a text file.
pub fn detect_layout(
    path: &Path,
    display: &str,
    encoding: Option<&'static Encoding>,
    delimiter: Option<u8>,
) -> Result<TextLayout> {
    let mut file = File::open(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })?;
    let mut sample = Vec::with_capacity(SAMPLE_BYTES);
    (&mut file)
        .take(SAMPLE_BYTES as u64)
        .read_to_end(&mut sample)
        .map_err(|source| Error::Read {
            path: path.to_owned(),
            source,
        })?;
    let whole_file = sample.len() < SAMPLE_BYTES;
    let encoding = match encoding {
        Some(encoding) => encoding,
        None => detect_encoding(&sample, whole_file).map_err(|reason| Error::Encoding {
            location: Location::file(display),
            reason,
        })?,
    };
    let (text, _, _) = encoding.decode(&sample);
    let total = text.chars().count().max(1);
    let broken = text.chars().filter(|c| *c == '\u{FFFD}').count();
    // One broken character may be a multi-byte character cut by the end of the sample.
    if broken > 1 && broken * 200 > total {
        return Err(Error::Encoding {
            location: Location::file(display),
            reason: format!(
                "{broken} of the first {total} characters are not valid {}",
                encoding.name()
            ),
        });
    }
    let delimiter = delimiter.unwrap_or_else(|| {
        let by_extension = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("tsv"));
        if by_extension {
            b'\t'
        } else {
            detect_delimiter(&text)
        }
    });
    Ok(TextLayout {
        encoding,
        delimiter,
    })
}

/// Detects the encoding of a sample of a file. `whole_file` says the sample is the entire file
/// (so a multi-byte character cut at its end is an error, not an artefact of sampling).
pub fn detect_encoding(sample: &[u8], whole_file: bool) -> Result<&'static Encoding, String> {
    if let Some((encoding, _)) = Encoding::for_bom(sample) {
        return Ok(encoding);
    }
    if let Some(encoding) = looks_like_utf16_without_bom(sample) {
        return Ok(encoding);
    }
    match std::str::from_utf8(sample) {
        Ok(_) => return Ok(encoding_rs::UTF_8),
        Err(e) if e.error_len().is_none() && !whole_file => return Ok(encoding_rs::UTF_8),
        Err(_) => {}
    }
    let (text, _, had_errors) = encoding_rs::GB18030.decode(sample);
    let has_cjk = text.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c));
    if (!had_errors || !whole_file && only_last_char_broken(&text)) && has_cjk {
        return Ok(encoding_rs::GB18030);
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(sample, whole_file);
    let guess = detector.guess(None, chardetng::Utf8Detection::Deny);
    let guess = if guess == encoding_rs::GBK {
        encoding_rs::GB18030
    } else {
        guess
    };
    let (text, _, _) = guess.decode(sample);
    let total = text.chars().count().max(1);
    let broken = text.chars().filter(|c| *c == '\u{FFFD}').count();
    if broken * 200 > total {
        return Err(format!(
            "{broken} of {total} characters are undecodable even as {}",
            guess.name()
        ));
    }
    Ok(guess)
}

fn only_last_char_broken(text: &str) -> bool {
    let broken: Vec<usize> = text
        .char_indices()
        .filter(|(_, c)| *c == '\u{FFFD}')
        .map(|(i, _)| i)
        .collect();
    broken.len() == 1 && broken[0] + 3 >= text.len()
}

/// Picks the delimiter that splits the first lines most consistently.
pub fn detect_delimiter(text: &str) -> u8 {
    let lines: Vec<&str> = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .take(30)
        .collect();
    let mut best = (b',', 0usize);
    for candidate in [b',', b'\t', b';', b'|'] {
        let counts: Vec<usize> = lines
            .iter()
            .map(|line| count_outside_quotes(line, candidate))
            .collect();
        let Some(&max) = counts.iter().max() else {
            continue;
        };
        // Title rows have fewer delimiters than the table; score by the most common count.
        let mode = (1..=max)
            .max_by_key(|n| (counts.iter().filter(|c| *c == n).count(), *n))
            .unwrap_or(0);
        let support = counts.iter().filter(|c| **c == mode).count();
        let score = if mode == 0 { 0 } else { support * 1000 + mode };
        if score > best.1 {
            best = (candidate, score);
        }
    }
    best.0
}

fn count_outside_quotes(line: &str, delimiter: u8) -> usize {
    let mut quoted = false;
    let mut count = 0;
    for byte in line.bytes() {
        if byte == b'"' {
            quoted = !quoted;
        } else if byte == delimiter && !quoted {
            count += 1;
        }
    }
    count
}

/// A marker error: a physical line longer than the limit.
#[derive(Debug)]
struct LineTooLong(u64);

impl std::fmt::Display for LineTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a line is longer than {} bytes", self.0)
    }
}

impl std::error::Error for LineTooLong {}

/// Counts bytes into a shared progress counter and refuses lines longer than the limit
/// before the CSV parser can buffer them.
struct GuardedReader<R> {
    inner: R,
    since_newline: u64,
    max_line: u64,
    progress: Arc<AtomicU64>,
}

impl<R: Read> Read for GuardedReader<R> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buffer)?;
        let chunk = &buffer[..n];
        match memrchr(b'\n', chunk) {
            Some(last) => self.since_newline = (n - last - 1) as u64,
            None => self.since_newline += n as u64,
        }
        if self.since_newline > self.max_line {
            return Err(io::Error::other(LineTooLong(self.max_line)));
        }
        self.progress.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

fn memrchr(needle: u8, haystack: &[u8]) -> Option<usize> {
    haystack.iter().rposition(|b| *b == needle)
}

/// Streams the rows of a delimited text file as UTF-8 cells.
pub struct DelimitedRows {
    reader: csv::Reader<DecodeReaderBytes<GuardedReader<BufReader<File>>, Vec<u8>>>,
    record: csv::ByteRecord,
    display: String,
    limits: Limits,
}

impl DelimitedRows {
    /// Opens a file with a detected or given layout.
    pub fn open(
        path: &Path,
        display: &str,
        layout: TextLayout,
        limits: Limits,
        progress: Arc<AtomicU64>,
    ) -> Result<DelimitedRows> {
        let file = File::open(path).map_err(|source| Error::Read {
            path: path.to_owned(),
            source,
        })?;
        let guarded = GuardedReader {
            inner: BufReader::with_capacity(1 << 20, file),
            since_newline: 0,
            max_line: limits.max_line_bytes,
            progress,
        };
        let decoded = DecodeReaderBytesBuilder::new()
            .encoding(Some(layout.encoding))
            .utf8_passthru(true)
            .strip_bom(true)
            .bom_override(true)
            .build(guarded);
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(layout.delimiter)
            // Only `\n` ends a record, so that the parser's line count is the editor's line
            // number even when `\r\n` and `\n` are mixed; a trailing `\r` is removed below.
            .terminator(csv::Terminator::Any(b'\n'))
            .buffer_capacity(1 << 20)
            .from_reader(decoded);
        Ok(DelimitedRows {
            reader,
            record: csv::ByteRecord::new(),
            display: display.to_owned(),
            limits,
        })
    }

    /// The next row, or `None` at the end of the file.
    pub fn next_row(&mut self) -> Result<Option<RawRow>> {
        match self.reader.read_byte_record(&mut self.record) {
            Ok(false) => Ok(None),
            Ok(true) => {
                let row = self.record.position().map_or(0, |p| p.line());
                if self.record.len() > self.limits.max_columns {
                    return Err(Error::LimitExceeded {
                        location: Location::row(&self.display, row),
                        reason: format!(
                            "{} fields in one row (limit {})",
                            self.record.len(),
                            self.limits.max_columns
                        ),
                    });
                }
                let last = self.record.len().saturating_sub(1);
                let cells = self
                    .record
                    .iter()
                    .enumerate()
                    .map(|(index, field)| {
                        let field = if index == last {
                            field.strip_suffix(b"\r").unwrap_or(field)
                        } else {
                            field
                        };
                        if field.is_empty() {
                            Cell::Empty
                        } else {
                            Cell::Text(String::from_utf8_lossy(field).into_owned())
                        }
                    })
                    .collect();
                Ok(Some(RawRow { row, cells }))
            }
            Err(error) => Err(self.map_error(error)),
        }
    }

    fn map_error(&self, error: csv::Error) -> Error {
        let line = error.position().map(|p| p.line());
        let location = match line {
            Some(line) => Location::row(&self.display, line),
            None => Location::file(&self.display),
        };
        match error.into_kind() {
            csv::ErrorKind::Io(io_error) => {
                if let Some(too_long) = io_error
                    .get_ref()
                    .and_then(|inner| inner.downcast_ref::<LineTooLong>())
                {
                    Error::LimitExceeded {
                        location,
                        reason: too_long.to_string(),
                    }
                } else {
                    Error::Read {
                        path: self.display.clone().into(),
                        source: io_error,
                    }
                }
            }
            other => Error::Corrupt {
                location,
                reason: format!("{other:?}"),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gbk_bytes_are_detected_as_gb18030() {
        let (bytes, _, _) = encoding_rs::GBK.encode("姓名,身份证号\n张三,110101199003071234\n");
        assert_eq!(detect_encoding(&bytes, true), Ok(encoding_rs::GB18030));
    }

    #[test]
    fn utf8_and_bom() {
        assert_eq!(
            detect_encoding("姓名,a\n".as_bytes(), true),
            Ok(encoding_rs::UTF_8)
        );
        assert_eq!(
            detect_encoding(b"\xEF\xBB\xBFa,b\n", true),
            Ok(encoding_rs::UTF_8)
        );
        assert_eq!(
            detect_encoding(b"\xFF\xFEa\0,\0", true),
            Ok(encoding_rs::UTF_16LE)
        );
    }

    #[test]
    fn utf16_without_bom() {
        let bytes: Vec<u8> = "name,id\nzhang,1\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(detect_encoding(&bytes, true), Ok(encoding_rs::UTF_16LE));
    }

    #[test]
    fn delimiters() {
        assert_eq!(detect_delimiter("a\tb\tc\n1\t2\t3\n"), b'\t');
        assert_eq!(detect_delimiter("标题行\na;b;c\n1;2;3\n"), b';');
        assert_eq!(detect_delimiter("\"a,b\"|c\n1|2\n"), b'|');
        assert_eq!(detect_delimiter("single\nvalue\n"), b',');
    }
}
