//! Load stage: walk the content folder, read and decode every file, split
//! and parse front matter. Out comes [`Content`]: the articles, the Markdown
//! files that are not articles (includes, skipped drafts) and the other files
//! to copy.

pub mod date;
pub mod decode;
pub mod faq;
pub mod front_matter;
pub mod landing;
pub mod layout;
pub mod redirects;
mod reload;
pub mod walk;

pub use reload::{reload, FileChange};

/// A relative path with `/` separators, as kbsite names files everywhere.
pub fn slash_path(p: &std::path::Path) -> String {
    walk::to_slash(p)
}

use crate::diagnostics::Diagnostic;
pub use front_matter::FrontMatter;
pub use layout::Layout;
use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;

/// What the load stage needs to know.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// The content folder (already joined to the site root).
    pub content_dir: PathBuf,
    /// How diagnostics name the content folder (`content/`).
    pub display_prefix: String,
    /// `exclude` globs from the config.
    pub exclude: Vec<String>,
    /// Build `draft: true` articles too.
    pub drafts: bool,
    /// Where files are published (a DocFX project's docsets).
    pub layout: Arc<Layout>,
}

/// An article: a Markdown file that becomes a page.
#[derive(Debug, Clone)]
pub struct Article {
    /// Path inside the content folder, `/`-separated (`support/x/a.md`).
    pub path: String,
    /// The path diagnostics show (`content/support/x/a.md`).
    pub file: String,
    pub front: FrontMatter,
    /// Markdown after the front matter.
    pub body: String,
    /// 1-based file line where `body` starts.
    pub body_line: u32,
    /// The questions of a DocFX FAQ page (`### YamlMime:FAQ`), for its
    /// structured data; empty for a Markdown article.
    pub faq: Vec<faq::FaqEntry>,
}

/// A Markdown file that is not an article but may be included.
#[derive(Debug, Clone)]
pub struct Partial {
    pub path: String,
    pub file: String,
    pub body: String,
    pub body_line: u32,
}

/// A `toc.yml` file as read.
#[derive(Debug, Clone)]
pub struct TocFile {
    /// Path inside the content folder (`support/windows-server/toc.yml`).
    pub path: String,
    /// The path diagnostics show.
    pub file: String,
    pub text: String,
}

/// Markdown text that can be included, wherever it lives.
#[derive(Debug, Clone, Copy)]
pub struct MarkdownSource<'a> {
    pub path: &'a str,
    pub file: &'a str,
    pub body: &'a str,
    pub body_line: u32,
}

#[derive(Debug, Clone, Copy)]
enum Source {
    Article(usize),
    Partial(usize),
}

/// Everything the load stage read.
#[derive(Debug, Default)]
pub struct Content {
    pub content_dir: PathBuf,
    pub display_prefix: String,
    /// Sorted by path.
    pub articles: Vec<Article>,
    /// Markdown files that are not articles, sorted by path.
    pub partials: Vec<Partial>,
    /// Other files (images, samples), copied to the same place in the output.
    pub assets: BTreeSet<String>,
    /// Files of a DocFX repository that are not published but can be shown
    /// as code samples.
    pub others: BTreeSet<String>,
    /// Where files are published.
    pub layout: Arc<Layout>,
    /// Addresses that moved (a DocFX repository's redirection file).
    pub redirects: Vec<redirects::Redirect>,
    /// DocFX tables of contents (`toc.yml`), sorted by path.
    pub tocs: Vec<TocFile>,
    pub diagnostics: Vec<Diagnostic>,
    /// Lower-case path → the path of the Markdown file or asset that has
    /// it (the least, if several do).
    lower: HashMap<String, String>,
    /// Articles whose text [`Content::release_article`] let go of.
    released: rustc_hash::FxHashSet<String>,
}

impl Content {
    /// The Markdown file at `path` (exact case).
    pub fn markdown(&self, path: &str) -> Option<MarkdownSource<'_>> {
        Some(match self.source(path)? {
            Source::Article(i) => {
                let a = &self.articles[i];
                MarkdownSource {
                    path: &a.path,
                    file: &a.file,
                    body: &a.body,
                    body_line: a.body_line,
                }
            }
            Source::Partial(i) => {
                let p = &self.partials[i];
                MarkdownSource {
                    path: &p.path,
                    file: &p.file,
                    body: &p.body,
                    body_line: p.body_line,
                }
            }
        })
    }

    /// The index of the article at `path` (exact case).
    pub fn article_index(&self, path: &str) -> Option<usize> {
        self.articles
            .binary_search_by(|a| a.path.as_str().cmp(path))
            .ok()
    }

    /// Where the Markdown file at `path` is held (both lists are sorted
    /// by path: a search, no map of every path to keep in step).
    fn source(&self, path: &str) -> Option<Source> {
        if let Some(i) = self.article_index(path) {
            return Some(Source::Article(i));
        }
        let p = self
            .partials
            .binary_search_by(|p| p.path.as_str().cmp(path));
        p.ok().map(Source::Partial)
    }

    /// The real path of a Markdown file or asset whose path differs from
    /// `path` only in letter case (folders written on Windows often do).
    pub fn case_insensitive(&self, path: &str) -> Option<&str> {
        self.lower.get(&path.to_lowercase()).map(String::as_str)
    }

    /// Frees the Markdown text of every file. The build calls this once the
    /// parse stage is done with it: at 100,000 articles the text is a
    /// quarter of peak memory, and later stages read only the parse results.
    pub fn release_text(&mut self) {
        for a in &mut self.articles {
            a.body = String::new();
        }
        for p in &mut self.partials {
            p.body = String::new();
        }
    }

    /// Frees the Markdown text of article `i`: `serve` holds a site
    /// between rebuilds, and reads an article again
    /// ([`Content::restore_text`]) to parse it again.
    pub fn release_article(&mut self, i: usize) {
        let a = &mut self.articles[i];
        if !self.released.contains(&a.path) {
            a.body = String::new();
            self.released.insert(a.path.clone());
        }
    }

    /// Reads the text of article `i` again if it was released. The file
    /// is read as it is now: when it changed, its own change is on its way
    /// and reads it again in full.
    pub fn restore_text(&mut self, i: usize) {
        let a = &mut self.articles[i];
        if !self.released.remove(&a.path) {
            return;
        }
        let bytes = std::fs::read(self.content_dir.join(&a.path));
        if let Some(fresh) = read_markdown(&a.path, &a.file, bytes, &self.layout).item {
            a.body = fresh.body;
            a.body_line = fresh.body_line;
            a.faq = fresh.faq;
        }
    }

    /// Whether the text of the article at `path` was released.
    pub fn is_released(&self, path: &str) -> bool {
        self.released.contains(path)
    }

    /// Whether `path` is a Markdown file or another file of the site.
    pub fn exists(&self, path: &str) -> bool {
        self.source(path).is_some() || self.assets.contains(path) || self.others.contains(path)
    }

    /// Where the article or asset at content path `path` is published.
    pub fn site_path<'a>(&self, path: &'a str) -> std::borrow::Cow<'a, str> {
        self.layout.site_path(path)
    }

    /// Where the folder at content path `dir` is published.
    pub fn site_folder<'a>(&self, dir: &'a str) -> std::borrow::Cow<'a, str> {
        self.layout.site_folder(dir)
    }

    /// The path of every Markdown file and other file of the site.
    fn paths(&self) -> impl Iterator<Item = &String> {
        self.articles
            .iter()
            .map(|a| &a.path)
            .chain(self.partials.iter().map(|p| &p.path))
            .chain(self.assets.iter())
            .chain(self.others.iter())
    }

    /// Builds the map of lower-case paths.
    fn index(&mut self) {
        self.lower.clear();
        let paths: Vec<String> = self.paths().cloned().collect();
        for path in paths {
            self.add_lower(&path);
        }
    }

    /// Notes a new path in the map of lower-case paths.
    fn add_lower(&mut self, path: &str) {
        self.lower
            .entry(path.to_lowercase())
            .and_modify(|p| {
                if path < p.as_str() {
                    *p = path.to_string()
                }
            })
            .or_insert_with(|| path.to_string());
    }

    /// Forgets a path gone from the site in the map of lower-case paths
    /// (another path of the same letters, if any, takes its place).
    fn remove_lower(&mut self, path: &str) {
        let lower = path.to_lowercase();
        if self.lower.get(&lower).map(String::as_str) != Some(path) {
            return;
        }
        self.lower.remove(&lower);
        let same: Vec<String> = self
            .paths()
            .filter(|p| p.len() == path.len() && p.to_lowercase() == lower)
            .cloned()
            .collect();
        for p in same {
            self.add_lower(&p);
        }
    }
}

/// Builds [`Content`] for tests and tools from in-memory files
/// (`path → text`), as if they had been read from disk.
pub fn from_memory(files: &[(&str, &str)], display_prefix: &str) -> Content {
    let mut content = Content {
        display_prefix: display_prefix.to_string(),
        ..Content::default()
    };
    for (path, text) in files {
        let kind = walk::classify(path, &[]);
        let file = format!("{display_prefix}{path}");
        match kind {
            walk::Kind::Toc => content.tocs.push(TocFile {
                path: path.to_string(),
                file,
                text: text.to_string(),
            }),
            walk::Kind::Asset if faq::yaml_mime(text).is_some_and(faq::is_page) => {
                let loaded = read_markdown(
                    path,
                    &file,
                    Ok(text.as_bytes().to_vec()),
                    &Layout::default(),
                );
                place(&mut content, walk::Kind::Article, loaded, true);
            }
            walk::Kind::Asset => {
                content.assets.insert(path.to_string());
            }
            walk::Kind::Article | walk::Kind::Partial => {
                let loaded = read_markdown(
                    path,
                    &file,
                    Ok(text.as_bytes().to_vec()),
                    &Layout::default(),
                );
                place(&mut content, kind, loaded, true);
            }
            walk::Kind::Skip | walk::Kind::Other => {}
        }
    }
    content.articles.sort_by(|a, b| a.path.cmp(&b.path));
    content.partials.sort_by(|a, b| a.path.cmp(&b.path));
    content.tocs.sort_by(|a, b| a.path.cmp(&b.path));
    content.index();
    content
}

/// Load stage entry point.
pub fn load(opts: &LoadOptions) -> Content {
    read(
        walk::walk(
            &opts.content_dir,
            &opts.display_prefix,
            &opts.exclude,
            &opts.layout,
        ),
        opts,
    )
}

/// Reads the files a walk listed. Files change while a build runs (an
/// editor saving, a checkout): one gone by now is a warning, not an error.
pub fn read(walked: walk::Walked, opts: &LoadOptions) -> Content {
    let mut content = Content {
        content_dir: opts.content_dir.clone(),
        display_prefix: opts.display_prefix.clone(),
        assets: walked.assets,
        others: walked.others,
        layout: opts.layout.clone(),
        diagnostics: walked.diagnostics,
        ..Content::default()
    };
    let loaded: Vec<(walk::Kind, Loaded)> = walked
        .markdown
        .par_iter()
        .map(|(path, kind)| {
            let file = format!("{}{path}", opts.display_prefix);
            let bytes = std::fs::read(opts.content_dir.join(path));
            (*kind, read_markdown(path, &file, bytes, &opts.layout))
        })
        .collect();
    for (kind, l) in loaded {
        place(&mut content, kind, l, opts.drafts);
    }
    for path in walked.tocs {
        let file = format!("{}{path}", opts.display_prefix);
        let text = std::fs::read(opts.content_dir.join(&path))
            .map_err(|e| e.to_string())
            .and_then(|b| decode::decode(&b).map_err(|e| e.message));
        match text {
            Ok(text) => content.tocs.push(TocFile { path, file, text }),
            Err(e) => content.diagnostics.push(
                Diagnostic::warning(format!("table of contents not read: {e}"))
                    .in_file(file)
                    .with_hint(
                        "save it as UTF-8; the folder's pages use the folder listing meanwhile",
                    ),
            ),
        }
    }
    read_redirects(&mut content, opts);
    content.index();
    content
}

/// Reads the redirection files the layout names.
fn read_redirects(content: &mut Content, opts: &LoadOptions) {
    for path in &opts.layout.redirections {
        let file = format!("{}{path}", opts.display_prefix);
        match std::fs::read(opts.content_dir.join(path)) {
            Ok(bytes) => {
                let (text, _) = decode::decode_lenient(&bytes).unwrap_or_default();
                let (found, diags) = redirects::parse(&text, &file);
                content.redirects.extend(found);
                content.diagnostics.extend(diags);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => content.diagnostics.push(
                Diagnostic::error(format!("cannot read the redirection file: {e}")).in_file(file),
            ),
        }
    }
}

/// One Markdown file after reading, before it is placed.
struct Loaded {
    item: Option<Article>,
    diagnostics: Vec<Diagnostic>,
}

fn place(content: &mut Content, kind: walk::Kind, loaded: Loaded, drafts: bool) {
    content.diagnostics.extend(loaded.diagnostics);
    let Some(a) = loaded.item else { return };
    if kind == walk::Kind::Article && (drafts || !a.front.draft) {
        content.articles.push(a);
    } else {
        content.partials.push(Partial {
            path: a.path,
            file: a.file,
            body: a.body,
            body_line: a.body_line,
        });
    }
}

fn read_markdown(
    path: &str,
    file: &str,
    bytes: std::io::Result<Vec<u8>>,
    layout: &Layout,
) -> Loaded {
    match read_article(path, file, bytes) {
        Ok((mut article, diagnostics)) => Loaded {
            item: Some({
                if let Some(defaults) = layout.defaults(path) {
                    article.front = std::mem::take(&mut article.front).or(defaults);
                }
                article
            }),
            diagnostics,
        },
        Err(d) => Loaded {
            item: None,
            diagnostics: vec![d.in_file(file)],
        },
    }
}

/// Reads one Markdown file; `Err` when there is no article to build at all.
fn read_article(
    path: &str,
    file: &str,
    bytes: std::io::Result<Vec<u8>>,
) -> Result<(Article, Vec<Diagnostic>), Diagnostic> {
    let bytes = bytes.map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Diagnostic::warning("file vanished during the build")
            .with_hint("it was listed, then gone when read; build again once edits settle"),
        _ => Diagnostic::error(format!("cannot read file: {e}"))
            .with_hint("check the file's permissions"),
    })?;
    let (text, fallback) = decode::decode_lenient(&bytes).map_err(|e| {
        let d = Diagnostic::error(e.message).with_hint("save the file as UTF-8");
        match e.line {
            Some(l) => d.at_line(l),
            None => d,
        }
    })?;
    let not_utf8 = fallback.map(|line| not_utf8(line).in_file(file));
    // A DocFX YAML page (a `.md` whose first line merely reads like one
    // stays Markdown).
    let yaml_page = faq::yaml_mime(&text).filter(|k| faq::is_yaml_name(path) && faq::is_page(k));
    if let Some(kind) = yaml_page {
        let c = match kind {
            "FAQ" => faq::convert(&text)?,
            _ => landing::convert(&text)?,
        };
        let article = Article {
            path: path.to_string(),
            file: file.to_string(),
            front: c.front,
            body: c.body,
            body_line: 1,
            faq: c.entries,
        };
        let diagnostics = c.diagnostics.into_iter().map(|d| d.in_file(file));
        return Ok((article, not_utf8.into_iter().chain(diagnostics).collect()));
    }
    let split = front_matter::split(&text)?;
    let (front, fm_diags) = match split.yaml {
        Some(yaml) => front_matter::parse(yaml, 2),
        None => (FrontMatter::default(), vec![]),
    };
    let article = Article {
        path: path.to_string(),
        file: file.to_string(),
        front,
        body: split.body.to_string(),
        body_line: split.body_line,
        faq: Vec::new(),
    };
    let diagnostics = fm_diags.into_iter().map(|d| d.in_file(file));
    Ok((article, not_utf8.into_iter().chain(diagnostics).collect()))
}

/// The warning for a file read as Windows-1252: `line` holds its first
/// byte that is not UTF-8.
pub fn not_utf8(line: u32) -> Diagnostic {
    Diagnostic::warning("file is not UTF-8: read as Windows-1252")
        .at_line(line)
        .with_hint("save it as UTF-8 (this line has its first byte that is not)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_memory_sorts_and_indexes() {
        let c = from_memory(
            &[
                ("b.md", "---\ntitle: B\n---\nbody"),
                ("a/Index.md", "# A"),
                ("a/includes/x.md", "included"),
                ("a/media/pic.png", "png"),
                ("d.md", "---\ndraft: true\n---\nwip"),
            ],
            "content/",
        );
        let paths: Vec<_> = c.articles.iter().map(|a| a.path.as_str()).collect();
        assert_eq!(paths, vec!["a/Index.md", "b.md", "d.md"]);
        assert_eq!(c.articles[1].front.title.as_deref(), Some("B"));
        assert_eq!(c.articles[1].body_line, 4);
        assert_eq!(c.markdown("a/includes/x.md").unwrap().body, "included");
        assert_eq!(c.case_insensitive("A/INDEX.MD"), Some("a/Index.md"));
        assert!(c.exists("a/media/pic.png"));
        assert_eq!(c.article_index("b.md"), Some(1));
        assert_eq!(c.article_index("a/includes/x.md"), None);
    }

    #[test]
    fn unreadable_and_undecodable_are_errors_vanished_a_warning() {
        let err = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        let l = read_markdown("a.md", "content/a.md", Err(err), &Layout::default());
        assert!(l.item.is_none());
        assert_eq!(
            l.diagnostics[0].severity,
            crate::diagnostics::Severity::Error
        );
        let err = std::io::Error::from(std::io::ErrorKind::NotFound);
        let l = read_markdown("a.md", "content/a.md", Err(err), &Layout::default());
        assert_eq!(
            l.diagnostics[0].severity,
            crate::diagnostics::Severity::Warning
        );
        let l = read_markdown(
            "a.md",
            "content/a.md",
            Ok(b"ok\n\xff".to_vec()),
            &Layout::default(),
        );
        assert_eq!(l.diagnostics[0].location().unwrap(), "content/a.md:2");
    }
}
