//! Rendering results for the terminal: Chinese labels first, English second.

use anyhow::Result;
use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use procura_app::arrow::record_batch::RecordBatch;
use procura_app::datasets::{DatasetInfo, VersionInfo};
use procura_app::quality::QualityReport;
use serde_json::{Value, json};

use crate::commands::Format;

/// Stdout is gone: a closed pipe ends the program quietly (like `head` expects); anything else
/// is reported.
pub(crate) fn stdout_failed(error: std::io::Error) -> ! {
    if error.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    eprintln!("错误 error: cannot write to standard output: {error}");
    std::process::exit(1);
}

pub(crate) fn table() -> Table {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic);
    table
}

pub(crate) fn print_batches(batches: &[RecordBatch], format: Format) -> Result<()> {
    let stdout = std::io::stdout();
    let closed_pipe = |error: procura_app::arrow::error::ArrowError| match error {
        procura_app::arrow::error::ArrowError::IoError(_, io) => stdout_failed(io),
        other => anyhow::Error::from(other),
    };
    match format {
        Format::Table => {
            let rendered = procura_app::arrow::util::pretty::pretty_format_batches(batches)?;
            outln!("{rendered}");
            let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
            eprintln!("({rows} 行 rows)");
        }
        Format::Csv => {
            let mut writer = procura_app::arrow::csv::WriterBuilder::new()
                .with_header(true)
                .build(stdout.lock());
            for batch in batches {
                writer.write(batch).map_err(closed_pipe)?;
            }
        }
        Format::Json => {
            let mut writer = procura_app::arrow::json::ArrayWriter::new(stdout.lock());
            let refs: Vec<&RecordBatch> = batches.iter().collect();
            writer.write_batches(&refs).map_err(closed_pipe)?;
            writer.finish().map_err(closed_pipe)?;
            outln!();
        }
    }
    Ok(())
}

pub(crate) fn print_ingest_summary(version: &VersionInfo) {
    let report = &version.report;
    outln!(
        "已导入 ingested `{}` 版本 version {}: {} 行 rows kept, {} 行 rejected, {} 个无效值 invalid values",
        version.dataset,
        version.version,
        report.rows_kept,
        report.rows_rejected,
        report.value_issue_count()
    );
    outln!(
        "质量报告 quality report: procura datasets show {} --version {}",
        version.dataset,
        version.version
    );
}

pub(crate) fn print_dataset_list(list: &[DatasetInfo]) {
    if list.is_empty() {
        outln!("（无数据集）no datasets yet: procura ingest FILE --dataset NAME");
        return;
    }
    let mut table = table();
    table.set_header(vec![
        "数据集 dataset",
        "版本 versions",
        "最新版本 latest",
        "行数 rows",
        "拒绝 rejected",
        "导入时间 ingested",
        "操作人 by",
    ]);
    for dataset in list {
        table.add_row(vec![
            dataset.name.clone(),
            dataset.n_versions.to_string(),
            dataset.latest.version.to_string(),
            dataset.latest.n_rows.to_string(),
            dataset.latest.n_rejected.to_string(),
            dataset.latest.created_at.clone(),
            dataset.latest.created_by.clone(),
        ]);
    }
    outln!("{table}");
}

pub(crate) fn print_versions(versions: &[VersionInfo]) {
    let mut table = table();
    table.set_header(vec![
        "版本 version",
        "行数 rows",
        "拒绝 rejected",
        "来源 source",
        "导入时间 ingested",
        "操作人 by",
        "摘要 digest",
    ]);
    for version in versions {
        table.add_row(vec![
            version.version.to_string(),
            version.n_rows.to_string(),
            version.n_rejected.to_string(),
            version.source.clone(),
            version.created_at.clone(),
            version.created_by.clone(),
            version.digest[..16.min(version.digest.len())].to_owned(),
        ]);
    }
    outln!("{table}");
}

pub(crate) fn print_version(version: &VersionInfo) {
    let report = &version.report;
    outln!(
        "数据集 dataset: {}   版本 version: {}   导入 ingested {} by {}",
        version.dataset,
        version.version,
        version.created_at,
        version.created_by
    );
    outln!("来源 source: {}", version.source);
    outln!(
        "文件 file: {} ({} bytes, blake3 {})",
        version.path.display(),
        version.bytes,
        &version.digest[..16.min(version.digest.len())]
    );
    outln!(
        "行 rows: 读取 read {} · 保留 kept {} · 拒绝 rejected {} · 空行 blank {} · 重复行 duplicate rows {}",
        report.rows_read,
        report.rows_kept,
        report.rows_rejected,
        report.blank_rows,
        report.duplicate_rows
    );
    outln!(
        "完全重复的行 exact duplicates: {} (policy {}), 已删除 dropped {}",
        report.duplicate_rows,
        report.duplicate_policy.code(),
        report.duplicate_rows_dropped
    );
    for example in report.dropped_duplicates.iter().take(5) {
        outln!("  {}", example.location);
    }
    if !report.sheets.is_empty() {
        outln!(
            "
工作表 sheets:"
        );
        for sheet in &report.sheets {
            outln!(
                "  {} [{}] {} ({}){}",
                sheet.file,
                sheet.sheet,
                if sheet.read {
                    "读取 read"
                } else {
                    "跳过 skipped"
                },
                sheet.reason,
                if sheet.detail.is_empty() {
                    String::new()
                } else {
                    format!(": {}", sheet.detail)
                }
            );
        }
    }
    print_files(report);
    print_columns(report);
    print_examples(report);
    if !report.duplicate_keys.is_empty() {
        outln!("\n重复键 duplicate keys:");
        for keys in &report.duplicate_keys {
            outln!(
                "  {}: {} 个不同值 distinct, {} 次重复 repeated",
                keys.column,
                keys.distinct,
                keys.duplicates
            );
        }
    }
}

fn print_files(report: &QualityReport) {
    outln!("\n文件 files:");
    let mut table = table();
    table.set_header(vec![
        "文件 file",
        "格式 format",
        "编码 encoding",
        "表头行 header row",
        "跳过标题行 title rows",
        "读取 read",
        "保留 kept",
        "拒绝 rejected",
        "说明 notes",
    ]);
    for file in &report.files {
        let mut notes = file.notes.clone();
        if !file.missing_columns.is_empty() {
            notes.push(format!(
                "缺少列 missing columns: {}",
                file.missing_columns.join(", ")
            ));
        }
        table.add_row(vec![
            file.file.clone(),
            match &file.sheet {
                Some(sheet) => format!("{} [{}]", file.format, sheet),
                None => file.format.clone(),
            },
            match (&file.encoding, &file.delimiter) {
                (Some(e), Some(d)) => format!("{e} `{d}`"),
                (Some(e), None) => e.clone(),
                _ => "-".into(),
            },
            file.header_row.to_string(),
            file.title_rows
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(","),
            file.rows_read.to_string(),
            file.rows_kept.to_string(),
            file.rows_rejected.to_string(),
            notes.join("; "),
        ]);
    }
    outln!("{table}");
}

fn print_columns(report: &QualityReport) {
    outln!("\n列 columns:");
    let mut table = table();
    table.set_header(vec![
        "列 column",
        "类型 type",
        "源表头 source",
        "填充率 fill",
        "有效 valid",
        "无效 invalid",
        "问题 issues",
        "备注 notes",
    ]);
    for column in &report.columns {
        let issues: Vec<String> = column
            .issues
            .counts
            .iter()
            .map(|(code, n)| format!("{code} {n}"))
            .collect();
        let notes: Vec<String> = column
            .notes
            .iter()
            .map(|(code, n)| format!("{code} {n}"))
            .collect();
        let field_type = match &column.unit {
            Some(unit) => format!(
                "{} ({}, {unit})",
                column.field_type.code(),
                column.field_type.zh()
            ),
            None => format!("{} ({})", column.field_type.code(), column.field_type.zh()),
        };
        table.add_row(vec![
            column.name.clone(),
            field_type,
            column.source.clone(),
            format!("{:.1}%", column.fill_rate() * 100.0),
            column.valid.to_string(),
            column.invalid.to_string(),
            issues.join(", "),
            notes.join(", "),
        ]);
    }
    outln!("{table}");
}

fn print_examples(report: &QualityReport) {
    let value_examples: Vec<_> = report
        .columns
        .iter()
        .flat_map(|c| c.issues.examples.iter())
        .collect();
    if !value_examples.is_empty() {
        outln!("\n无效值示例 invalid values (file:row: column):");
        for example in value_examples {
            outln!(
                "  {}: `{}` — {}",
                example.location,
                example.value,
                example.message
            );
        }
    }
    if !report.rejected.examples.is_empty() {
        outln!("\n拒绝行示例 rejected rows:");
        for example in &report.rejected.examples {
            outln!(
                "  {}: {} — {}",
                example.location,
                example.code,
                example.message
            );
            if !example.value.is_empty() {
                outln!("      {}", example.value);
            }
        }
    }
}

/// A JSON document describing a version, for scripts and tests.
pub(crate) fn version_json(version: &VersionInfo) -> Value {
    json!({
        "id": version.id,
        "dataset": version.dataset,
        "version": version.version,
        "path": version.path,
        "digest": version.digest,
        "bytes": version.bytes,
        "n_rows": version.n_rows,
        "n_rejected": version.n_rejected,
        "source": version.source,
        "columns": version.columns,
        "mapping": version.mapping_toml,
        "quality": version.report,
        "created_at": version.created_at,
        "created_by": version.created_by,
    })
}
