//! The audit trail: append (inside the caller's transaction, so the record and the action it
//! records commit together or not at all), read in sequence order for verification, and
//! search for the auditor's page.
//!
//! Appends are serialised by the single `audit_head` row, which each append updates first:
//! on PostgreSQL the row lock holds the next appender until this transaction ends; on SQLite
//! the write lock does. So sequence numbers are gap-free and the chain never forks. The
//! table is append-only (triggers reject UPDATE and DELETE); verification recomputes the
//! chain from the rows and never trusts `audit_head`.

use procura_audit::{Entry, HashAlg, Record};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use crate::error::Result;
use crate::like_escape;

const COLUMNS: &str = "seq, at, account, roles, client, action, object, outcome, purpose, detail, alg, prev_hash, hash";

fn record_from_row(row: &AnyRow) -> Result<Record> {
    Ok(Record {
        seq: row.try_get(0)?,
        entry: Entry {
            at: row.try_get(1)?,
            account: row.try_get(2)?,
            roles: row.try_get(3)?,
            client: row.try_get(4)?,
            action: row.try_get(5)?,
            object: row.try_get(6)?,
            outcome: row.try_get(7)?,
            purpose: row.try_get(8)?,
            detail: row.try_get(9)?,
        },
        alg: row.try_get(10)?,
        prev_hash: row.try_get(11)?,
        hash: row.try_get(12)?,
    })
}

/// Appends a record after the current head; returns it with its sequence number and hash.
pub async fn append(connection: &mut AnyConnection, entry: Entry, alg: HashAlg) -> Result<Record> {
    let row = sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
        .fetch_one(&mut *connection)
        .await?;
    let seq: i64 = row.try_get(0)?;
    let prev_hash: String = row.try_get(1)?;
    let record = Record::chain(seq - 1, &prev_hash, entry, alg);
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO audit_log ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
    )))
    .bind(record.seq)
    .bind(&record.entry.at)
    .bind(&record.entry.account)
    .bind(&record.entry.roles)
    .bind(&record.entry.client)
    .bind(&record.entry.action)
    .bind(&record.entry.object)
    .bind(&record.entry.outcome)
    .bind(&record.entry.purpose)
    .bind(&record.entry.detail)
    .bind(&record.alg)
    .bind(&record.prev_hash)
    .bind(&record.hash)
    .execute(&mut *connection)
    .await?;
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(&record.hash)
        .execute(&mut *connection)
        .await?;
    Ok(record)
}

/// Up to `limit` records with `seq > after`, in sequence order (verification reads the log
/// in such pages).
pub async fn records_after(
    connection: &mut AnyConnection,
    after: i64,
    limit: i64,
) -> Result<Vec<Record>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"
    )))
    .bind(after)
    .bind(limit)
    .fetch_all(&mut *connection)
    .await?;
    rows.iter().map(record_from_row).collect()
}

/// The record with a sequence number.
pub async fn record(connection: &mut AnyConnection, seq: i64) -> Result<Option<Record>> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM audit_log WHERE seq = $1"
    )))
    .bind(seq)
    .fetch_optional(&mut *connection)
    .await?;
    row.as_ref().map(record_from_row).transpose()
}

/// The number of the last record (0 for an empty log).
pub async fn last_seq(connection: &mut AnyConnection) -> Result<i64> {
    let seq: Option<i64> = sqlx::query("SELECT MAX(seq) FROM audit_log")
        .fetch_one(&mut *connection)
        .await?
        .try_get(0)?;
    Ok(seq.unwrap_or(0))
}

/// What the auditor searches by; every field narrows.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Exact account.
    pub account: Option<String>,
    /// Action code, or a prefix ending in `.` (`clue.`).
    pub action: Option<String>,
    /// Text contained in the object (`clue:12`, a dataset name, a masked person key).
    pub object: Option<String>,
    /// Exact outcome class: `ok`, `denied`, `failed`.
    pub outcome: Option<String>,
    /// From (RFC 3339, inclusive).
    pub from: Option<String>,
    /// Until (RFC 3339, exclusive).
    pub until: Option<String>,
    /// Only records before this sequence number (paging backwards).
    pub before_seq: Option<i64>,
    /// At most this many.
    pub limit: i64,
}

/// Records matching a filter, newest first.
pub async fn search(connection: &mut AnyConnection, filter: &Filter) -> Result<Vec<Record>> {
    let mut sql = format!("SELECT {COLUMNS} FROM audit_log WHERE 1 = 1");
    let mut binds: Vec<String> = Vec::new();
    let bind = |binds: &mut Vec<String>, value: String| {
        binds.push(value);
        binds.len()
    };
    if let Some(account) = &filter.account {
        let n = bind(&mut binds, account.clone());
        sql.push_str(&format!(" AND account = ${n}"));
    }
    if let Some(action) = &filter.action {
        if action.ends_with('.') {
            let n = bind(&mut binds, format!("{}%", like_escape(action)));
            sql.push_str(&format!(" AND action LIKE ${n} ESCAPE '\\'"));
        } else {
            let n = bind(&mut binds, action.clone());
            sql.push_str(&format!(" AND action = ${n}"));
        }
    }
    if let Some(object) = &filter.object {
        let n = bind(&mut binds, format!("%{}%", like_escape(object)));
        sql.push_str(&format!(" AND object LIKE ${n} ESCAPE '\\'"));
    }
    if let Some(outcome) = &filter.outcome {
        let n = bind(&mut binds, format!("{}%", like_escape(outcome)));
        sql.push_str(&format!(" AND outcome LIKE ${n} ESCAPE '\\'"));
    }
    if let Some(from) = &filter.from {
        let n = bind(&mut binds, from.clone());
        sql.push_str(&format!(" AND at >= ${n}"));
    }
    if let Some(until) = &filter.until {
        let n = bind(&mut binds, until.clone());
        sql.push_str(&format!(" AND at < ${n}"));
    }
    let mut query_limit_index = binds.len() + 1;
    if filter.before_seq.is_some() {
        sql.push_str(&format!(" AND seq < ${query_limit_index}"));
        query_limit_index += 1;
    }
    sql.push_str(&format!(" ORDER BY seq DESC LIMIT ${query_limit_index}"));
    // Only fixed fragments and `$n` placeholders are formatted in; every value is bound.
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for value in binds {
        query = query.bind(value);
    }
    if let Some(before) = filter.before_seq {
        query = query.bind(before);
    }
    let rows = query
        .bind(filter.limit.clamp(1, 10_000))
        .fetch_all(&mut *connection)
        .await?;
    rows.iter().map(record_from_row).collect()
}
