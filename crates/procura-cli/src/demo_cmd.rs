//! `procura demo`: generate a population and its agency exports, ingest them into a fresh
//! workspace, run every model, and score the clues against the planted ground truth.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use comfy_table::Cell;
use procura_app::datasets::IngestRequest;
use procura_app::demo::{self, DemoConfig};
use procura_app::linkage::LinkRequest;
use procura_app::runs::RunRequest;
use procura_app::{Actor, App, Config, SheetSelection};

use crate::output::table;
use crate::progress::{IngestBar, RunSpinner};

#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    #[command(subcommand)]
    command: Option<DemoCommand>,
    /// 人口规模 / persons in the synthetic population
    #[arg(long, default_value_t = 2000)]
    persons: usize,
    /// 随机种子 / seed
    #[arg(long, default_value_t = 20251130)]
    seed: u64,
    /// 演示工作区 / workspace directory for the demo
    #[arg(long, default_value = "procura-demo")]
    dir: PathBuf,
    /// 覆盖已有的演示工作区 / replace an existing demo workspace
    #[arg(long)]
    force: bool,
    /// 不启动网页工作台 / do not serve the web workbench afterwards
    #[arg(long)]
    no_serve: bool,
    /// 工作台监听地址 / where the workbench listens
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: std::net::SocketAddr,
}

/// The password of every demo account (printed by the demo; never use it for real data).
const DEMO_PASSWORD: &str = "procura-demo-2026";

#[derive(Debug, Subcommand)]
enum DemoCommand {
    /// 只生成数据 / only generate the population and its exports
    Generate {
        /// Persons
        #[arg(long, default_value_t = 2000)]
        persons: usize,
        /// Seed
        #[arg(long, default_value_t = 20251130)]
        seed: u64,
        /// Output directory (must be empty or absent)
        #[arg(long)]
        out: PathBuf,
    },
    /// 生成导入基准测试文件 / write the ingest benchmark files (a GBK CSV and an xlsx)
    BenchFiles {
        /// Rows of the CSV
        #[arg(long, default_value_t = 1_000_000)]
        rows: u64,
        /// Rows of the xlsx
        #[arg(long, default_value_t = 200_000)]
        xlsx_rows: u64,
        /// Seed
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output directory
        #[arg(long)]
        out: PathBuf,
    },
    /// 复制线索至指定数量（负载测试用）/ replicate the workspace's clues up to COUNT (for load tests)
    BenchClues {
        /// Clues wanted in all
        #[arg(long, default_value_t = 1_000_000)]
        count: i64,
    },
    /// 生成实体关联基准测试文件 / write a labelled person file for the linkage benchmark
    LinkageFiles {
        /// Records
        #[arg(long, default_value_t = 100_000)]
        records: usize,
        /// Seed
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output directory
        #[arg(long)]
        out: PathBuf,
    },
}

pub(crate) async fn demo(
    args: DemoArgs,
    actor: &Actor,
    database_url: Option<String>,
) -> Result<()> {
    if let Some(DemoCommand::BenchFiles {
        rows,
        xlsx_rows,
        seed,
        out,
    }) = args.command
    {
        let (csv, xlsx) = demo::bench_files(&out, rows, xlsx_rows, seed)?;
        outln!(
            "已生成 wrote {} ({rows} rows) and {} ({xlsx_rows} rows)",
            csv.display(),
            xlsx.display()
        );
        return Ok(());
    }
    if let Some(DemoCommand::BenchClues { count }) = args.command {
        let config = Config {
            workspace: args.dir.clone(),
            database_url,
        };
        let app = App::open(&config).await?;
        let result = app.replicate_clues(actor, count).await;
        app.close().await;
        outln!("线索总数 clues now: {}", result?);
        return Ok(());
    }
    if let Some(DemoCommand::LinkageFiles { records, seed, out }) = args.command {
        let (records, persons) = demo::linkage_files(&out, records, seed)?;
        outln!(
            "已生成 wrote {records} records of {persons} persons to {} (persons.csv, labels.csv)",
            out.display()
        );
        return Ok(());
    }
    if let Some(DemoCommand::Generate { persons, seed, out }) = args.command {
        let output = generate(persons, seed, &out)?;
        outln!(
            "已生成 generated {} 个数据集 datasets, {} 行 rows → {}（基准日期 as-of {}）",
            output.datasets.len(),
            output.rows_written,
            out.display(),
            output.as_of
        );
        return Ok(());
    }
    let root = args.dir.clone();
    prepare_dir(&root, args.force)?;
    let data = root.join("demo-data");
    outln!(
        "① 生成数据 generating a population of {} persons (seed {}) …",
        args.persons,
        args.seed
    );
    let output = generate(args.persons, args.seed, &data)?;
    outln!(
        "   {} 个数据集 datasets, {} 行 rows, 基准日期 as-of {}",
        output.datasets.len(),
        output.rows_written,
        output.as_of
    );

    let config = Config {
        workspace: root.clone(),
        database_url,
    };
    App::init(&config).await?;
    let app = App::open(&config).await?;
    let result = match app.create_demo_accounts(actor, DEMO_PASSWORD).await {
        Ok(()) => run_demo(&app, actor, &output, &data).await,
        Err(error) => Err(error.into()),
    };
    if let Err(error) = result {
        app.close().await;
        return Err(error);
    }
    outln!("\n演示账户 demo accounts (密码 password: {DEMO_PASSWORD}):");
    for (username, name, role, department) in demo::DEMO_ACCOUNTS {
        let role = role
            .parse::<procura_app::Role>()
            .map(|r| r.zh())
            .unwrap_or(role);
        outln!(
            "  {username:<14} {name}  {role}  {}",
            department.unwrap_or("")
        );
    }
    if args.no_serve {
        app.close().await;
    } else {
        let serve = crate::users_cmd::ServeArgs {
            addr: args.addr,
            insecure_cookies: false,
            office: "演示市人民检察院".into(),
        };
        outln!(
            "\n以 li.jiancha 或 wang.zhuren 登录查看线索 — sign in as li.jiancha or wang.zhuren to see clues."
        );
        return crate::users_cmd::serve(app, &serve).await;
    }
    outln!("\n下一步 next:");
    outln!("  procura --workspace {} clues list", root.display());
    outln!("  procura --workspace {} clues show 1", root.display());
    outln!(
        "  procura --workspace {} clues export --format xlsx --out 线索.xlsx",
        root.display()
    );
    outln!(
        "  procura --workspace {} datasets show deaths",
        root.display()
    );
    outln!(
        "  procura --workspace {} link review        # 待复核的记录对 pairs waiting for a person",
        root.display()
    );
    outln!(
        "  procura --workspace {} serve              # 网页工作台 the web workbench",
        root.display()
    );
    Ok(())
}

fn generate(persons: usize, seed: u64, out: &Path) -> Result<demo::DemoOutput> {
    let spinner = indicatif::ProgressBar::new_spinner();
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    let output = demo::generate(
        &DemoConfig {
            persons,
            seed,
            out: out.to_owned(),
        },
        &|message: &str| spinner.set_message(message.to_owned()),
    );
    spinner.finish_and_clear();
    Ok(output?)
}

fn prepare_dir(root: &Path, force: bool) -> Result<()> {
    if !root.exists() {
        return Ok(());
    }
    let empty = std::fs::read_dir(root)
        .with_context(|| format!("cannot read {}", root.display()))?
        .next()
        .is_none();
    if empty {
        return Ok(());
    }
    let is_demo = root.join("procura.toml").is_file() && root.join("demo-data").is_dir();
    if !force {
        bail!(
            "{} already exists; pass --force to replace the demo workspace, or --dir to use another directory",
            root.display()
        );
    }
    if !is_demo {
        bail!(
            "{} is not a Procura demo workspace; refusing to replace it",
            root.display()
        );
    }
    std::fs::remove_dir_all(root).with_context(|| format!("cannot remove {}", root.display()))
}

async fn run_demo(app: &App, actor: &Actor, output: &demo::DemoOutput, data: &Path) -> Result<()> {
    outln!(
        "② 导入数据 ingesting {} agency exports …",
        output.datasets.len()
    );
    let mut out = table();
    out.set_header(vec![
        "数据集 dataset",
        "文件 file",
        "读取 read",
        "保留 kept",
        "拒绝 rejected",
        "无效值 invalid values",
        "说明 description",
    ]);
    for dataset in &output.datasets {
        let request = IngestRequest {
            path: data.join(&dataset.path),
            dataset: dataset.name.clone(),
            mapping: None,
            sheets: match dataset.sheet.as_deref() {
                None => SheetSelection::First,
                Some("*") => SheetSelection::All,
                Some(name) => SheetSelection::Named(name.to_owned()),
            },
            encoding: None,
            strict: false,
            duplicates: None,
            display_root: None,
        };
        let version = app
            .ingest(actor, &request, Arc::new(IngestBar::new()))
            .await
            .with_context(|| format!("cannot ingest the demo dataset {}", dataset.name))?;
        let report = &version.report;
        out.add_row(vec![
            Cell::new(&dataset.name),
            Cell::new(&dataset.path),
            Cell::new(report.rows_read),
            Cell::new(report.rows_kept),
            Cell::new(report.rows_rejected),
            Cell::new(report.value_issue_count()),
            Cell::new(&dataset.description_zh),
        ]);
    }
    outln!("{out}");

    outln!("③ 实体关联 linking persons and organisations across the datasets …");
    let spinner = indicatif::ProgressBar::new_spinner();
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    spinner.set_message("blocking · training · scoring · clustering");
    let report = app.link_run(actor, &LinkRequest::default()).await;
    spinner.finish_and_clear();
    crate::link_cmd::print_report(&report.context("entity linkage failed")?);

    outln!(
        "④ 运行模型 running every model (reference_date = {}) …",
        output.as_of
    );
    let as_of = output.as_of.format("%Y-%m-%d").to_string();
    for entry in app.models(actor)? {
        let spinner = RunSpinner::new(&entry.model.meta.id);
        let result = app
            .run_model(
                actor,
                &RunRequest {
                    model: entry.model.meta.id.clone(),
                    bindings: Vec::new(),
                    params: vec![("reference_date".into(), as_of.clone())],
                },
                &spinner,
            )
            .await;
        spinner.finish();
        if let Err(error) = result {
            bail!("model {} failed: {error}", entry.model.meta.id);
        }
    }

    outln!("⑤ 对照真值 scoring against the planted ground truth …");
    let scores = app.score_against_truth(actor, &output.truth).await?;
    let names: std::collections::BTreeMap<String, String> = app
        .models(actor)?
        .into_iter()
        .map(|e| (e.model.meta.id.clone(), e.model.meta.name.zh.clone()))
        .collect();
    let mut out = table();
    out.set_header(vec![
        "模型 model",
        "名称 name",
        "线索 clues",
        "精确率 precision",
        "召回率 recall",
        "近似误报 near-misses found",
        "需实体关联的真值 linkage-only truths found",
    ]);
    let mut perfect = true;
    for score in &scores {
        perfect &= score.precision() == 1.0 && score.recall() == 1.0;
        out.add_row(vec![
            Cell::new(&score.model_id),
            Cell::new(names.get(&score.model_id).cloned().unwrap_or_default()),
            Cell::new(score.found),
            Cell::new(format!("{:.3}", score.precision())),
            Cell::new(format!(
                "{:.3} ({}/{})",
                score.recall(),
                score.exact_found,
                score.exact_positives
            )),
            Cell::new(score.near_misses_found),
            Cell::new(format!(
                "{}/{}",
                score.linkage_found, score.linkage_positives
            )),
        ]);
    }
    outln!("{out}");
    let linkage_found: usize = scores.iter().map(|s| s.linkage_found).sum();
    let linkage_positives: usize = scores.iter().map(|s| s.linkage_positives).sum();
    outln!(
        "需实体关联的真值 linkage-only truths (ID blank or mistyped, name as homophone or traditional characters): \
         {linkage_found}/{linkage_positives} found; each such clue shows its match strength (procura clues show ID)."
    );
    if perfect {
        outln!(
            "所有模型精确率与召回率均为 1.0 / precision = recall = 1.0 on every model (exact-key truths)."
        );
    } else {
        outln!("注意 note: some models are below 1.0; see the table.");
    }
    Ok(())
}
