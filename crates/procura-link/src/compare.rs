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
                "姓名顺序颠倒 order swapped (surname and given name, or two characters)",
                "一字形近 one character differs by a similar shape",
                "少一字 one character dropped",
                "名字相差一字 one given-name character different",
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
            Comparison::Id => &[
                "仅一位之差或相邻颠倒 one character apart or two neighbours swapped",
                "两位之差 two characters apart",
                "不同 different",
            ],
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

/// Name levels, best first (see [`Comparison::levels`]).
pub mod name {
    /// The same normalised name.
    pub const EXACT: u8 = 0;
    /// The same after traditional → simplified or without middle dots.
    pub const SIMPLIFIED: u8 = 1;
    /// Read alike, tones ignored (`何萍博` / `何平博`, `王丽` / `王礼`). One level for both:
    /// split by tone, the other-tone level's m (learned mostly from pairs that share an ID,
    /// whose names rarely differ) came out so small that recall fell on the independent test
    /// data, with no gain in precision.
    pub const HOMOPHONE: u8 = 2;
    /// Surname and given name (or the parts of a dotted name) in the other order, or two
    /// neighbouring characters swapped (`张芳雯` / `张雯芳`).
    pub const SWAPPED: u8 = 3;
    /// One character differs, and the two look alike (`己` / `已`).
    pub const SIMILAR_SHAPE: u8 = 4;
    /// One character more on one side (`王建国` / `王国`).
    pub const DROPPED: u8 = 5;
    /// One character of the given name differs (the surnames agree).
    pub const ONE_CHARACTER: u8 = 6;
    /// Pinyin Jaro-Winkler ≥ 0.92.
    pub const PINYIN_CLOSE: u8 = 7;
    /// Pinyin Jaro-Winkler ≥ 0.85.
    pub const PINYIN_SIMILAR: u8 = 8;
    /// Anything else.
    pub const DIFFERENT: u8 = 9;
}

fn name_level(a: &Record, b: &Record) -> Option<u8> {
    let (x, y) = (&a.compact, &b.compact);
    if x.name == 0 || y.name == 0 {
        return None;
    }
    if same_text(x.name, a.name.as_deref(), y.name, b.name.as_deref()) {
        return Some(name::EXACT);
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
        return Some(name::SIMPLIFIED);
    }
    if x.pinyin == 0 || y.pinyin == 0 {
        return None;
    }
    if same_text(x.pinyin, a.pinyin.as_deref(), y.pinyin, b.pinyin.as_deref()) {
        return Some(name::HOMOPHONE);
    }
    if swapped(a, b) {
        return Some(name::SWAPPED);
    }
    let (asimp, bsimp) = both(
        x.simplified_text.get(a.simplified.as_deref()),
        y.simplified_text.get(b.simplified.as_deref()),
    )?;
    match character_difference(asimp, bsimp) {
        Difference::Transposed => return Some(name::SWAPPED),
        Difference::SimilarShape => return Some(name::SIMILAR_SHAPE),
        Difference::Dropped => return Some(name::DROPPED),
        // A different surname is a different family unless it reads or looks alike (levels
        // above): 李伟 and 赵伟 are no more alike than any two names.
        Difference::OneCharacter if a.surname == b.surname => return Some(name::ONE_CHARACTER),
        Difference::OneCharacter | Difference::More => {}
    }
    let (ap, bp) = both(
        x.pinyin_text.get(a.pinyin.as_deref()),
        y.pinyin_text.get(b.pinyin.as_deref()),
    )?;
    let similarity = procura_core::similarity::jaro_winkler_utf8(ap, bp);
    Some(if similarity >= 0.92 {
        name::PINYIN_CLOSE
    } else if similarity >= 0.85 {
        name::PINYIN_SIMILAR
    } else {
        name::DIFFERENT
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

/// How two simplified names that are not homophones differ, character by character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Difference {
    /// Same length (at least three), two neighbouring characters swapped.
    Transposed,
    /// Same length (at least two), one character different, the two look alike.
    SimilarShape,
    /// One name is the other with one character more (the shorter has at least two).
    Dropped,
    /// Same length (at least two), one character different.
    OneCharacter,
    /// Anything else.
    More,
}

fn character_difference(a: &[u8], b: &[u8]) -> Difference {
    let (Ok(a), Ok(b)) = (std::str::from_utf8(a), std::str::from_utf8(b)) else {
        return Difference::More;
    };
    // Names are short: a few characters on the stack.
    let left: Vec<char> = a.chars().collect();
    let right: Vec<char> = b.chars().collect();
    if left.len() == right.len() {
        if left.len() < 2 {
            return Difference::More;
        }
        let differing: Vec<usize> = (0..left.len()).filter(|i| left[*i] != right[*i]).collect();
        return match differing[..] {
            [i] if procura_core::name::similar_shape(left[i], right[i]) => Difference::SimilarShape,
            [_] => Difference::OneCharacter,
            [i, j]
                if left.len() >= 3 && j == i + 1 && left[i] == right[j] && left[j] == right[i] =>
            {
                Difference::Transposed
            }
            _ => Difference::More,
        };
    }
    let (long, short) = if left.len() > right.len() {
        (&left, &right)
    } else {
        (&right, &left)
    };
    if long.len() != short.len() + 1 || short.len() < 2 {
        return Difference::More;
    }
    // The common prefix, then the rest of the shorter must equal the rest of the longer
    // after one skipped character.
    let prefix = long
        .iter()
        .zip(short.iter())
        .take_while(|(p, q)| p == q)
        .count();
    if long[prefix + 1..] == short[prefix..] {
        Difference::Dropped
    } else {
        Difference::More
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
    // Typing errors apart: a dropped check character and two swapped neighbours count as one.
    let apart = match (l.len(), r.len()) {
        (17, 18) | (18, 17) => (0..17).filter(|i| l[*i] != r[*i]).count() + 1,
        (x, y) if x == y => {
            let differing: Vec<usize> = (0..x).filter(|i| l[*i] != r[*i]).collect();
            match differing[..] {
                [] | [_] => 1,
                [i, j] if j == i + 1 && l[i] == r[j] && l[j] == r[i] => 1,
                [_, _] => 2,
                _ => 3,
            }
        }
        _ => 3,
    };
    // Two mistyped copies of one ID are often two characters apart; a valid ID and a copy of
    // it with one error, one. Beyond that, another person's.
    Some(match apart {
        1 => 0,
        2 => 1,
        _ => 2,
    })
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
        assert_eq!(
            name(long, "阿卜杜热合曼·买买提明·艾则孜汀"),
            Some(name::ONE_CHARACTER)
        );
        assert_eq!(name(long, "张三"), Some(name::DIFFERENT));
    }

    #[test]
    fn name_levels() {
        assert_eq!(name("张三", "张 三"), Some(name::EXACT));
        assert_eq!(name("張三", "张三"), Some(name::SIMPLIFIED));
        assert_eq!(
            name("阿卜杜拉•买买提", "阿卜杜拉买买提"),
            Some(name::SIMPLIFIED)
        );
        assert_eq!(name("张伟", "章伟"), Some(name::HOMOPHONE));
        assert_eq!(name("何萍博", "何平博"), Some(name::HOMOPHONE));
        assert_eq!(name("王丽", "王礼"), Some(name::HOMOPHONE));
        assert_eq!(
            name("买买提·阿卜杜拉", "阿卜杜拉·买买提"),
            Some(name::SWAPPED)
        );
        assert_eq!(
            name("张三丰", "张三峰"),
            Some(name::HOMOPHONE),
            "丰 and 峰 are both feng"
        );
        assert_eq!(
            name("王小明", "王晓明"),
            Some(name::HOMOPHONE),
            "小 and 晓 are both xiao3"
        );
        assert_eq!(name("王建己", "王建已"), Some(name::SIMILAR_SHAPE));
        assert_eq!(name("张芳雯", "张雯芳"), Some(name::SWAPPED));
        assert_eq!(name("王建国", "王国"), Some(name::DROPPED));
        assert_eq!(name("王国", "王建国"), Some(name::DROPPED));
        assert_eq!(name("王建国", "王建"), Some(name::DROPPED));
        assert_eq!(name("张三", "李四"), Some(name::DIFFERENT));
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
        assert_eq!(name("刘德华", "刘德中"), Some(name::ONE_CHARACTER));
        assert_eq!(
            name("王", "张"),
            Some(name::DIFFERENT),
            "a single character is no evidence"
        );
        assert_eq!(name("王建国", "张国"), Some(name::DIFFERENT));
        assert_eq!(
            name("李伟", "赵伟"),
            Some(name::DIFFERENT),
            "another surname"
        );
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
        let swapped = record("张三", None, Some("440308199901105112"));
        assert_eq!(level(compare(&a, &swapped), Comparison::Id), Some(0));
        let other = record("张三", None, Some("110101199003071234"));
        assert_eq!(level(compare(&a, &typo), Comparison::Id), Some(0));
        assert_eq!(level(compare(&a, &cut), Comparison::Id), Some(0));
        assert_eq!(level(compare(&a, &other), Comparison::Id), Some(2));
        let two = record("张三", None, Some("440308199901111513"));
        assert_eq!(level(compare(&a, &two), Comparison::Id), Some(1));
        assert_eq!(
            level(compare(&a, &record("张三", None, None)), Comparison::Id),
            None
        );
        // The damaged ID still gives birth date and region.
        assert_eq!(level(compare(&a, &cut), Comparison::Birth), Some(0));
        assert_eq!(level(compare(&a, &cut), Comparison::Region), Some(0));
    }
}
