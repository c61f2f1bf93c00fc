//! Builds the index: for every term, the documents it occurs in with one
//! precomputed score each (BM25+ over weighted fields, idf included), so a
//! query only adds numbers. The client never needs field lengths or
//! document counts.

use super::tokenize;
use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;
use std::borrow::Cow;

/// A document as search sees it.
#[derive(Debug, Clone, Default)]
pub struct Doc<'a> {
    pub title: Cow<'a, str>,
    pub headings: Cow<'a, str>,
    /// KB number, products, service, subservice.
    pub keys: Cow<'a, str>,
    pub description: Cow<'a, str>,
    pub body: Cow<'a, str>,
}

/// Field weights: title > headings > KB number/products ≈ description > body.
pub const FIELD_WEIGHTS: [f32; 5] = [3.0, 2.0, 1.5, 1.5, 1.0];
const K1: f32 = 1.2;
const B: f32 = 0.7;
const DELTA: f32 = 0.5;
/// Fewest documents one worker indexes before its results are merged.
const MIN_CHUNK: usize = 256;

/// The index: term → (document, score) by document number.
#[derive(Debug, Default)]
pub struct Index {
    pub postings: HashMap<String, Vec<(u32, f32)>>,
}

fn fields<'d>(d: &'d Doc) -> [&'d str; 5] {
    [&d.title, &d.headings, &d.keys, &d.description, &d.body]
}

/// Term buckets merged in parallel.
const BUCKETS: usize = 64;

fn bucket(term: &str) -> usize {
    use std::hash::BuildHasher;
    (rustc_hash::FxBuildHasher.hash_one(term) as usize) % BUCKETS
}

/// Postings of one term.
type List = Vec<(u32, f32)>;

/// One worker's share: its terms and their postings (by term id).
struct Part {
    vocab: tokenize::Vocab,
    postings: Vec<Vec<(u32, f32)>>,
}

/// Builds the index of `docs` (document number = position).
pub fn build(docs: &[Doc]) -> Index {
    // Field lengths for BM25's normalisation, in words: close enough to
    // tokens, and a fraction of the cost.
    let lens: Vec<[u32; 5]> = docs
        .par_iter()
        .map(|d| fields(d).map(|t| t.split_whitespace().count() as u32))
        .collect();
    let n = docs.len().max(1) as f32;
    let mut avg = [0f32; 5];
    for l in &lens {
        for f in 0..5 {
            avg[f] += l[f] as f32;
        }
    }
    for a in &mut avg {
        *a = (*a / n).max(1.0);
    }
    // A few big chunks per thread: each merge below costs per distinct
    // term of a chunk, so fewer chunks merge faster.
    let chunk = docs
        .len()
        .div_ceil(2 * rayon::current_num_threads())
        .max(MIN_CHUNK);
    let parts: Vec<Part> = docs
        .par_chunks(chunk)
        .enumerate()
        .map(|(c, part)| index_chunk(c * chunk, part, &lens, &avg))
        .collect();
    // Merge the parts' postings, in parallel over buckets of terms (by
    // hash); parts come in document order, so each list stays sorted.
    // Lists are moved, never copied: this is the stage's memory peak.
    let mut per_bucket: Vec<Vec<Vec<(String, List)>>> = (0..BUCKETS).map(|_| Vec::new()).collect();
    for part in parts {
        let mut b: Vec<Vec<(String, List)>> = (0..BUCKETS).map(|_| Vec::new()).collect();
        for (term, list) in part.vocab.terms.into_iter().zip(part.postings) {
            if !list.is_empty() {
                b[bucket(&term)].push((term, list));
            }
        }
        for (k, lists) in b.into_iter().enumerate() {
            per_bucket[k].push(lists);
        }
    }
    let postings: HashMap<String, List> = per_bucket
        .into_par_iter()
        .flat_map_iter(|parts| {
            let mut merged: HashMap<String, List> = HashMap::default();
            for part in parts {
                for (term, list) in part {
                    match merged.get_mut(&term) {
                        Some(l) => l.extend(list),
                        None => {
                            merged.insert(term, list);
                        }
                    }
                }
            }
            for list in merged.values_mut() {
                let df = list.len() as f32;
                let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
                for p in list.iter_mut() {
                    p.1 *= idf;
                }
            }
            merged
        })
        .collect();
    Index { postings }
}

fn index_chunk(first: usize, chunk: &[Doc], lens: &[[u32; 5]], avg: &[f32; 5]) -> Part {
    let mut vocab = tokenize::Vocab::default();
    let mut postings: Vec<Vec<(u32, f32)>> = Vec::new();
    // Term frequencies of the current document, by term id, and the ids
    // it touched (cheaper than a map per document).
    let mut tf: Vec<[u16; 5]> = Vec::new();
    let mut touched: Vec<u32> = Vec::new();
    for (k, d) in chunk.iter().enumerate() {
        let doc = first + k;
        for (f, text) in fields(d).into_iter().enumerate() {
            vocab.tokens(text, |id| {
                let id = id as usize;
                if id >= tf.len() {
                    tf.resize(id + 1, [0; 5]);
                }
                if tf[id] == [0; 5] {
                    touched.push(id as u32);
                }
                tf[id][f] = tf[id][f].saturating_add(1);
            });
        }
        for id in touched.drain(..) {
            let counts = std::mem::take(&mut tf[id as usize]);
            let mut score = 0.0;
            for f in 0..5 {
                if counts[f] > 0 {
                    let tf = counts[f] as f32;
                    let norm = 1.0 - B + B * lens[doc][f] as f32 / avg[f];
                    score += FIELD_WEIGHTS[f] * (tf * (K1 + 1.0) / (tf + K1 * norm) + DELTA);
                }
            }
            let id = id as usize;
            if postings.len() <= id {
                postings.resize_with(vocab.terms.len(), Vec::new);
            }
            postings[id].push((doc as u32, score));
        }
    }
    postings.resize_with(vocab.terms.len(), Vec::new);
    Part { vocab, postings }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc<'a>(title: &'a str, body: &'a str) -> Doc<'a> {
        Doc {
            title: title.into(),
            body: body.into(),
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
        let score = |t: &str, d: u32| idx.postings[t].iter().find(|p| p.0 == d).unwrap().1;
        assert!(
            score("cluster", 0) > score("cluster", 1),
            "title beats body"
        );
        let only = build(&[doc("A", "unique common"), doc("B", "common")]);
        let s = |t: &str| only.postings[t][0].1;
        assert!(s("uniqu") > s("common"), "rarer term scores higher");
    }
}
