//! Dates, months and timestamps as Chinese agencies write them: ISO and slash forms,
//! `2024年3月5日`, the Chinese-numeral dates of court judgments (`二〇二四年三月五日`),
//! compact `20240305`, and Excel serial numbers that lost their cell format on export.
//!
//! The parser never guesses. A two-digit year or a day/month order that cannot be told
//! apart is reported as [`DateError::Ambiguous`] so that a person decides, because a wrong
//! date in a case file is worse than a missing one. Every accepted date is a real calendar
//! day between [`MIN_YEAR`] and [`MAX_YEAR`].

use chrono::{Datelike, Days, NaiveDate, NaiveDateTime, NaiveTime};

use crate::text::{half_width_char, is_invisible, trim_invisible};

/// The earliest year a parsed date may have: agency records do not reach further back, so an
/// earlier year is a typo or a number that was never a date.
pub const MIN_YEAR: i32 = 1800;

/// The latest year a parsed date may have, for the same reason as [`MIN_YEAR`].
pub const MAX_YEAR: i32 = 2200;

/// The largest serial Excel can display as a date (9999-12-31 in the 1900 system).
const MAX_SERIAL: u32 = 2_958_465;

/// The serial that Excel's 1900 system gives to the fictitious 1900-02-29 (a Lotus 1-2-3 bug
/// Excel kept for compatibility).
const FICTITIOUS_LEAP_DAY: i64 = 60;

const SECONDS_PER_DAY: i64 = 86_400;

const WHY_TWO_DIGIT_YEAR: &str = "two-digit year";
const WHY_YYMMDD: &str = "six digits read as a date have a two-digit year (yymmdd)";
const WHY_ORDER: &str = "day and month order unknown";
const WHY_YYMM: &str = "four digits read as a month have a two-digit year (yymm)";

/// Which epoch an Excel serial number counts from (a workbook-wide flag in xlsx).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExcelDateSystem {
    /// Windows Excel's default: serial 1 is 1900-01-01 and serial 60 is the fictitious 1900-02-29.
    #[default]
    Excel1900,
    /// Old Mac Excel: serial 0 is 1904-01-01.
    Excel1904,
}

/// A calendar date, with the time of day when the source stated one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParsedDate {
    /// The calendar day.
    pub date: NaiveDate,
    /// The time of day, `None` when the input was a date alone.
    pub time: Option<NaiveTime>,
}

impl ParsedDate {
    /// The date and time together, with midnight standing in for a missing time.
    pub fn datetime(self) -> NaiveDateTime {
        self.date.and_time(self.time.unwrap_or(NaiveTime::MIN))
    }
}

/// Why a string is not a date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    /// Nothing but invisible characters.
    #[error("empty")]
    Empty,
    /// Readable as more than one date; a person has to decide.
    #[error("ambiguous date `{raw}`: {why}")]
    Ambiguous { raw: String, why: &'static str },
    /// Not in any date form this module knows.
    #[error("not a date: `{raw}`")]
    Unrecognised { raw: String },
    /// Well-formed, but the day does not exist (`2023-02-30`, `19990230`, month 13).
    #[error("no such day: `{raw}`")]
    InvalidDay { raw: String },
    /// A real day, but outside [`MIN_YEAR`]..=[`MAX_YEAR`].
    #[error("date out of range: `{raw}`")]
    OutOfRange { raw: String },
}

impl DateError {
    /// A stable snake_case code for reports and dashboards; the `Display` text may change.
    pub fn code(&self) -> &'static str {
        match self {
            DateError::Empty => "empty",
            DateError::Ambiguous { .. } => "ambiguous",
            DateError::Unrecognised { .. } => "unrecognised",
            DateError::InvalidDay { .. } => "invalid_day",
            DateError::OutOfRange { .. } => "out_of_range",
        }
    }
}

/// The error without its raw text, so that inner parsers need not carry the input around.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fail {
    Empty,
    Ambiguous(&'static str),
    Unrecognised,
    InvalidDay,
    OutOfRange,
}

impl Fail {
    fn into_error(self, raw: &str) -> DateError {
        // The error shows what the user wrote (trimmed), not our normalised form.
        let raw = trim_invisible(raw).to_string();
        match self {
            Fail::Empty => DateError::Empty,
            Fail::Ambiguous(why) => DateError::Ambiguous { raw, why },
            Fail::Unrecognised => DateError::Unrecognised { raw },
            Fail::InvalidDay => DateError::InvalidDay { raw },
            Fail::OutOfRange => DateError::OutOfRange { raw },
        }
    }
}

/// Parses a date or a timestamp.
///
/// Accepted forms (after full-width to half-width conversion and trimming):
/// - `2024-03-05`, `2024/3/5`, `2024.3.5`, compact `20240305`;
/// - `2024年3月5日`, `2024年03月05号`, and Chinese numerals: `二〇二四年三月五日`;
/// - any of these followed by a time: `14:30`, `14:30:15`, `14:30:15.123`, `14时30分`,
///   `14时许`; ISO `2024-03-05T14:30:15`; compact `202403051430` and `20240305143015`;
/// - `dd/mm/yyyy` or `mm/dd/yyyy` when only one reading is a real day (or both agree);
/// - an Excel serial written as text (`45356`, `45356.5`), counted from `system`.
///
/// A bare four-digit number from 1800 to 2200 (optionally with a decimal part) is taken to be
/// a year or a `year.month`, not a serial, and is `Unrecognised`: serials of that size would be
/// dates in 1904–1906, which agency data does not contain. Serials are integers without
/// leading zeros. Time-zone suffixes (`Z`, `+08:00`) are `Unrecognised` because dropping them
/// would silently shift the time.
pub fn parse_date(raw: &str, system: ExcelDateSystem) -> Result<ParsedDate, DateError> {
    let s = normalize(raw);
    parse_normalized(&s, Some(system)).map_err(|f| f.into_error(raw))
}

/// Parses a month and returns its first day, reading Excel serials in the 1900 date system
/// (what every CSV saved by Excel and every JSON export uses). A workbook's own system is
/// honoured by [`parse_month_in`].
pub fn parse_month(raw: &str) -> Result<NaiveDate, DateError> {
    parse_month_in(raw, ExcelDateSystem::Excel1900)
}

/// Parses a month and returns its first day; Excel serials count from `system`.
///
/// Accepts `202403`, `2024-03`, `2024/3`, `2024.3`, `03/2024`, `2024年3月`, `2024年3月份`,
/// `二〇二四年三月`, and every date or timestamp [`parse_date`] accepts, Excel serials included
/// (`45444` and `45444.5` are days in June 2024, so the month is 2024-06): a month column
/// that went through Excel holds the same serials as a date column, and a date names its month
/// without any guess. The issue codes are the ones [`parse_date`] gives for the same text.
///
/// Plain numbers are read by their number of integer digits, and the month forms come first:
/// - six digits are `yyyymm` (`202403`), never a serial (that would be a day in 2452);
/// - four digits alone are never a month: a year from 1800 to 2200 (`2024`) is
///   `Unrecognised`, and anything else whose last two digits could be a month (`2403`) is
///   `Ambiguous`, since it can only be `yymm` with a two-digit year;
/// - one to three digits (`3`, `12`, `202`) are `Unrecognised`: as serials they would be days
///   of 1900, and in a month column they are a month number without its year;
/// - five digits (`45444`, days from 1927 to 2173) and seven digits are serials, as in
///   [`parse_date`] (seven-digit serials are after 2200, so `OutOfRange`); eight digits are
///   `yyyymmdd`.
pub fn parse_month_in(raw: &str, system: ExcelDateSystem) -> Result<NaiveDate, DateError> {
    let s = normalize(raw);
    month_normalized(&s, system).map_err(|f| f.into_error(raw))
}

/// Converts an Excel serial number to a date and time.
///
/// Returns `None` for values that are not finite, negative, beyond 9999-12-31, before serial 1
/// in the 1900 system (those are times without a date), or exactly on the fictitious
/// 1900-02-29. The fraction is the time of day, rounded to the nearest second; it does not
/// check [`MIN_YEAR`]/[`MAX_YEAR`] because the function is about Excel, not about plausibility.
pub fn excel_serial_to_datetime(serial: f64, system: ExcelDateSystem) -> Option<NaiveDateTime> {
    let (day, seconds) = serial_parts(serial)?;
    let date = match system {
        ExcelDateSystem::Excel1900 => {
            if day < 1 || day == FICTITIOUS_LEAP_DAY {
                return None;
            }
            // Before the fictitious leap day serials count from 1899-12-31; after it Excel is
            // one day ahead, so counting from 1899-12-30 gives the real date.
            let epoch = if day < FICTITIOUS_LEAP_DAY {
                NaiveDate::from_ymd_opt(1899, 12, 31)?
            } else {
                NaiveDate::from_ymd_opt(1899, 12, 30)?
            };
            epoch.checked_add_days(Days::new(u64::try_from(day).ok()?))?
        }
        ExcelDateSystem::Excel1904 => NaiveDate::from_ymd_opt(1904, 1, 1)?
            .checked_add_days(Days::new(u64::try_from(day).ok()?))?,
    };
    let time = NaiveTime::from_num_seconds_from_midnight_opt(seconds, 0)?;
    Some(date.and_time(time))
}

/// Splits a serial into whole days and seconds of the day, rounding to the nearest second
/// first so that `x.99999999` becomes midnight of the next day rather than 23:59:60.
fn serial_parts(serial: f64) -> Option<(i64, u32)> {
    if !serial.is_finite() || serial < 0.0 || serial >= f64::from(MAX_SERIAL) + 1.0 {
        return None;
    }
    // Bounded above by about 2.6e11, so the conversion to i64 is exact and cannot saturate.
    let total = (serial * SECONDS_PER_DAY as f64).round() as i64;
    let day = total.div_euclid(SECONDS_PER_DAY);
    if day > i64::from(MAX_SERIAL) {
        return None;
    }
    let seconds = u32::try_from(total.rem_euclid(SECONDS_PER_DAY)).ok()?;
    Some((day, seconds))
}

/// Full-width to half-width, every dash-like character to `-`, then trimming.
fn normalize(raw: &str) -> String {
    let s: String = raw
        .chars()
        .map(|c| match half_width_char(c) {
            '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
            c => c,
        })
        .collect();
    trim_invisible(&s).to_string()
}

fn parse_normalized(s: &str, serials: Option<ExcelDateSystem>) -> Result<ParsedDate, Fail> {
    if s.is_empty() {
        return Err(Fail::Empty);
    }
    if let Some(result) = parse_number(s, serials) {
        return result;
    }
    let (date_part, time_part) = split_date_time(s);
    let date = if date_part.contains('年') {
        parse_chinese_date(date_part)?
    } else {
        parse_separated_date(date_part)?
    };
    let time = match time_part {
        None => None,
        Some(t) => Some(parse_time(t).ok_or(Fail::Unrecognised)?),
    };
    Ok(ParsedDate { date, time })
}

/// Handles strings that are one number: compact dates and timestamps, and Excel serials.
/// Returns `None` when `s` is not a plain number, so that the other forms get their turn.
fn parse_number(s: &str, serials: Option<ExcelDateSystem>) -> Option<Result<ParsedDate, Fail>> {
    let (int, frac) = match s.split_once('.') {
        Some((int, frac)) => (int, Some(frac)),
        None => (s, None),
    };
    if !is_digits(int) || frac.is_some_and(|f| !is_digits(f)) {
        return None;
    }
    Some(match (int.len(), frac) {
        (8, None) => compact_date(int).map(|date| ParsedDate { date, time: None }),
        (12 | 14, None) => compact_timestamp(int),
        (6, None) => Err(Fail::Ambiguous(WHY_YYMMDD)),
        _ => parse_serial(s, int, frac.is_some(), serials),
    })
}

/// Reads `yyyymmdd`.
fn compact_date(digits: &str) -> Result<NaiveDate, Fail> {
    match split_digits(digits, &[4, 2, 2]).as_deref() {
        Some(&[y, m, d]) => ymd(y, m, d),
        _ => Err(Fail::Unrecognised),
    }
}

/// Reads `yyyymmddHHMM` and `yyyymmddHHMMSS`, which database exports use for timestamps.
fn compact_timestamp(digits: &str) -> Result<ParsedDate, Fail> {
    let (y, m, d, h, mi, sec) = match split_digits(digits, &[4, 2, 2, 2, 2, 2]).as_deref() {
        Some(&[y, m, d, h, mi, sec]) => (y, m, d, h, mi, sec),
        _ => match split_digits(digits, &[4, 2, 2, 2, 2]).as_deref() {
            Some(&[y, m, d, h, mi]) => (y, m, d, h, mi, 0),
            _ => return Err(Fail::Unrecognised),
        },
    };
    let date = ymd(y, m, d)?;
    let time = NaiveTime::from_hms_opt(h, mi, sec).ok_or(Fail::Unrecognised)?;
    Ok(ParsedDate {
        date,
        time: Some(time),
    })
}

/// Reads an Excel serial written as text. `text` is the whole number, `int` its integer part.
fn parse_serial(
    text: &str,
    int: &str,
    has_fraction: bool,
    serials: Option<ExcelDateSystem>,
) -> Result<ParsedDate, Fail> {
    let Some(system) = serials else {
        return Err(Fail::Unrecognised);
    };
    // Excel never writes a serial with leading zeros; `0305` is somebody's month and day.
    if int.len() > 1 && int.starts_with('0') {
        return Err(Fail::Unrecognised);
    }
    let value = digits_value(int).ok_or(Fail::Unrecognised)?;
    if value == 0 || value > MAX_SERIAL {
        return Err(Fail::Unrecognised);
    }
    let year_like = i32::try_from(value).is_ok_and(|v| (MIN_YEAR..=MAX_YEAR).contains(&v));
    if int.len() == 4 && year_like {
        return Err(Fail::Unrecognised);
    }
    let serial: f64 = text.parse().map_err(|_| Fail::Unrecognised)?;
    let (day, _) = serial_parts(serial).ok_or(Fail::Unrecognised)?;
    if system == ExcelDateSystem::Excel1900 && day == FICTITIOUS_LEAP_DAY {
        return Err(Fail::InvalidDay);
    }
    let datetime = excel_serial_to_datetime(serial, system).ok_or(Fail::OutOfRange)?;
    check_range(datetime.date())?;
    Ok(ParsedDate {
        date: datetime.date(),
        time: has_fraction.then(|| datetime.time()),
    })
}

/// Splits a timestamp into its date and its time. A Chinese date ends at `日`/`号` (the time
/// may follow without a space); other dates end at an ISO `T` or at the first space.
fn split_date_time(s: &str) -> (&str, Option<&str>) {
    let cut = if s.contains('年') {
        s.char_indices()
            .find(|&(_, c)| matches!(c, '日' | '号'))
            .map(|(i, c)| (i + c.len_utf8(), i + c.len_utf8()))
    } else {
        let chars: Vec<(usize, char)> = s.char_indices().collect();
        let iso_t = chars.windows(3).find_map(|w| match w {
            [(_, a), (i, 'T'), (_, b)] if a.is_ascii_digit() && b.is_ascii_digit() => {
                Some((*i, *i + 1))
            }
            _ => None,
        });
        iso_t.or_else(|| {
            chars
                .iter()
                .find(|&&(_, c)| is_invisible(c))
                .map(|&(i, c)| (i, i + c.len_utf8()))
        })
    };
    let Some((date_end, time_start)) = cut else {
        return (s, None);
    };
    match (s.get(..date_end), s.get(time_start..)) {
        (Some(date), Some(time)) => {
            let time = trim_invisible(time);
            (date, (!time.is_empty()).then_some(time))
        }
        _ => (s, None),
    }
}

/// Reads `y-m-d`, `y/m/d`, `y.m.d` and the day/month-first forms with a four-digit year last.
fn parse_separated_date(d: &str) -> Result<NaiveDate, Fail> {
    let sep = d
        .chars()
        .find(|c| !c.is_ascii_digit())
        .ok_or(Fail::Unrecognised)?;
    if !matches!(sep, '-' | '/' | '.') {
        return Err(Fail::Unrecognised);
    }
    let parts: Vec<&str> = d.split(sep).collect();
    let &[a, b, c] = parts.as_slice() else {
        return Err(Fail::Unrecognised);
    };
    if !(is_digits(a) && is_digits(b) && is_digits(c)) {
        return Err(Fail::Unrecognised);
    }
    let value = |s: &str| digits_value(s).ok_or(Fail::Unrecognised);
    match (a.len(), b.len(), c.len()) {
        (4, 1..=2, 1..=2) => ymd(value(a)?, value(b)?, value(c)?),
        (1..=2, 1..=2, 4) => day_or_month_first(value(a)?, value(b)?, value(c)?),
        (1..=2, 1..=2, 1..=2) => Err(Fail::Ambiguous(WHY_TWO_DIGIT_YEAR)),
        _ => Err(Fail::Unrecognised),
    }
}

/// `a/b/yyyy` is `dd/mm/yyyy` in most of the world and `mm/dd/yyyy` in US-made software.
/// Only when exactly one reading is a real day (or both give the same day) is it accepted.
fn day_or_month_first(a: u32, b: u32, year: u32) -> Result<NaiveDate, Fail> {
    let year = check_year(year)?;
    let day_first = NaiveDate::from_ymd_opt(year, b, a);
    let month_first = NaiveDate::from_ymd_opt(year, a, b);
    match (day_first, month_first) {
        (Some(x), Some(y)) if x == y => Ok(x),
        (Some(_), Some(_)) => Err(Fail::Ambiguous(WHY_ORDER)),
        (Some(x), None) | (None, Some(x)) => Ok(x),
        (None, None) => Err(Fail::InvalidDay),
    }
}

/// Reads `2024年3月5日` and its Chinese-numeral forms. Spaces inside are ignored because
/// word processors often put them around the numbers.
fn parse_chinese_date(d: &str) -> Result<NaiveDate, Fail> {
    let d: String = d.chars().filter(|c| !is_invisible(*c)).collect();
    let (y, rest) = d.split_once('年').ok_or(Fail::Unrecognised)?;
    let (m, rest) = rest.split_once('月').ok_or(Fail::Unrecognised)?;
    let day = rest
        .strip_suffix('日')
        .or_else(|| rest.strip_suffix('号'))
        .ok_or(Fail::Unrecognised)?;
    let year = chinese_year(y)?;
    let month = small_number(m).ok_or(Fail::Unrecognised)?;
    let day = small_number(day).ok_or(Fail::Unrecognised)?;
    ymd(year, month, day)
}

/// A year written digit by digit, in Arabic or Chinese digits (`2024`, `二〇二四`, `二零二四`).
fn chinese_year(y: &str) -> Result<u32, Fail> {
    let digits: Option<Vec<u32>> = y.chars().map(year_digit).collect();
    let digits = digits.ok_or(Fail::Unrecognised)?;
    match digits.len() {
        4 => Ok(digits.iter().fold(0, |acc, d| acc * 10 + d)),
        2 => Err(Fail::Ambiguous(WHY_TWO_DIGIT_YEAR)),
        _ => Err(Fail::Unrecognised),
    }
}

/// One digit of a year. `○` and the letter `O` stand in for `〇` when a font lacks it.
fn year_digit(c: char) -> Option<u32> {
    c.to_digit(10).or_else(|| chinese_digit(c))
}

/// A Chinese digit 〇..九 (with 零, ○ and O as zero).
fn chinese_digit(c: char) -> Option<u32> {
    Some(match c {
        '〇' | '零' | '○' | 'O' | 'o' => 0,
        '一' => 1,
        '二' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        _ => return None,
    })
}

/// A number from 0 to 99 as used for months, days and clock times: one or two Arabic digits,
/// one or two Chinese digits (`三`, `〇三`), or a 十 form (`十`, `十一`, `二十`, `三十一`).
fn small_number(s: &str) -> Option<u32> {
    if s.len() <= 2 && is_digits(s) {
        return digits_value(s);
    }
    let chars: Vec<char> = s.chars().collect();
    if let Some(pos) = chars.iter().position(|&c| c == '十') {
        let (tens, rest) = chars.split_at(pos);
        let units = rest.get(1..)?;
        let nonzero = |c: &char| chinese_digit(*c).filter(|d| *d > 0);
        let tens = match tens {
            [] => 1,
            [c] => nonzero(c)?,
            _ => return None,
        };
        let units = match units {
            [] => 0,
            [c] => nonzero(c)?,
            _ => return None,
        };
        return Some(tens * 10 + units);
    }
    match chars.as_slice() {
        [a] => chinese_digit(*a),
        [a, b] => Some(chinese_digit(*a)? * 10 + chinese_digit(*b)?),
        _ => None,
    }
}

/// Reads a time of day: `14:30`, `9:05:00`, `14:30:15.123`, `14时30分15秒`, `14点30`, `22时许`.
fn parse_time(t: &str) -> Option<NaiveTime> {
    let t: String = t.chars().filter(|c| !is_invisible(*c)).collect();
    if t.contains(':') {
        colon_time(&t)
    } else {
        chinese_time(&t)
    }
}

fn colon_time(t: &str) -> Option<NaiveTime> {
    let parts: Vec<&str> = t.split(':').collect();
    let (h, m, s) = match *parts.as_slice() {
        [h, m] => (h, m, None),
        [h, m, s] => (h, m, Some(s)),
        _ => return None,
    };
    if !(1..=2).contains(&h.len()) || m.len() != 2 {
        return None;
    }
    let (sec, nano) = match s {
        None => (0, 0),
        Some(s) => {
            let (sec, frac) = match s.split_once('.') {
                Some((sec, frac)) => (sec, Some(frac)),
                None => (s, None),
            };
            if sec.len() != 2 {
                return None;
            }
            let nano = match frac {
                None => 0,
                Some(f) if (1..=9).contains(&f.len()) => {
                    let exponent = u32::try_from(9 - f.len()).ok()?;
                    digits_value(f)? * 10u32.pow(exponent)
                }
                Some(_) => return None,
            };
            (digits_value(sec)?, nano)
        }
    };
    NaiveTime::from_hms_nano_opt(digits_value(h)?, digits_value(m)?, sec, nano)
}

/// `14时30分15秒`, `14点30分`, `14点30`, `14时`, `22时许` (许, "about", is common in judgments
/// and adds no information we could store).
fn chinese_time(t: &str) -> Option<NaiveTime> {
    let (mut hour, mut minute, mut second) = (None, None, None);
    let mut closed = false;
    let mut buf = String::new();
    for c in t.chars() {
        if closed {
            return None;
        }
        match c {
            '时' | '点' if hour.is_none() => {
                hour = Some(small_number(&buf)?);
                buf.clear();
            }
            '分' if hour.is_some() && minute.is_none() => {
                minute = Some(small_number(&buf)?);
                buf.clear();
            }
            '秒' if minute.is_some() && second.is_none() => {
                second = Some(small_number(&buf)?);
                buf.clear();
            }
            '许' | '整' if hour.is_some() && buf.is_empty() => closed = true,
            _ => buf.push(c),
        }
    }
    if !buf.is_empty() {
        // `14点30` leaves the minutes without their 分.
        if hour.is_none() || minute.is_some() {
            return None;
        }
        minute = Some(small_number(&buf)?);
    }
    NaiveTime::from_hms_opt(hour?, minute.unwrap_or(0), second.unwrap_or(0))
}

fn month_normalized(s: &str, system: ExcelDateSystem) -> Result<NaiveDate, Fail> {
    if s.is_empty() {
        return Err(Fail::Empty);
    }
    if let Some(result) = month_form(s) {
        return result;
    }
    // See `parse_month_in`: short numbers are a month without a year, not a serial of 1900.
    let int = s.split_once('.').map_or(s, |(int, _)| int);
    if is_digits(int) && int.len() <= 3 {
        return Err(Fail::Unrecognised);
    }
    let parsed = parse_normalized(s, Some(system))?;
    parsed.date.with_day(1).ok_or(Fail::InvalidDay)
}

/// The forms that state only a month. `None` means "not a month form", and the caller tries
/// the full-date forms.
fn month_form(s: &str) -> Option<Result<NaiveDate, Fail>> {
    if is_digits(s) {
        return match s.len() {
            6 => Some(match split_digits(s, &[4, 2]).as_deref() {
                Some(&[y, m]) => ym(y, m),
                _ => Err(Fail::Unrecognised),
            }),
            4 => Some(Err(four_digits_as_month(s))),
            _ => None,
        };
    }
    if s.contains('年') {
        let compact: String = s.chars().filter(|c| !is_invisible(*c)).collect();
        let body = compact.strip_suffix('份').unwrap_or(&compact);
        let (y, m) = body.strip_suffix('月')?.split_once('年')?;
        return Some(
            chinese_year(y).and_then(|y| ym(y, small_number(m).ok_or(Fail::Unrecognised)?)),
        );
    }
    let sep = s.chars().find(|c| !c.is_ascii_digit())?;
    if !matches!(sep, '-' | '/' | '.') {
        return None;
    }
    let parts: Vec<&str> = s.split(sep).collect();
    let &[a, b] = parts.as_slice() else {
        return None;
    };
    if !(is_digits(a) && is_digits(b)) {
        return None;
    }
    let value = |s: &str| digits_value(s).ok_or(Fail::Unrecognised);
    Some(match (a.len(), b.len()) {
        (4, 1..=2) => value(a).and_then(|y| ym(y, value(b)?)),
        (1..=2, 4) => value(b).and_then(|y| ym(y, value(a)?)),
        (1..=2, 1..=2) => Err(Fail::Ambiguous(WHY_TWO_DIGIT_YEAR)),
        // Not a month form; a serial with a fraction (`45444.5`) is one of the full forms.
        _ => return None,
    })
}

/// See [`parse_month_in`]: four digits are a bare year or a `yymm` with a two-digit year.
fn four_digits_as_month(s: &str) -> Fail {
    let year_like = digits_value(s)
        .and_then(|v| i32::try_from(v).ok())
        .is_some_and(|v| (MIN_YEAR..=MAX_YEAR).contains(&v));
    let month_like = s
        .get(2..)
        .and_then(digits_value)
        .is_some_and(|m| (1..=12).contains(&m));
    if !year_like && month_like {
        Fail::Ambiguous(WHY_YYMM)
    } else {
        Fail::Unrecognised
    }
}

fn ym(year: u32, month: u32) -> Result<NaiveDate, Fail> {
    let year = check_year(year)?;
    NaiveDate::from_ymd_opt(year, month, 1).ok_or(Fail::InvalidDay)
}

/// The one constructor every path goes through, so range and validity are checked alike.
fn ymd(year: u32, month: u32, day: u32) -> Result<NaiveDate, Fail> {
    let year = check_year(year)?;
    NaiveDate::from_ymd_opt(year, month, day).ok_or(Fail::InvalidDay)
}

fn check_year(year: u32) -> Result<i32, Fail> {
    i32::try_from(year)
        .ok()
        .filter(|y| (MIN_YEAR..=MAX_YEAR).contains(y))
        .ok_or(Fail::OutOfRange)
}

fn check_range(date: NaiveDate) -> Result<(), Fail> {
    if (MIN_YEAR..=MAX_YEAR).contains(&date.year()) {
        Ok(())
    } else {
        Err(Fail::OutOfRange)
    }
}

/// True for a non-empty run of ASCII digits.
fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// The value of up to nine ASCII digits (more could overflow `u32`).
fn digits_value(s: &str) -> Option<u32> {
    if !is_digits(s) || s.len() > 9 {
        return None;
    }
    s.bytes().try_fold(0u32, |acc, b| {
        acc.checked_mul(10)?.checked_add(u32::from(b - b'0'))
    })
}

/// Cuts an all-digit string into fields of the given widths, which must use it up exactly.
fn split_digits(s: &str, widths: &[usize]) -> Option<Vec<u32>> {
    if !is_digits(s) || s.len() != widths.iter().sum::<usize>() {
        return None;
    }
    let mut rest = s;
    let mut out = Vec::with_capacity(widths.len());
    for &w in widths {
        let (field, tail) = rest.split_at_checked(w)?;
        out.push(digits_value(field)?);
        rest = tail;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SYS: ExcelDateSystem = ExcelDateSystem::Excel1900;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn hms(h: u32, m: u32, s: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, s).unwrap()
    }

    /// Asserts that `input` parses to the date `expected` (`yyyy-mm-dd`) with no time.
    fn check(input: &str, expected: &str) {
        let want = NaiveDate::parse_from_str(expected, "%Y-%m-%d").unwrap();
        assert_eq!(
            parse_date(input, SYS),
            Ok(ParsedDate {
                date: want,
                time: None
            }),
            "input {input:?}"
        );
    }

    /// Asserts that `input` parses to the timestamp `expected` (`yyyy-mm-dd HH:MM:SS`).
    fn check_time(input: &str, expected: &str) {
        let want = NaiveDateTime::parse_from_str(expected, "%Y-%m-%d %H:%M:%S%.f").unwrap();
        let got = parse_date(input, SYS).unwrap_or_else(|e| panic!("{input:?}: {e}"));
        assert!(got.time.is_some(), "{input:?} lost its time");
        assert_eq!(got.datetime(), want, "input {input:?}");
    }

    fn code(input: &str) -> &'static str {
        match parse_date(input, SYS) {
            Ok(p) => panic!("{input:?} parsed as {p:?}"),
            Err(e) => e.code(),
        }
    }

    fn month(input: &str, expected: &str) {
        let want = NaiveDate::parse_from_str(&format!("{expected}-01"), "%Y-%m-%d").unwrap();
        assert_eq!(parse_month(input), Ok(want), "input {input:?}");
    }

    fn month_code(input: &str) -> &'static str {
        match parse_month(input) {
            Ok(d) => panic!("{input:?} parsed as {d}"),
            Err(e) => e.code(),
        }
    }

    // ISO and separated forms.

    #[test]
    fn iso_date() {
        check("2024-03-05", "2024-03-05");
    }

    #[test]
    fn slash_without_padding() {
        check("2024/3/5", "2024-03-05");
    }

    #[test]
    fn dot_separated() {
        check("2024.3.5", "2024-03-05");
    }

    #[test]
    fn dash_without_padding() {
        check("2024-3-5", "2024-03-05");
    }

    #[test]
    fn compact_eight_digits() {
        check("20240305", "2024-03-05");
    }

    #[test]
    fn full_width_digits_and_separators() {
        check("２０２４－０３－０５", "2024-03-05");
        check("２０２４／３／５", "2024-03-05");
    }

    #[test]
    fn invisible_padding_is_trimmed() {
        check("\u{FEFF} 2024-03-05\u{3000}\u{200B}", "2024-03-05");
    }

    #[test]
    fn unicode_dashes_are_separators() {
        check("2024\u{2013}03\u{2013}05", "2024-03-05");
    }

    #[test]
    fn mixed_separators_are_rejected() {
        assert_eq!(code("2024-03/05"), "unrecognised");
    }

    #[test]
    fn three_digit_month_is_rejected() {
        assert_eq!(code("2024-003-05"), "unrecognised");
    }

    // Chinese forms with Arabic digits.

    #[test]
    fn chinese_markers() {
        check("2024年3月5日", "2024-03-05");
    }

    #[test]
    fn chinese_markers_padded() {
        check("2024年03月05日", "2024-03-05");
    }

    #[test]
    fn hao_instead_of_ri() {
        check("2024年3月5号", "2024-03-05");
    }

    #[test]
    fn spaces_inside_chinese_date() {
        check("2024 年 3 月 5 日", "2024-03-05");
    }

    #[test]
    fn chinese_date_without_day_is_not_a_date() {
        assert_eq!(code("2024年3月"), "unrecognised");
    }

    #[test]
    fn chinese_two_digit_year_is_ambiguous() {
        assert_eq!(code("24年3月5日"), "ambiguous");
    }

    // Chinese numerals.

    #[test]
    fn chinese_numerals_with_ling_circle() {
        check("二〇二四年三月五日", "2024-03-05");
    }

    #[test]
    fn chinese_numerals_with_ling_character() {
        check("二零二四年三月五日", "2024-03-05");
    }

    #[test]
    fn chinese_numerals_with_white_circle_and_letter_o() {
        check("二○二四年三月五日", "2024-03-05");
        check("二O二四年三月五日", "2024-03-05");
    }

    #[test]
    fn chinese_numerals_december_thirty_first() {
        check("二〇二三年十二月三十一日", "2023-12-31");
    }

    #[test]
    fn chinese_numerals_october_twentieth() {
        check("二〇二四年十月二十日", "2024-10-20");
    }

    #[test]
    fn chinese_numerals_november_first() {
        check("一九九九年十一月一日", "1999-11-01");
    }

    #[test]
    fn chinese_numerals_tenth_and_twenty_first() {
        check("二〇二四年一月十日", "2024-01-10");
        check("二〇二四年二月二十一日", "2024-02-21");
    }

    #[test]
    fn chinese_numerals_digit_by_digit_month() {
        check("二〇二四年〇三月〇五日", "2024-03-05");
    }

    #[test]
    fn chinese_numerals_invalid_day() {
        assert_eq!(code("二〇二三年二月二十九日"), "invalid_day");
    }

    #[test]
    fn chinese_numerals_malformed_ten_form() {
        assert_eq!(code("二〇二四年三月十十日"), "unrecognised");
        assert_eq!(code("二〇二四年三月二十〇日"), "unrecognised");
    }

    #[test]
    fn chinese_month_thirteen_is_invalid_day() {
        assert_eq!(code("二〇二四年十三月一日"), "invalid_day");
    }

    // Timestamps.

    #[test]
    fn timestamp_minutes() {
        check_time("2024-03-05 14:30", "2024-03-05 14:30:00");
    }

    #[test]
    fn timestamp_seconds() {
        check_time("2024-03-05 14:30:15", "2024-03-05 14:30:15");
    }

    #[test]
    fn timestamp_iso_t() {
        check_time("2024-03-05T14:30:15", "2024-03-05 14:30:15");
    }

    #[test]
    fn timestamp_single_digit_hour() {
        check_time("2024/3/5 9:05:00", "2024-03-05 09:05:00");
    }

    #[test]
    fn timestamp_milliseconds() {
        check_time("2024-03-05 14:30:15.123", "2024-03-05 14:30:15.123");
    }

    #[test]
    fn timestamp_chinese_hours_minutes() {
        check_time("2024年3月5日 14时30分", "2024-03-05 14:30:00");
    }

    #[test]
    fn timestamp_chinese_date_then_colon_time() {
        check_time("2024年3月5日14:30", "2024-03-05 14:30:00");
    }

    #[test]
    fn timestamp_judgment_style_about() {
        check_time("2023年5月6日22时许", "2023-05-06 22:00:00");
    }

    #[test]
    fn timestamp_dian_without_fen() {
        check_time("2024年3月5日14点30", "2024-03-05 14:30:00");
    }

    #[test]
    fn timestamp_chinese_seconds() {
        check_time("2024年3月5日14时30分15秒", "2024-03-05 14:30:15");
    }

    #[test]
    fn timestamp_chinese_numeral_time() {
        check_time("二〇二四年三月五日十四时三十分", "2024-03-05 14:30:00");
    }

    #[test]
    fn timestamp_compact_fourteen_digits() {
        check_time("20240305143015", "2024-03-05 14:30:15");
    }

    #[test]
    fn timestamp_compact_twelve_digits() {
        check_time("202403051430", "2024-03-05 14:30:00");
    }

    #[test]
    fn timestamp_midnight_keeps_time() {
        let got = parse_date("2024-03-05 00:00:00", SYS).unwrap();
        assert_eq!(got.time, Some(hms(0, 0, 0)));
    }

    #[test]
    fn timestamp_with_zone_is_rejected() {
        assert_eq!(code("2024-03-05T14:30:15Z"), "unrecognised");
        assert_eq!(code("2024-03-05T14:30:15+08:00"), "unrecognised");
    }

    #[test]
    fn timestamp_invalid_hour_is_rejected() {
        assert_eq!(code("2024-03-05 25:00"), "unrecognised");
        assert_eq!(code("2024-03-05 14:3"), "unrecognised");
        assert_eq!(code("20240305250000"), "unrecognised");
    }

    #[test]
    fn timestamp_garbage_after_date_is_rejected() {
        assert_eq!(code("2024-03-05 下午"), "unrecognised");
        assert_eq!(code("2024年3月5日许"), "unrecognised");
    }

    // Excel serials.

    #[test]
    fn serial_integer() {
        check("45356", "2024-03-05");
    }

    #[test]
    fn serial_with_fraction_has_time() {
        check_time("45356.5", "2024-03-05 12:00:00");
    }

    #[test]
    fn serial_one_is_first_of_1900() {
        check("1", "1900-01-01");
    }

    #[test]
    fn serial_fifty_nine_and_sixty_one() {
        check("59", "1900-02-28");
        check("61", "1900-03-01");
    }

    #[test]
    fn serial_sixty_is_fictitious() {
        assert_eq!(code("60"), "invalid_day");
    }

    #[test]
    fn serial_1904_system() {
        assert_eq!(
            parse_date("43894", ExcelDateSystem::Excel1904).map(|p| p.date),
            Ok(date(2024, 3, 5))
        );
    }

    #[test]
    fn serial_zero_and_leading_zero_are_rejected() {
        assert_eq!(code("0"), "unrecognised");
        assert_eq!(code("0305"), "unrecognised");
    }

    #[test]
    fn serial_beyond_9999_is_rejected() {
        assert_eq!(code("2958466"), "unrecognised");
    }

    #[test]
    fn serial_beyond_2200_is_out_of_range() {
        assert_eq!(code("2958465"), "out_of_range");
    }

    #[test]
    fn bare_year_is_not_a_serial() {
        assert_eq!(code("2024"), "unrecognised");
        assert_eq!(code("2024.03"), "unrecognised");
    }

    #[test]
    fn serial_rounds_to_nearest_second() {
        // 0.999999999 of a day is 86399.99991 s, which rounds to the next midnight.
        let got = excel_serial_to_datetime(45_356.999_999_999, SYS).unwrap();
        assert_eq!(got, date(2024, 3, 6).and_time(hms(0, 0, 0)));
        let got = excel_serial_to_datetime(45_356.000_006, SYS).unwrap();
        assert_eq!(got, date(2024, 3, 5).and_time(hms(0, 0, 1)));
    }

    #[test]
    fn serial_function_rejects_nonsense() {
        assert_eq!(excel_serial_to_datetime(f64::NAN, SYS), None);
        assert_eq!(excel_serial_to_datetime(f64::INFINITY, SYS), None);
        assert_eq!(excel_serial_to_datetime(-1.0, SYS), None);
        assert_eq!(excel_serial_to_datetime(0.5, SYS), None);
        assert_eq!(excel_serial_to_datetime(60.0, SYS), None);
        assert_eq!(excel_serial_to_datetime(3e6, SYS), None);
    }

    #[test]
    fn serial_function_1904_epoch() {
        let got = excel_serial_to_datetime(0.0, ExcelDateSystem::Excel1904);
        assert_eq!(got, Some(date(1904, 1, 1).and_time(hms(0, 0, 0))));
    }

    #[test]
    fn serial_function_max_is_9999() {
        let got = excel_serial_to_datetime(2_958_465.0, SYS).map(|d| d.date());
        assert_eq!(got, Some(date(9999, 12, 31)));
    }

    // Ambiguity.

    #[test]
    fn two_digit_year_dashes() {
        assert_eq!(code("24-3-5"), "ambiguous");
    }

    #[test]
    fn two_digit_year_slashes() {
        assert_eq!(code("24/03/05"), "ambiguous");
    }

    #[test]
    fn six_digits_are_ambiguous() {
        assert_eq!(code("240305"), "ambiguous");
    }

    #[test]
    fn day_month_order_unknown() {
        assert_eq!(code("03/05/2024"), "ambiguous");
        assert_eq!(code("3/5/2024"), "ambiguous");
        assert_eq!(code("05-03-2024"), "ambiguous");
    }

    #[test]
    fn ambiguous_error_says_why() {
        let err = parse_date("03/05/2024", SYS).unwrap_err();
        assert_eq!(
            err,
            DateError::Ambiguous {
                raw: "03/05/2024".into(),
                why: WHY_ORDER
            }
        );
        assert_eq!(
            err.to_string(),
            "ambiguous date `03/05/2024`: day and month order unknown"
        );
    }

    #[test]
    fn only_day_first_is_valid() {
        check("25/03/2024", "2024-03-25");
    }

    #[test]
    fn only_month_first_is_valid() {
        check("03/25/2024", "2024-03-25");
    }

    #[test]
    fn both_orders_agree() {
        check("05/05/2024", "2024-05-05");
    }

    #[test]
    fn neither_order_is_valid() {
        assert_eq!(code("13/13/2024"), "invalid_day");
        assert_eq!(code("31/02/2024"), "invalid_day");
    }

    #[test]
    fn day_first_with_time_stays_ambiguous() {
        assert_eq!(code("03/05/2024 14:30"), "ambiguous");
    }

    // Validity and range.

    #[test]
    fn leap_day_in_leap_year() {
        check("2024-02-29", "2024-02-29");
        check("2000-02-29", "2000-02-29");
    }

    #[test]
    fn leap_day_in_common_year() {
        assert_eq!(code("2023-02-29"), "invalid_day");
        assert_eq!(code("1900-02-29"), "invalid_day");
    }

    #[test]
    fn february_thirtieth() {
        assert_eq!(code("2023-02-30"), "invalid_day");
        assert_eq!(code("19990230"), "invalid_day");
    }

    #[test]
    fn month_thirteen_is_invalid_day() {
        assert_eq!(code("2024-13-01"), "invalid_day");
    }

    #[test]
    fn day_zero_is_invalid_day() {
        assert_eq!(code("2024-03-00"), "invalid_day");
    }

    #[test]
    fn year_limits() {
        check("1800-01-01", "1800-01-01");
        check("2200-12-31", "2200-12-31");
        assert_eq!(code("1799-12-31"), "out_of_range");
        assert_eq!(code("2201-01-01"), "out_of_range");
        assert_eq!(code("00000101"), "out_of_range");
    }

    // Rejections.

    #[test]
    fn empty_inputs() {
        assert_eq!(parse_date("", SYS), Err(DateError::Empty));
        assert_eq!(parse_date(" \u{3000}\u{200B}", SYS), Err(DateError::Empty));
    }

    #[test]
    fn words_are_not_dates() {
        assert_eq!(code("明天"), "unrecognised");
        assert_eq!(code("abc"), "unrecognised");
        assert_eq!(code("-"), "unrecognised");
        assert_eq!(code("-5"), "unrecognised");
    }

    #[test]
    fn error_keeps_raw_text() {
        assert_eq!(
            parse_date(" 明天 ", SYS),
            Err(DateError::Unrecognised {
                raw: "明天".into()
            })
        );
    }

    #[test]
    fn error_codes_are_stable() {
        let raw = String::new();
        assert_eq!(DateError::Empty.code(), "empty");
        assert_eq!(
            DateError::Unrecognised { raw: raw.clone() }.code(),
            "unrecognised"
        );
        assert_eq!(
            DateError::InvalidDay { raw: raw.clone() }.code(),
            "invalid_day"
        );
        assert_eq!(DateError::OutOfRange { raw }.code(), "out_of_range");
    }

    #[test]
    fn datetime_defaults_to_midnight() {
        let p = parse_date("2024-03-05", SYS).unwrap();
        assert_eq!(p.datetime(), date(2024, 3, 5).and_time(hms(0, 0, 0)));
    }

    // Months.

    #[test]
    fn month_compact() {
        month("202403", "2024-03");
    }

    #[test]
    fn month_dash_forms() {
        month("2024-03", "2024-03");
        month("2024-3", "2024-03");
    }

    #[test]
    fn month_slash_and_dot() {
        month("2024/03", "2024-03");
        month("2024.3", "2024-03");
    }

    #[test]
    fn month_year_last() {
        month("03/2024", "2024-03");
    }

    #[test]
    fn month_chinese_markers() {
        month("2024年3月", "2024-03");
        month("2024年03月", "2024-03");
        month("2024年3月份", "2024-03");
    }

    #[test]
    fn month_chinese_numerals() {
        month("二〇二四年三月", "2024-03");
        month("二〇二四年十二月", "2024-12");
    }

    #[test]
    fn month_from_full_date() {
        month("2024-03-05", "2024-03");
        month("2024年3月5日", "2024-03");
        month("20240305", "2024-03");
        month("2024-03-05 14:30", "2024-03");
    }

    #[test]
    fn month_thirteen() {
        assert_eq!(month_code("202413"), "invalid_day");
        assert_eq!(month_code("2024-13"), "invalid_day");
        assert_eq!(month_code("2024年13月"), "invalid_day");
    }

    #[test]
    fn month_four_digits() {
        assert_eq!(month_code("2403"), "ambiguous");
        assert_eq!(month_code("2024"), "unrecognised");
        assert_eq!(month_code("2499"), "unrecognised");
    }

    #[test]
    fn month_two_digit_year() {
        assert_eq!(month_code("24-03"), "ambiguous");
        assert_eq!(month_code("24年3月"), "ambiguous");
    }

    #[test]
    fn month_serial_is_the_month_of_its_day() {
        // 45444 is 2024-06-01, 45473 is 2024-06-30 and 45474 is 2024-07-01 in the 1900 system.
        month("45444", "2024-06");
        month("45473", "2024-06");
        month("45474", "2024-07");
        month("45444.75", "2024-06");
        month("４５４４４", "2024-06");
    }

    #[test]
    fn month_serial_agrees_with_the_date_path() {
        for serial in ["45444", "45356", "10000", "99999", "45356.5", "60000"] {
            let from_date = parse_date(serial, SYS).map(|p| p.date.with_day(1).unwrap());
            assert_eq!(parse_month(serial), from_date, "serial {serial}");
        }
    }

    #[test]
    fn month_serial_in_the_1904_system() {
        // The same day, 2024-06-01, is 1462 days earlier in the 1904 system.
        assert_eq!(
            parse_month_in("43982", ExcelDateSystem::Excel1904),
            Ok(date(2024, 6, 1))
        );
        assert_eq!(
            parse_month_in("43982", SYS),
            Ok(date(2020, 5, 1)),
            "the 1900 system reads the same number four years later"
        );
    }

    #[test]
    fn month_short_numbers_are_not_serials() {
        assert_eq!(month_code("3"), "unrecognised");
        assert_eq!(month_code("12"), "unrecognised");
        assert_eq!(month_code("60"), "unrecognised");
        assert_eq!(month_code("202"), "unrecognised");
        assert_eq!(month_code("202.5"), "unrecognised");
    }

    #[test]
    fn month_long_serials_have_the_date_codes() {
        assert_eq!(month_code("2958465"), code("2958465"));
        assert_eq!(month_code("2958465"), "out_of_range");
        assert_eq!(month_code("2958466"), "unrecognised");
        assert_eq!(month_code("04544"), "unrecognised");
    }

    #[test]
    fn month_six_digits_stay_yyyymm() {
        month("202406", "2024-06");
        assert_eq!(month_code("202413"), "invalid_day");
        assert_eq!(month_code("450000"), "out_of_range");
    }

    #[test]
    fn month_out_of_range() {
        assert_eq!(month_code("179912"), "out_of_range");
    }

    #[test]
    fn month_empty_and_words() {
        assert_eq!(parse_month("  "), Err(DateError::Empty));
        assert_eq!(month_code("三月"), "unrecognised");
    }

    // Properties.

    /// Renders 1..=31 the way judgments do: 十, 十一, 二十, 二十一, 三十一.
    fn cn_small(n: u32) -> String {
        const DIGITS: [char; 10] = ['〇', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
        let digit = |d: u32| DIGITS[d as usize];
        match (n / 10, n % 10) {
            (0, u) => digit(u).to_string(),
            (1, 0) => "十".to_string(),
            (1, u) => format!("十{}", digit(u)),
            (t, 0) => format!("{}十", digit(t)),
            (t, u) => format!("{}十{}", digit(t), digit(u)),
        }
    }

    /// Renders a date as a judgment's signature line does, with `zero` for the digit 0.
    fn cn_date(d: NaiveDate, zero: char) -> String {
        const DIGITS: [char; 10] = ['〇', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
        let year: String = d
            .year()
            .to_string()
            .chars()
            .map(|c| match c.to_digit(10).unwrap() {
                0 => zero,
                n => DIGITS[n as usize],
            })
            .collect();
        format!("{year}年{}月{}日", cn_small(d.month()), cn_small(d.day()))
    }

    fn any_date() -> impl Strategy<Value = NaiveDate> {
        let first = date(1900, 1, 1);
        (0u64..73_414).prop_map(move |n| first + Days::new(n))
    }

    proptest! {
        #[test]
        fn formatted_dates_parse_back(d in any_date()) {
            for fmt in ["%Y-%m-%d", "%Y/%-m/%-d", "%Y年%-m月%-d日", "%Y%m%d", "%Y.%m.%d"] {
                let text = d.format(fmt).to_string();
                prop_assert_eq!(parse_date(&text, SYS), Ok(ParsedDate { date: d, time: None }));
            }
        }

        #[test]
        fn chinese_numeral_dates_parse_back(d in any_date(), zero in prop::sample::select(vec!['〇', '零', '○'])) {
            let text = cn_date(d, zero);
            prop_assert_eq!(parse_date(&text, SYS).map(|p| p.date), Ok(d), "{}", text);
        }

        #[test]
        fn timestamps_parse_back(d in any_date(), secs in 0u32..86_400) {
            let t = NaiveTime::from_num_seconds_from_midnight_opt(secs, 0).unwrap();
            let text = d.and_time(t).format("%Y-%m-%d %H:%M:%S").to_string();
            prop_assert_eq!(parse_date(&text, SYS), Ok(ParsedDate { date: d, time: Some(t) }));
        }

        #[test]
        fn months_parse_back(d in any_date()) {
            let first = d.with_day(1).unwrap();
            for fmt in ["%Y%m", "%Y-%m", "%Y/%-m", "%Y年%-m月"] {
                prop_assert_eq!(parse_month(&d.format(fmt).to_string()), Ok(first));
            }
        }

        #[test]
        fn month_serials_round_trip(d in any_date(), system in prop::sample::select(vec![ExcelDateSystem::Excel1900, ExcelDateSystem::Excel1904])) {
            let epoch = match system {
                ExcelDateSystem::Excel1900 => date(1899, 12, 30),
                ExcelDateSystem::Excel1904 => date(1904, 1, 1),
            };
            let serial = (d - epoch).num_days();
            prop_assume!((10_000..100_000).contains(&serial));
            let first = d.with_day(1).unwrap();
            prop_assert_eq!(parse_month_in(&serial.to_string(), system), Ok(first));
            prop_assert_eq!(parse_month_in(&format!("{serial}.25"), system), Ok(first));
            // A date column and a month column agree on every serial.
            let as_date = parse_date(&serial.to_string(), system).map(|p| p.date.with_day(1).unwrap());
            prop_assert_eq!(as_date, Ok(first));
        }

        #[test]
        fn month_and_date_agree_on_full_dates(d in any_date(), secs in 0u32..86_400) {
            let t = NaiveTime::from_num_seconds_from_midnight_opt(secs, 0).unwrap();
            for text in [d.format("%Y-%m-%d").to_string(), d.and_time(t).format("%Y/%-m/%-d %H:%M:%S").to_string()] {
                let as_date = parse_date(&text, SYS).map(|p| p.date.with_day(1).unwrap());
                prop_assert_eq!(parse_month(&text), as_date, "{}", text);
            }
        }

        #[test]
        fn serials_round_trip(d in any_date()) {
            // Excel's 1900 system is one day ahead from 1900-03-01 on.
            let serial = (d - date(1899, 12, 30)).num_days();
            prop_assume!(d >= date(1900, 3, 1));
            prop_assume!(!(1800..=2200).contains(&serial));
            prop_assert_eq!(parse_date(&serial.to_string(), SYS).map(|p| p.date), Ok(d));
        }

        #[test]
        fn never_panics_on_anything(s in ".*") {
            let _ = parse_date(&s, SYS);
            let _ = parse_date(&s, ExcelDateSystem::Excel1904);
            let _ = parse_month(&s);
            let _ = parse_month_in(&s, ExcelDateSystem::Excel1904);
        }

        #[test]
        fn never_panics_on_date_like_text(s in "[0-9０-９\\-/.:年月日号时分秒点许T 〇零一二三四五六七八九十]{0,24}") {
            let _ = parse_date(&s, SYS);
            let _ = parse_month(&s);
        }

        #[test]
        fn serial_function_never_panics(x in any::<f64>()) {
            let _ = excel_serial_to_datetime(x, SYS);
            let _ = excel_serial_to_datetime(x, ExcelDateSystem::Excel1904);
        }
    }
}
