//! T-AC-01: the route × role × scope matrix, generated.
//!
//! The routes are read from the router's source (`src/lib.rs`); who may call each is what its
//! handler declares in the OpenAPI document (`security`: the capabilities it needs,
//! `x-procura-scope`: which objects of its path it limits to the caller's), and which roles
//! hold a capability is `procura_core::access::allows` — the one table of rights. A route
//! without a declaration fails here. Then every demo role signs in to a real server (its own
//! accept loop over TCP) and calls every route with inputs that exist: its own objects,
//! another department's clue, another account's upload and job, and ids that exist nowhere.
//! No route may answer 2xx (or anything but 403) to a role the declaration denies, nor 403 to a
//! role it allows without a scope; an object out of the caller's scope answers exactly like
//! one that does not exist; nothing answers 5xx.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use procura_app::auth::NewUserRequest;
use procura_app::{Actor, Capability, Role};
use procura_core::access::allows;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::each_backend;

/// One route and method of the router, as its source declares it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Route {
    /// `GET` or `POST`.
    pub method: &'static str,
    /// The template under `/api`, e.g. `/clues/{id}`.
    pub path: String,
}

/// Every route × method the router serves, read from its source.
pub(crate) fn router_routes() -> Vec<Route> {
    let source = include_str!("../../src/lib.rs");
    let body = source
        .split("pub fn router(")
        .nth(1)
        .expect("the router function");
    let mut routes = Vec::new();
    for chunk in body.split(".route(").skip(1) {
        let path = chunk.split('"').nth(1).unwrap().to_owned();
        // The handlers of this route: up to the end of the `.route(…)` call.
        let call = chunk.split("\n        .").next().unwrap();
        for (method, name) in [("GET", "get"), ("POST", "post")] {
            if call.contains(&format!("{name}(")) {
                routes.push(Route {
                    method,
                    path: path.clone(),
                });
            }
        }
    }
    routes.sort();
    routes
}

/// What a route declares: the requirements (any one suffices; each needs all its
/// capabilities; an empty one needs only a session) and the scope of its objects.
#[derive(Debug, Clone)]
struct Declared {
    /// `None`: no session needed (sign-in).
    requirements: Option<Vec<Vec<Capability>>>,
    scope: Option<String>,
}

impl Declared {
    fn allows(&self, roles: &[Role]) -> bool {
        match &self.requirements {
            None => true,
            Some(any) => any
                .iter()
                .any(|all| all.iter().all(|c| roles.iter().any(|r| allows(*r, *c)))),
        }
    }
}

/// The declarations of every route, from the OpenAPI document; fails for a route without one.
fn declarations(doc: &Value, routes: &[Route]) -> BTreeMap<Route, Declared> {
    let mut missing = Vec::new();
    let mut declared = BTreeMap::new();
    for route in routes {
        if route.path == "/openapi.json" {
            continue;
        }
        let operation = &doc["paths"][format!("/api{}", route.path)][route.method.to_lowercase()];
        let Some(security) = operation["security"].as_array() else {
            missing.push(format!("{} /api{}", route.method, route.path));
            continue;
        };
        let mut requirements = Vec::new();
        let mut public = false;
        for requirement in security {
            let requirement = requirement.as_object().unwrap();
            if requirement.is_empty() {
                public = true;
                continue;
            }
            let scopes = requirement
                .get("session")
                .and_then(Value::as_array)
                .unwrap_or_else(|| panic!("{route:?}: unknown security scheme {requirement:?}"));
            requirements.push(
                scopes
                    .iter()
                    .map(|s| {
                        let code = s.as_str().unwrap();
                        Capability::from_code(code)
                            .unwrap_or_else(|| panic!("{route:?}: no capability `{code}`"))
                    })
                    .collect(),
            );
        }
        assert!(
            !public || requirements.is_empty(),
            "{route:?}: both public and with a session"
        );
        declared.insert(
            route.clone(),
            Declared {
                requirements: (!public).then_some(requirements),
                scope: operation["x-procura-scope"].as_str().map(str::to_owned),
            },
        );
    }
    assert!(
        missing.is_empty(),
        "routes without an access declaration (add `security(...)` to their #[utoipa::path]): {missing:?}"
    );
    declared
}

// ---------------------------------------------------------------------------------------------
// A minimal HTTP/1.1 client over TCP (one connection per request).

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

async fn http(
    addr: SocketAddr,
    method: &str,
    uri: &str,
    headers: &[(&str, String)],
    body: &[u8],
) -> Answer {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut request = format!(
        "{method} {uri} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("{method} {uri}: no response head"));
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    if headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"))
    {
        let mut out = Vec::new();
        let mut rest = &body[..];
        loop {
            let line_end = rest.windows(2).position(|w| w == b"\r\n").unwrap();
            let size = usize::from_str_radix(String::from_utf8_lossy(&rest[..line_end]).trim(), 16)
                .unwrap();
            if size == 0 {
                break;
            }
            out.extend_from_slice(&rest[line_end + 2..line_end + 2 + size]);
            rest = &rest[line_end + 4 + size..];
        }
        body = out;
    }
    Answer {
        status,
        headers,
        body,
    }
}

/// A signed-in account.
struct Account {
    username: &'static str,
    roles: Vec<Role>,
    department: Option<String>,
    cookie: String,
    csrf: String,
}

async fn sign_in(addr: SocketAddr, username: &'static str) -> Account {
    let body = json!({"username": username, "password": crate::PASSWORD}).to_string();
    let answer = http(
        addr,
        "POST",
        "/api/login",
        &[("Content-Type", "application/json".into())],
        body.as_bytes(),
    )
    .await;
    assert_eq!(answer.status, 200, "login {username}");
    let cookie = answer
        .headers
        .iter()
        .find(|(n, _)| n == "set-cookie")
        .map(|(_, v)| v.split(';').next().unwrap().to_owned())
        .unwrap();
    let session = answer.json();
    Account {
        username,
        roles: session["user"]["roles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap().parse().unwrap())
            .collect(),
        department: session["user"]["department"]["name"]
            .as_str()
            .map(str::to_owned),
        cookie,
        csrf: session["csrf_token"].as_str().unwrap().to_owned(),
    }
}

const BOUNDARY: &str = "procura-matrix-boundary";

fn multipart(file_name: &str, bytes: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// A request body.
#[derive(Clone)]
enum Body {
    Json(Value),
    File(&'static str, Vec<u8>),
}

impl Account {
    async fn call(&self, addr: SocketAddr, method: &str, uri: &str, body: &Body) -> Answer {
        let (content_type, bytes) = match body {
            Body::Json(value) => (
                "application/json".to_owned(),
                value.to_string().into_bytes(),
            ),
            Body::File(name, bytes) => (
                format!("multipart/form-data; boundary={BOUNDARY}"),
                multipart(name, bytes),
            ),
        };
        let mut headers = vec![("Cookie", self.cookie.clone())];
        if method != "GET" {
            headers.push(("Content-Type", content_type));
            headers.push(("X-CSRF-Token", self.csrf.clone()));
            http(addr, method, uri, &headers, &bytes).await
        } else {
            http(addr, method, uri, &headers, &[]).await
        }
    }

    async fn get(&self, addr: SocketAddr, uri: &str) -> Value {
        let answer = self.call(addr, "GET", uri, &Body::Json(Value::Null)).await;
        assert_eq!(answer.status, 200, "{} GET {uri}", self.username);
        answer.json()
    }
}

// ---------------------------------------------------------------------------------------------
// The objects the probes name.

/// Objects that exist, and whose they are.
struct World {
    /// 刑事检察部's clue, assigned to li.jiancha, with an attachment.
    criminal_clue: i64,
    attachment: i64,
    /// 公益诉讼检察部's clue.
    public_clue: i64,
    /// shuju's upload, not yet ingested.
    upload: String,
    /// shuju2's finished ingest job.
    job: u64,
    /// A grant anquan may revoke.
    grant: i64,
}

/// Which variant of a route's object a probe names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Variant {
    /// The route has no object, or the object is the caller's (or visible to it).
    Own,
    /// An object that exists but is outside the caller's scope.
    Outside,
    /// An object that does not exist.
    Missing,
}

const NO_CLUE: i64 = 987_654_321;
const NO_ID: i64 = 987_654_321;
const NO_UPLOAD: &str = "0123456789abcdef0123456789abcdef";

/// The clue in and the clue outside the account's scope.
fn clues_of(world: &World, account: &Account) -> (Option<i64>, i64) {
    match account.department.as_deref() {
        Some("刑事检察部") => (Some(world.criminal_clue), world.public_clue),
        Some("公益诉讼检察部") => (Some(world.public_clue), world.criminal_clue),
        _ => (None, world.criminal_clue),
    }
}

/// Whether the account's own department handles the criminal area (M35, the draft).
fn runs_criminal(account: &Account) -> bool {
    account.roles.contains(&Role::ModelAdmin) || account.department.as_deref() == Some("刑事检察部")
}

fn draft(id: &str) -> Value {
    crate::builder::drunk_driving_draft(id)
}

/// The probes of one route for one account: the variant, the URI and the body.
fn probes(route: &Route, world: &World, account: &Account) -> Vec<(Variant, String, Body)> {
    let json = Body::Json;
    let (own_clue, other_clue) = clues_of(world, account);
    let path = route.path.as_str();
    let body = match (route.method, path) {
        ("POST", "/me/password") => {
            json(json!({"old_password": crate::PASSWORD, "new_password": "short"}))
        }
        ("POST", "/clues/{id}/assign") => json(json!({"assignee": "nobody.matrix"})),
        ("POST", "/clues/{id}/comments") => json(json!({"text": "矩阵核查"})),
        ("POST", "/clues/{id}/conclude") => {
            json(json!({"category": "no_case", "reason": "not-a-reason"}))
        }
        ("POST", "/clues/{id}/reopen" | "/clues/{id}/invalidate") => json(json!({"reason": ""})),
        ("POST", "/clues/{id}/attachments") => Body::File("核查.txt", b"matrix".to_vec()),
        ("POST", "/uploads") => Body::File(
            "matrix.csv",
            "身份证号,姓名\n110101199003070000,张三\n"
                .as_bytes()
                .to_vec(),
        ),
        ("POST", "/users") => json(json!({
            "username": format!("m.{}", account.username.replace('.', "")),
            "display_name": "矩阵", "roles": ["procurator"], "department": "刑事检察部"
        })),
        ("POST", "/users/{username}") => json(json!({"action": "enable"})),
        ("POST", "/grants") => json(json!({
            "username": "zhao.jiancha", "department": "公益诉讼检察部", "reason": "矩阵", "days": 1
        })),
        ("POST", "/alerts/{id}/ack") => json(json!({"note": "矩阵"})),
        ("POST", "/alert-rules") => json(json!([])),
        ("POST", "/builder/preview") => json(draft("MX1")),
        ("POST", "/builder/models") => json(draft("MX2")),
        ("POST", "/models/{id}/derive") => json(json!({
            "id": format!("MX3{}", account.username.replace('.', "")),
            "name_zh": "矩阵变体"
        })),
        ("POST", _) => json(json!({})),
        _ => json(Value::Null),
    };
    let at = |p: String| format!("/api{p}");
    let clue_uri = |id: i64| {
        at(path
            .replace("{id}", &id.to_string())
            .replace("{attachment}", &world.attachment.to_string()))
    };
    let mut list = Vec::new();
    match path {
        p if p.starts_with("/clues/{id}") => {
            // The attachment is the criminal clue's: another clue of one's own names it as
            // little as a clue that does not exist.
            if let Some(own) =
                own_clue.filter(|own| !p.contains("{attachment}") || *own == world.criminal_clue)
            {
                list.push((Variant::Own, clue_uri(own), body.clone()));
            }
            list.push((Variant::Outside, clue_uri(other_clue), body.clone()));
            list.push((Variant::Missing, clue_uri(NO_CLUE), body));
        }
        "/jobs/{id}" => {
            let job = at(format!("/jobs/{}", world.job));
            let variant = if account.username == "shuju2" {
                Variant::Own
            } else {
                Variant::Outside
            };
            list.push((variant, job, body.clone()));
            list.push((Variant::Missing, at(format!("/jobs/{NO_ID}")), body));
        }
        "/ingests" => {
            let ingest = |upload: &str| {
                Body::Json(json!({"upload_id": upload, "dataset": "matrix_upload", "mapping": []}))
            };
            let variant = if account.username == "shuju" {
                Variant::Own
            } else {
                Variant::Outside
            };
            list.push((Variant::Missing, at(path.into()), ingest(NO_UPLOAD)));
            // The real upload last: its owner's ingest consumes it.
            list.push((variant, at(path.into()), ingest(&world.upload)));
        }
        "/models/{id}/derive" => {
            // The library is readable by every role; only who may derive is scoped.
            list.push((Variant::Own, at(path.replace("{id}", "M35")), body.clone()));
            list.push((Variant::Missing, at(path.replace("{id}", "M999")), body));
        }
        "/models/{id}/runs" | "/models/{id}/plan" => {
            let variant = if runs_criminal(account) {
                Variant::Own
            } else {
                Variant::Outside
            };
            list.push((variant, at(path.replace("{id}", "M35")), body.clone()));
            list.push((Variant::Missing, at(path.replace("{id}", "M999")), body));
        }
        "/builder/preview" => {
            let variant = if runs_criminal(account) {
                Variant::Own
            } else {
                Variant::Outside
            };
            list.push((variant, at(path.into()), body));
        }
        "/datasets/{name}" => {
            list.push((Variant::Own, at("/datasets/deaths".into()), body.clone()));
            list.push((Variant::Missing, at("/datasets/no_such_data".into()), body));
        }
        "/users/{username}" => {
            list.push((Variant::Own, at("/users/li.jiancha".into()), body.clone()));
            list.push((Variant::Missing, at("/users/nobody.matrix".into()), body));
        }
        "/grants/{id}/revoke" => {
            list.push((
                Variant::Own,
                at(format!("/grants/{}/revoke", world.grant)),
                body.clone(),
            ));
            list.push((
                Variant::Missing,
                at(format!("/grants/{NO_ID}/revoke")),
                body,
            ));
        }
        "/alerts/{id}/ack" => {
            list.push((Variant::Own, at("/alerts/1/ack".into()), body.clone()));
            list.push((Variant::Missing, at(format!("/alerts/{NO_ID}/ack")), body));
        }
        p => {
            assert!(
                !p.contains('{'),
                "no probe for the path parameters of {p}: add its objects to the matrix"
            );
            list.push((Variant::Own, at(p.into()), body));
        }
    }
    list
}

/// An answer with the ids of the request taken out, to compare two answers.
fn shape(answer: &Answer, ids: &[String]) -> String {
    let mut text = format!(
        "{} {}",
        answer.status,
        String::from_utf8_lossy(&answer.body)
    );
    for id in ids {
        text = text.replace(id.as_str(), "ID");
    }
    text
}

async fn set_up(fixture: &crate::Fixture, addr: SocketAddr) -> World {
    let operator = Actor::new("tester").unwrap();
    let app = &fixture.app;
    for (username, role) in [("xitong", Role::SysAdmin), ("shuju2", Role::DataAdmin)] {
        app.add_user(
            &operator,
            &NewUserRequest {
                username: username.into(),
                display_name: username.into(),
                roles: vec![role],
                department: None,
                password: Some(crate::PASSWORD.into()),
            },
        )
        .await
        .unwrap();
    }
    let first = |page: Value| page["items"][0]["id"].as_i64().unwrap();
    let wang = sign_in(addr, "wang.zhuren").await;
    let criminal_clue = first(
        wang.get(addr, "/api/clues?model=M35&status=new&sort=id&page_size=1")
            .await,
    );
    let wu = sign_in(addr, "wu.zhuren").await;
    let public_clue = first(
        wu.get(addr, "/api/clues?model=M03&status=new&sort=id&page_size=1")
            .await,
    );
    app.assign_clue(&operator, criminal_clue, "li.jiancha", "")
        .await
        .unwrap();
    let attachment = app
        .attach_to_clue(
            &operator,
            criminal_clue,
            "材料.txt",
            "text/plain",
            b"evidence",
        )
        .await
        .unwrap()
        .id;
    let csv = "身份证号,姓名\n110101199003070000,张三\n".as_bytes();
    let shuju = sign_in(addr, "shuju").await;
    let answer = shuju
        .call(
            addr,
            "POST",
            "/api/uploads",
            &Body::File("a.csv", csv.to_vec()),
        )
        .await;
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    let upload = answer.json()["upload_id"].as_str().unwrap().to_owned();
    let shuju2 = sign_in(addr, "shuju2").await;
    let answer = shuju2
        .call(
            addr,
            "POST",
            "/api/uploads",
            &Body::File("b.csv", csv.to_vec()),
        )
        .await;
    let mine = answer.json()["upload_id"].as_str().unwrap().to_owned();
    let answer = shuju2
        .call(
            addr,
            "POST",
            "/api/ingests",
            &Body::Json(json!({"upload_id": mine, "dataset": "matrix_own", "mapping": []})),
        )
        .await;
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    let job = answer.json()["job_id"].as_u64().unwrap();
    let grant = app
        .grant_access(&operator, "zhao.jiancha", "公益诉讼检察部", "矩阵", 1)
        .await
        .unwrap();
    World {
        criminal_clue,
        attachment,
        public_clue,
        upload,
        job,
        grant,
    }
}

/// The accounts that probe, one or more per role; those whose scope is probed from two sides
/// (another department, another data administrator) come first.
const PROBERS: [&str; 10] = [
    "li.jiancha",
    "zheng.jiancha",
    "wang.zhuren",
    "chen.zhuren",
    "shuju2",
    "shuju",
    "moxing",
    "xitong",
    "anquan",
    "shenji",
];

// The matrix and the run's size are printed for the reader (`-- --nocapture`).
#[allow(clippy::print_stderr)]
#[tokio::test]
async fn every_route_answers_every_role_as_declared() {
    each_backend(|fixture| async move {
        let started = std::time::Instant::now();
        let routes = router_routes();
        assert!(routes.len() >= 43, "{} routes found", routes.len());
        let doc = serde_json::to_value(procura_server::openapi()).unwrap();
        let declared = declarations(&doc, &routes);

        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let app = Arc::clone(&fixture.app);
        let server = tokio::spawn(async move {
            procura_server::serve_until(
                app,
                &procura_server::ServeConfig {
                    addr: "127.0.0.1:0".parse().unwrap(),
                    secure_cookies: false,
                    office: "测试市人民检察院".into(),
                    job_threads: 1,
                },
                move |addr| {
                    let _ = ready_tx.send(addr);
                },
                async move {
                    let _ = stop_rx.await;
                },
            )
            .await
        });
        let addr = ready_rx.await.unwrap();
        let world = set_up(&fixture, addr).await;

        // The matrix itself, printed for the reader (A allowed, S allowed within a scope,
        // - refused).
        let mut accounts = Vec::new();
        for username in PROBERS {
            accounts.push(sign_in(addr, username).await);
        }
        let roles: Vec<Role> = Role::ALL.to_vec();
        let mut table = format!("{:<32}", "route");
        for role in &roles {
            table.push_str(&format!(" {:>14}", role.code()));
        }
        for (route, d) in &declared {
            table.push_str(&format!(
                "\n{:<32}",
                format!("{} {}", route.method, route.path)
            ));
            for role in &roles {
                let mark = match (d.allows(&[*role]), &d.scope) {
                    (false, _) => "-".to_owned(),
                    (true, None) => "A".to_owned(),
                    (true, Some(scope)) => format!("S:{scope}"),
                };
                table.push_str(&format!(" {mark:>14}"));
            }
        }
        eprintln!("{table}");

        let mut failures = Vec::new();
        let mut calls = 0;
        // Sign-out last: it ends the session.
        let mut order: Vec<&Route> = declared.keys().collect();
        order.sort_by_key(|r| r.path == "/logout");
        for account in &accounts {
            // Lists hold only the clues of the caller's scope.
            let lists = declared
                .iter()
                .any(|(r, d)| r.path == "/clues" && d.allows(&account.roles));
            if lists {
                let page = account.get(addr, "/api/clues?page_size=200").await;
                for item in page["items"].as_array().unwrap() {
                    let department = item["department"].as_str();
                    if department != account.department.as_deref()
                        && item["assignee"].as_str() != Some(account.username)
                    {
                        failures.push(format!("{} lists clue {item}", account.username));
                    }
                }
            }
            for route in &order {
                let d = &declared[*route];
                if d.requirements.is_none() {
                    continue;
                }
                let allowed = d.allows(&account.roles);
                let mut answers = Vec::new();
                for (variant, uri, body) in probes(route, &world, account) {
                    let answer = account.call(addr, route.method, &uri, &body).await;
                    calls += 1;
                    let what = format!(
                        "{} ({:?}) {} {uri} [{variant:?}] answered {}: {}",
                        account.username,
                        account.roles,
                        route.method,
                        answer.status,
                        String::from_utf8_lossy(&answer.body)
                            .chars()
                            .take(200)
                            .collect::<String>()
                    );
                    if answer.status >= 500 {
                        failures.push(format!("5xx: {what}"));
                    } else if !allowed {
                        if answer.status != 403 || answer.json()["error"]["code"] != "forbidden" {
                            failures.push(format!("not refused: {what}"));
                        }
                    } else if d.scope.is_none() && answer.status == 403 {
                        failures.push(format!("refused though declared allowed: {what}"));
                    } else if d.scope.as_deref() == Some("area")
                        && variant == Variant::Outside
                        && answer.status != 403
                    {
                        failures.push(format!("outside its area but not refused: {what}"));
                    } else if route.method == "GET"
                        && variant == Variant::Own
                        && !(200..300).contains(&answer.status)
                    {
                        failures.push(format!("own object not served: {what}"));
                    }
                    answers.push((variant, uri, answer));
                }
                // Out of scope answers exactly like not there.
                let outside = answers.iter().find(|(v, _, _)| *v == Variant::Outside);
                let missing = answers.iter().find(|(v, _, _)| *v == Variant::Missing);
                if let (Some(outside), Some(missing)) = (outside, missing)
                    && d.scope.as_deref() != Some("area")
                {
                    let mut ids = vec![
                        world.criminal_clue.to_string(),
                        world.public_clue.to_string(),
                        world.job.to_string(),
                        NO_ID.to_string(),
                    ];
                    ids.sort_by_key(|id| std::cmp::Reverse(id.len()));
                    let (a, b) = (shape(&outside.2, &ids), shape(&missing.2, &ids));
                    if a != b {
                        failures.push(format!(
                            "existence leaks: {} {} {}: outside {a} / missing {b}",
                            account.username, route.method, route.path
                        ));
                    }
                }
            }
        }
        eprintln!(
            "{} routes × {} roles ({} accounts), {calls} calls in {:.1} s",
            declared.len(),
            roles.len(),
            accounts.len(),
            started.elapsed().as_secs_f64()
        );
        let _ = stop_tx.send(());
        server.await.unwrap().unwrap();
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    })
    .await;
}
