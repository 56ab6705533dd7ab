//! Binding a model's input roles to dataset columns, and its parameters to values.
//!
//! A role field binds to the dataset column of the same name when its type fits; identifier
//! fields (person_id, org_id) may also bind to the only column of that type; anything else
//! needs an explicit `role.field=column`. Errors name the model, the role and the field, and
//! list the columns that would fit.

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
}

/// Whether a column of type `column` can serve a field of kind `kind`.
pub fn compatible(kind: FieldKind, column: FieldType) -> bool {
    use FieldType as T;
    match kind {
        FieldKind::PersonId => column == T::PersonId,
        FieldKind::OrgId => column == T::OrgId,
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
    let mut fields = Vec::with_capacity(input.fields.len());
    for field in &input.fields {
        let fitting: Vec<&Column> = columns
            .iter()
            .filter(|c| compatible(field.kind, c.field_type))
            .collect();
        let describe = || {
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
        };
        let column = if let Some(wanted) = overrides.get(&field.name) {
            let column = columns.iter().find(|c| &c.name == wanted).ok_or_else(|| {
                Error::Binding(format!(
                    "model {}, role `{}`, field `{}`: dataset `{dataset}` has no column `{wanted}`; {}",
                    model.meta.id,
                    input.role,
                    field.name,
                    describe()
                ))
            })?;
            if !compatible(field.kind, column.field_type) {
                return Err(Error::Binding(format!(
                    "model {}, role `{}`, field `{}` needs {}, but column `{}` of dataset `{dataset}` is {}; {}",
                    model.meta.id,
                    input.role,
                    field.name,
                    field.kind.code(),
                    column.name,
                    column.field_type.code(),
                    describe()
                )));
            }
            Some(column)
        } else if let Some(column) = columns.iter().find(|c| c.name == field.name) {
            if !compatible(field.kind, column.field_type) {
                return Err(Error::Binding(format!(
                    "model {}, role `{}`, field `{}` needs {}, but column `{}` of dataset `{dataset}` is {} (re-ingest with a mapping that types it, or bind another column with --bind {}.{}=COLUMN; {})",
                    model.meta.id,
                    input.role,
                    field.name,
                    field.kind.code(),
                    column.name,
                    column.field_type.code(),
                    input.role,
                    field.name,
                    describe()
                )));
            }
            Some(column)
        } else if matches!(field.kind, FieldKind::PersonId | FieldKind::OrgId) && fitting.len() == 1
        {
            Some(fitting[0])
        } else if field.optional {
            None
        } else {
            return Err(Error::Binding(format!(
                "model {}, role `{}`: dataset `{dataset}` has no column for field `{}` ({}); {}; bind one with --bind {}.{}=COLUMN",
                model.meta.id,
                input.role,
                field.name,
                field.kind.code(),
                describe(),
                input.role,
                field.name
            )));
        };
        fields.push(BoundField {
            field: field.name.clone(),
            kind: field.kind,
            column: column.map(|c| (c.name.clone(), c.field_type)),
        });
    }
    Ok(RoleBinding {
        role: input.role.clone(),
        table: table.to_owned(),
        fields,
        link: None,
    })
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
        }
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
            (ParamType::Text(default), given) => {
                ParamValue::Text(given.cloned().unwrap_or_else(|| default.clone()))
            }
            (ParamType::TextList(default), given) => ParamValue::TextList(match given {
                Some(text) => text
                    .split(',')
                    .map(|t| t.trim().to_owned())
                    .filter(|t| !t.is_empty())
                    .collect(),
                None => default.clone(),
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
