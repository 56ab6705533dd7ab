//! The mess real exports contain, applied when a value is written and never to the truth:
//! equivalent spellings of ID numbers, names, dates and amounts that ingest must normalise;
//! the disguise of rows that only record linkage could attach to a person (an unusable ID, and
//! the name in traditional characters, with a homophone or with its middle dot respelled); and
//! birth dates a clerk got wrong.

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

/// Simplified characters of common surnames and given names with their traditional forms, as a
/// Hong Kong, Macau or Taiwan record (or an old household register) writes them.
const TRADITIONAL: &[(char, char)] = &[
    ('张', '張'),
    ('刘', '劉'),
    ('陈', '陳'),
    ('杨', '楊'),
    ('黄', '黃'),
    ('赵', '趙'),
    ('吴', '吳'),
    ('郑', '鄭'),
    ('许', '許'),
    ('孙', '孫'),
    ('马', '馬'),
    ('罗', '羅'),
    ('谢', '謝'),
    ('韩', '韓'),
    ('冯', '馮'),
    ('邓', '鄧'),
    ('苏', '蘇'),
    ('叶', '葉'),
    ('吕', '呂'),
    ('卢', '盧'),
    ('蒋', '蔣'),
    ('陆', '陸'),
    ('钱', '錢'),
    ('贺', '賀'),
    ('顾', '顧'),
    ('龚', '龔'),
    ('邹', '鄒'),
    ('谭', '譚'),
    ('汤', '湯'),
    ('钟', '鍾'),
    ('贾', '賈'),
    ('韦', '韋'),
    ('万', '萬'),
    ('严', '嚴'),
    ('华', '華'),
    ('国', '國'),
    ('伟', '偉'),
    ('丽', '麗'),
    ('军', '軍'),
    ('强', '強'),
    ('艳', '艷'),
    ('杰', '傑'),
    ('涛', '濤'),
    ('刚', '剛'),
    ('兰', '蘭'),
    ('红', '紅'),
    ('辉', '輝'),
    ('鹏', '鵬'),
    ('轩', '軒'),
    ('龙', '龍'),
    ('凤', '鳳'),
    ('荣', '榮'),
    ('云', '雲'),
    ('飞', '飛'),
    ('庆', '慶'),
    ('宝', '寶'),
    ('东', '東'),
    ('晓', '曉'),
    ('阳', '陽'),
    ('颖', '穎'),
    ('泽', '澤'),
    ('诗', '詩'),
    ('凯', '凱'),
    ('莹', '瑩'),
    ('伦', '倫'),
    ('锋', '鋒'),
    ('宁', '寧'),
    ('欢', '歡'),
    ('静', '靜'),
    ('瑶', '瑤'),
    ('悦', '悅'),
];

/// Given-name characters that read the same (pinyin without tones): a clerk typing what the
/// person said picks one for the other. The first 27 pairs are the classic confusions; the
/// others cover most of the remaining given-name characters of the population.
const HOMOPHONES: &[(char, char)] = &[
    ('伟', '玮'),
    ('丽', '莉'),
    ('华', '桦'),
    ('明', '铭'),
    ('军', '君'),
    ('芳', '方'),
    ('静', '婧'),
    ('杰', '洁'),
    ('涛', '韬'),
    ('勇', '永'),
    ('艳', '燕'),
    ('英', '瑛'),
    ('建', '健'),
    ('志', '智'),
    ('东', '冬'),
    ('红', '虹'),
    ('平', '萍'),
    ('林', '琳'),
    ('文', '雯'),
    ('辉', '晖'),
    ('刚', '钢'),
    ('峰', '锋'),
    ('斌', '彬'),
    ('霞', '侠'),
    ('娟', '鹃'),
    ('玉', '钰'),
    ('兰', '岚'),
    ('娜', '纳'),
    ('敏', '闵'),
    ('磊', '垒'),
    ('洋', '阳'),
    ('超', '潮'),
    ('秀', '绣'),
    ('桂', '贵'),
    ('力', '立'),
    ('国', '帼'),
    ('鹏', '朋'),
    ('宇', '雨'),
    ('浩', '昊'),
    ('子', '梓'),
    ('轩', '宣'),
    ('欣', '新'),
    ('怡', '仪'),
    ('涵', '寒'),
    ('婷', '庭'),
    ('晨', '辰'),
    ('博', '波'),
    ('思', '丝'),
    ('佳', '嘉'),
    ('俊', '骏'),
    ('龙', '隆'),
    ('梅', '媚'),
    ('凤', '风'),
    ('生', '升'),
    ('荣', '蓉'),
    ('成', '诚'),
    ('云', '芸'),
    ('飞', '菲'),
    ('福', '富'),
    ('庆', '清'),
    ('宝', '保'),
    ('旭', '煦'),
    ('晓', '筱'),
    ('慧', '惠'),
    ('颖', '影'),
    ('倩', '茜'),
    ('然', '冉'),
    ('睿', '瑞'),
    ('泽', '则'),
    ('晗', '含'),
    ('瑶', '遥'),
    ('琪', '琦'),
    ('悦', '月'),
    ('诗', '师'),
    ('航', '杭'),
    ('凯', '楷'),
    ('亮', '良'),
    ('鑫', '馨'),
    ('淑', '舒'),
    ('珍', '真'),
    ('伦', '仑'),
    ('忠', '中'),
    ('江', '疆'),
    ('兵', '冰'),
    ('坤', '昆'),
    ('琴', '勤'),
    ('露', '璐'),
    ('春', '椿'),
    ('金', '锦'),
    ('宁', '凝'),
    ('欢', '环'),
    ('民', '珉'),
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

/// An ID number no parser accepts, and what was wrong with it in words.
pub(crate) struct DamagedId {
    pub(crate) text: String,
    pub(crate) note: &'static str,
}

/// An ID number no parser accepts: missing, `不详`, one digit mistyped (which the MOD 11-2
/// check always catches) or the check character dropped.
pub(crate) fn damaged_id(rng: &mut ChaCha8Rng, id: &str) -> DamagedId {
    let (text, note) = match rng.random_range(0..4) {
        0 => (String::new(), "身份证号缺失"),
        1 => ("不详".to_owned(), "身份证号填写为“不详”"),
        2 => (mistype(rng, id, 6..17, DIGITS), "身份证号一位数字录入错误"),
        _ => (dropped_check(id), "身份证号缺少校验码"),
    };
    DamagedId { text, note }
}

/// An unusable ID number that still tells its birth date and gender: the check character
/// dropped, or one of the first two sequence digits mistyped. For files that declare neither,
/// where the remaining digits are all a linker has besides the name.
fn damaged_id_keeping_digits(rng: &mut ChaCha8Rng, id: &str) -> DamagedId {
    if rng.random_bool(0.5) {
        DamagedId {
            text: dropped_check(id),
            note: "身份证号缺少校验码",
        }
    } else {
        DamagedId {
            text: mistype(rng, id, 14..16, DIGITS),
            note: "身份证号顺序码一位录入错误",
        }
    }
}

const DIGITS: &[u8] = b"0123456789";

fn dropped_check(id: &str) -> String {
    id.get(..17).unwrap_or(id).to_owned()
}

/// How the row of a planted linkage case identifies its person or company: an unusable
/// identifier, the name as written, and what was done to both, for the truth's note.
#[derive(Debug, Clone)]
pub(crate) struct Disguise {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) note: String,
}

/// Disguises `person` for one row of a file in `charset`: a [`damaged_id`] (one that keeps
/// the birth date and gender when `keep_digits`, for files that do not declare them) and the
/// name as it is, in traditional characters, with a homophone in the given name, or (for
/// minority names) with the middle dot dropped or replaced, whichever the generator picks.
pub(crate) fn disguise(
    rng: &mut ChaCha8Rng,
    person: &Person,
    charset: Charset,
    keep_digits: bool,
) -> Disguise {
    let id = if keep_digits {
        damaged_id_keeping_digits(rng, &person.id)
    } else {
        damaged_id(rng, &person.id)
    };
    let (name, name_note) = linkage_name(rng, &person.name, charset);
    Disguise {
        id: id.text,
        name,
        note: format!("{}，{name_note}", id.note),
    }
}

/// Disguises a company for one row: its exact name (as all its other rows write it) and a
/// USCC that is missing (if `may_be_missing`) or has one character mistyped.
pub(crate) fn disguise_org(
    rng: &mut ChaCha8Rng,
    org_id: &str,
    org_name: &str,
    may_be_missing: bool,
) -> Disguise {
    let id = damaged_org_id(rng, org_id, may_be_missing);
    let note = if id.is_empty() {
        "统一社会信用代码缺失，企业名称无误"
    } else {
        "统一社会信用代码一位录入错误，企业名称无误"
    };
    Disguise {
        id,
        name: org_name.to_owned(),
        note: note.to_owned(),
    }
}

/// The name of a linkage row, and what was done to it: one of the spellings under which a
/// linker can still recognise the person, chosen at random among those the name allows.
fn linkage_name(rng: &mut ChaCha8Rng, name: &str, charset: Charset) -> (String, String) {
    let mut options: Vec<(String, String)> = vec![(name.to_owned(), "姓名无误".to_owned())];
    if name.contains('·') {
        options.push((name.replace('·', ""), "姓名缺少间隔号".to_owned()));
        let dots: &[&str] = match charset {
            Charset::Gbk => &[".", "．"],
            Charset::Unicode => &["•", ".", "・"],
        };
        let dot = dots.choose(rng).copied().unwrap_or(".");
        options.push((name.replace('·', dot), format!("姓名间隔号写作“{dot}”")));
    } else {
        let traditional = traditional(name);
        if traditional != name {
            let note = format!("姓名写作繁体“{traditional}”");
            options.push((traditional, note));
        }
        if let Some(homophone) = homophone(rng, name) {
            let note = format!("姓名误写为同音字“{homophone}”");
            options.push((homophone, note));
        }
    }
    let pick = rng.random_range(0..options.len());
    options.swap_remove(pick)
}

/// `name` with every character that has a traditional form in [`TRADITIONAL`] written so.
pub(crate) fn traditional(name: &str) -> String {
    name.chars()
        .map(|c| {
            TRADITIONAL
                .iter()
                .find(|(simplified, _)| *simplified == c)
                .map_or(c, |(_, traditional)| *traditional)
        })
        .collect()
}

/// How many characters the surname of a generated Han name has.
fn surname_len(name: &str) -> usize {
    let compound = crate::population::COMPOUND_SURNAMES
        .iter()
        .any(|surname| name.starts_with(surname));
    if compound { 2 } else { 1 }
}

/// `name` with one given-name character replaced by its homophone from [`HOMOPHONES`], if the
/// given name has such a character.
pub(crate) fn homophone(rng: &mut ChaCha8Rng, name: &str) -> Option<String> {
    let mut chars: Vec<char> = name.chars().collect();
    let candidates: Vec<(usize, char)> = chars
        .iter()
        .enumerate()
        .skip(surname_len(name))
        .filter_map(|(i, c)| {
            HOMOPHONES.iter().find_map(|(a, b)| {
                if a == c {
                    Some((i, *b))
                } else if b == c {
                    Some((i, *a))
                } else {
                    None
                }
            })
        })
        .collect();
    let (position, replacement) = candidates.choose(rng).copied()?;
    chars[position] = replacement;
    Some(chars.into_iter().collect())
}

/// A birth date as a careless clerk recorded it: day and month swapped (when the day can be a
/// month) or one digit of `YYYYMMDD` mistyped. Never the true date, always a real one.
pub(crate) fn misrecorded_birth(rng: &mut ChaCha8Rng, birth: NaiveDate) -> NaiveDate {
    let (day, month) = (birth.day(), birth.month());
    if day <= 12
        && day != month
        && rng.random_bool(0.5)
        && let Some(swapped) = NaiveDate::from_ymd_opt(birth.year(), day, month)
    {
        return swapped;
    }
    one_digit_off(rng, birth).unwrap_or_else(|| birth + chrono::Duration::days(10))
}

/// `day` with one digit of its `YYYYMMDD` form (not the century) replaced, if that gives a
/// real date between 1900 and 2025.
pub(crate) fn one_digit_off(rng: &mut ChaCha8Rng, day: NaiveDate) -> Option<NaiveDate> {
    let digits = day.format("%Y%m%d").to_string().into_bytes();
    for _ in 0..50 {
        let mut candidate = digits.clone();
        let position = rng.random_range(2..8);
        let digit = b'0' + rng.random_range(0..10u8);
        if candidate[position] == digit {
            continue;
        }
        candidate[position] = digit;
        let text = String::from_utf8(candidate).unwrap_or_default();
        if let Ok(parsed) = NaiveDate::parse_from_str(&text, "%Y%m%d")
            && (1900..=2025).contains(&parsed.year())
        {
            return Some(parsed);
        }
    }
    None
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
        return spaced_name(name);
    }
    traditional(name)
}

/// `name` with a space after the surname, as some systems pad it: `王 伟`.
pub(crate) fn spaced_name(name: &str) -> String {
    let split = name
        .char_indices()
        .nth(surname_len(name))
        .map_or(name.len(), |(i, _)| i);
    format!("{} {}", &name[..split], &name[split..])
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
            name: "张伟华".to_owned(),
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
                let damaged = damaged_id(&mut rng, &id).text;
                assert!(parse_person_id(&damaged, AS_OF).is_err(), "{damaged:?}");
                let kept = damaged_id_keeping_digits(&mut rng, &id).text;
                assert!(parse_person_id(&kept, AS_OF).is_err(), "{kept:?}");
                assert_eq!(kept.get(..14), id.get(..14), "{kept:?}");
                let gender = |id: &str| id.as_bytes().get(16).map(|d| d % 2);
                assert_eq!(gender(&kept), gender(&id), "{kept:?}");
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
    fn traditional_and_homophone_names_read_back_as_the_person() {
        use procura_core::name::{name_pinyin, normalize_name};
        for (simplified, traditional) in TRADITIONAL {
            let name = format!("王{simplified}");
            let written = format!("王{traditional}");
            let normalized = normalize_name(&written).map(|n| n.simplified);
            assert_eq!(normalized.as_deref(), Ok(name.as_str()), "{written}");
            let (_, _, unmappable) = encoding_rs::GBK.encode(&written);
            assert!(!unmappable, "{written}");
        }
        for (a, b) in HOMOPHONES {
            let (left, right) = (format!("李{a}"), format!("李{b}"));
            assert_eq!(name_pinyin(&left), name_pinyin(&right), "{a} {b}");
            let (_, _, unmappable) = encoding_rs::GBK.encode(&right);
            assert!(!unmappable, "{right}");
        }
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        assert_eq!(homophone(&mut rng, "林强"), None, "the surname stays");
        assert_eq!(homophone(&mut rng, "王伟").as_deref(), Some("王玮"));
        assert_eq!(homophone(&mut rng, "欧阳琳").as_deref(), Some("欧阳林"));
        assert_eq!(spaced_name("欧阳琳"), "欧阳 琳");
        assert_eq!(spaced_name("王伟"), "王 伟");
        let person = person("33060219800101123X", date(1980, 1, 1));
        for charset in [Charset::Gbk, Charset::Unicode] {
            for _ in 0..50 {
                let disguise = disguise(&mut rng, &person, charset, false);
                let normalized = normalize_name(&disguise.name).map(|n| n.simplified);
                let pinyin = name_pinyin(&disguise.name);
                assert_eq!(pinyin, name_pinyin(&person.name), "{disguise:?}");
                assert!(normalized.is_ok(), "{disguise:?}");
                assert!(disguise.note.starts_with("身份证号"), "{disguise:?}");
            }
        }
    }

    #[test]
    fn misrecorded_births_are_real_other_dates() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        for day in [date(1950, 3, 7), date(1960, 12, 31), date(1944, 2, 29)] {
            for _ in 0..100 {
                let wrong = misrecorded_birth(&mut rng, day);
                assert_ne!(wrong, day);
                let same =
                    |a: String, b: String| a.chars().zip(b.chars()).filter(|(x, y)| x == y).count();
                let swapped = wrong.day() == day.month() && wrong.month() == day.day();
                let typo = same(
                    wrong.format("%Y%m%d").to_string(),
                    day.format("%Y%m%d").to_string(),
                ) == 7;
                assert!(swapped || typo, "{day} → {wrong}");
            }
        }
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
