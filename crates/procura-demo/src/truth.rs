//! The ground truth: for every model, the keys of the clues it must find (positives) and of
//! look-alikes it must not report (near-misses). Keys are canonical so that a model's output
//! can be compared by plain string equality.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// What every model must and must not find in one demo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroundTruth {
    /// The "today" the models are run with.
    pub as_of: NaiveDate,
    /// Keyed by model code (`M01`, `M03`, …).
    pub models: BTreeMap<String, ModelTruth>,
}

/// One model's planted cases.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelTruth {
    /// The output columns that identify a clue, e.g. `["person_id"]` or `["case_no"]`.
    pub key_fields: Vec<String>,
    /// Cases the model must report.
    pub positives: Vec<TruthCase>,
    /// Cases that look similar but must not be reported.
    pub near_misses: Vec<TruthCase>,
}

/// One planted case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TruthCase {
    /// Canonical values of the model's key fields, in order.
    pub key: Vec<String>,
    /// True when exact joins on canonical identifiers find the case; false when one involved
    /// row has a missing or mistyped identifier, so only record linkage can find it.
    pub exact: bool,
    /// What was planted, in words a procurator would use; for a linkage case also what was
    /// damaged (`身份证号缺失，姓名误写为同音字“王玮”`).
    pub note: String,
}

/// The models the demo plants cases for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Model {
    M01,
    M03,
    M05,
    M06,
    M07,
    M10,
    M11,
    M13,
    M14,
    M20,
    M27,
    M30,
    M35,
    M36,
}

impl Model {
    pub(crate) const ALL: [Model; 14] = [
        Model::M01,
        Model::M03,
        Model::M05,
        Model::M06,
        Model::M07,
        Model::M10,
        Model::M11,
        Model::M13,
        Model::M14,
        Model::M20,
        Model::M27,
        Model::M30,
        Model::M35,
        Model::M36,
    ];

    pub(crate) fn code(self) -> &'static str {
        match self {
            Model::M01 => "M01",
            Model::M03 => "M03",
            Model::M05 => "M05",
            Model::M06 => "M06",
            Model::M07 => "M07",
            Model::M10 => "M10",
            Model::M11 => "M11",
            Model::M13 => "M13",
            Model::M14 => "M14",
            Model::M20 => "M20",
            Model::M27 => "M27",
            Model::M30 => "M30",
            Model::M35 => "M35",
            Model::M36 => "M36",
        }
    }

    fn key_field(self) -> &'static str {
        match self {
            Model::M06 | Model::M10 | Model::M14 => "case_no",
            Model::M20 => "plaintiff_id",
            Model::M30 | Model::M36 => "org_id",
            Model::M01
            | Model::M03
            | Model::M05
            | Model::M07
            | Model::M11
            | Model::M13
            | Model::M27
            | Model::M35 => "person_id",
        }
    }
}

/// Collects planted cases while the generators run.
pub(crate) struct TruthBuilder {
    models: BTreeMap<Model, ModelTruth>,
}

impl TruthBuilder {
    pub(crate) fn new() -> TruthBuilder {
        let models = Model::ALL
            .into_iter()
            .map(|model| {
                let truth = ModelTruth {
                    key_fields: vec![model.key_field().to_owned()],
                    positives: Vec::new(),
                    near_misses: Vec::new(),
                };
                (model, truth)
            })
            .collect();
        TruthBuilder { models }
    }

    /// Records a case the model must find; `exact` is false when linkage is needed.
    pub(crate) fn positive(&mut self, model: Model, key: &str, exact: bool, note: String) {
        if let Some(truth) = self.models.get_mut(&model) {
            truth.positives.push(TruthCase {
                key: vec![key.to_owned()],
                exact,
                note,
            });
        }
    }

    /// Records a look-alike the model must not report.
    pub(crate) fn near_miss(&mut self, model: Model, key: &str, note: String) {
        if let Some(truth) = self.models.get_mut(&model) {
            truth.near_misses.push(TruthCase {
                key: vec![key.to_owned()],
                exact: true,
                note,
            });
        }
    }

    pub(crate) fn finish(self, as_of: NaiveDate) -> GroundTruth {
        GroundTruth {
            as_of,
            models: self
                .models
                .into_iter()
                .map(|(model, truth)| (model.code().to_owned(), truth))
                .collect(),
        }
    }
}
