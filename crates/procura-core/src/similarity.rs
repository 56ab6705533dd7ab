//! String similarity for names: Jaro-Winkler over characters (so that two-character Chinese
//! names compare sensibly), as `strsim` computes it.

/// Jaro-Winkler similarity in [0, 1] over Unicode characters.
///
/// Pinyin is ASCII and short, and linkage compares millions of pairs: for ASCII strings of at
/// most 64 bytes the same algorithm runs over bytes with no allocation (the result is
/// identical to `strsim`'s, which the property test checks).
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    if a.is_ascii() && b.is_ascii() && a.len() <= 64 && b.len() <= 64 {
        ascii_jaro_winkler(a.as_bytes(), b.as_bytes())
    } else {
        strsim::jaro_winkler(a, b)
    }
}

/// [`jaro_winkler`] over the UTF-8 bytes of two texts.
pub fn jaro_winkler_utf8(a: &[u8], b: &[u8]) -> f64 {
    if a.is_ascii() && b.is_ascii() && a.len() <= 64 && b.len() <= 64 {
        return ascii_jaro_winkler(a, b);
    }
    match (std::str::from_utf8(a), std::str::from_utf8(b)) {
        (Ok(a), Ok(b)) => strsim::jaro_winkler(a, b),
        _ => 0.0,
    }
}

fn ascii_jaro_winkler(a: &[u8], b: &[u8]) -> f64 {
    let jaro = ascii_jaro(a, b);
    if jaro > 0.7 {
        let prefix = a.iter().take(4).zip(b).take_while(|(x, y)| x == y).count();
        jaro + 0.1 * prefix as f64 * (1.0 - jaro)
    } else {
        jaro
    }
}

fn ascii_jaro(a: &[u8], b: &[u8]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let range = (a.len().max(b.len()) / 2).saturating_sub(1);
    let mut a_flags = 0u64;
    let mut b_flags = 0u64;
    let mut matches = 0usize;
    for (i, x) in a.iter().enumerate() {
        let low = i.saturating_sub(range);
        let high = b.len().min(i + range + 1);
        for (j, y) in b.iter().enumerate().take(high).skip(low) {
            if y == x && b_flags & (1 << j) == 0 {
                a_flags |= 1 << i;
                b_flags |= 1 << j;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let mut transpositions = 0usize;
    let mut j = 0usize;
    for (i, x) in a.iter().enumerate() {
        if a_flags & (1 << i) == 0 {
            continue;
        }
        while b_flags & (1 << j) == 0 {
            j += 1;
        }
        if b[j] != *x {
            transpositions += 1;
        }
        j += 1;
    }
    let m = matches as f64;
    (m / a.len() as f64 + m / b.len() as f64 + (m - (transpositions / 2) as f64) / m) / 3.0
}

/// Levenshtein distance over Unicode characters.
pub fn levenshtein(a: &str, b: &str) -> usize {
    strsim::levenshtein(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_and_different() {
        assert_eq!(jaro_winkler("张三", "张三"), 1.0);
        assert!(jaro_winkler("张三丰", "张三峰") > 0.8);
        assert!(jaro_winkler("张三", "李四") < 0.5);
        assert_eq!(levenshtein("张三丰", "张三峰"), 1);
        assert_eq!(jaro_winkler("", ""), 1.0);
        assert_eq!(jaro_winkler("zhang", ""), 0.0);
    }

    proptest::proptest! {
        #[test]
        fn ascii_path_equals_strsim(a in "[a-e ]{0,20}", b in "[a-e ]{0,20}") {
            proptest::prop_assert_eq!(jaro_winkler(&a, &b), strsim::jaro_winkler(&a, &b));
        }

        #[test]
        fn ascii_path_equals_strsim_on_pinyin(a in "(zhang|wang|li|wei|fang|jing|tao) (wei|fang|jing|tao|li)( ming)?",
                                              b in "(zhang|wang|li|wei|fang|jing|tao) (wei|fang|jing|tao|li)( ming)?") {
            proptest::prop_assert_eq!(jaro_winkler(&a, &b), strsim::jaro_winkler(&a, &b));
        }
    }
}
