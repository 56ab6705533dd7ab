//! Sign-in, sessions, CSRF, lockout, forced password change, and the separated
//! administrators who never see case data.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use procura_app::auth::NewUserRequest;
use procura_app::{Actor, Role};
use serde_json::json;

use crate::{Client, each_backend};

#[tokio::test]
async fn login_sets_a_strict_http_only_cookie_and_logout_ends_the_session() {
    each_backend(|fixture| async move {
        let mut client = Client::anonymous(&fixture);
        let (status, body) = client.get("/api/me").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["error"]["code"], "unauthenticated");

        let request = Request::post("/api/login")
            .header("content-type", "application/json")
            .body(Body::from(
                json!({"username": "li.jiancha", "password": crate::PASSWORD}).to_string(),
            ))
            .unwrap();
        let (status, body, cookies) = client.send(request).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let cookie = &cookies[0];
        assert!(cookie.starts_with("procura_session="), "{cookie}");
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
            "{cookie}"
        );
        assert_eq!(body["user"]["roles"], json!(["procurator"]));
        assert_eq!(body["user"]["department"]["name"], "刑事检察部");
        assert_eq!(body["user"]["office"], "测试市人民检察院");
        assert_eq!(body["csrf_token"].as_str().unwrap().len(), 64);

        let (status, me) = client.get("/api/me").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(me["user"]["username"], "li.jiancha");

        let (status, _) = client.post("/api/logout", json!({})).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, _) = client.get("/api/me").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    })
    .await;
}

#[tokio::test]
async fn changes_need_the_sessions_csrf_token() {
    each_backend(|fixture| async move {
        let mut client = Client::login(&fixture, "wang.zhuren").await;
        let id = crate::first_new_clue(&mut client, "M35").await;
        let assign = json!({"assignee": "li.jiancha"});
        let (status, body) = client
            .post_without_csrf(&format!("/api/clues/{id}/assign"), assign.clone())
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(body["error"]["code"], "csrf");
        // Another session's token does not work either.
        let other = Client::login(&fixture, "chen.zhuren").await;
        let mut mixed = Client::login(&fixture, "wang.zhuren").await;
        mixed.use_csrf_of(&other);
        let (status, _) = mixed
            .post(&format!("/api/clues/{id}/assign"), assign.clone())
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, detail) = client
            .post(&format!("/api/clues/{id}/assign"), assign)
            .await;
        assert_eq!(status, StatusCode::OK, "{detail}");
    })
    .await;
}

#[tokio::test]
async fn five_wrong_passwords_throttle_the_address_and_a_reset_gives_a_one_time_password() {
    each_backend(|fixture| async move {
        let mut client = Client::anonymous(&fixture);
        let from = |password: &str, username: &str| {
            let mut request = Request::post("/api/login")
                .header("content-type", "application/json")
                .body(Body::from(
                    json!({"username": username, "password": password}).to_string(),
                ))
                .unwrap();
            request.extensions_mut().insert(axum::extract::ConnectInfo(
                "10.0.0.66:1234".parse::<std::net::SocketAddr>().unwrap(),
            ));
            request
        };
        let mut answers = Vec::new();
        for _ in 1..=5 {
            let (status, body, _) = client.send(from("not-the-password", "sun.jiancha")).await;
            answers.push((status, body));
        }
        // Throttled from this address: even the right password gets the same answer.
        let (status, body, _) = client.send(from(crate::PASSWORD, "sun.jiancha")).await;
        answers.push((status, body));
        // An unknown user gets the same answer as a wrong password.
        let (status, body, _) = client.send(from("whatever-it-is", "nobody")).await;
        answers.push((status, body));
        for (status, body) in &answers {
            assert_eq!(*status, StatusCode::UNAUTHORIZED, "{body}");
            assert_eq!(body["error"]["code"], "bad_credentials");
            assert_eq!(body, &answers[0].1);
        }

        let operator = Actor::new("tester").unwrap();
        let one_time = fixture
            .app
            .reset_password(&operator, "sun.jiancha")
            .await
            .unwrap();
        // From the owner's own address (the throttle is per account and address).
        let mut client = Client::anonymous(&fixture);
        let (status, body) = client
            .post(
                "/api/login",
                json!({"username": "sun.jiancha", "password": one_time}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["user"]["must_change_password"], true);
        // Until the password is changed, nothing else works.
        let (status, _) = client.get("/api/clues").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, body) = client
            .post(
                "/api/me/password",
                json!({"old_password": one_time, "new_password": "short"}),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        for weak in [
            "1111111111111",
            "123456789012",
            "password1234",
            "sun.jiancha-2026",
        ] {
            let (status, body) = client
                .post(
                    "/api/me/password",
                    json!({"old_password": one_time, "new_password": weak}),
                )
                .await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{weak}: {body}");
        }
        let (status, body) = client
            .post(
                "/api/me/password",
                json!({"old_password": one_time, "new_password": "a-new-long-password"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["user"]["must_change_password"], false);
        let (status, _) = client.get("/api/clues").await;
        assert_eq!(status, StatusCode::OK);
    })
    .await;
}

#[tokio::test]
async fn separated_administrators_never_read_case_data() {
    each_backend(|fixture| async move {
        let operator = Actor::new("tester").unwrap();
        let admin = fixture
            .app
            .add_user(
                &operator,
                &NewUserRequest {
                    username: "xitong".into(),
                    display_name: "系统管理员".into(),
                    roles: vec![Role::SysAdmin],
                    department: None,
                    password: Some(crate::PASSWORD.into()),
                },
            )
            .await
            .unwrap();
        assert!(!admin.user.must_change_password);
        // 三员分立: the separated roles cannot be combined.
        let combined = fixture
            .app
            .add_user(
                &operator,
                &NewUserRequest {
                    username: "both".into(),
                    display_name: String::new(),
                    roles: vec![Role::SysAdmin, Role::Auditor],
                    department: None,
                    password: None,
                },
            )
            .await;
        assert!(combined.is_err());

        for user in ["xitong", "anquan", "shenji"] {
            let mut client = Client::login(&fixture, user).await;
            for path in ["/api/clues", "/api/home", "/api/datasets", "/api/clues/1"] {
                let (status, body) = client.get(path).await;
                assert_eq!(status, StatusCode::FORBIDDEN, "{user} {path}: {body}");
            }
        }
        let mut system = Client::login(&fixture, "xitong").await;
        let (status, users) = system.get("/api/users").await;
        assert_eq!(status, StatusCode::OK);
        assert!(users.as_array().unwrap().len() >= 12);
        let mut procurator = Client::login(&fixture, "li.jiancha").await;
        let (status, _) = procurator.get("/api/users").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        // The data administrator manages data, not clues.
        let mut data = Client::login(&fixture, "shuju").await;
        let (status, _) = data.get("/api/clues").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = data.get("/api/datasets").await;
        assert_eq!(status, StatusCode::OK);
    })
    .await;
}

#[tokio::test]
async fn the_openapi_document_describes_every_route() {
    each_backend(|fixture| async move {
        let mut client = Client::anonymous(&fixture);
        let (status, doc) = client.get("/api/openapi.json").await;
        assert_eq!(status, StatusCode::OK);
        let paths = doc["paths"].as_object().unwrap();
        for path in [
            "/api/login",
            "/api/clues",
            "/api/clues/{id}",
            "/api/clues/{id}/assign",
            "/api/clues/{id}/conclude",
            "/api/uploads",
            "/api/ingests",
            "/api/models/{id}/runs",
            "/api/jobs/{id}",
        ] {
            assert!(
                paths.contains_key(path),
                "{path} missing from the OpenAPI document"
            );
        }
        // Every route the router serves is documented, with every method: the routes are
        // read from the router's source, so a new undocumented route fails here.
        let source = include_str!("../../src/lib.rs");
        let mut routes = 0;
        for chunk in source.split(".route(").skip(1) {
            let path = chunk.split('"').nth(1).unwrap();
            if path == "/openapi.json" {
                continue;
            }
            // The handlers of this route: up to the end of the `.route(…)` call.
            let call = chunk.split("\n        .").next().unwrap();
            routes += 1;
            let documented = &doc["paths"][format!("/api{path}")];
            assert!(
                documented.is_object(),
                "/api{path} missing from the OpenAPI document"
            );
            for method in ["get", "post"] {
                if call.contains(&format!("{method}(")) || call.contains(&format!(".{method}(")) {
                    assert!(
                        documented[method].is_object(),
                        "{method} /api{path} missing from the OpenAPI document"
                    );
                }
            }
        }
        assert!(routes >= 33, "{routes} routes found in the router source");
        let (status, body) = client.get("/api/no-such-thing").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(body["error"]["code"], "not_found");
        // The UI is served for everything outside /api.
        let request = Request::get("/").body(Body::empty()).unwrap();
        let response = tower::ServiceExt::oneshot(fixture.router.clone(), request)
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
    })
    .await;
}

#[tokio::test]
async fn every_route_but_sign_in_needs_a_session() {
    // Default deny (ASVS 6.3.4, 8.1): every route in the router's source, with every method,
    // answers 401 to a caller without a session — none reads or changes anything first.
    each_backend(|fixture| async move {
        let source = include_str!("../../src/lib.rs");
        let mut checked = 0;
        for chunk in source.split(".route(").skip(1) {
            let path = chunk.split('"').nth(1).unwrap();
            if path == "/openapi.json" || path == "/login" {
                continue;
            }
            let call = chunk.split("\n        .").next().unwrap();
            let uri = format!(
                "/api{}",
                path.replace("{id}", "1")
                    .replace("{attachment}", "1")
                    .replace("{username}", "li.jiancha")
                    .replace("{name}", "deaths")
            );
            for method in ["get", "post"] {
                if !(call.contains(&format!("{method}(")) || call.contains(&format!(".{method}(")))
                {
                    continue;
                }
                let request = Request::builder()
                    .method(method.to_uppercase().as_str())
                    .uri(&uri)
                    .header("content-type", "application/json")
                    .header("x-csrf-token", "x")
                    .body(Body::from("{}"))
                    .unwrap();
                let response = tower::ServiceExt::oneshot(fixture.router.clone(), request)
                    .await
                    .unwrap();
                assert_eq!(
                    response.status(),
                    StatusCode::UNAUTHORIZED,
                    "{method} {uri} answered a caller without a session"
                );
                checked += 1;
            }
        }
        assert!(checked >= 35, "{checked} route methods checked");
    })
    .await;
}
