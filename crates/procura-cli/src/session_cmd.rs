//! Signing in on the command line: `procura login NAME` keeps a session token in a file
//! readable only by the OS user (`$PROCURA_SESSION_DIR`, default `~/.procura/sessions/`, one
//! file per workspace), and every command then acts as that account, with its roles and
//! scope — the same checks as the web. Without a session the command line is the local
//! operator (all rights, recorded as `local:NAME` in the audit trail), and it may not borrow
//! an account's name: `--user li.jiancha` without `procura login li.jiancha` is refused.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use procura_app::{Actor, App};

/// Where the session token for the workspace at `root` is kept.
fn session_file(root: &Path) -> Result<PathBuf> {
    let dir = match std::env::var_os("PROCURA_SESSION_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => {
            let home = std::env::var_os("HOME")
                .context("HOME is not set; set PROCURA_SESSION_DIR to keep sessions")?;
            PathBuf::from(home).join(".procura").join("sessions")
        }
    };
    let canonical = root.canonicalize().unwrap_or_else(|_| root.to_owned());
    let mut digest: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in canonical.to_string_lossy().bytes() {
        digest = (digest ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    Ok(dir.join(format!("{digest:016x}")))
}

/// The actor for a command: the signed-in account when a session is kept for this
/// workspace, else the local operator named `local` — unless that name is an account's and
/// was given explicitly.
pub(crate) async fn actor(app: &App, local: &Actor, explicit_user: bool) -> Result<Actor> {
    let path = session_file(app.workspace().root())?;
    if let Ok(token) = std::fs::read_to_string(&path) {
        return match app.authenticate(token.trim()).await {
            Ok(session) => Ok(session.actor.with_client("cli")),
            Err(_) => {
                let _ = std::fs::remove_file(&path);
                bail!(
                    "会话已过期，请重新登录 (the session expired; run `procura login NAME` again)"
                )
            }
        };
    }
    if explicit_user
        && app
            .user_names()
            .await?
            .iter()
            .any(|(name, _)| name == local.name())
    {
        bail!(
            "`{}` 是系统账户：请先 `procura login {}` 以该账户身份操作 (`{}` is an account: sign in with `procura login {}`; the local operator may not borrow an account's name)",
            local.name(),
            local.name(),
            local.name(),
            local.name()
        );
    }
    Ok(local.clone())
}

fn read_password(from_stdin: bool) -> Result<String> {
    if from_stdin || !std::io::stdin().is_terminal() {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("cannot read the password from standard input")?;
        return Ok(text.trim_end_matches(['\r', '\n']).to_owned());
    }
    rpassword::prompt_password("密码 password: ").context("cannot read the password")
}

/// `procura login NAME`.
pub(crate) async fn login(app: &App, username: &str, password_stdin: bool) -> Result<()> {
    let password = read_password(password_stdin)?;
    let login = app.login(username, &password, "cli").await?;
    let path = session_file(app.workspace().root())?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let _ = std::fs::remove_file(&path);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(&path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(login.token.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    let roles: Vec<&str> = login.user.roles.iter().map(|r| r.zh()).collect();
    outln!(
        "已登录 signed in as {} ({}, {}){}",
        login.user.username,
        login.user.display_name,
        roles.join("、"),
        if login.user.must_change_password {
            "；请先在网页上修改初始密码 (change the initial password in the web first)"
        } else {
            ""
        }
    );
    Ok(())
}

/// `procura logout`.
pub(crate) async fn logout(app: &App, actor: &Actor) -> Result<()> {
    let path = session_file(app.workspace().root())?;
    match std::fs::read_to_string(&path) {
        Ok(token) => {
            app.logout(actor, token.trim()).await?;
            std::fs::remove_file(&path)
                .with_context(|| format!("cannot remove {}", path.display()))?;
            outln!("已退出 signed out");
        }
        Err(_) => outln!("未登录 not signed in (the local operator)"),
    }
    Ok(())
}

/// `procura whoami`.
pub(crate) fn whoami(actor: &Actor) {
    match actor.principal() {
        Some(p) => {
            let roles: Vec<&str> = p.roles.iter().map(|r| r.zh()).collect();
            outln!(
                "{} ({}, {}){}",
                actor.name(),
                p.display_name,
                roles.join("、"),
                p.department
                    .as_deref()
                    .map(|d| format!(" — {d}"))
                    .unwrap_or_default()
            );
        }
        None => outln!(
            "本机操作员 the local operator `{}` (every right; recorded as local:{})",
            actor.name(),
            actor.name()
        ),
    }
}
