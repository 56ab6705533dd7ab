//! Clues: listing, one clue with its evidence rows read back from the exact dataset versions,
//! and exports for procurators (xlsx, csv).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use procura_core::clue::ClueStatus;
use procura_models::{Engine, TableSource};
use procura_store::catalog;
use procura_store::clues::{self, ClueFilter, ClueRecord, EventRecord, SubjectRecord};

use crate::arrow::array::{Array, RecordBatch};
use crate::arrow::compute::cast;
use crate::arrow::datatypes::DataType;
use crate::audit::{Action, Event};
use crate::error::{Error, Result};
use crate::{Actor, App};

/// Which clues.
#[derive(Debug, Clone, Default)]
pub struct ClueQuery {
    /// Only this model.
    pub model: Option<String>,
    /// Only this status (code or Chinese label).
    pub status: Option<String>,
    /// Include clues the latest run no longer found.
    pub include_gone: bool,
    /// Most clues (0 = no limit).
    pub limit: i64,
}

/// A clue for lists and exports.
#[derive(Debug, Clone)]
pub struct ClueInfo {
    /// Id.
    pub id: i64,
    /// Model id.
    pub model_id: String,
    /// Key values.
    pub key: Vec<String>,
    /// Title.
    pub title: String,
    /// `high`, `medium`, `low`.
    pub severity: String,
    /// Amount in 分.
    pub amount_fen: Option<i64>,
    /// Status.
    pub status: ClueStatus,
    /// Assignee.
    pub assignee: Option<String>,
    /// First seen (RFC 3339).
    pub first_seen_at: String,
    /// Last seen.
    pub last_seen_at: String,
    /// Run that found it first / last.
    pub first_run_id: i64,
    /// Latest run that found it.
    pub last_run_id: i64,
    /// Whether the latest run of its model no longer found it.
    pub gone: bool,
    /// Named fields.
    pub fields: serde_json::Map<String, serde_json::Value>,
    /// Weakest entity-linkage strength among the evidence (`exact`, `strong`, `probable`).
    pub match_strength: Option<String>,
    /// Supervision area code of its model.
    pub area: Option<String>,
    /// Department handling it.
    pub department_id: Option<i64>,
    /// Deadline of the current stage (RFC 3339).
    pub due_at: Option<String>,
    /// `case` or `no_case` once concluded.
    pub outcome: Option<String>,
    /// The act taken (成案).
    pub outcome_act: Option<String>,
    /// Why not (不成案).
    pub outcome_reason: Option<String>,
    /// The conclusion's note.
    pub outcome_note: Option<String>,
}

/// The rows behind a clue from one input.
#[derive(Debug, Clone)]
pub struct EvidenceRows {
    /// The model role.
    pub role: String,
    /// The dataset.
    pub dataset: String,
    /// Its version number.
    pub version: i64,
    /// Its catalog id.
    pub version_id: i64,
    /// Column names.
    pub columns: Vec<String>,
    /// What people call each column: the agency's own header (`处罚事由` for the column
    /// `chu_fa_shi_you`), or Procura's Chinese name for its own columns.
    pub labels: Vec<String>,
    /// The field type of each column that is a dataset column (not Procura's own or a
    /// derived one).
    pub types: Vec<Option<procura_core::field::FieldType>>,
    /// Rows as text, in `_row_id` order.
    pub rows: Vec<Vec<String>>,
}

/// A clue with everything known about it.
#[derive(Debug, Clone)]
pub struct ClueDetail {
    /// The clue.
    pub clue: ClueInfo,
    /// Persons and organisations concerned.
    pub subjects: Vec<SubjectRecord>,
    /// History.
    pub events: Vec<EventRecord>,
    /// Evidence of the latest run that found it.
    pub evidence: Vec<EvidenceRows>,
    /// Verification notes (核查意见).
    pub comments: Vec<clues::CommentRecord>,
    /// Documents attached during verification.
    pub attachments: Vec<clues::AttachmentRecord>,
    /// The workflow steps the actor may take now.
    pub steps: Vec<crate::workflow::Step>,
    /// 线索说明: the model's rule stated against this clue's evidence, in Chinese.
    pub explanation: Vec<String>,
    /// What people call the clue's fields and keys: the agency's header of the column a field
    /// shows (`max(role.field)`, `min(…)`, a key `role.field`), when there is one.
    pub field_labels: BTreeMap<String, String>,
}

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// Excel workbook.
    Xlsx,
    /// CSV, UTF-8 with BOM (opens correctly in Chinese Excel).
    Csv,
}

impl App {
    /// Clues by id.
    pub async fn list_clues(&self, actor: &Actor, query: &ClueQuery) -> Result<Vec<ClueInfo>> {
        self.require(actor, crate::Capability::ReadClues, "clues")
            .await?;
        if actor.principal().is_some() {
            return Err(Error::Forbidden(
                "signed-in users list clues page by page (App::clue_page)".into(),
            ));
        }
        let status = query
            .status
            .as_deref()
            .map(|s| {
                s.parse::<ClueStatus>()
                    .map_err(|e| Error::Invalid(e.to_string()))
            })
            .transpose()?;
        let mut connection = self.connection().await?;
        let records = clues::list(
            &mut connection,
            &ClueFilter {
                model_id: query.model.as_deref(),
                status: status.map(ClueStatus::code),
                include_gone: query.include_gone,
                limit: if query.limit <= 0 {
                    i64::MAX
                } else {
                    query.limit
                },
                offset: 0,
            },
        )
        .await?;
        drop(connection);
        self.audit_alone(
            actor,
            Event::ok(Action::ClueList, "clues").detail(serde_json::json!({
                "model": query.model, "status": query.status, "returned": records.len(),
            })),
        )
        .await?;
        records.into_iter().map(clue_info).collect()
    }

    /// One clue with subjects, history and evidence rows, identifiers masked for signed-in
    /// users (see [`App::show_clue_with`]).
    pub async fn show_clue(&self, actor: &Actor, id: i64) -> Result<ClueDetail> {
        self.show_clue_with(actor, id, false).await
    }

    /// One clue with subjects, history and evidence rows. For a signed-in user, ID numbers and
    /// phone numbers are masked (`3301**********123X`) in the title, key, fields, subjects and
    /// evidence, unless `unmask` is asked with a stated purpose (查询事由) — which the audit
    /// trail records with the read. The local operator sees everything.
    pub async fn show_clue_with(&self, actor: &Actor, id: i64, unmask: bool) -> Result<ClueDetail> {
        if unmask && actor.principal().is_some() && actor.purpose().is_none() {
            return Err(Error::Invalid(
                "查看完整信息须说明查询事由 (state a purpose to see the full identifiers)".into(),
            ));
        }
        let record = self.visible_clue(actor, id, true).await?;
        let mut connection = self.connection().await?;
        let subjects = clues::subjects(&mut connection, id).await?;
        let comments = clues::comments(&mut connection, id).await?;
        let attachments = clues::attachments(&mut connection, id).await?;
        let steps = crate::workflow::allowed_steps(actor, &record);
        let events = clues::events(&mut connection, id).await?;
        let evidence_records = clues::evidence(&mut connection, id, record.last_run_id).await?;
        let mut grouped: BTreeMap<(String, i64), Vec<i64>> = BTreeMap::new();
        for evidence in evidence_records {
            grouped
                .entry((evidence.role, evidence.dataset_version_id))
                .or_default()
                .push(evidence.row_id);
        }
        let links = run_link_paths(&mut connection, &self.workspace, record.last_run_id).await?;
        let mut evidence = Vec::new();
        for ((role, version_id), row_ids) in grouped {
            let version = catalog::version_by_id(&mut connection, version_id)
                .await?
                .ok_or_else(|| {
                    Error::Internal(format!("evidence cites missing version {version_id}"))
                })?;
            let path = self.workspace.resolve(&version.path);
            let infos: Vec<crate::datasets::ColumnInfo> =
                serde_json::from_str(&version.columns_json).unwrap_or_default();
            let identifying: Vec<String> = infos
                .iter()
                .filter(|c| {
                    matches!(
                        c.field_type,
                        procura_core::field::FieldType::PersonId
                            | procura_core::field::FieldType::PartyId
                            | procura_core::field::FieldType::Phone
                    )
                })
                .map(|c| c.name.clone())
                .collect();
            let today = self.now().date_naive();
            let (mut columns, mut rows) = read_rows(&path, &row_ids, today).await?;
            let linked = link_rows(&links, version_id, &row_ids, today).await?;
            if !linked.is_empty() {
                // Which entity each evidence row was joined as, and how sure that link is.
                columns.push("linked_entity".into());
                columns.push("match_strength".into());
                let row_id_column = columns.iter().position(|c| c == "_row_id");
                for row in &mut rows {
                    let found = row_id_column
                        .and_then(|i| row[i].parse::<i64>().ok())
                        .and_then(|id| linked.get(&id));
                    let (entity, strength) = found.cloned().unwrap_or_default();
                    row.push(entity);
                    row.push(if strength.is_empty() {
                        String::new()
                    } else {
                        format!("{} {strength}", crate::linkage::strength_zh(&strength))
                    });
                }
            }
            let masked = actor.principal().is_some() && !unmask;
            if masked {
                let sensitive: Vec<bool> = columns
                    .iter()
                    .map(|c| {
                        c == "linked_entity"
                            || identifying
                                .iter()
                                .any(|i| c == i || c.strip_suffix("__raw") == Some(i.as_str()))
                    })
                    .collect();
                for row in &mut rows {
                    for (cell, sensitive) in row.iter_mut().zip(&sensitive) {
                        *cell = if *sensitive {
                            procura_core::mask::identifier(cell)
                        } else {
                            procura_core::mask::in_text(cell)
                        };
                    }
                }
            }
            let labels = columns.iter().map(|c| column_label(c, &infos)).collect();
            let types = columns
                .iter()
                .map(|c| infos.iter().find(|i| &i.name == c).map(|i| i.field_type))
                .collect();
            evidence.push(EvidenceRows {
                role,
                dataset: version.dataset,
                version: version.version,
                version_id,
                columns,
                labels,
                types,
                rows,
            });
        }
        drop(connection);
        let masked = actor.principal().is_some() && !unmask;
        self.audit_alone(
            actor,
            Event::ok(Action::ClueRead, format!("clue:{id}")).detail(serde_json::json!({
                "evidence_rows": evidence.iter().map(|e| e.rows.len()).sum::<usize>(),
                "unmasked": !masked,
            })),
        )
        .await?;
        let (explanation, field_labels) = self
            .explain_clue(&record.model_id, record.last_run_id, &evidence)
            .await;
        let mut clue = clue_info(record)?;
        let mut subjects = subjects;
        if masked {
            mask_clue(&mut clue);
            for subject in &mut subjects {
                if subject.kind == "person" {
                    subject.identifier = procura_core::mask::identifier(&subject.identifier);
                }
            }
        }
        Ok(ClueDetail {
            clue,
            subjects,
            events,
            evidence,
            comments,
            attachments,
            steps,
            explanation,
            field_labels,
        })
    }

    /// The 线索说明 of a clue from its (already masked) evidence rows: each role's fields found
    /// through the binding a run makes, with the parameters of the run that found it. Empty
    /// when something is missing (a model since removed, a binding made by hand): the page then
    /// shows the evidence alone.
    async fn explain_clue(
        &self,
        model_id: &str,
        run_id: i64,
        evidence: &[EvidenceRows],
    ) -> (Vec<String>, BTreeMap<String, String>) {
        let Some(entry) = self
            .load_models()
            .ok()
            .and_then(|models| models.into_iter().find(|e| e.model.meta.id == model_id))
        else {
            return (Vec::new(), BTreeMap::new());
        };
        let model = &entry.model;
        let params: BTreeMap<String, String> = match self.connection().await {
            Ok(mut connection) => match procura_store::runs::get(&mut connection, run_id).await {
                Ok(Some(run)) => serde_json::from_str(&run.parameters_json).unwrap_or_default(),
                _ => BTreeMap::new(),
            },
            Err(_) => BTreeMap::new(),
        };
        // Parameters as the run recorded them; ones the model no longer has are left out.
        let params: BTreeMap<String, String> = params
            .into_iter()
            .filter(|(name, _)| model.parameters.iter().any(|p| &p.name == name))
            .collect();
        let Ok(typed) =
            procura_models::binding::resolve_params(model, &params, self.now().date_naive())
        else {
            return (Vec::new(), BTreeMap::new());
        };
        let mut facts = Vec::new();
        for rows in evidence {
            let Some(input) = model.inputs.iter().find(|i| i.role == rows.role) else {
                continue;
            };
            let columns: Vec<procura_models::binding::Column> = rows
                .columns
                .iter()
                .zip(&rows.types)
                .filter_map(|(c, t)| {
                    t.map(|field_type| procura_models::binding::Column {
                        name: c.clone(),
                        field_type,
                    })
                })
                .collect();
            let Ok(bound) = procura_models::binding::bind_role(
                model,
                input,
                &rows.dataset,
                &rows.role,
                &columns,
                &BTreeMap::new(),
            ) else {
                continue;
            };
            let mut role = procura_models::explain::RoleFacts {
                role: rows.role.clone(),
                ..Default::default()
            };
            for field in &bound.fields {
                let Some((column, _)) = &field.column else {
                    continue;
                };
                let Some(index) = rows.columns.iter().position(|c| c == column) else {
                    continue;
                };
                role.labels
                    .insert(field.field.clone(), rows.labels[index].clone());
            }
            for row in &rows.rows {
                let mut values = BTreeMap::new();
                for field in &bound.fields {
                    if let Some((column, _)) = &field.column
                        && let Some(index) = rows.columns.iter().position(|c| c == column)
                    {
                        values.insert(field.field.clone(), row[index].clone());
                    }
                }
                role.rows.push(values);
            }
            facts.push(role);
        }
        let mut sentences = procura_models::explain::explain(model, &typed, &facts);
        let header = |reference: &str| {
            let (role, field) = reference.trim().split_once('.')?;
            facts
                .iter()
                .find(|f| f.role == role)
                .and_then(|f| f.labels.get(field))
                .cloned()
        };
        let mut labels = BTreeMap::new();
        for (index, key) in model.clue.key.iter().enumerate() {
            if let Some(label) = header(key) {
                labels.insert(model.clue.key_name(index), label);
            }
        }
        for (name, expression) in &model.clue.fields {
            // Only a field that shows a column's value takes its header; a count does not.
            let inner = ["max(", "min("].iter().find_map(|agg| {
                expression
                    .trim()
                    .strip_prefix(agg)
                    .and_then(|rest| rest.strip_suffix(')'))
            });
            if let Some(label) = inner.and_then(header) {
                labels.insert(name.clone(), label);
            }
        }
        // A row joined through entity linkage rather than a valid ID: say so, and how sure.
        let linked: Vec<&str> = evidence
            .iter()
            .filter_map(|rows| {
                let index = rows.columns.iter().position(|c| c == "match_strength")?;
                Some(rows.rows.iter().filter_map(move |row| {
                    let cell = row.get(index)?.as_str();
                    (!cell.is_empty() && !cell.ends_with("exact")).then_some(cell)
                }))
            })
            .flatten()
            .collect();
        let rank = |cell: &str| match cell.rsplit(' ').next() {
            Some("probable") => 0,
            Some("strong") => 1,
            _ => 2,
        };
        if let Some(weakest) = linked.iter().min_by_key(|s| rank(s)) {
            let strength = weakest.split(' ').next().unwrap_or(weakest);
            sentences.push(format!(
                "本线索依赖实体关联：证据中有 {} 条记录不是凭有效证件号、而是经姓名、出生日期等关联到同一对象（最弱为「{strength}」），核查时请先确认是否同一人",
                linked.len()
            ));
        }
        (sentences, labels)
    }

    /// Writes the selected clues to `path` (atomically: a temporary file, then a rename).
    pub async fn export_clues(
        &self,
        actor: &Actor,
        query: &ClueQuery,
        format: ExportFormat,
        path: &Path,
    ) -> Result<usize> {
        let list = self.list_clues(actor, query).await?;
        let mut connection = self.connection().await?;
        let mut subjects = Vec::with_capacity(list.len());
        for clue in &list {
            let people = clues::subjects(&mut connection, clue.id).await?;
            subjects.push(
                people
                    .iter()
                    .map(|s| match &s.name {
                        Some(name) => format!("{name}（{}）", s.identifier),
                        None => s.identifier.clone(),
                    })
                    .collect::<Vec<_>>()
                    .join("；"),
            );
        }
        let models: BTreeMap<String, String> = self
            .models(actor)?
            .into_iter()
            .map(|e| (e.model.meta.id.clone(), e.model.meta.name.zh.clone()))
            .collect();
        let header = [
            "线索编号",
            "模型编号",
            "模型名称",
            "线索标题",
            "严重程度",
            "涉案金额（元）",
            "状态",
            "当事人",
            "首次发现",
            "最近发现",
            "关键字段",
        ];
        // Every field the clues carry (the facts a model found: dates, amounts, counts), one
        // column each, in the order they first appear.
        let mut field_names: Vec<String> = Vec::new();
        for clue in &list {
            for name in clue.fields.keys() {
                if !field_names.contains(name) {
                    field_names.push(name.clone());
                }
            }
        }
        let header: Vec<&str> = header
            .iter()
            .copied()
            .chain(field_names.iter().map(String::as_str))
            .collect();
        let rows: Vec<Vec<String>> = list
            .iter()
            .zip(&subjects)
            .map(|(clue, subjects)| {
                vec![
                    clue.id.to_string(),
                    clue.model_id.clone(),
                    models.get(&clue.model_id).cloned().unwrap_or_default(),
                    clue.title.clone(),
                    severity_zh(&clue.severity).to_owned(),
                    clue.amount_fen
                        .map(|f| procura_core::amount::Amount::from_fen(f).yuan_string())
                        .unwrap_or_default(),
                    clue.status.zh().to_owned(),
                    subjects.clone(),
                    clue.first_seen_at.clone(),
                    clue.last_seen_at.clone(),
                    clue.key.join(" | "),
                ]
                .into_iter()
                .chain(
                    field_names
                        .iter()
                        .map(|name| match clue.fields.get(name.as_str()) {
                            None | Some(serde_json::Value::Null) => String::new(),
                            Some(serde_json::Value::String(text)) => text.clone(),
                            Some(other) => other.to_string(),
                        }),
                )
                .collect()
            })
            .collect();
        let bytes = match format {
            ExportFormat::Xlsx => xlsx_bytes(&header, &rows)?,
            ExportFormat::Csv => csv_bytes(&header, &rows)?,
        };
        // Recorded before the file appears: an export whose record cannot be written fails.
        self.audit_alone(
            actor,
            Event::ok(Action::ClueExport, "clues").detail(serde_json::json!({
                "rows": list.len(),
                "format": match format { ExportFormat::Xlsx => "xlsx", ExportFormat::Csv => "csv" },
                "ids": list.iter().map(|c| c.id).collect::<Vec<_>>(),
            })),
        )
        .await?;
        write_atomically(path, &bytes)?;
        Ok(list.len())
    }
}

/// The Chinese severity label.
pub fn severity_zh(severity: &str) -> &'static str {
    match severity {
        "high" => "高",
        "low" => "低",
        _ => "中",
    }
}

pub(crate) fn clue_info(record: ClueRecord) -> Result<ClueInfo> {
    let key: Vec<String> = serde_json::from_str(&record.key_json)
        .map_err(|e| Error::Internal(format!("clue {} key: {e}", record.id)))?;
    let fields = match serde_json::from_str(&record.fields_json) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => {
            return Err(Error::Internal(format!(
                "clue {} fields are not an object",
                record.id
            )));
        }
    };
    Ok(ClueInfo {
        id: record.id,
        model_id: record.model_id,
        key,
        title: record.title,
        severity: record.severity,
        amount_fen: record.amount_fen,
        status: record.status.parse().map_err(|_| {
            Error::Internal(format!("clue {} has status {}", record.id, record.status))
        })?,
        assignee: record.assignee,
        first_seen_at: record.first_seen_at,
        last_seen_at: record.last_seen_at,
        first_run_id: record.first_run_id,
        last_run_id: record.last_run_id,
        gone: record.gone_run_id.is_some(),
        fields,
        match_strength: record.match_strength,
        area: record.area,
        department_id: record.department_id,
        due_at: record.due_at,
        outcome: record.outcome,
        outcome_act: record.outcome_act,
        outcome_reason: record.outcome_reason,
        outcome_note: record.outcome_note,
    })
}

/// The entity-link files a run joined (person links first), from its recorded inputs.
async fn run_link_paths(
    connection: &mut procura_store::PoolConnection,
    workspace: &crate::workspace::Workspace,
    run_id: i64,
) -> Result<Vec<std::path::PathBuf>> {
    let Some(run) = procura_store::runs::get(connection, run_id).await? else {
        return Ok(Vec::new());
    };
    let inputs: Vec<serde_json::Value> =
        serde_json::from_str(&run.inputs_json).map_err(|e| Error::Internal(e.to_string()))?;
    let mut paths = Vec::new();
    for role in ["__links_person", "__links_org"] {
        let Some(version_id) = inputs
            .iter()
            .find(|i| i["role"] == role)
            .and_then(|i| i["version_id"].as_i64())
        else {
            continue;
        };
        if let Some(version) = catalog::version_by_id(connection, version_id).await? {
            paths.push(workspace.resolve(&version.path));
        }
    }
    Ok(paths)
}

/// For evidence rows of one dataset version: `_row_id` → (entity, strength code), from the
/// first link file that covers the row.
async fn link_rows(
    links: &[std::path::PathBuf],
    version_id: i64,
    row_ids: &[i64],
    today: chrono::NaiveDate,
) -> Result<BTreeMap<i64, (String, String)>> {
    let mut found = BTreeMap::new();
    let ids = row_ids
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    for path in links {
        let engine = Engine::new(
            &[TableSource {
                name: "links".into(),
                path: path.clone(),
            }],
            today,
        )
        .await?;
        let batches = engine
            .sql(&format!(
                "SELECT row_id, entity, strength FROM links WHERE version_id = {version_id} AND row_id IN ({ids})"
            ))
            .await?;
        for batch in &batches {
            let text: Vec<_> = batch
                .columns()
                .iter()
                .map(|c| cast(c, &DataType::Utf8))
                .collect::<std::result::Result<_, _>>()
                .map_err(|e| Error::Internal(e.to_string()))?;
            let value = |column: usize, row: usize| {
                text[column]
                    .as_any()
                    .downcast_ref::<crate::arrow::array::StringArray>()
                    .filter(|a| !a.is_null(row))
                    .map(|a| a.value(row).to_owned())
                    .unwrap_or_default()
            };
            for row in 0..batch.num_rows() {
                if let Ok(row_id) = value(0, row).parse::<i64>() {
                    found
                        .entry(row_id)
                        .or_insert_with(|| (value(1, row), value(2, row)));
                }
            }
        }
    }
    Ok(found)
}

async fn read_rows(
    path: &Path,
    row_ids: &[i64],
    today: chrono::NaiveDate,
) -> Result<(Vec<String>, Vec<Vec<String>>)> {
    let engine = Engine::new(
        &[TableSource {
            name: "evidence".into(),
            path: path.to_owned(),
        }],
        today,
    )
    .await?;
    let ids = row_ids
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let batches: Vec<RecordBatch> = engine
        .sql(&format!(
            "SELECT * FROM evidence WHERE \"_row_id\" IN ({ids}) ORDER BY \"_row_id\""
        ))
        .await?;
    let mut columns = Vec::new();
    let mut rows = Vec::new();
    for batch in &batches {
        if columns.is_empty() {
            columns = batch
                .schema()
                .fields()
                .iter()
                .map(|f| f.name().clone())
                .collect();
        }
        let text: Vec<_> = batch
            .columns()
            .iter()
            .map(|c| cast(c, &DataType::Utf8))
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| Error::Internal(e.to_string()))?;
        for row in 0..batch.num_rows() {
            rows.push(
                text.iter()
                    .map(|column| {
                        let strings = column
                            .as_any()
                            .downcast_ref::<crate::arrow::array::StringArray>();
                        match strings {
                            Some(s) if !s.is_null(row) => s.value(row).to_owned(),
                            _ => String::new(),
                        }
                    })
                    .collect(),
            );
        }
    }
    Ok((columns, rows))
}

/// Cells starting with `=`, `+`, `-`, `@` are formulas to a spreadsheet; a leading `'` keeps
/// them text (OWASP CSV injection).
fn neutralise(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_owned(),
    }
}

fn csv_bytes(header: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>> {
    let mut bytes = vec![0xEF, 0xBB, 0xBF];
    {
        let mut writer = csv::Writer::from_writer(&mut bytes);
        writer
            .write_record(header)
            .map_err(|e| Error::Internal(e.to_string()))?;
        for row in rows {
            writer
                .write_record(row.iter().map(|c| neutralise(c)))
                .map_err(|e| Error::Internal(e.to_string()))?;
        }
        writer.flush().map_err(|e| Error::Internal(e.to_string()))?;
    }
    Ok(bytes)
}

fn xlsx_bytes(header: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook};
    let xlsx_error = |e: rust_xlsxwriter::XlsxError| Error::Internal(format!("xlsx: {e}"));
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = workbook.add_worksheet();
    sheet.set_name("线索").map_err(xlsx_error)?;
    for (column, title) in header.iter().enumerate() {
        sheet
            .write_string_with_format(0, column as u16, *title, &bold)
            .map_err(xlsx_error)?;
    }
    for (index, row) in rows.iter().enumerate() {
        for (column, cell) in row.iter().enumerate() {
            // write_string never turns text into a formula.
            sheet
                .write_string(index as u32 + 1, column as u16, cell)
                .map_err(xlsx_error)?;
        }
    }
    sheet.set_column_width(3, 80).map_err(xlsx_error)?;
    sheet.set_freeze_panes(1, 0).map_err(xlsx_error)?;
    workbook.save_to_buffer().map_err(xlsx_error)
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{file_name}.{}.part", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create_new(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if let Err(error) = result {
        let _ = std::fs::remove_file(&temp);
        return Err(Error::io("cannot write", path)(error));
    }
    Ok(())
}

/// Masks the ID and phone numbers in what a clue shows (title, key, field values).
pub(crate) fn mask_clue(clue: &mut ClueInfo) {
    use procura_core::mask::in_text;
    clue.title = in_text(&clue.title);
    for part in &mut clue.key {
        *part = in_text(part);
    }
    for value in clue.fields.values_mut() {
        if let serde_json::Value::String(text) = value {
            *text = in_text(text);
        }
    }
}

/// What people call a dataset column (see [`EvidenceRows::labels`]).
pub(crate) fn column_label(column: &str, infos: &[crate::datasets::ColumnInfo]) -> String {
    let own = match column {
        "_row_id" => Some("行号"),
        "_source" => Some("来源文件"),
        "_source_row" => Some("来源行"),
        "linked_entity" => Some("关联实体"),
        "match_strength" => Some("匹配强度"),
        _ => None,
    };
    if let Some(label) = own {
        return label.to_owned();
    }
    let header = |name: &str| {
        infos
            .iter()
            .find(|c| c.name == name)
            .map(|c| {
                if c.source.trim().is_empty() {
                    c.name.clone()
                } else {
                    c.source.clone()
                }
            })
            .unwrap_or_else(|| name.to_owned())
    };
    for (suffix, what) in [
        ("__raw", "原文"),
        ("__issue", "问题"),
        ("__simplified", "简体"),
        ("__key", "匹配键"),
        ("__kind", "自然人/单位"),
    ] {
        if let Some(base) = column.strip_suffix(suffix) {
            return format!("{}（{what}）", header(base));
        }
    }
    header(column)
}
