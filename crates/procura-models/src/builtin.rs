//! The built-in model library, compiled into the binary from `models/*.toml`.

use crate::error::{Error, Result};
use crate::manifest::{self, Model};

/// (file name, manifest text) of every built-in model.
const MANIFESTS: &[(&str, &str)] = &[
    (
        "m01_pension_in_custody.toml",
        include_str!("../models/m01_pension_in_custody.toml"),
    ),
    (
        "m03_pension_after_death.toml",
        include_str!("../models/m03_pension_after_death.toml"),
    ),
    (
        "m05_dibao_in_custody.toml",
        include_str!("../models/m05_dibao_in_custody.toml"),
    ),
    (
        "m06_correction_report.toml",
        include_str!("../models/m06_correction_report.toml"),
    ),
    (
        "m07_travel_without_leave.toml",
        include_str!("../models/m07_travel_without_leave.toml"),
    ),
    (
        "m10_fine_not_executed.toml",
        include_str!("../models/m10_fine_not_executed.toml"),
    ),
    (
        "m11_licence_not_revoked.toml",
        include_str!("../models/m11_licence_not_revoked.toml"),
    ),
    (
        "m13_repeated_theft.toml",
        include_str!("../models/m13_repeated_theft.toml"),
    ),
    (
        "m14_long_pending_case.toml",
        include_str!("../models/m14_long_pending_case.toml"),
    ),
    (
        "m20_professional_lender.toml",
        include_str!("../models/m20_professional_lender.toml"),
    ),
    (
        "m27_injury_third_party.toml",
        include_str!("../models/m27_injury_third_party.toml"),
    ),
    (
        "m30_waste_oil.toml",
        include_str!("../models/m30_waste_oil.toml"),
    ),
    (
        "m35_drunk_driving_not_prosecuted.toml",
        include_str!("../models/m35_drunk_driving_not_prosecuted.toml"),
    ),
    (
        "m36_polluter_subsidy.toml",
        include_str!("../models/m36_polluter_subsidy.toml"),
    ),
];

/// SQL files that manifests refer to with `sql_file`.
const SQL_FILES: &[(&str, &str)] = &[(
    "m14_long_pending_case.sql",
    include_str!("../models/m14_long_pending_case.sql"),
)];

/// File names of the built-in manifests (a tidy test checks the folder matches).
pub fn manifest_files() -> Vec<&'static str> {
    MANIFESTS
        .iter()
        .map(|(name, _)| *name)
        .chain(SQL_FILES.iter().map(|(name, _)| *name))
        .collect()
}

fn sql_file(name: &str) -> Option<String> {
    SQL_FILES
        .iter()
        .find(|(file, _)| *file == name)
        .map(|(_, text)| (*text).to_owned())
}

/// Every built-in model, parsed.
pub fn all() -> Result<Vec<Model>> {
    // Parsed once per process: the web server asks for the library on every request.
    static PARSED: std::sync::OnceLock<std::result::Result<Vec<Model>, String>> =
        std::sync::OnceLock::new();
    PARSED
        .get_or_init(|| {
            MANIFESTS
                .iter()
                .map(|(file, text)| {
                    manifest::parse(text, &sql_file)
                        .map_err(|e| format!("built-in model {file}: {e}"))
                })
                .collect()
        })
        .clone()
        .map_err(Error::Manifest)
}

/// Parses a model from a user's directory (`model.toml` text and its SQL files beside it).
pub fn parse_user(text: &str, dir: &std::path::Path) -> Result<Model> {
    manifest::parse(text, &|name| std::fs::read_to_string(dir.join(name)).ok())
}
