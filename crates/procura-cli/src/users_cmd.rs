//! `procura users|departments|grant|serve`: accounts on the command line, and the web server.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use procura_app::auth::NewUserRequest;
use procura_app::{Actor, App, Role};

use crate::output;

#[derive(Debug, Subcommand)]
pub(crate) enum UsersCommand {
    /// 新建账户 / create an account (a one-time password is printed unless --password is given)
    Add {
        /// 登录名 / login name (letters, digits, . _ -)
        username: String,
        /// 姓名 / display name
        #[arg(long, default_value = "")]
        name: String,
        /// 角色 / roles, comma-separated: procurator 检察官, dept_head 部门负责人, data_admin 数据管理员,
        /// model_admin 模型管理员, sys_admin 系统管理员, security_admin 安全保密管理员, auditor 安全审计员
        #[arg(long)]
        roles: String,
        /// 部门 / department name
        #[arg(long)]
        department: Option<String>,
        /// 密码 / password (read from PROCURA_NEW_PASSWORD when not given; else a one-time password)
        #[arg(long, env = "PROCURA_NEW_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// 账户列表 / list accounts
    List,
    /// 停用账户 / disable an account (ends its sessions)
    Disable {
        /// Login name
        username: String,
    },
    /// 启用账户 / enable a disabled account
    Enable {
        /// Login name
        username: String,
    },
    /// 重置密码 / give an account a new one-time password (and unlock it)
    ResetPassword {
        /// Login name
        username: String,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum DepartmentsCommand {
    /// 新建部门 / create a department handling supervision areas
    Add {
        /// 部门名称 / name (刑事检察部)
        name: String,
        /// 负责的检察领域 / areas: criminal 刑事检察, civil 民事检察, administrative 行政检察, public_interest 公益诉讼检察
        #[arg(long, value_delimiter = ',')]
        areas: Vec<String>,
    },
    /// 部门列表 / list departments
    List,
}

#[derive(Debug, Args)]
pub(crate) struct GrantArgs {
    /// 登录名 / the user granted access
    username: String,
    /// 部门 / whose clues they may see
    #[arg(long)]
    department: String,
    /// 理由 / why (kept with the grant)
    #[arg(long)]
    reason: String,
    /// 有效天数 / days
    #[arg(long, default_value_t = 30)]
    days: i64,
}

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// 监听地址 / listen address
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub(crate) addr: SocketAddr,
    /// 会话 Cookie 不加 Secure（仅用于非本机地址上的纯 HTTP 试用）/ do not mark the session
    /// cookie Secure: only for trying Procura over plain HTTP on an address other than
    /// localhost (browsers accept Secure cookies from http://127.0.0.1 and http://localhost)
    #[arg(long)]
    pub(crate) insecure_cookies: bool,
    /// 院名 / the office's name shown in the UI
    #[arg(long, default_value = "人民检察院", env = "PROCURA_OFFICE")]
    pub(crate) office: String,
}

pub(crate) async fn users(app: &App, actor: &Actor, command: UsersCommand) -> Result<()> {
    match command {
        UsersCommand::Add {
            username,
            name,
            roles,
            department,
            password,
        } => {
            let roles = procura_core::access::parse_roles(&roles)?;
            let created = app
                .add_user(
                    actor,
                    &NewUserRequest {
                        username,
                        display_name: name,
                        roles,
                        department,
                        password,
                    },
                )
                .await?;
            outln!(
                "已创建账户 created {} ({})",
                created.user.username,
                created.user.display_name
            );
            if let Some(password) = created.one_time_password {
                outln!(
                    "一次性密码 one-time password (首次登录须修改 change at first login): {password}"
                );
            }
        }
        UsersCommand::List => {
            let list = app.list_users(actor).await?;
            let mut table = {
                let mut t = output::table();
                t.set_header(vec![
                    "登录名 user",
                    "姓名 name",
                    "角色 roles",
                    "部门 department",
                    "状态 state",
                ]);
                t
            };
            for user in list {
                let roles: Vec<String> = user
                    .roles
                    .iter()
                    .map(|r: &Role| r.zh().to_owned())
                    .collect();
                let state = if user.disabled {
                    "停用 disabled".to_owned()
                } else if let Some(until) = user.locked_until {
                    format!("锁定至 locked until {until}")
                } else {
                    "正常 active".to_owned()
                };
                table.add_row(vec![
                    user.username,
                    user.display_name,
                    roles.join("、"),
                    user.department.unwrap_or_default(),
                    state,
                ]);
            }
            outln!("{table}");
        }
        UsersCommand::Disable { username } => {
            app.set_user_disabled(actor, &username, true).await?;
            outln!("已停用 disabled {username}");
        }
        UsersCommand::Enable { username } => {
            app.set_user_disabled(actor, &username, false).await?;
            outln!("已启用 enabled {username}");
        }
        UsersCommand::ResetPassword { username } => {
            let password = app.reset_password(actor, &username).await?;
            outln!("{username} 的一次性密码 one-time password (首次登录须修改): {password}");
        }
    }
    Ok(())
}

pub(crate) async fn departments(
    app: &App,
    actor: &Actor,
    command: DepartmentsCommand,
) -> Result<()> {
    match command {
        DepartmentsCommand::Add { name, areas } => {
            let department = app.add_department(actor, &name, &areas).await?;
            outln!(
                "已创建部门 created department {} (areas: {})",
                department.name,
                department.areas.join(", ")
            );
        }
        DepartmentsCommand::List => {
            let mut table = {
                let mut t = output::table();
                t.set_header(vec!["编号 id", "部门 department", "检察领域 areas"]);
                t
            };
            for department in app.departments(actor).await? {
                table.add_row(vec![
                    department.id.to_string(),
                    department.name,
                    department.areas.join(", "),
                ]);
            }
            outln!("{table}");
        }
    }
    Ok(())
}

pub(crate) async fn grant(app: &App, actor: &Actor, args: GrantArgs) -> Result<()> {
    app.grant_access(
        actor,
        &args.username,
        &args.department,
        &args.reason,
        args.days,
    )
    .await?;
    outln!(
        "已授权 granted {} access to the clues of {} for {} days",
        args.username,
        args.department,
        args.days
    );
    Ok(())
}

/// Serves the workbench until Ctrl-C.
pub(crate) async fn serve(app: App, args: &ServeArgs) -> Result<()> {
    let config = procura_server::ServeConfig {
        addr: args.addr,
        secure_cookies: !args.insecure_cookies,
        office: args.office.clone(),
        job_threads: 2,
    };
    procura_server::serve(Arc::new(app), &config, |addr| {
        outln!("工作台已启动 Procura workbench: http://{addr}/  (Ctrl-C 停止 to stop)");
    })
    .await
    .with_context(|| format!("cannot serve on {}", args.addr))
}
