//! 当事人证件号码: the identifier of a party that may be a person or an organisation, as courts
//! and administrative agencies export it (原告证件号, 当事人证件号码, 被执行人证照号码). One
//! column holds 公民身份号码, 统一社会信用代码, 组织机构代码 and 工商注册号 side by side.
//!
//! [`parse_party_id`] decides the kind from the value itself and keeps it:
//!
//! * 18 characters: a person ID when it is one (digits, a final digit or `X`, a valid birth
//!   date, region and check character); otherwise a USCC. A USCC's first character is its
//!   registration department (`9` for market regulation, which registers nearly every company)
//!   and no person region code starts with `9`, so the two rarely meet; when both readings
//!   are valid, the person reading wins and the kind says so.
//! * 15 digits: a legacy person ID when positions 7–12 are a birth date (`YYMMDD`) and the
//!   region exists; otherwise a 工商注册号. A 工商注册号 carries no date, so a number that is
//!   both is read as a person ID; the quality report counts every upgraded 15-digit number.
//! * 9 characters: a 组织机构代码 (with its GB 11714 check).
//!
//! A value that is neither is an error of the reading it came closest to: a digits-only
//! value is judged as a person ID (`bad_check_digit`, `bad_date` …), anything else as an
//! organisation number — so a typo is reported as the typo it is, and never matched.

use chrono::NaiveDate;

use crate::org_id::{self, OrgId, OrgIdError};
use crate::person_id::{self, PersonId, PersonIdError};

/// Whether a party is a natural person or an organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PartyKind {
    /// A natural person: 公民身份号码 and the permits that share its layout.
    Person,
    /// An organisation: USCC, 组织机构代码 or 工商注册号.
    Org,
}

impl PartyKind {
    /// The code stored beside the value (`person` / `org`), also the clue subject kind.
    pub fn code(self) -> &'static str {
        match self {
            PartyKind::Person => "person",
            PartyKind::Org => "org",
        }
    }

    /// `自然人` / `单位`.
    pub fn zh(self) -> &'static str {
        match self {
            PartyKind::Person => "自然人",
            PartyKind::Org => "单位",
        }
    }
}

/// A valid party identifier in canonical form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartyId {
    /// A person ID (canonical 18 characters).
    Person(PersonId),
    /// An organisation number (canonical, upper case, no separators).
    Org(OrgId),
}

impl PartyId {
    /// Person or organisation.
    pub fn kind(&self) -> PartyKind {
        match self {
            PartyId::Person(_) => PartyKind::Person,
            PartyId::Org(_) => PartyKind::Org,
        }
    }

    /// The canonical form.
    pub fn as_str(&self) -> &str {
        match self {
            PartyId::Person(id) => id.as_str(),
            PartyId::Org(id) => id.as_str(),
        }
    }

    /// Moves the canonical form out.
    pub fn into_string(self) -> String {
        match self {
            PartyId::Person(id) => id.into_string(),
            PartyId::Org(id) => id.into_string(),
        }
    }
}

/// Why a text is not a party identifier: the error of the reading it came closest to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PartyIdError {
    /// Judged as a person ID.
    #[error("{0}")]
    Person(PersonIdError),
    /// Judged as an organisation number.
    #[error("{0}")]
    Org(OrgIdError),
}

impl PartyIdError {
    /// The stable code of the underlying error.
    pub fn code(&self) -> &'static str {
        match self {
            PartyIdError::Person(e) => e.code(),
            PartyIdError::Org(e) => e.code(),
        }
    }

    /// A short Chinese label.
    pub fn zh(&self) -> &'static str {
        match self {
            PartyIdError::Person(e) => e.zh(),
            PartyIdError::Org(e) => e.zh(),
        }
    }
}

/// Parses a party identifier, deciding whether it names a person or an organisation.
pub fn parse_party_id(raw: &str, today: NaiveDate) -> Result<PartyId, PartyIdError> {
    let person = person_id::parse_person_id(raw, today);
    let person_error = match person {
        Ok(id) => return Ok(PartyId::Person(id)),
        Err(e) => e,
    };
    if matches!(person_error, PersonIdError::Empty) {
        return Err(PartyIdError::Person(person_error));
    }
    let org_error = match org_id::parse_org_id(raw) {
        Ok(id) => return Ok(PartyId::Org(id)),
        Err(e) => e,
    };
    let cleaned = person_id::clean(raw);
    let digits_only = cleaned
        .char_indices()
        .all(|(i, c)| c.is_ascii_digit() || (c == 'X' && i + 1 == cleaned.len()));
    // A 15-digit number is always an organisation number when it is not a person ID (no
    // check is defined for 工商注册号), so only 18 digits and odd lengths reach here.
    // An 18-digit number is judged as a person ID; a 9-digit one with a wrong check as an
    // organisation code.
    let judged_as_org_code = matches!(org_error, OrgIdError::BadCheckDigit { .. });
    if digits_only && (cleaned.len() == 18 || !judged_as_org_code) {
        Err(PartyIdError::Person(person_error))
    } else {
        Err(PartyIdError::Org(org_error))
    }
}

/// The kind of a party identifier that was validated before (as stored in a `party_id`
/// column): `None` when it is neither. Birth dates are not bounded by a "today" here: only
/// the kind is asked for.
pub fn kind_of(canonical: &str) -> Option<PartyKind> {
    parse_party_id(canonical, NaiveDate::MAX)
        .ok()
        .map(|id| id.kind())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 6, 30).unwrap()
    }

    fn person(first17: &str) -> String {
        format!("{first17}{}", person_id::check_character(first17).unwrap())
    }

    fn uscc(body8: &str) -> String {
        let org_check = org_id::organization_code_check_character(body8).unwrap();
        let first17 = format!("91330602{body8}{org_check}");
        format!(
            "{first17}{}",
            org_id::uscc_check_character(&first17).unwrap()
        )
    }

    #[test]
    fn persons_and_companies_share_a_column() {
        let id = person("11010119800101123");
        let parsed = parse_party_id(&id, today()).unwrap();
        assert_eq!(parsed.kind(), PartyKind::Person);
        assert_eq!(parsed.as_str(), id);

        let code = uscc("MA01ABCD");
        let parsed = parse_party_id(&code.to_lowercase(), today()).unwrap();
        assert_eq!(parsed.kind(), PartyKind::Org);
        assert_eq!(parsed.as_str(), code);

        let parsed = parse_party_id("MA01ABCD-5", today()).unwrap();
        assert_eq!(parsed.kind(), PartyKind::Org);
        assert_eq!(parsed.as_str(), "MA01ABCD5");
    }

    #[test]
    fn an_all_digit_uscc_is_a_company() {
        let code = uscc("12345678");
        assert!(code.starts_with('9'));
        assert_eq!(
            parse_party_id(&code, today()).unwrap().kind(),
            PartyKind::Org
        );
    }

    #[test]
    fn fifteen_digits_are_an_old_id_when_they_carry_a_birth_date() {
        let parsed = parse_party_id("110101800101123", today()).unwrap();
        assert_eq!(parsed.kind(), PartyKind::Person);
        assert_eq!(parsed.as_str().len(), 18);
        // A 工商注册号 has no birth date in positions 7-12.
        let parsed = parse_party_id("110108000000016", today()).unwrap();
        assert_eq!(parsed.kind(), PartyKind::Org);
        assert_eq!(parsed.as_str(), "110108000000016");
    }

    #[test]
    fn typos_are_reported_as_what_they_are() {
        let mut id = person("11010119800101123");
        let last = id.pop().unwrap();
        id.push(if last == '0' { '1' } else { '0' });
        let error = parse_party_id(&id, today()).unwrap_err();
        assert_eq!(error.code(), "bad_check_digit");
        assert!(matches!(error, PartyIdError::Person(_)));

        let mut code = uscc("MA01ABCD");
        let last = code.pop().unwrap();
        code.push(if last == 'A' { 'B' } else { 'A' });
        let error = parse_party_id(&code, today()).unwrap_err();
        assert_eq!(error.code(), "bad_check_digit");
        assert!(matches!(error, PartyIdError::Org(_)));

        assert_eq!(
            parse_party_id("某某公司", today()).unwrap_err().code(),
            "bad_characters"
        );
        assert_eq!(parse_party_id("  ", today()).unwrap_err().code(), "empty");
    }

    #[test]
    fn canonical_values_keep_their_kind() {
        for (value, kind) in [
            (person("11010119800101123"), PartyKind::Person),
            (uscc("MA01ABCD"), PartyKind::Org),
            ("MA01ABCD5".to_owned(), PartyKind::Org),
        ] {
            assert_eq!(kind_of(&value), Some(kind), "{value}");
        }
    }

    proptest! {
        #[test]
        fn never_panics(raw in ".{0,30}") {
            let _ = parse_party_id(&raw, today());
        }

        #[test]
        fn canonical_form_parses_to_itself(body in "[0-9A-HJ-NP-RTUW-Y]{8}") {
            let code = uscc(&body);
            let parsed = parse_party_id(&code, today()).unwrap();
            prop_assert_eq!(parsed.as_str(), code.as_str());
            let again = parse_party_id(parsed.as_str(), today()).unwrap();
            prop_assert_eq!(again.kind(), parsed.kind());
        }
    }
}
