//! The data-quality report of one dataset version: what was read, kept and rejected, how
//! full each column is, which values were invalid and why (with examples that name file, row
//! and column), and how many rows and keys are duplicated. It is stored with the version.

use std::collections::BTreeMap;

use procura_core::field::FieldType;
use procura_core::location::Location;
use serde::{Deserialize, Serialize};

use crate::dedup::DuplicatePolicy;

/// How many examples are kept per column and reason.
pub const EXAMPLES_PER_REASON: usize = 5;

/// The report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct QualityReport {
    /// One entry per file (or sheet) read.
    pub files: Vec<FileQuality>,
    /// Data rows read (below the header, blank rows excluded): the rows kept, rejected and
    /// dropped as duplicates.
    pub rows_read: u64,
    /// Rows written to the dataset.
    pub rows_kept: u64,
    /// Rows refused (wrong field count, undecodable, summary rows, broken records).
    pub rows_rejected: u64,
    /// Blank rows skipped.
    pub blank_rows: u64,
    /// Rejection reasons with counts and examples.
    pub rejected: IssueSummary,
    /// Rows read after a repair of their layout, with counts and examples:
    /// `short_row_padded`, a delimited row that leaves out trailing empty fields (many
    /// exporters do), its missing cells read as empty.
    #[serde(default)]
    pub repaired: IssueSummary,
    /// One entry per dataset column. Its counts cover every row that was not rejected, rows
    /// later dropped as duplicates included.
    pub columns: Vec<ColumnQuality>,
    /// Rows identical in every mapped source cell to an earlier row (of any file or sheet of
    /// the ingest), whether kept or dropped.
    pub duplicate_rows: u64,
    /// What was done with them (`keep` in reports written before there was a choice).
    #[serde(default)]
    pub duplicate_policy: DuplicatePolicy,
    /// Rows not written because they duplicate an earlier row (`duplicates = "drop"`).
    #[serde(default)]
    pub duplicate_rows_dropped: u64,
    /// The first few rows dropped as duplicates: where they were and their cells.
    #[serde(default)]
    pub dropped_duplicates: Vec<Example>,
    /// Per identifier column: distinct values and repeated occurrences among the rows kept.
    pub duplicate_keys: Vec<DuplicateKeys>,
    /// Every sheet of every workbook, in workbook order: read or skipped, and why. Empty for
    /// other formats (and in reports written before sheets were listed).
    #[serde(default)]
    pub sheets: Vec<SheetQuality>,
}

impl QualityReport {
    /// Rows with at least one invalid value.
    pub fn value_issue_count(&self) -> u64 {
        self.columns.iter().map(|c| c.invalid).sum()
    }

    /// True when any row was rejected or any value was invalid.
    pub fn has_row_faults(&self) -> bool {
        self.rows_rejected > 0 || self.value_issue_count() > 0
    }
}

/// What happened to one file or sheet.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FileQuality {
    /// The file as named in locations.
    pub file: String,
    /// csv, xlsx, xls, json, ndjson, parquet.
    pub format: String,
    /// For text files, the encoding used.
    pub encoding: Option<String>,
    /// For text files, the delimiter.
    pub delimiter: Option<String>,
    /// For workbooks, the sheet.
    pub sheet: Option<String>,
    /// Row number of the header (0 when the format carries it).
    pub header_row: u64,
    /// Rows above the header that were skipped as titles or notes.
    pub title_rows: Vec<u64>,
    /// Data rows read.
    pub rows_read: u64,
    /// Rows kept.
    pub rows_kept: u64,
    /// Rows rejected.
    pub rows_rejected: u64,
    /// Blank rows.
    pub blank_rows: u64,
    /// Rows dropped as duplicates of an earlier row (of this or an earlier file).
    #[serde(default)]
    pub duplicates_dropped: u64,
    /// Mapped columns this file does not have (their values are empty for its rows).
    pub missing_columns: Vec<String>,
    /// Anything else worth knowing.
    pub notes: Vec<String>,
}

/// What became of one workbook sheet.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SheetQuality {
    /// The workbook as named in locations.
    pub file: String,
    /// The sheet name.
    pub sheet: String,
    /// Its 1-based position in the workbook.
    pub position: usize,
    /// Whether its rows are in the dataset.
    pub read: bool,
    /// Why, as a stable code. Read: `named` (the sheet asked for), `every_sheet` (all sheets
    /// asked for), `first_table` (the first sheet with data), `same_header` (continues the
    /// first table). Skipped: `not_selected` (another sheet was named), `empty`, `no_header`,
    /// `no_data` (a header and nothing below it), `other_header` (another table).
    pub reason: String,
    /// The reason in words, naming the columns that differ for `other_header`.
    pub detail: String,
    /// The header row, when one was found.
    pub header_row: Option<u64>,
}

/// Quality of one dataset column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnQuality {
    /// Dataset column name.
    pub name: String,
    /// Source header.
    pub source: String,
    /// Field type.
    pub field_type: FieldType,
    /// For amounts, the column unit.
    pub unit: Option<String>,
    /// Cells with a value (valid or not).
    pub filled: u64,
    /// Empty cells.
    pub empty: u64,
    /// Cells normalised successfully.
    pub valid: u64,
    /// Cells whose value could not be normalised (stored as null, raw text kept).
    pub invalid: u64,
    /// Invalid cells by reason.
    pub issues: IssueSummary,
    /// Valid values with something worth noting (15-digit IDs upgraded, pilot USCC checks).
    pub notes: BTreeMap<String, u64>,
}

impl ColumnQuality {
    /// Share of kept rows with a value in this column.
    pub fn fill_rate(&self) -> f64 {
        let total = self.filled + self.empty;
        if total == 0 {
            0.0
        } else {
            self.filled as f64 / total as f64
        }
    }
}

/// Counts by reason plus a few examples each.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueSummary {
    /// Reason code → count.
    pub counts: BTreeMap<String, u64>,
    /// Up to [`EXAMPLES_PER_REASON`] examples per reason.
    pub examples: Vec<Example>,
}

impl IssueSummary {
    /// Records one occurrence, keeping the example while there are few.
    pub fn record(&mut self, code: &str, example: impl FnOnce() -> Example) {
        let count = self.counts.entry(code.to_owned()).or_insert(0);
        *count += 1;
        if *count as usize <= EXAMPLES_PER_REASON {
            self.examples.push(example());
        }
    }

    /// Adds another summary (from a parallel chunk) to this one.
    pub fn merge(&mut self, other: IssueSummary) {
        for example in other.examples {
            let kept = self
                .examples
                .iter()
                .filter(|e| e.code == example.code)
                .count();
            if kept < EXAMPLES_PER_REASON {
                self.examples.push(example);
            }
        }
        for (code, count) in other.counts {
            *self.counts.entry(code).or_insert(0) += count;
        }
    }

    /// Total occurrences.
    pub fn total(&self) -> u64 {
        self.counts.values().sum()
    }
}

/// One example of a problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Example {
    /// Where.
    pub location: Location,
    /// The reason code.
    pub code: String,
    /// The value as found (truncated to 200 characters).
    pub value: String,
    /// The explanation.
    pub message: String,
}

impl Example {
    /// Builds an example, truncating long values.
    pub fn new(location: Location, code: &str, value: &str, message: String) -> Example {
        let value: String = value.chars().take(200).collect();
        Example {
            location,
            code: code.to_owned(),
            value,
            message,
        }
    }
}

/// Duplicate counts of one identifier column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuplicateKeys {
    /// The column.
    pub column: String,
    /// Distinct non-empty values.
    pub distinct: u64,
    /// Rows whose value appeared in an earlier row.
    pub duplicates: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_stored_before_new_fields_still_load() {
        // A report as stored by earlier versions: no `sheets` and no duplicate policy.
        let stored = r#"{"files":[],"rows_read":2,"rows_kept":2,"rows_rejected":0,"blank_rows":0,
            "rejected":{"counts":{},"examples":[]},"columns":[],"duplicate_rows":1,
            "duplicate_keys":[]}"#;
        let report: QualityReport = serde_json::from_str(stored).unwrap();
        assert_eq!(report.rows_kept, 2);
        assert_eq!(report.duplicate_rows, 1);
        assert!(report.sheets.is_empty());
        assert_eq!(report.duplicate_policy, DuplicatePolicy::Keep);
        assert_eq!(report.duplicate_rows_dropped, 0);
    }
}
