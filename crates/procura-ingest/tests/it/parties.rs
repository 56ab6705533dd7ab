//! A court's party column (原告证件号) holds persons' ID numbers and companies' codes side by
//! side: typed `party_id`, each value keeps which it is; typed `person_id` by a dictionary
//! that did not know better, the companies are reported as what they are and `suggest`
//! proposes `party_id`.

use procura_core::field::FieldType;
use procura_ingest::Mapping;

use crate::{Env, column};

/// Row 2 a person, 3 an old 15-digit ID, 4 a company's USCC in lower case with a dash,
/// 5 a 组织机构代码, 6 a USCC with one character mistyped, 7 a person ID with a wrong check
/// digit, 8 a 工商注册号.
const SUITS: &str = "原告,原告证件号,立案日期\n\
    张三,110101199003071233,2024-01-02\n\
    李四,110101900307123,2024-01-03\n\
    某某小额贷款有限公司,91110108-ma01abcd5t,2024-01-04\n\
    某某投资中心,MA01ABCD-5,2024-01-05\n\
    某某典当行,91110108MA01ABCD5U,2024-01-06\n\
    王五,110101199003071234,2024-01-07\n\
    某某商行,110108000000016,2024-01-08\n";

#[test]
fn a_party_column_keeps_persons_and_companies_apart() {
    let env = Env::new();
    let path = env.write_text("suits.csv", SUITS);
    let request = env.request(&path);
    let outcome = env.ingest(&request).unwrap();
    let rows = env.rows(&request);
    let ids = column(&rows, "plaintiff_id");
    assert_eq!(ids[0], "110101199003071233");
    assert_eq!(ids[1].len(), 18, "the 15-digit ID is upgraded: {}", ids[1]);
    assert_eq!(
        &ids[2..],
        [
            "91110108MA01ABCD5T",
            "MA01ABCD5",
            "∅",
            "∅",
            "110108000000016"
        ]
    );
    assert_eq!(
        column(&rows, "plaintiff_id__kind"),
        ["person", "person", "org", "org", "∅", "∅", "org"]
    );
    assert_eq!(
        column(&rows, "plaintiff_id__issue"),
        [
            "∅",
            "∅",
            "∅",
            "∅",
            "bad_check_digit",
            "bad_check_digit",
            "∅"
        ]
    );
    let quality = outcome
        .report
        .columns
        .iter()
        .find(|c| c.name == "plaintiff_id")
        .unwrap();
    assert_eq!(quality.field_type, FieldType::PartyId);
    assert_eq!(quality.notes.get("party_person"), Some(&2));
    assert_eq!(quality.notes.get("party_org"), Some(&3));
    assert_eq!(quality.notes.get("upgraded_15_to_18"), Some(&1));
}

#[test]
fn companies_in_a_person_column_are_named_and_suggest_proposes_a_party_column() {
    let env = Env::new();
    let path = env.write_text("suits.csv", &SUITS.replace("原告证件号", "证件号码"));
    let request = env.request(&path);
    let outcome = env.ingest(&request).unwrap();
    let quality = outcome
        .report
        .columns
        .iter()
        .find(|c| c.name == "person_id")
        .unwrap();
    assert_eq!(quality.field_type, FieldType::PersonId);
    assert_eq!(
        quality.issues.counts.get("org_id_in_person_column"),
        Some(&3)
    );
    let example = quality
        .issues
        .examples
        .iter()
        .find(|e| e.code == "org_id_in_person_column")
        .unwrap();
    assert!(example.message.contains("party_id"), "{}", example.message);

    let mapping = procura_ingest::suggest(&path, &Default::default(), &env.path("")).unwrap();
    let proposed = mapping
        .columns
        .iter()
        .find(|c| c.source == "证件号码")
        .unwrap();
    assert_eq!(proposed.field_type, FieldType::PartyId);
    let text = mapping.to_toml();
    assert!(text.contains("3 values are organisation numbers"), "{text}");
    assert!(text.contains(&format!("{}:4", path.display())), "{text}");
    // What suggest proposes, ingest then does.
    let mut request = env.request(&path);
    request.mapping = Some(Mapping::from_toml(&text).unwrap());
    env.ingest(&request).unwrap();
    let rows = env.rows(&request);
    assert_eq!(column(&rows, "person_id__kind")[2], "org");
}
