//! The JSON API: sign-in, the home page, clues and their workflow. Every handler is a thin
//! translation between HTTP and one façade method; the façade checks roles and scope.

// utoipa's `params(…)` expansion names the type with a path the lint calls redundant.
#![allow(unused_qualifications)]

use std::collections::{BTreeMap, BTreeSet};

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use procura_app::clues::{ClueDetail, ClueInfo, severity_zh};
use procura_app::model_format::Area;
use procura_app::workflow::{self, ClueSearch, Conclusion};
use procura_app::{Actor, Capability};
use procura_core::clue::ClueStatus;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::session::{self, Caller};

// ---------------------------------------------------------------------------------------------
// Sign-in

/// User name and password.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    /// Login name.
    pub username: String,
    /// Password.
    pub password: String,
}

/// A department reference.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DepartmentRef {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
}

/// The signed-in user.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    /// Id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Role codes.
    pub roles: Vec<String>,
    /// Own department.
    pub department: Option<DepartmentRef>,
    /// The office (procuratorate).
    pub office: String,
    /// The UI must ask for a new password first.
    pub must_change_password: bool,
}

/// The session: who, and the CSRF token to send on every change.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionView {
    /// Who.
    pub user: Me,
    /// Send back in `X-CSRF-Token` on POST/PUT/DELETE.
    pub csrf_token: String,
}

/// Old and new password.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordChange {
    /// Current password.
    pub old_password: String,
    /// New password (at least 10 characters).
    pub new_password: String,
}

fn me(state: &AppState, user: &procura_app::auth::UserInfo) -> Me {
    Me {
        id: user.id,
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        roles: user.roles.iter().map(|r| r.code().to_owned()).collect(),
        department: user
            .department_id
            .zip(user.department.clone())
            .map(|(id, name)| DepartmentRef { id, name }),
        office: state.office.clone(),
        must_change_password: user.must_change_password,
    }
}

/// Sign in; sets the session cookie.
#[utoipa::path(post, path = "/api/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = SessionView), (status = 401, body = ErrorBody)),
    security(()))]
pub async fn login(
    State(state): State<AppState>,
    crate::session::ClientAddr(client): crate::session::ClientAddr,
    Json(request): Json<LoginRequest>,
) -> ApiResult<Response> {
    let login = state
        .app
        .login(request.username.trim(), &request.password, &client)
        .await?;
    let body = SessionView {
        user: me(&state, &login.user),
        csrf_token: login.csrf_token,
    };
    let mut response = Json(body).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        session::set_cookie(&login.token, state.secure_cookies),
    );
    Ok(response)
}

/// Sign out.
#[utoipa::path(post, path = "/api/logout", tag = "auth", responses((status = 204)),
    security(("session" = [])))]
pub async fn logout(State(state): State<AppState>, caller: Caller) -> ApiResult<Response> {
    state.app.logout(&caller.actor, &caller.token).await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        session::clear_cookie(state.secure_cookies),
    );
    Ok(response)
}

/// The current session.
#[utoipa::path(get, path = "/api/me", tag = "auth",
    responses((status = 200, body = SessionView), (status = 401, body = ErrorBody)),
    security(("session" = [])))]
pub async fn current(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<SessionView>> {
    let user = state.app.me(&caller.actor).await?;
    Ok(Json(SessionView {
        user: me(&state, &user),
        csrf_token: caller.csrf_token,
    }))
}

/// Change one's own password. Other sessions end.
#[utoipa::path(post, path = "/api/me/password", tag = "auth", request_body = PasswordChange,
    responses((status = 204), (status = 400, body = ErrorBody)),
    security(("session" = [])))]
pub async fn change_password(
    State(state): State<AppState>,
    caller: Caller,
    Json(change): Json<PasswordChange>,
) -> ApiResult<Response> {
    state
        .app
        .change_password(&caller.actor, &change.old_password, &change.new_password)
        .await?;
    // The password change ended every session; start a fresh one for this browser.
    let login = state
        .app
        .login(
            caller.actor.name(),
            &change.new_password,
            caller.actor.client(),
        )
        .await?;
    let mut response = Json(SessionView {
        user: me(&state, &login.user),
        csrf_token: login.csrf_token,
    })
    .into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        session::set_cookie(&login.token, state.secure_cookies),
    );
    Ok(response)
}

// ---------------------------------------------------------------------------------------------
// Clues

/// A clue in lists.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClueSummary {
    /// Id.
    pub id: i64,
    /// Model id.
    pub model_id: String,
    /// Model name (Chinese).
    pub model_name: String,
    /// Supervision area (Chinese).
    pub area: Option<String>,
    /// Title.
    pub title: String,
    /// `high`, `medium`, `low`.
    pub severity: String,
    /// 高 中 低.
    pub severity_zh: String,
    /// Amount involved in 分.
    pub amount_fen: Option<i64>,
    /// Status code.
    pub status: String,
    /// Status label.
    pub status_zh: String,
    /// Assignee user name.
    pub assignee: Option<String>,
    /// Assignee display name.
    pub assignee_name: Option<String>,
    /// Department handling it.
    pub department: Option<String>,
    /// Current stage deadline.
    pub due_at: Option<String>,
    /// Past the deadline.
    pub overdue: bool,
    /// First found.
    pub first_seen_at: String,
    /// Last found.
    pub last_seen_at: String,
    /// No longer found by the latest run.
    pub gone: bool,
    /// `exact`, `strong`, `probable`, or none (exact joins only).
    pub match_strength: Option<String>,
}

/// A page.
#[derive(Debug, Serialize, ToSchema)]
pub struct CluePageView {
    /// Matching clues, counted up to 10,000.
    pub total: i64,
    /// False when more than 10,000 match (show "10000+").
    pub total_exact: bool,
    /// Page number (1-based).
    pub page: i64,
    /// Rows per page.
    pub page_size: i64,
    /// The clues.
    pub items: Vec<ClueSummary>,
}

/// Clue list filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ClueListQuery {
    /// Model id.
    pub model: Option<String>,
    /// Area (code or Chinese).
    pub area: Option<String>,
    /// Status (code or Chinese).
    pub status: Option<String>,
    /// Severity.
    pub severity: Option<String>,
    /// Assignee user name.
    pub assignee: Option<String>,
    /// First seen from (YYYY-MM-DD).
    pub from: Option<String>,
    /// First seen to (YYYY-MM-DD, inclusive).
    pub to: Option<String>,
    /// Amount at least (分).
    pub min_amount_fen: Option<i64>,
    /// Amount at most (分).
    pub max_amount_fen: Option<i64>,
    /// Text.
    pub q: Option<String>,
    /// `1`: only mine.
    pub mine: Option<String>,
    /// `1`: only overdue.
    pub overdue: Option<String>,
    /// Sort.
    pub sort: Option<String>,
    /// Page.
    pub page: Option<i64>,
    /// Page size.
    pub page_size: Option<i64>,
}

fn flag(value: &Option<String>) -> bool {
    matches!(value.as_deref(), Some("1" | "true" | "yes"))
}

fn date(value: &Option<String>, what: &str) -> ApiResult<Option<NaiveDate>> {
    match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| {
                ApiError::bad_request(format!(
                    "{what} 应为 YYYY-MM-DD ({what} must be YYYY-MM-DD, got `{text}`)"
                ))
            }),
    }
}

/// Names the list shows beside codes: models, departments, users.
pub(crate) struct Names {
    models: BTreeMap<String, String>,
    departments: BTreeMap<i64, String>,
    users: BTreeMap<String, String>,
}

impl Names {
    async fn load(state: &AppState, actor: &Actor) -> ApiResult<Names> {
        let models = state
            .app
            .models(actor)?
            .into_iter()
            .map(|e| (e.model.meta.id.clone(), e.model.meta.name.zh.clone()))
            .collect();
        let departments = state
            .app
            .departments(actor)
            .await?
            .into_iter()
            .map(|d| (d.id, d.name))
            .collect();
        let users = state.app.user_names().await?.into_iter().collect();
        Ok(Names {
            models,
            departments,
            users,
        })
    }
}

fn area_zh(code: &str) -> String {
    Area::ALL
        .into_iter()
        .find(|a| a.code() == code)
        .map_or_else(|| code.to_owned(), |a| a.zh().to_owned())
}

/// The areas' Chinese names, for choices.
pub(crate) fn areas_zh() -> Vec<String> {
    Area::ALL.iter().map(|a| a.zh().to_owned()).collect()
}

impl From<&procura_app::model_format::LegalBasis> for LegalBasisView {
    fn from(basis: &procura_app::model_format::LegalBasis) -> LegalBasisView {
        LegalBasisView {
            law: basis.law.clone(),
            article: basis.article.clone(),
        }
    }
}

fn summary(clue: &ClueInfo, names: &Names, now: chrono::DateTime<chrono::Utc>) -> ClueSummary {
    ClueSummary {
        id: clue.id,
        model_id: clue.model_id.clone(),
        model_name: names
            .models
            .get(&clue.model_id)
            .cloned()
            .unwrap_or_else(|| clue.model_id.clone()),
        area: clue.area.as_deref().map(area_zh),
        title: clue.title.clone(),
        severity: clue.severity.clone(),
        severity_zh: severity_zh(&clue.severity).to_owned(),
        amount_fen: clue.amount_fen,
        status: clue.status.code().to_owned(),
        status_zh: clue.status.zh().to_owned(),
        assignee: clue.assignee.clone(),
        assignee_name: clue
            .assignee
            .as_ref()
            .map(|a| names.users.get(a).cloned().unwrap_or_else(|| a.clone())),
        department: clue
            .department_id
            .and_then(|d| names.departments.get(&d).cloned()),
        due_at: clue.due_at.clone(),
        overdue: workflow::is_overdue(clue, now),
        first_seen_at: clue.first_seen_at.clone(),
        last_seen_at: clue.last_seen_at.clone(),
        gone: clue.gone,
        match_strength: clue.match_strength.clone(),
    }
}

/// Clues in the caller's scope, filtered, sorted and paginated on the server.
#[utoipa::path(get, path = "/api/clues", tag = "clues", params(ClueListQuery),
    responses((status = 200, body = CluePageView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("session" = ["read_clues"])),
    extensions(("x-procura-scope" = json!("clue"))))]
pub async fn list_clues(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<ClueListQuery>,
) -> ApiResult<Json<CluePageView>> {
    let search = ClueSearch {
        model: query.model.clone(),
        area: query.area.clone(),
        status: query.status.clone().filter(|s| !s.is_empty()),
        severity: query.severity.clone(),
        assignee: query.assignee.clone(),
        from: date(&query.from, "from")?,
        to: date(&query.to, "to")?,
        min_amount_fen: query.min_amount_fen,
        max_amount_fen: query.max_amount_fen,
        text: query.q.clone(),
        mine: flag(&query.mine),
        overdue: flag(&query.overdue),
        with_deadline: false,
        sort: query.sort.clone(),
        page: query.page.unwrap_or(1),
        page_size: query.page_size.unwrap_or(20),
    };
    let page = state.app.clue_page(&caller.actor, &search).await?;
    let names = Names::load(&state, &caller.actor).await?;
    let now = state.app.now();
    Ok(Json(CluePageView {
        total: page.total,
        total_exact: page.total_exact,
        page: page.page,
        page_size: page.page_size,
        items: page.items.iter().map(|c| summary(c, &names, now)).collect(),
    }))
}

/// A code with its labels.
#[derive(Debug, Serialize, ToSchema)]
pub struct Choice {
    /// Code.
    pub code: String,
    /// Chinese.
    pub zh: String,
    /// English.
    pub en: String,
}

/// A model reference.
#[derive(Debug, Serialize, ToSchema)]
pub struct ModelRef {
    /// Id.
    pub id: String,
    /// Chinese name.
    pub name: String,
}

/// A person one can assign to.
#[derive(Debug, Serialize, ToSchema)]
pub struct Assignee {
    /// Login name.
    pub username: String,
    /// Display name.
    pub display_name: String,
}

/// The choices the clue pages offer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClueOptions {
    /// Statuses.
    pub statuses: Vec<Choice>,
    /// Areas (Chinese names).
    pub areas: Vec<String>,
    /// Models.
    pub models: Vec<ModelRef>,
    /// Severities.
    pub severities: Vec<Choice>,
    /// Acts a case can conclude with.
    pub acts: Vec<String>,
    /// Reasons for no case.
    pub no_case_reasons: Vec<String>,
    /// People the caller may assign to (department heads only).
    pub assignees: Vec<Assignee>,
}

fn status_en(status: ClueStatus) -> &'static str {
    match status {
        ClueStatus::New => "New",
        ClueStatus::Assigned => "Assigned",
        ClueStatus::Verifying => "Verifying",
        ClueStatus::Substantiated => "Substantiated",
        ClueStatus::NotSubstantiated => "Not substantiated",
        ClueStatus::Invalid => "Invalid",
        ClueStatus::Transferred => "Transferred",
        ClueStatus::CaseOpened => "Case opened",
        ClueStatus::AwaitingReply => "Awaiting reply",
        ClueStatus::Closed => "Closed",
    }
}

/// Filter and form choices.
#[utoipa::path(get, path = "/api/clue-options", tag = "clues",
    responses((status = 200, body = ClueOptions)),
    security(("session" = ["read_clues"])))]
pub async fn clue_options(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<ClueOptions>> {
    caller.actor.require(Capability::ReadClues)?;
    let models = state
        .app
        .models(&caller.actor)?
        .into_iter()
        .map(|e| ModelRef {
            id: e.model.meta.id.clone(),
            name: e.model.meta.name.zh.clone(),
        })
        .collect();
    let assignees = state
        .app
        .assignable_users(&caller.actor)
        .await?
        .into_iter()
        .map(|u| Assignee {
            username: u.username,
            display_name: u.display_name,
        })
        .collect();
    Ok(Json(ClueOptions {
        statuses: ClueStatus::ALL
            .into_iter()
            .map(|s| Choice {
                code: s.code().into(),
                zh: s.zh().into(),
                en: status_en(s).into(),
            })
            .collect(),
        areas: areas_zh(),
        models,
        severities: [
            ("high", "高", "High"),
            ("medium", "中", "Medium"),
            ("low", "低", "Low"),
        ]
        .into_iter()
        .map(|(code, zh, en)| Choice {
            code: code.into(),
            zh: zh.into(),
            en: en.into(),
        })
        .collect(),
        acts: workflow::ACTS.iter().map(|s| (*s).to_owned()).collect(),
        no_case_reasons: workflow::NO_CASE_REASONS
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
        assignees,
    }))
}

/// A law and article.
#[derive(Debug, Serialize, ToSchema)]
pub struct LegalBasisView {
    /// Law.
    pub law: String,
    /// Article.
    pub article: String,
}

/// The model behind a clue.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClueModel {
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
    pub legal_basis: Vec<LegalBasisView>,
    /// Follow-up acts.
    pub follow_up: String,
}

/// A person or organisation concerned.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubjectView {
    /// `person` or `org`.
    pub kind: String,
    /// Canonical identifier.
    pub identifier: String,
    /// Name.
    pub name: Option<String>,
}

/// The rows from one source.
#[derive(Debug, Serialize, ToSchema)]
pub struct EvidenceView {
    /// Model role.
    pub role: String,
    /// Dataset.
    pub dataset: String,
    /// Version number.
    pub version: i64,
    /// Columns.
    pub columns: Vec<String>,
    /// What people call each column (the agency's header; Chinese names for Procura's own).
    pub labels: Vec<String>,
    /// Rows.
    pub rows: Vec<Vec<String>>,
    /// Columns whose values match the clue's key or subjects.
    pub highlight: Vec<String>,
}

/// One history entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventView {
    /// When.
    pub at: String,
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// Status before.
    pub from_status: Option<String>,
    /// Status after.
    pub to_status: Option<String>,
    /// Note.
    pub note: Option<String>,
}

/// A comment.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommentView {
    /// Id.
    pub id: i64,
    /// When.
    pub at: String,
    /// User name.
    pub author: String,
    /// Display name.
    pub author_name: String,
    /// Text.
    pub text: String,
}

/// How the verification ended.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutcomeView {
    /// `case` or `no_case`.
    pub category: String,
    /// Act taken.
    pub act: Option<String>,
    /// Reason.
    pub reason: Option<String>,
    /// Note.
    pub note: Option<String>,
}

/// Everything about one clue.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClueDetailView {
    /// The clue.
    pub clue: ClueSummary,
    /// Its model and legal basis.
    pub model: Option<ClueModel>,
    /// Named values.
    #[schema(value_type = Object)]
    pub fields: serde_json::Map<String, serde_json::Value>,
    /// Persons and organisations.
    pub subjects: Vec<SubjectView>,
    /// Evidence per source.
    pub evidence: Vec<EvidenceView>,
    /// History.
    pub events: Vec<EventView>,
    /// Verification notes.
    pub comments: Vec<CommentView>,
    /// Outcome.
    pub outcome: Option<OutcomeView>,
    /// Stage deadline.
    pub stage_due_at: Option<String>,
    /// Past it.
    pub overdue: bool,
    /// Steps the caller may take now.
    pub allowed_actions: Vec<String>,
    /// Documents attached during verification.
    pub attachments: Vec<AttachmentView>,
    /// 线索说明: the model's rule stated against this clue's evidence, in Chinese.
    pub explanation: Vec<String>,
    /// What people call the named values (the agency's header of the column a value shows).
    pub field_labels: BTreeMap<String, String>,
}

/// A document attached to a clue.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentView {
    /// Id.
    pub id: i64,
    /// File name.
    pub file_name: String,
    /// MIME type.
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// Uploaded by (display name).
    pub author_name: String,
    /// When.
    pub at: String,
    /// Download URL.
    pub url: String,
}

async fn detail_view(state: &AppState, actor: &Actor, id: i64) -> ApiResult<ClueDetailView> {
    detail_view_with(state, actor, id, false).await
}

async fn detail_view_with(
    state: &AppState,
    actor: &Actor,
    id: i64,
    unmask: bool,
) -> ApiResult<ClueDetailView> {
    let detail: ClueDetail = state.app.show_clue_with(actor, id, unmask).await?;
    let names = Names::load(state, actor).await?;
    let model = state.app.model(actor, &detail.clue.model_id).ok().map(|e| {
        let meta = &e.model.meta;
        ClueModel {
            id: meta.id.clone(),
            version: meta.version.clone(),
            name_zh: meta.name.zh.clone(),
            name_en: meta.name.en.clone(),
            area: meta.area.zh().to_owned(),
            supervision_point: meta.supervision_point.clone(),
            description: meta.description.clone(),
            legal_basis: meta.legal_basis.iter().map(LegalBasisView::from).collect(),
            follow_up: meta.follow_up.join("、"),
        }
    });
    let mut matching: BTreeSet<String> = detail.clue.key.iter().cloned().collect();
    for subject in &detail.subjects {
        matching.insert(subject.identifier.clone());
        if let Some(name) = &subject.name {
            matching.insert(name.clone());
        }
    }
    matching.retain(|v| !v.trim().is_empty());
    let evidence = detail
        .evidence
        .iter()
        .map(|e| evidence_view(e, &matching))
        .collect();
    let now = state.app.now();
    let clue = &detail.clue;
    Ok(ClueDetailView {
        clue: summary(clue, &names, now),
        model,
        fields: clue.fields.clone(),
        explanation: detail.explanation.clone(),
        field_labels: detail.field_labels.clone(),
        subjects: detail
            .subjects
            .iter()
            .map(|s| SubjectView {
                kind: s.kind.clone(),
                identifier: s.identifier.clone(),
                name: s.name.clone(),
            })
            .collect(),
        evidence,
        events: detail
            .events
            .iter()
            .map(|e| EventView {
                at: e.at.clone(),
                actor: names
                    .users
                    .get(&e.actor)
                    .cloned()
                    .unwrap_or_else(|| e.actor.clone()),
                action: e.action.clone(),
                from_status: e.from_status.clone(),
                to_status: e.to_status.clone(),
                note: e.note.clone(),
            })
            .collect(),
        comments: detail
            .comments
            .iter()
            .cloned()
            .map(|c| CommentView {
                id: c.id,
                at: c.at,
                author_name: names
                    .users
                    .get(&c.author)
                    .cloned()
                    .unwrap_or_else(|| c.author.clone()),
                author: c.author,
                text: c.text,
            })
            .collect(),
        outcome: clue.outcome.as_ref().map(|category| OutcomeView {
            category: category.clone(),
            act: clue.outcome_act.clone(),
            reason: clue.outcome_reason.clone(),
            note: clue.outcome_note.clone(),
        }),
        stage_due_at: clue.due_at.clone(),
        overdue: workflow::is_overdue(clue, now),
        allowed_actions: detail.steps.iter().map(|s| s.code().to_owned()).collect(),
        attachments: detail
            .attachments
            .iter()
            .cloned()
            .map(|a| AttachmentView {
                url: format!("/api/clues/{id}/attachments/{}", a.id),
                id: a.id,
                author_name: names
                    .users
                    .get(&a.author)
                    .cloned()
                    .unwrap_or_else(|| a.author.clone()),
                file_name: a.file_name,
                content_type: a.content_type,
                size: a.size,
                at: a.at,
            })
            .collect(),
    })
}

/// Attach a document (multipart field `file`, at most 20 MiB) to a clue under verification.
#[utoipa::path(post, path = "/api/clues/{id}/attachments", tag = "workflow", params(("id" = i64, Path)),
    request_body(content_type = "multipart/form-data", description = "field `file`"),
    responses((status = 200, body = ClueDetailView), (status = 403, body = ErrorBody), (status = 413, body = ErrorBody)),
    security(("session" = ["work_clues"])),
    extensions(("x-procura-scope" = json!("clue"))))]
pub async fn attach(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    mut multipart: axum::extract::Multipart,
) -> ApiResult<Json<ClueDetailView>> {
    let too_large = |e: axum::extract::multipart::MultipartError| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!(
                "附件过大或上传中断，附件不能超过 20 MiB (attachment too large or upload interrupted: {e})"
            ),
        )
    };
    while let Some(field) = multipart.next_field().await.map_err(too_large)? {
        if field.name() != Some("file") {
            continue;
        }
        let file_name = field.file_name().unwrap_or("附件").to_owned();
        let content_type = field.content_type().unwrap_or("").to_owned();
        let bytes = field.bytes().await.map_err(too_large)?;
        state
            .app
            .attach_to_clue(&caller.actor, id, &file_name, &content_type, &bytes)
            .await?;
        return Ok(Json(detail_view(&state, &caller.actor, id).await?));
    }
    Err(ApiError::bad_request(
        "没有收到文件 (no `file` field in the upload)",
    ))
}

/// Download an attachment.
#[utoipa::path(get, path = "/api/clues/{id}/attachments/{attachment}", tag = "workflow",
    params(("id" = i64, Path), ("attachment" = i64, Path)),
    responses((status = 200, description = "the file"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("session" = ["read_clues"])),
    extensions(("x-procura-scope" = json!("clue"))))]
pub async fn attachment(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, attachment)): Path<(i64, i64)>,
) -> ApiResult<Response> {
    let file = state
        .app
        .clue_attachment(&caller.actor, id, attachment)
        .await?;
    let encoded: String = file
        .record
        .file_name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let mut response = file.bytes.into_response();
    let headers = response.headers_mut();
    // Served as a download, never rendered in the page's origin.
    headers.insert(
        header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/octet-stream"),
    );
    if let Ok(value) =
        axum::http::HeaderValue::from_str(&format!("attachment; filename*=UTF-8''{encoded}"))
    {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        axum::http::HeaderValue::from_static("nosniff"),
    );
    Ok(response)
}

/// The evidence rows as a procurator reads them: the business columns first, labelled with the
/// agency's own headers, then where each row came from (file name and row, the stable row
/// id), without the ingest's bookkeeping columns
/// ([`procura_core::field::DERIVED_SUFFIXES`]; the command line shows those) and without server
/// paths.
fn evidence_view(
    rows: &procura_app::clues::EvidenceRows,
    matching: &BTreeSet<String>,
) -> EvidenceView {
    let provenance = ["_source", "_source_row", "_row_id"];
    let business = rows
        .columns
        .iter()
        .enumerate()
        .filter(|(_, c)| !procura_core::field::is_derived_column(c) && !c.starts_with('_'))
        .map(|(i, _)| i);
    let origin = provenance
        .iter()
        .filter_map(|p| rows.columns.iter().position(|c| c == p));
    let keep: Vec<usize> = business.chain(origin).collect();
    let source_column = rows.columns.iter().position(|c| c == "_source");
    let cells: Vec<Vec<String>> = rows
        .rows
        .iter()
        .map(|row| {
            keep.iter()
                .map(|&i| {
                    let value = row.get(i).cloned().unwrap_or_default();
                    if Some(i) == source_column {
                        value
                            .rsplit(['/', '\\'])
                            .next()
                            .unwrap_or_default()
                            .to_owned()
                    } else {
                        value
                    }
                })
                .collect()
        })
        .collect();
    let columns: Vec<String> = keep.iter().map(|&i| rows.columns[i].clone()).collect();
    let labels: Vec<String> = keep
        .iter()
        .map(|&i| {
            rows.labels
                .get(i)
                .cloned()
                .unwrap_or_else(|| rows.columns[i].clone())
        })
        .collect();
    let highlight = columns
        .iter()
        .enumerate()
        .filter(|(i, c)| {
            !c.starts_with('_')
                && cells
                    .iter()
                    .any(|r| r.get(*i).is_some_and(|v| matching.contains(v)))
        })
        .map(|(_, c)| c.clone())
        .collect();
    EvidenceView {
        role: rows.role.clone(),
        dataset: rows.dataset.clone(),
        version: rows.version,
        columns,
        labels,
        rows: cells,
        highlight,
    }
}

/// Whether to show identifiers in full.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnmaskQuery {
    /// Show ID and phone numbers in full; needs the purpose in `X-Procura-Purpose`
    /// (percent-encoded UTF-8), and is recorded with it.
    #[serde(default)]
    pub unmask: bool,
}

/// One clue with its evidence, legal basis, history and comments; ID and phone numbers masked
/// unless `unmask=true` with a stated purpose.
#[utoipa::path(get, path = "/api/clues/{id}", tag = "clues", params(("id" = i64, Path, description = "clue id"), UnmaskQuery),
    responses((status = 200, body = ClueDetailView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("session" = ["read_clues"])),
    extensions(("x-procura-scope" = json!("clue"))))]
pub async fn show_clue(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(query): Query<UnmaskQuery>,
) -> ApiResult<Json<ClueDetailView>> {
    Ok(Json(
        detail_view_with(&state, &caller.actor, id, query.unmask).await?,
    ))
}

/// 分派.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AssignRequest {
    /// User name of the procurator.
    pub assignee: String,
    /// Note.
    #[serde(default)]
    pub note: String,
}

/// A note.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct NoteRequest {
    /// Note.
    #[serde(default)]
    pub note: String,
}

/// A comment.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CommentRequest {
    /// Text.
    pub text: String,
}

/// A reason.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ReasonRequest {
    /// Why.
    pub reason: String,
}

/// 办结.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ConcludeRequest {
    /// `case` (成案) or `no_case` (不成案).
    pub category: String,
    /// For `case`: the act.
    pub act: Option<String>,
    /// For `no_case`: the reason.
    pub reason: Option<String>,
    /// Note.
    #[serde(default)]
    pub note: String,
}

/// Assign a new clue (department head).
#[utoipa::path(post, path = "/api/clues/{id}/assign", tag = "workflow", params(("id" = i64, Path)), request_body = AssignRequest,
    responses((status = 200, body = ClueDetailView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("session" = ["manage_clues"])),
    extensions(("x-procura-scope" = json!("clue"))))]
pub async fn assign(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(request): Json<AssignRequest>,
) -> ApiResult<Json<ClueDetailView>> {
    state
        .app
        .assign_clue(&caller.actor, id, &request.assignee, &request.note)
        .await?;
    Ok(Json(detail_view(&state, &caller.actor, id).await?))
}

/// Accept an assigned clue (the assignee).
#[utoipa::path(post, path = "/api/clues/{id}/accept", tag = "workflow", params(("id" = i64, Path)), request_body = NoteRequest,
    responses((status = 200, body = ClueDetailView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("session" = ["work_clues"])),
    extensions(("x-procura-scope" = json!("clue"))))]
pub async fn accept(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    body: Option<Json<NoteRequest>>,
) -> ApiResult<Json<ClueDetailView>> {
    let note = body.map(|Json(b)| b.note).unwrap_or_default();
    state.app.accept_clue(&caller.actor, id, &note).await?;
    Ok(Json(detail_view(&state, &caller.actor, id).await?))
}

/// Add a verification note.
#[utoipa::path(post, path = "/api/clues/{id}/comments", tag = "workflow", params(("id" = i64, Path)), request_body = CommentRequest,
    responses((status = 200, body = ClueDetailView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("session" = ["work_clues"])),
    extensions(("x-procura-scope" = json!("clue"))))]
pub async fn comment(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(request): Json<CommentRequest>,
) -> ApiResult<Json<ClueDetailView>> {
    state
        .app
        .comment_clue(&caller.actor, id, &request.text)
        .await?;
    Ok(Json(detail_view(&state, &caller.actor, id).await?))
}

/// Conclude the verification (the assignee).
#[utoipa::path(post, path = "/api/clues/{id}/conclude", tag = "workflow", params(("id" = i64, Path)), request_body = ConcludeRequest,
    responses((status = 200, body = ClueDetailView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("session" = ["work_clues"])),
    extensions(("x-procura-scope" = json!("clue"))))]
pub async fn conclude(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(request): Json<ConcludeRequest>,
) -> ApiResult<Json<ClueDetailView>> {
    let conclusion = match request.category.as_str() {
        "case" => Conclusion::Case {
            act: request
                .act
                .ok_or_else(|| ApiError::bad_request("成案须选择监督方式 (a case needs an act)"))?,
            note: request.note,
        },
        "no_case" => Conclusion::NoCase {
            reason: request.reason.ok_or_else(|| {
                ApiError::bad_request("不成案须选择理由 (no case needs a reason)")
            })?,
            note: request.note,
        },
        other => {
            return Err(ApiError::bad_request(format!(
                "未知的办结类别 `{other}` (category must be case or no_case)"
            )));
        }
    };
    state
        .app
        .conclude_clue(&caller.actor, id, &conclusion)
        .await?;
    Ok(Json(detail_view(&state, &caller.actor, id).await?))
}

/// Reopen a concluded clue (department head).
#[utoipa::path(post, path = "/api/clues/{id}/reopen", tag = "workflow", params(("id" = i64, Path)), request_body = ReasonRequest,
    responses((status = 200, body = ClueDetailView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("session" = ["manage_clues"])),
    extensions(("x-procura-scope" = json!("clue"))))]
pub async fn reopen(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(request): Json<ReasonRequest>,
) -> ApiResult<Json<ClueDetailView>> {
    state
        .app
        .reopen_clue(&caller.actor, id, &request.reason)
        .await?;
    Ok(Json(detail_view(&state, &caller.actor, id).await?))
}

/// Reject a clue at triage (department head).
#[utoipa::path(post, path = "/api/clues/{id}/invalidate", tag = "workflow", params(("id" = i64, Path)), request_body = ReasonRequest,
    responses((status = 200, body = ClueDetailView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("session" = ["manage_clues"])),
    extensions(("x-procura-scope" = json!("clue"))))]
pub async fn invalidate(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(request): Json<ReasonRequest>,
) -> ApiResult<Json<ClueDetailView>> {
    state
        .app
        .invalidate_clue(&caller.actor, id, &request.reason)
        .await?;
    Ok(Json(detail_view(&state, &caller.actor, id).await?))
}

// ---------------------------------------------------------------------------------------------
// Home

/// A status count.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusCount {
    /// Code.
    pub status: String,
    /// Label.
    pub status_zh: String,
    /// Clues.
    pub count: i64,
}

/// The home page.
#[derive(Debug, Serialize, ToSchema)]
pub struct HomeView {
    /// Clues in scope per status.
    pub by_status: Vec<StatusCount>,
    /// My clues with the nearest deadlines.
    pub due_soon: Vec<ClueSummary>,
    /// Clues in scope past their deadline.
    pub overdue: i64,
    /// Recent model runs.
    pub recent_runs: Vec<crate::data::RunView>,
}

/// The home page figures.
#[utoipa::path(get, path = "/api/home", tag = "clues", responses((status = 200, body = HomeView)),
    security(("session" = ["read_clues"])))]
pub async fn home(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<HomeView>> {
    let home = state.app.home(&caller.actor).await?;
    let names = Names::load(&state, &caller.actor).await?;
    let now = state.app.now();
    let recent_runs = state
        .app
        .list_runs(&caller.actor, None, 10)
        .await?
        .into_iter()
        .map(crate::data::RunView::from)
        .collect();
    Ok(Json(HomeView {
        by_status: home
            .by_status
            .into_iter()
            .map(|(s, count)| StatusCount {
                status: s.code().into(),
                status_zh: s.zh().into(),
                count,
            })
            .collect(),
        due_soon: home
            .due_soon
            .iter()
            .map(|c| summary(c, &names, now))
            .collect(),
        overdue: home.overdue,
        recent_runs,
    }))
}
