//! Index stage: full-text search that works from `file://` and scales by
//! loading only what a query needs. [`tokenize`] splits text into terms (the
//! theme's script mirrors it for queries), [`build`] scores every term's
//! documents, [`shards`] writes the index as small self-registering `.js`
//! files under `search/`.

pub mod build;
pub mod shards;
pub mod tokenize;

use crate::content::Content;
use crate::links::Linked;
use crate::markdown::{self, Parsed};
use crate::paths;
use crate::render::OutputFile;
pub use build::Doc;
use build::{Field, Source};
use shards::{DocMeta, Facets};
use std::sync::Mutex;

/// Characters of body text kept per document for result snippets.
const SNIPPET_TEXT: usize = 360;

/// Index stage entry point: the search files of the site. Takes each
/// page's body HTML (rendered by now) and frees it once its text is read.
pub fn index(content: &Content, parsed: &mut [Parsed], linked: &Linked) -> Vec<OutputFile> {
    let listed: Vec<usize> = (0..content.articles.len())
        .filter(|&i| linked.redirects[i].is_none())
        .collect();
    let html: Vec<Mutex<String>> = parsed
        .iter_mut()
        .map(|p| Mutex::new(std::mem::take(&mut p.html)))
        .collect();
    let site = Site {
        listed: &listed,
        content,
        parsed,
        linked,
        html,
    };
    let (index, meta) = build::build_from(&site);
    drop(site);
    shards::files(&index, &meta, &facets(&listed, linked))
}

/// Facet values (product, service) of the listed articles.
fn facets(listed: &[usize], linked: &Linked) -> Facets {
    let mut facets = Facets::new();
    for (n, &i) in listed.iter().enumerate() {
        let t = &linked.articles[i].terms;
        let values = t
            .products
            .iter()
            .map(|p| ("product", p))
            .chain(t.service.iter().map(|s| ("service", s)));
        for (facet, value) in values {
            facets
                .entry(facet)
                .or_default()
                .entry(value.clone())
                .or_default()
                .push(n as u32);
        }
    }
    facets
}

/// The site's articles as search reads them (redirects left out).
struct Site<'a> {
    listed: &'a [usize],
    content: &'a Content,
    parsed: &'a [Parsed],
    linked: &'a Linked,
    /// Each article's body HTML, taken (and freed) when it is indexed.
    html: Vec<Mutex<String>>,
}

impl Source for Site<'_> {
    type Meta = DocMeta;

    fn count(&self) -> usize {
        self.listed.len()
    }

    fn document(&self, n: usize, buf: &mut String, text: &mut dyn FnMut(Field, &str)) -> DocMeta {
        let i = self.listed[n];
        let a = &self.content.articles[i];
        let p = &self.parsed[i];
        let info = &self.linked.articles[i];
        let t = &info.terms;
        let description = a.front.description.as_deref().unwrap_or("");
        text(Field::Title, &info.title);
        for h in p.h1.iter().chain(&p.headings) {
            text(Field::Headings, &h.text);
        }
        let keys = [&info.kb, &t.service, &t.subservice];
        for key in keys.into_iter().flatten().chain(&t.products) {
            text(Field::Keys, key);
        }
        text(Field::Description, description);
        let html = std::mem::take(&mut *self.html[i].lock().unwrap_or_else(|e| e.into_inner()));
        markdown::plain_text_into(&html, &p.links, buf);
        drop(html);
        text(Field::Body, buf);

        let section = self
            .linked
            .sections
            .get(paths::dir_of(&a.path))
            .map(|s| s.title.clone())
            .unwrap_or_default();
        let lead = if description.is_empty() {
            p.summary.as_str()
        } else {
            description
        };
        DocMeta {
            title: info.title.clone(),
            url: format!("{}index.html", info.dir),
            section,
            kb: info.kb.clone().unwrap_or_default(),
            text: snippet_text(lead, buf),
        }
    }
}

/// The lead sentence and the start of the body, cut at a word.
fn snippet_text(lead: &str, body: &str) -> String {
    let body = squash(body, SNIPPET_TEXT * 2);
    let lead = squash(lead, usize::MAX);
    // Articles often open with their description: say it once.
    let mut text = if body.starts_with(&lead) {
        body
    } else {
        format!("{lead} {body}")
    };
    if text.len() > SNIPPET_TEXT {
        let mut cut = SNIPPET_TEXT;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        let end = text[..cut].rfind(' ').unwrap_or(cut);
        text.truncate(end);
        text.push('…');
    }
    text.trim().to_string()
}

/// The first `max` bytes of `s` (cut at a character) with each run of
/// whitespace made one space, trimmed. Byte by byte: a hot loop.
fn squash(s: &str, max: usize) -> String {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    let s = &s[..end];
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    let mut word_start = 0;
    let mut i = 0;
    let b = s.as_bytes();
    while i < b.len() {
        let (white, len) = match b[i] {
            b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C => (true, 1),
            c if c < 0x80 => (false, 1),
            _ => {
                let c = s[i..].chars().next().expect("a character");
                (c.is_whitespace(), c.len_utf8())
            }
        };
        if white {
            out.push_str(&s[word_start..i]);
            space = !out.is_empty();
            word_start = i + len;
        } else if space {
            out.push(' ');
            space = false;
        }
        i += len;
    }
    out.push_str(&s[word_start..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn squash_collapses_and_trims() {
        assert_eq!(squash("  a \n\t b\u{2003}c  ", 100), "a b c");
        assert_eq!(squash("héllo wörld", 2), "h");
        assert_eq!(squash("", 10), "");
    }

    #[test]
    fn snippets_say_the_lead_once_and_cut_at_a_word() {
        assert_eq!(
            snippet_text("Lead.", "Lead.  Body text."),
            "Lead. Body text."
        );
        assert_eq!(snippet_text("Lead.", "Other"), "Lead. Other");
        let long = "word ".repeat(200);
        let s = snippet_text("", &long);
        assert!(s.ends_with("word…") && s.len() <= SNIPPET_TEXT + 3, "{s}");
    }
}
