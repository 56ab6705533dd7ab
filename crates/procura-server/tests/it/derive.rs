//! Deriving a variant of a built-in model (派生变体): the model administrator's right, a new
//! model in the library that runs like any other, refusals that say why.

use axum::http::StatusCode;
use serde_json::json;

use crate::{Client, each_backend, wait_for_job};

#[tokio::test]
async fn a_model_administrator_derives_a_variant_and_others_may_not() {
    each_backend(|fixture| async move {
        let variant = json!({
            "id": "M35_30",
            "name_zh": "醉驾未立案（30日）",
            "name_en": "Drunk driving not filed within 30 days",
            "params": {"filing_days": 30, "bac_threshold": "80", "reference_date": null}
        });
        // Neither a procurator nor a department head (who may run models) may add one.
        for user in ["li.jiancha", "wang.zhuren"] {
            let mut client = Client::login(&fixture, user).await;
            let (status, body) = client.post("/api/models/M35/derive", variant.clone()).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{user}: {body}");
        }

        let mut admin = Client::login(&fixture, "moxing").await;
        let (status, derived) = admin.post("/api/models/M35/derive", variant.clone()).await;
        assert_eq!(status, StatusCode::CREATED, "{derived}");
        assert_eq!(derived["model"]["id"], "M35_30");
        assert!(
            derived["model"]["derived_from"]
                .as_str()
                .unwrap()
                .starts_with("M35@"),
            "{derived}"
        );
        let filing_days = derived["model"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "filing_days")
            .unwrap();
        assert_eq!(filing_days["default"], "30");
        // Only what differs from the base is a change: bac_threshold is given unchanged.
        let changes: Vec<&str> = derived["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        assert!(
            changes
                .iter()
                .any(|c| c.contains("filing_days") && c.contains("180 → 30")),
            "{changes:?}"
        );
        assert!(
            !changes.iter().any(|c| c.contains("bac_threshold")),
            "{changes:?}"
        );

        // Listed with its base, and it runs: a shorter window finds at least what M35 finds.
        let (_, models) = admin.get("/api/models").await;
        let listed = models
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["id"] == "M35_30")
            .expect("the variant is listed");
        assert_eq!(listed["derived_from"], derived["model"]["derived_from"]);
        let (_, runs) = admin.get("/api/runs?model=M35").await;
        let built_in = runs[0]["n_clues"].as_i64().unwrap();
        let (status, started) = admin.post("/api/models/M35_30/runs", json!({})).await;
        assert_eq!(status, StatusCode::OK, "{started}");
        let job = wait_for_job(&mut admin, started["job_id"].as_u64().unwrap()).await;
        assert_eq!(job["status"], "succeeded", "{job}");
        assert!(
            job["result"]["n_clues"].as_i64().unwrap() >= built_in,
            "{job}"
        );

        // Refusals: a taken id (the variant's, a built-in's), an unknown parameter, a value
        // out of range, an unknown base.
        let (status, body) = admin.post("/api/models/M35/derive", variant.clone()).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        let mut taken = variant.clone();
        taken["id"] = json!("M03");
        let (status, body) = admin.post("/api/models/M35/derive", taken).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        let mut unknown = variant.clone();
        unknown["id"] = json!("M35_X");
        unknown["params"] = json!({"grace": 3});
        let (status, body) = admin.post("/api/models/M35/derive", unknown).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(
            body["error"]["message"].as_str().unwrap().contains("grace"),
            "{body}"
        );
        let mut out_of_range = variant.clone();
        out_of_range["id"] = json!("M35_X");
        out_of_range["params"] = json!({"bac_threshold": 500});
        let (status, body) = admin.post("/api/models/M35/derive", out_of_range).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("maximum"),
            "{body}"
        );
        let (status, _) = admin
            .post(
                "/api/models/M99/derive",
                json!({"id": "M99_X", "name_zh": "无"}),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    })
    .await;
}
