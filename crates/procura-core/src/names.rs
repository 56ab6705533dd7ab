//! Validated names of things users create: datasets (and later models, users).

use std::fmt;

/// A dataset name: what SQL calls the table and what the data directory calls the folder.
///
/// Lower-case ASCII letters, digits and `_`, or Han characters; starts with a letter or a Han
/// character; at most 64 characters. Upper case is refused rather than folded, because SQL
/// would fold it silently and the user would not find the table.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DatasetName(String);

/// Why a text is not a dataset name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid dataset name `{name}`: {reason}")]
pub struct InvalidName {
    /// The text given.
    pub name: String,
    /// What is wrong.
    pub reason: &'static str,
}

fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}')
}

impl DatasetName {
    /// Validates a name.
    pub fn parse(name: &str) -> Result<DatasetName, InvalidName> {
        let invalid = |reason| InvalidName {
            name: name.to_owned(),
            reason,
        };
        let Some(first) = name.chars().next() else {
            return Err(invalid("it is empty"));
        };
        if name.chars().count() > 64 {
            return Err(invalid("it is longer than 64 characters"));
        }
        if !(first.is_ascii_lowercase() || is_han(first)) {
            return Err(invalid(
                "it must start with a lower-case letter or a Chinese character",
            ));
        }
        if name.chars().any(|c| c.is_ascii_uppercase()) {
            return Err(invalid("use lower case (SQL folds upper case)"));
        }
        if !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || is_han(c))
        {
            return Err(invalid("use only a-z, 0-9, _ and Chinese characters"));
        }
        Ok(DatasetName(name.to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DatasetName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An SQL-safe ASCII name for a header that has none in the dictionary: pinyin without tones
/// for Chinese characters (`处罚事由` → `chu_fa_shi_you`), ASCII letters and digits kept in
/// lower case, everything else a word break, words joined by `_`; a name that would start with a
/// digit gets a `c_` prefix; empty when nothing is left. The header itself stays the column's
/// label, so people still read `处罚事由`. Readings are the commonest ones (a name may read
/// oddly for a polyphonic character, never wrongly for SQL).
pub fn ascii_identifier(header: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    for c in header.chars() {
        if c.is_ascii_alphanumeric() {
            word.push(c.to_ascii_lowercase());
            continue;
        }
        if !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        if let Some(reading) = pinyin::ToPinyin::to_pinyin(&c) {
            words.push(reading.plain().replace('ü', "v"));
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    let joined = words.join("_");
    match joined.chars().next() {
        Some(first) if first.is_ascii_digit() => format!("c_{joined}"),
        _ => joined,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_get_pinyin_names() {
        assert_eq!(ascii_identifier("处罚事由"), "chu_fa_shi_you");
        assert_eq!(
            ascii_identifier("经办人意见(2024)"),
            "jing_ban_ren_yi_jian_2024"
        );
        assert_eq!(ascii_identifier("GPS定位"), "gps_ding_wei");
        assert_eq!(ascii_identifier("2024年补贴"), "c_2024_nian_bu_tie");
        assert_eq!(ascii_identifier("绿色"), "lv_se");
        assert_eq!(ascii_identifier("——"), "");
    }

    #[test]
    fn accepts_lower_case_and_chinese() {
        for name in ["penalties", "traffic_2024", "交通处罚", "死亡人员_2023"] {
            assert!(DatasetName::parse(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn refuses_what_sql_or_paths_would_mangle() {
        for name in [
            "",
            "Penalties",
            "2024",
            "_x",
            "a b",
            "a/b",
            "../x",
            "a-b",
            "a.b",
        ] {
            assert!(DatasetName::parse(name).is_err(), "{name}");
        }
    }
}
