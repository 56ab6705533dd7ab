//! The mess real exports contain, applied when a value is written and never to the truth:
//! equivalent spellings of ID numbers, names, dates and amounts that ingest must normalise,
//! and deliberately unusable IDs for rows that only record linkage could attach to a person.

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use rand::RngExt;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;

use crate::population::Person;

/// Which characters a file can hold: GBK files cannot contain `•` or `・`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Charset {
    Gbk,
    Unicode,
}

const TRADITIONAL: [(char, char); 14] = [
    ('张', '張'),
    ('刘', '劉'),
    ('陈', '陳'),
    ('杨', '楊'),
    ('黄', '黃'),
    ('赵', '趙'),
    ('吴', '吳'),
    ('郑', '鄭'),
    ('许', '許'),
    ('华', '華'),
    ('国', '國'),
    ('伟', '偉'),
    ('丽', '麗'),
    ('军', '軍'),
];

/// The person's ID number, usually canonical and with probability `rate` in another spelling
/// that normalises to the same number (legacy 15 digits, full-width digits, lower-case `x`,
/// spaces, dashes, an Excel text apostrophe).
pub(crate) fn id_text(rng: &mut ChaCha8Rng, person: &Person, rate: f64) -> String {
    let id = &person.id;
    if !rng.random_bool(rate) {
        return id.clone();
    }
    match rng.random_range(0..7) {
        0 | 1 => person.legacy_id().unwrap_or_else(|| spaced(id)),
        2 => full_width(id),
        3 if id.ends_with('X') => id.replace('X', "x"),
        3 => format!("'{id}"),
        4 => spaced(id),
        5 => format!("{}-{}-{}", &id[..6], &id[6..14], &id[14..]),
        _ => format!(" {id} "),
    }
}

fn spaced(id: &str) -> String {
    format!("{} {} {}", &id[..6], &id[6..14], &id[14..])
}

fn full_width(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '0'..='9' | 'A'..='Z' => char::from_u32(c as u32 + 0xFEE0).unwrap_or(c),
            other => other,
        })
        .collect()
}

/// The ID as written in a row: [`damaged_id`] when the row is a planted linkage case,
/// otherwise [`id_text`].
pub(crate) fn row_id(rng: &mut ChaCha8Rng, person: &Person, damaged: bool, rate: f64) -> String {
    if damaged {
        damaged_id(rng, &person.id)
    } else {
        id_text(rng, person, rate)
    }
}

/// An ID number no parser accepts: missing, `不详`, one digit mistyped (which the MOD 11-2
/// check always catches) or the check character dropped.
pub(crate) fn damaged_id(rng: &mut ChaCha8Rng, id: &str) -> String {
    match rng.random_range(0..4) {
        0 => String::new(),
        1 => "不详".to_owned(),
        2 => mistype(rng, id, 6..17, b"0123456789"),
        _ => id.get(..17).unwrap_or(id).to_owned(),
    }
}

/// A USCC that identifies no company: missing (if `may_be_missing`) or one body character
/// mistyped (the number then fails its check character, which ingest reports as a warning,
/// and joins nothing).
pub(crate) fn damaged_org_id(rng: &mut ChaCha8Rng, id: &str, may_be_missing: bool) -> String {
    if may_be_missing && rng.random_bool(0.3) {
        return String::new();
    }
    mistype(rng, id, 8..16, b"0123456789ABCDEFGHJKLMNPQRTUWXY")
}

/// Replaces the character at a random position of `range` with a different one from `charset`.
fn mistype(
    rng: &mut ChaCha8Rng,
    id: &str,
    range: std::ops::Range<usize>,
    charset: &[u8],
) -> String {
    let mut bytes = id.as_bytes().to_vec();
    let position = rng.random_range(range);
    let Some(original) = bytes.get(position).copied() else {
        return String::new();
    };
    let replacement = loop {
        let candidate = charset.choose(rng).copied().unwrap_or(b'0');
        if candidate != original {
            break candidate;
        }
    };
    bytes[position] = replacement;
    String::from_utf8(bytes).unwrap_or_default()
}

/// The person's name as one agency typed it: minority names with whichever middle dot the
/// keyboard gave, and with probability `rate` a space after the surname or traditional
/// characters.
pub(crate) fn name_text(rng: &mut ChaCha8Rng, name: &str, charset: Charset, rate: f64) -> String {
    if name.contains('·') {
        let dots: &[&str] = match charset {
            Charset::Gbk => &["·", ".", "．"],
            Charset::Unicode => &["·", "•", ".", "・"],
        };
        let dot = dots.choose(rng).copied().unwrap_or("·");
        return name.replace('·', dot);
    }
    if !rng.random_bool(rate) {
        return name.to_owned();
    }
    if rng.random_bool(0.5) && name.chars().count() >= 2 {
        let mut chars = name.chars();
        let first: String = chars.next().into_iter().collect();
        return format!("{first} {}", chars.as_str());
    }
    name.chars()
        .map(|c| {
            TRADITIONAL
                .iter()
                .find(|(simplified, _)| *simplified == c)
                .map_or(c, |(_, traditional)| *traditional)
        })
        .collect()
}

/// The ways agencies spell a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DateStyle {
    /// `2024-03-05`
    Iso,
    /// `2024/3/5`
    Slash,
    /// `2024年3月5日`
    Chinese,
    /// `20240305`
    Compact,
    /// `二〇二四年三月五日`, as court judgments print it.
    Numerals,
}

pub(crate) fn date_text(day: NaiveDate, style: DateStyle) -> String {
    let (y, m, d) = (day.year(), day.month(), day.day());
    match style {
        DateStyle::Iso => day.format("%Y-%m-%d").to_string(),
        DateStyle::Slash => format!("{y}/{m}/{d}"),
        DateStyle::Chinese => format!("{y}年{m}月{d}日"),
        DateStyle::Compact => day.format("%Y%m%d").to_string(),
        DateStyle::Numerals => {
            let year: String = y
                .to_string()
                .chars()
                .filter_map(|c| c.to_digit(10))
                .map(chinese_digit)
                .collect();
            format!("{year}年{}月{}日", chinese_number(m), chinese_number(d))
        }
    }
}

/// A date in a style picked row by row; `numerals` admits the judgment style.
pub(crate) fn mixed_date(rng: &mut ChaCha8Rng, day: NaiveDate, numerals: bool) -> String {
    let styles: &[DateStyle] = if numerals {
        &[
            DateStyle::Iso,
            DateStyle::Slash,
            DateStyle::Chinese,
            DateStyle::Compact,
            DateStyle::Numerals,
        ]
    } else {
        &[
            DateStyle::Iso,
            DateStyle::Slash,
            DateStyle::Chinese,
            DateStyle::Compact,
        ]
    };
    let style = styles.choose(rng).copied().unwrap_or(DateStyle::Iso);
    date_text(day, style)
}

/// `2024-03-05 21:13:00`
pub(crate) fn datetime_text(at: NaiveDateTime) -> String {
    at.format("%Y-%m-%d %H:%M:%S").to_string()
}

fn chinese_digit(digit: u32) -> char {
    ['〇', '一', '二', '三', '四', '五', '六', '七', '八', '九']
        .get(digit as usize)
        .copied()
        .unwrap_or('〇')
}

/// 1–99 as written in dates and terms: `五`, `十`, `十二`, `二十`, `三十一`.
pub(crate) fn chinese_number(n: u32) -> String {
    let (tens, units) = (n / 10, n % 10);
    let mut out = String::new();
    if tens > 1 {
        out.push(chinese_digit(tens));
    }
    if tens > 0 {
        out.push('十');
    }
    if units > 0 || tens == 0 {
        out.push(chinese_digit(units));
    }
    out
}

/// A term in months as judgments write it: `八个月`, `一年`, `一年六个月`.
pub(crate) fn term(months: u32) -> String {
    match (months / 12, months % 12) {
        (0, m) => format!("{}个月", chinese_number(m)),
        (y, 0) => format!("{}年", chinese_number(y)),
        (y, m) => format!("{}年{}个月", chinese_number(y), chinese_number(m)),
    }
}

/// `3,120.50`
pub(crate) fn grouped(fen: i64) -> String {
    let yuan = (fen / 100).to_string();
    let mut with_commas = String::new();
    for (i, c) in yuan.chars().enumerate() {
        if i > 0 && (yuan.len() - i).is_multiple_of(3) {
            with_commas.push(',');
        }
        with_commas.push(c);
    }
    format!("{with_commas}.{:02}", fen % 100)
}

/// `1200.00`
pub(crate) fn plain(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

/// An amount in one of the spellings seen in exports: `1,200.00`, `￥1200`, `1200元`.
pub(crate) fn mixed_amount(rng: &mut ChaCha8Rng, fen: i64) -> String {
    let whole = fen % 100 == 0;
    match rng.random_range(0..4) {
        0 if whole => format!("￥{}", fen / 100),
        1 if whole => format!("{}元", fen / 100),
        2 => plain(fen),
        _ => grouped(fen),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::{AS_OF, date};
    use procura_core::date::{ExcelDateSystem, parse_date};
    use procura_core::person_id::parse_person_id;
    use rand::SeedableRng;

    fn person(id: &str, birth: NaiveDate) -> Person {
        Person {
            id: id.to_owned(),
            name: "王五".to_owned(),
            birth,
        }
    }

    #[test]
    fn every_id_spelling_normalises_to_the_canonical_number() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for (id, birth) in [
            ("33060219800101123X", date(1980, 1, 1)),
            ("330602196503050024", date(1965, 3, 5)),
            ("330602200312310017", date(2003, 12, 31)),
        ] {
            let check = procura_core::person_id::check_character(&id[..17]);
            let id = format!("{}{}", &id[..17], check.unwrap_or('0'));
            let person = person(&id, birth);
            for _ in 0..300 {
                let text = id_text(&mut rng, &person, 1.0);
                let parsed = parse_person_id(&text, AS_OF).map(|p| p.into_string());
                assert_eq!(parsed.ok().as_deref(), Some(id.as_str()), "{text:?}");
                let damaged = damaged_id(&mut rng, &id);
                assert!(parse_person_id(&damaged, AS_OF).is_err(), "{damaged:?}");
            }
        }
    }

    #[test]
    fn every_date_spelling_parses_back() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        for day in crate::calendar::months(date(2020, 1, 1), date(2025, 12, 1)) {
            for offset in [0, 4, 11, 19, 20, 27, 30] {
                let day = crate::calendar::add_days(day, offset);
                let text = mixed_date(&mut rng, day, true);
                let parsed = parse_date(&text, ExcelDateSystem::Excel1900).map(|p| p.date);
                assert_eq!(parsed.ok(), Some(day), "{text:?}");
            }
        }
    }

    #[test]
    fn amounts_and_numbers() {
        assert_eq!(grouped(312_050), "3,120.50");
        assert_eq!(grouped(5_000_000), "50,000.00");
        assert_eq!(grouped(5), "0.05");
        assert_eq!(chinese_number(31), "三十一");
        assert_eq!(chinese_number(10), "十");
        assert_eq!(
            date_text(date(2024, 3, 5), DateStyle::Numerals),
            "二〇二四年三月五日"
        );
    }

    #[test]
    fn gbk_names_stay_encodable() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for _ in 0..50 {
            let name = name_text(&mut rng, "阿卜杜拉·买买提", Charset::Gbk, 1.0);
            let (_, _, unmappable) = encoding_rs::GBK.encode(&name);
            assert!(!unmappable, "{name}");
            let name = name_text(&mut rng, "张伟华", Charset::Gbk, 1.0);
            let (_, _, unmappable) = encoding_rs::GBK.encode(&name);
            assert!(!unmappable, "{name}");
        }
    }
}
