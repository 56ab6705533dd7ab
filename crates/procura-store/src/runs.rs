//! Model runs: what ran, on which exact dataset versions, with which parameters, by whom, how
//! long it took and how it ended.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::error::{Error, Result};

/// A run as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRecord {
    /// Run id.
    pub id: i64,
    /// Model id.
    pub model_id: String,
    /// Model version.
    pub model_version: String,
    /// BLAKE3 of the model manifest.
    pub model_digest: String,
    /// Parameter values (JSON object).
    pub parameters_json: String,
    /// Inputs: role → dataset, version id, version number, rows (JSON).
    pub inputs_json: String,
    /// `running`, `succeeded`, `failed`.
    pub status: String,
    /// Why it failed.
    pub error: Option<String>,
    /// Clues found.
    pub n_clues: i64,
    /// Clues new in this run.
    pub n_new: i64,
    /// Earlier clues no longer found.
    pub n_gone: i64,
    /// RFC 3339.
    pub started_at: String,
    /// RFC 3339.
    pub finished_at: Option<String>,
    /// Wall time.
    pub duration_ms: Option<i64>,
    /// Who ran it.
    pub actor: String,
    /// What the run said before it ran (JSON array of texts).
    pub notices_json: String,
}

/// A run about to start.
#[derive(Debug, Clone)]
pub struct NewRun<'a> {
    /// Model id.
    pub model_id: &'a str,
    /// Model version.
    pub model_version: &'a str,
    /// Manifest digest.
    pub model_digest: &'a str,
    /// Parameters JSON.
    pub parameters_json: &'a str,
    /// Inputs JSON.
    pub inputs_json: &'a str,
    /// Notices JSON (an array of texts).
    pub notices_json: &'a str,
    /// Who.
    pub actor: &'a str,
    /// When.
    pub now: &'a str,
}

/// How a run ended.
#[derive(Debug, Clone)]
pub struct RunEnd<'a> {
    /// `succeeded` or `failed`.
    pub status: &'a str,
    /// The failure, if any.
    pub error: Option<&'a str>,
    /// Clues found.
    pub n_clues: i64,
    /// New clues.
    pub n_new: i64,
    /// Clues gone.
    pub n_gone: i64,
    /// When.
    pub finished_at: &'a str,
    /// Wall time.
    pub duration_ms: i64,
}

const COLUMNS: &str = "id, model_id, model_version, model_digest, parameters_json, inputs_json, status, error, \
    n_clues, n_new, n_gone, started_at, finished_at, duration_ms, actor, notices_json";

fn from_row(row: &AnyRow) -> Result<RunRecord> {
    Ok(RunRecord {
        id: row.try_get(0)?,
        model_id: row.try_get(1)?,
        model_version: row.try_get(2)?,
        model_digest: row.try_get(3)?,
        parameters_json: row.try_get(4)?,
        inputs_json: row.try_get(5)?,
        status: row.try_get(6)?,
        error: row.try_get(7)?,
        n_clues: row.try_get(8)?,
        n_new: row.try_get(9)?,
        n_gone: row.try_get(10)?,
        started_at: row.try_get(11)?,
        finished_at: row.try_get(12)?,
        duration_ms: row.try_get(13)?,
        actor: row.try_get(14)?,
        notices_json: row.try_get(15)?,
    })
}

/// Records a run as `running` and returns its id.
pub async fn start(connection: &mut AnyConnection, new: &NewRun<'_>) -> Result<i64> {
    Ok(sqlx::query(
        "INSERT INTO run (model_id, model_version, model_digest, parameters_json, inputs_json, status, started_at, actor, notices_json) \
         VALUES ($1, $2, $3, $4, $5, 'running', $6, $7, $8) RETURNING id",
    )
    .bind(new.model_id)
    .bind(new.model_version)
    .bind(new.model_digest)
    .bind(new.parameters_json)
    .bind(new.inputs_json)
    .bind(new.now)
    .bind(new.actor)
    .bind(new.notices_json)
    .fetch_one(connection)
    .await?
    .try_get(0)?)
}

/// Records how a run ended.
pub async fn finish(connection: &mut AnyConnection, id: i64, end: &RunEnd<'_>) -> Result<()> {
    let changed = sqlx::query(
        "UPDATE run SET status = $1, error = $2, n_clues = $3, n_new = $4, n_gone = $5, finished_at = $6, duration_ms = $7 \
         WHERE id = $8",
    )
    .bind(end.status)
    .bind(end.error)
    .bind(end.n_clues)
    .bind(end.n_new)
    .bind(end.n_gone)
    .bind(end.finished_at)
    .bind(end.duration_ms)
    .bind(id)
    .execute(connection)
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(Error::NotFound(format!("run {id}")));
    }
    Ok(())
}

/// The newest runs first.
pub async fn list(
    connection: &mut AnyConnection,
    model_id: Option<&str>,
    limit: i64,
) -> Result<Vec<RunRecord>> {
    let rows = match model_id {
        Some(model) => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM run WHERE model_id = $1 ORDER BY id DESC LIMIT $2"
            )))
            .bind(model)
            .bind(limit)
            .fetch_all(connection)
            .await?
        }
        None => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM run ORDER BY id DESC LIMIT $1"
            )))
            .bind(limit)
            .fetch_all(connection)
            .await?
        }
    };
    rows.iter().map(from_row).collect()
}

/// One run.
pub async fn get(connection: &mut AnyConnection, id: i64) -> Result<Option<RunRecord>> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM run WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(connection)
    .await?
    .as_ref()
    .map(from_row)
    .transpose()
}
