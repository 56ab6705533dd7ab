//! The demo: a synthetic population's agency exports (see `procura-demo`), and the score of the
//! clues the models found against the planted ground truth.

use std::collections::BTreeSet;

use procura_demo::GroundTruth;
use procura_store::clues::{self, ClueFilter};

use crate::error::{Error, Result};
use crate::{Actor, App};

pub use procura_demo::{DemoConfig, DemoDataset, DemoOutput};

/// How one model did against the ground truth.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelScore {
    /// Model id.
    pub model_id: String,
    /// Clues the model produced (not gone).
    pub found: usize,
    /// Planted positives findable by exact keys.
    pub exact_positives: usize,
    /// Of those, found.
    pub exact_found: usize,
    /// Planted positives that need linkage (missing or mistyped IDs).
    pub linkage_positives: usize,
    /// Of those, found.
    pub linkage_found: usize,
    /// Found clues that are planted positives of either kind.
    pub true_found: usize,
    /// Planted near-misses that were (wrongly) found.
    pub near_misses_found: usize,
}

impl ModelScore {
    /// True clues among those found (1.0 when nothing was found).
    pub fn precision(&self) -> f64 {
        if self.found == 0 {
            1.0
        } else {
            self.true_found as f64 / self.found as f64
        }
    }

    /// Exact-key positives found (1.0 when there are none).
    pub fn recall(&self) -> f64 {
        if self.exact_positives == 0 {
            1.0
        } else {
            self.exact_found as f64 / self.exact_positives as f64
        }
    }
}

/// Generates the demo data (synchronously; it is CPU and file work).
pub fn generate(config: &DemoConfig, progress: &dyn Fn(&str)) -> Result<DemoOutput> {
    procura_demo::generate(config, progress).map_err(|e| Error::Invalid(format!("demo data: {e}")))
}

/// Writes the ingest benchmark files (a GBK CSV and an xlsx) into `out`.
pub fn bench_files(
    out: &std::path::Path,
    rows: u64,
    xlsx_rows: u64,
    seed: u64,
) -> Result<(std::path::PathBuf, std::path::PathBuf)> {
    procura_demo::bench_data::write(out, rows, xlsx_rows, seed)
        .map_err(|e| Error::Invalid(format!("benchmark files: {e}")))
}

/// Writes a labelled person file for the linkage benchmark: `persons.csv` (one row per record,
/// with the typos, missing IDs and spelling variants agencies produce) and `labels.csv` (the
/// true entity of every record). Returns the record and person counts.
pub fn linkage_files(out: &std::path::Path, records: usize, seed: u64) -> Result<(usize, usize)> {
    let output = procura_demo::linkage_data::write_linkage_data(
        &procura_demo::linkage_data::LinkageConfig {
            records,
            seed,
            out: out.to_owned(),
        },
    )
    .map_err(|e| Error::Invalid(format!("linkage files: {e}")))?;
    Ok((output.records, output.persons))
}

/// Reads a demo folder's ground truth.
pub fn read_truth(dir: &std::path::Path) -> Result<GroundTruth> {
    procura_demo::read_truth(dir).map_err(|e| Error::Invalid(format!("demo ground truth: {e}")))
}

impl App {
    /// Scores the workspace's current clues against a ground truth, per model.
    pub async fn score_against_truth(
        &self,
        actor: &Actor,
        truth: &GroundTruth,
    ) -> Result<Vec<ModelScore>> {
        let _ = actor;
        let mut connection = self.connection().await?;
        let mut scores = Vec::new();
        for (model_id, model_truth) in &truth.models {
            let found: BTreeSet<String> = clues::list(
                &mut connection,
                &ClueFilter {
                    model_id: Some(model_id),
                    status: None,
                    include_gone: false,
                    limit: i64::MAX,
                    offset: 0,
                },
            )
            .await?
            .iter()
            .map(|c| serde_json::from_str::<Vec<String>>(&c.key_json).map(|k| k.join("|")))
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| Error::Internal(e.to_string()))?;
            let key = |case: &procura_demo::TruthCase| case.key.join("|");
            let exact: BTreeSet<String> = model_truth
                .positives
                .iter()
                .filter(|c| c.exact)
                .map(key)
                .collect();
            let linkage: BTreeSet<String> = model_truth
                .positives
                .iter()
                .filter(|c| !c.exact)
                .map(key)
                .collect();
            let near: BTreeSet<String> = model_truth.near_misses.iter().map(key).collect();
            scores.push(ModelScore {
                model_id: model_id.clone(),
                found: found.len(),
                exact_positives: exact.len(),
                exact_found: found.intersection(&exact).count(),
                linkage_positives: linkage.len(),
                linkage_found: found.intersection(&linkage).count(),
                true_found: found
                    .iter()
                    .filter(|k| exact.contains(*k) || linkage.contains(*k))
                    .count(),
                near_misses_found: found.intersection(&near).count(),
            });
        }
        Ok(scores)
    }
}

/// A demo account: login name, display name, roles, department.
pub type DemoAccount = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
);

/// The demo office: one department per supervision area and an account for every role.
pub const DEMO_DEPARTMENTS: [(&str, &str); 4] = [
    ("刑事检察部", "criminal"),
    ("民事检察部", "civil"),
    ("行政检察部", "administrative"),
    ("公益诉讼检察部", "public_interest"),
];

/// The demo accounts.
pub const DEMO_ACCOUNTS: [DemoAccount; 12] = [
    ("wang.zhuren", "王主任", "dept_head", Some("刑事检察部")),
    ("li.jiancha", "李检察官", "procurator", Some("刑事检察部")),
    ("zhao.jiancha", "赵检察官", "procurator", Some("刑事检察部")),
    ("zhou.zhuren", "周主任", "dept_head", Some("民事检察部")),
    ("chen.zhuren", "陈主任", "dept_head", Some("行政检察部")),
    ("sun.jiancha", "孙检察官", "procurator", Some("行政检察部")),
    ("wu.zhuren", "吴主任", "dept_head", Some("公益诉讼检察部")),
    (
        "zheng.jiancha",
        "郑检察官",
        "procurator",
        Some("公益诉讼检察部"),
    ),
    ("shuju", "数据管理员", "data_admin", None),
    ("moxing", "模型管理员", "model_admin", None),
    ("anquan", "安全保密管理员", "security_admin", None),
    ("shenji", "安全审计员", "auditor", None),
];

impl App {
    /// Creates the demo departments and accounts, all with `password` (no forced change:
    /// this is a demonstration). Existing ones are left alone.
    pub async fn create_demo_accounts(&self, actor: &Actor, password: &str) -> Result<()> {
        let existing: Vec<String> = self
            .departments(actor)
            .await?
            .into_iter()
            .map(|d| d.name)
            .collect();
        for (name, area) in DEMO_DEPARTMENTS {
            if !existing.iter().any(|e| e == name) {
                self.add_department(actor, name, &[area.to_owned()]).await?;
            }
        }
        let users: Vec<String> = self
            .list_users(actor)
            .await?
            .into_iter()
            .map(|u| u.username)
            .collect();
        for (username, display_name, roles, department) in DEMO_ACCOUNTS {
            if users.iter().any(|u| u == username) {
                continue;
            }
            self.add_user(
                actor,
                &crate::auth::NewUserRequest {
                    username: username.to_owned(),
                    display_name: display_name.to_owned(),
                    roles: procura_core::access::parse_roles(roles)
                        .map_err(|e| Error::Internal(e.to_string()))?,
                    department: department.map(str::to_owned),
                    password: Some(password.to_owned()),
                },
            )
            .await?;
        }
        Ok(())
    }
}
