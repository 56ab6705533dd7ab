//! The DataFusion session Procura runs queries in: Parquet tables registered by path, and
//! Procura's functions.

use std::path::PathBuf;

use chrono::NaiveDate;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::TableReference;
use datafusion::execution::options::ParquetReadOptions;
use datafusion::prelude::{SessionConfig, SessionContext};

use crate::error::Result;
use crate::udf;

/// A Parquet file to expose as a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSource {
    /// The table name in SQL.
    pub name: String,
    /// The Parquet file.
    pub path: PathBuf,
}

/// A query session with Procura's tables and functions.
pub struct Engine {
    context: SessionContext,
}

impl Engine {
    /// A session with the given tables registered; `today` bounds ID birth dates in the
    /// functions.
    pub async fn new(tables: &[TableSource], today: NaiveDate) -> Result<Engine> {
        let config = SessionConfig::new()
            .with_information_schema(true)
            .with_target_partitions(std::thread::available_parallelism().map_or(2, |n| n.get()));
        let context = SessionContext::new_with_config(config);
        for function in udf::all(today) {
            context.register_udf(function);
        }
        for table in tables {
            context
                .register_parquet(
                    TableReference::bare(table.name.clone()),
                    table.path.to_string_lossy(),
                    ParquetReadOptions::default(),
                )
                .await?;
        }
        Ok(Engine { context })
    }

    /// Runs one SQL statement and hands its result to `visit` batch by batch (constant memory).
    pub async fn for_each_batch<E: From<crate::Error>>(
        &self,
        sql: &str,
        mut visit: impl FnMut(&RecordBatch) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        use futures::StreamExt;
        let frame = self.context.sql(sql).await.map_err(crate::Error::from)?;
        let mut stream = frame.execute_stream().await.map_err(crate::Error::from)?;
        while let Some(batch) = stream.next().await {
            visit(&batch.map_err(crate::Error::from)?)?;
        }
        Ok(())
    }

    /// Runs one SQL statement and collects its result.
    pub async fn sql(&self, sql: &str) -> Result<Vec<RecordBatch>> {
        let frame = self.context.sql(sql).await?;
        Ok(frame.collect().await?)
    }
}
