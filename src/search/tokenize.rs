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
use rustc_hash::FxHashMap;
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
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    s.nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .collect::<String>()
        .to_lowercase()
}

/// Calls `f` with each token of `text`, in order.
pub fn each_token(text: &str, mut f: impl FnMut(&str)) {
    each_piece(text, |piece| {
        if let Some(t) = piece.token() {
            f(&t);
        }
    });
}

/// A piece of text the word rules cut: a plain word (or a part of a
/// compound), or a compound word as a whole (given before its parts).
enum Piece<'t> {
    Plain(&'t str),
    Whole(&'t str),
}

impl Piece<'_> {
    /// The piece's token: a whole compound folded, a plain word as
    /// [`plain_token`] makes it.
    fn token(&self) -> Option<String> {
        match self {
            Piece::Whole(w) => Some(fold(w)),
            Piece::Plain(p) => plain_token(p),
        }
    }
}

/// Calls `f` with each piece of `text`: the one place the word rules live.
fn each_piece<'t>(text: &'t str, mut f: impl FnMut(Piece<'t>)) {
    each_word(text, |w| {
        if is_compound(w) {
            f(Piece::Whole(w));
            for p in split_parts(w) {
                f(Piece::Plain(p));
            }
        } else {
            f(Piece::Plain(w));
        }
    });
}

/// How [`each_word`] sees a byte.
const SEPARATOR: u8 = 0;
const WORD: u8 = 1;
const JOINER: u8 = 2;
/// A byte of a multi-byte character: decoded to decide.
const OTHER: u8 = 3;

const BYTE_CLASS: [u8; 256] = {
    let mut class = [OTHER; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        class[b] = if c.is_ascii_alphanumeric() {
            WORD
        } else if c == b'.' || c == b'-' || c == b'_' {
            JOINER
        } else {
            SEPARATOR
        };
        b += 1;
    }
    class
};

/// Calls `f` with each word of `text`, joiners inside it included. Text
/// is mostly ASCII, with the odd curly quote: ASCII bytes are classed by
/// a table in tight loops, other characters decoded.
pub fn each_word<'t>(text: &'t str, mut f: impl FnMut(&'t str)) {
    let b = text.as_bytes();
    let class = |i: usize| BYTE_CLASS[b[i] as usize];
    let mut i = 0;
    while i < b.len() {
        // Find the start of a word.
        match class(i) {
            WORD => {}
            OTHER if word_char_at(text, i) => {}
            OTHER => {
                i += char_len(b[i]);
                continue;
            }
            _ => {
                i += 1;
                continue;
            }
        }
        let start = i;
        loop {
            while i < b.len() && class(i) == WORD {
                i += 1;
            }
            if i == b.len() {
                break;
            }
            match class(i) {
                OTHER if word_char_at(text, i) => i += char_len(b[i]),
                JOINER if word_char_at(text, i + 1) => i += 1,
                _ => break,
            }
        }
        f(&text[start..i]);
    }
}

/// Length of the UTF-8 character starting with byte `lead`.
fn char_len(lead: u8) -> usize {
    match lead {
        0xF0.. => 4,
        0xE0.. => 3,
        0xC0.. => 2,
        _ => 1,
    }
}

/// Whether a word character starts at byte `i` of `text`.
fn word_char_at(text: &str, i: usize) -> bool {
    match text.as_bytes().get(i) {
        Some(c) if *c < 0x80 => c.is_ascii_alphanumeric(),
        Some(_) => text[i..].chars().next().is_some_and(is_word_char),
        None => false,
    }
}

/// Every token of `text`, in order.
pub fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    each_token(text, |t| out.push(t.to_string()));
    out
}

/// Word → span map. Almost every word is 16 bytes or shorter: those are
/// keys in place (zero-padded; words hold no zero bytes), so a lookup
/// compares two numbers instead of following a pointer to the key.
#[derive(Debug, Default)]
struct WordMap {
    short: FxHashMap<[u8; 16], (u32, u32)>,
    long: FxHashMap<Box<str>, (u32, u32)>,
}

impl WordMap {
    fn short_key(w: &str) -> Option<[u8; 16]> {
        let mut key = [0u8; 16];
        key.get_mut(..w.len())?.copy_from_slice(w.as_bytes());
        Some(key)
    }

    #[inline]
    fn get(&self, w: &str) -> Option<&(u32, u32)> {
        match Self::short_key(w) {
            Some(key) => self.short.get(&key),
            None => self.long.get(w),
        }
    }

    fn insert(&mut self, w: &str, span: (u32, u32)) {
        match Self::short_key(w) {
            Some(key) => self.short.insert(key, span),
            None => self.long.insert(w.into(), span),
        };
    }
}

/// Terms as numbers, for indexing: each distinct term gets one id, and
/// each distinct word as written is folded, stemmed and split once.
#[derive(Debug, Default)]
pub struct Vocab {
    /// Word → its token ids: `spans[start..start + len]`.
    words: WordMap,
    spans: Vec<u32>,
    ids: FxHashMap<String, u32>,
    /// Term of each id.
    terms: Vec<String>,
}

impl Vocab {
    /// Calls `f` with the id of each token of `text`, in order.
    pub fn tokens(&mut self, text: &str, mut f: impl FnMut(u32)) {
        each_word(text, |w| {
            let (start, len) = match self.words.get(w) {
                Some(&span) => span,
                None => self.learn(w),
            };
            for &id in &self.spans[start as usize..(start + len) as usize] {
                f(id);
            }
        });
    }

    /// Every term, by id.
    pub fn into_terms(self) -> Vec<String> {
        self.terms
    }

    /// The term with id `id`.
    pub fn term(&self, id: u32) -> &str {
        &self.terms[id as usize]
    }

    /// Tokenizes a word seen for the first time, as [`each_token`] does.
    fn learn(&mut self, w: &str) -> (u32, u32) {
        let start = self.spans.len();
        each_piece(w, |piece| {
            if let Some(t) = piece.token() {
                let id = self.id(&t);
                self.spans.push(id);
            }
        });
        let span = (start as u32, (self.spans.len() - start) as u32);
        self.words.insert(w, span);
        span
    }

    fn id(&mut self, term: &str) -> u32 {
        if let Some(&id) = self.ids.get(term) {
            return id;
        }
        let id = self.terms.len() as u32;
        self.terms.push(term.to_string());
        self.ids.insert(term.to_string(), id);
        id
    }
}

/// Whether a word splits into parts (see [`split_parts`]).
fn is_compound(w: &str) -> bool {
    let mut chars = w.chars().peekable();
    let mut prev: Option<char> = None;
    let mut letters = 0;
    while let Some(c) = chars.next() {
        if is_joiner(c) || (c.is_numeric() && letters >= 2) {
            return true;
        }
        if let Some(p) = prev {
            let next_lower = chars.peek().is_some_and(|n| n.is_lowercase());
            if c.is_uppercase() && (p.is_lowercase() || (p.is_uppercase() && next_lower)) {
                return true;
            }
        }
        letters = if c.is_alphabetic() { letters + 1 } else { 0 };
        prev = Some(c);
    }
    false
}

/// A compound word's parts: split at joiners, where a lower-case letter
/// meets an upper-case one (`maxAllowed`), where an upper-case run ends
/// (`XMLHttp` → `XML`, `Http`), and where two or more letters meet digits.
fn split_parts(w: &str) -> Vec<&str> {
    let chars: Vec<(usize, char)> = w.char_indices().collect();
    let mut parts = Vec::new();
    let mut start = 0;
    let mut letters_only = true;
    for (k, &(i, c)) in chars.iter().enumerate() {
        if is_joiner(c) {
            parts.push(&w[start..i]);
            start = i + c.len_utf8();
            letters_only = true;
            continue;
        }
        let cur = &w[start..i];
        if k > 0 && c.is_uppercase() && !cur.is_empty() {
            let prev = chars[k - 1].1;
            let next_lower = chars.get(k + 1).is_some_and(|&(_, n)| n.is_lowercase());
            if prev.is_lowercase() || (prev.is_uppercase() && next_lower) {
                parts.push(cur);
                start = i;
                letters_only = true;
            }
        }
        // Letters then digits (`KB841696`, `system32`), when the letters
        // make a word of two or more.
        let cur = &w[start..i];
        if c.is_numeric() && letters_only && cur.chars().count() >= 2 {
            parts.push(cur);
            start = i;
        }
        letters_only = letters_only && c.is_alphabetic();
        if start == i {
            letters_only = c.is_alphabetic();
        }
    }
    parts.push(&w[start..]);
    parts.retain(|p| !p.is_empty());
    parts
}

fn plain_token(p: &str) -> Option<String> {
    let folded = fold(p);
    let letters = folded.chars().all(char::is_alphabetic);
    if letters && (folded.chars().count() < 2 || STOP_WORDS.contains(&folded.as_str())) {
        return None;
    }
    Some(if letters {
        STEMMER.stem(&folded).into_owned()
    } else {
        folded
    })
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

    /// The indexer's cached path gives the same tokens as [`tokens`], also
    /// when a word comes back (from the cache).
    #[test]
    fn vocab_matches_tokens() {
        let golden = include_str!("../../tests/search/tokens.tsv");
        let mut vocab = Vocab::default();
        for _ in 0..2 {
            for line in golden.lines().skip(1) {
                let input = line.split_once('\t').map_or(line, |(i, _)| i);
                let mut ids = Vec::new();
                vocab.tokens(input, |id| ids.push(id));
                let got: Vec<&str> = ids.iter().map(|&id| vocab.term(id)).collect();
                assert_eq!(got, tokens(input), "{input:?}");
            }
        }
    }

    #[test]
    fn stems_meet() {
        assert_eq!(tokens("drivers"), tokens("driver"));
        assert_eq!(tokens("signed"), tokens("signing"));
    }
}
