//! Binding by meaning: a required field finds the only column of its type that no other field
//! took (a user's `违法时间` for the model's `violation_time`, whatever the column is called);
//! an optional field is never bound by type alone, and every one left unbound is announced
//! before the run with the columns that would fit.

use std::collections::BTreeMap;

use procura_core::field::FieldType;
use procura_models::binding::{self, BoundBy, Column};
use procura_models::builtin;
use procura_models::run::{self, BoundInput};

fn column(name: &str, field_type: FieldType) -> Column {
    Column {
        name: name.into(),
        field_type,
    }
}

fn model(id: &str) -> procura_models::Model {
    builtin::all()
        .unwrap()
        .into_iter()
        .find(|m| m.meta.id == id)
        .unwrap()
}

#[test]
fn a_required_field_takes_the_only_free_column_of_its_type() {
    let m35 = model("M35");
    let input = m35
        .inputs
        .iter()
        .find(|i| i.role == "traffic_penalties")
        .unwrap();
    // The agency's export: 违法时间 read as `违法时间` (not in the dictionary's names), a
    // birth date already taken by nothing, but a second date column would make it ambiguous.
    let columns = [
        column("person_id", FieldType::PersonId),
        column("违法时间", FieldType::DateTime),
        column("bac", FieldType::Number),
        column("name", FieldType::Name),
    ];
    let bound = binding::bind_role(
        &m35,
        input,
        "醉驾处罚",
        "__ds_traffic_penalties",
        &columns,
        &BTreeMap::new(),
    )
    .unwrap();
    let field = |name: &str| bound.fields.iter().find(|f| f.field == name).unwrap();
    assert_eq!(
        field("violation_time")
            .column
            .as_ref()
            .map(|c| c.0.as_str()),
        Some("违法时间")
    );
    assert_eq!(field("violation_time").how, BoundBy::Type);
    assert_eq!(field("person_id").how, BoundBy::Name);
    assert_eq!(field("document_no").how, BoundBy::Unbound);

    // Two date columns: which one is the violation is the person's call.
    let mut two = columns.to_vec();
    two.push(column("birth_date", FieldType::Date));
    let error = binding::bind_role(
        &m35,
        input,
        "醉驾处罚",
        "__ds_traffic_penalties",
        &two,
        &BTreeMap::new(),
    )
    .unwrap_err()
    .to_string();
    assert!(error.contains("violation_time"), "{error}");
    assert!(
        error.contains("违法时间") && error.contains("birth_date"),
        "{error}"
    );
}

#[test]
fn an_optional_field_is_not_bound_by_type_and_is_announced() {
    let m36 = model("M36");
    let dir = tempfile::tempdir().unwrap();
    let inputs = vec![
        BoundInput {
            role: "subsidies".into(),
            dataset: "环保补贴".into(),
            path: dir.path().join("s.parquet"),
            columns: vec![
                column("org_id", FieldType::OrgId),
                column("pay_date", FieldType::Date),
                column("subsidy_amount", FieldType::Amount),
                column("company", FieldType::OrgName),
            ],
            overrides: BTreeMap::new(),
            link: None,
        },
        BoundInput {
            role: "env_penalties".into(),
            dataset: "环境处罚".into(),
            path: dir.path().join("p.parquet"),
            columns: vec![
                column("org_id", FieldType::OrgId),
                column("penalty_date", FieldType::Date),
                column("document_no", FieldType::CaseNumber),
                column("处罚事由", FieldType::Text),
            ],
            overrides: BTreeMap::new(),
            link: None,
        },
    ];
    let today = chrono::NaiveDate::from_ymd_opt(2025, 6, 30).unwrap();
    let prepared = run::prepare(&m36, &inputs, &BTreeMap::new(), today).unwrap();
    let notices = prepared
        .notices
        .iter()
        .map(|n| format!("{} / {}", n.zh, n.en))
        .collect::<Vec<_>>()
        .join("\n");
    // org_name (name?) is empty; the title's {org_name} shows "—"; company would fit.
    assert!(
        notices.contains("subsidies.org_name（name，可选）未绑定"),
        "{notices}"
    );
    assert!(notices.contains("{org_name}"), "{notices}");
    assert!(notices.contains("company"), "{notices}");
    // violation_type (text?) is empty too, and the title says so.
    assert!(
        notices.contains("env_penalties.violation_type（text，可选）未绑定"),
        "{notices}"
    );
    assert!(notices.contains("{violation_type}"), "{notices}");
    // The fine the `min_fine` parameter needs is announced too.
    assert!(
        notices.contains("env_penalties.fine_amount（amount，可选）未绑定"),
        "{notices}"
    );
    // Every unbound optional field is named, and nothing else.
    assert_eq!(prepared.notices.len(), 4, "{notices}");
}

#[test]
fn one_clue_per_record_needs_the_record_key_bound() {
    let m35 = model("M35");
    let dir = tempfile::tempdir().unwrap();
    let inputs = vec![
        BoundInput {
            role: "traffic_penalties".into(),
            dataset: "醉驾处罚".into(),
            path: dir.path().join("t.parquet"),
            columns: vec![
                column("person_id", FieldType::PersonId),
                column("violation_time", FieldType::DateTime),
                column("bac", FieldType::Number),
            ],
            overrides: BTreeMap::new(),
            link: None,
        },
        BoundInput {
            role: "criminal_filings".into(),
            dataset: "刑事立案".into(),
            path: dir.path().join("c.parquet"),
            columns: vec![
                column("person_id", FieldType::PersonId),
                column("filing_date", FieldType::Date),
            ],
            overrides: BTreeMap::new(),
            link: None,
        },
    ];
    let today = chrono::NaiveDate::from_ymd_opt(2025, 6, 30).unwrap();
    assert!(run::prepare(&m35, &inputs, &BTreeMap::new(), today).is_ok());
    let per_record: BTreeMap<String, String> = [("clue_per".to_owned(), "record".to_owned())]
        .into_iter()
        .collect();
    let error = run::prepare(&m35, &inputs, &per_record, today)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("clue_per=record needs traffic_penalties.document_no"),
        "{error}"
    );
    let bad: BTreeMap<String, String> = [("clue_per".to_owned(), "每个人".to_owned())]
        .into_iter()
        .collect();
    let error = run::prepare(&m35, &inputs, &bad, today)
        .unwrap_err()
        .to_string();
    assert!(error.contains("is not one of subject"), "{error}");
}

#[test]
fn a_parameter_with_choices_takes_a_value_or_its_label_and_nothing_else() {
    let m35 = model("M35");
    let today = chrono::NaiveDate::from_ymd_opt(2025, 6, 30).unwrap();
    let strength = m35
        .parameters
        .iter()
        .find(|p| p.name == "min_match_strength")
        .unwrap();
    assert_eq!(
        strength
            .choices
            .iter()
            .map(|c| c.value.as_str())
            .collect::<Vec<_>>(),
        ["exact", "strong", "probable"]
    );
    let given = |value: &str| -> BTreeMap<String, String> {
        [("min_match_strength".to_owned(), value.to_owned())]
            .into_iter()
            .collect()
    };
    let resolved = binding::resolve_params(&m35, &given("精确匹配"), today).unwrap();
    assert_eq!(resolved["min_match_strength"].display(), "exact");
    let error = binding::resolve_params(&m35, &given("strongest"), today)
        .unwrap_err()
        .to_string();
    assert!(error.contains("is not one of exact (精确匹配)"), "{error}");
}
