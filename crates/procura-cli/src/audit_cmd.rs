//! `procura audit`: the audit trail for the 安全审计员 (and the local operator).

use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::Subcommand;
use procura_app::audit::AuditFilter;
use procura_app::{Actor, App};

#[derive(Debug, Subcommand)]
pub(crate) enum AuditCommand {
    /// 校验审计日志 / verify the hash chain against the signed checkpoints; exits 1 naming
    /// the first record that cannot be trusted
    Verify {
        /// 检查点文件 / a checkpoint file kept elsewhere (default: the configured one)
        #[arg(long)]
        checkpoints: Option<PathBuf>,
        /// 公钥 / the checkpoint public key (hex) to trust (default: the workspace's key)
        #[arg(long)]
        public_key: Option<String>,
    },
    /// 查看审计日志 / list records, newest first
    List {
        /// 账户 / account
        #[arg(long)]
        account: Option<String>,
        /// 操作 / action code, or a prefix ending in `.` (clue.)
        #[arg(long)]
        action: Option<String>,
        /// 对象 / text within the object (clue:12)
        #[arg(long)]
        object: Option<String>,
        /// 结果 / ok, denied, failed
        #[arg(long)]
        outcome: Option<String>,
        /// 最多 / at most
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// 签署检查点 / sign a checkpoint of the current head now
    Checkpoint,
}

pub(crate) async fn audit(app: &App, actor: &Actor, command: AuditCommand) -> Result<()> {
    match command {
        AuditCommand::Verify {
            checkpoints,
            public_key,
        } => {
            let verdict = app
                .audit_verify(actor, checkpoints.as_deref(), public_key.as_deref())
                .await?;
            match verdict.failure {
                None => {
                    outln!(
                        "审计日志完整 audit trail intact: {} records, {} signed checkpoints, {} records anchored (key {})",
                        verdict.records,
                        verdict.checkpoints,
                        verdict.anchored_size,
                        &verdict.public_key[..16]
                    );
                    Ok(())
                }
                Some(failure) => match failure.seq {
                    Some(seq) => bail!(
                        "审计日志被篡改 audit trail tampered: first bad record {seq}: {}",
                        failure.reason
                    ),
                    None => bail!(
                        "审计检查点无效 audit checkpoints invalid: {}",
                        failure.reason
                    ),
                },
            }
        }
        AuditCommand::List {
            account,
            action,
            object,
            outcome,
            limit,
        } => {
            let list = app
                .audit_search(
                    actor,
                    &AuditFilter {
                        account,
                        action,
                        object,
                        outcome,
                        limit: limit.clamp(1, 10_000),
                        ..AuditFilter::default()
                    },
                )
                .await?;
            for e in list {
                outln!(
                    "{:>7} {} {:<14} {:<15} {:<18} {:<22} {}{}",
                    e.seq,
                    e.at,
                    e.account,
                    e.client,
                    e.action,
                    e.object,
                    e.outcome,
                    if e.purpose.is_empty() {
                        String::new()
                    } else {
                        format!("  事由 purpose: {}", e.purpose)
                    }
                );
            }
            Ok(())
        }
        AuditCommand::Checkpoint => {
            match app.audit_checkpoint(true).await? {
                Some(c) => outln!(
                    "已签署检查点 checkpoint signed: {} records, head {}",
                    c.size,
                    &c.head[..16]
                ),
                None => outln!("无新记录 nothing new since the last checkpoint"),
            }
            Ok(())
        }
    }
}
