//! Clues: one row per fingerprint (model id + key values), updated by every run that finds it
//! again, marked gone (never deleted) when a run no longer finds it; with the persons and
//! organisations concerned, the evidence rows of every run, and the history of every change.

use std::collections::HashMap;

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::error::{Error, Result};

/// A clue as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClueRecord {
    /// Clue id.
    pub id: i64,
    /// BLAKE3 of model id + key values.
    pub fingerprint: String,
    /// Model id.
    pub model_id: String,
    /// Key values (JSON array of strings).
    pub key_json: String,
    /// Title.
    pub title: String,
    /// `high`, `medium`, `low`.
    pub severity: String,
    /// Amount involved, in 分.
    pub amount_fen: Option<i64>,
    /// Named fields (JSON object).
    pub fields_json: String,
    /// Lifecycle status code.
    pub status: String,
    /// Assigned procurator.
    pub assignee: Option<String>,
    /// Deadline (RFC 3339 date).
    pub due_at: Option<String>,
    /// Outcome code.
    pub outcome: Option<String>,
    /// Outcome note.
    pub outcome_note: Option<String>,
    /// Money recovered, in 分.
    pub recovered_fen: Option<i64>,
    /// Case number in the case system, once a case is opened.
    pub case_number: Option<String>,
    /// First run that found it.
    pub first_run_id: i64,
    /// Latest run that found it.
    pub last_run_id: i64,
    /// RFC 3339.
    pub first_seen_at: String,
    /// RFC 3339.
    pub last_seen_at: String,
    /// The run that no longer found it.
    pub gone_run_id: Option<i64>,
    /// When.
    pub gone_at: Option<String>,
    /// Weakest entity-linkage strength among the evidence.
    pub match_strength: Option<String>,
    /// The model's supervision area code.
    pub area: Option<String>,
    /// The department handling it.
    pub department_id: Option<i64>,
    /// For outcome `case`: the act taken (检察建议 …).
    pub outcome_act: Option<String>,
    /// For outcome `no_case`: why.
    pub outcome_reason: Option<String>,
}

/// A person or organisation concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectRecord {
    /// `person` or `org`.
    pub kind: String,
    /// Canonical identifier.
    pub identifier: String,
    /// Name.
    pub name: Option<String>,
}

/// One evidence row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceRecord {
    /// The run.
    pub run_id: i64,
    /// The model role.
    pub role: String,
    /// The dataset version.
    pub dataset_version_id: i64,
    /// `_row_id` in that version.
    pub row_id: i64,
}

/// One history entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRecord {
    /// When.
    pub at: String,
    /// Who.
    pub actor: String,
    /// `created`, `reappeared`, `gone`, or a workflow action.
    pub action: String,
    /// Status before.
    pub from_status: Option<String>,
    /// Status after.
    pub to_status: Option<String>,
    /// The run involved.
    pub run_id: Option<i64>,
    /// Free text.
    pub note: Option<String>,
}

/// A clue found by a run, to be inserted or updated.
#[derive(Debug, Clone)]
pub struct FoundClue<'a> {
    /// Fingerprint.
    pub fingerprint: &'a str,
    /// Model id.
    pub model_id: &'a str,
    /// Key JSON.
    pub key_json: &'a str,
    /// Title.
    pub title: &'a str,
    /// Severity.
    pub severity: &'a str,
    /// Amount in 分.
    pub amount_fen: Option<i64>,
    /// Fields JSON.
    pub fields_json: &'a str,
    /// The weakest entity-linkage strength among the evidence (`None`: exact joins only).
    pub match_strength: Option<&'a str>,
    /// Subjects.
    pub subjects: &'a [SubjectRecord],
    /// Evidence: (role, dataset version id, row ids).
    pub evidence: &'a [(String, i64, Vec<i64>)],
}

/// What an upsert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upserted {
    /// A new clue.
    Created(i64),
    /// An existing clue found again.
    Updated(i64),
    /// A clue that had been marked gone is back.
    Reappeared(i64),
}

impl Upserted {
    /// The clue id.
    pub fn id(self) -> i64 {
        match self {
            Upserted::Created(id) | Upserted::Updated(id) | Upserted::Reappeared(id) => id,
        }
    }
}

/// Records the clues one run of `model_id` found: inserts new clues, refreshes the ones with
/// the same fingerprint (bringing back those marked gone), and adds their subjects, evidence
/// and history. Batched: a few statements per hundred clues, not five per clue. Returns what
/// happened to each clue, in order.
pub async fn upsert_all(
    connection: &mut AnyConnection,
    model_id: &str,
    clues: &[FoundClue<'_>],
    run_id: i64,
    actor: &str,
    now: &str,
) -> Result<Vec<Upserted>> {
    let mut existing: HashMap<String, (i64, bool)> = HashMap::new();
    for row in sqlx::query("SELECT fingerprint, id, gone_run_id FROM clue WHERE model_id = $1")
        .bind(model_id)
        .fetch_all(&mut *connection)
        .await?
    {
        let gone: Option<i64> = row.try_get(2)?;
        existing.insert(row.try_get(0)?, (row.try_get(1)?, gone.is_some()));
    }

    // New clues, a batch per statement; ids come back with their fingerprints.
    let fresh: Vec<&FoundClue<'_>> = clues
        .iter()
        .filter(|c| !existing.contains_key(c.fingerprint))
        .collect();
    let mut created: HashMap<String, i64> = HashMap::new();
    for chunk in fresh.chunks(200) {
        let mut sql = String::from(
            "INSERT INTO clue (fingerprint, model_id, key_json, title, severity, amount_fen, fields_json, status, \
             first_run_id, last_run_id, first_seen_at, last_seen_at, created_at, updated_at, match_strength) VALUES ",
        );
        for index in 0..chunk.len() {
            let b = index * 8 + 3;
            if index > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!(
                "(${}, ${}, ${}, ${}, ${}, ${}, ${}, 'new', $1, $1, $2, $2, $2, $2, ${})",
                b,
                b + 1,
                b + 2,
                b + 3,
                b + 4,
                b + 5,
                b + 6,
                b + 7
            ));
        }
        sql.push_str(" RETURNING id, fingerprint");
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(run_id).bind(now);
        for clue in chunk {
            query = query
                .bind(clue.fingerprint)
                .bind(model_id)
                .bind(clue.key_json)
                .bind(clue.title)
                .bind(clue.severity)
                .bind(clue.amount_fen)
                .bind(clue.fields_json)
                .bind(clue.match_strength);
        }
        for row in query.fetch_all(&mut *connection).await? {
            created.insert(row.try_get(1)?, row.try_get(0)?);
        }
    }

    // Clues found again: refreshed one by one (a re-run changes few of them).
    let mut outcomes = Vec::with_capacity(clues.len());
    let mut events: Vec<(i64, &str, Option<&str>)> = Vec::new();
    for clue in clues {
        let outcome = if let Some(id) = created.get(clue.fingerprint) {
            events.push((*id, "created", Some("new")));
            Upserted::Created(*id)
        } else {
            let (id, gone) = existing.get(clue.fingerprint).copied().ok_or_else(|| {
                Error::Corrupt(format!(
                    "clue {} was neither inserted nor found",
                    clue.fingerprint
                ))
            })?;
            sqlx::query(
                "UPDATE clue SET title = $1, severity = $2, amount_fen = $3, fields_json = $4, last_run_id = $5, \
                 last_seen_at = $6, gone_run_id = NULL, gone_at = NULL, updated_at = $6, match_strength = $8 WHERE id = $7",
            )
            .bind(clue.title)
            .bind(clue.severity)
            .bind(clue.amount_fen)
            .bind(clue.fields_json)
            .bind(run_id)
            .bind(now)
            .bind(id)
            .bind(clue.match_strength)
            .execute(&mut *connection)
            .await?;
            if gone {
                events.push((id, "reappeared", None));
                Upserted::Reappeared(id)
            } else {
                Upserted::Updated(id)
            }
        };
        outcomes.push(outcome);
    }

    for chunk in events.chunks(500) {
        let mut sql = String::from(
            "INSERT INTO clue_event (clue_id, at, actor, action, from_status, to_status, run_id, note) VALUES ",
        );
        for index in 0..chunk.len() {
            let b = index * 3 + 4;
            if index > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!(
                "(${b}, $1, $2, ${}, NULL, ${}, $3, NULL)",
                b + 1,
                b + 2
            ));
        }
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(now)
            .bind(actor)
            .bind(run_id);
        for (id, action, to_status) in chunk {
            query = query.bind(*id).bind(*action).bind(*to_status);
        }
        query.execute(&mut *connection).await?;
    }

    let subjects: Vec<(i64, &SubjectRecord)> = clues
        .iter()
        .zip(&outcomes)
        .flat_map(|(clue, outcome)| clue.subjects.iter().map(move |s| (outcome.id(), s)))
        .collect();
    for chunk in subjects.chunks(500) {
        let mut sql =
            String::from("INSERT INTO clue_subject (clue_id, kind, identifier, name) VALUES ");
        for index in 0..chunk.len() {
            let b = index * 4 + 1;
            if index > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("(${b}, ${}, ${}, ${})", b + 1, b + 2, b + 3));
        }
        sql.push_str(
            " ON CONFLICT (clue_id, kind, identifier) DO UPDATE SET name = COALESCE(excluded.name, clue_subject.name)",
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (id, subject) in chunk {
            query = query
                .bind(*id)
                .bind(&subject.kind)
                .bind(&subject.identifier)
                .bind(&subject.name);
        }
        query.execute(&mut *connection).await?;
    }

    let evidence: Vec<(i64, &str, i64, i64)> = clues
        .iter()
        .zip(&outcomes)
        .flat_map(|(clue, outcome)| {
            clue.evidence.iter().flat_map(move |(role, version, ids)| {
                ids.iter()
                    .map(move |row| (outcome.id(), role.as_str(), *version, *row))
            })
        })
        .collect();
    for chunk in evidence.chunks(500) {
        let mut sql = String::from(
            "INSERT INTO clue_evidence (clue_id, run_id, role, dataset_version_id, row_id) VALUES ",
        );
        for index in 0..chunk.len() {
            let b = index * 4 + 2;
            if index > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("(${b}, $1, ${}, ${}, ${})", b + 1, b + 2, b + 3));
        }
        sql.push_str(" ON CONFLICT (clue_id, run_id, role, row_id) DO NOTHING");
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(run_id);
        for (id, role, version, row) in chunk {
            query = query.bind(*id).bind(*role).bind(*version).bind(*row);
        }
        query.execute(&mut *connection).await?;
    }
    Ok(outcomes)
}

/// Marks the model's clues that `run_id` did not find (and that were not gone already) as gone.
pub async fn mark_gone(
    connection: &mut AnyConnection,
    model_id: &str,
    run_id: i64,
    actor: &str,
    now: &str,
) -> Result<i64> {
    // Only clues nobody works on yet are hidden: a clue assigned, under verification or
    // concluded stays where it is, whatever a later run (with other parameters) finds.
    sqlx::query(
        "INSERT INTO clue_event (clue_id, at, actor, action, from_status, to_status, run_id, note) \
         SELECT id, $1, $2, 'gone', NULL, NULL, $3, NULL FROM clue \
         WHERE model_id = $4 AND last_run_id <> $3 AND gone_run_id IS NULL AND status = 'new'",
    )
    .bind(now)
    .bind(actor)
    .bind(run_id)
    .bind(model_id)
    .execute(&mut *connection)
    .await?;
    let gone = sqlx::query(
        "UPDATE clue SET gone_run_id = $1, gone_at = $2, updated_at = $2 \
         WHERE model_id = $3 AND last_run_id <> $1 AND gone_run_id IS NULL AND status = 'new'",
    )
    .bind(run_id)
    .bind(now)
    .bind(model_id)
    .execute(&mut *connection)
    .await?
    .rows_affected();
    Ok(gone as i64)
}

/// Which clues to list.
#[derive(Debug, Clone, Default)]
pub struct ClueFilter<'a> {
    /// Only this model.
    pub model_id: Option<&'a str>,
    /// Only this status.
    pub status: Option<&'a str>,
    /// Include clues no longer found.
    pub include_gone: bool,
    /// Most rows.
    pub limit: i64,
    /// Skip rows.
    pub offset: i64,
}

const COLUMNS: &str = "id, fingerprint, model_id, key_json, title, severity, amount_fen, fields_json, status, assignee, \
    due_at, outcome, outcome_note, recovered_fen, case_number, first_run_id, last_run_id, first_seen_at, last_seen_at, \
    gone_run_id, gone_at, match_strength, area, department_id, outcome_act, outcome_reason";

fn from_row(row: &AnyRow) -> Result<ClueRecord> {
    Ok(ClueRecord {
        id: row.try_get(0)?,
        fingerprint: row.try_get(1)?,
        model_id: row.try_get(2)?,
        key_json: row.try_get(3)?,
        title: row.try_get(4)?,
        severity: row.try_get(5)?,
        amount_fen: row.try_get(6)?,
        fields_json: row.try_get(7)?,
        status: row.try_get(8)?,
        assignee: row.try_get(9)?,
        due_at: row.try_get(10)?,
        outcome: row.try_get(11)?,
        outcome_note: row.try_get(12)?,
        recovered_fen: row.try_get(13)?,
        case_number: row.try_get(14)?,
        first_run_id: row.try_get(15)?,
        last_run_id: row.try_get(16)?,
        first_seen_at: row.try_get(17)?,
        last_seen_at: row.try_get(18)?,
        gone_run_id: row.try_get(19)?,
        gone_at: row.try_get(20)?,
        match_strength: row.try_get(21)?,
        area: row.try_get(22)?,
        department_id: row.try_get(23)?,
        outcome_act: row.try_get(24)?,
        outcome_reason: row.try_get(25)?,
    })
}

/// Clues by id, filtered.
pub async fn list(
    connection: &mut AnyConnection,
    filter: &ClueFilter<'_>,
) -> Result<Vec<ClueRecord>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM clue WHERE ($1 = '' OR model_id = $1) AND ($2 = '' OR status = $2) \
         AND ($3 = 1 OR gone_run_id IS NULL) ORDER BY id LIMIT $4 OFFSET $5"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(filter.model_id.unwrap_or(""))
        .bind(filter.status.unwrap_or(""))
        .bind(i64::from(filter.include_gone))
        .bind(filter.limit)
        .bind(filter.offset)
        .fetch_all(connection)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// Counts per model: (model id, live clues, gone clues).
pub async fn counts_by_model(connection: &mut AnyConnection) -> Result<Vec<(String, i64, i64)>> {
    sqlx::query(
        "SELECT model_id, SUM(CASE WHEN gone_run_id IS NULL THEN 1 ELSE 0 END), SUM(CASE WHEN gone_run_id IS NULL THEN 0 ELSE 1 END) \
         FROM clue GROUP BY model_id ORDER BY model_id",
    )
    .fetch_all(connection)
    .await?
    .iter()
    .map(|row| Ok((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?)))
    .collect()
}

/// One clue.
pub async fn get(connection: &mut AnyConnection, id: i64) -> Result<Option<ClueRecord>> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM clue WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(connection)
    .await?
    .as_ref()
    .map(from_row)
    .transpose()
}

/// The clue's subjects.
pub async fn subjects(connection: &mut AnyConnection, clue_id: i64) -> Result<Vec<SubjectRecord>> {
    sqlx::query("SELECT kind, identifier, name FROM clue_subject WHERE clue_id = $1 ORDER BY kind, identifier")
        .bind(clue_id)
        .fetch_all(connection)
        .await?
        .iter()
        .map(|row| {
            Ok(SubjectRecord {
                kind: row.try_get(0)?,
                identifier: row.try_get(1)?,
                name: row.try_get(2)?,
            })
        })
        .collect()
}

/// The clue's evidence from one run.
pub async fn evidence(
    connection: &mut AnyConnection,
    clue_id: i64,
    run_id: i64,
) -> Result<Vec<EvidenceRecord>> {
    sqlx::query(
        "SELECT run_id, role, dataset_version_id, row_id FROM clue_evidence WHERE clue_id = $1 AND run_id = $2 \
         ORDER BY role, row_id",
    )
    .bind(clue_id)
    .bind(run_id)
    .fetch_all(connection)
    .await?
    .iter()
    .map(|row| {
        Ok(EvidenceRecord {
            run_id: row.try_get(0)?,
            role: row.try_get(1)?,
            dataset_version_id: row.try_get(2)?,
            row_id: row.try_get(3)?,
        })
    })
    .collect()
}

/// The clue's history, oldest first.
pub async fn events(connection: &mut AnyConnection, clue_id: i64) -> Result<Vec<EventRecord>> {
    sqlx::query("SELECT at, actor, action, from_status, to_status, run_id, note FROM clue_event WHERE clue_id = $1 ORDER BY id")
        .bind(clue_id)
        .fetch_all(connection)
        .await?
        .iter()
        .map(|row| {
            Ok(EventRecord {
                at: row.try_get(0)?,
                actor: row.try_get(1)?,
                action: row.try_get(2)?,
                from_status: row.try_get(3)?,
                to_status: row.try_get(4)?,
                run_id: row.try_get(5)?,
                note: row.try_get(6)?,
            })
        })
        .collect()
}

/// Versions that clue evidence cites (their files must never be removed).
pub async fn cited_versions(connection: &mut AnyConnection) -> Result<Vec<i64>> {
    sqlx::query("SELECT DISTINCT dataset_version_id FROM clue_evidence")
        .fetch_all(connection)
        .await?
        .iter()
        .map(|row| Ok(row.try_get(0)?))
        .collect()
}

/// Returns `Error::NotFound` for a missing clue.
pub fn not_found(id: i64) -> Error {
    Error::NotFound(format!("clue {id}"))
}

/// Whose clues a query may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every clue (the local operator on the command line).
    All,
    /// Clues assigned to `user` or routed to one of `departments`.
    Limited {
        /// The user's name (assignee match).
        user: String,
        /// Their department and the departments granted to them.
        departments: Vec<i64>,
    },
}

/// How to order a page of clues.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    /// Newest first.
    #[default]
    IdDesc,
    /// Oldest first.
    IdAsc,
    /// Largest amount first.
    AmountDesc,
    /// Smallest amount first.
    AmountAsc,
    /// Earliest deadline first (no deadline last).
    DueAsc,
    /// Latest deadline first.
    DueDesc,
}

/// A page query over clues. Empty options do not filter.
#[derive(Debug, Clone, Default)]
pub struct PageFilter {
    /// Who is looking.
    pub scope: Option<Scope>,
    /// Model id.
    pub model_id: Option<String>,
    /// Area code.
    pub area: Option<String>,
    /// Status codes (any of).
    pub statuses: Vec<String>,
    /// Severity code.
    pub severity: Option<String>,
    /// Assignee user name.
    pub assignee: Option<String>,
    /// First seen on or after (RFC 3339 prefix, inclusive).
    pub first_seen_from: Option<String>,
    /// First seen before (exclusive).
    pub first_seen_to: Option<String>,
    /// Amount at least, in 分.
    pub min_amount_fen: Option<i64>,
    /// Amount at most.
    pub max_amount_fen: Option<i64>,
    /// Text in the title, or a subject's name or identifier.
    pub text: Option<String>,
    /// Only clues whose stage deadline is before this instant (RFC 3339).
    pub due_before: Option<String>,
    /// Only clues with a stage deadline.
    pub with_deadline: bool,
    /// Include clues no longer found.
    pub include_gone: bool,
    /// Order.
    pub sort: Sort,
    /// Page size.
    pub limit: i64,
    /// Rows to skip.
    pub offset: i64,
    /// Count matching clues only up to this many (0: count them all). Counting a million
    /// rows on every page view costs more than the page; past the cap the total is a bound.
    pub count_cap: i64,
}

#[derive(Clone)]
enum Bind {
    Text(String),
    Int(i64),
}

struct Where {
    sql: String,
    binds: Vec<Bind>,
}

impl Where {
    fn new() -> Where {
        Where {
            sql: String::from(" WHERE 1 = 1"),
            binds: Vec::new(),
        }
    }

    fn placeholder(&mut self, bind: Bind) -> String {
        self.binds.push(bind);
        format!("${}", self.binds.len())
    }

    fn push(&mut self, clause: &str, bind: Bind) {
        let p = self.placeholder(bind);
        self.sql.push_str(" AND ");
        self.sql.push_str(&clause.replace("{}", &p));
    }
}

fn bind_all<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    binds: &'q [Bind],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    for bind in binds {
        query = match bind {
            Bind::Text(text) => query.bind(text.as_str()),
            Bind::Int(value) => query.bind(*value),
        };
    }
    query
}

/// The filter's conditions added to `w` (which may already hold a scope condition).
fn page_where(filter: &PageFilter, mut w: Where) -> Where {
    if !filter.include_gone {
        w.sql.push_str(" AND gone_run_id IS NULL");
    }
    if let Some(model) = &filter.model_id {
        w.push("model_id = {}", Bind::Text(model.clone()));
    }
    if let Some(area) = &filter.area {
        w.push("area = {}", Bind::Text(area.clone()));
    }
    if !filter.statuses.is_empty() {
        let list: Vec<String> = filter
            .statuses
            .iter()
            .map(|s| w.placeholder(Bind::Text(s.clone())))
            .collect();
        w.sql
            .push_str(&format!(" AND status IN ({})", list.join(", ")));
    }
    if let Some(severity) = &filter.severity {
        w.push("severity = {}", Bind::Text(severity.clone()));
    }
    if let Some(assignee) = &filter.assignee {
        w.push("assignee = {}", Bind::Text(assignee.clone()));
    }
    if let Some(from) = &filter.first_seen_from {
        w.push("first_seen_at >= {}", Bind::Text(from.clone()));
    }
    if let Some(to) = &filter.first_seen_to {
        w.push("first_seen_at < {}", Bind::Text(to.clone()));
    }
    if let Some(min) = filter.min_amount_fen {
        w.push("amount_fen >= {}", Bind::Int(min));
    }
    if let Some(max) = filter.max_amount_fen {
        w.push("amount_fen <= {}", Bind::Int(max));
    }
    if let Some(before) = &filter.due_before {
        w.push("due_at < {}", Bind::Text(before.clone()));
    }
    if filter.with_deadline {
        w.sql.push_str(" AND due_at IS NOT NULL");
    }
    if let Some(text) = &filter.text {
        // `*` matches any one character, so a title as the UI shows it, with masked ID
        // numbers (`3301**********123X`), still finds its clue.
        let escaped = crate::like_escape(text).replace('*', "_");
        let pattern = w.placeholder(Bind::Text(format!("%{escaped}%")));
        let exact = w.placeholder(Bind::Text(text.clone()));
        w.sql.push_str(&format!(
            " AND (title LIKE {pattern} ESCAPE '\\' OR id IN (SELECT clue_id FROM clue_subject WHERE identifier = {exact} OR name = {exact}))"
        ));
    }
    w
}

/// One page of clues and the number of clues matching the filter.
pub async fn page(
    connection: &mut AnyConnection,
    filter: &PageFilter,
) -> Result<(i64, Vec<ClueRecord>)> {
    // "Assigned to me or routed to my departments" as one OR defeats the indexes (SQLite sorts
    // every clue in scope for each page). Each half is asked separately, each in index order
    // with the page's limit, and the halves are merged here.
    let by_due = matches!(filter.sort, Sort::DueAsc | Sort::DueDesc);
    let parts: Vec<(Where, bool)> = scope_parts(filter.scope.as_ref())
        .into_iter()
        .flat_map(|(w, ordered)| {
            let w = page_where(filter, w);
            if !ordered {
                return vec![(w, false)];
            }
            if by_due && !filter.with_deadline {
                // Clues with a deadline (in deadline order, from the index) and clues without
                // one (last, by id) asked apart, so neither needs a sort of the whole scope.
                let mut with = Where {
                    sql: w.sql.clone(),
                    binds: w.binds.clone(),
                };
                with.sql.push_str(" AND due_at IS NOT NULL");
                let mut without = w;
                without.sql.push_str(" AND due_at IS NULL");
                vec![(with, true), (without, true)]
            } else {
                vec![(w, true)]
            }
        })
        .collect();
    let order = match filter.sort {
        Sort::IdDesc => "id DESC",
        Sort::IdAsc => "id",
        Sort::AmountDesc => "amount_fen DESC NULLS LAST, id DESC",
        Sort::AmountAsc => "amount_fen NULLS LAST, id",
        // With deadlines only, the plain order lets the index serve it.
        Sort::DueAsc => "due_at, id",
        Sort::DueDesc => "due_at DESC, id DESC",
    };
    let wanted = filter.offset.max(0) + filter.limit.max(0);
    let mut total = 0;
    let mut records = Vec::new();
    for (w, ordered) in &parts {
        if !ordered {
            let sql = format!("SELECT {COLUMNS} FROM clue{}", w.sql);
            let rows = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), &w.binds)
                .fetch_all(&mut *connection)
                .await?;
            total += rows.len() as i64;
            for row in &rows {
                records.push(from_row(row)?);
            }
            continue;
        }
        let count_sql = if filter.count_cap > 0 {
            format!(
                "SELECT COUNT(*) FROM (SELECT 1 FROM clue{} LIMIT {}) capped",
                w.sql,
                filter.count_cap + 1
            )
        } else {
            format!("SELECT COUNT(*) FROM clue{}", w.sql)
        };
        let count: i64 = bind_all(sqlx::query(sqlx::AssertSqlSafe(count_sql)), &w.binds)
            .fetch_one(&mut *connection)
            .await?
            .try_get(0)?;
        total += count;
        let sql = format!(
            "SELECT {COLUMNS} FROM clue{} ORDER BY {order} LIMIT {wanted}",
            w.sql
        );
        let rows = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), &w.binds)
            .fetch_all(&mut *connection)
            .await?;
        for row in &rows {
            records.push(from_row(row)?);
        }
    }
    if parts.len() > 1 || parts.iter().any(|(_, ordered)| !ordered) {
        records.sort_by(|a, b| compare(filter.sort, a, b));
    }
    let records = records
        .into_iter()
        .skip(filter.offset.max(0) as usize)
        .take(filter.limit.max(0) as usize)
        .collect();
    Ok((total, records))
}

/// The scope as disjoint conditions, each of which an index serves: routed to one of the
/// departments; assigned to the user outside them.
fn scope_parts(scope: Option<&Scope>) -> Vec<(Where, bool)> {
    let Some(Scope::Limited { user, departments }) = scope else {
        return vec![(Where::new(), true)];
    };
    let mut parts = Vec::new();
    if !departments.is_empty() {
        let mut w = Where::new();
        let list = departments
            .iter()
            .map(|d| w.placeholder(Bind::Int(*d)))
            .collect::<Vec<_>>()
            .join(", ");
        w.sql.push_str(&format!(" AND department_id IN ({list})"));
        parts.push((w, true));
    }
    // Assigned to the user outside those departments: one part per index range of
    // (assignee, department_id) — none, below the first, between two, above the last — so each
    // is a range lookup (one OR over them makes SQLite walk all the user's clues). These parts
    // are asked without ORDER BY (flag `false`): an order would tempt the planner into walking a
    // whole department index; they are few rows, sorted in Rust.
    let mut sorted = departments.clone();
    sorted.sort_unstable();
    sorted.dedup();
    let mut bounds: Vec<(Option<i64>, Option<i64>)> = Vec::new();
    let mut previous = None;
    for d in &sorted {
        bounds.push((previous, Some(*d)));
        previous = Some(*d);
    }
    if !sorted.is_empty() {
        bounds.push((previous, None));
    }
    let mut outside = Where::new();
    let u = outside.placeholder(Bind::Text(user.clone()));
    outside.sql.push_str(&format!(" AND assignee = {u}"));
    if !sorted.is_empty() {
        // (With no department at all, this part is everything assigned to the user.)
        outside.sql.push_str(" AND department_id IS NULL");
    }
    parts.push((outside, false));
    for (low, high) in bounds {
        let mut w = Where::new();
        let u = w.placeholder(Bind::Text(user.clone()));
        w.sql.push_str(&format!(" AND assignee = {u}"));
        if let Some(low) = low {
            let p = w.placeholder(Bind::Int(low));
            w.sql.push_str(&format!(" AND department_id > {p}"));
        }
        if let Some(high) = high {
            let p = w.placeholder(Bind::Int(high));
            w.sql.push_str(&format!(" AND department_id < {p}"));
        }
        parts.push((w, false));
    }
    parts
}

/// The page order, as the SQL `ORDER BY` of [`page`] has it (absent amounts and deadlines last).
fn compare(sort: Sort, a: &ClueRecord, b: &ClueRecord) -> std::cmp::Ordering {
    fn last<T: Ord>(a: &Option<T>, b: &Option<T>, descending: bool) -> std::cmp::Ordering {
        match (a, b) {
            (Some(x), Some(y)) if descending => y.cmp(x),
            (Some(x), Some(y)) => x.cmp(y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        }
    }
    match sort {
        Sort::IdDesc => b.id.cmp(&a.id),
        Sort::IdAsc => a.id.cmp(&b.id),
        Sort::AmountDesc => last(&a.amount_fen, &b.amount_fen, true).then(b.id.cmp(&a.id)),
        Sort::AmountAsc => last(&a.amount_fen, &b.amount_fen, false).then(a.id.cmp(&b.id)),
        Sort::DueAsc => last(&a.due_at, &b.due_at, false).then(a.id.cmp(&b.id)),
        Sort::DueDesc => last(&a.due_at, &b.due_at, true).then(b.id.cmp(&a.id)),
    }
}

/// Live clues in scope, counted per status.
pub async fn status_counts(
    connection: &mut AnyConnection,
    scope: &Scope,
) -> Result<Vec<(String, i64)>> {
    let mut counts: std::collections::BTreeMap<String, i64> = std::collections::BTreeMap::new();
    for (w, _) in scope_parts(Some(scope)) {
        let sql = format!(
            "SELECT status, COUNT(*) FROM clue{} AND gone_run_id IS NULL GROUP BY status",
            w.sql
        );
        for row in bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), &w.binds)
            .fetch_all(&mut *connection)
            .await?
        {
            *counts.entry(row.try_get(0)?).or_default() += row.try_get::<i64, _>(1)?;
        }
    }
    Ok(counts.into_iter().collect())
}

/// A workflow step: the clue moves from `from` to `to` (only if it is still in `from`), with
/// the assignee, deadline and outcome it has afterwards, and one history entry.
#[derive(Debug, Clone)]
pub struct WorkflowChange<'a> {
    /// The clue.
    pub clue_id: i64,
    /// The status it must be in.
    pub from: &'a str,
    /// The status it moves to.
    pub to: &'a str,
    /// The assignee afterwards.
    pub assignee: Option<&'a str>,
    /// The stage deadline afterwards.
    pub due_at: Option<&'a str>,
    /// `case` or `no_case`, or none.
    pub outcome: Option<&'a str>,
    /// The act taken, for `case`.
    pub outcome_act: Option<&'a str>,
    /// The reason, for `no_case`.
    pub outcome_reason: Option<&'a str>,
    /// The outcome note.
    pub outcome_note: Option<&'a str>,
    /// The action recorded in the history (`assign`, `accept` …).
    pub action: &'a str,
    /// Who.
    pub actor: &'a str,
    /// Free text for the history.
    pub note: Option<&'a str>,
    /// When.
    pub now: &'a str,
}

/// Applies a workflow step. Fails with [`Error::Conflict`] when the clue is no longer in
/// `from` (someone else moved it first).
pub async fn apply(connection: &mut AnyConnection, change: &WorkflowChange<'_>) -> Result<()> {
    let changed = sqlx::query(
        "UPDATE clue SET status = $3, assignee = $4, due_at = $5, outcome = $6, outcome_act = $7, outcome_reason = $8, \
         outcome_note = $9, updated_at = $10 WHERE id = $1 AND status = $2",
    )
    .bind(change.clue_id)
    .bind(change.from)
    .bind(change.to)
    .bind(change.assignee)
    .bind(change.due_at)
    .bind(change.outcome)
    .bind(change.outcome_act)
    .bind(change.outcome_reason)
    .bind(change.outcome_note)
    .bind(change.now)
    .execute(&mut *connection)
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(Error::Conflict(format!(
            "clue {} is no longer in status {}",
            change.clue_id, change.from
        )));
    }
    insert_event(
        connection,
        change.clue_id,
        change.now,
        change.actor,
        change.action,
        Some(change.from),
        Some(change.to),
        change.note,
    )
    .await
}

/// Adds a history entry that changes no status (a comment, an access by grant).
#[allow(clippy::too_many_arguments)]
pub async fn insert_event(
    connection: &mut AnyConnection,
    clue_id: i64,
    at: &str,
    actor: &str,
    action: &str,
    from_status: Option<&str>,
    to_status: Option<&str>,
    note: Option<&str>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO clue_event (clue_id, at, actor, action, from_status, to_status, run_id, note) VALUES ($1, $2, $3, $4, $5, $6, NULL, $7)",
    )
    .bind(clue_id)
    .bind(at)
    .bind(actor)
    .bind(action)
    .bind(from_status)
    .bind(to_status)
    .bind(note)
    .execute(connection)
    .await?;
    Ok(())
}

/// A comment (核查意见) on a clue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentRecord {
    /// Id.
    pub id: i64,
    /// When.
    pub at: String,
    /// Who (user name).
    pub author: String,
    /// Text.
    pub text: String,
}

/// Adds a comment.
pub async fn insert_comment(
    connection: &mut AnyConnection,
    clue_id: i64,
    at: &str,
    author: &str,
    text: &str,
) -> Result<i64> {
    Ok(sqlx::query(
        "INSERT INTO clue_comment (clue_id, at, author, text) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(clue_id)
    .bind(at)
    .bind(author)
    .bind(text)
    .fetch_one(connection)
    .await?
    .try_get(0)?)
}

/// A clue's comments, oldest first.
pub async fn comments(connection: &mut AnyConnection, clue_id: i64) -> Result<Vec<CommentRecord>> {
    sqlx::query("SELECT id, at, author, text FROM clue_comment WHERE clue_id = $1 ORDER BY id")
        .bind(clue_id)
        .fetch_all(connection)
        .await?
        .iter()
        .map(|row| {
            Ok(CommentRecord {
                id: row.try_get(0)?,
                at: row.try_get(1)?,
                author: row.try_get(2)?,
                text: row.try_get(3)?,
            })
        })
        .collect()
}

/// Per model: clues found, clues verified (concluded either way), clues that became cases.
pub async fn effectiveness(connection: &mut AnyConnection) -> Result<Vec<(String, i64, i64, i64)>> {
    sqlx::query(
        "SELECT model_id, COUNT(*), \
         SUM(CASE WHEN status IN ('substantiated', 'not_substantiated', 'case_opened', 'awaiting_reply', 'closed') THEN 1 ELSE 0 END), \
         SUM(CASE WHEN outcome = 'case' THEN 1 ELSE 0 END) \
         FROM clue GROUP BY model_id ORDER BY model_id",
    )
    .fetch_all(connection)
    .await?
    .iter()
    .map(|row| Ok((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?, row.try_get(3)?)))
    .collect()
}

/// Benchmark data: copies the existing clues (with subjects and evidence) under new ids and
/// fingerprints until there are `target` clues, and spreads them over statuses and assignees
/// as a working office would have them. Returns the number of clues.
pub async fn replicate(connection: &mut AnyConnection, target: i64, now: &str) -> Result<i64> {
    let base: i64 = sqlx::query("SELECT COALESCE(MAX(id), 0) FROM clue")
        .fetch_one(&mut *connection)
        .await?
        .try_get(0)?;
    if base == 0 {
        return Err(Error::NotFound(
            "clues to replicate (run the models first)".into(),
        ));
    }
    let mut current = base;
    while current < target {
        let take = current.min(target - current);
        let offset = current;
        sqlx::query(
            "INSERT INTO clue (id, fingerprint, model_id, key_json, title, severity, amount_fen, fields_json, status, \
             first_run_id, last_run_id, first_seen_at, last_seen_at, created_at, updated_at, match_strength, area, department_id) \
             SELECT id + $1, fingerprint || '#' || CAST(id + $1 AS TEXT), model_id, key_json, title, severity, amount_fen, fields_json, 'new', \
             first_run_id, last_run_id, first_seen_at, last_seen_at, created_at, updated_at, match_strength, area, department_id \
             FROM clue WHERE id <= $2",
        )
        .bind(offset)
        .bind(take)
        .execute(&mut *connection)
        .await?;
        sqlx::query(
            "INSERT INTO clue_subject (clue_id, kind, identifier, name) \
             SELECT clue_id + $1, kind, identifier, name FROM clue_subject WHERE clue_id <= $2",
        )
        .bind(offset)
        .bind(take)
        .execute(&mut *connection)
        .await?;
        sqlx::query(
            "INSERT INTO clue_evidence (clue_id, run_id, role, dataset_version_id, row_id) \
             SELECT clue_id + $1, run_id, role, dataset_version_id, row_id FROM clue_evidence WHERE clue_id <= $2",
        )
        .bind(offset)
        .bind(take)
        .execute(&mut *connection)
        .await?;
        current += take;
    }
    // One in five clues assigned to a procurator of its department, half of those being verified.
    sqlx::query(
        "UPDATE clue SET status = CASE WHEN id % 10 = 0 THEN 'verifying' ELSE 'assigned' END, \
         assignee = (SELECT u.username FROM app_user u WHERE u.department_id = clue.department_id \
                     AND u.roles LIKE '%procurator%' ORDER BY u.id LIMIT 1), \
         due_at = $1, updated_at = $1 \
         WHERE id > $2 AND id % 5 = 0 AND EXISTS (SELECT 1 FROM app_user u \
               WHERE u.department_id = clue.department_id AND u.roles LIKE '%procurator%')",
    )
    .bind(now)
    .bind(base)
    .execute(&mut *connection)
    .await?;
    Ok(current)
}

/// A document attached to a clue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentRecord {
    /// Id.
    pub id: i64,
    /// The clue.
    pub clue_id: i64,
    /// The file name as uploaded.
    pub file_name: String,
    /// MIME type.
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// BLAKE3 of the content (its name in the attachments directory).
    pub digest: String,
    /// Who attached it.
    pub author: String,
    /// When.
    pub at: String,
}

/// Records an attachment.
pub async fn insert_attachment(
    connection: &mut AnyConnection,
    a: &AttachmentRecord,
) -> Result<i64> {
    Ok(sqlx::query(
        "INSERT INTO clue_attachment (clue_id, file_name, content_type, size, digest, author, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(a.clue_id)
    .bind(&a.file_name)
    .bind(&a.content_type)
    .bind(a.size)
    .bind(&a.digest)
    .bind(&a.author)
    .bind(&a.at)
    .fetch_one(connection)
    .await?
    .try_get(0)?)
}

/// A clue's attachments, oldest first.
pub async fn attachments(
    connection: &mut AnyConnection,
    clue_id: i64,
) -> Result<Vec<AttachmentRecord>> {
    sqlx::query(
        "SELECT id, clue_id, file_name, content_type, size, digest, author, at FROM clue_attachment \
         WHERE clue_id = $1 ORDER BY id",
    )
    .bind(clue_id)
    .fetch_all(connection)
    .await?
    .iter()
    .map(|row| {
        Ok(AttachmentRecord {
            id: row.try_get(0)?,
            clue_id: row.try_get(1)?,
            file_name: row.try_get(2)?,
            content_type: row.try_get(3)?,
            size: row.try_get(4)?,
            digest: row.try_get(5)?,
            author: row.try_get(6)?,
            at: row.try_get(7)?,
        })
    })
    .collect()
}
