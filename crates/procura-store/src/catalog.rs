//! The catalog: datasets and their immutable versions, with schema, mapping and quality report.
//!
//! A dataset is a name; each ingest adds a version (1, 2, …) pointing at one Parquet file.
//! Versions are never changed. Dropping a dataset marks it dropped and frees its name; the
//! caller decides which files can go (files that clue evidence cites are kept).

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::error::{Error, Result, on_unique};

/// A dataset version as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionRecord {
    /// Row id of the version (stable; evidence refers to it).
    pub id: i64,
    /// Dataset row id.
    pub dataset_id: i64,
    /// Dataset name.
    pub dataset: String,
    /// 1, 2, …
    pub version: i64,
    /// Parquet file, relative to the workspace's data directory.
    pub path: String,
    /// BLAKE3 of the file.
    pub digest: String,
    /// File size.
    pub bytes: i64,
    /// Rows in the file.
    pub n_rows: i64,
    /// Rows rejected at ingest.
    pub n_rejected: i64,
    /// The input as the user named it.
    pub source: String,
    /// Column list (JSON, written by the app).
    pub columns_json: String,
    /// The mapping that was applied (TOML).
    pub mapping_toml: String,
    /// The quality report (JSON).
    pub quality_json: String,
    /// RFC 3339.
    pub created_at: String,
    /// Who ingested it.
    pub created_by: String,
}

/// One line of `datasets list`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetSummary {
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Number of versions.
    pub n_versions: i64,
    /// The newest version.
    pub latest: VersionRecord,
}

/// A version about to be recorded.
#[derive(Debug, Clone)]
pub struct NewVersion<'a> {
    /// Dataset name (created when new).
    pub dataset: &'a str,
    /// Parquet path relative to the data directory.
    pub path: &'a str,
    /// BLAKE3.
    pub digest: &'a str,
    /// Size.
    pub bytes: i64,
    /// Rows.
    pub n_rows: i64,
    /// Rejected rows.
    pub n_rejected: i64,
    /// The input as named.
    pub source: &'a str,
    /// Columns JSON.
    pub columns_json: &'a str,
    /// Mapping TOML.
    pub mapping_toml: &'a str,
    /// Quality JSON.
    pub quality_json: &'a str,
    /// Actor.
    pub actor: &'a str,
    /// RFC 3339 timestamp.
    pub now: &'a str,
}

/// `SELECT <every version column> FROM dataset_version v JOIN dataset d … <tail>`, as a literal
/// so that sqlx sees static SQL.
macro_rules! select_versions {
    ($($tail:literal),*) => {
        concat!(
            "SELECT v.id, v.dataset_id, d.name, v.version, v.path, v.digest, v.bytes, v.n_rows, \
             v.n_rejected, v.source, v.columns_json, v.mapping_toml, v.quality_json, v.created_at, \
             v.created_by",
            $($tail),*
        )
    };
}

fn version_from_row(row: &AnyRow) -> Result<VersionRecord> {
    Ok(VersionRecord {
        id: row.try_get(0)?,
        dataset_id: row.try_get(1)?,
        dataset: row.try_get(2)?,
        version: row.try_get(3)?,
        path: row.try_get(4)?,
        digest: row.try_get(5)?,
        bytes: row.try_get(6)?,
        n_rows: row.try_get(7)?,
        n_rejected: row.try_get(8)?,
        source: row.try_get(9)?,
        columns_json: row.try_get(10)?,
        mapping_toml: row.try_get(11)?,
        quality_json: row.try_get(12)?,
        created_at: row.try_get(13)?,
        created_by: row.try_get(14)?,
    })
}

/// Records a new version, creating the dataset if it does not exist yet. Run it inside the
/// transaction that also publishes the file.
pub async fn create_version(
    connection: &mut AnyConnection,
    new: &NewVersion<'_>,
) -> Result<VersionRecord> {
    let existing: Option<i64> =
        sqlx::query("SELECT id FROM dataset WHERE name = $1 AND dropped_at IS NULL")
            .bind(new.dataset)
            .fetch_optional(&mut *connection)
            .await?
            .map(|row| row.try_get(0))
            .transpose()?;
    let dataset_id = match existing {
        Some(id) => id,
        None => sqlx::query(
            "INSERT INTO dataset (name, description, created_at, created_by) VALUES ($1, '', $2, $3) RETURNING id",
        )
        .bind(new.dataset)
        .bind(new.now)
        .bind(new.actor)
        .fetch_one(&mut *connection)
        .await
        .map_err(|e| on_unique(e, || format!("dataset `{}` was created concurrently; try again", new.dataset)))?
        .try_get(0)?,
    };
    let next: i64 = sqlx::query(
        "SELECT COALESCE(MAX(version), 0) + 1 FROM dataset_version WHERE dataset_id = $1",
    )
    .bind(dataset_id)
    .fetch_one(&mut *connection)
    .await?
    .try_get(0)?;
    let id: i64 = sqlx::query(
        "INSERT INTO dataset_version (dataset_id, version, path, digest, bytes, n_rows, n_rejected, source, \
         columns_json, mapping_toml, quality_json, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
    )
    .bind(dataset_id)
    .bind(next)
    .bind(new.path)
    .bind(new.digest)
    .bind(new.bytes)
    .bind(new.n_rows)
    .bind(new.n_rejected)
    .bind(new.source)
    .bind(new.columns_json)
    .bind(new.mapping_toml)
    .bind(new.quality_json)
    .bind(new.now)
    .bind(new.actor)
    .fetch_one(&mut *connection)
    .await
    .map_err(|e| on_unique(e, || format!("dataset `{}` got a new version concurrently; try again", new.dataset)))?
    .try_get(0)?;
    version_by_id(connection, id)
        .await?
        .ok_or_else(|| Error::Corrupt(format!("version {id} vanished after insert")))
}

/// One version by its row id (dropped datasets included: evidence may cite them).
pub async fn version_by_id(
    connection: &mut AnyConnection,
    id: i64,
) -> Result<Option<VersionRecord>> {
    sqlx::query(select_versions!(
        " FROM dataset_version v JOIN dataset d ON d.id = v.dataset_id WHERE v.id = $1"
    ))
    .bind(id)
    .fetch_optional(connection)
    .await?
    .as_ref()
    .map(version_from_row)
    .transpose()
}

/// A live dataset's version: the given number, or the newest.
pub async fn version(
    connection: &mut AnyConnection,
    dataset: &str,
    version: Option<i64>,
) -> Result<Option<VersionRecord>> {
    sqlx::query(select_versions!(
        " FROM dataset_version v JOIN dataset d ON d.id = v.dataset_id \
         WHERE d.name = $1 AND d.dropped_at IS NULL AND ($2 < 0 OR v.version = $2) \
         ORDER BY v.version DESC LIMIT 1"
    ))
    .bind(dataset)
    .bind(version.unwrap_or(-1))
    .fetch_optional(connection)
    .await?
    .as_ref()
    .map(version_from_row)
    .transpose()
}

/// Every version of a live dataset, oldest first.
pub async fn versions(connection: &mut AnyConnection, dataset: &str) -> Result<Vec<VersionRecord>> {
    sqlx::query(select_versions!(
        " FROM dataset_version v JOIN dataset d ON d.id = v.dataset_id \
         WHERE d.name = $1 AND d.dropped_at IS NULL ORDER BY v.version"
    ))
    .bind(dataset)
    .fetch_all(connection)
    .await?
    .iter()
    .map(version_from_row)
    .collect()
}

/// Live datasets with their newest version, by name.
pub async fn list(connection: &mut AnyConnection) -> Result<Vec<DatasetSummary>> {
    sqlx::query(select_versions!(
        ", d.description, (SELECT COUNT(*) FROM dataset_version c WHERE c.dataset_id = d.id) \
         FROM dataset d JOIN dataset_version v ON v.dataset_id = d.id \
         WHERE d.dropped_at IS NULL \
           AND v.version = (SELECT MAX(m.version) FROM dataset_version m WHERE m.dataset_id = d.id) \
         ORDER BY d.name"
    ))
        .fetch_all(connection)
        .await?
        .iter()
        .map(|row| {
            Ok(DatasetSummary {
                latest: version_from_row(row)?,
                description: row.try_get(15)?,
                n_versions: row.try_get(16)?,
                name: row.try_get(2)?,
            })
        })
        .collect()
}

/// Marks a live dataset dropped and returns its versions (so the caller can remove files).
pub async fn drop_dataset(
    connection: &mut AnyConnection,
    dataset: &str,
    actor: &str,
    now: &str,
) -> Result<Vec<VersionRecord>> {
    let all = versions(&mut *connection, dataset).await?;
    let changed = sqlx::query("UPDATE dataset SET dropped_at = $1, dropped_by = $2 WHERE name = $3 AND dropped_at IS NULL")
        .bind(now)
        .bind(actor)
        .bind(dataset)
        .execute(&mut *connection)
        .await?
        .rows_affected();
    if changed == 0 {
        return Err(Error::NotFound(format!("dataset `{dataset}`")));
    }
    Ok(all)
}

/// Every file path any version (live or dropped) refers to.
pub async fn all_paths(connection: &mut AnyConnection) -> Result<Vec<String>> {
    sqlx::query("SELECT path FROM dataset_version")
        .fetch_all(connection)
        .await?
        .iter()
        .map(|row| Ok(row.try_get(0)?))
        .collect()
}

/// Records that a version's file was removed.
pub async fn mark_purged(connection: &mut AnyConnection, version_id: i64, now: &str) -> Result<()> {
    sqlx::query("UPDATE dataset_version SET purged_at = $1 WHERE id = $2")
        .bind(now)
        .bind(version_id)
        .execute(connection)
        .await?;
    Ok(())
}

/// Paths of versions whose files should exist (not purged).
pub async fn live_paths(connection: &mut AnyConnection) -> Result<Vec<String>> {
    sqlx::query("SELECT path FROM dataset_version WHERE purged_at IS NULL")
        .fetch_all(connection)
        .await?
        .iter()
        .map(|row| Ok(row.try_get(0)?))
        .collect()
}
