//! Deriving a variant of a model (派生变体): the base's manifest with a new id, names and
//! version, a `derived_from` line naming the base (id, version, digest prefix), and new
//! defaults for some of its parameters. Everything else — inputs, rule, clue, legal basis,
//! fixture tests — is kept, and the manifest is edited in place (`toml_edit`) so that the
//! base's layout and comments survive and a reviewer can diff the two files.
//!
//! A rule read from a `sql_file` is inlined: the variant lives in a workspace's `models/`
//! folder, where the built-in SQL file does not exist.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use toml_edit::{Array, DocumentMut, InlineTable, Item, Table, value};

use crate::binding::{self, ParamValue};
use crate::error::{Error, Result};
use crate::manifest::{self, Model, ParamType, Rule};

/// The version a new variant starts at.
pub const VARIANT_VERSION: &str = "1.0.0";

/// What a variant changes in its base.
#[derive(Debug, Clone, Copy)]
pub struct VariantSpec<'a> {
    /// The variant's id.
    pub id: &'a str,
    /// 中文名称.
    pub name_zh: &'a str,
    /// English name.
    pub name_en: &'a str,
    /// New defaults by parameter name, written as a run's `--param` would take them.
    pub defaults: &'a BTreeMap<String, String>,
}

/// A parameter whose default the variant changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefaultChange {
    /// Parameter name.
    pub name: String,
    /// What it means (the manifest's label).
    pub label: String,
    /// The base's default, as a user would write it.
    pub from: String,
    /// The variant's default.
    pub to: String,
}

/// The variant's manifest and what it changes.
#[derive(Debug, Clone)]
pub struct DerivedManifest {
    /// The manifest text (parsed and checked).
    pub text: String,
    /// `BASE@VERSION (digest prefix)`.
    pub derived_from: String,
    /// Defaults changed (a value equal to the base's default is no change and not listed).
    pub defaults: Vec<DefaultChange>,
    /// The base's `sql_file` whose SQL was inlined, if any.
    pub sql_inlined: Option<String>,
}

/// How a variant names its base: `M05@1.0.0 (3f2a9c01b7de)` — the digest prefix pins the
/// exact text, since a built-in's version is not bumped for every edit.
pub fn derived_from(base: &Model) -> String {
    let prefix = base.digest.get(..12).unwrap_or(&base.digest);
    format!("{}@{} ({prefix})", base.meta.id, base.meta.version)
}

/// A parameter default as a user would write it (`today` for the run date).
pub fn default_text(value: &ParamType) -> String {
    match value {
        ParamType::Integer(i) => i.to_string(),
        ParamType::Number(n) => n.to_string(),
        ParamType::Date(None) => "today".to_owned(),
        ParamType::Date(Some(d)) => d.format("%Y-%m-%d").to_string(),
        ParamType::Text(t) => t.clone(),
        ParamType::TextList(list) => list.join(","),
        ParamType::Boolean(b) => b.to_string(),
    }
}

fn type_code(value: &ParamType) -> &'static str {
    match value {
        ParamType::Integer(_) => "integer",
        ParamType::Number(_) => "number",
        ParamType::Date(_) => "date",
        ParamType::Text(_) => "text",
        ParamType::TextList(_) => "text_list",
        ParamType::Boolean(_) => "boolean",
    }
}

/// Writes the variant's manifest. New defaults are validated by type and range exactly as a
/// run validates `--param` values (`binding::resolve_params`), so a variant can never carry a
/// default its base would refuse.
pub fn derive(base: &Model, spec: &VariantSpec<'_>, today: NaiveDate) -> Result<DerivedManifest> {
    let resolved = binding::resolve_params(base, spec.defaults, today)?;
    let bad = |what: String| Error::Manifest(format!("model {}: {what}", base.meta.id));
    let mut doc: DocumentMut = base
        .source
        .parse()
        .map_err(|e| bad(format!("cannot edit the manifest: {e}")))?;

    let meta = doc
        .get_mut("model")
        .and_then(Item::as_table_like_mut)
        .ok_or_else(|| bad("no [model] table".into()))?;
    meta.insert("id", value(spec.id));
    meta.insert("version", value(VARIANT_VERSION));
    let mut names = InlineTable::new();
    names.insert("zh", spec.name_zh.into());
    names.insert("en", spec.name_en.into());
    meta.insert("name", value(names));
    let from = derived_from(base);
    meta.insert("derived_from", value(from.as_str()));

    let mut defaults = Vec::new();
    for (name, given) in spec.defaults {
        let parameter = base
            .parameters
            .iter()
            .find(|p| &p.name == name)
            .ok_or_else(|| Error::Internal(format!("parameter `{name}` resolved but not found")))?;
        let resolved_value = resolved
            .get(name)
            .ok_or_else(|| Error::Internal(format!("parameter `{name}` not resolved")))?;
        // `today` stays "the run date", not the date the variant was made.
        let keep_today = matches!(parameter.value, ParamType::Date(_))
            && given.trim().eq_ignore_ascii_case("today");
        let (item, shown) = if keep_today {
            (value("today"), "today".to_owned())
        } else {
            let item = match resolved_value {
                ParamValue::Integer(i) => value(*i),
                ParamValue::Number(n) => value(*n),
                ParamValue::Date(d) => value(d.format("%Y-%m-%d").to_string()),
                ParamValue::Text(t) => value(t.as_str()),
                ParamValue::TextList(list) => {
                    value(list.iter().map(String::as_str).collect::<Array>())
                }
                ParamValue::Boolean(b) => value(*b),
            };
            (item, resolved_value.display())
        };
        let before = default_text(&parameter.value);
        if before == shown {
            continue;
        }
        let parameters = doc
            .entry("parameters")
            .or_insert_with(|| {
                let mut table = Table::new();
                table.set_implicit(true);
                Item::Table(table)
            })
            .as_table_like_mut()
            .ok_or_else(|| bad("`parameters` is not a table".into()))?;
        match parameters.get_mut(name).and_then(Item::as_table_like_mut) {
            Some(table) => {
                table.insert("default", item);
            }
            None => {
                // A parameter every model has without declaring it (reference_date,
                // min_match_strength): declared now, with the variant's default.
                let mut table = Table::new();
                table.insert("type", value(type_code(&parameter.value)));
                table.insert("default", item);
                table.insert("label", value(parameter.label.as_str()));
                if let Some(min) = parameter.min {
                    table.insert("min", value(min));
                }
                if let Some(max) = parameter.max {
                    table.insert("max", value(max));
                }
                parameters.insert(name, Item::Table(table));
            }
        }
        defaults.push(DefaultChange {
            name: name.clone(),
            label: parameter.label.clone(),
            from: before,
            to: shown,
        });
    }

    let mut sql_inlined = None;
    if let Rule::Sql { sql } = &base.rule {
        let rule = doc
            .get_mut("rule")
            .and_then(Item::as_table_like_mut)
            .ok_or_else(|| bad("no [rule] table".into()))?;
        if let Some(file) = rule.remove("sql_file") {
            sql_inlined = Some(file.as_str().unwrap_or_default().to_owned());
            rule.insert("sql", value(sql.as_str()));
        }
    }

    let text = doc.to_string();
    manifest::parse(&text, &|_| None)?;
    Ok(DerivedManifest {
        text,
        derived_from: from,
        defaults,
        sql_inlined,
    })
}

/// The manifest without the fixture tests at `indices` (positions in `[[tests]]`).
pub fn drop_tests(text: &str, indices: &[usize]) -> Result<String> {
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e| Error::Manifest(format!("cannot edit the manifest: {e}")))?;
    if let Some(tests) = doc.get_mut("tests").and_then(Item::as_array_of_tables_mut) {
        let mut indices = indices.to_vec();
        indices.sort_unstable();
        indices.dedup();
        for index in indices.into_iter().rev() {
            if index < tests.len() {
                tests.remove(index);
            }
        }
        if tests.is_empty() {
            doc.remove("tests");
        }
    }
    let text = doc.to_string();
    manifest::parse(&text, &|_| None)?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m05() -> Model {
        crate::builtin::all()
            .unwrap()
            .into_iter()
            .find(|m| m.meta.id == "M05")
            .unwrap()
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()
    }

    fn spec<'a>(defaults: &'a BTreeMap<String, String>) -> VariantSpec<'a> {
        VariantSpec {
            id: "M05X",
            name_zh: "低保（出所当月不计）",
            name_en: "Dibao, release month excluded",
            defaults,
        }
    }

    #[test]
    fn a_variant_keeps_the_base_and_changes_what_it_says() {
        let base = m05();
        let defaults = BTreeMap::from([("count_release_month".to_owned(), "否".to_owned())]);
        let derived = derive(&base, &spec(&defaults), today()).unwrap();
        let variant = manifest::parse(&derived.text, &|_| None).unwrap();
        assert_eq!(variant.meta.id, "M05X");
        assert_eq!(variant.meta.name.zh, "低保（出所当月不计）");
        assert_eq!(variant.meta.version, VARIANT_VERSION);
        assert_eq!(
            variant.meta.derived_from.as_deref(),
            Some(derived.derived_from.as_str())
        );
        assert!(
            derived.derived_from.starts_with("M05@1.0.0 ("),
            "{}",
            derived.derived_from
        );
        assert_eq!(variant.rule, base.rule);
        assert_eq!(variant.inputs, base.inputs);
        assert_eq!(variant.clue, base.clue);
        assert_eq!(variant.tests, base.tests);
        assert_eq!(variant.meta.legal_basis, base.meta.legal_basis);
        let parameter = variant
            .parameters
            .iter()
            .find(|p| p.name == "count_release_month")
            .unwrap();
        assert_eq!(parameter.value, ParamType::Boolean(false));
        assert_eq!(
            derived.defaults,
            [DefaultChange {
                name: "count_release_month".into(),
                label: parameter.label.clone(),
                from: "true".into(),
                to: "false".into(),
            }]
        );
        // The base's layout survives: the description is still a multi-line string.
        assert!(
            derived.text.contains("description = \"\"\"\n"),
            "{}",
            derived.text
        );
    }

    #[test]
    fn an_undeclared_parameter_is_declared_and_an_unchanged_one_is_not_listed() {
        let base = m05();
        let defaults = BTreeMap::from([
            ("reference_date".to_owned(), "2025-06-30".to_owned()),
            ("count_release_month".to_owned(), "true".to_owned()),
        ]);
        let derived = derive(&base, &spec(&defaults), today()).unwrap();
        let variant = manifest::parse(&derived.text, &|_| None).unwrap();
        let reference = variant
            .parameters
            .iter()
            .find(|p| p.name == "reference_date")
            .unwrap();
        assert_eq!(
            reference.value,
            ParamType::Date(NaiveDate::from_ymd_opt(2025, 6, 30))
        );
        assert_eq!(derived.defaults.len(), 1, "{:?}", derived.defaults);
        assert_eq!(derived.defaults[0].from, "today");
    }

    #[test]
    fn defaults_are_checked_as_a_run_checks_them() {
        let base = m05();
        for (name, given, expect) in [
            ("nope", "1", "has no parameter `nope`"),
            ("count_release_month", "maybe", "is not true or false"),
        ] {
            let defaults = BTreeMap::from([(name.to_owned(), given.to_owned())]);
            let error = derive(&base, &spec(&defaults), today())
                .unwrap_err()
                .to_string();
            assert!(error.contains(expect), "{error}");
        }
    }

    #[test]
    fn a_sql_file_is_inlined() {
        let base = crate::builtin::all()
            .unwrap()
            .into_iter()
            .find(|m| matches!(m.rule, Rule::Sql { .. }))
            .unwrap();
        let defaults = BTreeMap::new();
        let derived = derive(&base, &spec(&defaults), today()).unwrap();
        assert!(derived.sql_inlined.is_some());
        assert!(!derived.text.contains("sql_file"));
        // Parsed with no SQL files at hand.
        let variant = manifest::parse(&derived.text, &|_| None).unwrap();
        assert_eq!(variant.rule, base.rule);
    }

    #[test]
    fn dropping_a_test_keeps_the_others() {
        let base = m05();
        let text = drop_tests(&base.source, &[2]).unwrap();
        let variant = manifest::parse(&text, &|_| None).unwrap();
        assert_eq!(variant.tests.len(), base.tests.len() - 1);
        assert_eq!(variant.tests[..2], base.tests[..2]);
    }
}
