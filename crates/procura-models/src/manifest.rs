//! The model format: a TOML manifest (metadata, inputs, parameters, rule, clue, tests) that an
//! office can read, review and share. Parsing checks the manifest's own consistency; binding
//! it to datasets happens in [`crate::binding`].

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::error::{Error, Result};

/// A parsed, self-consistent model.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// Metadata.
    pub meta: ModelMeta,
    /// Inputs by role name, in manifest order.
    pub inputs: Vec<Input>,
    /// Parameters by name, in manifest order.
    pub parameters: Vec<Parameter>,
    /// The rule.
    pub rule: Rule,
    /// How hits become clues.
    pub clue: ClueSpec,
    /// Fixture tests.
    pub tests: Vec<ModelTest>,
    /// BLAKE3 of the manifest text (and SQL): what a run records.
    pub digest: String,
    /// The manifest text.
    pub source: String,
}

/// Who wrote the model and what it is for.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelMeta {
    /// Stable identifier, e.g. `M03`.
    pub id: String,
    /// Semantic version of the model.
    pub version: String,
    /// Names.
    pub name: Names,
    /// 四大检察: which procuratorial area.
    pub area: Area,
    /// 监督点: the legal hook the model targets.
    pub supervision_point: String,
    /// What the model detects and why it matters.
    pub description: String,
    /// Laws and articles the rule rests on.
    pub legal_basis: Vec<LegalBasis>,
    /// Follow-up acts (立案监督, 检察建议, 纠正违法, 公益诉讼诉前检察建议 …).
    pub follow_up: Vec<String>,
    /// Author.
    pub author: String,
    /// Organisation.
    pub organisation: String,
    /// The model this one is a variant of: `BASE@VERSION (digest prefix)`, written when a
    /// variant is derived (`crate::derive`); absent for a model written from scratch.
    #[serde(default)]
    pub derived_from: Option<String>,
}

/// A name (or any short text) in Chinese and English.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Names {
    /// 中文名称.
    pub zh: String,
    /// English name.
    pub en: String,
}

/// 四大检察.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Area {
    /// 刑事检察 (including 刑事执行检察).
    Criminal,
    /// 民事检察.
    Civil,
    /// 行政检察.
    Administrative,
    /// 公益诉讼检察.
    PublicInterest,
}

impl Area {
    /// Every area.
    pub const ALL: [Area; 4] = [
        Area::Criminal,
        Area::Civil,
        Area::Administrative,
        Area::PublicInterest,
    ];

    /// The Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            Area::Criminal => "刑事检察",
            Area::Civil => "民事检察",
            Area::Administrative => "行政检察",
            Area::PublicInterest => "公益诉讼检察",
        }
    }

    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            Area::Criminal => "criminal",
            Area::Civil => "civil",
            Area::Administrative => "administrative",
            Area::PublicInterest => "public_interest",
        }
    }
}

/// One legal basis.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegalBasis {
    /// The law, regulation or normative document.
    pub law: String,
    /// The article (第八十八条).
    #[serde(default)]
    pub article: String,
    /// What it says, briefly.
    #[serde(default)]
    pub note: String,
}

/// A field type as models see it (a coarser set than the ingest field types).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldKind {
    /// Canonical person ID.
    PersonId,
    /// Canonical organisation ID.
    OrgId,
    /// A party: a person ID or an organisation number (a `party_id`, `person_id` or `org_id`
    /// column).
    PartyId,
    /// Case or document number.
    CaseNumber,
    /// Person name.
    Name,
    /// Any text.
    Text,
    /// A date (a datetime column is truncated to its date).
    Date,
    /// A month (first day).
    Month,
    /// A timestamp.
    DateTime,
    /// Money (Decimal128 yuan).
    Amount,
    /// A number.
    Number,
    /// A region code.
    RegionCode,
    /// A vehicle plate.
    Plate,
}

impl FieldKind {
    fn parse(text: &str) -> Option<FieldKind> {
        Some(match text {
            "person_id" => FieldKind::PersonId,
            "org_id" => FieldKind::OrgId,
            "party_id" => FieldKind::PartyId,
            "case_number" => FieldKind::CaseNumber,
            "name" => FieldKind::Name,
            "text" => FieldKind::Text,
            "date" => FieldKind::Date,
            "month" => FieldKind::Month,
            "datetime" => FieldKind::DateTime,
            "amount" => FieldKind::Amount,
            "number" => FieldKind::Number,
            "region_code" => FieldKind::RegionCode,
            "plate" => FieldKind::Plate,
            _ => return None,
        })
    }

    /// The code used in manifests.
    pub fn code(self) -> &'static str {
        match self {
            FieldKind::PersonId => "person_id",
            FieldKind::OrgId => "org_id",
            FieldKind::PartyId => "party_id",
            FieldKind::CaseNumber => "case_number",
            FieldKind::Name => "name",
            FieldKind::Text => "text",
            FieldKind::Date => "date",
            FieldKind::Month => "month",
            FieldKind::DateTime => "datetime",
            FieldKind::Amount => "amount",
            FieldKind::Number => "number",
            FieldKind::RegionCode => "region_code",
            FieldKind::Plate => "plate",
        }
    }
}

/// One input role: a dataset the model reads, with the fields it needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    /// Role name (`deaths`, `pensions`): the table name inside the rule.
    pub role: String,
    /// What kind of data this is, in Chinese.
    pub label: String,
    /// The dataset bound by default.
    pub dataset: String,
    /// Fields: name, kind, optional.
    pub fields: Vec<InputField>,
    /// A filter on the role's rows (SQL over the role's fields, `:param` allowed).
    pub filter: Option<String>,
    /// A role the model can do without (`optional = true`): when no dataset is bound it has
    /// no rows (a "no record elsewhere" check then finds none), which the run announces.
    pub optional: bool,
}

/// A field of an input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputField {
    /// Field name (what the rule calls it).
    pub name: String,
    /// Its kind.
    pub kind: FieldKind,
    /// Whether a dataset may lack it (then it is NULL).
    pub optional: bool,
}

/// A model parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    /// Name (`:name` in SQL fragments).
    pub name: String,
    /// Type and default.
    pub value: ParamType,
    /// What it means, in Chinese.
    pub label: String,
    /// Lowest allowed value (numbers).
    pub min: Option<f64>,
    /// Highest allowed value (numbers).
    pub max: Option<f64>,
    /// For a text parameter with a fixed set of values: each value with its Chinese label
    /// (shown as a dropdown; a run refuses anything else, and accepts the label too).
    pub choices: Vec<ParamChoice>,
}

/// One allowed value of a parameter.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamChoice {
    /// The value (`strong`).
    pub value: String,
    /// What it means (`高度可能`).
    pub label: String,
}

fn choice(value: &str, label: &str) -> ParamChoice {
    ParamChoice {
        value: value.into(),
        label: label.into(),
    }
}

/// A parameter's type and default value.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamType {
    /// An integer (days, counts).
    Integer(i64),
    /// A number (thresholds, ratios).
    Number(f64),
    /// A date; `None` means "the run date".
    Date(Option<chrono::NaiveDate>),
    /// Text.
    Text(String),
    /// A list of texts (for `IN (…)`).
    TextList(Vec<String>),
    /// Yes or no (a boundary counted or not, an optional check on or off).
    Boolean(bool),
}

/// A yes/no in a rule: fixed by the manifest, or a boolean parameter the user may change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Flag {
    /// Fixed.
    Fixed(bool),
    /// The value of this boolean parameter.
    Param(String),
}

impl Flag {
    fn parse(value: Option<toml::Value>, default: bool) -> std::result::Result<Flag, String> {
        match value {
            None => Ok(Flag::Fixed(default)),
            Some(toml::Value::Boolean(b)) => Ok(Flag::Fixed(b)),
            Some(toml::Value::String(name)) => Ok(Flag::Param(name)),
            Some(other) => Err(format!(
                "expected true, false or the name of a boolean parameter, found `{other}`"
            )),
        }
    }
}

/// The rule: a collision primitive or SQL.
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    /// P1: an event falls inside or after a state of the same subject.
    StatusConflict {
        /// The event: role, key field, date field.
        event: EventRef,
        /// The state: role, key field, start, optional end.
        state: StateRef,
        /// `event.date >= start` (true) or `>` (false); may be a boolean parameter.
        start_inclusive: Flag,
        /// `event.date <= end` (true) or `<` (false); may be a boolean parameter.
        end_inclusive: Flag,
        /// Parameter (days) added to the state's end; with no end field, the state lasts this long.
        end_offset_days: Option<String>,
        /// An extra predicate over both roles.
        condition: Option<String>,
    },
    /// P2: a trigger without a matching follow-up within a window.
    MissingFollowUp {
        /// The trigger: role, key, date.
        trigger: EventRef,
        /// The follow-up: role, key, date.
        follow_up: EventRef,
        /// Parameter (days) of the window.
        within_days: String,
        /// Whether follow-ups after the window count as evidence of lateness.
        report_late: bool,
    },
    /// P3: an activity inside a restriction interval, not covered by an exemption.
    IntervalOverlap {
        /// The activity: role, key, date.
        activity: EventRef,
        /// The restriction interval.
        restriction: StateRef,
        /// Intervals that excuse the activity (leave).
        exemption: Option<StateRef>,
        /// An extra predicate over activity and restriction.
        condition: Option<String>,
    },
    /// P4: at least N events of one subject within any window of W days.
    Repetition {
        /// The events: role, key, date.
        event: EventRef,
        /// Parameter: minimum count.
        min_count: String,
        /// Parameter: window in days.
        window_days: String,
        /// A role in which the subject must not appear.
        absent_in: Option<AbsentRef>,
    },
    /// P5: a ratio of two quantities per subject outside bounds.
    Ratio {
        /// Numerator: role, key, quantity.
        numerator: QuantityRef,
        /// Denominator: role, key, quantity.
        denominator: QuantityRef,
        /// Parameter: lowest acceptable ratio.
        min_ratio: Option<String>,
        /// Parameter: highest acceptable ratio.
        max_ratio: Option<String>,
        /// Parameter: smallest denominator total worth judging.
        min_denominator: Option<String>,
    },
    /// P6: two records of one subject on the same day (± tolerance) from two agencies.
    SameDay {
        /// The first record.
        left: EventRef,
        /// The second record.
        right: EventRef,
        /// Parameter: days the right date may follow the left one.
        tolerance_days: String,
    },
    /// Anything else, in SQL: must return the clue key columns and `<role>__rid` columns.
    Sql {
        /// The query.
        sql: String,
    },
}

/// A role with its key field and a date field.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventRef {
    /// Role.
    pub input: String,
    /// Key field.
    pub key: String,
    /// Date field.
    pub date: String,
}

/// A role with its key field and an interval.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateRef {
    /// Role.
    pub input: String,
    /// Key field.
    pub key: String,
    /// Start date field.
    pub start: String,
    /// End date field (open-ended when absent or NULL).
    #[serde(default)]
    pub end: Option<String>,
}

/// A role in which the subject must be absent.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AbsentRef {
    /// Role.
    pub input: String,
    /// Key field.
    pub key: String,
}

/// A role with its key field and a quantity field.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuantityRef {
    /// Role.
    pub input: String,
    /// Key field.
    pub key: String,
    /// Quantity field.
    pub quantity: String,
}

/// How the rule's hits become clues.
#[derive(Debug, Clone, PartialEq)]
pub struct ClueSpec {
    /// Key expressions (`role.field`); model id + key values = the fingerprint.
    pub key: Vec<String>,
    /// Key expressions added when the run asks for one clue per record (parameter
    /// `clue_per = "record"`, declared automatically when this is not empty): one clue per
    /// penalty instead of per person, say.
    pub record_key: Vec<String>,
    /// Title template with `{field}` placeholders.
    pub title: String,
    /// SQL expression over the named fields giving `high`, `medium` or `low`.
    pub severity: String,
    /// Aggregate expression for the amount involved (over one role).
    pub amount: Option<String>,
    /// Named aggregate fields (each over one role), in order.
    pub fields: Vec<(String, String)>,
    /// Persons and organisations concerned.
    pub subjects: Vec<SubjectSpec>,
}

impl ClueSpec {
    /// The output name of key expression `index` (`pensions.person_id` → `person_id`).
    pub fn key_name(&self, index: usize) -> String {
        key_name(&self.key[index])
    }

    /// The key expressions of a run: `key`, and `record_key` after it when one clue per
    /// record is asked for.
    pub fn effective_key(&self, per_record: bool) -> Vec<String> {
        let mut key = self.key.clone();
        if per_record {
            key.extend(self.record_key.iter().cloned());
        }
        key
    }
}

/// `role.field` → `field`; a bare name stays.
pub fn key_name(expression: &str) -> String {
    expression
        .rsplit_once('.')
        .map_or(expression, |(_, field)| field)
        .to_owned()
}

/// A person or organisation a clue concerns.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubjectSpec {
    /// `person`, `org`, or `party` (person or organisation, decided per value).
    pub kind: String,
    /// Expression of its identifier (`role.field`).
    pub id: String,
    /// Expression of its name.
    #[serde(default)]
    pub name: Option<String>,
}

/// A fixture test in the manifest.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelTest {
    /// What it checks.
    pub name: String,
    /// Rows per role: each row maps field names to values.
    pub data: BTreeMap<String, Vec<BTreeMap<String, toml::Value>>>,
    /// Parameter overrides.
    pub params: BTreeMap<String, String>,
    /// The keys (joined with `|`) that must be found, with an optional amount.
    pub expect: Vec<ExpectedClue>,
    /// Keys that must not be found.
    pub reject: Vec<String>,
}

/// An expected clue of a fixture test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedClue {
    /// Key values joined with `|`.
    pub key: String,
    /// Expected amount (`1200.00`), when given.
    pub amount: Option<String>,
    /// Expected evidence row counts per role, when given.
    pub evidence: BTreeMap<String, usize>,
}

// ---- raw serde shapes ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    model: ModelMeta,
    inputs: toml::Table,
    #[serde(default)]
    parameters: toml::Table,
    rule: toml::Table,
    clue: RawClue,
    #[serde(default)]
    tests: Vec<RawTest>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInput {
    label: String,
    dataset: String,
    fields: toml::Table,
    #[serde(default, rename = "where")]
    filter: Option<String>,
    #[serde(default)]
    optional: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawParameter {
    #[serde(rename = "type")]
    kind: String,
    default: toml::Value,
    label: String,
    #[serde(default)]
    min: Option<f64>,
    #[serde(default)]
    max: Option<f64>,
    #[serde(default)]
    choices: Vec<ParamChoice>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClue {
    key: Vec<String>,
    #[serde(default)]
    record_key: Vec<String>,
    title: String,
    severity: String,
    #[serde(default)]
    amount: Option<String>,
    #[serde(default)]
    fields: toml::Table,
    #[serde(default)]
    subjects: Vec<SubjectSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTest {
    name: String,
    #[serde(default)]
    data: BTreeMap<String, Vec<toml::Table>>,
    #[serde(default)]
    params: BTreeMap<String, toml::Value>,
    #[serde(default)]
    expect: Vec<RawExpect>,
    #[serde(default)]
    reject: Vec<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExpect {
    key: Vec<String>,
    #[serde(default)]
    amount: Option<String>,
    #[serde(default)]
    evidence: BTreeMap<String, usize>,
}

/// Parses and checks a manifest. `sql_files` resolves `sql_file = "…"` references.
pub fn parse(text: &str, sql_files: &dyn Fn(&str) -> Option<String>) -> Result<Model> {
    let raw: RawManifest = toml::from_str(text)
        .map_err(|e| Error::Manifest(format!("invalid model manifest: {e}")))?;
    let id = raw.model.id.clone();
    let bad = |what: String| Error::Manifest(format!("model {id}: {what}"));
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(bad("the id must be letters, digits, `_` or `-`".into()));
    }

    let mut inputs = Vec::new();
    for (role, value) in raw.inputs {
        let input: RawInput = value
            .try_into()
            .map_err(|e| bad(format!("input `{role}`: {e}")))?;
        if !is_identifier(&role) {
            return Err(bad(format!(
                "input role `{role}` must be a lower-case identifier"
            )));
        }
        let mut fields = Vec::new();
        for (name, spec) in input.fields {
            let Some(spec) = spec.as_str().map(str::to_owned) else {
                return Err(bad(format!(
                    "input `{role}`, field `{name}`: the type must be a string"
                )));
            };
            let (kind_text, optional) = match spec.strip_suffix('?') {
                Some(kind) => (kind, true),
                None => (spec.as_str(), false),
            };
            let kind = FieldKind::parse(kind_text).ok_or_else(|| {
                bad(format!(
                    "input `{role}`, field `{name}`: unknown type `{kind_text}`"
                ))
            })?;
            if !is_identifier(&name) {
                return Err(bad(format!(
                    "input `{role}`: field `{name}` must be a lower-case identifier"
                )));
            }
            fields.push(InputField {
                name,
                kind,
                optional,
            });
        }
        inputs.push(Input {
            role,
            label: input.label,
            dataset: input.dataset,
            fields,
            filter: input.filter,
            optional: input.optional,
        });
    }
    if inputs.is_empty() {
        return Err(bad("a model needs at least one input".into()));
    }

    let mut parameters = Vec::new();
    for (name, value) in raw.parameters {
        let raw_param: RawParameter = value
            .try_into()
            .map_err(|e| bad(format!("parameter `{name}`: {e}")))?;
        let value = parse_param_default(&raw_param.kind, &raw_param.default)
            .map_err(|why| bad(format!("parameter `{name}`: {why}")))?;
        if !raw_param.choices.is_empty()
            && !matches!(&value, ParamType::Text(default) if raw_param.choices.iter().any(|c| &c.value == default))
        {
            return Err(bad(format!(
                "parameter `{name}`: choices are for text parameters, and the default must be one of them"
            )));
        }
        parameters.push(Parameter {
            name,
            value,
            label: raw_param.label,
            min: raw_param.min,
            max: raw_param.max,
            choices: raw_param.choices,
        });
    }
    if !parameters.iter().any(|p| p.name == "min_match_strength") {
        parameters.push(Parameter {
            name: "min_match_strength".into(),
            value: ParamType::Text("strong".into()),
            label: "实体关联的最低匹配强度（精确匹配只认有效证件号；仅在已运行实体关联时生效）"
                .into(),
            min: None,
            max: None,
            choices: vec![
                choice("exact", "精确匹配"),
                choice("strong", "高度可能"),
                choice("probable", "可能"),
            ],
        });
    }
    if !parameters.iter().any(|p| p.name == "reference_date") {
        parameters.push(Parameter {
            name: "reference_date".into(),
            value: ParamType::Date(None),
            label: "基准日期（默认为运行当日）".into(),
            min: None,
            max: None,
            choices: Vec::new(),
        });
    }

    let rule = parse_rule(raw.rule, sql_files).map_err(|why| bad(format!("rule: {why}")))?;

    let mut fields = Vec::new();
    for (name, value) in raw.clue.fields {
        let expression = value
            .as_str()
            .ok_or_else(|| bad(format!("clue field `{name}` must be a string expression")))?;
        fields.push((name, expression.to_owned()));
    }
    if !raw.clue.record_key.is_empty() && !parameters.iter().any(|p| p.name == "clue_per") {
        parameters.push(Parameter {
            name: "clue_per".into(),
            value: ParamType::Text("subject".into()),
            label: "线索粒度".into(),
            min: None,
            max: None,
            choices: vec![
                choice("subject", "每个对象一条"),
                choice("record", "每条记录一条"),
            ],
        });
    }
    let clue = ClueSpec {
        key: raw.clue.key,
        record_key: raw.clue.record_key,
        title: raw.clue.title,
        severity: raw.clue.severity,
        amount: raw.clue.amount,
        fields,
        subjects: raw.clue.subjects,
    };
    if clue.key.is_empty() {
        return Err(bad("clue.key needs at least one field".into()));
    }

    let mut tests = Vec::new();
    for test in raw.tests {
        let mut data = BTreeMap::new();
        for (role, rows) in test.data {
            data.insert(
                role,
                rows.into_iter()
                    .map(|row| row.into_iter().collect())
                    .collect(),
            );
        }
        tests.push(ModelTest {
            name: test.name,
            data,
            params: test
                .params
                .into_iter()
                .map(|(k, v)| (k, v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
                .collect(),
            expect: test
                .expect
                .into_iter()
                .map(|e| ExpectedClue {
                    key: e.key.join("|"),
                    amount: e.amount,
                    evidence: e.evidence,
                })
                .collect(),
            reject: test.reject.into_iter().map(|k| k.join("|")).collect(),
        });
    }

    let mut digest_input = text.to_owned();
    if let Rule::Sql { sql } = &rule {
        digest_input.push_str(sql);
    }
    let model = Model {
        meta: raw.model,
        inputs,
        parameters,
        rule,
        clue,
        tests,
        digest: blake3::hash(digest_input.as_bytes()).to_hex().to_string(),
        source: text.to_owned(),
    };
    crate::compile::check(&model)?;
    Ok(model)
}

fn is_identifier(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.contains("__")
}

fn parse_param_default(kind: &str, value: &toml::Value) -> std::result::Result<ParamType, String> {
    Ok(match kind {
        "integer" => ParamType::Integer(value.as_integer().ok_or("default must be an integer")?),
        "number" => ParamType::Number(
            value
                .as_float()
                .or_else(|| value.as_integer().map(|i| i as f64))
                .ok_or("default must be a number")?,
        ),
        "date" => match value.as_str() {
            Some("today") => ParamType::Date(None),
            Some(text) => ParamType::Date(Some(
                chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
                    .map_err(|_| "default must be `today` or YYYY-MM-DD")?,
            )),
            None => return Err("default must be `today` or YYYY-MM-DD".into()),
        },
        "text" => ParamType::Text(value.as_str().ok_or("default must be a string")?.to_owned()),
        "boolean" => ParamType::Boolean(value.as_bool().ok_or("default must be true or false")?),
        "text_list" => ParamType::TextList(
            value
                .as_array()
                .ok_or("default must be a list of strings")?
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_owned)
                        .ok_or("default must be a list of strings")
                })
                .collect::<std::result::Result<_, _>>()?,
        ),
        other => {
            return Err(format!(
                "unknown type `{other}` (integer, number, date, text, text_list, boolean)"
            ));
        }
    })
}

fn take<T: serde::de::DeserializeOwned>(
    table: &mut toml::Table,
    key: &str,
) -> std::result::Result<T, String> {
    let value = table
        .remove(key)
        .ok_or_else(|| format!("`{key}` is missing"))?;
    value.try_into().map_err(|e| format!("`{key}`: {e}"))
}

fn take_opt<T: serde::de::DeserializeOwned>(
    table: &mut toml::Table,
    key: &str,
) -> std::result::Result<Option<T>, String> {
    match table.remove(key) {
        None => Ok(None),
        Some(value) => value
            .try_into()
            .map(Some)
            .map_err(|e| format!("`{key}`: {e}")),
    }
}

fn parse_rule(
    mut table: toml::Table,
    sql_files: &dyn Fn(&str) -> Option<String>,
) -> std::result::Result<Rule, String> {
    let pattern: String = take(&mut table, "pattern")?;
    let rule = match pattern.as_str() {
        "status_conflict" => Rule::StatusConflict {
            event: take(&mut table, "event")?,
            state: take(&mut table, "state")?,
            start_inclusive: Flag::parse(take_opt(&mut table, "start_inclusive")?, true)
                .map_err(|why| format!("`start_inclusive`: {why}"))?,
            end_inclusive: Flag::parse(take_opt(&mut table, "end_inclusive")?, true)
                .map_err(|why| format!("`end_inclusive`: {why}"))?,
            end_offset_days: take_opt(&mut table, "end_offset_days")?,
            condition: take_opt(&mut table, "condition")?,
        },
        "missing_follow_up" => Rule::MissingFollowUp {
            trigger: take(&mut table, "trigger")?,
            follow_up: take(&mut table, "follow_up")?,
            within_days: take(&mut table, "within_days")?,
            report_late: take_opt(&mut table, "report_late")?.unwrap_or(false),
        },
        "interval_overlap" => Rule::IntervalOverlap {
            activity: take(&mut table, "activity")?,
            restriction: take(&mut table, "restriction")?,
            exemption: take_opt(&mut table, "exemption")?,
            condition: take_opt(&mut table, "condition")?,
        },
        "repetition" => Rule::Repetition {
            event: take(&mut table, "event")?,
            min_count: take(&mut table, "min_count")?,
            window_days: take(&mut table, "window_days")?,
            absent_in: take_opt(&mut table, "absent_in")?,
        },
        "ratio" => Rule::Ratio {
            numerator: take(&mut table, "numerator")?,
            denominator: take(&mut table, "denominator")?,
            min_ratio: take_opt(&mut table, "min_ratio")?,
            max_ratio: take_opt(&mut table, "max_ratio")?,
            min_denominator: take_opt(&mut table, "min_denominator")?,
        },
        "same_day" => Rule::SameDay {
            left: take(&mut table, "left")?,
            right: take(&mut table, "right")?,
            tolerance_days: take(&mut table, "tolerance_days")?,
        },
        "sql" => {
            let inline: Option<String> = take_opt(&mut table, "sql")?;
            let file: Option<String> = take_opt(&mut table, "sql_file")?;
            let sql = match (inline, file) {
                (Some(sql), None) => sql,
                (None, Some(file)) => {
                    sql_files(&file).ok_or_else(|| format!("sql_file `{file}` not found"))?
                }
                _ => return Err("a sql rule needs exactly one of `sql` and `sql_file`".into()),
            };
            Rule::Sql { sql }
        }
        other => {
            return Err(format!(
                "unknown pattern `{other}` (status_conflict, missing_follow_up, interval_overlap, repetition, ratio, same_day, sql)"
            ));
        }
    };
    if let Some(extra) = table.keys().next() {
        return Err(format!("unknown key `{extra}` for pattern `{pattern}`"));
    }
    Ok(rule)
}
