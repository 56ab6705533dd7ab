//! The no-code model builder's API: the choices (patterns, operators, datasets and their
//! columns), a preview on the real data, and saving into the library.

// utoipa's `params(…)` expansion names the type with a path the lint calls redundant.
#![allow(unused_qualifications)]

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use procura_app::Capability;
use procura_app::builder::{self, DraftFilter, DraftInput, ModelDraft};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::data::ColumnView;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::session::Caller;

/// A pattern choice.
#[derive(Debug, Serialize, ToSchema)]
pub struct PatternChoice {
    /// Code.
    pub code: String,
    /// Label.
    pub label: String,
}

/// A dataset with its columns.
#[derive(Debug, Serialize, ToSchema)]
pub struct DatasetColumns {
    /// Name.
    pub name: String,
    /// Columns of the newest version.
    pub columns: Vec<ColumnView>,
}

/// What the builder form offers.
#[derive(Debug, Serialize, ToSchema)]
pub struct BuilderOptions {
    /// Collision patterns.
    pub patterns: Vec<PatternChoice>,
    /// Filter operators.
    pub operators: Vec<String>,
    /// Datasets and columns.
    pub datasets: Vec<DatasetColumns>,
    /// Areas (Chinese).
    pub areas: Vec<String>,
}

/// One side of the collision.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct DraftInputView {
    /// Dataset.
    pub dataset: String,
    /// Key column.
    pub key: String,
    /// Date or start column.
    #[serde(default)]
    pub date: Option<String>,
    /// End column.
    #[serde(default)]
    pub end: Option<String>,
    /// Quantity column.
    #[serde(default)]
    pub quantity: Option<String>,
    /// Filters.
    #[serde(default)]
    pub filters: Vec<FilterView>,
}

/// `column op value`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct FilterView {
    /// Column.
    pub column: String,
    /// `=`, `<>`, `>`, `>=`, `<`, `<=`, `contains`.
    pub op: String,
    /// Value.
    pub value: String,
}

/// A law and article.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct BasisInput {
    /// Law.
    pub law: String,
    /// Article.
    #[serde(default)]
    pub article: String,
}

/// The builder form.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct DraftView {
    /// Id.
    pub id: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    #[serde(default)]
    pub name_en: String,
    /// Area.
    pub area: String,
    /// Supervision point.
    #[serde(default)]
    pub supervision_point: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Legal basis.
    #[serde(default)]
    pub legal_basis: Vec<BasisInput>,
    /// Follow-up acts.
    #[serde(default)]
    pub follow_up: Vec<String>,
    /// Pattern code.
    pub pattern: String,
    /// Primary side.
    pub primary: DraftInputView,
    /// Secondary side.
    #[serde(default)]
    pub secondary: Option<DraftInputView>,
    /// Days (window / tolerance).
    #[serde(default)]
    pub days: Option<i64>,
    /// Repetition threshold.
    #[serde(default)]
    pub min_count: Option<i64>,
    /// Ratio threshold.
    #[serde(default)]
    pub min_ratio: Option<f64>,
    /// Severity.
    #[serde(default)]
    pub severity: String,
}

fn input(view: &DraftInputView) -> DraftInput {
    DraftInput {
        dataset: view.dataset.clone(),
        key: view.key.clone(),
        date: view.date.clone(),
        end: view.end.clone(),
        quantity: view.quantity.clone(),
        filters: view
            .filters
            .iter()
            .map(|f| DraftFilter {
                column: f.column.clone(),
                op: f.op.clone(),
                value: f.value.clone(),
            })
            .collect(),
    }
}

fn draft(view: &DraftView) -> ModelDraft {
    ModelDraft {
        id: view.id.trim().to_owned(),
        name_zh: view.name_zh.clone(),
        name_en: view.name_en.clone(),
        area: view.area.clone(),
        supervision_point: view.supervision_point.clone(),
        description: view.description.clone(),
        legal_basis: view
            .legal_basis
            .iter()
            .map(|b| (b.law.clone(), b.article.clone()))
            .collect(),
        follow_up: view.follow_up.clone(),
        pattern: view.pattern.clone(),
        primary: input(&view.primary),
        secondary: view.secondary.as_ref().map(input),
        days: view.days,
        min_count: view.min_count,
        min_ratio: view.min_ratio,
        severity: view.severity.clone(),
    }
}

/// Choices for the builder form.
#[utoipa::path(get, path = "/api/builder/options", tag = "builder",
    responses((status = 200, body = BuilderOptions), (status = 403, body = ErrorBody)),
    security(("session" = ["run_models"])))]
pub async fn options(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<BuilderOptions>> {
    caller.actor.require(Capability::RunModels)?;
    let mut datasets = Vec::new();
    for dataset in state.app.list_datasets(&caller.actor).await? {
        datasets.push(DatasetColumns {
            name: dataset.name.clone(),
            columns: dataset
                .latest
                .columns
                .iter()
                .map(|c| ColumnView {
                    name: c.name.clone(),
                    field_type: c.field_type.code().to_owned(),
                    field_type_zh: c.field_type.zh().to_owned(),
                    source: c.source.clone(),
                })
                .collect(),
        });
    }
    Ok(Json(BuilderOptions {
        patterns: builder::PATTERNS
            .iter()
            .map(|(code, label)| PatternChoice {
                code: (*code).into(),
                label: (*label).into(),
            })
            .collect(),
        operators: builder::OPERATORS.iter().map(|o| (*o).to_owned()).collect(),
        datasets,
        areas: crate::api::areas_zh(),
    }))
}

/// A preview hit.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewHitView {
    /// Title.
    pub title: String,
    /// Severity.
    pub severity: String,
    /// Amount (分).
    pub amount_fen: Option<i64>,
}

/// What the draft finds now.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewView {
    /// The generated manifest (TOML), for review.
    pub manifest: String,
    /// Clues it would raise.
    pub hits: usize,
    /// The first of them.
    pub sample: Vec<PreviewHitView>,
}

/// Run the draft on the real data without recording anything.
#[utoipa::path(post, path = "/api/builder/preview", tag = "builder", request_body = DraftView,
    responses((status = 200, body = PreviewView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("session" = ["run_models"])),
    extensions(("x-procura-scope" = json!("area"))))]
pub async fn preview(
    State(state): State<AppState>,
    caller: Caller,
    Json(view): Json<DraftView>,
) -> ApiResult<Json<PreviewView>> {
    let app = Arc::clone(&state.app);
    let actor = caller.actor.clone();
    let draft = draft(&view);
    let preview = state
        .jobs
        .run(async move { app.preview_draft(&actor, &draft).await })
        .await
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e))??;
    Ok(Json(PreviewView {
        manifest: preview.manifest,
        hits: preview.hits,
        sample: preview
            .sample
            .into_iter()
            .map(|h| PreviewHitView {
                title: h.title,
                severity: h.severity,
                amount_fen: h.amount_fen,
            })
            .collect(),
    }))
}

/// The saved model.
#[derive(Debug, Serialize, ToSchema)]
pub struct SavedModel {
    /// Its id in the library.
    pub id: String,
}

/// Save the draft as a model in the library (model administrators).
#[utoipa::path(post, path = "/api/builder/models", tag = "builder", request_body = DraftView,
    responses((status = 201, body = SavedModel), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("session" = ["manage_models"])))]
pub async fn save(
    State(state): State<AppState>,
    caller: Caller,
    Json(view): Json<DraftView>,
) -> ApiResult<(StatusCode, Json<SavedModel>)> {
    let id = state.app.save_draft(&caller.actor, &draft(&view)).await?;
    Ok((StatusCode::CREATED, Json(SavedModel { id })))
}
