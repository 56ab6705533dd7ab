//! Data and models through the API: upload, suggested mapping, corrected mapping, background
//! ingest with progress; model runs in the background; who may do which.

use axum::http::StatusCode;
use serde_json::json;

use crate::{Client, each_backend, wait_for_job};

/// A small GBK CSV as an agency would export it.
fn gbk_csv() -> Vec<u8> {
    let text = "姓名,身份证号,处罚日期,罚款金额(元),违法行为\r\n\
                张伟,110101199003074514,2024年3月5日,\"1,500.00\",酒后驾驶\r\n\
                李娜,11010519491231002,2024/3/6,200,超速\r\n\
                王芳,440106198502283641,20240307,1.5万元,醉酒驾驶\r\n";
    let (bytes, _, _) = encoding_rs::GBK.encode(text);
    bytes.into_owned()
}

#[tokio::test]
async fn a_data_administrator_uploads_corrects_the_mapping_and_ingests() {
    each_backend(|fixture| async move {
        let mut procurator = Client::login(&fixture, "li.jiancha").await;
        let (status, _) = procurator.upload("/api/uploads", "处罚.csv", &gbk_csv()).await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        let mut data = Client::login(&fixture, "shuju").await;
        let (status, upload) = data.upload("/api/uploads", "处罚.csv", &gbk_csv()).await;
        assert_eq!(status, StatusCode::OK, "{upload}");
        let mut mapping = upload["mapping"].as_array().unwrap().clone();
        let types: Vec<(&str, &str)> = mapping
            .iter()
            .map(|c| (c["source"].as_str().unwrap(), c["field_type"].as_str().unwrap()))
            .collect();
        assert!(types.contains(&("身份证号", "person_id")), "{types:?}");
        assert!(types.contains(&("处罚日期", "date")), "{types:?}");
        assert!(types.contains(&("罚款金额(元)", "amount")), "{types:?}");
        // The user corrects one column: 违法行为 becomes the dataset column `behaviour`.
        for column in &mut mapping {
            if column["source"] == "违法行为" {
                column["name"] = json!("behaviour");
                column["field_type"] = json!("text");
            }
        }
        let (status, body) = data
            .post(
                "/api/ingests",
                json!({"upload_id": upload["upload_id"], "dataset": "处罚", "mapping": [{"source": "姓名", "name": "x", "field_type": "nonsense"}]}),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        let (status, started) = data
            .post(
                "/api/ingests",
                json!({"upload_id": upload["upload_id"], "dataset": "uploaded_penalties", "mapping": mapping}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{started}");
        let job_id = started["job_id"].as_u64().unwrap();
        // Another user cannot watch someone else's job.
        let (status, _) = procurator.get(&format!("/api/jobs/{job_id}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let job = wait_for_job(&mut data, job_id).await;
        assert_eq!(job["status"], "succeeded", "{job}");
        assert_eq!(job["result"]["rows"], 3);
        assert_eq!(job["progress"], 1.0);

        let (status, detail) = data.get("/api/datasets/uploaded_penalties").await;
        assert_eq!(status, StatusCode::OK, "{detail}");
        let columns: Vec<&str> = detail["columns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert!(columns.contains(&"behaviour"), "{columns:?}");
        assert_eq!(detail["quality"]["rows_read"], 3);
        // The 15-digit ID with its date is upgraded; the report counts the rows.
        assert_eq!(detail["versions"][0]["version"], 1);
        let (status, list) = procurator.get("/api/datasets").await;
        assert_eq!(status, StatusCode::OK);
        assert!(list.as_array().unwrap().iter().any(|d| d["name"] == "uploaded_penalties"));
    })
    .await;
}

#[tokio::test]
async fn model_administrators_run_models_in_the_background() {
    each_backend(|fixture| async move {
        let mut procurator = Client::login(&fixture, "li.jiancha").await;
        let (status, _) = procurator.post("/api/models/M35/runs", json!({})).await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        let mut models = Client::login(&fixture, "moxing").await;
        let (status, list) = models.get("/api/models").await;
        assert_eq!(status, StatusCode::OK);
        let m35 = list
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["id"] == "M35")
            .unwrap();
        assert!(!m35["parameters"].as_array().unwrap().is_empty());
        assert!(!m35["legal_basis"].as_array().unwrap().is_empty());
        let (status, _) = models.post("/api/models/M99/runs", json!({})).await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        let (status, started) = models
            .post(
                "/api/models/M35/runs",
                json!({"params": {}, "bindings": {"traffic_penalties": "traffic_penalties"}}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{started}");
        let job = wait_for_job(&mut models, started["job_id"].as_u64().unwrap()).await;
        assert_eq!(job["status"], "succeeded", "{job}");
        assert!(job["result"]["n_clues"].as_i64().unwrap() > 0);
        assert_eq!(job["result"]["n_new"], 0, "a re-run finds the same clues");

        let (status, runs) = models.get("/api/runs?model=M35").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(runs.as_array().unwrap().len(), 2);
        assert_eq!(runs[0]["actor"], "moxing");

        // A bad parameter fails the job with the model's message, not the server.
        let (_, started) = models
            .post(
                "/api/models/M35/runs",
                json!({"params": {"no_such_param": 1}}),
            )
            .await;
        let job = wait_for_job(&mut models, started["job_id"].as_u64().unwrap()).await;
        assert_eq!(job["status"], "failed", "{job}");
        assert!(
            job["error"].as_str().unwrap().contains("no_such_param"),
            "{job}"
        );
    })
    .await;
}
