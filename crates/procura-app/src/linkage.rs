//! Entity linkage over the catalog: which rows of which datasets are the same person (or the
//! same organisation). The records come from every dataset with an ID column; the results are
//! dataset versions like any other (`person_links`, `org_links`, `person_link_pairs`,
//! `person_link_findings`), the trained model is saved in the workspace and reused, and a
//! person's confirmations and rejections persist in the store and override the model.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::NaiveDate;
use procura_core::field::FieldType;
use procura_core::names::DatasetName;
use procura_link::cluster::Strength;
use procura_link::org::{OrgRow, OrgStats};
use procura_link::record::{RawPerson, Record, Source};
use procura_link::{Judgement, LinkResult, Settings, TrainedModel};
use procura_models::arrow::array::{
    Array, ArrayRef, AsArray, Float64Array, Int64Array, RecordBatch, StringArray,
};
use procura_models::arrow::compute::cast;
use procura_models::arrow::datatypes::{DataType, Date32Type, Field, Int64Type, Schema};
use procura_models::{Engine, TableSource};
use procura_store::{catalog, links};

use crate::datasets::{ColumnInfo, Publication, VersionInfo};
use crate::error::{Error, Result};
use crate::{Actor, App};

/// Dataset names linkage writes; they are never linkage inputs.
pub const PERSON_LINKS: &str = "person_links";
/// Organisation links.
pub const ORG_LINKS: &str = "org_links";
/// Scored pairs of person records.
pub const PERSON_PAIRS: &str = "person_link_pairs";
/// Deterministic findings (same ID, different name; declared fields contradicting the ID).
pub const PERSON_FINDINGS: &str = "person_link_findings";
const DERIVED: [&str; 4] = [PERSON_LINKS, ORG_LINKS, PERSON_PAIRS, PERSON_FINDINGS];

/// What to link.
#[derive(Debug, Clone, Default)]
pub struct LinkRequest {
    /// Datasets to read (empty: every dataset with an ID column).
    pub datasets: Vec<String>,
    /// Train a new model even if one is saved.
    pub retrain: bool,
    /// Pairs at or above this probability are `probable` links (default 0.9).
    pub probable: Option<f64>,
    /// Pairs at or above this probability are `strong` links (default 0.95).
    pub strong: Option<f64>,
    /// Blocking rules by code, in order (empty: the defaults).
    pub rules: Vec<String>,
}

/// What a linkage run did.
#[derive(Debug, Clone)]
pub struct LinkReport {
    /// Person linkage counts and stage times.
    pub stats: procura_link::Stats,
    /// Organisation linkage counts.
    pub org_stats: OrgStats,
    /// Whether the model was trained in this run.
    pub trained: bool,
    /// The saved model.
    pub model_path: PathBuf,
    /// The person links version.
    pub person_links: Option<VersionInfo>,
    /// The organisation links version.
    pub org_links: Option<VersionInfo>,
    /// The scored pairs version.
    pub pairs: Option<VersionInfo>,
    /// The findings version.
    pub findings: Option<VersionInfo>,
    /// Number of findings.
    pub n_findings: usize,
    /// Datasets read, with their ID column.
    pub sources: Vec<(String, String)>,
}

/// How one dataset's columns serve linkage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PersonColumns {
    pub(crate) id: String,
    pub(crate) name: Option<String>,
    pub(crate) birth: Option<String>,
    pub(crate) gender: Option<String>,
    pub(crate) region: Option<String>,
    pub(crate) address: Option<String>,
    pub(crate) phone: Option<String>,
}

/// The person columns of a dataset: its `person_id` (else first person-ID) column, and the
/// name, birth date, gender, region, address and phone columns that describe the same person.
pub(crate) fn person_columns(columns: &[ColumnInfo]) -> Option<PersonColumns> {
    let of_type = |t: FieldType| columns.iter().filter(move |c| c.field_type == t);
    let id = columns
        .iter()
        .find(|c| c.name == "person_id" && c.field_type == FieldType::PersonId)
        .or_else(|| of_type(FieldType::PersonId).next())?
        .name
        .clone();
    let prefix = id
        .strip_suffix("_id")
        .filter(|p| *p != "person")
        .map(str::to_owned);
    let name = prefix
        .as_ref()
        .and_then(|p| {
            columns
                .iter()
                .find(|c| &c.name == p && c.field_type == FieldType::Name)
        })
        .or_else(|| {
            columns
                .iter()
                .find(|c| c.name == "name" && c.field_type == FieldType::Name)
        })
        .or_else(|| of_type(FieldType::Name).next())
        .map(|c| c.name.clone());
    let named = |name: &str, types: &[FieldType]| {
        columns
            .iter()
            .find(|c| c.name == name && types.contains(&c.field_type))
            .map(|c| c.name.clone())
    };
    Some(PersonColumns {
        id,
        name,
        birth: named("birth_date", &[FieldType::Date]),
        gender: of_type(FieldType::Gender).next().map(|c| c.name.clone()),
        region: named("region_code", &[FieldType::RegionCode]),
        address: named("address", &[FieldType::Text]),
        phone: named("phone", &[FieldType::Phone]),
    })
}

/// The organisation columns of a dataset: its org-ID column and the company name.
pub(crate) fn org_columns(columns: &[ColumnInfo]) -> Option<(String, Option<String>)> {
    let id = columns
        .iter()
        .find(|c| c.name == "org_id" && c.field_type == FieldType::OrgId)
        .or_else(|| columns.iter().find(|c| c.field_type == FieldType::OrgId))?
        .name
        .clone();
    let name = columns
        .iter()
        .find(|c| {
            c.name == "org_name" && matches!(c.field_type, FieldType::OrgName | FieldType::Name)
        })
        .or_else(|| columns.iter().find(|c| c.field_type == FieldType::OrgName))
        .map(|c| c.name.clone());
    Some((id, name))
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn text_column(batch: &RecordBatch, name: &str) -> Result<Option<StringArray>> {
    let Some(array) = batch.column_by_name(name) else {
        return Ok(None);
    };
    let text = cast(array, &DataType::Utf8).map_err(|e| Error::Internal(e.to_string()))?;
    Ok(text.as_any().downcast_ref::<StringArray>().cloned())
}

fn text_at(array: &Option<StringArray>, row: usize) -> Option<String> {
    array
        .as_ref()
        .filter(|a| !a.is_null(row))
        .map(|a| a.value(row).to_owned())
        .filter(|s| !s.is_empty())
}

/// Rows of the person records: for every input row, its distinct record.
struct PersonInput {
    records: Vec<Record>,
    rows: Vec<RowRef>,
    sources: Vec<InputSource>,
}

/// One input row: which source, which `_row_id`, which distinct record.
#[derive(Debug, Clone, Copy)]
struct RowRef {
    source: u32,
    row_id: i64,
    record: u32,
}

/// One dataset version read, with the ID column its rows were linked by.
#[derive(Debug, Clone)]
struct InputSource {
    dataset: String,
    version_id: i64,
    id_column: String,
}

impl App {
    async fn linkable_versions(&self, wanted: &[String]) -> Result<Vec<VersionInfo>> {
        let list = self.list_datasets_inner().await?;
        for name in wanted {
            if !list.iter().any(|d| &d.name == name) {
                return Err(Error::NotFound(format!("no dataset named `{name}`")));
            }
        }
        Ok(list
            .into_iter()
            .filter(|d| !DERIVED.contains(&d.name.as_str()))
            .filter(|d| wanted.is_empty() || wanted.contains(&d.name))
            .map(|d| d.latest)
            .collect())
    }

    async fn read_person_input(
        &self,
        versions: &[VersionInfo],
        today: NaiveDate,
    ) -> Result<PersonInput> {
        let mut records: Vec<Record> = Vec::new();
        // Records are large: growing the vectors by doubling would copy them again and again.
        let expected: usize = versions.iter().map(|v| v.n_rows as usize).sum();
        records.reserve(expected);
        let mut by_key: procura_link::Map<String, u32> = procura_link::Map::default();
        by_key.reserve(expected);
        let mut rows = Vec::with_capacity(expected);
        let mut sources = Vec::new();
        for version in versions {
            let Some(columns) = person_columns(&version.columns) else {
                continue;
            };
            let source_index = sources.len() as u32;
            sources.push(InputSource {
                dataset: version.dataset.clone(),
                version_id: version.id,
                id_column: columns.id.clone(),
            });
            let engine = Engine::new(
                &[TableSource {
                    name: "input".into(),
                    path: version.path.clone(),
                }],
                today,
            )
            .await?;
            let has_raw = true;
            let mut select = vec![quote("_row_id"), format!("{} AS id", quote(&columns.id))];
            if has_raw {
                select.push(format!(
                    "{} AS id_raw",
                    quote(&format!("{}__raw", columns.id))
                ));
            }
            for (alias, column) in [
                ("name", &columns.name),
                ("birth", &columns.birth),
                ("gender", &columns.gender),
                ("region", &columns.region),
                ("address", &columns.address),
                ("phone", &columns.phone),
            ] {
                if let Some(column) = column {
                    select.push(format!("{} AS {alias}", quote(column)));
                }
            }
            let sql = format!("SELECT {} FROM input", select.join(", "));
            let dataset = version.dataset.clone();
            let version_id = version.id;
            engine
                .for_each_batch(&sql, |batch| -> Result<()> {
                    let mut fresh: Vec<(Source, RawPerson)> = Vec::new();
                    let row_ids = cast(batch.column(0), &DataType::Int64)
                        .map_err(|e| Error::Internal(e.to_string()))?;
                    let row_ids = row_ids.as_primitive::<Int64Type>();
                    let id = text_column(batch, "id")?;
                    let id_raw = text_column(batch, "id_raw")?;
                    let name = text_column(batch, "name")?;
                    let gender = text_column(batch, "gender")?;
                    let region = text_column(batch, "region")?;
                    let address = text_column(batch, "address")?;
                    let phone = text_column(batch, "phone")?;
                    let birth = batch
                        .column_by_name("birth")
                        .map(|a| cast(a, &DataType::Date32))
                        .transpose()
                        .map_err(|e| Error::Internal(e.to_string()))?;
                    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
                    for row in 0..batch.num_rows() {
                        let birth_date = birth.as_ref().filter(|a| !a.is_null(row)).map(|a| {
                            let days = a.as_primitive::<Date32Type>().value(row);
                            epoch + chrono::Duration::days(i64::from(days))
                        });
                        let raw = RawPerson {
                            person_id: text_at(&id, row),
                            person_id_raw: text_at(&id_raw, row),
                            name: text_at(&name, row),
                            birth_date,
                            gender: text_at(&gender, row),
                            region: text_at(&region, row),
                            address: text_at(&address, row),
                            phone: text_at(&phone, row),
                        };
                        if raw.person_id.is_none()
                            && raw.person_id_raw.is_none()
                            && raw.name.is_none()
                        {
                            continue;
                        }
                        let source = Source {
                            dataset: dataset.clone(),
                            version_id,
                            row_id: row_ids.value(row),
                        };
                        fresh.push((source, raw));
                    }
                    // Deriving features (name forms, pinyin, ID parsing, the content key) is
                    // the costly part, done in parallel; identical rows then share a record.
                    for record in procura_link::record::records_from_raw(fresh, today) {
                        let row_id = record.source.row_id;
                        let next = records.len() as u32;
                        let index = *by_key.entry(record.key.clone()).or_insert(next);
                        if index == next {
                            records.push(record);
                        }
                        rows.push(RowRef {
                            source: source_index,
                            row_id,
                            record: index,
                        });
                    }
                    Ok(())
                })
                .await?;
        }
        Ok(PersonInput {
            records,
            rows,
            sources,
        })
    }

    /// Trains the person linkage model on the current datasets and saves it.
    pub async fn link_train(
        &self,
        actor: &Actor,
        request: &LinkRequest,
    ) -> Result<(TrainedModel, PathBuf)> {
        self.require(actor, crate::Capability::RunModels, "linkage")
            .await?;
        self.audit_alone(
            actor,
            crate::audit::Event::ok(crate::audit::Action::Linkage, "linkage")
                .detail(serde_json::json!({ "operation": "link_train" })),
        )
        .await?;
        let versions = self.linkable_versions(&request.datasets).await?;
        let input = self
            .read_person_input(&versions, self.now().date_naive())
            .await?;
        let settings = settings(request)?;
        let records = input.records;
        let model = tokio::task::spawn_blocking(move || procura_link::train(&records, &settings))
            .await
            .map_err(|e| Error::Internal(e.to_string()))?;
        let path = self.save_link_model(&model)?;
        Ok((model, path))
    }

    fn model_path(&self) -> PathBuf {
        self.workspace
            .root()
            .join("linkage")
            .join("person-model.json")
    }

    fn save_link_model(&self, model: &TrainedModel) -> Result<PathBuf> {
        let path = self.model_path();
        let dir = path.parent().map(PathBuf::from).unwrap_or_default();
        std::fs::create_dir_all(&dir).map_err(Error::io("cannot create", &dir))?;
        let text =
            serde_json::to_string_pretty(model).map_err(|e| Error::Internal(e.to_string()))?;
        let temp = dir.join(format!(".person-model.{}.part", std::process::id()));
        std::fs::write(&temp, text).map_err(Error::io("cannot write", &temp))?;
        std::fs::rename(&temp, &path).map_err(Error::io("cannot write", &path))?;
        Ok(path)
    }

    fn load_link_model(&self) -> Result<Option<TrainedModel>> {
        let path = self.model_path();
        if !path.is_file() {
            return Ok(None);
        }
        let text = std::fs::read_to_string(&path).map_err(Error::io("cannot read", &path))?;
        serde_json::from_str(&text).map(Some).map_err(|e| {
            Error::Invalid(format!(
                "{}: {e} (remove it or run `procura link train`)",
                path.display()
            ))
        })
    }

    async fn judgements(&self) -> Result<Vec<Judgement>> {
        let mut connection = self.connection().await?;
        Ok(links::judgements(&mut connection)
            .await?
            .into_iter()
            .map(|j| Judgement {
                left: j.left_key,
                right: j.right_key,
                same: j.same,
            })
            .collect())
    }

    /// Links persons and organisations across every dataset (or the given ones), and publishes
    /// the results as dataset versions.
    pub async fn link_run(&self, actor: &Actor, request: &LinkRequest) -> Result<LinkReport> {
        self.require(actor, crate::Capability::RunModels, "linkage")
            .await?;
        self.audit_alone(
            actor,
            crate::audit::Event::ok(crate::audit::Action::Linkage, "linkage")
                .detail(serde_json::json!({ "operation": "link_run" })),
        )
        .await?;
        let today = self.now().date_naive();
        let started = std::time::Instant::now();
        let versions = self.linkable_versions(&request.datasets).await?;
        let input = self.read_person_input(&versions, today).await?;
        tracing::info!(
            rows = input.rows.len(),
            records = input.records.len(),
            seconds = started.elapsed().as_secs_f64(),
            "link: person rows read"
        );
        // A model saved by an older version (other comparison levels) is retrained.
        let saved = if request.retrain {
            None
        } else {
            self.load_link_model()?.filter(TrainedModel::is_current)
        };
        let trained = saved.is_none();
        let judgements = self.judgements().await?;
        let settings = settings(request)?;
        let PersonInput {
            records,
            rows,
            sources,
        } = input;
        let mut result: LinkResult = tokio::task::spawn_blocking(move || {
            procura_link::link(records, &settings, saved, &judgements)
        })
        .await
        .map_err(|e| Error::Internal(e.to_string()))?;
        tracing::info!(seconds = started.elapsed().as_secs_f64(), "link: linked");
        // The records were made distinct while reading; the input rows are the dataset rows.
        result.stats.rows = rows.len();
        let model_path = if trained {
            self.save_link_model(&result.model)?
        } else {
            self.model_path()
        };

        // Person links: one row per input row.
        let person_links = if rows.is_empty() {
            None
        } else {
            let mut builder = LinkRows::default();
            for row in &rows {
                let source = &sources[row.source as usize];
                builder.push(
                    &source.dataset,
                    source.version_id,
                    row.row_id,
                    &source.id_column,
                    &result.records[row.record as usize].key,
                    &result.assignments[row.record as usize],
                );
            }
            Some(
                self.publish_rows(actor, PERSON_LINKS, builder.batch()?, "procura link run")
                    .await?,
            )
        };
        let pairs = if result.pairs.is_empty() {
            None
        } else {
            Some(
                self.publish_rows(
                    actor,
                    PERSON_PAIRS,
                    pairs_batch(&result)?,
                    "procura link run",
                )
                .await?,
            )
        };
        let findings = if result.findings.is_empty() {
            None
        } else {
            Some(
                self.publish_rows(
                    actor,
                    PERSON_FINDINGS,
                    findings_batch(&result)?,
                    "procura link run",
                )
                .await?,
            )
        };

        tracing::info!(
            seconds = started.elapsed().as_secs_f64(),
            "link: person results published"
        );
        // Organisations.
        let (org_rows, org_sources) = self.read_org_rows(&versions, today).await?;
        let (org_assignments, org_stats) = procura_link::org::link_orgs(&org_rows);
        let org_links = if org_rows.is_empty() {
            None
        } else {
            let mut builder = LinkRows::default();
            for ((row, assignment), id_column) in
                org_rows.iter().zip(&org_assignments).zip(&org_sources)
            {
                builder.push(
                    &row.source.dataset,
                    row.source.version_id,
                    row.source.row_id,
                    id_column,
                    "",
                    assignment,
                );
            }
            Some(
                self.publish_rows(actor, ORG_LINKS, builder.batch()?, "procura link run")
                    .await?,
            )
        };
        Ok(LinkReport {
            n_findings: result.findings.len(),
            stats: result.stats,
            org_stats,
            trained,
            model_path,
            person_links,
            org_links,
            pairs,
            findings,
            sources: sources
                .into_iter()
                .map(|s| (s.dataset, s.id_column))
                .collect(),
        })
    }

    async fn read_org_rows(
        &self,
        versions: &[VersionInfo],
        today: NaiveDate,
    ) -> Result<(Vec<OrgRow>, Vec<String>)> {
        let mut rows = Vec::new();
        let mut id_columns = Vec::new();
        for version in versions {
            let Some((id, name)) = org_columns(&version.columns) else {
                continue;
            };
            let engine = Engine::new(
                &[TableSource {
                    name: "input".into(),
                    path: version.path.clone(),
                }],
                today,
            )
            .await?;
            let mut select = vec![
                quote("_row_id"),
                format!("{} AS id", quote(&id)),
                format!("{} AS id_raw", quote(&format!("{id}__raw"))),
            ];
            if let Some(name) = &name {
                select.push(format!("{} AS name", quote(name)));
            }
            let sql = format!("SELECT {} FROM input", select.join(", "));
            engine
                .for_each_batch(&sql, |batch| -> Result<()> {
                    let row_ids = cast(batch.column(0), &DataType::Int64)
                        .map_err(|e| Error::Internal(e.to_string()))?;
                    let row_ids = row_ids.as_primitive::<Int64Type>();
                    let ids = text_column(batch, "id")?;
                    let raws = text_column(batch, "id_raw")?;
                    let names = text_column(batch, "name")?;
                    for row in 0..batch.num_rows() {
                        let org = OrgRow {
                            source: Source {
                                dataset: version.dataset.clone(),
                                version_id: version.id,
                                row_id: row_ids.value(row),
                            },
                            org_id: text_at(&ids, row),
                            org_id_raw: text_at(&raws, row),
                            name: text_at(&names, row),
                        };
                        if org.org_id.is_some() || org.org_id_raw.is_some() || org.name.is_some() {
                            rows.push(org);
                            id_columns.push(id.clone());
                        }
                    }
                    Ok(())
                })
                .await?;
        }
        Ok((rows, id_columns))
    }

    async fn publish_rows(
        &self,
        actor: &Actor,
        dataset: &str,
        batch: RecordBatch,
        source: &str,
    ) -> Result<VersionInfo> {
        let name = DatasetName::parse(dataset)?;
        let temp = self.temp_path(dataset);
        let n_rows = batch.num_rows() as u64;
        let columns: Vec<ColumnInfo> = batch
            .schema()
            .fields()
            .iter()
            .filter(|f| f.name() != "_row_id")
            .map(|f| ColumnInfo {
                name: f.name().clone(),
                field_type: match f.data_type() {
                    DataType::Float64 | DataType::Int64 => FieldType::Number,
                    _ => FieldType::Text,
                },
                source: f.name().clone(),
            })
            .collect();
        let (digest, bytes) = write_parquet(&temp, &batch)?;
        let report = procura_ingest::QualityReport {
            rows_read: n_rows,
            rows_kept: n_rows,
            ..Default::default()
        };
        self.publish(
            actor,
            &name,
            Publication {
                temp,
                source: source.to_owned(),
                digest,
                bytes,
                n_rows,
                columns,
                report,
                mapping_toml: String::new(),
            },
        )
        .await
    }

    /// Writes the comparison features of every person row (see [`PERSON_LINKS`] for the rows
    /// linkage reads) to a Parquet file, through a temporary name. Returns the number of rows.
    pub async fn link_export_features(
        &self,
        actor: &Actor,
        datasets: &[String],
        out: &std::path::Path,
    ) -> Result<u64> {
        self.require(actor, crate::Capability::RunModels, "linkage")
            .await?;
        self.audit_alone(
            actor,
            crate::audit::Event::ok(crate::audit::Action::LinkageRead, "linkage")
                .detail(serde_json::json!({ "operation": "link_export_features" })),
        )
        .await?;
        let versions = self.linkable_versions(datasets).await?;
        let input = self
            .read_person_input(&versions, self.now().date_naive())
            .await?;
        let batch = features_batch(&input)?;
        let dir = out
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(std::path::Path::new("."));
        let temp = dir.join(format!(".procura-features.{}.part", std::process::id()));
        let _ = std::fs::remove_file(&temp);
        write_parquet(&temp, &batch)?;
        std::fs::rename(&temp, out).map_err(Error::io("cannot write", out))?;
        Ok(batch.num_rows() as u64)
    }

    /// Records a person's decision that two records are (or are not) the same person. Records
    /// are named by `dataset:row_id` (newest version) or by record key.
    pub async fn link_judge(
        &self,
        actor: &Actor,
        a: &str,
        b: &str,
        same: bool,
        note: Option<&str>,
    ) -> Result<(String, String)> {
        self.require(actor, crate::Capability::RunModels, "linkage")
            .await?;
        self.audit_alone(
            actor,
            crate::audit::Event::ok(crate::audit::Action::Linkage, "linkage")
                .detail(serde_json::json!({ "operation": "link_judge" })),
        )
        .await?;
        let left = self.record_key_of(a).await?;
        let right = self.record_key_of(b).await?;
        if left == right {
            return Err(Error::Invalid("both names refer to the same record".into()));
        }
        let now = self.now_text();
        let mut tx = self.store.begin().await?;
        links::judge(&mut tx, &left, &right, same, actor.name(), &now, note).await?;
        tx.commit().await.map_err(procura_store::Error::from)?;
        Ok((left, right))
    }

    /// Explains the match weight of two records, term by term.
    pub async fn link_explain(&self, actor: &Actor, a: &str, b: &str) -> Result<LinkExplanation> {
        self.require(actor, crate::Capability::ReadClues, "linkage")
            .await?;
        self.audit_alone(
            actor,
            crate::audit::Event::ok(crate::audit::Action::LinkageRead, "linkage")
                .detail(serde_json::json!({ "operation": "link_explain" })),
        )
        .await?;
        let model = self.load_link_model()?.ok_or_else(|| {
            Error::Invalid("no linkage model yet: run `procura link run` first".into())
        })?;
        let versions = self.linkable_versions(&[]).await?;
        let input = self
            .read_person_input(&versions, self.now().date_naive())
            .await?;
        let left = self.find_record(&input, a).await?;
        let right = self.find_record(&input, b).await?;
        let frequencies = procura_link::score::TermFrequencies::build(&input.records);
        let pattern = procura_link::compare::compare(&input.records[left], &input.records[right]);
        let explanation = procura_link::score::explain(
            &model.parameters,
            &frequencies,
            &input.records[left],
            &input.records[right],
            pattern,
        );
        Ok(LinkExplanation {
            left: describe(&input.records[left]),
            right: describe(&input.records[right]),
            explanation,
        })
    }

    async fn find_record(&self, input: &PersonInput, name: &str) -> Result<usize> {
        let key = self.record_key_of(name).await?;
        input
            .records
            .iter()
            .position(|r| r.key == key)
            .ok_or_else(|| Error::NotFound(format!("no person record `{name}`")))
    }

    /// Resolves `dataset:row_id` (newest version) to a record key; a key is returned as is.
    async fn record_key_of(&self, name: &str) -> Result<String> {
        let Some((dataset, row)) = name.split_once(':') else {
            return Ok(name.to_owned());
        };
        let row_id: i64 = row
            .parse()
            .map_err(|_| Error::Invalid(format!("`{name}`: expected DATASET:ROW_ID")))?;
        let mut connection = self.connection().await?;
        let record = catalog::version(&mut connection, dataset, None)
            .await?
            .ok_or_else(|| Error::NotFound(format!("no dataset named `{dataset}`")))?;
        drop(connection);
        let version = self.version_info(record)?;
        let input = self
            .read_person_input(std::slice::from_ref(&version), self.now().date_naive())
            .await?;
        let index = input
            .rows
            .iter()
            .find(|r| r.row_id == row_id)
            .map(|r| r.record)
            .ok_or_else(|| Error::NotFound(format!("`{name}`: no person record in that row")))?;
        Ok(input.records[index as usize].key.clone())
    }

    /// Pairs waiting for a person's decision: scored between the probable and the (default)
    /// strong threshold,
    /// not yet judged, most uncertain first.
    pub async fn link_review(&self, actor: &Actor, limit: usize) -> Result<Vec<ReviewPair>> {
        self.require(actor, crate::Capability::ReadClues, "linkage")
            .await?;
        self.audit_alone(
            actor,
            crate::audit::Event::ok(crate::audit::Action::LinkageRead, "linkage")
                .detail(serde_json::json!({ "operation": "link_review" })),
        )
        .await?;
        let mut connection = self.connection().await?;
        let Some(record) = catalog::version(&mut connection, PERSON_PAIRS, None).await? else {
            return Ok(Vec::new());
        };
        drop(connection);
        let version = self.version_info(record)?;
        let engine = Engine::new(
            &[TableSource {
                name: "pairs".into(),
                path: version.path.clone(),
            }],
            self.now().date_naive(),
        )
        .await?;
        let batches = engine
            .sql(&format!(
                "SELECT left_key, right_key, left_record, right_record, left_name, right_name, probability FROM pairs \
                 WHERE judged IS NULL AND probability < {strong} ORDER BY abs(probability - {middle}), left_key, right_key LIMIT {limit}",
                strong = Settings::default().strong,
                middle = (Settings::default().strong + Settings::default().probable) / 2.0,
            ))
            .await?;
        let mut out = Vec::new();
        for batch in &batches {
            let columns: Vec<Option<StringArray>> = (0..6)
                .map(|i| {
                    let name = batch.schema().field(i).name().clone();
                    text_column(batch, &name)
                })
                .collect::<Result<_>>()?;
            let probability = cast(batch.column(6), &DataType::Float64)
                .map_err(|e| Error::Internal(e.to_string()))?;
            let probability = probability.as_any().downcast_ref::<Float64Array>().cloned();
            for row in 0..batch.num_rows() {
                out.push(ReviewPair {
                    left_key: text_at(&columns[0], row).unwrap_or_default(),
                    right_key: text_at(&columns[1], row).unwrap_or_default(),
                    left: text_at(&columns[2], row).unwrap_or_default(),
                    right: text_at(&columns[3], row).unwrap_or_default(),
                    left_name: text_at(&columns[4], row),
                    right_name: text_at(&columns[5], row),
                    probability: probability.as_ref().map_or(0.0, |p| p.value(row)),
                });
            }
        }
        Ok(out)
    }

    /// The person and organisation link tables a model run should join, when linkage ran.
    pub(crate) async fn link_tables(&self) -> Result<(Option<VersionInfo>, Option<VersionInfo>)> {
        let mut connection = self.connection().await?;
        let person = catalog::version(&mut connection, PERSON_LINKS, None).await?;
        let org = catalog::version(&mut connection, ORG_LINKS, None).await?;
        drop(connection);
        Ok((
            person.map(|r| self.version_info(r)).transpose()?,
            org.map(|r| self.version_info(r)).transpose()?,
        ))
    }
}

/// A pair waiting for review.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewPair {
    /// Record keys (what `link confirm`/`reject` accept).
    pub left_key: String,
    /// Record keys.
    pub right_key: String,
    /// `dataset:row_id` of the left record.
    pub left: String,
    /// `dataset:row_id` of the right record.
    pub right: String,
    /// Names.
    pub left_name: Option<String>,
    /// Names.
    pub right_name: Option<String>,
    /// Match probability.
    pub probability: f64,
}

/// Two records and the weight of their match, term by term.
#[derive(Debug, Clone)]
pub struct LinkExplanation {
    /// The left record, described.
    pub left: String,
    /// The right record, described.
    pub right: String,
    /// The terms.
    pub explanation: procura_link::score::Explanation,
}

fn describe(record: &Record) -> String {
    format!(
        "{}:{} 姓名 {} 身份证号 {} 出生 {} 性别 {} 地区 {}",
        record.source.dataset,
        record.source.row_id,
        record.name.as_deref().unwrap_or("—"),
        record
            .id
            .as_deref()
            .or(record.id_digits.as_deref())
            .unwrap_or("—"),
        record.birth.map_or("—".into(), |b| b.to_string()),
        match record.gender {
            Some(1) => "男",
            Some(2) => "女",
            _ => "—",
        },
        record.region.map_or("—".into(), |r| r.to_string()),
    )
}

fn settings(request: &LinkRequest) -> Result<Settings> {
    use procura_link::blocking::BlockingRule;
    let defaults = Settings::default();
    let rules = if request.rules.is_empty() {
        defaults.rules.clone()
    } else {
        request
            .rules
            .iter()
            .map(|code| {
                BlockingRule::parse(code.trim()).ok_or_else(|| {
                    Error::Invalid(format!(
                        "unknown blocking rule `{code}`; known: {}",
                        BlockingRule::ALL
                            .iter()
                            .map(|r| r.code())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                })
            })
            .collect::<Result<Vec<_>>>()?
    };
    for (name, value) in [("probable", request.probable), ("strong", request.strong)] {
        if let Some(value) = value
            && !(0.5..=1.0).contains(&value)
        {
            return Err(Error::Invalid(format!(
                "--{name} {value}: a match probability threshold between 0.5 and 1"
            )));
        }
    }
    Ok(Settings {
        probable: request.probable.unwrap_or(defaults.probable),
        strong: request.strong.unwrap_or(defaults.strong),
        rules,
        ..defaults
    })
}

/// The rows of a links dataset, borrowed from the linkage result until written.
#[derive(Default)]
struct LinkRows<'a> {
    dataset: Vec<&'a str>,
    version_id: Vec<i64>,
    row_id: Vec<i64>,
    id_column: Vec<&'a str>,
    record_key: Vec<&'a str>,
    entity: Vec<&'a str>,
    strength: Vec<&'static str>,
    strength_rank: Vec<i64>,
    probability: Vec<f64>,
}

impl<'a> LinkRows<'a> {
    fn push(
        &mut self,
        dataset: &'a str,
        version_id: i64,
        row_id: i64,
        id_column: &'a str,
        key: &'a str,
        assignment: &'a procura_link::cluster::Assignment,
    ) {
        self.dataset.push(dataset);
        self.version_id.push(version_id);
        self.row_id.push(row_id);
        self.id_column.push(id_column);
        self.record_key.push(key);
        self.entity.push(&assignment.entity);
        self.strength.push(assignment.strength.code());
        self.strength_rank.push(assignment.strength.rank());
        self.probability.push(assignment.probability);
    }

    fn batch(self) -> Result<RecordBatch> {
        let n = self.dataset.len() as i64;
        let arrays: Vec<(&str, ArrayRef)> = vec![
            ("_row_id", Arc::new(Int64Array::from_iter_values(1..=n))),
            ("dataset", Arc::new(StringArray::from(self.dataset))),
            ("version_id", Arc::new(Int64Array::from(self.version_id))),
            ("row_id", Arc::new(Int64Array::from(self.row_id))),
            ("id_column", Arc::new(StringArray::from(self.id_column))),
            ("record_key", Arc::new(StringArray::from(self.record_key))),
            ("entity", Arc::new(StringArray::from(self.entity))),
            ("strength", Arc::new(StringArray::from(self.strength))),
            (
                "strength_rank",
                Arc::new(Int64Array::from(self.strength_rank)),
            ),
            (
                "probability",
                Arc::new(Float64Array::from(self.probability)),
            ),
        ];
        batch_of(arrays)
    }
}

fn batch_of(arrays: Vec<(&str, ArrayRef)>) -> Result<RecordBatch> {
    let schema = Arc::new(Schema::new(
        arrays
            .iter()
            .map(|(name, array)| Field::new(*name, array.data_type().clone(), true))
            .collect::<Vec<_>>(),
    ));
    RecordBatch::try_new(schema, arrays.into_iter().map(|(_, a)| a).collect())
        .map_err(|e| Error::Internal(e.to_string()))
}

fn pairs_batch(result: &LinkResult) -> Result<RecordBatch> {
    use procura_link::compare::{self, COMPARISONS};
    let n = result.pairs.len();
    let record = |i: u32| &result.records[i as usize];
    let name_of = |r: &Record| format!("{}:{}", r.source.dataset, r.source.row_id);
    let mut arrays: Vec<(&str, ArrayRef)> = vec![
        (
            "_row_id",
            Arc::new(Int64Array::from_iter_values(1..=n as i64)),
        ),
        (
            "left_key",
            Arc::new(StringArray::from_iter_values(
                result.pairs.iter().map(|p| record(p.a).key.as_str()),
            )),
        ),
        (
            "right_key",
            Arc::new(StringArray::from_iter_values(
                result.pairs.iter().map(|p| record(p.b).key.as_str()),
            )),
        ),
        (
            "left_record",
            Arc::new(StringArray::from_iter_values(
                result.pairs.iter().map(|p| name_of(record(p.a))),
            )),
        ),
        (
            "right_record",
            Arc::new(StringArray::from_iter_values(
                result.pairs.iter().map(|p| name_of(record(p.b))),
            )),
        ),
        (
            "left_name",
            Arc::new(StringArray::from_iter(
                result.pairs.iter().map(|p| record(p.a).name.as_deref()),
            )),
        ),
        (
            "right_name",
            Arc::new(StringArray::from_iter(
                result.pairs.iter().map(|p| record(p.b).name.as_deref()),
            )),
        ),
        (
            "probability",
            Arc::new(Float64Array::from_iter_values(
                result.pairs.iter().map(|p| p.probability),
            )),
        ),
        (
            "weight",
            Arc::new(Float64Array::from_iter_values(
                result.pairs.iter().map(|p| p.weight),
            )),
        ),
        (
            "judged",
            Arc::new(StringArray::from_iter(result.pairs.iter().map(|p| {
                p.judged
                    .map(|same| if same { "confirmed" } else { "rejected" })
            }))),
        ),
    ];
    let level_columns = [
        "name_level",
        "birth_level",
        "gender_level",
        "region_level",
        "id_level",
        "address_level",
        "phone_level",
    ];
    for (comparison, column) in COMPARISONS.iter().zip(level_columns) {
        let values: Vec<Option<&str>> = result
            .pairs
            .iter()
            .map(|p| {
                compare::level(p.pattern, *comparison).map(|l| comparison.levels()[l as usize])
            })
            .collect();
        arrays.push((column, Arc::new(StringArray::from(values))));
    }
    batch_of(arrays)
}

fn findings_batch(result: &LinkResult) -> Result<RecordBatch> {
    let mut kind = Vec::new();
    let mut id = Vec::new();
    let mut dataset = Vec::new();
    let mut version_id = Vec::new();
    let mut row_id = Vec::new();
    let mut detail = Vec::new();
    for finding in &result.findings {
        for source in &finding.sources {
            kind.push(finding.kind.to_owned());
            id.push(finding.id.clone());
            dataset.push(source.dataset.clone());
            version_id.push(source.version_id);
            row_id.push(source.row_id);
            detail.push(finding.detail.clone());
        }
    }
    let n = kind.len() as i64;
    batch_of(vec![
        ("_row_id", Arc::new(Int64Array::from_iter_values(1..=n))),
        ("kind", Arc::new(StringArray::from(kind))),
        ("person_id", Arc::new(StringArray::from(id))),
        ("dataset", Arc::new(StringArray::from(dataset))),
        ("version_id", Arc::new(Int64Array::from(version_id))),
        ("row_id", Arc::new(Int64Array::from(row_id))),
        ("detail", Arc::new(StringArray::from(detail))),
    ])
}

fn write_parquet(path: &std::path::Path, batch: &RecordBatch) -> Result<(String, u64)> {
    use procura_models::parquet::arrow::ArrowWriter;
    let file = std::fs::File::create_new(path).map_err(Error::io("cannot create", path))?;
    let mut writer = ArrowWriter::try_new(file, batch.schema(), None)
        .map_err(|e| Error::Internal(e.to_string()))?;
    writer
        .write(batch)
        .map_err(|e| Error::Internal(e.to_string()))?;
    let file = writer
        .into_inner()
        .map_err(|e| Error::Internal(e.to_string()))?;
    file.sync_all().map_err(Error::io("cannot sync", path))?;
    let mut hasher = blake3::Hasher::new();
    let mut reader = std::fs::File::open(path).map_err(Error::io("cannot read", path))?;
    let bytes = std::io::copy(&mut reader, &mut hasher).map_err(Error::io("cannot read", path))?;
    Ok((hasher.finalize().to_hex().to_string(), bytes))
}

/// The comparison features of every person row, one row per input row: what linkage compares,
/// for inspection and for running another linkage tool on the same prepared data.
fn features_batch(input: &PersonInput) -> Result<RecordBatch> {
    let record = |i: u32| &input.records[i as usize];
    let rows = &input.rows;
    let text = |f: &dyn Fn(&Record) -> Option<String>| -> ArrayRef {
        Arc::new(StringArray::from_iter(
            rows.iter().map(|r| f(record(r.record))),
        ))
    };
    let region_prefix = |r: &Record, digits: u32| {
        r.region.map(|code| {
            let unit = 10u32.pow(6 - digits);
            format!("{:06}", code / unit * unit)
        })
    };
    batch_of(vec![
        (
            "dataset",
            Arc::new(StringArray::from_iter_values(
                rows.iter()
                    .map(|r| input.sources[r.source as usize].dataset.clone()),
            )),
        ),
        (
            "row_id",
            Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.row_id))),
        ),
        ("record_key", text(&|r| Some(r.key.clone()))),
        ("name_norm", text(&|r| r.name.clone())),
        ("name_simplified", text(&|r| r.simplified.clone())),
        ("pinyin", text(&|r| r.pinyin.clone())),
        (
            "birth_date",
            text(&|r| r.birth.map(|b| b.format("%Y-%m-%d").to_string())),
        ),
        (
            "birth_year",
            Arc::new(Int64Array::from_iter(
                rows.iter()
                    .map(|r| record(r.record).birth_year().map(i64::from)),
            )),
        ),
        ("gender", text(&|r| r.gender.map(|g| g.to_string()))),
        ("region", text(&|r| region_prefix(r, 6))),
        ("city", text(&|r| region_prefix(r, 4))),
        ("province", text(&|r| region_prefix(r, 2))),
        ("id", text(&|r| r.id.clone())),
        ("id_digits", text(&|r| r.id_digits.clone())),
        ("phone", text(&|r| r.phone.clone())),
    ])
}

/// The label of a strength code.
pub fn strength_zh(code: &str) -> &'static str {
    Strength::parse(code).map_or("—", Strength::zh)
}
