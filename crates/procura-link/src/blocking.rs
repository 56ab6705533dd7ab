//! Blocking: which record pairs are compared at all. Each rule groups records by a key; pairs
//! inside a group are candidates, unless an earlier rule already produced them (so every pair
//! is compared once). Pairs of records with the same valid ID are linked deterministically,
//! and pairs of records with two different valid IDs are different people (the MOD 11-2 check
//! catches every single-digit typo and adjacent transposition), so neither is a candidate.

use crate::Map;
use std::hash::{Hash, Hasher};

use chrono::Datelike;
use serde::{Deserialize, Serialize};

use crate::compare::Comparison;
use crate::record::Record;

/// A blocking rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockingRule {
    /// Same birth date.
    BirthDate,
    /// Same surname pinyin and birth year.
    SurnamePinyinBirthYear,
    /// Same full-name pinyin and birth year.
    NamePinyinBirthYear,
    /// Same full-name pinyin and birth month and day (a mistyped birth year).
    NamePinyinBirthMonthDay,
    /// Same region and same simplified name.
    RegionName,
    /// Same full-name pinyin (for records without a birth date).
    NamePinyin,
    /// Same first 14 ID characters (region + birth date) of valid or damaged IDs.
    IdPrefix,
    /// Same ID region, birth month and day and sequence number (characters 1–6 and 11–17):
    /// an ID whose birth year was mistyped.
    IdWithoutBirthYear,
    /// Same ID region, birth year and sequence number (characters 1–10 and 15–17): an ID
    /// whose birth month or day was mistyped.
    IdWithoutBirthMonthDay,
    /// Same surname pinyin, birth year and month: a name and a birth day both mistyped.
    SurnamePinyinBirthYearMonth,
    /// Same surname pinyin, birth year and day: a name and a birth month both mistyped.
    SurnamePinyinBirthYearDay,
    /// Same surname pinyin, birth month and day: a name and a birth year both mistyped.
    SurnamePinyinBirthMonthDay,
}

impl BlockingRule {
    /// The default rules, in order. Every record with one fault in its ID (a digit, two
    /// neighbours swapped, outside the region) meets its person under one of the ID rules
    /// whatever its name and birth date; a record without an ID but with one fault in its name
    /// (keeping the surname's reading) and one digit off in its birth date, under one of the
    /// surname rules.
    pub const DEFAULT: [BlockingRule; 10] = [
        BlockingRule::BirthDate,
        BlockingRule::NamePinyinBirthYear,
        BlockingRule::NamePinyinBirthMonthDay,
        BlockingRule::RegionName,
        BlockingRule::IdPrefix,
        BlockingRule::IdWithoutBirthYear,
        BlockingRule::IdWithoutBirthMonthDay,
        BlockingRule::SurnamePinyinBirthYearMonth,
        BlockingRule::SurnamePinyinBirthYearDay,
        BlockingRule::SurnamePinyinBirthMonthDay,
    ];

    /// Every rule.
    pub const ALL: [BlockingRule; 12] = [
        BlockingRule::BirthDate,
        BlockingRule::SurnamePinyinBirthYear,
        BlockingRule::NamePinyinBirthYear,
        BlockingRule::NamePinyinBirthMonthDay,
        BlockingRule::RegionName,
        BlockingRule::NamePinyin,
        BlockingRule::IdPrefix,
        BlockingRule::IdWithoutBirthYear,
        BlockingRule::IdWithoutBirthMonthDay,
        BlockingRule::SurnamePinyinBirthYearMonth,
        BlockingRule::SurnamePinyinBirthYearDay,
        BlockingRule::SurnamePinyinBirthMonthDay,
    ];

    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            BlockingRule::BirthDate => "birth_date",
            BlockingRule::SurnamePinyinBirthYear => "surname_pinyin+birth_year",
            BlockingRule::NamePinyinBirthYear => "name_pinyin+birth_year",
            BlockingRule::NamePinyinBirthMonthDay => "name_pinyin+birth_month_day",
            BlockingRule::RegionName => "region+name",
            BlockingRule::NamePinyin => "name_pinyin",
            BlockingRule::IdPrefix => "id_prefix",
            BlockingRule::IdWithoutBirthYear => "id_without_birth_year",
            BlockingRule::IdWithoutBirthMonthDay => "id_without_birth_month_day",
            BlockingRule::SurnamePinyinBirthYearMonth => "surname_pinyin+birth_year_month",
            BlockingRule::SurnamePinyinBirthYearDay => "surname_pinyin+birth_year_day",
            BlockingRule::SurnamePinyinBirthMonthDay => "surname_pinyin+birth_month_day",
        }
    }

    /// Parses a code.
    pub fn parse(code: &str) -> Option<BlockingRule> {
        BlockingRule::ALL.into_iter().find(|r| r.code() == code)
    }

    /// Comparisons whose levels the rule fixes (not trained in its EM session).
    pub fn comparisons(self) -> &'static [Comparison] {
        match self {
            BlockingRule::BirthDate => &[Comparison::Birth],
            BlockingRule::SurnamePinyinBirthYear
            | BlockingRule::SurnamePinyinBirthYearMonth
            | BlockingRule::SurnamePinyinBirthYearDay
            | BlockingRule::SurnamePinyinBirthMonthDay
            | BlockingRule::IdWithoutBirthYear
            | BlockingRule::IdWithoutBirthMonthDay => &[],
            BlockingRule::NamePinyinBirthYear
            | BlockingRule::NamePinyinBirthMonthDay
            | BlockingRule::NamePinyin => &[Comparison::Name],
            BlockingRule::RegionName => &[Comparison::Name, Comparison::Region],
            BlockingRule::IdPrefix => &[Comparison::Birth, Comparison::Region],
        }
    }

    /// Whether the key holds anything of the name (its pairs' names are not a fair sample of
    /// how names differ).
    pub fn blocks_on_name(self) -> bool {
        !matches!(
            self,
            BlockingRule::BirthDate
                | BlockingRule::IdPrefix
                | BlockingRule::IdWithoutBirthYear
                | BlockingRule::IdWithoutBirthMonthDay
        )
    }

    /// The record's key under this rule (`None`: the record is not blocked by it).
    pub fn key(self, record: &Record) -> Option<u64> {
        let mut hasher = crate::fast_hasher();
        (self as u8).hash(&mut hasher);
        match self {
            BlockingRule::BirthDate => record.birth?.hash(&mut hasher),
            BlockingRule::SurnamePinyinBirthYear => {
                record.surname_pinyin.as_deref()?.hash(&mut hasher);
                record.birth_year()?.hash(&mut hasher);
            }
            BlockingRule::NamePinyinBirthYear => {
                record.pinyin.as_deref()?.hash(&mut hasher);
                record.birth_year()?.hash(&mut hasher);
            }
            BlockingRule::RegionName => {
                record.region?.hash(&mut hasher);
                record.simplified.as_deref()?.hash(&mut hasher);
            }
            BlockingRule::NamePinyinBirthMonthDay => {
                record.pinyin.as_deref()?.hash(&mut hasher);
                let birth = record.birth?;
                (birth.month(), birth.day()).hash(&mut hasher);
            }
            BlockingRule::NamePinyin => record.pinyin.as_deref()?.hash(&mut hasher),
            BlockingRule::IdPrefix => id_text(record)?.get(..14)?.hash(&mut hasher),
            BlockingRule::IdWithoutBirthYear => {
                let id = id_text(record)?;
                id.get(..6)?.hash(&mut hasher);
                id.get(10..17)?.hash(&mut hasher);
            }
            BlockingRule::IdWithoutBirthMonthDay => {
                let id = id_text(record)?;
                id.get(..10)?.hash(&mut hasher);
                id.get(14..17)?.hash(&mut hasher);
            }
            BlockingRule::SurnamePinyinBirthYearMonth => {
                record.surname_pinyin.as_deref()?.hash(&mut hasher);
                let birth = record.birth?;
                (birth.year(), birth.month()).hash(&mut hasher);
            }
            BlockingRule::SurnamePinyinBirthYearDay => {
                record.surname_pinyin.as_deref()?.hash(&mut hasher);
                let birth = record.birth?;
                (birth.year(), birth.day()).hash(&mut hasher);
            }
            BlockingRule::SurnamePinyinBirthMonthDay => {
                record.surname_pinyin.as_deref()?.hash(&mut hasher);
                let birth = record.birth?;
                (birth.month(), birth.day()).hash(&mut hasher);
            }
        }
        Some(hasher.finish())
    }
}

/// The 18-character ID, or the digits of a damaged one (an old 15-digit ID is converted when
/// valid; a damaged one is compared as written).
fn id_text(record: &Record) -> Option<&str> {
    record.id.as_deref().or(record.id_digits.as_deref())
}

/// Keys of every record under every rule, computed once.
pub struct Blocks {
    keys: Vec<Vec<Option<u64>>>,
    groups: Vec<Vec<Vec<u32>>>,
}

impl Blocks {
    /// Groups records under each rule.
    pub fn build(records: &[Record], rules: &[BlockingRule]) -> Blocks {
        let keys: Vec<Vec<Option<u64>>> = rules
            .iter()
            .map(|rule| records.iter().map(|r| rule.key(r)).collect())
            .collect();
        let groups = keys
            .iter()
            .map(|rule_keys| {
                let mut map: Map<u64, Vec<u32>> = Map::default();
                for (index, key) in rule_keys.iter().enumerate() {
                    if let Some(key) = key {
                        map.entry(*key).or_default().push(index as u32);
                    }
                }
                let mut groups: Vec<Vec<u32>> = map.into_values().filter(|g| g.len() > 1).collect();
                groups.sort_unstable_by_key(|g| g[0]);
                groups
            })
            .collect();
        Blocks { keys, groups }
    }

    /// The groups of rule `rule_index`.
    pub fn groups(&self, rule_index: usize) -> &[Vec<u32>] {
        &self.groups[rule_index]
    }

    /// Whether the pair is a candidate of rule `rule_index` (not of an earlier rule, and not
    /// decided by valid IDs).
    pub fn is_candidate(&self, records: &[Record], rule_index: usize, a: u32, b: u32) -> bool {
        let (ra, rb) = (&records[a as usize], &records[b as usize]);
        if ra.id.is_some() && rb.id.is_some() {
            return false;
        }
        (0..rule_index).all(|earlier| {
            let keys = &self.keys[earlier];
            match (keys[a as usize], keys[b as usize]) {
                (Some(x), Some(y)) => x != y,
                _ => true,
            }
        })
    }

    /// Folds over every candidate pair of rule `rule_index`, group by group, in parallel.
    pub fn fold_pairs<T, I, F, M>(
        &self,
        records: &[Record],
        rule_index: usize,
        identity: I,
        fold: F,
        merge: M,
    ) -> T
    where
        T: Send,
        I: Fn() -> T + Sync + Send,
        F: Fn(T, u32, u32) -> T + Sync + Send,
        M: Fn(T, T) -> T + Sync + Send,
    {
        use rayon::prelude::*;
        self.groups[rule_index]
            .par_iter()
            .fold(&identity, |mut accumulator, group| {
                for (i, a) in group.iter().enumerate() {
                    for b in &group[i + 1..] {
                        if self.is_candidate(records, rule_index, *a, *b) {
                            accumulator = fold(accumulator, *a, *b);
                        }
                    }
                }
                accumulator
            })
            .reduce(&identity, &merge)
    }

    /// Counts the candidate pairs of every rule.
    pub fn count_pairs(&self, records: &[Record]) -> Vec<u64> {
        (0..self.groups.len())
            .map(|rule| {
                self.fold_pairs(
                    records,
                    rule,
                    || 0u64,
                    |count, _, _| count + 1,
                    |x, y| x + y,
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::record::{RawPerson, Source};

    fn record(name: &str, birth: (i32, u32, u32), id: Option<&str>) -> Record {
        Record::from_raw(
            Source {
                dataset: "d".into(),
                version_id: 1,
                row_id: 1,
            },
            &RawPerson {
                name: Some(name.into()),
                birth_date: NaiveDate::from_ymd_opt(birth.0, birth.1, birth.2),
                person_id_raw: id.map(str::to_owned),
                ..RawPerson::default()
            },
            NaiveDate::from_ymd_opt(2025, 6, 30).unwrap(),
        )
    }

    fn shared(a: &Record, b: &Record) -> Vec<BlockingRule> {
        BlockingRule::DEFAULT
            .into_iter()
            .filter(|rule| rule.key(a).is_some() && rule.key(a) == rule.key(b))
            .collect()
    }

    #[test]
    fn an_id_mistyped_in_its_birth_part_still_meets_its_person() {
        let valid = record("周天伟", (1957, 8, 9), Some("330106195708091234"));
        // The year and the declared birth date both mistyped, the name another altogether.
        let year = record("赵四", (1977, 8, 9), Some("330106197708091234"));
        assert_eq!(shared(&valid, &year), [BlockingRule::IdWithoutBirthYear]);
        let day = record("赵四", (1957, 8, 19), Some("330106195708191234"));
        assert_eq!(shared(&valid, &day), [BlockingRule::IdWithoutBirthMonthDay]);
    }

    #[test]
    fn a_name_variant_with_a_birth_digit_off_still_meets_its_person() {
        let person = record("李伟贵", (1948, 9, 23), None);
        assert_eq!(
            shared(&person, &record("李贵伟", (1948, 9, 27), None)),
            [BlockingRule::SurnamePinyinBirthYearMonth]
        );
        assert_eq!(
            shared(&person, &record("李贵", (1948, 8, 23), None)),
            [BlockingRule::SurnamePinyinBirthYearDay]
        );
        assert_eq!(
            shared(&person, &record("李伟", (1958, 9, 23), None)),
            [BlockingRule::SurnamePinyinBirthMonthDay]
        );
    }

    #[test]
    fn codes_round_trip() {
        for rule in BlockingRule::ALL {
            assert_eq!(BlockingRule::parse(rule.code()), Some(rule));
        }
    }
}
