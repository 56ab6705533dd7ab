//! `procura clues …`.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Subcommand, ValueEnum};
use comfy_table::Cell;
use procura_app::clues::{ClueDetail, ClueInfo, ClueQuery, ExportFormat, severity_zh};
use procura_app::{Actor, App};
use serde_json::json;

use crate::output::table;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum Format {
    Xlsx,
    Csv,
}

#[derive(Debug, Subcommand)]
pub(crate) enum CluesCommand {
    /// 线索列表 / list clues
    List {
        /// Only this model
        #[arg(long)]
        model: Option<String>,
        /// Only this status (new, assigned … or 新线索 …)
        #[arg(long)]
        status: Option<String>,
        /// Include clues the latest run no longer found
        #[arg(long)]
        all: bool,
        /// Most clues (0 = all)
        #[arg(long, default_value_t = 200)]
        limit: i64,
        /// JSON output
        #[arg(long)]
        json: bool,
    },
    /// 线索详情与证据 / show a clue with its evidence rows
    Show {
        /// Clue id
        id: i64,
        /// JSON output
        #[arg(long)]
        json: bool,
    },
    /// 导出线索 / export clues to xlsx or csv
    Export {
        /// Output format
        #[arg(long, value_enum, default_value_t = Format::Xlsx)]
        format: Format,
        /// Output file
        #[arg(long)]
        out: PathBuf,
        /// Only this model
        #[arg(long)]
        model: Option<String>,
        /// Only this status
        #[arg(long)]
        status: Option<String>,
    },
}

fn amount(fen: Option<i64>) -> String {
    fen.map(|f| procura_core::amount::Amount::from_fen(f).yuan_string())
        .unwrap_or_default()
}

pub(crate) fn clue_json(clue: &ClueInfo) -> serde_json::Value {
    json!({
        "id": clue.id, "model_id": clue.model_id, "key": clue.key, "title": clue.title, "severity": clue.severity,
        "amount": clue.amount_fen.map(|f| procura_core::amount::Amount::from_fen(f).yuan_string()),
        "status": clue.status.code(), "assignee": clue.assignee, "gone": clue.gone,
        "match_strength": clue.match_strength,
        "first_seen_at": clue.first_seen_at, "last_seen_at": clue.last_seen_at,
        "first_run_id": clue.first_run_id, "last_run_id": clue.last_run_id, "fields": clue.fields,
    })
}

fn detail_json(detail: &ClueDetail) -> serde_json::Value {
    let mut value = clue_json(&detail.clue);
    value["subjects"] = json!(
        detail
            .subjects
            .iter()
            .map(|s| json!({"kind": s.kind, "id": s.identifier, "name": s.name}))
            .collect::<Vec<_>>()
    );
    value["events"] = json!(detail.events.iter().map(|e| json!({"at": e.at, "actor": e.actor, "action": e.action, "from": e.from_status, "to": e.to_status, "run_id": e.run_id, "note": e.note})).collect::<Vec<_>>());
    value["evidence"] = json!(detail
        .evidence
        .iter()
        .map(|e| {
            let rows: Vec<serde_json::Value> = e
                .rows
                .iter()
                .map(|row| serde_json::Value::Object(e.columns.iter().cloned().zip(row.iter().map(|v| json!(v))).collect()))
                .collect();
            json!({"role": e.role, "dataset": e.dataset, "version": e.version, "version_id": e.version_id, "rows": rows})
        })
        .collect::<Vec<_>>());
    value
}

pub(crate) async fn clues(app: &App, actor: &Actor, command: CluesCommand) -> Result<()> {
    match command {
        CluesCommand::List {
            model,
            status,
            all,
            limit,
            json,
        } => {
            let list = app
                .list_clues(
                    actor,
                    &ClueQuery {
                        model,
                        status,
                        include_gone: all,
                        limit,
                    },
                )
                .await?;
            if json {
                outln!(
                    "{}",
                    serde_json::to_string_pretty(&list.iter().map(clue_json).collect::<Vec<_>>())?
                );
                return Ok(());
            }
            if list.is_empty() {
                outln!("（无线索）no clues: procura run --all");
                return Ok(());
            }
            let mut out = table();
            out.set_header(vec![
                "编号 id",
                "模型 model",
                "严重 severity",
                "金额 amount",
                "状态 status",
                "线索 title",
            ]);
            for clue in &list {
                let status = if clue.gone {
                    format!("{}（已消失 gone）", clue.status.zh())
                } else {
                    clue.status.zh().to_owned()
                };
                out.add_row(vec![
                    Cell::new(clue.id),
                    Cell::new(&clue.model_id),
                    Cell::new(severity_zh(&clue.severity)),
                    Cell::new(amount(clue.amount_fen)),
                    Cell::new(status),
                    Cell::new(&clue.title),
                ]);
            }
            outln!("{out}");
            eprintln!("({} 条线索 clues)", list.len());
        }
        CluesCommand::Show { id, json } => {
            let detail = app.show_clue(actor, id).await?;
            if json {
                outln!("{}", serde_json::to_string_pretty(&detail_json(&detail))?);
                return Ok(());
            }
            let clue = &detail.clue;
            outln!(
                "线索 clue #{}  模型 model {}  严重程度 severity {}  状态 status {}{}",
                clue.id,
                clue.model_id,
                severity_zh(&clue.severity),
                clue.status.zh(),
                if clue.gone {
                    "（最近一次运行未再发现 gone）"
                } else {
                    ""
                }
            );
            outln!("{}", clue.title);
            if clue.amount_fen.is_some() {
                outln!("涉案金额 amount: {} 元", amount(clue.amount_fen));
            }
            if let Some(strength) = &clue.match_strength {
                outln!(
                    "实体关联匹配强度 match strength: {}（{strength}）",
                    procura_app::linkage::strength_zh(strength)
                );
            }
            outln!(
                "首次发现 first seen {}（运行 run #{}）· 最近发现 last seen {}（运行 run #{}）",
                clue.first_seen_at,
                clue.first_run_id,
                clue.last_seen_at,
                clue.last_run_id
            );
            for subject in &detail.subjects {
                outln!(
                    "当事人 subject: {} {} {}",
                    if subject.kind == "org" {
                        "单位"
                    } else {
                        "个人"
                    },
                    subject.identifier,
                    subject.name.as_deref().unwrap_or("")
                );
            }
            outln!(
                "\n证据 evidence（数据集版本与行号，可追溯到原始文件的行 traceable to the source row）:"
            );
            for evidence in &detail.evidence {
                outln!(
                    "  {} ← {} 版本 v{}（版本编号 version id {}）: {} 行 rows",
                    evidence.role,
                    evidence.dataset,
                    evidence.version,
                    evidence.version_id,
                    evidence.rows.len()
                );
                let shown: Vec<usize> = evidence
                    .columns
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| {
                        !c.ends_with("__issue")
                            && !c.ends_with("__simplified")
                            && !c.ends_with("__kind")
                    })
                    .map(|(i, _)| i)
                    .collect();
                let mut out = table();
                out.set_header(
                    shown
                        .iter()
                        .map(|i| evidence.columns[*i].clone())
                        .collect::<Vec<_>>(),
                );
                for row in &evidence.rows {
                    out.add_row(shown.iter().map(|i| row[*i].clone()).collect::<Vec<_>>());
                }
                outln!("{out}");
            }
            outln!("\n历史 history:");
            for event in &detail.events {
                outln!(
                    "  {} {} {}{}{}",
                    event.at,
                    event.actor,
                    event.action,
                    event
                        .to_status
                        .as_ref()
                        .map(|s| format!(" → {s}"))
                        .unwrap_or_default(),
                    event
                        .run_id
                        .map(|r| format!("（运行 run #{r}）"))
                        .unwrap_or_default()
                );
            }
        }
        CluesCommand::Export {
            format,
            out,
            model,
            status,
        } => {
            let format = match format {
                Format::Xlsx => ExportFormat::Xlsx,
                Format::Csv => ExportFormat::Csv,
            };
            let count = app
                .export_clues(
                    actor,
                    &ClueQuery {
                        model,
                        status,
                        include_gone: false,
                        limit: 0,
                    },
                    format,
                    &out,
                )
                .await?;
            outln!("已导出 exported {count} 条线索 clues → {}", out.display());
        }
    }
    Ok(())
}
