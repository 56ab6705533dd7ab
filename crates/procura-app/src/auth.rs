//! Accounts, departments, login sessions and cross-department grants.
//!
//! Passwords are hashed with Argon2id (PHC strings); session tokens are 256 random bits given
//! to the browser once and stored only as their BLAKE3 digest; every session carries its own
//! CSRF token. Five wrong passwords in a row lock an account for 15 minutes. A session ends
//! after 8 hours without use.

use argon2::password_hash::phc::PasswordHash;
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use chrono::{DateTime, Duration, Utc};
use procura_core::access::{self, Role};
use procura_store::users::{self, DepartmentRecord, NewUser, UserRecord};

use crate::error::{Error, Result};
use crate::{Actor, App, Capability, Principal, rfc3339};

/// Failed logins in a row before the account locks.
pub const MAX_FAILED_LOGINS: i64 = 5;
/// How long a lock lasts.
const LOCK_MINUTES: i64 = 15;
/// Idle time after which a session ends.
const SESSION_IDLE_HOURS: i64 = 8;
/// Shortest acceptable password.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// An account as shown to administrators and to the user themself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserInfo {
    /// Id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Roles.
    pub roles: Vec<Role>,
    /// Department id.
    pub department_id: Option<i64>,
    /// Department name.
    pub department: Option<String>,
    /// Cannot log in.
    pub disabled: bool,
    /// Locked after failed logins (until then).
    pub locked_until: Option<String>,
    /// Must change the password at the next login.
    pub must_change_password: bool,
}

/// An account to create.
#[derive(Debug, Clone)]
pub struct NewUserRequest {
    /// Login name (letters, digits, `.`, `_`, `-`).
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Roles.
    pub roles: Vec<Role>,
    /// Department name.
    pub department: Option<String>,
    /// A chosen password; `None` generates a one-time password that must be changed.
    pub password: Option<String>,
}

/// A created account, with its one-time password when one was generated.
#[derive(Debug, Clone)]
pub struct CreatedUser {
    /// The account.
    pub user: UserInfo,
    /// The generated password, shown once.
    pub one_time_password: Option<String>,
}

/// A new session.
#[derive(Debug, Clone)]
pub struct Login {
    /// The secret for the session cookie.
    pub token: String,
    /// The CSRF token the client sends back on every change.
    pub csrf_token: String,
    /// The signed-in user.
    pub user: UserInfo,
    /// Expiry (RFC 3339), extended by use.
    pub expires_at: String,
}

/// An authenticated request's actor and its session's CSRF token.
#[derive(Debug, Clone)]
pub struct Session {
    /// Who.
    pub actor: Actor,
    /// The CSRF token bound to the session.
    pub csrf_token: String,
}

/// A department.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepartmentInfo {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Area codes it handles.
    pub areas: Vec<String>,
}

fn random_hex(bytes: usize) -> Result<String> {
    let mut buffer = vec![0u8; bytes];
    getrandom::fill(&mut buffer)
        .map_err(|e| Error::Internal(format!("no system randomness: {e}")))?;
    Ok(buffer.iter().map(|b| format!("{b:02x}")).collect())
}

/// A readable one-time password: 16 characters from an alphabet without look-alikes.
fn one_time_password() -> Result<String> {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";
    let mut buffer = [0u8; 16];
    getrandom::fill(&mut buffer)
        .map_err(|e| Error::Internal(format!("no system randomness: {e}")))?;
    Ok(buffer
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect())
}

fn hash_password(password: &str) -> Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| Error::Internal(format!("cannot hash a password: {e}")))
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash to verify against when the user does not exist, so that a wrong user name takes as
/// long as a wrong password.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password("procura-timing-equaliser").unwrap_or_default())
}

fn check_password_rules(password: &str) -> Result<()> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(Error::Invalid(format!(
            "密码至少 {MIN_PASSWORD_CHARS} 个字符 (a password needs at least {MIN_PASSWORD_CHARS} characters)"
        )));
    }
    Ok(())
}

fn check_username(username: &str) -> Result<()> {
    let ok = !username.is_empty()
        && username.len() <= 64
        && username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(Error::Invalid(format!(
            "用户名只能包含字母、数字和 . _ - (invalid user name `{username}`: use letters, digits, `.`, `_`, `-`)"
        )))
    }
}

fn user_info(record: &UserRecord) -> Result<UserInfo> {
    Ok(UserInfo {
        id: record.id,
        username: record.username.clone(),
        display_name: record.display_name.clone(),
        roles: access::parse_roles(&record.roles)
            .map_err(|e| Error::Internal(format!("user {}: {e}", record.username)))?,
        department_id: record.department_id,
        department: record.department.clone(),
        disabled: record.disabled,
        locked_until: record.locked_until.clone(),
        must_change_password: record.must_change_password,
    })
}

fn token_digest(token: &str) -> String {
    blake3::hash(token.as_bytes()).to_hex().to_string()
}

fn bad_credentials() -> Error {
    Error::Unauthenticated("用户名或密码错误 (wrong user name or password)".into())
}

fn session_expired() -> Error {
    Error::Unauthenticated("未登录或会话已过期 (not signed in, or the session expired)".into())
}

impl App {
    /// Creates a department handling the given supervision areas (codes or Chinese names:
    /// `criminal`/`刑事检察`, `civil`, `administrative`, `public_interest`), and routes
    /// those areas' existing clues to it.
    pub async fn add_department(
        &self,
        actor: &Actor,
        name: &str,
        areas: &[String],
    ) -> Result<DepartmentInfo> {
        actor.require(Capability::ManageAccess)?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 64 {
            return Err(Error::Invalid(format!("invalid department name `{name}`")));
        }
        let areas = areas
            .iter()
            .map(|a| area_code(a))
            .collect::<Result<Vec<_>>>()?;
        let mut tx = self.store.begin().await?;
        let id = users::insert_department(&mut tx, name, &areas, &self.now_text()).await?;
        tx.commit().await.map_err(procura_store::Error::from)?;
        Ok(DepartmentInfo {
            id,
            name: name.to_owned(),
            areas,
        })
    }

    /// Every department.
    pub async fn departments(&self, actor: &Actor) -> Result<Vec<DepartmentInfo>> {
        let _ = actor; // department names are not confidential
        let mut connection = self.connection().await?;
        Ok(users::departments(&mut connection)
            .await?
            .into_iter()
            .map(|d: DepartmentRecord| DepartmentInfo {
                id: d.id,
                name: d.name,
                areas: d.areas,
            })
            .collect())
    }

    /// Creates an account. Roles are checked against the separation of duties (三员分立).
    pub async fn add_user(&self, actor: &Actor, request: &NewUserRequest) -> Result<CreatedUser> {
        actor.require(Capability::ManageUsers)?;
        check_username(&request.username)?;
        access::validate_roles(&request.roles).map_err(|e| Error::Invalid(e.to_string()))?;
        let (password, one_time) = match &request.password {
            Some(password) => {
                check_password_rules(password)?;
                (password.clone(), None)
            }
            None => {
                let password = one_time_password()?;
                (password.clone(), Some(password))
            }
        };
        let hash = hash_password(&password)?;
        let roles: Vec<&str> = request.roles.iter().map(|r| r.code()).collect();
        let mut tx = self.store.begin().await?;
        let department_id = match &request.department {
            None => None,
            Some(name) => Some(
                users::departments(&mut tx)
                    .await?
                    .into_iter()
                    .find(|d| d.name == *name)
                    .ok_or_else(|| Error::NotFound(format!("no department `{name}`")))?
                    .id,
            ),
        };
        let display_name = if request.display_name.trim().is_empty() {
            request.username.clone()
        } else {
            request.display_name.trim().to_owned()
        };
        users::insert_user(
            &mut tx,
            &NewUser {
                username: &request.username,
                display_name: &display_name,
                password_hash: &hash,
                roles: &roles.join(","),
                department_id,
                must_change_password: one_time.is_some(),
                now: &self.now_text(),
            },
        )
        .await?;
        let record = users::user_by_name(&mut tx, &request.username)
            .await?
            .ok_or_else(|| Error::Internal("inserted user vanished".into()))?;
        tx.commit().await.map_err(procura_store::Error::from)?;
        Ok(CreatedUser {
            user: user_info(&record)?,
            one_time_password: one_time,
        })
    }

    /// Every account.
    pub async fn list_users(&self, actor: &Actor) -> Result<Vec<UserInfo>> {
        if !(actor.can(Capability::ManageUsers) || actor.can(Capability::ManageAccess)) {
            return Err(Error::Forbidden(
                "只有系统管理员和安全保密管理员可以查看账户 (only the system and security administrators list accounts)".into(),
            ));
        }
        let mut connection = self.connection().await?;
        users::users(&mut connection)
            .await?
            .iter()
            .map(user_info)
            .collect()
    }

    /// Every account's login and display name (for showing names beside user names).
    pub async fn user_names(&self) -> Result<Vec<(String, String)>> {
        let mut connection = self.connection().await?;
        Ok(users::users(&mut connection)
            .await?
            .into_iter()
            .map(|u| (u.username, u.display_name))
            .collect())
    }

    /// Users that `actor` may assign clues to: active case workers of their department.
    pub async fn assignable_users(&self, actor: &Actor) -> Result<Vec<UserInfo>> {
        if !actor.can(Capability::ManageClues) {
            return Ok(Vec::new());
        }
        let department = actor.principal().and_then(|p| p.department_id);
        let mut connection = self.connection().await?;
        let mut list = Vec::new();
        for record in users::users(&mut connection).await? {
            let info = user_info(&record)?;
            let works = info
                .roles
                .iter()
                .any(|r| access::allows(*r, Capability::WorkClues));
            let same_department = department.is_none() || info.department_id == department;
            if works && !info.disabled && same_department {
                list.push(info);
            }
        }
        Ok(list)
    }

    /// Disables (or re-enables) an account; disabling ends its sessions.
    pub async fn set_user_disabled(
        &self,
        actor: &Actor,
        username: &str,
        disabled: bool,
    ) -> Result<UserInfo> {
        actor.require(Capability::ManageUsers)?;
        if disabled && username == actor.name() {
            return Err(Error::Invalid(
                "不能停用自己的账户 (you cannot disable yourself)".into(),
            ));
        }
        let mut tx = self.store.begin().await?;
        let record = users::user_by_name(&mut tx, username)
            .await?
            .ok_or_else(|| Error::NotFound(format!("no user `{username}`")))?;
        users::set_disabled(&mut tx, record.id, disabled, &self.now_text()).await?;
        let record = users::user_by_id(&mut tx, record.id)
            .await?
            .ok_or_else(|| Error::Internal("user vanished".into()))?;
        tx.commit().await.map_err(procura_store::Error::from)?;
        user_info(&record)
    }

    /// Gives an account a new one-time password (to be changed at the next login), unlocks it
    /// and ends its sessions. Returns the password, to be shown once.
    pub async fn reset_password(&self, actor: &Actor, username: &str) -> Result<String> {
        actor.require(Capability::ManageUsers)?;
        let password = one_time_password()?;
        let hash = hash_password(&password)?;
        let mut tx = self.store.begin().await?;
        let record = users::user_by_name(&mut tx, username)
            .await?
            .ok_or_else(|| Error::NotFound(format!("no user `{username}`")))?;
        users::set_password(&mut tx, record.id, &hash, true, &self.now_text()).await?;
        tx.commit().await.map_err(procura_store::Error::from)?;
        Ok(password)
    }

    /// Signs in. A wrong user name and a wrong password give the same error; the fifth wrong
    /// password in a row locks the account.
    pub async fn login(&self, username: &str, password: &str) -> Result<Login> {
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let Some(record) = users::user_by_name(&mut tx, username).await? else {
            verify_password(password, dummy_hash());
            return Err(bad_credentials());
        };
        if let Some(until) = &record.locked_until
            && until.as_str() > rfc3339(now).as_str()
        {
            return Err(Error::Locked {
                until: until.clone(),
            });
        }
        if record.disabled {
            verify_password(password, dummy_hash());
            return Err(bad_credentials());
        }
        if !verify_password(password, &record.password_hash) {
            let failures = if record.locked_until.is_some() {
                1 // a lock that has run out starts a new count
            } else {
                record.failed_logins + 1
            };
            if record.locked_until.is_some() {
                users::clear_failed_logins(&mut tx, record.id).await?;
            }
            let lock = (failures >= MAX_FAILED_LOGINS)
                .then(|| rfc3339(now + Duration::minutes(LOCK_MINUTES)));
            users::record_failed_login(&mut tx, record.id, lock.as_deref()).await?;
            tx.commit().await.map_err(procura_store::Error::from)?;
            return Err(match lock {
                Some(until) => Error::Locked { until },
                None => bad_credentials(),
            });
        }
        users::clear_failed_logins(&mut tx, record.id).await?;
        let token = random_hex(32)?;
        let csrf_token = random_hex(32)?;
        let expires_at = rfc3339(now + Duration::hours(SESSION_IDLE_HOURS));
        users::insert_session(
            &mut tx,
            &token_digest(&token),
            record.id,
            &csrf_token,
            &rfc3339(now),
            &expires_at,
        )
        .await?;
        tx.commit().await.map_err(procura_store::Error::from)?;
        Ok(Login {
            token,
            csrf_token,
            user: user_info(&record)?,
            expires_at,
        })
    }

    /// The actor behind a session token; extends the session when it is used (at most once a
    /// minute, so that reads do not write on every request).
    pub async fn authenticate(&self, token: &str) -> Result<Session> {
        let now = self.now();
        let now_text = rfc3339(now);
        let digest = token_digest(token);
        let mut connection = self.connection().await?;
        let session = users::session(&mut connection, &digest, &now_text)
            .await?
            .ok_or_else(session_expired)?;
        let record = users::user_by_id(&mut connection, session.user_id)
            .await?
            .filter(|u| !u.disabled)
            .ok_or_else(session_expired)?;
        let renewed = now + Duration::hours(SESSION_IDLE_HOURS);
        let current = DateTime::parse_from_rfc3339(&session.expires_at)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or(now);
        if renewed - current > Duration::minutes(1) {
            users::touch_session(&mut connection, &digest, &now_text, &rfc3339(renewed)).await?;
        }
        let granted = users::granted_departments(&mut connection, record.id, &now_text).await?;
        let info = user_info(&record)?;
        let principal = Principal {
            user_id: info.id,
            display_name: info.display_name,
            roles: info.roles,
            department_id: info.department_id,
            department: info.department,
            granted_departments: granted,
            must_change_password: info.must_change_password,
        };
        Ok(Session {
            actor: Actor::user(info.username, principal),
            csrf_token: session.csrf_token,
        })
    }

    /// Ends a session.
    pub async fn logout(&self, token: &str) -> Result<()> {
        let mut tx = self.store.begin().await?;
        users::delete_session(&mut tx, &token_digest(token)).await?;
        tx.commit().await.map_err(procura_store::Error::from)?;
        Ok(())
    }

    /// The signed-in user's own account.
    pub async fn me(&self, actor: &Actor) -> Result<UserInfo> {
        let principal = actor.principal().ok_or_else(session_expired)?;
        let mut connection = self.connection().await?;
        let record = users::user_by_id(&mut connection, principal.user_id)
            .await?
            .ok_or_else(session_expired)?;
        user_info(&record)
    }

    /// Changes the signed-in user's password (the old one is checked). Ends their other
    /// sessions; the caller signs in again.
    pub async fn change_password(&self, actor: &Actor, old: &str, new: &str) -> Result<()> {
        let principal = actor.principal().ok_or_else(session_expired)?;
        check_password_rules(new)?;
        if old == new {
            return Err(Error::Invalid(
                "新密码不能与旧密码相同 (the new password must differ from the old one)".into(),
            ));
        }
        let mut tx = self.store.begin().await?;
        let record = users::user_by_id(&mut tx, principal.user_id)
            .await?
            .ok_or_else(session_expired)?;
        if !verify_password(old, &record.password_hash) {
            return Err(Error::Invalid(
                "原密码错误 (the current password is wrong)".into(),
            ));
        }
        users::set_password(
            &mut tx,
            record.id,
            &hash_password(new)?,
            false,
            &self.now_text(),
        )
        .await?;
        tx.commit().await.map_err(procura_store::Error::from)?;
        Ok(())
    }

    /// Grants `username` access to the clues of `department` for `days` days, with a reason
    /// that is kept with the grant.
    pub async fn grant_access(
        &self,
        actor: &Actor,
        username: &str,
        department: &str,
        reason: &str,
        days: i64,
    ) -> Result<()> {
        actor.require(Capability::ManageAccess)?;
        if reason.trim().is_empty() {
            return Err(Error::Invalid(
                "授权必须说明理由 (a grant needs a reason)".into(),
            ));
        }
        if !(1..=366).contains(&days) {
            return Err(Error::Invalid(format!(
                "grant duration {days} days is outside 1..=366"
            )));
        }
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let user = users::user_by_name(&mut tx, username)
            .await?
            .ok_or_else(|| Error::NotFound(format!("no user `{username}`")))?;
        let department_id = users::departments(&mut tx)
            .await?
            .into_iter()
            .find(|d| d.name == department)
            .ok_or_else(|| Error::NotFound(format!("no department `{department}`")))?
            .id;
        users::insert_grant(
            &mut tx,
            user.id,
            department_id,
            actor.name(),
            reason.trim(),
            &rfc3339(now),
            &rfc3339(now + Duration::days(days)),
        )
        .await?;
        tx.commit().await.map_err(procura_store::Error::from)?;
        Ok(())
    }

    /// Creates the first system administrator with a one-time password, unless any account
    /// exists. Returns the password when it created the account.
    pub async fn ensure_first_admin(&self) -> Result<Option<String>> {
        let mut connection = self.connection().await?;
        if !users::users(&mut connection).await?.is_empty() {
            return Ok(None);
        }
        drop(connection);
        let operator = Actor::new("procura-init")?;
        let created = self
            .add_user(
                &operator,
                &NewUserRequest {
                    username: "admin".into(),
                    display_name: "系统管理员".into(),
                    roles: vec![Role::SysAdmin],
                    department: None,
                    password: None,
                },
            )
            .await?;
        Ok(created.one_time_password)
    }
}

/// The area code for a code or Chinese area name.
pub fn area_code(text: &str) -> Result<String> {
    use procura_models::manifest::Area;
    let text = text.trim();
    Area::ALL
        .into_iter()
        .find(|a| a.code() == text || a.zh() == text || a.zh().trim_end_matches("检察") == text)
    .map(|a| a.code().to_owned())
    .ok_or_else(|| {
        Error::Invalid(format!(
            "unknown area `{text}` (criminal 刑事检察, civil 民事检察, administrative 行政检察, public_interest 公益诉讼检察)"
        ))
    })
}
