//! Who is calling: the session cookie resolved through the app into an [`Actor`], and the CSRF
//! check on every request that changes something.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use procura_app::Actor;

use crate::AppState;
use crate::error::ApiError;

/// The session cookie's name.
pub const COOKIE: &str = "procura_session";
/// The header carrying the CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// A signed-in caller. Extracting it fails with 401 without a live session, and with 403 when
/// a state-changing request lacks the session's CSRF token.
pub struct Caller {
    /// Who.
    pub actor: Actor,
    /// The session's CSRF token.
    pub csrf_token: String,
    /// The raw session token (for logout).
    pub token: String,
}

/// The session token from the request's cookies.
pub fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_owned())
        .filter(|v| !v.is_empty() && v.len() <= 128)
}

/// Constant-time comparison of two tokens.
fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Caller, ApiError> {
        let token = session_token(&parts.headers).ok_or_else(ApiError::unauthenticated)?;
        let session = state
            .app
            .authenticate(&token)
            .await
            .map_err(|_| ApiError::unauthenticated())?;
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if !safe {
            let sent = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !same_token(sent, &session.csrf_token) {
                return Err(ApiError::csrf());
            }
        }
        Ok(Caller {
            actor: session.actor,
            csrf_token: session.csrf_token,
            token,
        })
    }
}

/// The `Set-Cookie` value that starts a session.
pub fn set_cookie(token: &str, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=28800{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The `Set-Cookie` value that ends it.
pub fn clear_cookie(secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; procura_session=abc123; b=2"),
        );
        assert_eq!(session_token(&headers).as_deref(), Some("abc123"));
        assert!(same_token("abc", "abc"));
        assert!(!same_token("abc", "abd"));
        assert!(!same_token("abc", "abcd"));
    }
}
