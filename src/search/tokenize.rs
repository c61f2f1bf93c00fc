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
use std::borrow::Cow;
use std::sync::LazyLock;
use unicode_normalization::UnicodeNormalization;

static STEMMER: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::English));

/// Words too common to help a query (compared after lower-casing; kept
/// sorted for binary search).
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
    each_word(text, |w| each_piece_of_word(w, &mut f));
}

/// Calls `f` with each piece of one word.
fn each_piece_of_word<'t>(w: &'t str, mut f: impl FnMut(Piece<'t>)) {
    if is_compound(w) {
        f(Piece::Whole(w));
        for p in split_parts(w) {
            f(Piece::Plain(p));
        }
    } else {
        f(Piece::Plain(w));
    }
}

/// Calls `f` with each word of `text`, joiners inside it included.
///
/// Text goes 64 bytes at a time: a block's word bytes and joiners become
/// two bit masks (a loop the compiler turns into vector code), a joiner
/// counts as a word byte when word bytes stand on both sides of it, and
/// words start and end where the mask changes. Byte-by-byte scanning
/// mispredicted a branch at nearly every word edge and ran at a third of
/// the speed. Non-ASCII characters (rare) are decoded one by one.
pub fn each_word<'t>(text: &'t str, mut f: impl FnMut(&'t str)) {
    let blocks = text.len().div_ceil(64);
    let mut spill = 0;
    let mut block = Block::at(text, 0, &mut spill);
    // Whether the byte before the block is a word character (raw) and
    // whether it is in a word (joiners included).
    let mut word_before = false;
    let mut in_word = false;
    let mut start = 0;
    for k in 0..blocks {
        let next = if k + 1 < blocks {
            Block::at(text, (k + 1) * 64, &mut spill)
        } else {
            Block::default()
        };
        let w = block.word;
        let before = (w << 1) | u64::from(word_before);
        let after = (w >> 1) | (next.word << 63);
        let in_words = w | (block.joiner & before & after);
        let mut edges = in_words ^ ((in_words << 1) | u64::from(in_word));
        while edges != 0 {
            let at = k * 64 + edges.trailing_zeros() as usize;
            if in_word {
                f(&text[start..at]);
            } else {
                start = at;
            }
            in_word = !in_word;
            edges &= edges - 1;
        }
        word_before = w >> 63 == 1;
        block = next;
    }
    if in_word {
        f(&text[start..]);
    }
}

/// One 64-byte block of text as bit masks (bit `j` = byte `j`).
#[derive(Default, Clone, Copy)]
struct Block {
    /// Bytes of word characters: ASCII letters and digits, and every byte
    /// of a non-ASCII letter or digit.
    word: u64,
    /// `.`, `-` and `_`.
    joiner: u64,
}

impl Block {
    /// The block at byte `at`. `spill` carries the bits of this block's
    /// bytes that belong to a character begun in the block before, and
    /// takes those of the next.
    fn at(text: &str, at: usize, spill: &mut u64) -> Block {
        let bytes = &text.as_bytes()[at..text.len().min(at + 64)];
        let (mut word, joiner, high) = match bytes.try_into() {
            Ok(full) => classify(full),
            Err(_) => {
                let mut full = [0u8; 64];
                full[..bytes.len()].copy_from_slice(bytes);
                classify(&full)
            }
        };
        word |= std::mem::take(spill);
        if high {
            for (j, &b) in bytes.iter().enumerate() {
                // Lead bytes only: continuation bytes follow their lead.
                if b >= 0xC0 && text[at + j..].chars().next().is_some_and(is_word_char) {
                    let bits = (1u128 << char_len(b)) - 1;
                    let bits = bits << j;
                    word |= bits as u64;
                    *spill |= (bits >> 64) as u64;
                }
            }
        }
        Block { word, joiner }
    }
}

/// ASCII word bytes and joiners of a block, and whether it has any
/// non-ASCII byte. Branch-free, so it vectorizes.
fn classify(block: &[u8; 64]) -> (u64, u64, bool) {
    let mut word = 0u64;
    let mut joiner = 0u64;
    let mut high = 0u64;
    for (q, lane) in block.chunks_exact(16).enumerate() {
        let (mut w, mut j, mut h) = (0u16, 0u16, 0u16);
        for (k, &b) in lane.iter().enumerate() {
            let letter = (b | 0x20).wrapping_sub(b'a') < 26;
            let digit = b.wrapping_sub(b'0') < 10;
            w |= u16::from(letter | digit) << k;
            j |= u16::from(b == b'.' || b == b'-' || b == b'_') << k;
            h |= u16::from(b >= 0x80) << k;
        }
        word |= u64::from(w) << (q * 16);
        joiner |= u64::from(j) << (q * 16);
        high |= u64::from(h);
    }
    (word, joiner, high != 0)
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

/// Every token of `text`, in order.
pub fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    each_token(text, |t| out.push(t.to_string()));
    out
}

/// Word → its tokens. Almost every word is 16 bytes or shorter: those are
/// keys in place (the bytes zero-padded, as two numbers; words hold no
/// zero bytes), so a lookup compares numbers instead of following a
/// pointer to the key.
#[derive(Debug)]
struct WordMap {
    /// Short words seen lately, by a hash of the key, one per slot: most
    /// of a text is a few thousand common words, and a hit here is one
    /// load, where the map costs two or three.
    recent: Box<[([u64; 2], Span)]>,
    short: FxHashMap<[u64; 2], Span>,
    long: FxHashMap<Box<str>, Span>,
}

/// Slots of [`WordMap::recent`] (a power of two): 96 KB.
const RECENT: usize = 4096;

impl Default for WordMap {
    fn default() -> Self {
        // An all-zero key is no word's: every slot starts empty.
        let empty = ([0, 0], Span { start: 0, len: 0 });
        WordMap {
            recent: vec![empty; RECENT].into_boxed_slice(),
            short: FxHashMap::default(),
            long: FxHashMap::default(),
        }
    }
}

/// A word's token ids: where they are in [`Vocab::spans`], or, when there
/// is one (most words), the id itself in `start`. Eight bytes, so a map
/// entry with its key is 24.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: u32,
    len: u32,
}

impl WordMap {
    /// The word's bytes as little-endian numbers, read with loads that
    /// may overlap (no copy loop, no call to `memcpy`).
    #[inline]
    fn short_key(w: &str) -> Option<[u64; 2]> {
        let b = w.as_bytes();
        let n = b.len();
        // `tail` ends with the word's last byte; shift out what `head` has.
        let tail = |tail: u64, bytes: usize| tail.checked_shr(8 * (2 * bytes - n) as u32);
        Some(match n {
            0 => [0, 0],
            1..=3 => [
                u64::from(b[0]) | u64::from(b[n / 2]) << 8 | u64::from(b[n - 1]) << 16,
                0,
            ]
            .map(|v| v & (u64::MAX >> (8 * (8 - n)))),
            4..=7 => {
                let tail = tail(u64::from(le32(&b[n - 4..])), 4).unwrap_or(0);
                [u64::from(le32(b)) | tail << 32, 0]
            }
            8..=16 => [le64(b), tail(le64(&b[n - 8..]), 8).unwrap_or(0)],
            _ => return None,
        })
    }

    #[inline]
    fn get(&mut self, w: &str) -> Option<Span> {
        let Some(key) = Self::short_key(w) else {
            return self.long.get(w).copied();
        };
        let slot = (key[0] ^ key[1].rotate_left(31)).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 52;
        let recent = &mut self.recent[slot as usize % RECENT];
        if recent.0 == key {
            return Some(recent.1);
        }
        let span = *self.short.get(&key)?;
        *recent = (key, span);
        Some(span)
    }

    fn insert(&mut self, w: &str, span: Span) {
        match Self::short_key(w) {
            Some(key) => self.short.insert(key, span),
            None => self.long.insert(w.into(), span),
        };
    }
}

fn le32(b: &[u8]) -> u32 {
    u32::from_le_bytes(b[..4].try_into().expect("4 bytes"))
}

fn le64(b: &[u8]) -> u64 {
    u64::from_le_bytes(b[..8].try_into().expect("8 bytes"))
}

/// Terms as numbers, for indexing: each distinct term gets one id, and
/// each distinct word as written is folded, stemmed and split once.
#[derive(Debug, Default)]
pub struct Vocab {
    /// Word → its token ids.
    words: WordMap,
    /// Token ids of the words that have more than one (or none).
    spans: Vec<u32>,
    /// Every term; a term's id is its place here.
    terms: FxIndexSet<String>,
}

type FxIndexSet<T> = indexmap::IndexSet<T, rustc_hash::FxBuildHasher>;

impl Vocab {
    /// Calls `f` with the id of each token of `text`, in order.
    pub fn tokens(&mut self, text: &str, mut f: impl FnMut(u32)) {
        each_word(text, |w| {
            let span = match self.words.get(w) {
                Some(span) => span,
                None => self.learn(w),
            };
            if span.len == 1 {
                f(span.start);
            } else {
                let (start, len) = (span.start as usize, span.len as usize);
                for &id in &self.spans[start..start + len] {
                    f(id);
                }
            }
        });
    }

    /// Every term, by id.
    pub fn into_terms(self) -> Vec<String> {
        self.terms.into_iter().collect()
    }

    /// The term with id `id`.
    pub fn term(&self, id: u32) -> &str {
        &self.terms[id as usize]
    }

    /// Tokenizes a word seen for the first time, as [`each_token`] does.
    fn learn(&mut self, w: &str) -> Span {
        let start = self.spans.len();
        each_piece_of_word(w, |piece| {
            if let Some(t) = piece.token() {
                let (id, _) = self.terms.insert_full(t);
                self.spans.push(id as u32);
            }
        });
        let span = match &self.spans[start..] {
            &[id] => {
                self.spans.truncate(start);
                Span { start: id, len: 1 }
            }
            ids => Span {
                start: start as u32,
                len: ids.len() as u32,
            },
        };
        self.words.insert(w, span);
        span
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
    if letters && (folded.chars().count() < 2 || STOP_WORDS.binary_search(&folded.as_str()).is_ok())
    {
        return None;
    }
    if !letters {
        return Some(folded);
    }
    Some(match STEMMER.stem(&folded) {
        Cow::Owned(stem) => stem,
        Cow::Borrowed(_) => folded,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEPARATOR: u8 = 0;
    const WORD: u8 = 1;
    const JOINER: u8 = 2;
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

    /// The word rule one byte at a time (what [`each_word`] replaced): the
    /// reference it is checked against.
    fn each_word_scalar<'t>(text: &'t str, mut f: impl FnMut(&'t str)) {
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

    /// Whether a word character starts at byte `i` of `text`.
    fn word_char_at(text: &str, i: usize) -> bool {
        match text.as_bytes().get(i) {
            Some(c) if *c < 0x80 => c.is_ascii_alphanumeric(),
            Some(_) => text[i..].chars().next().is_some_and(is_word_char),
            None => false,
        }
    }

    /// The block scanner finds the words the byte-by-byte rule finds, on
    /// text built to put edges, joiners and multi-byte characters at every
    /// place around the 64-byte block boundaries.
    #[test]
    fn block_scanner_matches_scalar_rule() {
        let pieces = [
            "a",
            "Z",
            "9",
            ".",
            "-",
            "_",
            " ",
            "é",
            "’",
            "ß",
            "日",
            "\u{1F600}",
            "Ⅻ",
            "٣",
            "\n",
            "x.y",
        ];
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..3000 {
            let mut text = String::new();
            let len = (state % 200) as usize;
            for _ in 0..len {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                text.push_str(pieces[(state % pieces.len() as u64) as usize]);
            }
            let mut fast = Vec::new();
            each_word(&text, |w| fast.push(w));
            let mut slow = Vec::new();
            each_word_scalar(&text, |w| slow.push(w));
            assert_eq!(fast, slow, "{text:?}");
        }
    }

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

    /// Short keys are the word's bytes, zero-padded, for every length.
    #[test]
    fn short_keys_are_padded_bytes() {
        let word = "abcdefghijklmnopq";
        for n in 0..=16 {
            let mut padded = [0u8; 16];
            padded[..n].copy_from_slice(&word.as_bytes()[..n]);
            let expected = [0, 8].map(|k| u64::from_le_bytes(padded[k..k + 8].try_into().unwrap()));
            assert_eq!(WordMap::short_key(&word[..n]), Some(expected), "{n}");
        }
        assert_eq!(WordMap::short_key(word), None);
    }

    #[test]
    fn stop_words_are_sorted() {
        assert!(STOP_WORDS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn stems_meet() {
        assert_eq!(tokens("drivers"), tokens("driver"));
        assert_eq!(tokens("signed"), tokens("signing"));
    }
}
