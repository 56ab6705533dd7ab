//! Running models: bind roles to exact dataset versions, execute, and record the run and its
//! clues in one transaction (fingerprints make re-runs idempotent; clues no longer found are
//! marked gone, never deleted).

use std::collections::BTreeMap;
use std::time::Instant;

use procura_models::Model;
use procura_models::binding::Column;
use procura_models::run::{self, BoundInput, ClueHit};
use procura_store::catalog;
use procura_store::clues::{self, FoundClue, SubjectRecord, Upserted};
use procura_store::runs::{self, NewRun, RunEnd, RunRecord};
use serde_json::json;

use crate::audit::{Action, Event};
use crate::error::{Error, Result};
use crate::{Actor, App};

/// What to run.
#[derive(Debug, Clone, Default)]
pub struct RunRequest {
    /// Model id.
    pub model: String,
    /// `role=dataset[@version]` and `role.field=column` bindings.
    pub bindings: Vec<String>,
    /// `name=value` parameter overrides.
    pub params: Vec<(String, String)>,
}

/// One input of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunInput {
    /// The role.
    pub role: String,
    /// The dataset.
    pub dataset: String,
    /// The version number.
    pub version: i64,
    /// The version's catalog id.
    pub version_id: i64,
    /// Rows in that version.
    pub rows: i64,
}

/// A run's record.
#[derive(Debug, Clone)]
pub struct RunInfo {
    /// Run id.
    pub id: i64,
    /// Model id.
    pub model_id: String,
    /// Model version.
    pub model_version: String,
    /// Manifest digest.
    pub model_digest: String,
    /// Parameter values.
    pub params: BTreeMap<String, String>,
    /// Inputs read.
    pub inputs: Vec<RunInput>,
    /// `running`, `succeeded`, `failed`.
    pub status: String,
    /// Failure message.
    pub error: Option<String>,
    /// Clues found.
    pub n_clues: i64,
    /// New clues.
    pub n_new: i64,
    /// Clues gone.
    pub n_gone: i64,
    /// Start.
    pub started_at: String,
    /// End.
    pub finished_at: Option<String>,
    /// Wall time.
    pub duration_ms: Option<i64>,
    /// Who.
    pub actor: String,
    /// What the run said before it ran: fields bound by type, optional fields left empty,
    /// roles joined through entity linkage (Chinese and English).
    pub notices: Vec<procura_models::manifest::Names>,
}

/// Stages a run goes through, for progress display.
pub trait RunProgress: Sync {
    /// A stage starts (`binding`, `executing`, `recording`).
    fn stage(&self, _model_id: &str, _stage: &str) {}
    /// Something the person should know before the model runs (see [`RunInfo::notices`]).
    fn notice(&self, _model_id: &str, _notice: &procura_models::manifest::Names) {}
}

/// Ignores progress.
pub struct NoRunProgress;

impl RunProgress for NoRunProgress {}

impl App {
    /// Runs one model. Binding problems are errors before anything is recorded; a failure
    /// while executing is recorded as a failed run and returned as an error.
    pub async fn run_model(
        &self,
        actor: &Actor,
        request: &RunRequest,
        progress: &dyn RunProgress,
    ) -> Result<RunInfo> {
        let object = format!("model:{}", request.model);
        self.require(actor, crate::Capability::RunModels, &object)
            .await?;
        let entry = self.model(actor, &request.model)?;
        let model = &entry.model;
        self.require_model_area(actor, model, &object).await?;
        progress.stage(&model.meta.id, "binding");
        let (inputs, used) = self.bind_inputs(model, &request.bindings).await?;
        let params: BTreeMap<String, String> = request.params.iter().cloned().collect();
        let today = self.now().date_naive();
        let prepared = run::prepare(model, &inputs, &params, today)?;
        let params_json = json!(
            prepared
                .params
                .iter()
                .map(|(k, v)| (k.clone(), v.display()))
                .collect::<BTreeMap<_, _>>()
        )
        .to_string();
        let inputs_json = serde_json::to_string(
            &used
                .iter()
                .map(|u| json!({"role": u.role, "dataset": u.dataset, "version": u.version, "version_id": u.version_id, "rows": u.rows}))
                .collect::<Vec<_>>(),
        )
        .map_err(|e| Error::Internal(e.to_string()))?;
        for notice in &prepared.notices {
            progress.notice(&model.meta.id, notice);
        }
        let notices_json =
            serde_json::to_string(&prepared.notices).map_err(|e| Error::Internal(e.to_string()))?;

        let started = Instant::now();
        let started_at = self.now_text();
        let mut tx = self.store.begin().await?;
        let run_id = runs::start(
            &mut tx,
            &NewRun {
                model_id: &model.meta.id,
                model_version: &model.meta.version,
                model_digest: &model.digest,
                parameters_json: &params_json,
                inputs_json: &inputs_json,
                notices_json: &notices_json,
                actor: actor.name(),
                now: &started_at,
            },
        )
        .await?;
        tx.commit().await.map_err(procura_store::Error::from)?;

        progress.stage(&model.meta.id, "executing");
        let executed = run::execute_prepared(model, &prepared).await;
        let execution = match executed {
            Ok(execution) => execution,
            Err(error) => {
                let message = error.to_string();
                let mut tx = self.store.begin().await?;
                runs::finish(
                    &mut tx,
                    run_id,
                    &RunEnd {
                        status: "failed",
                        error: Some(&message),
                        n_clues: 0,
                        n_new: 0,
                        n_gone: 0,
                        finished_at: &self.now_text(),
                        duration_ms: started.elapsed().as_millis() as i64,
                    },
                )
                .await?;
                tx.commit().await.map_err(procura_store::Error::from)?;
                return Err(error.into());
            }
        };

        progress.stage(&model.meta.id, "recording");
        let now = self.now_text();
        let mut tx = self.store.begin().await?;
        let found: Vec<_> = execution
            .hits
            .iter()
            .map(|hit| found_clue(model, hit, &used))
            .collect::<Result<_>>()?;
        let records: Vec<FoundClue<'_>> = execution
            .hits
            .iter()
            .zip(&found)
            .map(|(hit, found)| FoundClue {
                fingerprint: &found.fingerprint,
                model_id: &model.meta.id,
                key_json: &found.key_json,
                title: &hit.title,
                severity: &hit.severity,
                amount_fen: hit.amount_fen,
                match_strength: hit.match_strength.as_deref(),
                fields_json: &found.fields_json,
                subjects: &found.subjects,
                evidence: &found.evidence,
            })
            .collect();
        let upserted = clues::upsert_all(
            &mut tx,
            &model.meta.id,
            &records,
            run_id,
            actor.name(),
            &now,
        )
        .await?;
        let n_new = upserted
            .iter()
            .filter(|u| matches!(u, Upserted::Created(_)))
            .count() as i64;
        let n_gone = clues::mark_gone(&mut tx, &model.meta.id, run_id, actor.name(), &now).await?;
        procura_store::users::route_clues(&mut tx, &model.meta.id, model.meta.area.code()).await?;
        // Parameters the caller set explicitly: the departures from the model's defaults.
        let changed: BTreeMap<String, String> = request
            .params
            .iter()
            .filter_map(|(name, _)| {
                prepared
                    .params
                    .get(name)
                    .map(|v| (name.clone(), v.display()))
            })
            .collect();
        self.audit(
            &mut tx,
            actor,
            Event::ok(Action::ModelRun, format!("model:{}", model.meta.id)).detail(json!({
                "run": run_id,
                "clues": execution.hits.len(),
                "new": n_new,
                "gone": n_gone,
                "changed_params": changed,
                "inputs": used.iter().map(|u| format!("{}@{}", u.dataset, u.version)).collect::<Vec<_>>(),
            })),
        )
        .await?;
        runs::finish(
            &mut tx,
            run_id,
            &RunEnd {
                status: "succeeded",
                error: None,
                n_clues: execution.hits.len() as i64,
                n_new,
                n_gone,
                finished_at: &now,
                duration_ms: started.elapsed().as_millis() as i64,
            },
        )
        .await?;
        tx.commit().await.map_err(procura_store::Error::from)?;
        self.show_run(actor, run_id).await
    }

    /// What a run of the model would say before it runs (see [`RunInfo::notices`]): binds
    /// and compiles as [`App::run_model`] does, runs nothing. Binding errors are errors.
    pub async fn plan_run(
        &self,
        actor: &Actor,
        request: &RunRequest,
    ) -> Result<Vec<procura_models::manifest::Names>> {
        self.may_run_model(actor, &request.model).await?;
        let entry = self.model(actor, &request.model)?;
        let (inputs, _) = self.bind_inputs(&entry.model, &request.bindings).await?;
        let params: BTreeMap<String, String> = request.params.iter().cloned().collect();
        let prepared = run::prepare(&entry.model, &inputs, &params, self.now().date_naive())?;
        Ok(prepared.notices)
    }

    /// Whether `actor` may run the model: the run right, the model exists, and it belongs to
    /// an area the actor may run (see [`App::require_model_area`]). Refusals are recorded.
    pub async fn may_run_model(&self, actor: &Actor, model_id: &str) -> Result<()> {
        let object = format!("model:{model_id}");
        self.require(actor, crate::Capability::RunModels, &object)
            .await?;
        let entry = self.model(actor, model_id)?;
        self.require_model_area(actor, &entry.model, &object).await
    }

    /// Running a model changes what every department sees, so beyond the run right a department
    /// head may run only the models of the areas their own department handles; the model
    /// administrator runs any.
    pub(crate) async fn require_model_area(
        &self,
        actor: &Actor,
        model: &Model,
        object: &str,
    ) -> Result<()> {
        let Some(principal) = actor.principal() else {
            return Ok(());
        };
        if principal.roles.contains(&crate::Role::ModelAdmin) {
            return Ok(());
        }
        let area = model.meta.area.code();
        let mut connection = self.connection().await?;
        let handles = procura_store::users::departments(&mut connection)
            .await?
            .into_iter()
            .any(|d| Some(d.id) == principal.department_id && d.areas.iter().any(|a| a == area));
        drop(connection);
        if handles {
            return Ok(());
        }
        self.audit_denied(actor, object, "model_outside_own_area")
            .await?;
        Err(Error::Forbidden(format!(
            "只有模型管理员或「{}」业务部门负责人可以运行此模型 (only the model administrator or the head of the {} department may run this model)",
            model.meta.area.zh(),
            area
        )))
    }

    /// The SQL a model compiles to against the current datasets (for review, and for running
    /// the same query in another engine), with the table name → Parquet file it reads.
    pub async fn model_sql(
        &self,
        actor: &Actor,
        request: &RunRequest,
    ) -> Result<(String, Vec<(String, std::path::PathBuf)>)> {
        let entry = self.model(actor, &request.model)?;
        let (inputs, _) = self.bind_inputs(&entry.model, &request.bindings).await?;
        let params: BTreeMap<String, String> = request.params.iter().cloned().collect();
        let prepared = run::prepare(&entry.model, &inputs, &params, self.now().date_naive())?;
        let tables = inputs
            .iter()
            .map(|i| (format!("__ds_{}", i.role), i.path.clone()))
            .collect();
        Ok((prepared.sql().to_owned(), tables))
    }

    pub(crate) async fn bind_inputs(
        &self,
        model: &Model,
        bindings: &[String],
    ) -> Result<(Vec<BoundInput>, Vec<RunInput>)> {
        let mut datasets: BTreeMap<String, (String, Option<i64>)> = BTreeMap::new();
        let mut overrides: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        for binding in bindings {
            let (left, right) = binding.split_once('=').ok_or_else(|| {
                Error::Invalid(format!(
                    "binding `{binding}`: expected role=dataset[@version] or role.field=column"
                ))
            })?;
            let (left, right) = (left.trim(), right.trim());
            match left.split_once('.') {
                Some((role, field)) => {
                    overrides
                        .entry(role.to_owned())
                        .or_default()
                        .insert(field.to_owned(), right.to_owned());
                }
                None => {
                    let (dataset, version) = match right.split_once('@') {
                        Some((dataset, version)) => (
                            dataset,
                            Some(version.trim_start_matches('v').parse::<i64>().map_err(|_| {
                                Error::Invalid(format!("binding `{binding}`: `{version}` is not a version number"))
                            })?),
                        ),
                        None => (right, None),
                    };
                    datasets.insert(left.to_owned(), (dataset.to_owned(), version));
                }
            }
        }
        for role in datasets.keys().chain(overrides.keys()) {
            if !model.inputs.iter().any(|i| &i.role == role) {
                return Err(Error::Invalid(format!(
                    "model {} has no role `{role}` (roles: {})",
                    model.meta.id,
                    model
                        .inputs
                        .iter()
                        .map(|i| i.role.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
        }
        let (person_links, org_links) = self.link_tables().await?;
        let mut connection = self.connection().await?;
        let mut inputs = Vec::new();
        let mut used = Vec::new();
        for input in &model.inputs {
            let explicit = datasets.get(&input.role).cloned();
            let (dataset, version) = explicit
                .clone()
                .unwrap_or_else(|| (input.dataset.clone(), None));
            let found = catalog::version(&mut connection, &dataset, version).await?;
            if found.is_none() && input.optional && explicit.is_none() {
                // An optional role without its dataset has no rows; the run says so.
                continue;
            }
            let record = found.ok_or_else(|| {
                Error::NotFound(match version {
                    Some(v) => format!("model {}, role `{}`: dataset `{dataset}` has no version {v}", model.meta.id, input.role),
                    None => format!(
                        "model {}, role `{}` ({}): no dataset named `{dataset}`; ingest it or bind another with --bind {}=DATASET",
                        model.meta.id, input.role, input.label, input.role
                    ),
                })
            })?;
            let info = self.version_info(record)?;
            // `--bind role.field=处罚事由`: a column may be named by its header as written.
            if let Some(role_overrides) = overrides.get_mut(&input.role) {
                for wanted in role_overrides.values_mut() {
                    if info.columns.iter().any(|c| &c.name == wanted) {
                        continue;
                    }
                    let cleaned = procura_core::field::clean_header(wanted);
                    if let Some(column) = info
                        .columns
                        .iter()
                        .find(|c| procura_core::field::clean_header(&c.source) == cleaned)
                    {
                        *wanted = column.name.clone();
                    }
                }
            }
            let link = role_link(
                input,
                &info,
                &overrides,
                person_links.as_ref(),
                org_links.as_ref(),
            );
            inputs.push(BoundInput {
                role: input.role.clone(),
                dataset: dataset.clone(),
                path: info.path.clone(),
                columns: info
                    .columns
                    .iter()
                    .map(|c| Column {
                        name: c.name.clone(),
                        field_type: c.field_type,
                    })
                    .collect(),
                overrides: overrides.get(&input.role).cloned().unwrap_or_default(),
                link,
            });
            used.push(RunInput {
                role: input.role.clone(),
                dataset,
                version: info.version,
                version_id: info.id,
                rows: info.n_rows,
            });
        }
        // The entity links a run joined are inputs too: the same clue needs the same links.
        for (table, links) in [
            ("__links_person", &person_links),
            ("__links_org", &org_links),
        ] {
            let Some(links) = links else { continue };
            if inputs
                .iter()
                .any(|i| i.link.as_ref().is_some_and(|l| l.table == table))
            {
                used.push(RunInput {
                    role: table.to_owned(),
                    dataset: links.dataset.clone(),
                    version: links.version,
                    version_id: links.id,
                    rows: links.n_rows,
                });
            }
        }
        Ok((inputs, used))
    }

    /// The newest runs, optionally of one model.
    pub async fn list_runs(
        &self,
        actor: &Actor,
        model_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<RunInfo>> {
        self.require(actor, crate::Capability::ReadModels, "runs")
            .await?;
        let mut connection = self.connection().await?;
        runs::list(&mut connection, model_id, limit)
            .await?
            .into_iter()
            .map(run_info)
            .collect()
    }

    /// One run.
    pub async fn show_run(&self, actor: &Actor, id: i64) -> Result<RunInfo> {
        self.require(actor, crate::Capability::ReadModels, "runs")
            .await?;
        let mut connection = self.connection().await?;
        let record = runs::get(&mut connection, id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("no run {id}")))?;
        run_info(record)
    }
}

/// Which entity links cover a role: person links when the role reads the dataset's person-ID
/// column, else organisation links when it reads its org-ID column.
fn role_link(
    input: &procura_models::manifest::Input,
    info: &crate::datasets::VersionInfo,
    overrides: &BTreeMap<String, BTreeMap<String, String>>,
    person_links: Option<&crate::datasets::VersionInfo>,
    org_links: Option<&crate::datasets::VersionInfo>,
) -> Option<procura_models::binding::RoleLink> {
    use procura_models::manifest::FieldKind;
    let bound_column = |field: &procura_models::manifest::InputField| {
        overrides
            .get(&input.role)
            .and_then(|o| o.get(&field.name))
            .cloned()
            .unwrap_or_else(|| field.name.clone())
    };
    let reads = |kind: FieldKind, column: &str| {
        input
            .fields
            .iter()
            // A party field reads persons and organisations alike.
            .any(|f| (f.kind == kind || f.kind == FieldKind::PartyId) && bound_column(f) == column)
    };
    if let (Some(links), Some(columns)) =
        (person_links, crate::linkage::person_columns(&info.columns))
        && reads(FieldKind::PersonId, &columns.id)
    {
        return Some(procura_models::binding::RoleLink {
            table: "__links_person".into(),
            path: links.path.clone(),
            version_id: info.id,
            column: columns.id,
        });
    }
    if let (Some(links), Some((column, _))) =
        (org_links, crate::linkage::org_columns(&info.columns))
        && reads(FieldKind::OrgId, &column)
    {
        return Some(procura_models::binding::RoleLink {
            table: "__links_org".into(),
            path: links.path.clone(),
            version_id: info.id,
            column,
        });
    }
    None
}

struct Found {
    fingerprint: String,
    key_json: String,
    fields_json: String,
    subjects: Vec<SubjectRecord>,
    evidence: Vec<(String, i64, Vec<i64>)>,
}

/// The fingerprint of a clue: BLAKE3 of the model id and the key values.
pub fn fingerprint(model_id: &str, key: &[String]) -> String {
    let mut text = String::from(model_id);
    for part in key {
        text.push('\u{1f}');
        text.push_str(part);
    }
    blake3::hash(text.as_bytes()).to_hex().to_string()
}

fn found_clue(model: &Model, hit: &ClueHit, used: &[RunInput]) -> Result<Found> {
    let fields: serde_json::Map<String, serde_json::Value> = hit
        .fields
        .iter()
        .map(|(k, v)| (k.clone(), v.json.clone()))
        .collect();
    let mut evidence = Vec::new();
    for (role, ids) in &hit.evidence {
        let version = used
            .iter()
            .find(|u| &u.role == role)
            .ok_or_else(|| Error::Internal(format!("evidence for unbound role {role}")))?;
        evidence.push((role.clone(), version.version_id, ids.clone()));
    }
    Ok(Found {
        fingerprint: fingerprint(&model.meta.id, &hit.key),
        key_json: serde_json::to_string(&hit.key).map_err(|e| Error::Internal(e.to_string()))?,
        fields_json: serde_json::Value::Object(fields).to_string(),
        subjects: hit
            .subjects
            .iter()
            .map(|s| SubjectRecord {
                kind: s.kind.clone(),
                identifier: s.id.clone(),
                name: s.name.clone(),
            })
            .collect(),
        evidence,
    })
}

fn run_info(record: RunRecord) -> Result<RunInfo> {
    let params: BTreeMap<String, String> = serde_json::from_str(&record.parameters_json)
        .map_err(|e| Error::Internal(format!("run {} parameters: {e}", record.id)))?;
    let inputs: Vec<serde_json::Value> = serde_json::from_str(&record.inputs_json)
        .map_err(|e| Error::Internal(format!("run {} inputs: {e}", record.id)))?;
    Ok(RunInfo {
        id: record.id,
        model_id: record.model_id,
        model_version: record.model_version,
        model_digest: record.model_digest,
        params,
        inputs: inputs
            .iter()
            .map(|v| RunInput {
                role: v["role"].as_str().unwrap_or_default().to_owned(),
                dataset: v["dataset"].as_str().unwrap_or_default().to_owned(),
                version: v["version"].as_i64().unwrap_or_default(),
                version_id: v["version_id"].as_i64().unwrap_or_default(),
                rows: v["rows"].as_i64().unwrap_or_default(),
            })
            .collect(),
        status: record.status,
        error: record.error,
        n_clues: record.n_clues,
        n_new: record.n_new,
        n_gone: record.n_gone,
        started_at: record.started_at,
        finished_at: record.finished_at,
        duration_ms: record.duration_ms,
        actor: record.actor,
        notices: serde_json::from_str(&record.notices_json)
            .map_err(|e| Error::Internal(format!("run {} notices: {e}", record.id)))?,
    })
}
