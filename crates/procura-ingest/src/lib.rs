//! procura-ingest: here is a file, a folder or a zip of agency exports; give me one normalised
//! Parquet table and the truth about what was wrong with it.
//!
//! Formats are recognised by content (CSV/TSV in UTF-8, UTF-8 with BOM, GBK/GB18030, UTF-16;
//! xlsx streamed; xls; JSON arrays and NDJSON streamed; Parquet). Title rows above the header
//! are skipped, two-row headers are merged, Chinese headers are mapped to standard field types
//! ([`procura_core::field`]), and every value is normalised with its raw text kept beside it.
//!
//! **Architecture Invariant:** this crate knows nothing of the catalog, the database or
//! DataFusion. It writes exactly one file, at the path it is given, and removes it again on any
//! failure; publishing it (rename + catalog row) is the caller's transaction.
//!
//! **Architecture Invariant:** structural faults (unreadable encoding, no header, corrupt
//! container, limits exceeded) are errors; row faults (wrong field count, invalid values) are
//! counted in the [`quality::QualityReport`] with examples, and are errors only with `strict`.

pub mod cell;
pub mod dedup;
pub mod error;
pub mod header;
pub mod input;
pub mod json;
pub mod mapping;
pub mod normalize;
pub mod parquet_in;
pub mod pipeline;
pub mod quality;
pub mod source;
pub mod text_file;
pub mod workbook;

pub use dedup::DuplicatePolicy;
pub use error::{Error, Result};
pub use input::Limits;
pub use mapping::{ColumnMapping, Mapping};
pub use pipeline::{
    IngestOutcome, IngestRequest, NoProgress, OutputColumn, Progress, ingest, suggest,
};
pub use quality::QualityReport;
pub use source::{ReadOptions, SheetSelection};

/// Looks up an encoding by label (`gbk`, `gb18030`, `utf-8`, `big5`, `utf-16le` …).
pub fn encoding_for_label(label: &str) -> Result<&'static encoding_rs::Encoding> {
    let encoding = encoding_rs::Encoding::for_label(label.trim().as_bytes())
        .ok_or_else(|| Error::UnknownEncoding(label.to_owned()))?;
    // WHATWG maps the `gbk` label to the GBK decoder, which is GB18030's; say so plainly.
    Ok(if encoding == encoding_rs::GBK {
        encoding_rs::GB18030
    } else {
        encoding
    })
}
