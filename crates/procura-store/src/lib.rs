//! procura-store: the metadata store (catalog of datasets and versions; later runs, clues,
//! users and audit) on SQLite or PostgreSQL through one sqlx code path.
//!
//! **Architecture Invariant:** this is the only crate with SQL for the metadata database.
//! Queries use `$n` placeholders and the types both backends share (i64, text, bool);
//! timestamps are RFC 3339 text written by the caller's clock.
//!
//! **Architecture Invariant:** writes happen inside a [`Tx`] that the caller (the app façade)
//! begins and commits, so each user-visible operation is all-or-nothing.
//!
//! SQLite runs in WAL mode with `synchronous=FULL` and foreign keys on; the store refuses to
//! open a database where those settings do not take.

pub mod alerts;
pub mod audit;
pub mod catalog;
pub mod clues;
mod error;
pub mod links;
pub mod runs;
pub mod users;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor, Row};

pub use error::{Error, Result};

/// A pooled connection to the metadata store.
pub type PoolConnection = sqlx::pool::PoolConnection<sqlx::Any>;

/// A transaction on the metadata store.
pub type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// Which database is behind the store. A closed set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite (the default).
    Sqlite,
    /// PostgreSQL, by URL.
    Postgres,
}

/// The metadata store.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Store {
    /// Opens (creating if needed) the SQLite database at `path` and migrates it.
    pub async fn open_sqlite(path: &Path) -> Result<Store> {
        let url = format!("sqlite://{}?mode=rwc", path.display());
        Store::open(&url).await
    }

    /// Opens a store by URL (`sqlite://…` or `postgres://…`) and migrates it.
    pub async fn open(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(Error::Config(format!(
                "unsupported database URL `{}` (use sqlite://PATH or postgres://…)",
                redact(url)
            )));
        };
        let options = AnyConnectOptions::from_str(url)
            .map_err(|e| Error::Config(format!("invalid database URL `{}`: {e}", redact(url))))?;
        let mut pool_options = AnyPoolOptions::new()
            .acquire_timeout(Duration::from_secs(30))
            .max_connections(if backend == Backend::Sqlite { 4 } else { 8 });
        if backend == Backend::Sqlite {
            pool_options = pool_options.after_connect(|connection, _| {
                Box::pin(async move {
                    connection.execute("PRAGMA journal_mode = WAL").await?;
                    connection.execute("PRAGMA synchronous = FULL").await?;
                    connection.execute("PRAGMA foreign_keys = ON").await?;
                    connection.execute("PRAGMA busy_timeout = 10000").await?;
                    Ok(())
                })
            });
        }
        let pool = pool_options
            .connect_with(options)
            .await
            .map_err(|e| Error::Connect {
                url: redact(url),
                source: e,
            })?;
        let store = Store { pool, backend };
        store.check_settings().await?;
        let migrator = match backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.run(&store.pool).await?;
        Ok(store)
    }

    /// Which backend this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Begins a transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`,
    /// waiting up to the busy timeout): a transaction that read first and wrote later would
    /// fail with "database is locked" whenever another writer committed in between, which
    /// concurrent logins and audit appends make common.
    pub async fn begin(&self) -> Result<Tx> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// The connection pool, for read-only queries outside a transaction.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Closes every connection (checkpointing SQLite's WAL).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Refuses to run on settings that could lose committed data.
    async fn check_settings(&self) -> Result<()> {
        match self.backend {
            Backend::Sqlite => {
                let mut connection = self.pool.acquire().await?;
                let journal: String = sqlx::query("PRAGMA journal_mode")
                    .fetch_one(&mut *connection)
                    .await?
                    .try_get(0)?;
                let synchronous: i64 = sqlx::query("PRAGMA synchronous")
                    .fetch_one(&mut *connection)
                    .await?
                    .try_get(0)?;
                let foreign_keys: i64 = sqlx::query("PRAGMA foreign_keys")
                    .fetch_one(&mut *connection)
                    .await?
                    .try_get(0)?;
                if !journal.eq_ignore_ascii_case("wal") || synchronous != 2 || foreign_keys != 1 {
                    return Err(Error::Config(format!(
                        "SQLite settings did not take (journal_mode={journal}, synchronous={synchronous}, foreign_keys={foreign_keys}); is the file on a file system without locking?"
                    )));
                }
            }
            Backend::Postgres => {
                for (setting, query, wanted) in [
                    ("fsync", "SHOW fsync", "on"),
                    ("synchronous_commit", "SHOW synchronous_commit", "on"),
                    ("full_page_writes", "SHOW full_page_writes", "on"),
                ] {
                    let value: String =
                        sqlx::query(query).fetch_one(&self.pool).await?.try_get(0)?;
                    if value != wanted {
                        return Err(Error::Config(format!(
                            "PostgreSQL has {setting}={value}; Procura needs {setting}={wanted} so that committed data survives a crash"
                        )));
                    }
                }
            }
        }
        Ok(())
    }
}

/// Escapes `\`, `%` and `_` for a `LIKE … ESCAPE '\'` pattern.
pub(crate) fn like_escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// Hides the password in a database URL.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("sqlite:///a/b"), "sqlite:///a/b");
    }
}
