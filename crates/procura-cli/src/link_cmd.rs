//! `procura link …`: entity linkage.

use anyhow::{Result, bail};
use clap::Subcommand;
use comfy_table::Cell;
use procura_app::linkage::{LinkReport, LinkRequest};
use procura_app::{Actor, App};
use serde_json::json;

use crate::output::table;

#[derive(Debug, Subcommand)]
pub(crate) enum LinkCommand {
    /// 训练关联模型 / train the person linkage model on the current datasets and save it
    Train {
        /// Only these datasets (comma-separated)
        #[arg(long, value_delimiter = ',')]
        datasets: Vec<String>,
        /// Blocking rules, in order (default: birth_date,name_pinyin+birth_year,region+name,id_prefix;
        /// also surname_pinyin+birth_year, name_pinyin)
        #[arg(long, value_delimiter = ',')]
        rules: Vec<String>,
    },
    /// 运行实体关联 / link persons and organisations across datasets
    Run {
        /// Only these datasets (comma-separated)
        #[arg(long, value_delimiter = ',')]
        datasets: Vec<String>,
        /// Train a new model even if one is saved
        #[arg(long)]
        retrain: bool,
        /// Probability at which a pair becomes a `probable` link (default 0.9)
        #[arg(long)]
        probable: Option<f64>,
        /// Probability at which a pair becomes a `strong` link (default 0.95)
        #[arg(long)]
        strong: Option<f64>,
        /// Blocking rules, in order (default: birth_date,name_pinyin+birth_year,region+name,id_prefix;
        /// also surname_pinyin+birth_year, name_pinyin)
        #[arg(long, value_delimiter = ',')]
        rules: Vec<String>,
        /// JSON output
        #[arg(long)]
        json: bool,
    },
    /// 解释匹配权重 / explain the match weight of two records (DATASET:ROW_ID or record keys)
    Explain {
        /// First record
        left: String,
        /// Second record
        right: String,
    },
    /// 待人工复核的记录对 / pairs below certainty waiting for a decision
    Review {
        /// Most pairs
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// 导出比对特征 / write the comparison features of every person row to a Parquet file
    ExportFeatures {
        /// Only these datasets (comma-separated)
        #[arg(long, value_delimiter = ',')]
        datasets: Vec<String>,
        /// Output Parquet file
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// 确认为同一人 / confirm that two records are the same person
    Confirm {
        /// First record (DATASET:ROW_ID or record key)
        left: String,
        /// Second record
        right: String,
        /// Why
        #[arg(long)]
        note: Option<String>,
    },
    /// 否认为同一人 / reject: two records are different persons
    Reject {
        /// First record
        left: String,
        /// Second record
        right: String,
        /// Why
        #[arg(long)]
        note: Option<String>,
    },
}

pub(crate) async fn link(app: &App, actor: &Actor, command: LinkCommand) -> Result<()> {
    match command {
        LinkCommand::Train { datasets, rules } => {
            let (model, path) = app
                .link_train(
                    actor,
                    &LinkRequest {
                        datasets,
                        rules,
                        ..LinkRequest::default()
                    },
                )
                .await?;
            outln!(
                "已训练 trained on {} distinct records; saved to {}",
                model.records,
                path.display()
            );
            print_parameters(&model);
        }
        LinkCommand::ExportFeatures { datasets, out } => {
            let rows = app.link_export_features(actor, &datasets, &out).await?;
            outln!("已导出 wrote {rows} rows to {}", out.display());
        }
        LinkCommand::Run {
            datasets,
            retrain,
            probable,
            strong,
            rules,
            json,
        } => {
            let report = app
                .link_run(
                    actor,
                    &LinkRequest {
                        datasets,
                        retrain,
                        probable,
                        strong,
                        rules,
                    },
                )
                .await?;
            if json {
                outln!("{}", serde_json::to_string_pretty(&report_json(&report))?);
            } else {
                print_report(&report);
            }
        }
        LinkCommand::Explain { left, right } => {
            let explained = app.link_explain(actor, &left, &right).await?;
            outln!("左 left:  {}", explained.left);
            outln!("右 right: {}", explained.right);
            let e = &explained.explanation;
            let mut out = table();
            out.set_header(vec![
                "比较 comparison",
                "级别 level",
                "m",
                "u",
                "权重 weight (log2 m/u)",
            ]);
            out.add_row(vec![
                Cell::new("先验 prior"),
                Cell::new(""),
                Cell::new(""),
                Cell::new(""),
                Cell::new(format!("{:+.2}", e.prior_weight)),
            ]);
            for term in &e.terms {
                out.add_row(vec![
                    Cell::new(
                        format!("{} {:?}", term.comparison.zh(), term.comparison).to_lowercase(),
                    ),
                    Cell::new(match term.level {
                        Some(level) => term.comparison.levels()[level as usize].to_owned(),
                        None => "缺失 missing (no evidence)".to_owned(),
                    }),
                    Cell::new(format!("{:.4}", term.m)),
                    Cell::new(format!(
                        "{:.6}{}",
                        term.u,
                        if term.tf_adjusted { " (tf)" } else { "" }
                    )),
                    Cell::new(format!("{:+.2}", term.weight)),
                ]);
            }
            outln!("{out}");
            outln!(
                "总权重 total weight {:+.2} → 匹配概率 match probability {:.6}",
                e.total_weight,
                e.probability
            );
        }
        LinkCommand::Review { limit } => {
            let pairs = app.link_review(actor, limit).await?;
            if pairs.is_empty() {
                outln!("（无待复核记录对）nothing to review");
                return Ok(());
            }
            let mut out = table();
            out.set_header(vec![
                "左 left",
                "姓名 name",
                "右 right",
                "姓名 name",
                "概率 probability",
                "命令 command",
            ]);
            for pair in &pairs {
                out.add_row(vec![
                    Cell::new(&pair.left),
                    Cell::new(pair.left_name.as_deref().unwrap_or("")),
                    Cell::new(&pair.right),
                    Cell::new(pair.right_name.as_deref().unwrap_or("")),
                    Cell::new(format!("{:.4}", pair.probability)),
                    Cell::new(format!(
                        "procura link confirm|reject {} {}",
                        pair.left_key, pair.right_key
                    )),
                ]);
            }
            outln!("{out}");
        }
        LinkCommand::Confirm { left, right, note } => {
            let (a, b) = app
                .link_judge(actor, &left, &right, true, note.as_deref())
                .await?;
            outln!(
                "已确认为同一人 confirmed: {a} = {b}（下次 link run 生效 / takes effect at the next link run）"
            );
        }
        LinkCommand::Reject { left, right, note } => {
            if left == right {
                bail!("name two different records");
            }
            let (a, b) = app
                .link_judge(actor, &left, &right, false, note.as_deref())
                .await?;
            outln!(
                "已否认 rejected: {a} ≠ {b}（下次 link run 生效 / takes effect at the next link run）"
            );
        }
    }
    Ok(())
}

fn print_parameters(model: &procura_link::TrainedModel) {
    let mut out = table();
    out.set_header(vec![
        "比较 comparison",
        "级别 level",
        "m",
        "u",
        "权重 weight",
    ]);
    for comparison in procura_link::compare::COMPARISONS {
        for (level, label) in comparison.levels().iter().enumerate() {
            let (m, u) = model.parameters.mu(comparison, level as u8);
            out.add_row(vec![
                Cell::new(comparison.zh()),
                Cell::new(label),
                Cell::new(format!("{m:.4}")),
                Cell::new(format!("{u:.6}")),
                Cell::new(format!("{:+.2}", (m / u).log2())),
            ]);
        }
    }
    outln!("{out}");
    outln!("先验 prior P(match) = {:.3e}", model.parameters.prior);
}

pub(crate) fn print_report(report: &LinkReport) {
    let stats = &report.stats;
    outln!(
        "人员关联 persons: {} 行 rows → {} 条不同记录 distinct records（{} 条有有效身份证号 with a valid ID）→ {} 个实体 entities",
        stats.rows,
        stats.records,
        stats.with_valid_id,
        stats.entities
    );
    outln!("候选记录对 candidate pairs (counted before comparing):");
    for (rule, pairs) in &stats.candidate_pairs {
        outln!("  {:<28} {pairs}", rule.code());
    }
    outln!(
        "保留记录对 pairs kept (p ≥ 0.5): {}；模型 model: {}（{}）",
        stats.pairs_kept,
        report.model_path.display(),
        if report.trained {
            "新训练 trained now"
        } else {
            "已保存的模型 saved model reused"
        }
    );
    outln!(
        "用时 stage times: 分块 blocking {:.2}s · 训练 training {:.2}s · 打分 scoring {:.2}s · 聚类 clustering {:.2}s",
        stats.timings.blocking.as_secs_f64(),
        stats.timings.training.as_secs_f64(),
        stats.timings.scoring.as_secs_f64(),
        stats.timings.clustering.as_secs_f64()
    );
    let strengths: Vec<String> = stats
        .by_strength
        .iter()
        .map(|(s, n)| format!("{} {}: {n}", s.zh(), s.code()))
        .collect();
    outln!(
        "记录关联强度 records by strength: {}",
        strengths.join(" · ")
    );
    let org = &report.org_stats;
    outln!(
        "单位关联 organisations: {} 行 rows, {} 个统一社会信用代码 anchors; 按名称 by name {}, 按近似代码 by near code {}, 未关联 unlinked {}",
        org.rows,
        org.anchors,
        org.by_name,
        org.by_code,
        org.unlinked
    );
    outln!(
        "数据质量发现 findings (same ID different name, declared fields contradicting the ID): {}",
        report.n_findings
    );
    for version in [
        &report.person_links,
        &report.org_links,
        &report.pairs,
        &report.findings,
    ]
    .into_iter()
    .flatten()
    {
        outln!(
            "  → 数据集 dataset {} v{} ({} rows)",
            version.dataset,
            version.version,
            version.n_rows
        );
    }
    outln!(
        "模型运行将按实体关联 model runs now join on linked entities (parameter min_match_strength, default strong)."
    );
}

fn report_json(report: &LinkReport) -> serde_json::Value {
    let stats = &report.stats;
    json!({
        "rows": stats.rows,
        "records": stats.records,
        "with_valid_id": stats.with_valid_id,
        "entities": stats.entities,
        "candidate_pairs": stats.candidate_pairs.iter().map(|(r, n)| json!({"rule": r.code(), "pairs": n})).collect::<Vec<_>>(),
        "pairs_kept": stats.pairs_kept,
        "by_strength": stats.by_strength.iter().map(|(s, n)| (s.code().to_owned(), json!(n))).collect::<serde_json::Map<_, _>>(),
        "seconds": {
            "blocking": stats.timings.blocking.as_secs_f64(),
            "training": stats.timings.training.as_secs_f64(),
            "scoring": stats.timings.scoring.as_secs_f64(),
            "clustering": stats.timings.clustering.as_secs_f64(),
        },
        "trained": report.trained,
        "findings": report.n_findings,
        "org": {"rows": report.org_stats.rows, "anchors": report.org_stats.anchors, "by_name": report.org_stats.by_name,
                "by_code": report.org_stats.by_code, "unlinked": report.org_stats.unlinked},
        "sources": report.sources.iter().map(|(d, c)| json!({"dataset": d, "id_column": c})).collect::<Vec<_>>(),
    })
}
