//! Comparisons between two records, each with ordered levels (best first), packed into one
//! `u32` pattern of four bits per comparison. A missing value on either side is the null
//! level, which carries no evidence either way.

use chrono::Datelike;
use serde::{Deserialize, Serialize};

use crate::record::Record;

/// What two records are compared on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    /// 姓名.
    Name,
    /// 出生日期.
    Birth,
    /// 性别.
    Gender,
    /// 户籍地区划.
    Region,
    /// 身份证号 (damaged or different).
    Id,
    /// 地址.
    Address,
    /// 电话.
    Phone,
}

/// Every comparison, in pattern order.
pub const COMPARISONS: [Comparison; 7] = [
    Comparison::Name,
    Comparison::Birth,
    Comparison::Gender,
    Comparison::Region,
    Comparison::Id,
    Comparison::Address,
    Comparison::Phone,
];

/// The level value meaning "missing on either side".
pub const NULL: u8 = 0xF;

/// A packed comparison vector.
pub type Pattern = u32;

impl Comparison {
    /// Position in [`COMPARISONS`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// Labels of the levels, best first (Chinese / English).
    pub fn levels(self) -> &'static [&'static str] {
        match self {
            Comparison::Name => &[
                "完全相同 exact",
                "繁简或间隔点不同 same after traditional→simplified / middle dot",
                "同音 same pinyin (homophone)",
                "姓名顺序颠倒 order swapped",
                "相差一字 one character different",
                "拼音高度相似 pinyin Jaro-Winkler ≥ 0.92",
                "拼音相似 pinyin Jaro-Winkler ≥ 0.85",
                "不同 different",
            ],
            Comparison::Birth => &[
                "完全相同 exact",
                "月日颠倒 day and month swapped",
                "相差一位数字 one digit off",
                "同年 same year",
                "不同 different",
            ],
            Comparison::Gender => &["相同 same", "不同 different"],
            Comparison::Region => &[
                "同一区县 same county",
                "同一地市 same city",
                "同一省份 same province",
                "不同 different",
            ],
            Comparison::Id => &["仅一位之差 one character apart", "不同 different"],
            Comparison::Address => &[
                "高度相似 similar (≥ 0.6)",
                "部分相似 partly similar (≥ 0.3)",
                "不同 different",
            ],
            Comparison::Phone => &["相同 same", "不同 different"],
        }
    }

    /// The Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            Comparison::Name => "姓名",
            Comparison::Birth => "出生日期",
            Comparison::Gender => "性别",
            Comparison::Region => "地区",
            Comparison::Id => "身份证号",
            Comparison::Address => "地址",
            Comparison::Phone => "电话",
        }
    }
}

/// The level of comparison `comparison` in `pattern` (`None` for null).
pub fn level(pattern: Pattern, comparison: Comparison) -> Option<u8> {
    let value = ((pattern >> (comparison.index() * 4)) & 0xF) as u8;
    (value != NULL).then_some(value)
}

fn pack(levels: [u8; 7]) -> Pattern {
    levels
        .iter()
        .enumerate()
        .fold(0, |acc, (i, l)| acc | (u32::from(*l) << (i * 4)))
}

/// Compares two records.
pub fn compare(a: &Record, b: &Record) -> Pattern {
    pack([
        name_level(a, b).unwrap_or(NULL),
        birth_level(a, b).unwrap_or(NULL),
        both(a.gender, b.gender).map_or(NULL, |(x, y)| u8::from(x != y)),
        region_level(a, b).unwrap_or(NULL),
        id_level(a, b).unwrap_or(NULL),
        address_level(a, b).unwrap_or(NULL),
        both(a.phone.as_ref(), b.phone.as_ref()).map_or(NULL, |(x, y)| u8::from(x != y)),
    ])
}

fn both<T>(a: Option<T>, b: Option<T>) -> Option<(T, T)> {
    Some((a?, b?))
}

fn name_level(a: &Record, b: &Record) -> Option<u8> {
    let (an, bn) = both(a.name.as_ref(), b.name.as_ref())?;
    if an == bn {
        return Some(0);
    }
    if a.simplified == b.simplified || a.undotted == b.undotted {
        return Some(1);
    }
    let (ap, bp) = both(a.pinyin.as_deref(), b.pinyin.as_deref())?;
    if ap == bp {
        return Some(2);
    }
    let (asimp, bsimp) = both(a.simplified.as_deref(), b.simplified.as_deref())?;
    if swapped(asimp, bsimp) || swapped_syllables(ap, bp) {
        return Some(3);
    }
    if one_character_apart(asimp, bsimp) {
        return Some(4);
    }
    let similarity = procura_core::similarity::jaro_winkler(ap, bp);
    Some(if similarity >= 0.92 {
        5
    } else if similarity >= 0.85 {
        6
    } else {
        7
    })
}

/// `买买提·阿卜杜拉` against `阿卜杜拉·买买提`, or a Han name with surname and given name
/// written the other way round.
fn swapped(a: &str, b: &str) -> bool {
    if a.contains('·') && b.contains('·') {
        let mut left: Vec<&str> = a.split('·').collect();
        let mut right: Vec<&str> = b.split('·').collect();
        left.sort_unstable();
        right.sort_unstable();
        return left == right;
    }
    let (Some(surname), Some(_)) = (
        procura_core::name::surname(a),
        procura_core::name::surname(b),
    ) else {
        return false;
    };
    let given = &a[surname.len()..];
    !given.is_empty() && b == format!("{given}{surname}")
}

fn swapped_syllables(a: &str, b: &str) -> bool {
    let left: Vec<&str> = a.split(' ').collect();
    let right: Vec<&str> = b.split(' ').collect();
    left.len() >= 2
        && left.len() == right.len()
        && left[0] == right[right.len() - 1]
        && left[1..] == right[..right.len() - 1]
}

fn one_character_apart(a: &str, b: &str) -> bool {
    let left: Vec<char> = a.chars().collect();
    let right: Vec<char> = b.chars().collect();
    left.len() == right.len()
        && left.len() >= 2
        && left.iter().zip(&right).filter(|(x, y)| x != y).count() == 1
}

fn birth_level(a: &Record, b: &Record) -> Option<u8> {
    let (x, y) = both(a.birth, b.birth)?;
    if x == y {
        return Some(0);
    }
    if x.year() == y.year() && x.month() == y.day() && x.day() == y.month() {
        return Some(1);
    }
    let digits = |d: chrono::NaiveDate| d.format("%Y%m%d").to_string();
    let (dx, dy) = (digits(x), digits(y));
    if dx.bytes().zip(dy.bytes()).filter(|(p, q)| p != q).count() == 1 {
        return Some(2);
    }
    Some(if x.year() == y.year() { 3 } else { 4 })
}

fn region_level(a: &Record, b: &Record) -> Option<u8> {
    let (x, y) = both(a.region, b.region)?;
    Some(if x == y {
        0
    } else if x / 100 == y / 100 {
        1
    } else if x / 10_000 == y / 10_000 {
        2
    } else {
        3
    })
}

/// IDs of the two records: the canonical one, else the damaged digits.
fn id_level(a: &Record, b: &Record) -> Option<u8> {
    let left = a.id.as_deref().or(a.id_digits.as_deref())?;
    let right = b.id.as_deref().or(b.id_digits.as_deref())?;
    let (l, r) = (left.as_bytes(), right.as_bytes());
    let close = match (l.len(), r.len()) {
        (18, 18) => l.iter().zip(r).filter(|(x, y)| x != y).count() <= 1,
        // A dropped check character: the first 17 agree.
        (17, 18) | (18, 17) => l[..17] == r[..17],
        (x, y) if x == y => l.iter().zip(r).filter(|(p, q)| p != q).count() <= 1,
        _ => false,
    };
    Some(u8::from(!close))
}

fn address_level(a: &Record, b: &Record) -> Option<u8> {
    if a.address.is_empty() || b.address.is_empty() {
        return None;
    }
    let common = a
        .address
        .iter()
        .filter(|g| b.address.binary_search(g).is_ok())
        .count();
    let union = a.address.len() + b.address.len() - common;
    let jaccard = common as f64 / union.max(1) as f64;
    Some(if jaccard >= 0.6 {
        0
    } else if jaccard >= 0.3 {
        1
    } else {
        2
    })
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::record::{RawPerson, Source};

    fn record(name: &str, birth: Option<(i32, u32, u32)>, id: Option<&str>) -> Record {
        Record::from_raw(
            Source {
                dataset: "d".into(),
                version_id: 1,
                row_id: 1,
            },
            &RawPerson {
                name: Some(name.into()),
                birth_date: birth.and_then(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d)),
                person_id_raw: id.map(str::to_owned),
                ..RawPerson::default()
            },
            NaiveDate::from_ymd_opt(2025, 6, 30).unwrap(),
        )
    }

    fn name(a: &str, b: &str) -> Option<u8> {
        level(
            compare(&record(a, None, None), &record(b, None, None)),
            Comparison::Name,
        )
    }

    #[test]
    fn name_levels() {
        assert_eq!(name("张三", "张 三"), Some(0));
        assert_eq!(name("張三", "张三"), Some(1));
        assert_eq!(name("阿卜杜拉•买买提", "阿卜杜拉买买提"), Some(1));
        assert_eq!(name("张伟", "章伟"), Some(2));
        assert_eq!(name("买买提·阿卜杜拉", "阿卜杜拉·买买提"), Some(3));
        assert_eq!(name("张三丰", "张三峰"), Some(2), "丰 and 峰 are both feng");
        assert_eq!(name("王小明", "王晓明"), Some(2));
        assert_eq!(name("张三", "李四"), Some(7));
        assert_eq!(
            level(
                compare(
                    &record("张三", None, None),
                    &Record {
                        name: None,
                        ..record("x", None, None)
                    }
                ),
                Comparison::Name
            ),
            None
        );
    }

    #[test]
    fn one_character_apart_but_not_a_homophone() {
        assert_eq!(name("刘德华", "刘德中"), Some(4));
    }

    fn birth(a: (i32, u32, u32), b: (i32, u32, u32)) -> Option<u8> {
        level(
            compare(
                &record("张三", Some(a), None),
                &record("张三", Some(b), None),
            ),
            Comparison::Birth,
        )
    }

    #[test]
    fn birth_levels() {
        assert_eq!(birth((1980, 3, 5), (1980, 3, 5)), Some(0));
        assert_eq!(birth((1980, 3, 5), (1980, 5, 3)), Some(1));
        assert_eq!(birth((1980, 3, 5), (1980, 3, 6)), Some(2));
        assert_eq!(birth((1980, 3, 5), (1980, 11, 25)), Some(3));
        assert_eq!(birth((1980, 3, 5), (1991, 11, 25)), Some(4));
    }

    #[test]
    fn ids_one_character_apart_or_missing_check_character() {
        let id = "440308199901101512";
        let a = record("张三", None, Some(id));
        let typo = record("张三", None, Some("440308199901111512"));
        let cut = record("张三", None, Some("44030819990110151"));
        let other = record("张三", None, Some("110101199003071234"));
        assert_eq!(level(compare(&a, &typo), Comparison::Id), Some(0));
        assert_eq!(level(compare(&a, &cut), Comparison::Id), Some(0));
        assert_eq!(level(compare(&a, &other), Comparison::Id), Some(1));
        assert_eq!(
            level(compare(&a, &record("张三", None, None)), Comparison::Id),
            None
        );
        // The damaged ID still gives birth date and region.
        assert_eq!(level(compare(&a, &cut), Comparison::Birth), Some(0));
        assert_eq!(level(compare(&a, &cut), Comparison::Region), Some(0));
    }
}
