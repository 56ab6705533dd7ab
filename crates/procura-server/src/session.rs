//! Who is calling: the session cookie resolved through the app into an [`Actor`], and the CSRF
//! check on every request that changes something.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use procura_app::Actor;

use crate::AppState;
use crate::error::ApiError;

/// The session cookie's name when cookies are `Secure` (the default): the `__Host-` prefix
/// makes the browser refuse it unless it is Secure, host-only and for path `/`.
pub const COOKIE: &str = "__Host-procura_session";
/// Its name on plain HTTP (`--insecure-cookies`), where `__Host-` cookies are refused.
pub const PLAIN_COOKIE: &str = "procura_session";
/// The header marking a periodic background request (it does not extend the session).
pub const BACKGROUND_HEADER: &str = "x-procura-background";
/// The header a client states its purpose in (查询事由; percent-encoded UTF-8).
pub const PURPOSE_HEADER: &str = "x-procura-purpose";
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
        .find(|(name, _)| *name == COOKIE || *name == PLAIN_COOKIE)
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
        // A page's periodic poll says so: it does not keep an unattended session alive.
        let background = parts.headers.contains_key(BACKGROUND_HEADER);
        let session = state
            .app
            .authenticate_with(&token, !background)
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
        let purpose = parts
            .headers
            .get(PURPOSE_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(percent_decode);
        Ok(Caller {
            actor: session
                .actor
                .with_client(&client_address(parts))
                .with_purpose(purpose.as_deref()),
            csrf_token: session.csrf_token,
            token,
        })
    }
}

/// The caller's address, for requests without a session (sign-in).
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<ClientAddr, Self::Rejection> {
        Ok(ClientAddr(client_address(parts)))
    }
}

/// The peer's address (the connection's; proxies' forwarding headers are not trusted).
pub fn client_address(parts: &Parts) -> String {
    parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map_or_else(|| "unknown".to_owned(), |info| info.0.ip().to_string())
}

/// Decodes `%XX` escapes (invalid UTF-8 becomes U+FFFD).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(b) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The `Set-Cookie` value that starts a session (it lasts at most the session's absolute
/// lifetime; the server ends it earlier when idle).
pub fn set_cookie(token: &str, secure: bool) -> HeaderValue {
    let max_age = procura_app::auth::SESSION_MAX_HOURS * 3600;
    let value = if secure {
        format!("{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}; Secure")
    } else {
        format!("{PLAIN_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}")
    };
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The `Set-Cookie` value that ends it.
pub fn clear_cookie(secure: bool) -> HeaderValue {
    let value = if secure {
        format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0; Secure")
    } else {
        format!("{PLAIN_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
    };
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; __Host-procura_session=abc123; b=2"),
        );
        assert_eq!(session_token(&headers).as_deref(), Some("abc123"));
        assert_eq!(percent_decode("%E6%A0%B8%E6%9F%A5 12"), "核查 12");
        assert_eq!(percent_decode("100%"), "100%");
        assert!(same_token("abc", "abc"));
        assert!(!same_token("abc", "abd"));
        assert!(!same_token("abc", "abcd"));
    }
}
