//! Early-warning alerts (事前预警): the alerts raised, the rules' settings, the scan cursor,
//! and the counts over the audit trail that the rules ask for.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::error::Result;
use crate::like_escape;

/// An alert as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertRecord {
    /// Id.
    pub id: i64,
    /// Rule code.
    pub rule: String,
    /// The account it concerns.
    pub account: String,
    /// The client address of the record that raised it.
    pub client: String,
    /// When it was raised (the time of that record).
    pub at: String,
    /// The audit records it rests on.
    pub first_seq: i64,
    /// …
    pub last_seq: i64,
    /// What happened, for people.
    pub detail: String,
    /// Who acknowledged it.
    pub acknowledged_by: Option<String>,
    /// When.
    pub acknowledged_at: Option<String>,
    /// Their note.
    pub note: Option<String>,
}

/// A rule's settings as the security administrator saved them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleRecord {
    /// Rule code.
    pub rule: String,
    /// On.
    pub enabled: bool,
    /// The count (or rows) at which it fires.
    pub threshold: i64,
    /// The window the count covers.
    pub window_minutes: i64,
    /// Working hours start (office time).
    pub start_hour: i64,
    /// Working hours end.
    pub end_hour: i64,
}

const ALERT_COLUMNS: &str = "id, rule, account, client, at, first_seq, last_seq, detail, acknowledged_by, acknowledged_at, note";

fn alert_from_row(row: &AnyRow) -> Result<AlertRecord> {
    Ok(AlertRecord {
        id: row.try_get(0)?,
        rule: row.try_get(1)?,
        account: row.try_get(2)?,
        client: row.try_get(3)?,
        at: row.try_get(4)?,
        first_seq: row.try_get(5)?,
        last_seq: row.try_get(6)?,
        detail: row.try_get(7)?,
        acknowledged_by: row.try_get(8)?,
        acknowledged_at: row.try_get(9)?,
        note: row.try_get(10)?,
    })
}

/// Raises an alert; returns its id.
pub async fn insert(connection: &mut AnyConnection, alert: &AlertRecord) -> Result<i64> {
    Ok(sqlx::query(
        "INSERT INTO alert (rule, account, client, at, first_seq, last_seq, detail) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(&alert.rule)
    .bind(&alert.account)
    .bind(&alert.client)
    .bind(&alert.at)
    .bind(alert.first_seq)
    .bind(alert.last_seq)
    .bind(&alert.detail)
    .fetch_one(connection)
    .await?
    .try_get(0)?)
}

/// Whether the rule already raised an alert for the account at or after `since`.
pub async fn raised_since(
    connection: &mut AnyConnection,
    rule: &str,
    account: &str,
    since: &str,
) -> Result<bool> {
    let n: i64 =
        sqlx::query("SELECT COUNT(*) FROM alert WHERE rule = $1 AND account = $2 AND at >= $3")
            .bind(rule)
            .bind(account)
            .bind(since)
            .fetch_one(connection)
            .await?
            .try_get(0)?;
    Ok(n > 0)
}

/// Alerts, newest first; only unacknowledged ones when `open_only`.
pub async fn list(
    connection: &mut AnyConnection,
    open_only: bool,
    limit: i64,
) -> Result<Vec<AlertRecord>> {
    let filter = if open_only {
        "WHERE acknowledged_at IS NULL"
    } else {
        ""
    };
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ALERT_COLUMNS} FROM alert {filter} ORDER BY id DESC LIMIT $1"
    )))
    .bind(limit)
    .fetch_all(connection)
    .await?
    .iter()
    .map(alert_from_row)
    .collect()
}

/// Acknowledges an open alert; returns whether one was.
pub async fn acknowledge(
    connection: &mut AnyConnection,
    id: i64,
    by: &str,
    note: &str,
    now: &str,
) -> Result<bool> {
    Ok(sqlx::query(
        "UPDATE alert SET acknowledged_by = $2, acknowledged_at = $3, note = $4 \
         WHERE id = $1 AND acknowledged_at IS NULL",
    )
    .bind(id)
    .bind(by)
    .bind(now)
    .bind(note)
    .execute(connection)
    .await?
    .rows_affected()
        == 1)
}

/// The saved rule settings.
pub async fn rules(connection: &mut AnyConnection) -> Result<Vec<RuleRecord>> {
    sqlx::query(
        "SELECT rule, enabled, threshold, window_minutes, start_hour, end_hour FROM alert_rule",
    )
    .fetch_all(connection)
    .await?
    .iter()
    .map(|row| {
        Ok(RuleRecord {
            rule: row.try_get(0)?,
            enabled: row.try_get::<i64, _>(1)? != 0,
            threshold: row.try_get(2)?,
            window_minutes: row.try_get(3)?,
            start_hour: row.try_get(4)?,
            end_hour: row.try_get(5)?,
        })
    })
    .collect()
}

/// Saves one rule's settings.
pub async fn save_rule(
    connection: &mut AnyConnection,
    rule: &RuleRecord,
    by: &str,
    now: &str,
) -> Result<()> {
    sqlx::query("DELETE FROM alert_rule WHERE rule = $1")
        .bind(&rule.rule)
        .execute(&mut *connection)
        .await?;
    sqlx::query(
        "INSERT INTO alert_rule (rule, enabled, threshold, window_minutes, start_hour, end_hour, updated_by, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&rule.rule)
    .bind(i64::from(rule.enabled))
    .bind(rule.threshold)
    .bind(rule.window_minutes)
    .bind(rule.start_hour)
    .bind(rule.end_hour)
    .bind(by)
    .bind(now)
    .execute(connection)
    .await?;
    Ok(())
}

/// The last audit sequence number scanned.
pub async fn cursor(connection: &mut AnyConnection) -> Result<i64> {
    Ok(sqlx::query("SELECT seq FROM alert_cursor WHERE id = 1")
        .fetch_one(connection)
        .await?
        .try_get(0)?)
}

/// Moves the cursor forward (never back: two scanners cannot rescan a record).
pub async fn advance_cursor(connection: &mut AnyConnection, from: i64, to: i64) -> Result<bool> {
    Ok(
        sqlx::query("UPDATE alert_cursor SET seq = $2 WHERE id = 1 AND seq = $1")
            .bind(from)
            .bind(to)
            .execute(connection)
            .await?
            .rows_affected()
            == 1,
    )
}

/// What to count in the audit trail for a rule.
#[derive(Debug, Clone, Copy)]
pub struct Count<'a> {
    /// Only this account (`None`: any).
    pub account: Option<&'a str>,
    /// This action code.
    pub action: &'a str,
    /// Only this object.
    pub object: Option<&'a str>,
    /// Only records whose detail contains this text.
    pub detail_contains: Option<&'a str>,
    /// Only this client.
    pub client: Option<&'a str>,
    /// From (RFC 3339, inclusive).
    pub since: &'a str,
    /// Up to this record (inclusive).
    pub up_to_seq: i64,
    /// Count distinct objects instead of records.
    pub distinct_objects: bool,
}

/// Counts audit records (or distinct objects) matching `count`, with the smallest sequence
/// number among them.
pub async fn count(connection: &mut AnyConnection, count: &Count<'_>) -> Result<(i64, i64)> {
    let what = if count.distinct_objects {
        "COUNT(DISTINCT object)"
    } else {
        "COUNT(*)"
    };
    let sql = format!(
        "SELECT {what}, MIN(seq) FROM audit_log WHERE action = $1 AND at >= $2 AND seq <= $3 \
         AND ($4 = '' OR account = $4) AND ($5 = '' OR object = $5) \
         AND ($6 = '' OR detail LIKE $6 ESCAPE '\\') AND ($7 = '' OR client = $7)"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(count.action)
        .bind(count.since)
        .bind(count.up_to_seq)
        .bind(count.account.unwrap_or(""))
        .bind(count.object.unwrap_or(""))
        .bind(
            count
                .detail_contains
                .map(|d| format!("%{}%", like_escape(d)))
                .unwrap_or_default(),
        )
        .bind(count.client.unwrap_or(""))
        .fetch_one(connection)
        .await?;
    Ok((
        row.try_get(0)?,
        row.try_get::<Option<i64>, _>(1)?.unwrap_or(0),
    ))
}
