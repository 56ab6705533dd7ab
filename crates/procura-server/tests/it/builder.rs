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

/// A data administrator names datasets in Chinese and the agency's headers are Chinese too:
/// the builder still writes a manifest that parses and previews (roles get pinyin names,
/// columns the pinyin names ingest gave them).
#[tokio::test]
async fn a_model_builds_over_chinese_named_datasets_and_columns() {
    each_backend(|fixture| async move {
        let dir = tempfile::tempdir().unwrap();
        let operator = procura_app::Actor::new("tester").unwrap();
        let penalties = dir.path().join("交警处罚名单2024.csv");
        std::fs::write(
            &penalties,
            "当事人,身份证号,查处时间,血液酒精含量\n张三,110101199003071233,2024-03-05,120\n李四,11010119900307125X,2024-03-06,60\n",
        )
        .unwrap();
        let filings = dir.path().join("刑事立案.csv");
        std::fs::write(
            &filings,
            "身份证号,移送立案日期\n11010119900307125X,2024-04-01\n",
        )
        .unwrap();
        for (path, name) in [(&penalties, "交警处罚名单2024"), (&filings, "刑事立案登记")] {
            fixture
                .app
                .ingest(
                    &operator,
                    &procura_app::datasets::IngestRequest {
                        path: path.clone(),
                        dataset: name.into(),
                        mapping: None,
                        sheets: procura_app::SheetSelection::First,
                        encoding: None,
                        strict: false,
                        duplicates: None,
                        display_root: None,
                    },
                    std::sync::Arc::new(procura_app::NoProgress),
                )
                .await
                .unwrap();
        }
        let mut admin = Client::login(&fixture, "moxing").await;
        let draft = json!({
            "id": "U09",
            "name_zh": "醉驾未立案（中文数据集）",
            "area": "刑事检察",
            "supervision_point": "醉酒驾驶应当刑事立案",
            "legal_basis": [],
            "follow_up": [],
            "pattern": "missing_follow_up",
            "primary": {
                "dataset": "交警处罚名单2024", "key": "person_id", "date": "cha_chu_shi_jian",
                "filters": [{"column": "bac", "op": ">=", "value": "80"}]
            },
            "secondary": {"dataset": "刑事立案登记", "key": "person_id", "date": "yi_song_li_an_ri_qi"},
            "days": 180,
            "severity": "high"
        });
        let (status, preview) = admin.post("/api/builder/preview", draft).await;
        assert_eq!(status, StatusCode::OK, "{preview}");
        let manifest = preview["manifest"].as_str().unwrap();
        assert!(
            manifest.contains("[inputs.jiao_jing_chu_fa_ming_dan_2024]"),
            "{manifest}"
        );
        assert!(manifest.contains("dataset = \"交警处罚名单2024\""), "{manifest}");
        // 张三 (120 mg, never filed) is the one hit; 李四 is below 80.
        assert_eq!(preview["hits"].as_i64().unwrap(), 1, "{preview}");
    })
    .await;
}
