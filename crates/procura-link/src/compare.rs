//! Comparisons between two records, each with ordered levels (best first), packed into one
//! `u32` pattern of four bits per comparison. A missing value on either side is the null
//! level, which carries no evidence either way.

use chrono::Datelike;
use serde::{Deserialize, Serialize};

use crate::record::{Compact, Record, same_text};

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

/// Compares two records. Reads only [`Record::compact`] unless a text is too long to be inline.
pub fn compare(a: &Record, b: &Record) -> Pattern {
    let (x, y) = (&a.compact, &b.compact);
    pack([
        name_level(a, b).unwrap_or(NULL),
        birth_level(x, y).unwrap_or(NULL),
        if x.gender == 0 || y.gender == 0 {
            NULL
        } else {
            u8::from(x.gender != y.gender)
        },
        region_level(x, y).unwrap_or(NULL),
        id_level(a, b).unwrap_or(NULL),
        address_level(a, b).unwrap_or(NULL),
        if x.phone == 0 || y.phone == 0 {
            NULL
        } else {
            u8::from(!same_text(
                x.phone,
                a.phone.as_deref(),
                y.phone,
                b.phone.as_deref(),
            ))
        },
    ])
}

fn both<T>(a: Option<T>, b: Option<T>) -> Option<(T, T)> {
    Some((a?, b?))
}

fn name_level(a: &Record, b: &Record) -> Option<u8> {
    let (x, y) = (&a.compact, &b.compact);
    if x.name == 0 || y.name == 0 {
        return None;
    }
    if same_text(x.name, a.name.as_deref(), y.name, b.name.as_deref()) {
        return Some(0);
    }
    if same_text(
        x.simplified,
        a.simplified.as_deref(),
        y.simplified,
        b.simplified.as_deref(),
    ) || same_text(
        x.undotted,
        a.undotted.as_deref(),
        y.undotted,
        b.undotted.as_deref(),
    ) {
        return Some(1);
    }
    if x.pinyin == 0 || y.pinyin == 0 {
        return None;
    }
    if same_text(x.pinyin, a.pinyin.as_deref(), y.pinyin, b.pinyin.as_deref()) {
        return Some(2);
    }
    if swapped(a, b) {
        return Some(3);
    }
    let (asimp, bsimp) = both(
        x.simplified_text.get(a.simplified.as_deref()),
        y.simplified_text.get(b.simplified.as_deref()),
    )?;
    if one_character_apart(asimp, bsimp) {
        return Some(4);
    }
    let (ap, bp) = both(
        x.pinyin_text.get(a.pinyin.as_deref()),
        y.pinyin_text.get(b.pinyin.as_deref()),
    )?;
    let similarity = procura_core::similarity::jaro_winkler_utf8(ap, bp);
    Some(if similarity >= 0.92 {
        5
    } else if similarity >= 0.85 {
        6
    } else {
        7
    })
}

/// `买买提·阿卜杜拉` against `阿卜杜拉·买买提`, or a Han name with surname and given name
/// written the other way round (in characters or in pinyin).
fn swapped(a: &Record, b: &Record) -> bool {
    let (x, y) = (&a.compact, &b.compact);
    if x.dotted && y.dotted {
        return same_text(
            x.reordered,
            a.reordered.as_deref(),
            y.reordered,
            b.reordered.as_deref(),
        );
    }
    same_text(
        x.reordered,
        a.reordered.as_deref(),
        y.simplified,
        b.simplified.as_deref(),
    ) || same_text(
        y.reordered,
        b.reordered.as_deref(),
        x.simplified,
        a.simplified.as_deref(),
    ) || same_text(
        x.pinyin_rotated,
        a.pinyin_rotated.as_deref(),
        y.pinyin,
        b.pinyin.as_deref(),
    ) || same_text(
        y.pinyin_rotated,
        b.pinyin_rotated.as_deref(),
        x.pinyin,
        a.pinyin.as_deref(),
    )
}

/// Same number of characters (at least two), exactly one of them different.
fn one_character_apart(a: &[u8], b: &[u8]) -> bool {
    let (Ok(a), Ok(b)) = (std::str::from_utf8(a), std::str::from_utf8(b)) else {
        return false;
    };
    let mut left = a.chars();
    let mut right = b.chars();
    let mut length = 0usize;
    let mut different = 0usize;
    loop {
        match (left.next(), right.next()) {
            (Some(p), Some(q)) => {
                length += 1;
                different += usize::from(p != q);
                if different > 1 {
                    return false;
                }
            }
            (None, None) => return length >= 2 && different == 1,
            _ => return false,
        }
    }
}

fn birth_level(a: &Compact, b: &Compact) -> Option<u8> {
    let (x, y) = both(a.birth, b.birth)?;
    if x == y {
        return Some(0);
    }
    if x.year() == y.year() && x.month() == y.day() && x.day() == y.month() {
        return Some(1);
    }
    // One digit off in YYYYMMDD.
    let digits =
        |d: chrono::NaiveDate| d.year().unsigned_abs() * 10_000 + d.month() * 100 + d.day();
    let (mut dx, mut dy) = (digits(x), digits(y));
    let mut different = 0;
    for _ in 0..8 {
        different += u32::from(dx % 10 != dy % 10);
        dx /= 10;
        dy /= 10;
    }
    if different == 1 {
        return Some(2);
    }
    Some(if x.year() == y.year() { 3 } else { 4 })
}

fn region_level(a: &Compact, b: &Compact) -> Option<u8> {
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
    let l = a
        .compact
        .id_text
        .get(a.id.as_deref().or(a.id_digits.as_deref()))?;
    let r = b
        .compact
        .id_text
        .get(b.id.as_deref().or(b.id_digits.as_deref()))?;
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
    if !a.compact.has_address || !b.compact.has_address {
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
    fn names_too_long_to_be_inline_compare_the_same_way() {
        let long = "阿卜杜热合曼·买买提明·艾则孜江";
        assert!(long.len() > 24);
        assert_eq!(name(long, long), Some(0));
        assert_eq!(name(long, "阿卜杜热合曼·买买提明·艾则孜汀"), Some(4));
        assert_eq!(name(long, "张三"), Some(7));
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
                    &Record::from_raw(
                        Source {
                            dataset: "d".into(),
                            version_id: 1,
                            row_id: 2,
                        },
                        &RawPerson {
                            person_id_raw: Some("不详".into()),
                            ..RawPerson::default()
                        },
                        NaiveDate::from_ymd_opt(2025, 6, 30).unwrap(),
                    )
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
