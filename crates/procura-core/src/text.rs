//! Character-level clean-up shared by every value parser: full-width to half-width,
//! invisible characters, and the many spaces agency exports contain.

/// Maps full-width ASCII (U+FF01..U+FF5E) to ASCII and the ideographic space (U+3000) to a space.
///
/// This is the part of NFKC that identifier parsers need, without NFKC's other foldings
/// (which would, for example, turn `㈠` into `(一)` inside free text).
pub fn to_half_width(input: &str) -> String {
    input.chars().map(half_width_char).collect()
}

/// One character of [`to_half_width`].
pub fn half_width_char(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// True for characters that carry no visible content: spaces of every width, zero-width
/// characters, the BOM, and ASCII/C1 control characters.
pub fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || matches!(
            c,
            '\u{200B}'
                | '\u{200C}'
                | '\u{200D}'
                | '\u{2060}'
                | '\u{FEFF}'
                | '\u{00AD}'
                | '\u{180E}'
        )
}

/// Half-width conversion plus removal of every invisible character.
/// Identifiers (ID numbers, codes, plates, phones) never contain spaces, so this is their first step.
pub fn compact(input: &str) -> String {
    input
        .chars()
        .map(half_width_char)
        .filter(|c| !is_invisible(*c))
        .collect()
}

/// The text inside Excel's text-formula wrapper `="…"`, which exports use so that Excel keeps
/// an ID's 18 digits (`="330602195208107435"`); other text unchanged. Only the whole value
/// wrapped counts: `=A1` or `a="b"` stay as they are.
pub fn unwrap_excel_text(input: &str) -> &str {
    let trimmed = trim_invisible(input);
    match trimmed
        .strip_prefix("=\"")
        .and_then(|rest| rest.strip_suffix('"'))
    {
        Some(inner) if !inner.contains('"') => inner,
        _ => input,
    }
}

/// Trims invisible characters (not only ASCII whitespace) from both ends.
pub fn trim_invisible(input: &str) -> &str {
    input.trim_matches(is_invisible)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excel_text_wrappers_are_unwrapped_and_nothing_else() {
        assert_eq!(
            unwrap_excel_text("=\"330602195208107435\""),
            "330602195208107435"
        );
        assert_eq!(unwrap_excel_text(" =\"91330602MA01\" "), "91330602MA01");
        for other in ["=A1", "a=\"b\"", "=\"a\"b\"", "\"x\"", "=\""] {
            assert_eq!(unwrap_excel_text(other), other);
        }
    }

    #[test]
    fn full_width_digits_and_letters_become_ascii() {
        assert_eq!(to_half_width("１２３ｘＸ（）"), "123xX()");
        assert_eq!(to_half_width("中文保持"), "中文保持");
    }

    #[test]
    fn compact_removes_all_kinds_of_space() {
        assert_eq!(
            compact(" 1101\u{3000}01\u{00A0}19\u{200B}90\t\u{FEFF}"),
            "1101011990"
        );
    }

    #[test]
    fn trim_keeps_inner_spaces() {
        assert_eq!(trim_invisible("\u{3000} a b \u{200B}"), "a b");
    }
}
