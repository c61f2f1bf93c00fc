//! Navigation from DocFX tables of contents (`toc.yml`): each toc's entries
//! resolved like links (relative `.md` paths, folders, site-relative paths
//! through `links.mounts`, external URLs), a `href` to another folder's toc
//! nesting that toc, and entries whose target is not in the site pruned
//! with one warning per toc. A folder's toc governs it and its subfolders
//! that have none.

use super::{Resolved, SiteIndex};
use crate::content::TocFile;
use crate::diagnostics::Diagnostic;
use crate::markdown::{preprocess::Origin, LinkKind, LinkRef};
use crate::paths;
use serde_yaml::Value;

/// One toc, resolved and pruned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Nav {
    /// Folder it governs (`support/windows-server/`).
    pub dir: String,
    pub items: Vec<NavItem>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NavItem {
    pub title: String,
    pub target: NavTarget,
    pub expanded: bool,
    pub children: Vec<NavItem>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum NavTarget {
    /// A group heading.
    #[default]
    None,
    Article(usize),
    /// An external page, or a page of the site that is not an article.
    Url(String),
}

/// Missing targets a warning names before "and N more".
const NAMED: usize = 3;
/// How deep tocs may nest each other (a cycle stops here).
const MAX_NESTING: usize = 8;

/// Every toc of the site that is not nested in another, resolved and
/// pruned; warnings for tocs that cannot be read and for missing targets.
pub fn build(tocs: &[TocFile], site: &SiteIndex, diags: &mut Vec<Diagnostic>) -> Vec<Nav> {
    let mut reader = Reader {
        site,
        tocs,
        nested: Default::default(),
        missing: Vec::new(),
        diags: Vec::new(),
    };
    let mut navs = Vec::new();
    for toc in tocs {
        reader.missing.clear();
        let items = reader.toc(toc, 0);
        reader.warn_missing(toc);
        navs.push(Nav {
            dir: paths::dir_of(&toc.path).to_string(),
            items,
        });
    }
    diags.append(&mut reader.diags);
    // A toc another toc takes in is shown as part of that one.
    navs.retain(|n| !reader.nested.contains(&n.dir));
    navs
}

/// Reads tocs, remembering what they nest and which targets are missing.
struct Reader<'a> {
    site: &'a SiteIndex<'a>,
    tocs: &'a [TocFile],
    /// Folders whose toc another toc takes in.
    nested: std::collections::BTreeSet<String>,
    /// Targets of the toc being read (and those it nests) not in the site.
    missing: Vec<String>,
    diags: Vec<Diagnostic>,
}

impl<'a> Reader<'a> {
    /// The items of one toc file.
    fn toc(&mut self, toc: &TocFile, depth: usize) -> Vec<NavItem> {
        let value: Value = match serde_yaml::from_str(&toc.text) {
            Ok(v) => v,
            Err(e) => {
                let (problem, _) = crate::diagnostics::yaml_problem(&e, 1);
                let mut d =
                    Diagnostic::warning(format!("table of contents is not valid YAML: {problem}"))
                        .in_file(toc.file.clone())
                        .with_hint("its folder's pages use the folder listing until it is fixed");
                if let Some(l) = e.location() {
                    d = d.at_line(l.line() as u32);
                }
                self.diags.push(d);
                return Vec::new();
            }
        };
        let list = match &value {
            Value::Sequence(s) => s.as_slice(),
            Value::Mapping(m) => match m.get("items") {
                Some(Value::Sequence(s)) => s.as_slice(),
                _ => &[],
            },
            _ => &[],
        };
        self.items(toc, list, depth)
    }

    /// One warning for the toc's missing targets: the count and the first few.
    fn warn_missing(&mut self, toc: &TocFile) {
        let missing = &self.missing;
        if missing.is_empty() {
            return;
        }
        let named: Vec<&str> = missing.iter().take(NAMED).map(String::as_str).collect();
        let more = missing.len().saturating_sub(NAMED);
        let rest = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        let entries = if missing.len() == 1 {
            "entry"
        } else {
            "entries"
        };
        let message = format!(
            "{} toc {entries} point to files not in the site; left out: {}{rest}",
            missing.len(),
            named.join(", ")
        );
        self.diags.push(
            Diagnostic::warning(message)
                .in_file(toc.file.clone())
                .with_hint("remove the entries, or add the files to the content folder"),
        );
    }

    fn items(&mut self, toc: &TocFile, list: &[Value], depth: usize) -> Vec<NavItem> {
        let mut out = Vec::new();
        for v in list {
            let Value::Mapping(m) = v else { continue };
            let text = |k: &str| m.get(k).and_then(Value::as_str).map(str::to_string);
            let title = text("name").unwrap_or_default();
            let expanded = m.get("expanded").and_then(Value::as_bool).unwrap_or(false);
            let mut children = match m.get("items") {
                Some(Value::Sequence(s)) => self.items(toc, s, depth),
                _ => Vec::new(),
            };
            let mut target = NavTarget::None;
            let href = text("href").or_else(|| text("tocHref"));
            if let Some(href) = href.filter(|h| !h.trim().is_empty()) {
                match self.nested_toc(toc, &href) {
                    Some(other) if depth < MAX_NESTING => {
                        self.nested.insert(paths::dir_of(&other.path).to_string());
                        children.extend(self.toc(other, depth + 1));
                        if let Some(topic) = text("topicHref") {
                            target = self.target(toc, &topic);
                        }
                    }
                    Some(_) => {}
                    None => target = self.target(toc, &href),
                }
            }
            if target != NavTarget::None || !children.is_empty() {
                out.push(NavItem {
                    title,
                    target,
                    expanded,
                    children,
                });
            }
        }
        out
    }

    /// The toc an href names: `x/toc.yml`, or a folder `x/` that has one.
    fn nested_toc(&self, toc: &TocFile, href: &str) -> Option<&'a TocFile> {
        let path = href.split(['?', '#']).next().unwrap_or(href);
        if path.contains(':') || path.starts_with('/') {
            return None;
        }
        let lower = path.to_ascii_lowercase();
        let is_toc = lower.ends_with("toc.yml") || lower.ends_with("toc.yaml");
        if !is_toc && !path.ends_with('/') {
            return None;
        }
        let joined = paths::join(paths::dir_of(&toc.path), path)?;
        let folder = if is_toc {
            paths::dir_of(&joined).to_string()
        } else {
            format!("{}/", joined.trim_end_matches('/'))
        };
        self.tocs
            .iter()
            .find(|t| paths::dir_of(&t.path) == folder && t.path != toc.path)
    }

    /// What an entry's href points at; a miss is remembered for the warning.
    fn target(&mut self, toc: &TocFile, href: &str) -> NavTarget {
        if href.starts_with('#') || href.starts_with('?') {
            self.missing.push(href.to_string());
            return NavTarget::None;
        }
        let link = LinkRef {
            kind: LinkKind::Link,
            target: href.to_string(),
            title: String::new(),
            alt: String::new(),
            auto_text: false,
            at: Origin { source: 0, line: 1 },
        };
        let from = super::resolve::From {
            article: usize::MAX,
            path: &toc.path,
            page_dir: "",
        };
        match super::resolve::resolve(&link, from, self.site).resolved {
            Resolved::Page { article, .. } => NavTarget::Article(article),
            Resolved::Url(u) if u.contains(':') => NavTarget::Url(u),
            // A file or generated page of the site, written relative to
            // the site root.
            Resolved::Url(u) if !u.is_empty() && !u.starts_with('#') => NavTarget::Url(u),
            _ => {
                self.missing.push(href.to_string());
                NavTarget::None
            }
        }
    }
}

/// Each article's place in a table of contents: the toc of its folder, or
/// of the nearest folder above with a toc listing it (else the first toc
/// listing it at all), and the item indices down to its first entry there.
/// One walk of each toc for the whole site
/// (not one per article, which grows with the site times the toc).
pub fn places(navs: &[Nav], content: &crate::content::Content) -> Vec<Option<(usize, Vec<usize>)>> {
    if navs.is_empty() {
        return vec![None; content.articles.len()];
    }
    let firsts: Vec<rustc_hash::FxHashMap<usize, Vec<usize>>> = navs
        .iter()
        .map(|n| {
            let mut first = rustc_hash::FxHashMap::default();
            first_places(&n.items, &mut Vec::new(), &mut first);
            first
        })
        .collect();
    let by_dir: rustc_hash::FxHashMap<&str, usize> = navs
        .iter()
        .enumerate()
        .rev()
        .map(|(n, nav)| (nav.dir.as_str(), n))
        .collect();
    content
        .articles
        .iter()
        .enumerate()
        .map(|(a, article)| {
            let mut folder = paths::dir_of(&article.path);
            loop {
                if let Some(&n) = by_dir.get(folder) {
                    if let Some(path) = firsts[n].get(&a) {
                        return Some((n, path.clone()));
                    }
                }
                if folder.is_empty() {
                    // DocFX docsets keep their toc in a folder of its own
                    // (`servertoc/toc.yml`): the first toc that lists the
                    // article, then.
                    return firsts
                        .iter()
                        .enumerate()
                        .find_map(|(n, f)| Some((n, f.get(&a)?.clone())));
                }
                folder = paths::dir_of(folder.trim_end_matches('/'));
            }
        })
        .collect()
}

/// The first place (items before their children) of each article in
/// `items`.
fn first_places(
    items: &[NavItem],
    path: &mut Vec<usize>,
    first: &mut rustc_hash::FxHashMap<usize, Vec<usize>>,
) {
    for (k, item) in items.iter().enumerate() {
        path.push(k);
        if let NavTarget::Article(a) = item.target {
            first.entry(a).or_insert_with(|| path.clone());
        }
        first_places(&item.children, path, first);
        path.pop();
    }
}
