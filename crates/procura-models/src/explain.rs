//! 线索说明: why a clue is a clue, in Chinese, with this clue's own values — the rule of the
//! model stated against the facts of its evidence rows ("醉驾处罚：违法时间 2024-08-01；此后 180
//! 日内（至 2025-01-28）刑事立案信息中无此人记录").
//!
//! The facts are the evidence rows as the reader sees them (masked where the reader may not
//! see identifiers), per role, with each field's value found through the same binding a run
//! makes. A value the rows do not have is left out of the sentence, never invented.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::binding::ParamValue;
use crate::manifest::{EventRef, Model, Rule, StateRef};

/// The evidence rows of one role, each row as field name → value shown.
#[derive(Debug, Clone, Default)]
pub struct RoleFacts {
    /// The role.
    pub role: String,
    /// Per field: what people call it (the agency's header), when known.
    pub labels: BTreeMap<String, String>,
    /// The rows.
    pub rows: Vec<BTreeMap<String, String>>,
}

impl RoleFacts {
    /// The distinct non-empty values of a field, in row order.
    fn values(&self, field: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for row in &self.rows {
            if let Some(value) = row.get(field).filter(|v| !v.is_empty())
                && !out.contains(value)
            {
                out.push(value.clone());
            }
        }
        out
    }

    fn label(&self, field: &str) -> String {
        self.labels
            .get(field)
            .cloned()
            .unwrap_or_else(|| field.to_owned())
    }
}

/// The sentences that explain a clue (empty when the rule is SQL the model wrote itself, or
/// the facts are missing).
pub fn explain(
    model: &Model,
    params: &BTreeMap<String, ParamValue>,
    facts: &[RoleFacts],
) -> Vec<String> {
    let role = |name: &str| facts.iter().find(|f| f.role == name);
    let label = |name: &str| {
        model
            .inputs
            .iter()
            .find(|i| i.role == name)
            .map_or_else(|| name.to_owned(), |i| i.label.clone())
    };
    let days = |name: &str| match params.get(name) {
        Some(ParamValue::Integer(days)) => Some(*days),
        _ => None,
    };
    let mut out = Vec::new();
    // The inputs' conditions, with this run's parameter values.
    for input in &model.inputs {
        if let Some(filter) = &input.filter {
            out.push(format!(
                "{}：只取满足 {} 的记录",
                input.label,
                readable(&with_params(filter, params), role(&input.role))
            ));
        }
    }
    match &model.rule {
        Rule::StatusConflict {
            event,
            state,
            end_offset_days,
            ..
        } => {
            let events = dates_of(role(&event.input), event);
            let (starts, ends) = interval_of(role(&state.input), state);
            let offset = end_offset_days.as_deref().and_then(days);
            let period = match (starts.first(), ends.first(), offset) {
                (Some(start), Some(end), _) => format!("{start} 至 {end}"),
                (Some(start), None, Some(offset)) => format!(
                    "{start} 起 {offset} 日内（至 {}）",
                    plus_days(start, offset).unwrap_or_default()
                ),
                (Some(start), None, None) => format!("{start} 起至今"),
                _ => String::new(),
            };
            if !events.is_empty() && !period.is_empty() {
                out.push(format!(
                    "{}的{} {} 落在{}的期间（{}）内",
                    label(&event.input),
                    field_label(role(&event.input), &event.date),
                    events.join("、"),
                    label(&state.input),
                    period
                ));
            }
        }
        Rule::MissingFollowUp {
            trigger,
            follow_up,
            within_days,
            ..
        } => {
            let triggers = dates_of(role(&trigger.input), trigger);
            if let (Some(first), Some(window)) = (triggers.first(), days(within_days)) {
                out.push(format!(
                    "{}：{} {}；此后 {window} 日内（至 {}）{}中无此对象的记录",
                    label(&trigger.input),
                    field_label(role(&trigger.input), &trigger.date),
                    triggers.join("、"),
                    plus_days(first, window).unwrap_or_default(),
                    label(&follow_up.input)
                ));
            }
        }
        Rule::IntervalOverlap {
            activity,
            restriction,
            ..
        } => {
            let activities = dates_of(role(&activity.input), activity);
            let (starts, ends) = interval_of(role(&restriction.input), restriction);
            if let (false, Some(start)) = (activities.is_empty(), starts.first()) {
                out.push(format!(
                    "{}的{} {} 在{}期间（{} 至 {}）内，且无覆盖该日的请假或批准记录",
                    label(&activity.input),
                    field_label(role(&activity.input), &activity.date),
                    activities.join("、"),
                    label(&restriction.input),
                    start,
                    ends.first().map_or("今", String::as_str)
                ));
            }
        }
        Rule::Repetition {
            event,
            min_count,
            window_days,
            ..
        } => {
            let dates = dates_of(role(&event.input), event);
            let rows = role(&event.input).map_or(0, |f| f.rows.len());
            if let (Some(first), Some(last), Some(window)) =
                (dates.first(), dates.last(), days(window_days))
            {
                let threshold = match params.get(min_count) {
                    Some(ParamValue::Integer(n)) => n.to_string(),
                    _ => min_count.clone(),
                };
                out.push(format!(
                    "{}共 {rows} 条（{} 至 {}），任意 {window} 日内达到 {threshold} 条即为线索",
                    label(&event.input),
                    first,
                    last
                ));
            }
        }
        Rule::Ratio { .. } | Rule::SameDay { .. } | Rule::Sql { .. } => {}
    }
    out
}

fn field_label(facts: Option<&RoleFacts>, field: &str) -> String {
    facts.map_or_else(|| field.to_owned(), |f| f.label(field))
}

/// The dates of an event field, sorted (a timestamp shown as its date).
fn dates_of(facts: Option<&RoleFacts>, event: &EventRef) -> Vec<String> {
    let mut dates: Vec<String> = facts
        .map(|f| f.values(&event.date))
        .unwrap_or_default()
        .into_iter()
        .map(|v| v.get(..10).unwrap_or(&v).to_owned())
        .collect();
    dates.sort();
    dates.dedup();
    dates
}

fn interval_of(facts: Option<&RoleFacts>, state: &StateRef) -> (Vec<String>, Vec<String>) {
    let day = |v: String| v.get(..10).unwrap_or(&v).to_owned();
    let Some(facts) = facts else {
        return (Vec::new(), Vec::new());
    };
    let starts = facts.values(&state.start).into_iter().map(day).collect();
    let ends = state
        .end
        .as_deref()
        .map(|end| facts.values(end).into_iter().map(day).collect())
        .unwrap_or_default();
    (starts, ends)
}

fn plus_days(date: &str, days: i64) -> Option<String> {
    let date = NaiveDate::parse_from_str(date.get(..10)?, "%Y-%m-%d").ok()?;
    Some((date + chrono::Duration::days(days)).to_string())
}

/// A condition as a person reads it: fields by the agency's headers, `≥` for `>=`.
fn readable(condition: &str, facts: Option<&RoleFacts>) -> String {
    let mut out = String::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if !word.is_empty() {
            let shown = facts
                .and_then(|f| f.labels.get(word.as_str()))
                .cloned()
                .unwrap_or_else(|| word.clone());
            out.push_str(&shown);
            word.clear();
        }
    };
    for c in condition.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out.replace(">=", "≥").replace("<=", "≤").replace("<>", "≠")
}

/// A condition with `:name` replaced by the parameter's value as a person writes it.
fn with_params(condition: &str, params: &BTreeMap<String, ParamValue>) -> String {
    let mut out = condition.to_owned();
    // Longer names first, so that `:days_max` is not cut at `:days`.
    let mut names: Vec<&String> = params.keys().collect();
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    for name in names {
        out = out.replace(&format!(":{name}"), &params[name].display());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(role: &str, rows: &[&[(&str, &str)]]) -> RoleFacts {
        RoleFacts {
            role: role.into(),
            labels: [
                ("violation_time".to_owned(), "违法时间".to_owned()),
                ("bac".to_owned(), "血液酒精含量".to_owned()),
            ]
            .into_iter()
            .collect(),
            rows: rows
                .iter()
                .map(|row| {
                    row.iter()
                        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                        .collect()
                })
                .collect(),
        }
    }

    #[test]
    fn a_missing_follow_up_says_what_was_looked_for_until_when() {
        let m35 = crate::builtin::all()
            .unwrap()
            .into_iter()
            .find(|m| m.meta.id == "M35")
            .unwrap();
        let params = crate::binding::resolve_params(
            &m35,
            &BTreeMap::new(),
            NaiveDate::from_ymd_opt(2025, 6, 30).unwrap(),
        )
        .unwrap();
        let sentences = explain(
            &m35,
            &params,
            &[facts(
                "traffic_penalties",
                &[&[("violation_time", "2024-08-01 22:40:00"), ("bac", "149.4")]],
            )],
        );
        let text = sentences.join("\n");
        assert!(text.contains("只取满足 血液酒精含量 ≥ 80 的记录"), "{text}");
        assert!(
            text.contains("违法时间 2024-08-01；此后 180 日内（至 2025-01-28）"),
            "{text}"
        );
        assert!(text.contains("刑事立案信息"), "{text}");
    }
}
