//! The ingest pipeline: expand the input, find each unit's header, settle the mapping, then
//! stream rows through three stages on their own threads: one reader, N normalisers, one
//! Parquet writer. Channels between them are bounded, so memory stays flat whatever the file
//! size. Any fault stops every stage and removes the partial output.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};

use arrow::datatypes::SchemaRef;
use chrono::NaiveDate;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use procura_core::field::{self, FieldType};
use procura_core::location::Location;

use crate::dedup::DuplicateCounter;
use crate::error::{Error, Result};
use crate::header::{self, Header};
use crate::input::{self, Format, Limits};
use crate::mapping::{self, Mapping};
use crate::normalize::{self, Chunk, ChunkItem, Normalized, PlannedColumn, UnitPlan};
use crate::quality::{ColumnQuality, DuplicateKeys, FileQuality, QualityReport};
use crate::source::{self, Flow, Item, ReadOptions, Unit};

/// Rows per chunk handed to a normaliser.
const CHUNK_ROWS: usize = 16_384;
/// Rows per Parquet row group (bounds the writer's memory).
const ROW_GROUP_ROWS: usize = 131_072;

/// What to ingest and how.
#[derive(Debug, Clone)]
pub struct IngestRequest {
    /// A file, a folder or a zip archive.
    pub path: PathBuf,
    /// The mapping to apply; `None` uses the dictionary's suggestion.
    pub mapping: Option<Mapping>,
    /// Reading options (encoding, sheets, limits).
    pub read: ReadOptions,
    /// Any row fault is fatal.
    pub strict: bool,
    /// "Today", for birth dates in ID numbers.
    pub today: NaiveDate,
    /// Where to write the Parquet file; it must not exist yet.
    pub output: PathBuf,
    /// A directory on the same file system for temporary files.
    pub scratch: PathBuf,
    /// Normaliser threads (0 = one per core).
    pub threads: usize,
}

/// Receives progress while an ingest runs.
pub trait Progress: Sync {
    /// The total number of input bytes.
    fn begin(&self, _total_bytes: u64) {}
    /// Bytes read and rows written so far.
    fn advance(&self, _bytes: u64, _rows: u64) {}
    /// The ingest is over (successfully or not).
    fn end(&self) {}
}

/// A progress sink that ignores everything.
pub struct NoProgress;

impl Progress for NoProgress {}

/// One column of the written dataset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputColumn {
    /// Column name.
    pub name: String,
    /// Source header.
    pub source: String,
    /// Field type.
    pub field_type: FieldType,
}

/// The result of a successful ingest.
#[derive(Debug, Clone)]
pub struct IngestOutcome {
    /// Rows written.
    pub n_rows: u64,
    /// The dataset columns (system columns and derived `__` columns not included).
    pub columns: Vec<OutputColumn>,
    /// The quality report.
    pub report: QualityReport,
    /// The mapping that was applied (complete, including columns kept as text).
    pub mapping: Mapping,
    /// BLAKE3 of the Parquet file.
    pub digest: String,
    /// Size of the Parquet file in bytes.
    pub bytes: u64,
}

/// Proposes a mapping for a file, folder or archive without reading past the headers.
pub fn suggest(path: &Path, read: &ReadOptions, scratch: &Path) -> Result<Mapping> {
    let inputs = input::expand(path, &read.limits, scratch)?;
    let units = source::units(&inputs, read)?;
    let headers = units
        .iter()
        .map(|unit| scan_header(unit, &read.limits))
        .collect::<Result<Vec<_>>>()?;
    Ok(Mapping::suggest(&union(&headers)))
}

/// Ingests `request.path` into a Parquet file at `request.output`.
pub fn ingest(request: &IngestRequest, progress: &dyn Progress) -> Result<IngestOutcome> {
    let mut guard = OutputGuard {
        path: request.output.clone(),
        armed: true,
    };
    let outcome = run(request, progress);
    progress.end();
    if outcome.is_ok() {
        guard.armed = false;
    }
    drop(guard);
    outcome
}

/// Removes the output file unless the ingest succeeded.
struct OutputGuard {
    path: PathBuf,
    armed: bool,
}

impl Drop for OutputGuard {
    fn drop(&mut self) {
        if self.armed {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

fn union(headers: &[Header]) -> Vec<String> {
    let mut all: Vec<String> = Vec::new();
    for header in headers {
        for name in &header.names {
            if !all
                .iter()
                .any(|known| field::clean_header(known) == field::clean_header(name))
            {
                all.push(name.clone());
            }
        }
    }
    all
}

fn scan_header(unit: &Unit, limits: &Limits) -> Result<Header> {
    let mut explicit: Option<Vec<String>> = None;
    let mut sample = Vec::new();
    let mut non_blank = 0;
    source::read_unit(unit, limits, Arc::new(AtomicU64::new(0)), &mut |item| {
        match item {
            Item::Header(names) => {
                explicit = Some(names);
                return Ok(Flow::Stop);
            }
            Item::Row(row) => {
                if !row.is_blank() {
                    non_blank += 1;
                }
                sample.push(row);
            }
            Item::BadRecord { .. } | Item::Note(_) => {}
        }
        Ok(if non_blank >= header::SCAN_ROWS + 11 {
            Flow::Stop
        } else {
            Flow::Continue
        })
    })?;
    if let Some(names) = explicit {
        return Ok(header::explicit(names));
    }
    if sample.iter().all(|row| row.is_blank()) {
        return Err(Error::NoData {
            location: Location::file(&unit.display),
        });
    }
    let found = header::detect(&sample, &unit.display)?;
    if found.names.len() > limits.max_columns {
        return Err(Error::LimitExceeded {
            location: Location::row(&unit.display, found.row),
            reason: format!(
                "{} columns (limit {})",
                found.names.len(),
                limits.max_columns
            ),
        });
    }
    Ok(found)
}

struct ReaderStats {
    rows_read: u64,
    blank_rows: u64,
    notes: Vec<String>,
}

fn run(request: &IngestRequest, progress: &dyn Progress) -> Result<IngestOutcome> {
    let limits = request.read.limits;
    let inputs = input::expand(&request.path, &limits, &request.scratch)?;
    let units = source::units(&inputs, &request.read)?;
    let headers = units
        .iter()
        .map(|unit| scan_header(unit, &limits))
        .collect::<Result<Vec<_>>>()?;
    let all_headers = union(&headers);
    let mapping = match &request.mapping {
        Some(given) => {
            let mut mapping = given.clone();
            for column in &mapping.columns {
                if !all_headers
                    .iter()
                    .any(|h| field::clean_header(h) == field::clean_header(&column.source))
                {
                    return Err(Error::Mapping(format!(
                        "source column `{}` is not in the file; its headers are: {}",
                        column.source,
                        all_headers.join(", ")
                    )));
                }
            }
            mapping.complete(&all_headers);
            mapping
        }
        None => Mapping::suggest(&all_headers),
    };
    mapping.validate()?;

    let columns: Vec<PlannedColumn> = mapping
        .columns
        .iter()
        .filter(|c| !c.skip)
        .map(|c| PlannedColumn {
            name: c.name.clone(),
            source: c.source.clone(),
            field_type: c.field_type,
            unit: c.unit.unwrap_or_default(),
        })
        .collect();
    let unit_plans: Vec<UnitPlan> = units
        .iter()
        .zip(&headers)
        .map(|(unit, header)| UnitPlan {
            display: unit.display.clone(),
            indices: columns
                .iter()
                .map(|column| {
                    header
                        .names
                        .iter()
                        .position(|h| field::clean_header(h) == field::clean_header(&column.source))
                })
                .collect(),
            width: header.names.len(),
            delimited: unit.file.format == Format::Delimited,
            excel_dates: unit.excel_dates,
        })
        .collect();
    let schema = normalize::output_schema(&columns);

    let total_bytes: u64 = inputs.files.iter().map(|f| f.size).sum();
    progress.begin(total_bytes);
    let bytes_read = Arc::new(AtomicU64::new(0));
    let cancel = AtomicBool::new(false);
    let threads = if request.threads == 0 {
        std::thread::available_parallelism().map_or(2, |n| n.get())
    } else {
        request.threads
    };

    let file = File::create_new(&request.output).map_err(|source| Error::Write {
        path: request.output.clone(),
        source,
    })?;
    let sink = HashingWriter {
        inner: BufWriter::with_capacity(1 << 20, file),
        hasher: blake3::Hasher::new(),
        bytes: 0,
    };
    let properties = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(1)?))
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_created_by(format!("procura {}", env!("CARGO_PKG_VERSION")))
        .build();
    let mut writer = ArrowWriter::try_new(sink, Arc::clone(&schema), Some(properties))?;

    let mut stats = Accumulated::new(&columns, units.len(), &request.scratch);
    let (reader_result, writer_result) = std::thread::scope(|scope| {
        let (chunk_tx, chunk_rx) = sync_channel::<Chunk>(threads * 2);
        let (out_tx, out_rx) = sync_channel::<Result<Normalized>>(threads * 2);
        let chunk_rx = Arc::new(Mutex::new(chunk_rx));
        let units_ref = &units;
        let headers_ref = &headers;
        let cancel_ref = &cancel;
        let bytes_for_reader = Arc::clone(&bytes_read);
        let reader = scope.spawn(move || {
            read_all(
                units_ref,
                headers_ref,
                &limits,
                bytes_for_reader,
                cancel_ref,
                chunk_tx,
            )
        });
        for _ in 0..threads {
            let chunk_rx = Arc::clone(&chunk_rx);
            let out_tx = out_tx.clone();
            let columns = &columns;
            let unit_plans = &unit_plans;
            let schema = &schema;
            let today = request.today;
            scope.spawn(move || {
                normalise_worker(
                    &chunk_rx, &out_tx, columns, unit_plans, schema, today, cancel_ref,
                )
            });
        }
        drop(out_tx);
        let written = write_all(
            out_rx,
            &mut writer,
            &mut stats,
            request.strict,
            &cancel,
            &bytes_read,
            progress,
        );
        if written.is_err() {
            cancel.store(true, Ordering::Relaxed);
        }
        let reader_result = reader
            .join()
            .unwrap_or_else(|_| Err(Error::Internal("the reader thread panicked".into())));
        (reader_result, written)
    });
    let reader_stats = match (reader_result, writer_result) {
        (Err(error), _) => return Err(error),
        (Ok(_), Err(error)) => return Err(error),
        (Ok(reader_stats), Ok(())) => reader_stats,
    };

    let mut sink = writer.into_inner()?;
    sink.flush().map_err(|source| Error::Write {
        path: request.output.clone(),
        source,
    })?;
    let file = sink.inner.into_inner().map_err(|e| Error::Write {
        path: request.output.clone(),
        source: e.into_error(),
    })?;
    file.sync_all().map_err(|source| Error::Write {
        path: request.output.clone(),
        source,
    })?;

    let report = stats.finish(&units, &headers, &unit_plans, &columns, reader_stats)?;
    if report.rows_kept == 0 {
        let location = Location::file(units.first().map(|u| u.display.as_str()).unwrap_or(""));
        return Err(if report.rows_read == 0 {
            Error::NoData { location }
        } else {
            Error::Strict {
                location,
                reason: format!("all {} rows were rejected", report.rows_read),
            }
        });
    }
    let output_columns = columns
        .iter()
        .map(|c| OutputColumn {
            name: c.name.clone(),
            source: c.source.clone(),
            field_type: c.field_type,
        })
        .collect();
    Ok(IngestOutcome {
        n_rows: report.rows_kept,
        columns: output_columns,
        report,
        mapping,
        digest: sink.hasher.finalize().to_hex().to_string(),
        bytes: sink.bytes,
    })
}

fn read_all(
    units: &[Unit],
    headers: &[Header],
    limits: &Limits,
    bytes_read: Arc<AtomicU64>,
    cancel: &AtomicBool,
    chunks: SyncSender<Chunk>,
) -> Result<Vec<ReaderStats>> {
    let mut seq = 0u64;
    let mut ordinal = 0i64;
    let mut all_stats = Vec::with_capacity(units.len());
    for (unit_index, (unit, header)) in units.iter().zip(headers).enumerate() {
        let mut stats = ReaderStats {
            rows_read: 0,
            blank_rows: 0,
            notes: Vec::new(),
        };
        let mut buffer: Vec<(i64, ChunkItem)> = Vec::with_capacity(CHUNK_ROWS);
        let mut hung_up = false;
        let send = |buffer: &mut Vec<(i64, ChunkItem)>, seq: &mut u64| -> bool {
            let items = std::mem::replace(buffer, Vec::with_capacity(CHUNK_ROWS));
            let sent = chunks.send(Chunk {
                seq: *seq,
                unit: unit_index,
                items,
            });
            *seq += 1;
            sent.is_ok()
        };
        source::read_unit(unit, limits, Arc::clone(&bytes_read), &mut |item| {
            if cancel.load(Ordering::Relaxed) {
                hung_up = true;
                return Ok(Flow::Stop);
            }
            match item {
                Item::Header(_) => {}
                Item::Note(note) => {
                    if stats.notes.len() < 20 {
                        stats.notes.push(note);
                    }
                }
                Item::Row(row) => {
                    if header.row > 0 && row.row <= header.row {
                        return Ok(Flow::Continue);
                    }
                    if row.is_blank() {
                        stats.blank_rows += 1;
                        return Ok(Flow::Continue);
                    }
                    ordinal += 1;
                    stats.rows_read += 1;
                    buffer.push((ordinal, ChunkItem::Row(row)));
                }
                Item::BadRecord { row, reason } => {
                    ordinal += 1;
                    stats.rows_read += 1;
                    buffer.push((ordinal, ChunkItem::Bad { row, reason }));
                }
            }
            if buffer.len() >= CHUNK_ROWS && !send(&mut buffer, &mut seq) {
                hung_up = true;
                return Ok(Flow::Stop);
            }
            Ok(Flow::Continue)
        })?;
        if hung_up {
            return Err(Error::Cancelled);
        }
        if !buffer.is_empty() && !send(&mut buffer, &mut seq) {
            return Err(Error::Cancelled);
        }
        all_stats.push(stats);
    }
    Ok(all_stats)
}

fn normalise_worker(
    chunks: &Mutex<Receiver<Chunk>>,
    out: &SyncSender<Result<Normalized>>,
    columns: &[PlannedColumn],
    unit_plans: &[UnitPlan],
    schema: &SchemaRef,
    today: NaiveDate,
    cancel: &AtomicBool,
) {
    loop {
        let chunk = {
            let Ok(receiver) = chunks.lock() else { return };
            match receiver.recv() {
                Ok(chunk) => chunk,
                Err(_) => return,
            }
        };
        if cancel.load(Ordering::Relaxed) {
            return;
        }
        let Some(plan) = unit_plans.get(chunk.unit) else {
            let _ = out.send(Err(Error::Internal("chunk for an unknown unit".into())));
            return;
        };
        let result = normalize::normalize_chunk(chunk, columns, plan, schema, today);
        if out.send(result).is_err() {
            return;
        }
    }
}

fn write_all<W: Write + Send>(
    results: Receiver<Result<Normalized>>,
    writer: &mut ArrowWriter<W>,
    stats: &mut Accumulated,
    strict: bool,
    cancel: &AtomicBool,
    bytes_read: &AtomicU64,
    progress: &dyn Progress,
) -> Result<()> {
    let mut pending: BTreeMap<u64, Normalized> = BTreeMap::new();
    let mut next = 0u64;
    let mut rows_written = 0u64;
    for result in results.iter() {
        let normalized = result?;
        pending.insert(normalized.seq, normalized);
        while let Some(normalized) = pending.remove(&next) {
            next += 1;
            if strict && let Some((location, reason)) = &normalized.first_fault {
                cancel.store(true, Ordering::Relaxed);
                return Err(Error::Strict {
                    location: location.clone(),
                    reason: reason.clone(),
                });
            }
            if let Some(batch) = &normalized.batch {
                writer.write(batch)?;
                rows_written += batch.num_rows() as u64;
            }
            stats.add(normalized)?;
            progress.advance(bytes_read.load(Ordering::Relaxed), rows_written);
        }
    }
    if !pending.is_empty() {
        return Err(Error::Cancelled);
    }
    Ok(())
}

/// Statistics merged across chunks, in reading order.
struct Accumulated {
    per_unit: Vec<(u64, u64, u64)>,
    rejected: crate::quality::IssueSummary,
    columns: Vec<normalize::ColumnStats>,
    rows: DuplicateCounter,
    keys: Vec<(String, DuplicateCounter)>,
}

impl Accumulated {
    fn new(columns: &[PlannedColumn], n_units: usize, scratch: &Path) -> Accumulated {
        Accumulated {
            per_unit: vec![(0, 0, 0); n_units],
            rejected: Default::default(),
            columns: vec![Default::default(); columns.len()],
            rows: DuplicateCounter::new(scratch),
            keys: columns
                .iter()
                .filter(|c| c.field_type.is_key())
                .map(|c| (c.name.clone(), DuplicateCounter::new(scratch)))
                .collect(),
        }
    }

    fn add(&mut self, normalized: Normalized) -> Result<()> {
        let io_error = |e: io::Error| Error::Write {
            path: PathBuf::from("(scratch)"),
            source: e,
        };
        let stats = normalized.stats;
        if let Some(unit) = self.per_unit.get_mut(normalized.unit) {
            unit.0 += stats.rows_read;
            unit.1 += stats.rows_kept;
            unit.2 += stats.rows_rejected;
        }
        self.rejected.merge(stats.rejected);
        for (total, chunk) in self.columns.iter_mut().zip(stats.columns) {
            total.filled += chunk.filled;
            total.empty += chunk.empty;
            total.valid += chunk.valid;
            total.invalid += chunk.invalid;
            total.issues.merge(chunk.issues);
            for (note, count) in chunk.notes {
                *total.notes.entry(note).or_insert(0) += count;
            }
        }
        self.rows.extend(&normalized.row_hashes).map_err(io_error)?;
        for ((_, counter), hashes) in self.keys.iter_mut().zip(&normalized.key_hashes) {
            counter.extend(hashes).map_err(io_error)?;
        }
        Ok(())
    }

    fn finish(
        self,
        units: &[Unit],
        headers: &[Header],
        plans: &[UnitPlan],
        columns: &[PlannedColumn],
        reader_stats: Vec<ReaderStats>,
    ) -> Result<QualityReport> {
        let io_error = |e: io::Error| Error::Write {
            path: PathBuf::from("(scratch)"),
            source: e,
        };
        let mut report = QualityReport::default();
        for (index, unit) in units.iter().enumerate() {
            let (rows_read, rows_kept, rows_rejected) = self.per_unit[index];
            let reader = reader_stats.get(index);
            let mut notes = unit.file.notes.clone();
            if let Some(reader) = reader {
                notes.extend(reader.notes.iter().cloned());
            }
            let missing_columns = plans[index]
                .indices
                .iter()
                .zip(columns)
                .filter(|(index, _)| index.is_none())
                .map(|(_, column)| column.source.clone())
                .collect();
            report.files.push(FileQuality {
                file: unit.display.clone(),
                format: unit.file.format.name().to_owned(),
                encoding: unit.layout.map(|l| l.encoding.name().to_owned()),
                delimiter: unit.layout.map(|l| match l.delimiter {
                    b'\t' => "\\t".to_owned(),
                    other => char::from(other).to_string(),
                }),
                sheet: unit.sheet.clone(),
                header_row: headers[index].row,
                title_rows: headers[index].title_rows.clone(),
                rows_read,
                rows_kept,
                rows_rejected,
                blank_rows: reader.map_or(0, |r| r.blank_rows),
                missing_columns,
                notes,
            });
            report.rows_read += rows_read;
            report.rows_kept += rows_kept;
            report.rows_rejected += rows_rejected;
            report.blank_rows += reader.map_or(0, |r| r.blank_rows);
        }
        report.rejected = self.rejected;
        for (column, stats) in columns.iter().zip(self.columns) {
            report.columns.push(ColumnQuality {
                name: column.name.clone(),
                source: column.source.clone(),
                field_type: column.field_type,
                unit: (column.field_type == FieldType::Amount)
                    .then(|| mapping::unit_zh(column.unit).to_owned()),
                filled: stats.filled,
                empty: stats.empty,
                valid: stats.valid,
                invalid: stats.invalid,
                issues: stats.issues,
                notes: stats.notes,
            });
        }
        report.duplicate_rows = self.rows.finish().map_err(io_error)?.duplicates;
        for (column, counter) in self.keys {
            let counts = counter.finish().map_err(io_error)?;
            report.duplicate_keys.push(DuplicateKeys {
                column,
                distinct: counts.distinct,
                duplicates: counts.duplicates,
            });
        }
        Ok(report)
    }
}

/// Hashes and counts the bytes of the Parquet file as they are written.
struct HashingWriter {
    inner: BufWriter<File>,
    hasher: blake3::Hasher,
    bytes: u64,
}

impl Write for HashingWriter {
    fn write(&mut self, buffer: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buffer)?;
        self.hasher.update(&buffer[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
