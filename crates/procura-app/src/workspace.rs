//! The on-disk layout of a Procura workspace and its recovery at start-up.
//!
//! ```text
//! DIR/procura.toml                 marks the workspace; optional settings
//! DIR/catalog.db (+ -wal, -shm)    SQLite metadata store (unless a PostgreSQL URL is set)
//! DIR/datasets/<name>/<stamp>-<digest>.parquet   one immutable file per dataset version
//! DIR/tmp/                         scratch: ingest output before publication, unpacked zips
//! ```
//!
//! A version's file is written under `tmp/`, renamed into `datasets/` inside the transaction
//! that inserts its catalog row, and the directory is synced before the commit. A crash can
//! therefore leave at most a stray file in `tmp/` or an unreferenced file in `datasets/`;
//! [`Workspace::recover`] removes both once they are old enough not to belong to an ingest
//! that another process is running right now.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::error::{Error, Result};

/// The marker file name.
pub const MARKER: &str = "procura.toml";
/// How old a stray file must be before recovery removes it.
const STRAY_AGE: Duration = Duration::from_secs(3600);

/// A workspace directory.
#[derive(Debug, Clone)]
pub struct Workspace {
    root: PathBuf,
}

/// Settings read from `procura.toml`.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// A PostgreSQL URL for the metadata store (the environment variable wins).
    #[serde(default)]
    pub database_url: Option<String>,
    /// The audit chain's hash for new records: `sha256` (default) or `sm3`.
    #[serde(default)]
    pub audit_hash: Option<String>,
    /// The audit checkpoint signing key (default `keys/audit-ed25519.key`; keep it outside
    /// the workspace, readable only by the service, in production).
    #[serde(default)]
    pub audit_key: Option<PathBuf>,
    /// The append-only file of signed checkpoints (default `audit/checkpoints.log`; put it on
    /// another disk or a mounted share of another host in production).
    #[serde(default)]
    pub audit_checkpoints: Option<PathBuf>,
    /// Sign a checkpoint after this many records (default 1000).
    #[serde(default)]
    pub audit_checkpoint_records: Option<i64>,
    /// … or after this many minutes with new records (default 5).
    #[serde(default)]
    pub audit_checkpoint_minutes: Option<i64>,
    /// Minutes without use after which a web session ends (default 15; at most 8 hours).
    #[serde(default)]
    pub session_idle_minutes: Option<i64>,
}

impl Workspace {
    /// Creates the layout in `root` (idempotent).
    pub fn create(root: &Path) -> Result<Workspace> {
        for dir in [root.to_owned(), root.join("datasets"), root.join("tmp")] {
            fs::create_dir_all(&dir).map_err(Error::io("cannot create", &dir))?;
        }
        let marker = root.join(MARKER);
        if !marker.exists() {
            let text = "# Procura workspace. Optional settings:\n# database_url = \"postgres://user@host/db\"  (PROCURA_DATABASE_URL wins)\n# audit_key = \"/etc/procura/audit-ed25519.key\"      (checkpoint signing key; default keys/ here)\n# audit_checkpoints = \"/mnt/audit/checkpoints.log\"  (signed checkpoints; default audit/ here)\n# audit_hash = \"sm3\"                                (default sha256)\n";
            write_new(&marker, text.as_bytes())?;
        }
        Ok(Workspace {
            root: root.to_owned(),
        })
    }

    /// Opens an existing workspace.
    pub fn open(root: &Path) -> Result<Workspace> {
        if !root.join(MARKER).is_file() {
            return Err(Error::Workspace {
                message: format!(
                    "{} is not a Procura workspace (no {MARKER}); run `procura init {}` first",
                    root.display(),
                    root.display()
                ),
                path: root.to_owned(),
            });
        }
        Workspace::create(root)
    }

    /// Finds the workspace containing `start` (or a parent of it).
    pub fn discover(start: &Path) -> Option<PathBuf> {
        start
            .ancestors()
            .find(|dir| dir.join(MARKER).is_file())
            .map(Path::to_owned)
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The SQLite catalog file.
    pub fn catalog_path(&self) -> PathBuf {
        self.root.join("catalog.db")
    }

    /// The scratch directory.
    pub fn tmp(&self) -> PathBuf {
        self.root.join("tmp")
    }

    /// Resolves a catalog path (relative to the root).
    pub fn resolve(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }

    /// Reads `procura.toml`.
    pub fn settings(&self) -> Result<Settings> {
        let path = self.root.join(MARKER);
        let text = fs::read_to_string(&path).map_err(Error::io("cannot read", &path))?;
        toml::from_str(&text).map_err(|e| Error::Workspace {
            message: format!("{}: {e}", path.display()),
            path,
        })
    }

    /// Removes stray temporary files and dataset files no catalog row refers to.
    pub fn recover(&self, live_paths: &[String]) -> Result<Vec<PathBuf>> {
        let mut removed = Vec::new();
        let now = SystemTime::now();
        let old = |path: &Path| {
            fs::symlink_metadata(path)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|modified| now.duration_since(modified).ok())
                .is_some_and(|age| age > STRAY_AGE)
        };
        let tmp = self.tmp();
        if let Ok(entries) = fs::read_dir(&tmp) {
            for entry in entries.flatten() {
                let path = entry.path();
                if old(&path) {
                    let result = if path.is_dir() {
                        fs::remove_dir_all(&path)
                    } else {
                        fs::remove_file(&path)
                    };
                    if result.is_ok() {
                        removed.push(path);
                    }
                }
            }
        }
        let datasets = self.root.join("datasets");
        if let Ok(entries) = fs::read_dir(&datasets) {
            for dir in entries.flatten() {
                let Ok(files) = fs::read_dir(dir.path()) else {
                    continue;
                };
                for file in files.flatten() {
                    let path = file.path();
                    let relative = path
                        .strip_prefix(&self.root)
                        .map(|p| p.to_string_lossy().replace('\\', "/"))
                        .unwrap_or_default();
                    if !live_paths.contains(&relative)
                        && old(&path)
                        && fs::remove_file(&path).is_ok()
                    {
                        removed.push(path);
                    }
                }
            }
        }
        Ok(removed)
    }
}

/// Writes a new file (failing if it exists) and syncs it.
fn write_new(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut file = fs::File::create_new(path).map_err(Error::io("cannot create", path))?;
    file.write_all(bytes)
        .map_err(Error::io("cannot write", path))?;
    file.sync_all().map_err(Error::io("cannot sync", path))
}

/// Makes a rename durable: syncs the directory that now holds the entry.
pub fn sync_dir(dir: &Path) -> Result<()> {
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(Error::io("cannot sync", dir))
}

/// Writes a file atomically: a temporary sibling, synced, renamed over `path`, directory synced.
pub(crate) fn write_new_or_replace(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| Error::Internal(format!("{} has no parent", path.display())))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let _ = fs::remove_file(&temp);
    write_new(&temp, bytes)?;
    fs::rename(&temp, path).map_err(Error::io("cannot rename", path))?;
    sync_dir(dir)
}
