//! Users, departments, login sessions and cross-department access grants.
//!
//! Passwords arrive here already hashed (argon2id PHC strings, made by the app) and session
//! tokens as BLAKE3 digests: the store never sees a secret it could leak.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::error::{Error, Result};

/// A department of the office.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepartmentRecord {
    /// Id.
    pub id: i64,
    /// Name, unique (刑事检察部).
    pub name: String,
    /// Supervision areas whose clues it handles (area codes).
    pub areas: Vec<String>,
}

/// A user as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    /// Id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Name shown to others.
    pub display_name: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// Role codes, comma-separated.
    pub roles: String,
    /// Department.
    pub department_id: Option<i64>,
    /// Department name.
    pub department: Option<String>,
    /// Cannot log in.
    pub disabled: bool,
    /// Must change the password at the next login.
    pub must_change_password: bool,
    /// Consecutive failed logins.
    pub failed_logins: i64,
    /// Locked until (RFC 3339).
    pub locked_until: Option<String>,
    /// When the current password was set (RFC 3339).
    pub password_set_at: Option<String>,
}

/// A user to create.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    /// Login name.
    pub username: &'a str,
    /// Display name.
    pub display_name: &'a str,
    /// Argon2id PHC string.
    pub password_hash: &'a str,
    /// Role codes, comma-separated.
    pub roles: &'a str,
    /// Department.
    pub department_id: Option<i64>,
    /// Force a password change at first login.
    pub must_change_password: bool,
    /// When.
    pub now: &'a str,
}

/// A live session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// The user.
    pub user_id: i64,
    /// When it began (RFC 3339).
    pub created_at: String,
    /// The CSRF token bound to the session.
    pub csrf_token: String,
    /// Expiry (RFC 3339).
    pub expires_at: String,
}

const USER_COLUMNS: &str = "u.id, u.username, u.display_name, u.password_hash, u.roles, u.department_id, d.name, \
    u.disabled, u.must_change_password, u.failed_logins, u.locked_until, u.password_set_at";

fn user_from_row(row: &AnyRow) -> Result<UserRecord> {
    Ok(UserRecord {
        id: row.try_get(0)?,
        username: row.try_get(1)?,
        display_name: row.try_get(2)?,
        password_hash: row.try_get(3)?,
        roles: row.try_get(4)?,
        department_id: row.try_get(5)?,
        department: row.try_get(6)?,
        disabled: row.try_get::<i64, _>(7)? != 0,
        must_change_password: row.try_get::<i64, _>(8)? != 0,
        failed_logins: row.try_get(9)?,
        locked_until: row.try_get(10)?,
        password_set_at: row.try_get(11)?,
    })
}

/// Creates a department handling the given areas (an area already routed elsewhere moves to
/// it), and routes the area's clues that have no department yet to it.
pub async fn insert_department(
    connection: &mut AnyConnection,
    name: &str,
    areas: &[String],
    now: &str,
) -> Result<i64> {
    let existing: Option<i64> = sqlx::query("SELECT id FROM department WHERE name = $1")
        .bind(name)
        .fetch_optional(&mut *connection)
        .await?
        .map(|row| row.try_get(0))
        .transpose()?;
    if existing.is_some() {
        return Err(Error::Conflict(format!("department `{name}` exists")));
    }
    let id: i64 =
        sqlx::query("INSERT INTO department (name, created_at) VALUES ($1, $2) RETURNING id")
            .bind(name)
            .bind(now)
            .fetch_one(&mut *connection)
            .await?
            .try_get(0)?;
    for area in areas {
        sqlx::query("DELETE FROM department_area WHERE area = $1")
            .bind(area)
            .execute(&mut *connection)
            .await?;
        sqlx::query("INSERT INTO department_area (area, department_id) VALUES ($1, $2)")
            .bind(area)
            .bind(id)
            .execute(&mut *connection)
            .await?;
        sqlx::query("UPDATE clue SET department_id = $1 WHERE area = $2 AND department_id IS NULL")
            .bind(id)
            .bind(area)
            .execute(&mut *connection)
            .await?;
    }
    Ok(id)
}

/// Every department with its areas.
pub async fn departments(connection: &mut AnyConnection) -> Result<Vec<DepartmentRecord>> {
    let mut list: Vec<DepartmentRecord> =
        sqlx::query("SELECT id, name FROM department ORDER BY id")
            .fetch_all(&mut *connection)
            .await?
            .iter()
            .map(|row| {
                Ok(DepartmentRecord {
                    id: row.try_get(0)?,
                    name: row.try_get(1)?,
                    areas: Vec::new(),
                })
            })
            .collect::<Result<_>>()?;
    for row in sqlx::query("SELECT area, department_id FROM department_area ORDER BY area")
        .fetch_all(&mut *connection)
        .await?
    {
        let area: String = row.try_get(0)?;
        let id: i64 = row.try_get(1)?;
        if let Some(department) = list.iter_mut().find(|d| d.id == id) {
            department.areas.push(area);
        }
    }
    Ok(list)
}

/// Sets the area of a model's clues and routes those without a department to the department
/// handling the area.
pub async fn route_clues(connection: &mut AnyConnection, model_id: &str, area: &str) -> Result<()> {
    sqlx::query(
        "UPDATE clue SET area = $2, department_id = (SELECT department_id FROM department_area WHERE area = $2) \
         WHERE model_id = $1 AND (area IS NULL OR department_id IS NULL)",
    )
    .bind(model_id)
    .bind(area)
    .execute(connection)
    .await?;
    Ok(())
}

/// Creates a user.
pub async fn insert_user(connection: &mut AnyConnection, user: &NewUser<'_>) -> Result<i64> {
    if user_by_name(&mut *connection, user.username)
        .await?
        .is_some()
    {
        return Err(Error::Conflict(format!("user `{}` exists", user.username)));
    }
    Ok(sqlx::query(
        "INSERT INTO app_user (username, display_name, password_hash, roles, department_id, must_change_password, created_at, updated_at, password_set_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $7) RETURNING id",
    )
    .bind(user.username)
    .bind(user.display_name)
    .bind(user.password_hash)
    .bind(user.roles)
    .bind(user.department_id)
    .bind(i64::from(user.must_change_password))
    .bind(user.now)
    .fetch_one(connection)
    .await?
    .try_get(0)?)
}

/// A user by login name.
pub async fn user_by_name(
    connection: &mut AnyConnection,
    username: &str,
) -> Result<Option<UserRecord>> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM app_user u LEFT JOIN department d ON d.id = u.department_id WHERE u.username = $1"
    )))
    .bind(username)
    .fetch_optional(connection)
    .await?
    .as_ref()
    .map(user_from_row)
    .transpose()
}

/// A user by id.
pub async fn user_by_id(connection: &mut AnyConnection, id: i64) -> Result<Option<UserRecord>> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM app_user u LEFT JOIN department d ON d.id = u.department_id WHERE u.id = $1"
    )))
    .bind(id)
    .fetch_optional(connection)
    .await?
    .as_ref()
    .map(user_from_row)
    .transpose()
}

/// Every user, by id.
pub async fn users(connection: &mut AnyConnection) -> Result<Vec<UserRecord>> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM app_user u LEFT JOIN department d ON d.id = u.department_id ORDER BY u.id"
    )))
    .fetch_all(connection)
    .await?
    .iter()
    .map(user_from_row)
    .collect()
}

/// Sets a new password hash; `must_change` forces another change at the next login.
/// Clears failures and lockout, and ends the user's sessions.
pub async fn set_password(
    connection: &mut AnyConnection,
    user_id: i64,
    password_hash: &str,
    must_change: bool,
    now: &str,
) -> Result<()> {
    let changed = sqlx::query(
        "UPDATE app_user SET password_hash = $2, must_change_password = $3, failed_logins = 0, locked_until = NULL, updated_at = $4, password_set_at = $4 WHERE id = $1",
    )
    .bind(user_id)
    .bind(password_hash)
    .bind(i64::from(must_change))
    .bind(now)
    .execute(&mut *connection)
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(Error::NotFound(format!("user {user_id}")));
    }
    delete_sessions_of(connection, user_id).await
}

/// Disables or enables a user; disabling ends their sessions.
pub async fn set_disabled(
    connection: &mut AnyConnection,
    user_id: i64,
    disabled: bool,
    now: &str,
) -> Result<()> {
    sqlx::query("UPDATE app_user SET disabled = $2, updated_at = $3 WHERE id = $1")
        .bind(user_id)
        .bind(i64::from(disabled))
        .bind(now)
        .execute(&mut *connection)
        .await?;
    if disabled {
        delete_sessions_of(connection, user_id).await?;
    }
    Ok(())
}

/// Records a failed login: counts it and, when `lock_until` is given, locks the account.
pub async fn record_failed_login(
    connection: &mut AnyConnection,
    user_id: i64,
    lock_until: Option<&str>,
) -> Result<()> {
    sqlx::query(
        "UPDATE app_user SET failed_logins = failed_logins + 1, locked_until = COALESCE($2, locked_until) WHERE id = $1",
    )
    .bind(user_id)
    .bind(lock_until)
    .execute(connection)
    .await?;
    Ok(())
}

/// Clears the failure count after a successful login (or an expired lock).
pub async fn clear_failed_logins(connection: &mut AnyConnection, user_id: i64) -> Result<()> {
    sqlx::query("UPDATE app_user SET failed_logins = 0, locked_until = NULL WHERE id = $1")
        .bind(user_id)
        .execute(connection)
        .await?;
    Ok(())
}

/// Starts a session.
pub async fn insert_session(
    connection: &mut AnyConnection,
    token_hash: &str,
    user_id: i64,
    csrf_token: &str,
    now: &str,
    expires_at: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO user_session (token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $4, $5)",
    )
    .bind(token_hash)
    .bind(user_id)
    .bind(csrf_token)
    .bind(now)
    .bind(expires_at)
    .execute(connection)
    .await?;
    Ok(())
}

/// A session that has not expired at `now`.
pub async fn session(
    connection: &mut AnyConnection,
    token_hash: &str,
    now: &str,
) -> Result<Option<SessionRecord>> {
    sqlx::query(
        "SELECT user_id, csrf_token, expires_at, created_at FROM user_session WHERE token_hash = $1 AND expires_at > $2",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(connection)
    .await?
    .map(|row| {
        Ok(SessionRecord {
            user_id: row.try_get(0)?,
            csrf_token: row.try_get(1)?,
            expires_at: row.try_get(2)?,
            created_at: row.try_get(3)?,
        })
    })
    .transpose()
}

/// Removes sessions that expired before `now`; returns how many.
pub async fn purge_sessions(connection: &mut AnyConnection, now: &str) -> Result<u64> {
    Ok(
        sqlx::query("DELETE FROM user_session WHERE expires_at <= $1")
            .bind(now)
            .execute(connection)
            .await?
            .rows_affected(),
    )
}

/// A cross-department grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRecord {
    /// Id.
    pub id: i64,
    /// The user granted access.
    pub username: String,
    /// The department whose clues they may see.
    pub department: String,
    /// Who granted it.
    pub granted_by: String,
    /// Why.
    pub reason: String,
    /// When.
    pub granted_at: String,
    /// Until.
    pub expires_at: String,
    /// Revoked at, if revoked.
    pub revoked_at: Option<String>,
}

/// Every grant, newest first.
pub async fn grants(connection: &mut AnyConnection) -> Result<Vec<GrantRecord>> {
    sqlx::query(
        "SELECT g.id, u.username, d.name, g.granted_by, g.reason, g.granted_at, g.expires_at, g.revoked_at \
         FROM access_grant g JOIN app_user u ON u.id = g.user_id JOIN department d ON d.id = g.department_id \
         ORDER BY g.id DESC",
    )
    .fetch_all(connection)
    .await?
    .iter()
    .map(|row| {
        Ok(GrantRecord {
            id: row.try_get(0)?,
            username: row.try_get(1)?,
            department: row.try_get(2)?,
            granted_by: row.try_get(3)?,
            reason: row.try_get(4)?,
            granted_at: row.try_get(5)?,
            expires_at: row.try_get(6)?,
            revoked_at: row.try_get(7)?,
        })
    })
    .collect()
}

/// Revokes a live grant; returns whether one was revoked.
pub async fn revoke_grant(connection: &mut AnyConnection, id: i64, now: &str) -> Result<bool> {
    Ok(
        sqlx::query("UPDATE access_grant SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
            .bind(id)
            .bind(now)
            .execute(connection)
            .await?
            .rows_affected()
            == 1,
    )
}

/// Extends a session's idle expiry.
pub async fn touch_session(
    connection: &mut AnyConnection,
    token_hash: &str,
    now: &str,
    expires_at: &str,
) -> Result<()> {
    sqlx::query("UPDATE user_session SET last_seen_at = $2, expires_at = $3 WHERE token_hash = $1")
        .bind(token_hash)
        .bind(now)
        .bind(expires_at)
        .execute(connection)
        .await?;
    Ok(())
}

/// Ends a session.
pub async fn delete_session(connection: &mut AnyConnection, token_hash: &str) -> Result<()> {
    sqlx::query("DELETE FROM user_session WHERE token_hash = $1")
        .bind(token_hash)
        .execute(connection)
        .await?;
    Ok(())
}

/// Ends every session of a user.
pub async fn delete_sessions_of(connection: &mut AnyConnection, user_id: i64) -> Result<()> {
    sqlx::query("DELETE FROM user_session WHERE user_id = $1")
        .bind(user_id)
        .execute(connection)
        .await?;
    Ok(())
}

/// Grants a user access to another department's clues until `expires_at`.
pub async fn insert_grant(
    connection: &mut AnyConnection,
    user_id: i64,
    department_id: i64,
    granted_by: &str,
    reason: &str,
    now: &str,
    expires_at: &str,
) -> Result<i64> {
    Ok(sqlx::query(
        "INSERT INTO access_grant (user_id, department_id, granted_by, reason, granted_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(user_id)
    .bind(department_id)
    .bind(granted_by)
    .bind(reason)
    .bind(now)
    .bind(expires_at)
    .fetch_one(connection)
    .await?
    .try_get(0)?)
}

/// Departments a user has been granted access to, live at `now`.
pub async fn granted_departments(
    connection: &mut AnyConnection,
    user_id: i64,
    now: &str,
) -> Result<Vec<i64>> {
    sqlx::query(
        "SELECT DISTINCT department_id FROM access_grant WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2",
    )
    .bind(user_id)
    .bind(now)
    .fetch_all(connection)
    .await?
    .iter()
    .map(|row| Ok(row.try_get(0)?))
    .collect()
}
