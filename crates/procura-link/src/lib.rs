//! procura-link: which records of which agencies are the same person. A deterministic layer
//! (the same valid ID is the same person; declared fields that contradict the ID are findings)
//! and a probabilistic layer (Fellegi–Sunter, as Splink does it, with PRC-aware comparisons:
//! traditional characters, homophones, look-alike characters, a dropped or swapped character,
//! middle-dot variants, swapped day and month, damaged IDs). Parameters are trained without
//! labels; the persons with a valid ID that a record resembles compete for it (a record is one
//! person at most); entities get stable keys; every pair can be explained term by term; a
//! person's confirmation or rejection of a pair overrides the model.
//!
//! **Architecture Invariant:** no IO and no query engine: records come in, assignments and
//! scored pairs go out. Reading datasets and storing results is the app's job.

pub mod blocking;
pub mod cluster;
pub mod compare;
pub mod org;
pub mod record;
pub mod score;
pub mod train;

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::blocking::{BlockingRule, Blocks};
use crate::cluster::{Assignment, Edge, Strength, Veto};
use crate::compare::{Comparison, Pattern};
use crate::record::{Record, Source};
use crate::score::TermFrequencies;
use crate::train::Parameters;

/// The hash map linkage uses: a fast, fixed-seed hasher (SipHash's DoS resistance buys nothing
/// for data the procuratorate loaded itself, and costs a third of the reading time).
pub type Map<K, V> = std::collections::HashMap<K, V, foldhash::fast::FixedState>;

/// A hasher for keys and content hashes (deterministic across runs).
pub fn fast_hasher() -> foldhash::fast::FoldHasher<'static> {
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::default().build_hasher()
}

/// How to link.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Blocking rules, in order.
    pub rules: Vec<BlockingRule>,
    /// Pairs at or above this probability join entities as `probable`.
    pub probable: f64,
    /// Pairs at or above this probability are `strong`.
    pub strong: f64,
    /// Pairs at or above this probability are kept for review and explanation.
    pub keep: f64,
    /// Random pairs for estimating u.
    pub u_samples: usize,
    /// EM iterations per blocking rule.
    pub iterations: usize,
    /// Seed of the random sampling.
    pub seed: u64,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            rules: BlockingRule::DEFAULT.to_vec(),
            probable: 0.9,
            // The lowest threshold at which precision stays >= 0.999 on the independent
            // test population (tests/it/independent.rs: 0.9996 at 0.95, 0.9987 at 0.9).
            strong: 0.95,
            keep: 0.5,
            u_samples: 2_000_000,
            iterations: 25,
            seed: 42,
        }
    }
}

/// The format of [`TrainedModel`] this version writes. 2: the name comparison has ten levels
/// (similar shapes, a dropped character, two characters swapped, and one given-name
/// character different only under the same surname), the ID comparison counts two swapped
/// neighbours as close.
/// 3: the ID comparison has a level for two characters apart (two mistyped copies of one ID);
/// more look-alike characters; m of the name learned from pairs whose IDs are one typing error
/// apart.
pub const MODEL_FORMAT: u32 = 3;

/// A trained model, saved as JSON and reused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainedModel {
    /// Format version.
    pub format: u32,
    /// The blocking rules it was trained with.
    pub rules: Vec<BlockingRule>,
    /// m, u, prior.
    pub parameters: Parameters,
    /// Distinct records it was trained on.
    pub records: usize,
}

impl TrainedModel {
    /// Whether the model was trained with this version's comparisons (same format, one m and
    /// u per level of every comparison). A model saved by an older version is not: its levels
    /// mean something else.
    pub fn is_current(&self) -> bool {
        let shape_ok = |table: &Vec<Vec<f64>>| {
            table.len() == compare::COMPARISONS.len()
                && table
                    .iter()
                    .zip(compare::COMPARISONS)
                    .all(|(levels, c)| levels.len() == c.levels().len())
        };
        self.format == MODEL_FORMAT && shape_ok(&self.parameters.m) && shape_ok(&self.parameters.u)
    }
}

/// A person's decision on a pair of records (by record key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judgement {
    /// One record key.
    pub left: String,
    /// The other.
    pub right: String,
    /// True: the same person; false: not.
    pub same: bool,
}

/// A pair kept after scoring.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoredPair {
    /// Distinct record index.
    pub a: u32,
    /// Distinct record index.
    pub b: u32,
    /// Comparison levels.
    pub pattern: Pattern,
    /// Match weight.
    pub weight: f64,
    /// Match probability.
    pub probability: f64,
    /// A person's decision, when there is one.
    pub judged: Option<bool>,
}

/// Something the deterministic layer noticed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// `same_id_different_name`, `birth_conflict`, `gender_conflict`.
    pub kind: &'static str,
    /// The ID concerned.
    pub id: String,
    /// The rows concerned.
    pub sources: Vec<Source>,
    /// What differs.
    pub detail: String,
}

/// Wall time per stage.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Timings {
    /// Grouping records and counting candidate pairs.
    pub blocking: Duration,
    /// Estimating u and m.
    pub training: Duration,
    /// Comparing and scoring candidate pairs.
    pub scoring: Duration,
    /// Building entities.
    pub clustering: Duration,
}

/// Counts of one linkage.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats {
    /// Input rows.
    pub rows: usize,
    /// Distinct records (identical rows are linked once).
    pub records: usize,
    /// Distinct records with a valid ID.
    pub with_valid_id: usize,
    /// Candidate pairs per rule, counted before comparing.
    pub candidate_pairs: Vec<(BlockingRule, u64)>,
    /// Pairs kept (at or above the keep threshold).
    pub pairs_kept: usize,
    /// Entities.
    pub entities: usize,
    /// Records by strength.
    pub by_strength: Vec<(Strength, usize)>,
    /// Stage times.
    pub timings: Timings,
}

/// The result of a linkage.
#[derive(Debug, Clone)]
pub struct LinkResult {
    /// Distinct records.
    pub records: Vec<Record>,
    /// For each input row, its distinct record.
    pub row_records: Vec<u32>,
    /// For each distinct record, its entity.
    pub assignments: Vec<Assignment>,
    /// Kept pairs.
    pub pairs: Vec<ScoredPair>,
    /// Deterministic findings.
    pub findings: Vec<Finding>,
    /// The model used.
    pub model: TrainedModel,
    /// Counts and times.
    pub stats: Stats,
}

impl LinkResult {
    /// The term-by-term weight of a pair of distinct records.
    pub fn explain(&self, a: u32, b: u32) -> score::Explanation {
        let frequencies = TermFrequencies::build(&self.records);
        let pattern = compare::compare(&self.records[a as usize], &self.records[b as usize]);
        score::explain(
            &self.model.parameters,
            &frequencies,
            &self.records[a as usize],
            &self.records[b as usize],
            pattern,
        )
    }
}

/// What scoring collects per rule: kept pairs, pairs below the keep threshold that count
/// against a link, records with a damaged ID one typing error from a valid ID.
type Folded = (Vec<ScoredPair>, Vec<(u32, u32, f64)>, Vec<u32>);

/// Damaged IDs it takes to estimate [`LinkedShare`] from them.
const TYPED_IDS: usize = 50;

/// The share of records without a valid ID that belong to a person with a valid ID on file,
/// estimated from the records whose ID was typed with an error: the share of them whose ID is
/// one typing error from a valid ID among their candidate pairs. A record whose ID was mistyped
/// was typed by hand like one without an ID; its ID says whom it belongs to without looking
/// at the name or the birth date. Per dataset where it has enough damaged IDs (a register of
/// deaths among pensioners and a hospital's claims differ), else over all datasets.
#[derive(Debug, Clone, Default)]
struct LinkedShare {
    overall: Option<f64>,
    by_dataset: Map<String, f64>,
}

impl LinkedShare {
    fn estimate(records: &[Record], mut typed_linked: Vec<u32>) -> LinkedShare {
        typed_linked.sort_unstable();
        typed_linked.dedup();
        // (damaged, linked) per dataset.
        let mut counts: Map<&str, (usize, usize)> = Map::default();
        for record in records
            .iter()
            .filter(|r| r.id.is_none() && r.id_digits.is_some())
        {
            counts.entry(record.source.dataset.as_str()).or_default().0 += 1;
        }
        for index in &typed_linked {
            counts
                .entry(records[*index as usize].source.dataset.as_str())
                .or_default()
                .1 += 1;
        }
        // Some persons have no other record at all: keep room for "nobody".
        let share = |(damaged, linked): (usize, usize)| {
            (damaged >= TYPED_IDS).then(|| (linked as f64 / damaged as f64).min(0.95))
        };
        let total = counts
            .values()
            .fold((0, 0), |(d, l), (x, y)| (d + x, l + y));
        LinkedShare {
            overall: share(total),
            by_dataset: counts
                .iter()
                .filter_map(|(dataset, c)| Some(((*dataset).to_owned(), share(*c)?)))
                .collect(),
        }
    }

    /// π for a record without any ID (0 when unknown).
    fn of(&self, record: &Record) -> f64 {
        self.by_dataset
            .get(&record.source.dataset)
            .copied()
            .or(self.overall)
            .unwrap_or(0.0)
    }
}

fn distinct(rows: Vec<Record>) -> (Vec<Record>, Vec<u32>) {
    // Callers usually pass distinct records already: check without copying keys first.
    let mut first: Map<&str, u32> = Map::default();
    first.reserve(rows.len());
    let mut row_records = Vec::with_capacity(rows.len());
    let mut unique = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let slot = *first.entry(row.key.as_str()).or_insert(i as u32);
        unique.push(slot == i as u32);
        row_records.push(slot);
    }
    drop(first);
    if unique.iter().all(|u| *u) {
        return (rows, row_records);
    }
    // Renumber: a row's record is the position of its first occurrence among the kept rows.
    let mut position = vec![0u32; rows.len()];
    let mut records = Vec::new();
    for (i, (row, keep)) in rows.into_iter().zip(&unique).enumerate() {
        if *keep {
            position[i] = records.len() as u32;
            records.push(row);
        }
    }
    let row_records = row_records
        .iter()
        .map(|first| position[*first as usize])
        .collect();
    (records, row_records)
}

/// Trains a model on distinct records.
pub fn train(records: &[Record], settings: &Settings) -> TrainedModel {
    let blocks = Blocks::build(records, &settings.rules);
    let u = train::estimate_u(records, settings.u_samples, settings.seed);
    let m = train::estimate_m(records, &blocks, &settings.rules, &u, settings.iterations);
    TrainedModel {
        format: MODEL_FORMAT,
        rules: settings.rules.clone(),
        parameters: Parameters {
            m,
            u,
            prior: train::estimate_prior(records),
            iterations: settings.iterations,
        },
        records: records.len(),
    }
}

/// Links rows: trains (unless `model` is given and [current](TrainedModel::is_current)),
/// scores candidate pairs, clusters.
pub fn link(
    rows: Vec<Record>,
    settings: &Settings,
    model: Option<TrainedModel>,
    judgements: &[Judgement],
) -> LinkResult {
    let total_rows = rows.len();
    let (records, row_records) = distinct(rows);

    let started = Instant::now();
    let blocks = Blocks::build(&records, &settings.rules);
    let counts = blocks.count_pairs(&records);
    let blocking = started.elapsed();

    let started = Instant::now();
    let model = match model.filter(TrainedModel::is_current) {
        Some(model) => model,
        None => {
            let u = train::estimate_u(&records, settings.u_samples, settings.seed);
            let m = train::estimate_m(&records, &blocks, &settings.rules, &u, settings.iterations);
            TrainedModel {
                format: MODEL_FORMAT,
                rules: settings.rules.clone(),
                parameters: Parameters {
                    m,
                    u,
                    prior: train::estimate_prior(&records),
                    iterations: settings.iterations,
                },
                records: records.len(),
            }
        }
    };
    let training = started.elapsed();

    let started = Instant::now();
    let frequencies = TermFrequencies::build(&records);
    let by_key: Map<&str, u32> = records
        .iter()
        .enumerate()
        .map(|(i, r)| (r.key.as_str(), i as u32))
        .collect();
    let decisions: Map<(u32, u32), bool> = judgements
        .iter()
        .filter_map(|j| {
            let (a, b) = (
                *by_key.get(j.left.as_str())?,
                *by_key.get(j.right.as_str())?,
            );
            Some(((a.min(b), a.max(b)), j.same))
        })
        .collect();
    let mut pairs: Vec<ScoredPair> = Vec::new();
    // Pairs below the keep threshold between a record without a valid ID and one with, whose
    // names are still alike: evidence that the record is not that person, which a chain
    // through a third record must not overrule (see `decide`).
    let mut contrary: Vec<(u32, u32, f64)> = Vec::new();
    // Records with a damaged ID one typing error from a valid ID (see `LinkedShare`).
    let mut typed_linked: Vec<u32> = Vec::new();
    for rule_index in 0..settings.rules.len() {
        let (kept, against, typed) = blocks.fold_pairs(
            &records,
            rule_index,
            || (Vec::new(), Vec::new(), Vec::new()),
            |(mut kept, mut against, mut typed): Folded, a, b| {
                let (ra, rb) = (&records[a as usize], &records[b as usize]);
                let pattern = compare::compare(ra, rb);
                if compare::level(pattern, Comparison::Id) == Some(0) {
                    match (ra.id.is_some(), rb.id.is_some()) {
                        (true, false) if rb.id_digits.is_some() => typed.push(b),
                        (false, true) if ra.id_digits.is_some() => typed.push(a),
                        _ => {}
                    }
                }
                let (weight, probability) =
                    score::score(&model.parameters, &frequencies, ra, rb, pattern);
                let judged = decisions.get(&(a.min(b), a.max(b))).copied();
                if probability >= settings.keep || judged.is_some() {
                    kept.push(ScoredPair {
                        a,
                        b,
                        pattern,
                        weight,
                        probability,
                        judged,
                    });
                } else if ra.id.is_some() != rb.id.is_some()
                    && compare::level(pattern, Comparison::Name)
                        .is_some_and(|level| level < compare::name::DIFFERENT)
                {
                    against.push((a, b, weight));
                }
                (kept, against, typed)
            },
            |(mut x, mut p, mut t), (mut y, mut q, mut v)| {
                x.append(&mut y);
                p.append(&mut q);
                t.append(&mut v);
                (x, p, t)
            },
        );
        pairs.extend(kept);
        contrary.extend(against);
        typed_linked.extend(typed);
    }
    let linked = LinkedShare::estimate(&records, typed_linked);
    // Confirmed pairs that no blocking rule produced still count.
    for ((a, b), same) in &decisions {
        if *same
            && !pairs
                .iter()
                .any(|p| (p.a.min(p.b), p.a.max(p.b)) == (*a, *b))
        {
            let pattern = compare::compare(&records[*a as usize], &records[*b as usize]);
            let (weight, probability) = score::score(
                &model.parameters,
                &frequencies,
                &records[*a as usize],
                &records[*b as usize],
                pattern,
            );
            pairs.push(ScoredPair {
                a: *a,
                b: *b,
                pattern,
                weight,
                probability,
                judged: Some(true),
            });
        }
    }
    pairs.sort_by_key(|p| (p.a, p.b));
    let scoring = started.elapsed();

    let started = Instant::now();
    let (edges, vetoes) = decide(
        &records,
        &pairs,
        &contrary,
        &linked,
        model.parameters.prior,
        settings,
    );
    let assignments = cluster::cluster(&records, edges, &vetoes);
    let clustering = started.elapsed();

    let mut by_strength: Map<Strength, usize> = Map::default();
    for assignment in &assignments {
        *by_strength.entry(assignment.strength).or_insert(0) += 1;
    }
    let mut by_strength: Vec<(Strength, usize)> = by_strength.into_iter().collect();
    by_strength.sort();
    let entities = {
        let mut keys: Vec<&str> = assignments.iter().map(|a| a.entity.as_str()).collect();
        keys.sort_unstable();
        keys.dedup();
        keys.len()
    };
    let stats = Stats {
        rows: total_rows,
        records: records.len(),
        with_valid_id: records.iter().filter(|r| r.id.is_some()).count(),
        candidate_pairs: settings.rules.iter().copied().zip(counts).collect(),
        pairs_kept: pairs.len(),
        entities,
        by_strength,
        timings: Timings {
            blocking,
            training,
            scoring,
            clustering,
        },
    };
    let findings = findings(&records);
    LinkResult {
        records,
        row_records,
        assignments,
        pairs,
        findings,
        model,
        stats,
    }
}

/// Turns scored pairs into the edges clustering may take and the vetoes it must respect.
///
/// A record without a valid ID is one person at most, so the persons with a valid ID it
/// resembles compete for it, and so does "nobody on file": its pair with a record of ID `X`
/// counts with probability `o_X / (1 − π + Σ o_Y)`, where `o_Y` are the match odds of its best
/// pair with each valid ID `Y` under the prior π / K of being one given person's, and π the
/// chance that the record belongs to one of the K persons with a valid ID at all
/// ([`LinkedShare`]). Where most records belong to someone on file (death records of
/// pensioners), a record that resembles one person and nobody else is that person more likely
/// than a pair alone says. When π is unknown, or the record has a damaged ID, the odds are the
/// pair's own and "nobody" weighs 1.
/// A record that matches one twin well and the other a little still joins the first; one that
/// matches two namesakes equally joins neither. When even its best pair with an ID's records
/// ends below the probable threshold, or a person rejected a pair, that is a veto: the record
/// may not reach that ID's entity through a third record either.
fn decide(
    records: &[Record],
    pairs: &[ScoredPair],
    contrary: &[(u32, u32, f64)],
    linked: &LinkedShare,
    prior: f64,
    settings: &Settings,
) -> (Vec<Edge>, Vec<Veto>) {
    // Prior odds: "nobody" against each person with a valid ID. The pair weights carry the
    // pairwise prior λ; a record's own prior of being a given person's is π / K (K persons with
    // a valid ID), so each pair's odds are scaled by (π / K) / (λ / (1 − λ)). A record with a
    // damaged ID says itself whether it is somebody's (π was learned from such records by
    // their IDs, and their ID comparison carries it): pairwise prior and 1 for nobody.
    let persons = {
        let mut ids: Vec<&str> = records.iter().filter_map(|r| r.id.as_deref()).collect();
        ids.sort_unstable();
        ids.dedup();
        ids.len().max(1) as f64
    };
    let prior_odds = prior / (1.0 - prior);
    let priors = |record: u32| {
        let record = &records[record as usize];
        let share = linked.of(record);
        if record.id_digits.is_some() || share <= 0.0 {
            (1.0, 1.0)
        } else {
            (1.0 - share, share / persons / prior_odds)
        }
    };
    let valid = |index: u32| records[index as usize].id.as_deref();
    let anchored = |pair: &ScoredPair| match (valid(pair.a), valid(pair.b)) {
        (None, Some(id)) => Some((pair.a, pair.b, id)),
        (Some(id), None) => Some((pair.b, pair.a, id)),
        _ => None,
    };
    // Per record without a valid ID: the best odds with each valid ID it was scored against,
    // and the record of that ID the odds are with.
    let mut best: Map<u32, Vec<(&str, f64, u32)>> = Map::default();
    let unjudged = pairs
        .iter()
        .filter(|p| p.judged.is_none())
        .filter_map(|p| anchored(p).map(|(loose, with, id)| (loose, with, id, p.weight)));
    let below = contrary
        .iter()
        .filter_map(|(a, b, weight)| match (valid(*a), valid(*b)) {
            (None, Some(id)) => Some((*a, *b, id, *weight)),
            (Some(id), None) => Some((*b, *a, id, *weight)),
            _ => None,
        });
    for (loose, with, id, weight) in unjudged.chain(below) {
        let odds = weight.exp2();
        let list = best.entry(loose).or_default();
        match list.iter_mut().find(|(other, _, _)| *other == id) {
            Some(slot) if slot.1 < odds => *slot = (id, odds, with),
            Some(_) => {}
            None => list.push((id, odds, with)),
        }
    }
    let strength = |probability: f64| {
        if probability >= settings.strong {
            Some(Strength::Strong)
        } else if probability >= settings.probable {
            Some(Strength::Probable)
        } else {
            None
        }
    };
    // What a person confirmed is never vetoed by the model.
    let confirmed: Vec<(u32, &str)> = pairs
        .iter()
        .filter(|p| p.judged == Some(true))
        .filter_map(|p| anchored(p).map(|(loose, _, id)| (loose, id)))
        .collect();
    let mut edges = Vec::new();
    let mut vetoes = Vec::new();
    let mut keys: Vec<&u32> = best.keys().collect();
    keys.sort_unstable();
    for record in keys {
        let list = &best[record];
        let (nobody, scale) = priors(*record);
        let competing: f64 = list.iter().map(|(_, odds, _)| odds * scale).sum();
        for (id, odds, with) in list {
            let probability = if odds.is_infinite() {
                1.0
            } else {
                odds * scale / (nobody + competing)
            };
            match strength(probability) {
                Some(strength) => edges.push(Edge {
                    a: *record,
                    b: *with,
                    probability,
                    strength,
                }),
                None if confirmed.contains(&(*record, *id)) => {}
                None => vetoes.push(Veto {
                    record: *record,
                    with: *with,
                }),
            }
        }
    }
    for pair in pairs {
        match (pair.judged, anchored(pair)) {
            (Some(true), _) => edges.push(Edge {
                a: pair.a,
                b: pair.b,
                probability: 1.0,
                strength: Strength::Confirmed,
            }),
            (Some(false), Some((record, with, _))) => vetoes.push(Veto { record, with }),
            // Pairs with a valid ID were decided above, by their ID's best pair.
            (Some(false), None) | (None, Some(_)) => {}
            (None, None) => {
                if let Some(strength) = strength(pair.probability) {
                    edges.push(Edge {
                        a: pair.a,
                        b: pair.b,
                        probability: pair.probability,
                        strength,
                    });
                }
            }
        }
    }
    (edges, vetoes)
}

/// Deterministic findings: one ID with names that are not variants of each other, declared
/// birth dates or genders that contradict the ID.
fn findings(records: &[Record]) -> Vec<Finding> {
    let mut found = Vec::new();
    let mut by_id: Map<&str, Vec<&Record>> = Map::default();
    for record in records {
        if let Some(id) = record.id.as_deref() {
            by_id.entry(id).or_default().push(record);
        }
        if let Some(id) = record.id.as_deref() {
            if record.birth_conflict {
                found.push(Finding {
                    kind: "birth_conflict",
                    id: id.to_owned(),
                    sources: vec![record.source.clone()],
                    detail: format!(
                        "出生日期与身份证号不符 declared birth date {:?} contradicts the ID",
                        record.birth
                    ),
                });
            }
            if record.gender_conflict {
                found.push(Finding {
                    kind: "gender_conflict",
                    id: id.to_owned(),
                    sources: vec![record.source.clone()],
                    detail: "性别与身份证号不符 declared gender contradicts the ID".into(),
                });
            }
        }
    }
    let mut ids: Vec<&&str> = by_id.keys().collect();
    ids.sort();
    for id in ids {
        let group = &by_id[*id];
        let mut pinyins: Vec<&str> = group.iter().filter_map(|r| r.pinyin.as_deref()).collect();
        pinyins.sort_unstable();
        pinyins.dedup();
        if pinyins.len() > 1 {
            let mut names: Vec<&str> = group.iter().filter_map(|r| r.name.as_deref()).collect();
            names.sort_unstable();
            names.dedup();
            found.push(Finding {
                kind: "same_id_different_name",
                id: (*id).to_owned(),
                sources: group.iter().map(|r| r.source.clone()).collect(),
                detail: format!(
                    "同一身份证号不同姓名 one ID, several names: {}",
                    names.join("、")
                ),
            });
        }
    }
    found
}
