//! Binding a model's input roles to dataset columns, and its parameters to values.
//!
//! A role field binds, in this order, to the column an explicit `role.field=column` names, to
//! the column of the same name when its type fits, or — by meaning, for a required field —
//! to the only column of a fitting type that no other field of the role took (a model's
//! `penalty_date` to a dataset's only date column `violation_time`), which the binding
//! records so that the run says so. An optional field is never bound by type alone (an
//! optional `custody_end` must not become a `birth_date`); left unbound, it is reported with
//! the columns that would fit. Errors name the model, the role and the field, and list the
//! columns that would fit.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use procura_core::field::FieldType;

use crate::error::{Error, Result};
use crate::manifest::{FieldKind, Input, Model, ParamType};

/// A dataset column as the catalog describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Column name.
    pub name: String,
    /// Field type.
    pub field_type: FieldType,
}

/// One role bound to a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleBinding {
    /// The role.
    pub role: String,
    /// The registered table the role reads.
    pub table: String,
    /// Per field: the column bound (or `None` for an unbound optional field), its type, the
    /// field kind wanted.
    pub fields: Vec<BoundField>,
    /// Entity linkage for this role's rows, when a linkage result covers its dataset version.
    pub link: Option<RoleLink>,
    /// An optional role with no dataset: it has no rows.
    pub absent: bool,
}

/// Which linkage rows cover a role: its dataset version, and the column they identify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleLink {
    /// The registered table of linkage rows (person or organisation links).
    pub table: String,
    /// The linkage rows' Parquet file.
    pub path: std::path::PathBuf,
    /// The dataset version id the linkage rows refer to.
    pub version_id: i64,
    /// The dataset column holding the person ID that linkage resolved.
    pub column: String,
}

/// A field bound to a column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoundField {
    /// Field name.
    pub field: String,
    /// Kind the model wants.
    pub kind: FieldKind,
    /// Column and its type, when bound.
    pub column: Option<(String, FieldType)>,
    /// How the column was chosen.
    pub how: BoundBy,
    /// For an unbound optional field: the columns of a fitting type it could take.
    pub candidates: Vec<String>,
}

/// How a field found its column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoundBy {
    /// `--bind role.field=column`.
    Override,
    /// A column of the same name.
    Name,
    /// The only column of a fitting type left (identifiers: the only one of the type).
    Type,
    /// An optional field without a column: its values are empty.
    Unbound,
}

/// Whether a column of type `column` can serve a field of kind `kind`.
pub fn compatible(kind: FieldKind, column: FieldType) -> bool {
    use FieldType as T;
    match kind {
        FieldKind::PersonId => column == T::PersonId,
        FieldKind::OrgId => column == T::OrgId,
        FieldKind::PartyId => matches!(column, T::PartyId | T::PersonId | T::OrgId),
        FieldKind::CaseNumber => matches!(column, T::CaseNumber | T::Text),
        FieldKind::Name => matches!(column, T::Name | T::OrgName | T::Text),
        FieldKind::Text => !matches!(column, T::Amount | T::Number),
        FieldKind::Date | FieldKind::Month | FieldKind::DateTime => {
            matches!(column, T::Date | T::Month | T::DateTime)
        }
        FieldKind::Amount => column == T::Amount,
        FieldKind::Number => matches!(column, T::Number | T::Amount),
        FieldKind::RegionCode => matches!(column, T::RegionCode | T::Text),
        FieldKind::Plate => matches!(column, T::Plate | T::Text),
    }
}

/// The columns a field of kind `kind` could take.
fn fitting_columns(kind: FieldKind, columns: &[Column]) -> Vec<&Column> {
    columns
        .iter()
        .filter(|c| compatible(kind, c.field_type))
        .collect()
}

/// "no column of a fitting type" or the list of those that fit.
fn describe(fitting: &[&Column]) -> String {
    if fitting.is_empty() {
        "no column of a fitting type".to_owned()
    } else {
        format!(
            "columns of a fitting type: {}",
            fitting
                .iter()
                .map(|c| format!("{} ({})", c.name, c.field_type.code()))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

/// Kinds precise enough that "the only fitting column left" means the field: dates, amounts,
/// numbers, identifiers, case numbers, plates, regions — not free text or names, which any
/// text column fits.
fn binds_by_type(kind: FieldKind) -> bool {
    !matches!(kind, FieldKind::Text | FieldKind::Name)
}

/// Binds one role to a dataset's columns. `overrides` maps field → column.
pub fn bind_role(
    model: &Model,
    input: &Input,
    dataset: &str,
    table: &str,
    columns: &[Column],
    overrides: &BTreeMap<String, String>,
) -> Result<RoleBinding> {
    for field in overrides.keys() {
        if !input.fields.iter().any(|f| &f.name == field) {
            return Err(Error::Binding(format!(
                "model {}: role `{}` has no field `{field}` (fields: {})",
                model.meta.id,
                input.role,
                input
                    .fields
                    .iter()
                    .map(|f| f.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    // First pass: explicit overrides and names. Second pass: the fields still without a
    // column, by type among the columns no other field of the role took.
    let mut chosen: Vec<Option<(&Column, BoundBy)>> = Vec::with_capacity(input.fields.len());
    for field in &input.fields {
        let fitting = fitting_columns(field.kind, columns);
        let mismatch = |column: &Column, hint: String| {
            Error::Binding(format!(
                "model {}, role `{}`, field `{}` needs {}, but column `{}` of dataset `{dataset}` is {}{hint}",
                model.meta.id,
                input.role,
                field.name,
                field.kind.code(),
                column.name,
                column.field_type.code(),
            ))
        };
        let column = if let Some(wanted) = overrides.get(&field.name) {
            let column = columns.iter().find(|c| &c.name == wanted).ok_or_else(|| {
                Error::Binding(format!(
                    "model {}, role `{}`, field `{}`: dataset `{dataset}` has no column `{wanted}`; {}",
                    model.meta.id,
                    input.role,
                    field.name,
                    describe(&fitting)
                ))
            })?;
            if !compatible(field.kind, column.field_type) {
                return Err(mismatch(column, format!("; {}", describe(&fitting))));
            }
            Some((column, BoundBy::Override))
        } else if let Some(column) = columns.iter().find(|c| c.name == field.name) {
            if !compatible(field.kind, column.field_type) {
                return Err(mismatch(
                    column,
                    format!(
                        " (re-ingest with a mapping that types it, or bind another column with --bind {}.{}=COLUMN; {})",
                        input.role,
                        field.name,
                        describe(&fitting)
                    ),
                ));
            }
            Some((column, BoundBy::Name))
        } else {
            None
        };
        chosen.push(column);
    }
    let mut fields = Vec::with_capacity(input.fields.len());
    for (index, field) in input.fields.iter().enumerate() {
        let fitting = fitting_columns(field.kind, columns);
        let free: Vec<&Column> = fitting
            .iter()
            .copied()
            .filter(|c| {
                !chosen
                    .iter()
                    .any(|taken| taken.is_some_and(|(t, _)| t.name == c.name))
            })
            .collect();
        if chosen[index].is_none() {
            let by_type = if matches!(
                field.kind,
                FieldKind::PersonId | FieldKind::OrgId | FieldKind::PartyId
            ) && fitting.len() == 1
            {
                // The dataset's only identifier of that type, even if another field took it.
                Some(fitting[0])
            } else if !field.optional && free.len() == 1 && binds_by_type(field.kind) {
                Some(free[0])
            } else {
                None
            };
            if let Some(column) = by_type {
                chosen[index] = Some((column, BoundBy::Type));
            } else if !field.optional {
                return Err(Error::Binding(format!(
                    "model {}, role `{}`: dataset `{dataset}` has no column for field `{}` ({}); {}; bind one with --bind {}.{}=COLUMN",
                    model.meta.id,
                    input.role,
                    field.name,
                    field.kind.code(),
                    describe(&fitting),
                    input.role,
                    field.name
                )));
            }
        }
        let (column, how) = match chosen[index] {
            Some((column, how)) => (Some((column.name.clone(), column.field_type)), how),
            None => (None, BoundBy::Unbound),
        };
        fields.push(BoundField {
            field: field.name.clone(),
            kind: field.kind,
            column,
            how,
            candidates: if how == BoundBy::Unbound {
                free.iter().map(|c| c.name.clone()).collect()
            } else {
                Vec::new()
            },
        });
    }
    Ok(RoleBinding {
        role: input.role.clone(),
        table: table.to_owned(),
        fields,
        link: None,
        absent: false,
    })
}

/// An optional role with no dataset bound: every field unbound, no rows.
pub fn absent_role(input: &Input) -> RoleBinding {
    RoleBinding {
        role: input.role.clone(),
        table: String::new(),
        fields: input
            .fields
            .iter()
            .map(|field| BoundField {
                field: field.name.clone(),
                kind: field.kind,
                column: None,
                how: BoundBy::Unbound,
                candidates: Vec::new(),
            })
            .collect(),
        link: None,
        absent: true,
    }
}

/// A parameter's value for one run.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamValue {
    /// An integer.
    Integer(i64),
    /// A number.
    Number(f64),
    /// A date.
    Date(NaiveDate),
    /// Text.
    Text(String),
    /// A list of texts.
    TextList(Vec<String>),
    /// Yes or no.
    Boolean(bool),
}

impl ParamValue {
    /// The value as a SQL literal.
    pub fn sql_literal(&self) -> String {
        match self {
            ParamValue::Integer(i) => i.to_string(),
            ParamValue::Number(n) => format!("{n:?}"),
            ParamValue::Date(d) => format!("DATE '{}'", d.format("%Y-%m-%d")),
            ParamValue::Text(t) => quote_literal(t),
            ParamValue::TextList(list) => {
                format!(
                    "({})",
                    list.iter()
                        .map(|t| quote_literal(t))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
            ParamValue::Boolean(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
        }
    }

    /// The value as a user would write it.
    pub fn display(&self) -> String {
        match self {
            ParamValue::Integer(i) => i.to_string(),
            ParamValue::Number(n) => n.to_string(),
            ParamValue::Date(d) => d.format("%Y-%m-%d").to_string(),
            ParamValue::Text(t) => t.clone(),
            ParamValue::TextList(list) => list.join(","),
            ParamValue::Boolean(b) => b.to_string(),
        }
    }
}

/// A yes/no as people write it: true/false, yes/no, 是/否, 1/0.
pub fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_lowercase().as_str() {
        "true" | "yes" | "y" | "1" | "是" | "计入" | "on" => Some(true),
        "false" | "no" | "n" | "0" | "否" | "不计入" | "off" => Some(false),
        _ => None,
    }
}

/// `'it''s'`.
pub fn quote_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Resolves every parameter: defaults, then overrides (validated by type and range).
pub fn resolve_params(
    model: &Model,
    overrides: &BTreeMap<String, String>,
    today: NaiveDate,
) -> Result<BTreeMap<String, ParamValue>> {
    for name in overrides.keys() {
        if !model.parameters.iter().any(|p| &p.name == name) {
            return Err(Error::Binding(format!(
                "model {} has no parameter `{name}` (parameters: {})",
                model.meta.id,
                model
                    .parameters
                    .iter()
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    let mut values = BTreeMap::new();
    for parameter in &model.parameters {
        let bad = |why: String| {
            Error::Binding(format!(
                "model {}, parameter `{}`: {why}",
                model.meta.id, parameter.name
            ))
        };
        let value = match (&parameter.value, overrides.get(&parameter.name)) {
            (ParamType::Integer(default), given) => ParamValue::Integer(match given {
                Some(text) => text
                    .trim()
                    .parse()
                    .map_err(|_| bad(format!("`{text}` is not an integer")))?,
                None => *default,
            }),
            (ParamType::Number(default), given) => ParamValue::Number(match given {
                Some(text) => text
                    .trim()
                    .parse()
                    .map_err(|_| bad(format!("`{text}` is not a number")))?,
                None => *default,
            }),
            (ParamType::Date(default), given) => ParamValue::Date(match given {
                Some(text) if text == "today" => today,
                Some(text) => procura_core::date::parse_date(text, Default::default())
                    .map(|d| d.date)
                    .map_err(|e| bad(e.to_string()))?,
                None => default.unwrap_or(today),
            }),
            (ParamType::Text(default), given) => ParamValue::Text(match given {
                Some(text) if !parameter.choices.is_empty() => parameter
                    .choices
                    .iter()
                    .find(|c| c.value == text.trim() || c.label == text.trim())
                    .map(|c| c.value.clone())
                    .ok_or_else(|| {
                        bad(format!(
                            "`{text}` is not one of {}",
                            parameter
                                .choices
                                .iter()
                                .map(|c| format!("{} ({})", c.value, c.label))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ))
                    })?,
                Some(text) => text.clone(),
                None => default.clone(),
            }),
            (ParamType::TextList(default), given) => ParamValue::TextList(match given {
                Some(text) => text
                    .split(',')
                    .map(|t| t.trim().to_owned())
                    .filter(|t| !t.is_empty())
                    .collect(),
                None => default.clone(),
            }),
            (ParamType::Boolean(default), given) => ParamValue::Boolean(match given {
                Some(text) => parse_bool(text)
                    .ok_or_else(|| bad(format!("`{text}` is not true or false (是/否)")))?,
                None => *default,
            }),
        };
        let numeric = match &value {
            ParamValue::Integer(i) => Some(*i as f64),
            ParamValue::Number(n) => Some(*n),
            _ => None,
        };
        if let Some(number) = numeric {
            if let Some(min) = parameter.min
                && number < min
            {
                return Err(bad(format!("{number} is below the minimum {min}")));
            }
            if let Some(max) = parameter.max
                && number > max
            {
                return Err(bad(format!("{number} is above the maximum {max}")));
            }
        }
        values.insert(parameter.name.clone(), value);
    }
    Ok(values)
}
