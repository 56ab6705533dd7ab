//! The server's API tests, through the real router, against a real workspace: a small demo
//! population ingested and two models run (M35 → 刑事检察部, M03 → 公益诉讼检察部), with the
//! demo accounts. Every test runs on SQLite, and on PostgreSQL when
//! `PROCURA_TEST_POSTGRES_URL` is set (`PROCURA_REQUIRE_POSTGRES=1` makes its absence a
//! failure).

mod auth;
mod builder;
mod data;
mod derive;
mod matrix;
mod security;
mod workflow;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use procura_app::datasets::IngestRequest;
use procura_app::demo::{self, DemoConfig};
use procura_app::runs::{NoRunProgress, RunRequest};
use procura_app::{Actor, App, Config, SheetSelection};
use serde_json::Value;
use sqlx::Connection;
use tower::ServiceExt;

/// The demo accounts' password.
pub const PASSWORD: &str = "procura-demo-2026";

/// A workspace with data, clues and accounts, and the router over it.
pub struct Fixture {
    /// The router.
    pub router: Router,
    /// The façade behind it.
    pub app: Arc<App>,
    _dir: tempfile::TempDir,
}

async fn build(config: Config, dir: tempfile::TempDir) -> Fixture {
    App::init(&config).await.unwrap();
    let app = App::open(&config).await.unwrap();
    let operator = Actor::new("tester").unwrap();
    app.create_demo_accounts(&operator, PASSWORD).await.unwrap();
    let (data, output) = demo_data();
    for dataset in output.datasets.iter().filter(|d| {
        [
            "traffic_penalties",
            "criminal_filings",
            "deaths",
            "pensions",
        ]
        .contains(&d.name.as_str())
    }) {
        app.ingest(
            &operator,
            &IngestRequest {
                path: data.join(&dataset.path),
                dataset: dataset.name.clone(),
                mapping: None,
                sheets: match dataset.sheet.as_deref() {
                    None => SheetSelection::First,
                    Some(name) => SheetSelection::Named(name.to_owned()),
                },
                encoding: None,
                strict: false,
                duplicates: None,
                display_root: None,
            },
            Arc::new(procura_app::NoProgress),
        )
        .await
        .unwrap();
    }
    for model in ["M35", "M03"] {
        let run = app
            .run_model(
                &operator,
                &RunRequest {
                    model: model.into(),
                    ..RunRequest::default()
                },
                &NoRunProgress,
            )
            .await
            .unwrap();
        assert!(run.n_clues > 0, "{model} found no clues");
    }
    let app = Arc::new(app);
    let state = procura_server::state(Arc::clone(&app), false, "测试市人民检察院", 1).unwrap();
    Fixture {
        router: procura_server::router(state),
        app,
        _dir: dir,
    }
}

/// The demo population's files, generated once per test binary and only read afterwards.
fn demo_data() -> (&'static std::path::Path, &'static demo::DemoOutput) {
    static DATA: std::sync::OnceLock<(tempfile::TempDir, demo::DemoOutput)> =
        std::sync::OnceLock::new();
    let (dir, output) = DATA.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let output = demo::generate(
            &DemoConfig {
                persons: 500,
                seed: 11,
                out: dir.path().to_owned(),
            },
            &|_| {},
        )
        .unwrap();
        (dir, output)
    });
    (dir.path(), output)
}

/// Runs `story` on a fresh SQLite workspace and, when configured, a fresh PostgreSQL one.
pub async fn each_backend<F, Fut>(story: F)
where
    F: Fn(Fixture) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        workspace: dir.path().join("ws"),
        database_url: None,
    };
    story(build(config, dir).await).await;

    let Ok(admin_url) = std::env::var("PROCURA_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var("PROCURA_REQUIRE_POSTGRES").is_err(),
            "PROCURA_REQUIRE_POSTGRES is set but PROCURA_TEST_POSTGRES_URL is not"
        );
        return;
    };
    let database = format!(
        "procura_server_test_{}",
        std::process::id() as u64 * 1000 + counter()
    );
    sqlx::any::install_default_drivers();
    let mut admin = sqlx::AnyConnection::connect(&admin_url).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {database}")))
        .execute(&mut admin)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        workspace: dir.path().join("ws"),
        database_url: Some(replace_database(&admin_url, &database)),
    };
    let fixture = build(config, dir).await;
    let app = Arc::clone(&fixture.app);
    story(fixture).await;
    if let Ok(app) = Arc::try_unwrap(app) {
        app.close().await;
    }
    // Sessions of the jobs runtime may still hold connections; force them out.
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE {database} WITH (FORCE)"
    )))
    .execute(&mut admin)
    .await
    .unwrap();
}

fn counter() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

fn replace_database(url: &str, database: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[scheme_end..].find('/').map(|i| i + scheme_end);
    let host = path_start.map_or(base, |i| &base[..i]);
    match query {
        Some(query) => format!("{host}/{database}?{query}"),
        None => format!("{host}/{database}"),
    }
}

/// A browser-like client: keeps the session cookie and the CSRF token.
pub struct Client {
    router: Router,
    cookie: Option<String>,
    csrf: Option<String>,
}

impl Client {
    /// No session.
    pub fn anonymous(fixture: &Fixture) -> Client {
        Client {
            router: fixture.router.clone(),
            cookie: None,
            csrf: None,
        }
    }

    /// Signed in as `username` with the demo password.
    pub async fn login(fixture: &Fixture, username: &str) -> Client {
        let mut client = Client::anonymous(fixture);
        let (status, body) = client
            .post(
                "/api/login",
                serde_json::json!({"username": username, "password": PASSWORD}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "login {username}: {body}");
        client
    }

    /// The `Cookie` header this client sends.
    pub fn cookie_header(&self) -> String {
        self.cookie.clone().unwrap_or_default()
    }

    /// Sends `other`'s CSRF token from now on (to show that a token is bound to its session).
    pub fn use_csrf_of(&mut self, other: &Client) {
        self.csrf = other.csrf.clone();
    }

    /// Sends a request; remembers cookies and CSRF tokens the server hands out.
    pub async fn send(&mut self, request: Request<Body>) -> (StatusCode, Value, Vec<String>) {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let cookies: Vec<String> = response
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        for cookie in &cookies {
            let pair = cookie.split(';').next().unwrap();
            if pair.ends_with('=') {
                self.cookie = None;
            } else {
                self.cookie = Some(pair.to_owned());
            }
        }
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        if let Some(token) = body["csrf_token"].as_str() {
            self.csrf = Some(token.to_owned());
        }
        (status, body, cookies)
    }

    fn request(&self, method: &str, path: &str) -> axum::http::request::Builder {
        let mut builder = Request::builder().method(method).uri(path);
        if let Some(cookie) = &self.cookie {
            builder = builder.header(header::COOKIE, cookie);
        }
        builder
    }

    /// GET.
    pub async fn get(&mut self, path: &str) -> (StatusCode, Value) {
        let request = self.request("GET", path).body(Body::empty()).unwrap();
        let (status, body, _) = self.send(request).await;
        (status, body)
    }

    /// GET raw bytes with the response's headers.
    pub async fn get_bytes(&mut self, path: &str) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let request = self.request("GET", path).body(Body::empty()).unwrap();
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, headers, bytes.to_vec())
    }

    /// POST JSON with the CSRF token.
    pub async fn post(&mut self, path: &str, json: Value) -> (StatusCode, Value) {
        let mut builder = self
            .request("POST", path)
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(csrf) = &self.csrf {
            builder = builder.header("x-csrf-token", csrf);
        }
        let request = builder.body(Body::from(json.to_string())).unwrap();
        let (status, body, _) = self.send(request).await;
        (status, body)
    }

    /// POST JSON without the CSRF token.
    pub async fn post_without_csrf(&mut self, path: &str, json: Value) -> (StatusCode, Value) {
        let request = self
            .request("POST", path)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(json.to_string()))
            .unwrap();
        let (status, body, _) = self.send(request).await;
        (status, body)
    }

    /// POST a multipart upload of one file in field `file`.
    pub async fn upload(
        &mut self,
        path: &str,
        file_name: &str,
        bytes: &[u8],
    ) -> (StatusCode, Value) {
        let boundary = "procura-test-boundary";
        let mut body = Vec::new();
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let mut builder = self.request("POST", path).header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        );
        if let Some(csrf) = &self.csrf {
            builder = builder.header("x-csrf-token", csrf);
        }
        let (status, body, _) = self.send(builder.body(Body::from(body)).unwrap()).await;
        (status, body)
    }
}

/// Polls a job until it ends; returns its final state.
pub async fn wait_for_job(client: &mut Client, job_id: u64) -> Value {
    for _ in 0..600 {
        let (status, job) = client.get(&format!("/api/jobs/{job_id}")).await;
        assert_eq!(status, StatusCode::OK, "{job}");
        if job["status"] != "running" {
            return job;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("job {job_id} did not finish in 60 s");
}

/// The first clue of `model` in status `new`, as seen by `client`.
pub async fn first_new_clue(client: &mut Client, model: &str) -> i64 {
    let (status, page) = client
        .get(&format!(
            "/api/clues?model={model}&status=new&sort=id&page_size=1"
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["items"][0]["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("no new {model} clue: {page}"))
}
