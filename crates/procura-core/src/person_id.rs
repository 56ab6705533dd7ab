//! 公民身份号码 (GB 11643-1999) and the numbers that share its layout and checksum:
//! 港澳居民居住证 (810000/820000), 台湾居民居住证 (830000) and the 2023 外国人永久居留身份证
//! (leading `9`).
//!
//! [`parse_person_id`] cleans the raw text (spaces, dashes, full-width digits, lower-case `x`,
//! an Excel text apostrophe), upgrades 15-digit numbers to 18, and checks the birth date, the
//! region code (against every code that ever existed, see [`crate::region`]) and the ISO 7064
//! MOD 11-2 check character. It never repairs a number into a different one: an ID that went
//! through an Excel number cell (`1.10101E+17`, or 18 digits whose last three became `000`) is
//! reported as [`PersonIdError::ExcelMangled`], because the lost digits cannot be recovered.

use chrono::{Datelike, NaiveDate};

use crate::region;
use crate::text;

/// A valid person ID number in canonical 18-character form, with what it encodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonId {
    canonical: String,
    /// What kind of document the number belongs to.
    pub kind: PersonIdKind,
    /// The birth date encoded in positions 7–14.
    pub birth_date: NaiveDate,
    /// From the parity of the 17th digit.
    pub gender: Gender,
    /// The six-digit region prefix (for residents, the county code at issue).
    pub region_code: String,
    /// True when the input was a legacy 15-digit number.
    pub upgraded_from_15: bool,
}

impl PersonId {
    /// The canonical 18-character number (upper-case `X`).
    pub fn as_str(&self) -> &str {
        &self.canonical
    }

    /// Moves the canonical number out.
    pub fn into_string(self) -> String {
        self.canonical
    }
}

/// The document a person number belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PersonIdKind {
    /// 居民身份证 (mainland resident).
    Resident,
    /// 港澳居民居住证 (810000 Hong Kong, 820000 Macau).
    HongKongMacauPermit,
    /// 台湾居民居住证 (830000).
    TaiwanPermit,
    /// 外国人永久居留身份证, 2023 style (`9` + province + nationality + birth date …).
    ForeignPermanentResident,
}

impl PersonIdKind {
    /// A stable code for storage.
    pub fn code(self) -> &'static str {
        match self {
            PersonIdKind::Resident => "resident",
            PersonIdKind::HongKongMacauPermit => "hk_macau_permit",
            PersonIdKind::TaiwanPermit => "taiwan_permit",
            PersonIdKind::ForeignPermanentResident => "foreign_permanent_resident",
        }
    }
}

/// 性别 as encoded in an ID number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Gender {
    /// 男: odd sequence digit.
    Male,
    /// 女: even sequence digit.
    Female,
}

impl Gender {
    /// `男` / `女`.
    pub fn zh(self) -> &'static str {
        match self {
            Gender::Male => "男",
            Gender::Female => "女",
        }
    }
}

/// Why a text is not a valid person ID number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PersonIdError {
    /// Nothing but spaces.
    #[error("empty")]
    Empty,
    /// Characters other than digits and a final `X`.
    #[error("characters other than digits and a final X in `{cleaned}`")]
    BadCharacters {
        /// The input after clean-up.
        cleaned: String,
    },
    /// Neither 15 nor 18 characters.
    #[error("{len} characters; an ID number has 18 (or 15 for the old format)")]
    BadLength {
        /// How many characters remained after clean-up.
        len: usize,
    },
    /// The number was stored in an Excel number cell and lost digits.
    #[error(
        "`{cleaned}` went through an Excel number cell and lost digits; ask for a re-export as text"
    )]
    ExcelMangled {
        /// The input after clean-up.
        cleaned: String,
    },
    /// Positions 7–14 are not a calendar date.
    #[error("`{birth}` is not a valid birth date")]
    BadDate {
        /// The eight (or six) birth-date digits.
        birth: String,
    },
    /// The birth date lies after today.
    #[error("birth date {birth} is in the future")]
    FutureDate {
        /// The decoded birth date.
        birth: NaiveDate,
    },
    /// The birth date lies before 1880.
    #[error("birth date {birth} is before 1880")]
    TooOld {
        /// The decoded birth date.
        birth: NaiveDate,
    },
    /// The region prefix never existed in GB/T 2260.
    #[error("region code {code} does not exist in any GB/T 2260 revision")]
    UnknownRegion {
        /// The six-digit prefix.
        code: String,
    },
    /// The check character does not match the first 17 digits.
    #[error("check character is {found}, expected {expected} (a typo in the number?)")]
    BadCheckDigit {
        /// The 18 characters as given (after clean-up and 15→18 upgrade).
        canonical: String,
        /// What MOD 11-2 gives for the first 17 digits.
        expected: char,
        /// What the number has.
        found: char,
    },
}

impl PersonIdError {
    /// A stable snake_case code, used in quality reports and the `__issue` columns.
    pub fn code(&self) -> &'static str {
        match self {
            PersonIdError::Empty => "empty",
            PersonIdError::BadCharacters { .. } => "bad_characters",
            PersonIdError::BadLength { .. } => "bad_length",
            PersonIdError::ExcelMangled { .. } => "excel_mangled",
            PersonIdError::BadDate { .. } => "bad_date",
            PersonIdError::FutureDate { .. } => "future_date",
            PersonIdError::TooOld { .. } => "too_old",
            PersonIdError::UnknownRegion { .. } => "unknown_region",
            PersonIdError::BadCheckDigit { .. } => "bad_check_digit",
        }
    }

    /// A short Chinese label for the code, for reports.
    pub fn zh(&self) -> &'static str {
        match self {
            PersonIdError::Empty => "空值",
            PersonIdError::BadCharacters { .. } => "含非法字符",
            PersonIdError::BadLength { .. } => "位数错误",
            PersonIdError::ExcelMangled { .. } => "被Excel转为数字而丢失位数",
            PersonIdError::BadDate { .. } => "出生日期无效",
            PersonIdError::FutureDate { .. } => "出生日期在未来",
            PersonIdError::TooOld { .. } => "出生日期早于1880年",
            PersonIdError::UnknownRegion { .. } => "地址码不存在",
            PersonIdError::BadCheckDigit { .. } => "校验码错误",
        }
    }
}

/// The weights of ISO 7064 MOD 11-2 over 17 digits: `2^(17-i) mod 11`.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// `S mod 11` → check character.
const CHECK_CHARS: [u8; 11] = *b"10X98765432";

/// The MOD 11-2 check character of the first 17 digits. `None` if any is not a digit.
pub fn check_character(first17: &str) -> Option<char> {
    let bytes = first17.as_bytes();
    if bytes.len() != 17 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = bytes
        .iter()
        .zip(WEIGHTS)
        .map(|(digit, weight)| u32::from(digit - b'0') * weight)
        .sum();
    Some(char::from(CHECK_CHARS[(sum % 11) as usize]))
}

/// Converts a 15-digit number to 18 digits: century inserted after the region code, check
/// character appended. Sequence codes 996–999 were reserved for centenarians, so they get
/// century `18`; everything else `19`. `None` if the input is not 15 digits.
pub fn upgrade_15(id15: &str) -> Option<String> {
    if id15.len() != 15 || !id15.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sequence: u32 = id15[12..15].parse().ok()?;
    let century = if (996..=999).contains(&sequence) {
        "18"
    } else {
        "19"
    };
    let first17 = format!("{}{}{}", &id15[0..6], century, &id15[6..15]);
    let check = check_character(&first17)?;
    Some(format!("{first17}{check}"))
}

/// Removes what agency exports wrap around ID numbers: spaces of every width, dashes, an
/// Excel text apostrophe, quotes, full-width digits; upper-cases `x`.
pub fn clean(raw: &str) -> String {
    text::compact(text::unwrap_excel_text(raw))
        .chars()
        .filter(|c| !matches!(c, '-' | '\'' | '"' | '_' | '\u{2010}'..='\u{2015}'))
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Parses and validates a person ID number. `today` bounds the birth date.
pub fn parse_person_id(raw: &str, today: NaiveDate) -> Result<PersonId, PersonIdError> {
    let cleaned = clean(raw);
    if cleaned.is_empty() {
        return Err(PersonIdError::Empty);
    }
    if looks_like_excel_number(&cleaned) {
        return Err(PersonIdError::ExcelMangled { cleaned });
    }
    let bytes = cleaned.as_bytes();
    let body_ok = |body: &[u8]| body.iter().all(u8::is_ascii_digit);
    let (canonical, upgraded_from_15) = match bytes.len() {
        18 if body_ok(&bytes[..17]) && (bytes[17].is_ascii_digit() || bytes[17] == b'X') => {
            (cleaned.clone(), false)
        }
        15 if body_ok(bytes) => match upgrade_15(&cleaned) {
            Some(upgraded) => (upgraded, true),
            None => return Err(PersonIdError::BadCharacters { cleaned }),
        },
        15 | 18 => return Err(PersonIdError::BadCharacters { cleaned }),
        len if !cleaned.chars().all(|c| c.is_ascii_digit() || c == 'X') => {
            let _ = len;
            return Err(PersonIdError::BadCharacters { cleaned });
        }
        len => return Err(PersonIdError::BadLength { len }),
    };

    let birth_digits = &canonical[6..14];
    let birth = parse_birth(birth_digits).ok_or_else(|| PersonIdError::BadDate {
        birth: if upgraded_from_15 {
            cleaned[6..12].to_owned()
        } else {
            birth_digits.to_owned()
        },
    })?;
    if birth > today {
        return Err(PersonIdError::FutureDate { birth });
    }
    if birth.year() < 1880 {
        return Err(PersonIdError::TooOld { birth });
    }

    let region_code = canonical[0..6].to_owned();
    let kind = match region_code.as_str() {
        "810000" | "820000" => PersonIdKind::HongKongMacauPermit,
        "830000" => PersonIdKind::TaiwanPermit,
        code if code.starts_with('9') => PersonIdKind::ForeignPermanentResident,
        _ => PersonIdKind::Resident,
    };
    let region_ok = match kind {
        PersonIdKind::HongKongMacauPermit | PersonIdKind::TaiwanPermit => true,
        // 9 + two-digit issuing province + three-digit nationality code.
        PersonIdKind::ForeignPermanentResident => {
            region::is_known(&format!("{}0000", &region_code[1..3]))
        }
        PersonIdKind::Resident => region::is_known(&region_code),
    };

    let expected = check_character(&canonical[..17]).unwrap_or('?');
    let found = char::from(canonical.as_bytes()[17]);
    if expected != found {
        // Excel keeps 15 significant digits: the last three of an 18-digit number become 000.
        if canonical.ends_with("000") && !upgraded_from_15 {
            return Err(PersonIdError::ExcelMangled { cleaned });
        }
        return Err(PersonIdError::BadCheckDigit {
            canonical,
            expected,
            found,
        });
    }
    if !region_ok {
        return Err(PersonIdError::UnknownRegion { code: region_code });
    }
    let gender = if (canonical.as_bytes()[16] - b'0') % 2 == 1 {
        Gender::Male
    } else {
        Gender::Female
    };
    Ok(PersonId {
        canonical,
        kind,
        birth_date: birth,
        gender,
        region_code,
        upgraded_from_15,
    })
}

fn parse_birth(digits: &str) -> Option<NaiveDate> {
    let year = digits.get(0..4)?.parse().ok()?;
    let month = digits.get(4..6)?.parse().ok()?;
    let day = digits.get(6..8)?.parse().ok()?;
    NaiveDate::from_ymd_opt(year, month, day)
}

/// `1.10101199E+17`, `1.1E17`, `110101199003071000.0`: text that a spreadsheet produced from a
/// floating-point number. Such a value has at most 15–17 significant digits left.
fn looks_like_excel_number(cleaned: &str) -> bool {
    let upper = cleaned.to_ascii_uppercase();
    if let Some((mantissa, exponent)) = upper.split_once('E') {
        let exponent = exponent.trim_start_matches('+');
        let mantissa_ok = !mantissa.is_empty()
            && mantissa.chars().all(|c| c.is_ascii_digit() || c == '.')
            && mantissa.matches('.').count() <= 1;
        return mantissa_ok && !exponent.is_empty() && exponent.bytes().all(|b| b.is_ascii_digit());
    }
    if let Some((integer, fraction)) = upper.split_once('.') {
        // A 15-digit number fits a double exactly, so `…​.0` on 15 digits lost nothing; on 16+
        // digits it did.
        return integer.len() > 15
            && integer.bytes().all(|b| b.is_ascii_digit())
            && fraction.bytes().all(|b| b == b'0');
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 28).unwrap()
    }

    #[track_caller]
    fn check_ok(raw: &str, canonical: &str) {
        let id = parse_person_id(raw, today()).unwrap_or_else(|e| panic!("{raw}: {e}"));
        assert_eq!(id.as_str(), canonical, "input {raw:?}");
    }

    #[track_caller]
    fn check_err(raw: &str, code: &str) {
        let err = parse_person_id(raw, today()).expect_err(raw);
        assert_eq!(err.code(), code, "input {raw:?}: {err}");
    }

    #[test]
    fn accepts_valid_resident_id() {
        let id = parse_person_id("440308199901101512", today()).unwrap();
        assert_eq!(id.kind, PersonIdKind::Resident);
        assert_eq!(id.birth_date, NaiveDate::from_ymd_opt(1999, 1, 10).unwrap());
        assert_eq!(id.gender, Gender::Male);
        assert_eq!(id.region_code, "440308");
        assert!(!id.upgraded_from_15);
    }

    #[test]
    fn check_character_matches_published_vectors() {
        assert_eq!(check_character("34052419800101001"), Some('X'));
        assert_eq!(check_character("44030819990110151"), Some('2'));
        assert_eq!(check_character("81000019940823002"), Some('1'));
        assert_eq!(check_character("3405241980010100"), None);
    }

    #[test]
    fn strips_spaces_dashes_and_full_width() {
        check_ok(" 4403 0819 9901 1015 12 ", "440308199901101512");
        check_ok("440308-19990110-1512", "440308199901101512");
        check_ok("４４０３０８１９９９０１１０１５１２", "440308199901101512");
        check_ok("'440308199901101512", "440308199901101512");
        check_ok("440308199901101512\u{3000}", "440308199901101512");
    }

    #[test]
    fn lower_case_x_is_upper_cased() {
        let x_id = find_id_with_x();
        check_ok(&x_id.to_lowercase(), &x_id);
        check_ok(&x_id.replace('X', "ｘ"), &x_id);
    }

    fn find_id_with_x() -> String {
        (0..1000)
            .map(|seq| format!("11010119800101{seq:03}"))
            .find_map(|first17| {
                (check_character(&first17) == Some('X')).then(|| format!("{first17}X"))
            })
            .unwrap()
    }

    #[test]
    fn upgrades_15_digit_numbers() {
        assert_eq!(
            upgrade_15("610104620927690").as_deref(),
            Some("610104196209276908")
        );
        let id = parse_person_id("610104620927690", today()).unwrap();
        assert_eq!(id.as_str(), "610104196209276908");
        assert!(id.upgraded_from_15);
        assert_eq!(id.gender, Gender::Female);
    }

    #[test]
    fn centenarian_sequence_gets_19th_century() {
        let upgraded = upgrade_15("110101010101996").unwrap();
        assert!(upgraded.starts_with("11010118010101996"));
    }

    #[test]
    fn hong_kong_macau_taiwan_permits() {
        assert_eq!(
            parse_person_id("810000199408230021", today()).unwrap().kind,
            PersonIdKind::HongKongMacauPermit
        );
        assert_eq!(
            parse_person_id("830000199201300022", today()).unwrap().kind,
            PersonIdKind::TaiwanPermit
        );
    }

    #[test]
    fn excel_scientific_notation_is_reported_not_repaired() {
        check_err("1.10101199E+17", "excel_mangled");
        check_err("4.40308E+17", "excel_mangled");
        check_err("1.1e17", "excel_mangled");
        check_err("440308199901101000.0", "excel_mangled");
    }

    #[test]
    fn trailing_zeros_with_bad_check_are_excel_precision_loss() {
        check_err("440308199901101000", "excel_mangled");
    }

    #[test]
    fn bad_check_digit_is_reported_with_expected_character() {
        let err = parse_person_id("340524198001010013", today()).unwrap_err();
        assert_eq!(
            err,
            PersonIdError::BadCheckDigit {
                canonical: "340524198001010013".into(),
                expected: 'X',
                found: '3'
            }
        );
    }

    #[test]
    fn invalid_dates() {
        check_err(&with_check("44030819990230151"), "bad_date");
        check_err(&with_check("44030820991231151"), "future_date");
        check_err(&with_check("44030818700101151"), "too_old");
        check_err("440308990230151", "bad_date");
    }

    #[test]
    fn unknown_region() {
        check_err(&with_check("99999919900101151"), "unknown_region");
        check_err(&with_check("00000019900101151"), "unknown_region");
    }

    #[test]
    fn abolished_region_codes_are_valid() {
        // 340502 金家庄区 was abolished in 2011; numbers issued with it stay valid.
        check_ok(
            &with_check("34050219800101001"),
            &with_check("34050219800101001"),
        );
    }

    #[test]
    fn wrong_lengths_and_characters() {
        check_err("", "empty");
        check_err("  ", "empty");
        check_err("4403081999011015", "bad_length");
        check_err("4403081999011015123", "bad_length");
        check_err("44030819990110151A", "bad_characters");
        check_err("44030819990X101512", "bad_characters");
        check_err("张三", "bad_characters");
        check_err("X40308199901101512", "bad_characters");
    }

    #[test]
    fn foreign_permanent_residence_numbers() {
        // 9 + 11 (Beijing) + 156? no: nationality 840 (USA) + birth 19850312 + sequence.
        let id = with_check("91184019850312001");
        let parsed = parse_person_id(&id, today()).unwrap();
        assert_eq!(parsed.kind, PersonIdKind::ForeignPermanentResident);
        assert_eq!(
            parsed.birth_date,
            NaiveDate::from_ymd_opt(1985, 3, 12).unwrap()
        );
    }

    fn with_check(first17: &str) -> String {
        format!("{first17}{}", check_character(first17).unwrap())
    }

    /// An independent, table-free reference: weight = 2^(17-i) mod 11.
    fn reference_valid(id: &str) -> bool {
        let digits: Vec<u32> = id.chars().take(17).filter_map(|c| c.to_digit(10)).collect();
        if digits.len() != 17 {
            return false;
        }
        let sum: u32 = digits
            .iter()
            .enumerate()
            .map(|(i, d)| d * (2u32.pow(17 - i as u32) % 11))
            .sum();
        let value = (12 - sum % 11) % 11;
        let expected = if value == 10 {
            'X'
        } else {
            char::from_digit(value, 10).unwrap()
        };
        id.chars().nth(17) == Some(expected)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn never_panics(raw in ".{0,40}") {
            let _ = parse_person_id(&raw, today());
        }

        #[test]
        fn check_digit_agrees_with_reference(body in "[0-9]{17}", last in "[0-9X]") {
            let id = format!("{body}{last}");
            let ours = check_character(&body).map(|c| c.to_string()) == Some(last.clone());
            prop_assert_eq!(ours, reference_valid(&id));
        }

        #[test]
        fn valid_ids_round_trip_through_noise(
            day in 0i64..40_000, seq in 0u32..1000, spaces in proptest::bool::ANY, lower in proptest::bool::ANY
        ) {
            let birth = NaiveDate::from_ymd_opt(1910, 1, 1).unwrap() + chrono::Days::new(day as u64);
            let id = with_check(&format!("330602{}{seq:03}", birth.format("%Y%m%d")));
            let mut noisy = id.clone();
            if spaces { noisy = format!(" {} {} ", &noisy[..6], &noisy[6..]); }
            if lower { noisy = noisy.to_lowercase(); }
            let parsed = parse_person_id(&noisy, today()).unwrap();
            prop_assert_eq!(parsed.as_str(), id.as_str());
            prop_assert_eq!(parsed.birth_date, birth);
        }

        #[test]
        fn one_digit_typo_is_always_caught(
            day in 0i64..30_000, seq in 0u32..1000, position in 0usize..17, delta in 1u8..10
        ) {
            let birth = NaiveDate::from_ymd_opt(1940, 1, 1).unwrap() + chrono::Days::new(day as u64);
            let id = with_check(&format!("110101{}{seq:03}", birth.format("%Y%m%d")));
            let mut bytes = id.clone().into_bytes();
            bytes[position] = b'0' + (bytes[position] - b'0' + delta) % 10;
            let typo = String::from_utf8(bytes).unwrap();
            prop_assert!(parse_person_id(&typo, today()).is_err());
        }
    }
}
