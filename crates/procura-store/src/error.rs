//! The store's error type.

/// What went wrong in the metadata store.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The configuration (URL, settings) is unusable.
    #[error("{0}")]
    Config(String),
    /// The database cannot be reached.
    #[error("cannot connect to {url}")]
    Connect {
        /// The URL with the password hidden.
        url: String,
        /// The cause.
        #[source]
        source: sqlx::Error,
    },
    /// A query failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A migration failed.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The thing asked for does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// A uniqueness rule would be broken.
    #[error("{0}")]
    Conflict(String),
    /// Stored data is not what the code expects (a bug or a tampered database).
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
}

/// The store's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Maps a unique-constraint violation to [`Error::Conflict`].
pub(crate) fn on_unique(error: sqlx::Error, what: impl FnOnce() -> String) -> Error {
    match &error {
        sqlx::Error::Database(db) if db.is_unique_violation() => Error::Conflict(what()),
        _ => Error::Database(error),
    }
}
