//! Organisation linkage. Company names are unique within a registration authority, so it is
//! deterministic: the USCCs that pass their check are anchors; a row whose code is missing,
//! mistyped or non-standard joins the anchor whose company has the same name (after stripping
//! place names and unifying legal forms), strongly, or, failing that, the one anchor its code
//! is one character away from, probably.

use crate::Map;

use procura_core::{field, org_id};

use crate::cluster::{Assignment, Strength};
use crate::record::Source;

/// One row's organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgRow {
    /// Where it comes from.
    pub source: Source,
    /// The org ID column's value (canonical when ingest accepted it).
    pub org_id: Option<String>,
    /// The raw text of the org ID.
    pub org_id_raw: Option<String>,
    /// The company name.
    pub name: Option<String>,
}

/// Counts of an organisation linkage.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrgStats {
    /// Rows.
    pub rows: usize,
    /// Anchors (codes that pass their check).
    pub anchors: usize,
    /// Rows resolved by name.
    pub by_name: usize,
    /// Rows resolved by a one-character-off code.
    pub by_code: usize,
    /// Rows left to themselves.
    pub unlinked: usize,
}

fn standard(code: &str) -> bool {
    org_id::parse_org_id(code)
        .is_ok_and(|id| id.kind == org_id::OrgIdKind::Uscc && id.warnings.is_empty())
}

fn one_apart(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).filter(|(x, y)| x != y).count() == 1
}

/// Assigns every row to an organisation entity.
pub fn link_orgs(rows: &[OrgRow]) -> (Vec<Assignment>, OrgStats) {
    let code_of = |row: &OrgRow| -> Option<String> {
        row.org_id.clone().or_else(|| {
            // A code that failed its check is no value of the dataset, but one character off
            // a valid code it still points at that company.
            row.org_id_raw
                .as_deref()
                .map(|raw| {
                    org_id::parse_org_id(raw)
                        .map(org_id::OrgId::into_string)
                        .unwrap_or_else(|_| org_id::clean(raw))
                })
                .filter(|code| !code.is_empty())
        })
    };
    // Anchors and the names they go by.
    let mut anchors: Map<String, Vec<String>> = Map::default();
    for row in rows {
        if let Some(code) = code_of(row).filter(|c| standard(c)) {
            let names = anchors.entry(code).or_default();
            if let Some(name) = row
                .name
                .as_deref()
                .map(field::org_match_name)
                .filter(|n| !n.is_empty())
                && !names.contains(&name)
            {
                names.push(name);
            }
        }
    }
    let mut by_name: Map<&str, Vec<&str>> = Map::default();
    for (code, names) in &anchors {
        for name in names {
            by_name
                .entry(name.as_str())
                .or_default()
                .push(code.as_str());
        }
    }
    let mut stats = OrgStats {
        rows: rows.len(),
        anchors: anchors.len(),
        ..OrgStats::default()
    };
    let assignments = rows
        .iter()
        .map(|row| {
            let code = code_of(row);
            if let Some(code) = code.as_deref().filter(|c| anchors.contains_key(*c)) {
                return Assignment {
                    entity: code.to_owned(),
                    strength: Strength::Exact,
                    probability: 1.0,
                };
            }
            let name = row
                .name
                .as_deref()
                .map(field::org_match_name)
                .unwrap_or_default();
            if let Some([only]) = by_name.get(name.as_str()).map(Vec::as_slice) {
                stats.by_name += 1;
                return Assignment {
                    entity: (*only).to_owned(),
                    strength: Strength::Strong,
                    probability: 0.999,
                };
            }
            if let Some(code) = code.as_deref() {
                let near: Vec<&String> = anchors
                    .keys()
                    .filter(|anchor| one_apart(anchor, code))
                    .collect();
                if let [only] = near.as_slice() {
                    stats.by_code += 1;
                    return Assignment {
                        entity: (*only).clone(),
                        strength: Strength::Probable,
                        probability: 0.95,
                    };
                }
            }
            stats.unlinked += 1;
            Assignment {
                entity: code.unwrap_or_else(|| {
                    format!("O{}", &blake3::hash(name.as_bytes()).to_hex()[..17])
                }),
                strength: Strength::Unlinked,
                probability: 0.0,
            }
        })
        .collect();
    (assignments, stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(code: Option<&str>, name: &str) -> OrgRow {
        OrgRow {
            source: Source {
                dataset: "d".into(),
                version_id: 1,
                row_id: 1,
            },
            org_id: code.map(str::to_owned),
            org_id_raw: code.map(str::to_owned),
            name: Some(name.into()),
        }
    }

    #[test]
    fn missing_and_mistyped_codes_resolve_by_name_or_code() {
        let good = "91110108MA01ABCD5T";
        let rows = vec![
            row(Some(good), "北京市海淀区恒达科技有限公司"),
            row(None, "恒达科技有限责任公司"),
            row(Some("91110108MA01ABCE5T"), "别的名字"),
            row(None, "完全不同公司"),
        ];
        let (assignments, stats) = link_orgs(&rows);
        assert_eq!(assignments[0].strength, Strength::Exact);
        assert_eq!(
            (assignments[1].entity.as_str(), assignments[1].strength),
            (good, Strength::Strong)
        );
        assert_eq!(
            (assignments[2].entity.as_str(), assignments[2].strength),
            (good, Strength::Probable)
        );
        assert_eq!(assignments[3].strength, Strength::Unlinked);
        assert_eq!((stats.by_name, stats.by_code, stats.unlinked), (1, 1, 1));
    }
}
