//! The index as small `.js` files that register themselves
//! (`kbsiteSearch.add(name, data)`), because from `file://` a page can only
//! load data with `<script>`. A query loads the manifest, the term shards of
//! its words, maybe their typo shards, and the metadata shards of the hits
//! it shows.

use super::build::Index;
use crate::render::{Data, OutputFile};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

/// Postings kept per term (the best-scoring ones): a term in most
/// documents cannot make one query load a large part of the index.
pub const MAX_POSTINGS: usize = 4000;
/// A shard over this many bytes is split by one more character of prefix.
const SHARD_BYTES: usize = 24 * 1024;
/// Longest shard key.
const MAX_KEY: usize = 6;
/// Documents per metadata shard.
pub const GROUP: usize = 8;
/// Scores are stored as whole numbers up to this.
const LEVELS: f32 = 1023.0;

/// The alphabet of the number encoding: 32 symbols end a number, 32 carry
/// five more bits. JSON- and URL-safe.
const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Appends `v` in the variable-length encoding (most significant first).
pub fn push_number(out: &mut String, v: u32) {
    let mut chunks = [0u8; 7];
    let mut n = 0;
    let mut v = v;
    loop {
        chunks[n] = (v & 31) as u8;
        n += 1;
        v >>= 5;
        if v == 0 {
            break;
        }
    }
    for k in (0..n).rev() {
        let c = chunks[k] + if k > 0 { 32 } else { 0 };
        out.push(ALPHABET[c as usize] as char);
    }
}

/// Decodes a string of numbers (for tests; the client has its own).
pub fn numbers(s: &str) -> Vec<u32> {
    let mut out = Vec::new();
    let mut acc = 0u32;
    for b in s.bytes() {
        let i = ALPHABET.iter().position(|&a| a == b).expect("alphabet") as u32;
        acc = acc * 32 + (i & 31);
        if i < 32 {
            out.push(acc);
            acc = 0;
        }
    }
    out
}

/// Documents as deltas from the previous one.
fn encode_docs(docs: impl Iterator<Item = u32>) -> String {
    let mut s = String::new();
    let mut prev = 0;
    for (k, d) in docs.enumerate() {
        push_number(&mut s, if k == 0 { d } else { d - prev });
        prev = d;
    }
    s
}

/// A term's postings: pairs of (document delta, score level).
fn encode_postings(list: &[(u32, f32)], scale: f32) -> String {
    let mut best;
    let kept = if list.len() > MAX_POSTINGS {
        best = list.to_vec();
        best.select_nth_unstable_by(MAX_POSTINGS, |a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        best.truncate(MAX_POSTINGS);
        best.sort_unstable_by_key(|p| p.0);
        &best[..]
    } else {
        list
    };
    let mut s = String::with_capacity(kept.len() * 4);
    let mut prev = 0;
    for (k, (d, score)) in kept.iter().enumerate() {
        push_number(&mut s, if k == 0 { *d } else { d - prev });
        prev = *d;
        push_number(
            &mut s,
            ((score / scale * LEVELS).round() as u32).clamp(1, LEVELS as u32),
        );
    }
    s
}

/// A shard key as a file name: `[a-z0-9]` as is, other bytes as `~hh`.
pub fn key_file(key: &str) -> String {
    let mut s = String::new();
    for b in key.bytes() {
        if b.is_ascii_lowercase() || b.is_ascii_digit() {
            s.push(b as char);
        } else {
            s.push_str(&format!("~{b:02x}"));
        }
    }
    s
}

fn prefix(term: &str, n: usize) -> String {
    term.chars().take(n).collect()
}

/// A term (or typo variant), what the shard holds for it, and its size in
/// bytes there.
type Entry<T> = (String, T, usize);

/// Groups `entries` (sorted by key term) into shards by term prefix,
/// splitting any shard over the size limit by one more character.
fn group<'e, T>(entries: &[&'e Entry<T>], len: usize) -> Vec<(String, Vec<&'e Entry<T>>)> {
    let mut groups: BTreeMap<String, Vec<&Entry<T>>> = BTreeMap::new();
    for &e in entries {
        groups.entry(prefix(&e.0, len)).or_default().push(e);
    }
    let mut out = Vec::new();
    for (key, members) in groups {
        let bytes: usize = members.iter().map(|m| m.2).sum();
        let longer = members.iter().any(|m| m.0.chars().count() > len);
        if bytes > SHARD_BYTES && len < MAX_KEY && longer {
            // Terms no longer than the key stay here; the rest go a level down.
            let (here, below): (Vec<_>, Vec<_>) = members
                .into_iter()
                .partition(|m| m.0.chars().count() <= len);
            if !here.is_empty() {
                out.push((key, here));
            }
            out.extend(group(&below, len + 1));
        } else {
            out.push((key, members));
        }
    }
    out
}

/// What a metadata shard holds about a document.
#[derive(Debug, Clone, Serialize)]
pub struct DocMeta {
    pub title: String,
    /// The page, relative to the site root.
    pub url: String,
    pub section: String,
    pub kb: String,
    /// Description and the start of the body, for snippets.
    pub text: String,
}

/// What a metadata shard is made from: a [`DocMeta`], or what holds one.
pub trait AsMeta: Sync {
    fn meta(&self) -> std::borrow::Cow<'_, DocMeta>;
}

impl AsMeta for DocMeta {
    fn meta(&self) -> std::borrow::Cow<'_, DocMeta> {
        std::borrow::Cow::Borrowed(self)
    }
}

/// Facet values (product, service) → documents.
pub type Facets = BTreeMap<&'static str, BTreeMap<String, Vec<u32>>>;

#[derive(Serialize)]
struct Manifest<'a> {
    v: u32,
    docs: usize,
    group: usize,
    terms: &'a [&'a str],
    typos: &'a [&'a str],
    levels: f32,
}

/// `search/NAME.js`, registering `data` (JSON written by `write`).
fn js_file(name: &str, write: impl FnOnce(&mut Vec<u8>)) -> OutputFile {
    let mut js = format!("kbsiteSearch.add({name:?},").into_bytes();
    write(&mut js);
    js.extend_from_slice(b");\n");
    OutputFile {
        path: format!("search/{name}.js"),
        data: Data::Bytes(js),
    }
}

fn file(name: &str, data: &impl Serialize) -> OutputFile {
    js_file(name, |js| {
        serde_json::to_writer(js, data).expect("index data serialises")
    })
}

/// A JSON object of `key → value` in order; values are written as they
/// are, so they must be JSON already.
fn json_object<'a>(js: &mut Vec<u8>, pairs: impl Iterator<Item = (&'a str, &'a str)>) {
    js.push(b'{');
    for (k, (key, value)) in pairs.enumerate() {
        if k > 0 {
            js.push(b',');
        }
        serde_json::to_writer(&mut *js, key).expect("a string serialises");
        js.push(b':');
        js.extend_from_slice(value.as_bytes());
    }
    js.push(b'}');
}

/// Every file of the index, each given to `put` as soon as it is made.
/// Takes the index: each term's postings are freed once encoded, so the
/// index and its files are never held whole at once.
pub fn files<M: AsMeta>(
    mut index: Index,
    meta: &[M],
    facets: &Facets,
    put: &(dyn Fn(OutputFile) + Sync),
) {
    let scale = index
        .postings
        .par_iter()
        .map(|(_, l)| {
            let mut max = f32::MIN_POSITIVE;
            index.each_scored(l, |_, score| max = max.max(score));
            max
        })
        .reduce(|| f32::MIN_POSITIVE, f32::max);
    let typo_entries = typo_table(&index);
    // Postings as JSON strings: the encoding's alphabet needs no escaping.
    // The index is in term order, so the entries are too.
    let postings = std::mem::take(&mut index.postings);
    let terms: Vec<Entry<String>> = postings
        .into_par_iter()
        .map(|(t, l)| {
            let l = index.scored(&l);
            let enc = format!("\"{}\"", encode_postings(&l, scale));
            let size = t.len() + enc.len() + 4;
            (t, enc, size)
        })
        .collect();
    let term_refs: Vec<&Entry<String>> = terms.iter().collect();
    let term_shards = group(&term_refs, 1);

    let typo_refs: Vec<&Entry<String>> = typo_entries.iter().collect();
    let typo_shards = group(&typo_refs, 1);

    let term_keys: Vec<&str> = term_shards.iter().map(|(k, _)| k.as_str()).collect();
    let typo_keys: Vec<&str> = typo_shards.iter().map(|(k, _)| k.as_str()).collect();
    put(file(
        "manifest",
        &Manifest {
            v: 1,
            docs: meta.len(),
            group: GROUP,
            terms: &term_keys,
            typos: &typo_keys,
            levels: LEVELS,
        },
    ));
    let shards = term_shards
        .par_iter()
        .map(|s| ("t", s))
        .chain(typo_shards.par_iter().map(|s| ("f", s)));
    shards.for_each(|(kind, (key, members))| {
        put(js_file(&format!("{kind}/{}", key_file(key)), |js| {
            json_object(js, members.iter().map(|m| (m.0.as_str(), m.1.as_str())))
        }))
    });
    // The encoded terms go before the documents' shards are made (a
    // tenth of the preview's peak while its search files are made again).
    drop((term_shards, typo_shards, term_refs, typo_refs));
    drop((terms, typo_entries));
    meta.par_chunks(GROUP).enumerate().for_each(|(n, chunk)| {
        let metas: Vec<_> = chunk.iter().map(AsMeta::meta).collect();
        let rows: Vec<[&str; 5]> = metas
            .iter()
            .map(|m| {
                [
                    m.title.as_str(),
                    m.url.as_str(),
                    m.section.as_str(),
                    m.kb.as_str(),
                    m.text.as_str(),
                ]
            })
            .collect();
        put(file(&format!("d/{n}"), &rows))
    });
    let facet_data: BTreeMap<&str, BTreeMap<&str, String>> = facets
        .iter()
        .map(|(name, values)| {
            let enc = values
                .iter()
                .map(|(v, docs)| (v.as_str(), encode_docs(docs.iter().copied())))
                .collect();
            (*name, enc)
        })
        .collect();
    put(file("facets", &facet_data));
}

/// Typo tolerance: each term of five letters or more with one of its
/// first three letters deleted → the terms (as a JSON list). A typo there
/// changes the term's shard, so it must be found through this table; the
/// client finds later typos among the terms of the word's own shard.
fn typo_table(index: &Index) -> Vec<Entry<String>> {
    let mut pairs: Vec<(String, &str)> = index
        .postings
        .par_iter()
        .flat_map_iter(|(term, _)| {
            let chars: Vec<char> = term.chars().collect();
            let typed = chars.len() >= 5 && chars.iter().all(|c| c.is_alphabetic());
            (0..if typed { 3 } else { 0 }).map(move |k| {
                let variant: String = chars[..k].iter().chain(&chars[k + 1..]).collect();
                (variant, term.as_str())
            })
        })
        .collect();
    pairs.par_sort_unstable();
    pairs.dedup();
    let mut entries: Vec<Entry<String>> = Vec::new();
    for (variant, term) in pairs {
        let quoted = serde_json::to_string(term).expect("a string serialises");
        match entries.last_mut() {
            Some((v, list, size)) if *v == variant => {
                list.pop();
                list.push(',');
                list.push_str(&quoted);
                list.push(']');
                *size += quoted.len() + 1;
            }
            _ => {
                let size = variant.len() + quoted.len() + 5;
                entries.push((variant, format!("[{quoted}]"), size));
            }
        }
    }
    entries
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_round_trip() {
        let mut s = String::new();
        for v in [0, 1, 31, 32, 1023, 1024, 99_999, u32::MAX] {
            push_number(&mut s, v);
        }
        assert_eq!(
            numbers(&s),
            vec![0, 1, 31, 32, 1023, 1024, 99_999, u32::MAX]
        );
        let mut one = String::new();
        push_number(&mut one, 31);
        assert_eq!(one.len(), 1, "small numbers are one character");
    }

    #[test]
    fn key_files_are_safe() {
        assert_eq!(key_file("dr"), "dr");
        assert_eq!(key_file("0x"), "0x");
        assert_eq!(key_file("g-"), "g~2d");
        assert_eq!(key_file("ü"), "~c3~bc");
    }

    #[test]
    fn big_shards_split_by_longer_prefix() {
        let entries: Vec<Entry<u8>> = ["se", "sea", "search", "server", "service", "set"]
            .iter()
            .map(|t| (t.to_string(), 0u8, 10_000))
            .collect();
        let refs: Vec<&Entry<u8>> = entries.iter().collect();
        let keys: Vec<String> = group(&refs, 2).into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys, vec!["se", "sea", "ser", "set"]);
    }
}
