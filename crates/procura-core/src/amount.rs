//! Money in yuan as agencies write it: `8,000.50`, `￥8,000`, `1.5万元`, the financial
//! upper-case numerals of receipts and judgments (`人民币壹万贰仟叁佰肆拾伍元陆角柒分`), and
//! the lower-case numerals of judgments (`一万五千元`).
//!
//! Amounts are exact integers of 分 (1/100 yuan). A float would turn `0.1 + 0.2` into a
//! discrepancy in an audit, so parsing never goes through `f64` and never rounds: a value
//! finer than 1 分 is an error, not a silently changed number.

use std::fmt;

use crate::text::{compact, half_width_char, is_invisible, trim_invisible};

/// An exact amount of money in 分 (1/100 yuan). Exact: never a float.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Amount {
    fen: i64,
}

impl Amount {
    /// Zero yuan.
    pub const ZERO: Amount = Amount { fen: 0 };

    /// The amount of `fen` 分.
    pub fn from_fen(fen: i64) -> Amount {
        Amount { fen }
    }

    /// The amount in 分.
    pub fn fen(self) -> i64 {
        self.fen
    }

    /// The amount in yuan with exactly two decimals: `8000.50`, `-12.00`, `0.05`.
    pub fn yuan_string(self) -> String {
        let sign = if self.fen < 0 { "-" } else { "" };
        // `unsigned_abs` because `i64::MIN` has no positive counterpart.
        let abs = self.fen.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.yuan_string())
    }
}

/// The unit a column header or a cell states: 元, 万元, 亿元 (also 角/分 inside upper-case amounts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AmountUnit {
    /// 元.
    #[default]
    Yuan,
    /// 万元, ten thousand yuan.
    Wan,
    /// 亿元, a hundred million yuan.
    Yi,
}

impl AmountUnit {
    /// How many yuan one of this unit is: 1, 10 000 or 100 000 000.
    pub fn multiplier(self) -> i64 {
        match self {
            AmountUnit::Yuan => 1,
            AmountUnit::Wan => 10_000,
            AmountUnit::Yi => 100_000_000,
        }
    }

    /// The power of ten of [`AmountUnit::multiplier`], for exact decimal scaling.
    fn exponent(self) -> u32 {
        match self {
            AmountUnit::Yuan => 0,
            AmountUnit::Wan => 4,
            AmountUnit::Yi => 8,
        }
    }
}

/// Why a string is not an amount.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    /// Nothing but invisible characters.
    #[error("empty")]
    Empty,
    /// Not in any amount form this module knows.
    #[error("not an amount: `{raw}`")]
    Unrecognised { raw: String },
    /// A fraction of a 分 after applying the unit (`1.234` 元).
    #[error("`{raw}` has more precision than 1 分")]
    SubFen { raw: String },
    /// More 分 than an `i64` holds.
    #[error("`{raw}` is too large")]
    Overflow { raw: String },
}

impl AmountError {
    /// A stable snake_case code for reports and dashboards; the `Display` text may change.
    pub fn code(&self) -> &'static str {
        match self {
            AmountError::Empty => "empty",
            AmountError::Unrecognised { .. } => "unrecognised",
            AmountError::SubFen { .. } => "sub_fen",
            AmountError::Overflow { .. } => "overflow",
        }
    }
}

/// The error without its raw text, so that inner parsers need not carry the input around.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fail {
    Empty,
    Unrecognised,
    SubFen,
    Overflow,
}

impl Fail {
    fn into_error(self, raw: &str) -> AmountError {
        let raw = trim_invisible(raw).to_string();
        match self {
            Fail::Empty => AmountError::Empty,
            Fail::Unrecognised => AmountError::Unrecognised { raw },
            Fail::SubFen => AmountError::SubFen { raw },
            Fail::Overflow => AmountError::Overflow { raw },
        }
    }
}

/// Currency words that may precede an amount. Longest first is not needed: none is a prefix
/// of another.
const CURRENCY_PREFIXES: [&str; 7] = ["人民币", "RMB", "rmb", "CNY", "cny", "￥", "¥"];

/// Parses an amount of money.
///
/// `column_unit` comes from the header (see [`unit_from_header`]); a unit written in the cell
/// overrides it. Accepted, after full-width to half-width conversion and trimming:
/// - Arabic numbers with an optional leading minus, thousands commas in groups of three, and
///   a decimal point: `8000`, `-120`, `8,000.50`, `.5`;
/// - a currency prefix `人民币`, `RMB`, `CNY`, `￥`, `¥` and a unit suffix `元`, `万`/`万元`,
///   `亿`/`亿元`, optionally followed by `整`: `人民币8000元`, `1.5万元`;
/// - Chinese numerals, upper case (`捌仟元整`, `壹万贰仟叁佰肆拾伍元陆角柒分`) or lower case
///   (`一万五千元`, `两千元`), with 元/圆, 角, 分 and 整/正.
///
/// A Chinese numeral without 元 that ends in 万 or 亿 (`叁拾万`) states its own magnitude and
/// ignores `column_unit`, like `1.5万`; one that ends otherwise (`二千`) is in `column_unit`.
/// Colloquial shorthand such as `一万五` (15 000, or 10 005 read literally) is rejected rather
/// than guessed. Trailing zeros after the decimal point are not precision (`8000.500` is fine);
/// scientific notation is rejected because Excel only writes it after discarding digits.
pub fn parse_amount(raw: &str, column_unit: AmountUnit) -> Result<Amount, AmountError> {
    parse_inner(raw, column_unit).map_err(|f| f.into_error(raw))
}

/// Reads the amount unit a column header states: `金额(万元)`, `罚款金额（万元）`,
/// `涉案金额/万元`, `金额(元)`, `金额单位：亿元`, `金额（单位：万元）`, `金额万元`.
///
/// A unit counts only where it is plainly a unit: inside brackets, after `/`, `:`, `_` or
/// `单位`, or (for 万元/亿元, which mean nothing else) at the end of the header. So `单元` and
/// `元数据` are not units. A header that states two different units, or one this module does
/// not model (`千元`, `美元`), gives `None`.
pub fn unit_from_header(header: &str) -> Option<AmountUnit> {
    let chars: Vec<char> = compact(header).chars().collect();
    let mut found = None;
    let mut i = 0;
    while i < chars.len() {
        let rest = chars.get(i..).unwrap_or_default();
        let Some((unit, len, self_evident)) = unit_word_at(rest) else {
            i += 1;
            continue;
        };
        let before: String = chars.get(..i).unwrap_or_default().iter().collect();
        let after: String = rest.get(len..).unwrap_or_default().iter().collect();
        let delimited = opens_unit(&before) && closes_unit(&after);
        if delimited || (self_evident && after.is_empty()) {
            if found.is_some_and(|f| f != unit) {
                return None;
            }
            found = Some(unit);
        }
        i += len;
    }
    found
}

/// The unit word starting `chars`, its length in chars, and whether it can only mean a unit.
fn unit_word_at(chars: &[char]) -> Option<(AmountUnit, usize, bool)> {
    match chars {
        ['万' | '萬', '元', ..] => Some((AmountUnit::Wan, 2, true)),
        ['亿' | '億', '元', ..] => Some((AmountUnit::Yi, 2, true)),
        ['元', ..] => Some((AmountUnit::Yuan, 1, false)),
        ['万' | '萬', ..] => Some((AmountUnit::Wan, 1, false)),
        ['亿' | '億', ..] => Some((AmountUnit::Yi, 1, false)),
        _ => None,
    }
}

/// True when the text before a unit word ends where a unit may start.
fn opens_unit(before: &str) -> bool {
    let before = before.strip_suffix("人民币").unwrap_or(before);
    let before = before.strip_suffix(':').unwrap_or(before);
    let before = before.strip_suffix('为').unwrap_or(before);
    before.is_empty()
        || before.ends_with("单位")
        || before.ends_with([
            '(', '[', '【', '〔', '〈', '《', '<', '/', '\\', ':', '|', '_', ',',
        ])
}

/// True when the text after a unit word ends the unit.
fn closes_unit(after: &str) -> bool {
    let after = after.strip_prefix("人民币").unwrap_or(after);
    after.is_empty()
        || after.starts_with([
            ')', ']', '】', '〕', '〉', '》', '>', '/', ',', ';', '|', '_',
        ])
}

fn parse_inner(raw: &str, column_unit: AmountUnit) -> Result<Amount, Fail> {
    let normalized: String = raw
        .chars()
        .map(|c| match half_width_char(c) {
            '\u{2212}' => '-',
            c => c,
        })
        .collect();
    let s = trim_invisible(&normalized);
    if s.is_empty() {
        return Err(Fail::Empty);
    }
    let (negative, body) = strip_prefixes(s)?;
    let fen = if body.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
        arabic(body, column_unit)?
    } else {
        chinese(body, column_unit)?
    };
    // `fen` is non-negative, so negating it cannot overflow; applying the sign before
    // narrowing to i64 keeps `i64::MIN` 分 reachable.
    let signed = if negative { -fen } else { fen };
    i64::try_from(signed)
        .map(Amount::from_fen)
        .map_err(|_| Fail::Overflow)
}

/// Strips currency words and one minus sign, in either order (`-￥8`, `￥-8`).
fn strip_prefixes(s: &str) -> Result<(bool, &str), Fail> {
    let mut rest = s;
    let mut negative = false;
    loop {
        rest = trim_invisible(rest);
        if let Some(r) = rest.strip_prefix('-') {
            if negative {
                return Err(Fail::Unrecognised);
            }
            negative = true;
            rest = r;
        } else if let Some(r) = CURRENCY_PREFIXES.iter().find_map(|p| rest.strip_prefix(p)) {
            rest = r;
        } else {
            return Ok((negative, rest));
        }
    }
}

/// An Arabic number with an optional unit after it. Returns 分.
fn arabic(body: &str, column_unit: AmountUnit) -> Result<i128, Fail> {
    let end = body
        .find(|c: char| !(c.is_ascii_digit() || c == ',' || c == '.'))
        .unwrap_or(body.len());
    let (number, suffix) = body.split_at_checked(end).ok_or(Fail::Unrecognised)?;
    let unit = suffix_unit(suffix)?.unwrap_or(column_unit);
    let (mantissa, scale) = decimal(number)?;
    // value = mantissa / 10^scale yuan = mantissa * 10^(2 + unit exponent - scale) 分.
    let exponent = (2 + unit.exponent())
        .checked_sub(scale)
        .ok_or(Fail::SubFen)?;
    let factor = 10i128.checked_pow(exponent).ok_or(Fail::Overflow)?;
    mantissa.checked_mul(factor).ok_or(Fail::Overflow)
}

/// The unit written after an Arabic number, if any.
fn suffix_unit(suffix: &str) -> Result<Option<AmountUnit>, Fail> {
    let s = trim_invisible(suffix);
    let s = trim_invisible(s.strip_suffix(['整', '正']).unwrap_or(s));
    match s {
        "" => Ok(None),
        "元" | "圆" | "圓" | "RMB" | "CNY" => Ok(Some(AmountUnit::Yuan)),
        "万" | "萬" | "万元" | "萬元" => Ok(Some(AmountUnit::Wan)),
        "亿" | "億" | "亿元" | "億元" => Ok(Some(AmountUnit::Yi)),
        _ => Err(Fail::Unrecognised),
    }
}

/// Reads `1,234.5600` as mantissa 123456 and scale 2: trailing fraction zeros are dropped, so
/// that a non-zero scale always means real digits below the point.
fn decimal(number: &str) -> Result<(i128, u32), Fail> {
    let (int, frac) = number.split_once('.').unwrap_or((number, ""));
    if frac.contains(['.', ',']) || (int.is_empty() && frac.is_empty()) {
        return Err(Fail::Unrecognised);
    }
    if int.contains(',') {
        // Thousands separators must group by three; anything else (`1,5`) may be a European
        // decimal comma, and reading it as 15 would be a silent factor-of-ten error.
        let mut groups = int.split(',');
        let first_ok = groups.next().is_some_and(|g| (1..=3).contains(&g.len()));
        if !first_ok || !groups.all(|g| g.len() == 3) {
            return Err(Fail::Unrecognised);
        }
    }
    let frac = frac.trim_end_matches('0');
    let mut mantissa: i128 = 0;
    for b in int.bytes().filter(|b| *b != b',').chain(frac.bytes()) {
        let digit = i128::from(b - b'0');
        mantissa = mantissa
            .checked_mul(10)
            .and_then(|m| m.checked_add(digit))
            .ok_or(Fail::Overflow)?;
    }
    let scale = u32::try_from(frac.len()).map_err(|_| Fail::SubFen)?;
    Ok((mantissa, scale))
}

/// One character of a Chinese amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Digit(u8),
    Zero,
    /// 十, 百, 千 as 10, 100, 1000.
    Small(u32),
    Wan,
    Yi,
    Yuan,
    Jiao,
    Fen,
    Zheng,
}

fn token(c: char) -> Option<Tok> {
    Some(match c {
        '零' | '〇' | '○' => Tok::Zero,
        '一' | '壹' => Tok::Digit(1),
        '二' | '贰' | '貳' | '两' | '兩' => Tok::Digit(2),
        '三' | '叁' | '參' | '叄' => Tok::Digit(3),
        '四' | '肆' => Tok::Digit(4),
        '五' | '伍' => Tok::Digit(5),
        '六' | '陆' | '陸' => Tok::Digit(6),
        '七' | '柒' => Tok::Digit(7),
        '八' | '捌' => Tok::Digit(8),
        '九' | '玖' => Tok::Digit(9),
        '十' | '拾' => Tok::Small(10),
        '百' | '佰' => Tok::Small(100),
        '千' | '仟' => Tok::Small(1000),
        '万' | '萬' => Tok::Wan,
        '亿' | '億' => Tok::Yi,
        '元' | '圆' | '圓' => Tok::Yuan,
        '角' => Tok::Jiao,
        '分' => Tok::Fen,
        '整' | '正' => Tok::Zheng,
        _ => return None,
    })
}

/// A Chinese-numeral amount. Returns 分.
fn chinese(body: &str, column_unit: AmountUnit) -> Result<i128, Fail> {
    let toks: Vec<Tok> = body
        .chars()
        .filter(|c| !is_invisible(*c))
        .map(|c| token(c).ok_or(Fail::Unrecognised))
        .collect::<Result<_, _>>()?;
    // 整 ("exactly") may only close the amount.
    let toks = match toks.split_last() {
        Some((Tok::Zheng, rest)) => rest,
        _ => toks.as_slice(),
    };
    if toks.is_empty() || toks.contains(&Tok::Zheng) {
        return Err(Fail::Unrecognised);
    }
    let yuan_at = toks.iter().position(|t| *t == Tok::Yuan);
    let (yuan, unit, fraction) = match yuan_at {
        Some(p) => {
            let (int, rest) = toks.split_at(p);
            let (value, _) = chinese_integer(int)?;
            (value, AmountUnit::Yuan, rest.get(1..).unwrap_or_default())
        }
        // `伍角`, `陆分`: no yuan at all.
        None if toks.iter().any(|t| matches!(t, Tok::Jiao | Tok::Fen)) => {
            (0, AmountUnit::Yuan, toks)
        }
        None => {
            let (value, self_scaled) = chinese_integer(toks)?;
            let unit = if self_scaled {
                AmountUnit::Yuan
            } else {
                column_unit
            };
            (value, unit, &[][..])
        }
    };
    let fen = chinese_fraction(fraction)?;
    let scale = 100i128
        .checked_mul(i128::from(unit.multiplier()))
        .ok_or(Fail::Overflow)?;
    yuan.checked_mul(scale)
        .and_then(|v| v.checked_add(fen))
        .ok_or(Fail::Overflow)
}

/// The integer part of a Chinese numeral, and whether it ended in 万 or 亿 (so that it states
/// its own magnitude).
///
/// Small units must descend within a section (`三千五百`); 万 and 亿 close sections, and 万
/// before 亿 makes 万亿. A digit not followed by a unit is only accepted where it can only be
/// units: first, after 零, or after 十 (`五`, `一千零五`, `二十五`). After 千 or 万 it is the
/// colloquial shorthand for the next unit down, which would be a silent factor-of-100 error.
fn chinese_integer(toks: &[Tok]) -> Result<(i128, bool), Fail> {
    let mut yi_part: i128 = 0;
    let mut wan_part: i128 = 0;
    let mut section: i128 = 0;
    let mut last_small: u32 = 10_000;
    let mut pending: Option<(u8, Option<Tok>)> = None;
    let mut prev: Option<Tok> = None;
    let (mut seen_wan, mut seen_yi, mut any) = (false, false, false);
    for &t in toks {
        match t {
            Tok::Digit(d) => {
                if pending.is_some() {
                    return Err(Fail::Unrecognised);
                }
                pending = Some((d, prev));
                any = true;
            }
            Tok::Zero => {
                if pending.is_some() {
                    return Err(Fail::Unrecognised);
                }
                any = true;
            }
            Tok::Small(unit) => {
                let digit = match pending.take() {
                    Some((d, _)) => d,
                    // `十五`, `一百十`: 十 alone means one ten.
                    None if unit == 10 => 1,
                    None => return Err(Fail::Unrecognised),
                };
                if unit >= last_small {
                    return Err(Fail::Unrecognised);
                }
                section += i128::from(digit) * i128::from(unit);
                last_small = unit;
                any = true;
            }
            Tok::Wan => {
                let value = section + units_digit(pending.take())?;
                if seen_wan || value == 0 {
                    return Err(Fail::Unrecognised);
                }
                wan_part = value * 10_000;
                section = 0;
                last_small = 10_000;
                seen_wan = true;
            }
            Tok::Yi => {
                let value = wan_part + section + units_digit(pending.take())?;
                if seen_yi || value == 0 {
                    return Err(Fail::Unrecognised);
                }
                yi_part = value.checked_mul(100_000_000).ok_or(Fail::Overflow)?;
                wan_part = 0;
                section = 0;
                last_small = 10_000;
                seen_wan = false;
                seen_yi = true;
            }
            Tok::Yuan | Tok::Jiao | Tok::Fen | Tok::Zheng => return Err(Fail::Unrecognised),
        }
        prev = Some(t);
    }
    if !any {
        return Err(Fail::Unrecognised);
    }
    // Each section is below 10^4, so the sum stays far below i128's limits.
    let value = yi_part + wan_part + section + units_digit(pending)?;
    Ok((value, matches!(prev, Some(Tok::Wan | Tok::Yi))))
}

/// The value of a digit left without a unit; see [`chinese_integer`] for when that is allowed.
fn units_digit(pending: Option<(u8, Option<Tok>)>) -> Result<i128, Fail> {
    match pending {
        None => Ok(0),
        Some((d, None | Some(Tok::Zero | Tok::Small(10)))) => Ok(i128::from(d)),
        Some(_) => Err(Fail::Unrecognised),
    }
}

/// The part after 元: `[零][d角][零][d分]`. Returns 分 (0..=99).
fn chinese_fraction(toks: &[Tok]) -> Result<i128, Fail> {
    let (mut jiao, mut fen) = (None, None);
    let mut pending: Option<u8> = None;
    let mut zero = false;
    for &t in toks {
        match t {
            Tok::Zero if pending.is_none() => zero = true,
            Tok::Digit(d) if pending.is_none() => pending = Some(d),
            Tok::Jiao if jiao.is_none() && fen.is_none() => {
                // `零角` is unusual but unambiguous.
                jiao = Some(
                    pending
                        .take()
                        .or(zero.then_some(0))
                        .ok_or(Fail::Unrecognised)?,
                );
                zero = false;
            }
            Tok::Fen if fen.is_none() => {
                fen = Some(pending.take().ok_or(Fail::Unrecognised)?);
                zero = false;
            }
            _ => return Err(Fail::Unrecognised),
        }
    }
    // `壹元伍` is shorthand for 1.5 yuan; reading it needs a guess, so it is rejected.
    if pending.is_some() {
        return Err(Fail::Unrecognised);
    }
    Ok(i128::from(jiao.unwrap_or(0)) * 10 + i128::from(fen.unwrap_or(0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    use AmountUnit::{Wan, Yi, Yuan};

    /// Asserts that `input` in a 元 column parses to `expected` (a yuan string).
    fn check(input: &str, expected: &str) {
        check_in(input, Yuan, expected);
    }

    fn check_in(input: &str, unit: AmountUnit, expected: &str) {
        let got = parse_amount(input, unit).map(Amount::yuan_string);
        assert_eq!(got.as_deref(), Ok(expected), "input {input:?} in {unit:?}");
    }

    fn code(input: &str) -> &'static str {
        match parse_amount(input, Yuan) {
            Ok(a) => panic!("{input:?} parsed as {a}"),
            Err(e) => e.code(),
        }
    }

    // The Amount type.

    #[test]
    fn yuan_string_pads_fen() {
        assert_eq!(Amount::from_fen(800_050).yuan_string(), "8000.50");
        assert_eq!(Amount::from_fen(5).yuan_string(), "0.05");
        assert_eq!(Amount::from_fen(0).yuan_string(), "0.00");
    }

    #[test]
    fn yuan_string_negative() {
        assert_eq!(Amount::from_fen(-1200).yuan_string(), "-12.00");
        assert_eq!(Amount::from_fen(-5).yuan_string(), "-0.05");
    }

    #[test]
    fn yuan_string_extremes() {
        assert_eq!(
            Amount::from_fen(i64::MIN).yuan_string(),
            "-92233720368547758.08"
        );
        assert_eq!(
            Amount::from_fen(i64::MAX).yuan_string(),
            "92233720368547758.07"
        );
    }

    #[test]
    fn display_is_yuan_string() {
        assert_eq!(Amount::from_fen(123).to_string(), "1.23");
    }

    #[test]
    fn amounts_order_by_value() {
        assert!(Amount::from_fen(-1) < Amount::ZERO);
        assert_eq!(Amount::ZERO.fen(), 0);
    }

    #[test]
    fn unit_multipliers() {
        assert_eq!(Yuan.multiplier(), 1);
        assert_eq!(Wan.multiplier(), 10_000);
        assert_eq!(Yi.multiplier(), 100_000_000);
        assert_eq!(AmountUnit::default(), Yuan);
    }

    // Arabic numbers.

    #[test]
    fn plain_integer() {
        check("8000", "8000.00");
    }

    #[test]
    fn one_decimal() {
        check("8000.5", "8000.50");
    }

    #[test]
    fn thousands_commas() {
        check("8,000.50", "8000.50");
        check("1,234,567", "1234567.00");
    }

    #[test]
    fn full_width_comma() {
        check("8，000.50", "8000.50");
    }

    #[test]
    fn full_width_digits() {
        check("８０００", "8000.00");
        check("８０００．５", "8000.50");
    }

    #[test]
    fn leading_minus() {
        check("-120", "-120.00");
        check("－120", "-120.00");
        check("\u{2212}120", "-120.00");
    }

    #[test]
    fn minus_zero_is_zero() {
        check("-0", "0.00");
    }

    #[test]
    fn leading_point_as_oracle_writes_it() {
        check(".5", "0.50");
    }

    #[test]
    fn trailing_point() {
        check("8000.", "8000.00");
    }

    #[test]
    fn trailing_zeros_are_not_precision() {
        check("8000.500", "8000.50");
        check("1.2300000000000000000000000000000000000000000", "1.23");
    }

    #[test]
    fn leading_zeros() {
        check("0008000", "8000.00");
    }

    #[test]
    fn bad_comma_grouping_is_rejected() {
        assert_eq!(code("1,5"), "unrecognised");
        assert_eq!(code("80,00"), "unrecognised");
        assert_eq!(code(",800"), "unrecognised");
        assert_eq!(code("1,000.5,0"), "unrecognised");
    }

    #[test]
    fn two_points_are_rejected() {
        assert_eq!(code("1.2.3"), "unrecognised");
        assert_eq!(code("."), "unrecognised");
    }

    #[test]
    fn parentheses_are_not_negative() {
        assert_eq!(code("(120)"), "unrecognised");
    }

    #[test]
    fn double_minus_is_rejected() {
        assert_eq!(code("--120"), "unrecognised");
        assert_eq!(code("-"), "unrecognised");
    }

    #[test]
    fn scientific_notation_is_rejected() {
        assert_eq!(code("1.5E+04"), "unrecognised");
    }

    #[test]
    fn inner_spaces_in_digits_are_rejected() {
        assert_eq!(code("8 000"), "unrecognised");
    }

    // Currency words and units.

    #[test]
    fn yuan_sign_full_width() {
        check("￥8,000", "8000.00");
    }

    #[test]
    fn yuan_sign_half_width() {
        check("¥8,000", "8000.00");
    }

    #[test]
    fn rmb_prefix_with_space() {
        check("RMB 8000", "8000.00");
        check("CNY8000.5", "8000.50");
    }

    #[test]
    fn renminbi_and_yuan() {
        check("人民币8000元", "8000.00");
        check("8000元", "8000.00");
        check("8000元整", "8000.00");
    }

    #[test]
    fn minus_before_or_after_currency() {
        check("-￥8", "-8.00");
        check("￥-8", "-8.00");
    }

    #[test]
    fn wan_in_cell() {
        check("1.5万元", "15000.00");
        check("1.5万", "15000.00");
        check("1.5 万元", "15000.00");
    }

    #[test]
    fn yi_in_cell() {
        check("1.2亿元", "120000000.00");
        check("3億", "300000000.00");
    }

    #[test]
    fn column_unit_applies_without_cell_unit() {
        check_in("1.5", Wan, "15000.00");
        check_in("2", Yi, "200000000.00");
    }

    #[test]
    fn cell_unit_overrides_column_unit() {
        check_in("8000元", Wan, "8000.00");
        check_in("1.5万元", Yi, "15000.00");
    }

    #[test]
    fn qian_is_not_a_unit() {
        assert_eq!(code("3千元"), "unrecognised");
    }

    #[test]
    fn unknown_suffix_is_rejected() {
        assert_eq!(code("8000美元"), "unrecognised");
        assert_eq!(code("5%"), "unrecognised");
    }

    // Precision and size.

    #[test]
    fn sub_fen_in_yuan() {
        assert_eq!(code("1.234"), "sub_fen");
        assert_eq!(code("0.001"), "sub_fen");
    }

    #[test]
    fn four_decimals_of_wan_are_whole_yuan() {
        check("1.2345万", "12345.00");
        check_in("1.234567", Wan, "12345.67");
    }

    #[test]
    fn sub_fen_in_wan() {
        assert_eq!(
            parse_amount("1.2345678万", Yuan).map_err(|e| e.code()),
            Err("sub_fen")
        );
    }

    #[test]
    fn largest_and_smallest_amounts() {
        check("92233720368547758.07", "92233720368547758.07");
        check("-92233720368547758.08", "-92233720368547758.08");
    }

    #[test]
    fn overflow_just_past_i64() {
        assert_eq!(code("92233720368547758.08"), "overflow");
        assert_eq!(code("922337203685478万"), "overflow");
    }

    #[test]
    fn overflow_of_huge_digit_strings() {
        assert_eq!(code(&"9".repeat(60)), "overflow");
    }

    #[test]
    fn error_keeps_raw_text() {
        assert_eq!(
            parse_amount(" 1.234 ", Yuan),
            Err(AmountError::SubFen {
                raw: "1.234".into()
            })
        );
        assert_eq!(
            AmountError::SubFen {
                raw: "1.234".into()
            }
            .to_string(),
            "`1.234` has more precision than 1 分"
        );
    }

    #[test]
    fn empty_inputs() {
        assert_eq!(parse_amount("", Yuan), Err(AmountError::Empty));
        assert_eq!(parse_amount("\u{3000} ", Yuan), Err(AmountError::Empty));
    }

    #[test]
    fn error_codes_are_stable() {
        let raw = String::new();
        assert_eq!(AmountError::Empty.code(), "empty");
        assert_eq!(
            AmountError::Unrecognised { raw: raw.clone() }.code(),
            "unrecognised"
        );
        assert_eq!(AmountError::SubFen { raw: raw.clone() }.code(), "sub_fen");
        assert_eq!(AmountError::Overflow { raw }.code(), "overflow");
    }

    // Upper-case numerals.

    #[test]
    fn upper_thousands() {
        check("人民币捌仟元整", "8000.00");
        check("捌仟元整", "8000.00");
    }

    #[test]
    fn upper_with_jiao_and_fen() {
        check("壹万贰仟叁佰肆拾伍元陆角柒分", "12345.67");
    }

    #[test]
    fn upper_shi_wan() {
        check("叁拾万元整", "300000.00");
        check("拾万元整", "100000.00");
    }

    #[test]
    fn upper_yi() {
        check("壹亿元整", "100000000.00");
        check("壹亿贰仟万元", "120000000.00");
    }

    #[test]
    fn upper_wan_yi() {
        check("壹万亿元", "1000000000000.00");
    }

    #[test]
    fn zero_yuan() {
        check("零元", "0.00");
        check("零元整", "0.00");
    }

    #[test]
    fn upper_with_renminbi_prefix() {
        check("人民币贰仟元", "2000.00");
    }

    #[test]
    fn upper_with_inner_zero() {
        check("壹仟零伍元", "1005.00");
        check("壹万零伍佰元", "10500.00");
        check("壹拾万零叁元", "100003.00");
    }

    #[test]
    fn upper_zero_jiao() {
        check("壹元零伍分", "1.05");
        check("壹元零角伍分", "1.05");
    }

    #[test]
    fn jiao_after_yuan_with_zheng() {
        check("壹元伍角整", "1.50");
    }

    #[test]
    fn jiao_and_fen_without_yuan() {
        check("伍角", "0.50");
        check("伍角陆分", "0.56");
        check("陆分", "0.06");
    }

    #[test]
    fn traditional_characters() {
        check("貳萬圓整", "20000.00");
        check("壹億元", "100000000.00");
    }

    #[test]
    fn spaces_inside_chinese_numerals() {
        check("壹万 贰仟元", "12000.00");
    }

    // Lower-case numerals.

    #[test]
    fn lower_thousands() {
        check("二千元", "2000.00");
        check("人民币二千元", "2000.00");
    }

    #[test]
    fn lower_wan_and_qian() {
        check("一万五千元", "15000.00");
    }

    #[test]
    fn lower_hundreds() {
        check("五百元", "500.00");
    }

    #[test]
    fn liang_is_two() {
        check("两千元", "2000.00");
        check("两万元", "20000.00");
    }

    #[test]
    fn shi_alone_and_teens() {
        check("十元", "10.00");
        check("十五元", "15.00");
        check("一百一十元", "110.00");
    }

    #[test]
    fn negative_chinese() {
        check("-五百元", "-500.00");
    }

    #[test]
    fn chinese_without_yuan_uses_column_unit() {
        check_in("二千", Yuan, "2000.00");
        check_in("五", Wan, "50000.00");
    }

    #[test]
    fn chinese_ending_in_wan_states_its_own_unit() {
        check_in("叁拾万", Wan, "300000.00");
        check_in("一亿", Wan, "100000000.00");
    }

    #[test]
    fn chinese_with_yuan_overrides_column_unit() {
        check_in("二千元", Wan, "2000.00");
    }

    // Chinese rejections.

    #[test]
    fn colloquial_shorthand_is_rejected() {
        assert_eq!(code("一万五"), "unrecognised");
        assert_eq!(code("一千二元"), "unrecognised");
        assert_eq!(code("壹元伍"), "unrecognised");
    }

    #[test]
    fn digit_by_digit_is_rejected() {
        assert_eq!(code("二三元"), "unrecognised");
        assert_eq!(code("二〇二四元"), "unrecognised");
    }

    #[test]
    fn units_out_of_order_are_rejected() {
        assert_eq!(code("五十百元"), "unrecognised");
        assert_eq!(code("三千三千元"), "unrecognised");
        assert_eq!(code("一万二万元"), "unrecognised");
        assert_eq!(code("一亿二亿元"), "unrecognised");
    }

    #[test]
    fn bare_units_are_rejected() {
        assert_eq!(code("元"), "unrecognised");
        assert_eq!(code("万元"), "unrecognised");
        assert_eq!(code("整"), "unrecognised");
        assert_eq!(code("百元"), "unrecognised");
        assert_eq!(code("角"), "unrecognised");
    }

    #[test]
    fn zheng_only_at_end() {
        assert_eq!(code("壹整元"), "unrecognised");
    }

    #[test]
    fn fraction_out_of_order_is_rejected() {
        assert_eq!(code("壹元伍分陆角"), "unrecognised");
        assert_eq!(code("壹元伍元"), "unrecognised");
    }

    #[test]
    fn penalty_prefix_is_not_an_amount() {
        assert_eq!(code("罚金人民币二千元"), "unrecognised");
    }

    #[test]
    fn mixed_arabic_and_chinese_is_rejected() {
        assert_eq!(code("3万5千元"), "unrecognised");
    }

    // Headers.

    #[test]
    fn header_units_in_brackets() {
        assert_eq!(unit_from_header("金额(万元)"), Some(Wan));
        assert_eq!(unit_from_header("罚款金额（万元）"), Some(Wan));
        assert_eq!(unit_from_header("金额(元)"), Some(Yuan));
        assert_eq!(unit_from_header("金额【亿元】"), Some(Yi));
    }

    #[test]
    fn header_unit_after_slash_or_label() {
        assert_eq!(unit_from_header("涉案金额/万元"), Some(Wan));
        assert_eq!(unit_from_header("金额单位：亿元"), Some(Yi));
        assert_eq!(unit_from_header("金额（单位：万元）"), Some(Wan));
        assert_eq!(unit_from_header("金额(人民币万元)"), Some(Wan));
    }

    #[test]
    fn header_wan_yuan_at_end() {
        assert_eq!(unit_from_header("涉案金额万元"), Some(Wan));
        assert_eq!(unit_from_header("金额 (万)"), Some(Wan));
    }

    #[test]
    fn header_without_unit() {
        assert_eq!(unit_from_header("金额"), None);
        assert_eq!(unit_from_header(""), None);
        assert_eq!(unit_from_header("所属单元"), None);
        assert_eq!(unit_from_header("元数据"), None);
    }

    #[test]
    fn header_unknown_units() {
        assert_eq!(unit_from_header("金额(千元)"), None);
        assert_eq!(unit_from_header("金额(美元)"), None);
    }

    #[test]
    fn header_with_conflicting_units() {
        assert_eq!(unit_from_header("金额(元)/折合(万元)"), None);
    }

    // Properties.

    const UPPER: [char; 10] = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'];
    const LOWER: [char; 10] = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

    /// Renders 1..=9999 with `digits` and `units` (拾佰仟 or 十百千), with the standard 零 rules.
    fn render_section(n: u64, digits: &[char; 10], units: [&str; 4]) -> String {
        let mut out = String::new();
        let mut zero_pending = false;
        for (power, unit) in [
            (1000, units[3]),
            (100, units[2]),
            (10, units[1]),
            (1, units[0]),
        ] {
            let d = (n / power % 10) as usize;
            if d == 0 {
                zero_pending = !out.is_empty();
                continue;
            }
            if zero_pending {
                out.push(digits[0]);
                zero_pending = false;
            }
            out.push(digits[d]);
            out.push_str(unit);
        }
        out
    }

    /// Renders a whole number of yuan below 10^12 as a cheque would.
    fn render_integer(n: u64, digits: &[char; 10], units: [&str; 4]) -> String {
        if n == 0 {
            return digits[0].to_string();
        }
        let groups = [
            (n / 100_000_000, "亿"),
            (n / 10_000 % 10_000, "万"),
            (n % 10_000, ""),
        ];
        let mut out = String::new();
        let mut zero_pending = false;
        for (g, big) in groups {
            if g == 0 {
                zero_pending = !out.is_empty();
                continue;
            }
            if !out.is_empty() && (zero_pending || g < 1000) {
                out.push(digits[0]);
            }
            zero_pending = false;
            out.push_str(&render_section(g, digits, units));
            out.push_str(big);
        }
        out
    }

    fn render_upper(fen: u64) -> String {
        let (yuan, jiao, f) = (fen / 100, fen / 10 % 10, fen % 10);
        let mut out = String::new();
        if yuan > 0 || fen == 0 {
            out.push_str(&render_integer(yuan, &UPPER, ["", "拾", "佰", "仟"]));
            out.push('元');
        }
        match (jiao, f) {
            (0, 0) => out.push('整'),
            (0, f) => {
                if yuan > 0 {
                    out.push('零');
                }
                out.push(UPPER[f as usize]);
                out.push('分');
            }
            (j, 0) => {
                out.push(UPPER[j as usize]);
                out.push_str("角整");
            }
            (j, f) => {
                out.push(UPPER[j as usize]);
                out.push('角');
                out.push(UPPER[f as usize]);
                out.push('分');
            }
        }
        out
    }

    #[test]
    fn renderer_matches_known_cheques() {
        assert_eq!(render_upper(1_234_567), "壹万贰仟叁佰肆拾伍元陆角柒分");
        assert_eq!(render_upper(100_000_300), "壹佰万零叁元整");
        assert_eq!(render_upper(105), "壹元零伍分");
        assert_eq!(render_upper(0), "零元整");
    }

    proptest! {
        #[test]
        fn yuan_string_round_trips(x in any::<i64>()) {
            let a = Amount::from_fen(x);
            prop_assert_eq!(parse_amount(&a.yuan_string(), Yuan), Ok(a));
        }

        #[test]
        fn upper_case_round_trips(fen in 0u64..100_000_000_000_000) {
            let text = render_upper(fen);
            let want = Amount::from_fen(i64::try_from(fen).unwrap());
            prop_assert_eq!(parse_amount(&text, Yuan), Ok(want), "{}", text);
        }

        #[test]
        fn lower_case_round_trips(yuan in 0u64..1_000_000_000_000) {
            let text = format!("{}元", render_integer(yuan, &LOWER, ["", "十", "百", "千"]));
            let want = Amount::from_fen(i64::try_from(yuan * 100).unwrap());
            prop_assert_eq!(parse_amount(&text, Yuan), Ok(want), "{}", text);
        }

        #[test]
        fn wan_column_scales_exactly(fen in 0i64..1_000_000_000, decimals in 0usize..3) {
            let text = format!("{}.{:06}", fen / 1_000_000, fen % 1_000_000);
            let text = &text[..text.len() - decimals];
            // With six decimals the number of 万元 is exactly `fen` 分; dropping digits truncates.
            let step = 10i64.pow(decimals as u32);
            prop_assert_eq!(parse_amount(text, Wan), Ok(Amount::from_fen(fen / step * step)));
        }

        #[test]
        fn never_panics_on_anything(s in ".*") {
            let _ = parse_amount(&s, Yuan);
            let _ = parse_amount(&s, Yi);
            let _ = unit_from_header(&s);
        }

        #[test]
        fn never_panics_on_amount_like_text(s in "[0-9,.\\-￥元万亿角分整零一二三四五六七八九十百千壹贰叁肆伍陆柒捌玖拾佰仟两 ]{0,24}") {
            let _ = parse_amount(&s, Wan);
            let _ = unit_from_header(&s);
        }
    }
}
