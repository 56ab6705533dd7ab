//! Turning a chunk of raw rows into an Arrow record batch of normalised columns, and counting
//! what was wrong on the way. Chunks are independent, so several are normalised in parallel;
//! their statistics are merged in order by the writer.
//!
//! The output schema of a dataset version:
//! * `_row_id` (Int64): the row's ordinal among the data rows read, stable for evidence;
//! * `_source` (Utf8) and `_source_row` (Int64): file and row as the user sees them;
//! * per mapped column `c`: `c` (typed), `c__raw` (the text as found; identifier, date,
//!   amount and other typed columns), `c__issue` (why `c` is null although `c__raw` is not),
//!   for names `c__simplified` (traditional characters converted, for comparison), for party
//!   identifiers `c__kind` (`person` or `org`: which the value is), and for
//!   case and document numbers `c__key` ([`field::case_no_key`]: the match key, upper case,
//!   no spaces, every bracket as `()`, for joining records of different agencies).

use std::collections::BTreeMap;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::Arc;

use arrow::array::{
    ArrayRef, Date32Builder, Decimal128Builder, Float64Builder, Int64Builder, StringBuilder,
    TimestampMillisecondBuilder,
};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use arrow::record_batch::RecordBatch;
use chrono::{NaiveDate, NaiveDateTime};
use procura_core::amount::{Amount, AmountUnit};
use procura_core::date::ExcelDateSystem;
use procura_core::field::{self, FieldType, NormalizeContext, Value};
use procura_core::location::Location;
use procura_core::{name, org_id, party_id, person_id};

use crate::cell::{Cell, RawRow, render_number};
use crate::dedup::RowDigest;
use crate::error::{Error, Result};
use crate::quality::{Example, IssueSummary};

/// Amounts are stored as Decimal128 with this precision and scale (yuan, two decimals).
pub const AMOUNT_PRECISION: u8 = 18;
/// See [`AMOUNT_PRECISION`].
pub const AMOUNT_SCALE: i8 = 2;

/// Arrow field metadata key holding a column's field type code.
pub const META_TYPE: &str = "procura.type";
/// Arrow field metadata key holding a column's source header.
pub const META_SOURCE: &str = "procura.source";

/// One output column and how to fill it.
#[derive(Debug, Clone)]
pub struct PlannedColumn {
    /// Dataset column name.
    pub name: String,
    /// Source header.
    pub source: String,
    /// Type.
    pub field_type: FieldType,
    /// Unit for amounts.
    pub unit: AmountUnit,
}

/// How one unit's cells map onto the output columns.
#[derive(Debug, Clone)]
pub struct UnitPlan {
    /// The unit's display name.
    pub display: String,
    /// For each planned column, the index of its cell in this unit's rows.
    pub indices: Vec<Option<usize>>,
    /// The header width: delimited rows may not have more fields (fewer: the missing trailing
    /// ones are empty).
    pub width: usize,
    /// The header's names, cleaned, to recognise the header line repeated in the data.
    pub header: Vec<String>,
    /// Whether rows come from a delimited text file (field counts are checked strictly).
    pub delimited: bool,
    /// The epoch of Excel serials in this unit's date, datetime and month columns.
    pub excel_dates: ExcelDateSystem,
}

/// A batch of rows from one unit, in reading order.
#[derive(Debug)]
pub struct Chunk {
    /// Sequence number, for reordering after parallel work.
    pub seq: u64,
    /// Index of the unit.
    pub unit: usize,
    /// The rows with their ordinals.
    pub items: Vec<(i64, ChunkItem)>,
}

/// One data row or a record that could not be parsed.
#[derive(Debug)]
pub enum ChunkItem {
    /// Cells.
    Row(RawRow),
    /// A broken record.
    Bad {
        /// Its row or line.
        row: u64,
        /// Why.
        reason: String,
    },
}

/// Counts for one column within one chunk.
#[derive(Debug, Clone, Default)]
pub struct ColumnStats {
    /// Cells with a value.
    pub filled: u64,
    /// Empty cells.
    pub empty: u64,
    /// Valid cells.
    pub valid: u64,
    /// Invalid cells.
    pub invalid: u64,
    /// Invalid cells by reason.
    pub issues: IssueSummary,
    /// Notes on valid values.
    pub notes: BTreeMap<String, u64>,
}

/// Counts for one chunk.
#[derive(Debug, Clone, Default)]
pub struct ChunkStats {
    /// Rows in the chunk.
    pub rows_read: u64,
    /// Rows written.
    pub rows_kept: u64,
    /// Rows refused.
    pub rows_rejected: u64,
    /// Rows normalised but then dropped as duplicates (set by the writer, which sees the
    /// rows in order).
    pub rows_dropped: u64,
    /// Refusal reasons.
    pub rejected: IssueSummary,
    /// Layout repairs of rows that were read (short rows padded).
    pub repaired: IssueSummary,
    /// Per column.
    pub columns: Vec<ColumnStats>,
}

/// The normalised chunk.
pub struct Normalized {
    /// The chunk's sequence number.
    pub seq: u64,
    /// The unit it came from.
    pub unit: usize,
    /// The batch (absent when every row was rejected).
    pub batch: Option<RecordBatch>,
    /// Counts.
    pub stats: ChunkStats,
    /// One hash per kept row over its mapped source cells, for counting duplicates.
    pub row_hashes: Vec<u64>,
    /// One 128-bit digest per kept row over the same cells, for dropping duplicates; empty
    /// unless asked for (the digests cost more than the hashes).
    pub row_digests: Vec<u128>,
    /// Per key column (in plan order of key columns), one entry per kept row: the hash of
    /// its value when that is non-empty and valid.
    pub key_hashes: Vec<Vec<Option<u64>>>,
    /// The first row fault, for `--strict`.
    pub first_fault: Option<(Location, String)>,
}

/// Builds the output schema for the planned columns.
pub fn output_schema(columns: &[PlannedColumn]) -> SchemaRef {
    let mut fields = vec![
        Field::new("_row_id", DataType::Int64, false),
        Field::new("_source", DataType::Utf8, false),
        Field::new("_source_row", DataType::Int64, false),
    ];
    for column in columns {
        let metadata = [
            (META_TYPE.to_owned(), column.field_type.code().to_owned()),
            (META_SOURCE.to_owned(), column.source.clone()),
        ]
        .into_iter()
        .collect();
        fields.push(
            Field::new(&column.name, value_type(column.field_type), true).with_metadata(metadata),
        );
        if column.field_type.keeps_raw() {
            fields.push(Field::new(
                format!("{}__raw", column.name),
                DataType::Utf8,
                true,
            ));
            fields.push(Field::new(
                format!("{}__issue", column.name),
                DataType::Utf8,
                true,
            ));
        }
        if let Some(suffix) = companion_suffix(column.field_type) {
            fields.push(Field::new(
                format!("{}__{suffix}", column.name),
                DataType::Utf8,
                true,
            ));
        }
        if column.field_type == FieldType::CaseNumber {
            fields.push(Field::new(
                format!("{}__key", column.name),
                DataType::Utf8,
                true,
            ));
        }
    }
    Arc::new(Schema::new(fields))
}

/// The text column written beside the value for some types: a name's simplified form, a
/// party identifier's kind.
pub fn companion_suffix(field_type: FieldType) -> Option<&'static str> {
    match field_type {
        FieldType::Name => Some("simplified"),
        FieldType::PartyId => Some("kind"),
        _ => None,
    }
}

/// The Arrow type of a field type's value column.
pub fn value_type(field_type: FieldType) -> DataType {
    match field_type {
        FieldType::Date | FieldType::Month => DataType::Date32,
        FieldType::DateTime => DataType::Timestamp(TimeUnit::Millisecond, None),
        FieldType::Amount => DataType::Decimal128(AMOUNT_PRECISION, AMOUNT_SCALE),
        FieldType::Number => DataType::Float64,
        _ => DataType::Utf8,
    }
}

enum ValueBuilder {
    Text(StringBuilder),
    Date(Date32Builder),
    DateTime(TimestampMillisecondBuilder),
    Amount(Decimal128Builder),
    Number(Float64Builder),
}

struct ColumnBuilders {
    value: ValueBuilder,
    raw: Option<StringBuilder>,
    issue: Option<StringBuilder>,
    companion: Option<StringBuilder>,
    key: Option<StringBuilder>,
}

impl ColumnBuilders {
    fn new(field_type: FieldType, capacity: usize) -> Result<ColumnBuilders> {
        let value = match field_type {
            FieldType::Date | FieldType::Month => {
                ValueBuilder::Date(Date32Builder::with_capacity(capacity))
            }
            FieldType::DateTime => {
                ValueBuilder::DateTime(TimestampMillisecondBuilder::with_capacity(capacity))
            }
            FieldType::Amount => ValueBuilder::Amount(
                Decimal128Builder::with_capacity(capacity)
                    .with_precision_and_scale(AMOUNT_PRECISION, AMOUNT_SCALE)?,
            ),
            FieldType::Number => ValueBuilder::Number(Float64Builder::with_capacity(capacity)),
            _ => ValueBuilder::Text(StringBuilder::with_capacity(capacity, capacity * 8)),
        };
        let keeps_raw = field_type.keeps_raw();
        Ok(ColumnBuilders {
            value,
            raw: keeps_raw.then(|| StringBuilder::with_capacity(capacity, capacity * 8)),
            issue: keeps_raw.then(|| StringBuilder::with_capacity(capacity, 0)),
            companion: companion_suffix(field_type)
                .map(|_| StringBuilder::with_capacity(capacity, capacity * 6)),
            key: (field_type == FieldType::CaseNumber)
                .then(|| StringBuilder::with_capacity(capacity, capacity * 16)),
        })
    }

    fn append_null_value(&mut self) {
        match &mut self.value {
            ValueBuilder::Text(b) => b.append_null(),
            ValueBuilder::Date(b) => b.append_null(),
            ValueBuilder::DateTime(b) => b.append_null(),
            ValueBuilder::Amount(b) => b.append_null(),
            ValueBuilder::Number(b) => b.append_null(),
        }
    }

    fn append_value(&mut self, value: &Value) -> Result<()> {
        match (&mut self.value, value) {
            (ValueBuilder::Text(b), Value::Text(text)) => b.append_value(text),
            (ValueBuilder::Date(b), Value::Date(date)) => b.append_value(days_since_epoch(*date)),
            (ValueBuilder::DateTime(b), Value::DateTime(datetime)) => {
                b.append_value(datetime.and_utc().timestamp_millis())
            }
            (ValueBuilder::DateTime(b), Value::Date(date)) => {
                b.append_value(NaiveDateTime::from(*date).and_utc().timestamp_millis())
            }
            (ValueBuilder::Amount(b), Value::Amount(amount)) => {
                b.append_value(i128::from(amount.fen()))
            }
            (ValueBuilder::Number(b), Value::Number(number)) => b.append_value(*number),
            _ => {
                return Err(Error::Internal(
                    "a normaliser returned a value of another type".into(),
                ));
            }
        }
        Ok(())
    }

    fn finish(mut self, arrays: &mut Vec<ArrayRef>) {
        arrays.push(match &mut self.value {
            ValueBuilder::Text(b) => Arc::new(b.finish()),
            ValueBuilder::Date(b) => Arc::new(b.finish()),
            ValueBuilder::DateTime(b) => Arc::new(b.finish()),
            ValueBuilder::Amount(b) => Arc::new(b.finish()),
            ValueBuilder::Number(b) => Arc::new(b.finish()),
        });
        if let (Some(raw), Some(issue)) = (&mut self.raw, &mut self.issue) {
            arrays.push(Arc::new(raw.finish()));
            arrays.push(Arc::new(issue.finish()));
        }
        if let Some(companion) = &mut self.companion {
            arrays.push(Arc::new(companion.finish()));
        }
        if let Some(key) = &mut self.key {
            arrays.push(Arc::new(key.finish()));
        }
    }
}

fn days_since_epoch(date: NaiveDate) -> i32 {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    (date - epoch).num_days() as i32
}

/// The first cell text of summary rows (`合计`, `制表人：…`) that tables carry at the bottom.
const SUMMARY_PREFIXES: &[&str] = &[
    "合计",
    "总计",
    "小计",
    "共计",
    "制表",
    "填表",
    "填报人",
    "审核",
    "负责人",
    "统计人",
    "打印",
];

/// Normalises one chunk; `digests` asks for [`Normalized::row_digests`].
pub fn normalize_chunk(
    chunk: Chunk,
    columns: &[PlannedColumn],
    unit: &UnitPlan,
    schema: &SchemaRef,
    today: NaiveDate,
    digests: bool,
) -> Result<Normalized> {
    let capacity = chunk.items.len();
    let mut builders: Vec<ColumnBuilders> = columns
        .iter()
        .map(|c| ColumnBuilders::new(c.field_type, capacity))
        .collect::<Result<_>>()?;
    let mut row_ids = Int64Builder::with_capacity(capacity);
    let mut sources = StringBuilder::with_capacity(capacity, capacity * unit.display.len());
    let mut source_rows = Int64Builder::with_capacity(capacity);
    let mut stats = ChunkStats {
        columns: vec![ColumnStats::default(); columns.len()],
        ..ChunkStats::default()
    };
    let key_columns: Vec<usize> = (0..columns.len())
        .filter(|i| columns[*i].field_type.is_key())
        .collect();
    let mut row_hashes = Vec::with_capacity(capacity);
    let mut row_digests = Vec::with_capacity(if digests { capacity } else { 0 });
    let mut key_hashes: Vec<Vec<Option<u64>>> =
        vec![Vec::with_capacity(capacity); key_columns.len()];
    let mut first_fault: Option<(Location, String)> = None;
    let mut note_fault = |location: Location, reason: String| {
        if first_fault.is_none() {
            first_fault = Some((location, reason));
        }
    };

    for (ordinal, item) in chunk.items {
        stats.rows_read += 1;
        let row = match item {
            ChunkItem::Bad { row, reason } => {
                reject(&mut stats, &unit.display, row, "bad_record", &reason, "");
                note_fault(Location::row(&unit.display, row), reason);
                continue;
            }
            ChunkItem::Row(row) => row,
        };
        if let Some((code, reason)) = row_fault(&row, unit) {
            let preview: Vec<String> = row.cells.iter().map(Cell::to_text).collect();
            reject(
                &mut stats,
                &unit.display,
                row.row,
                code,
                &reason,
                &preview.join(" | "),
            );
            note_fault(Location::row(&unit.display, row.row), reason);
            continue;
        }
        if unit.delimited && row.cells.len() < unit.width {
            // Trailing empty fields left out by the export: read as empty, and said so.
            let reason = format!(
                "row has {} fields, the header has {}: the missing trailing fields are read as empty",
                row.cells.len(),
                unit.width
            );
            let location = Location::row(&unit.display, row.row);
            let preview: Vec<String> = row.cells.iter().map(Cell::to_text).collect();
            stats.repaired.record("short_row_padded", || {
                Example::new(
                    location.clone(),
                    "short_row_padded",
                    &preview.join(" | "),
                    reason.clone(),
                )
            });
            // `--strict` refuses what it had to repair.
            note_fault(location, reason);
        }
        stats.rows_kept += 1;
        row_ids.append_value(ordinal);
        sources.append_value(&unit.display);
        source_rows.append_value(row.row as i64);
        let mut row_hasher = foldhash::fast::FixedState::default().build_hasher();
        let mut row_digest = digests.then(RowDigest::new);
        let mut key_slot = 0;
        for (column_index, column) in columns.iter().enumerate() {
            let builders = &mut builders[column_index];
            let column_stats = &mut stats.columns[column_index];
            let cell = unit.indices[column_index]
                .and_then(|i| row.cells.get(i))
                .unwrap_or(&Cell::Empty);
            let is_key = column.field_type.is_key();
            if cell.is_blank() {
                column_stats.empty += 1;
                builders.append_null_value();
                if let (Some(raw), Some(issue)) = (&mut builders.raw, &mut builders.issue) {
                    raw.append_null();
                    issue.append_null();
                }
                if let Some(companion) = &mut builders.companion {
                    companion.append_null();
                }
                if let Some(key) = &mut builders.key {
                    key.append_null();
                }
                0u8.hash(&mut row_hasher);
                if let Some(digest) = &mut row_digest {
                    digest.blank();
                }
                if is_key {
                    key_hashes[key_slot].push(None);
                    key_slot += 1;
                }
                continue;
            }
            column_stats.filled += 1;
            let raw_text = cell.as_text();
            raw_text.hash(&mut row_hasher);
            if let Some(digest) = &mut row_digest {
                digest.cell(&raw_text);
            }
            let mut key_hash = None;
            let context = NormalizeContext {
                today,
                unit: column.unit,
                excel_dates: unit.excel_dates,
            };
            // `="330602…"`: Excel's text wrapper around any value, not part of it.
            let unwrapped = procura_core::text::unwrap_excel_text(&raw_text);
            let unwrapped_cell;
            let cell = if unwrapped.len() == raw_text.len() {
                cell
            } else {
                unwrapped_cell = Cell::Text(unwrapped.to_owned());
                &unwrapped_cell
            };
            match normalize_cell(
                column.field_type,
                cell,
                unwrapped,
                &context,
                &mut column_stats.notes,
            ) {
                Ok((value, companion)) => {
                    column_stats.valid += 1;
                    builders.append_value(&value)?;
                    if let Some(issue) = &mut builders.issue {
                        issue.append_null();
                    }
                    if let Some(builder) = &mut builders.companion {
                        builder.append_option(companion.as_deref());
                    }
                    if is_key && let Value::Text(text) = &value {
                        key_hash = Some(foldhash::fast::FixedState::default().hash_one(text));
                    }
                }
                Err(problem) => {
                    column_stats.invalid += 1;
                    builders.append_null_value();
                    if let Some(issue) = &mut builders.issue {
                        issue.append_value(problem.code);
                    }
                    if let Some(builder) = &mut builders.companion {
                        builder.append_null();
                    }
                    let location = Location::cell(&unit.display, row.row, &column.source);
                    column_stats.issues.record(problem.code, || {
                        Example::new(
                            location.clone(),
                            problem.code,
                            &raw_text,
                            problem.message.clone(),
                        )
                    });
                    note_fault(location, problem.message);
                }
            }
            if let Some(raw) = &mut builders.raw {
                raw.append_value(&raw_text);
            }
            if let Some(key) = &mut builders.key {
                key.append_option(field::case_no_key(unwrapped));
            }
            if is_key {
                key_hashes[key_slot].push(key_hash);
                key_slot += 1;
            }
        }
        match row_digest {
            // Counting and dropping then agree on which rows are duplicates.
            Some(digest) => {
                let digest = digest.finish();
                row_digests.push(digest);
                row_hashes.push(digest as u64);
            }
            None => row_hashes.push(row_hasher.finish()),
        }
    }

    let batch = if stats.rows_kept == 0 {
        None
    } else {
        let mut arrays: Vec<ArrayRef> = vec![
            Arc::new(row_ids.finish()),
            Arc::new(sources.finish()),
            Arc::new(source_rows.finish()),
        ];
        for builder in builders {
            builder.finish(&mut arrays);
        }
        Some(RecordBatch::try_new(Arc::clone(schema), arrays)?)
    };
    Ok(Normalized {
        seq: chunk.seq,
        unit: chunk.unit,
        batch,
        stats,
        row_hashes,
        row_digests,
        key_hashes,
        first_fault,
    })
}

fn reject(stats: &mut ChunkStats, display: &str, row: u64, code: &str, reason: &str, value: &str) {
    stats.rows_rejected += 1;
    stats.rejected.record(code, || {
        Example::new(Location::row(display, row), code, value, reason.to_owned())
    });
}

/// Whether a row is the header line repeated: at least two cells, and four in five of its
/// filled cells, equal the header's name in their position.
fn is_repeated_header(row: &RawRow, unit: &UnitPlan) -> bool {
    let filled: Vec<(usize, String)> = row
        .cells
        .iter()
        .enumerate()
        .filter(|(_, cell)| !cell.is_blank())
        .map(|(i, cell)| (i, field::clean_header(&cell.as_text())))
        .collect();
    let same = filled
        .iter()
        .filter(|(i, text)| {
            unit.header
                .get(*i)
                .is_some_and(|h| !h.is_empty() && h == text)
        })
        .count();
    same >= 2 && same * 5 >= filled.len() * 4
}

/// Structural problems of a single row.
pub(crate) fn row_fault(row: &RawRow, unit: &UnitPlan) -> Option<(&'static str, String)> {
    let last_filled = row
        .cells
        .iter()
        .rposition(|cell| !cell.is_blank())
        .map_or(0, |i| i + 1);
    if last_filled > unit.width {
        return Some((
            "too_many_fields",
            format!(
                "row has {last_filled} fields, the header has {}",
                unit.width
            ),
        ));
    }
    // A short row is an export that leaves out trailing empty fields, unless a field holds a
    // line break: then a quote left open swallowed the rest of the row (or of the file).
    if unit.delimited
        && row.cells.len() < unit.width
        && row
            .cells
            .iter()
            .any(|cell| matches!(cell, Cell::Text(text) if text.contains(['\n', '\r'])))
    {
        return Some((
            "too_few_fields",
            format!(
                "row has {} fields, the header has {}, and a field runs over a line break (a quote left open?)",
                row.cells.len(),
                unit.width
            ),
        ));
    }
    if is_repeated_header(row, unit) {
        return Some((
            "repeated_header",
            "the header line again (a paged export), not data".into(),
        ));
    }
    if unit.delimited
        && row
            .cells
            .iter()
            .any(|cell| matches!(cell, Cell::Text(text) if text.contains('\u{FFFD}')))
    {
        return Some((
            "invalid_encoding",
            "row contains bytes that are not valid in the file's encoding".into(),
        ));
    }
    let first = row.cells.iter().find(|cell| !cell.is_blank())?;
    if let Cell::Text(text) = first {
        let text = text.trim();
        if SUMMARY_PREFIXES.iter().any(|p| text.starts_with(p))
            && row.filled() * 2 <= unit.width.max(2)
        {
            return Some((
                "summary_row",
                format!(
                    "summary or signature row `{}`, not data",
                    text.chars().take(20).collect::<String>()
                ),
            ));
        }
    }
    None
}

/// Normalises one non-blank cell; typed spreadsheet cells skip the text round trip where that
/// would lose information.
fn normalize_cell(
    field_type: FieldType,
    cell: &Cell,
    raw_text: &str,
    context: &NormalizeContext,
    notes: &mut BTreeMap<String, u64>,
) -> std::result::Result<(Value, Option<String>), field::ValueIssue> {
    let issue = |code: &'static str, message: String| field::ValueIssue { code, message };
    match (field_type, cell) {
        (FieldType::Date | FieldType::Month, Cell::DateTime(datetime)) => {
            let date = datetime.date();
            let date = if field_type == FieldType::Month {
                date.with_day0(0).unwrap_or(date)
            } else {
                date
            };
            Ok((Value::Date(date), None))
        }
        (FieldType::DateTime, Cell::DateTime(datetime)) => Ok((Value::DateTime(*datetime), None)),
        (FieldType::Amount, Cell::Number(number)) => {
            let fen = number * context.unit.multiplier() as f64 * 100.0;
            let rounded = fen.round();
            if !rounded.is_finite() || rounded.abs() > 9e17 {
                return Err(issue("overflow", format!("`{raw_text}` is too large")));
            }
            if (fen - rounded).abs() > 1e-4 {
                return Err(issue(
                    "sub_fen",
                    format!("`{raw_text}` has more precision than 1 分"),
                ));
            }
            Ok((Value::Amount(Amount::from_fen(rounded as i64)), None))
        }
        (FieldType::PersonId, _) => match person_id::parse_person_id(raw_text, context.today) {
            Ok(id) => {
                if id.upgraded_from_15 {
                    *notes.entry("upgraded_15_to_18".into()).or_insert(0) += 1;
                }
                if id.kind != person_id::PersonIdKind::Resident {
                    *notes.entry(id.kind.code().into()).or_insert(0) += 1;
                }
                Ok((Value::Text(id.into_string()), None))
            }
            // A company's number in a person column is not a typo: say what the column is.
            Err(e) if org_id::parse_org_id(raw_text).is_ok() => Err(issue(
                "org_id_in_person_column",
                format!(
                    "像是单位的统一社会信用代码/组织机构代码，而本列为身份证号；如本列兼有自然人和单位，请将类型设为 party_id（当事人证件号码） / looks like an organisation number in a person-ID column ({e}); type the column as party_id when it holds persons and organisations"
                ),
            )),
            Err(e) => Err(issue(e.code(), format!("{}: {e}", e.zh()))),
        },
        (FieldType::PartyId, _) => match party_id::parse_party_id(raw_text, context.today) {
            Ok(id) => {
                let kind = id.kind();
                if let party_id::PartyId::Person(person) = &id {
                    if person.upgraded_from_15 {
                        *notes.entry("upgraded_15_to_18".into()).or_insert(0) += 1;
                    }
                } else if let party_id::PartyId::Org(org) = &id {
                    for warning in &org.warnings {
                        *notes.entry(warning.code().into()).or_insert(0) += 1;
                    }
                }
                *notes.entry(format!("party_{}", kind.code())).or_insert(0) += 1;
                Ok((Value::Text(id.into_string()), Some(kind.code().to_owned())))
            }
            Err(e) => Err(issue(e.code(), format!("{}: {e}", e.zh()))),
        },
        (FieldType::OrgId, _) => match org_id::parse_org_id(raw_text) {
            Ok(id) => {
                for warning in &id.warnings {
                    *notes.entry(warning.code().into()).or_insert(0) += 1;
                }
                Ok((Value::Text(id.into_string()), None))
            }
            Err(e) => Err(issue(e.code(), format!("{}: {e}", e.zh()))),
        },
        (FieldType::Name, _) => match name::normalize_name(raw_text) {
            Ok(normalized) => {
                let simplified = normalized.simplified;
                Ok((Value::Text(normalized.normalized), Some(simplified)))
            }
            Err(e) => Err(issue(e.code(), e.to_string())),
        },
        (_, Cell::Number(number)) => {
            field::normalize(field_type, &render_number(*number), context).map(|v| (v, None))
        }
        _ => field::normalize(field_type, raw_text, context).map(|v| (v, None)),
    }
}

trait WithDay0 {
    fn with_day0(&self, day0: u32) -> Option<NaiveDate>;
}

impl WithDay0 for NaiveDate {
    fn with_day0(&self, day0: u32) -> Option<NaiveDate> {
        chrono::Datelike::with_day0(self, day0)
    }
}
