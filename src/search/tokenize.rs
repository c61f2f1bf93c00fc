//! The search tokenizer. The theme's script tokenizes queries the same way
//! (`static/kbsite.js`, `tokens`); the golden file `tests/search/tokens.tsv`
//! holds both to it.
//!
//! A word is a run of letters and digits, joined across single `.`, `-` or
//! `_` between two such characters (`404.18`, `Get-ClusterLog`). A plain
//! word gives one token: lower-cased, accents folded, stemmed (Snowball
//! English) when it is all letters. A compound word (with joiners, inner
//! capitals as in `maxAllowedContentLength`, or letters then digits as in
//! `KB841696`) gives its whole form unstemmed and then each part as a plain
//! word. Stop words and single letters are dropped.

use rust_stemmers::{Algorithm, Stemmer};
use std::sync::LazyLock;
use unicode_normalization::UnicodeNormalization;

static STEMMER: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::English));

/// Words too common to help a query (compared after lower-casing).
pub const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "can", "do", "does", "for", "from", "has",
    "have", "how", "i", "if", "in", "is", "it", "its", "my", "of", "on", "or", "that", "the",
    "this", "to", "was", "were", "what", "when", "where", "which", "why", "will", "with", "you",
    "your",
];

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

fn is_joiner(c: char) -> bool {
    matches!(c, '.' | '-' | '_')
}

/// Lower-cases and folds accents (`Überschrift` → `uberschrift`).
pub fn fold(s: &str) -> String {
    s.nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .collect::<String>()
        .to_lowercase()
}

/// Calls `f` with each token of `text`, in order.
pub fn each_token(text: &str, mut f: impl FnMut(String)) {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if !is_word_char(chars[i]) {
            i += 1;
            continue;
        }
        let start = i;
        // A joiner counts only between two word characters.
        while i < chars.len()
            && (is_word_char(chars[i])
                || (is_joiner(chars[i]) && chars.get(i + 1).is_some_and(|&c| is_word_char(c))))
        {
            i += 1;
        }
        word(&chars[start..i], &mut f);
    }
}

/// Every token of `text`, in order.
pub fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    each_token(text, |t| out.push(t));
    out
}

fn word(w: &[char], f: &mut impl FnMut(String)) {
    let parts = split_parts(w);
    if parts.len() == 1 {
        plain(&parts[0], f);
        return;
    }
    let whole: String = w.iter().collect();
    f(fold(&whole));
    for p in &parts {
        plain(p, f);
    }
}

/// A compound word's parts: split at joiners, where a lower-case letter
/// meets an upper-case one (`maxAllowed`), where an upper-case run ends
/// (`XMLHttp` → `XML`, `Http`), and where two or more letters meet digits.
fn split_parts(w: &[char]) -> Vec<String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    for (k, &c) in w.iter().enumerate() {
        if is_joiner(c) {
            parts.push(std::mem::take(&mut cur));
            continue;
        }
        if k > 0 && c.is_uppercase() && !cur.is_empty() {
            let prev = w[k - 1];
            let next_lower = w.get(k + 1).is_some_and(|n| n.is_lowercase());
            if prev.is_lowercase() || (prev.is_uppercase() && next_lower) {
                parts.push(std::mem::take(&mut cur));
            }
        }
        // Letters then digits (`KB841696`, `system32`), when the letters
        // make a word of two or more.
        if c.is_numeric() && cur.chars().count() >= 2 && cur.chars().all(char::is_alphabetic) {
            parts.push(std::mem::take(&mut cur));
        }
        cur.push(c);
    }
    parts.push(cur);
    parts.retain(|p| !p.is_empty());
    parts
}

fn plain(p: &str, f: &mut impl FnMut(String)) {
    let folded = fold(p);
    let letters = folded.chars().all(char::is_alphabetic);
    if letters && (folded.chars().count() < 2 || STOP_WORDS.contains(&folded.as_str())) {
        return;
    }
    if letters {
        f(STEMMER.stem(&folded).into_owned());
    } else {
        f(folded);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The golden file both tokenizers must follow: `input<TAB>tokens`.
    #[test]
    fn golden_file() {
        let golden = include_str!("../../tests/search/tokens.tsv");
        let mut checked = 0;
        for line in golden.lines().skip(1) {
            let (input, expected) = line.split_once('\t').expect("input<TAB>tokens");
            let expected: Vec<&str> = expected.split_whitespace().collect();
            assert_eq!(tokens(input), expected, "tokens of {input:?}");
            checked += 1;
        }
        assert!(checked >= 30);
    }

    /// Every word of the test corpus, stemmed: keeps the JavaScript port
    /// of the stemmer honest (`tests/e2e/search-core.test.mjs` reads it too).
    #[test]
    fn corpus_words() {
        let words = include_str!("../../tests/search/words.tsv");
        for line in words.lines().skip(1) {
            let (input, expected) = line.split_once('\t').unwrap_or((line, ""));
            assert_eq!(tokens(input).join(" "), expected, "{input:?}");
        }
    }

    #[test]
    fn stems_meet() {
        assert_eq!(tokens("drivers"), tokens("driver"));
        assert_eq!(tokens("signed"), tokens("signing"));
    }
}
