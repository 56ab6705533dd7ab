//! Entity-linkage review: a person's decision that two records are (or are not) the same
//! person. Decisions persist and override the model on every later linkage run.

use sqlx::{AnyConnection, Row};

use crate::error::Result;

/// One decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JudgementRecord {
    /// The smaller record key.
    pub left_key: String,
    /// The larger record key.
    pub right_key: String,
    /// Same person?
    pub same: bool,
    /// Who decided.
    pub actor: String,
    /// When.
    pub at: String,
    /// Why.
    pub note: Option<String>,
}

/// Records (or replaces) a decision on a pair; keys are stored in sorted order.
pub async fn judge(
    connection: &mut AnyConnection,
    a: &str,
    b: &str,
    same: bool,
    actor: &str,
    at: &str,
    note: Option<&str>,
) -> Result<()> {
    let (left, right) = if a <= b { (a, b) } else { (b, a) };
    sqlx::query(
        "INSERT INTO link_judgement (left_key, right_key, same, actor, at, note) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (left_key, right_key) DO UPDATE SET same = excluded.same, actor = excluded.actor, at = excluded.at, note = excluded.note",
    )
    .bind(left)
    .bind(right)
    .bind(i64::from(same))
    .bind(actor)
    .bind(at)
    .bind(note)
    .execute(connection)
    .await?;
    Ok(())
}

/// Every decision.
pub async fn judgements(connection: &mut AnyConnection) -> Result<Vec<JudgementRecord>> {
    sqlx::query("SELECT left_key, right_key, same, actor, at, note FROM link_judgement ORDER BY id")
        .fetch_all(connection)
        .await?
        .iter()
        .map(|row| {
            let same: i64 = row.try_get(2)?;
            Ok(JudgementRecord {
                left_key: row.try_get(0)?,
                right_key: row.try_get(1)?,
                same: same != 0,
                actor: row.try_get(3)?,
                at: row.try_get(4)?,
                note: row.try_get(5)?,
            })
        })
        .collect()
}
