//! Resolution of one link as written to what the page should point at.

use super::SiteIndex;
use crate::diagnostics::Diagnostic;
use crate::markdown::{LinkKind, LinkRef};
use crate::paths;
use regex::Regex;
use std::sync::LazyLock;

/// What a link, image, KB mention or raw-HTML URL turned into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// An external URL, a file of the site, or a generated page.
    Url(String),
    /// An article's page. `anchor_ok` is false when the `#fragment` names
    /// no heading or id there: the link still goes to the page, marked.
    Page {
        href: String,
        article: usize,
        anchor_ok: bool,
    },
    /// Nothing to point at: the spot is marked as broken (a KB mention of
    /// a KB that is not in the site just stays text).
    Broken,
}

impl Resolved {
    /// The URL to write, if there is one.
    pub fn href(&self) -> Option<&str> {
        match self {
            Resolved::Url(h) | Resolved::Page { href: h, .. } => Some(h),
            Resolved::Broken => None,
        }
    }

    /// The article linked to, if any.
    pub fn article(&self) -> Option<usize> {
        match self {
            Resolved::Page { article, .. } => Some(*article),
            _ => None,
        }
    }
}

/// A resolved link and the problem met on the way, if any.
#[derive(Debug)]
pub struct Outcome {
    pub resolved: Resolved,
    pub problem: Option<Diagnostic>,
}

impl Outcome {
    fn ok(resolved: Resolved) -> Outcome {
        Outcome {
            resolved,
            problem: None,
        }
    }
}

/// Where a link was written.
#[derive(Debug, Clone, Copy)]
pub struct From<'a> {
    /// The article whose page shows the link.
    pub article: usize,
    /// Content path of the file the link is written in (an include's own
    /// path for links inside includes): relative links start from there.
    pub path: &'a str,
    /// Output folder of the page.
    pub page_dir: &'a str,
}

static SCHEME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([a-zA-Z][a-zA-Z0-9+.-]*):").unwrap());
static KB_URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^https?://support\.microsoft\.com/(?:[a-z]{2}-[a-z]{2}/)?(?:help|kb)/(\d+)(?:[/?#].*)?$")
        .unwrap()
});
static KB_PATH: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^/kb/(\d+)/?(?:[?#].*)?$").unwrap());

/// Resolves one link.
pub fn resolve(link: &LinkRef, from: From, site: &SiteIndex) -> Outcome {
    let target = link.target.trim();
    if link.kind == LinkKind::Mention {
        let number = target.trim_start_matches("kb:");
        return Outcome::ok(match site.kb_article(number) {
            Some(a) if a != from.article => site.page(a, "", from.page_dir),
            _ => Resolved::Broken,
        });
    }
    if target.is_empty() {
        return Outcome::ok(Resolved::Url(String::new()));
    }
    if let Some(fragment) = target.strip_prefix('#') {
        return in_page(target, fragment, from, site);
    }
    if let Some(c) = SCHEME.captures(target) {
        return with_scheme(link, target, &c[1].to_ascii_lowercase(), from, site);
    }
    if target.starts_with("//") {
        return Outcome::ok(Resolved::Url(target.to_string()));
    }
    if target.starts_with('/') {
        return site_relative(link, target, from, site);
    }
    let (path, fragment) = split_target(target);
    match paths::join(paths::dir_of(from.path), &paths::decode(path)) {
        Some(joined) => local(link, target, &joined, fragment, from, site, true),
        None => broken(link, target, "it points outside the content folder".into()),
    }
}

/// `#anchor` on the page itself.
fn in_page(target: &str, fragment: &str, from: From, site: &SiteIndex) -> Outcome {
    let anchor = paths::decode(fragment);
    if anchor.is_empty() || anchor == "top" || site.has_anchor(from.article, &anchor) {
        return Outcome::ok(Resolved::Url(target.to_string()));
    }
    Outcome {
        resolved: Resolved::Url(target.to_string()),
        problem: Some(anchor_problem(
            target,
            &anchor,
            "this page",
            from.article,
            site,
        )),
    }
}

fn with_scheme(
    link: &LinkRef,
    target: &str,
    scheme: &str,
    from: From,
    site: &SiteIndex,
) -> Outcome {
    if let Some(kb) = KB_URL.captures(target) {
        if let Some(a) = site.kb_article(&kb[1]) {
            return Outcome::ok(site.page(a, "", from.page_dir));
        }
        return Outcome::ok(Resolved::Url(target.to_string()));
    }
    match scheme {
        "kb" => {
            let number = target[3..].trim_start_matches('/').trim();
            Outcome::ok(match site.kb_article(number) {
                Some(a) => site.page(a, "", from.page_dir),
                None => Resolved::Url(format!("https://support.microsoft.com/help/{number}")),
            })
        }
        "xref" => xref(link, target, from, site),
        "javascript" | "vbscript" | "data" if !site.allow_unsafe_links => {
            let image_data = scheme == "data"
                && link.kind == LinkKind::Image
                && target[5..].trim_start().starts_with("image/");
            if image_data {
                return Outcome::ok(Resolved::Url(target.to_string()));
            }
            Outcome {
                resolved: Resolved::Broken,
                problem: Some(
                    Diagnostic::warning(format!("unsafe `{scheme}:` link removed")).with_hint(
                        "set `allow_unsafe_links: true` in kbsite.yml if you trust every writer",
                    ),
                ),
            }
        }
        _ => Outcome::ok(Resolved::Url(target.to_string())),
    }
}

/// `xref:uid`, `xref:uid?displayProperty=x#anchor`, `<xref:uid>`.
fn xref(link: &LinkRef, target: &str, from: From, site: &SiteIndex) -> Outcome {
    let rest = &target["xref:".len()..];
    let (uid, fragment) = split_target(rest);
    let uid = paths::decode(uid);
    match site.uid_article(&uid) {
        Some(a) => with_anchor(a, fragment, target, from, site),
        None => broken(
            link,
            target,
            format!("no article has `uid: {uid}` in its front matter"),
        ),
    }
}

/// `/troubleshoot/x`: `/kb/NNN`, else through `links.mounts`, else under
/// `external_base`.
fn site_relative(link: &LinkRef, target: &str, from: From, site: &SiteIndex) -> Outcome {
    if let Some(kb) = KB_PATH.captures(target) {
        return Outcome::ok(match site.kb_article(&kb[1]) {
            Some(a) => site.page(a, "", from.page_dir),
            None => Resolved::Url(format!("https://support.microsoft.com/kb/{}", &kb[1])),
        });
    }
    let (path, fragment) = split_target(target);
    let decoded = paths::decode(path);
    // Several folders can publish under one prefix (a docset's sources):
    // the first that has the page, else the first.
    let candidates: Vec<String> = mounted(&decoded, site).collect();
    let found = candidates
        .iter()
        .find(|c| site.find(c).is_some() || site.moved_to(c).is_some());
    if let Some(joined) = found.or(candidates.first()) {
        // Addresses on the web ignore letter case (Learn writes them in
        // lower case); no note for them.
        return local(link, target, joined, fragment, from, site, false);
    }
    match site.external_base {
        Some(base) => Outcome::ok(Resolved::Url(format!("{base}{target}"))),
        None => broken(
            link,
            target,
            "site-relative links need `links.mounts` (for folders of this site) or `links.external_base` in kbsite.yml".into(),
        ),
    }
}

/// The content paths a site-relative path (decoded, `/a/b`) names through
/// the mounts, in their order.
fn mounted<'s>(decoded: &'s str, site: &'s SiteIndex) -> impl Iterator<Item = String> + 's {
    site.mounts.iter().filter_map(move |(prefix, folder)| {
        let bare = prefix.trim_end_matches('/');
        let rest = if decoded == bare {
            ""
        } else {
            decoded.strip_prefix(bare)?.strip_prefix('/')?
        };
        let joined = format!("{}/{}", folder.trim_matches('/'), rest);
        Some(joined.trim_matches('/').to_string())
    })
}

/// The content paths a relative or mounted site-relative `target` may
/// name (several when docset folders share a base path); none for URLs,
/// KB links and anchors.
pub fn local_paths(target: &str, from_path: &str, site: &SiteIndex) -> Vec<String> {
    let target = target.trim();
    if target.starts_with("//") || target.starts_with('#') || SCHEME.is_match(target) {
        return Vec::new();
    }
    let (path, _) = split_target(target);
    let decoded = paths::decode(path);
    if decoded.starts_with('/') {
        return mounted(&decoded, site).collect();
    }
    paths::join(paths::dir_of(from_path), &decoded)
        .into_iter()
        .collect()
}

/// `path?query#fragment` → (path, fragment without `#`).
fn split_target(target: &str) -> (&str, &str) {
    let (path, fragment) = match target.find('#') {
        Some(i) => (&target[..i], &target[i + 1..]),
        None => (target, ""),
    };
    (path.split('?').next().unwrap_or(path), fragment)
}

/// Looks a content path up as an article, a folder or a file; a match
/// only when letter case is ignored is a note when `case_note`.
fn local(
    link: &LinkRef,
    target: &str,
    joined: &str,
    fragment: &str,
    from: From,
    site: &SiteIndex,
    case_note: bool,
) -> Outcome {
    let Some((file, case_only)) = site.find(joined) else {
        if let Some(to) = site.moved_to(joined) {
            return match to {
                super::moved::MovedTo::Nowhere => broken(
                    link,
                    target,
                    "it was redirected to a page that is missing (see the redirection file)".into(),
                ),
                super::moved::MovedTo::Article(a, _) if !fragment.is_empty() => {
                    with_anchor(*a, fragment, target, from, site)
                }
                to => Outcome::ok(to.resolved(from.page_dir, site)),
            };
        }
        let hint = match site.suggest(joined, from.path) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("nothing at content path `{joined}`"),
        };
        return broken(link, target, hint);
    };
    let mut outcome = match site.article_at(&file) {
        Some(a) => with_anchor(a, fragment, target, from, site),
        None => {
            let href = match site.section_dir(&file) {
                Some(dir) => paths::relative_href(from.page_dir, &format!("{dir}index.html")),
                None => paths::relative_href(from.page_dir, &site.content().site_path(&file)),
            };
            let href = if fragment.is_empty() {
                href
            } else {
                format!("{href}#{fragment}")
            };
            Outcome::ok(Resolved::Url(href))
        }
    };
    // The page links to the file as it is named, so the link works on
    // every host (DocFX and Learn accept it too): a note, not a warning.
    if case_only && case_note && outcome.problem.is_none() {
        outcome.problem = Some(
            Diagnostic::info(format!(
                "link `{target}` matches `{file}` only when letter case is ignored"
            ))
            .with_hint("the page links to the file as it is named; fix the case for tools that compare it exactly"),
        );
    }
    outcome
}

/// A link to article `a`, its `#fragment` checked.
fn with_anchor(a: usize, fragment: &str, target: &str, from: From, site: &SiteIndex) -> Outcome {
    let anchor = paths::decode(fragment);
    let resolved = site.page(a, fragment, from.page_dir);
    if anchor.is_empty() || anchor == "top" || site.has_anchor(a, &anchor) {
        return Outcome::ok(resolved);
    }
    let Resolved::Page { href, article, .. } = resolved else {
        return Outcome::ok(resolved);
    };
    Outcome {
        resolved: Resolved::Page {
            href,
            article,
            anchor_ok: false,
        },
        problem: Some(anchor_problem(
            target,
            &anchor,
            &format!("`{}`", site.article_path(a)),
            a,
            site,
        )),
    }
}

fn anchor_problem(
    target: &str,
    anchor: &str,
    page: &str,
    a: usize,
    site: &SiteIndex,
) -> Diagnostic {
    let d = Diagnostic::warning(format!(
        "broken anchor in `{target}`: no `#{anchor}` in {page}"
    ));
    match site.closest_anchor(a, anchor) {
        Some(best) => d.with_hint(format!("did you mean `#{best}`?")),
        None => {
            d.with_hint("anchors are heading ids (lowercase, spaces as `-`) and `id`s in raw HTML")
        }
    }
}

fn broken(link: &LinkRef, target: &str, why: String) -> Outcome {
    let message = match link.kind {
        LinkKind::Image => format!("image not found: `{target}`"),
        _ if target.starts_with("xref:") => format!("unknown xref `{target}`"),
        _ => format!("broken link `{target}`"),
    };
    Outcome {
        resolved: Resolved::Broken,
        problem: Some(Diagnostic::warning(message).with_hint(why)),
    }
}
