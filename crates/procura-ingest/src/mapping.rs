//! The column mapping: which source header becomes which dataset column, of which type.
//!
//! `procura ingest --suggest` prints the proposal as TOML; the data administrator edits it and
//! passes it back with `--mapping`. Columns that a mapping does not mention are kept as text;
//! `skip = true` drops a column. The top-level `duplicates = "keep" | "drop"` says what to do
//! with rows identical to an earlier row ([`DuplicatePolicy`]).

use procura_core::amount::AmountUnit;
use procura_core::field::{self, DERIVED_SUFFIXES, FieldType};
use procura_core::location::Location;
use serde::{Deserialize, Serialize};

use crate::dedup::DuplicatePolicy;
use crate::error::{Error, Result};

/// The mapping of one dataset.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Mapping {
    /// One entry per source column, in output order.
    pub columns: Vec<ColumnMapping>,
    /// What to do with exact duplicate rows; `None` when the mapping does not say (the ingest
    /// request may, else they are kept).
    pub duplicates: Option<DuplicatePolicy>,
    /// What `suggest` saw of duplicates, written into the TOML as a comment so that the
    /// person deciding sees the evidence. Not read back from a file.
    pub duplicates_seen: Option<DuplicatesSeen>,
}

/// Duplicate rows found while suggesting a mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicatesSeen {
    /// Data rows looked at.
    pub rows_scanned: u64,
    /// Whether those were all the rows (else only the first ones were looked at).
    pub complete: bool,
    /// Rows identical to an earlier row.
    pub duplicates: u64,
    /// Where the first few of them are.
    pub examples: Vec<Location>,
}

/// One source column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnMapping {
    /// The header in the file.
    pub source: String,
    /// The dataset column name.
    pub name: String,
    /// The type its values are normalised to.
    pub field_type: FieldType,
    /// For amounts: the unit the column's numbers are in.
    pub unit: Option<AmountUnit>,
    /// Leave the column out of the dataset.
    pub skip: bool,
    /// Why `suggest` proposed this type over the header's reading, written into the TOML as a
    /// comment. Not read back from a file.
    pub note: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingFile {
    #[serde(default)]
    duplicates: Option<String>,
    #[serde(default, rename = "column")]
    columns: Vec<ColumnEntry>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ColumnEntry {
    source: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(rename = "type", default)]
    field_type: Option<String>,
    #[serde(default)]
    unit: Option<String>,
    #[serde(default)]
    skip: bool,
}

impl Mapping {
    /// The dictionary's proposal for a list of headers.
    pub fn suggest(headers: &[String]) -> Mapping {
        let mut columns: Vec<ColumnMapping> = Vec::with_capacity(headers.len());
        for header in headers {
            let proposal = field::recognise_header(header);
            let mut name = safe_name(&proposal.name);
            let base = name.clone();
            let mut n = 2;
            while columns.iter().any(|c| c.name == name) {
                name = format!("{base}_{n}");
                n += 1;
            }
            columns.push(ColumnMapping {
                source: header.clone(),
                name,
                field_type: proposal.field_type,
                unit: proposal
                    .unit
                    .filter(|_| proposal.field_type == FieldType::Amount),
                skip: false,
                note: None,
            });
        }
        Mapping {
            columns,
            ..Mapping::default()
        }
    }

    /// Parses a mapping file.
    pub fn from_toml(text: &str) -> Result<Mapping> {
        let file: MappingFile =
            toml::from_str(text).map_err(|e| Error::Mapping(format!("invalid TOML: {e}")))?;
        let duplicates = match file.duplicates.as_deref() {
            None => None,
            Some(code) => Some(DuplicatePolicy::parse(code).ok_or_else(|| {
                Error::Mapping(format!(
                    "duplicates = `{code}`: expected \"keep\" or \"drop\""
                ))
            })?),
        };
        let mut columns = Vec::with_capacity(file.columns.len());
        for (index, entry) in file.columns.into_iter().enumerate() {
            let at = |what: String| {
                Error::Mapping(format!("column {} (`{}`): {what}", index + 1, entry.source))
            };
            let proposal = field::recognise_header(&entry.source);
            let field_type = match &entry.field_type {
                Some(code) => code.parse::<FieldType>().map_err(|e| at(e.to_string()))?,
                None => proposal.field_type,
            };
            let unit = match entry.unit.as_deref() {
                None => proposal.unit.filter(|_| field_type == FieldType::Amount),
                Some("元") | Some("yuan") => Some(AmountUnit::Yuan),
                Some("万元") | Some("万") | Some("wan") => Some(AmountUnit::Wan),
                Some("亿元") | Some("亿") | Some("yi") => Some(AmountUnit::Yi),
                Some(other) => {
                    return Err(at(format!("unknown unit `{other}` (元, 万元 or 亿元)")));
                }
            };
            if unit.is_some() && field_type != FieldType::Amount {
                return Err(at("`unit` only applies to amount columns".into()));
            }
            let name = entry
                .name
                .clone()
                .unwrap_or_else(|| safe_name(&proposal.name));
            columns.push(ColumnMapping {
                source: entry.source,
                name,
                field_type,
                unit,
                skip: entry.skip,
                note: None,
            });
        }
        let mapping = Mapping {
            columns,
            duplicates,
            duplicates_seen: None,
        };
        mapping.validate()?;
        Ok(mapping)
    }

    /// Checks names: present, unique, not reserved.
    pub fn validate(&self) -> Result<()> {
        let mut names: Vec<&str> = Vec::new();
        let mut sources: Vec<&str> = Vec::new();
        for column in self.columns.iter() {
            if sources.contains(&column.source.as_str()) {
                return Err(Error::Mapping(format!(
                    "source column `{}` is mapped twice",
                    column.source
                )));
            }
            sources.push(&column.source);
            if column.skip {
                continue;
            }
            let name = column.name.as_str();
            if name.trim().is_empty() {
                return Err(Error::Mapping(format!(
                    "column `{}` has an empty name",
                    column.source
                )));
            }
            if name.starts_with('_') {
                return Err(Error::Mapping(format!(
                    "column name `{name}`: names starting with `_` are reserved for Procura's own columns"
                )));
            }
            if let Some(suffix) = DERIVED_SUFFIXES.iter().find(|s| name.ends_with(*s)) {
                return Err(Error::Mapping(format!(
                    "column name `{name}`: the suffix `{suffix}` is reserved"
                )));
            }
            if names.contains(&name) {
                return Err(Error::Mapping(format!(
                    "column name `{name}` is used twice"
                )));
            }
            names.push(name);
        }
        Ok(())
    }

    /// The mapping as an editable TOML file, with comments in Chinese and English.
    pub fn to_toml(&self) -> String {
        let mut out = String::new();
        out.push_str("# Procura 列映射 / column mapping\n");
        out.push_str("# 修改后用 --mapping 传回 / edit, then pass back with --mapping FILE\n");
        out.push_str("# type: ");
        out.push_str(
            &FieldType::ALL
                .iter()
                .map(|t| format!("{} ({})", t.code(), t.zh()))
                .collect::<Vec<_>>()
                .join(", "),
        );
        out.push_str("\n# unit (amount only): 元 | 万元 | 亿元;  skip = true 表示不导入 / drops the column\n");
        out.push_str(&self.duplicates_toml());
        for column in &self.columns {
            out.push_str("\n[[column]]\n");
            if let Some(note) = &column.note {
                for line in note.lines() {
                    out.push_str(&format!("# {line}\n"));
                }
            }
            out.push_str(&format!("source = {}\n", toml_string(&column.source)));
            out.push_str(&format!("name = {}\n", toml_string(&column.name)));
            out.push_str(&format!("type = \"{}\"\n", column.field_type.code()));
            if let Some(unit) = column.unit {
                out.push_str(&format!("unit = \"{}\"\n", unit_zh(unit)));
            }
            if column.skip {
                out.push_str("skip = true\n");
            }
        }
        out
    }

    /// The top-level `duplicates` key with its explanation and, from `suggest`, the evidence.
    fn duplicates_toml(&self) -> String {
        let mut out = String::from(
            "\n# 完全相同的重复行 exact duplicate rows: keep = 全部保留 keep them all (default);\n\
             # drop = 只保留第一行 keep only the first. 真实的重复发放也完全相同，删除前请核对\n\
             # real repeated payments look the same: check the rows before choosing drop.\n",
        );
        if let Some(seen) = &self.duplicates_seen {
            let scope = if seen.complete {
                format!("all {} rows", seen.rows_scanned)
            } else {
                format!("the first {} rows", seen.rows_scanned)
            };
            let examples: Vec<String> = seen.examples.iter().map(|l| l.to_string()).collect();
            out.push_str(&format!(
                "# 发现 found {} duplicate rows in {scope}, e.g. {}\n",
                seen.duplicates,
                examples.join(", ")
            ));
        }
        match self.duplicates {
            Some(policy) => out.push_str(&format!("duplicates = \"{}\"\n", policy.code())),
            None => out.push_str("# duplicates = \"keep\"\n"),
        }
        out
    }

    /// Adds columns for headers the mapping does not mention (kept as text or as the
    /// dictionary suggests), so that nothing is dropped silently.
    pub fn complete(&mut self, headers: &[String]) {
        for header in headers {
            let known = self
                .columns
                .iter()
                .any(|c| field::clean_header(&c.source) == field::clean_header(header));
            if known {
                continue;
            }
            let proposal = Mapping::suggest(std::slice::from_ref(header));
            if let Some(mut column) = proposal.columns.into_iter().next() {
                let base = column.name.clone();
                let mut n = 2;
                while self.columns.iter().any(|c| c.name == column.name) {
                    column.name = format!("{base}_{n}");
                    n += 1;
                }
                self.columns.push(column);
            }
        }
    }
}

/// A unit as written in mapping files.
pub fn unit_zh(unit: AmountUnit) -> &'static str {
    match unit {
        AmountUnit::Yuan => "元",
        AmountUnit::Wan => "万元",
        AmountUnit::Yi => "亿元",
    }
}

fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

/// Makes a proposed name usable as a column name: ASCII for SQL (a Chinese header the
/// dictionary has no name for gets its pinyin, the header staying the column's label), and
/// reserved prefixes and suffixes avoided.
fn safe_name(name: &str) -> String {
    let mut name = name.trim().to_owned();
    if !name.is_ascii() {
        name = procura_core::names::ascii_identifier(&name);
    }
    if name.starts_with('_') {
        name = format!("c{name}");
    }
    for suffix in DERIVED_SUFFIXES {
        if let Some(stripped) = name.strip_suffix(suffix) {
            name = format!("{stripped}_{}", suffix.trim_start_matches('_'));
        }
    }
    if name.is_empty() {
        name = "column".into();
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestion_round_trips_through_toml() {
        let headers: Vec<String> = ["姓名", "身份证号", "金额(万元)", "经办人意见", "证件号码"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let mapping = Mapping::suggest(&headers);
        assert_eq!(mapping.columns[1].name, "person_id");
        assert_eq!(mapping.columns[4].name, "person_id_2");
        assert_eq!(mapping.columns[2].unit, Some(AmountUnit::Wan));
        // A header the dictionary has no name for gets an SQL-safe pinyin name; the header
        // stays as the column's source (its label).
        assert_eq!(mapping.columns[3].name, "jing_ban_ren_yi_jian");
        assert_eq!(mapping.columns[3].source, "经办人意见");
        let text = mapping.to_toml();
        assert_eq!(Mapping::from_toml(&text).unwrap(), mapping);
    }

    #[test]
    fn invalid_mappings_say_why() {
        let error =
            Mapping::from_toml("[[column]]\nsource = \"a\"\ntype = \"idcard\"\n").unwrap_err();
        assert!(
            error.to_string().contains("unknown field type `idcard`"),
            "{error}"
        );
        let error = Mapping::from_toml(
            "[[column]]\nsource = \"a\"\nname = \"x\"\n[[column]]\nsource = \"b\"\nname = \"x\"\n",
        )
        .unwrap_err();
        assert!(error.to_string().contains("used twice"), "{error}");
        let error =
            Mapping::from_toml("[[column]]\nsource = \"a\"\nname = \"_row_id\"\n").unwrap_err();
        assert!(error.to_string().contains("reserved"), "{error}");
        let error =
            Mapping::from_toml("[[column]]\nsource = \"a\"\ntype = \"text\"\nunit = \"万元\"\n")
                .unwrap_err();
        assert!(error.to_string().contains("only applies"), "{error}");
    }

    #[test]
    fn duplicate_policy_in_toml() {
        let column = "[[column]]\nsource = \"a\"\n";
        let mapping = Mapping::from_toml(&format!("duplicates = \"drop\"\n{column}")).unwrap();
        assert_eq!(mapping.duplicates, Some(DuplicatePolicy::Drop));
        assert_eq!(Mapping::from_toml(&mapping.to_toml()).unwrap(), mapping);
        let mapping = Mapping::from_toml(column).unwrap();
        assert_eq!(mapping.duplicates, None);
        assert!(mapping.to_toml().contains("# duplicates = \"keep\""));
        assert_eq!(Mapping::from_toml(&mapping.to_toml()).unwrap(), mapping);
        let error = Mapping::from_toml(&format!("duplicates = \"remove\"\n{column}")).unwrap_err();
        assert!(
            error.to_string().contains("\"keep\" or \"drop\""),
            "{error}"
        );
    }

    #[test]
    fn suggested_drop_shows_the_evidence() {
        let mut mapping = Mapping::suggest(&["姓名".to_string()]);
        mapping.duplicates = Some(DuplicatePolicy::Drop);
        mapping.duplicates_seen = Some(DuplicatesSeen {
            rows_scanned: 10,
            complete: true,
            duplicates: 2,
            examples: vec![Location::row("a.csv", 5), Location::row("a.csv", 9)],
        });
        let text = mapping.to_toml();
        assert!(
            text.contains("found 2 duplicate rows in all 10 rows, e.g. a.csv:5, a.csv:9"),
            "{text}"
        );
        let read_back = Mapping::from_toml(&text).unwrap();
        assert_eq!(read_back.duplicates, Some(DuplicatePolicy::Drop));
        assert_eq!(read_back.columns, mapping.columns);
    }

    #[test]
    fn complete_keeps_unmentioned_columns() {
        let mut mapping =
            Mapping::from_toml("[[column]]\nsource = \"身份证号\"\nname = \"pid\"\n").unwrap();
        mapping.complete(&["身份证号".to_string(), "备注".to_string()]);
        assert_eq!(mapping.columns.len(), 2);
        assert_eq!(mapping.columns[1].name, "note");
    }
}
