//! Compiling a model into one DataFusion SQL query.
//!
//! The query has three stages, all CTEs:
//! 1. one CTE per role, named after it: the bound dataset's columns renamed to the model's
//!    field names (and cast to the field kind), with the role's filter applied;
//! 2. `pairs`: the collision primitive (or the model's own SQL), one row per match, carrying
//!    the clue key columns and a `<role>__rid` row id for every role that contributed;
//! 3. per role, the distinct contributing rows aggregated by clue key (the clue's fields,
//!    amount and subjects, and `evidence__<role>` = the row ids), joined into one row per clue.
//!
//! Field expressions in the manifest (`sum(pensions.amount)`) name one role each; that decides
//! which role's aggregation computes them, and aggregating distinct rows means a row that
//! matches twice is still counted once.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::binding::{BoundField, ParamValue, RoleBinding};
use crate::error::{Error, Result};
use crate::manifest::{self, EventRef, FieldKind, Flag, Model, Rule, StateRef};

/// A compiled model.
#[derive(Debug, Clone, PartialEq)]
pub struct Compiled {
    /// The query.
    pub sql: String,
    /// Names of the key columns, in key order.
    pub key_names: Vec<String>,
    /// Names of the field columns (amount excluded), in manifest order.
    pub field_names: Vec<String>,
    /// Whether the query has an `amount` column.
    pub has_amount: bool,
    /// Roles with an `evidence__<role>` column.
    pub evidence_roles: Vec<String>,
    /// Subjects: (kind, id column, optional name column).
    pub subjects: Vec<(String, String, Option<String>)>,
    /// Roles with a `__rank_<role>` column (the weakest linkage strength of their rows).
    pub rank_roles: Vec<String>,
}

/// Static checks of a parsed model (roles and fields exist, expressions name one role, names
/// are unique, parameters exist).
pub fn check(model: &Model) -> Result<()> {
    let bad = |what: String| Error::Manifest(format!("model {}: {what}", model.meta.id));
    let role = |name: &str| model.inputs.iter().find(|i| i.role == name);
    let field_of = |role_name: &str, field: &str| -> std::result::Result<(), String> {
        let input = role(role_name).ok_or_else(|| format!("unknown input `{role_name}`"))?;
        // `__row_id` is every role's row id (count distinct rows with it).
        if field == "__row_id" || input.fields.iter().any(|f| f.name == field) {
            Ok(())
        } else {
            Err(format!("input `{role_name}` has no field `{field}`"))
        }
    };
    let check_event = |event: &EventRef| -> std::result::Result<(), String> {
        field_of(&event.input, &event.key)?;
        field_of(&event.input, &event.date)
    };
    let check_state = |state: &StateRef| -> std::result::Result<(), String> {
        field_of(&state.input, &state.key)?;
        field_of(&state.input, &state.start)?;
        if let Some(end) = &state.end {
            field_of(&state.input, end)?;
        }
        Ok(())
    };
    let params: Vec<&str> = model.parameters.iter().map(|p| p.name.as_str()).collect();
    let check_param = |name: &str| -> std::result::Result<(), String> {
        if params.contains(&name) {
            Ok(())
        } else {
            Err(format!("parameter `{name}` is not declared"))
        }
    };
    let rule_check = match &model.rule {
        Rule::StatusConflict {
            event,
            state,
            end_offset_days,
            ..
        } => check_event(event)
            .and_then(|()| check_state(state))
            .and_then(|()| end_offset_days.as_deref().map_or(Ok(()), check_param))
            .and_then(|()| distinct_roles(&[&event.input, &state.input])),
        Rule::MissingFollowUp {
            trigger,
            follow_up,
            within_days,
            ..
        } => check_event(trigger)
            .and_then(|()| check_event(follow_up))
            .and_then(|()| check_param(within_days))
            .and_then(|()| distinct_roles(&[&trigger.input, &follow_up.input])),
        Rule::IntervalOverlap {
            activity,
            restriction,
            exemption,
            ..
        } => check_event(activity)
            .and_then(|()| check_state(restriction))
            .and_then(|()| exemption.as_ref().map_or(Ok(()), check_state)),
        Rule::Repetition {
            event,
            min_count,
            window_days,
            absent_in,
        } => check_event(event)
            .and_then(|()| check_param(min_count))
            .and_then(|()| check_param(window_days))
            .and_then(|()| {
                absent_in
                    .as_ref()
                    .map_or(Ok(()), |a| field_of(&a.input, &a.key))
            }),
        Rule::Ratio {
            numerator,
            denominator,
            min_ratio,
            max_ratio,
            min_denominator,
        } => field_of(&numerator.input, &numerator.key)
            .and_then(|()| field_of(&numerator.input, &numerator.quantity))
            .and_then(|()| field_of(&denominator.input, &denominator.key))
            .and_then(|()| field_of(&denominator.input, &denominator.quantity))
            .and_then(|()| min_ratio.as_deref().map_or(Ok(()), check_param))
            .and_then(|()| max_ratio.as_deref().map_or(Ok(()), check_param))
            .and_then(|()| min_denominator.as_deref().map_or(Ok(()), check_param))
            .and_then(|()| {
                if model.clue.key.len() == 1 {
                    Ok(())
                } else {
                    Err("a ratio rule's clue key is the one subject key".into())
                }
            }),
        Rule::SameDay {
            left,
            right,
            tolerance_days,
        } => check_event(left)
            .and_then(|()| check_event(right))
            .and_then(|()| check_param(tolerance_days))
            .and_then(|()| distinct_roles(&[&left.input, &right.input])),
        Rule::Sql { .. } => Ok(()),
    };
    rule_check.map_err(|why| bad(format!("rule: {why}")))?;

    let roles: Vec<&str> = model.inputs.iter().map(|i| i.role.as_str()).collect();
    let mut names: Vec<String> = Vec::new();
    for (index, key) in model.clue.effective_key(true).iter().enumerate() {
        if !matches!(model.rule, Rule::Sql { .. }) {
            let (role_name, field) = key
                .split_once('.')
                .ok_or_else(|| bad(format!("clue key `{key}` must be `role.field`")))?;
            field_of(role_name, field).map_err(|why| bad(format!("clue key `{key}`: {why}")))?;
        }
        // Record keys have their own column names (`__record_key_<n>`), so a clue field may
        // show the same value under its usual name.
        if index < model.clue.key.len() {
            names.push(model.clue.key_name(index));
        }
    }
    if !model.clue.record_key.is_empty()
        && matches!(model.rule, Rule::Ratio { .. } | Rule::Sql { .. })
    {
        return Err(bad(
            "record_key: a ratio or SQL rule decides its own clue key".into(),
        ));
    }
    let mut expressions: Vec<(String, &String)> = model
        .clue
        .fields
        .iter()
        .map(|(name, expr)| (name.clone(), expr))
        .collect();
    if let Some(amount) = &model.clue.amount {
        expressions.push(("amount".into(), amount));
    }
    for (name, expression) in &expressions {
        if names.contains(name) {
            return Err(bad(format!(
                "clue field `{name}` repeats a key or field name"
            )));
        }
        names.push(name.clone());
        let referenced = role_references(expression, &roles);
        if referenced.len() > 1 {
            return Err(bad(format!(
                "clue field `{name}` = `{expression}` uses several inputs ({}); each field aggregates one input",
                referenced.join(", ")
            )));
        }
        for (role_name, field) in field_references(expression, &roles) {
            field_of(&role_name, &field)
                .map_err(|why| bad(format!("clue field `{name}`: {why}")))?;
        }
    }
    for input in &model.inputs {
        if let Some(filter) = &input.filter {
            substitute_params_names(filter, &params)
                .map_err(|why| bad(format!("input `{}` where: {why}", input.role)))?;
        }
    }
    for placeholder in placeholders(&model.clue.title) {
        if !names.contains(&placeholder) {
            return Err(bad(format!(
                "the title uses `{{{placeholder}}}`, which is neither a key nor a field"
            )));
        }
    }
    Ok(())
}

fn distinct_roles(roles: &[&String]) -> std::result::Result<(), String> {
    if roles.windows(2).any(|w| w[0] == w[1]) {
        Err("the two sides of the rule must be different inputs".into())
    } else {
        Ok(())
    }
}

/// `{name}` placeholders of a title template.
pub fn placeholders(template: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let Some(end) = rest[start..].find('}') else {
            break;
        };
        found.push(rest[start + 1..start + end].to_owned());
        rest = &rest[start + end + 1..];
    }
    found
}

/// Splits SQL text into code and quoted parts: `(is_code, text)`.
fn segments(sql: &str) -> Vec<(bool, String)> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    for c in sql.chars() {
        match quote {
            Some(q) => {
                current.push(c);
                if c == q {
                    out.push((false, std::mem::take(&mut current)));
                    quote = None;
                }
            }
            None if c == '\'' || c == '"' => {
                if !current.is_empty() {
                    out.push((true, std::mem::take(&mut current)));
                }
                current.push(c);
                quote = Some(c);
            }
            None => current.push(c),
        }
    }
    if !current.is_empty() {
        out.push((quote.is_none(), current));
    }
    out
}

/// Identifiers followed by `.` then an identifier, in code (not in quotes).
fn field_references(expression: &str, roles: &[&str]) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for (is_code, text) in segments(expression) {
        if !is_code {
            continue;
        }
        let chars: Vec<char> = text.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            if is_ident_start(chars[i]) && (i == 0 || !is_ident_char(chars[i - 1])) {
                let start = i;
                while i < chars.len() && is_ident_char(chars[i]) {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                if i < chars.len() && chars[i] == '.' && roles.contains(&word.as_str()) {
                    let field_start = i + 1;
                    let mut j = field_start;
                    while j < chars.len() && is_ident_char(chars[j]) {
                        j += 1;
                    }
                    found.push((word, chars[field_start..j].iter().collect()));
                    i = j;
                }
            } else {
                i += 1;
            }
        }
    }
    found
}

fn role_references(expression: &str, roles: &[&str]) -> Vec<String> {
    let mut referenced: Vec<String> = field_references(expression, roles)
        .into_iter()
        .map(|(r, _)| r)
        .collect();
    referenced.sort();
    referenced.dedup();
    referenced
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn substitute_params_names(fragment: &str, params: &[&str]) -> std::result::Result<(), String> {
    for name in param_references(fragment) {
        if !params.contains(&name.as_str()) {
            return Err(format!("`:{name}` is not a declared parameter"));
        }
    }
    Ok(())
}

fn param_references(fragment: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (is_code, text) in segments(fragment) {
        if !is_code {
            continue;
        }
        let chars: Vec<char> = text.chars().collect();
        for i in 0..chars.len() {
            if chars[i] == ':'
                && (i == 0 || chars[i - 1] != ':')
                && chars.get(i + 1).is_some_and(|c| c.is_ascii_lowercase())
            {
                let name: String = chars[i + 1..]
                    .iter()
                    .take_while(|c| is_ident_char(**c))
                    .collect();
                found.push(name);
            }
        }
    }
    found
}

/// Replaces `:name` (outside quotes, not `::`) with the parameter's SQL literal.
pub fn substitute_params(fragment: &str, params: &BTreeMap<String, ParamValue>) -> Result<String> {
    let mut out = String::with_capacity(fragment.len());
    for (is_code, text) in segments(fragment) {
        if !is_code {
            out.push_str(&text);
            continue;
        }
        let chars: Vec<char> = text.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            let is_param = c == ':'
                && (i == 0 || chars[i - 1] != ':')
                && chars.get(i + 1).is_some_and(|c| c.is_ascii_lowercase());
            if is_param {
                let name: String = chars[i + 1..]
                    .iter()
                    .take_while(|c| is_ident_char(**c))
                    .collect();
                let value = params
                    .get(&name)
                    .ok_or_else(|| Error::Manifest(format!("`:{name}` is not a parameter")))?;
                out.push_str(&value.sql_literal());
                i += 1 + name.chars().count();
            } else {
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(out)
}

fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn day_param(params: &BTreeMap<String, ParamValue>, name: &str) -> Result<i64> {
    match params.get(name) {
        Some(ParamValue::Integer(days)) => Ok(*days),
        Some(other) => Err(Error::Manifest(format!(
            "parameter `{name}` must be an integer number of days, not {}",
            other.display()
        ))),
        None => Err(Error::Manifest(format!("parameter `{name}` is missing"))),
    }
}

fn plus_days(expression: &str, days: i64) -> String {
    if days >= 0 {
        format!("({expression} + INTERVAL '{days} days')")
    } else {
        format!("({expression} - INTERVAL '{} days')", -days)
    }
}

fn sql_type(kind: FieldKind) -> &'static str {
    match kind {
        FieldKind::Date | FieldKind::Month => "DATE",
        FieldKind::DateTime => "TIMESTAMP",
        FieldKind::Amount => "DECIMAL(18, 2)",
        FieldKind::Number => "DOUBLE",
        _ => "VARCHAR",
    }
}

/// The SQL of a bound field over the dataset table aliased by `prefix` (`__r.`).
fn role_column(field: &BoundField, prefix: &str) -> String {
    use procura_core::field::FieldType as T;
    let Some((column, column_type)) = &field.column else {
        return format!("CAST(NULL AS {})", sql_type(field.kind));
    };
    let quoted = format!("{prefix}{}", quote_ident(column));
    match (field.kind, column_type) {
        // Case and document numbers meet on their match key: another agency's `a3201 …`,
        // full-width `Ａ３２０１…` or `〔2023〕` is the same number as the police's `A3201…`
        // and `(2023)`.
        (FieldKind::CaseNumber, _) => format!("case_no_key(CAST({quoted} AS VARCHAR))"),
        (FieldKind::Date, T::DateTime) => format!("CAST({quoted} AS DATE)"),
        (FieldKind::Month, T::Date | T::DateTime) => {
            format!("CAST(date_trunc('month', {quoted}) AS DATE)")
        }
        (FieldKind::DateTime, T::Date | T::Month) => format!("CAST({quoted} AS TIMESTAMP)"),
        (FieldKind::Number, T::Amount) => format!("CAST({quoted} AS DOUBLE)"),
        (kind, T::Date | T::Month | T::DateTime | T::Number | T::Amount)
            if !matches!(
                kind,
                FieldKind::Date
                    | FieldKind::Month
                    | FieldKind::DateTime
                    | FieldKind::Number
                    | FieldKind::Amount
            ) =>
        {
            format!("CAST({quoted} AS VARCHAR)")
        }
        _ => quoted,
    }
}

/// Whether the run asks for one clue per record (`clue_per = "record"`); only a model with a
/// `record_key` has the parameter.
fn per_record(model: &Model, params: &BTreeMap<String, ParamValue>) -> Result<bool> {
    match params.get("clue_per") {
        None => Ok(false),
        Some(ParamValue::Text(text)) => match text.as_str() {
            "subject" | "对象" => Ok(false),
            "record" | "记录" => Ok(true),
            other => Err(Error::Binding(format!(
                "model {}: clue_per `{other}` is not subject (每个对象一条) or record (每条记录一条)",
                model.meta.id
            ))),
        },
        Some(other) => Err(Error::Binding(format!(
            "clue_per `{}` is not text",
            other.display()
        ))),
    }
}

/// The value of a rule's yes/no: fixed, or its boolean parameter's.
fn flag(model: &Model, params: &BTreeMap<String, ParamValue>, flag: &Flag) -> Result<bool> {
    match flag {
        Flag::Fixed(value) => Ok(*value),
        Flag::Param(name) => match params.get(name) {
            Some(ParamValue::Boolean(value)) => Ok(*value),
            Some(other) => Err(Error::Binding(format!(
                "model {}: parameter `{name}` is `{}`, not a boolean",
                model.meta.id,
                other.display()
            ))),
            None => Err(Error::Binding(format!(
                "model {}: the rule names parameter `{name}`, which the model does not declare",
                model.meta.id
            ))),
        },
    }
}

/// Compiles a bound model with its parameter values into one SQL query.
pub fn compile(
    model: &Model,
    bindings: &[RoleBinding],
    params: &BTreeMap<String, ParamValue>,
) -> Result<Compiled> {
    let min_rank = match params.get("min_match_strength") {
        None => 3,
        Some(ParamValue::Text(text)) => match text.as_str() {
            "exact" | "精确匹配" => 4,
            "strong" | "高度可能" => 3,
            "probable" | "可能" => 2,
            other => {
                return Err(Error::Binding(format!(
                    "model {}: min_match_strength `{other}` is not exact, strong or probable",
                    model.meta.id
                )));
            }
        },
        Some(other) => {
            return Err(Error::Binding(format!(
                "min_match_strength `{}` is not text",
                other.display()
            )));
        }
    };
    let linked_roles: Vec<String> = bindings
        .iter()
        .filter(|b| b.link.is_some() && min_rank < 4)
        .map(|b| b.role.clone())
        .collect();
    let mut sql = String::from("WITH\n");
    for input in &model.inputs {
        let binding = bindings
            .iter()
            .find(|b| b.role == input.role)
            .ok_or_else(|| {
                Error::Binding(format!(
                    "model {}: role `{}` is not bound",
                    model.meta.id, input.role
                ))
            })?;
        let mut columns = vec![if binding.absent {
            "CAST(NULL AS BIGINT) AS __row_id".to_owned()
        } else {
            format!("__r.{} AS __row_id", quote_ident("_row_id"))
        }];
        let linked = binding.link.as_ref().filter(|_| min_rank < 4);
        for field in &binding.fields {
            let expression = role_column(field, "__r.");
            let is_linked = linked.is_some_and(|link| {
                matches!(
                    field.kind,
                    FieldKind::PersonId | FieldKind::OrgId | FieldKind::PartyId
                ) && field
                    .column
                    .as_ref()
                    .is_some_and(|(c, _)| *c == link.column)
            });
            if is_linked {
                // A row whose ID linkage resolved (at or above the minimum strength) takes its
                // entity's key; every other row keeps its own ID.
                columns.push(format!(
                    "CASE WHEN __l.strength_rank >= {min_rank} THEN __l.entity ELSE {expression} END AS {}",
                    field.field
                ));
            } else {
                columns.push(format!("{expression} AS {}", field.field));
            }
        }
        let inner = match linked {
            // An optional role without data: its columns, no rows.
            _ if binding.absent => format!(
                "SELECT {} FROM (VALUES (1)) AS __r WHERE FALSE",
                columns.join(", ")
            ),
            Some(link) => {
                columns.push("COALESCE(__l.strength_rank, 4) AS __match_rank".into());
                format!(
                    "SELECT {} FROM {} AS __r LEFT JOIN {} AS __l ON __l.version_id = {} AND __l.row_id = __r.{} AND __l.id_column = {}",
                    columns.join(", "),
                    quote_ident(&binding.table),
                    quote_ident(&link.table),
                    link.version_id,
                    quote_ident("_row_id"),
                    crate::binding::quote_literal(&link.column)
                )
            }
            None => format!(
                "SELECT {} FROM {} AS __r",
                columns.join(", "),
                quote_ident(&binding.table)
            ),
        };
        let body = match &input.filter {
            Some(filter) => format!(
                "SELECT * FROM ({inner}) AS {role} WHERE {}",
                substitute_params(filter, params)?,
                role = input.role
            ),
            None => inner,
        };
        let _ = writeln!(sql, "{} AS ({body}),", input.role);
    }

    let per_record = per_record(model, params)?;
    if per_record {
        for key in &model.clue.record_key {
            let Some((role, field)) = key.split_once('.') else {
                continue;
            };
            let unbound = bindings.iter().any(|b| {
                b.role == role
                    && b.fields
                        .iter()
                        .any(|f| f.field == field && f.column.is_none())
            });
            if unbound {
                return Err(Error::Binding(format!(
                    "model {}: clue_per=record needs {key}, which is not bound; bind it with --bind {key}=COLUMN",
                    model.meta.id
                )));
            }
        }
    }
    let key_expressions = model.clue.effective_key(per_record);
    let key_names: Vec<String> = key_expressions
        .iter()
        .enumerate()
        .map(|(i, k)| {
            if i < model.clue.key.len() {
                manifest::key_name(k)
            } else {
                format!("__record_key_{}", i - model.clue.key.len())
            }
        })
        .collect();
    let keys_from = |expressions: &[String]| -> String {
        expressions
            .iter()
            .zip(&key_names)
            .map(|(expression, name)| format!("CAST({expression} AS VARCHAR) AS {name}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let clue_keys = keys_from(&key_expressions);
    let reference_date = params
        .get("reference_date")
        .map(ParamValue::sql_literal)
        .ok_or_else(|| Error::Internal("reference_date is always a parameter".into()))?;

    let (pairs, evidence_roles): (String, Vec<String>) = match &model.rule {
        Rule::StatusConflict {
            event,
            state,
            start_inclusive,
            end_inclusive,
            end_offset_days,
            condition,
        } => {
            let (e, s) = (&event.input, &state.input);
            let start_op = if flag(model, params, start_inclusive)? {
                ">="
            } else {
                ">"
            };
            let end_op = if flag(model, params, end_inclusive)? {
                "<="
            } else {
                "<"
            };
            let offset = end_offset_days
                .as_deref()
                .map(|p| day_param(params, p))
                .transpose()?;
            let mut predicates = vec![format!("{e}.{} {start_op} {s}.{}", event.date, state.start)];
            match (&state.end, offset) {
                (Some(end), offset) => predicates.push(format!(
                    "({s}.{end} IS NULL OR {e}.{} {end_op} {})",
                    event.date,
                    plus_days(&format!("{s}.{end}"), offset.unwrap_or(0))
                )),
                (None, Some(days)) => predicates.push(format!(
                    "{e}.{} {end_op} {}",
                    event.date,
                    plus_days(&format!("{s}.{}", state.start), days)
                )),
                (None, None) => {}
            }
            if let Some(condition) = condition {
                predicates.push(format!("({})", substitute_params(condition, params)?));
            }
            predicates.push(format!("{e}.{} <= {reference_date}", event.date));
            (
                format!(
                    "SELECT {clue_keys}, {e}.__row_id AS {e}__rid, {s}.__row_id AS {s}__rid \
                     FROM {e} JOIN {s} ON {e}.{} = {s}.{} WHERE {}",
                    event.key,
                    state.key,
                    predicates.join(" AND ")
                ),
                vec![e.clone(), s.clone()],
            )
        }
        Rule::MissingFollowUp {
            trigger,
            follow_up,
            within_days,
            report_late,
        } => {
            let (t, f) = (&trigger.input, &follow_up.input);
            let days = day_param(params, within_days)?;
            let deadline = plus_days(&format!("{t}.{}", trigger.date), days);
            let missing = format!(
                "NOT EXISTS (SELECT 1 FROM {f} AS __f WHERE __f.{} = {t}.{} AND __f.{} >= {t}.{} AND __f.{} <= {deadline})",
                follow_up.key, trigger.key, follow_up.date, trigger.date, follow_up.date
            );
            let condition = format!(
                "{t}.{} IS NOT NULL AND {deadline} < {reference_date} AND {missing}",
                trigger.key
            );
            if *report_late {
                (
                    format!(
                        "SELECT {clue_keys}, {t}.__row_id AS {t}__rid, {f}.__row_id AS {f}__rid FROM {t} \
                         LEFT JOIN {f} ON {f}.{} = {t}.{} AND {f}.{} > {deadline} AND {f}.{} <= {reference_date} \
                         WHERE {condition}",
                        follow_up.key, trigger.key, follow_up.date, follow_up.date
                    ),
                    vec![t.clone(), f.clone()],
                )
            } else {
                (
                    format!(
                        "SELECT {clue_keys}, {t}.__row_id AS {t}__rid FROM {t} WHERE {condition}"
                    ),
                    vec![t.clone()],
                )
            }
        }
        Rule::IntervalOverlap {
            activity,
            restriction,
            exemption,
            condition,
        } => {
            let (a, r) = (&activity.input, &restriction.input);
            let mut predicates = vec![format!(
                "{a}.{} >= {r}.{}",
                activity.date, restriction.start
            )];
            if let Some(end) = &restriction.end {
                predicates.push(format!(
                    "({r}.{end} IS NULL OR {a}.{} <= {r}.{end})",
                    activity.date
                ));
            }
            predicates.push(format!("{a}.{} <= {reference_date}", activity.date));
            if let Some(exemption) = exemption {
                let x = &exemption.input;
                let end = exemption.end.as_deref().unwrap_or(&exemption.start);
                predicates.push(format!(
                    "NOT EXISTS (SELECT 1 FROM {x} AS __x WHERE __x.{} = {a}.{} AND {a}.{} >= __x.{} AND {a}.{} <= COALESCE(__x.{end}, __x.{}))",
                    exemption.key, activity.key, activity.date, exemption.start, activity.date, exemption.start
                ));
            }
            if let Some(condition) = condition {
                predicates.push(format!("({})", substitute_params(condition, params)?));
            }
            (
                format!(
                    "SELECT {clue_keys}, {a}.__row_id AS {a}__rid, {r}.__row_id AS {r}__rid FROM {a} \
                     JOIN {r} ON {a}.{} = {r}.{} WHERE {}",
                    activity.key,
                    restriction.key,
                    predicates.join(" AND ")
                ),
                vec![a.clone(), r.clone()],
            )
        }
        Rule::Repetition {
            event,
            min_count,
            window_days,
            absent_in,
        } => {
            let e = &event.input;
            let count = day_param(params, min_count)?.max(1);
            let window = day_param(params, window_days)?;
            let absent = match absent_in {
                Some(absent) => format!(
                    " AND NOT EXISTS (SELECT 1 FROM {} AS __a WHERE __a.{} = {e}.{})",
                    absent.input, absent.key, event.key
                ),
                None => String::new(),
            };
            let _ = writeln!(
                sql,
                "__ordered AS (SELECT {e}.{key} AS __k, {e}.{date} AS __d, \
                 LEAD({e}.{date}, {lead}) OVER (PARTITION BY {e}.{key} ORDER BY {e}.{date}, {e}.__row_id) AS __nth \
                 FROM {e} WHERE {e}.{key} IS NOT NULL AND {e}.{date} IS NOT NULL AND {e}.{date} <= {reference_date}{absent}),\n\
                 __starts AS (SELECT __k, __d AS __start FROM __ordered WHERE __nth IS NOT NULL AND __nth <= {nth_limit}),",
                key = event.key,
                date = event.date,
                lead = count - 1,
                nth_limit = plus_days("__d", window),
            );
            (
                format!(
                    "SELECT DISTINCT {clue_keys}, {e}.__row_id AS {e}__rid FROM {e} \
                     JOIN __starts ON {e}.{key} = __starts.__k AND {e}.{date} >= __starts.__start AND {e}.{date} <= {end}",
                    key = event.key,
                    date = event.date,
                    end = plus_days("__starts.__start", window)
                ),
                vec![e.clone()],
            )
        }
        Rule::Ratio {
            numerator,
            denominator,
            min_ratio,
            max_ratio,
            min_denominator,
        } => {
            let (n, d) = (&numerator.input, &denominator.input);
            let number = |name: &Option<String>| -> Result<Option<String>> {
                name.as_deref()
                    .map(|p| {
                        params
                            .get(p)
                            .map(ParamValue::sql_literal)
                            .ok_or_else(|| Error::Manifest(format!("parameter `{p}` is missing")))
                    })
                    .transpose()
            };
            let mut outside = Vec::new();
            if let Some(min) = number(min_ratio)? {
                outside.push(format!("COALESCE(__n.__total, 0) / __d.__total < {min}"));
            }
            if let Some(max) = number(max_ratio)? {
                outside.push(format!("COALESCE(__n.__total, 0) / __d.__total > {max}"));
            }
            if outside.is_empty() {
                return Err(Error::Manifest(format!(
                    "model {}: a ratio rule needs min_ratio or max_ratio",
                    model.meta.id
                )));
            }
            let floor = number(min_denominator)?.unwrap_or_else(|| "0".into());
            let key_name = &key_names[0];
            let _ = writeln!(
                sql,
                "__num AS (SELECT {n}.{nk} AS __k, SUM(CAST({n}.{nq} AS DOUBLE)) AS __total FROM {n} WHERE {n}.{nk} IS NOT NULL GROUP BY {n}.{nk}),\n\
                 __den AS (SELECT {d}.{dk} AS __k, SUM(CAST({d}.{dq} AS DOUBLE)) AS __total FROM {d} WHERE {d}.{dk} IS NOT NULL GROUP BY {d}.{dk}),\n\
                 __flagged AS (SELECT __d.__k FROM __den AS __d LEFT JOIN __num AS __n ON __n.__k = __d.__k \
                 WHERE __d.__total > 0 AND __d.__total >= {floor} AND ({})),",
                outside.join(" OR "),
                nk = numerator.key,
                nq = numerator.quantity,
                dk = denominator.key,
                dq = denominator.quantity,
            );
            (
                format!(
                    "SELECT CAST(__flagged.__k AS VARCHAR) AS {key_name}, {n}.__row_id AS {n}__rid, CAST(NULL AS BIGINT) AS {d}__rid \
                     FROM {n} JOIN __flagged ON {n}.{nk} = __flagged.__k \
                     UNION ALL \
                     SELECT CAST(__flagged.__k AS VARCHAR) AS {key_name}, CAST(NULL AS BIGINT) AS {n}__rid, {d}.__row_id AS {d}__rid \
                     FROM {d} JOIN __flagged ON {d}.{dk} = __flagged.__k",
                    nk = numerator.key,
                    dk = denominator.key,
                ),
                vec![n.clone(), d.clone()],
            )
        }
        Rule::SameDay {
            left,
            right,
            tolerance_days,
        } => {
            let (l, r) = (&left.input, &right.input);
            let days = day_param(params, tolerance_days)?;
            (
                format!(
                    "SELECT {clue_keys}, {l}.__row_id AS {l}__rid, {r}.__row_id AS {r}__rid FROM {l} \
                     JOIN {r} ON {l}.{} = {r}.{} AND {r}.{rd} >= {l}.{ld} AND {r}.{rd} <= {} \
                     WHERE {l}.{ld} <= {reference_date}",
                    left.key,
                    right.key,
                    plus_days(&format!("{l}.{}", left.date), days),
                    rd = right.date,
                    ld = left.date,
                ),
                vec![l.clone(), r.clone()],
            )
        }
        Rule::Sql { sql: user_sql } => {
            let roles = model
                .inputs
                .iter()
                .filter(|i| user_sql.contains(&format!("{}__rid", i.role)))
                .map(|i| i.role.clone())
                .collect();
            (
                substitute_params(user_sql.trim().trim_end_matches(';'), params)?,
                roles,
            )
        }
    };
    let _ = writeln!(sql, "pairs AS ({pairs}),");
    let key_list = key_names.join(", ");
    let not_null = key_names
        .iter()
        .map(|k| format!("{k} IS NOT NULL"))
        .collect::<Vec<_>>()
        .join(" AND ");
    let _ = writeln!(
        sql,
        "__keys AS (SELECT DISTINCT {key_list} FROM pairs WHERE {not_null}),"
    );

    // Route every aggregate expression to the one role it reads.
    let roles: Vec<&str> = model.inputs.iter().map(|i| i.role.as_str()).collect();
    let mut expressions: Vec<(String, String)> = model.clue.fields.clone();
    if let Some(amount) = &model.clue.amount {
        // An explicit type: DataFusion 55 otherwise compares a Decimal128(28, 2) sum with a
        // literal coerced to Decimal128(38, 2) in the severity CASE and fails.
        expressions.push((
            "amount".into(),
            format!("CAST(({amount}) AS DECIMAL(38, 2))"),
        ));
    }
    let mut subjects = Vec::new();
    for (index, subject) in model.clue.subjects.iter().enumerate() {
        let id_column = format!("__subject_{index}_id");
        expressions.push((id_column.clone(), format!("max({})", subject.id)));
        let name_column = subject.name.as_ref().map(|name| {
            let column = format!("__subject_{index}_name");
            expressions.push((column.clone(), format!("max({name})")));
            column
        });
        subjects.push((subject.kind.clone(), id_column, name_column));
    }
    let mut per_role: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    let mut constant: Vec<(String, String)> = Vec::new();
    for (name, expression) in &expressions {
        let expression = substitute_params(expression, params)?;
        match role_references(&expression, &roles).first() {
            Some(role) => per_role
                .entry(role.clone())
                .or_default()
                .push((name.clone(), expression)),
            None => constant.push((name.clone(), expression)),
        }
    }
    let mut aggregated_roles: Vec<String> = evidence_roles.clone();
    for role in per_role.keys() {
        if !aggregated_roles.contains(role) {
            return Err(Error::Manifest(format!(
                "model {}: clue fields read input `{role}`, which contributes no rows to the rule's matches",
                model.meta.id
            )));
        }
    }
    aggregated_roles.dedup();
    for role in &aggregated_roles {
        let mut columns: Vec<String> = key_names.iter().map(|k| format!("__x.{k}")).collect();
        for (name, expression) in per_role.get(role).map(Vec::as_slice).unwrap_or(&[]) {
            columns.push(format!("{expression} AS {name}"));
        }
        columns.push(format!(
            "array_agg(DISTINCT {role}.__row_id) AS evidence__{role}"
        ));
        if linked_roles.contains(role) {
            columns.push(format!("min({role}.__match_rank) AS __rank_{role}"));
        }
        let group = key_names
            .iter()
            .map(|k| format!("__x.{k}"))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(
            sql,
            "__agg_{role} AS (SELECT {} FROM (SELECT DISTINCT {key_list}, {role}__rid FROM pairs WHERE {role}__rid IS NOT NULL) AS __x \
             JOIN {role} ON {role}.__row_id = __x.{role}__rid GROUP BY {group}),",
            columns.join(", ")
        );
    }
    let mut select: Vec<String> = key_names.iter().map(|k| format!("__keys.{k}")).collect();
    let mut joins = String::new();
    for role in &aggregated_roles {
        for (name, _) in per_role.get(role).map(Vec::as_slice).unwrap_or(&[]) {
            select.push(format!("__agg_{role}.{name}"));
        }
        select.push(format!("__agg_{role}.evidence__{role}"));
        if linked_roles.contains(role) {
            select.push(format!("__agg_{role}.__rank_{role}"));
        }
        let on = key_names
            .iter()
            .map(|k| format!("__agg_{role}.{k} = __keys.{k}"))
            .collect::<Vec<_>>()
            .join(" AND ");
        let _ = write!(joins, " LEFT JOIN __agg_{role} ON {on}");
    }
    for (name, expression) in &constant {
        select.push(format!("{expression} AS {name}"));
    }
    let _ = writeln!(
        sql,
        "__clues AS (SELECT {} FROM __keys{joins})",
        select.join(", ")
    );
    let severity = substitute_params(&model.clue.severity, params)?;
    let _ = write!(
        sql,
        "SELECT *, CAST(({severity}) AS VARCHAR) AS __severity FROM __clues ORDER BY {key_list}"
    );
    let rank_roles: Vec<String> = aggregated_roles
        .iter()
        .filter(|r| linked_roles.contains(r))
        .cloned()
        .collect();
    Ok(Compiled {
        sql,
        rank_roles,
        key_names,
        field_names: model.clue.fields.iter().map(|(n, _)| n.clone()).collect(),
        has_amount: model.clue.amount.is_some(),
        evidence_roles: aggregated_roles,
        subjects,
    })
}

/// Output column name of a key expression.
pub fn key_column(expression: &str) -> String {
    manifest::key_name(expression)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_are_substituted_outside_quotes_only() {
        let mut params = BTreeMap::new();
        params.insert("days".to_string(), ParamValue::Integer(10));
        params.insert("kind".to_string(), ParamValue::Text("醉驾".into()));
        let out = substitute_params(
            "x > :days AND y = :kind AND z = ':days' AND CAST(a AS INT)::INT",
            &params,
        )
        .unwrap();
        assert_eq!(
            out,
            "x > 10 AND y = '醉驾' AND z = ':days' AND CAST(a AS INT)::INT"
        );
        assert!(substitute_params(":nope", &params).is_err());
    }

    #[test]
    fn role_references_ignore_strings() {
        let refs = role_references("sum(pensions.amount) + 'deaths.x'", &["pensions", "deaths"]);
        assert_eq!(refs, ["pensions"]);
        let fields = field_references("max(deaths.name)", &["deaths"]);
        assert_eq!(fields, [("deaths".to_string(), "name".to_string())]);
    }

    #[test]
    fn title_placeholders() {
        assert_eq!(
            placeholders("{name}（{person_id}）共{amount}元"),
            ["name", "person_id", "amount"]
        );
    }
}
