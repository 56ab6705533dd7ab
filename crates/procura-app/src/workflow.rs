//! The clue workflow of the workbench: who sees which clue (data scope), the page-by-page
//! list, and the validated steps 分派 assign → 接收 accept → 核查 comment → 办结 conclude, with
//! 重新打开 reopen and 无效 invalidate. Every step checks the role, the scope and the current
//! status on the server, records who did it and why, and sets the next stage's deadline.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use procura_core::clue::{ClueAction, ClueStatus, transition};
use procura_store::clues::{self, ClueRecord, PageFilter, Scope, Sort};
use procura_store::users;

use crate::audit::{Action, Event};
use crate::clues::{ClueInfo, clue_info};
use crate::error::{Error, Result};
use crate::{Actor, App, Capability, rfc3339};

/// Days a procurator has to accept an assigned clue.
pub const ACCEPT_DAYS: i64 = 3;
/// Days from acceptance to conclusion.
pub const VERIFY_DAYS: i64 = 30;
/// Supervision acts a case (成案) can conclude with.
pub const ACTS: [&str; 7] = [
    "立案监督",
    "检察建议",
    "纠正违法",
    "公益诉讼诉前检察建议",
    "提起公益诉讼",
    "抗诉",
    "其他",
];
/// Reasons a clue concludes without a case (不成案).
pub const NO_CASE_REASONS: [&str; 5] = [
    "数据错误",
    "已依法处理",
    "不属于监督范围",
    "证据不足",
    "其他",
];
/// Longest comment or note.
const MAX_TEXT_CHARS: usize = 4000;

/// A search over the clues in the actor's scope. Empty options do not filter.
#[derive(Debug, Clone, Default)]
pub struct ClueSearch {
    /// Model id.
    pub model: Option<String>,
    /// Area code or Chinese name.
    pub area: Option<String>,
    /// Status code or Chinese label.
    pub status: Option<String>,
    /// `high`, `medium`, `low` (or 高 中 低).
    pub severity: Option<String>,
    /// Assignee user name.
    pub assignee: Option<String>,
    /// First seen on or after this day.
    pub from: Option<NaiveDate>,
    /// First seen on or before this day.
    pub to: Option<NaiveDate>,
    /// Amount at least (分).
    pub min_amount_fen: Option<i64>,
    /// Amount at most (分).
    pub max_amount_fen: Option<i64>,
    /// Text in the title, or a subject's exact name or identifier.
    pub text: Option<String>,
    /// Only clues assigned to the actor.
    pub mine: bool,
    /// Only clues past their stage deadline.
    pub overdue: bool,
    /// Only clues with a stage deadline.
    pub with_deadline: bool,
    /// `id`, `-id`, `amount`, `-amount`, `first_seen`, `-first_seen`, `due`, `-due`.
    pub sort: Option<String>,
    /// 1-based page.
    pub page: i64,
    /// Rows per page (1..=200).
    pub page_size: i64,
}

/// Lists count matching clues up to this many; beyond it the total is shown as "10000+".
pub const COUNT_CAP: i64 = 10_000;

/// One page of clues.
#[derive(Debug, Clone)]
pub struct CluePage {
    /// Clues matching the search (at most [`COUNT_CAP`]).
    pub total: i64,
    /// False when more than [`COUNT_CAP`] match.
    pub total_exact: bool,
    /// The page number.
    pub page: i64,
    /// Rows per page.
    pub page_size: i64,
    /// The clues.
    pub items: Vec<ClueInfo>,
}

/// How a verification ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conclusion {
    /// 成案: a supervision act was taken.
    Case {
        /// One of [`ACTS`].
        act: String,
        /// Note.
        note: String,
    },
    /// 不成案.
    NoCase {
        /// One of [`NO_CASE_REASONS`].
        reason: String,
        /// Note.
        note: String,
    },
}

/// A workflow step a user can take on a clue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// 分派.
    Assign,
    /// 接收.
    Accept,
    /// 核查意见.
    Comment,
    /// 办结.
    Conclude,
    /// 重新打开.
    Reopen,
    /// 无效.
    Invalidate,
}

impl Step {
    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            Step::Assign => "assign",
            Step::Accept => "accept",
            Step::Comment => "comment",
            Step::Conclude => "conclude",
            Step::Reopen => "reopen",
            Step::Invalidate => "invalidate",
        }
    }
}

/// The workbench's home page figures.
#[derive(Debug, Clone)]
pub struct Home {
    /// Live clues in scope per status.
    pub by_status: Vec<(ClueStatus, i64)>,
    /// Clues assigned to the actor with the nearest deadlines.
    pub due_soon: Vec<ClueInfo>,
    /// Clues in scope past their deadline.
    pub overdue: i64,
}

fn parse_sort(text: Option<&str>) -> Result<Sort> {
    Ok(match text.unwrap_or("-id") {
        "-id" | "-first_seen" | "" => Sort::IdDesc,
        "id" | "first_seen" => Sort::IdAsc,
        "-amount" => Sort::AmountDesc,
        "amount" => Sort::AmountAsc,
        "due" => Sort::DueAsc,
        "-due" => Sort::DueDesc,
        other => {
            return Err(Error::Invalid(format!(
                "unknown sort `{other}` (id, -id, amount, -amount, first_seen, -first_seen, due, -due)"
            )));
        }
    })
}

fn parse_severity(text: &str) -> Result<String> {
    Ok(match text {
        "high" | "高" => "high",
        "medium" | "中" => "medium",
        "low" | "低" => "low",
        other => {
            return Err(Error::Invalid(format!(
                "unknown severity `{other}` (high, medium, low)"
            )));
        }
    }
    .to_owned())
}

fn note_text(text: &str, what: &str) -> Result<String> {
    let text = text.trim();
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(Error::Invalid(format!(
            "{what}超过 {MAX_TEXT_CHARS} 字 ({what} is longer than {MAX_TEXT_CHARS} characters)"
        )));
    }
    Ok(text.to_owned())
}

fn required(text: &str, what: &str) -> Result<String> {
    let text = note_text(text, what)?;
    if text.is_empty() {
        return Err(Error::Invalid(format!("请填写{what} ({what} is required)")));
    }
    Ok(text)
}

fn status_of(record: &ClueRecord) -> Result<ClueStatus> {
    record
        .status
        .parse()
        .map_err(|_| Error::Internal(format!("clue {} has status {}", record.id, record.status)))
}

/// The one answer for a clue that does not exist and a clue outside the caller's scope, so
/// that ids cannot be probed.
fn out_of_scope() -> Error {
    Error::Forbidden("线索不存在或不在您的数据范围内 (no such clue in your data scope)".into())
}

/// Whether the actor heads the department the clue is routed to (the local operator does).
fn heads(actor: &Actor, record: &ClueRecord) -> bool {
    match actor.principal() {
        None => true,
        Some(p) => {
            actor.can(Capability::ManageClues)
                && p.department_id.is_some()
                && p.department_id == record.department_id
        }
    }
}

fn is_assignee(actor: &Actor, record: &ClueRecord) -> bool {
    actor.can(Capability::WorkClues) && record.assignee.as_deref() == Some(actor.name())
}

/// The steps `actor` may take on a clue in its current status.
pub fn allowed_steps(actor: &Actor, record: &ClueRecord) -> Vec<Step> {
    let Ok(status) = status_of(record) else {
        return Vec::new();
    };
    let mut steps = Vec::new();
    let head = heads(actor, record);
    let assignee = is_assignee(actor, record);
    if head && transition(status, ClueAction::Assign).is_ok() {
        steps.push(Step::Assign);
    }
    if assignee && transition(status, ClueAction::StartVerification).is_ok() {
        steps.push(Step::Accept);
    }
    if (assignee || head) && !status.is_terminal() && status != ClueStatus::New {
        steps.push(Step::Comment);
    }
    if assignee && transition(status, ClueAction::ConcludeCase).is_ok() {
        steps.push(Step::Conclude);
    }
    if head && transition(status, ClueAction::Reopen).is_ok() && record.assignee.is_some() {
        steps.push(Step::Reopen);
    }
    if head && transition(status, ClueAction::Invalidate).is_ok() {
        steps.push(Step::Invalidate);
    }
    steps
}

/// The deepest page a list serves (200 per page: 100,000 clues). Beyond it, filter.
pub const MAX_PAGE: i64 = 500;

impl App {
    /// One page of the clues in the actor's scope (the view is recorded in the audit trail).
    pub async fn clue_page(&self, actor: &Actor, search: &ClueSearch) -> Result<CluePage> {
        self.require(actor, Capability::ReadClues, "clues").await?;
        let page = self.clue_page_unaudited(actor, search).await?;
        self.audit_alone(
            actor,
            Event::ok(Action::ClueList, "clues").detail(serde_json::json!({
                "page": page.page,
                "ids": page.items.iter().map(|c| c.id).collect::<Vec<_>>(),
                "filter": {
                    "model": search.model, "status": search.status, "area": search.area,
                    "mine": search.mine, "text": search.text, "overdue": search.overdue,
                },
            })),
        )
        .await?;
        Ok(page)
    }

    async fn clue_page_unaudited(&self, actor: &Actor, search: &ClueSearch) -> Result<CluePage> {
        actor.require(Capability::ReadClues)?;
        if search.page > MAX_PAGE || search.page_size > 200 {
            return Err(Error::Invalid(format!(
                "页码最大为 {MAX_PAGE}，每页最多 200 条；请用筛选条件缩小范围 (page is at most {MAX_PAGE} and page_size at most 200; narrow the search instead)"
            )));
        }
        let page = search.page.max(1);
        let page_size = if search.page_size <= 0 {
            20
        } else {
            search.page_size.min(200)
        };
        let now = self.now();
        let mut statuses = Vec::new();
        if let Some(status) = &search.status {
            let status: ClueStatus = status
                .parse()
                .map_err(|e: procura_core::clue::UnknownStatus| Error::Invalid(e.to_string()))?;
            statuses.push(status.code().to_owned());
        }
        if search.overdue && statuses.is_empty() {
            statuses = ClueStatus::ALL
                .into_iter()
                .filter(|s| !s.is_terminal())
                .map(|s| s.code().to_owned())
                .collect();
        }
        let filter = PageFilter {
            scope: Some(actor.clue_scope()),
            model_id: search.model.clone().filter(|m| !m.is_empty()),
            area: search
                .area
                .as_deref()
                .filter(|a| !a.is_empty())
                .map(crate::auth::area_code)
                .transpose()?,
            statuses,
            severity: search
                .severity
                .as_deref()
                .filter(|s| !s.is_empty())
                .map(parse_severity)
                .transpose()?,
            assignee: if search.mine {
                Some(actor.name().to_owned())
            } else {
                search.assignee.clone().filter(|a| !a.is_empty())
            },
            first_seen_from: search.from.map(|d| d.to_string()),
            first_seen_to: search.to.and_then(|d| d.succ_opt()).map(|d| d.to_string()),
            min_amount_fen: search.min_amount_fen,
            max_amount_fen: search.max_amount_fen,
            text: search
                .text
                .as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned),
            due_before: search.overdue.then(|| rfc3339(now)),
            with_deadline: search.with_deadline,
            include_gone: false,
            sort: parse_sort(search.sort.as_deref())?,
            limit: page_size,
            offset: (page - 1).saturating_mul(page_size),
            count_cap: COUNT_CAP,
        };
        let mut connection = self.connection().await?;
        let (total, records) = clues::page(&mut connection, &filter).await?;
        Ok(CluePage {
            total: total.min(COUNT_CAP),
            total_exact: total <= COUNT_CAP,
            page,
            page_size,
            items: records
                .into_iter()
                .map(|r| {
                    let mut clue = clue_info(r)?;
                    if actor.principal().is_some() {
                        crate::clues::mask_clue(&mut clue);
                    }
                    Ok(clue)
                })
                .collect::<Result<_>>()?,
        })
    }

    /// A clue the actor may see, or `Forbidden`. When `record_access` is set and the actor
    /// sees it only through a cross-department grant, the access goes into its history.
    pub(crate) async fn visible_clue(
        &self,
        actor: &Actor,
        id: i64,
        record_access: bool,
    ) -> Result<ClueRecord> {
        self.require(actor, Capability::ReadClues, &format!("clue:{id}"))
            .await?;
        let mut connection = self.connection().await?;
        let record = clues::get(&mut connection, id).await?;
        drop(connection);
        let Some(record) = record else {
            if actor.principal().is_none() {
                return Err(Error::NotFound(format!("线索 {id} 不存在 (no clue {id})")));
            }
            self.audit_denied(actor, &format!("clue:{id}"), "out_of_scope")
                .await?;
            return Err(out_of_scope());
        };
        let Scope::Limited { user, .. } = actor.clue_scope() else {
            return Ok(record);
        };
        let Some(principal) = actor.principal() else {
            return Ok(record);
        };
        if record.assignee.as_deref() == Some(user.as_str()) {
            return Ok(record);
        }
        match record.department_id {
            Some(d) if principal.department_id == Some(d) => Ok(record),
            Some(d) if principal.granted_departments.contains(&d) => {
                if record_access {
                    let mut tx = self.store.begin().await?;
                    clues::insert_event(
                        &mut tx,
                        id,
                        &self.now_text(),
                        actor.name(),
                        "viewed_by_grant",
                        None,
                        None,
                        Some("跨部门授权查看 (viewed under a cross-department grant)"),
                    )
                    .await?;
                    tx.commit().await.map_err(procura_store::Error::from)?;
                }
                Ok(record)
            }
            _ => {
                // Audited exactly like a clue that does not exist.
                self.audit_denied(actor, &format!("clue:{id}"), "out_of_scope")
                    .await?;
                Err(out_of_scope())
            }
        }
    }

    /// 分派: a department head gives a new clue to a procurator of the department.
    pub async fn assign_clue(
        &self,
        actor: &Actor,
        id: i64,
        assignee: &str,
        note: &str,
    ) -> Result<()> {
        let record = self.step_allowed(actor, id, Step::Assign).await?;
        let note = note_text(note, "说明")?;
        let mut tx = self.store.begin().await?;
        let person = users::user_by_name(&mut tx, assignee)
            .await?
            .filter(|u| !u.disabled)
            .ok_or_else(|| {
                Error::Invalid(format!(
                    "没有可用账户 `{assignee}` (no active user `{assignee}`)"
                ))
            })?;
        let roles = procura_core::access::parse_roles(&person.roles)
            .map_err(|e| Error::Internal(e.to_string()))?;
        let works = roles
            .iter()
            .any(|r| procura_core::access::allows(*r, Capability::WorkClues));
        if !works {
            return Err(Error::Invalid(format!(
                "{} 不承办线索 ({assignee} does not work on clues)",
                person.display_name
            )));
        }
        if record.department_id.is_some() && person.department_id != record.department_id {
            return Err(Error::Invalid(format!(
                "{} 不在该线索的承办部门 ({assignee} is not in the clue's department)",
                person.display_name
            )));
        }
        let now = self.now();
        let due = rfc3339(now + Duration::days(ACCEPT_DAYS));
        let to = transition(status_of(&record)?, ClueAction::Assign)
            .map_err(|e| Error::Conflict(e.to_string()))?;
        let note = if note.is_empty() {
            format!("分派给 {}", person.display_name)
        } else {
            format!("分派给 {}：{note}", person.display_name)
        };
        clues::apply(
            &mut tx,
            &clues::WorkflowChange {
                clue_id: id,
                from: &record.status,
                to: to.code(),
                assignee: Some(&person.username),
                due_at: Some(&due),
                outcome: None,
                outcome_act: None,
                outcome_reason: None,
                outcome_note: None,
                action: "assign",
                actor: actor.name(),
                note: Some(&note),
                now: &rfc3339(now),
            },
        )
        .await?;
        self.audit(
            &mut tx,
            actor,
            Event::ok(Action::ClueStep, format!("clue:{id}")).detail(
                serde_json::json!({ "step": "assign", "to": to.code(), "assignee": person.username }),
            ),
        )
        .await?;
        tx.commit().await.map_err(procura_store::Error::from)?;
        Ok(())
    }

    /// 接收: the assignee accepts and starts verifying.
    pub async fn accept_clue(&self, actor: &Actor, id: i64, note: &str) -> Result<()> {
        let record = self.step_allowed(actor, id, Step::Accept).await?;
        let note = note_text(note, "说明")?;
        let now = self.now();
        let due = rfc3339(now + Duration::days(VERIFY_DAYS));
        self.simple_step(
            actor,
            &record,
            ClueAction::StartVerification,
            "accept",
            Some(&due),
            &note,
            None,
        )
        .await
    }

    /// 核查意见: a note on the verification by the assignee or the department head.
    pub async fn comment_clue(&self, actor: &Actor, id: i64, text: &str) -> Result<i64> {
        self.step_allowed(actor, id, Step::Comment).await?;
        let text = required(text, "核查意见")?;
        let mut tx = self.store.begin().await?;
        let comment =
            clues::insert_comment(&mut tx, id, &self.now_text(), actor.name(), &text).await?;
        self.audit(
            &mut tx,
            actor,
            Event::ok(Action::ClueStep, format!("clue:{id}"))
                .detail(serde_json::json!({ "step": "comment", "comment": comment })),
        )
        .await?;
        tx.commit().await.map_err(procura_store::Error::from)?;
        Ok(comment)
    }

    /// 办结: the assignee concludes the verification, with a case or without.
    pub async fn conclude_clue(
        &self,
        actor: &Actor,
        id: i64,
        conclusion: &Conclusion,
    ) -> Result<()> {
        let record = self.step_allowed(actor, id, Step::Conclude).await?;
        let status = status_of(&record)?;
        let (action, outcome, act, reason, note) = match conclusion {
            Conclusion::Case { act, note } => {
                if !ACTS.contains(&act.as_str()) {
                    return Err(Error::Invalid(format!(
                        "未知的监督方式 `{act}` (unknown act; one of {})",
                        ACTS.join("、")
                    )));
                }
                (
                    ClueAction::ConcludeCase,
                    "case",
                    Some(act.as_str()),
                    None,
                    note,
                )
            }
            Conclusion::NoCase { reason, note } => {
                if !NO_CASE_REASONS.contains(&reason.as_str()) {
                    return Err(Error::Invalid(format!(
                        "未知的不成案理由 `{reason}` (unknown reason; one of {})",
                        NO_CASE_REASONS.join("、")
                    )));
                }
                (
                    ClueAction::ConcludeNoCase,
                    "no_case",
                    None,
                    Some(reason.as_str()),
                    note,
                )
            }
        };
        let note = note_text(note, "办结说明")?;
        let to = transition(status, action).map_err(|e| Error::Conflict(e.to_string()))?;
        let summary = match conclusion {
            Conclusion::Case { act, .. } => format!("成案：{act}"),
            Conclusion::NoCase { reason, .. } => format!("不成案：{reason}"),
        };
        let history = if note.is_empty() {
            summary
        } else {
            format!("{summary}。{note}")
        };
        let mut tx = self.store.begin().await?;
        clues::apply(
            &mut tx,
            &clues::WorkflowChange {
                clue_id: id,
                from: &record.status,
                to: to.code(),
                assignee: record.assignee.as_deref(),
                due_at: None,
                outcome: Some(outcome),
                outcome_act: act,
                outcome_reason: reason,
                outcome_note: Some(&note),
                action: "conclude",
                actor: actor.name(),
                note: Some(&history),
                now: &self.now_text(),
            },
        )
        .await?;
        self.audit(
            &mut tx,
            actor,
            Event::ok(Action::ClueStep, format!("clue:{id}")).detail(
                serde_json::json!({ "step": "conclude", "to": to.code(), "outcome": outcome, "act": act, "reason": reason }),
            ),
        )
        .await?;
        tx.commit().await.map_err(procura_store::Error::from)?;
        Ok(())
    }

    /// 重新打开: the department head sends a concluded or rejected clue back to its assignee.
    pub async fn reopen_clue(&self, actor: &Actor, id: i64, reason: &str) -> Result<()> {
        let record = self.step_allowed(actor, id, Step::Reopen).await?;
        let reason = required(reason, "重新打开的理由")?;
        let due = rfc3339(self.now() + Duration::days(ACCEPT_DAYS));
        self.simple_step(
            actor,
            &record,
            ClueAction::Reopen,
            "reopen",
            Some(&due),
            &reason,
            None,
        )
        .await
    }

    /// 无效: the department head rejects a clue at triage (a data error, outside competence).
    pub async fn invalidate_clue(&self, actor: &Actor, id: i64, reason: &str) -> Result<()> {
        let record = self.step_allowed(actor, id, Step::Invalidate).await?;
        let reason = required(reason, "无效的理由")?;
        self.simple_step(
            actor,
            &record,
            ClueAction::Invalidate,
            "invalidate",
            None,
            &reason,
            Some(&reason),
        )
        .await
    }

    /// The home page figures for the actor.
    pub async fn home(&self, actor: &Actor) -> Result<Home> {
        self.require(actor, Capability::ReadClues, "home").await?;
        let mut connection = self.connection().await?;
        let counts = clues::status_counts(&mut connection, &actor.clue_scope()).await?;
        drop(connection);
        let by_status = ClueStatus::ALL
            .into_iter()
            .map(|s| {
                let n = counts
                    .iter()
                    .find(|(code, _)| code == s.code())
                    .map_or(0, |(_, n)| *n);
                (s, n)
            })
            .collect();
        let due_soon: Vec<ClueInfo> = self
            .clue_page_unaudited(
                actor,
                &ClueSearch {
                    // A procurator's own deadlines; a department head's whole department's.
                    mine: !actor.can(Capability::ManageClues),
                    with_deadline: true,
                    sort: Some("due".into()),
                    page_size: 10,
                    ..ClueSearch::default()
                },
            )
            .await?
            .items
            .into_iter()
            .filter(|c| c.due_at.is_some() && !c.status.is_terminal())
            .collect();
        let overdue = self
            .clue_page_unaudited(
                actor,
                &ClueSearch {
                    overdue: true,
                    page_size: 1,
                    ..ClueSearch::default()
                },
            )
            .await?
            .total;
        self.audit_alone(
            actor,
            Event::ok(Action::ClueList, "home").detail(
                serde_json::json!({ "ids": due_soon.iter().map(|c| c.id).collect::<Vec<_>>() }),
            ),
        )
        .await?;
        Ok(Home {
            by_status,
            due_soon,
            overdue,
        })
    }

    async fn step_allowed(&self, actor: &Actor, id: i64, step: Step) -> Result<ClueRecord> {
        self.require(actor, Capability::WorkClues, &format!("clue:{id}"))
            .await?;
        let record = self.visible_clue(actor, id, false).await?;
        if allowed_steps(actor, &record).contains(&step) {
            return Ok(record);
        }
        let status = status_of(&record)?;
        let who_may = match step {
            Step::Assign | Step::Reopen | Step::Invalidate => "部门负责人 (the department head)",
            Step::Accept | Step::Conclude => "承办检察官 (the assigned procurator)",
            Step::Comment => "承办检察官或部门负责人 (the assignee or the department head)",
        };
        // The right person at the wrong moment is a conflict; the wrong person is forbidden.
        let right_person = match step {
            Step::Assign | Step::Reopen | Step::Invalidate => heads(actor, &record),
            Step::Accept | Step::Conclude => is_assignee(actor, &record),
            Step::Comment => heads(actor, &record) || is_assignee(actor, &record),
        };
        if !right_person {
            self.audit_denied(actor, &format!("clue:{}", record.id), step.code())
                .await?;
        }
        if right_person {
            Err(Error::Conflict(format!(
                "线索当前状态为「{}」，不能{} (a clue in status {} does not allow `{}`)",
                status.zh(),
                step_zh(step),
                status.code(),
                step.code()
            )))
        } else {
            Err(Error::Forbidden(format!(
                "只有{who_may}可以{} (only {who_may} may `{}` this clue)",
                step_zh(step),
                step.code()
            )))
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn simple_step(
        &self,
        actor: &Actor,
        record: &ClueRecord,
        action: ClueAction,
        code: &str,
        due_at: Option<&str>,
        note: &str,
        outcome_reason: Option<&str>,
    ) -> Result<()> {
        let to =
            transition(status_of(record)?, action).map_err(|e| Error::Conflict(e.to_string()))?;
        let mut tx = self.store.begin().await?;
        clues::apply(
            &mut tx,
            &clues::WorkflowChange {
                clue_id: record.id,
                from: &record.status,
                to: to.code(),
                assignee: record.assignee.as_deref(),
                due_at,
                outcome: None,
                outcome_act: None,
                outcome_reason,
                outcome_note: None,
                action: code,
                actor: actor.name(),
                note: (!note.is_empty()).then_some(note),
                now: &self.now_text(),
            },
        )
        .await?;
        self.audit(
            &mut tx,
            actor,
            Event::ok(Action::ClueStep, format!("clue:{}", record.id))
                .detail(serde_json::json!({ "step": code, "to": to.code() })),
        )
        .await?;
        tx.commit().await.map_err(procura_store::Error::from)?;
        Ok(())
    }
}

fn step_zh(step: Step) -> &'static str {
    match step {
        Step::Assign => "分派",
        Step::Accept => "接收",
        Step::Comment => "填写核查意见",
        Step::Conclude => "办结",
        Step::Reopen => "重新打开",
        Step::Invalidate => "标记无效",
    }
}

/// Whether a clue is past its stage deadline at `now`.
pub fn is_overdue(clue: &ClueInfo, now: DateTime<Utc>) -> bool {
    !clue.status.is_terminal()
        && clue
            .due_at
            .as_deref()
            .is_some_and(|due| due < rfc3339(now).as_str())
}

/// How a model's clues fared.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Effectiveness {
    /// Clues found.
    pub clues: i64,
    /// Concluded either way.
    pub verified: i64,
    /// Became cases (成案).
    pub cases: i64,
}

impl App {
    /// Benchmark data: replicates the existing clues up to `target` (local operator only).
    pub async fn replicate_clues(&self, actor: &Actor, target: i64) -> Result<i64> {
        actor.require_local("replicating clues for a benchmark")?;
        let mut tx = self.store.begin().await?;
        let n = clues::replicate(&mut tx, target, &self.now_text()).await?;
        tx.commit().await.map_err(procura_store::Error::from)?;
        Ok(n)
    }

    /// Per model id: how its clues fared (aggregates only, no case data).
    pub async fn model_effectiveness(
        &self,
        actor: &Actor,
    ) -> Result<std::collections::BTreeMap<String, Effectiveness>> {
        self.require(actor, Capability::ReadModels, "models")
            .await?;
        let mut connection = self.connection().await?;
        Ok(clues::effectiveness(&mut connection)
            .await?
            .into_iter()
            .map(|(model, clues, verified, cases)| {
                (
                    model,
                    Effectiveness {
                        clues,
                        verified,
                        cases,
                    },
                )
            })
            .collect())
    }
}

/// Largest document that can be attached to a clue.
pub const MAX_ATTACHMENT_BYTES: usize = 20 * 1024 * 1024;

/// A document attached to a clue, and its bytes.
#[derive(Debug, Clone)]
pub struct AttachmentFile {
    /// What the store knows.
    pub record: clues::AttachmentRecord,
    /// The content.
    pub bytes: Vec<u8>,
}

impl App {
    /// Attaches a document (核查材料) to a clue under verification: the assignee or the
    /// department head, while the clue is open; at most [`MAX_ATTACHMENT_BYTES`]. The file is
    /// stored by content digest; the history records the attachment.
    pub async fn attach_to_clue(
        &self,
        actor: &Actor,
        id: i64,
        file_name: &str,
        content_type: &str,
        bytes: &[u8],
    ) -> Result<clues::AttachmentRecord> {
        self.step_allowed(actor, id, Step::Comment).await?;
        if bytes.len() > MAX_ATTACHMENT_BYTES {
            return Err(Error::Invalid(format!(
                "附件不能超过 {} MiB (an attachment may be at most {} MiB)",
                MAX_ATTACHMENT_BYTES / 1024 / 1024,
                MAX_ATTACHMENT_BYTES / 1024 / 1024
            )));
        }
        if bytes.is_empty() {
            return Err(Error::Invalid("附件为空 (the file is empty)".into()));
        }
        let name: String = file_name
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or_default()
            .chars()
            .filter(|c| !c.is_control())
            .take(200)
            .collect();
        let name = if name.trim().is_empty() {
            "附件".to_owned()
        } else {
            name
        };
        let digest = blake3::hash(bytes).to_hex().to_string();
        let dir = self.workspace.root().join("attachments");
        std::fs::create_dir_all(&dir).map_err(Error::io("cannot create", &dir))?;
        let path = dir.join(&digest);
        if !path.exists() {
            crate::workspace::write_new_or_replace(&path, bytes)?;
        }
        let now = self.now_text();
        let mut record = clues::AttachmentRecord {
            id: 0,
            clue_id: id,
            file_name: name,
            content_type: if content_type.is_empty() {
                "application/octet-stream".into()
            } else {
                content_type.chars().take(100).collect()
            },
            size: bytes.len() as i64,
            digest,
            author: actor.name().to_owned(),
            at: now.clone(),
        };
        let mut tx = self.store.begin().await?;
        record.id = clues::insert_attachment(&mut tx, &record).await?;
        clues::insert_event(
            &mut tx,
            id,
            &now,
            actor.name(),
            "attach",
            None,
            None,
            Some(&format!("上传附件：{}", record.file_name)),
        )
        .await?;
        self.audit(
            &mut tx,
            actor,
            Event::ok(Action::AttachmentAdd, format!("clue:{id}")).detail(
                serde_json::json!({ "attachment": record.id, "size": record.size, "digest": record.digest }),
            ),
        )
        .await?;
        tx.commit().await.map_err(procura_store::Error::from)?;
        Ok(record)
    }

    /// A clue's attachments (for those who may see the clue).
    pub async fn clue_attachments(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<Vec<clues::AttachmentRecord>> {
        self.visible_clue(actor, id, false).await?;
        let mut connection = self.connection().await?;
        Ok(clues::attachments(&mut connection, id).await?)
    }

    /// One attachment with its bytes (for those who may see the clue).
    pub async fn clue_attachment(
        &self,
        actor: &Actor,
        id: i64,
        attachment_id: i64,
    ) -> Result<AttachmentFile> {
        let record = self
            .clue_attachments(actor, id)
            .await?
            .into_iter()
            .find(|a| a.id == attachment_id)
            .ok_or_else(|| {
                Error::NotFound(format!(
                    "附件 {attachment_id} 不存在 (no attachment {attachment_id})"
                ))
            })?;
        let path = self
            .workspace
            .root()
            .join("attachments")
            .join(&record.digest);
        let bytes = std::fs::read(&path).map_err(Error::io("cannot read", &path))?;
        if blake3::hash(&bytes).to_hex().as_str() != record.digest {
            return Err(Error::Internal(format!(
                "attachment {attachment_id} does not match its digest (the file was altered)"
            )));
        }
        self.audit_alone(
            actor,
            Event::ok(Action::AttachmentRead, format!("clue:{id}"))
                .detail(serde_json::json!({ "attachment": attachment_id })),
        )
        .await?;
        Ok(AttachmentFile { record, bytes })
    }
}
