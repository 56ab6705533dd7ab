//! The no-code model builder (模型构建器): a form over the collision primitives becomes a
//! model manifest — the same TOML format as the built-in models — that can be previewed on the
//! real data and saved into the workspace's model library (`WORKSPACE/models/ID.toml`).
//!
//! The builder never writes SQL from user text: columns must exist in the chosen dataset,
//! operators come from a fixed list and values become quoted literals.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use procura_core::field::FieldType;
use procura_models::run;

use crate::audit::{Action, Event};
use crate::error::{Error, Result};
use crate::workspace::write_new_or_replace;
use crate::{Actor, App, Capability};

/// The collision primitives the builder offers.
pub const PATTERNS: [(&str, &str); 6] = [
    (
        "status_conflict",
        "P1 状态冲突：事件发生在状态期间或之后（如死亡后领取养老金）",
    ),
    (
        "missing_follow_up",
        "P2 应有后续而无：事件发生后期限内没有应有的后续（如醉驾未立案）",
    ),
    (
        "interval_overlap",
        "P3 期间重叠：活动发生在限制期间内（如社区矫正期间外出）",
    ),
    (
        "repetition",
        "P4 重复达到阈值：同一对象在窗口期内事件次数达到阈值（如多次盗窃）",
    ),
    (
        "same_day",
        "P6 同日巧合：两个机关记录的事件在容差天数内同时发生",
    ),
    (
        "ratio",
        "P5 比例/物料平衡：申报量与进货量之比低于阈值（如废机油去向不明）",
    ),
];

/// Comparison operators for filters.
pub const OPERATORS: [&str; 7] = ["=", "<>", ">", ">=", "<", "<=", "contains"];

/// One side of a collision.
#[derive(Debug, Clone, Default)]
pub struct DraftInput {
    /// Catalog dataset.
    pub dataset: String,
    /// The column to match on (person ID, USCC, case number, plate).
    pub key: String,
    /// The event date, or a period's start.
    pub date: Option<String>,
    /// A period's end (open when empty).
    pub end: Option<String>,
    /// A quantity (ratio).
    pub quantity: Option<String>,
    /// Row filters, all of which must hold.
    pub filters: Vec<DraftFilter>,
}

/// `column op value`.
#[derive(Debug, Clone, Default)]
pub struct DraftFilter {
    /// Column.
    pub column: String,
    /// One of [`OPERATORS`].
    pub op: String,
    /// Value.
    pub value: String,
}

/// What the builder form holds.
#[derive(Debug, Clone, Default)]
pub struct ModelDraft {
    /// Id (letters, digits, `_`, `-`; must not clash with the library).
    pub id: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Area code or Chinese name.
    pub area: String,
    /// 监督点.
    pub supervision_point: String,
    /// Description.
    pub description: String,
    /// Legal basis: (law, article).
    pub legal_basis: Vec<(String, String)>,
    /// Follow-up acts.
    pub follow_up: Vec<String>,
    /// One of [`PATTERNS`].
    pub pattern: String,
    /// The event / trigger / activity / left side / numerator.
    pub primary: DraftInput,
    /// The state / follow-up / restriction / right side / denominator; for `repetition`, an
    /// optional dataset in which the subject must not appear.
    pub secondary: Option<DraftInput>,
    /// Days: the follow-up window, the repetition window, the same-day tolerance.
    pub days: Option<i64>,
    /// Repetition threshold.
    pub min_count: Option<i64>,
    /// Ratio threshold.
    pub min_ratio: Option<f64>,
    /// `high`, `medium`, `low`.
    pub severity: String,
}

/// A clue the preview found.
#[derive(Debug, Clone)]
pub struct PreviewHit {
    /// Title.
    pub title: String,
    /// Severity.
    pub severity: String,
    /// Amount in 分.
    pub amount_fen: Option<i64>,
}

/// What a draft finds on the current data, without recording anything.
#[derive(Debug, Clone)]
pub struct Preview {
    /// The manifest the draft compiles to.
    pub manifest: String,
    /// Clues found.
    pub hits: usize,
    /// The first clues.
    pub sample: Vec<PreviewHit>,
}

fn kind_of(field_type: FieldType) -> &'static str {
    match field_type {
        FieldType::PersonId => "person_id",
        FieldType::OrgId => "org_id",
        FieldType::PartyId => "party_id",
        FieldType::Name => "name",
        FieldType::Date | FieldType::DateTime => "date",
        FieldType::Month => "month",
        FieldType::Amount => "amount",
        FieldType::Number => "number",
        FieldType::Plate => "plate",
        FieldType::RegionCode => "region_code",
        FieldType::CaseNumber => "case_number",
        FieldType::OrgName | FieldType::Gender | FieldType::Phone | FieldType::Text => "text",
    }
}

fn quote(text: &str) -> String {
    // TOML basic string; JSON's escaping is a subset TOML accepts.
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".into())
}

fn sql_literal(value: &str, numeric: bool) -> Result<String> {
    if numeric {
        let number: f64 = value.trim().parse().map_err(|_| {
            Error::Invalid(format!("「{value}」不是数值 (`{value}` is not a number)"))
        })?;
        Ok(number.to_string())
    } else {
        Ok(format!("'{}'", value.replace('\'', "''")))
    }
}

struct Role {
    name: String,
    input: DraftInput,
    columns: BTreeMap<String, FieldType>,
}

impl Role {
    fn column(&self, column: &str, what: &str) -> Result<FieldType> {
        self.columns.get(column).copied().ok_or_else(|| {
            Error::Invalid(format!(
                "数据集 {} 没有列「{column}」({what}: dataset {} has no column `{column}`)",
                self.input.dataset, self.input.dataset
            ))
        })
    }

    fn name_column(&self) -> Option<&str> {
        self.columns
            .iter()
            .find(|(_, t)| matches!(t, FieldType::Name | FieldType::OrgName))
            .map(|(c, _)| c.as_str())
    }

    /// The `[inputs.ROLE]` table.
    fn table(&self, label: &str) -> Result<String> {
        let mut fields: BTreeMap<String, String> = BTreeMap::new();
        let key_type = self.column(&self.input.key, "key")?;
        fields.insert(self.input.key.clone(), kind_of(key_type).into());
        for (column, what) in [
            (&self.input.date, "date"),
            (&self.input.end, "end"),
            (&self.input.quantity, "quantity"),
        ] {
            if let Some(column) = column.as_deref().filter(|c| !c.is_empty()) {
                fields.insert(
                    column.to_owned(),
                    kind_of(self.column(column, what)?).into(),
                );
            }
        }
        if let Some(name) = self.name_column() {
            fields
                .entry(name.to_owned())
                .or_insert_with(|| format!("{}?", kind_of(self.columns[name])));
        }
        let mut conditions = Vec::new();
        for filter in &self.input.filters {
            let field_type = self.column(&filter.column, "filter")?;
            fields
                .entry(filter.column.clone())
                .or_insert_with(|| kind_of(field_type).into());
            let numeric = matches!(field_type, FieldType::Number | FieldType::Amount);
            let condition = match filter.op.as_str() {
                "contains" => format!(
                    "{} LIKE {}",
                    filter.column,
                    sql_literal(&format!("%{}%", filter.value), false)?
                ),
                op if OPERATORS.contains(&op) => {
                    format!(
                        "{} {op} {}",
                        filter.column,
                        sql_literal(&filter.value, numeric)?
                    )
                }
                other => {
                    return Err(Error::Invalid(format!(
                        "未知的比较方式 `{other}` (operator must be one of {})",
                        OPERATORS.join(" ")
                    )));
                }
            };
            conditions.push(condition);
        }
        let mut out = format!(
            "[inputs.{}]\nlabel = {}\ndataset = {}\nfields = {{ {} }}\n",
            self.name,
            quote(label),
            quote(&self.input.dataset),
            fields
                .iter()
                .map(|(k, v)| format!("{k} = {}", quote(v)))
                .collect::<Vec<_>>()
                .join(", ")
        );
        if !conditions.is_empty() {
            let _ = writeln!(out, "where = {}", quote(&conditions.join(" AND ")));
        }
        Ok(out)
    }

    fn reference(&self, parts: &[(&str, Option<&str>)]) -> String {
        let mut items = vec![
            format!("input = {}", quote(&self.name)),
            format!("key = {}", quote(&self.input.key)),
        ];
        for (name, value) in parts {
            if let Some(value) = value.filter(|v| !v.is_empty()) {
                items.push(format!("{name} = {}", quote(value)));
            }
        }
        format!("{{ {} }}", items.join(", "))
    }

    fn date(&self) -> Result<&str> {
        self.input
            .date
            .as_deref()
            .filter(|d| !d.is_empty())
            .ok_or_else(|| {
                Error::Invalid(format!(
                    "请为 {} 选择日期列 (choose a date column for {})",
                    self.input.dataset, self.input.dataset
                ))
            })
    }
}

pub(crate) fn check_id(id: &str) -> Result<()> {
    let ok = (2..=32).contains(&id.len())
        && id.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if ok {
        Ok(())
    } else {
        Err(Error::Invalid(format!(
            "模型编号须以字母开头，由字母、数字、_ 或 - 组成，2–32 个字符 (invalid model id `{id}`)"
        )))
    }
}

/// A role's name in the manifest and the rule's SQL: the dataset's name when it is an ASCII
/// identifier, else its pinyin (`交警处罚名单2024` → `jiao_jing_chu_fa_ming_dan_2024`), since a
/// role is a TOML key and an SQL name. The dataset itself keeps its Chinese name.
fn role_name(dataset: &str) -> String {
    // An ASCII dataset name (a-z, 0-9, _ by `DatasetName`) comes back as it is.
    let ascii = procura_core::names::ascii_identifier(dataset);
    if ascii.is_empty() {
        "input".to_owned()
    } else {
        ascii
    }
}

impl App {
    async fn draft_role(&self, actor: &Actor, name: &str, input: &DraftInput) -> Result<Role> {
        let versions = self.dataset_versions(actor, &input.dataset).await?;
        let latest = versions
            .iter()
            .max_by_key(|v| v.version)
            .ok_or_else(|| Error::NotFound(format!("no dataset `{}`", input.dataset)))?;
        Ok(Role {
            name: name.to_owned(),
            input: input.clone(),
            columns: latest
                .columns
                .iter()
                .map(|c| (c.name.clone(), c.field_type))
                .collect(),
        })
    }

    /// The manifest a draft compiles to, checked by the same parser as every model.
    pub async fn draft_manifest(&self, actor: &Actor, draft: &ModelDraft) -> Result<String> {
        self.require(actor, Capability::RunModels, &format!("model:{}", draft.id))
            .await?;
        check_id(&draft.id)?;
        if draft.name_zh.trim().is_empty() {
            return Err(Error::Invalid(
                "请填写模型名称 (the model needs a Chinese name)".into(),
            ));
        }
        let area = crate::auth::area_code(&draft.area)?;
        let pattern = PATTERNS
            .iter()
            .find(|(code, _)| *code == draft.pattern)
            .map(|(code, _)| *code)
            .ok_or_else(|| Error::Invalid(format!("unknown pattern `{}`", draft.pattern)))?;
        let severity = match draft.severity.as_str() {
            "" | "medium" => "medium",
            "high" => "high",
            "low" => "low",
            other => return Err(Error::Invalid(format!("unknown severity `{other}`"))),
        };
        let primary = self
            .draft_role(actor, &role_name(&draft.primary.dataset), &draft.primary)
            .await?;
        let secondary = match &draft.secondary {
            Some(input) if !input.dataset.is_empty() => {
                let name = role_name(&input.dataset);
                let name = if name == primary.name {
                    format!("{name}_2")
                } else {
                    name
                };
                Some(self.draft_role(actor, &name, input).await?)
            }
            _ => None,
        };
        let need_secondary = || {
            secondary.as_ref().ok_or_else(|| {
                Error::Invalid(
                    "此碰撞方式需要第二个数据集 (this pattern needs a second dataset)".into(),
                )
            })
        };
        let days = draft.days.unwrap_or(180);

        let mut out = String::new();
        let _ = writeln!(out, "[model]");
        let _ = writeln!(out, "id = {}", quote(&draft.id));
        let _ = writeln!(out, "version = \"1.0.0\"");
        let name_en = if draft.name_en.trim().is_empty() {
            draft.id.as_str()
        } else {
            draft.name_en.trim()
        };
        let _ = writeln!(
            out,
            "name = {{ zh = {}, en = {} }}",
            quote(draft.name_zh.trim()),
            quote(name_en)
        );
        let _ = writeln!(out, "area = {}", quote(&area));
        let _ = writeln!(
            out,
            "supervision_point = {}",
            quote(draft.supervision_point.trim())
        );
        let _ = writeln!(out, "description = {}", quote(draft.description.trim()));
        let basis: Vec<String> = draft
            .legal_basis
            .iter()
            .filter(|(law, _)| !law.trim().is_empty())
            .map(|(law, article)| {
                format!(
                    "{{ law = {}, article = {} }}",
                    quote(law.trim()),
                    quote(article.trim())
                )
            })
            .collect();
        let _ = writeln!(out, "legal_basis = [{}]", basis.join(", "));
        let follow: Vec<String> = draft
            .follow_up
            .iter()
            .filter(|f| !f.trim().is_empty())
            .map(|f| quote(f.trim()))
            .collect();
        let _ = writeln!(out, "follow_up = [{}]", follow.join(", "));
        let _ = writeln!(out, "author = {}", quote(actor.name()));
        let _ = writeln!(out, "organisation = \"\"\n");

        out.push_str(&primary.table(&format!("{}（主）", primary.input.dataset))?);
        out.push('\n');
        if let Some(secondary) = &secondary {
            out.push_str(&secondary.table(&format!("{}（对照）", secondary.input.dataset))?);
            out.push('\n');
        }

        let mut parameters = String::new();
        let mut rule = format!("[rule]\npattern = {}\n", quote(pattern));
        match pattern {
            "status_conflict" => {
                let state = need_secondary()?;
                state.date()?;
                let _ = writeln!(
                    rule,
                    "event = {}",
                    primary.reference(&[("date", Some(primary.date()?))])
                );
                let _ = writeln!(
                    rule,
                    "state = {}",
                    state.reference(&[
                        ("start", state.input.date.as_deref()),
                        ("end", state.input.end.as_deref())
                    ])
                );
                rule.push_str("start_inclusive = false\nend_inclusive = true\n");
            }
            "missing_follow_up" => {
                let follow = need_secondary()?;
                let _ = writeln!(
                    rule,
                    "trigger = {}",
                    primary.reference(&[("date", Some(primary.date()?))])
                );
                let _ = writeln!(
                    rule,
                    "follow_up = {}",
                    follow.reference(&[("date", Some(follow.date()?))])
                );
                rule.push_str("within_days = \"days\"\n");
                let _ = writeln!(
                    parameters,
                    "[parameters.days]\ntype = \"integer\"\ndefault = {days}\nmin = 1\nmax = 3650\nlabel = \"应有后续的期限（日）\"\n"
                );
            }
            "interval_overlap" => {
                let restriction = need_secondary()?;
                restriction.date()?;
                let _ = writeln!(
                    rule,
                    "activity = {}",
                    primary.reference(&[("date", Some(primary.date()?))])
                );
                let _ = writeln!(
                    rule,
                    "restriction = {}",
                    restriction.reference(&[
                        ("start", restriction.input.date.as_deref()),
                        ("end", restriction.input.end.as_deref())
                    ])
                );
            }
            "repetition" => {
                let _ = writeln!(
                    rule,
                    "event = {}",
                    primary.reference(&[("date", Some(primary.date()?))])
                );
                rule.push_str("min_count = \"min_count\"\nwindow_days = \"days\"\n");
                if let Some(absent) = &secondary {
                    let _ = writeln!(rule, "absent_in = {}", absent.reference(&[]));
                }
                let min_count = draft.min_count.unwrap_or(3);
                let _ = writeln!(
                    parameters,
                    "[parameters.min_count]\ntype = \"integer\"\ndefault = {min_count}\nmin = 2\nmax = 1000\nlabel = \"次数阈值\"\n"
                );
                let _ = writeln!(
                    parameters,
                    "[parameters.days]\ntype = \"integer\"\ndefault = {days}\nmin = 1\nmax = 3650\nlabel = \"统计窗口（日）\"\n"
                );
            }
            "same_day" => {
                let right = need_secondary()?;
                let _ = writeln!(
                    rule,
                    "left = {}",
                    primary.reference(&[("date", Some(primary.date()?))])
                );
                let _ = writeln!(
                    rule,
                    "right = {}",
                    right.reference(&[("date", Some(right.date()?))])
                );
                rule.push_str("tolerance_days = \"days\"\n");
                let tolerance = draft.days.unwrap_or(0);
                let _ = writeln!(
                    parameters,
                    "[parameters.days]\ntype = \"integer\"\ndefault = {tolerance}\nmin = 0\nmax = 30\nlabel = \"容差（日）\"\n"
                );
            }
            _ => {
                let denominator = need_secondary()?;
                let quantity = |role: &Role| {
                    role.input
                        .quantity
                        .clone()
                        .filter(|q| !q.is_empty())
                        .ok_or_else(|| {
                            Error::Invalid(format!(
                                "请为 {} 选择数量列 (choose a quantity column)",
                                role.input.dataset
                            ))
                        })
                };
                let _ = writeln!(
                    rule,
                    "numerator = {}",
                    primary.reference(&[("quantity", Some(&quantity(&primary)?))])
                );
                let _ = writeln!(
                    rule,
                    "denominator = {}",
                    denominator.reference(&[("quantity", Some(&quantity(denominator)?))])
                );
                rule.push_str("min_ratio = \"min_ratio\"\n");
                let min_ratio = draft.min_ratio.unwrap_or(0.5);
                let _ = writeln!(
                    parameters,
                    "[parameters.min_ratio]\ntype = \"number\"\ndefault = {min_ratio}\nmin = 0\nmax = 10\nlabel = \"最低比例\"\n"
                );
            }
        }
        out.push_str(&parameters);
        out.push_str(&rule);

        let key_field = &primary.input.key;
        let _ = writeln!(out, "\n[clue]");
        let _ = writeln!(
            out,
            "key = [{}]",
            quote(&format!("{}.{key_field}", primary.name))
        );
        let name_column = primary.name_column().map(str::to_owned);
        let title = match &name_column {
            Some(_) => format!("{{name}}（{{{key_field}}}）：{}", draft.name_zh.trim()),
            None => format!("{{{key_field}}}：{}", draft.name_zh.trim()),
        };
        let _ = writeln!(out, "title = {}", quote(&title));
        let _ = writeln!(out, "severity = {}", quote(&format!("'{severity}'")));
        let subject_kind = match primary.column(key_field, "key")? {
            FieldType::PersonId => Some("person"),
            FieldType::OrgId => Some("org"),
            FieldType::PartyId => Some("party"),
            _ => None,
        };
        if let Some(kind) = subject_kind {
            let name = name_column
                .as_ref()
                .map(|n| format!(", name = {}", quote(&format!("{}.{n}", primary.name))))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "subjects = [{{ kind = {}, id = {}{name} }}]",
                quote(kind),
                quote(&format!("{}.{key_field}", primary.name))
            );
        }
        if let Some(name) = &name_column {
            let _ = writeln!(out, "\n[clue.fields]");
            let _ = writeln!(
                out,
                "name = {}",
                quote(&format!("max({}.{name})", primary.name))
            );
        }
        procura_models::manifest::parse(&out, &|_| None).map_err(|e| {
            Error::Invalid(format!(
                "模型定义无效 (the draft is not a valid model: {e})"
            ))
        })?;
        Ok(out)
    }

    /// Runs a draft on the current data and returns how many clues it finds with a masked
    /// sample; records no run, but the preview itself goes into the audit trail.
    ///
    /// A preview is a model administrator's tool, and a model administrator may not read case
    /// data: so the sample's ID numbers, phone numbers and names are masked, and filters on
    /// identifying columns (ID numbers, names, phones, plates, case numbers) are refused —
    /// otherwise a preview filtered on one ID number would answer "is this person in the
    /// custody (pension, death …) data".
    pub async fn preview_draft(&self, actor: &Actor, draft: &ModelDraft) -> Result<Preview> {
        let manifest = self.draft_manifest(actor, draft).await?;
        let datasets = self.list_datasets_inner().await?;
        for input in std::iter::once(&draft.primary).chain(draft.secondary.as_ref()) {
            let Some(dataset) = datasets.iter().find(|d| d.name == input.dataset) else {
                continue;
            };
            for filter in &input.filters {
                let identifying = dataset
                    .latest
                    .columns
                    .iter()
                    .find(|c| c.name == filter.column)
                    .is_some_and(|c| {
                        matches!(
                            c.field_type,
                            FieldType::PersonId
                                | FieldType::OrgId
                                | FieldType::PartyId
                                | FieldType::Name
                                | FieldType::Phone
                                | FieldType::Plate
                                | FieldType::CaseNumber
                        )
                    });
                if identifying {
                    self.audit_denied(
                        actor,
                        &format!("dataset:{}", input.dataset),
                        "preview_filter_on_identifier",
                    )
                    .await?;
                    return Err(Error::Forbidden(format!(
                        "预览不能按个人标识字段「{}」筛选；请保存模型后由有权限的人员运行 (a preview may not filter on the identifying column `{}`; save the model and have it run)",
                        filter.column, filter.column
                    )));
                }
            }
        }
        let model = procura_models::manifest::parse(&manifest, &|_| None)?;
        // A preview runs the draft over the data like a run does: a department head only for
        // the areas of their own department.
        self.require_model_area(actor, &model, &format!("model:{}", draft.id))
            .await?;
        let (inputs, used) = self.bind_inputs(&model, &[]).await?;
        let prepared = run::prepare(&model, &inputs, &BTreeMap::new(), self.now().date_naive())?;
        let execution = run::execute_prepared(&model, &prepared).await?;
        self.audit_alone(
            actor,
            Event::ok(Action::ModelPreview, format!("model:{}", draft.id)).detail(
                serde_json::json!({
                    "hits": execution.hits.len(),
                    "inputs": used.iter().map(|u| format!("{}@{}", u.dataset, u.version)).collect::<Vec<_>>(),
                }),
            ),
        )
        .await?;
        Ok(Preview {
            manifest,
            hits: execution.hits.len(),
            sample: execution
                .hits
                .iter()
                .take(20)
                .map(|h| PreviewHit {
                    title: masked_title(h),
                    severity: h.severity.clone(),
                    amount_fen: h.amount_fen,
                })
                .collect(),
        })
    }

    /// Saves a draft into the workspace's model library. Fails if the id is taken.
    pub async fn save_draft(&self, actor: &Actor, draft: &ModelDraft) -> Result<String> {
        self.require(
            actor,
            Capability::ManageModels,
            &format!("model:{}", draft.id),
        )
        .await?;
        let manifest = self.draft_manifest(actor, draft).await?;
        if self
            .models(actor)?
            .iter()
            .any(|e| e.model.meta.id.eq_ignore_ascii_case(&draft.id))
        {
            return Err(Error::Conflict(format!(
                "模型编号 {} 已存在 (model id {} is taken)",
                draft.id, draft.id
            )));
        }
        let dir = self.workspace.root().join("models");
        std::fs::create_dir_all(&dir).map_err(Error::io("cannot create", &dir))?;
        let path = dir.join(format!("{}.toml", draft.id));
        let text = format!(
            "# 由模型构建器生成 / made with the model builder by {} at {}\n{manifest}",
            actor.name(),
            self.now_text()
        );
        self.audit_alone(
            actor,
            Event::ok(Action::ModelSave, format!("model:{}", draft.id)),
        )
        .await?;
        write_new_or_replace(&path, text.as_bytes())?;
        Ok(draft.id.clone())
    }
}

/// A clue title with its subjects' identifiers and names masked.
fn masked_title(hit: &run::ClueHit) -> String {
    let mut title = hit.title.clone();
    for subject in &hit.subjects {
        if !subject.id.is_empty() {
            title = title.replace(&subject.id, &procura_core::mask::identifier(&subject.id));
        }
        if let Some(name) = subject.name.as_deref().filter(|n| !n.is_empty()) {
            title = title.replace(name, &procura_core::mask::name(name));
        }
    }
    procura_core::mask::in_text(&title)
}
