//! The holes a review found (issue 9), each shown closed, and the audit trail that records
//! every use: reads of clues, refusals, sign-ins, runs, previews.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};

use crate::{Client, each_backend, wait_for_job};

/// Audit records matching a query, as the 安全审计员 sees them.
async fn audit(fixture: &crate::Fixture, query: &str) -> Vec<Value> {
    let mut auditor = Client::login(fixture, "shenji").await;
    let (status, body) = auditor.get(&format!("/api/audit?{query}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body.as_array().unwrap().clone()
}

#[tokio::test]
async fn every_read_of_a_clue_and_every_refusal_is_recorded_for_the_auditor() {
    each_backend(|fixture| async move {
        let mut li = Client::login(&fixture, "li.jiancha").await;
        let id = crate::first_new_clue(&mut li, "M35").await;
        let (status, _) = li.get(&format!("/api/clues/{id}")).await;
        assert_eq!(status, StatusCode::OK);
        let reads = audit(
            &fixture,
            &format!("account=li.jiancha&action=clue.read&object=clue:{id}"),
        )
        .await;
        assert_eq!(reads.len(), 1, "{reads:?}");
        assert_eq!(reads[0]["outcome"], "ok");
        assert_eq!(reads[0]["roles"], "procurator");
        assert_eq!(reads[0]["action_zh"], "查看线索");
        let lists = audit(&fixture, "account=li.jiancha&action=clue.list").await;
        assert!(!lists.is_empty());

        // The procurator may not read the audit trail; the attempt is itself recorded.
        let (status, _) = li.get("/api/audit").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let denied = audit(&fixture, "account=li.jiancha&action=access.denied").await;
        assert!(denied.iter().any(|r| r["object"] == "audit"), "{denied:?}");

        // Sign-ins, failed ones included, with the attempted account.
        let mut stranger = Client::anonymous(&fixture);
        stranger
            .post(
                "/api/login",
                json!({"username": "li.jiancha", "password": "wrong-password-1"}),
            )
            .await;
        let failed = audit(&fixture, "action=login.failed&object=user:li.jiancha").await;
        assert_eq!(failed.len(), 1, "{failed:?}");
        assert_eq!(failed[0]["account"], "anonymous");
        let logins = audit(&fixture, "account=li.jiancha&action=login").await;
        assert!(!logins.is_empty());

        // The auditor's own searches are recorded too, and the trail verifies.
        let mut auditor = Client::login(&fixture, "shenji").await;
        let (status, verdict) = auditor.post("/api/audit/verify", json!({})).await;
        assert_eq!(status, StatusCode::OK, "{verdict}");
        assert_eq!(verdict["ok"], true, "{verdict}");
        let own = audit(&fixture, "account=shenji&action=audit.read").await;
        assert!(!own.is_empty());

        // A stated purpose travels with the request into the record.
        let request = Request::get(format!("/api/clues/{id}"))
            .header(header::COOKIE, li.cookie_header())
            .header("x-procura-purpose", "%E6%A0%B8%E6%9F%A5%E7%BA%BF%E7%B4%A2")
            .body(Body::empty())
            .unwrap();
        let (status, _, _) = li.send(request).await;
        assert_eq!(status, StatusCode::OK);
        let reads = audit(
            &fixture,
            &format!("account=li.jiancha&action=clue.read&object=clue:{id}"),
        )
        .await;
        assert_eq!(reads[0]["purpose"], "核查线索", "{reads:?}");
    })
    .await;
}

#[tokio::test]
async fn clue_ids_cannot_be_probed() {
    each_backend(|fixture| async move {
        let mut li = Client::login(&fixture, "li.jiancha").await;
        let (_, mine) = li.get("/api/clues?page_size=200").await;
        let own: std::collections::HashSet<i64> = mine["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_i64().unwrap())
            .collect();
        let mut sun = Client::login(&fixture, "sun.jiancha").await;
        let (status, existing) = sun
            .get(&format!("/api/clues/{}", own.iter().next().unwrap()))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        // 1,000 ids, existing (other departments') and not: one answer for all, never data.
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for probe in 0..1100 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let id = (state % 5000) as i64 + 1;
            let path = if probe < 1000 {
                format!("/api/clues/{id}")
            } else {
                format!("/api/clues/{id}/attachments/1")
            };
            {
                let (status, body) = sun.get(&path).await;
                assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {body}");
                assert_eq!(body, existing, "{path}");
            }
        }
        let denied = audit(
            &fixture,
            "account=sun.jiancha&action=access.denied&limit=1000",
        )
        .await;
        assert!(denied.len() >= 1000, "{}", denied.len());
    })
    .await;
}

#[tokio::test]
async fn sign_in_neither_reveals_accounts_nor_lets_anyone_lock_anyone_out() {
    each_backend(|fixture| async move {
        let attacker: SocketAddr = "10.9.8.7:40000".parse().unwrap();
        let owner: SocketAddr = "10.1.2.3:40000".parse().unwrap();
        let login = |username: &str, password: &str, from: SocketAddr| {
            let mut request = Request::post("/api/login")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(
                    json!({"username": username, "password": password}).to_string(),
                ))
                .unwrap();
            request.extensions_mut().insert(ConnectInfo(from));
            request
        };
        let mut client = Client::anonymous(&fixture);
        let mut answers = Vec::new();
        for _ in 0..8 {
            let (status, body, _) = client
                .send(login("sun.jiancha", "not-the-password", attacker))
                .await;
            answers.push((status, body));
        }
        let (status, body, _) = client
            .send(login("no.such.user", "not-the-password", attacker))
            .await;
        answers.push((status, body));
        // Throttled now: even the right password from the attacker's address gets the same.
        let (status, body, _) = client
            .send(login("sun.jiancha", crate::PASSWORD, attacker))
            .await;
        answers.push((status, body));
        for (status, body) in &answers {
            assert_eq!(*status, StatusCode::UNAUTHORIZED, "{body}");
            assert_eq!(body, &answers[0].1);
        }
        // The owner, from their own address, signs in with the right password.
        let (status, body, _) = client
            .send(login("sun.jiancha", crate::PASSWORD, owner))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    })
    .await;
}

#[tokio::test]
async fn simultaneous_sign_ins_all_succeed_and_errors_carry_no_internals() {
    each_backend(|fixture| async move {
        let users = [
            "wang.zhuren",
            "li.jiancha",
            "zhao.jiancha",
            "zhou.zhuren",
            "chen.zhuren",
            "sun.jiancha",
            "wu.zhuren",
            "shuju",
            "moxing",
            "anquan",
            "shenji",
            "li.jiancha",
        ];
        let tasks: Vec<_> = users
            .iter()
            .map(|user| {
                let router = fixture.router.clone();
                let user = (*user).to_owned();
                tokio::spawn(async move {
                    let request = Request::post("/api/login")
                        .header(header::CONTENT_TYPE, "application/json")
                        .body(Body::from(
                            json!({"username": user, "password": crate::PASSWORD}).to_string(),
                        ))
                        .unwrap();
                    tower::ServiceExt::oneshot(router, request)
                        .await
                        .unwrap()
                        .status()
                })
            })
            .collect();
        for task in tasks {
            assert_eq!(task.await.unwrap(), StatusCode::OK);
        }
        // Paging parameters are bounded: an absurd page is a clear 400, not a slow query.
        let mut li = Client::login(&fixture, "li.jiancha").await;
        let (status, body) = li.get(&format!("/api/clues?page={}", i64::MAX)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        let (status, _) = li.get("/api/clues?page_size=100000").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    })
    .await;
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    each_backend(|fixture| async move {
        let mut li = Client::login(&fixture, "li.jiancha").await;
        for path in [
            "/api/me",
            "/api/clues",
            "/api/no-such-route",
            "/",
            "/index.html",
        ] {
            let (_, headers, _) = li.get_bytes(path).await;
            assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
            assert_eq!(headers["referrer-policy"], "no-referrer", "{path}");
            let csp = headers["content-security-policy"].to_str().unwrap();
            assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
            assert!(csp.contains("script-src 'self'"), "{path}: {csp}");
            if path.starts_with("/api/") {
                assert_eq!(headers["cache-control"], "no-store", "{path}");
            }
        }
    })
    .await;
}

#[tokio::test]
async fn a_preview_shows_counts_and_masked_samples_and_never_filters_on_an_id() {
    each_backend(|fixture| async move {
        let mut admin = Client::login(&fixture, "moxing").await;
        let draft = crate::builder::drunk_driving_draft("U09");
        let (status, preview) = admin.post("/api/builder/preview", draft.clone()).await;
        assert_eq!(status, StatusCode::OK, "{preview}");
        assert!(preview["hits"].as_i64().unwrap() > 0, "{preview}");
        let id_number = regex_like_full_id();
        for hit in preview["sample"].as_array().unwrap() {
            let title = hit["title"].as_str().unwrap();
            assert!(
                !id_number(title),
                "an unmasked ID number in the preview: {title}"
            );
        }
        // "Is this person in the death data?" — a filter on an ID column is refused.
        let mut probe = draft.clone();
        probe["primary"]["filters"] =
            json!([{"column": "person_id", "op": "=", "value": "11010519491231002X"}]);
        // (the same draft without the probe previews fine: the refusal is the filter's)
        let (status, body) = admin.post("/api/builder/preview", probe).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        let previews = audit(&fixture, "account=moxing&action=model.preview").await;
        assert_eq!(previews.len(), 1, "{previews:?}");
    })
    .await;
}

/// Whether a text holds an 18-character ID number in clear.
fn regex_like_full_id() -> impl Fn(&str) -> bool {
    |text: &str| {
        let chars: Vec<char> = text.chars().collect();
        chars.windows(18).any(|w| {
            w[..17].iter().all(char::is_ascii_digit)
                && (w[17].is_ascii_digit() || w[17] == 'X' || w[17] == 'x')
        })
    }
}

#[tokio::test]
async fn runs_are_limited_to_the_models_area_and_never_hide_clues_in_work() {
    each_backend(|fixture| async move {
        // The head of 公益诉讼检察部 may not re-run 刑事检察's drunk-driving model.
        let mut wu = Client::login(&fixture, "wu.zhuren").await;
        let (status, body) = wu.post("/api/models/M35/runs", json!({})).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

        // wang assigns a clue; li accepts it.
        let mut wang = Client::login(&fixture, "wang.zhuren").await;
        // A clue below the re-run's threshold (its title states the blood alcohol level).
        let (_, page) = wang
            .get("/api/clues?model=M35&status=new&page_size=200")
            .await;
        let id = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| {
                let title = c["title"].as_str().unwrap_or_default();
                title
                    .split("血液酒精含量")
                    .nth(1)
                    .and_then(|rest| rest.split("mg").next())
                    .and_then(|bac| bac.parse::<f64>().ok())
                    .is_some_and(|bac| bac < 150.0)
            })
            .and_then(|c| c["id"].as_i64())
            .expect("an M35 clue with BAC below 150");
        let (status, body) = wang
            .post(
                &format!("/api/clues/{id}/assign"),
                json!({"assignee": "li.jiancha"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let mut li = Client::login(&fixture, "li.jiancha").await;
        let (status, _) = li.post(&format!("/api/clues/{id}/accept"), json!({})).await;
        assert_eq!(status, StatusCode::OK);

        // The model administrator re-runs with a threshold that finds nothing.
        let mut moxing = Client::login(&fixture, "moxing").await;
        let (status, started) = moxing
            .post(
                "/api/models/M35/runs",
                json!({"params": {"bac_threshold": 200}}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{started}");
        let job = wait_for_job(&mut moxing, started["job_id"].as_u64().unwrap()).await;
        assert_eq!(job["status"], "succeeded", "{job}");
        assert!(job["result"]["n_gone"].as_i64().unwrap() > 0, "{job}");

        // The clue under verification stays, with its deadline; untouched ones are gone.
        let (status, detail) = li.get(&format!("/api/clues/{id}")).await;
        assert_eq!(status, StatusCode::OK, "{detail}");
        assert_eq!(detail["clue"]["status"], "verifying", "{detail}");
        let (_, page) = li.get("/api/clues?mine=true").await;
        assert!(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["id"] == id),
            "{page}"
        );
        // The changed parameter is on record.
        let runs = audit(&fixture, "account=moxing&action=model.run").await;
        assert!(
            runs[0]["detail"]
                .as_str()
                .unwrap()
                .contains("bac_threshold"),
            "{runs:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn the_security_administrator_grants_and_revokes_in_the_web() {
    each_backend(|fixture| async move {
        let mut li = Client::login(&fixture, "li.jiancha").await;
        let id = crate::first_new_clue(&mut li, "M35").await;
        let mut anquan = Client::login(&fixture, "anquan").await;
        let (status, created) = anquan
            .post(
                "/api/grants",
                json!({"username": "sun.jiancha", "department": "刑事检察部", "reason": "协助办案", "days": 7}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{created}");
        let mut sun = Client::login(&fixture, "sun.jiancha").await;
        let (status, _) = sun.get(&format!("/api/clues/{id}")).await;
        assert_eq!(status, StatusCode::OK);
        let grant = created["id"].as_i64().unwrap();
        let (status, _) = anquan.post(&format!("/api/grants/{grant}/revoke"), json!({})).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        // Revocation takes effect at the next request of the same session.
        let (status, _) = sun.get(&format!("/api/clues/{id}")).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (_, grants) = anquan.get("/api/grants").await;
        assert!(grants[0]["revoked_at"].is_string(), "{grants}");
        // A procurator cannot grant.
        let (status, _) = li
            .post(
                "/api/grants",
                json!({"username": "li.jiancha", "department": "行政检察部", "reason": "x", "days": 1}),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let changes = audit(&fixture, "account=anquan&action=grant.change").await;
        assert_eq!(changes.len(), 2, "{changes:?}");
    })
    .await;
}

#[tokio::test]
async fn identifiers_are_masked_unless_unmasked_for_a_stated_purpose() {
    each_backend(|fixture| async move {
        let has_full_id = regex_like_full_id();
        let mut li = Client::login(&fixture, "li.jiancha").await;
        let (_, page) = li.get("/api/clues?page_size=50").await;
        for clue in page["items"].as_array().unwrap() {
            assert!(!has_full_id(&clue.to_string()), "{clue}");
        }
        let id = page["items"][0]["id"].as_i64().unwrap();
        // The title as shown (masked) still finds its clue.
        let shown = page["items"][0]["title"].as_str().unwrap();
        assert!(shown.contains('*'), "{shown}");
        let (_, found) = li
            .get(&format!(
                "/api/clues?q={}",
                crate::workflow::urlencode(shown)
            ))
            .await;
        assert!(
            found["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["id"] == id),
            "{found}"
        );
        let (status, masked) = li.get(&format!("/api/clues/{id}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(!has_full_id(&masked.to_string()), "{masked}");
        assert!(
            masked["subjects"][0]["identifier"]
                .as_str()
                .unwrap()
                .contains('*')
        );

        // Unmasking needs a purpose …
        let (status, body) = li.get(&format!("/api/clues/{id}?unmask=true")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        // … and is recorded with it.
        let request = Request::get(format!("/api/clues/{id}?unmask=true"))
            .header(header::COOKIE, li.cookie_header())
            .header(
                "x-procura-purpose",
                "%E6%A0%B8%E5%AF%B9%E5%8E%9F%E5%A7%8B%E6%9D%90%E6%96%99",
            )
            .body(Body::empty())
            .unwrap();
        let (status, full, _) = li.send(request).await;
        assert_eq!(status, StatusCode::OK, "{full}");
        assert!(has_full_id(&full.to_string()), "{full}");
        let reads = audit(
            &fixture,
            &format!("account=li.jiancha&action=clue.read&object=clue:{id}"),
        )
        .await;
        assert_eq!(reads[0]["purpose"], "核对原始材料");
        assert!(
            reads[0]["detail"]
                .as_str()
                .unwrap()
                .contains("\"unmasked\":true"),
            "{reads:?}"
        );
        assert!(
            reads[1]["detail"]
                .as_str()
                .unwrap()
                .contains("\"unmasked\":false"),
            "{reads:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_rejected_upload_leaves_nothing_on_disk() {
    each_backend(|fixture| async move {
        let uploads = fixture.app.workspace().tmp().join("uploads");
        let before = std::fs::read_dir(&uploads).map_or(0, Iterator::count);
        let mut data = Client::login(&fixture, "shuju").await;
        let (status, body) = data
            .upload(
                "/api/uploads",
                "program.csv",
                b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00",
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        let message = body["error"]["message"].as_str().unwrap();
        let root = fixture.app.workspace().root().display().to_string();
        assert!(!message.contains(&root), "a server path in {message}");
        let after = std::fs::read_dir(&uploads).map_or(0, Iterator::count);
        assert_eq!(after, before, "the rejected upload was kept");
    })
    .await;
}

#[tokio::test]
async fn a_normal_day_raises_no_alert_and_each_misuse_raises_its_own() {
    each_backend(|fixture| async move {
        let from = |address: &str, username: &str, password: &str| {
            let mut request = Request::post("/api/login")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(
                    json!({"username": username, "password": password}).to_string(),
                ))
                .unwrap();
            request.extensions_mut().insert(ConnectInfo(
                format!("{address}:40000").parse::<SocketAddr>().unwrap(),
            ));
            request
        };
        // A normal day: sign-ins from the usual address, reading and working on clues.
        let mut wang = Client::anonymous(&fixture);
        wang.send(from("10.1.1.1", "wang.zhuren", crate::PASSWORD))
            .await;
        let id = crate::first_new_clue(&mut wang, "M35").await;
        wang.get(&format!("/api/clues/{id}")).await;
        wang.post(
            &format!("/api/clues/{id}/assign"),
            json!({"assignee": "li.jiancha"}),
        )
        .await;
        let mut li = Client::anonymous(&fixture);
        li.send(from("10.1.1.2", "li.jiancha", crate::PASSWORD))
            .await;
        li.get("/api/home").await;
        li.get(&format!("/api/clues/{id}")).await;
        li.post(&format!("/api/clues/{id}/accept"), json!({})).await;
        li.send(from("10.1.1.2", "li.jiancha", crate::PASSWORD))
            .await;
        assert_eq!(
            fixture.app.scan_alerts().await.unwrap(),
            vec![],
            "a normal day"
        );

        // The security administrator tightens the rules for the drill and turns on office
        // hours that never hold (start = end: every hour is outside).
        let mut anquan = Client::login(&fixture, "anquan").await;
        let (status, mut rules) = anquan.get("/api/alert-rules").await;
        assert_eq!(status, StatusCode::OK, "{rules}");
        for rule in rules.as_array_mut().unwrap() {
            rule["enabled"] = json!(true);
            match rule["rule"].as_str().unwrap() {
                "many_lookups" | "unmask_rate" => rule["threshold"] = json!(3),
                "bulk_export" => rule["threshold"] = json!(1),
                "off_hours" => {
                    rule["start_hour"] = json!(0);
                    rule["end_hour"] = json!(0);
                }
                _ => {}
            }
        }
        let (status, body) = anquan.post("/api/alert-rules", rules).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");

        // Misuse, one rule at a time.
        let mut stranger = Client::anonymous(&fixture);
        for _ in 0..5 {
            stranger
                .send(from("10.6.6.6", "zhao.jiancha", "guessing-password"))
                .await;
        }
        for _ in 0..10 {
            li.get("/api/audit").await;
        }
        let (_, page) = li.get("/api/clues?page_size=5").await;
        for clue in page["items"].as_array().unwrap().iter().take(3) {
            let cid = clue["id"].as_i64().unwrap();
            let request = Request::get(format!("/api/clues/{cid}?unmask=true"))
                .header(header::COOKIE, li.cookie_header())
                .header("x-procura-purpose", "drill")
                .body(Body::empty())
                .unwrap();
            li.send(request).await;
        }
        li.send(from("10.9.9.9", "li.jiancha", crate::PASSWORD))
            .await;
        let out = fixture.app.workspace().root().join("export.csv");
        fixture
            .app
            .export_clues(
                &procura_app::Actor::new("tester").unwrap(),
                &procura_app::clues::ClueQuery::default(),
                procura_app::clues::ExportFormat::Csv,
                &out,
            )
            .await
            .unwrap();
        let raised = fixture.app.scan_alerts().await.unwrap();
        let rules: std::collections::BTreeSet<&str> =
            raised.iter().map(|a| a.rule.as_str()).collect();
        for rule in [
            "failed_logins",
            "denials",
            "many_lookups",
            "unmask_rate",
            "new_client",
            "bulk_export",
            "off_hours",
        ] {
            assert!(rules.contains(rule), "{rule} not raised: {raised:?}");
        }
        assert!(
            raised
                .iter()
                .any(|a| a.rule == "failed_logins" && a.account == "zhao.jiancha"),
            "{raised:?}"
        );
        // A second scan raises nothing new: one alert per rule and account per window.
        assert_eq!(fixture.app.scan_alerts().await.unwrap(), vec![]);

        // The security page shows them; the security administrator acknowledges one.
        let (status, open) = anquan.get("/api/alerts").await;
        assert_eq!(status, StatusCode::OK, "{open}");
        assert_eq!(open.as_array().unwrap().len(), raised.len());
        let first = open[0]["id"].as_i64().unwrap();
        let (status, _) = anquan
            .post(
                &format!("/api/alerts/{first}/ack"),
                json!({"note": "已电话核实，为演练"}),
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (_, open_after) = anquan.get("/api/alerts?status=open").await;
        assert_eq!(open_after.as_array().unwrap().len(), raised.len() - 1);
        // The auditor sees them too but cannot acknowledge; a procurator sees none.
        let mut shenji = Client::login(&fixture, "shenji").await;
        let (status, _) = shenji.get("/api/alerts?status=all").await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = shenji
            .post(
                &format!("/api/alerts/{}/ack", open[1]["id"]),
                json!({"note": "x"}),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = li.get("/api/alerts").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        // Raising and acknowledging are in the audit trail.
        assert_eq!(
            audit(&fixture, "action=alert.raised&limit=1000")
                .await
                .len(),
            raised.len()
        );
        assert_eq!(audit(&fixture, "action=alert.ack").await.len(), 1);
    })
    .await;
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_disconnected() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().unwrap();
    let config = procura_app::Config {
        workspace: dir.path().to_owned(),
        database_url: None,
    };
    procura_app::App::init(&config).await.unwrap();
    let app = std::sync::Arc::new(procura_app::App::open(&config).await.unwrap());
    let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let serve_config = procura_server::ServeConfig {
        addr: "127.0.0.1:0".parse().unwrap(),
        secure_cookies: true,
        office: "测试".into(),
        job_threads: 1,
    };
    let server = tokio::spawn(async move {
        procura_server::serve_until(
            app,
            &serve_config,
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
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET /api/me HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let mut buffer = [0u8; 1024];
    let read = tokio::time::timeout(
        procura_server::HEADER_READ_TIMEOUT + std::time::Duration::from_secs(10),
        stream.read(&mut buffer),
    )
    .await
    .expect("the server kept the half-open request");
    // Closed (0 bytes or a reset), or a 408 before closing.
    if let Ok(n) = read {
        let text = String::from_utf8_lossy(&buffer[..n]);
        assert!(n == 0 || text.contains("408"), "{text}");
    }
    assert!(
        started.elapsed()
            >= procura_server::HEADER_READ_TIMEOUT - std::time::Duration::from_secs(1)
    );
    // A complete request on a fresh connection is served.
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET /api/me HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 401"));
    let _ = stop_tx.send(());
    server.await.unwrap().unwrap();
}

/// T-ALERT-01: the trail's own integrity raises an alert — here, the checkpoint file that
/// vouches for the trail removed behind the server's back; a failed `audit verify` by the
/// auditor is the same alert (the rule watches failed `audit.verify` records).
#[tokio::test]
async fn a_lost_checkpoint_file_raises_the_integrity_alert() {
    each_backend(|fixture| async move {
        let mut wang = Client::login(&fixture, "wang.zhuren").await;
        wang.get("/api/home").await;
        let signed = fixture.app.audit_checkpoint(true).await.unwrap();
        assert!(signed.is_some(), "a checkpoint is signed");
        let file = fixture.app.workspace().root().join("audit/checkpoints.log");
        assert!(file.is_file(), "{}", file.display());
        assert_eq!(fixture.app.scan_alerts().await.unwrap(), vec![]);

        std::fs::remove_file(&file).unwrap();
        wang.get("/api/home").await;
        // The server's 10-second task notices at its next checkpoint check.
        let _ = fixture.app.audit_checkpoint(false).await;
        let raised = fixture.app.scan_alerts().await.unwrap();
        assert_eq!(raised.len(), 1, "{raised:?}");
        assert_eq!(raised[0].rule, "audit_integrity");
        assert!(raised[0].detail.contains("缺失"), "{}", raised[0].detail);
        // Checked again ten seconds later, the same problem is not recorded twice.
        let _ = fixture.app.audit_checkpoint(false).await;
        assert_eq!(fixture.app.scan_alerts().await.unwrap(), vec![]);
    })
    .await;
}
