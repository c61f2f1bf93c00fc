//! Builds the index: for every term, the documents it occurs in with one
//! precomputed score each (BM25+ over weighted fields, idf included), so a
//! query only adds numbers. The client never needs field lengths or
//! document counts.

use super::tokenize;
use rayon::prelude::*;

/// The fields search weighs, in [`FIELD_WEIGHTS`] order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Title,
    Headings,
    /// KB number, products, service, subservice.
    Keys,
    Description,
    Body,
}

impl Field {
    /// Every field, in order (`ALL[f as usize] == f`).
    pub const ALL: [Field; 5] = [
        Field::Title,
        Field::Headings,
        Field::Keys,
        Field::Description,
        Field::Body,
    ];
}

/// Where the index reads its documents from, one at a time, so a site never
/// holds all its documents' text at once.
pub trait Source: Sync {
    /// What the caller keeps of each document (what a result shows).
    type Meta: Send;

    fn count(&self) -> usize;

    /// Gives each text of document `i` to `text`, field by field (a field
    /// may come in several texts). `buf` is scratch space for text the
    /// source has to make.
    fn document(&self, i: usize, buf: &mut String, text: &mut dyn FnMut(Field, &str))
        -> Self::Meta;
}

/// A document given as text, for tests and tools.
#[derive(Debug, Clone, Copy, Default)]
pub struct Doc<'a> {
    pub title: &'a str,
    pub headings: &'a str,
    /// KB number, products, service, subservice.
    pub keys: &'a str,
    pub description: &'a str,
    pub body: &'a str,
}

/// Field weights: title > headings > KB number/products ≈ description > body.
pub const FIELD_WEIGHTS: [f32; 5] = [3.0, 2.0, 1.5, 1.5, 1.0];
const K1: f32 = 1.2;
const B: f32 = 0.7;
const DELTA: f32 = 0.5;
/// Fewest documents one worker indexes before its results are merged.
const MIN_CHUNK: usize = 256;

/// The index: each term with its postings by document number, terms in
/// byte order. Postings are kept compact (a few bytes each: the site's
/// postings as (document, score) pairs were the largest thing a build or
/// the preview held while the index was made) and scored when read.
#[derive(Default)]
pub struct Index {
    pub postings: Vec<(String, Postings)>,
    scorer: Scorer,
    docs: usize,
}

impl Index {
    /// The (document, score) pairs of `term`, if it is in the index.
    pub fn get(&self, term: &str) -> Option<List> {
        let at = self
            .postings
            .binary_search_by(|(t, _)| t.as_str().cmp(term))
            .ok()?;
        Some(self.scored(&self.postings[at].1))
    }

    /// The (document, score) pairs of `postings`, by document number.
    pub fn scored(&self, postings: &Postings) -> List {
        let mut list = List::with_capacity(postings.len as usize);
        self.each_scored(postings, |d, score| list.push((d, score)));
        list
    }

    /// Each (document, score) pair of `postings`, by document number.
    pub fn each_scored(&self, postings: &Postings, mut f: impl FnMut(u32, f32)) {
        let n = self.docs.max(1) as f32;
        let df = postings.len as f32;
        let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
        postings.each(|d, tf| f(d, self.scorer.score(d, tf) * idf));
    }
}

/// One term's postings: (document, term frequencies) pairs in document
/// order, each as two LEB128 numbers: the document's distance from the
/// one before, and the frequencies with the body's first (most postings
/// are body-only, so one byte).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Postings {
    bytes: Vec<u8>,
    /// The last document (what the next one is counted from).
    last: u32,
    len: u32,
}

impl Postings {
    fn push(&mut self, doc: u32, tf: PackedTf) {
        let delta = if self.len == 0 { doc } else { doc - self.last };
        put_number(&mut self.bytes, delta);
        put_number(&mut self.bytes, tf.rotate_right(TF_SHIFT[4]));
        (self.last, self.len) = (doc, self.len + 1);
    }

    /// `more` (of documents after this list's) added at the end.
    fn append(&mut self, more: Postings) {
        if more.len == 0 {
            return;
        }
        if self.len == 0 {
            *self = more;
            return;
        }
        let (first, used) = take_number(&more.bytes);
        put_number(&mut self.bytes, first - self.last);
        self.bytes.extend_from_slice(&more.bytes[used..]);
        (self.last, self.len) = (more.last, self.len + more.len);
    }

    fn each(&self, mut f: impl FnMut(u32, PackedTf)) {
        let (mut at, mut doc) = (0, 0u32);
        for k in 0..self.len {
            let (delta, used) = take_number(&self.bytes[at..]);
            at += used;
            let (tf, used) = take_number(&self.bytes[at..]);
            at += used;
            doc = if k == 0 { delta } else { doc + delta };
            f(doc, tf.rotate_left(TF_SHIFT[4]));
        }
    }
}

/// `n` as LEB128.
pub(super) fn put_number(out: &mut Vec<u8>, mut n: u32) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// A number [`put_number`] wrote, and the bytes it took.
pub(super) fn take_number(bytes: &[u8]) -> (u32, usize) {
    let (mut n, mut shift) = (0u32, 0);
    for (k, &b) in bytes.iter().enumerate() {
        n |= u32::from(b & 0x7f) << shift;
        if b < 0x80 {
            return (n, k + 1);
        }
        shift += 7;
    }
    (n, bytes.len())
}

impl Source for [Doc<'_>] {
    type Meta = ();

    fn count(&self) -> usize {
        self.len()
    }

    fn document(&self, i: usize, _: &mut String, text: &mut dyn FnMut(Field, &str)) {
        let d = &self[i];
        text(Field::Title, d.title);
        text(Field::Headings, d.headings);
        text(Field::Keys, d.keys);
        text(Field::Description, d.description);
        text(Field::Body, d.body);
    }
}

/// Postings of one term.
pub type List = Vec<(u32, f32)>;

/// A document's term frequencies in the five fields, packed in 32 bits:
/// each field saturates (title at 15, body at 4095), far past where BM25
/// stops caring. Counted packed, so a worker's counts by term id stay
/// small enough for the processor's nearest cache.
type PackedTf = u32;
const TF_BITS: [u32; 5] = [4, 6, 4, 6, 12];
const TF_SHIFT: [u32; 5] = [0, 4, 10, 14, 20];

/// Counts one more occurrence in field `f`, unless the field is full.
#[inline]
fn count(tf: &mut PackedTf, f: usize) {
    let full = (1 << TF_BITS[f]) - 1;
    if (*tf >> TF_SHIFT[f]) & full != full {
        *tf += 1 << TF_SHIFT[f];
    }
}

fn unpack(packed: PackedTf) -> [u32; 5] {
    std::array::from_fn(|f| (packed >> TF_SHIFT[f]) & ((1 << TF_BITS[f]) - 1))
}

/// One worker's share of the documents: its terms in byte order with
/// their postings (raw term frequencies: scores need every document's
/// length first), and its documents' field lengths in tokens.
struct Part {
    terms: Vec<(String, Postings)>,
    lens: Vec<[u32; 5]>,
}

/// BM25+ over the weighted fields, without idf.
#[derive(Default)]
struct Scorer {
    /// Per document and field, BM25's `k1 · (1 − b + b · len / avg)`:
    /// computed once per document, not once per posting.
    norms: Vec<[f32; 5]>,
}

impl Scorer {
    fn new(lens: &[[u32; 5]]) -> Self {
        let n = lens.len().max(1) as f32;
        let mut avg = [0f32; 5];
        for l in lens {
            for f in 0..5 {
                avg[f] += l[f] as f32;
            }
        }
        let avg = avg.map(|a| (a / n).max(1.0));
        let norms = lens
            .iter()
            .map(|l| std::array::from_fn(|f| K1 * (1.0 - B + B * l[f] as f32 / avg[f])))
            .collect();
        Scorer { norms }
    }

    #[inline]
    fn score(&self, doc: u32, tf: PackedTf) -> f32 {
        let norms = &self.norms[doc as usize];
        let mut score = 0.0;
        for (f, tf) in unpack(tf).into_iter().enumerate() {
            if tf > 0 {
                let tf = tf as f32;
                score += FIELD_WEIGHTS[f] * (tf * (K1 + 1.0) / (tf + norms[f]) + DELTA);
            }
        }
        score
    }
}

/// Builds the index of `docs` (document number = position).
pub fn build(docs: &[Doc]) -> Index {
    build_from(docs).0
}

/// Builds the index of a source's documents (document number = position),
/// with what the source keeps of each document, in order.
pub fn build_from<S: Source + ?Sized>(source: &S) -> (Index, Vec<S::Meta>) {
    // One chunk per thread: each worker folds and stems every word it
    // meets once, so fewer workers mean less of that done twice.
    let count = source.count();
    let chunk = count.div_ceil(rayon::current_num_threads()).max(MIN_CHUNK);
    let starts: Vec<usize> = (0..count).step_by(chunk).collect();
    let (parts, metas): (Vec<Part>, Vec<Vec<S::Meta>>) = starts
        .into_par_iter()
        .map(|start| index_chunk(source, start..count.min(start + chunk)))
        .unzip();
    let meta: Vec<S::Meta> = metas.into_iter().flatten().collect();
    let lens: Vec<[u32; 5]> = parts.iter().flat_map(|p| p.lens.iter().copied()).collect();
    let scorer = Scorer::new(&lens);
    drop(lens);
    let postings = by_term(parts)
        .into_par_iter()
        .map(|(term, lists)| {
            let mut lists = lists.into_iter();
            let mut list = lists.next().unwrap_or_default();
            for more in lists {
                list.append(more);
            }
            list.bytes.shrink_to_fit();
            (term, list)
        })
        .collect();
    let index = Index {
        postings,
        scorer,
        docs: count,
    };
    (index, meta)
}

/// Every term of the parts in byte order, each with its lists from the
/// parts in part order (so in document order): a merge of the parts'
/// sorted terms. Lists are moved, never copied: this is the stage's
/// memory peak.
fn by_term(parts: Vec<Part>) -> Vec<(String, Vec<Postings>)> {
    let mut heads: Vec<_> = parts
        .into_iter()
        .map(|p| p.terms.into_iter().peekable())
        .collect();
    let mut out: Vec<(String, Vec<Postings>)> = Vec::new();
    loop {
        let least = heads
            .iter_mut()
            .filter_map(|h| h.peek().map(|(t, _)| t.clone()))
            .min();
        let Some(term) = least else { break };
        let lists = heads
            .iter_mut()
            .filter_map(|h| h.next_if(|(t, _)| *t == term).map(|(_, list)| list))
            .collect();
        out.push((term, lists));
    }
    out
}

fn index_chunk<S: Source + ?Sized>(
    source: &S,
    docs: std::ops::Range<usize>,
) -> (Part, Vec<S::Meta>) {
    let mut vocab = tokenize::Vocab::default();
    let mut postings: Vec<Postings> = Vec::new();
    let mut lens = Vec::with_capacity(docs.len());
    let mut metas = Vec::with_capacity(docs.len());
    let mut buf = String::new();
    // Term frequencies of the current document, by term id, and the ids
    // it touched (cheaper than a map per document). Counts go back to
    // zero after each document, so zero counts mean a first occurrence.
    let mut tf: Vec<PackedTf> = Vec::new();
    let mut touched: Vec<u32> = Vec::new();
    for doc in docs {
        let mut len = [0u32; 5];
        buf.clear();
        let meta = source.document(doc, &mut buf, &mut |field, text| {
            let f = field as usize;
            vocab.tokens(text, |id| {
                let id = id as usize;
                if id >= tf.len() {
                    tf.resize(id + 1, 0);
                }
                let counts = &mut tf[id];
                if *counts == 0 {
                    touched.push(id as u32);
                }
                count(counts, f);
                len[f] += 1;
            });
        });
        metas.push(meta);
        lens.push(len);
        if postings.len() < tf.len() {
            postings.resize_with(tf.len(), Postings::default);
        }
        for id in touched.drain(..) {
            let counts = std::mem::take(&mut tf[id as usize]);
            postings[id as usize].push(doc as u32, counts);
        }
    }
    // Sorted here, in the worker, so the merge of the parts is one pass.
    // Lists grow by doubling: what they did not fill goes back now (in
    // place), before the other worker's lists join them.
    let mut terms: Vec<(String, Postings)> = vocab
        .into_terms()
        .into_iter()
        .zip(postings)
        .filter(|(_, list)| list.len > 0)
        .map(|(term, mut list)| {
            list.bytes.shrink_to_fit();
            (term, list)
        })
        .collect();
    terms.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    (Part { terms, lens }, metas)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc<'a>(title: &'a str, body: &'a str) -> Doc<'a> {
        Doc {
            title,
            body,
            ..Doc::default()
        }
    }

    #[test]
    fn title_outweighs_body_and_rare_outweighs_common() {
        let idx = build(&[
            doc("Cluster validation", "storage storage"),
            doc("Storage policy", "cluster"),
            doc("Other", "cluster storage"),
        ]);
        let score = |t: &str, d: u32| idx.get(t).unwrap().iter().find(|p| p.0 == d).unwrap().1;
        assert!(
            score("cluster", 0) > score("cluster", 1),
            "title beats body"
        );
        let only = build(&[doc("A", "unique common"), doc("B", "common")]);
        let s = |t: &str| only.get(t).unwrap()[0].1;
        assert!(s("uniqu") > s("common"), "rarer term scores higher");
    }

    /// Workers index their shares apart and the parts are merged: any
    /// number of workers gives the same index as one.
    #[test]
    fn workers_merge_to_the_single_worker_index() {
        let words = [
            "cluster",
            "disk",
            "storage",
            "policy",
            "vendor",
            "0x80070005",
        ];
        let texts: Vec<String> = (0..MIN_CHUNK * 3 + 7)
            .map(|i| {
                let pick = |k: usize| words[(i * k + i / 7) % words.len()];
                format!("{} {} {} term{}", pick(1), pick(3), pick(5), i % 97)
            })
            .collect();
        let docs: Vec<Doc> = texts.iter().map(|t| doc(&t[..7], t)).collect();
        let with = |threads| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| build(&docs)).postings
        };
        let one = with(1);
        assert!(one.len() > 100, "{} terms", one.len());
        assert_eq!(with(3), one);
    }

    /// Compact postings give back what was put in, whether made in one
    /// list or in two joined.
    #[test]
    fn postings_round_trip_and_join() {
        let pairs: Vec<(u32, PackedTf)> = vec![
            (0, 1 << TF_SHIFT[4]),
            (1, 1),
            (127, u32::MAX),
            (128, 0x7f),
            (70_000, 1 << 20 | 3),
            (u32::MAX - 1, 5),
        ];
        let read = |p: &Postings| {
            let mut out = Vec::new();
            p.each(|d, tf| out.push((d, tf)));
            out
        };
        let mut whole = Postings::default();
        for &(d, tf) in &pairs {
            whole.push(d, tf);
        }
        assert_eq!(read(&whole), pairs);
        for cut in 0..=pairs.len() {
            let (mut a, mut b) = (Postings::default(), Postings::default());
            pairs[..cut].iter().for_each(|&(d, tf)| a.push(d, tf));
            pairs[cut..].iter().for_each(|&(d, tf)| b.push(d, tf));
            a.append(b);
            assert_eq!(a, whole, "joined at {cut}");
        }
        // A body-only posting takes two bytes.
        let mut one = Postings::default();
        one.push(3, 1 << TF_SHIFT[4]);
        assert_eq!(one.bytes.len(), 2);
    }

    #[test]
    fn term_frequencies_pack_and_saturate() {
        let counted = |n: [u32; 5]| {
            let mut tf = 0;
            for (f, n) in n.into_iter().enumerate() {
                (0..n).for_each(|_| count(&mut tf, f));
            }
            unpack(tf)
        };
        assert_eq!(counted([1, 2, 3, 4, 5]), [1, 2, 3, 4, 5]);
        assert_eq!(counted([99, 99, 99, 99, 9999]), [15, 63, 15, 63, 4095]);
    }
}
