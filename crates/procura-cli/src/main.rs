//! `procura`: the command line. It parses arguments, builds the [`App`], calls one operation,
//! prints the result, and maps errors to exit codes. No logic lives here that the web server
//! would need too.
//!
//! **Architecture Invariant:** this is the only crate that reads argv or environment variables
//! and picks exit codes.

// The CLI's job is to print; the workspace lint against printing exists for the libraries.
#![allow(clippy::print_stdout, clippy::print_stderr)]

/// `println!` that ends the process quietly when stdout is a closed pipe (`procura … | head`).
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(error) = writeln!(std::io::stdout(), $($arg)*) {
            crate::output::stdout_failed(error);
        }
    }};
}

/// `print!` with the same handling as [`outln!`].
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(error) = write!(std::io::stdout(), $($arg)*) {
            crate::output::stdout_failed(error);
        }
    }};
}

mod audit_cmd;
mod clues_cmd;
mod commands;
mod demo_cmd;
mod link_cmd;
mod models_cmd;
mod output;
mod progress;
mod session_cmd;
mod users_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

/// mimalloc: ingest and linkage allocate many short strings on several threads, where glibc's
/// allocator spends a fifth of the time (measured with perf on a 1M-row ingest).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Parser, Subcommand};

/// Procura 大数据法律监督平台 — data in, supervision models, clues out.
#[derive(Debug, Parser)]
#[command(name = "procura", version, long_about = None)]
struct Cli {
    /// 工作区目录 / workspace directory (default: the nearest parent holding procura.toml)
    #[arg(long, global = true, env = "PROCURA_WORKSPACE")]
    workspace: Option<PathBuf>,
    /// 元数据库 / metadata store URL (postgres://…); default: SQLite in the workspace
    #[arg(
        long,
        global = true,
        env = "PROCURA_DATABASE_URL",
        hide_env_values = true
    )]
    database_url: Option<String>,
    /// 操作人 / acting user name (default: $USER)
    #[arg(long, global = true, env = "PROCURA_USER")]
    user: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// 创建工作区 / create a workspace
    Init {
        /// Directory (created if missing; default: current directory)
        dir: Option<PathBuf>,
    },
    /// 导入数据文件为数据集新版本 / ingest a file, folder or zip into a new dataset version
    Ingest(commands::IngestArgs),
    /// 数据集目录 / the dataset catalog
    #[command(subcommand)]
    Datasets(commands::DatasetsCommand),
    /// 即席SQL查询 / ad-hoc SQL over the newest version of every dataset
    Sql(commands::SqlArgs),
    /// 监督模型库 / the supervision model library
    #[command(subcommand)]
    Models(models_cmd::ModelsCommand),
    /// 运行监督模型 / run a model (or --all) over the datasets
    Run(models_cmd::RunArgs),
    /// 运行记录 / model runs
    #[command(subcommand)]
    Runs(models_cmd::RunsCommand),
    /// 线索 / clues found by the models
    #[command(subcommand)]
    Clues(clues_cmd::CluesCommand),
    /// 实体关联 / link persons and organisations across datasets
    #[command(subcommand)]
    Link(link_cmd::LinkCommand),
    /// 演示 / generate a population, ingest it, run every model, score against the truth, serve the UI
    Demo(demo_cmd::DemoArgs),
    /// 网页工作台 / serve the web workbench
    Serve(users_cmd::ServeArgs),
    /// 账户 / user accounts
    #[command(subcommand)]
    Users(users_cmd::UsersCommand),
    /// 部门 / departments and the supervision areas they handle
    #[command(subcommand)]
    Departments(users_cmd::DepartmentsCommand),
    /// 跨部门授权 / grant a user access to another department's clues
    Grant(users_cmd::GrantArgs),
    /// 登录 / sign in as an account: later commands act with its roles and scope
    Login {
        /// 登录名 / user name
        username: String,
        /// 从标准输入读取密码 / read the password from standard input
        #[arg(long)]
        password_stdin: bool,
    },
    /// 退出登录 / sign out (back to the local operator)
    Logout,
    /// 当前身份 / who the command line acts as
    Whoami,
    /// 审计日志 / the tamper-evident audit trail: verify, list, checkpoint
    #[command(subcommand)]
    Audit(audit_cmd::AuditCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("PROCURA_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("错误 error: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("错误 error: {error:#}");
            ExitCode::from(exit_code(&error))
        }
    }
}

/// 1: failure of the operation; 3: the user's input data is unusable; 4: not found.
fn exit_code(error: &anyhow::Error) -> u8 {
    match error.downcast_ref::<procura_app::Error>() {
        Some(procura_app::Error::Ingest(_)) | Some(procura_app::Error::Invalid(_)) => 3,
        Some(procura_app::Error::NotFound(_)) => 4,
        _ => 1,
    }
}
