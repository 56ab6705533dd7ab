//! The model library: built-in models plus the workspace's own (`WORKSPACE/models/*.toml`),
//! and their fixture tests.

use std::path::Path;

use procura_models::Model;
use procura_models::testing::TestOutcome;

use crate::error::{Error, Result};
use crate::{Actor, App};

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

impl App {
    /// Every model: built-in first, then the workspace's, by id.
    pub fn models(&self, actor: &Actor) -> Result<Vec<ModelEntry>> {
        actor.require(crate::Capability::ReadModels)?;
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

/// A scratch directory removed when dropped.
pub(crate) struct ScratchDir(std::path::PathBuf);

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
