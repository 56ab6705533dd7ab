//! Masking (脱敏) of personal identifiers for display: what a list, a title, an export or an
//! API response shows unless the user has unmasked it for a stated purpose.
//!
//! The rules follow common practice for PRC identifiers (GB/T 35273 asks for "去标识化"
//! in display): an ID number keeps its region (first 4) and check end (last 4), so two
//! different people are still told apart by eye; a phone keeps 3 + 4; a bank account keeps
//! its last 4; a name keeps its surname; an address keeps its first 6 characters. Masking
//! never reveals more than the input had and never panics.

/// Masks an ID number (or any identifier): keeps the first 4 and last 4 characters of 12 or
/// more (`3301**********123X`), the first and last of shorter ones.
pub fn identifier(text: &str) -> String {
    let chars: Vec<char> = text.trim().chars().collect();
    let n = chars.len();
    let (head, tail) = match n {
        0 => return String::new(),
        1..=2 => (0, 0),
        3..=7 => (1, 1),
        8..=11 => (2, 2),
        _ => (4, 4),
    };
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| if i < head || i >= n - tail { *c } else { '*' })
        .collect()
}

/// Masks a phone number: `138****5678`.
pub fn phone(text: &str) -> String {
    let chars: Vec<char> = text.trim().chars().collect();
    let n = chars.len();
    if n < 8 {
        return identifier(text);
    }
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| if i < 3 || i >= n - 4 { *c } else { '*' })
        .collect()
}

/// Masks a bank account: only the last 4 shown.
pub fn account(text: &str) -> String {
    let chars: Vec<char> = text.trim().chars().collect();
    let n = chars.len();
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| if n > 4 && i >= n - 4 { *c } else { '*' })
        .collect()
}

/// Masks a person's name: the surname stays (`张*`, `欧阳**`).
pub fn name(text: &str) -> String {
    let text = text.trim();
    let chars: Vec<char> = text.chars().collect();
    let keep = crate::name::surname(text).map_or(1, |s| s.chars().count());
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| if i < keep { *c } else { '*' })
        .collect()
}

/// Masks an address: the first 6 characters (province, city, county) stay.
pub fn address(text: &str) -> String {
    let chars: Vec<char> = text.trim().chars().collect();
    let mut out: String = chars.iter().take(6).collect();
    if chars.len() > 6 {
        out.push_str("****");
    }
    out
}

/// Replaces every 15- or 18-character ID-number-like run (digits, with a final X) and every
/// 11-digit mobile number in free text by its masked form (for titles and messages).
pub fn in_text(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() && (i == 0 || !chars[i - 1].is_ascii_alphanumeric()) {
            let mut j = i;
            while j < chars.len() && chars[j].is_ascii_digit() {
                j += 1;
            }
            if j < chars.len() && (chars[j] == 'X' || chars[j] == 'x') && j - i == 17 {
                j += 1;
            }
            let run: String = chars[i..j].iter().collect();
            let boundary = j == chars.len() || !chars[j].is_ascii_alphanumeric();
            let masked = match run.len() {
                15 | 18 if boundary => identifier(&run),
                11 if boundary && run.starts_with('1') => phone(&run),
                _ => run,
            };
            out.push_str(&masked);
            i = j;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_keep_region_and_check_end() {
        assert_eq!(identifier("33010219900101123X"), "3301**********123X");
        assert_eq!(identifier("330102900101123"), "3301*******1123");
        assert_eq!(identifier(""), "");
        assert_eq!(identifier("AB"), "**");
        assert_eq!(phone("13812345678"), "138****5678");
        assert_eq!(account("6222020200112233445"), "***************3445");
        assert_eq!(name("张三丰"), "张**");
        assert_eq!(name("欧阳娜娜"), "欧阳**");
        assert_eq!(address("浙江省杭州市西湖区文三路1号"), "浙江省杭州市****");
    }

    #[test]
    fn ids_and_phones_in_text_are_masked() {
        assert_eq!(
            in_text("张三（33010219900101123X）与13812345678，金额12345元"),
            "张三（3301**********123X）与138****5678，金额12345元"
        );
        assert_eq!(in_text("案号A3301021990010112"), "案号A3301021990010112");
    }

    proptest::proptest! {
        #[test]
        fn masking_never_panics_nor_grows(s in "\\PC{0,40}") {
            proptest::prop_assert!(identifier(&s).chars().count() <= s.trim().chars().count());
            let _ = in_text(&s);
            let _ = name(&s);
            let _ = address(&s);
        }
    }
}
