//! procura-demo: a seeded synthetic county and the messy exports its agencies would hand a
//! procuratorate, with planted clues, planted near-misses and the ground truth that says which
//! is which.
//!
//! [`generate`] draws a population (valid ID numbers, realistic names, companies with valid
//! USCCs), lets each domain generator plant the cases of its models next to ordinary
//! background data, and streams 23 datasets in the layouts agencies really use (GBK CSV with
//! title rows, xlsx with merged titles and Excel dates, NDJSON, JSON). The noise ingest must
//! undo (15-digit IDs, full-width digits, mixed date spellings, …) is applied when a value is
//! written and never to the truth, whose keys are canonical.
//!
//! Some positives (about one in six; none for M10 and M14) are linkage cases: one row of the
//! case has an unusable identifier, so exact joins miss it. Such a row still declares the
//! person's birth date and gender and writes the name as is, in traditional characters, with a
//! homophone or with its middle dot respelled; the person is the only resident with that name
//! pinyin and birth date, and has other rows with a valid ID to be linked by. A company's row
//! keeps the company's exact name. The truth notes say what was damaged.
//!
//! [`linkage_data`] writes a separate, labelled population for the linkage benchmark.
//!
//! **Architecture Invariant:** the output is a pure function of `(persons, seed)`: one ChaCha
//! stream per generator, no hash-map iteration in output order, no clock. The reference date
//! is fixed ([`AS_OF`]).
//!
//! **Architecture Invariant:** background data never satisfies a model's rule. Each generator
//! owns every dataset its models read, and persons that play a part in one model's data are
//! not reused for another part (see `plan`), so the truth of one model cannot be disturbed by
//! another generator.

mod calendar;
mod civil;
mod correction;
mod courts;
mod datasets;
mod enterprise;
mod error;
mod medical;
mod noise;
mod plan;
mod police;
mod population;
mod social;
mod truth;
mod write;

pub mod bench_data;
pub mod linkage_data;

#[cfg(test)]
mod verify;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub use error::Error;
pub use truth::{GroundTruth, ModelTruth, TruthCase};

use crate::plan::{Ctx, MIN_PERSONS, stream_rng};
use crate::population::Population;
use crate::write::RecordedTable;

/// The reference date ("today") of every demo: 2025-06-30.
pub const AS_OF: NaiveDate = calendar::AS_OF;

/// The population size of the standard demo.
pub const DEFAULT_PERSONS: usize = 2_000;

/// The manifest file in the output directory: the list of datasets.
pub const MANIFEST_FILE: &str = "manifest.json";

/// The ground-truth file in the output directory.
pub const TRUTH_FILE: &str = "ground_truth.json";

/// What to generate and where.
#[derive(Debug, Clone)]
pub struct DemoConfig {
    /// Population size, at least 500.
    pub persons: usize,
    pub seed: u64,
    /// Output directory; must be empty or absent.
    pub out: PathBuf,
}

/// What [`generate`] wrote.
#[derive(Debug, Clone)]
pub struct DemoOutput {
    pub as_of: NaiveDate,
    pub datasets: Vec<DemoDataset>,
    pub truth: GroundTruth,
    /// Data rows over all datasets (title and header rows not counted).
    pub rows_written: u64,
}

/// One dataset of the demo, as listed in the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoDataset {
    /// The catalog dataset name, e.g. `deaths`.
    pub name: String,
    /// File or folder relative to the output directory, `/`-separated.
    pub path: String,
    /// The sheet to read for workbooks; `Some("*")` would mean all sheets.
    pub sheet: Option<String>,
    /// Data rows written.
    pub rows: u64,
    pub description_zh: String,
}

/// Generates the demo into `config.out`, reporting each step to `progress`.
pub fn generate(config: &DemoConfig, progress: &dyn Fn(&str)) -> Result<DemoOutput, Error> {
    run(config, progress, false).map(|run| run.output)
}

/// Reads `OUT/ground_truth.json`.
pub fn read_truth(out: &Path) -> Result<GroundTruth, Error> {
    let path = out.join(TRUTH_FILE);
    let bytes = fs::read(&path).map_err(Error::io(&path))?;
    serde_json::from_slice(&bytes).map_err(Error::json(&path))
}

/// A finished run and, when asked for, every row written (the tests recompute the models
/// from them).
pub(crate) struct Run {
    pub(crate) output: DemoOutput,
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) recorded: BTreeMap<&'static str, RecordedTable>,
    /// The rows behind the planted linkage cases.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) linkage: Vec<plan::LinkageRow>,
    /// Everyone the data was drawn from.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) population: Population,
}

pub(crate) fn run(
    config: &DemoConfig,
    progress: &dyn Fn(&str),
    record: bool,
) -> Result<Run, Error> {
    if config.persons < MIN_PERSONS {
        return Err(Error::TooFewPersons {
            persons: config.persons,
            min: MIN_PERSONS,
        });
    }
    prepare_output(&config.out)?;
    progress(&format!("生成人口：{} 人", config.persons));
    let population =
        Population::generate(config.persons, &mut stream_rng(config.seed, "population"));
    let mut ctx = Ctx::new(&population, config.seed, &config.out, record, progress);
    social::generate(&mut ctx)?;
    correction::generate(&mut ctx)?;
    courts::generate(&mut ctx)?;
    police::generate(&mut ctx)?;
    civil::generate(&mut ctx)?;
    enterprise::generate_subsidies(&mut ctx)?;
    medical::generate(&mut ctx)?;
    enterprise::generate_waste_oil(&mut ctx)?;

    let Ctx {
        truth,
        datasets,
        recorded,
        linkage,
        ..
    } = ctx;
    let truth = truth.finish(AS_OF);
    write_json(&config.out.join(MANIFEST_FILE), &datasets)?;
    write_json(&config.out.join(TRUTH_FILE), &truth)?;
    let rows_written = datasets.iter().map(|d| d.rows).sum();
    Ok(Run {
        output: DemoOutput {
            as_of: AS_OF,
            datasets,
            truth,
            rows_written,
        },
        recorded,
        linkage,
        population,
    })
}

fn prepare_output(out: &Path) -> Result<(), Error> {
    match fs::read_dir(out) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(Error::OutputNotEmpty {
                    path: out.to_path_buf(),
                });
            }
            Ok(())
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            fs::create_dir_all(out).map_err(Error::io(out))
        }
        Err(error) => Err(Error::Io {
            path: out.to_path_buf(),
            source: error,
        }),
    }
}

fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), Error> {
    let mut bytes = serde_json::to_vec_pretty(value).map_err(Error::json(path))?;
    bytes.push(b'\n');
    fs::write(path, bytes).map_err(Error::io(path))
}
