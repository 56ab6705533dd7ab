//! Motor-vehicle plates (号牌, GA 36): ordinary 7-character plates, 8-character new-energy
//! plates, and the suffixed kinds (挂 trailer, 学 training, 警 police, 港/澳 cross-border).
//!
//! [`parse_plate`] removes the separators people type (`·`, `-`, spaces), converts full-width
//! characters and traditional province abbreviations, and upper-cases letters, then checks the
//! result against the public layout rules. `I` and `O` never occur on plates because they look
//! like `1` and `0`; a plate containing them is rejected rather than "corrected", since the
//! correction would be a guess.

use crate::text;

/// The kind of plate, from its layout and suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlateKind {
    /// Province, letter, five letters or digits (`京A12345`).
    Ordinary,
    /// New-energy small vehicle: energy letter, letter or digit, four digits (`粤BD12345`).
    NewEnergySmall,
    /// New-energy large vehicle: five digits, energy letter (`沪A12345F`).
    NewEnergyLarge,
    /// 挂: trailer.
    Trailer,
    /// 学: driving-school vehicle.
    Training,
    /// 警: police vehicle.
    Police,
    /// 港: Hong Kong vehicle admitted to the mainland.
    HongKong,
    /// 澳: Macau vehicle admitted to the mainland.
    Macau,
    /// 使: embassy vehicle.
    Embassy,
    /// 领: consulate vehicle.
    Consulate,
}

impl PlateKind {
    /// A stable code for storage.
    pub fn code(self) -> &'static str {
        match self {
            PlateKind::Ordinary => "ordinary",
            PlateKind::NewEnergySmall => "new_energy_small",
            PlateKind::NewEnergyLarge => "new_energy_large",
            PlateKind::Trailer => "trailer",
            PlateKind::Training => "training",
            PlateKind::Police => "police",
            PlateKind::HongKong => "hong_kong",
            PlateKind::Macau => "macau",
            PlateKind::Embassy => "embassy",
            PlateKind::Consulate => "consulate",
        }
    }
}

/// A valid plate in canonical form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plate {
    /// No separators, half-width, upper-case letters: `京A12345`, `粤BD12345`.
    pub canonical: String,
    /// What the layout says about the vehicle.
    pub kind: PlateKind,
}

/// Why a text is not a plate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlateError {
    /// Nothing visible in the field.
    #[error("empty")]
    Empty,
    /// Does not follow any plate layout.
    #[error("not a vehicle plate: `{raw}`")]
    Invalid {
        /// The input as given.
        raw: String,
    },
}

impl PlateError {
    /// A stable snake_case code, used in quality reports and the `__issue` columns.
    pub fn code(&self) -> &'static str {
        match self {
            PlateError::Empty => "empty",
            PlateError::Invalid { .. } => "invalid",
        }
    }

    /// A short Chinese label for the code, for reports.
    pub fn zh(&self) -> &'static str {
        match self {
            PlateError::Empty => "空值",
            PlateError::Invalid { .. } => "号牌无效",
        }
    }
}

/// The first character: a province-level abbreviation, or 使/领 for diplomatic vehicles.
const PREFIXES: &str = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领";

/// Letters that new-energy plates use to mark the kind of power train.
const ENERGY_LETTERS: &str = "DABCEFGHJK";

/// Characters dropped from plates: the dot after the issuing-office letter in every width and
/// look-alike, dashes, and full stops.
fn is_separator(c: char) -> bool {
    matches!(
        c,
        '\u{00B7}'
            | '\u{2022}'
            | '\u{30FB}'
            | '\u{2027}'
            | '\u{FF65}'
            | '\u{2219}'
            | '\u{22C5}'
            | '-'
            | '\u{2010}'..='\u{2015}' | '.' | '\u{3002}'
    )
}

/// Parses a vehicle plate into its canonical form and kind.
pub fn parse_plate(raw: &str) -> Result<Plate, PlateError> {
    let compacted = text::compact(raw);
    if compacted.is_empty() {
        return Err(PlateError::Empty);
    }
    let cleaned: String = compacted
        .chars()
        .filter(|c| !is_separator(*c))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    // Hong Kong and Taiwan systems write 粵, 滬, 遼, 學, 掛 …; they are the same characters.
    let canonical = fast2s::convert(&cleaned);
    match kind_of(&canonical) {
        Some(kind) => Ok(Plate { canonical, kind }),
        None => Err(PlateError::Invalid {
            raw: raw.to_owned(),
        }),
    }
}

/// Checks the layout
/// `^[province 使 领][A-HJ-NP-Z](?:[A-HJ-NP-Z0-9]{4}[A-HJ-NP-Z0-9挂学警港澳]|[DABCEFGHJK][A-HJ-NP-Z0-9]\d{4}|\d{5}[DABCEFGHJK])$`
/// and names the kind it matched.
fn kind_of(canonical: &str) -> Option<PlateKind> {
    let chars: Vec<char> = canonical.chars().collect();
    let (&prefix, rest) = chars.split_first()?;
    let (&office, serial) = rest.split_first()?;
    if !PREFIXES.contains(prefix) || !is_letter(office) {
        return None;
    }
    let layout = match serial {
        [a, b, c, d, last] if [a, b, c, d].iter().all(|x| is_alnum(**x)) => match last {
            '挂' => PlateKind::Trailer,
            '学' => PlateKind::Training,
            '警' => PlateKind::Police,
            '港' => PlateKind::HongKong,
            '澳' => PlateKind::Macau,
            other if is_alnum(*other) => PlateKind::Ordinary,
            _ => return None,
        },
        [energy, second, d1, d2, d3, d4]
            if is_energy(*energy)
                && is_alnum(*second)
                && [d1, d2, d3, d4].iter().all(|x| x.is_ascii_digit()) =>
        {
            PlateKind::NewEnergySmall
        }
        [a, b, c, d, e, energy]
            if [a, b, c, d, e].iter().all(|x| x.is_ascii_digit()) && is_energy(*energy) =>
        {
            PlateKind::NewEnergyLarge
        }
        _ => return None,
    };
    Some(match prefix {
        '使' => PlateKind::Embassy,
        '领' => PlateKind::Consulate,
        _ => layout,
    })
}

/// Upper-case letters as used on plates: A–Z without I and O.
fn is_letter(c: char) -> bool {
    c.is_ascii_uppercase() && c != 'I' && c != 'O'
}

fn is_alnum(c: char) -> bool {
    is_letter(c) || c.is_ascii_digit()
}

fn is_energy(c: char) -> bool {
    ENERGY_LETTERS.contains(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[track_caller]
    fn check(input: &str, expected: &str, kind: PlateKind) {
        let plate = parse_plate(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
        assert_eq!(plate.canonical, expected, "input {input:?}");
        assert_eq!(plate.kind, kind, "input {input:?}");
    }

    #[track_caller]
    fn check_err(input: &str, code: &str) {
        let err = parse_plate(input).expect_err(input);
        assert_eq!(err.code(), code, "input {input:?}");
    }

    #[test]
    fn ordinary_plate_with_middle_dot() {
        check("京A·12345", "京A12345", PlateKind::Ordinary);
    }

    #[test]
    fn ordinary_plate_without_separator() {
        check("京A12345", "京A12345", PlateKind::Ordinary);
    }

    #[test]
    fn ordinary_plate_with_letters_in_serial() {
        check("川A3B4C5", "川A3B4C5", PlateKind::Ordinary);
    }

    #[test]
    fn ordinary_plate_with_bullet() {
        check("京A•12345", "京A12345", PlateKind::Ordinary);
    }

    #[test]
    fn ordinary_plate_with_katakana_dot() {
        check("京A・12345", "京A12345", PlateKind::Ordinary);
    }

    #[test]
    fn ordinary_plate_with_space() {
        check("京A 12345", "京A12345", PlateKind::Ordinary);
    }

    #[test]
    fn ordinary_plate_with_ideographic_space() {
        check("京A\u{3000}12345", "京A12345", PlateKind::Ordinary);
    }

    #[test]
    fn ordinary_plate_with_full_stop() {
        check("京A.12345", "京A12345", PlateKind::Ordinary);
    }

    #[test]
    fn ordinary_plate_with_dash() {
        check("京A-12345", "京A12345", PlateKind::Ordinary);
    }

    #[test]
    fn lower_case_letters_become_upper_case() {
        check("京a12345", "京A12345", PlateKind::Ordinary);
    }

    #[test]
    fn full_width_letters_and_digits_become_ascii() {
        check("京Ａ１２３４５", "京A12345", PlateKind::Ordinary);
    }

    #[test]
    fn full_width_lower_case_letters_become_upper_case() {
        check("京ａｂ１２３４", "京AB1234", PlateKind::Ordinary);
    }

    #[test]
    fn surrounding_invisible_characters_are_removed() {
        check(
            "\u{FEFF} 京A12345\u{200B} ",
            "京A12345",
            PlateKind::Ordinary,
        );
    }

    #[test]
    fn traditional_province_is_simplified() {
        check("粵B12345", "粤B12345", PlateKind::Ordinary);
        check("滬A12345", "沪A12345", PlateKind::Ordinary);
    }

    #[test]
    fn every_province_prefix_is_accepted() {
        for prefix in "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼".chars()
        {
            let plate = format!("{prefix}A12345");
            check(&plate, &plate, PlateKind::Ordinary);
        }
    }

    #[test]
    fn new_energy_small_plate() {
        check("粤B-D12345", "粤BD12345", PlateKind::NewEnergySmall);
    }

    #[test]
    fn new_energy_small_plate_with_letter_second() {
        check("粤BDA1234", "粤BDA1234", PlateKind::NewEnergySmall);
        check("京ADF1234", "京ADF1234", PlateKind::NewEnergySmall);
    }

    #[test]
    fn new_energy_large_plate() {
        check("沪A12345F", "沪A12345F", PlateKind::NewEnergyLarge);
    }

    #[test]
    fn new_energy_large_plate_with_dot() {
        check("沪A·12345D", "沪A12345D", PlateKind::NewEnergyLarge);
    }

    #[test]
    fn new_energy_with_non_energy_letter_is_invalid() {
        check_err("粤BL12345", "invalid");
        check_err("沪A12345L", "invalid");
    }

    #[test]
    fn new_energy_small_with_letter_in_digits_is_invalid() {
        check_err("粤BD1234A", "invalid");
    }

    #[test]
    fn trailer_plate() {
        check("浙A1234挂", "浙A1234挂", PlateKind::Trailer);
    }

    #[test]
    fn traditional_trailer_suffix_is_simplified() {
        check("浙A1234掛", "浙A1234挂", PlateKind::Trailer);
    }

    #[test]
    fn training_plate() {
        check("苏A1234学", "苏A1234学", PlateKind::Training);
    }

    #[test]
    fn police_plate() {
        check("京A0123警", "京A0123警", PlateKind::Police);
    }

    #[test]
    fn hong_kong_plate() {
        check("粤Z1234港", "粤Z1234港", PlateKind::HongKong);
    }

    #[test]
    fn macau_plate() {
        check("粤Z1234澳", "粤Z1234澳", PlateKind::Macau);
    }

    #[test]
    fn embassy_prefix() {
        check("使A12345", "使A12345", PlateKind::Embassy);
    }

    #[test]
    fn consulate_prefix() {
        check("领A12345", "领A12345", PlateKind::Consulate);
    }

    #[test]
    fn traditional_consulate_prefix_is_simplified() {
        check("領A12345", "领A12345", PlateKind::Consulate);
    }

    #[test]
    fn letter_o_is_invalid_not_zero() {
        check_err("京AO1234", "invalid");
    }

    #[test]
    fn lower_case_o_is_invalid() {
        check_err("京Ao1234", "invalid");
    }

    #[test]
    fn letter_i_is_invalid() {
        check_err("京AI1234", "invalid");
    }

    #[test]
    fn office_letter_i_is_invalid() {
        check_err("京I12345", "invalid");
    }

    #[test]
    fn office_letter_must_be_a_letter() {
        check_err("京112345", "invalid");
    }

    #[test]
    fn unknown_prefix_is_invalid() {
        check_err("港A12345", "invalid");
        check_err("AA12345", "invalid");
    }

    #[test]
    fn six_characters_are_invalid() {
        check_err("京A1234", "invalid");
    }

    #[test]
    fn nine_characters_are_invalid() {
        check_err("京A1234567", "invalid");
    }

    #[test]
    fn suffix_in_the_middle_is_invalid() {
        check_err("浙A12挂34", "invalid");
    }

    #[test]
    fn suffix_on_new_energy_length_is_invalid() {
        check_err("浙AD1234挂", "invalid");
    }

    #[test]
    fn other_chinese_suffix_is_invalid() {
        check_err("京A1234领", "invalid");
    }

    #[test]
    fn empty_is_empty() {
        check_err("", "empty");
    }

    #[test]
    fn spaces_only_are_empty() {
        check_err(" \u{3000}\u{200B}", "empty");
    }

    #[test]
    fn separators_only_are_invalid() {
        check_err("·-", "invalid");
    }

    #[test]
    fn invalid_error_keeps_raw_input() {
        assert_eq!(
            parse_plate(" 京AO1234 "),
            Err(PlateError::Invalid {
                raw: " 京AO1234 ".to_owned()
            })
        );
    }

    #[test]
    fn error_message_quotes_input() {
        assert_eq!(
            parse_plate("abc").map_err(|e| e.to_string()),
            Err("not a vehicle plate: `abc`".to_owned())
        );
    }

    #[test]
    fn kind_codes_are_stable() {
        assert_eq!(PlateKind::NewEnergySmall.code(), "new_energy_small");
        assert_eq!(PlateKind::HongKong.code(), "hong_kong");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn never_panics(raw in "\\PC{0,20}") {
            let _ = parse_plate(&raw);
        }

        #[test]
        fn never_panics_on_any_string(raw in any::<String>()) {
            let _ = parse_plate(&raw);
        }

        #[test]
        fn canonical_parses_to_itself(raw in "[京沪粵使领][A-Za-z][ ·\\-]?[A-Z0-9a-z]{4,6}[挂学警港澳]?") {
            if let Ok(plate) = parse_plate(&raw) {
                prop_assert_eq!(parse_plate(&plate.canonical), Ok(plate.clone()));
                prop_assert!(!plate.canonical.contains(['I', 'O', '·', ' ', '-']));
            }
        }

        #[test]
        fn ordinary_plates_are_accepted(office in "[A-HJ-NP-Z]", serial in "[A-HJ-NP-Z0-9]{5}") {
            let plate = format!("京{office}{serial}");
            prop_assert_eq!(parse_plate(&plate).map(|p| p.kind), Ok(PlateKind::Ordinary));
        }

        #[test]
        fn plates_with_i_or_o_are_rejected(
            at in 0usize..5,
            others in "[A-HJ-NP-Z0-9]{4}",
            bad in prop::sample::select(vec!['I', 'O', 'i', 'o']),
        ) {
            let mut serial: Vec<char> = others.chars().collect();
            serial.insert(at, bad);
            let plate = format!("京A{}", serial.into_iter().collect::<String>());
            prop_assert!(parse_plate(&plate).is_err());
        }
    }
}
