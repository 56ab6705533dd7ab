//! The one error type of the crate. Every variant that comes from the file system names the
//! path, because the caller (the CLI) has nothing else to show the user.

use std::path::PathBuf;

/// Why a demo could not be generated or its ground truth read.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The output directory exists and has files in it; the demo never overwrites data.
    #[error("{path}: the output directory is not empty")]
    OutputNotEmpty { path: PathBuf },
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The xlsx writer rejected a workbook.
    #[error("{path}: {source}")]
    Xlsx {
        path: PathBuf,
        #[source]
        source: rust_xlsxwriter::XlsxError,
    },
    /// A JSON file could not be written or parsed.
    #[error("{path}: {source}")]
    Json {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    /// A value has no GBK encoding. The generators only produce GBK-safe text for GBK files,
    /// so this is a bug in the demo, reported instead of writing a lossy file.
    #[error("{path}: {text:?} cannot be encoded as GBK")]
    Unencodable { path: PathBuf, text: String },
    /// Too few persons to plant every model's cases next to background data.
    #[error("the demo needs at least {min} persons, got {persons}")]
    TooFewPersons { persons: usize, min: usize },
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io { path, source }
    }

    pub(crate) fn xlsx(
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(rust_xlsxwriter::XlsxError) -> Error {
        let path = path.into();
        move |source| Error::Xlsx { path, source }
    }

    pub(crate) fn json(path: impl Into<PathBuf>) -> impl FnOnce(serde_json::Error) -> Error {
        let path = path.into();
        move |source| Error::Json { path, source }
    }
}
