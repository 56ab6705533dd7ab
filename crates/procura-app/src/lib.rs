//! procura-app: the one façade that the CLI (and later the web server) call. One method per
//! user-visible operation; each knows its [`Actor`], takes plain data and returns plain data,
//! and runs its metadata writes in one transaction.
//!
//! **API Boundary:** no clap, axum, sqlx or DataFusion type appears in a signature here.
//! Arrow record batches do (query results): Arrow is the data interchange format, not the
//! engine.
//!
//! **Architecture Invariant:** nothing outside this crate reads dataset files or the store;
//! person-level data leaves Procura only through methods of [`App`], which is where audit and
//! access control will hook in.

pub mod alerts;
pub mod audit;
pub mod auth;
pub mod builder;
pub mod clues;
pub mod datasets;
pub mod demo;
mod error;
pub mod linkage;
pub mod models;
pub mod query;
pub mod runs;
pub mod workflow;
pub mod workspace;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, SecondsFormat, Utc};
use procura_core::access;
use procura_store::Store;

pub use error::{Error, Result};
pub use procura_core::access::{Capability, Role};
pub use procura_ingest::mapping::unit_zh;
pub use procura_ingest::{
    DuplicatePolicy, Mapping, NoProgress, Progress, QualityReport, SheetSelection, quality,
};
pub use procura_models::arrow;
pub use procura_store::Error as StoreError;
pub use workspace::Workspace;

/// Who performs an operation. Every operation takes one, so audit can record it and access
/// control can check it.
///
/// Two kinds: the **local operator** ([`Actor::new`]: the command line, run by someone who
/// holds the workspace files and so every right), and a **signed-in user** ([`Actor::user`],
/// made only by [`App::authenticate`]) whose roles and department decide what they may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    name: String,
    principal: Option<Principal>,
    /// Where the request came from (`cli` for the command line).
    client: String,
    /// The purpose the user stated for this request, recorded in the audit trail.
    purpose: Option<String>,
    /// Nobody signed in (a failed sign-in): no rights at all.
    anonymous: bool,
}

/// A signed-in user's identity, roles and data scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// User id.
    pub user_id: i64,
    /// Name shown to others.
    pub display_name: String,
    /// Roles.
    pub roles: Vec<Role>,
    /// Own department.
    pub department_id: Option<i64>,
    /// Its name.
    pub department: Option<String>,
    /// Other departments whose clues this user was granted access to.
    pub granted_departments: Vec<i64>,
    /// Must change the password before doing anything else.
    pub must_change_password: bool,
}

impl Actor {
    /// The local operator, by user name.
    pub fn new(name: &str) -> Result<Actor> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
            return Err(Error::Invalid(format!("invalid user name `{name}`")));
        }
        Ok(Actor {
            name: name.to_owned(),
            principal: None,
            client: "cli".into(),
            purpose: None,
            anonymous: false,
        })
    }

    /// Someone not signed in, calling from `client` (recorded for failed sign-ins).
    pub(crate) fn anonymous(client: &str) -> Actor {
        Actor {
            name: "anonymous".into(),
            principal: None,
            client: clean_text(client, 64),
            purpose: None,
            anonymous: true,
        }
    }

    /// Whether nobody is signed in.
    pub fn is_anonymous(&self) -> bool {
        self.anonymous
    }

    pub(crate) fn user(name: String, principal: Principal) -> Actor {
        Actor {
            name,
            principal: Some(principal),
            client: "cli".into(),
            purpose: None,
            anonymous: false,
        }
    }

    /// The same actor, calling from a client address (recorded in the audit trail).
    pub fn with_client(mut self, client: &str) -> Actor {
        self.client = clean_text(client, 64);
        self
    }

    /// The same actor, stating a purpose (查询事由) for this request.
    pub fn with_purpose(mut self, purpose: Option<&str>) -> Actor {
        self.purpose = purpose
            .map(|p| clean_text(p, 200))
            .filter(|p| !p.is_empty());
        self
    }

    /// The client address.
    pub fn client(&self) -> &str {
        &self.client
    }

    /// The stated purpose.
    pub fn purpose(&self) -> Option<&str> {
        self.purpose.as_deref()
    }

    /// The user name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The signed-in user's identity; `None` for the local operator.
    pub fn principal(&self) -> Option<&Principal> {
        self.principal.as_ref()
    }

    /// Whether the actor has a capability (the local operator has all).
    pub fn can(&self, capability: Capability) -> bool {
        match &self.principal {
            None => !self.anonymous,
            Some(p) => p.roles.iter().any(|r| access::allows(*r, capability)),
        }
    }

    /// Fails with [`Error::Forbidden`] unless the actor has the capability.
    pub fn require(&self, capability: Capability) -> Result<()> {
        if let Some(p) = &self.principal
            && p.must_change_password
        {
            return Err(Error::Forbidden(
                "请先修改初始密码 (change your initial password first)".into(),
            ));
        }
        if self.can(capability) {
            Ok(())
        } else {
            Err(Error::Forbidden(format!(
                "您的角色无权执行此操作 (your role does not allow {capability:?})"
            )))
        }
    }

    /// Fails with [`Error::Forbidden`] unless the actor is the local operator.
    pub fn require_local(&self, what: &str) -> Result<()> {
        if self.principal.is_none() && !self.anonymous {
            Ok(())
        } else {
            Err(Error::Forbidden(format!(
                "仅限本机管理命令 ({what} is for the local command line only)"
            )))
        }
    }

    /// Whose clues the actor may see.
    pub(crate) fn clue_scope(&self) -> procura_store::clues::Scope {
        match &self.principal {
            None => procura_store::clues::Scope::All,
            Some(p) => procura_store::clues::Scope::Limited {
                user: self.name.clone(),
                departments: p
                    .department_id
                    .into_iter()
                    .chain(p.granted_departments.iter().copied())
                    .collect(),
            },
        }
    }
}

/// Text from a client for the audit trail: control characters (CR, LF, ANSI escapes, bidi
/// overrides) removed so that a record cannot forge another line, and bounded in length.
pub(crate) fn clean_text(text: &str, max_chars: usize) -> String {
    text.chars()
        .filter(|c| {
            !c.is_control() && !matches!(*c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .take(max_chars)
        .collect::<String>()
        .trim()
        .to_owned()
}

/// The source of "now". Tests inject a fixed clock.
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// How to open a workspace.
#[derive(Debug, Clone)]
pub struct Config {
    /// The workspace directory.
    pub workspace: PathBuf,
    /// A metadata-store URL overriding the workspace setting (`PROCURA_DATABASE_URL`).
    pub database_url: Option<String>,
}

/// An open workspace: its files, its metadata store and its clock.
pub struct App {
    workspace: Workspace,
    store: Store,
    clock: Arc<dyn Clock>,
    audit_settings: audit::AuditSettings,
    checkpoints: audit::CheckpointLock,
    throttle: std::sync::Mutex<auth::LoginThrottle>,
    session_idle_minutes: i64,
}

/// What `init` did.
#[derive(Debug, Clone)]
pub struct InitReport {
    /// The workspace directory.
    pub root: PathBuf,
    /// `sqlite` or `postgres`.
    pub backend: &'static str,
    /// The first administrator's one-time password, when `init` created the account.
    pub admin_password: Option<String>,
}

impl App {
    /// Creates a workspace (idempotent) and its metadata store.
    pub async fn init(config: &Config) -> Result<InitReport> {
        Workspace::create(&config.workspace)?;
        let app = App::open(config).await?;
        let backend = app.backend_name();
        let admin_password = app.ensure_first_admin().await;
        app.store.close().await;
        Ok(InitReport {
            root: config.workspace.clone(),
            backend,
            admin_password: admin_password?,
        })
    }

    /// Opens a workspace with the system clock.
    pub async fn open(config: &Config) -> Result<App> {
        App::open_with_clock(config, Arc::new(SystemClock)).await
    }

    /// Opens a workspace with a given clock, and recovers from an earlier crash.
    pub async fn open_with_clock(config: &Config, clock: Arc<dyn Clock>) -> Result<App> {
        let workspace = Workspace::open(&config.workspace)?;
        let settings = workspace.settings()?;
        let url = config
            .database_url
            .clone()
            .or(settings.database_url.clone());
        let store = match url {
            Some(url) => Store::open(&url).await?,
            None => Store::open_sqlite(&workspace.catalog_path()).await?,
        };
        let mut connection = store
            .pool()
            .acquire()
            .await
            .map_err(procura_store::Error::from)?;
        let live = procura_store::catalog::live_paths(&mut connection).await?;
        drop(connection);
        for removed in workspace.recover(&live)? {
            tracing::warn!(path = %removed.display(), "removed a stray file left by an interrupted operation");
        }
        let audit_settings = audit::AuditSettings::from_workspace(workspace.root(), &settings)?;
        audit_settings.load_or_create_key()?;
        Ok(App {
            workspace,
            store,
            clock,
            audit_settings,
            checkpoints: audit::CheckpointLock::default(),
            throttle: std::sync::Mutex::default(),
            session_idle_minutes: settings
                .session_idle_minutes
                .unwrap_or(auth::SESSION_IDLE_MINUTES)
                .clamp(1, 60 * auth::SESSION_MAX_HOURS),
        })
    }

    /// The workspace.
    pub fn workspace(&self) -> &Workspace {
        &self.workspace
    }

    /// `sqlite` or `postgres`.
    pub fn backend_name(&self) -> &'static str {
        match self.store.backend() {
            procura_store::Backend::Sqlite => "sqlite",
            procura_store::Backend::Postgres => "postgres",
        }
    }

    /// Signs an audit checkpoint if one is due, then closes the store (flushing SQLite's WAL).
    pub async fn close(self) {
        if let Err(error) = self.audit_checkpoint(false).await {
            tracing::error!(%error, "audit checkpoint at close failed");
        }
        self.store.close().await;
    }

    /// The current time by the app's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    fn now_text(&self) -> String {
        rfc3339(self.now())
    }
}

/// How the store keeps timestamps: RFC 3339, UTC, milliseconds.
pub(crate) fn rfc3339(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Finds the workspace for a command: the given directory, or the nearest parent of the
/// current directory that holds a `procura.toml`.
pub fn locate_workspace(explicit: Option<&Path>) -> Result<PathBuf> {
    if let Some(path) = explicit {
        return Ok(path.to_owned());
    }
    let current = std::env::current_dir().map_err(Error::io("cannot read", "."))?;
    Workspace::discover(&current).ok_or_else(|| Error::Workspace {
        message: format!(
            "no Procura workspace here or above {}; run `procura init DIR` and pass --workspace DIR (or set PROCURA_WORKSPACE)",
            current.display()
        ),
        path: current,
    })
}

/// The model format (manifest types), for front-ends that display models.
pub use procura_models::manifest as model_format;
