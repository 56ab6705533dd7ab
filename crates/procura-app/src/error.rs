//! The façade's error type: what front-ends map to messages, exit codes and HTTP statuses.
//! The variants say who has to act: the user (bad input), the environment, or us (a bug).

use std::path::PathBuf;

/// What went wrong in an operation.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The user's input file cannot be ingested (the message names file, row and column).
    #[error(transparent)]
    Ingest(#[from] procura_ingest::Error),
    /// A name, a value or a combination of options is not acceptable.
    #[error("{0}")]
    Invalid(String),
    /// The thing asked for does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The workspace is missing, unreadable, or not a Procura workspace.
    #[error("{message}")]
    Workspace {
        /// What is wrong.
        message: String,
        /// The workspace directory.
        path: PathBuf,
    },
    /// The metadata store failed.
    #[error(transparent)]
    Store(#[from] procura_store::Error),
    /// A query or model failed.
    #[error(transparent)]
    Query(procura_models::Error),
    /// A file operation failed.
    #[error("{action} {}", .path.display())]
    Io {
        /// What was being done (`cannot create`, `cannot rename` …).
        action: &'static str,
        /// On which path.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// No valid session, or a wrong user name or password (deliberately not saying which).
    #[error("{0}")]
    Unauthenticated(String),
    /// The account is locked after repeated failed logins.
    #[error("账户已锁定，请于 {until} 后重试 (account locked until {until})")]
    Locked {
        /// RFC 3339.
        until: String,
    },
    /// The actor's role or data scope does not allow this.
    #[error("{0}")]
    Forbidden(String),
    /// The operation conflicts with the current state (a workflow step out of order).
    #[error("{0}")]
    Conflict(String),
    /// A broken invariant.
    #[error("internal error: {0} (this is a bug)")]
    Internal(String),
}

impl Error {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io {
            action,
            path,
            source,
        }
    }
}

impl From<procura_models::Error> for Error {
    /// Binding and manifest problems are the user's to fix; engine failures are not.
    fn from(error: procura_models::Error) -> Error {
        match error {
            procura_models::Error::Binding(message) | procura_models::Error::Manifest(message) => {
                Error::Invalid(message)
            }
            procura_models::Error::NotFound(message) => Error::NotFound(message),
            other => Error::Query(other),
        }
    }
}

impl From<procura_core::names::InvalidName> for Error {
    fn from(error: procura_core::names::InvalidName) -> Error {
        Error::Invalid(error.to_string())
    }
}

/// The façade's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
