//! The one error type of the ingest crate. Every variant caused by the user's file says where.

use std::path::PathBuf;

use procura_core::location::Location;

/// A structural fault: the ingest stops and nothing is written.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file (or a file inside a folder or zip) cannot be read.
    #[error("cannot read {}", .path.display())]
    Read {
        /// The path as given.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The content is not a format Procura reads, or is not what its extension says.
    #[error("{location}: {reason}")]
    UnsupportedFormat {
        /// The file.
        location: Location,
        /// What was found.
        reason: String,
    },
    /// The bytes cannot be decoded as text in any supported encoding.
    #[error("{location}: cannot decode the text ({reason}); pass --encoding if you know it")]
    Encoding {
        /// The file (and row, when the fault is inside the file).
        location: Location,
        /// What was wrong.
        reason: String,
    },
    /// No row looks like a header.
    #[error("{location}: no header row found in the first {scanned} rows")]
    NoHeader {
        /// The file (and sheet).
        location: Location,
        /// How many rows were looked at.
        scanned: usize,
    },
    /// The file has a header but no data rows.
    #[error("{location}: no data rows below the header")]
    NoData {
        /// The file.
        location: Location,
    },
    /// The file is damaged: a corrupt workbook, a truncated archive, broken JSON.
    #[error("{location}: {reason}")]
    Corrupt {
        /// Where the damage was noticed.
        location: Location,
        /// What was wrong.
        reason: String,
    },
    /// A limit that protects the machine was exceeded: a zip bomb, an enormous line.
    #[error("{location}: {reason}")]
    LimitExceeded {
        /// Where.
        location: Location,
        /// Which limit and by how much.
        reason: String,
    },
    /// The mapping file is invalid or does not fit the data.
    #[error("mapping: {0}")]
    Mapping(String),
    /// `--strict` was given and a row fault occurred.
    #[error("{location}: {reason} (--strict makes every row fault fatal)")]
    Strict {
        /// The first faulty cell or row.
        location: Location,
        /// The fault.
        reason: String,
    },
    /// The requested sheet does not exist.
    #[error("{location}: no sheet named `{sheet}` (sheets: {available})")]
    NoSuchSheet {
        /// The workbook.
        location: Location,
        /// The requested name.
        sheet: String,
        /// The sheets that exist.
        available: String,
    },
    /// The named encoding is not one `encoding_rs` knows.
    #[error("unknown encoding `{0}` (try utf-8, gbk, gb18030, big5, utf-16le)")]
    UnknownEncoding(String),
    /// Writing the Parquet output failed.
    #[error("cannot write {}", .path.display())]
    Write {
        /// The output path.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// Arrow or Parquet reported an error (while writing our own output: a bug or a full disk).
    #[error("parquet: {0}")]
    Parquet(String),
    /// The caller cancelled the ingest.
    #[error("cancelled")]
    Cancelled,
    /// A broken invariant.
    #[error("internal error: {0} (this is a bug)")]
    Internal(String),
}

impl Error {
    /// A stable snake_case code for the kind of failure.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Read { .. } => "read",
            Error::UnsupportedFormat { .. } => "unsupported_format",
            Error::Encoding { .. } => "encoding",
            Error::NoHeader { .. } => "no_header",
            Error::NoData { .. } => "no_data",
            Error::Corrupt { .. } => "corrupt",
            Error::LimitExceeded { .. } => "limit_exceeded",
            Error::Mapping(_) => "mapping",
            Error::Strict { .. } => "strict",
            Error::NoSuchSheet { .. } => "no_such_sheet",
            Error::UnknownEncoding(_) => "unknown_encoding",
            Error::Write { .. } => "write",
            Error::Parquet(_) => "parquet",
            Error::Cancelled => "cancelled",
            Error::Internal(_) => "internal",
        }
    }
}

impl From<parquet::errors::ParquetError> for Error {
    fn from(error: parquet::errors::ParquetError) -> Error {
        Error::Parquet(error.to_string())
    }
}

impl From<arrow::error::ArrowError> for Error {
    fn from(error: arrow::error::ArrowError) -> Error {
        Error::Parquet(error.to_string())
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
