//! Early warning (事前预警): rules over the audit trail that raise alerts for the 安全保密管理员
//! — a bulk export, access outside working hours, many clue lookups or unmasked views in a
//! short time, repeated failed sign-ins or refusals, a sign-in from a new address.
//!
//! [`App::scan_alerts`] reads the audit records after the scan cursor, evaluates each rule the
//! record can trigger (counting over the rule's window in the trail itself), raises at most one
//! alert per rule and account per window, and moves the cursor — all in one transaction, with
//! an audit record for every alert raised. The server scans every 10 seconds.

use chrono::{DateTime, Duration, FixedOffset, Offset, Timelike, Utc};
use procura_store::alerts::{self as store, AlertRecord, Count, RuleRecord};
use procura_store::audit as store_audit;

use crate::audit::{Action, Event};
use crate::error::{Error, Result};
use crate::{Actor, App, Capability, rfc3339};

/// The rules. A closed set: each is evaluated by code here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// One export of more than `threshold` rows.
    BulkExport,
    /// Reading case data outside working hours.
    OffHours,
    /// Reading at least `threshold` different clues within the window.
    ManyLookups,
    /// Unmasking identifiers at least `threshold` times within the window.
    UnmaskRate,
    /// At least `threshold` failed sign-ins for one account within the window.
    FailedLogins,
    /// At least `threshold` refusals (403) of one account within the window.
    Denials,
    /// A sign-in from an address the account never used before.
    NewClient,
    /// The audit trail failed verification (by the auditor's `verify`, or before a checkpoint
    /// was signed), or the checkpoint file went missing or lost lines.
    AuditIntegrity,
}

impl Rule {
    /// Every rule.
    pub const ALL: [Rule; 8] = [
        Rule::BulkExport,
        Rule::OffHours,
        Rule::ManyLookups,
        Rule::UnmaskRate,
        Rule::FailedLogins,
        Rule::Denials,
        Rule::NewClient,
        Rule::AuditIntegrity,
    ];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Rule::BulkExport => "bulk_export",
            Rule::OffHours => "off_hours",
            Rule::ManyLookups => "many_lookups",
            Rule::UnmaskRate => "unmask_rate",
            Rule::FailedLogins => "failed_logins",
            Rule::Denials => "denials",
            Rule::NewClient => "new_client",
            Rule::AuditIntegrity => "audit_integrity",
        }
    }

    /// The Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            Rule::BulkExport => "批量导出",
            Rule::OffHours => "非工作时间访问",
            Rule::ManyLookups => "短时间内大量查看线索",
            Rule::UnmaskRate => "频繁查看完整证件号",
            Rule::FailedLogins => "多次登录失败",
            Rule::Denials => "多次越权被拒",
            Rule::NewClient => "新的登录地址",
            Rule::AuditIntegrity => "审计日志完整性受损",
        }
    }

    /// What it watches, in Chinese.
    pub fn description_zh(self) -> &'static str {
        match self {
            Rule::BulkExport => "一次导出的线索行数超过阈值",
            Rule::OffHours => "在工作时间（北京时间 开始时–结束时）以外查看或导出案件数据",
            Rule::ManyLookups => "同一账户在时间窗内查看的不同线索数达到阈值",
            Rule::UnmaskRate => "同一账户在时间窗内查看完整证件号的次数达到阈值",
            Rule::FailedLogins => "同一账户在时间窗内登录失败次数达到阈值",
            Rule::Denials => "同一账户在时间窗内越权访问被拒次数达到阈值",
            Rule::NewClient => "账户从此前从未使用过的地址登录",
            Rule::AuditIntegrity => {
                "审计日志校验失败（审计员校验或签署检查点前的校验），或签名检查点文件缺失、被截断"
            }
        }
    }

    /// The rule for a code.
    pub fn from_code(code: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The settings until the security administrator changes them (T-ALERT-01). Working
    /// hours differ between offices, so the off-hours rule starts disabled.
    pub fn default_setting(self) -> RuleSetting {
        let (enabled, threshold, window_minutes) = match self {
            Rule::BulkExport => (true, 500, 60),
            Rule::OffHours => (false, 1, 60),
            Rule::ManyLookups => (true, 200, 60),
            Rule::UnmaskRate => (true, 20, 60),
            Rule::FailedLogins => (true, 5, 15),
            Rule::Denials => (true, 10, 10),
            Rule::NewClient => (true, 1, 1440),
            Rule::AuditIntegrity => (true, 1, 60),
        };
        RuleSetting {
            rule: self,
            enabled,
            threshold,
            window_minutes,
            start_hour: 8,
            end_hour: 20,
        }
    }
}

/// A rule with its settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleSetting {
    /// Which.
    pub rule: Rule,
    /// On.
    pub enabled: bool,
    /// The count (or rows) at which it fires.
    pub threshold: i64,
    /// The window counted, and the quiet period after an alert.
    pub window_minutes: i64,
    /// Working hours, office time (UTC+8): from this hour …
    pub start_hour: i64,
    /// … until this hour (exclusive). `start == end` makes every hour off-hours.
    pub end_hour: i64,
}

/// An alert as the security page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertInfo {
    /// The stored alert.
    pub alert: AlertRecord,
    /// The rule's Chinese name.
    pub rule_zh: String,
}

/// Office time: 北京时间 (UTC+8).
fn office_offset() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or(Utc.fix())
}

/// Actions that read or take case data (for the off-hours rule).
const SENSITIVE_READS: [&str; 6] = [
    "clue.read",
    "clue.list",
    "clue.export",
    "attachment.read",
    "dataset.read",
    "data.sql",
];

impl App {
    /// The rules with their current settings.
    pub async fn alert_rules(&self, actor: &Actor) -> Result<Vec<RuleSetting>> {
        if !(actor.can(Capability::ManageAccess) || actor.can(Capability::ReadAudit)) {
            self.audit_denied(actor, "alerts", "alert rules").await?;
            return Err(Error::Forbidden(
                "只有安全保密管理员和安全审计员可以查看预警 (only the security administrator and the auditor see alerts)".into(),
            ));
        }
        self.rule_settings().await
    }

    async fn rule_settings(&self) -> Result<Vec<RuleSetting>> {
        let mut connection = self.connection().await?;
        let saved = store::rules(&mut connection).await?;
        Ok(Rule::ALL
            .into_iter()
            .map(|rule| {
                saved.iter().find(|s| s.rule == rule.code()).map_or_else(
                    || rule.default_setting(),
                    |s| RuleSetting {
                        rule,
                        enabled: s.enabled,
                        threshold: s.threshold,
                        window_minutes: s.window_minutes,
                        start_hour: s.start_hour,
                        end_hour: s.end_hour,
                    },
                )
            })
            .collect())
    }

    /// Saves rule settings (安全保密管理员); each change is recorded.
    pub async fn set_alert_rules(&self, actor: &Actor, settings: &[RuleSetting]) -> Result<()> {
        self.require(actor, Capability::ManageAccess, "alerts")
            .await?;
        for s in settings {
            if s.threshold < 1 || !(1..=1440).contains(&s.window_minutes) {
                return Err(Error::Invalid(format!(
                    "规则「{}」：阈值至少为 1，时间窗为 1–1440 分钟 (threshold ≥ 1, window 1–1440 minutes)",
                    s.rule.zh()
                )));
            }
            if !(0..=24).contains(&s.start_hour) || !(0..=24).contains(&s.end_hour) {
                return Err(Error::Invalid(format!(
                    "规则「{}」：工作时间应在 0–24 时 (hours must be 0–24)",
                    s.rule.zh()
                )));
            }
        }
        let now = self.now_text();
        let mut tx = self.store.begin().await?;
        for s in settings {
            store::save_rule(
                &mut tx,
                &RuleRecord {
                    rule: s.rule.code().to_owned(),
                    enabled: s.enabled,
                    threshold: s.threshold,
                    window_minutes: s.window_minutes,
                    start_hour: s.start_hour,
                    end_hour: s.end_hour,
                },
                actor.name(),
                &now,
            )
            .await?;
            self.audit(
                &mut tx,
                actor,
                Event::ok(
                    Action::AlertRuleChange,
                    format!("alert_rule:{}", s.rule.code()),
                )
                .detail(serde_json::json!({
                    "enabled": s.enabled, "threshold": s.threshold,
                    "window_minutes": s.window_minutes,
                    "start_hour": s.start_hour, "end_hour": s.end_hour,
                })),
            )
            .await?;
        }
        tx.commit().await.map_err(procura_store::Error::from)?;
        Ok(())
    }

    /// Alerts, newest first (安全保密管理员 and 安全审计员); the view is recorded.
    pub async fn alerts(&self, actor: &Actor, open_only: bool) -> Result<Vec<AlertInfo>> {
        if !(actor.can(Capability::ManageAccess) || actor.can(Capability::ReadAudit)) {
            self.audit_denied(actor, "alerts", "alerts").await?;
            return Err(Error::Forbidden(
                "只有安全保密管理员和安全审计员可以查看预警 (only the security administrator and the auditor see alerts)".into(),
            ));
        }
        let mut connection = self.connection().await?;
        let list = store::list(&mut connection, open_only, 1000).await?;
        drop(connection);
        Ok(list
            .into_iter()
            .map(|alert| AlertInfo {
                rule_zh: Rule::from_code(&alert.rule)
                    .map_or_else(|| alert.rule.clone(), |r| r.zh().to_owned()),
                alert,
            })
            .collect())
    }

    /// Acknowledges an alert with a note (安全保密管理员).
    pub async fn acknowledge_alert(&self, actor: &Actor, id: i64, note: &str) -> Result<()> {
        self.require(actor, Capability::ManageAccess, &format!("alert:{id}"))
            .await?;
        let note = crate::clean_text(note, 200);
        if note.is_empty() {
            return Err(Error::Invalid(
                "请填写处理说明 (a note on what was done is required)".into(),
            ));
        }
        let mut tx = self.store.begin().await?;
        if !store::acknowledge(&mut tx, id, actor.name(), &note, &self.now_text()).await? {
            return Err(Error::NotFound(format!(
                "没有未处理的预警 {id} (no open alert {id})"
            )));
        }
        self.audit(
            &mut tx,
            actor,
            Event::ok(Action::AlertAck, format!("alert:{id}"))
                .detail(serde_json::json!({ "note": note })),
        )
        .await?;
        tx.commit().await.map_err(procura_store::Error::from)?;
        Ok(())
    }

    /// Evaluates the rules over the audit records not scanned yet; returns the alerts raised.
    pub async fn scan_alerts(&self) -> Result<Vec<AlertRecord>> {
        let settings = self.rule_settings().await?;
        let system = Actor::new("alerts")?;
        let mut raised = Vec::new();
        loop {
            let mut tx = self.store.begin().await?;
            let cursor = store::cursor(&mut tx).await?;
            let records = store_audit::records_after(&mut tx, cursor, 2_000).await?;
            let Some(last) = records.last().map(|r| r.seq) else {
                break;
            };
            for record in &records {
                for setting in settings.iter().filter(|s| s.enabled) {
                    if let Some(alert) = self.evaluate(&mut tx, setting, record).await? {
                        let mut alert = alert;
                        alert.id = store::insert(&mut tx, &alert).await?;
                        self.audit(
                            &mut tx,
                            &system,
                            Event::ok(Action::AlertRaised, format!("alert:{}", alert.id)).detail(
                                serde_json::json!({
                                    "rule": alert.rule, "account": alert.account,
                                    "records": [alert.first_seq, alert.last_seq],
                                }),
                            ),
                        )
                        .await?;
                        raised.push(alert);
                    }
                }
            }
            // Alerts' own audit records are scanned next time; they trigger no rule.
            if !store::advance_cursor(&mut tx, cursor, last).await? {
                // Another scanner moved on meanwhile: its alerts stand, ours are dropped.
                drop(tx);
                raised.clear();
                break;
            }
            tx.commit().await.map_err(procura_store::Error::from)?;
            if records.len() < 2_000 {
                break;
            }
        }
        Ok(raised)
    }

    async fn evaluate(
        &self,
        tx: &mut procura_store::Tx,
        setting: &RuleSetting,
        record: &procura_audit::Record,
    ) -> Result<Option<AlertRecord>> {
        let e = &record.entry;
        let Ok(at) = DateTime::parse_from_rfc3339(&e.at).map(|t| t.with_timezone(&Utc)) else {
            return Ok(None);
        };
        let since = rfc3339(at - Duration::minutes(setting.window_minutes));
        let person = !e.account.starts_with("local:") && e.account != "anonymous";
        let mut count = Count {
            account: Some(&e.account),
            action: &e.action,
            object: None,
            detail_contains: None,
            client: None,
            since: &since,
            up_to_seq: record.seq,
            distinct_objects: false,
        };
        let (account, detail, first) = match setting.rule {
            Rule::BulkExport if e.action == "clue.export" => {
                let rows = serde_json::from_str::<serde_json::Value>(&e.detail)
                    .ok()
                    .and_then(|d| d["rows"].as_i64())
                    .unwrap_or(0);
                if rows <= setting.threshold {
                    return Ok(None);
                }
                (
                    e.account.clone(),
                    format!("一次导出 {rows} 行线索（阈值 {}）", setting.threshold),
                    record.seq,
                )
            }
            Rule::OffHours if person && SENSITIVE_READS.contains(&e.action.as_str()) => {
                let hour = i64::from(at.with_timezone(&office_offset()).hour());
                let working = if setting.start_hour <= setting.end_hour {
                    (setting.start_hour..setting.end_hour).contains(&hour)
                } else {
                    hour >= setting.start_hour || hour < setting.end_hour
                };
                if working {
                    return Ok(None);
                }
                (
                    e.account.clone(),
                    format!(
                        "北京时间 {hour} 时（工作时间 {}–{} 时以外）{}",
                        setting.start_hour,
                        setting.end_hour,
                        Action::from_code(&e.action).map_or("访问", |a| a.zh())
                    ),
                    record.seq,
                )
            }
            Rule::ManyLookups if person && e.action == "clue.read" => {
                count.distinct_objects = true;
                let (n, first) = store::count(tx, &count).await?;
                if n < setting.threshold {
                    return Ok(None);
                }
                (
                    e.account.clone(),
                    format!("{} 分钟内查看 {n} 条不同线索", setting.window_minutes),
                    first,
                )
            }
            Rule::UnmaskRate
                if person && e.action == "clue.read" && e.detail.contains("\"unmasked\":true") =>
            {
                count.detail_contains = Some("\"unmasked\":true");
                let (n, first) = store::count(tx, &count).await?;
                if n < setting.threshold {
                    return Ok(None);
                }
                (
                    e.account.clone(),
                    format!("{} 分钟内 {n} 次查看完整证件号", setting.window_minutes),
                    first,
                )
            }
            Rule::FailedLogins if e.action == "login.failed" => {
                count.account = None;
                count.object = Some(&e.object);
                let (n, first) = store::count(tx, &count).await?;
                if n < setting.threshold {
                    return Ok(None);
                }
                (
                    e.object.trim_start_matches("user:").to_owned(),
                    format!("{} 分钟内 {n} 次登录失败", setting.window_minutes),
                    first,
                )
            }
            Rule::Denials if e.action == "access.denied" && e.account != "anonymous" => {
                let (n, first) = store::count(tx, &count).await?;
                if n < setting.threshold {
                    return Ok(None);
                }
                (
                    e.account.clone(),
                    format!("{} 分钟内 {n} 次越权访问被拒", setting.window_minutes),
                    first,
                )
            }
            Rule::NewClient if e.action == "login" && e.client != "unknown" => {
                // Any earlier sign-in of the account, and any from this address.
                let ever = Count {
                    since: "",
                    up_to_seq: record.seq - 1,
                    ..count
                };
                let (before, _) = store::count(tx, &ever).await?;
                let (here, _) = store::count(
                    tx,
                    &Count {
                        client: Some(&e.client),
                        ..ever
                    },
                )
                .await?;
                if before == 0 || here > 0 {
                    return Ok(None);
                }
                (
                    e.account.clone(),
                    format!("首次从地址 {} 登录", e.client),
                    record.seq,
                )
            }
            Rule::AuditIntegrity if e.action == "audit.verify" && e.outcome != "ok" => {
                let why = serde_json::from_str::<serde_json::Value>(&e.detail)
                    .ok()
                    .and_then(|d| d["failure"].as_str().map(str::to_owned))
                    .unwrap_or_default();
                (
                    e.account.clone(),
                    format!("审计日志校验失败：{why}"),
                    record.seq,
                )
            }
            _ => return Ok(None),
        };
        if store::raised_since(tx, setting.rule.code(), &account, &since).await? {
            return Ok(None);
        }
        Ok(Some(AlertRecord {
            id: 0,
            rule: setting.rule.code().to_owned(),
            account,
            client: e.client.clone(),
            at: e.at.clone(),
            first_seq: first.min(record.seq),
            last_seq: record.seq,
            detail,
            acknowledged_by: None,
            acknowledged_at: None,
            note: None,
        }))
    }
}
