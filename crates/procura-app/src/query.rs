//! Ad-hoc SQL over the newest version of every dataset.

use procura_models::{Engine, TableSource};
use procura_store::catalog;

use crate::arrow::record_batch::RecordBatch;
use crate::audit::{Action, Event};
use crate::error::Result;
use crate::{Actor, App};

impl App {
    /// Runs one SQL statement; every live dataset is a table named after it.
    pub async fn sql(&self, actor: &Actor, sql: &str) -> Result<Vec<RecordBatch>> {
        actor.require_local("ad-hoc SQL over person-level data")?;
        let engine = self.engine().await?;
        let batches = engine.sql(sql).await?;
        self.audit_alone(
            actor,
            Event::ok(Action::Sql, "datasets").detail(serde_json::json!({
                "sql": sql.chars().take(2000).collect::<String>(),
                "rows": batches.iter().map(RecordBatch::num_rows).sum::<usize>(),
            })),
        )
        .await?;
        Ok(batches)
    }

    /// A query engine with every live dataset's newest version registered.
    pub(crate) async fn engine(&self) -> Result<Engine> {
        let mut connection = self.connection().await?;
        let tables: Vec<TableSource> = catalog::list(&mut connection)
            .await?
            .into_iter()
            .map(|summary| TableSource {
                name: summary.name,
                path: self.workspace.resolve(&summary.latest.path),
            })
            .collect();
        Ok(Engine::new(&tables, self.now().date_naive()).await?)
    }
}
