//! Dataset operations: ingest a file into a new version, list, show (with the quality
//! report), list versions, drop.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use procura_core::field::FieldType;
use procura_core::names::DatasetName;
use procura_ingest::{
    IngestOutcome, Limits, Mapping, Progress, QualityReport, ReadOptions, SheetSelection,
};
use procura_store::catalog::{self, NewVersion, VersionRecord};
use serde::{Deserialize, Serialize};

use crate::audit::{Action, Event};
use crate::error::{Error, Result};
use crate::workspace::sync_dir;
use crate::{Actor, App};

/// What to ingest.
#[derive(Debug, Clone)]
pub struct IngestRequest {
    /// A file, folder or zip.
    pub path: PathBuf,
    /// Target dataset name.
    pub dataset: String,
    /// An edited mapping (TOML text), or `None` for the suggestion.
    pub mapping: Option<String>,
    /// Which workbook sheets.
    pub sheets: SheetSelection,
    /// An encoding label forcing the text encoding.
    pub encoding: Option<String>,
    /// Any row fault is fatal.
    pub strict: bool,
    /// Keep or drop exact duplicate rows; `None` follows the mapping (default: keep).
    pub duplicates: Option<procura_ingest::DuplicatePolicy>,
    /// Show paths relative to this directory in the catalog and the quality report (an upload
    /// lives in a scratch directory; users know it by its file name).
    pub display_root: Option<PathBuf>,
}

/// A file about to become a dataset version.
#[derive(Debug, Clone)]
pub(crate) struct Publication {
    /// The finished file under `tmp/`.
    pub(crate) temp: PathBuf,
    /// Where the data came from, for the catalog.
    pub(crate) source: String,
    /// BLAKE3 of the file.
    pub(crate) digest: String,
    /// Its size.
    pub(crate) bytes: u64,
    /// Its rows.
    pub(crate) n_rows: u64,
    /// Its columns.
    pub(crate) columns: Vec<ColumnInfo>,
    /// Its quality report.
    pub(crate) report: QualityReport,
    /// The mapping that produced it (empty for derived datasets).
    pub(crate) mapping_toml: String,
}

/// One dataset column as the catalog describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnInfo {
    /// Column name.
    pub name: String,
    /// Field type.
    #[serde(rename = "type")]
    pub field_type: FieldType,
    /// Source header.
    pub source: String,
}

/// A dataset version with everything the catalog knows about it.
#[derive(Debug, Clone)]
pub struct VersionInfo {
    /// Catalog id of the version.
    pub id: i64,
    /// Dataset name.
    pub dataset: String,
    /// Version number.
    pub version: i64,
    /// The Parquet file.
    pub path: PathBuf,
    /// BLAKE3 of the file.
    pub digest: String,
    /// File size.
    pub bytes: i64,
    /// Rows.
    pub n_rows: i64,
    /// Rejected rows.
    pub n_rejected: i64,
    /// The input as named.
    pub source: String,
    /// Columns.
    pub columns: Vec<ColumnInfo>,
    /// The mapping applied (TOML).
    pub mapping_toml: String,
    /// The quality report.
    pub report: QualityReport,
    /// When.
    pub created_at: String,
    /// Who.
    pub created_by: String,
}

/// One line of the dataset list.
#[derive(Debug, Clone)]
pub struct DatasetInfo {
    /// Name.
    pub name: String,
    /// Number of versions.
    pub n_versions: i64,
    /// The newest version.
    pub latest: VersionInfo,
}

/// What a drop did.
#[derive(Debug, Clone)]
pub struct DropReport {
    /// Versions dropped.
    pub versions: usize,
    /// Files removed.
    pub files_removed: usize,
}

impl App {
    /// Proposes a mapping for a file without ingesting it.
    pub async fn suggest_mapping(&self, actor: &Actor, request: &IngestRequest) -> Result<Mapping> {
        self.require(actor, crate::Capability::Ingest, "ingest")
            .await?;
        let read = read_options(request)?;
        let path = request.path.clone();
        let scratch = self.workspace.tmp();
        tokio::task::spawn_blocking(move || procura_ingest::suggest(&path, &read, &scratch))
            .await
            .map_err(|e| Error::Internal(format!("suggest task failed: {e}")))?
            .map_err(Error::from)
    }

    /// Ingests a file into a new version of a dataset. The version becomes visible atomically:
    /// the Parquet file is renamed into place inside the transaction that records it.
    pub async fn ingest(
        &self,
        actor: &Actor,
        request: &IngestRequest,
        progress: Arc<dyn Progress + Send + Sync>,
    ) -> Result<VersionInfo> {
        self.require(
            actor,
            crate::Capability::Ingest,
            &format!("dataset:{}", request.dataset),
        )
        .await?;
        let dataset = DatasetName::parse(&request.dataset)?;
        let mapping = request
            .mapping
            .as_deref()
            .map(Mapping::from_toml)
            .transpose()?;
        let now = self.now();
        let stamp = now.format("%Y%m%dT%H%M%S%3fZ").to_string();
        let temp = self
            .workspace
            .tmp()
            .join(format!("{stamp}-{}.parquet.part", std::process::id()));
        let ingest_request = procura_ingest::IngestRequest {
            path: request.path.clone(),
            mapping,
            read: read_options(request)?,
            strict: request.strict,
            duplicates: request.duplicates,
            today: now.date_naive(),
            output: temp.clone(),
            scratch: self.workspace.tmp(),
            threads: 0,
        };
        let outcome: IngestOutcome = tokio::task::spawn_blocking(move || {
            procura_ingest::ingest(&ingest_request, progress.as_ref())
        })
        .await
        .map_err(|e| Error::Internal(format!("ingest task failed: {e}")))??;

        let (source, report) = match &request.display_root {
            None => (request.path.display().to_string(), outcome.report.clone()),
            Some(root) => (
                request
                    .path
                    .strip_prefix(root)
                    .unwrap_or(&request.path)
                    .display()
                    .to_string(),
                relative_report(&outcome.report, root)?,
            ),
        };
        let columns: Vec<ColumnInfo> = outcome
            .columns
            .iter()
            .map(|c| ColumnInfo {
                name: c.name.clone(),
                field_type: c.field_type,
                source: c.source.clone(),
            })
            .collect();
        self.publish(
            actor,
            &dataset,
            Publication {
                temp,
                source,
                digest: outcome.digest.clone(),
                bytes: outcome.bytes,
                n_rows: outcome.n_rows,
                columns,
                report,
                mapping_toml: outcome.mapping.to_toml(),
            },
        )
        .await
    }

    /// Publishes a Parquet file written under `tmp/` as a new version of `dataset`: the file is
    /// renamed into `datasets/` inside the transaction that records it, so the version appears
    /// whole or not at all. The temporary file is removed on failure.
    pub(crate) async fn publish(
        &self,
        actor: &Actor,
        dataset: &DatasetName,
        publication: Publication,
    ) -> Result<VersionInfo> {
        let temp = publication.temp.clone();
        let result = self.publish_inner(actor, dataset, publication).await;
        if result.is_err() {
            let _ = std::fs::remove_file(&temp);
        }
        result
    }

    async fn publish_inner(
        &self,
        actor: &Actor,
        dataset: &DatasetName,
        publication: Publication,
    ) -> Result<VersionInfo> {
        let stamp = self.now().format("%Y%m%dT%H%M%S%3fZ").to_string();
        let relative = format!(
            "datasets/{dataset}/{stamp}-{}.parquet",
            &publication.digest[..16.min(publication.digest.len())]
        );
        let target = self.workspace.resolve(&relative);
        let columns_json = serde_json::to_string(&publication.columns)
            .map_err(|e| Error::Internal(e.to_string()))?;
        let quality_json = serde_json::to_string(&publication.report)
            .map_err(|e| Error::Internal(e.to_string()))?;
        let now = self.now_text();
        let dir = target
            .parent()
            .ok_or_else(|| Error::Internal("dataset file without a directory".into()))?;
        std::fs::create_dir_all(dir).map_err(Error::io("cannot create", dir))?;

        let mut tx = self.store.begin().await?;
        let record = catalog::create_version(
            &mut tx,
            &NewVersion {
                dataset: dataset.as_str(),
                path: &relative,
                digest: &publication.digest,
                bytes: publication.bytes as i64,
                n_rows: publication.n_rows as i64,
                n_rejected: publication.report.rows_rejected as i64,
                source: &publication.source,
                columns_json: &columns_json,
                mapping_toml: &publication.mapping_toml,
                quality_json: &quality_json,
                actor: actor.name(),
                now: &now,
            },
        )
        .await?;
        self.audit(
            &mut tx,
            actor,
            Event::ok(Action::Ingest, format!("dataset:{dataset}")).detail(serde_json::json!({
                "version": record.version,
                "rows": publication.n_rows,
                "rejected": publication.report.rows_rejected,
                "digest": publication.digest,
                "source": publication.source,
            })),
        )
        .await?;
        std::fs::rename(&publication.temp, &target)
            .map_err(Error::io("cannot publish", &target))?;
        let committed = async {
            sync_dir(dir)?;
            tx.commit().await.map_err(procura_store::Error::from)?;
            Ok::<(), Error>(())
        }
        .await;
        if let Err(error) = committed {
            let _ = std::fs::remove_file(&target);
            return Err(error);
        }
        self.version_info(record)
    }

    /// A fresh temporary path under `tmp/` for a file about to be published.
    pub(crate) fn temp_path(&self, what: &str) -> PathBuf {
        let stamp = self.now().format("%Y%m%dT%H%M%S%3fZ").to_string();
        self.workspace.tmp().join(format!(
            "{stamp}-{what}-{}.parquet.part",
            std::process::id()
        ))
    }

    /// Live datasets with their newest version.
    pub async fn list_datasets(&self, actor: &Actor) -> Result<Vec<DatasetInfo>> {
        self.require(actor, crate::Capability::ReadCatalog, "datasets")
            .await?;
        let mut list = self.list_datasets_inner().await?;
        for dataset in &mut list {
            redact_for(actor, &mut dataset.latest);
        }
        Ok(list)
    }

    pub(crate) async fn list_datasets_inner(&self) -> Result<Vec<DatasetInfo>> {
        let mut connection = self.connection().await?;
        catalog::list(&mut connection)
            .await?
            .into_iter()
            .map(|summary| {
                Ok(DatasetInfo {
                    name: summary.name,
                    n_versions: summary.n_versions,
                    latest: self.version_info(summary.latest)?,
                })
            })
            .collect()
    }

    /// One version of a dataset (the newest when `version` is `None`).
    pub async fn show_dataset(
        &self,
        actor: &Actor,
        name: &str,
        version: Option<i64>,
    ) -> Result<VersionInfo> {
        self.require(
            actor,
            crate::Capability::ReadCatalog,
            &format!("dataset:{name}"),
        )
        .await?;
        let mut connection = self.connection().await?;
        let record = catalog::version(&mut connection, name, version)
            .await?
            .ok_or_else(|| match version {
                Some(v) => Error::NotFound(format!("dataset `{name}` has no version {v}")),
                None => Error::NotFound(format!("no dataset named `{name}`")),
            })?;
        drop(connection);
        let mut info = self.version_info(record)?;
        redact_for(actor, &mut info);
        self.audit_alone(
            actor,
            Event::ok(Action::DatasetRead, format!("dataset:{name}"))
                .detail(serde_json::json!({ "version": info.version, "quality_report": true })),
        )
        .await?;
        Ok(info)
    }

    /// Every version of a dataset, oldest first.
    pub async fn dataset_versions(&self, actor: &Actor, name: &str) -> Result<Vec<VersionInfo>> {
        self.require(
            actor,
            crate::Capability::ReadCatalog,
            &format!("dataset:{name}"),
        )
        .await?;
        let mut connection = self.connection().await?;
        let records = catalog::versions(&mut connection, name).await?;
        if records.is_empty() {
            return Err(Error::NotFound(format!("no dataset named `{name}`")));
        }
        drop(connection);
        let mut list = records
            .into_iter()
            .map(|r| self.version_info(r))
            .collect::<Result<Vec<_>>>()?;
        for info in &mut list {
            redact_for(actor, info);
        }
        self.audit_alone(
            actor,
            Event::ok(Action::DatasetRead, format!("dataset:{name}"))
                .detail(serde_json::json!({ "versions": list.len() })),
        )
        .await?;
        Ok(list)
    }

    /// Drops a dataset: it disappears from lists and SQL, its name becomes free, and its files
    /// are removed, except those that clue evidence cites (kept so that a clue can always be
    /// traced back to its source rows).
    pub async fn drop_dataset(&self, actor: &Actor, name: &str) -> Result<DropReport> {
        self.require(actor, crate::Capability::Ingest, &format!("dataset:{name}"))
            .await?;
        let now = self.now_text();
        let mut tx = self.store.begin().await?;
        let versions = catalog::drop_dataset(&mut tx, name, actor.name(), &now)
            .await
            .map_err(|e| match e {
                procura_store::Error::NotFound(_) => {
                    Error::NotFound(format!("no dataset named `{name}`"))
                }
                other => Error::Store(other),
            })?;
        self.audit(
            &mut tx,
            actor,
            Event::ok(Action::DatasetDrop, format!("dataset:{name}"))
                .detail(serde_json::json!({ "versions": versions.len() })),
        )
        .await?;
        tx.commit().await.map_err(procura_store::Error::from)?;
        // Files go after the commit: a crash in between leaves files that the catalog still
        // lists as present, never a catalog row without its file.
        let mut removed = 0;
        let cited = procura_store::clues::cited_versions(&mut *self.connection().await?).await?;
        let mut tx = self.store.begin().await?;
        for version in versions.iter().filter(|v| !cited.contains(&v.id)) {
            let path = self.workspace.resolve(&version.path);
            match std::fs::remove_file(&path) {
                Ok(()) => removed += 1,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io("cannot remove", &path)(e)),
            }
            catalog::mark_purged(&mut tx, version.id, &now).await?;
        }
        tx.commit().await.map_err(procura_store::Error::from)?;
        Ok(DropReport {
            versions: versions.len(),
            files_removed: removed,
        })
    }

    pub(crate) async fn connection(&self) -> Result<sqlx_connection::PoolConnection> {
        Ok(self
            .store
            .pool()
            .acquire()
            .await
            .map_err(procura_store::Error::from)?)
    }

    pub(crate) fn version_info(&self, record: VersionRecord) -> Result<VersionInfo> {
        let columns: Vec<ColumnInfo> = serde_json::from_str(&record.columns_json).map_err(|e| {
            Error::Internal(format!("catalog columns of version {}: {e}", record.id))
        })?;
        let report: QualityReport = serde_json::from_str(&record.quality_json).map_err(|e| {
            Error::Internal(format!(
                "catalog quality report of version {}: {e}",
                record.id
            ))
        })?;
        Ok(VersionInfo {
            id: record.id,
            dataset: record.dataset,
            version: record.version,
            path: self.workspace.resolve(&record.path),
            digest: record.digest,
            bytes: record.bytes,
            n_rows: record.n_rows,
            n_rejected: record.n_rejected,
            source: record.source,
            columns,
            mapping_toml: record.mapping_toml,
            report,
            created_at: record.created_at,
            created_by: record.created_by,
        })
    }
}

/// Who may see raw values in quality reports: the data administrators who ingest (and the
/// local operator). Everyone else sees the examples masked and no server paths.
fn redact_for(actor: &Actor, info: &mut VersionInfo) {
    if actor.can(crate::Capability::Ingest) {
        return;
    }
    let report = &mut info.report;
    let mut examples: Vec<&mut procura_ingest::quality::Example> =
        report.rejected.examples.iter_mut().collect();
    for column in &mut report.columns {
        examples.extend(column.issues.examples.iter_mut());
    }
    for example in examples {
        let masked = procura_core::mask::identifier(&example.value);
        example.message =
            procura_core::mask::in_text(&example.message.replace(&example.value, &masked));
        example.value = masked;
    }
    info.path = PathBuf::from(
        info.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    );
}

/// The pooled connection type, named once so the façade's signatures stay free of sqlx.
pub(crate) mod sqlx_connection {
    /// A pooled metadata-store connection.
    pub(crate) type PoolConnection = procura_store::PoolConnection;
}

fn read_options(request: &IngestRequest) -> Result<ReadOptions> {
    let encoding = request
        .encoding
        .as_deref()
        .map(procura_ingest::encoding_for_label)
        .transpose()?;
    Ok(ReadOptions {
        encoding,
        delimiter: None,
        sheets: request.sheets.clone(),
        limits: Limits::default(),
    })
}

/// The report with every path under `root` shown relative to it.
fn relative_report(report: &QualityReport, root: &Path) -> Result<QualityReport> {
    let prefix = format!("{}{}", root.display(), std::path::MAIN_SEPARATOR);
    let mut value = serde_json::to_value(report)
        .map_err(|e| Error::Internal(format!("quality report: {e}")))?;
    strip_prefix_everywhere(&mut value, &prefix);
    serde_json::from_value(value).map_err(|e| Error::Internal(format!("quality report: {e}")))
}

fn strip_prefix_everywhere(value: &mut serde_json::Value, prefix: &str) {
    match value {
        serde_json::Value::String(text) if text.contains(prefix) => {
            *text = text.replace(prefix, "");
        }
        serde_json::Value::Array(items) => items
            .iter_mut()
            .for_each(|v| strip_prefix_everywhere(v, prefix)),
        serde_json::Value::Object(map) => map
            .values_mut()
            .for_each(|v| strip_prefix_everywhere(v, prefix)),
        _ => {}
    }
}
