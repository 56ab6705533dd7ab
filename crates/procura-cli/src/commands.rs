//! One function per subcommand: turn arguments into an App call, print the result.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand, ValueEnum};
use procura_app::datasets::IngestRequest;
use procura_app::{Actor, App, Config, SheetSelection};

use crate::output;
use crate::progress::IngestBar;
use crate::{Cli, Command};

#[derive(Debug, Args)]
pub(crate) struct IngestArgs {
    /// 文件、文件夹或zip / a file, a folder or a zip archive
    path: PathBuf,
    /// 数据集名称 / dataset name (lower-case letters, digits, _ or Chinese)
    #[arg(long)]
    dataset: Option<String>,
    /// 列映射文件 / column mapping TOML (from --suggest, edited)
    #[arg(long)]
    mapping: Option<PathBuf>,
    /// 工作表 / sheet name or 1-based number; `*` reads every sheet
    #[arg(long)]
    sheet: Option<String>,
    /// 字符编码 / force the text encoding (gbk, gb18030, utf-8, big5, utf-16le …)
    #[arg(long)]
    encoding: Option<String>,
    /// 严格模式 / any row fault (rejected row or invalid value) fails the ingest
    #[arg(long)]
    strict: bool,
    /// 完全重复的行 / exact duplicate rows: keep (default) or drop; `--suggest` proposes drop when
    /// it sees duplicates, and the mapping's `duplicates = …` applies when this is not given
    #[arg(long, value_parser = ["keep", "drop"])]
    duplicates: Option<String>,
    /// 只输出建议的列映射 / print the proposed mapping as TOML and stop
    #[arg(long)]
    suggest: bool,
    /// 以JSON输出结果 / print the result as JSON
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum DatasetsCommand {
    /// 列出数据集 / list datasets
    List {
        /// JSON output
        #[arg(long)]
        json: bool,
    },
    /// 显示数据集及其质量报告 / show a dataset version and its quality report
    Show {
        /// Dataset name
        name: String,
        /// Version number (default: newest)
        #[arg(long)]
        version: Option<i64>,
        /// JSON output
        #[arg(long)]
        json: bool,
    },
    /// 列出版本 / list the versions of a dataset
    Versions {
        /// Dataset name
        name: String,
    },
    /// 删除数据集 / drop a dataset and its files
    Drop {
        /// Dataset name
        name: String,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum Format {
    Table,
    Csv,
    Json,
}

#[derive(Debug, Args)]
pub(crate) struct SqlArgs {
    /// SQL statement (DataFusion dialect); every dataset is a table
    sql: String,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

pub(crate) async fn run(cli: Cli) -> Result<()> {
    let actor = Actor::new(&user_name(cli.user.as_deref()))?;
    let explicit_user = cli.user.is_some();
    match cli.command {
        Command::Init { dir } => {
            let root = match dir {
                Some(dir) => dir,
                None => std::env::current_dir().context("cannot read the current directory")?,
            };
            let report = App::init(&Config {
                workspace: root,
                database_url: cli.database_url,
            })
            .await?;
            outln!(
                "已创建工作区 workspace ready: {} (元数据库 metadata store: {})",
                report.root.display(),
                report.backend
            );
            if let Some(password) = report.admin_password {
                outln!(
                    "系统管理员 first administrator: admin, 一次性密码 one-time password: {password}\n（首次登录须修改；系统管理员不能查看案件数据 — change it at first login; the system administrator cannot read case data）"
                );
            }
            Ok(())
        }
        Command::Ingest(args) => {
            let (app, actor) =
                open_as(cli.workspace, cli.database_url, &actor, explicit_user).await?;
            let result = ingest(&app, &actor, args).await;
            app.close().await;
            result
        }
        Command::Datasets(command) => {
            let (app, actor) =
                open_as(cli.workspace, cli.database_url, &actor, explicit_user).await?;
            let result = datasets(&app, &actor, command).await;
            app.close().await;
            result
        }
        Command::Sql(args) => {
            let (app, actor) =
                open_as(cli.workspace, cli.database_url, &actor, explicit_user).await?;
            let result = app.sql(&actor, &args.sql).await;
            app.close().await;
            let batches = result?;
            output::print_batches(&batches, args.format)
        }
        Command::Models(command) => {
            let (app, actor) =
                open_as(cli.workspace, cli.database_url, &actor, explicit_user).await?;
            let result = crate::models_cmd::models(&app, &actor, command).await;
            app.close().await;
            result
        }
        Command::Run(args) => {
            let (app, actor) =
                open_as(cli.workspace, cli.database_url, &actor, explicit_user).await?;
            let result = crate::models_cmd::run(&app, &actor, args).await;
            app.close().await;
            result
        }
        Command::Runs(command) => {
            let (app, actor) =
                open_as(cli.workspace, cli.database_url, &actor, explicit_user).await?;
            let result = crate::models_cmd::runs(&app, &actor, command).await;
            app.close().await;
            result
        }
        Command::Clues(command) => {
            let (app, actor) =
                open_as(cli.workspace, cli.database_url, &actor, explicit_user).await?;
            let result = crate::clues_cmd::clues(&app, &actor, command).await;
            app.close().await;
            result
        }
        Command::Link(command) => {
            let (app, actor) =
                open_as(cli.workspace, cli.database_url, &actor, explicit_user).await?;
            let result = crate::link_cmd::link(&app, &actor, command).await;
            app.close().await;
            result
        }
        Command::Demo(args) => crate::demo_cmd::demo(args, &actor, cli.database_url).await,
        Command::Serve(args) => {
            let app = open(cli.workspace, cli.database_url).await?;
            crate::users_cmd::serve(app, &args).await
        }
        Command::Login {
            username,
            password_stdin,
        } => {
            let app = open(cli.workspace, cli.database_url).await?;
            let result = crate::session_cmd::login(&app, &username, password_stdin).await;
            app.close().await;
            result
        }
        Command::Logout => {
            let (app, actor) = open_as(cli.workspace, cli.database_url, &actor, false).await?;
            let result = crate::session_cmd::logout(&app, &actor).await;
            app.close().await;
            result
        }
        Command::Whoami => {
            let (app, actor) =
                open_as(cli.workspace, cli.database_url, &actor, explicit_user).await?;
            crate::session_cmd::whoami(&actor);
            app.close().await;
            Ok(())
        }
        Command::Users(command) => {
            let (app, actor) =
                open_as(cli.workspace, cli.database_url, &actor, explicit_user).await?;
            let result = crate::users_cmd::users(&app, &actor, command).await;
            app.close().await;
            result
        }
        Command::Departments(command) => {
            let (app, actor) =
                open_as(cli.workspace, cli.database_url, &actor, explicit_user).await?;
            let result = crate::users_cmd::departments(&app, &actor, command).await;
            app.close().await;
            result
        }
        Command::Grant(args) => {
            let (app, actor) =
                open_as(cli.workspace, cli.database_url, &actor, explicit_user).await?;
            let result = crate::users_cmd::grant(&app, &actor, args).await;
            app.close().await;
            result
        }
        Command::Audit(command) => {
            let (app, actor) =
                open_as(cli.workspace, cli.database_url, &actor, explicit_user).await?;
            let result = crate::audit_cmd::audit(&app, &actor, command).await;
            app.close().await;
            result
        }
    }
}

fn user_name(explicit: Option<&str>) -> String {
    explicit
        .map(str::to_owned)
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("USERNAME").ok())
        .unwrap_or_else(|| "local".to_owned())
}

/// Opens the workspace and decides who acts: the signed-in account, or the local operator.
async fn open_as(
    workspace: Option<PathBuf>,
    database_url: Option<String>,
    local: &Actor,
    explicit_user: bool,
) -> Result<(App, Actor)> {
    let app = open(workspace, database_url).await?;
    match crate::session_cmd::actor(&app, local, explicit_user).await {
        Ok(actor) => Ok((app, actor)),
        Err(error) => {
            app.close().await;
            Err(error)
        }
    }
}

async fn open(workspace: Option<PathBuf>, database_url: Option<String>) -> Result<App> {
    let root = procura_app::locate_workspace(workspace.as_deref())?;
    Ok(App::open(&Config {
        workspace: root,
        database_url,
    })
    .await?)
}

async fn ingest(app: &App, actor: &Actor, args: IngestArgs) -> Result<()> {
    let mapping = match &args.mapping {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the mapping file {}", path.display()))?,
        ),
        None => None,
    };
    let sheets = match args.sheet.as_deref() {
        None => SheetSelection::First,
        Some("*") => SheetSelection::All,
        Some(name) => SheetSelection::Named(name.to_owned()),
    };
    let request = IngestRequest {
        path: args.path.clone(),
        dataset: args.dataset.clone().unwrap_or_default(),
        mapping,
        sheets,
        encoding: args.encoding.clone(),
        strict: args.strict,
        duplicates: args
            .duplicates
            .as_deref()
            .and_then(procura_app::DuplicatePolicy::parse),
        display_root: None,
    };
    if args.suggest {
        let mapping = app.suggest_mapping(actor, &request).await?;
        out!("{}", mapping.to_toml());
        return Ok(());
    }
    if args.dataset.is_none() {
        bail!("--dataset NAME is required (or use --suggest to see the proposed mapping)");
    }
    let version = app
        .ingest(actor, &request, Arc::new(IngestBar::new()))
        .await?;
    if args.json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&output::version_json(&version))?
        );
    } else {
        output::print_ingest_summary(&version);
    }
    Ok(())
}

async fn datasets(app: &App, actor: &Actor, command: DatasetsCommand) -> Result<()> {
    match command {
        DatasetsCommand::List { json } => {
            let list = app.list_datasets(actor).await?;
            if json {
                let values: Vec<_> = list
                    .iter()
                    .map(|d| output::version_json(&d.latest))
                    .collect();
                outln!("{}", serde_json::to_string_pretty(&values)?);
            } else {
                output::print_dataset_list(&list);
            }
        }
        DatasetsCommand::Show {
            name,
            version,
            json,
        } => {
            let version = app.show_dataset(actor, &name, version).await?;
            if json {
                outln!(
                    "{}",
                    serde_json::to_string_pretty(&output::version_json(&version))?
                );
            } else {
                output::print_version(&version);
            }
        }
        DatasetsCommand::Versions { name } => {
            let versions = app.dataset_versions(actor, &name).await?;
            output::print_versions(&versions);
        }
        DatasetsCommand::Drop { name } => {
            let report = app.drop_dataset(actor, &name).await?;
            outln!(
                "已删除数据集 dropped `{name}`: {} 个版本 versions, {} 个文件 files removed",
                report.versions,
                report.files_removed
            );
        }
    }
    Ok(())
}
