//! Accounts, departments, login sessions and cross-department grants.
//!
//! Passwords are hashed with Argon2id (PHC strings); session tokens are 256 random bits given
//! to the browser once and stored only as their BLAKE3 digest; every session carries its own
//! CSRF token.
//!
//! Guessing is slowed without letting anyone lock anyone out (ASVS 6.3.1, 6.3.8): an unknown
//! user, a wrong password and a throttled attempt all answer the same error after the same
//! Argon2 work; five failures for one account from one client address within 15 minutes
//! refuse that address for that account, thirty from one address refuse the address; more
//! than five failures on an account from anywhere delay every further attempt on it, but the
//! correct password from a clean address is never refused. Argon2 runs on the blocking pool,
//! at most as many at once as there are cores, so sign-ins cannot starve the API.
//!
//! A session ends after 15 idle minutes (configurable) and at the latest 8 hours after it
//! began; expired sessions are purged.

use argon2::password_hash::phc::PasswordHash;
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use chrono::{DateTime, Duration, Utc};
use procura_core::access::{self, Role};
use procura_store::users::{self, DepartmentRecord, NewUser, UserRecord};

use crate::audit::{Action, Event, Outcome};
use crate::error::{Error, Result};
use crate::{Actor, App, Capability, Principal, rfc3339};

/// Failed logins for one account from one address before that address is refused for it.
pub const MAX_FAILED_LOGINS: usize = 5;
/// Failed logins from one address (any accounts) before the address is refused.
pub const MAX_FAILED_LOGINS_PER_CLIENT: usize = 30;
/// The window those counts cover.
const THROTTLE_MINUTES: i64 = 15;
/// Idle time after which a session ends (default; `session_idle_minutes` in procura.toml).
pub const SESSION_IDLE_MINUTES: i64 = 15;
/// A session's absolute lifetime.
pub const SESSION_MAX_HOURS: i64 = 8;
/// How long a one-time password is valid.
pub const ONE_TIME_PASSWORD_HOURS: i64 = 72;
/// Shortest acceptable password (ASVS 6.2.1 asks ≥ 8; SECURITY.md sets 12).
pub const MIN_PASSWORD_CHARS: usize = 12;

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

/// At most this many Argon2 computations run at once (one per core), on the blocking pool.
fn argon2_permits() -> &'static tokio::sync::Semaphore {
    static PERMITS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    PERMITS.get_or_init(|| {
        tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
    })
}

/// Verifies a password off the request threads, bounded.
async fn verify_bounded(password: &str, hash: &str) -> Result<bool> {
    let _permit = argon2_permits()
        .acquire()
        .await
        .map_err(|_| Error::Internal("the password pool is closed".into()))?;
    let (password, hash) = (password.to_owned(), hash.to_owned());
    tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .map_err(|e| Error::Internal(format!("password check failed: {e}")))
}

/// Hashes a password off the request threads, bounded.
async fn hash_bounded(password: &str) -> Result<String> {
    let _permit = argon2_permits()
        .acquire()
        .await
        .map_err(|_| Error::Internal("the password pool is closed".into()))?;
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| Error::Internal(format!("password hashing failed: {e}")))?
}

/// Recent failed logins, kept in memory: by (account, client) and by client.
#[derive(Debug, Default)]
pub(crate) struct LoginThrottle {
    by_account_client: std::collections::HashMap<(String, String), Vec<DateTime<Utc>>>,
    by_client: std::collections::HashMap<String, Vec<DateTime<Utc>>>,
    by_account: std::collections::HashMap<String, Vec<DateTime<Utc>>>,
}

impl LoginThrottle {
    fn prune(list: &mut Vec<DateTime<Utc>>, now: DateTime<Utc>) -> usize {
        list.retain(|t| now - *t < Duration::minutes(THROTTLE_MINUTES));
        list.len()
    }

    /// Whether this client is refused for this account; and the delay the account's recent
    /// failures from anywhere impose.
    fn check(&mut self, account: &str, client: &str, now: DateTime<Utc>) -> (bool, u64) {
        let pair = self
            .by_account_client
            .get_mut(&(account.to_owned(), client.to_owned()))
            .map_or(0, |l| Self::prune(l, now));
        let from_client = self
            .by_client
            .get_mut(client)
            .map_or(0, |l| Self::prune(l, now));
        let on_account = self
            .by_account
            .get_mut(account)
            .map_or(0, |l| Self::prune(l, now));
        let refused = pair >= MAX_FAILED_LOGINS || from_client >= MAX_FAILED_LOGINS_PER_CLIENT;
        let delay_ms = (on_account.saturating_sub(MAX_FAILED_LOGINS) as u64 * 250).min(3_000);
        (refused, delay_ms)
    }

    fn fail(&mut self, account: &str, client: &str, now: DateTime<Utc>) {
        if self.by_account_client.len() > 100_000 {
            self.by_account_client
                .retain(|_, l| Self::prune(l, now) > 0);
            self.by_client.retain(|_, l| Self::prune(l, now) > 0);
            self.by_account.retain(|_, l| Self::prune(l, now) > 0);
        }
        self.by_account_client
            .entry((account.to_owned(), client.to_owned()))
            .or_default()
            .push(now);
        self.by_client
            .entry(client.to_owned())
            .or_default()
            .push(now);
        self.by_account
            .entry(account.to_owned())
            .or_default()
            .push(now);
    }

    fn succeed(&mut self, account: &str, client: &str) {
        self.by_account_client
            .remove(&(account.to_owned(), client.to_owned()));
    }
}

/// A hash to verify against when the user does not exist, so that a wrong user name takes as
/// long as a wrong password.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password("procura-timing-equaliser").unwrap_or_default())
}

/// Passwords nobody may choose: the most common ones (case-insensitive), beyond the patterns
/// [`check_password_rules`] refuses.
const COMMON_PASSWORDS: &[&str] = &[
    "123456789012",
    "1234567890ab",
    "qwertyuiopas",
    "password1234",
    "password12345",
    "passw0rd1234",
    "administrator",
    "admin1234567",
    "abc123456789",
    "iloveyou1234",
    "qwerty123456",
    "1q2w3e4r5t6y",
    "1qaz2wsx3edc",
    "zaq12wsxcde3",
    "woaini123456",
    "aa1234567890",
    "asdfghjkl123",
    "welcome12345",
    "changeme1234",
    "letmein12345",
    "p@ssw0rd1234",
    "jiancha12345",
    "jianchayuan1",
    "procura12345",
    "88888888888888",
];

/// The password policy: at least [`MIN_PASSWORD_CHARS`] characters, at most 128; not a
/// common password, not one character repeated, not a keyboard or alphabet run, and not
/// containing the user name. No composition rules (ASVS 6.2.5).
pub fn check_password_rules_for(password: &str, username: &str) -> Result<()> {
    let chars: Vec<char> = password.chars().collect();
    if chars.len() < MIN_PASSWORD_CHARS {
        return Err(Error::Invalid(format!(
            "密码至少 {MIN_PASSWORD_CHARS} 个字符 (a password needs at least {MIN_PASSWORD_CHARS} characters)"
        )));
    }
    if chars.len() > 128 {
        return Err(Error::Invalid(
            "密码最多 128 个字符 (a password has at most 128 characters)".into(),
        ));
    }
    let lower = password.to_lowercase();
    let distinct: std::collections::HashSet<char> = chars.iter().copied().collect();
    let run = chars.windows(2).all(|w| {
        let (a, b) = (w[0] as i64, w[1] as i64);
        (b - a).abs() == 1 && (b - a) == (chars[1] as i64 - chars[0] as i64)
    });
    let keyboard = [
        "qwertyuiopasdfghjklzxcvbnm",
        "1234567890",
        "0987654321",
        "1qaz2wsx3edc4rfv",
    ]
    .iter()
    .any(|row| {
        row.contains(lower.as_str())
            || lower.chars().all(|c| row.contains(c)) && distinct.len() <= 4
    });
    let weak = COMMON_PASSWORDS.contains(&lower.as_str())
        || distinct.len() <= 2
        || run
        || keyboard
        || (!username.is_empty() && lower.contains(&username.to_lowercase()));
    if weak {
        return Err(Error::Invalid(
            "密码过于简单或常见，请换一个 (the password is too common or too simple; choose another)".into(),
        ));
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
        self.require(
            actor,
            Capability::ManageAccess,
            &format!("department:{name}"),
        )
        .await?;
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
        self.audit(
            &mut tx,
            actor,
            Event::ok(Action::DepartmentChange, format!("department:{name}"))
                .detail(serde_json::json!({ "areas": areas })),
        )
        .await?;
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
        self.require(
            actor,
            Capability::ManageUsers,
            &format!("user:{}", request.username),
        )
        .await?;
        check_username(&request.username)?;
        access::validate_roles(&request.roles).map_err(|e| Error::Invalid(e.to_string()))?;
        let (password, one_time) = match &request.password {
            Some(password) => {
                check_password_rules_for(password, &request.username)?;
                (password.clone(), None)
            }
            None => {
                let password = one_time_password()?;
                (password.clone(), Some(password))
            }
        };
        let hash = hash_bounded(&password).await?;
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
        self.audit(
            &mut tx,
            actor,
            Event::ok(Action::AccountChange, format!("user:{}", request.username)).detail(
                serde_json::json!({ "created": true, "roles": roles, "department": request.department }),
            ),
        )
        .await?;
        tx.commit().await.map_err(procura_store::Error::from)?;
        Ok(CreatedUser {
            user: user_info(&record)?,
            one_time_password: one_time,
        })
    }

    /// Every account.
    pub async fn list_users(&self, actor: &Actor) -> Result<Vec<UserInfo>> {
        if !(actor.can(Capability::ManageUsers) || actor.can(Capability::ManageAccess)) {
            self.audit_denied(actor, "users", "list users").await?;
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
        self.require(actor, Capability::ManageUsers, &format!("user:{username}"))
            .await?;
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
        self.audit(
            &mut tx,
            actor,
            Event::ok(Action::AccountChange, format!("user:{username}"))
                .detail(serde_json::json!({ "disabled": disabled })),
        )
        .await?;
        tx.commit().await.map_err(procura_store::Error::from)?;
        user_info(&record)
    }

    /// Gives an account a new one-time password (to be changed at the next login), unlocks it
    /// and ends its sessions. Returns the password, to be shown once.
    pub async fn reset_password(&self, actor: &Actor, username: &str) -> Result<String> {
        self.require(actor, Capability::ManageUsers, &format!("user:{username}"))
            .await?;
        let password = one_time_password()?;
        let hash = hash_bounded(&password).await?;
        let mut tx = self.store.begin().await?;
        let record = users::user_by_name(&mut tx, username)
            .await?
            .ok_or_else(|| Error::NotFound(format!("no user `{username}`")))?;
        users::set_password(&mut tx, record.id, &hash, true, &self.now_text()).await?;
        self.audit(
            &mut tx,
            actor,
            Event::ok(Action::AccountChange, format!("user:{username}"))
                .detail(serde_json::json!({ "password_reset": true })),
        )
        .await?;
        tx.commit().await.map_err(procura_store::Error::from)?;
        Ok(password)
    }

    /// Signs in from `client` (an address, for throttling and the audit trail). An unknown
    /// user, a wrong password, a disabled account and a throttled address give the same error
    /// after the same work; see the module documentation for the limits.
    pub async fn login(&self, username: &str, password: &str, client: &str) -> Result<Login> {
        let now = self.now();
        let attempted = crate::clean_text(username, 64);
        let client = crate::clean_text(client, 64);
        let (refused, delay_ms) = self.throttle()?.check(&attempted, &client, now);
        if delay_ms > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(delay_ms)).await;
        }
        let record = {
            let mut connection = self.connection().await?;
            users::user_by_name(&mut connection, username).await?
        };
        let hash = record
            .as_ref()
            .filter(|r| !r.disabled && !refused)
            .map_or(dummy_hash(), |r| r.password_hash.as_str());
        let correct = verify_bounded(password, hash).await?;
        // A one-time password (a new account's, or after a reset) works for a limited time.
        let expired = record.as_ref().is_some_and(|r| {
            r.must_change_password
                && r.password_set_at
                    .as_deref()
                    .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                    .is_some_and(|set| {
                        now - set.with_timezone(&Utc) > Duration::hours(ONE_TIME_PASSWORD_HOURS)
                    })
        });
        let refused = refused || expired;
        let anonymous = Actor::anonymous(&client);
        let known_id = record.as_ref().map(|r| r.id);
        let Some(record) = record.filter(|r| correct && !r.disabled && !refused) else {
            self.throttle()?.fail(&attempted, &client, now);
            let reason = if expired && correct {
                "one_time_password_expired"
            } else if refused {
                "throttled"
            } else {
                "bad_credentials"
            };
            let mut tx = self.store.begin().await?;
            if let Some(id) = known_id {
                users::record_failed_login(&mut tx, id, None).await?;
            }
            self.audit(
                &mut tx,
                &anonymous,
                Event::ok(Action::LoginFailed, format!("user:{attempted}"))
                    .outcome(Outcome::Failed(reason.into())),
            )
            .await?;
            tx.commit().await.map_err(procura_store::Error::from)?;
            return Err(bad_credentials());
        };
        self.throttle()?.succeed(&attempted, &client);
        let token = random_hex(32)?;
        let csrf_token = random_hex(32)?;
        let expires_at = rfc3339(self.session_expiry(now, now));
        let info = user_info(&record)?;
        let actor = Actor::user(
            info.username.clone(),
            Principal {
                user_id: info.id,
                display_name: info.display_name.clone(),
                roles: info.roles.clone(),
                department_id: info.department_id,
                department: info.department.clone(),
                granted_departments: Vec::new(),
                must_change_password: info.must_change_password,
            },
        )
        .with_client(&client);
        let mut tx = self.store.begin().await?;
        users::clear_failed_logins(&mut tx, record.id).await?;
        users::purge_sessions(&mut tx, &rfc3339(now)).await?;
        users::insert_session(
            &mut tx,
            &token_digest(&token),
            record.id,
            &csrf_token,
            &rfc3339(now),
            &expires_at,
        )
        .await?;
        self.audit(
            &mut tx,
            &actor,
            Event::ok(Action::Login, format!("user:{}", info.username)),
        )
        .await?;
        tx.commit().await.map_err(procura_store::Error::from)?;
        Ok(Login {
            token,
            csrf_token,
            user: info,
            expires_at,
        })
    }

    fn throttle(&self) -> Result<std::sync::MutexGuard<'_, LoginThrottle>> {
        self.throttle
            .lock()
            .map_err(|_| Error::Internal("login throttle poisoned".into()))
    }

    /// When a session begun at `created` and used at `now` ends: idle timeout, capped by the
    /// absolute lifetime.
    fn session_expiry(&self, created: DateTime<Utc>, now: DateTime<Utc>) -> DateTime<Utc> {
        let idle = now + Duration::minutes(self.session_idle_minutes);
        idle.min(created + Duration::hours(SESSION_MAX_HOURS))
    }

    /// The actor behind a session token; extends the session's idle expiry when it is used
    /// (at most once a minute, so that reads do not write on every request), never beyond its
    /// absolute lifetime.
    pub async fn authenticate(&self, token: &str) -> Result<Session> {
        self.authenticate_with(token, true).await
    }

    /// The actor behind a session token; a background request (`extend` false: a page's
    /// periodic poll) does not count as use, so an unattended page still times out.
    pub async fn authenticate_with(&self, token: &str, extend: bool) -> Result<Session> {
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
        let parse = |text: &str| {
            DateTime::parse_from_rfc3339(text)
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or(now)
        };
        let renewed = self.session_expiry(parse(&session.created_at), now);
        let current = parse(&session.expires_at);
        if extend && renewed - current > Duration::minutes(1) {
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
    pub async fn logout(&self, actor: &Actor, token: &str) -> Result<()> {
        let mut tx = self.store.begin().await?;
        users::delete_session(&mut tx, &token_digest(token)).await?;
        self.audit(
            &mut tx,
            actor,
            Event::ok(Action::Logout, format!("user:{}", actor.name())),
        )
        .await?;
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

    /// Changes the signed-in user's password (the old one is checked, and a wrong one counts
    /// as a failed login). Ends their other sessions; the caller signs in again.
    pub async fn change_password(&self, actor: &Actor, old: &str, new: &str) -> Result<()> {
        let principal = actor.principal().ok_or_else(session_expired)?;
        check_password_rules_for(new, actor.name())?;
        if old == new {
            return Err(Error::Invalid(
                "新密码不能与旧密码相同 (the new password must differ from the old one)".into(),
            ));
        }
        let now = self.now();
        let (refused, delay_ms) = self.throttle()?.check(actor.name(), actor.client(), now);
        if delay_ms > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(delay_ms)).await;
        }
        let record = {
            let mut connection = self.connection().await?;
            users::user_by_id(&mut connection, principal.user_id)
                .await?
                .ok_or_else(session_expired)?
        };
        if refused || !verify_bounded(old, &record.password_hash).await? {
            self.throttle()?.fail(actor.name(), actor.client(), now);
            let mut tx = self.store.begin().await?;
            users::record_failed_login(&mut tx, record.id, None).await?;
            self.audit(
                &mut tx,
                actor,
                Event::ok(Action::PasswordChange, format!("user:{}", actor.name()))
                    .outcome(Outcome::Failed("wrong_current_password".into())),
            )
            .await?;
            tx.commit().await.map_err(procura_store::Error::from)?;
            return Err(Error::Invalid(
                "原密码错误 (the current password is wrong)".into(),
            ));
        }
        let hash = hash_bounded(new).await?;
        let mut tx = self.store.begin().await?;
        users::set_password(&mut tx, record.id, &hash, false, &self.now_text()).await?;
        self.audit(
            &mut tx,
            actor,
            Event::ok(Action::PasswordChange, format!("user:{}", actor.name())),
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
    ) -> Result<i64> {
        self.require(actor, Capability::ManageAccess, &format!("user:{username}"))
            .await?;
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
        let id = users::insert_grant(
            &mut tx,
            user.id,
            department_id,
            actor.name(),
            reason.trim(),
            &rfc3339(now),
            &rfc3339(now + Duration::days(days)),
        )
        .await?;
        self.audit(
            &mut tx,
            actor,
            Event::ok(Action::GrantChange, format!("user:{username}")).detail(
                serde_json::json!({ "grant": id, "department": department, "days": days, "reason": reason.trim() }),
            ),
        )
        .await?;
        tx.commit().await.map_err(procura_store::Error::from)?;
        Ok(id)
    }

    /// Every cross-department grant, newest first (live, expired and revoked).
    pub async fn grants(&self, actor: &Actor) -> Result<Vec<users::GrantRecord>> {
        self.require(actor, Capability::ManageAccess, "grants")
            .await?;
        let mut connection = self.connection().await?;
        Ok(users::grants(&mut connection).await?)
    }

    /// Revokes a grant; it stops working at the holder's next request.
    pub async fn revoke_grant(&self, actor: &Actor, id: i64) -> Result<()> {
        self.require(actor, Capability::ManageAccess, &format!("grant:{id}"))
            .await?;
        let mut tx = self.store.begin().await?;
        if !users::revoke_grant(&mut tx, id, &self.now_text()).await? {
            return Err(Error::NotFound(format!(
                "没有生效中的授权 {id} (no live grant {id})"
            )));
        }
        self.audit(
            &mut tx,
            actor,
            Event::ok(Action::GrantChange, format!("grant:{id}"))
                .detail(serde_json::json!({ "revoked": true })),
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
