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
use std::sync::{Arc, Mutex};

/// Characters of body text kept per document for result snippets.
const SNIPPET_TEXT: usize = 360;

/// Index stage entry point: the search files of the site, each given to
/// `put` as soon as it is made. Takes each page's body HTML (rendered by
/// now) and frees it once its text is read.
pub fn index(
    content: &Content,
    parsed: &mut [Parsed],
    linked: &Linked,
    put: &(dyn Fn(OutputFile) + Sync),
) {
    let listed: Vec<usize> = (0..content.articles.len())
        .filter(|&i| linked.redirects[i].is_none())
        .collect();
    let html: Vec<Mutex<String>> = parsed
        .iter_mut()
        .map(|p| Mutex::new(p.html.take()))
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
    shards::files(index, &meta, &facets(&listed, linked), put);
}

/// Facet values (product, service) of the listed articles.
fn facets(listed: &[usize], linked: &Linked) -> Facets {
    let terms = listed.iter().map(|&i| &linked.articles[i].terms);
    facets_of(terms.map(|t| {
        (
            t.service.as_deref(),
            t.products.iter().map(String::as_str).collect(),
        )
    }))
}

/// Facet values of documents given by their terms, in document order.
/// (Each document's service and products.)
fn facets_of<S: AsRef<str>>(terms: impl Iterator<Item = (Option<S>, Vec<S>)>) -> Facets {
    let mut facets = Facets::new();
    for (n, (service, products)) in terms.enumerate() {
        let values = products
            .iter()
            .map(|p| ("product", p.as_ref()))
            .chain(service.iter().map(|s| ("service", s.as_ref())));
        for (facet, value) in values {
            facets
                .entry(facet)
                .or_default()
                .entry(value.to_string())
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
        let html = std::mem::take(&mut *self.html[i].lock().unwrap_or_else(|e| e.into_inner()));
        read_article(self.content, self.parsed, self.linked, i, &html, buf, text)
    }
}

/// Gives each text of article `i` (its page's body HTML is `html`) to
/// `text`, field by field, and returns what a result shows of it.
fn read_article(
    content: &Content,
    parsed: &[Parsed],
    linked: &Linked,
    i: usize,
    html: &str,
    buf: &mut String,
    text: &mut dyn FnMut(Field, &str),
) -> DocMeta {
    let a = &content.articles[i];
    let p = &parsed[i];
    let info = &linked.articles[i];
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
    buf.clear();
    markdown::plain_text_into(html, &p.links, buf);
    text(Field::Body, buf);

    let section = linked
        .sections
        .get(paths::dir_of(&content.site_path(&a.path)))
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

/// One article as search reads it, kept by the preview server so that the
/// index can be made again, after an edit, from the changed articles' text
/// only. The body text (most of it) is not kept: it is read again from the
/// page's packed HTML, shared with the parse results, when the index is
/// made.
#[derive(Debug, Clone)]
pub struct DocText {
    /// What a result shows of it; title, headings, keys and description,
    /// field by field; and the text of each link placeholder of the body
    /// that reads as text: [`OwnTexts`], packed (the server keeps one per
    /// article, and dozens of small strings each were a sixth of its
    /// memory at 20,000 articles).
    texts: Box<[u8]>,
    /// The page's body HTML, packed (shared with the parse results).
    html: markdown::Html,
}

impl DocText {
    /// Gives each text to `text`, field by field, as [`read_article`] does.
    fn read(&self, buf: &mut String, text: &mut dyn FnMut(Field, &str)) {
        let own = crate::pack::unpack(&self.texts);
        let own = OwnTexts::read(&own);
        for (field, t) in &own.fields {
            text(*field, t);
        }
        let html = self.html.text();
        let link = |n: usize| {
            let at = own.links.binary_search_by_key(&n, |l| l.0).ok()?;
            Some(own.links[at].1)
        };
        buf.clear();
        markdown::plain_text_with(&html, &link, buf);
        text(Field::Body, buf);
    }
}

impl shards::AsMeta for &DocText {
    fn meta(&self) -> std::borrow::Cow<'_, DocMeta> {
        let own = crate::pack::unpack(&self.texts);
        let [title, url, section, kb, text] = OwnTexts::read(&own).meta.map(str::to_string);
        std::borrow::Cow::Owned(DocMeta {
            title,
            url,
            section,
            kb,
            text,
        })
    }
}

/// The search text of article `i`; `None` for a redirect (not indexed).
pub fn doc_text(
    content: &Content,
    parsed: &[Parsed],
    linked: &Linked,
    i: usize,
) -> Option<DocText> {
    linked.redirects[i].as_ref().map_or(Some(()), |_| None)?;
    let mut texts = Vec::new();
    let mut buf = String::new();
    let p = &parsed[i];
    let meta = read_article(
        content,
        parsed,
        linked,
        i,
        &p.html.text(),
        &mut buf,
        &mut |f, t| {
            if f != Field::Body {
                texts.push((f, t.to_string()))
            }
        },
    );
    let links = p
        .links
        .iter()
        .enumerate()
        .filter_map(|(n, l)| Some((n, markdown::text_of_link(l)?)))
        .collect();
    let terms = &linked.articles[i].terms;
    let own = OwnTexts {
        meta: [&meta.title, &meta.url, &meta.section, &meta.kb, &meta.text],
        service: terms.service.as_deref(),
        products: terms.products.iter().map(String::as_str).collect(),
        fields: texts.iter().map(|(f, t)| (*f, t.as_str())).collect(),
        links,
    };
    Some(DocText {
        texts: crate::pack::pack(&own.write()),
        html: p.html.packed(),
    })
}

/// A document's texts other than its body: what a result shows of it
/// ([`DocMeta`]'s fields in order), its texts field by field, then the
/// text of each link placeholder of the body that reads as text (by the
/// placeholder's number, ascending).
#[derive(Debug, Default, PartialEq, Eq)]
struct OwnTexts<'a> {
    meta: [&'a str; 5],
    /// Its facets' values.
    service: Option<&'a str>,
    products: Vec<&'a str>,
    fields: Vec<(Field, &'a str)>,
    links: Vec<(usize, &'a str)>,
}

impl<'a> OwnTexts<'a> {
    /// As bytes, each number as LEB128: each text of `meta` as its length
    /// and its bytes; the service and the products, each as a count and
    /// its texts; then each field's or link's text as a tag (the field's
    /// number, or [`OwnTexts::LINK`] plus the placeholder's number) and
    /// the text.
    fn write(&self) -> Vec<u8> {
        // A page's texts are far below 4 GB.
        fn put_text(out: &mut Vec<u8>, t: &str) {
            build::put_number(out, t.len() as u32);
            out.extend_from_slice(t.as_bytes());
        }
        let mut out = Vec::new();
        for t in self.meta {
            put_text(&mut out, t);
        }
        // The service as a list of none or one, then the products.
        for list in [self.service.as_slice(), &self.products] {
            build::put_number(&mut out, list.len() as u32);
            for t in list {
                put_text(&mut out, t);
            }
        }
        let texts = self.fields.iter().map(|(f, t)| (*f as usize, *t));
        let links = self.links.iter().map(|(n, t)| (Self::LINK + n, *t));
        for (tag, t) in texts.chain(links) {
            build::put_number(&mut out, tag as u32);
            put_text(&mut out, t);
        }
        out
    }

    /// Tags from here on are link placeholders (`LINK + n`).
    const LINK: usize = Field::ALL.len();

    /// What [`OwnTexts::write`] wrote.
    fn read(bytes: &'a [u8]) -> OwnTexts<'a> {
        let mut own = OwnTexts::default();
        let mut at = 0;
        let number = |at: &mut usize| {
            let (n, used) = build::take_number(&bytes[*at..]);
            *at += used;
            n as usize
        };
        let text = |at: &mut usize, len: usize| {
            let t = std::str::from_utf8(&bytes[*at..*at + len]).expect("written from text");
            *at += len;
            t
        };
        for m in &mut own.meta {
            if at < bytes.len() {
                let len = number(&mut at);
                *m = text(&mut at, len);
            }
        }
        let list = |at: &mut usize| -> Vec<&'a str> {
            let count = if *at < bytes.len() { number(at) } else { 0 };
            (0..count)
                .map(|_| {
                    let len = number(at);
                    text(at, len)
                })
                .collect()
        };
        own.service = list(&mut at).first().copied();
        own.products = list(&mut at);
        while at < bytes.len() {
            let tag = number(&mut at);
            let len = number(&mut at);
            let t = text(&mut at, len);
            match Field::ALL.get(tag) {
                Some(f) => own.fields.push((*f, t)),
                None => own.links.push((tag - Self::LINK, t)),
            }
        }
        own
    }
}

/// The search files of a site given as its articles' [`DocText`]s, in
/// article order: the same files [`index`] makes.
pub fn index_texts(docs: &[Arc<DocText>], put: &(dyn Fn(OutputFile) + Sync)) {
    let (index, meta) = build::build_from(&Texts(docs));
    let terms = docs.iter().map(|d| {
        let bytes = crate::pack::unpack(&d.texts);
        let own = OwnTexts::read(&bytes);
        let products = own.products.iter().map(|p| p.to_string()).collect();
        (own.service.map(str::to_string), products)
    });
    shards::files(index, &meta, &facets_of(terms), put);
}

struct Texts<'a>(&'a [Arc<DocText>]);

impl<'a> Source for Texts<'a> {
    // The document itself: a copy of every document's snippet would be a
    // good part of the preview's memory while the index is made (each is
    // unpacked again when its shard is written).
    type Meta = &'a DocText;

    fn count(&self) -> usize {
        self.0.len()
    }

    fn document(
        &self,
        n: usize,
        buf: &mut String,
        text: &mut dyn FnMut(Field, &str),
    ) -> &'a DocText {
        let d: &'a DocText = &self.0[n];
        d.read(buf, text);
        d
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

    /// The files `make` gives its `put`, in path order.
    fn collect(make: impl FnOnce(&(dyn Fn(OutputFile) + Sync))) -> Vec<OutputFile> {
        let files = Mutex::new(Vec::new());
        make(&|f| files.lock().unwrap_or_else(|e| e.into_inner()).push(f));
        let mut files = files.into_inner().unwrap_or_else(|e| e.into_inner());
        files.sort_by(|a, b| a.path.cmp(&b.path));
        files
    }

    #[test]
    fn own_texts_round_trip() {
        let long = "é".repeat(200);
        let own = OwnTexts {
            fields: vec![
                (Field::Title, "Title"),
                (Field::Headings, ""),
                (Field::Headings, &long),
                (Field::Keys, "KB 841696"),
            ],
            links: vec![(0, "first link"), (7, ""), (300, "far link")],
            meta: ["Title", "a/b/index.html", "", "841696", "Snippet …"],
            service: Some("windows-server"),
            products: vec!["Windows 10", "Windows 11"],
        };
        assert_eq!(OwnTexts::read(&own.write()), own);
        assert_eq!(OwnTexts::read(&[]), OwnTexts::default());
    }

    #[test]
    fn index_from_kept_texts_equals_the_build_index() {
        let content = crate::content::from_memory(
            &[
                ("s/a.md", "---\ntitle: Alpha\ndescription: First.\n---\n# Alpha\n\nCluster quorum text.\n"),
                ("s/b.md", "---\nms.service: sql\n---\n# Beta\n\n## Disks\n\nSee [a](a.md).\n"),
                ("s/r.md", "---\nredirect_url: a.md\n---\n# Gone\n"),
                ("s/includes/x.md", "Shared text.\n"),
            ],
            "content/",
        );
        let config = crate::config::Config::default();
        let mut parsed: Vec<Parsed> = content
            .articles
            .iter()
            .map(|a| markdown::parse(a, &content, &Default::default()))
            .collect();
        let linked = crate::links::link(&content, &parsed, &config);
        let docs: Vec<Arc<DocText>> = (0..content.articles.len())
            .filter_map(|i| doc_text(&content, &parsed, &linked, i).map(Arc::new))
            .collect();
        assert_eq!(docs.len(), 2, "redirects are not indexed");
        let kept = collect(|put| index_texts(&docs, put));
        let built = collect(|put| index(&content, &mut parsed, &linked, put));
        assert_eq!(kept, built);
    }

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
