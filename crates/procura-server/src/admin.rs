//! The separated administrators' pages (三员分立): the 安全审计员 reads and verifies the audit
//! trail; the 系统管理员 manages accounts; the 安全保密管理员 grants and revokes
//! cross-department access. Each route is one façade call, which checks the role.

// utoipa's `params(…)` expansion names the type with a path the lint calls redundant.
#![allow(unused_qualifications)]

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use procura_app::Role;
use procura_app::audit::{AuditEntry, AuditFilter};
use procura_app::auth::NewUserRequest;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::data::UserView;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::session::Caller;

/// The auditor's search (every field narrows).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Exact account (`li.jiancha`, `anonymous`, `local:ops`).
    pub account: Option<String>,
    /// Action code, or a prefix ending in `.` (`clue.`).
    pub action: Option<String>,
    /// Text within the object (`clue:12`, `dataset:penalties`, `user:li.jiancha`).
    pub object: Option<String>,
    /// `ok`, `denied` or `failed`.
    pub outcome: Option<String>,
    /// From (RFC 3339 or a date).
    pub from: Option<String>,
    /// Until, exclusive (RFC 3339 or a date).
    pub until: Option<String>,
    /// Only records before this sequence number (the next page).
    pub before: Option<i64>,
    /// At most this many (1–1000, default 100).
    pub limit: Option<i64>,
}

/// One audit record.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditView {
    /// Sequence number.
    pub seq: i64,
    /// When (UTC).
    pub at: String,
    /// Account.
    pub account: String,
    /// Roles at the time.
    pub roles: String,
    /// Client address.
    pub client: String,
    /// Action code.
    pub action: String,
    /// The action in Chinese.
    pub action_zh: String,
    /// Object.
    pub object: String,
    /// `ok`, `denied`, `failed: …`.
    pub outcome: String,
    /// The stated purpose.
    pub purpose: String,
    /// Detail (JSON text).
    pub detail: String,
}

impl From<AuditEntry> for AuditView {
    fn from(e: AuditEntry) -> AuditView {
        AuditView {
            seq: e.seq,
            at: e.at,
            account: e.account,
            roles: e.roles,
            client: e.client,
            action: e.action,
            action_zh: e.action_zh,
            object: e.object,
            outcome: e.outcome,
            purpose: e.purpose,
            detail: e.detail,
        }
    }
}

fn bounded(text: Option<String>, what: &str) -> ApiResult<Option<String>> {
    match text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()) {
        Some(t) if t.chars().count() > 200 => Err(ApiError::bad_request(format!(
            "{what} 过长 ({what} is too long)"
        ))),
        other => Ok(other),
    }
}

/// The audit trail, newest first (安全审计员 only; the search is itself recorded).
#[utoipa::path(get, path = "/api/audit", tag = "admin", params(AuditQuery),
    responses((status = 200, body = [AuditView]), (status = 403, body = ErrorBody)),
    security(("session" = ["read_audit"])))]
pub async fn audit(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<AuditQuery>,
) -> ApiResult<Json<Vec<AuditView>>> {
    let limit = query.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::bad_request(
            "limit 应在 1 到 1000 之间 (limit must be 1–1000)",
        ));
    }
    let filter = AuditFilter {
        account: bounded(query.account, "account")?,
        action: bounded(query.action, "action")?,
        object: bounded(query.object, "object")?,
        outcome: bounded(query.outcome, "outcome")?,
        from: bounded(query.from, "from")?,
        until: bounded(query.until, "until")?,
        before_seq: query.before.filter(|b| *b > 0),
        limit,
    };
    let list = state.app.audit_search(&caller.actor, &filter).await?;
    Ok(Json(list.into_iter().map(AuditView::from).collect()))
}

/// The action codes and their Chinese labels (for the filter).
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditActionView {
    /// Code.
    pub code: String,
    /// 中文.
    pub zh: String,
}

/// The audit actions (安全审计员 only).
#[utoipa::path(get, path = "/api/audit/actions", tag = "admin",
    responses((status = 200, body = [AuditActionView]), (status = 403, body = ErrorBody)),
    security(("session" = ["read_audit"])))]
pub async fn audit_actions(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<AuditActionView>>> {
    Ok(Json(
        state
            .app
            .audit_actions(&caller.actor)
            .await?
            .into_iter()
            .map(|a| AuditActionView {
                code: a.code().to_owned(),
                zh: a.zh().to_owned(),
            })
            .collect(),
    ))
}

/// The result of verifying the trail.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditVerifyView {
    /// Intact.
    pub ok: bool,
    /// Records checked.
    pub records: i64,
    /// Signed checkpoints read.
    pub checkpoints: usize,
    /// Records a signed checkpoint vouches for.
    pub anchored_size: i64,
    /// The first record that cannot be trusted.
    pub first_bad_seq: Option<i64>,
    /// Why.
    pub reason: Option<String>,
    /// The checkpoint key (hex) the verification used.
    pub public_key: String,
}

/// Verifies the whole trail against the signed checkpoints (安全审计员 only).
#[utoipa::path(post, path = "/api/audit/verify", tag = "admin",
    responses((status = 200, body = AuditVerifyView), (status = 403, body = ErrorBody)),
    security(("session" = ["read_audit"])))]
pub async fn audit_verify(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<AuditVerifyView>> {
    let verdict = state.app.audit_verify(&caller.actor, None, None).await?;
    Ok(Json(AuditVerifyView {
        ok: verdict.failure.is_none(),
        records: verdict.records,
        checkpoints: verdict.checkpoints,
        anchored_size: verdict.anchored_size,
        first_bad_seq: verdict.failure.as_ref().and_then(|f| f.seq),
        reason: verdict.failure.map(|f| f.reason),
        public_key: verdict.public_key,
    }))
}

/// A cross-department grant.
#[derive(Debug, Serialize, ToSchema)]
pub struct GrantView {
    /// Id.
    pub id: i64,
    /// Who may see.
    pub username: String,
    /// Whose clues.
    pub department: String,
    /// Granted by.
    pub granted_by: String,
    /// Why.
    pub reason: String,
    /// When.
    pub granted_at: String,
    /// Until.
    pub expires_at: String,
    /// Revoked at.
    pub revoked_at: Option<String>,
}

/// Every grant (安全保密管理员).
#[utoipa::path(get, path = "/api/grants", tag = "admin",
    responses((status = 200, body = [GrantView]), (status = 403, body = ErrorBody)),
    security(("session" = ["manage_access"])))]
pub async fn grants(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<GrantView>>> {
    let list = state.app.grants(&caller.actor).await?;
    Ok(Json(
        list.into_iter()
            .map(|g| GrantView {
                id: g.id,
                username: g.username,
                department: g.department,
                granted_by: g.granted_by,
                reason: g.reason,
                granted_at: g.granted_at,
                expires_at: g.expires_at,
                revoked_at: g.revoked_at,
            })
            .collect(),
    ))
}

/// A grant to make.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantRequest {
    /// Who.
    pub username: String,
    /// Whose clues (department name).
    pub department: String,
    /// Why (required).
    pub reason: String,
    /// For how many days (1–366).
    pub days: i64,
}

/// The id of something created.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedId {
    /// Id.
    pub id: i64,
}

/// Grants access to another department's clues (安全保密管理员).
#[utoipa::path(post, path = "/api/grants", tag = "admin", request_body = GrantRequest,
    responses((status = 200, body = CreatedId), (status = 403, body = ErrorBody)),
    security(("session" = ["manage_access"])))]
pub async fn grant(
    State(state): State<AppState>,
    caller: Caller,
    Json(request): Json<GrantRequest>,
) -> ApiResult<Json<CreatedId>> {
    let id = state
        .app
        .grant_access(
            &caller.actor,
            &request.username,
            &request.department,
            &request.reason,
            request.days,
        )
        .await?;
    Ok(Json(CreatedId { id }))
}

/// Revokes a grant; it stops working at the holder's next request (安全保密管理员).
#[utoipa::path(post, path = "/api/grants/{id}/revoke", tag = "admin",
    params(("id" = i64, Path, description = "grant id")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("session" = ["manage_access"])))]
pub async fn revoke_grant(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    state.app.revoke_grant(&caller.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An account to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserBody {
    /// Login name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Role codes.
    pub roles: Vec<String>,
    /// Department name.
    pub department: Option<String>,
}

/// A created account with its one-time password (shown once).
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedUserView {
    /// The account.
    pub user: UserView,
    /// The one-time password, to hand over in person.
    pub one_time_password: Option<String>,
}

/// Creates an account with a one-time password (系统管理员).
#[utoipa::path(post, path = "/api/users", tag = "admin", request_body = NewUserBody,
    responses((status = 200, body = CreatedUserView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("session" = ["manage_users"])))]
pub async fn add_user(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<NewUserBody>,
) -> ApiResult<Json<CreatedUserView>> {
    let roles = body
        .roles
        .iter()
        .map(|r| r.parse::<Role>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let created = state
        .app
        .add_user(
            &caller.actor,
            &NewUserRequest {
                username: body.username.trim().to_owned(),
                display_name: body.display_name,
                roles,
                department: body.department.filter(|d| !d.trim().is_empty()),
                password: None,
            },
        )
        .await?;
    Ok(Json(CreatedUserView {
        user: UserView::from(created.user),
        one_time_password: created.one_time_password,
    }))
}

/// What to do to an account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccountAction {
    /// Stop it signing in (ends its sessions).
    Disable,
    /// Let it sign in again.
    Enable,
    /// A new one-time password (ends its sessions).
    ResetPassword,
}

/// An account change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountChange {
    /// What.
    pub action: AccountAction,
}

/// The result of an account change.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountChanged {
    /// A new one-time password, after a reset.
    pub one_time_password: Option<String>,
}

/// Disables, enables or resets an account (系统管理员).
#[utoipa::path(post, path = "/api/users/{username}", tag = "admin", request_body = AccountChange,
    params(("username" = String, Path, description = "login name")),
    responses((status = 200, body = AccountChanged), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("session" = ["manage_users"])))]
pub async fn change_user(
    State(state): State<AppState>,
    caller: Caller,
    Path(username): Path<String>,
    Json(change): Json<AccountChange>,
) -> ApiResult<Json<AccountChanged>> {
    let one_time_password = match change.action {
        AccountAction::Disable => {
            state
                .app
                .set_user_disabled(&caller.actor, &username, true)
                .await?;
            None
        }
        AccountAction::Enable => {
            state
                .app
                .set_user_disabled(&caller.actor, &username, false)
                .await?;
            None
        }
        AccountAction::ResetPassword => {
            Some(state.app.reset_password(&caller.actor, &username).await?)
        }
    };
    Ok(Json(AccountChanged { one_time_password }))
}

/// Which alerts.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AlertQuery {
    /// `open` (default) or `all`.
    pub status: Option<String>,
}

/// An early-warning alert.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertView {
    /// Id.
    pub id: i64,
    /// Rule code.
    pub rule: String,
    /// The rule in Chinese.
    pub rule_zh: String,
    /// The account concerned.
    pub account: String,
    /// Client address.
    pub client: String,
    /// When (UTC).
    pub at: String,
    /// First audit record it rests on.
    pub first_seq: i64,
    /// Last audit record.
    pub last_seq: i64,
    /// What happened.
    pub detail: String,
    /// Acknowledged by.
    pub acknowledged_by: Option<String>,
    /// When.
    pub acknowledged_at: Option<String>,
    /// The note.
    pub note: Option<String>,
}

/// Early-warning alerts, newest first (安全保密管理员, 安全审计员).
#[utoipa::path(get, path = "/api/alerts", tag = "admin", params(AlertQuery),
    responses((status = 200, body = [AlertView]), (status = 403, body = ErrorBody)),
    security(("session" = ["manage_access"]), ("session" = ["read_audit"])))]
pub async fn alerts(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<AlertQuery>,
) -> ApiResult<Json<Vec<AlertView>>> {
    let open_only = match query.status.as_deref() {
        None | Some("open") => true,
        Some("all") => false,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "status 应为 open 或 all (status must be open or all, not `{other}`)"
            )));
        }
    };
    let list = state.app.alerts(&caller.actor, open_only).await?;
    Ok(Json(
        list.into_iter()
            .map(|a| AlertView {
                id: a.alert.id,
                rule: a.alert.rule,
                rule_zh: a.rule_zh,
                account: a.alert.account,
                client: a.alert.client,
                at: a.alert.at,
                first_seq: a.alert.first_seq,
                last_seq: a.alert.last_seq,
                detail: a.alert.detail,
                acknowledged_by: a.alert.acknowledged_by,
                acknowledged_at: a.alert.acknowledged_at,
                note: a.alert.note,
            })
            .collect(),
    ))
}

/// What was done about an alert.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AckRequest {
    /// The note (required).
    pub note: String,
}

/// Acknowledges an alert (安全保密管理员).
#[utoipa::path(post, path = "/api/alerts/{id}/ack", tag = "admin", request_body = AckRequest,
    params(("id" = i64, Path, description = "alert id")),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("session" = ["manage_access"])))]
pub async fn acknowledge_alert(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(request): Json<AckRequest>,
) -> ApiResult<StatusCode> {
    state
        .app
        .acknowledge_alert(&caller.actor, id, &request.note)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An alert rule with its settings.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AlertRuleView {
    /// Rule code.
    pub rule: String,
    /// The rule in Chinese (ignored when saving).
    #[serde(default)]
    pub rule_zh: String,
    /// What it watches (ignored when saving).
    #[serde(default)]
    pub description_zh: String,
    /// On.
    pub enabled: bool,
    /// The count (or rows) at which it fires.
    pub threshold: i64,
    /// The window in minutes.
    pub window_minutes: i64,
    /// Working hours from (北京时间).
    pub start_hour: i64,
    /// Working hours until (exclusive).
    pub end_hour: i64,
}

/// The alert rules (安全保密管理员, 安全审计员).
#[utoipa::path(get, path = "/api/alert-rules", tag = "admin",
    responses((status = 200, body = [AlertRuleView]), (status = 403, body = ErrorBody)),
    security(("session" = ["manage_access"]), ("session" = ["read_audit"])))]
pub async fn alert_rules(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<AlertRuleView>>> {
    let rules = state.app.alert_rules(&caller.actor).await?;
    Ok(Json(
        rules
            .into_iter()
            .map(|s| AlertRuleView {
                rule: s.rule.code().to_owned(),
                rule_zh: s.rule.zh().to_owned(),
                description_zh: s.rule.description_zh().to_owned(),
                enabled: s.enabled,
                threshold: s.threshold,
                window_minutes: s.window_minutes,
                start_hour: s.start_hour,
                end_hour: s.end_hour,
            })
            .collect(),
    ))
}

/// Saves alert rules (安全保密管理员).
#[utoipa::path(post, path = "/api/alert-rules", tag = "admin", request_body = [AlertRuleView],
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("session" = ["manage_access"])))]
pub async fn set_alert_rules(
    State(state): State<AppState>,
    caller: Caller,
    Json(rules): Json<Vec<AlertRuleView>>,
) -> ApiResult<StatusCode> {
    let settings = rules
        .iter()
        .map(|r| {
            let rule = procura_app::alerts::Rule::from_code(&r.rule).ok_or_else(|| {
                ApiError::bad_request(format!("没有规则 `{}` (no rule `{}`)", r.rule, r.rule))
            })?;
            Ok(procura_app::alerts::RuleSetting {
                rule,
                enabled: r.enabled,
                threshold: r.threshold,
                window_minutes: r.window_minutes,
                start_hour: r.start_hour,
                end_hour: r.end_hour,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    state.app.set_alert_rules(&caller.actor, &settings).await?;
    Ok(StatusCode::NO_CONTENT)
}
