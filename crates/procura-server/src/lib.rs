//! procura-server: the web workbench. An axum JSON API over the app façade (every route is
//! one façade call, so roles, scope and transactions are the façade's), the Vue UI built into
//! the binary, and background jobs on a runtime of their own.
//!
//! **Architecture Invariant:** no handler reads the store or dataset files; it calls
//! [`procura_app::App`] with the [`procura_app::Actor`] its session resolved to.
//!
//! **API Boundary:** `/api/*` is JSON, described by the OpenAPI document at
//! `/api/openapi.json`; everything else is the single-page UI.

pub mod admin;
pub mod api;
pub mod builder;
pub mod data;
mod error;
pub mod jobs;
pub mod session;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use include_dir::{Dir, include_dir};
use procura_app::App;
use utoipa::OpenApi;

pub use error::{ApiError, ApiResult, ErrorBody};

static WEB: Dir<'static> = include_dir!("$OUT_DIR/web");

/// What the handlers share.
#[derive(Clone)]
pub struct AppState {
    /// The façade.
    pub app: Arc<App>,
    /// Background jobs.
    pub jobs: jobs::Jobs,
    /// Mark cookies `Secure` (behind TLS).
    pub secure_cookies: bool,
    /// The office's name, shown in the UI.
    pub office: String,
}

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Listen address.
    pub addr: SocketAddr,
    /// Mark cookies `Secure` (set when a TLS proxy is in front).
    pub secure_cookies: bool,
    /// The office's name.
    pub office: String,
    /// Worker threads for background jobs.
    pub job_threads: usize,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Procura 数字检察 API",
        description = "The JSON API behind every action of the Procura web workbench. Sign in with POST /api/login; send the returned csrf_token in X-CSRF-Token on every POST."
    ),
    paths(
        api::login,
        api::logout,
        api::current,
        api::change_password,
        api::home,
        api::list_clues,
        api::clue_options,
        api::show_clue,
        api::assign,
        api::accept,
        api::comment,
        api::conclude,
        api::reopen,
        api::invalidate,
        data::datasets,
        data::dataset,
        data::upload,
        data::ingest,
        data::job,
        data::models,
        data::run_model,
        data::plan_run,
        data::derive_model,
        data::runs,
        data::users,
        data::departments,
        api::attach,
        api::attachment,
        builder::options,
        builder::preview,
        builder::save,
        admin::audit,
        admin::audit_actions,
        admin::audit_verify,
        admin::grants,
        admin::grant,
        admin::revoke_grant,
        admin::add_user,
        admin::change_user,
        admin::alerts,
        admin::acknowledge_alert,
        admin::alert_rules,
        admin::set_alert_rules,
    ),
    components(schemas(ErrorBody)),
    modifiers(&SessionScheme)
)]
struct ApiDoc;

/// Who may call what (T-AC-01): every operation declares, in its OpenAPI `security`, the
/// session scheme with the capabilities it needs (`procura_core::access::Capability::code`;
/// any one requirement suffices, every capability of a requirement is needed; none: any
/// signed-in user; `security(())`: no session), and in `x-procura-scope` which objects of
/// the path it limits to the caller's (`clue`: data scope, `owner`: the caller's own, `area`:
/// the department's areas). `procura_core::access::allows` says which roles hold a capability;
/// the route × role matrix test (`tests/it/matrix.rs`) is generated from the two and fails for
/// a route without a declaration.
struct SessionScheme;

impl utoipa::Modify for SessionScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                session::COOKIE,
                "The session cookie from POST /api/login; POSTs also need X-CSRF-Token. Scopes are capabilities.",
            ))),
        );
    }
}

/// The OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

async fn openapi_json() -> Response {
    axum::Json(openapi()).into_response()
}

/// The router with every route.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/login", post(api::login))
        .route("/logout", post(api::logout))
        .route("/me", get(api::current))
        .route("/me/password", post(api::change_password))
        .route("/home", get(api::home))
        .route("/clues", get(api::list_clues))
        .route("/clue-options", get(api::clue_options))
        .route("/clues/{id}", get(api::show_clue))
        .route("/clues/{id}/assign", post(api::assign))
        .route("/clues/{id}/accept", post(api::accept))
        .route("/clues/{id}/comments", post(api::comment))
        .route("/clues/{id}/conclude", post(api::conclude))
        .route("/clues/{id}/reopen", post(api::reopen))
        .route("/clues/{id}/invalidate", post(api::invalidate))
        .route(
            "/clues/{id}/attachments",
            post(api::attach).layer(DefaultBodyLimit::max(
                procura_app::workflow::MAX_ATTACHMENT_BYTES + 64 * 1024,
            )),
        )
        .route("/clues/{id}/attachments/{attachment}", get(api::attachment))
        .route("/datasets", get(data::datasets))
        .route("/datasets/{name}", get(data::dataset))
        .route(
            "/uploads",
            post(data::upload).layer(DefaultBodyLimit::max(data::MAX_UPLOAD_BYTES)),
        )
        .route("/ingests", post(data::ingest))
        .route("/jobs/{id}", get(data::job))
        .route("/models", get(data::models))
        .route("/models/{id}/runs", post(data::run_model))
        .route("/models/{id}/plan", post(data::plan_run))
        .route("/models/{id}/derive", post(data::derive_model))
        .route("/runs", get(data::runs))
        .route("/users", get(data::users).post(admin::add_user))
        .route("/users/{username}", post(admin::change_user))
        .route("/audit", get(admin::audit))
        .route("/audit/actions", get(admin::audit_actions))
        .route("/audit/verify", post(admin::audit_verify))
        .route("/grants", get(admin::grants).post(admin::grant))
        .route("/grants/{id}/revoke", post(admin::revoke_grant))
        .route("/alerts", get(admin::alerts))
        .route("/alerts/{id}/ack", post(admin::acknowledge_alert))
        .route(
            "/alert-rules",
            get(admin::alert_rules).post(admin::set_alert_rules),
        )
        .route("/departments", get(data::departments))
        .route("/builder/options", get(builder::options))
        .route("/builder/preview", post(builder::preview))
        .route("/builder/models", post(builder::save))
        .route("/openapi.json", get(openapi_json))
        .fallback(|| async { ApiError::not_found("没有这个接口 (no such API route)") })
        .layer(DefaultBodyLimit::max(1024 * 1024));
    let secure = state.secure_cookies;
    Router::new()
        .nest("/api", api)
        .fallback(static_file)
        .layer(axum::middleware::map_response(
            move |uri: Uri, response: Response| security_headers(uri, response, secure),
        ))
        .with_state(state)
}

/// The headers every response carries (ASVS 3.4, 14.3.2): no caching of API answers, no MIME
/// sniffing, no framing, no referrer, a content security policy that allows only the UI's own
/// scripts, and HSTS when served behind TLS.
async fn security_headers(uri: Uri, mut response: Response, secure: bool) -> Response {
    let headers = response.headers_mut();
    let set = |headers: &mut axum::http::HeaderMap, name, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    set(headers, header::REFERRER_POLICY, "no-referrer");
    set(
        headers,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    );
    if uri.path().starts_with("/api/") || uri.path() == "/api" {
        set(headers, header::CACHE_CONTROL, "no-store");
    }
    if secure {
        set(
            headers,
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        );
    }
    response
}

/// Serves the embedded UI; unknown paths get `index.html` (the UI routes by hash).
async fn static_file(uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    let file = if path.is_empty() {
        None
    } else {
        WEB.get_file(path)
    };
    let (file, name) = match file {
        Some(file) => (Some(file), path),
        None => (WEB.get_file("index.html"), "index.html"),
    };
    let Some(file) = file else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let mime = match name.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("json") => "application/json",
        Some("woff2") => "font/woff2",
        Some("woff") => "font/woff",
        Some("ttf") => "font/ttf",
        _ => "application/octet-stream",
    };
    let cache = if name.starts_with("assets/") {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let mut response = file.contents().into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

/// Builds the shared state.
pub fn state(
    app: Arc<App>,
    secure_cookies: bool,
    office: &str,
    job_threads: usize,
) -> std::io::Result<AppState> {
    error::hide_paths(vec![
        app.workspace().root().display().to_string(),
        std::env::temp_dir().display().to_string(),
    ]);
    Ok(AppState {
        app,
        jobs: jobs::Jobs::new(job_threads)?,
        secure_cookies,
        office: office.to_owned(),
    })
}

/// How long a client may take to send a request's headers (a connection that sends them
/// byte by byte is closed, so slow clients cannot hold the server's connections).
pub const HEADER_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
/// How long one request may take before the server answers 503.
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

/// Accepts connections until Ctrl-C, each served by hyper with a header read timeout and
/// every request bounded by [`REQUEST_TIMEOUT`].
async fn accept_loop(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    use tower::{Service, ServiceExt};
    let mut make = router.into_make_service_with_connect_info::<SocketAddr>();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            _ = &mut shutdown => return Ok(()),
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: wait a moment, keep serving.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let Ok(service) = make.call(peer).await;
        let hyper_service =
            hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                let service = service.clone();
                async move {
                    let request = request.map(axum::body::Body::new);
                    match tokio::time::timeout(REQUEST_TIMEOUT, service.oneshot(request)).await {
                        Ok(response) => response,
                        Err(_) => Ok(ApiError::new(
                            StatusCode::SERVICE_UNAVAILABLE,
                            "timeout",
                            "请求处理超时，请稍后重试 (the request took too long; try again later)",
                        )
                        .into_response()),
                    }
                }
            });
        tokio::spawn(async move {
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(HEADER_READ_TIMEOUT)
                .serve_connection(hyper_util::rt::TokioIo::new(stream), hyper_service)
                .with_upgrades();
            if let Err(error) = connection.await {
                tracing::debug!(%error, "connection ended");
            }
        });
    }
}

/// Serves until the process is stopped (Ctrl-C). `on_ready` gets the bound address.
pub async fn serve(
    app: Arc<App>,
    config: &ServeConfig,
    on_ready: impl FnOnce(SocketAddr),
) -> std::io::Result<()> {
    serve_until(app, config, on_ready, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}

/// Serves until `shutdown` completes.
pub async fn serve_until(
    app: Arc<App>,
    config: &ServeConfig,
    on_ready: impl FnOnce(SocketAddr),
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let state = state(
        app,
        config.secure_cookies,
        &config.office,
        config.job_threads,
    )?;
    let listener = tokio::net::TcpListener::bind(config.addr).await?;
    on_ready(listener.local_addr()?);
    // Audit checkpoints: signed every N records or M minutes (checked every 10 s), and once
    // more at shutdown; early-warning rules evaluated over new audit records every 10 s.
    let checkpoints = {
        let app = Arc::clone(&state.app);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(10));
            loop {
                tick.tick().await;
                if let Err(error) = app.audit_checkpoint(false).await {
                    tracing::error!(%error, "audit checkpoint failed");
                }
                match app.scan_alerts().await {
                    Ok(raised) if !raised.is_empty() => {
                        tracing::warn!(alerts = raised.len(), "security alerts raised");
                    }
                    Ok(_) => {}
                    Err(error) => tracing::error!(%error, "alert scan failed"),
                }
            }
        })
    };
    let app = Arc::clone(&state.app);
    let result = accept_loop(listener, router(state), shutdown).await;
    checkpoints.abort();
    if let Err(error) = app.audit_checkpoint(true).await {
        tracing::error!(%error, "audit checkpoint at shutdown failed");
    }
    result
}
