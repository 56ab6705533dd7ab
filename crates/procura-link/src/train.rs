//! Estimating the Fellegi–Sunter parameters without labels: u (the chance of each level for
//! two records of different people) from random pairs, m (for the same person) from the
//! labels the data gives for free where they fit (pairs that share a valid ID for birth date,
//! gender and region; pairs whose IDs are one typing error apart for the name), else by
//! expectation–maximisation over the candidate pairs of each blocking rule, starting from the
//! pairs that share a valid ID (see [`estimate_m`] and `em_session`). A rule's own comparisons
//! are not trained in its session (blocking fixed their level); sessions are pooled by the
//! matches each found.

use crate::Map;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::blocking::{BlockingRule, Blocks};
use crate::compare::{self, COMPARISONS, Comparison, NULL, Pattern};
use crate::record::Record;

/// Smallest probability any level gets (keeps log weights finite).
const FLOOR: f64 = 1e-7;
/// Weight, in pseudo-pairs, of the starting m in every EM update.
const PRIOR_PAIRS: f64 = 200.0;

/// Pairs whose IDs are one typing error apart that it takes to learn the name's m from them
/// (see [`estimate_m`]).
const TYPED_PAIRS: f64 = 100.0;

/// The trained parameters: per comparison and level, m and u; and the prior.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Parameters {
    /// m[comparison][level].
    pub m: Vec<Vec<f64>>,
    /// u[comparison][level].
    pub u: Vec<Vec<f64>>,
    /// Probability that two random records are the same person.
    pub prior: f64,
    /// EM iterations run per session.
    pub iterations: usize,
}

impl Parameters {
    /// m and u of a level.
    pub fn mu(&self, comparison: Comparison, level: u8) -> (f64, f64) {
        let i = comparison.index();
        let l = level as usize;
        (self.m[i][l], self.u[i][l])
    }
}

fn empty_table() -> Vec<Vec<f64>> {
    COMPARISONS
        .iter()
        .map(|c| vec![0.0; c.levels().len()])
        .collect()
}

fn normalise(counts: &[Vec<f64>]) -> Vec<Vec<f64>> {
    counts
        .iter()
        .map(|levels| {
            let total: f64 = levels.iter().sum();
            levels
                .iter()
                .map(|c| {
                    if total > 0.0 {
                        (c / total).max(FLOOR)
                    } else {
                        1.0 / levels.len() as f64
                    }
                })
                .collect()
        })
        .collect()
}

fn add_pattern(table: &mut [Vec<f64>], pattern: Pattern, weight: f64) {
    for comparison in COMPARISONS {
        if let Some(level) = compare::level(pattern, comparison) {
            table[comparison.index()][level as usize] += weight;
        }
    }
}

/// u from `samples` random pairs of records that do not share a valid ID (seeded, so training
/// is reproducible).
pub fn estimate_u(records: &[Record], samples: usize, seed: u64) -> Vec<Vec<f64>> {
    use rayon::prelude::*;
    let n = records.len();
    if n < 2 {
        return normalise(&empty_table());
    }
    // More samples than there are distinct pairs adds nothing.
    let samples = samples.min(n.saturating_mul(n - 1) / 2);
    let chunks = 64usize;
    let per_chunk = samples.div_ceil(chunks);
    let counts = (0..chunks)
        .into_par_iter()
        .map(|chunk| {
            let mut rng = ChaCha8Rng::seed_from_u64(
                seed ^ (chunk as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
            );
            let mut table = empty_table();
            for _ in 0..per_chunk {
                let a = rng.random_range(0..n);
                let mut b = rng.random_range(0..n - 1);
                if b >= a {
                    b += 1;
                }
                // u is for two different persons. Pairs that share a valid ID are the same
                // person: counting them would inflate u wherever persons have many records
                // (a pension paid monthly, a person in five datasets).
                if records[a].compact.same_valid_id(&records[b].compact) {
                    continue;
                }
                add_pattern(&mut table, compare::compare(&records[a], &records[b]), 1.0);
            }
            table
        })
        .reduce(empty_table, |mut x, y| {
            for (row, other) in x.iter_mut().zip(y) {
                for (cell, value) in row.iter_mut().zip(other) {
                    *cell += value;
                }
            }
            x
        });
    normalise(&counts)
}

/// m from pairs of records that share a valid ID (a labelled sample the data gives for free),
/// or a neutral start when there are none; with, per comparison, how many labelled pairs
/// informed it (0 for the ID comparison, which such pairs cannot inform).
pub fn initial_m(records: &[Record]) -> (Vec<Vec<f64>>, Vec<f64>) {
    let mut by_id: Map<&str, Vec<usize>> = Map::default();
    for (index, record) in records.iter().enumerate() {
        if let Some(id) = record.id.as_deref() {
            by_id.entry(id).or_default().push(index);
        }
    }
    // Two rows of one dataset with one ID are mostly one register's copies (a monthly pension
    // row, the roll's old 15-digit entry); how two agencies write one person is what linkage
    // faces. Pairs across datasets, then, unless there are too few of them (one dataset).
    let sample = |across: bool| {
        let mut table = empty_table();
        let mut pairs = 0usize;
        for group in by_id.values() {
            for (i, a) in group.iter().enumerate().take(20) {
                for b in group.iter().skip(i + 1).take(20) {
                    if across && records[*a].source.dataset == records[*b].source.dataset {
                        continue;
                    }
                    // The ID comparison is 0 by construction here; its m comes from EM.
                    let pattern = compare::compare(&records[*a], &records[*b])
                        | (u32::from(NULL) << (Comparison::Id.index() * 4));
                    add_pattern(&mut table, pattern, 1.0);
                    pairs += 1;
                }
            }
        }
        (table, pairs)
    };
    let (mut table, mut pairs) = sample(true);
    if (pairs as f64) < PRIOR_PAIRS {
        (table, pairs) = sample(false);
    }
    let labelled: Vec<f64> = table
        .iter()
        .enumerate()
        .map(|(i, levels)| {
            if i == Comparison::Id.index() {
                0.0
            } else {
                levels.iter().sum()
            }
        })
        .collect();
    if pairs < 50 {
        let neutral = COMPARISONS
            .iter()
            .map(|c| {
                let levels = c.levels().len();
                (0..levels)
                    .map(|l| {
                        if l == 0 {
                            0.8
                        } else {
                            0.2 / (levels - 1) as f64
                        }
                    })
                    .collect()
            })
            .collect();
        return (neutral, vec![0.0; COMPARISONS.len()]);
    }
    // Half a pseudo-count per level: a level never seen among ID-linked pairs (a typo in a
    // birth date, say) is rare, not impossible.
    for levels in &mut table {
        for count in levels.iter_mut() {
            *count += 0.5;
        }
    }
    let mut m = normalise(&table);
    // Nothing in ID-linked pairs says how often a damaged ID is one character off; start it
    // high and let EM decide.
    m[Comparison::Id.index()] = vec![0.8, 0.1, 0.1];
    (m, labelled)
}

/// Candidate-pair patterns of one rule, counted.
pub fn pattern_counts(records: &[Record], blocks: &Blocks, rule_index: usize) -> Map<Pattern, u64> {
    blocks.fold_pairs(
        records,
        rule_index,
        Map::default,
        |mut counts: Map<Pattern, u64>, a, b| {
            *counts
                .entry(compare::compare(&records[a as usize], &records[b as usize]))
                .or_insert(0) += 1;
            counts
        },
        |mut x, y| {
            for (pattern, count) in y {
                *x.entry(pattern).or_insert(0) += count;
            }
            x
        },
    )
}

/// How strongly the starting m holds a comparison in EM: names lightly (see `em_session`),
/// the others by the labelled pairs that share a valid ID.
fn anchor(comparison: Comparison, labelled: &[f64]) -> f64 {
    if comparison == Comparison::Name {
        PRIOR_PAIRS
    } else {
        labelled[comparison.index()].max(PRIOR_PAIRS)
    }
}

/// One EM session over a rule's pattern counts: the expected number of matched pairs at each
/// level of the comparisons it trained (the evidence behind its m, for pooling sessions).
fn em_session(
    counts: &Map<Pattern, u64>,
    fixed: &[Comparison],
    start_m: &[Vec<f64>],
    labelled: &[f64],
    u: &[Vec<f64>],
    iterations: usize,
) -> Vec<Vec<f64>> {
    let active: Vec<Comparison> = COMPARISONS
        .iter()
        .copied()
        .filter(|c| !fixed.contains(c))
        .collect();
    let mut m = start_m.to_vec();
    let mut expected = empty_table();
    let mut lambda: f64 = 0.1;
    let total: f64 = counts.values().map(|c| *c as f64).sum();
    if total == 0.0 {
        return expected;
    }
    for _ in 0..iterations {
        expected = empty_table();
        let mut matched = 0.0;
        for (pattern, count) in counts {
            let mut pm = lambda;
            let mut pu = 1.0 - lambda;
            for comparison in &active {
                if let Some(level) = compare::level(*pattern, *comparison) {
                    pm *= m[comparison.index()][level as usize];
                    pu *= u[comparison.index()][level as usize];
                }
            }
            let posterior = if pm + pu > 0.0 { pm / (pm + pu) } else { 0.0 };
            let weight = posterior * *count as f64;
            matched += weight;
            for comparison in &active {
                if let Some(level) = compare::level(*pattern, *comparison) {
                    expected[comparison.index()][level as usize] += weight;
                }
            }
        }
        lambda = (matched / total).clamp(1e-6, 1.0 - 1e-6);
        // Semi-supervised: the pairs that share a valid ID are labelled matches and count as
        // what they are (at least PRIOR_PAIRS pseudo-pairs); EM adds the evidence of the pairs
        // without IDs. Without the anchor, EM over millions of candidate pairs can settle on a
        // split that is not "same person" (seen at 1M records: m(birth date exact) → 0.007).
        //
        // Names are the exception (a weak anchor, PRIOR_PAIRS). Records that share a valid ID
        // mostly took the name from the same register (an ID card read, a monthly pension
        // row), so their names rarely differ; the records that need linkage were typed by
        // hand. Anchored on the ID pairs, m of every name variant stays near zero (m(homophone)
        // 0.02 on the data of tests/it/independent.rs, where only hand-typed records carry
        // name noise), and a one-character homophone with an exact birth date falls below the
        // thresholds. (EM's m of the name is the fallback only: see `estimate_m`.)
        for comparison in &active {
            let i = comparison.index();
            let anchor = anchor(*comparison, labelled);
            let observed: f64 = expected[i].iter().sum();
            let denominator = observed + anchor;
            m[i] = expected[i]
                .iter()
                .zip(&start_m[i])
                .map(|(e, prior)| ((e + anchor * prior) / denominator).max(FLOOR))
                .collect();
        }
    }
    for comparison in fixed {
        expected[comparison.index()].fill(0.0);
    }
    expected
}

/// Trains m over every rule's candidate pairs. Each comparison's m comes from the best-labelled
/// pairs there are for it:
///
/// * **Name**: pairs whose IDs are one typing error apart (a digit, two neighbours, a dropped
///   check character), from the rules that do not block on the name. A record whose ID was
///   mistyped was typed by hand, like the records without an ID that linkage is for, and its
///   ID says whose it is without looking at the name. Pairs that share a valid ID cannot say
///   this: their names were mostly copied from one register and rarely differ (m(homophone)
///   came out 0.02 on the data of tests/it/independent.rs, where one hand-typed name in five
///   is a homophone). Nor can EM alone: twins and near-namesakes born the same day look to it
///   like a person with a one-character typo. EM decides only when fewer than
///   [`TYPED_PAIRS`] such pairs exist.
/// * **Birth date, gender, region, address, phone**: the pairs that share a valid ID, when
///   there are at least `PRIOR_PAIRS` of them. They are matches; EM's pairs are guesses, and EM
///   cannot tell a person whose county or birth date differs from a near-namesake born the
///   same day in the next county: it counts the latter as half a match, m of "another county"
///   grows, and near-namesakes link.
/// * **ID** (and the others when labelled pairs are few): EM, pooled over the sessions that
///   trained it by the matches each found (their expected counts are added, then anchored
///   once), not by a plain mean of the sessions' m as Splink does: a rule whose few candidate
///   pairs hold fifty matches must not weigh as much as one with five thousand.
pub fn estimate_m(
    records: &[Record],
    blocks: &Blocks,
    rules: &[BlockingRule],
    u: &[Vec<f64>],
    iterations: usize,
) -> Vec<Vec<f64>> {
    let (start, labelled) = initial_m(records);
    let mut pooled = empty_table();
    let mut trained = vec![false; COMPARISONS.len()];
    // Names of pairs whose IDs are one typing error apart (a digit, two neighbours, the check
    // character), from rules that do not block on the name.
    let mut typed = vec![0.0; Comparison::Name.levels().len()];
    // IDs of pairs that agree on everything else (see `alike_but_id`).
    let mut alike = vec![0.0; Comparison::Id.levels().len()];
    for (rule_index, rule) in rules.iter().enumerate() {
        let counts = pattern_counts(records, blocks, rule_index);
        if counts.is_empty() {
            continue;
        }
        for (pattern, count) in &counts {
            if let Some(level) = alike_but_id(*pattern) {
                alike[level as usize] += *count as f64;
            }
        }
        if !rule.blocks_on_name() {
            for (pattern, count) in &counts {
                if compare::level(*pattern, Comparison::Id) == Some(0)
                    && let Some(level) = compare::level(*pattern, Comparison::Name)
                {
                    typed[level as usize] += *count as f64;
                }
            }
        }
        let expected = em_session(
            &counts,
            rule.comparisons(),
            &start,
            &labelled,
            u,
            iterations,
        );
        for comparison in COMPARISONS {
            if rule.comparisons().contains(&comparison) {
                continue;
            }
            let i = comparison.index();
            for (sum, value) in pooled[i].iter_mut().zip(&expected[i]) {
                *sum += value;
            }
            trained[i] = true;
        }
    }
    COMPARISONS
        .iter()
        .map(|c| {
            let i = c.index();
            if !trained[i] || (*c != Comparison::Name && labelled[i] >= PRIOR_PAIRS) {
                return start[i].clone();
            }
            let labels = match c {
                Comparison::Name => Some(&typed),
                Comparison::Id => Some(&alike),
                _ => None,
            };
            if let Some(labels) = labels
                && labels.iter().sum::<f64>() >= TYPED_PAIRS
            {
                // Half a pseudo-count per level, as for the pairs that share a valid ID.
                let denominator = labels.iter().sum::<f64>() + 0.5 * labels.len() as f64;
                return labels
                    .iter()
                    .map(|count| ((count + 0.5) / denominator).max(FLOOR))
                    .collect();
            }
            let anchor = anchor(*c, &labelled);
            let denominator = pooled[i].iter().sum::<f64>() + anchor;
            pooled[i]
                .iter()
                .zip(&start[i])
                .map(|(e, prior)| ((e + anchor * prior) / denominator).max(FLOOR))
                .collect()
        })
        .collect()
}

/// The ID level of a pair that agrees on everything but the ID: the same name (up to
/// traditional characters and dots), birth date, gender (or none given) and county (or none
/// given). Such pairs are the same person far more often than their IDs alone could say, so
/// they show how far apart one person's mistyped IDs are. EM could not: it took pairs of
/// namesakes and of persons with like names and birth dates for matches, and put m(different)
/// at 0.6.
fn alike_but_id(pattern: Pattern) -> Option<u8> {
    let id = compare::level(pattern, Comparison::Id)?;
    let agrees = |comparison: Comparison, best: u8| {
        compare::level(pattern, comparison).is_none_or(|level| level <= best)
    };
    (compare::level(pattern, Comparison::Name)? <= compare::name::SIMPLIFIED
        && compare::level(pattern, Comparison::Birth)? == 0
        && agrees(Comparison::Gender, 0)
        && agrees(Comparison::Region, 0))
    .then_some(id)
}

/// The prior that two random records are the same person: pairs sharing a valid ID, scaled up
/// for the records whose ID is missing or damaged.
pub fn estimate_prior(records: &[Record]) -> f64 {
    let n = records.len() as f64;
    if n < 2.0 {
        return 0.5;
    }
    let mut by_id: Map<&str, u64> = Map::default();
    let mut with_id = 0.0;
    for record in records {
        if let Some(id) = record.id.as_deref() {
            *by_id.entry(id).or_insert(0) += 1;
            with_id += 1.0;
        }
    }
    let id_pairs: f64 = by_id
        .values()
        .map(|k| (*k as f64) * (*k as f64 - 1.0) / 2.0)
        .sum();
    let share = (with_id / n).max(0.05);
    let matches = (id_pairs / (share * share)).max(1.0);
    (matches / (n * (n - 1.0) / 2.0)).clamp(1e-12, 0.5)
}
