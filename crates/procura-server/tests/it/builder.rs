//! The no-code model builder: a form over a collision primitive, previewed on the real data,
//! saved into the library, then run like any other model.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::{Client, each_backend, wait_for_job};

/// M35 rebuilt in the builder: drunk driving (BAC ≥ 80) with no criminal filing in 180 days.
pub(crate) fn drunk_driving_draft(id: &str) -> Value {
    json!({
        "id": id,
        "name_zh": "醉驾未立案（构建器）",
        "area": "刑事检察",
        "supervision_point": "醉酒驾驶应当刑事立案",
        "legal_basis": [{"law": "中华人民共和国刑法", "article": "第一百三十三条之一"}],
        "follow_up": ["通知立案书"],
        "pattern": "missing_follow_up",
        "primary": {
            "dataset": "traffic_penalties", "key": "person_id", "date": "violation_time",
            "filters": [{"column": "bac", "op": ">=", "value": "80"}]
        },
        "secondary": {"dataset": "criminal_filings", "key": "person_id", "date": "filing_date"},
        "days": 180,
        "severity": "high"
    })
}

#[tokio::test]
async fn a_model_built_without_code_finds_what_the_built_in_model_finds() {
    each_backend(|fixture| async move {
        let mut procurator = Client::login(&fixture, "li.jiancha").await;
        let (status, _) = procurator
            .post("/api/builder/preview", drunk_driving_draft("U01"))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        let mut admin = Client::login(&fixture, "moxing").await;
        let (status, options) = admin.get("/api/builder/options").await;
        assert_eq!(status, StatusCode::OK, "{options}");
        assert_eq!(options["patterns"].as_array().unwrap().len(), 6);
        assert!(
            options["datasets"]
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d["name"] == "traffic_penalties")
        );

        let (_, runs_before) = admin.get("/api/runs").await;
        let (status, preview) = admin
            .post("/api/builder/preview", drunk_driving_draft("U01"))
            .await;
        assert_eq!(status, StatusCode::OK, "{preview}");
        let (_, runs) = admin.get("/api/runs?model=M35").await;
        let built_in = runs[0]["n_clues"].as_i64().unwrap();
        assert_eq!(
            preview["hits"].as_i64().unwrap(),
            built_in,
            "{}",
            preview["manifest"]
        );
        assert!(
            preview["manifest"]
                .as_str()
                .unwrap()
                .contains("pattern = \"missing_follow_up\"")
        );
        let (_, runs_after) = admin.get("/api/runs").await;
        assert_eq!(runs_after, runs_before, "a preview records no run");

        // Bad input is refused with a reason, never turned into SQL.
        let mut bad = drunk_driving_draft("U01");
        bad["primary"]["filters"][0]["column"] = json!("bac; DROP TABLE clue");
        let (status, body) = admin.post("/api/builder/preview", bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        let mut bad = drunk_driving_draft("U01");
        bad["primary"]["filters"][0]["value"] = json!("eighty");
        let (status, _) = admin.post("/api/builder/preview", bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let mut bad = drunk_driving_draft("U01");
        bad["secondary"] = Value::Null;
        let (status, _) = admin.post("/api/builder/preview", bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);

        // Saved into the library, it runs like any model; its id cannot be reused.
        let (status, saved) = admin
            .post("/api/builder/models", drunk_driving_draft("U01"))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{saved}");
        let (status, _) = admin
            .post("/api/builder/models", drunk_driving_draft("U01"))
            .await;
        assert_eq!(status, StatusCode::CONFLICT);
        let (status, _) = admin
            .post("/api/builder/models", drunk_driving_draft("M35"))
            .await;
        assert_eq!(status, StatusCode::CONFLICT);
        let (_, models) = admin.get("/api/models").await;
        let model = models
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["id"] == "U01")
            .expect("saved model listed");
        assert_eq!(model["area"], "刑事检察");
        let (status, started) = admin.post("/api/models/U01/runs", json!({})).await;
        assert_eq!(status, StatusCode::OK, "{started}");
        let job = wait_for_job(&mut admin, started["job_id"].as_u64().unwrap()).await;
        assert_eq!(job["status"], "succeeded", "{job}");
        assert_eq!(job["result"]["n_clues"].as_i64().unwrap(), built_in);
        // Its clues go to the criminal department like M35's.
        let (_, page) = procurator.get("/api/clues?model=U01").await;
        assert_eq!(page["total"].as_i64().unwrap(), built_in);
    })
    .await;
}
