//! Mainland Chinese telephone numbers: mobiles (`1[3-9]` + 9 digits) and landlines (area code
//! `010`, `02X` or `0XXX`, then a 7–8 digit local number, optionally an extension).
//!
//! [`parse_phone`] accepts the layouts agency exports contain: spaces and dashes anywhere,
//! full-width digits and brackets, the country code as `+86`, `0086` or `86`, the area code in
//! brackets, and extensions after `-`, `转`, `分机`, `ext` or `#`. It never guesses: a local
//! number without its area code, or a number that went through an Excel number cell
//! (`1.38123E+10`), is reported as invalid rather than completed.

use std::fmt;

use crate::text;

/// A valid phone number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phone {
    /// A mobile number: 11 digits starting with `1[3-9]`.
    Mobile(String),
    /// A fixed-line number.
    Landline {
        /// The area code with its leading `0`: `010`, `02X` or `0XXX`.
        area_code: String,
        /// The 7–8 digit local number.
        number: String,
        /// An extension of 1–6 digits, if one was given.
        extension: Option<String>,
    },
}

impl Phone {
    /// The canonical text: `13812345678`, `010-12345678` or `021-12345678-123`.
    pub fn canonical(&self) -> String {
        match self {
            Phone::Mobile(number) => number.clone(),
            Phone::Landline {
                area_code,
                number,
                extension: None,
            } => format!("{area_code}-{number}"),
            Phone::Landline {
                area_code,
                number,
                extension: Some(extension),
            } => format!("{area_code}-{number}-{extension}"),
        }
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.canonical())
    }
}

/// Why a text is not a phone number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    /// Nothing visible in the field.
    #[error("empty")]
    Empty,
    /// Not a complete mainland mobile or landline number.
    #[error("not a phone number: `{raw}`")]
    Invalid {
        /// The input as given.
        raw: String,
    },
}

impl PhoneError {
    /// A stable snake_case code, used in quality reports and the `__issue` columns.
    pub fn code(&self) -> &'static str {
        match self {
            PhoneError::Empty => "empty",
            PhoneError::Invalid { .. } => "invalid",
        }
    }

    /// A short Chinese label for the code, for reports.
    pub fn zh(&self) -> &'static str {
        match self {
            PhoneError::Empty => "空值",
            PhoneError::Invalid { .. } => "号码无效",
        }
    }
}

/// Words that introduce an extension. They are searched in the lower-cased text, longest first
/// so that `分机` is not read as a stray `分`.
const EXTENSION_MARKERS: [&str; 7] = ["分机号", "分機號", "分机", "分機", "转", "轉", "ext"];

/// Single characters that introduce an extension (`021-12345678x123`, `…#123`).
const EXTENSION_CHARS: [char; 2] = ['x', '#'];

/// Parses a mainland mobile or landline number into its canonical parts.
pub fn parse_phone(raw: &str) -> Result<Phone, PhoneError> {
    let invalid = || PhoneError::Invalid {
        raw: raw.to_owned(),
    };
    let half: String = text::to_half_width(raw)
        .chars()
        .map(|c| if text::is_invisible(c) { ' ' } else { c })
        .collect();
    // An Excel text apostrophe and quotes around the cell carry no digits.
    let trimmed = half.trim_matches(|c: char| c == ' ' || c == '\'' || c == '"');
    if trimmed.is_empty() {
        return Err(PhoneError::Empty);
    }
    let lower = trimmed.to_lowercase();
    let (main, marked_extension) = split_extension(&lower).ok_or_else(invalid)?;
    let groups = digit_groups(main).ok_or_else(invalid)?;
    national(groups, marked_extension).ok_or_else(invalid)
}

/// Splits off an extension introduced by a marker word. `None` if the marker is followed by
/// something other than 1–6 digits.
fn split_extension(input: &str) -> Option<(&str, Option<String>)> {
    let word = EXTENSION_MARKERS
        .iter()
        .filter_map(|marker| input.find(marker).map(|at| (at, marker.len())));
    let single = EXTENSION_CHARS
        .iter()
        .filter_map(|marker| input.find(*marker).map(|at| (at, marker.len_utf8())));
    let Some((at, len)) = word.chain(single).min_by_key(|(at, _)| *at) else {
        return Some((input, None));
    };
    let main = input.get(..at)?;
    let tail = input.get(at + len..)?;
    let extension = tail.trim_matches(|c: char| matches!(c, ' ' | '.' | ':' | '-' | '#'));
    if is_extension(extension) {
        Some((main, Some(extension.to_owned())))
    } else {
        None
    }
}

/// The runs of digits between separators. `+` is allowed only as the very first character
/// (inside an opening bracket at most). Any other character (a letter, a `.` from a
/// spreadsheet float, a `/` between two numbers) makes the text invalid.
fn digit_groups(main: &str) -> Option<Groups> {
    let unbracketed = main.trim_start_matches([' ', '(']);
    let international = unbracketed.starts_with('+');
    let body = if international {
        unbracketed.get(1..)?
    } else {
        main
    };
    let mut groups = Vec::new();
    let mut current = String::new();
    for c in body.chars() {
        if c.is_ascii_digit() {
            current.push(c);
        } else if is_separator(c) {
            if !current.is_empty() {
                groups.push(std::mem::take(&mut current));
            }
        } else {
            return None;
        }
    }
    if !current.is_empty() {
        groups.push(current);
    }
    Some(Groups {
        international,
        groups,
    })
}

/// The digit runs of a number and whether it was written with a leading `+`.
struct Groups {
    international: bool,
    groups: Vec<String>,
}

/// Removes the country code and decides between mobile and landline.
fn national(input: Groups, extension: Option<String>) -> Option<Phone> {
    let Groups {
        international,
        mut groups,
    } = input;
    let first = groups.first()?.clone();
    let total: usize = groups.iter().map(String::len).sum();
    // `Some(true)`: a country code was written unambiguously; `Some(false)`: a bare `86` glued
    // to the number, accepted only when a mobile number follows.
    let country_code = if international {
        strip_first(&mut groups, &first, "86")?;
        Some(true)
    } else if first.starts_with("0086") {
        strip_first(&mut groups, &first, "0086")?;
        Some(true)
    } else if first == "86" && groups.len() > 1 {
        groups.remove(0);
        Some(true)
    } else if first.starts_with("86") && total == 13 {
        strip_first(&mut groups, &first, "86")?;
        Some(false)
    } else {
        None
    };
    // `+86 (0)10 …`: the trunk zero written in brackets after the country code.
    if country_code.is_some() && groups.len() > 1 && groups.first().is_some_and(|g| g == "0") {
        groups.remove(0);
        if let Some(next) = groups.first_mut() {
            next.insert(0, '0');
        }
    }
    let digits: String = groups.concat();
    if is_mobile(&digits) {
        return if extension.is_none() {
            Some(Phone::Mobile(digits))
        } else {
            None
        };
    }
    match country_code {
        Some(false) => return None,
        // After a country code the area code's leading 0 is usually left out (`+86 10 …`).
        Some(true) if !digits.starts_with('0') => {
            groups.first_mut()?.insert(0, '0');
        }
        _ => {}
    }
    landline(&groups, extension)
}

/// Removes `prefix` from the first group (dropping the group if nothing else is left in it).
fn strip_first(groups: &mut Vec<String>, first: &str, prefix: &str) -> Option<()> {
    let rest = first.strip_prefix(prefix)?;
    if rest.is_empty() {
        if !groups.is_empty() {
            groups.remove(0);
        }
    } else if let Some(slot) = groups.first_mut() {
        *slot = rest.to_owned();
    }
    Some(())
}

/// Splits a landline into area code, local number and extension, respecting how the digits
/// were grouped: the area code must not straddle two groups, the local number is the shortest
/// run of groups reaching 7 digits, and at most one short group may follow as the extension.
fn landline(groups: &[String], marked_extension: Option<String>) -> Option<Phone> {
    let (first, others) = groups.split_first()?;
    let area_len = area_code_len(first)?;
    let area_code = first.get(..area_len)?;
    let in_first = first.get(area_len..)?;
    // A short first group is the area code as the writer saw it; if it disagrees with the
    // numbering plan (`0105-1234567`), the digits cannot be trusted to mean what they say.
    if !in_first.is_empty() && first.len() <= 4 && !others.is_empty() {
        return None;
    }
    let segments = std::iter::once(in_first)
        .filter(|s| !s.is_empty())
        .chain(others.iter().map(String::as_str));
    let mut number = String::new();
    let mut rest = Vec::new();
    for segment in segments {
        if number.len() < 7 {
            number.push_str(segment);
        } else {
            rest.push(segment);
        }
    }
    if !(7..=8).contains(&number.len()) || number.starts_with('0') {
        return None;
    }
    let extension = match (rest.as_slice(), marked_extension) {
        ([], marked) => marked,
        ([single], None) if is_extension(single) => Some((*single).to_owned()),
        _ => return None,
    };
    Some(Phone::Landline {
        area_code: area_code.to_owned(),
        number,
        extension,
    })
}

/// The length of the area code at the start of `digits`: 3 for `010` and `02X`, 4 for `0[3-9]XX`.
/// `None` for anything else (`01X` other than `010` does not exist, `00` is an international
/// prefix) or when the group is too short to hold the whole area code.
fn area_code_len(digits: &str) -> Option<usize> {
    let bytes = digits.as_bytes();
    let len = match bytes {
        [b'0', b'1', b'0', ..] | [b'0', b'2', _, ..] => 3,
        [b'0', b'3'..=b'9', _, _, ..] => 4,
        _ => return None,
    };
    (bytes.len() >= len).then_some(len)
}

fn is_mobile(digits: &str) -> bool {
    matches!(digits.as_bytes(), [b'1', b'3'..=b'9', rest @ ..] if rest.len() == 9)
}

fn is_extension(digits: &str) -> bool {
    (1..=6).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
}

fn is_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '-' | '(' | ')' | '\u{2010}'..='\u{2015}' | '\u{2212}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[track_caller]
    fn check(input: &str, expected: &str) {
        let phone = parse_phone(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
        assert_eq!(phone.canonical(), expected, "input {input:?}");
    }

    #[track_caller]
    fn check_err(input: &str, code: &str) {
        let err = parse_phone(input).expect_err(input);
        assert_eq!(err.code(), code, "input {input:?}");
    }

    fn mobile(number: &str) -> Phone {
        Phone::Mobile(number.to_owned())
    }

    #[test]
    fn plain_mobile() {
        check("13812345678", "13812345678");
    }

    #[test]
    fn mobile_is_mobile_variant() {
        assert_eq!(parse_phone("13812345678"), Ok(mobile("13812345678")));
    }

    #[test]
    fn mobile_with_spaces() {
        check("138 1234 5678", "13812345678");
    }

    #[test]
    fn mobile_with_dashes() {
        check("138-1234-5678", "13812345678");
    }

    #[test]
    fn mobile_with_plus_86_and_spaces() {
        check("+86 138 1234 5678", "13812345678");
    }

    #[test]
    fn mobile_with_glued_plus_86() {
        check("+8613812345678", "13812345678");
    }

    #[test]
    fn mobile_with_0086() {
        check("008613812345678", "13812345678");
    }

    #[test]
    fn mobile_with_0086_as_own_group() {
        check("0086 138 1234 5678", "13812345678");
    }

    #[test]
    fn mobile_with_86_dash() {
        check("86-13812345678", "13812345678");
    }

    #[test]
    fn mobile_with_glued_86() {
        check("8613812345678", "13812345678");
    }

    #[test]
    fn mobile_with_bracketed_country_code() {
        check("(+86)13812345678", "13812345678");
    }

    #[test]
    fn mobile_in_full_width_digits() {
        check("１３８１２３４５６７８", "13812345678");
    }

    #[test]
    fn mobile_with_full_width_plus() {
        check("＋８６ １３８１２３４５６７８", "13812345678");
    }

    #[test]
    fn mobile_with_excel_apostrophe() {
        check("'13812345678", "13812345678");
    }

    #[test]
    fn mobile_with_surrounding_invisible_characters() {
        check("\u{FEFF} 13812345678\u{200B}\t", "13812345678");
    }

    #[test]
    fn every_mobile_second_digit_from_3_to_9() {
        for second in 3..=9 {
            let number = format!("1{second}812345678");
            check(&number, &number);
        }
    }

    #[test]
    fn mobile_with_second_digit_2_is_invalid() {
        check_err("12812345678", "invalid");
    }

    #[test]
    fn mobile_with_ten_digits_is_invalid() {
        check_err("1381234567", "invalid");
    }

    #[test]
    fn mobile_with_twelve_digits_is_invalid() {
        check_err("138123456789", "invalid");
    }

    #[test]
    fn mobile_with_extension_is_invalid() {
        check_err("13812345678转123", "invalid");
    }

    #[test]
    fn mobile_with_trunk_zero_is_invalid() {
        check_err("013812345678", "invalid");
    }

    #[test]
    fn excel_scientific_notation_is_invalid() {
        check_err("1.38123E+10", "invalid");
    }

    #[test]
    fn excel_float_is_invalid() {
        check_err("13812345678.0", "invalid");
    }

    #[test]
    fn beijing_landline() {
        check("010-12345678", "010-12345678");
    }

    #[test]
    fn landline_parts() {
        assert_eq!(
            parse_phone("010-12345678"),
            Ok(Phone::Landline {
                area_code: "010".to_owned(),
                number: "12345678".to_owned(),
                extension: None,
            })
        );
    }

    #[test]
    fn landline_with_bracketed_area_code() {
        check("(010)12345678", "010-12345678");
    }

    #[test]
    fn landline_with_full_width_brackets_and_dash() {
        check("（0755）8765-4321", "0755-87654321");
    }

    #[test]
    fn landline_with_spaces() {
        check("0571 8888 6666", "0571-88886666");
    }

    #[test]
    fn landline_without_separators() {
        check("01012345678", "010-12345678");
    }

    #[test]
    fn four_digit_area_code_without_separators() {
        check("057188886666", "0571-88886666");
    }

    #[test]
    fn seven_digit_local_number() {
        check("0931-1234567", "0931-1234567");
    }

    #[test]
    fn two_x_area_code_has_three_digits() {
        check("02112345678", "021-12345678");
    }

    #[test]
    fn landline_with_dash_extension() {
        check("021-12345678-123", "021-12345678-123");
    }

    #[test]
    fn landline_with_zhuan_extension() {
        check("021-12345678转123", "021-12345678-123");
    }

    #[test]
    fn landline_with_traditional_zhuan_extension() {
        check("021-12345678轉123", "021-12345678-123");
    }

    #[test]
    fn landline_with_fenji_extension() {
        check("021-12345678 分机 8001", "021-12345678-8001");
    }

    #[test]
    fn landline_with_ext_extension() {
        check("021-12345678 ext. 123", "021-12345678-123");
    }

    #[test]
    fn landline_with_x_extension() {
        check("021-12345678x123", "021-12345678-123");
    }

    #[test]
    fn landline_with_hash_extension() {
        check("021-12345678#123", "021-12345678-123");
    }

    #[test]
    fn seven_digit_number_with_one_digit_extension() {
        check("0931-1234567-8", "0931-1234567-8");
    }

    #[test]
    fn plus_86_without_trunk_zero() {
        check("+86 10 12345678", "010-12345678");
    }

    #[test]
    fn plus_86_with_trunk_zero() {
        check("+86 010 12345678", "010-12345678");
    }

    #[test]
    fn plus_86_with_bracketed_trunk_zero() {
        check("+86 (0)10 12345678", "010-12345678");
    }

    #[test]
    fn plus_86_four_digit_area_code() {
        check("+86-755-87654321", "0755-87654321");
    }

    #[test]
    fn bare_eight_digit_local_number_is_invalid() {
        check_err("12345678", "invalid");
    }

    #[test]
    fn bare_seven_digit_local_number_is_invalid() {
        check_err("8765432", "invalid");
    }

    #[test]
    fn area_code_without_zero_and_without_country_code_is_invalid() {
        check_err("10-12345678", "invalid");
    }

    #[test]
    fn area_code_01x_is_invalid() {
        check_err("011-12345678", "invalid");
    }

    #[test]
    fn local_number_starting_with_zero_is_invalid() {
        check_err("010-02345678", "invalid");
    }

    #[test]
    fn nine_digit_local_number_is_invalid() {
        check_err("010-123456789", "invalid");
    }

    #[test]
    fn six_digit_local_number_is_invalid() {
        check_err("010-123456", "invalid");
    }

    #[test]
    fn area_code_split_across_groups_is_invalid() {
        check_err("0 571 8888 6666", "invalid");
    }

    #[test]
    fn wrongly_separated_area_code_is_invalid() {
        check_err("0105-1234567", "invalid");
    }

    #[test]
    fn seven_digit_extension_is_invalid() {
        check_err("021-12345678-1234567", "invalid");
    }

    #[test]
    fn two_trailing_groups_are_invalid() {
        check_err("021-12345678-12-34", "invalid");
    }

    #[test]
    fn marker_and_trailing_group_extension_together_are_invalid() {
        check_err("021-12345678-12转34", "invalid");
    }

    #[test]
    fn empty_extension_is_invalid() {
        check_err("021-12345678转", "invalid");
    }

    #[test]
    fn foreign_country_code_is_invalid() {
        check_err("+1 415 555 2671", "invalid");
    }

    #[test]
    fn two_numbers_in_one_cell_are_invalid() {
        check_err("13812345678/13987654321", "invalid");
    }

    #[test]
    fn plus_in_the_middle_is_invalid() {
        check_err("138+12345678", "invalid");
    }

    #[test]
    fn letters_are_invalid() {
        check_err("abc", "invalid");
    }

    #[test]
    fn empty_is_empty() {
        check_err("", "empty");
    }

    #[test]
    fn spaces_only_are_empty() {
        check_err(" \u{3000}\u{200B} ", "empty");
    }

    #[test]
    fn apostrophe_only_is_empty() {
        check_err("'", "empty");
    }

    #[test]
    fn invalid_error_keeps_raw_input() {
        assert_eq!(
            parse_phone(" 123 "),
            Err(PhoneError::Invalid {
                raw: " 123 ".to_owned()
            })
        );
    }

    #[test]
    fn error_message_quotes_input() {
        assert_eq!(
            parse_phone("abc").map_err(|e| e.to_string()),
            Err("not a phone number: `abc`".to_owned())
        );
    }

    #[test]
    fn display_is_canonical() {
        let phone = parse_phone("(010)12345678").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(phone.to_string(), "010-12345678");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn never_panics(raw in "\\PC{0,30}") {
            let _ = parse_phone(&raw);
        }

        #[test]
        fn never_panics_on_phone_like_text(raw in "[0-9０-９+()（）\\- 转x#.E]{0,24}") {
            let _ = parse_phone(&raw);
        }

        #[test]
        fn never_panics_on_any_string(raw in any::<String>()) {
            let _ = parse_phone(&raw);
        }

        #[test]
        fn canonical_parses_to_itself(raw in "[0-9+()\\- 转x#]{0,24}") {
            if let Ok(phone) = parse_phone(&raw) {
                let again = parse_phone(&phone.canonical());
                prop_assert_eq!(again, Ok(phone));
            }
        }

        #[test]
        fn mobiles_survive_formatting(second in 3u8..=9, rest in "[0-9]{9}", prefix in prop::sample::select(vec!["", "+86 ", "0086", "86-", "+86-"])) {
            let number = format!("1{second}{rest}");
            let spaced = format!("{prefix}{} {} {}", &number[..3], &number[3..7], &number[7..]);
            prop_assert_eq!(parse_phone(&spaced), Ok(Phone::Mobile(number)));
        }

        #[test]
        fn landlines_survive_formatting(area in prop::sample::select(vec!["010", "021", "0755", "0571"]), first in "[1-9]", rest in "[0-9]{6,7}") {
            let number = format!("{first}{rest}");
            let expected = format!("{area}-{number}");
            prop_assert_eq!(parse_phone(&format!("({area}){number}")).map(|p| p.canonical()), Ok(expected.clone()));
            prop_assert_eq!(parse_phone(&format!("{area} {number}")).map(|p| p.canonical()), Ok(expected));
        }
    }
}
