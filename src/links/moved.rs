//! Addresses that moved (a DocFX repository's redirection file): where
//! each now leads, chains followed to their end, so that the old address
//! gets a redirect page and links written to it reach the page it became.

use super::resolve::{self, From, Resolved};
use super::SiteIndex;
use crate::content::Content;
use crate::diagnostics::Diagnostic;
use crate::markdown::{LinkKind, LinkRef};
use crate::paths;

/// An old address and where it leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moved {
    /// Content path of the file that was there.
    pub source: String,
    /// The page folder of the old address, on this site.
    pub dir: String,
    pub to: MovedTo,
}

/// The end of a redirect (chain).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MovedTo {
    /// An article of the site, and a `#fragment` (possibly empty).
    Article(usize, String),
    /// A file or generated page of the site, as a path from its root.
    Page(String),
    /// An absolute URL (another site).
    Url(String),
    /// Nowhere: the target is missing or the chain loops (reported).
    Nowhere,
}

impl MovedTo {
    /// A link to where this leads, from a page in `page_dir`.
    pub fn resolved(&self, page_dir: &str, site: &SiteIndex) -> Resolved {
        match self {
            MovedTo::Article(a, fragment) => site.page(*a, fragment, page_dir),
            MovedTo::Page(file) => Resolved::Url(paths::relative_href(page_dir, file)),
            MovedTo::Url(url) => Resolved::Url(url.clone()),
            MovedTo::Nowhere => Resolved::Broken,
        }
    }
}

/// Where redirect `i` of `content.redirects` leads; `None` while it is
/// being followed (a loop comes back to it).
type Settled = Vec<Option<Option<MovedTo>>>;

/// Follows every redirect of the site. Returns the old addresses that lie
/// in the site (a docset built here) with no article there now, and the
/// problems: loops, missing targets, duplicate sources.
pub fn settle(content: &Content, site: &SiteIndex) -> (Vec<Moved>, Vec<Diagnostic>) {
    let redirects = &content.redirects;
    let mut diags = Vec::new();
    let mut by_key: rustc_hash::FxHashMap<u64, usize> = Default::default();
    for (i, r) in redirects.iter().enumerate() {
        if let Some(&first) = by_key.get(&super::path_key(&r.source)) {
            let other = &redirects[first];
            diags.push(
                Diagnostic::warning(format!("`{}` is redirected twice", r.source))
                    .in_file(&r.file)
                    .at_line(r.line)
                    .with_hint(format!(
                        "line {} redirects it already; the first one counts",
                        other.line
                    )),
            );
            continue;
        }
        by_key.insert(super::path_key(&r.source), i);
    }
    let mut settled: Settled = vec![None; redirects.len()];
    let mut out = Vec::new();
    let mut dirs = std::collections::BTreeSet::new();
    for (i, r) in redirects.iter().enumerate() {
        // Another docset's old addresses are not this site's business
        // (a chain still follows them).
        if !content.layout.publishes(&r.source) {
            continue;
        }
        let to = follow(i, content, site, &by_key, &mut settled, &mut diags);
        if content.article_index(&r.source).is_some() {
            diags.push(
                Diagnostic::info(format!(
                    "`{}` is redirected but still exists: its page is built, not the redirect",
                    r.source
                ))
                .in_file(&r.file)
                .at_line(r.line)
                .with_hint("delete the file, or the redirect"),
            );
            continue;
        }
        let dir = paths::page_dir(&content.site_path(&r.source));
        let taken = site.section_dir(paths::strip_md(&r.source)).is_some();
        if taken || !dirs.insert(dir.clone()) {
            continue;
        }
        out.push(Moved {
            source: r.source.clone(),
            dir,
            to,
        });
    }
    (out, diags)
}

/// Where redirect `i` leads, following chains.
fn follow(
    i: usize,
    content: &Content,
    site: &SiteIndex,
    by_key: &rustc_hash::FxHashMap<u64, usize>,
    settled: &mut Settled,
    diags: &mut Vec<Diagnostic>,
) -> MovedTo {
    match &settled[i] {
        Some(Some(to)) => return to.clone(),
        Some(None) => {
            let r = &content.redirects[i];
            diags.push(
                Diagnostic::warning(format!("redirect loop through `{}`", r.source))
                    .in_file(&r.file)
                    .at_line(r.line)
                    .with_hint(
                        "the chain of redirects comes back here; point one of them at a page",
                    ),
            );
            return MovedTo::Nowhere;
        }
        None => settled[i] = Some(None),
    }
    let r = &content.redirects[i];
    let link = LinkRef {
        kind: LinkKind::Link,
        target: r.target.clone(),
        title: String::new(),
        alt: String::new(),
        auto_text: false,
        at: Default::default(),
    };
    // A target that is itself an old address: the chain goes on.
    let local = resolve::local_paths(&r.target, &r.source, site);
    let next = match local.iter().any(|joined| site.find(joined).is_some()) {
        true => None,
        false => local
            .iter()
            .find_map(|joined| by_key.get(&super::path_key(joined)).copied()),
    };
    let to = if r.target.starts_with('#') {
        MovedTo::Nowhere
    } else if let Some(j) = next {
        follow(j, content, site, by_key, settled, diags)
    } else {
        let from = From {
            article: usize::MAX,
            path: &r.source,
            page_dir: "",
        };
        let outcome = resolve::resolve(&link, from, site);
        match outcome.resolved {
            Resolved::Page { article, .. } => {
                let fragment = r.target.split_once('#').map_or("", |(_, f)| f);
                MovedTo::Article(article, fragment.to_string())
            }
            Resolved::Url(url) if url.contains(':') || url.starts_with('/') => MovedTo::Url(url),
            Resolved::Url(file) => MovedTo::Page(file),
            Resolved::Broken => {
                let why = outcome.problem.and_then(|p| p.hint).unwrap_or_default();
                diags.push(
                    Diagnostic::warning(format!(
                        "redirect of `{}` leads to a missing page: `{}`",
                        r.source, r.target
                    ))
                    .in_file(&r.file)
                    .at_line(r.line)
                    .with_hint(why),
                );
                MovedTo::Nowhere
            }
        }
    };
    settled[i] = Some(Some(to.clone()));
    to
}
