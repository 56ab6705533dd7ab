//! procura-models: supervision models. A model is a TOML manifest ([`manifest`]); its rule is a
//! collision primitive (P1 status conflict, P2 missing follow-up, P3 interval overlap,
//! P4 repetition, P5 ratio, P6 same day) or SQL; [`compile`] turns it into one DataFusion query
//! over Parquet files, [`run`] executes it into clue hits with evidence, [`testing`] runs its
//! fixture tests. [`udf`] adds Procura's Chinese-data functions to SQL, and [`engine`] runs
//! ad-hoc SQL.
//!
//! **Architecture Invariant:** this is the only crate that builds DataFusion plans. Inputs
//! are registered as Parquet files by path, never as in-memory tables, so that the same plans
//! can later run on a Ballista cluster (which cannot serialise in-memory tables).
//!
//! **Architecture Invariant:** nothing here touches the metadata store: a run returns hits;
//! turning them into clues (fingerprints, last seen, gone) is the app's transaction.

pub mod binding;
pub mod builtin;
pub mod compile;
pub mod derive;
pub mod engine;
mod error;
pub mod explain;
pub mod manifest;
pub mod run;
pub mod testing;
pub mod udf;

pub use engine::{Engine, TableSource};
pub use error::{Error, Result};
pub use manifest::Model;

/// Arrow, as this crate uses it, for callers that receive record batches.
pub use datafusion::arrow;
/// Parquet, as this crate uses it, for callers that write derived datasets.
pub use datafusion::parquet;
