//! The model library: built-in models plus the workspace's own (`WORKSPACE/models/*.toml`),
//! their fixture tests, and variants derived from them (派生变体: a model's manifest with a new
//! id, name and parameter defaults, saved as a workspace model).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use procura_models::Model;
use procura_models::derive::{DefaultChange, VariantSpec};
use procura_models::testing::TestOutcome;

use crate::audit::{Action, Event};
use crate::error::{Error, Result};
use crate::workspace::write_new_or_replace;
use crate::{Actor, App, Capability};

/// Where a model comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelOrigin {
    /// Compiled into Procura.
    Builtin,
    /// A manifest in the workspace's `models/` folder.
    Workspace,
}

/// A model with its origin.
#[derive(Debug, Clone)]
pub struct ModelEntry {
    /// The parsed model.
    pub model: Model,
    /// Where it comes from.
    pub origin: ModelOrigin,
}

/// The fixture-test results of one model.
#[derive(Debug, Clone)]
pub struct ModelTestReport {
    /// Model id.
    pub model_id: String,
    /// Per test.
    pub outcomes: Vec<TestOutcome>,
}

/// A variant to derive from a model.
#[derive(Debug, Clone, Default)]
pub struct DeriveRequest {
    /// The base model's id (a built-in or a workspace model).
    pub base: String,
    /// The variant's id (letters, digits, `_`, `-`; not used by any model).
    pub id: String,
    /// 中文名称.
    pub name_zh: String,
    /// English name (the id when empty).
    pub name_en: String,
    /// New defaults: (parameter, value as `--param` takes it).
    pub defaults: Vec<(String, String)>,
}

/// A fixture test of the base that the variant leaves out.
#[derive(Debug, Clone)]
pub struct DroppedTest {
    /// The test's name.
    pub name: String,
    /// Why it fails with the variant's defaults.
    pub failures: Vec<String>,
}

/// The variant written, and what it changes in its base.
#[derive(Debug, Clone)]
pub struct DerivedModel {
    /// The new model, as the library now lists it.
    pub entry: ModelEntry,
    /// The manifest written (`WORKSPACE/models/ID.toml`).
    pub path: PathBuf,
    /// The base's id.
    pub base_id: String,
    /// The base's Chinese name.
    pub base_name_zh: String,
    /// `BASE@VERSION (digest prefix)`.
    pub derived_from: String,
    /// Parameter defaults changed.
    pub defaults: Vec<DefaultChange>,
    /// The base's SQL file, inlined into the variant.
    pub sql_inlined: Option<String>,
    /// Fixture tests that hold for the base but not with the variant's defaults, left out.
    pub dropped_tests: Vec<DroppedTest>,
    /// Fixture tests kept (and passing).
    pub kept_tests: usize,
}

impl DerivedModel {
    /// What changed, one line each, Chinese first.
    pub fn changes(&self) -> Vec<String> {
        let meta = &self.entry.model.meta;
        let mut lines = vec![
            format!(
                "编号 id：{} → {}；派生自 derived from {}",
                self.base_id, meta.id, self.derived_from
            ),
            format!(
                "名称 name：{} → {}（{}）",
                self.base_name_zh, meta.name.zh, meta.name.en
            ),
        ];
        for change in &self.defaults {
            lines.push(format!(
                "参数 {} 默认值 default：{} → {}（{}）",
                change.name, change.from, change.to, change.label
            ));
        }
        if let Some(file) = &self.sql_inlined {
            lines.push(format!(
                "规则的 SQL 文件 {file} 已写入清单 (the rule's SQL file is inlined)"
            ));
        }
        for test in &self.dropped_tests {
            lines.push(format!(
                "删除测试「{}」：新的默认值下不再成立 (fixture test dropped: it fails with the new defaults): {}",
                test.name,
                test.failures.join("; ")
            ));
        }
        lines.push(format!(
            "保留测试 {} 个，均通过 ({} fixture tests kept, all passing)",
            self.kept_tests, self.kept_tests
        ));
        lines
    }
}

impl App {
    /// Every model: built-in first, then the workspace's, by id.
    pub fn models(&self, actor: &Actor) -> Result<Vec<ModelEntry>> {
        actor.require(Capability::ReadModels)?;
        self.load_models()
    }

    /// The library without a rights check, for the app's own use (explaining a clue that the
    /// actor was already allowed to read).
    pub(crate) fn load_models(&self) -> Result<Vec<ModelEntry>> {
        let mut entries: Vec<ModelEntry> = procura_models::builtin::all()?
            .into_iter()
            .map(|model| ModelEntry {
                model,
                origin: ModelOrigin::Builtin,
            })
            .collect();
        let dir = self.workspace.root().join("models");
        if dir.is_dir() {
            let mut files: Vec<_> = std::fs::read_dir(&dir)
                .map_err(Error::io("cannot read", &dir))?
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|path| path.extension().is_some_and(|e| e == "toml"))
                .collect();
            files.sort();
            for path in files {
                let text =
                    std::fs::read_to_string(&path).map_err(Error::io("cannot read", &path))?;
                let model = procura_models::builtin::parse_user(&text, &dir)
                    .map_err(|e| Error::Invalid(format!("{}: {e}", path.display())))?;
                if entries.iter().any(|e| e.model.meta.id == model.meta.id) {
                    return Err(Error::Invalid(format!(
                        "{}: model id `{}` is already used by another model",
                        path.display(),
                        model.meta.id
                    )));
                }
                entries.push(ModelEntry {
                    model,
                    origin: ModelOrigin::Workspace,
                });
            }
        }
        Ok(entries)
    }

    /// One model by id.
    pub fn model(&self, actor: &Actor, id: &str) -> Result<ModelEntry> {
        let entries = self.models(actor)?;
        let known: Vec<String> = entries.iter().map(|e| e.model.meta.id.clone()).collect();
        entries
            .into_iter()
            .find(|e| e.model.meta.id.eq_ignore_ascii_case(id))
            .ok_or_else(|| {
                Error::NotFound(format!("no model `{id}` (models: {})", known.join(", ")))
            })
    }

    /// Runs the fixture tests of one model, or of every model.
    pub async fn test_models(
        &self,
        actor: &Actor,
        id: Option<&str>,
    ) -> Result<Vec<ModelTestReport>> {
        let entries = match id {
            Some(id) => vec![self.model(actor, id)?],
            None => self.models(actor)?,
        };
        let scratch = tempfile_dir(&self.workspace.tmp())?;
        let mut reports = Vec::new();
        for entry in entries {
            let outcomes = procura_models::testing::run_tests(
                &entry.model,
                scratch.path(),
                self.now().date_naive(),
            )
            .await?;
            reports.push(ModelTestReport {
                model_id: entry.model.meta.id.clone(),
                outcomes,
            });
        }
        Ok(reports)
    }
}

impl App {
    /// Derives a variant of a model (built-in or the workspace's) and saves it into the
    /// workspace's library: the base's manifest with the new id, names and defaults and a
    /// `derived_from` line, its inputs, rule, clue, legal basis and fixture tests kept. A
    /// fixture test that holds for the base but fails with the new defaults is left out and
    /// named in the result; the variant is written only when every test it keeps passes.
    ///
    /// Needs the right that saving a builder draft needs (`ManageModels`).
    pub async fn derive_model(
        &self,
        actor: &Actor,
        request: &DeriveRequest,
    ) -> Result<DerivedModel> {
        let id = request.id.trim();
        self.require(actor, Capability::ManageModels, &format!("model:{id}"))
            .await?;
        crate::builder::check_id(id)?;
        let name_zh = request.name_zh.trim();
        if name_zh.is_empty() {
            return Err(Error::Invalid(
                "请填写中文名称 (the variant needs a Chinese name)".into(),
            ));
        }
        let name_en = match request.name_en.trim() {
            "" => id,
            name => name,
        };
        let mut defaults = BTreeMap::new();
        for (name, given) in &request.defaults {
            if defaults
                .insert(name.trim().to_owned(), given.clone())
                .is_some()
            {
                return Err(Error::Invalid(format!(
                    "参数 {name} 给了两次 (parameter `{name}` is given twice)"
                )));
            }
        }
        let base = self.model(actor, &request.base)?;
        if let Some(taken) = self
            .models(actor)?
            .iter()
            .find(|e| e.model.meta.id.eq_ignore_ascii_case(id))
        {
            let (whose_zh, whose_en) = match taken.origin {
                ModelOrigin::Builtin => ("内置模型", "a built-in model"),
                ModelOrigin::Workspace => ("本院模型", "a workspace model"),
            };
            return Err(Error::Conflict(format!(
                "模型编号 {id} 已被{whose_zh} {} {} 使用 (model id {id} is taken by {whose_en})",
                taken.model.meta.id, taken.model.meta.name.zh
            )));
        }
        let dir = self.workspace.root().join("models");
        let path = dir.join(format!("{id}.toml"));
        if path.exists() {
            return Err(Error::Conflict(format!(
                "模型文件 {id}.toml 已存在 (a model file {id}.toml exists)"
            )));
        }

        let today = self.now().date_naive();
        let spec = VariantSpec {
            id,
            name_zh,
            name_en,
            defaults: &defaults,
        };
        let derived = procura_models::derive::derive(&base.model, &spec, today)?;

        // The base's fixture tests, run on the base and on the variant: a test the new
        // defaults break is left out (it describes the base, not the variant).
        let scratch = tempfile_dir(&self.workspace.tmp())?;
        let base_outcomes =
            procura_models::testing::run_tests(&base.model, scratch.path(), today).await?;
        let variant = procura_models::manifest::parse(&derived.text, &|_| None)?;
        let variant_outcomes =
            procura_models::testing::run_tests(&variant, scratch.path(), today).await?;
        let mut dropped = Vec::new();
        let mut dropped_tests = Vec::new();
        for (index, (before, after)) in base_outcomes.iter().zip(&variant_outcomes).enumerate() {
            if !after.failures.is_empty() {
                if !before.failures.is_empty() {
                    return Err(Error::Invalid(format!(
                        "模型 {} 的测试「{}」本身未通过，不能派生 (the base's fixture test `{}` fails: {})",
                        base.model.meta.id,
                        before.name,
                        before.name,
                        before.failures.join("; ")
                    )));
                }
                dropped.push(index);
                dropped_tests.push(DroppedTest {
                    name: after.name.clone(),
                    failures: after.failures.clone(),
                });
            }
        }
        let text = if dropped.is_empty() {
            derived.text.clone()
        } else {
            procura_models::derive::drop_tests(&derived.text, &dropped)?
        };
        let text = format!(
            "# 派生自 {from} / derived from {from} by {} at {}\n{text}",
            actor.name(),
            self.now_text(),
            from = derived.derived_from,
        );
        let model = procura_models::builtin::parse_user(&text, &dir)?;
        let kept_tests = model.tests.len();

        self.audit_alone(
            actor,
            Event::ok(Action::ModelDerive, format!("model:{id}")).detail(serde_json::json!({
                "base": derived.derived_from,
                "defaults": derived
                    .defaults
                    .iter()
                    .map(|c| serde_json::json!({"name": c.name, "from": c.from, "to": c.to}))
                    .collect::<Vec<_>>(),
                "dropped_tests": dropped_tests.iter().map(|t| t.name.clone()).collect::<Vec<_>>(),
            })),
        )
        .await?;
        std::fs::create_dir_all(&dir).map_err(Error::io("cannot create", &dir))?;
        write_new_or_replace(&path, text.as_bytes())?;
        Ok(DerivedModel {
            entry: ModelEntry {
                model,
                origin: ModelOrigin::Workspace,
            },
            path,
            base_id: base.model.meta.id.clone(),
            base_name_zh: base.model.meta.name.zh.clone(),
            derived_from: derived.derived_from,
            defaults: derived.defaults,
            sql_inlined: derived.sql_inlined,
            dropped_tests,
            kept_tests,
        })
    }
}

/// A scratch directory removed when dropped.
pub(crate) struct ScratchDir(PathBuf);

impl ScratchDir {
    pub(crate) fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub(crate) fn tempfile_dir(parent: &Path) -> Result<ScratchDir> {
    let name = format!(
        "scratch-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    );
    let path = parent.join(name);
    std::fs::create_dir_all(&path).map_err(Error::io("cannot create", &path))?;
    Ok(ScratchDir(path))
}
