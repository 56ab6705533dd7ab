//! 统一社会信用代码 (USCC, GB 32100-2015) and the organisation numbers that preceded it:
//! 组织机构代码 (GB 11714, 9 characters, often written `XXXXXXXX-X`) and the 15-digit
//! 工商注册号.
//!
//! A USCC whose check character does not follow GB 32100 is rejected (`bad_check_digit`), as a
//! person ID with a wrong check digit is: a typo must not become a different company. The one
//! exception is the pilot period: before the standard was final (2015), Fujian's pilot
//! registries (Fuzhou, Xiamen; region codes `35…`) issued real codes whose embedded
//! organisation code is a provisional `M000…` and whose check character follows no rule
//! (`91350100M0001TGQXM`). Such a code is accepted with the warning
//! [`OrgIdWarning::NonStandardCheck`], counted in the quality report. Anything else with a
//! failed check is an error.

use crate::region;
use crate::text;

/// The 31 characters a USCC may contain; a character's value is its index. No I, O, S, V, Z.
const USCC_CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// `3^i mod 31` for i = 0..17.
const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];
/// GB 11714 weights over the eight-character body.
const ORG_CODE_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
/// 登记管理部门代码 in use (position 1).
const DEPARTMENTS: &str = "123456789AGJNQY";

/// A syntactically valid organisation identifier in canonical form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgId {
    canonical: String,
    /// Which kind of number this is.
    pub kind: OrgIdKind,
    /// Things that are off but do not make the number unusable.
    pub warnings: Vec<OrgIdWarning>,
}

impl OrgId {
    /// The canonical form: upper case, no separators.
    pub fn as_str(&self) -> &str {
        &self.canonical
    }

    /// Moves the canonical form out.
    pub fn into_string(self) -> String {
        self.canonical
    }

    /// For a USCC, the region code in positions 3–8.
    pub fn region_code(&self) -> Option<&str> {
        match self.kind {
            OrgIdKind::Uscc => self.canonical.get(2..8),
            _ => None,
        }
    }

    /// For a USCC, the embedded 组织机构代码 (positions 9–17).
    pub fn organization_code(&self) -> Option<&str> {
        match self.kind {
            OrgIdKind::Uscc => self.canonical.get(8..17),
            OrgIdKind::OrganizationCode => Some(&self.canonical),
            OrgIdKind::RegistrationNumber => None,
        }
    }
}

/// The kind of organisation number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrgIdKind {
    /// 统一社会信用代码, 18 characters.
    Uscc,
    /// 组织机构代码, 9 characters.
    OrganizationCode,
    /// 工商注册号, 15 digits (no check performed).
    RegistrationNumber,
}

/// A soft problem with an organisation number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrgIdWarning {
    /// The USCC check character does not follow GB 32100: accepted only for the pilot-period
    /// codes (region `35…`, provisional organisation code `M000…`).
    NonStandardCheck {
        /// What the standard gives.
        expected: char,
        /// What the code has.
        found: char,
    },
    /// The embedded 组织机构代码 fails its GB 11714 check.
    OrganizationCodeCheck,
    /// Position 1 is not a registration department in use.
    UnknownDepartment(char),
    /// Positions 3–8 are not a GB/T 2260 code of any revision.
    UnknownRegion(String),
}

impl OrgIdWarning {
    /// A stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            OrgIdWarning::NonStandardCheck { .. } => "nonstandard_check",
            OrgIdWarning::OrganizationCodeCheck => "organization_code_check",
            OrgIdWarning::UnknownDepartment(_) => "unknown_department",
            OrgIdWarning::UnknownRegion(_) => "unknown_region",
        }
    }
}

/// Why a text is not an organisation number at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrgIdError {
    /// Nothing but spaces.
    #[error("empty")]
    Empty,
    /// Not 18, 9 or 15 characters.
    #[error("{len} characters; a USCC has 18 (组织机构代码 9, 工商注册号 15)")]
    BadLength {
        /// Characters after clean-up.
        len: usize,
    },
    /// A character outside the code's alphabet (I, O, S, V, Z, punctuation, Han …).
    #[error("`{cleaned}` contains characters a USCC cannot have")]
    BadCharacters {
        /// The input after clean-up.
        cleaned: String,
    },
    /// A USCC or 9-character 组织机构代码 whose check character is wrong.
    #[error("check character is {found}, expected {expected} (a typo in the number?)")]
    BadCheckDigit {
        /// What GB 11714 gives.
        expected: char,
        /// What the code has.
        found: char,
    },
}

impl OrgIdError {
    /// A stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            OrgIdError::Empty => "empty",
            OrgIdError::BadLength { .. } => "bad_length",
            OrgIdError::BadCharacters { .. } => "bad_characters",
            OrgIdError::BadCheckDigit { .. } => "bad_check_digit",
        }
    }

    /// A short Chinese label.
    pub fn zh(&self) -> &'static str {
        match self {
            OrgIdError::Empty => "空值",
            OrgIdError::BadLength { .. } => "位数错误",
            OrgIdError::BadCharacters { .. } => "含非法字符",
            OrgIdError::BadCheckDigit { .. } => "校验码错误",
        }
    }
}

/// The GB 32100 check character of the first 17 characters, or `None` if one is outside the
/// charset.
pub fn uscc_check_character(first17: &str) -> Option<char> {
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (byte, weight) in first17.bytes().zip(USCC_WEIGHTS) {
        let value = USCC_CHARSET.iter().position(|c| *c == byte)? as u32;
        sum += value * weight;
    }
    let remainder = (31 - sum % 31) % 31;
    Some(char::from(USCC_CHARSET[remainder as usize]))
}

/// The GB 11714 check character of an eight-character organisation-code body.
pub fn organization_code_check_character(body: &str) -> Option<char> {
    if body.len() != 8 {
        return None;
    }
    let mut sum = 0u32;
    for (byte, weight) in body.bytes().zip(ORG_CODE_WEIGHTS) {
        let value = match byte {
            b'0'..=b'9' => u32::from(byte - b'0'),
            b'A'..=b'Z' => u32::from(byte - b'A') + 10,
            _ => return None,
        };
        sum += value * weight;
    }
    Some(match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        digit => char::from_digit(digit, 10)?,
    })
}

/// The text of an organisation number as written, without what exports wrap around it
/// (spaces of every width, dashes, quotes, an Excel apostrophe) and in upper case — whether or
/// not it is a valid number. For comparing a mistyped code with valid ones (linkage), never
/// for storing as a value.
pub fn clean(raw: &str) -> String {
    text::compact(text::unwrap_excel_text(raw))
        .chars()
        .filter(|c| !matches!(c, '-' | '\'' | '"' | '_'))
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Parses an organisation number: a USCC, a 组织机构代码 or a 工商注册号.
pub fn parse_org_id(raw: &str) -> Result<OrgId, OrgIdError> {
    let cleaned = clean(raw);
    if cleaned.is_empty() {
        return Err(OrgIdError::Empty);
    }
    if !cleaned.is_ascii() {
        return Err(OrgIdError::BadCharacters { cleaned });
    }
    match cleaned.len() {
        18 => parse_uscc(cleaned),
        9 => parse_organization_code(cleaned),
        15 if cleaned.bytes().all(|b| b.is_ascii_digit()) => Ok(OrgId {
            canonical: cleaned,
            kind: OrgIdKind::RegistrationNumber,
            warnings: Vec::new(),
        }),
        len => Err(OrgIdError::BadLength { len }),
    }
}

fn parse_uscc(cleaned: String) -> Result<OrgId, OrgIdError> {
    if !cleaned.bytes().all(|b| USCC_CHARSET.contains(&b)) {
        return Err(OrgIdError::BadCharacters { cleaned });
    }
    let mut warnings = Vec::new();
    let department = char::from(cleaned.as_bytes()[0]);
    if !DEPARTMENTS.contains(department) {
        warnings.push(OrgIdWarning::UnknownDepartment(department));
    }
    let region_code = &cleaned[2..8];
    if !region::is_known(region_code) {
        warnings.push(OrgIdWarning::UnknownRegion(region_code.to_owned()));
    }
    if organization_code_check_character(&cleaned[8..16])
        .is_none_or(|check| char::from(cleaned.as_bytes()[16]) != check)
    {
        warnings.push(OrgIdWarning::OrganizationCodeCheck);
    }
    let found = char::from(cleaned.as_bytes()[17]);
    if let Some(expected) = uscc_check_character(&cleaned[..17])
        && expected != found
    {
        if !is_pilot_code(&cleaned) {
            return Err(OrgIdError::BadCheckDigit { expected, found });
        }
        warnings.push(OrgIdWarning::NonStandardCheck { expected, found });
    }
    Ok(OrgId {
        canonical: cleaned,
        kind: OrgIdKind::Uscc,
        warnings,
    })
}

/// A code from the 2015 pilot registries: region `35…` (Fujian) and a provisional organisation
/// code `M000…` in positions 9–12.
fn is_pilot_code(cleaned: &str) -> bool {
    cleaned.get(2..4) == Some("35") && cleaned.get(8..12) == Some("M000")
}

fn parse_organization_code(cleaned: String) -> Result<OrgId, OrgIdError> {
    let body = &cleaned[..8];
    if !body
        .bytes()
        .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
    {
        return Err(OrgIdError::BadCharacters { cleaned });
    }
    let found = char::from(cleaned.as_bytes()[8]);
    let Some(expected) = organization_code_check_character(body) else {
        return Err(OrgIdError::BadCharacters { cleaned });
    };
    if expected != found {
        return Err(OrgIdError::BadCheckDigit { expected, found });
    }
    Ok(OrgId {
        canonical: cleaned,
        kind: OrgIdKind::OrganizationCode,
        warnings: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn synthetic_worked_example_from_domain_reference() {
        assert_eq!(organization_code_check_character("MA01ABCD"), Some('5'));
        assert_eq!(uscc_check_character("91110108MA01ABCD5"), Some('T'));
        let id = parse_org_id("91110108MA01ABCD5T").unwrap();
        assert_eq!(id.kind, OrgIdKind::Uscc);
        assert!(id.warnings.is_empty(), "{:?}", id.warnings);
        assert_eq!(id.region_code(), Some("110108"));
    }

    #[test]
    fn pilot_codes_with_nonstandard_check_are_warnings() {
        for (code, expected) in [
            ("91350100M0001TGQXM", '1'),
            ("91350211M0000XUF46", 'R'),
            ("91350203M0001FUE2P", 'J'),
        ] {
            let id = parse_org_id(code).unwrap();
            assert!(
                id.warnings.iter().any(|w| matches!(
                    w,
                    OrgIdWarning::NonStandardCheck { expected: e, .. } if *e == expected
                )),
                "{code}: {:?}",
                id.warnings
            );
        }
    }

    #[test]
    fn a_wrong_check_character_outside_the_pilot_is_rejected() {
        // One character of a valid code changed: the typo is an error, as in a person ID.
        let error = parse_org_id("91110108MA01ABCD5U").unwrap_err();
        assert_eq!(error.code(), "bad_check_digit");
        assert_eq!(
            error,
            OrgIdError::BadCheckDigit {
                expected: 'T',
                found: 'U'
            }
        );
        // A pilot-shaped organisation code outside Fujian is not a pilot code.
        assert_eq!(
            parse_org_id("91110100M0001TGQXM").unwrap_err().code(),
            "bad_check_digit"
        );
    }

    #[test]
    fn lower_case_and_separators_are_cleaned() {
        assert_eq!(
            parse_org_id(" 91110108-ma01abcd5t ").unwrap().as_str(),
            "91110108MA01ABCD5T"
        );
        assert_eq!(
            parse_org_id("９１１１０１０８ＭＡ０１ＡＢＣＤ５Ｔ")
                .unwrap()
                .as_str(),
            "91110108MA01ABCD5T"
        );
    }

    #[test]
    fn forbidden_letters_are_rejected() {
        for bad in [
            "91110108MA01ABCD5I",
            "91110108MO01ABCD5T",
            "9111010SMA01ABCD5T",
        ] {
            assert_eq!(
                parse_org_id(bad).unwrap_err().code(),
                "bad_characters",
                "{bad}"
            );
        }
    }

    #[test]
    fn organization_codes() {
        assert_eq!(
            parse_org_id("MA01ABCD-5").unwrap().kind,
            OrgIdKind::OrganizationCode
        );
        assert_eq!(
            parse_org_id("MA01ABCD-6").unwrap_err().code(),
            "bad_check_digit"
        );
    }

    #[test]
    fn lengths() {
        assert_eq!(parse_org_id("").unwrap_err().code(), "empty");
        assert_eq!(parse_org_id("9111").unwrap_err().code(), "bad_length");
        assert_eq!(
            parse_org_id("110108000000016").unwrap().kind,
            OrgIdKind::RegistrationNumber
        );
        assert_eq!(
            parse_org_id("某某公司").unwrap_err().code(),
            "bad_characters"
        );
    }

    #[test]
    fn letter_departments_are_accepted() {
        for department in ['Y', 'N', 'A', 'G', 'J', 'Q'] {
            let first17 = format!("{department}1110108MA01ABCD5");
            let code = format!("{first17}{}", uscc_check_character(&first17).unwrap());
            let id = parse_org_id(&code).unwrap();
            assert!(!id.warnings.iter().any(|w| w.code() == "unknown_department"));
        }
    }

    proptest! {
        #[test]
        fn never_panics(raw in ".{0,30}") {
            let _ = parse_org_id(&raw);
        }

        #[test]
        fn generated_codes_validate(body in "[0-9A-HJ-NP-RTUW-Y]{8}") {
            let org_check = organization_code_check_character(&body).unwrap();
            let first17 = format!("91330602{body}{org_check}");
            let code = format!("{first17}{}", uscc_check_character(&first17).unwrap());
            let id = parse_org_id(&code).unwrap();
            prop_assert!(id.warnings.is_empty(), "{:?}", id.warnings);
        }
    }
}
