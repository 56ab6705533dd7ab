//! The models crate's error type.

/// What went wrong with a model or a query.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The query engine refused or failed a query (the message says where in the SQL).
    #[error("{0}")]
    Query(#[from] datafusion::error::DataFusionError),
    /// A model manifest is invalid.
    #[error("{0}")]
    Manifest(String),
    /// A model cannot be bound to the given datasets or parameters.
    #[error("{0}")]
    Binding(String),
    /// A model failed while running.
    #[error("{0}")]
    Run(String),
    /// A model id is unknown.
    #[error("{0}")]
    NotFound(String),
    /// A fixture test could not be set up.
    #[error("{0}")]
    Fixture(String),
    /// A broken invariant.
    #[error("internal error: {0} (this is a bug)")]
    Internal(String),
}

impl From<datafusion::arrow::error::ArrowError> for Error {
    fn from(error: datafusion::arrow::error::ArrowError) -> Error {
        Error::Query(error.into())
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
