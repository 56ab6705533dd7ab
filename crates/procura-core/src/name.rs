//! Person and organisation names as agencies type them: full-width letters, spaces inside Han
//! names (`张 三`, `张　三`), the many look-alikes of the middle dot that separates the parts of
//! minority and foreign names (`阿卜杜拉•买买提`, `阿卜杜拉.买买提`), and traditional characters
//! from Hong Kong, Macau or Taiwan records.
//!
//! [`normalize_name`] produces the form that is stored and shown, plus a simplified-character
//! form for matching; [`name_pinyin`] and [`surname`] give the blocking keys that person linkage
//! needs, and [`similar_shape`] says whether two characters look alike (from a generated table,
//! see the `shape` module). Nothing here drops a character that could be part of a name:
//! private-use characters (U+E000..U+F8FF), which agencies use for rare characters missing from
//! their code page, are kept and treated like Han characters.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::text;

mod shape;

pub use shape::similar_shape;

/// A cleaned name, in the form it was written and in simplified characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NormalizedName {
    /// NFKC, spaces removed (single spaces kept between words of Latin-script names), every
    /// middle-dot variant turned into `·` (U+00B7).
    pub normalized: String,
    /// `normalized` with traditional characters converted to simplified ones, for matching a
    /// Hong Kong or Taiwan record against a mainland one.
    pub simplified: String,
}

/// Why a text cannot be a name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// Nothing visible in the field.
    #[error("empty")]
    Empty,
    /// Only digits, punctuation or symbols, such as `123`, `???` or `—`.
    #[error("`{raw}` contains no letters")]
    NoLetters {
        /// The input as given.
        raw: String,
    },
}

impl NameError {
    /// A stable snake_case code, used in quality reports and the `__issue` columns.
    pub fn code(&self) -> &'static str {
        match self {
            NameError::Empty => "empty",
            NameError::NoLetters { .. } => "no_letters",
        }
    }

    /// A short Chinese label for the code, for reports.
    pub fn zh(&self) -> &'static str {
        match self {
            NameError::Empty => "空值",
            NameError::NoLetters { .. } => "不含文字",
        }
    }
}

/// Characters that always stand for the middle dot of a transliterated name. `.` is not here:
/// it is a dot only between Han characters, because in `J. Smith` it is a full stop.
/// U+2E31 and U+A78F are two further dots that input methods produce for the same purpose;
/// U+0387 folds to U+00B7 under NFKC, and is listed so that [`surname`], which works on text
/// that may not be normalised, recognises it too.
const MIDDLE_DOTS: [char; 10] = [
    '\u{00B7}', '\u{2022}', '\u{30FB}', '\u{2027}', '\u{FF65}', '\u{2219}', '\u{22C5}', '\u{2E31}',
    '\u{A78F}', '\u{0387}',
];

/// The middle dot that every variant becomes.
const DOT: char = '\u{00B7}';

/// Compound surnames (复姓), in simplified characters. A name only starts with one of these if
/// it has at least three characters, since a two-character name needs a given name too.
const COMPOUND_SURNAMES: &[&str] = &[
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "宇文", "长孙",
    "夏侯", "轩辕", "端木", "独孤", "南宫", "西门", "呼延", "司徒", "司空", "澹台", "公冶", "太史",
    "申屠", "闻人", "赫连", "百里", "东郭", "钟离", "万俟", "公羊", "宗政", "濮阳", "淳于", "太叔",
    "仲孙", "鲜于", "闾丘", "亓官", "司寇", "仉督", "子车", "颛孙", "巫马", "公西", "漆雕", "乐正",
    "壤驷", "公良", "拓跋", "夹谷", "宰父", "谷梁", "段干", "南门", "羊舌", "微生", "梁丘", "左丘",
    "东门", "第五", "呼衍", "贺兰", "完颜",
];

/// Surnames whose reading differs from the character's most common one. The pinyin table gives
/// the common reading (`单` → dan), which would not match the same person's romanised name
/// (`Shan`) in exit-entry or foreign records.
const SURNAME_READINGS: &[(&str, &str)] = &[
    ("单", "shan"),
    ("曾", "zeng"),
    ("区", "ou"),
    ("仇", "qiu"),
    ("朴", "piao"),
    ("解", "xie"),
    ("查", "zha"),
    ("盖", "ge"),
    ("乐", "yue"),
    ("卜", "bu"),
    ("覃", "qin"),
    ("缪", "miao"),
    ("秘", "bi"),
    ("召", "shao"),
    ("员", "yun"),
    ("种", "chong"),
    ("翟", "zhai"),
    ("折", "she"),
    ("繁", "po"),
    ("句", "gou"),
    ("阚", "kan"),
    ("隗", "wei"),
    ("宿", "su"),
    ("洗", "xian"),
    ("尉迟", "yu chi"),
    ("万俟", "mo qi"),
    ("长孙", "zhang sun"),
    ("澹台", "tan tai"),
    ("令狐", "ling hu"),
    ("乐正", "yue zheng"),
];

/// Cleans a person or organisation name.
///
/// Applies NFKC, removes every space and invisible character (but keeps one space between
/// words of Latin-script names such as `John Smith`), turns every middle-dot variant (and `.`
/// between Han characters) into `·`, collapses runs of dots and drops dots at either end.
/// No other character is removed.
pub fn normalize_name(raw: &str) -> Result<NormalizedName, NameError> {
    let nfkc: String = raw.nfkc().collect();
    if nfkc.chars().all(text::is_invisible) {
        return Err(NameError::Empty);
    }
    let items = classify(&nfkc);
    let assembled = assemble(&items);
    // Removing a space or zero-width character can bring a base letter next to a combining
    // mark (`e\u{200B}\u{301}`), so a second NFKC pass keeps the result stable when normalised
    // again.
    let normalized: String = assembled.nfkc().collect();
    if !normalized
        .chars()
        .any(|c| c.is_alphabetic() || is_han_like(c))
    {
        return Err(NameError::NoLetters {
            raw: raw.to_owned(),
        });
    }
    let simplified = to_simplified(&normalized);
    Ok(NormalizedName {
        normalized,
        simplified,
    })
}

/// Pinyin of a name without tones, one space between syllables: `张三` → `zhang san`.
///
/// Latin letters and digits are kept, lower-cased, as whole words; the middle dot and any other
/// punctuation separate words. `ü` is written `v` (`吕` → `lv`), as in Chinese input methods and
/// most agency systems. The surname gets its surname reading (`单` → `shan`, `曾` → `zeng`).
/// A Han-like character without a known reading (a private-use character, for instance) is
/// kept as a word of its own, so that two records with the same rare character still agree.
pub fn name_pinyin(name: &str) -> String {
    let normalized = normalize_name(name)
        .map(|n| n.normalized)
        .unwrap_or_else(|_| name.to_owned());
    let mut words: Vec<String> = Vec::new();
    let mut rest = normalized.as_str();
    if let Some(family) = surname(&normalized)
        && let simplified = to_simplified(family)
        && let Some((_, reading)) = SURNAME_READINGS.iter().find(|(s, _)| *s == simplified)
        && let Some(after) = normalized.strip_prefix(family)
    {
        words.push((*reading).to_owned());
        rest = after;
    }
    let mut word = String::new();
    for c in rest.chars() {
        if is_han_like(c) {
            flush(&mut word, &mut words);
            match pinyin::ToPinyin::to_pinyin(&c) {
                Some(p) => words.push(p.plain().replace('ü', "v")),
                None => words.push(c.to_string()),
            }
        } else if c.is_alphanumeric() {
            word.extend(c.to_lowercase());
        } else {
            flush(&mut word, &mut words);
        }
    }
    flush(&mut word, &mut words);
    words.join(" ")
}

/// The family name of a normalised Han name: a compound surname (`欧阳`, `司马`, `诸葛` …, in
/// simplified or traditional characters) when the name has at least three characters, else the
/// first character.
///
/// `None` for names with a middle dot (minority and foreign names, whose parts do not follow
/// the surname-first pattern), for names containing non-Han letters, and for names that do not
/// start with a Han character.
pub fn surname(name: &str) -> Option<&str> {
    let name = text::trim_invisible(name);
    let first = name.chars().next()?;
    if !is_han_like(first) {
        return None;
    }
    let foreign = name
        .chars()
        .any(|c| is_dot_like(c) || c == '.' || (c.is_alphabetic() && !is_han_like(c)));
    if foreign {
        return None;
    }
    let mut boundaries = name.char_indices().map(|(i, _)| i).skip(1);
    let one = boundaries.next().unwrap_or(name.len());
    let two = boundaries.next().unwrap_or(name.len());
    let has_given_name = two < name.len();
    if has_given_name
        && let Some(pair) = name.get(..two)
        && COMPOUND_SURNAMES.contains(&to_simplified(pair).as_str())
    {
        return Some(pair);
    }
    name.get(..one)
}

/// One character of the NFKC text, sorted into what the assembly step needs to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Item {
    /// Whitespace: removed, or kept as one space between words of a spaced script.
    Gap,
    /// A zero-width or control character: removed without a trace, since it never separated
    /// two words on screen.
    Invisible,
    /// A middle dot (or a `.` between Han characters).
    Dot,
    /// Anything else, kept as it is.
    Char(char),
}

/// Sorts characters into gaps, dots and kept characters. A `.` counts as a dot when the
/// nearest real characters on each side that exist are Han, so `阿卜杜拉.买买提` and a stray
/// `张三.` are treated as names with dots while `J. Smith` keeps its full stop.
fn classify(input: &str) -> Vec<Item> {
    let mut items: Vec<Item> = input
        .chars()
        .map(|c| {
            if c.is_whitespace() {
                Item::Gap
            } else if text::is_invisible(c) {
                Item::Invisible
            } else if is_dot_like(c) {
                Item::Dot
            } else {
                Item::Char(c)
            }
        })
        .collect();
    let is_neighbour = |item: &Item| matches!(item, Item::Char(c) if *c != '.');
    for index in 0..items.len() {
        if items.get(index) != Some(&Item::Char('.')) {
            continue;
        }
        let before = items.get(..index).unwrap_or_default();
        let after = items.get(index + 1..).unwrap_or_default();
        let left = before.iter().rev().find(|item| is_neighbour(item));
        let right = after.iter().find(|item| is_neighbour(item));
        let han = |item: Option<&Item>| matches!(item, Some(Item::Char(c)) if is_han_like(*c));
        let han_or_end = |item: Option<&Item>| item.is_none() || han(item);
        if (han(left) || han(right))
            && han_or_end(left)
            && han_or_end(right)
            && let Some(slot) = items.get_mut(index)
        {
            *slot = Item::Dot;
        }
    }
    items
}

/// Joins the classified characters: a run of dots (with any spaces around it) becomes one `·`,
/// a run of spaces becomes one space only between two characters of a spaced script (a
/// combining mark after a space counts as spaced, so the space is not lost from under it), and
/// dots or spaces at either end disappear.
fn assemble(items: &[Item]) -> String {
    let mut out = String::new();
    // The last character that is not a combining mark. Marks are skipped because NFKC may
    // reorder or compose them, and the decision must come out the same when run again.
    let mut base: Option<char> = None;
    let mut pending_gap = false;
    let mut pending_dot = false;
    for item in items {
        match *item {
            Item::Gap => pending_gap = true,
            Item::Invisible => {}
            Item::Dot => pending_dot = true,
            Item::Char(c) => {
                let mark = is_combining_mark(c);
                if !out.is_empty() {
                    if pending_dot {
                        out.push(DOT);
                    } else if pending_gap && base.is_none_or(is_spaced) && (mark || is_spaced(c)) {
                        out.push(' ');
                    }
                }
                out.push(c);
                if !mark {
                    base = Some(c);
                }
                pending_gap = false;
                pending_dot = false;
            }
        }
    }
    out
}

fn flush(word: &mut String, words: &mut Vec<String>) {
    if !word.is_empty() {
        words.push(std::mem::take(word));
    }
}

/// Traditional → simplified, one character at a time.
///
/// fast2s looks at neighbouring characters to handle a few words (`錢鍾書` → `钱锺书`, `乾隆`),
/// which would make the same character in two names simplify differently, so each character
/// is converted on its own. `乾` and `於` stay as they are: in names they are standard
/// characters of their own (the surname 於 is not 于, and 乾 in a name is not 干).
fn to_simplified(input: &str) -> String {
    let mut buffer = [0u8; 4];
    input
        .chars()
        .map(|c| {
            if matches!(c, '乾' | '於') {
                c
            } else {
                fast2s::convert(c.encode_utf8(&mut buffer))
                    .chars()
                    .next()
                    .unwrap_or(c)
            }
        })
        .collect()
}

fn is_dot_like(c: char) -> bool {
    MIDDLE_DOTS.contains(&c)
}

/// Han ideographs (all CJK blocks, including `〇`) and private-use characters, which agencies
/// use for rare Han characters their code page lacks.
fn is_han_like(c: char) -> bool {
    matches!(
        c,
        '\u{3007}'
            | '\u{3400}'..='\u{4DBF}'
            | '\u{4E00}'..='\u{9FFF}'
            | '\u{E000}'..='\u{F8FF}'
            | '\u{F900}'..='\u{FAFF}'
            | '\u{20000}'..='\u{323AF}'
            | '\u{F0000}'..='\u{10FFFF}'
    )
}

/// Characters of scripts that separate words with spaces. Han and kana do not, so a space
/// between two of their characters (`张 三`) is noise.
fn is_spaced(c: char) -> bool {
    !(is_han_like(c) || matches!(c, '\u{3040}'..='\u{30FF}' | '\u{31F0}'..='\u{31FF}'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[track_caller]
    fn check(input: &str, expected: &str) {
        let name = normalize_name(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
        assert_eq!(name.normalized, expected, "input {input:?}");
    }

    #[track_caller]
    fn check_simplified(input: &str, expected: &str) {
        let name = normalize_name(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
        assert_eq!(name.simplified, expected, "input {input:?}");
    }

    #[track_caller]
    fn check_err(input: &str, code: &str) {
        let err = normalize_name(input).expect_err(input);
        assert_eq!(err.code(), code, "input {input:?}");
    }

    #[test]
    fn plain_han_name_is_unchanged() {
        check("张三", "张三");
    }

    #[test]
    fn ascii_space_inside_han_name_is_removed() {
        check("张 三", "张三");
    }

    #[test]
    fn ideographic_space_inside_han_name_is_removed() {
        check("张\u{3000}三", "张三");
    }

    #[test]
    fn several_spaces_inside_han_name_are_removed() {
        check(" 欧阳 \u{00A0} 娜娜\t", "欧阳娜娜");
    }

    #[test]
    fn zero_width_characters_and_bom_are_removed() {
        check("\u{FEFF}张\u{200B}三\u{200D}", "张三");
    }

    #[test]
    fn control_characters_are_removed() {
        check("张\u{0007}三\r\n", "张三");
    }

    #[test]
    fn latin_name_keeps_one_space_between_words() {
        check("John  Smith", "John Smith");
    }

    #[test]
    fn latin_name_with_tab_and_ideographic_space_keeps_one_space() {
        check("John\t\u{3000}Smith", "John Smith");
    }

    #[test]
    fn latin_name_is_trimmed() {
        check("  John Smith  ", "John Smith");
    }

    #[test]
    fn latin_name_keeps_its_case() {
        check("McDONALD", "McDONALD");
    }

    #[test]
    fn full_width_latin_letters_become_ascii() {
        check("Ｊｏｈｎ　Ｓｍｉｔｈ", "John Smith");
    }

    #[test]
    fn space_between_han_and_latin_is_removed() {
        check("张 John", "张John");
    }

    #[test]
    fn latin_full_stop_is_kept() {
        check("J. Smith", "J. Smith");
    }

    #[test]
    fn latin_trailing_full_stop_is_kept() {
        check("Smith Jr.", "Smith Jr.");
    }

    #[test]
    fn hyphen_is_kept() {
        check("Mary-Jane", "Mary-Jane");
    }

    #[test]
    fn hyphen_in_han_name_is_kept() {
        check("张-三", "张-三");
    }

    #[test]
    fn chinese_full_stop_is_kept() {
        check("张三。", "张三。");
    }

    #[test]
    fn middle_dot_is_kept() {
        check("阿卜杜拉·买买提", "阿卜杜拉·买买提");
    }

    #[test]
    fn bullet_becomes_middle_dot() {
        check("阿卜杜拉•买买提", "阿卜杜拉·买买提");
    }

    #[test]
    fn katakana_middle_dot_becomes_middle_dot() {
        check("阿卜杜拉・买买提", "阿卜杜拉·买买提");
    }

    #[test]
    fn half_width_katakana_middle_dot_becomes_middle_dot() {
        check("阿卜杜拉･买买提", "阿卜杜拉·买买提");
    }

    #[test]
    fn hyphenation_point_becomes_middle_dot() {
        check("阿卜杜拉‧买买提", "阿卜杜拉·买买提");
    }

    #[test]
    fn bullet_operator_becomes_middle_dot() {
        check("阿卜杜拉∙买买提", "阿卜杜拉·买买提");
    }

    #[test]
    fn dot_operator_becomes_middle_dot() {
        check("阿卜杜拉⋅买买提", "阿卜杜拉·买买提");
    }

    #[test]
    fn greek_ano_teleia_becomes_middle_dot() {
        check("阿卜杜拉\u{0387}买买提", "阿卜杜拉·买买提");
    }

    #[test]
    fn full_stop_between_han_becomes_middle_dot() {
        check("阿卜杜拉.买买提", "阿卜杜拉·买买提");
    }

    #[test]
    fn full_width_full_stop_between_han_becomes_middle_dot() {
        check("阿卜杜拉．买买提", "阿卜杜拉·买买提");
    }

    #[test]
    fn full_width_full_stop_in_latin_name_is_a_full_stop() {
        check("Ｊ．Ｓｍｉｔｈ", "J.Smith");
    }

    #[test]
    fn repeated_dots_collapse() {
        check("阿卜杜拉··•买买提", "阿卜杜拉·买买提");
    }

    #[test]
    fn repeated_full_stops_between_han_collapse() {
        check("阿卜杜拉..买买提", "阿卜杜拉·买买提");
    }

    #[test]
    fn spaces_around_dot_are_removed() {
        check("阿卜杜拉 · 买买提", "阿卜杜拉·买买提");
    }

    #[test]
    fn spaces_around_dot_in_latin_name_are_removed() {
        check("John · Smith", "John·Smith");
    }

    #[test]
    fn leading_and_trailing_dots_are_stripped() {
        check("·阿卜杜拉·买买提·", "阿卜杜拉·买买提");
    }

    #[test]
    fn trailing_full_stop_after_han_is_stripped() {
        check("张三.", "张三");
    }

    #[test]
    fn three_part_name_keeps_both_dots() {
        check("阿依古丽•阿不都•热合曼", "阿依古丽·阿不都·热合曼");
    }

    #[test]
    fn private_use_character_is_kept() {
        check("张\u{E123}", "张\u{E123}");
    }

    #[test]
    fn private_use_character_alone_is_a_name() {
        check("\u{E000}", "\u{E000}");
    }

    #[test]
    fn extension_b_character_is_kept() {
        check("王𠀀", "王𠀀");
    }

    #[test]
    fn cjk_compatibility_ideograph_becomes_unified() {
        // U+F92C is a compatibility duplicate of 郎 (U+90CE).
        check("\u{F92C}", "郎");
    }

    #[test]
    fn decomposed_accent_is_composed() {
        check("Jose\u{0301}", "José");
    }

    #[test]
    fn accent_separated_by_zero_width_space_is_composed() {
        check("e\u{200B}\u{0301}", "é");
    }

    #[test]
    fn combining_marks_do_not_change_the_spacing_decision() {
        // Found by proptest: NFKC reorders the two marks, which once moved a space.
        let once = normalize_name("H\u{FF9E}\u{00A8} \u{2024}").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(normalize_name(&once.normalized), Ok(once));
    }

    #[test]
    fn space_before_combining_mark_after_latin_is_kept() {
        check("a \u{0308}", "a \u{0308}");
    }

    #[test]
    fn kana_voicing_mark_after_space_joins_its_kana() {
        check("ｶ ﾞ", "ガ");
    }

    #[test]
    fn organisation_name_with_brackets_is_kept() {
        check("北京市（朝阳区）某某有限公司", "北京市(朝阳区)某某有限公司");
    }

    #[test]
    fn digits_inside_name_are_kept() {
        check("张三2", "张三2");
    }

    #[test]
    fn traditional_name_is_kept_in_normalized() {
        check("張偉", "張偉");
    }

    #[test]
    fn traditional_name_is_simplified() {
        check_simplified("張偉", "张伟");
    }

    #[test]
    fn common_traditional_surnames_are_simplified() {
        check_simplified(
            "張劉陳黃趙鄭謝馬鍾龍國偉華麗",
            "张刘陈黄赵郑谢马钟龙国伟华丽",
        );
    }

    #[test]
    fn zhong_is_simplified_the_same_in_every_context() {
        check_simplified("錢鍾書", "钱钟书");
    }

    #[test]
    fn surname_yu_with_fangkou_is_not_merged_into_yu() {
        check_simplified("於梨華", "於梨华");
    }

    #[test]
    fn qian_is_not_turned_into_gan() {
        check_simplified("李乾", "李乾");
    }

    #[test]
    fn traditional_minority_name_is_simplified() {
        check_simplified("阿卜杜拉•買買提", "阿卜杜拉·买买提");
    }

    #[test]
    fn simplified_name_is_unchanged_by_simplification() {
        check_simplified("欧阳娜娜", "欧阳娜娜");
    }

    #[test]
    fn latin_name_is_unchanged_by_simplification() {
        check_simplified("John Smith", "John Smith");
    }

    #[test]
    fn empty_input_is_empty() {
        check_err("", "empty");
    }

    #[test]
    fn spaces_only_are_empty() {
        check_err(" \u{3000}\t\u{200B}", "empty");
    }

    #[test]
    fn digits_have_no_letters() {
        check_err("123", "no_letters");
    }

    #[test]
    fn question_marks_have_no_letters() {
        check_err("???", "no_letters");
    }

    #[test]
    fn dash_has_no_letters() {
        check_err("—", "no_letters");
    }

    #[test]
    fn dots_only_have_no_letters() {
        check_err("··", "no_letters");
    }

    #[test]
    fn no_letters_error_keeps_raw_input() {
        assert_eq!(
            normalize_name(" 123 "),
            Err(NameError::NoLetters {
                raw: " 123 ".to_owned()
            })
        );
    }

    #[test]
    fn error_message_quotes_input() {
        assert_eq!(
            normalize_name("???").map_err(|e| e.to_string()),
            Err("`???` contains no letters".to_owned())
        );
    }

    #[test]
    fn pinyin_of_two_character_name() {
        assert_eq!(name_pinyin("张三"), "zhang san");
    }

    #[test]
    fn pinyin_of_traditional_name() {
        assert_eq!(name_pinyin("張偉"), "zhang wei");
    }

    #[test]
    fn pinyin_ignores_spaces() {
        assert_eq!(name_pinyin("张 三"), "zhang san");
    }

    #[test]
    fn pinyin_of_minority_name_splits_at_dot() {
        assert_eq!(name_pinyin("阿依古丽·买买提"), "a yi gu li mai mai ti");
    }

    #[test]
    fn pinyin_of_latin_name_is_lower_case() {
        assert_eq!(name_pinyin("John  SMITH"), "john smith");
    }

    #[test]
    fn pinyin_of_mixed_name() {
        assert_eq!(name_pinyin("李Lee"), "li lee");
    }

    #[test]
    fn pinyin_writes_u_umlaut_as_v() {
        assert_eq!(name_pinyin("吕女"), "lv nv");
    }

    #[test]
    fn pinyin_uses_surname_reading() {
        assert_eq!(name_pinyin("单田芳"), "shan tian fang");
        assert_eq!(name_pinyin("曾国藩"), "zeng guo fan");
        assert_eq!(name_pinyin("卜凡"), "bu fan");
        assert_eq!(name_pinyin("朴槿惠"), "piao jin hui");
    }

    #[test]
    fn pinyin_uses_surname_reading_of_traditional_surname() {
        assert_eq!(name_pinyin("單田芳"), "shan tian fang");
    }

    #[test]
    fn pinyin_uses_compound_surname_reading() {
        assert_eq!(name_pinyin("尉迟恭"), "yu chi gong");
        assert_eq!(name_pinyin("万俟卨"), "mo qi xie");
    }

    #[test]
    fn pinyin_keeps_common_reading_outside_surname() {
        assert_eq!(name_pinyin("王单"), "wang dan");
    }

    #[test]
    fn pinyin_keeps_private_use_character_as_a_word() {
        assert_eq!(name_pinyin("张\u{E123}"), "zhang \u{E123}");
    }

    #[test]
    fn pinyin_of_full_width_letters() {
        assert_eq!(name_pinyin("ＡＢＣ"), "abc");
    }

    #[test]
    fn pinyin_of_empty_is_empty() {
        assert_eq!(name_pinyin(""), "");
    }

    #[test]
    fn pinyin_of_punctuation_is_empty() {
        assert_eq!(name_pinyin("???"), "");
    }

    #[test]
    fn surname_of_single_surname_name() {
        assert_eq!(surname("张三"), Some("张"));
    }

    #[test]
    fn surname_of_compound_surname_name() {
        for (name, family) in [
            ("欧阳娜娜", "欧阳"),
            ("司马光", "司马"),
            ("诸葛亮", "诸葛"),
            ("上官婉儿", "上官"),
            ("东方朔", "东方"),
            ("皇甫嵩", "皇甫"),
            ("尉迟恭", "尉迟"),
            ("公孙胜", "公孙"),
            ("慕容复", "慕容"),
            ("令狐冲", "令狐"),
            ("宇文泰", "宇文"),
            ("长孙无忌", "长孙"),
            ("夏侯惇", "夏侯"),
            ("轩辕敬", "轩辕"),
            ("端木蕻良", "端木"),
            ("独孤信", "独孤"),
            ("南宫适", "南宫"),
            ("西门庆", "西门"),
            ("呼延灼", "呼延"),
            ("司徒雷登", "司徒"),
            ("司空曙", "司空"),
            ("澹台灭明", "澹台"),
            ("公冶长", "公冶"),
            ("太史慈", "太史"),
            ("申屠嘉", "申屠"),
            ("闻人杰", "闻人"),
            ("赫连勃勃", "赫连"),
            ("百里奚", "百里"),
            ("东郭先生", "东郭"),
            ("钟离权", "钟离"),
            ("万俟卨", "万俟"),
        ] {
            assert_eq!(surname(name), Some(family), "name {name}");
        }
    }

    #[test]
    fn surname_of_traditional_compound_surname_name() {
        assert_eq!(surname("歐陽娜娜"), Some("歐陽"));
        assert_eq!(surname("諸葛亮"), Some("諸葛"));
        assert_eq!(surname("萬俟卨"), Some("萬俟"));
    }

    #[test]
    fn two_character_name_has_single_surname() {
        assert_eq!(surname("欧阳"), Some("欧"));
    }

    #[test]
    fn surname_ignores_surrounding_spaces() {
        assert_eq!(surname(" 张三 "), Some("张"));
    }

    #[test]
    fn surname_of_single_character_name() {
        assert_eq!(surname("张"), Some("张"));
    }

    #[test]
    fn surname_of_private_use_first_character() {
        assert_eq!(surname("\u{E123}三"), Some("\u{E123}"));
    }

    #[test]
    fn no_surname_for_minority_name() {
        assert_eq!(surname("阿卜杜拉·买买提"), None);
    }

    #[test]
    fn no_surname_for_latin_name() {
        assert_eq!(surname("John Smith"), None);
    }

    #[test]
    fn no_surname_for_mixed_name() {
        assert_eq!(surname("张John"), None);
    }

    #[test]
    fn no_surname_for_empty_name() {
        assert_eq!(surname(""), None);
    }

    #[test]
    fn no_surname_for_digits() {
        assert_eq!(surname("123"), None);
    }

    #[test]
    fn error_codes_are_stable() {
        assert_eq!(NameError::Empty.code(), "empty");
        assert_eq!(
            NameError::NoLetters { raw: String::new() }.code(),
            "no_letters"
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn never_panics(raw in "\\PC{0,30}") {
            let _ = normalize_name(&raw);
            let _ = name_pinyin(&raw);
            let _ = surname(&raw);
        }

        #[test]
        fn never_panics_on_any_character(raw in any::<String>()) {
            let _ = normalize_name(&raw);
            let _ = name_pinyin(&raw);
            let _ = surname(&raw);
        }

        #[test]
        fn normalising_twice_changes_nothing(raw in "[张三欧阳買a-zA-Z .·•・．\u{3000}\u{200B}\u{0301}\u{E000}-]{0,16}") {
            if let Ok(once) = normalize_name(&raw) {
                let twice = normalize_name(&once.normalized);
                prop_assert_eq!(twice, Ok(once));
            }
        }

        #[test]
        fn normalising_twice_changes_nothing_on_any_text(raw in any::<String>()) {
            if let Ok(once) = normalize_name(&raw) {
                let twice = normalize_name(&once.normalized);
                prop_assert_eq!(twice, Ok(once));
            }
        }

        #[test]
        fn normalized_has_no_edge_dots_or_spaces(raw in "\\PC{0,30}") {
            if let Ok(name) = normalize_name(&raw) {
                prop_assert!(!name.normalized.starts_with([DOT, ' ']));
                prop_assert!(!name.normalized.ends_with([DOT, ' ']));
                prop_assert!(!name.normalized.contains("··"));
                prop_assert!(!name.normalized.contains("  "));
            }
        }

        #[test]
        fn surname_is_a_prefix(raw in "\\PC{0,12}") {
            if let Some(family) = surname(&raw) {
                prop_assert!(text::trim_invisible(&raw).starts_with(family));
                prop_assert!(!family.is_empty());
            }
        }

        #[test]
        fn pinyin_has_single_spaces(raw in "\\PC{0,20}") {
            let p = name_pinyin(&raw);
            prop_assert!(!p.starts_with(' ') && !p.ends_with(' ') && !p.contains("  "));
        }
    }
}
