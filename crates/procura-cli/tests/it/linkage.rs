//! Entity linkage end to end: the demo population (whose planted cases include rows with a
//! missing or mistyped ID and a homophone or traditional-character name) linked across every
//! dataset, models joining on the linked entities, the match strength on every clue, the
//! strength threshold, and a person's confirm/reject overriding the model.

use serde_json::Value;

use crate::Env;
use crate::models::{clue_keys, demo_workspace};

fn keys(cases: &Value, exact: Option<bool>) -> Vec<String> {
    let mut keys: Vec<String> = cases
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| exact.is_none_or(|e| c["exact"].as_bool() == Some(e)))
        .map(|c| {
            c["key"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k.as_str().unwrap())
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect();
    keys.sort();
    keys
}

/// The entity of a `dataset:row_id` record in the newest person links.
fn entity_of(env: &Env, record: &str) -> String {
    let (dataset, row) = record.split_once(':').unwrap();
    let rows = env.sql(&format!(
        "SELECT entity FROM person_links WHERE dataset = '{dataset}' AND row_id = {row}"
    ));
    assert_eq!(rows.len(), 1, "{record}: {rows:?}");
    rows[0]["entity"].as_str().unwrap().to_owned()
}

fn linkage_story(env: &Env) {
    let truth = demo_workspace(env);
    let as_of = truth["as_of"].as_str().unwrap();
    let reference_date = format!("reference_date={as_of}");

    let report = env.procura(&["link", "run", "--json"]).ok().json();
    assert!(report["entities"].as_u64().unwrap() > 100, "{report}");
    assert!(
        report["by_strength"]["exact"].as_u64().unwrap() > 0,
        "{report}"
    );
    assert!(
        report["by_strength"]["strong"].as_u64().unwrap() > 0,
        "{report}"
    );
    assert!(env.root().join("linkage/person-model.json").is_file());

    // With links, every model finds every planted case, the linkage-only ones included, and
    // nothing else (no near-miss, no false merge).
    env.procura(&["run", "--all", "--param", &reference_date, "--json"])
        .ok();
    let mut linkage_only = 0;
    for (model, model_truth) in truth["models"].as_object().unwrap() {
        let positives = &model_truth["positives"];
        assert_eq!(
            clue_keys(env, model),
            keys(positives, None),
            "model {model}"
        );
        linkage_only += keys(positives, Some(false)).len();
    }
    assert!(
        linkage_only >= 10,
        "the demo plants linkage-only cases ({linkage_only})"
    );

    // The match strength shows on every clue: exact for clues whose rows all carry the ID,
    // strong for the ones linkage resolved.
    let clues = env
        .procura(&["clues", "list", "--limit", "0", "--json"])
        .ok()
        .json();
    let mut strong = 0;
    for clue in clues.as_array().unwrap() {
        let model = clue["model_id"].as_str().unwrap();
        let key = clue["key"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k.as_str().unwrap())
            .collect::<Vec<_>>()
            .join("|");
        let needs_linkage = keys(&truth["models"][model]["positives"], Some(false)).contains(&key);
        let expected = if needs_linkage { "strong" } else { "exact" };
        assert_eq!(clue["match_strength"], expected, "{clue}");
        strong += usize::from(needs_linkage);
    }
    assert_eq!(strong, linkage_only);
    let shown = env
        .procura(&["clues", "show", &clues[0]["id"].to_string()])
        .ok();
    assert!(
        shown.stdout.contains("匹配强度 match strength"),
        "{}",
        shown.stdout
    );

    // A linkage-only clue's evidence says, row by row, which entity the row was joined as
    // and how sure that link is: the disguised row is `strong`, the others `exact`.
    let strong_clue = clues
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["match_strength"] == "strong")
        .unwrap();
    let detail = env
        .procura(&["clues", "show", &strong_clue["id"].to_string(), "--json"])
        .ok()
        .json();
    let rows: Vec<&Value> = detail["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|group| group["rows"].as_array().unwrap())
        .collect();
    let strengths: Vec<&str> = rows
        .iter()
        .map(|row| row["match_strength"].as_str().unwrap())
        .collect();
    assert!(strengths.contains(&"高度可能 strong"), "{strengths:?}");
    assert!(strengths.contains(&"精确匹配 exact"), "{strengths:?}");
    let key = strong_clue["key"][0].as_str().unwrap();
    assert!(
        rows.iter().any(|row| row["linked_entity"] == key),
        "the rows are joined as the clue's person: {rows:?}"
    );

    // The run records the links it joined.
    let run = env
        .procura(&["run", "M03", "--param", &reference_date, "--json"])
        .ok()
        .json();
    assert_eq!(run[0]["n_new"], 0);
    assert_eq!(run[0]["n_gone"], 0);
    let shown = env
        .procura(&["runs", "show", &run[0]["id"].to_string(), "--json"])
        .ok()
        .json();
    let links: Vec<&Value> = shown["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["role"] == "__links_person")
        .collect();
    assert_eq!(links.len(), 1, "{shown}");
    assert_eq!(links[0]["dataset"], "person_links");

    // Asking for exact matches only drops the linkage-only clues of the model.
    let m03_linkage = keys(&truth["models"]["M03"]["positives"], Some(false)).len();
    assert!(m03_linkage > 0);
    let exact_only = env
        .procura(&[
            "run",
            "M03",
            "--param",
            &reference_date,
            "--param",
            "min_match_strength=exact",
            "--json",
        ])
        .ok()
        .json();
    assert_eq!(exact_only[0]["n_gone"], m03_linkage, "{exact_only}");
    let again = env
        .procura(&["run", "M03", "--param", &reference_date, "--json"])
        .ok()
        .json();
    assert_eq!(
        again[0]["n_new"], 0,
        "reappearing clues keep their identity: {again}"
    );
    assert_eq!(
        clue_keys(env, "M03"),
        keys(&truth["models"]["M03"]["positives"], None)
    );

    // A person overrides the model: reject the most certain probabilistic pair, and the next
    // run keeps the two records apart; confirm it, and they are one entity again.
    let top = env.sql(
        "SELECT left_record, right_record FROM person_link_pairs ORDER BY probability DESC, left_record LIMIT 1",
    );
    let left = top[0]["left_record"].as_str().unwrap().to_owned();
    let right = top[0]["right_record"].as_str().unwrap().to_owned();
    assert_eq!(entity_of(env, &left), entity_of(env, &right));
    let explained = env.procura(&["link", "explain", &left, &right]).ok();
    assert!(
        explained.stdout.contains("总权重 total weight"),
        "{}",
        explained.stdout
    );
    env.procura(&[
        "link",
        "reject",
        &left,
        &right,
        "--note",
        "不同人 checked the file",
    ])
    .ok();
    let report = env.procura(&["link", "run", "--json"]).ok().json();
    assert_eq!(
        report["trained"], false,
        "the saved model is reused: {report}"
    );
    assert_ne!(entity_of(env, &left), entity_of(env, &right));
    env.procura(&["link", "confirm", &left, &right]).ok();
    env.procura(&["link", "run"]).ok();
    assert_eq!(entity_of(env, &left), entity_of(env, &right));
    let judged = env.sql(&format!(
        "SELECT judged FROM person_link_pairs WHERE left_record = '{left}' AND right_record = '{right}'"
    ));
    assert_eq!(judged[0]["judged"], "confirmed");

    // Bad record names are clear errors.
    let missing = env
        .procura(&["link", "confirm", "deaths:999999", &left])
        .fails(4);
    assert!(
        missing.stderr.contains("deaths:999999"),
        "{}",
        missing.stderr
    );
    let same = env.procura(&["link", "reject", &left, &left]).fails(1);
    assert!(
        same.stderr.contains("two different records"),
        "{}",
        same.stderr
    );

    // The review queue and the feature export.
    env.procura(&["link", "review", "--limit", "5"]).ok();
    let features = env.input("features.parquet");
    let export = env
        .procura(&[
            "link",
            "export-features",
            "--out",
            features.to_str().unwrap(),
        ])
        .ok();
    assert!(std::fs::read(&features).unwrap().starts_with(b"PAR1"));
    let links = env.sql("SELECT count(*) AS n FROM person_links");
    assert!(
        export
            .stdout
            .contains(&format!("wrote {} rows", links[0]["n"])),
        "{}",
        export.stdout
    );
}

#[test]
fn linkage_on_sqlite() {
    linkage_story(&Env::new());
}

#[test]
fn linkage_on_postgres() {
    match Env::postgres() {
        Some(env) => linkage_story(&env),
        None => assert!(std::env::var("PROCURA_REQUIRE_POSTGRES").is_err()),
    }
}

#[test]
fn linkage_on_a_user_file_with_old_ids_and_variant_names() {
    // A file the user brings: a 15-digit ID, a traditional-character name, full-width digits,
    // a missing ID; the same four persons in a second agency's export.
    let env = Env::new();
    let a = crate::id("33010219800312001");
    let b = crate::id("33010219751101002");
    let c = crate::id("33010619660520003");
    let d = crate::id("33010619900230004").replace("0230", "0228");
    let d = crate::id(&d[..17]);
    let first = format!(
        "姓名,身份证号,出生日期,性别\n张伟,{a},1980-03-12,男\n王麗華,{b},1975-11-01,女\n李建國,330106660520003,1966-05-20,男\n趙敏,{},1990-02-28,女\n",
        d.chars()
            .map(|ch| match ch {
                '0'..='9' => char::from_u32(ch as u32 - '0' as u32 + '０' as u32).unwrap(),
                other => other,
            })
            .collect::<String>()
    );
    let second = format!(
        "姓名,身份证号,出生日期,性别\n张伟,,1980-03-12,男\n王丽华,{b},1975-11-01,女\n李建国,{c},1966-05-20,男\n赵敏,{d},1990-02-28,女\n"
    );
    env.ingest(&env.write("一.csv", first), "agency_one", &[]);
    env.ingest(&env.write("二.csv", second), "agency_two", &[]);
    let bad = env
        .procura(&["link", "run", "--rules", "birth_date,surname"])
        .fails(3);
    assert!(
        bad.stderr.contains("unknown blocking rule `surname`"),
        "{}",
        bad.stderr
    );
    env.procura(&["link", "run", "--rules", "birth_date,region+name,id_prefix"])
        .ok();
    for row in 1..=4 {
        assert_eq!(
            entity_of(&env, &format!("agency_one:{row}")),
            entity_of(&env, &format!("agency_two:{row}")),
            "row {row}"
        );
    }
    assert_eq!(
        entity_of(&env, "agency_two:1"),
        a,
        "the missing ID resolves to 张伟's ID"
    );
    let strength =
        env.sql("SELECT strength FROM person_links WHERE dataset = 'agency_two' AND row_id = 1");
    assert_ne!(strength[0]["strength"], "exact");
}
