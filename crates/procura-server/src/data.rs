//! The JSON API for data (datasets, uploads, ingests), models, runs, background jobs, and
//! the account lists of the administrators.

// utoipa's `params(…)` expansion names the type with a path the lint calls redundant.
#![allow(unused_qualifications)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Json;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use procura_app::datasets::{IngestRequest, VersionInfo};
use procura_app::runs::{RunInfo, RunProgress, RunRequest};
use procura_app::{Capability, SheetSelection};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::jobs::{JobHandle, JobView};
use crate::session::Caller;

/// Largest upload.
pub const MAX_UPLOAD_BYTES: usize = 200 * 1024 * 1024;

/// A dataset in the list.
#[derive(Debug, Serialize, ToSchema)]
pub struct DatasetView {
    /// Name.
    pub name: String,
    /// Newest version number.
    pub latest_version: i64,
    /// Rows in it.
    pub rows: i64,
    /// Columns in it.
    pub columns: usize,
    /// When it was made.
    pub created_at: String,
    /// By whom.
    pub created_by: String,
    /// From which file.
    pub source: String,
}

/// A version.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionView {
    /// Version number.
    pub version: i64,
    /// Rows.
    pub rows: i64,
    /// Rejected rows.
    pub rejected: i64,
    /// When.
    pub created_at: String,
    /// By whom.
    pub created_by: String,
    /// From which file.
    pub source: String,
    /// BLAKE3 of the Parquet file.
    pub digest: String,
}

/// A column.
#[derive(Debug, Serialize, ToSchema)]
pub struct ColumnView {
    /// Name.
    pub name: String,
    /// Field type code.
    pub field_type: String,
    /// Its Chinese name.
    pub field_type_zh: String,
    /// Source header.
    pub source: String,
}

/// A dataset with its versions and the newest version's quality report.
#[derive(Debug, Serialize, ToSchema)]
pub struct DatasetDetail {
    /// Name.
    pub name: String,
    /// Versions, newest first.
    pub versions: Vec<VersionView>,
    /// Columns of the newest version.
    pub columns: Vec<ColumnView>,
    /// The newest version's data-quality report.
    #[schema(value_type = Object)]
    pub quality: serde_json::Value,
}

fn version_view(v: &VersionInfo) -> VersionView {
    VersionView {
        version: v.version,
        rows: v.n_rows,
        rejected: v.n_rejected,
        created_at: v.created_at.clone(),
        created_by: v.created_by.clone(),
        source: v.source.clone(),
        digest: v.digest.clone(),
    }
}

/// The datasets in the catalog.
#[utoipa::path(get, path = "/api/datasets", tag = "data", responses((status = 200, body = [DatasetView])),
    security(("session" = ["read_catalog"])))]
pub async fn datasets(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<DatasetView>>> {
    let list = state.app.list_datasets(&caller.actor).await?;
    Ok(Json(
        list.iter()
            .map(|d| DatasetView {
                name: d.name.clone(),
                latest_version: d.latest.version,
                rows: d.latest.n_rows,
                columns: d.latest.columns.len(),
                created_at: d.latest.created_at.clone(),
                created_by: d.latest.created_by.clone(),
                source: d.latest.source.clone(),
            })
            .collect(),
    ))
}

/// One dataset: versions, columns, quality report.
#[utoipa::path(get, path = "/api/datasets/{name}", tag = "data", params(("name" = String, Path)),
    responses((status = 200, body = DatasetDetail), (status = 404, body = ErrorBody)),
    security(("session" = ["read_catalog"])))]
pub async fn dataset(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> ApiResult<Json<DatasetDetail>> {
    let mut versions = state.app.dataset_versions(&caller.actor, &name).await?;
    versions.sort_by_key(|v| std::cmp::Reverse(v.version));
    let latest = versions
        .first()
        .ok_or_else(|| ApiError::not_found(format!("数据集 {name} 没有版本 (no versions)")))?;
    Ok(Json(DatasetDetail {
        name: name.clone(),
        columns: latest
            .columns
            .iter()
            .map(|c| ColumnView {
                name: c.name.clone(),
                field_type: c.field_type.code().to_owned(),
                field_type_zh: c.field_type.zh().to_owned(),
                source: c.source.clone(),
            })
            .collect(),
        quality: serde_json::to_value(&latest.report).unwrap_or_default(),
        versions: versions.iter().map(version_view).collect(),
    }))
}

/// One column of a mapping, as the UI edits it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MappingColumn {
    /// Header in the file.
    pub source: String,
    /// Dataset column name.
    pub name: String,
    /// Field type code.
    pub field_type: String,
    /// For amounts: 元, 万元 or 亿元.
    pub unit: Option<String>,
    /// Leave out.
    #[serde(default)]
    pub skip: bool,
}

/// A field type choice.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldTypeChoice {
    /// Code.
    pub code: String,
    /// Chinese name.
    pub zh: String,
}

/// An uploaded file with its suggested mapping.
#[derive(Debug, Serialize, ToSchema)]
pub struct UploadView {
    /// Refer to the upload by this id when ingesting.
    pub upload_id: String,
    /// The file name.
    pub file_name: String,
    /// Bytes.
    pub size: u64,
    /// The suggested mapping.
    pub mapping: Vec<MappingColumn>,
    /// Field types to choose from.
    pub field_types: Vec<FieldTypeChoice>,
}

fn safe_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("upload");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '/' | '\\' | ':'))
        .collect();
    let cleaned = cleaned.trim_start_matches('.').to_owned();
    if cleaned.is_empty() {
        "upload".into()
    } else {
        cleaned
    }
}

fn upload_dir(state: &AppState, id: &str) -> std::path::PathBuf {
    state.app.workspace().tmp().join("uploads").join(id)
}

/// Most bytes of not-yet-ingested uploads one account may hold.
pub const MAX_PENDING_UPLOAD_BYTES: u64 = 1024 * 1024 * 1024;

/// The file naming an upload's owner, inside its directory.
const OWNER_FILE: &str = ".owner";

/// Bytes of the pending uploads of `user`.
async fn pending_upload_bytes(uploads: &std::path::Path, user: &str) -> u64 {
    let Ok(mut entries) = tokio::fs::read_dir(uploads).await else {
        return 0;
    };
    let mut total = 0;
    while let Ok(Some(entry)) = entries.next_entry().await {
        let dir = entry.path();
        let owner = tokio::fs::read_to_string(dir.join(OWNER_FILE))
            .await
            .unwrap_or_default();
        if owner != user {
            continue;
        }
        if let Ok(mut files) = tokio::fs::read_dir(&dir).await {
            while let Ok(Some(file)) = files.next_entry().await {
                total += file.metadata().await.map_or(0, |m| m.len());
            }
        }
    }
    total
}

/// Streams one multipart field into `dir/file_name`, refusing it past the account's quota.
async fn store_upload(
    mut field: axum::extract::multipart::Field<'_>,
    dir: &std::path::Path,
    file_name: &str,
    user: &str,
    held: u64,
) -> ApiResult<u64> {
    let io = |_: std::io::Error| {
        ApiError::bad_request("无法保存上传的文件 (the upload could not be stored)")
    };
    tokio::fs::create_dir_all(dir).await.map_err(io)?;
    tokio::fs::write(dir.join(OWNER_FILE), user)
        .await
        .map_err(io)?;
    let mut out = tokio::fs::File::create(dir.join(file_name))
        .await
        .map_err(io)?;
    let mut size = 0u64;
    while let Some(chunk) = field.chunk().await.map_err(|_| {
        ApiError::new(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!(
                "文件超过 {} MiB 或上传中断 (the file is larger than {} MiB, or the upload was interrupted)",
                MAX_UPLOAD_BYTES / 1024 / 1024,
                MAX_UPLOAD_BYTES / 1024 / 1024
            ),
        )
    })? {
        size += chunk.len() as u64;
        if held + size > MAX_PENDING_UPLOAD_BYTES {
            return Err(ApiError::new(
                axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!(
                    "待导入的上传文件已超过 {} MiB，请先导入或等待清理 (your pending uploads exceed {} MiB; ingest them first)",
                    MAX_PENDING_UPLOAD_BYTES / 1024 / 1024,
                    MAX_PENDING_UPLOAD_BYTES / 1024 / 1024
                ),
            ));
        }
        tokio::io::AsyncWriteExt::write_all(&mut out, &chunk)
            .await
            .map_err(io)?;
    }
    tokio::io::AsyncWriteExt::flush(&mut out)
        .await
        .map_err(io)?;
    Ok(size)
}

/// Upload a file (multipart field `file`) and get its suggested column mapping.
#[utoipa::path(post, path = "/api/uploads", tag = "data",
    request_body(content_type = "multipart/form-data", description = "field `file`"),
    responses((status = 200, body = UploadView), (status = 400, body = ErrorBody), (status = 413, body = ErrorBody)),
    security(("session" = ["ingest"])))]
pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    mut multipart: Multipart,
) -> ApiResult<Json<UploadView>> {
    caller.actor.require(Capability::Ingest)?;
    let uploads = state.app.workspace().tmp().join("uploads");
    let held = pending_upload_bytes(&uploads, caller.actor.name()).await;
    let mut saved = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| ApiError::bad_request(format!("上传失败 (upload failed: {e})")))?
    {
        if field.name() != Some("file") {
            continue;
        }
        let file_name = safe_file_name(field.file_name().unwrap_or("upload"));
        let id = random_id();
        let dir = upload_dir(&state, &id);
        // Whatever goes wrong from here on, nothing of this upload stays on disk.
        let stored = store_upload(field, &dir, &file_name, caller.actor.name(), held).await;
        match stored {
            Ok(size) => saved = Some((id, file_name.clone(), dir.join(&file_name), size, dir)),
            Err(error) => {
                let _ = tokio::fs::remove_dir_all(&dir).await;
                return Err(error);
            }
        }
        break;
    }
    let (upload_id, file_name, path, size, dir) = saved
        .ok_or_else(|| ApiError::bad_request("没有收到文件 (no `file` field in the upload)"))?;
    let mapping = match state
        .app
        .suggest_mapping(
            &caller.actor,
            &IngestRequest {
                path,
                dataset: String::new(),
                mapping: None,
                sheets: SheetSelection::default(),
                encoding: None,
                strict: false,
                duplicates: None,
                display_root: Some(dir.clone()),
            },
        )
        .await
    {
        Ok(mapping) => mapping,
        Err(error) => {
            // A file that cannot be read is not kept for a later ingest.
            let _ = tokio::fs::remove_dir_all(&dir).await;
            return Err(error.into());
        }
    };
    Ok(Json(UploadView {
        upload_id,
        file_name,
        size,
        mapping: mapping
            .columns
            .iter()
            .map(|c| MappingColumn {
                source: c.source.clone(),
                name: c.name.clone(),
                field_type: c.field_type.code().to_owned(),
                unit: c.unit.map(|u| procura_app::unit_zh(u).to_owned()),
                skip: c.skip,
            })
            .collect(),
        field_types: procura_core::field::FieldType::ALL
            .iter()
            .map(|t| FieldTypeChoice {
                code: t.code().to_owned(),
                zh: t.zh().to_owned(),
            })
            .collect(),
    }))
}

/// Ingest an upload with a (possibly corrected) mapping.
#[derive(Debug, Deserialize, ToSchema)]
pub struct IngestStart {
    /// From POST /api/uploads.
    pub upload_id: String,
    /// Target dataset.
    pub dataset: String,
    /// The mapping.
    pub mapping: Vec<MappingColumn>,
}

/// A started job.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobStarted {
    /// Poll GET /api/jobs/{job_id}.
    pub job_id: u64,
}

fn mapping_toml(columns: &[MappingColumn]) -> ApiResult<String> {
    let mut out = String::new();
    for column in columns {
        column
            .field_type
            .parse::<procura_core::field::FieldType>()
            .map_err(|e| ApiError::bad_request(format!("列 {}: {e}", column.source)))?;
        let quote = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into());
        out.push_str("[[column]]\n");
        out.push_str(&format!("source = {}\n", quote(&column.source)));
        out.push_str(&format!("name = {}\n", quote(&column.name)));
        out.push_str(&format!("type = {}\n", quote(&column.field_type)));
        if let Some(unit) = column.unit.as_deref().filter(|u| !u.is_empty()) {
            out.push_str(&format!("unit = {}\n", quote(unit)));
        }
        if column.skip {
            out.push_str("skip = true\n");
        }
    }
    Ok(out)
}

struct IngestProgress {
    handle: JobHandle,
    total: AtomicU64,
}

impl procura_app::Progress for IngestProgress {
    fn begin(&self, total_bytes: u64) {
        self.total.store(total_bytes.max(1), Ordering::Relaxed);
        self.handle.progress(0.0, "读取文件 (reading)");
    }

    fn advance(&self, bytes: u64, rows: u64) {
        let total = self.total.load(Ordering::Relaxed).max(1);
        self.handle.progress(
            (bytes as f64 / total as f64).min(0.99),
            &format!("已处理 {rows} 行 ({rows} rows)"),
        );
    }
}

/// Start ingesting an upload; returns the job to poll.
#[utoipa::path(post, path = "/api/ingests", tag = "data", request_body = IngestStart,
    responses((status = 200, body = JobStarted), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("session" = ["ingest"])),
    extensions(("x-procura-scope" = json!("owner"))))]
pub async fn ingest(
    State(state): State<AppState>,
    caller: Caller,
    Json(request): Json<IngestStart>,
) -> ApiResult<Json<JobStarted>> {
    caller.actor.require(Capability::Ingest)?;
    if request.upload_id.is_empty() || !request.upload_id.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(ApiError::bad_request("invalid upload id"));
    }
    let dir = upload_dir(&state, &request.upload_id);
    // Another account's upload answers exactly like one that does not exist.
    let owner = std::fs::read_to_string(dir.join(OWNER_FILE)).unwrap_or_default();
    let path = std::fs::read_dir(&dir)
        .ok()
        .filter(|_| owner == caller.actor.name())
        .and_then(|entries| {
            entries
                .flatten()
                .find(|e| e.file_name() != std::ffi::OsStr::new(OWNER_FILE))
        })
        .map(|e| e.path())
        .ok_or_else(|| ApiError::not_found("上传的文件不存在或已导入 (no such upload)"))?;
    let toml = mapping_toml(&request.mapping)?;
    let app = Arc::clone(&state.app);
    let actor = caller.actor.clone();
    let dataset = request.dataset.trim().to_owned();
    let job_id = state
        .jobs
        .start("ingest", caller.actor.name(), move |handle| async move {
            let progress = Arc::new(IngestProgress {
                handle,
                total: AtomicU64::new(1),
            });
            let result = app
                .ingest(
                    &actor,
                    &IngestRequest {
                        path,
                        dataset: dataset.clone(),
                        mapping: Some(toml),
                        sheets: SheetSelection::default(),
                        encoding: None,
                        strict: false,
                        duplicates: None,
                        display_root: Some(dir.clone()),
                    },
                    progress,
                )
                .await;
            let _ = tokio::fs::remove_dir_all(&dir).await;
            match result {
                Ok(version) => Ok(serde_json::json!({
                    "dataset": version.dataset,
                    "version": version.version,
                    "rows": version.n_rows,
                    "rejected": version.n_rejected,
                })),
                Err(error) => Err(error.to_string()),
            }
        })?;
    Ok(Json(JobStarted { job_id }))
}

/// A background job's state (only its owner sees it).
#[utoipa::path(get, path = "/api/jobs/{id}", tag = "data", params(("id" = u64, Path)),
    responses((status = 200, body = JobView), (status = 404, body = ErrorBody)),
    security(("session" = [])),
    extensions(("x-procura-scope" = json!("owner"))))]
pub async fn job(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<u64>,
) -> ApiResult<Json<JobView>> {
    state
        .jobs
        .get(id, caller.actor.name())
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("任务 {id} 不存在 (no job {id})")))
}

// ---------------------------------------------------------------------------------------------
// Models and runs

/// A model parameter.
#[derive(Debug, Serialize, ToSchema)]
pub struct ParameterView {
    /// Name.
    pub name: String,
    /// `integer`, `number`, `date`, `text`, `text_list`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Default, as text.
    pub default: String,
    /// Lowest.
    pub min: Option<f64>,
    /// Highest.
    pub max: Option<f64>,
    /// Meaning.
    pub description: String,
    /// The allowed values of a text parameter with a fixed set (a dropdown), with their
    /// Chinese labels; empty when any text goes.
    pub choices: Vec<ParamChoiceView>,
}

/// One allowed value of a parameter.
#[derive(Debug, Serialize, ToSchema)]
pub struct ParamChoiceView {
    /// The value sent back.
    pub value: String,
    /// 中文.
    pub label: String,
}

/// A model input role.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoleView {
    /// Role.
    pub name: String,
    /// Meaning.
    pub description: String,
    /// Fields it needs.
    pub fields: Vec<String>,
    /// Default dataset.
    pub dataset: Option<String>,
}

/// How a model's clues fared.
#[derive(Debug, Serialize, ToSchema)]
pub struct EffectivenessView {
    /// Clues found.
    pub clues: i64,
    /// Concluded.
    pub verified: i64,
    /// Cases.
    pub cases: i64,
    /// cases / verified (none when nothing was verified yet).
    pub case_rate: Option<f64>,
}

/// A model.
#[derive(Debug, Serialize, ToSchema)]
pub struct ModelView {
    /// Id.
    pub id: String,
    /// Version.
    pub version: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Area.
    pub area: String,
    /// Supervision point.
    pub supervision_point: String,
    /// Description.
    pub description: String,
    /// Legal basis.
    pub legal_basis: Vec<crate::api::LegalBasisView>,
    /// Follow-up acts.
    pub follow_up: String,
    /// The model this one is a variant of: `BASE@VERSION (digest prefix)`.
    pub derived_from: Option<String>,
    /// Parameters.
    pub parameters: Vec<ParameterView>,
    /// Inputs.
    pub roles: Vec<RoleView>,
    /// Effectiveness.
    pub effectiveness: EffectivenessView,
}

fn parameter_view(p: &procura_app::model_format::Parameter) -> ParameterView {
    use procura_app::model_format::ParamType as T;
    let (kind, default) = match &p.value {
        T::Integer(v) => ("integer", v.to_string()),
        T::Number(v) => ("number", v.to_string()),
        T::Date(v) => ("date", v.map(|d| d.to_string()).unwrap_or_default()),
        T::Text(v) => ("text", v.clone()),
        T::TextList(v) => ("text_list", v.join(",")),
        T::Boolean(v) => ("boolean", v.to_string()),
    };
    ParameterView {
        choices: p
            .choices
            .iter()
            .map(|c| ParamChoiceView {
                value: c.value.clone(),
                label: c.label.clone(),
            })
            .collect(),
        name: p.name.clone(),
        kind: kind.into(),
        default,
        min: p.min,
        max: p.max,
        description: p.label.clone(),
    }
}

fn model_view(
    entry: &procura_app::models::ModelEntry,
    e: procura_app::workflow::Effectiveness,
) -> ModelView {
    let m = &entry.model;
    ModelView {
        id: m.meta.id.clone(),
        version: m.meta.version.clone(),
        name_zh: m.meta.name.zh.clone(),
        name_en: m.meta.name.en.clone(),
        area: m.meta.area.zh().to_owned(),
        supervision_point: m.meta.supervision_point.clone(),
        description: m.meta.description.clone(),
        legal_basis: m
            .meta
            .legal_basis
            .iter()
            .map(crate::api::LegalBasisView::from)
            .collect(),
        follow_up: m.meta.follow_up.join("、"),
        derived_from: m.meta.derived_from.clone(),
        parameters: m.parameters.iter().map(parameter_view).collect(),
        roles: m
            .inputs
            .iter()
            .map(|i| RoleView {
                name: i.role.clone(),
                description: i.label.clone(),
                fields: i.fields.iter().map(|f| f.name.clone()).collect(),
                dataset: (!i.dataset.is_empty()).then(|| i.dataset.clone()),
            })
            .collect(),
        effectiveness: EffectivenessView {
            clues: e.clues,
            verified: e.verified,
            cases: e.cases,
            case_rate: (e.verified > 0).then(|| e.cases as f64 / e.verified as f64),
        },
    }
}

/// The model library with effectiveness figures.
#[utoipa::path(get, path = "/api/models", tag = "models", responses((status = 200, body = [ModelView])),
    security(("session" = ["read_models"])))]
pub async fn models(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<ModelView>>> {
    let effectiveness = state.app.model_effectiveness(&caller.actor).await?;
    let list = state.app.models(&caller.actor)?;
    Ok(Json(
        list.iter()
            .map(|entry| {
                let e = effectiveness
                    .get(&entry.model.meta.id)
                    .cloned()
                    .unwrap_or_default();
                model_view(entry, e)
            })
            .collect(),
    ))
}

/// A variant to derive from a model (派生变体).
#[derive(Debug, Deserialize, ToSchema)]
pub struct DeriveStart {
    /// The variant's id (letters, digits, `_`, `-`; not used by any model).
    pub id: String,
    /// 中文名称.
    pub name_zh: String,
    /// English name (the id when empty).
    #[serde(default)]
    pub name_en: String,
    /// New parameter defaults by name, as a run takes them (a value equal to the base's
    /// default, or null, changes nothing).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub params: BTreeMap<String, serde_json::Value>,
}

/// The variant written into the workspace's library.
#[derive(Debug, Serialize, ToSchema)]
pub struct DerivedView {
    /// The new model.
    pub model: ModelView,
    /// What changed, one line each, Chinese first.
    pub changes: Vec<String>,
    /// The base's fixture tests left out because the new defaults make them fail.
    pub dropped_tests: Vec<String>,
}

/// Derive a variant of a model with other parameter defaults; the model administrator's
/// right, like saving a builder draft. Refused ids answer 409, bad values 400.
#[utoipa::path(post, path = "/api/models/{id}/derive", tag = "models", params(("id" = String, Path)), request_body = DeriveStart,
    responses((status = 201, body = DerivedView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("session" = ["manage_models"])))]
pub async fn derive_model(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(start): Json<DeriveStart>,
) -> ApiResult<(StatusCode, Json<DerivedView>)> {
    let request = procura_app::models::DeriveRequest {
        base: id,
        id: start.id.trim().to_owned(),
        name_zh: start.name_zh,
        name_en: start.name_en,
        defaults: start
            .params
            .iter()
            .filter_map(|(name, value)| param_text(value).map(|text| (name.clone(), text)))
            .collect(),
    };
    // The fixture tests run on DataFusion: on the jobs runtime, not the request threads.
    let app = Arc::clone(&state.app);
    let actor = caller.actor.clone();
    let derived = state
        .jobs
        .run(async move { app.derive_model(&actor, &request).await })
        .await
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e))??;
    Ok((
        StatusCode::CREATED,
        Json(DerivedView {
            model: model_view(&derived.entry, Default::default()),
            changes: derived.changes(),
            dropped_tests: derived
                .dropped_tests
                .iter()
                .map(|t| t.name.clone())
                .collect(),
        }),
    ))
}

/// A form value as a run's `--param` takes it; null (left empty) is no value.
fn param_text(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Array(items) => Some(
            items
                .iter()
                .map(|v| match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join(","),
        ),
        other => Some(other.to_string()),
    }
}

/// A run request from the form.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct RunStart {
    /// Parameter values by name.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub params: BTreeMap<String, serde_json::Value>,
    /// Dataset by role.
    #[serde(default)]
    pub bindings: BTreeMap<String, String>,
}

struct RunStages(JobHandle);

impl RunProgress for RunStages {
    fn stage(&self, _model_id: &str, stage: &str) {
        let (fraction, text) = match stage {
            "binding" => (0.1, "绑定数据集 (binding datasets)"),
            "executing" => (0.3, "执行碰撞 (executing)"),
            "recording" => (0.8, "记录线索 (recording clues)"),
            other => (0.5, other),
        };
        self.0.progress(fraction, text);
    }
}

/// Run a model in the background; returns the job to poll.
#[utoipa::path(post, path = "/api/models/{id}/runs", tag = "models", params(("id" = String, Path)), request_body = RunStart,
    responses((status = 200, body = JobStarted), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("session" = ["run_models"])),
    extensions(("x-procura-scope" = json!("area"))))]
pub async fn run_model(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Option<Json<RunStart>>,
) -> ApiResult<Json<JobStarted>> {
    // Refused here, before a job starts, so that the caller gets the 403 (and the refusal is
    // recorded); the run itself checks again.
    state.app.may_run_model(&caller.actor, &id).await?;
    let start = body.map(|Json(b)| b).unwrap_or_default();
    let request = run_request(id, start);
    let app = Arc::clone(&state.app);
    let actor = caller.actor.clone();
    let job_id = state
        .jobs
        .start("run", caller.actor.name(), move |handle| async move {
            match app.run_model(&actor, &request, &RunStages(handle)).await {
                Ok(run) => serde_json::to_value(RunView::from(run)).map_err(|e| e.to_string()),
                Err(error) => Err(error.to_string()),
            }
        })?;
    Ok(Json(JobStarted { job_id }))
}

/// What a run would say before it runs, with the same form: fields bound by type, optional
/// fields left empty, roles joined through entity linkage. Binding errors answer 400.
#[utoipa::path(post, path = "/api/models/{id}/plan", tag = "models", params(("id" = String, Path)), request_body = RunStart,
    responses((status = 200, body = RunPlan), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("session" = ["run_models"])),
    extensions(("x-procura-scope" = json!("area"))))]
pub async fn plan_run(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Option<Json<RunStart>>,
) -> ApiResult<Json<RunPlan>> {
    let start = body.map(|Json(b)| b).unwrap_or_default();
    let notices = state
        .app
        .plan_run(&caller.actor, &run_request(id, start))
        .await?;
    Ok(Json(RunPlan {
        notices: notices.into_iter().map(NoticeView::from).collect(),
    }))
}

/// What a run would say before it runs.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunPlan {
    /// Notices.
    pub notices: Vec<NoticeView>,
}

fn run_request(id: String, start: RunStart) -> RunRequest {
    RunRequest {
        model: id,
        bindings: start
            .bindings
            .iter()
            .filter(|(_, d)| !d.trim().is_empty())
            .map(|(role, dataset)| format!("{role}={dataset}"))
            .collect(),
        params: start
            .params
            .iter()
            .map(|(k, v)| {
                let text = match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (k.clone(), text)
            })
            .collect(),
    }
}

/// A run.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunView {
    /// Id.
    pub id: i64,
    /// Model.
    pub model_id: String,
    /// `running`, `succeeded`, `failed`.
    pub status: String,
    /// Clues found.
    pub n_clues: i64,
    /// New.
    pub n_new: i64,
    /// No longer found.
    pub n_gone: i64,
    /// Start.
    pub started_at: String,
    /// Duration.
    pub duration_ms: Option<i64>,
    /// Who.
    pub actor: String,
    /// Why it failed.
    pub error: Option<String>,
    /// What the run said before it ran (fields bound by type, optional fields left empty,
    /// entity linkage).
    pub notices: Vec<NoticeView>,
}

/// A notice in Chinese and English.
#[derive(Debug, Serialize, ToSchema)]
pub struct NoticeView {
    /// 中文.
    pub zh: String,
    /// English.
    pub en: String,
}

impl From<procura_app::model_format::Names> for NoticeView {
    fn from(names: procura_app::model_format::Names) -> NoticeView {
        NoticeView {
            zh: names.zh,
            en: names.en,
        }
    }
}

impl From<RunInfo> for RunView {
    fn from(run: RunInfo) -> RunView {
        RunView {
            id: run.id,
            model_id: run.model_id,
            status: run.status,
            n_clues: run.n_clues,
            n_new: run.n_new,
            n_gone: run.n_gone,
            started_at: run.started_at,
            duration_ms: run.duration_ms,
            actor: run.actor,
            error: run.error,
            notices: run.notices.into_iter().map(NoticeView::from).collect(),
        }
    }
}

/// Run list filter.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RunQuery {
    /// Model id.
    pub model: Option<String>,
}

/// The newest runs.
#[utoipa::path(get, path = "/api/runs", tag = "models", params(RunQuery), responses((status = 200, body = [RunView])),
    security(("session" = ["read_models"])))]
pub async fn runs(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<RunQuery>,
) -> ApiResult<Json<Vec<RunView>>> {
    let list = state
        .app
        .list_runs(
            &caller.actor,
            query.model.as_deref().filter(|m| !m.is_empty()),
            100,
        )
        .await?;
    Ok(Json(list.into_iter().map(RunView::from).collect()))
}

// ---------------------------------------------------------------------------------------------
// Accounts

/// An account.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    /// Id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Role codes.
    pub roles: Vec<String>,
    /// Department.
    pub department: Option<String>,
    /// Disabled.
    pub disabled: bool,
    /// Locked until.
    pub locked: Option<String>,
}

/// Accounts (system and security administrators).
#[utoipa::path(get, path = "/api/users", tag = "admin", responses((status = 200, body = [UserView]), (status = 403, body = ErrorBody)),
    security(("session" = ["manage_users"]), ("session" = ["manage_access"])))]
pub async fn users(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<UserView>>> {
    let list = state.app.list_users(&caller.actor).await?;
    Ok(Json(list.into_iter().map(UserView::from).collect()))
}

impl From<procura_app::auth::UserInfo> for UserView {
    fn from(u: procura_app::auth::UserInfo) -> UserView {
        UserView {
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            roles: u.roles.iter().map(|r| r.code().to_owned()).collect(),
            department: u.department,
            disabled: u.disabled,
            locked: u.locked_until,
        }
    }
}

/// A department.
#[derive(Debug, Serialize, ToSchema)]
pub struct DepartmentView {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Area codes it handles.
    pub areas: Vec<String>,
}

/// Departments.
#[utoipa::path(get, path = "/api/departments", tag = "admin", responses((status = 200, body = [DepartmentView])),
    security(("session" = [])))]
pub async fn departments(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<DepartmentView>>> {
    let list = state.app.departments(&caller.actor).await?;
    Ok(Json(
        list.into_iter()
            .map(|d| DepartmentView {
                id: d.id,
                name: d.name,
                areas: d.areas,
            })
            .collect(),
    ))
}

fn random_id() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // No system randomness: fall back to a digest of the clock (ids only name uploads).
        let now = format!("{:?}", std::time::SystemTime::now());
        bytes.copy_from_slice(&blake3::hash(now.as_bytes()).as_bytes()[..16]);
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
