//! Link stage: the whole-site view. Decides each article's page folder,
//! title, KB number and taxonomy terms, builds the folder sections, and
//! resolves every link and image to a relative URL (or marks it broken).

pub mod resolve;
pub mod sections;
pub mod taxonomy;

use crate::config::Config;
use crate::content::Content;
use crate::diagnostics::Diagnostic;
use crate::markdown::Parsed;
use crate::paths;
use rayon::prelude::*;
pub use resolve::Resolved;
use rustc_hash::FxHashMap as HashMap;
pub use sections::{Section, Sections};
use std::collections::BTreeMap;
pub use taxonomy::Terms;

/// What the site knows about one article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleInfo {
    /// Output folder of its page (`support/x/a/`).
    pub dir: String,
    pub title: String,
    /// KB number, from front matter `kb` or the body's Original KB number line.
    pub kb: Option<String>,
    pub terms: Terms,
}

/// Link stage output.
#[derive(Debug, Default)]
pub struct Linked {
    /// Per article, in the order of `Content::articles`.
    pub articles: Vec<ArticleInfo>,
    /// Per article, one entry per `Parsed::links` entry.
    pub resolved: Vec<Vec<Resolved>>,
    pub sections: Sections,
    /// KB number → article.
    pub by_kb: HashMap<String, usize>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Lookups link resolution needs.
pub struct SiteIndex<'a> {
    content: &'a Content,
    dirs: &'a [ArticleInfo],
    by_kb: &'a HashMap<String, usize>,
    sections: &'a Sections,
    pub mounts: &'a BTreeMap<String, String>,
    pub external_base: Option<&'a str>,
    pub allow_unsafe_links: bool,
}

impl SiteIndex<'_> {
    /// The article or file a content path names: exact, as a folder
    /// (`x/` → `x/index.md`), without `.md`, or differing only in case
    /// (second value true).
    pub fn find(&self, joined: &str) -> Option<(String, bool)> {
        let joined = joined.trim_end_matches('/');
        let mut candidates = vec![joined.to_string()];
        let last = joined.rsplit('/').next().unwrap_or(joined);
        if !last.contains('.') {
            candidates.push(format!("{joined}.md"));
        }
        candidates.push(if joined.is_empty() {
            "index.md".to_string()
        } else {
            format!("{joined}/index.md")
        });
        let is_target = |p: &str| {
            self.content.article_index(p).is_some()
                || self.content.assets.contains(p)
                || self.sections.get(&section_key(p)).is_some()
        };
        if let Some(c) = candidates.iter().find(|c| is_target(c)) {
            return Some((c.clone(), false));
        }
        candidates.iter().find_map(|c| {
            let real = self.content.case_insensitive(c)?;
            is_target(real).then(|| (real.to_string(), true))
        })
    }

    /// The page folder of the article or section at content path `file`.
    pub fn page_of(&self, file: &str) -> Option<String> {
        if let Some(i) = self.content.article_index(file) {
            return Some(self.dirs[i].dir.clone());
        }
        self.sections.get(&section_key(file)).map(|s| s.dir.clone())
    }

    /// The published URL of a content path that is not in this site but lies
    /// in a mounted folder (`support/x/y.md` → `{external_base}/troubleshoot/x/y`).
    pub fn external_for(&self, joined: &str) -> Option<String> {
        let base = self.external_base?;
        let page = paths::strip_md(joined);
        if page.len() == joined.len() && joined.rsplit('/').next().is_some_and(|l| l.contains('.'))
        {
            return None;
        }
        self.mounts.iter().find_map(|(prefix, folder)| {
            let folder = folder.trim_matches('/');
            let rest = page.strip_prefix(folder)?.strip_prefix('/')?;
            let rest = rest.strip_suffix("/index").unwrap_or(rest);
            Some(format!(
                "{base}/{}/{}",
                prefix.trim_matches('/'),
                paths::encode(rest)
            ))
        })
    }

    /// A relative URL to the local article with KB number `number`.
    pub fn kb_href(&self, number: &str, page_dir: &str) -> Option<String> {
        let i = *self.by_kb.get(number.trim_start_matches('0'))?;
        Some(paths::relative_href(
            page_dir,
            &format!("{}index.html", self.dirs[i].dir),
        ))
    }
}

/// `a/b` → `a/b/`, the key of a section folder.
fn section_key(path: &str) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!("{}/", path.trim_end_matches('/'))
    }
}

/// Link stage entry point.
pub fn link(content: &Content, parsed: &[Parsed], config: &Config) -> Linked {
    let mut diagnostics = Vec::new();
    let articles: Vec<ArticleInfo> = content
        .articles
        .iter()
        .zip(parsed)
        .map(|(a, p)| {
            let (title, warning) = title(a, p);
            diagnostics.extend(warning);
            ArticleInfo {
                dir: paths::page_dir(&a.path),
                title,
                kb: a.front.kb.clone().or_else(|| {
                    p.meta
                        .kb_number
                        .as_ref()
                        .filter(|k| k.bytes().all(|b| b.is_ascii_digit()))
                        .map(|k| k.trim_start_matches('0').to_string())
                }),
                terms: taxonomy::terms(&a.path, &a.front, &p.meta),
            }
        })
        .collect();
    check_unique_pages(content, &articles, &mut diagnostics);
    let by_kb = unique_index(
        content,
        &articles,
        |a, _| a.kb.clone(),
        "KB number",
        &mut diagnostics,
    );
    unique_index(
        content,
        &articles,
        |_, i| content.articles[i].front.uid.clone(),
        "uid",
        &mut diagnostics,
    );
    let titles: Vec<(&str, &str)> = content
        .articles
        .iter()
        .zip(&articles)
        .map(|(a, info)| (a.path.as_str(), info.title.as_str()))
        .collect();
    let sections = sections::build(&titles, &config.title);
    let site = SiteIndex {
        content,
        dirs: &articles,
        by_kb: &by_kb,
        sections: &sections,
        mounts: &config.links.mounts,
        external_base: config.links.external_base.as_deref(),
        allow_unsafe_links: config.allow_unsafe_links,
    };
    let per_article: Vec<(Vec<Resolved>, Vec<Diagnostic>)> = parsed
        .par_iter()
        .zip(&articles)
        .map(|(p, info)| resolve_all(p, &info.dir, &site))
        .collect();
    let mut resolved = Vec::with_capacity(per_article.len());
    for (r, d) in per_article {
        resolved.push(r);
        diagnostics.extend(d);
    }
    Linked {
        articles,
        resolved,
        sections,
        by_kb,
        diagnostics,
    }
}

fn resolve_all(p: &Parsed, page_dir: &str, site: &SiteIndex) -> (Vec<Resolved>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let resolved = p
        .links
        .iter()
        .map(|link| {
            let from = &p.sources[link.at.source as usize];
            let outcome = resolve::resolve(link, &from.path, page_dir, site);
            if let Some(d) = outcome.problem {
                diags.push(d.in_file(from.file.clone()).at_line(link.at.line));
            }
            outcome.resolved
        })
        .collect();
    (resolved, diags)
}

/// Front matter title, else the first H1, else the file name (a warning).
fn title(a: &crate::content::Article, p: &Parsed) -> (String, Option<Diagnostic>) {
    if let Some(t) = &a.front.title {
        return (t.clone(), None);
    }
    if let Some(h1) = p.h1.as_ref().filter(|h| !h.text.is_empty()) {
        return (h1.text.clone(), None);
    }
    let name = paths::strip_md(a.path.rsplit('/').next().unwrap_or(&a.path)).to_string();
    let warning = Diagnostic::warning("article has no title and no H1; the file name is used")
        .in_file(a.file.clone())
        .with_hint("add `title:` to the front matter or a `# Heading` at the top");
    (name, Some(warning))
}

/// Two articles may not write the same page (`a.md` and `a/index.md`).
fn check_unique_pages(content: &Content, articles: &[ArticleInfo], diags: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<&str, usize> = HashMap::default();
    for (i, info) in articles.iter().enumerate() {
        if let Some(&first) = seen.get(info.dir.as_str()) {
            diags.push(
                Diagnostic::error(format!(
                    "`{}` and `{}` would both be written to `{}index.html`",
                    content.articles[first].path, content.articles[i].path, info.dir
                ))
                .in_file(content.articles[i].file.clone())
                .with_hint("rename or move one of them"),
            );
        } else {
            seen.insert(&info.dir, i);
        }
    }
}

/// A unique key → article map; duplicates are errors naming both files.
fn unique_index(
    content: &Content,
    articles: &[ArticleInfo],
    key: impl Fn(&ArticleInfo, usize) -> Option<String>,
    what: &str,
    diags: &mut Vec<Diagnostic>,
) -> HashMap<String, usize> {
    let mut map: HashMap<String, usize> = HashMap::default();
    for (i, info) in articles.iter().enumerate() {
        let Some(k) = key(info, i) else { continue };
        match map.get(&k) {
            Some(&first) => diags.push(
                Diagnostic::error(format!(
                    "duplicate {what} {k}: also used by `{}`",
                    content.articles[first].file
                ))
                .in_file(content.articles[i].file.clone())
                .with_hint(format!("each {what} must belong to one article")),
            ),
            None => {
                map.insert(k, i);
            }
        }
    }
    map
}

#[cfg(test)]
mod tests;
