//! The clue workflow through the API: scope, every transition with the right and the wrong
//! role, deadlines, history, and cross-department grants.

use axum::http::StatusCode;
use procura_app::Actor;
use serde_json::json;

use crate::{Client, each_backend, first_new_clue};

#[tokio::test]
async fn a_clue_goes_from_new_to_concluded_and_back() {
    each_backend(|fixture| async move {
        let mut head = Client::login(&fixture, "wang.zhuren").await;
        let mut li = Client::login(&fixture, "li.jiancha").await;
        let mut zhao = Client::login(&fixture, "zhao.jiancha").await;
        let id = first_new_clue(&mut head, "M35").await;
        let path = format!("/api/clues/{id}");

        let (status, detail) = head.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{detail}");
        assert_eq!(detail["clue"]["status"], "new");
        assert_eq!(detail["clue"]["department"], "刑事检察部");
        assert_eq!(detail["allowed_actions"], json!(["assign", "invalidate"]));
        assert!(!detail["evidence"].as_array().unwrap().is_empty());
        assert!(!detail["evidence"][0]["highlight"].as_array().unwrap().is_empty(), "{}", detail["evidence"]);
        assert!(!detail["model"]["legal_basis"].as_array().unwrap().is_empty());

        // Only the department head assigns; no skipping ahead.
        let (status, body) = li.post(&format!("{path}/assign"), json!({"assignee": "li.jiancha"})).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        let (status, body) = li.post(&format!("{path}/accept"), json!({})).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        let (status, body) = head
            .post(&format!("{path}/assign"), json!({"assignee": "sun.jiancha"}))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "another department's procurator: {body}");

        let (status, detail) = head
            .post(&format!("{path}/assign"), json!({"assignee": "li.jiancha", "note": "请核查"}))
            .await;
        assert_eq!(status, StatusCode::OK, "{detail}");
        assert_eq!(detail["clue"]["status"], "assigned");
        assert_eq!(detail["clue"]["assignee_name"], "李检察官");
        assert!(detail["stage_due_at"].is_string());
        let (status, body) = head
            .post(&format!("{path}/assign"), json!({"assignee": "zhao.jiancha"}))
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "assigning twice: {body}");

        // Only the assignee accepts and concludes.
        let (status, _) = zhao.post(&format!("{path}/accept"), json!({})).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, body) = li
            .post(&format!("{path}/conclude"), json!({"category": "case", "act": "检察建议"}))
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "concluding before accepting: {body}");
        let (status, detail) = li.post(&format!("{path}/accept"), json!({})).await;
        assert_eq!(status, StatusCode::OK, "{detail}");
        assert_eq!(detail["clue"]["status"], "verifying");
        assert_eq!(detail["allowed_actions"], json!(["comment", "conclude"]));

        let (status, detail) = li
            .post(&format!("{path}/comments"), json!({"text": "已调取交警处罚卷宗，情况属实。"}))
            .await;
        assert_eq!(status, StatusCode::OK, "{detail}");
        assert_eq!(detail["comments"][0]["author_name"], "李检察官");
        let (status, _) = li.post(&format!("{path}/comments"), json!({"text": "  "})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);

        let (status, body) = li
            .post(&format!("{path}/conclude"), json!({"category": "case"}))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "a case needs an act: {body}");
        let (status, body) = li
            .post(&format!("{path}/conclude"), json!({"category": "case", "act": "随便"}))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "unknown act: {body}");
        let (status, detail) = li
            .post(
                &format!("{path}/conclude"),
                json!({"category": "case", "act": "立案监督", "note": "已通知公安机关说明不立案理由"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{detail}");
        assert_eq!(detail["clue"]["status"], "closed");
        assert_eq!(detail["outcome"]["category"], "case");
        assert_eq!(detail["outcome"]["act"], "立案监督");
        assert!(detail["stage_due_at"].is_null());
        let (status, _) = li
            .post(&format!("{path}/conclude"), json!({"category": "no_case", "reason": "证据不足"}))
            .await;
        assert_eq!(status, StatusCode::CONFLICT);

        // The head reopens with a reason; the history has every step with its actor.
        let (status, _) = head.post(&format!("{path}/reopen"), json!({"reason": ""})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let (status, detail) = head
            .post(&format!("{path}/reopen"), json!({"reason": "需补充核查"}))
            .await;
        assert_eq!(status, StatusCode::OK, "{detail}");
        assert_eq!(detail["clue"]["status"], "assigned");
        assert!(detail["outcome"].is_null());
        let actions: Vec<&str> = detail["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(actions, ["created", "assign", "accept", "conclude", "reopen"]);
        assert_eq!(detail["events"][1]["actor"], "王主任");

        // Effectiveness counts the case.
        let mut models = Client::login(&fixture, "moxing").await;
        let (_, list) = models.get("/api/models").await;
        let m35 = list.as_array().unwrap().iter().find(|m| m["id"] == "M35").unwrap();
        assert!(m35["effectiveness"]["clues"].as_i64().unwrap() > 0);
    })
    .await;
}

#[tokio::test]
async fn procurators_see_only_their_departments_clues_unless_granted() {
    each_backend(|fixture| async move {
        let mut li = Client::login(&fixture, "li.jiancha").await;
        let mut sun = Client::login(&fixture, "sun.jiancha").await;
        let mut wu = Client::login(&fixture, "wu.zhuren").await;
        let (_, mine) = li.get("/api/clues?page_size=200").await;
        let total = mine["total"].as_i64().unwrap();
        assert!(total > 0);
        assert!(
            mine["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|c| c["department"] == "刑事检察部"),
            "{mine}"
        );
        let (_, public) = wu.get("/api/clues?page_size=200").await;
        assert!(
            public["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|c| c["model_id"] == "M03")
        );
        let (_, none) = sun.get("/api/clues").await;
        assert_eq!(none["total"], 0, "行政检察部 has no clues from M35 or M03");

        let id = mine["items"][0]["id"].as_i64().unwrap();
        let (status, body) = sun.get(&format!("/api/clues/{id}")).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        // A clue that does not exist gets the same answer, so ids cannot be probed.
        let (status, missing) = sun.get("/api/clues/999999").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(missing, body);

        // A grant opens the department's clues to sun, and each look is recorded.
        let operator = Actor::new("tester").unwrap();
        fixture
            .app
            .grant_access(
                &operator,
                "sun.jiancha",
                "刑事检察部",
                "协助办理醉驾专项",
                7,
            )
            .await
            .unwrap();
        let mut sun = Client::login(&fixture, "sun.jiancha").await;
        let (status, detail) = sun.get(&format!("/api/clues/{id}")).await;
        assert_eq!(status, StatusCode::OK, "{detail}");
        assert!(
            detail["events"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["action"] == "viewed_by_grant"),
            "{}",
            detail["events"]
        );
        assert_eq!(
            detail["allowed_actions"],
            json!([]),
            "a grant reads, it does not act"
        );
        let (_, granted) = sun.get("/api/clues").await;
        assert_eq!(granted["total"].as_i64().unwrap(), total);
    })
    .await;
}

#[tokio::test]
async fn the_list_filters_sorts_and_pages_on_the_server() {
    each_backend(|fixture| async move {
        let mut head = Client::login(&fixture, "wu.zhuren").await;
        let (status, all) = head.get("/api/clues?page_size=5&page=1").await;
        assert_eq!(status, StatusCode::OK);
        let total = all["total"].as_i64().unwrap();
        assert!(total > 5, "{total}");
        assert_eq!(all["items"].as_array().unwrap().len(), 5);
        let (_, second) = head.get("/api/clues?page_size=5&page=2").await;
        assert_ne!(all["items"][0]["id"], second["items"][0]["id"]);

        let (_, by_amount) = head.get("/api/clues?sort=-amount&page_size=100").await;
        let amounts: Vec<i64> = by_amount["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|c| c["amount_fen"].as_i64())
            .collect();
        assert!(amounts.windows(2).all(|w| w[0] >= w[1]), "{amounts:?}");
        let big = amounts[0];
        let (_, filtered) = head
            .get(&format!("/api/clues?min_amount_fen={big}&page_size=100"))
            .await;
        assert!(
            filtered["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|c| c["amount_fen"].as_i64() >= Some(big))
        );

        let (_, by_status) = head.get("/api/clues?status=新线索").await;
        assert_eq!(by_status["total"].as_i64().unwrap(), total);
        let (_, none) = head.get("/api/clues?status=closed").await;
        assert_eq!(none["total"], 0);
        let name_hit = all["items"][0]["title"]
            .as_str()
            .unwrap()
            .chars()
            .take(3)
            .collect::<String>();
        let (_, text) = head
            .get(&format!("/api/clues?q={}", urlencode(&name_hit)))
            .await;
        assert!(text["total"].as_i64().unwrap() >= 1, "{text}");

        for bad in [
            "sort=sideways",
            "status=open",
            "from=2024-13-01",
            "severity=huge",
        ] {
            let (status, body) = head.get(&format!("/api/clues?{bad}")).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        }
        let (status, home) = head.get("/api/home").await;
        assert_eq!(status, StatusCode::OK);
        let new = home["by_status"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["status"] == "new")
            .unwrap();
        assert_eq!(new["count"].as_i64().unwrap(), total);
    })
    .await;
}

pub(crate) fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn verification_documents_are_attached_kept_and_served_only_in_scope() {
    each_backend(|fixture| async move {
        let mut head = Client::login(&fixture, "wang.zhuren").await;
        let mut li = Client::login(&fixture, "li.jiancha").await;
        let mut sun = Client::login(&fixture, "sun.jiancha").await;
        let id = first_new_clue(&mut head, "M35").await;
        let path = format!("/api/clues/{id}/attachments");
        let document = "询问笔录：当事人承认醉酒驾驶。".as_bytes();
        // A new clue is not under verification yet.
        let (status, _) = li.upload(&path, "询问笔录.txt", document).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        head.post(
            &format!("/api/clues/{id}/assign"),
            json!({"assignee": "li.jiancha"}),
        )
        .await;
        li.post(&format!("/api/clues/{id}/accept"), json!({})).await;

        let (status, detail) = li.upload(&path, "询问笔录.txt", document).await;
        assert_eq!(status, StatusCode::OK, "{detail}");
        let attachment = &detail["attachments"][0];
        assert_eq!(attachment["file_name"], "询问笔录.txt");
        assert_eq!(attachment["size"].as_u64().unwrap(), document.len() as u64);
        assert_eq!(attachment["author_name"], "李检察官");
        assert!(
            detail["events"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["action"] == "attach")
        );

        let url = attachment["url"].as_str().unwrap().to_owned();
        let (status, headers, bytes) = head.get_bytes(&url).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(bytes, document);
        let disposition = headers["content-disposition"].to_str().unwrap();
        assert!(disposition.starts_with("attachment;"), "{disposition}");
        let (status, _, _) = sun.get_bytes(&url).await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        let too_big = vec![b'x'; procura_app::workflow::MAX_ATTACHMENT_BYTES + 100_000];
        let (status, body) = li.upload(&path, "big.bin", &too_big).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
        let (_, detail) = li.get(&format!("/api/clues/{id}")).await;
        assert_eq!(detail["attachments"].as_array().unwrap().len(), 1);
    })
    .await;
}

/// The clue page says why: the model's rule stated against this clue's own evidence, with the
/// parameters of the run that found it (M35: the threshold, the date of the penalty, the
/// window and its end, the dataset in which no filing was found).
#[tokio::test]
async fn the_clue_page_says_why_with_the_clues_own_values() {
    each_backend(|fixture| async move {
        let mut li = Client::login(&fixture, "li.jiancha").await;
        let id = first_new_clue(&mut li, "M35").await;
        let (status, detail) = li.get(&format!("/api/clues/{id}")).await;
        assert_eq!(status, StatusCode::OK, "{detail}");
        let explanation: Vec<&str> = detail["explanation"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap())
            .collect();
        let text = explanation.join("\n");
        // Fields by the agency's own header (the demo's carries its unit).
        assert!(
            text.contains("只取满足 血液酒精含量(mg/100ml) ≥ 80 的记录"),
            "{text}"
        );
        assert!(text.contains("此后 180 日内（至 "), "{text}");
        assert!(
            text.contains("刑事立案信息（公安）中无此对象的记录"),
            "{text}"
        );
        // The date quoted is the penalty's own, from the evidence row.
        let evidence = &detail["evidence"][0];
        let column = evidence["columns"]
            .as_array()
            .unwrap()
            .iter()
            .position(|c| c == "violation_time")
            .unwrap();
        let date = evidence["rows"][0][column].as_str().unwrap();
        assert!(text.contains(&date[..10]), "{text} / {date}");
        // The named values carry the agency's headers where they show one column's value.
        assert!(
            detail["field_labels"]["bac"]
                .as_str()
                .is_some_and(|l| l.starts_with("血液酒精含量")),
            "{}",
            detail["field_labels"]
        );
    })
    .await;
}
