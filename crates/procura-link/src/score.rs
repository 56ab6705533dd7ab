//! Match weights: the prior plus, for every comparison, log2(m/u) of the level the pair is at.
//! For the name levels that say "the same name" (exact, simplified, homophone), u is replaced
//! by how common that very name is (term-frequency adjustment): two 王伟 agree far more often
//! by chance than two 欧阳子墨.

use crate::Map;

use serde::Serialize;

use crate::compare::{self, COMPARISONS, Comparison, Pattern, name};
use crate::record::Record;
use crate::train::Parameters;

/// How common each name is among other persons' records, for term-frequency adjustments.
///
/// u is the chance of a level for two different persons, so a name's frequency leaves out the
/// records of the person themself (records with the same valid ID): a person whose name is
/// unique but who draws a pension every month and appears in five datasets still has a unique
/// name.
#[derive(Debug, Clone, Default)]
pub struct TermFrequencies {
    simplified: Map<String, u32>,
    pinyin: Map<String, u32>,
    /// Records per (simplified name, valid ID).
    own: Map<u64, u32>,
    total: f64,
}

fn own_key(name: &str, id: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = crate::fast_hasher();
    name.hash(&mut hasher);
    id.hash(&mut hasher);
    hasher.finish()
}

impl TermFrequencies {
    /// Counts name frequencies over the records.
    pub fn build(records: &[Record]) -> TermFrequencies {
        let mut frequencies = TermFrequencies::default();
        for record in records {
            if let (Some(s), Some(p)) = (&record.simplified, &record.pinyin) {
                *frequencies.simplified.entry(s.clone()).or_insert(0) += 1;
                *frequencies.pinyin.entry(p.clone()).or_insert(0) += 1;
                if let Some(id) = &record.id {
                    *frequencies.own.entry(own_key(s, id)).or_insert(0) += 1;
                }
                frequencies.total += 1.0;
            }
        }
        frequencies
    }

    /// Records of `record`'s person spelled as it is: those with its valid ID and name, or the
    /// record alone when it has no valid ID.
    fn own(&self, record: &Record, simplified: &str) -> u32 {
        record.id.as_ref().map_or(1, |id| {
            self.own.get(&own_key(simplified, id)).copied().unwrap_or(1)
        })
    }

    /// The chance that the record of a third person agrees with `record`'s name at `level`
    /// (compared with `other`): the records spelled so (or, for a homophone, reading the same
    /// but written otherwise), less those of the two persons the pair is about. A record
    /// without an ID that is a pensioner's would otherwise count her two pension rows as
    /// namesakes of hers, and a rare name would look twice or three times as common.
    fn frequency(&self, record: &Record, other: &Record, level: u8) -> Option<f64> {
        let floor = 1.0 / self.total.max(1.0);
        let simplified = record.simplified.as_ref()?;
        let same_spelling = self.simplified.get(simplified).copied().unwrap_or(0);
        let other_spelling = other.simplified.as_deref();
        let others = match level {
            // Same name: every record spelled so, less the persons' own.
            name::EXACT | name::SIMPLIFIED => {
                let mut others = same_spelling.saturating_sub(self.own(record, simplified));
                if other_spelling == Some(simplified.as_str()) {
                    others = others.saturating_sub(self.own(other, simplified));
                }
                others
            }
            // Homophone: records that read the same but are written differently, less the
            // other person's, written as the other record is.
            name::HOMOPHONE => {
                let pinyin = record.pinyin.as_ref()?;
                let mut others = self
                    .pinyin
                    .get(pinyin)
                    .copied()
                    .unwrap_or(0)
                    .saturating_sub(same_spelling);
                if let Some(spelling) = other_spelling
                    && spelling != simplified
                    && other.pinyin.as_ref() == Some(pinyin)
                {
                    others = others.saturating_sub(self.own(other, spelling));
                }
                others
            }
            _ => return None,
        };
        Some((f64::from(others) / self.total.max(1.0)).max(floor))
    }

    /// The frequency for a pair: the more common of the two sides (as Splink does for fuzzy
    /// levels), so neither record's rarity is overstated.
    fn pair_frequency(&self, a: &Record, b: &Record, level: u8) -> Option<f64> {
        match (self.frequency(a, b, level), self.frequency(b, a, level)) {
            (Some(x), Some(y)) => Some(x.max(y)),
            (x, y) => x.or(y),
        }
    }
}

/// One comparison's part of a match weight.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Term {
    /// The comparison.
    pub comparison: Comparison,
    /// The level (`None`: missing on one side, no evidence).
    pub level: Option<u8>,
    /// m of the level.
    pub m: f64,
    /// u of the level (term-frequency adjusted where it applies).
    pub u: f64,
    /// log2(m/u).
    pub weight: f64,
    /// Whether u was term-frequency adjusted.
    pub tf_adjusted: bool,
}

/// A pair's full weight, term by term.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// log2 of the prior odds.
    pub prior_weight: f64,
    /// Per comparison.
    pub terms: Vec<Term>,
    /// Prior + terms.
    pub total_weight: f64,
    /// 2^w / (1 + 2^w).
    pub probability: f64,
}

/// Scores a pair from its pattern.
pub fn score(
    parameters: &Parameters,
    frequencies: &TermFrequencies,
    a: &Record,
    b: &Record,
    pattern: Pattern,
) -> (f64, f64) {
    let explanation = explain(parameters, frequencies, a, b, pattern);
    (explanation.total_weight, explanation.probability)
}

/// The weight of a pair, term by term.
pub fn explain(
    parameters: &Parameters,
    frequencies: &TermFrequencies,
    a: &Record,
    b: &Record,
    pattern: Pattern,
) -> Explanation {
    let prior_weight = (parameters.prior / (1.0 - parameters.prior)).log2();
    let mut total = prior_weight;
    let mut terms = Vec::with_capacity(COMPARISONS.len());
    for comparison in COMPARISONS {
        let level = compare::level(pattern, comparison);
        let Some(level) = level else {
            terms.push(Term {
                comparison,
                level: None,
                m: 1.0,
                u: 1.0,
                weight: 0.0,
                tf_adjusted: false,
            });
            continue;
        };
        let (m, mut u) = parameters.mu(comparison, level);
        let mut tf_adjusted = false;
        if comparison == Comparison::Name
            && let Some(frequency) = frequencies.pair_frequency(a, b, level)
        {
            u = frequency;
            tf_adjusted = true;
        }
        let weight = (m / u).log2();
        total += weight;
        terms.push(Term {
            comparison,
            level: Some(level),
            m,
            u,
            weight,
            tf_adjusted,
        });
    }
    let odds = total.exp2();
    Explanation {
        prior_weight,
        terms,
        total_weight: total,
        probability: if odds.is_infinite() {
            1.0
        } else {
            odds / (1.0 + odds)
        },
    }
}
