//! The audit trail (事后追溯): who did what to whose data, when, from where, with what
//! outcome and for what stated purpose — one hash-chained record per use.
//!
//! Records are appended in the same transaction as the action they record (a read appends
//! before the data is returned), so an action whose record cannot be written fails. Signed
//! checkpoints (ed25519) of the chain's head go to a file outside the database
//! (`audit_checkpoints` in procura.toml, by default `WORKSPACE/audit/checkpoints.log`), every
//! [`AuditSettings::checkpoint_records`] records or [`AuditSettings::checkpoint_minutes`]
//! minutes; before signing, the records since the last checkpoint are verified, so a
//! checkpoint never vouches for a tampered chain. `procura audit verify` recomputes the chain
//! and checks it against the checkpoints.
//!
//! Only the 安全审计员 (auditor) reads the trail, and that reading is itself recorded.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use procura_audit::{ChainVerifier, Checkpoint, CheckpointKey, Entry, HashAlg, PublicKey};
use procura_store::audit as store_audit;

use crate::error::{Error, Result};
use crate::{Actor, App, Capability, rfc3339};

/// What was done. The code is stored with each record; the Chinese label is for the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// 登录.
    Login,
    /// 登录失败.
    LoginFailed,
    /// 退出.
    Logout,
    /// 修改密码.
    PasswordChange,
    /// 越权访问被拒绝 (a 403).
    Denied,
    /// 查看线索列表.
    ClueList,
    /// 查看线索 (with its evidence).
    ClueRead,
    /// 导出线索.
    ClueExport,
    /// 线索流转 (assign, accept, conclude …).
    ClueStep,
    /// 查看附件.
    AttachmentRead,
    /// 上传附件.
    AttachmentAdd,
    /// 查看数据集 (catalog entry, versions, quality report).
    DatasetRead,
    /// 导入数据.
    Ingest,
    /// 删除数据集.
    DatasetDrop,
    /// 即席查询.
    Sql,
    /// 运行模型.
    ModelRun,
    /// 模型预览.
    ModelPreview,
    /// 保存模型.
    ModelSave,
    /// 派生模型变体.
    ModelDerive,
    /// 实体关联.
    Linkage,
    /// 查看关联说明.
    LinkageRead,
    /// 账户变更 (add, disable, enable, reset).
    AccountChange,
    /// 部门变更.
    DepartmentChange,
    /// 跨部门授权 / 撤销.
    GrantChange,
    /// 查看审计日志.
    AuditRead,
    /// 校验审计日志.
    AuditVerify,
    /// 安全预警 raised by a rule.
    AlertRaised,
    /// 预警已处理.
    AlertAck,
    /// 预警规则变更.
    AlertRuleChange,
}

impl Action {
    /// Every action, for the auditor's filter.
    pub const ALL: [Action; 29] = [
        Action::Login,
        Action::LoginFailed,
        Action::Logout,
        Action::PasswordChange,
        Action::Denied,
        Action::ClueList,
        Action::ClueRead,
        Action::ClueExport,
        Action::ClueStep,
        Action::AttachmentRead,
        Action::AttachmentAdd,
        Action::DatasetRead,
        Action::Ingest,
        Action::DatasetDrop,
        Action::Sql,
        Action::ModelRun,
        Action::ModelPreview,
        Action::ModelSave,
        Action::ModelDerive,
        Action::Linkage,
        Action::LinkageRead,
        Action::AccountChange,
        Action::DepartmentChange,
        Action::GrantChange,
        Action::AuditRead,
        Action::AuditVerify,
        Action::AlertRaised,
        Action::AlertAck,
        Action::AlertRuleChange,
    ];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Action::Login => "login",
            Action::LoginFailed => "login.failed",
            Action::Logout => "logout",
            Action::PasswordChange => "account.password",
            Action::Denied => "access.denied",
            Action::ClueList => "clue.list",
            Action::ClueRead => "clue.read",
            Action::ClueExport => "clue.export",
            Action::ClueStep => "clue.step",
            Action::AttachmentRead => "attachment.read",
            Action::AttachmentAdd => "attachment.add",
            Action::DatasetRead => "dataset.read",
            Action::Ingest => "dataset.ingest",
            Action::DatasetDrop => "dataset.drop",
            Action::Sql => "data.sql",
            Action::ModelRun => "model.run",
            Action::ModelPreview => "model.preview",
            Action::ModelSave => "model.save",
            Action::ModelDerive => "model.derive",
            Action::Linkage => "linkage.run",
            Action::LinkageRead => "linkage.read",
            Action::AccountChange => "account.change",
            Action::DepartmentChange => "department.change",
            Action::GrantChange => "grant.change",
            Action::AuditRead => "audit.read",
            Action::AuditVerify => "audit.verify",
            Action::AlertRaised => "alert.raised",
            Action::AlertAck => "alert.ack",
            Action::AlertRuleChange => "alert.rule",
        }
    }

    /// The Chinese label.
    pub fn zh(self) -> &'static str {
        match self {
            Action::Login => "登录",
            Action::LoginFailed => "登录失败",
            Action::Logout => "退出登录",
            Action::PasswordChange => "修改密码",
            Action::Denied => "越权访问被拒绝",
            Action::ClueList => "查看线索列表",
            Action::ClueRead => "查看线索",
            Action::ClueExport => "导出线索",
            Action::ClueStep => "线索流转",
            Action::AttachmentRead => "查看附件",
            Action::AttachmentAdd => "上传附件",
            Action::DatasetRead => "查看数据集",
            Action::Ingest => "导入数据",
            Action::DatasetDrop => "删除数据集",
            Action::Sql => "即席查询",
            Action::ModelRun => "运行模型",
            Action::ModelPreview => "模型预览",
            Action::ModelSave => "保存模型",
            Action::ModelDerive => "派生模型变体",
            Action::Linkage => "实体关联",
            Action::LinkageRead => "查看关联说明",
            Action::AccountChange => "账户变更",
            Action::DepartmentChange => "部门变更",
            Action::GrantChange => "跨部门授权变更",
            Action::AuditRead => "查看审计日志",
            Action::AuditVerify => "校验审计日志",
            Action::AlertRaised => "安全预警",
            Action::AlertAck => "预警处理",
            Action::AlertRuleChange => "预警规则变更",
        }
    }

    /// The action for a stored code.
    pub fn from_code(code: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.code() == code)
    }
}

/// How an action ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Done.
    Ok,
    /// Refused by access control.
    Denied,
    /// Failed, with a short reason code.
    Failed(String),
}

impl Outcome {
    fn text(&self) -> String {
        match self {
            Outcome::Ok => "ok".into(),
            Outcome::Denied => "denied".into(),
            Outcome::Failed(reason) => format!("failed: {reason}"),
        }
    }
}

/// One event to record.
#[derive(Debug, Clone)]
pub struct Event {
    /// What.
    pub action: Action,
    /// To what (`clue:12`, `dataset:penalties`, `user:li.jiancha`).
    pub object: String,
    /// How it ended.
    pub outcome: Outcome,
    /// Further detail (no clear ID numbers, names or passwords).
    pub detail: serde_json::Value,
}

impl Event {
    /// A successful action on an object.
    pub fn ok(action: Action, object: impl Into<String>) -> Event {
        Event {
            action,
            object: object.into(),
            outcome: Outcome::Ok,
            detail: serde_json::Value::Null,
        }
    }

    /// With detail.
    pub fn detail(mut self, detail: serde_json::Value) -> Event {
        self.detail = detail;
        self
    }

    /// With another outcome.
    pub fn outcome(mut self, outcome: Outcome) -> Event {
        self.outcome = outcome;
        self
    }
}

/// Where the trail's integrity material lives, and how often checkpoints are signed.
#[derive(Debug, Clone)]
pub struct AuditSettings {
    /// Hash of the chain for new records.
    pub alg: HashAlg,
    /// The checkpoint signing key (64 hex digits, created 0600 when missing).
    pub key_path: PathBuf,
    /// The append-only checkpoint file.
    pub checkpoint_path: PathBuf,
    /// Sign a checkpoint after this many new records …
    pub checkpoint_records: i64,
    /// … or when a record is this many minutes older than the last checkpoint.
    pub checkpoint_minutes: i64,
}

/// The state of checkpointing, shared by the app's tasks.
#[derive(Debug, Default)]
pub(crate) struct CheckpointState {
    /// The size and time of the last checkpoint this process knows of.
    last: Option<(i64, DateTime<Utc>)>,
    /// The integrity problem last recorded, so that a check every 10 s records it once.
    reported: Option<String>,
}

/// An audit record as the auditor sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Sequence number.
    pub seq: i64,
    /// When.
    pub at: String,
    /// Account.
    pub account: String,
    /// Roles at the time.
    pub roles: String,
    /// Client address.
    pub client: String,
    /// Action code.
    pub action: String,
    /// Its Chinese label.
    pub action_zh: String,
    /// Object.
    pub object: String,
    /// Outcome.
    pub outcome: String,
    /// Stated purpose.
    pub purpose: String,
    /// Detail (JSON text).
    pub detail: String,
}

/// What the auditor searches for.
pub type AuditFilter = store_audit::Filter;

/// The result of a verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditVerdict {
    /// Records checked.
    pub records: i64,
    /// Checkpoints read.
    pub checkpoints: usize,
    /// The largest size a signed checkpoint vouches for.
    pub anchored_size: i64,
    /// The public key the checkpoints were checked with.
    pub public_key: String,
    /// `None` when intact; else the first untrustworthy record and why.
    pub failure: Option<procura_audit::Failure>,
}

impl AuditSettings {
    pub(crate) fn from_workspace(
        root: &Path,
        settings: &crate::workspace::Settings,
    ) -> Result<AuditSettings> {
        let alg = match settings.audit_hash.as_deref() {
            None => HashAlg::Sha256,
            Some(code) => HashAlg::parse(code).ok_or_else(|| {
                Error::Invalid(format!(
                    "procura.toml: audit_hash = \"{code}\" is not sha256 or sm3"
                ))
            })?,
        };
        let resolve = |p: &Option<PathBuf>, default: &str| match p {
            Some(p) if p.is_absolute() => p.clone(),
            Some(p) => root.join(p),
            None => root.join(default),
        };
        Ok(AuditSettings {
            alg,
            key_path: resolve(&settings.audit_key, "keys/audit-ed25519.key"),
            checkpoint_path: resolve(&settings.audit_checkpoints, "audit/checkpoints.log"),
            checkpoint_records: settings.audit_checkpoint_records.unwrap_or(1000).max(1),
            checkpoint_minutes: settings.audit_checkpoint_minutes.unwrap_or(5).max(1),
        })
    }

    /// Reads the signing key, creating it (mode 0600) when missing.
    pub(crate) fn load_or_create_key(&self) -> Result<CheckpointKey> {
        match fs::read_to_string(&self.key_path) {
            Ok(text) => CheckpointKey::from_hex(&text).map_err(|e| {
                Error::Invalid(format!(
                    "the audit key {} is unusable: {e}",
                    self.key_path.display()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut secret = [0u8; 32];
                getrandom::fill(&mut secret)
                    .map_err(|e| Error::Internal(format!("no system randomness: {e}")))?;
                let key = CheckpointKey::from_secret(secret);
                if let Some(dir) = self.key_path.parent() {
                    fs::create_dir_all(dir).map_err(Error::io("cannot create", dir))?;
                }
                let mut file = private_file(&self.key_path)?;
                file.write_all(format!("{}\n", key.secret_hex()).as_bytes())
                    .and_then(|()| file.sync_all())
                    .map_err(Error::io("cannot write", &self.key_path))?;
                Ok(key)
            }
            Err(e) => Err(Error::Io {
                action: "cannot read",
                path: self.key_path.clone(),
                source: e,
            }),
        }
    }
}

/// The error for a chain that fails before a checkpoint is signed.
fn chain_broken(seq: i64) -> Error {
    Error::Internal(format!(
        "审计日志在第 {seq} 条处校验失败，未签署检查点 (the audit chain fails at record {seq}; run `procura audit verify`)"
    ))
}

/// Creates a new file readable only by its owner.
fn private_file(path: &Path) -> Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map_err(Error::io("cannot create", path))
}

/// The account as recorded: a user's name, or `local:NAME` for the local operator.
fn account(actor: &Actor) -> String {
    match actor.principal() {
        Some(_) => actor.name().to_owned(),
        None if actor.is_anonymous() => "anonymous".into(),
        None => format!("local:{}", actor.name()),
    }
}

fn roles(actor: &Actor) -> String {
    match actor.principal() {
        Some(p) => p
            .roles
            .iter()
            .map(|r| r.code())
            .collect::<Vec<_>>()
            .join(","),
        None if actor.is_anonymous() => String::new(),
        None => "local".into(),
    }
}

impl App {
    /// Appends an audit record inside the caller's transaction.
    pub(crate) async fn audit(
        &self,
        tx: &mut procura_store::Tx,
        actor: &Actor,
        event: Event,
    ) -> Result<()> {
        let entry = Entry {
            at: self.now_text(),
            account: account(actor),
            roles: roles(actor),
            client: actor.client().to_owned(),
            action: event.action.code().to_owned(),
            object: event.object,
            outcome: event.outcome.text(),
            purpose: actor.purpose().unwrap_or_default().to_owned(),
            detail: if event.detail.is_null() {
                String::new()
            } else {
                event.detail.to_string()
            },
        };
        store_audit::append(tx, entry, self.audit_settings.alg).await?;
        Ok(())
    }

    /// Appends an audit record in a transaction of its own (reads, refusals, failed logins).
    pub(crate) async fn audit_alone(&self, actor: &Actor, event: Event) -> Result<()> {
        let mut tx = self.store.begin().await?;
        self.audit(&mut tx, actor, event).await?;
        tx.commit().await.map_err(procura_store::Error::from)?;
        Ok(())
    }

    /// Checks a capability; a refusal is recorded (as `access.denied` on `object`) before the
    /// error is returned.
    pub(crate) async fn require(
        &self,
        actor: &Actor,
        capability: Capability,
        object: &str,
    ) -> Result<()> {
        match actor.require(capability) {
            Ok(()) => Ok(()),
            Err(error) => {
                self.audit_alone(
                    actor,
                    Event::ok(Action::Denied, object)
                        .outcome(Outcome::Denied)
                        .detail(serde_json::json!({ "capability": format!("{capability:?}") })),
                )
                .await?;
                Err(error)
            }
        }
    }

    /// Records a refusal that a scope check (not a capability) made.
    pub(crate) async fn audit_denied(&self, actor: &Actor, object: &str, why: &str) -> Result<()> {
        self.audit_alone(
            actor,
            Event::ok(Action::Denied, object)
                .outcome(Outcome::Denied)
                .detail(serde_json::json!({ "reason": why })),
        )
        .await
    }

    /// The audited actions, for the 安全审计员's search form (a refusal is recorded).
    pub async fn audit_actions(&self, actor: &Actor) -> Result<Vec<Action>> {
        self.require(actor, Capability::ReadAudit, "audit").await?;
        Ok(Action::ALL.to_vec())
    }

    /// The audit trail, newest first, for the 安全审计员. The search itself is recorded.
    pub async fn audit_search(
        &self,
        actor: &Actor,
        filter: &AuditFilter,
    ) -> Result<Vec<AuditEntry>> {
        self.require(actor, Capability::ReadAudit, "audit").await?;
        let mut tx = self.store.begin().await?;
        let records = store_audit::search(&mut tx, filter).await?;
        self.audit(
            &mut tx,
            actor,
            Event::ok(Action::AuditRead, "audit").detail(serde_json::json!({
                "account": filter.account, "action": filter.action, "object": filter.object,
                "outcome": filter.outcome, "from": filter.from, "until": filter.until,
                "returned": records.len(),
            })),
        )
        .await?;
        tx.commit().await.map_err(procura_store::Error::from)?;
        Ok(records
            .into_iter()
            .map(|r| AuditEntry {
                seq: r.seq,
                action_zh: Action::from_code(&r.entry.action)
                    .map_or_else(|| r.entry.action.clone(), |a| a.zh().to_owned()),
                at: r.entry.at,
                account: r.entry.account,
                roles: r.entry.roles,
                client: r.entry.client,
                action: r.entry.action,
                object: r.entry.object,
                outcome: r.entry.outcome,
                purpose: r.entry.purpose,
                detail: r.entry.detail,
            })
            .collect())
    }

    /// Verifies the whole trail against the signed checkpoints in `checkpoints` (default:
    /// the configured file), checked with `public_key` (default: the workspace's own key).
    /// The verification is recorded after it has run (so it does not verify its own record).
    pub async fn audit_verify(
        &self,
        actor: &Actor,
        checkpoints: Option<&Path>,
        public_key: Option<&str>,
    ) -> Result<AuditVerdict> {
        self.require(actor, Capability::ReadAudit, "audit").await?;
        let key = match public_key {
            Some(text) => PublicKey::from_hex(text)
                .map_err(|e| Error::Invalid(format!("--public-key: {e}")))?,
            None => self.audit_settings.load_or_create_key()?.public(),
        };
        let path = checkpoints.map_or_else(
            || self.audit_settings.checkpoint_path.clone(),
            Path::to_path_buf,
        );
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && checkpoints.is_none() => {
                String::new()
            }
            Err(e) => {
                return Err(Error::Io {
                    action: "cannot read",
                    path,
                    source: e,
                });
            }
        };
        let (verdict, failure) = match Checkpoint::parse_file(&text) {
            Err(e) => (
                (0, 0, 0),
                Some(procura_audit::Failure {
                    seq: None,
                    reason: format!("{}: {e}", path.display()),
                }),
            ),
            Ok(list) => {
                let count = list.len();
                match self.verify_chain(list, &key).await? {
                    Ok(v) => ((v.records, count, v.anchored_size), None),
                    Err(f) => ((0, count, 0), Some(f)),
                }
            }
        };
        self.audit_alone(
            actor,
            Event::ok(Action::AuditVerify, "audit")
                .outcome(match &failure {
                    None => Outcome::Ok,
                    Some(_) => Outcome::Failed("tampered".into()),
                })
                .detail(serde_json::json!({
                    "records": verdict.0,
                    "failure": failure.as_ref().map(ToString::to_string),
                })),
        )
        .await?;
        Ok(AuditVerdict {
            records: verdict.0,
            checkpoints: verdict.1,
            anchored_size: verdict.2,
            public_key: key.to_hex(),
            failure,
        })
    }

    /// Streams the log through the verifier in pages.
    async fn verify_chain(
        &self,
        checkpoints: Vec<Checkpoint>,
        key: &PublicKey,
    ) -> Result<std::result::Result<procura_audit::Verified, procura_audit::Failure>> {
        let mut verifier = match ChainVerifier::new(checkpoints, Some(key)) {
            Ok(v) => v,
            Err(failure) => return Ok(Err(failure)),
        };
        let mut connection = self.connection().await?;
        let mut after = 0;
        loop {
            let page = store_audit::records_after(&mut connection, after, 20_000).await?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            for record in &page {
                if let Err(failure) = verifier.push(record) {
                    return Ok(Err(failure));
                }
            }
        }
        Ok(verifier.finish())
    }

    /// Signs a checkpoint of the current head when one is due (or `force`d and the log has
    /// grown): verifies the records since the last checkpoint first and refuses to sign a
    /// broken chain. Returns the checkpoint written, if any.
    pub async fn audit_checkpoint(&self, force: bool) -> Result<Option<Checkpoint>> {
        let settings = &self.audit_settings;
        let now = self.now();
        let mut connection = self.connection().await?;
        let head = store_audit::last_seq(&mut connection).await?;
        drop(connection);
        self.check_checkpoint_file().await?;
        let mut connection = self.connection().await?;
        let last = self.last_checkpoint()?;
        let (last_size, last_at) = last.unwrap_or((0, DateTime::<Utc>::MIN_UTC));
        if head <= last_size {
            return Ok(None);
        }
        let due = force
            || head - last_size >= settings.checkpoint_records
            || now - last_at >= Duration::minutes(settings.checkpoint_minutes);
        if !due {
            return Ok(None);
        }
        // Verify the records since the last checkpoint before vouching for them.
        let key = settings.load_or_create_key()?;
        let mut verifier = match last_size {
            0 => ChainVerifier::after(0, procura_audit::GENESIS),
            size => {
                let anchor = store_audit::record(&mut connection, size)
                    .await?
                    .ok_or_else(|| chain_broken(size))?;
                ChainVerifier::after(anchor.seq, &anchor.hash)
            }
        };
        let mut head_hash = None;
        let mut after = last_size;
        while after < head {
            let page = store_audit::records_after(&mut connection, after, 20_000).await?;
            let Some(last_record) = page.last() else {
                break;
            };
            after = last_record.seq;
            for record in page.iter().filter(|r| r.seq <= head) {
                if let Err(failure) = verifier.push(record) {
                    tracing::error!(%failure, "the audit chain is broken; no checkpoint signed");
                    drop(connection);
                    self.report_integrity(failure.to_string()).await?;
                    return Err(chain_broken(failure.seq.unwrap_or(record.seq)));
                }
                if record.seq == head {
                    head_hash = Some(record.hash.clone());
                }
            }
        }
        let Some(head_hash) = head_hash else {
            return Ok(None);
        };
        let checkpoint = Checkpoint::sign(&key, head, &head_hash, &rfc3339(now));
        let path = &settings.checkpoint_path;
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(Error::io("cannot create", dir))?;
        }
        let mut file = fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(path)
            .map_err(Error::io("cannot open", path))?;
        file.write_all(format!("{}\n", checkpoint.to_line()).as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(Error::io("cannot write", path))?;
        self.checkpoint_state()?.last = Some((head, now));
        Ok(Some(checkpoint))
    }

    fn checkpoint_state(&self) -> Result<std::sync::MutexGuard<'_, CheckpointState>> {
        self.checkpoints
            .lock()
            .map_err(|_| Error::Internal("checkpoint state poisoned".into()))
    }

    /// The last checkpoint's size and time: remembered, else read from the file.
    /// Compares the checkpoint file with the last checkpoint this process signed: a file gone
    /// or shorter means someone removed what vouches for the trail, which is recorded (and so
    /// raises the audit-integrity alert).
    async fn check_checkpoint_file(&self) -> Result<()> {
        let Some((signed, _)) = self.checkpoint_state()?.last else {
            return Ok(());
        };
        let path = &self.audit_settings.checkpoint_path;
        let on_file = match fs::read_to_string(path) {
            Ok(text) => Checkpoint::parse_file(&text)
                .map(|list| list.iter().map(|c| c.size).max().unwrap_or(0))
                .unwrap_or(-1),
            Err(_) => -1,
        };
        if on_file < signed {
            let why = if on_file < 0 {
                format!(
                    "签名检查点文件 {} 缺失或无法解析（本进程已签至第 {signed} 条） / the checkpoint file is missing or unreadable",
                    path.display()
                )
            } else {
                format!(
                    "签名检查点文件 {} 被截断：最新检查点为第 {on_file} 条，本进程已签至第 {signed} 条 / the checkpoint file lost lines",
                    path.display()
                )
            };
            self.report_integrity(why).await?;
        }
        Ok(())
    }

    /// Records an integrity failure found by the server itself as a failed `audit.verify`
    /// (once per distinct problem), which the audit-integrity alert rule turns into an alert.
    async fn report_integrity(&self, why: String) -> Result<()> {
        {
            let mut state = self.checkpoint_state()?;
            if state.reported.as_deref() == Some(why.as_str()) {
                return Ok(());
            }
            state.reported = Some(why.clone());
        }
        self.audit_alone(
            &Actor::new("audit")?,
            Event::ok(Action::AuditVerify, "audit")
                .outcome(Outcome::Failed("integrity".into()))
                .detail(serde_json::json!({ "failure": why })),
        )
        .await
    }

    fn last_checkpoint(&self) -> Result<Option<(i64, DateTime<Utc>)>> {
        if let Some(last) = self.checkpoint_state()?.last {
            return Ok(Some(last));
        }
        let path = &self.audit_settings.checkpoint_path;
        let text = match fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(Error::Io {
                    action: "cannot read",
                    path: path.clone(),
                    source: e,
                });
            }
        };
        let list = Checkpoint::parse_file(&text)
            .map_err(|e| Error::Invalid(format!("{}: {e}", path.display())))?;
        let last = list.iter().max_by_key(|c| c.size).map(|c| {
            let at = DateTime::parse_from_rfc3339(&c.at)
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or(DateTime::<Utc>::MIN_UTC);
            (c.size, at)
        });
        self.checkpoint_state()?.last = last;
        Ok(last)
    }
}

/// Guards the shared checkpoint state.
pub(crate) type CheckpointLock = Mutex<CheckpointState>;
