//! API errors: one JSON shape, `{"error": {"code", "message"}}`, with the HTTP status that
//! fits. Messages are Chinese first with English in brackets, as the app writes them.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// An error as the API reports it.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

/// The error body.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// `bad_request`, `unauthenticated`, `bad_credentials`, `csrf`, `forbidden`, `not_found`,
    /// `conflict`, `locked`, `too_large`, `internal`.
    pub code: String,
    /// For people: Chinese, then English in brackets.
    pub message: String,
}

impl ApiError {
    /// An error with a status and code.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    /// 400.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    /// 401, no session.
    pub fn unauthenticated() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "未登录或会话已过期 (not signed in, or the session expired)",
        )
    }

    /// 403, missing or wrong CSRF token.
    pub fn csrf() -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "csrf",
            "请求缺少有效的 CSRF 令牌，请刷新页面 (missing or wrong CSRF token; reload the page)",
        )
    }

    /// 404.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }
}

/// A short random id that ties a generic error answer to its log line.
fn request_id() -> String {
    let mut bytes = [0u8; 6];
    if getrandom::fill(&mut bytes).is_err() {
        return "unknown".into();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Directories whose names must not reach a client (the workspace), set when serving starts.
static HIDDEN_PATHS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();

/// Hides these directories in every error message a client receives.
pub(crate) fn hide_paths(paths: Vec<String>) {
    let _ = HIDDEN_PATHS.set(paths.into_iter().filter(|p| p.len() > 1).collect());
}

/// A message with server paths replaced.
fn sanitized(message: String) -> String {
    let Some(paths) = HIDDEN_PATHS.get() else {
        return message;
    };
    paths
        .iter()
        .fold(message, |m, p| m.replace(p.as_str(), "…"))
}

impl From<procura_app::Error> for ApiError {
    fn from(error: procura_app::Error) -> ApiError {
        use procura_app::Error as E;
        let message = sanitized(error.to_string());
        match error {
            E::Invalid(_) | E::Ingest(_) => ApiError::bad_request(message),
            E::NotFound(_) => ApiError::not_found(message),
            E::Unauthenticated(_) => {
                ApiError::new(StatusCode::UNAUTHORIZED, "bad_credentials", message)
            }
            E::Locked { .. } => ApiError::new(StatusCode::LOCKED, "locked", message),
            E::Forbidden(_) => ApiError::new(StatusCode::FORBIDDEN, "forbidden", message),
            E::Conflict(_) => ApiError::new(StatusCode::CONFLICT, "conflict", message),
            E::Store(procura_app::StoreError::NotFound(_)) => ApiError::not_found(message),
            E::Store(procura_app::StoreError::Conflict(_)) => {
                ApiError::new(StatusCode::CONFLICT, "conflict", message)
            }
            other => {
                // The detail (database, engine and file-system messages, paths) stays in the
                // server log under a request id; the client gets the id only.
                let id = request_id();
                tracing::error!(request_id = %id, error = %other, "request failed");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    format!(
                        "服务器内部错误，请将编号 {id} 告知管理员 (internal error; tell the administrator request id {id})"
                    ),
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_owned(),
                message: self.message,
            },
        };
        (self.status, Json(body)).into_response()
    }
}

/// The handlers' result type.
pub type ApiResult<T> = Result<T, ApiError>;
