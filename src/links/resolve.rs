//! Resolution of one link as written to what the page should point at.

use super::SiteIndex;
use crate::diagnostics::Diagnostic;
use crate::markdown::{LinkKind, LinkRef};
use crate::paths;
use regex::Regex;
use std::sync::LazyLock;

/// What a link or image turned into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// Write this (already relative or absolute) URL.
    Href(String),
    /// Nothing to point at: the spot is marked as broken.
    Broken,
}

/// A link that resolved and the problem met on the way, if any.
pub struct Outcome {
    pub resolved: Resolved,
    pub problem: Option<Diagnostic>,
}

static SCHEME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([a-zA-Z][a-zA-Z0-9+.-]*):").unwrap());
static KB_URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^https?://support\.microsoft\.com/(?:[a-z]{2}-[a-z]{2}/)?(?:help|kb)/(\d+)(?:[/?#].*)?$")
        .unwrap()
});

/// Resolves `link`, written in content file `from_path`, for the page in
/// output folder `page_dir`.
pub fn resolve(link: &LinkRef, from_path: &str, page_dir: &str, site: &SiteIndex) -> Outcome {
    let target = link.target.trim();
    let ok = |href: String| Outcome {
        resolved: Resolved::Href(href),
        problem: None,
    };
    if target.is_empty() || target.starts_with('#') {
        return ok(target.to_string());
    }
    if let Some(c) = SCHEME.captures(target) {
        let scheme = c[1].to_ascii_lowercase();
        if let Some(kb) = KB_URL.captures(target) {
            if let Some(href) = site.kb_href(&kb[1], page_dir) {
                return ok(href);
            }
        }
        if scheme == "kb" {
            let number = target[3..].trim_start_matches('/').trim();
            return match site.kb_href(number, page_dir) {
                Some(href) => ok(href),
                None => ok(format!("https://support.microsoft.com/help/{number}")),
            };
        }
        let unsafe_scheme = matches!(scheme.as_str(), "javascript" | "vbscript")
            || (scheme == "data"
                && !(link.kind == LinkKind::Image && target[5..].starts_with("image/")));
        if unsafe_scheme && !site.allow_unsafe_links {
            return Outcome {
                resolved: Resolved::Broken,
                problem: Some(
                    Diagnostic::warning(format!("unsafe `{scheme}:` link removed")).with_hint(
                        "set `allow_unsafe_links: true` in kbsite.yml if you trust every writer",
                    ),
                ),
            };
        }
        return ok(target.to_string());
    }
    if target.starts_with("//") {
        return ok(target.to_string());
    }
    if target.starts_with('/') {
        return site_relative(link, target, page_dir, site);
    }
    relative(link, target, from_path, page_dir, site)
}

/// `path?query#fragment` → (path, `#fragment` or empty).
fn split_target(target: &str) -> (&str, &str) {
    let (path, fragment) = match target.find('#') {
        Some(i) => (&target[..i], &target[i..]),
        None => (target, ""),
    };
    let path = path.split('?').next().unwrap_or(path);
    (path, fragment)
}

fn relative(
    link: &LinkRef,
    target: &str,
    from_path: &str,
    page_dir: &str,
    site: &SiteIndex,
) -> Outcome {
    let (path, fragment) = split_target(target);
    let decoded = paths::decode(path);
    match paths::join(paths::dir_of(from_path), &decoded) {
        Some(joined) => local(link, target, &joined, fragment, page_dir, site),
        None => broken(link, target, "it points outside the content folder".into()),
    }
}

/// `/troubleshoot/x` → through `links.mounts`, else under `external_base`.
fn site_relative(link: &LinkRef, target: &str, page_dir: &str, site: &SiteIndex) -> Outcome {
    let (path, fragment) = split_target(target);
    let decoded = paths::decode(path);
    for (prefix, folder) in site.mounts {
        let bare = prefix.trim_end_matches('/');
        let rest = if decoded == bare {
            Some("")
        } else {
            decoded.strip_prefix(&format!("{bare}/"))
        };
        if let Some(rest) = rest {
            let joined = format!("{}/{}", folder.trim_matches('/'), rest);
            let joined = joined.trim_matches('/').to_string();
            return local(link, target, &joined, fragment, page_dir, site);
        }
    }
    match site.external_base {
        Some(base) => Outcome {
            resolved: Resolved::Href(format!("{base}{target}")),
            problem: None,
        },
        None => broken(
            link,
            target,
            "site-relative links only work through `links.mounts` or `links.external_base` in kbsite.yml".into(),
        ),
    }
}

/// Looks `joined` (a content path) up as an article, a folder or a file.
fn local(
    link: &LinkRef,
    target: &str,
    joined: &str,
    fragment: &str,
    page_dir: &str,
    site: &SiteIndex,
) -> Outcome {
    let found = site.find(joined);
    let Some((file, case_only)) = found else {
        if link.kind == LinkKind::Link {
            if let Some(url) = site.external_for(joined) {
                return Outcome {
                    resolved: Resolved::Href(format!("{url}{fragment}")),
                    problem: Some(
                        Diagnostic::info(format!(
                            "`{target}` is not in this site; linked to {url}"
                        ))
                        .with_hint(
                            "its folder is mounted in `links.mounts`, so the published site has it",
                        ),
                    ),
                };
            }
        }
        let what = if link.kind == LinkKind::Image {
            "image"
        } else {
            "file"
        };
        return broken(
            link,
            target,
            format!("no {what} at content path `{joined}`"),
        );
    };
    let href = match site.page_of(&file) {
        Some(dir) => paths::relative_href(page_dir, &format!("{dir}index.html")),
        None => paths::relative_href(page_dir, &file),
    };
    Outcome {
        resolved: Resolved::Href(format!("{href}{fragment}")),
        problem: case_only.then(|| {
            Diagnostic::warning(format!(
                "link `{target}` matches `{file}` only when letter case is ignored"
            ))
            .with_hint("fix the case: web servers and other systems are case-sensitive")
        }),
    }
}

fn broken(link: &LinkRef, target: &str, why: String) -> Outcome {
    let message = match link.kind {
        LinkKind::Image => format!("image not found: `{target}`"),
        LinkKind::Link => format!("broken link `{target}`"),
    };
    Outcome {
        resolved: Resolved::Broken,
        problem: Some(Diagnostic::warning(message).with_hint(why)),
    }
}
