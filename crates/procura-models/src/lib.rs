//! procura-models: the query engine side of Procura. It owns the DataFusion session (with
//! Procura's Chinese-data functions registered), runs ad-hoc SQL over dataset versions, and
//! compiles supervision models into plans.
//!
//! **Architecture Invariant:** this is the only crate that builds DataFusion plans. Inputs
//! are registered as Parquet files by path, never as in-memory tables, so that the same plans
//! can later run on a Ballista cluster (which cannot serialise in-memory tables).

pub mod engine;
mod error;

pub use engine::{Engine, TableSource};
pub use error::{Error, Result};

/// Arrow, as this crate uses it, for callers that receive record batches.
pub use datafusion::arrow;
