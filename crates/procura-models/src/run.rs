//! Running a model: bind its roles to Parquet files, resolve its parameters, compile, execute,
//! and turn the result rows into clue hits with titles, amounts, subjects and evidence.

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::NaiveDate;
use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{
    DataType, Date32Type, Decimal128Type, Float64Type, Int64Type, TimestampMillisecondType,
};

use crate::binding::{self, Column, ParamValue};
use crate::compile::{self, Compiled};
use crate::engine::{Engine, TableSource};
use crate::error::{Error, Result};
use crate::manifest::{Model, Names};

/// One role bound to a dataset version.
#[derive(Debug, Clone)]
pub struct BoundInput {
    /// The role.
    pub role: String,
    /// The dataset name (for messages).
    pub dataset: String,
    /// The version's Parquet file.
    pub path: PathBuf,
    /// The version's columns.
    pub columns: Vec<Column>,
    /// Field → column overrides.
    pub overrides: BTreeMap<String, String>,
    /// Entity linkage covering this input's rows, when there is one.
    pub link: Option<binding::RoleLink>,
}

/// A value of a clue field: how to show it and how to store it.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldValue {
    /// For titles and tables (`2024年3月5日`, `12,345.00`).
    pub display: String,
    /// For storage (`2024-03-05`, `12345.00`, numbers as numbers).
    pub json: serde_json::Value,
}

/// A person or organisation concerned by a clue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectHit {
    /// `person` or `org`.
    pub kind: String,
    /// Canonical identifier.
    pub id: String,
    /// Name, when the model provides one.
    pub name: Option<String>,
}

/// One clue as a run found it.
#[derive(Debug, Clone, PartialEq)]
pub struct ClueHit {
    /// Key values, in key order.
    pub key: Vec<String>,
    /// Named fields (keys first, then the clue fields).
    pub fields: Vec<(String, FieldValue)>,
    /// The amount involved, in 分.
    pub amount_fen: Option<i64>,
    /// `high`, `medium` or `low`.
    pub severity: String,
    /// The rendered title.
    pub title: String,
    /// Contributing row ids per role, sorted.
    pub evidence: Vec<(String, Vec<i64>)>,
    /// Persons and organisations concerned.
    pub subjects: Vec<SubjectHit>,
    /// The weakest entity-linkage strength among the evidence rows (`exact`, `strong`,
    /// `probable`), when linkage took part.
    pub match_strength: Option<String>,
}

/// The result of executing a model.
#[derive(Debug, Clone)]
pub struct Execution {
    /// The clues.
    pub hits: Vec<ClueHit>,
    /// The SQL that ran.
    pub sql: String,
    /// The parameter values used.
    pub params: BTreeMap<String, ParamValue>,
}

/// A model bound to its inputs, compiled, ready to execute.
#[derive(Debug, Clone)]
pub struct Prepared {
    compiled: Compiled,
    tables: Vec<TableSource>,
    today: NaiveDate,
    /// The parameter values.
    pub params: BTreeMap<String, ParamValue>,
    /// What a person should know before the run (Chinese and English): fields bound by type,
    /// optional fields left empty, roles joined through entity linkage.
    pub notices: Vec<Names>,
}

impl Prepared {
    /// The SQL that will run.
    pub fn sql(&self) -> &str {
        &self.compiled.sql
    }
}

/// Binds a model's roles and parameters and compiles it. Every binding problem (a missing
/// role, a missing or wrongly typed field, a bad parameter) is reported here, before anything
/// runs.
pub fn prepare(
    model: &Model,
    inputs: &[BoundInput],
    param_overrides: &BTreeMap<String, String>,
    today: NaiveDate,
) -> Result<Prepared> {
    let params = binding::resolve_params(model, param_overrides, today)?;
    let mut bindings = Vec::new();
    let mut tables = Vec::new();
    for input in &model.inputs {
        if input.optional && !inputs.iter().any(|b| b.role == input.role) {
            bindings.push(binding::absent_role(input));
            continue;
        }
        let bound = inputs
            .iter()
            .find(|b| b.role == input.role)
            .ok_or_else(|| {
                Error::Binding(format!(
                    "model {}: role `{}` ({}) is not bound to a dataset; use --bind {}=DATASET",
                    model.meta.id, input.role, input.label, input.role
                ))
            })?;
        let table = format!("__ds_{}", input.role);
        let mut role_binding = binding::bind_role(
            model,
            input,
            &bound.dataset,
            &table,
            &bound.columns,
            &bound.overrides,
        )?;
        role_binding.link = bound.link.clone();
        bindings.push(role_binding);
        tables.push(TableSource {
            name: table,
            path: bound.path.clone(),
        });
    }
    for bound in inputs {
        if !model.inputs.iter().any(|i| i.role == bound.role) {
            return Err(Error::Binding(format!(
                "model {} has no role `{}` (roles: {})",
                model.meta.id,
                bound.role,
                model
                    .inputs
                    .iter()
                    .map(|i| i.role.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    let compiled = compile::compile(model, &bindings, &params)?;
    let notices = notices(model, inputs, &bindings, &params);
    for role in &compiled.rank_roles {
        if let Some(link) = bindings
            .iter()
            .find(|b| &b.role == role)
            .and_then(|b| b.link.as_ref())
            && !tables.iter().any(|t| t.name == link.table)
        {
            tables.push(TableSource {
                name: link.table.clone(),
                path: link.path.clone(),
            });
        }
    }
    Ok(Prepared {
        compiled,
        tables,
        today,
        params,
        notices,
    })
}

/// The notices of a bound model (see [`Prepared::notices`]).
fn notices(
    model: &Model,
    inputs: &[BoundInput],
    bindings: &[binding::RoleBinding],
    params: &BTreeMap<String, ParamValue>,
) -> Vec<Names> {
    let notice = |zh: String, en: String| Names { zh, en };
    let mut notices = Vec::new();
    for role_binding in bindings {
        let role = &role_binding.role;
        if role_binding.absent {
            let label = model
                .inputs
                .iter()
                .find(|i| &i.role == role)
                .map_or("", |i| i.label.as_str());
            notices.push(notice(
                format!("可选输入 {role}（{label}）没有数据集，按无记录处理；有此数据时请导入或用 --bind {role}=数据集 绑定"),
                format!("optional input {role} has no dataset and counts as having no records; ingest one or bind it with --bind {role}=DATASET"),
            ));
            continue;
        }
        let dataset = inputs
            .iter()
            .find(|i| &i.role == role)
            .map_or("", |i| i.dataset.as_str());
        for field in &role_binding.fields {
            let name = &field.field;
            match (field.how, &field.column) {
                (binding::BoundBy::Type, Some((column, _))) if column != name => {
                    notices.push(notice(
                        format!("{role}.{name} 按类型绑定到数据集 {dataset} 的列 {column}（无同名列），如不对请用 --bind {role}.{name}=列名 指定"),
                        format!("{role}.{name} is bound by type to column {column} of {dataset} (no column named {name}); bind another with --bind {role}.{name}=COLUMN"),
                    ));
                }
                (binding::BoundBy::Unbound, _) => {
                    let reference = format!("{role}.{name}");
                    let shown: Vec<String> = model
                        .clue
                        .fields
                        .iter()
                        .filter(|(field_name, expression)| {
                            expression.contains(&reference)
                                && model.clue.title.contains(&format!("{{{field_name}}}"))
                        })
                        .map(|(field_name, _)| format!("{{{field_name}}}"))
                        .collect();
                    let mut zh =
                        format!("{reference}（{}，可选）未绑定，其值为空", field.kind.code());
                    let mut en =
                        format!("optional field {reference} is not bound: its values are empty");
                    if !shown.is_empty() {
                        zh.push_str(&format!("，线索标题中的 {} 将显示为“—”", shown.join("、")));
                        en.push_str(&format!("; the title shows “—” for {}", shown.join(", ")));
                    }
                    if !field.candidates.is_empty() {
                        zh.push_str(&format!(
                            "；可绑定的列：{}（--bind {reference}=列名）",
                            field.candidates.join("、")
                        ));
                        en.push_str(&format!(
                            "; columns that fit: {} (--bind {reference}=COLUMN)",
                            field.candidates.join(", ")
                        ));
                    }
                    notices.push(notice(zh, en));
                }
                _ => {}
            }
        }
        if let Some(link) = &role_binding.link {
            let strength = match params.get("min_match_strength") {
                Some(ParamValue::Text(text)) => text.as_str(),
                _ => "strong",
            };
            if !matches!(strength, "exact" | "精确匹配") {
                let column = &link.column;
                notices.push(notice(
                    format!("{role}：{dataset} 的 {column} 列按实体关联合并同一人（最低匹配强度 {strength}）：证件号缺失或校验不通过的记录可经姓名、出生日期等并入，所得线索注明匹配强度；只认有效证件号请设 min_match_strength=exact"),
                    format!("{role}: rows of {dataset} are joined through entity linkage at {strength} or above (records without a valid ID may join through name and birth date; such clues state their match strength); set min_match_strength=exact for valid IDs only"),
                ));
            }
        }
    }
    notices
}

/// Executes a prepared model.
pub async fn execute_prepared(model: &Model, prepared: &Prepared) -> Result<Execution> {
    let engine = Engine::new(&prepared.tables, prepared.today).await?;
    let batches = engine
        .sql(&prepared.compiled.sql)
        .await
        .map_err(|e| match e {
            Error::Query(inner) => Error::Run(format!("model {}: {inner}", model.meta.id)),
            other => other,
        })?;
    let mut hits = Vec::new();
    for batch in &batches {
        extract(model, &prepared.compiled, batch, &mut hits)?;
    }
    Ok(Execution {
        hits,
        sql: prepared.compiled.sql.clone(),
        params: prepared.params.clone(),
    })
}

/// Binds, compiles and executes a model.
pub async fn execute(
    model: &Model,
    inputs: &[BoundInput],
    param_overrides: &BTreeMap<String, String>,
    today: NaiveDate,
) -> Result<Execution> {
    let prepared = prepare(model, inputs, param_overrides, today)?;
    execute_prepared(model, &prepared).await
}

fn column<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a dyn Array> {
    batch
        .column_by_name(name)
        .map(|c| c.as_ref())
        .ok_or_else(|| Error::Internal(format!("result has no column `{name}`")))
}

fn text_at(array: &dyn Array, row: usize) -> Result<Option<String>> {
    if array.is_null(row) {
        return Ok(None);
    }
    let single = array.slice(row, 1);
    let text = cast(&single, &DataType::Utf8)?;
    Ok(Some(text.as_string::<i32>().value(0).to_owned()))
}

fn extract(
    model: &Model,
    compiled: &Compiled,
    batch: &RecordBatch,
    hits: &mut Vec<ClueHit>,
) -> Result<()> {
    for row in 0..batch.num_rows() {
        let mut key = Vec::new();
        let mut fields = Vec::new();
        for name in &compiled.key_names {
            let value = text_at(column(batch, name)?, row)?.unwrap_or_default();
            fields.push((
                name.clone(),
                FieldValue {
                    display: value.clone(),
                    json: serde_json::Value::String(value.clone()),
                },
            ));
            key.push(value);
        }
        for name in &compiled.field_names {
            fields.push((name.clone(), field_value(column(batch, name)?, row)?));
        }
        let amount_fen = if compiled.has_amount {
            let array = column(batch, "amount")?;
            let value = field_value(array, row)?;
            fields.push(("amount".into(), value));
            decimal_fen(array, row)?
        } else {
            None
        };
        let severity = match text_at(column(batch, "__severity")?, row)?.as_deref() {
            Some("high") => "high",
            Some("low") => "low",
            _ => "medium",
        }
        .to_owned();
        let mut evidence = Vec::new();
        for role in &compiled.evidence_roles {
            let array = column(batch, &format!("evidence__{role}"))?;
            let mut ids = Vec::new();
            if !array.is_null(row) {
                let list = array.as_list::<i32>().value(row);
                let list = cast(&list, &DataType::Int64)?;
                ids.extend(list.as_primitive::<Int64Type>().iter().flatten());
            }
            ids.sort_unstable();
            ids.dedup();
            evidence.push((role.clone(), ids));
        }
        let mut subjects = Vec::new();
        for (kind, id_column, name_column) in &compiled.subjects {
            let Some(id) = text_at(column(batch, id_column)?, row)? else {
                continue;
            };
            let name = match name_column {
                Some(column_name) => text_at(column(batch, column_name)?, row)?,
                None => None,
            };
            // A party is a person or an organisation, which its identifier says.
            let kind = match kind.as_str() {
                "party" => procura_core::party_id::kind_of(&id)
                    .map_or("party", |k| k.code())
                    .to_owned(),
                _ => kind.clone(),
            };
            subjects.push(SubjectHit { kind, id, name });
        }
        let mut rank: Option<i64> = None;
        for role in &compiled.rank_roles {
            let array = column(batch, &format!("__rank_{role}"))?;
            if !array.is_null(row) {
                let single = cast(&array.slice(row, 1), &DataType::Int64)?;
                let value = single.as_primitive::<Int64Type>().value(0);
                rank = Some(rank.map_or(value, |r: i64| r.min(value)));
            }
        }
        let match_strength = rank.map(|r| {
            match r {
                4 => "exact",
                3 => "strong",
                _ => "probable",
            }
            .to_owned()
        });
        let title = render_title(&model.clue.title, &fields);
        hits.push(ClueHit {
            key,
            fields,
            amount_fen,
            severity,
            title,
            evidence,
            subjects,
            match_strength,
        });
    }
    Ok(())
}

fn decimal_fen(array: &dyn Array, row: usize) -> Result<Option<i64>> {
    if array.is_null(row) {
        return Ok(None);
    }
    let single = array.slice(row, 1);
    let decimal = cast(&single, &DataType::Decimal128(38, 2))?;
    let value = decimal.as_primitive::<Decimal128Type>().value(0);
    Ok(i64::try_from(value).ok())
}

/// Formats a value for titles (Chinese dates, grouped amounts) and for storage.
pub fn field_value(array: &dyn Array, row: usize) -> Result<FieldValue> {
    if array.is_null(row) {
        return Ok(FieldValue {
            display: "—".into(),
            json: serde_json::Value::Null,
        });
    }
    Ok(match array.data_type() {
        DataType::Date32 => {
            let days = array.as_primitive::<Date32Type>().value(row);
            let date = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()
                + chrono::Days::new(days.max(0) as u64);
            FieldValue {
                display: date.format("%Y年%-m月%-d日").to_string(),
                json: serde_json::Value::String(date.format("%Y-%m-%d").to_string()),
            }
        }
        DataType::Timestamp(_, _) => {
            let single = array.slice(row, 1);
            let millis = cast(
                &single,
                &DataType::Timestamp(datafusion::arrow::datatypes::TimeUnit::Millisecond, None),
            )?;
            let value = millis.as_primitive::<TimestampMillisecondType>().value(0);
            let datetime = chrono::DateTime::from_timestamp_millis(value)
                .map(|d| d.naive_utc())
                .unwrap_or_default();
            FieldValue {
                display: datetime.format("%Y年%-m月%-d日 %H:%M").to_string(),
                json: serde_json::Value::String(datetime.format("%Y-%m-%dT%H:%M:%S").to_string()),
            }
        }
        DataType::Decimal128(_, _) => {
            let fen = decimal_fen(array, row)?.unwrap_or(0);
            let amount = procura_core::amount::Amount::from_fen(fen);
            FieldValue {
                display: group_thousands(&amount.yuan_string()),
                json: serde_json::Value::String(amount.yuan_string()),
            }
        }
        DataType::Float64 | DataType::Float32 => {
            let single = array.slice(row, 1);
            let value = cast(&single, &DataType::Float64)?
                .as_primitive::<Float64Type>()
                .value(0);
            let display = if value.fract() == 0.0 && value.abs() < 1e15 {
                format!("{value:.0}")
            } else {
                format!("{value:.2}")
            };
            FieldValue {
                display,
                json: serde_json::json!(value),
            }
        }
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt32
        | DataType::UInt64 => {
            let single = array.slice(row, 1);
            let value = cast(&single, &DataType::Int64)?
                .as_primitive::<Int64Type>()
                .value(0);
            FieldValue {
                display: value.to_string(),
                json: serde_json::json!(value),
            }
        }
        _ => {
            let text = text_at(array, row)?.unwrap_or_default();
            FieldValue {
                display: text.clone(),
                json: serde_json::Value::String(text),
            }
        }
    })
}

fn group_thousands(yuan: &str) -> String {
    let (sign, rest) = yuan.strip_prefix('-').map_or(("", yuan), |r| ("-", r));
    let (integer, fraction) = rest.split_once('.').unwrap_or((rest, ""));
    let mut grouped = String::new();
    for (i, c) in integer.chars().enumerate() {
        if i > 0 && (integer.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    if fraction.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{fraction}")
    }
}

/// Replaces `{name}` with the field's display value.
pub fn render_title(template: &str, fields: &[(String, FieldValue)]) -> String {
    let mut title = template.to_owned();
    for (name, value) in fields {
        title = title.replace(&format!("{{{name}}}"), &value.display);
    }
    title
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(group_thousands("1234567.50"), "1,234,567.50");
        assert_eq!(group_thousands("-120.00"), "-120.00");
        assert_eq!(group_thousands("100"), "100");
    }
}
