//! `procura models …`, `procura run …`, `procura runs …`.

use anyhow::{Result, bail};
use clap::{Args, Subcommand};
use comfy_table::Cell;
use procura_app::models::DeriveRequest;
use procura_app::runs::{RunInfo, RunRequest};
use procura_app::{Actor, App};
use serde_json::json;

use crate::output::table;
use crate::progress::RunSpinner;

#[derive(Debug, Subcommand)]
pub(crate) enum ModelsCommand {
    /// 模型库 / list the models
    List {
        /// JSON output
        #[arg(long)]
        json: bool,
    },
    /// 模型说明 / show a model: purpose, legal basis, inputs, parameters
    Show {
        /// Model id (M03 …)
        id: String,
        /// Also print the SQL it compiles to against the current datasets
        #[arg(long)]
        sql: bool,
        /// Bindings for --sql (role=dataset[@version], role.field=column)
        #[arg(long = "bind")]
        bindings: Vec<String>,
        /// Parameters for --sql (name=value)
        #[arg(long = "param")]
        params: Vec<String>,
        /// With --sql: print {"sql": …, "tables": {name: parquet path}} as JSON
        #[arg(long)]
        json: bool,
    },
    /// 运行模型自带的测试 / run a model's fixture tests (all models without an id)
    Test {
        /// Model id
        id: Option<String>,
    },
    /// 派生变体 / derive a variant of a model with other parameter defaults, saved into the
    /// workspace's models/ folder
    Derive {
        /// 基础模型 / the base model's id (M05 …)
        base: String,
        /// 新模型编号 / the variant's id
        #[arg(long)]
        id: String,
        /// 中文名称 / the variant's Chinese name
        #[arg(long)]
        name: String,
        /// 英文名称 / English name
        #[arg(long = "name-en", default_value = "")]
        name_en: String,
        /// 新的默认值 / a new default, name=value (repeatable), e.g. count_release_month=false
        #[arg(long = "param")]
        params: Vec<String>,
    },
}

#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// 模型编号 / model id (M03 …)
    model: Option<String>,
    /// 运行全部模型 / run every model whose datasets exist
    #[arg(long, conflicts_with = "model")]
    all: bool,
    /// 绑定 / role=dataset[@version] or role.field=column (repeatable)
    #[arg(long = "bind")]
    bindings: Vec<String>,
    /// 参数 / name=value (repeatable), e.g. reference_date=2025-06-30
    #[arg(long = "param")]
    params: Vec<String>,
    /// JSON output
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum RunsCommand {
    /// 运行记录 / list runs, newest first
    List {
        /// Only this model
        #[arg(long)]
        model: Option<String>,
        /// Most runs
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// 运行详情 / show one run
    Show {
        /// Run id
        id: i64,
        /// JSON output
        #[arg(long)]
        json: bool,
    },
}

pub(crate) async fn models(app: &App, actor: &Actor, command: ModelsCommand) -> Result<()> {
    match command {
        ModelsCommand::List { json } => {
            let entries = app.models(actor)?;
            if json {
                let values: Vec<_> = entries
                    .iter()
                    .map(|e| {
                        let m = &e.model.meta;
                        json!({"id": m.id, "version": m.version, "name_zh": m.name.zh, "name_en": m.name.en,
                               "area": m.area.code(), "supervision_point": m.supervision_point, "derived_from": m.derived_from,
                               "inputs": e.model.inputs.iter().map(|i| json!({"role": i.role, "dataset": i.dataset})).collect::<Vec<_>>()})
                    })
                    .collect();
                outln!("{}", serde_json::to_string_pretty(&values)?);
                return Ok(());
            }
            let mut out = table();
            out.set_header(vec![
                "编号 id",
                "名称 name",
                "领域 area",
                "监督点 supervision point",
                "输入 inputs",
                "版本 version",
            ]);
            for entry in &entries {
                let m = &entry.model.meta;
                out.add_row(vec![
                    m.id.clone(),
                    format!("{}\n{}", m.name.zh, m.name.en),
                    m.area.zh().to_owned(),
                    m.supervision_point.clone(),
                    entry
                        .model
                        .inputs
                        .iter()
                        .map(|i| i.dataset.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    m.version.clone(),
                ]);
            }
            outln!("{out}");
        }
        ModelsCommand::Show {
            id,
            sql,
            bindings,
            params,
            json,
        } => {
            if sql && json {
                let request = RunRequest {
                    model: id.clone(),
                    bindings,
                    params: parse_params(&params)?,
                };
                let (sql, tables) = app.model_sql(actor, &request).await?;
                let tables: serde_json::Map<String, serde_json::Value> = tables
                    .into_iter()
                    .map(|(name, path)| (name, json!(path.display().to_string())))
                    .collect();
                outln!(
                    "{}",
                    serde_json::to_string_pretty(&json!({"sql": sql, "tables": tables}))?
                );
                return Ok(());
            }
            let entry = app.model(actor, &id)?;
            let model = &entry.model;
            let m = &model.meta;
            outln!(
                "{} {} / {}  (v{}, {})",
                m.id,
                m.name.zh,
                m.name.en,
                m.version,
                m.area.zh()
            );
            if let Some(base) = &m.derived_from {
                outln!("派生自 derived from: {base}");
            }
            outln!("监督点 supervision point: {}", m.supervision_point);
            outln!("\n{}", m.description.trim());
            outln!("\n法律依据 legal basis:");
            for basis in &m.legal_basis {
                let note = if basis.note.is_empty() {
                    String::new()
                } else {
                    format!("：{}", basis.note)
                };
                outln!("  · {}{}{note}", basis.law, basis.article);
            }
            outln!("后续监督方式 follow-up: {}", m.follow_up.join("；"));
            outln!(
                "作者 author: {}（{}）  摘要 digest: {}",
                m.author,
                m.organisation,
                &model.digest[..16]
            );
            outln!("\n输入 inputs:");
            for input in &model.inputs {
                let fields: Vec<String> = input
                    .fields
                    .iter()
                    .map(|f| {
                        format!(
                            "{}: {}{}",
                            f.name,
                            f.kind.code(),
                            if f.optional { "?" } else { "" }
                        )
                    })
                    .collect();
                outln!(
                    "  {} ← 数据集 dataset `{}`（{}）",
                    input.role,
                    input.dataset,
                    input.label
                );
                outln!("      字段 fields: {}", fields.join(", "));
                if let Some(filter) = &input.filter {
                    outln!("      条件 where: {filter}");
                }
            }
            outln!("\n参数 parameters:");
            for parameter in &model.parameters {
                let default = match &parameter.value {
                    procura_app::model_format::ParamType::Integer(i) => i.to_string(),
                    procura_app::model_format::ParamType::Number(n) => n.to_string(),
                    procura_app::model_format::ParamType::Date(d) => {
                        d.map_or("today".into(), |d| d.to_string())
                    }
                    procura_app::model_format::ParamType::Text(t) => t.clone(),
                    procura_app::model_format::ParamType::TextList(l) => l.join(","),
                    procura_app::model_format::ParamType::Boolean(b) => b.to_string(),
                };
                outln!("  {} = {default}  （{}）", parameter.name, parameter.label);
            }
            outln!("\n线索标题 clue title: {}", model.clue.title);
            outln!(
                "测试 tests: {}",
                model
                    .tests
                    .iter()
                    .map(|t| t.name.as_str())
                    .collect::<Vec<_>>()
                    .join("；")
            );
            if sql {
                let request = RunRequest {
                    model: m.id.clone(),
                    bindings,
                    params: parse_params(&params)?,
                };
                outln!("\n{}", app.model_sql(actor, &request).await?.0);
            }
        }
        ModelsCommand::Test { id } => {
            let reports = app.test_models(actor, id.as_deref()).await?;
            let mut failed = 0;
            let mut passed = 0;
            for report in &reports {
                for outcome in &report.outcomes {
                    if outcome.failures.is_empty() {
                        passed += 1;
                        outln!("通过 ok    {} · {}", report.model_id, outcome.name);
                    } else {
                        failed += 1;
                        outln!("失败 FAIL  {} · {}", report.model_id, outcome.name);
                        for failure in &outcome.failures {
                            outln!("           {failure}");
                        }
                    }
                }
            }
            outln!("\n{passed} 通过 passed, {failed} 失败 failed");
            if failed > 0 {
                bail!("{failed} model tests failed");
            }
        }
        ModelsCommand::Derive {
            base,
            id,
            name,
            name_en,
            params,
        } => {
            let request = DeriveRequest {
                base,
                id,
                name_zh: name,
                name_en,
                defaults: parse_params(&params)?,
            };
            let derived = app.derive_model(actor, &request).await?;
            outln!("已写入 wrote: {}", derived.path.display());
            for change in derived.changes() {
                outln!("  · {change}");
            }
        }
    }
    Ok(())
}

fn parse_params(params: &[String]) -> Result<Vec<(String, String)>> {
    params
        .iter()
        .map(|p| match p.split_once('=') {
            Some((k, v)) => Ok((k.trim().to_owned(), v.trim().to_owned())),
            None => bail!("parameter `{p}`: expected name=value"),
        })
        .collect()
}

pub(crate) async fn run(app: &App, actor: &Actor, args: RunArgs) -> Result<()> {
    let params = parse_params(&args.params)?;
    let ids: Vec<String> = if args.all {
        app.models(actor)?
            .into_iter()
            .map(|e| e.model.meta.id)
            .collect()
    } else {
        match args.model {
            Some(model) => vec![model],
            None => bail!("name a model (procura models list) or pass --all"),
        }
    };
    let mut results = Vec::new();
    let mut failures = 0;
    for id in &ids {
        let entry = app.model(actor, id)?;
        let roles: Vec<String> = entry.model.inputs.iter().map(|i| i.role.clone()).collect();
        // With --all, a binding applies to the models that have that role.
        let bindings: Vec<String> = args
            .bindings
            .iter()
            .filter(|b| {
                !args.all
                    || roles
                        .iter()
                        .any(|r| b.starts_with(&format!("{r}=")) || b.starts_with(&format!("{r}.")))
            })
            .cloned()
            .collect();
        let request = RunRequest {
            model: id.clone(),
            bindings,
            params: params
                .iter()
                .filter(|(k, _)| !args.all || entry.model.parameters.iter().any(|p| &p.name == k))
                .cloned()
                .collect(),
        };
        let spinner = RunSpinner::new(id);
        let result = app.run_model(actor, &request, &spinner).await;
        spinner.finish();
        match result {
            Ok(info) => {
                if !args.json {
                    print_run_line(&info);
                }
                results.push(info);
            }
            Err(procura_app::Error::NotFound(message)) if args.all => {
                eprintln!("跳过 skipped {id}: {message}");
            }
            Err(error) if args.all => {
                failures += 1;
                eprintln!("失败 failed {id}: {error}");
            }
            Err(error) => return Err(error.into()),
        }
    }
    if args.json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&results.iter().map(run_json).collect::<Vec<_>>())?
        );
    }
    if failures > 0 {
        bail!("{failures} models failed");
    }
    Ok(())
}

fn print_run_line(info: &RunInfo) {
    outln!(
        "运行 run #{} {}：线索 clues {}（新增 new {}，消失 gone {}），用时 {} ms",
        info.id,
        info.model_id,
        info.n_clues,
        info.n_new,
        info.n_gone,
        info.duration_ms.unwrap_or(0)
    );
}

pub(crate) fn run_json(info: &RunInfo) -> serde_json::Value {
    json!({
        "id": info.id, "model_id": info.model_id, "model_version": info.model_version, "model_digest": info.model_digest,
        "params": info.params, "status": info.status, "error": info.error,
        "inputs": info.inputs.iter().map(|i| json!({"role": i.role, "dataset": i.dataset, "version": i.version, "version_id": i.version_id, "rows": i.rows})).collect::<Vec<_>>(),
        "n_clues": info.n_clues, "n_new": info.n_new, "n_gone": info.n_gone,
        "started_at": info.started_at, "finished_at": info.finished_at, "duration_ms": info.duration_ms, "actor": info.actor,
        "notices": info.notices,
    })
}

pub(crate) async fn runs(app: &App, actor: &Actor, command: RunsCommand) -> Result<()> {
    match command {
        RunsCommand::List { model, limit } => {
            let list = app.list_runs(actor, model.as_deref(), limit).await?;
            let mut out = table();
            out.set_header(vec![
                "运行 run",
                "模型 model",
                "状态 status",
                "线索 clues",
                "新增 new",
                "消失 gone",
                "开始 started",
                "用时 ms",
                "操作人 by",
            ]);
            for info in &list {
                out.add_row(vec![
                    Cell::new(info.id),
                    Cell::new(&info.model_id),
                    Cell::new(&info.status),
                    Cell::new(info.n_clues),
                    Cell::new(info.n_new),
                    Cell::new(info.n_gone),
                    Cell::new(&info.started_at),
                    Cell::new(info.duration_ms.unwrap_or(0)),
                    Cell::new(&info.actor),
                ]);
            }
            outln!("{out}");
        }
        RunsCommand::Show { id, json } => {
            let info = app.show_run(actor, id).await?;
            if json {
                outln!("{}", serde_json::to_string_pretty(&run_json(&info))?);
                return Ok(());
            }
            outln!(
                "运行 run #{}  模型 model {} v{} (digest {})",
                info.id,
                info.model_id,
                info.model_version,
                &info.model_digest[..16.min(info.model_digest.len())]
            );
            outln!(
                "状态 status: {}{}",
                info.status,
                info.error
                    .as_ref()
                    .map(|e| format!(" — {e}"))
                    .unwrap_or_default()
            );
            outln!(
                "开始 started {} · 结束 finished {} · {} ms · 操作人 by {}",
                info.started_at,
                info.finished_at.as_deref().unwrap_or("-"),
                info.duration_ms.unwrap_or(0),
                info.actor
            );
            outln!(
                "线索 clues {} · 新增 new {} · 消失 gone {}",
                info.n_clues,
                info.n_new,
                info.n_gone
            );
            outln!(
                "参数 parameters: {}",
                info.params
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            for notice in &info.notices {
                outln!("注意 {}\n  notice: {}", notice.zh, notice.en);
            }
            let mut out = table();
            out.set_header(vec![
                "角色 role",
                "数据集 dataset",
                "版本 version",
                "版本编号 version id",
                "行数 rows",
            ]);
            for input in &info.inputs {
                out.add_row(vec![
                    Cell::new(&input.role),
                    Cell::new(&input.dataset),
                    Cell::new(input.version),
                    Cell::new(input.version_id),
                    Cell::new(input.rows),
                ]);
            }
            outln!("{out}");
        }
    }
    Ok(())
}
