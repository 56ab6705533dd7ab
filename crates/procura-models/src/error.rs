//! The models crate's error type.

/// What went wrong while planning or running a query or a model.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The query engine refused or failed the query (the message says where in the SQL).
    #[error("{0}")]
    Query(#[from] datafusion::error::DataFusionError),
    /// A table name is not usable.
    #[error("{0}")]
    Table(String),
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
