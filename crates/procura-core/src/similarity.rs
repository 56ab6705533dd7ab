//! String similarity for names: Jaro-Winkler over characters (so that two-character Chinese
//! names compare sensibly), as `strsim` computes it.

/// Jaro-Winkler similarity in [0, 1] over Unicode characters.
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    strsim::jaro_winkler(a, b)
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
    }
}
