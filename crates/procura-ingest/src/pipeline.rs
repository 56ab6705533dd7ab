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

use arrow::array::BooleanArray;
use arrow::compute::filter_record_batch;
use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use chrono::NaiveDate;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use procura_core::field::{self, FieldType};
use procura_core::location::Location;

use crate::dedup::{DuplicateCounter, DuplicatePolicy, RowDigest, SeenRows};
use crate::error::{Error, Result};
use crate::header::{self, Header};
use crate::input::{self, Format, Limits};
use crate::mapping::{self, DuplicatesSeen, Mapping};
use crate::normalize::{self, Chunk, ChunkItem, Normalized, PlannedColumn, UnitPlan};
use crate::quality::{
    ColumnQuality, DuplicateKeys, Example, FileQuality, QualityReport, SheetQuality,
};
use crate::source::{self, Flow, Item, ReadOptions, SheetPick, Unit};

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
    /// What to do with exact duplicate rows. `None` leaves it to the mapping's `duplicates`,
    /// and without that they are kept ([`DuplicatePolicy`] says why). A front-end flag such as
    /// `--duplicates keep|drop` sets this and overrides the mapping.
    pub duplicates: Option<DuplicatePolicy>,
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

/// Rows `suggest` reads looking for duplicates (a few seconds of reading; the comment it
/// writes says when the file had more).
pub const SUGGEST_DUPLICATE_ROWS: u64 = 1_000_000;

/// Proposes a mapping for a file, folder or archive: the dictionary's reading of the headers,
/// `duplicates = "drop"` (with the rows found, as a comment) when any of the first
/// [`SUGGEST_DUPLICATE_ROWS`] rows is identical to an earlier one, and `party_id` for a
/// column read as person IDs that holds organisation numbers too (with the count and where).
pub fn suggest(path: &Path, read: &ReadOptions, scratch: &Path) -> Result<Mapping> {
    let inputs = input::expand(path, &read.limits, scratch)?;
    let selection = select(source::units(&inputs, read)?, &read.limits)?;
    let mut mapping = Mapping::suggest(&union(&selection.headers));
    let columns = planned_columns(&mapping);
    let plans = unit_plans(&selection.units, &selection.headers, &columns);
    let (seen, parties) = look_at_rows(&selection, &plans, &columns, &read.limits)?;
    if seen.duplicates > 0 {
        mapping.duplicates = Some(DuplicatePolicy::Drop);
        mapping.duplicates_seen = Some(seen);
    }
    for (index, found) in parties.into_iter().enumerate() {
        let Some(found) = found else { continue };
        // `planned_columns` keeps every column of a fresh suggestion, in order.
        let column = &mut mapping.columns[index];
        column.field_type = FieldType::PartyId;
        column.note = Some(format!(
            "本列有 {} 个值是单位代码（如 {}），故建议 party_id（当事人证件号码：自然人与单位兼有）\n\
             {} values are organisation numbers (e.g. {}): proposed party_id, persons and organisations",
            found.count, found.example, found.count, found.example
        ));
    }
    Ok(mapping)
}

/// Organisation numbers seen in a column the headers call a person-ID column.
struct OrgValuesSeen {
    count: u64,
    example: Location,
}

/// Reads the rows as ingest would (title rows, blank rows and rows ingest rejects left out)
/// and finds those identical to an earlier row, in the same terms as the ingest; and, per
/// person-ID column, the values that are organisation numbers instead (a party column).
fn look_at_rows(
    selection: &Selection,
    plans: &[UnitPlan],
    columns: &[PlannedColumn],
    limits: &Limits,
) -> Result<(DuplicatesSeen, Vec<Option<OrgValuesSeen>>)> {
    let mut parties: Vec<Option<OrgValuesSeen>> = columns.iter().map(|_| None).collect();
    let mut seen = SeenRows::default();
    let mut found = DuplicatesSeen {
        rows_scanned: 0,
        complete: true,
        duplicates: 0,
        examples: Vec::new(),
    };
    for ((unit, header), plan) in selection.units.iter().zip(&selection.headers).zip(plans) {
        if !found.complete {
            break;
        }
        source::read_unit(unit, limits, Arc::new(AtomicU64::new(0)), &mut |item| {
            let Item::Row(row) = item else {
                return Ok(Flow::Continue);
            };
            if (header.row > 0 && row.row <= header.row)
                || row.is_blank()
                || normalize::row_fault(&row, plan).is_some()
            {
                return Ok(Flow::Continue);
            }
            if found.rows_scanned == SUGGEST_DUPLICATE_ROWS {
                found.complete = false;
                return Ok(Flow::Stop);
            }
            found.rows_scanned += 1;
            let mut digest = RowDigest::new();
            for (column, index) in plan.indices.iter().enumerate() {
                match index.and_then(|i| row.cells.get(i)) {
                    Some(cell) if !cell.is_blank() => {
                        let text = cell.as_text();
                        if columns[column].field_type == FieldType::PersonId
                            && is_org_not_person(&text)
                        {
                            let entry = parties[column].get_or_insert_with(|| OrgValuesSeen {
                                count: 0,
                                example: Location::cell(
                                    &unit.display,
                                    row.row,
                                    &columns[column].source,
                                ),
                            });
                            entry.count += 1;
                        }
                        digest.cell(&text)
                    }
                    _ => digest.blank(),
                }
            }
            if !seen.first_time(digest.finish()) {
                found.duplicates += 1;
                if found.examples.len() < 5 {
                    found.examples.push(Location::row(&unit.display, row.row));
                }
            }
            Ok(Flow::Continue)
        })?;
    }
    Ok((found, parties))
}

/// A value that is an organisation number and cannot be a person ID (a 15-digit number that
/// is both is left to the person reading, as `party_id` itself would read it).
fn is_org_not_person(text: &str) -> bool {
    procura_core::party_id::kind_of(text) == Some(procura_core::party_id::PartyKind::Org)
}

/// The dataset columns of a mapping, skipped ones left out.
fn planned_columns(mapping: &Mapping) -> Vec<PlannedColumn> {
    mapping
        .columns
        .iter()
        .filter(|c| !c.skip)
        .map(|c| PlannedColumn {
            name: c.name.clone(),
            source: c.source.clone(),
            field_type: c.field_type,
            unit: c.unit.unwrap_or_default(),
        })
        .collect()
}

/// Where each dataset column is in each unit's rows (by cleaned header).
fn unit_plans(units: &[Unit], headers: &[Header], columns: &[PlannedColumn]) -> Vec<UnitPlan> {
    units
        .iter()
        .zip(headers)
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
            header: header
                .names
                .iter()
                .map(|h| field::clean_header(h))
                .collect(),
            delimited: unit.file.format == Format::Delimited,
            excel_dates: unit.excel_dates,
        })
        .collect()
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

/// What the first rows of a unit showed.
enum Scan {
    /// Nothing but blank rows.
    Empty,
    /// Rows, but none looks like a header (the error says so with the location).
    NoHeader(Error),
    /// A header, and the number of non-blank rows below it among the rows looked at.
    Found { header: Header, data_rows: usize },
}

/// The header of a unit that must be read: an empty unit or one without a header is an error.
fn scan_header(unit: &Unit, limits: &Limits) -> Result<Header> {
    match scan(unit, limits)? {
        Scan::Empty => Err(Error::NoData {
            location: Location::file(&unit.display),
        }),
        Scan::NoHeader(error) => Err(error),
        Scan::Found { header, .. } => Ok(header),
    }
}

fn scan(unit: &Unit, limits: &Limits) -> Result<Scan> {
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
        // The format carries its header; its rows were not looked at.
        return Ok(Scan::Found {
            header: header::explicit(names),
            data_rows: 1,
        });
    }
    if sample.iter().all(|row| row.is_blank()) {
        return Ok(Scan::Empty);
    }
    let found = match header::detect(&sample, &unit.display) {
        Ok(found) => found,
        Err(error @ Error::NoHeader { .. }) => return Ok(Scan::NoHeader(error)),
        Err(error) => return Err(error),
    };
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
    let data_rows = sample
        .iter()
        .filter(|row| row.row > found.row && !row.is_blank())
        .count();
    Ok(Scan::Found {
        header: found,
        data_rows,
    })
}

/// The units to read with their headers, and what became of every workbook sheet.
struct Selection {
    units: Vec<Unit>,
    headers: Vec<Header>,
    sheets: Vec<SheetQuality>,
}

/// Looks at the header of every unit and decides which are read (see
/// [`crate::source::SheetSelection`]).
fn select(units: Vec<Unit>, limits: &Limits) -> Result<Selection> {
    let mut selection = Selection {
        units: Vec::new(),
        headers: Vec::new(),
        sheets: Vec::new(),
    };
    let mut rest = units.into_iter().peekable();
    while let Some(unit) = rest.next() {
        if unit.sheet.is_none() {
            selection.headers.push(scan_header(&unit, limits)?);
            selection.units.push(unit);
            continue;
        }
        let mut workbook = vec![unit];
        while let Some(next) =
            rest.next_if(|next| next.sheet.is_some() && next.file.path == workbook[0].file.path)
        {
            workbook.push(next);
        }
        select_sheets(workbook, limits, &mut selection)?;
    }
    Ok(selection)
}

/// One sheet's fate while a workbook is looked at.
struct Verdict {
    unit: Unit,
    header: Option<Header>,
    read: bool,
    reason: &'static str,
    detail: String,
}

/// Decides the sheets of one workbook, in workbook order.
fn select_sheets(sheets: Vec<Unit>, limits: &Limits, selection: &mut Selection) -> Result<()> {
    let mut verdicts: Vec<Verdict> = Vec::with_capacity(sheets.len());
    let mut candidates: Vec<(usize, Scan)> = Vec::new();
    for unit in sheets {
        let index = verdicts.len();
        let mut verdict = Verdict {
            unit,
            header: None,
            read: false,
            reason: "not_selected",
            detail: "another sheet was named".to_owned(),
        };
        match verdict.unit.pick {
            SheetPick::NotSelected => {}
            SheetPick::Only => {
                verdict.header = Some(scan_header(&verdict.unit, limits)?);
                verdict.read = true;
                verdict.reason = "named";
                verdict.detail = "the sheet asked for".to_owned();
            }
            SheetPick::Every => match scan(&verdict.unit, limits)? {
                Scan::Empty => {
                    verdict.reason = "empty";
                    verdict.detail = "the sheet is empty".to_owned();
                }
                Scan::NoHeader(error) => return Err(error),
                Scan::Found { header, .. } => {
                    verdict.header = Some(header);
                    verdict.read = true;
                    verdict.reason = "every_sheet";
                    verdict.detail = "all sheets asked for".to_owned();
                }
            },
            SheetPick::Candidate => candidates.push((index, scan(&verdict.unit, limits)?)),
        }
        verdicts.push(verdict);
    }
    if !candidates.is_empty() {
        settle_first_table(&mut verdicts, candidates)?;
    }

    let n_read = verdicts.iter().filter(|v| v.read).count();
    let workbook = verdicts
        .first()
        .map(|v| v.unit.file.display.clone())
        .unwrap_or_default();
    let mut skipped_notes: Vec<String> = Vec::new();
    for verdict in &verdicts {
        let sheet = verdict.unit.sheet.clone().unwrap_or_default();
        selection.sheets.push(SheetQuality {
            file: workbook.clone(),
            sheet: sheet.clone(),
            position: verdict.unit.sheet_position,
            read: verdict.read,
            reason: verdict.reason.to_owned(),
            detail: verdict.detail.clone(),
            header_row: verdict.header.as_ref().map(|h| h.row),
        });
        if !verdict.read && verdict.unit.pick != SheetPick::NotSelected {
            skipped_notes.push(format!(
                "工作表 sheet `{sheet}` 未导入 not read: {} ({})",
                verdict.detail, verdict.reason
            ));
        }
    }
    let mut first_read = true;
    for verdict in verdicts {
        let (Some(header), true) = (verdict.header, verdict.read) else {
            continue;
        };
        let mut unit = verdict.unit;
        if n_read > 1 {
            unit.display = format!(
                "{}[{}]",
                unit.file.display,
                unit.sheet.as_deref().unwrap_or_default()
            );
        }
        if first_read {
            unit.notes.append(&mut skipped_notes);
            first_read = false;
        }
        selection.units.push(unit);
        selection.headers.push(header);
    }
    Ok(())
}

/// For `SheetSelection::First`: picks the sheet the first table starts on and reads the later
/// sheets with the same columns; the others get their reason.
fn settle_first_table(verdicts: &mut [Verdict], candidates: Vec<(usize, Scan)>) -> Result<()> {
    // The first table starts on the first sheet that looks like one: a header of two or more
    // columns, at least one of them known to the dictionary, and rows below it. Notes sheets
    // (`说明`, `填表说明`) are a single column of sentences, which the header detection takes
    // for a one-column table, and one of those sentences may well mention 金额 or 身份证号.
    let has_data = |scan: &Scan| matches!(scan, Scan::Found { data_rows, .. } if *data_rows > 0);
    let wide = |scan: &Scan| matches!(scan, Scan::Found { header, .. } if header.names.len() >= 2);
    let recognised = |scan: &Scan| match scan {
        Scan::Found { header, .. } => header
            .names
            .iter()
            .any(|name| field::recognise_header(name).recognised),
        _ => false,
    };
    let first = |test: &dyn Fn(&Scan) -> bool| candidates.iter().position(|(_, scan)| test(scan));
    let base = first(&|scan| has_data(scan) && wide(scan) && recognised(scan))
        .or_else(|| first(&|scan| has_data(scan) && wide(scan)))
        .or_else(|| first(&has_data));
    let Some(base) = base else {
        // No sheet has a header with rows below it: fail as reading the first sheet with
        // anything on it would (no header row, or no data rows), naming the workbook.
        let first = candidates
            .into_iter()
            .find(|(_, scan)| !matches!(scan, Scan::Empty));
        return Err(match first {
            Some((_, Scan::NoHeader(error))) => error,
            Some((index, _)) => Error::NoData {
                location: Location::file(&verdicts[index].unit.display),
            },
            None => Error::NoData {
                location: Location::file(
                    verdicts
                        .first()
                        .map(|v| v.unit.display.as_str())
                        .unwrap_or_default(),
                ),
            },
        });
    };
    let base_name = verdicts[candidates[base].0]
        .unit
        .sheet
        .clone()
        .unwrap_or_default();
    let base_columns = match &candidates[base].1 {
        Scan::Found { header, .. } => cleaned_columns(header),
        _ => return Err(Error::Internal("the first table has no header".into())),
    };
    for (position, (index, scan)) in candidates.into_iter().enumerate() {
        let verdict = &mut verdicts[index];
        match scan {
            Scan::Empty => {
                verdict.reason = "empty";
                verdict.detail = "the sheet is empty".to_owned();
            }
            Scan::NoHeader(_) => {
                verdict.reason = "no_header";
                verdict.detail = "no row looks like a header".to_owned();
            }
            Scan::Found { header, data_rows } => {
                let columns = cleaned_columns(&header);
                if position == base {
                    verdict.read = true;
                    verdict.reason = "first_table";
                    verdict.detail = "the first sheet with data".to_owned();
                } else if data_rows == 0 {
                    verdict.reason = "no_data";
                    verdict.detail = format!("a header in row {} and no rows below it", header.row);
                } else if columns == base_columns && position > base {
                    verdict.read = true;
                    verdict.reason = "same_header";
                    verdict.detail = format!("continues sheet `{base_name}` (same columns)");
                } else {
                    verdict.reason = "other_header";
                    verdict.detail = other_header_detail(&base_name, &base_columns, &columns);
                }
                verdict.header = Some(header);
            }
        }
    }
    Ok(())
}

/// A header's columns as compared between sheets: cleaned, in sorted order (a continuation
/// sheet with its columns in another order is still the same table; columns map by name).
fn cleaned_columns(header: &Header) -> Vec<String> {
    let mut columns: Vec<String> = header
        .names
        .iter()
        .map(|n| field::clean_header(n))
        .collect();
    columns.sort();
    columns
}

/// Says how a sheet's columns differ from the first table's, naming a few of them.
fn other_header_detail(base_name: &str, base: &[String], other: &[String]) -> String {
    let list = |names: Vec<&String>| {
        let shown: Vec<&str> = names.iter().take(5).map(|s| s.as_str()).collect();
        let more = names.len().saturating_sub(shown.len());
        if more > 0 {
            format!("{} …(+{more})", shown.join(", "))
        } else {
            shown.join(", ")
        }
    };
    let missing: Vec<&String> = base.iter().filter(|c| !other.contains(c)).collect();
    let extra: Vec<&String> = other.iter().filter(|c| !base.contains(c)).collect();
    let mut parts = vec![format!("its columns differ from sheet `{base_name}`")];
    if !missing.is_empty() {
        parts.push(format!("lacks {}", list(missing)));
    }
    if !extra.is_empty() {
        parts.push(format!("has {}", list(extra)));
    }
    if base.len() == other.len() && parts.len() == 1 {
        parts.push("a column appears twice".to_owned());
    }
    format!(
        "{}; name it with --sheet to ingest it as its own dataset",
        parts.join(", ")
    )
}

struct ReaderStats {
    rows_read: u64,
    blank_rows: u64,
    notes: Vec<String>,
}

fn run(request: &IngestRequest, progress: &dyn Progress) -> Result<IngestOutcome> {
    let limits = request.read.limits;
    let inputs = input::expand(&request.path, &limits, &request.scratch)?;
    let Selection {
        units,
        headers,
        sheets,
    } = select(source::units(&inputs, &request.read)?, &limits)?;
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
    let mut mapping = mapping;

    let policy = request
        .duplicates
        .or(mapping.duplicates)
        .unwrap_or_default();
    // The mapping stored with the version says what was done, whoever decided it.
    mapping.duplicates = Some(policy);
    let columns = planned_columns(&mapping);
    let unit_plans = unit_plans(&units, &headers, &columns);
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
            let digests = policy == DuplicatePolicy::Drop;
            scope.spawn(move || {
                normalise_worker(
                    &chunk_rx, &out_tx, columns, unit_plans, schema, today, digests, cancel_ref,
                )
            });
        }
        drop(out_tx);
        let mut dropper =
            (policy == DuplicatePolicy::Drop).then(|| Dropper::new(&columns, &schema));
        let written = write_all(
            out_rx,
            &mut writer,
            &mut stats,
            dropper.as_mut(),
            request.strict,
            &cancel,
            &bytes_read,
            progress,
        );
        if let Some(dropper) = dropper {
            stats.dropped_examples = dropper.examples;
        }
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

    let mut report = stats.finish(&units, &headers, &unit_plans, &columns, reader_stats)?;
    report.sheets = sheets;
    report.duplicate_policy = policy;
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

#[allow(clippy::too_many_arguments)] // One call site; a struct would only rename them.
fn normalise_worker(
    chunks: &Mutex<Receiver<Chunk>>,
    out: &SyncSender<Result<Normalized>>,
    columns: &[PlannedColumn],
    unit_plans: &[UnitPlan],
    schema: &SchemaRef,
    today: NaiveDate,
    digests: bool,
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
        let result = normalize::normalize_chunk(chunk, columns, plan, schema, today, digests);
        if out.send(result).is_err() {
            return;
        }
    }
}

#[allow(clippy::too_many_arguments)] // One call site; a struct would only rename them.
fn write_all<W: Write + Send>(
    results: Receiver<Result<Normalized>>,
    writer: &mut ArrowWriter<W>,
    stats: &mut Accumulated,
    mut dropper: Option<&mut Dropper>,
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
        while let Some(mut normalized) = pending.remove(&next) {
            next += 1;
            if strict && let Some((location, reason)) = &normalized.first_fault {
                cancel.store(true, Ordering::Relaxed);
                return Err(Error::Strict {
                    location: location.clone(),
                    reason: reason.clone(),
                });
            }
            // Chunks arrive here in reading order, so the first occurrence is the one kept.
            if let Some(dropper) = dropper.as_deref_mut() {
                dropper.apply(&mut normalized)?;
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
    per_unit: Vec<UnitCounts>,
    rejected: crate::quality::IssueSummary,
    repaired: crate::quality::IssueSummary,
    columns: Vec<normalize::ColumnStats>,
    rows: DuplicateCounter,
    keys: Vec<(String, DuplicateCounter)>,
    dropped_examples: Vec<Example>,
}

/// Row counts of one unit.
#[derive(Debug, Clone, Copy, Default)]
struct UnitCounts {
    read: u64,
    kept: u64,
    rejected: u64,
    dropped: u64,
}

/// How many dropped duplicates the report shows.
const DROPPED_EXAMPLES: usize = 5;

/// Drops rows whose content was seen before (`duplicates = "drop"`), in reading order.
struct Dropper {
    seen: SeenRows,
    /// For each dataset column, the batch column that shows its cell as found (`c__raw`,
    /// or `c` for text), for the examples.
    shown: Vec<usize>,
    examples: Vec<Example>,
}

impl Dropper {
    fn new(columns: &[PlannedColumn], schema: &SchemaRef) -> Dropper {
        let shown = columns
            .iter()
            .filter_map(|column| {
                let name = if column.field_type.keeps_raw() {
                    format!("{}__raw", column.name)
                } else {
                    column.name.clone()
                };
                schema.index_of(&name).ok()
            })
            .collect();
        Dropper {
            seen: SeenRows::default(),
            shown,
            examples: Vec::new(),
        }
    }

    /// Removes the duplicates from a chunk's batch and its key hashes, and counts them.
    fn apply(&mut self, normalized: &mut Normalized) -> Result<()> {
        let Some(batch) = &normalized.batch else {
            return Ok(());
        };
        if normalized.row_digests.len() != batch.num_rows() {
            return Err(Error::Internal(
                "a chunk without one digest per row in drop mode".into(),
            ));
        }
        let keep: Vec<bool> = normalized
            .row_digests
            .iter()
            .map(|digest| self.seen.first_time(*digest))
            .collect();
        let dropped = keep.iter().filter(|k| !**k).count();
        if dropped == 0 {
            return Ok(());
        }
        for (row_index, _) in keep.iter().enumerate().filter(|(_, k)| !**k) {
            if self.examples.len() >= DROPPED_EXAMPLES {
                break;
            }
            self.examples.push(self.example(batch, row_index)?);
        }
        let mask = BooleanArray::from(keep.clone());
        let filtered = filter_record_batch(batch, &mask)?;
        normalized.batch = (filtered.num_rows() > 0).then_some(filtered);
        for hashes in &mut normalized.key_hashes {
            let mut flags = keep.iter();
            hashes.retain(|_| flags.next().copied().unwrap_or(true));
        }
        normalized.stats.rows_kept -= dropped as u64;
        normalized.stats.rows_dropped += dropped as u64;
        Ok(())
    }

    /// The dropped row as an example: its file and row, and its cells as found.
    fn example(&self, batch: &RecordBatch, row_index: usize) -> Result<Example> {
        let options = FormatOptions::default();
        let text = |column: usize| -> Result<String> {
            Ok(
                ArrayFormatter::try_new(batch.column(column).as_ref(), &options)?
                    .value(row_index)
                    .to_string(),
            )
        };
        // `_source` and `_source_row` are the second and third columns of every dataset.
        let source = text(1)?;
        let source_row: u64 = text(2)?
            .parse()
            .map_err(|_| Error::Internal("`_source_row` is not a number".into()))?;
        let cells = self
            .shown
            .iter()
            .map(|column| text(*column))
            .collect::<Result<Vec<_>>>()?;
        Ok(Example::new(
            Location::row(source, source_row),
            "duplicate_row",
            &cells.join(" | "),
            "identical in every column to an earlier row; dropped (duplicates = \"drop\")".into(),
        ))
    }
}

impl Accumulated {
    fn new(columns: &[PlannedColumn], n_units: usize, scratch: &Path) -> Accumulated {
        Accumulated {
            per_unit: vec![UnitCounts::default(); n_units],
            rejected: Default::default(),
            repaired: Default::default(),
            columns: vec![Default::default(); columns.len()],
            rows: DuplicateCounter::new(scratch),
            keys: columns
                .iter()
                .filter(|c| c.field_type.is_key())
                .map(|c| (c.name.clone(), DuplicateCounter::new(scratch)))
                .collect(),
            dropped_examples: Vec::new(),
        }
    }

    fn add(&mut self, normalized: Normalized) -> Result<()> {
        let io_error = |e: io::Error| Error::Write {
            path: PathBuf::from("(scratch)"),
            source: e,
        };
        let stats = normalized.stats;
        if let Some(unit) = self.per_unit.get_mut(normalized.unit) {
            unit.read += stats.rows_read;
            unit.kept += stats.rows_kept;
            unit.rejected += stats.rows_rejected;
            unit.dropped += stats.rows_dropped;
        }
        self.rejected.merge(stats.rejected);
        self.repaired.merge(stats.repaired);
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
            let present: Vec<u64> = hashes.iter().flatten().copied().collect();
            counter.extend(&present).map_err(io_error)?;
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
            let UnitCounts {
                read: rows_read,
                kept: rows_kept,
                rejected: rows_rejected,
                dropped,
            } = self.per_unit[index];
            let reader = reader_stats.get(index);
            let mut notes = unit.file.notes.clone();
            notes.extend(unit.notes.iter().cloned());
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
                duplicates_dropped: dropped,
                missing_columns,
                notes,
            });
            report.rows_read += rows_read;
            report.rows_kept += rows_kept;
            report.rows_rejected += rows_rejected;
            report.duplicate_rows_dropped += dropped;
            report.blank_rows += reader.map_or(0, |r| r.blank_rows);
        }
        report.rejected = self.rejected;
        report.repaired = self.repaired;
        report.dropped_duplicates = self.dropped_examples;
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
