//! A person record reduced to the features linkage compares: canonical ID (or what is left of
//! a damaged one), name in its normalised, simplified and pinyin forms, birth date, gender,
//! region, address tokens and phone. Everything that can be derived from an ID number is, so a
//! row that only has an ID still compares on birth date, gender and region.

use chrono::{Datelike, NaiveDate};
use procura_core::{name, person_id, phone, text};

/// The raw values of one row, as the dataset holds them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawPerson {
    /// The canonical ID when ingest validated it.
    pub person_id: Option<String>,
    /// The ID text as found (kept even when invalid: a mistyped ID still says a lot).
    pub person_id_raw: Option<String>,
    /// The name as found.
    pub name: Option<String>,
    /// A declared birth date.
    pub birth_date: Option<NaiveDate>,
    /// A declared gender (`男`/`女`).
    pub gender: Option<String>,
    /// A declared region code.
    pub region: Option<String>,
    /// An address.
    pub address: Option<String>,
    /// A phone number.
    pub phone: Option<String>,
}

/// Where a record comes from: enough to find the row again.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Source {
    /// Dataset name.
    pub dataset: String,
    /// Dataset version id in the catalog.
    pub version_id: i64,
    /// `_row_id` in that version.
    pub row_id: i64,
}

/// The features of one record.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Where it comes from.
    pub source: Source,
    /// Content key, stable across re-ingests of the same data (dataset + raw values).
    pub key: String,
    /// Canonical ID, when valid.
    pub id: Option<String>,
    /// Digits of a damaged ID (15–18 characters after clean-up), for one-character-off matches.
    pub id_digits: Option<String>,
    /// Normalised name.
    pub name: Option<String>,
    /// Traditional → simplified.
    pub simplified: Option<String>,
    /// Simplified name without middle dots.
    pub undotted: Option<String>,
    /// Pinyin, syllables separated by spaces.
    pub pinyin: Option<String>,
    /// Surname (simplified).
    pub surname: Option<String>,
    /// The name in the other order: a Han name's given name then surname (`三张`), or a dotted
    /// name's parts sorted (`买买提·阿卜杜拉` and `阿卜杜拉·买买提` alike).
    pub reordered: Option<String>,
    /// Pinyin with the first syllable moved to the end (`san zhang` for `zhang san`).
    pub pinyin_rotated: Option<String>,
    /// What comparisons read, packed together (hashes of the name forms, short texts inline):
    /// training compares millions of random pairs, and each should touch one small block of
    /// memory per record, not a dozen heap strings.
    pub compact: Compact,
    /// Pinyin of the surname.
    pub surname_pinyin: Option<String>,
    /// Birth date (declared, else from the ID).
    pub birth: Option<NaiveDate>,
    /// 1 male, 2 female.
    pub gender: Option<u8>,
    /// Six-digit region code (declared, else from the ID).
    pub region: Option<u32>,
    /// Character bigrams of the address.
    pub address: Vec<String>,
    /// Canonical phone.
    pub phone: Option<String>,
    /// Declared birth date disagrees with the one in the valid ID.
    pub birth_conflict: bool,
    /// Declared gender disagrees with the valid ID.
    pub gender_conflict: bool,
}

impl Record {
    /// Derives the features of a raw row. `today` bounds ID birth dates.
    pub fn from_raw(source: Source, raw: &RawPerson, today: NaiveDate) -> Record {
        let key = record_key(&source.dataset, raw);
        let parsed_id = raw
            .person_id
            .as_deref()
            .and_then(|id| person_id::parse_person_id(id, today).ok())
            .or_else(|| {
                raw.person_id_raw
                    .as_deref()
                    .and_then(|id| person_id::parse_person_id(id, today).ok())
            });
        let id_digits = if parsed_id.is_none() {
            raw.person_id_raw.as_deref().and_then(damaged_digits)
        } else {
            None
        };
        let names = raw
            .name
            .as_deref()
            .and_then(|n| name::normalize_name(n).ok());
        let (normalized, simplified) = match names {
            Some(n) => (Some(n.normalized), Some(n.simplified)),
            None => (None, None),
        };
        let undotted = simplified.as_ref().map(|s| s.replace('·', ""));
        let pinyin = simplified.as_deref().map(name::name_pinyin);
        let surname = simplified
            .as_deref()
            .and_then(name::surname)
            .map(str::to_owned);
        let surname_pinyin = surname.as_deref().map(name::name_pinyin);
        let declared_birth = raw.birth_date;
        let id_birth = parsed_id
            .as_ref()
            .map(|p| p.birth_date)
            .or_else(|| id_digits.as_deref().and_then(birth_from_digits));
        let declared_gender =
            raw.gender
                .as_deref()
                .and_then(|g| match procura_core::field::normalize_gender(g) {
                    Some("男") => Some(1),
                    Some("女") => Some(2),
                    _ => None,
                });
        let id_gender = parsed_id.as_ref().map(|p| match p.gender {
            person_id::Gender::Male => 1,
            person_id::Gender::Female => 2,
        });
        let declared_region = raw
            .region
            .as_deref()
            .and_then(|r| text::compact(r).get(..6).and_then(|c| c.parse().ok()));
        let id_region = parsed_id
            .as_ref()
            .and_then(|p| p.region_code.parse().ok())
            .or_else(|| {
                id_digits
                    .as_deref()
                    .and_then(|d| d.get(..6))
                    .and_then(|c| c.parse().ok())
            });
        let reordered = simplified
            .as_deref()
            .and_then(|s| reorder(s, surname.as_deref()));
        let pinyin_rotated = pinyin.as_deref().and_then(rotate_syllables);
        let birth = declared_birth.or(id_birth);
        let gender = declared_gender.or(id_gender);
        let region = declared_region.or(id_region);
        let id = parsed_id.as_ref().map(|p| p.as_str().to_owned());
        let address = raw.address.as_deref().map(bigrams).unwrap_or_default();
        let phone = raw
            .phone
            .as_deref()
            .and_then(|p| phone::parse_phone(p).ok())
            .map(|p| p.canonical());
        let compact = Compact {
            name: text_hash(normalized.as_deref()),
            simplified: text_hash(simplified.as_deref()),
            undotted: text_hash(undotted.as_deref()),
            pinyin: text_hash(pinyin.as_deref()),
            reordered: text_hash(reordered.as_deref()),
            pinyin_rotated: text_hash(pinyin_rotated.as_deref()),
            phone: text_hash(phone.as_deref()),
            birth,
            region,
            gender: gender.unwrap_or(0),
            dotted: simplified.as_deref().is_some_and(|s| s.contains('·')),
            has_address: !address.is_empty(),
            valid_id: id.is_some(),
            pinyin_text: Inline::new(pinyin.as_deref()),
            simplified_text: Inline::new(simplified.as_deref()),
            id_text: Inline::new(id.as_deref().or(id_digits.as_deref())),
        };
        Record {
            source,
            key,
            reordered,
            pinyin_rotated,
            compact,
            id,
            id_digits,
            name: normalized,
            simplified,
            undotted,
            pinyin,
            surname,
            surname_pinyin,
            birth,
            gender,
            region,
            address,
            phone,
            birth_conflict: matches!((declared_birth, parsed_id.as_ref()), (Some(d), Some(p)) if d != p.birth_date),
            gender_conflict: matches!((declared_gender, id_gender), (Some(d), Some(i)) if d != i),
        }
    }

    /// Birth year, if known.
    pub fn birth_year(&self) -> Option<i32> {
        self.birth.map(|b| b.year())
    }
}

/// The hot part of a record (see [`Record::compact`]). Hashes are 0 when the text is absent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Compact {
    /// Of [`Record::name`].
    pub name: u64,
    /// Of [`Record::simplified`].
    pub simplified: u64,
    /// Of [`Record::undotted`].
    pub undotted: u64,
    /// Of [`Record::pinyin`].
    pub pinyin: u64,
    /// Of [`Record::reordered`].
    pub reordered: u64,
    /// Of [`Record::pinyin_rotated`].
    pub pinyin_rotated: u64,
    /// Of [`Record::phone`].
    pub phone: u64,
    /// [`Record::birth`].
    pub birth: Option<NaiveDate>,
    /// [`Record::region`].
    pub region: Option<u32>,
    /// [`Record::gender`] (0: unknown).
    pub gender: u8,
    /// The simplified name has a middle dot (a minority name).
    pub dotted: bool,
    /// The record has an address.
    pub has_address: bool,
    /// [`Record::id`] is present (`id_text` is then the canonical ID).
    pub valid_id: bool,
    /// Pinyin, inline when short.
    pub pinyin_text: Inline<32>,
    /// Simplified name, inline when short.
    pub simplified_text: Inline<24>,
    /// Canonical ID, else damaged ID digits.
    pub id_text: Inline<18>,
}

/// A short text stored inline (`len` 0: absent, or longer than `N` bytes: see the record's
/// string).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Inline<const N: usize> {
    /// Bytes; the first `len` are the text.
    pub bytes: [u8; N],
    /// Length, 0 when absent or too long.
    pub len: u8,
    /// Absent (as opposed to too long).
    pub absent: bool,
}

impl<const N: usize> Default for Inline<N> {
    fn default() -> Self {
        Inline {
            bytes: [0; N],
            len: 0,
            absent: true,
        }
    }
}

impl<const N: usize> Inline<N> {
    fn new(text: Option<&str>) -> Self {
        let Some(text) = text else {
            return Inline::default();
        };
        let mut inline = Inline {
            absent: false,
            ..Inline::default()
        };
        if text.len() <= N {
            inline.bytes[..text.len()].copy_from_slice(text.as_bytes());
            inline.len = text.len() as u8;
        }
        inline
    }

    /// The text, if present and short enough; `fallback` otherwise.
    pub fn get<'a>(&'a self, fallback: Option<&'a str>) -> Option<&'a [u8]> {
        if self.absent {
            None
        } else if self.len > 0 {
            Some(&self.bytes[..self.len as usize])
        } else {
            fallback.map(str::as_bytes)
        }
    }
}

fn text_hash(text: Option<&str>) -> u64 {
    use std::hash::{Hash, Hasher};
    text.map_or(0, |t| {
        let mut hasher = crate::fast_hasher();
        t.hash(&mut hasher);
        hasher.finish().max(1)
    })
}

impl Compact {
    /// Both records carry the same valid ID (so they are the same person).
    pub fn same_valid_id(&self, other: &Compact) -> bool {
        self.valid_id && other.valid_id && self.id_text == other.id_text
    }
}

/// Whether two optional texts are present and equal, deciding by hash first.
pub(crate) fn same_text(hash_a: u64, a: Option<&str>, hash_b: u64, b: Option<&str>) -> bool {
    hash_a != 0 && hash_a == hash_b && a == b
}

fn reorder(simplified: &str, surname: Option<&str>) -> Option<String> {
    if simplified.contains('·') {
        let mut parts: Vec<&str> = simplified.split('·').collect();
        parts.sort_unstable();
        return Some(parts.join("·"));
    }
    let surname = surname?;
    let given = simplified.strip_prefix(surname).filter(|g| !g.is_empty())?;
    Some(format!("{given}{surname}"))
}

fn rotate_syllables(pinyin: &str) -> Option<String> {
    let (first, rest) = pinyin.split_once(' ')?;
    Some(format!("{rest} {first}"))
}

/// Derives the features of many rows, in parallel.
pub fn records_from_raw(rows: Vec<(Source, RawPerson)>, today: NaiveDate) -> Vec<Record> {
    use rayon::prelude::*;
    rows.into_par_iter()
        .map(|(source, raw)| Record::from_raw(source, &raw, today))
        .collect()
}

/// A stable key for a row's content: the same data ingested again gets the same key.
pub fn record_key(dataset: &str, raw: &RawPerson) -> String {
    let mut hasher = blake3::Hasher::new();
    for part in [
        Some(dataset),
        raw.person_id_raw.as_deref().or(raw.person_id.as_deref()),
        raw.name.as_deref(),
        raw.gender.as_deref(),
        raw.region.as_deref(),
        raw.address.as_deref(),
        raw.phone.as_deref(),
    ] {
        hasher.update(part.unwrap_or("").as_bytes());
        hasher.update(b"\x1f");
    }
    if let Some(birth) = raw.birth_date {
        hasher.update(birth.to_string().as_bytes());
    }
    hasher.finalize().to_hex()[..20].to_owned()
}

/// The digits of a damaged ID: 15 to 18 characters of digits (and a final X) after clean-up.
fn damaged_digits(raw: &str) -> Option<String> {
    let cleaned = person_id::clean(raw);
    let ok = (15..=18).contains(&cleaned.len())
        && cleaned
            .char_indices()
            .all(|(i, c)| c.is_ascii_digit() || (c == 'X' && i == cleaned.len() - 1));
    ok.then_some(cleaned)
}

/// Birth date from a damaged 17/18-character ID whose date part is still a date.
fn birth_from_digits(digits: &str) -> Option<NaiveDate> {
    if digits.len() < 17 {
        return None;
    }
    NaiveDate::parse_from_str(digits.get(6..14)?, "%Y%m%d").ok()
}

/// Character bigrams of an address with spaces and punctuation removed.
pub fn bigrams(address: &str) -> Vec<String> {
    let chars: Vec<char> = text::compact(address)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect();
    let mut grams: Vec<String> = chars.windows(2).map(|w| w.iter().collect()).collect();
    grams.sort();
    grams.dedup();
    grams
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 6, 30).unwrap()
    }

    fn source() -> Source {
        Source {
            dataset: "d".into(),
            version_id: 1,
            row_id: 1,
        }
    }

    #[test]
    fn features_come_from_the_id_when_not_declared() {
        let raw = RawPerson {
            person_id: Some("440308199901101512".into()),
            name: Some("張 三".into()),
            ..RawPerson::default()
        };
        let record = Record::from_raw(source(), &raw, today());
        assert_eq!(record.simplified.as_deref(), Some("张三"));
        assert_eq!(record.pinyin.as_deref(), Some("zhang san"));
        assert_eq!(record.birth, NaiveDate::from_ymd_opt(1999, 1, 10));
        assert_eq!(record.gender, Some(1));
        assert_eq!(record.region, Some(440308));
    }

    #[test]
    fn a_damaged_id_keeps_its_digits_and_birth_date() {
        let raw = RawPerson {
            person_id_raw: Some("44030819990110151".into()),
            name: Some("张三".into()),
            ..RawPerson::default()
        };
        let record = Record::from_raw(source(), &raw, today());
        assert_eq!(record.id, None);
        assert_eq!(record.id_digits.as_deref(), Some("44030819990110151"));
        assert_eq!(record.birth, NaiveDate::from_ymd_opt(1999, 1, 10));
        assert_eq!(record.region, Some(440308));
    }

    #[test]
    fn conflicts_between_declared_fields_and_the_id_are_flagged() {
        let raw = RawPerson {
            person_id: Some("440308199901101512".into()),
            birth_date: NaiveDate::from_ymd_opt(1999, 10, 1),
            gender: Some("女".into()),
            ..RawPerson::default()
        };
        let record = Record::from_raw(source(), &raw, today());
        assert!(record.birth_conflict && record.gender_conflict);
    }

    #[test]
    fn keys_are_stable_and_content_based() {
        let raw = RawPerson {
            name: Some("张三".into()),
            ..RawPerson::default()
        };
        assert_eq!(record_key("a", &raw), record_key("a", &raw));
        assert_ne!(record_key("a", &raw), record_key("b", &raw));
    }
}
