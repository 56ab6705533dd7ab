//! The models crate's integration tests: every built-in model's fixture tests, and the edge
//! cases of each collision primitive (window boundaries, empty inputs, nulls, duplicates).

mod binding;
mod primitives;

use chrono::NaiveDate;
use procura_models::{builtin, testing};

pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 30).unwrap()
}

#[tokio::test]
async fn every_builtin_model_passes_its_fixture_tests() {
    let models = builtin::all().unwrap();
    assert!(models.len() >= 12, "{} models", models.len());
    let scratch = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for model in &models {
        assert!(
            !model.tests.is_empty(),
            "model {} has no tests",
            model.meta.id
        );
        for outcome in testing::run_tests(model, scratch.path(), today())
            .await
            .unwrap()
        {
            for failure in outcome.failures {
                failures.push(format!("{} / {}: {failure}", model.meta.id, outcome.name));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn builtin_models_cover_all_four_areas_and_every_manifest_file_is_registered() {
    use procura_models::manifest::Area;
    let models = builtin::all().unwrap();
    for area in [
        Area::Criminal,
        Area::Civil,
        Area::Administrative,
        Area::PublicInterest,
    ] {
        assert!(
            models.iter().any(|m| m.meta.area == area),
            "no model in {}",
            area.zh()
        );
    }
    let mut on_disk: Vec<String> =
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/models"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
    on_disk.sort();
    let mut registered: Vec<String> = builtin::manifest_files()
        .into_iter()
        .map(str::to_owned)
        .collect();
    registered.sort();
    assert_eq!(on_disk, registered);
    for model in &models {
        assert!(
            !model.meta.legal_basis.is_empty(),
            "{} has no legal basis",
            model.meta.id
        );
    }
}
