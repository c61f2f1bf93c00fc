//! Link stage: the whole-site view. Decides each article's page folder,
//! title, KB number and taxonomy terms; indexes paths, KB numbers, uids and
//! anchors; builds the folder sections; resolves every link, image, KB
//! mention and redirect; and computes backlinks and related articles.

pub mod external;
pub mod moved;
pub mod nav;
pub mod related;
pub mod resolve;
pub mod sections;
pub mod taxonomy;

use crate::config::Config;
use crate::content::Content;
use crate::diagnostics::Diagnostic;
use crate::markdown::{LinkKind, LinkRef, Parsed};
use crate::paths;
use rayon::prelude::*;
pub use resolve::Resolved;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
pub use sections::{Section, Sections};
use std::collections::BTreeMap;
pub use taxonomy::{Taxonomy, Term, Terms};

/// What the site knows about one article.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
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
    /// Per article with `redirect_url`, where its redirect page points.
    pub redirects: Vec<Option<Resolved>>,
    /// Per article, the articles that link to it, by title.
    pub backlinks: Vec<Vec<usize>>,
    /// Per article, up to five articles sharing the most terms.
    pub related: Vec<Vec<usize>>,
    pub sections: Sections,
    /// Products, services (with subservices) and topics, with their pages.
    pub taxonomies: Vec<Taxonomy>,
    /// Per article, the articles before and after it in its folder's
    /// listing (previous / next links).
    pub neighbours: Vec<(Option<usize>, Option<usize>)>,
    /// The site's tables of contents (`toc.yml`), resolved.
    pub navs: Vec<nav::Nav>,
    /// Per article, its place in a table of contents: which nav, and the
    /// item indices down to its entry.
    pub nav_of: Vec<Option<(usize, Vec<usize>)>>,
    /// KB number → article.
    pub by_kb: HashMap<String, usize>,
    /// `uid` → article.
    pub by_uid: HashMap<String, usize>,
    pub stats: LinkStats,
    /// Every link diagnostic: the site-wide ones, then each article's.
    pub diagnostics: Vec<Diagnostic>,
    /// Old addresses (a DocFX redirection file) and where they lead: each
    /// gets a redirect page.
    pub moved: Vec<moved::Moved>,
    /// [`path_key`] of each moved address's content path → its index.
    moved_by_key: HashMap<u64, usize>,
    /// Site-relative prefixes and the folders they name.
    mounts: Vec<(String, String)>,
    /// Per article, a key of the ids its links may point at (the ids
    /// themselves are read from the parse results): when it changes, the
    /// links to the article are checked again.
    anchors: Vec<u64>,
    /// Per article, its place when articles are ordered by title (letter
    /// case aside, then path): the order of every listing.
    title_rank: Vec<u32>,
    /// Per article, the warning its title needs (none, or no title).
    title_warnings: Vec<Option<Diagnostic>>,
    /// Per article, the keys of the names its links looked up ([`Name`]).
    deps: Vec<Vec<u64>>,
    /// Lower-case file name → the first article with it, for "did you
    /// mean".
    by_name: HashMap<String, usize>,
    /// Diagnostics about the site as a whole (titles, duplicates).
    site_diagnostics: Vec<Diagnostic>,
    /// Per article, the problems its links and redirect have.
    article_diagnostics: Vec<Vec<Diagnostic>>,
}

/// How the site's links (and images, and raw-HTML URLs) resolved.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct LinkStats {
    /// To an article, a section or a file of this site.
    pub local: usize,
    /// Kept or made external (http, mailto, unmapped site-relative).
    pub external: usize,
    pub broken: usize,
}

impl Linked {
    /// Every http(s) URL the site links to, with its first use and count.
    pub fn external_urls(&self, parsed: &[Parsed]) -> BTreeMap<String, external::Use> {
        let mut urls: BTreeMap<String, external::Use> = BTreeMap::new();
        for (p, resolved) in parsed.iter().zip(&self.resolved) {
            for (link, r) in p.links.iter().zip(resolved) {
                let Resolved::Url(url) = r else { continue };
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    continue;
                }
                let url = url.split('#').next().unwrap_or(url).to_string();
                urls.entry(url)
                    .or_insert_with(|| external::Use {
                        file: p.file_of(link.at).to_string(),
                        line: link.at.line,
                        count: 0,
                    })
                    .count += 1;
            }
        }
        urls
    }
}

fn count_links(parsed: &[Parsed], resolved: &[Vec<Resolved>]) -> LinkStats {
    let mut stats = LinkStats::default();
    for (p, rs) in parsed.iter().zip(resolved) {
        for (link, r) in p.links.iter().zip(rs) {
            if link.kind == LinkKind::Mention {
                continue;
            }
            match r {
                Resolved::Page { .. } => stats.local += 1,
                Resolved::Url(u) if u.is_empty() || u.starts_with('#') || !u.contains(':') => {
                    stats.local += 1
                }
                Resolved::Url(_) => stats.external += 1,
                Resolved::Broken => stats.broken += 1,
            }
        }
    }
    stats
}

/// Lookups link resolution needs. Each lookup of a name that could come to
/// mean something else when files come or go (a content path, a KB
/// number, a uid, a folder's or file name's suggestions) is noted in
/// `deps`, when given: [`relink`] resolves an article's links again only
/// when one of its names changed meaning.
#[derive(Clone, Copy)]
pub struct SiteIndex<'a> {
    content: &'a Content,
    articles: &'a [ArticleInfo],
    /// Where the anchors of each article are.
    parsed: &'a [Parsed],
    by_kb: &'a HashMap<String, usize>,
    by_uid: &'a HashMap<String, usize>,
    sections: &'a Sections,
    /// Lower-case file name → the first article with it, for "did you
    /// mean".
    by_name: &'a HashMap<String, usize>,
    /// Site-relative prefix → content folder: `links.mounts`, then the
    /// docsets' source folders under their base paths.
    pub mounts: &'a [(String, String)],
    /// Addresses that moved, and by [`path_key`] of their old path.
    moved: &'a [moved::Moved],
    moved_by_key: &'a HashMap<u64, usize>,
    pub external_base: Option<&'a str>,
    pub allow_unsafe_links: bool,
    deps: Option<&'a std::sync::Mutex<Vec<u64>>>,
}

/// What a name looked up during link resolution is.
#[derive(Clone, Copy, Hash)]
enum Name<'a> {
    /// A content path, as [`path_key`] spells it.
    Path(&'a str),
    Kb(&'a str),
    Uid(&'a str),
    /// A folder whose articles' names are suggested for broken links.
    Folder(&'a str),
    /// A file name suggested wherever it is.
    File(&'a str),
}

impl Name<'_> {
    /// The name as one number (two names sharing one only cost a second
    /// resolution).
    fn key(self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = rustc_hash::FxHasher::default();
        self.hash(&mut h);
        h.finish()
    }
}

/// A content path as `find` could be asked for it: lower case, without
/// `.md`/`.yml` and a final `index`, so every way to name an article, its
/// folder or a file gives the same key.
fn path_key(path: &str) -> u64 {
    let lower = path.trim_matches('/').to_lowercase();
    let p = lower
        .strip_suffix(".md")
        .or_else(|| lower.strip_suffix(".yml"));
    let p = p.unwrap_or(&lower);
    let p = match p.strip_suffix("/index") {
        Some(folder) => folder,
        None if p == "index" => "",
        None => p,
    };
    Name::Path(p).key()
}

/// A KB number as lookups compare it.
fn kb_key(number: &str) -> u64 {
    Name::Kb(number.trim().trim_start_matches('0')).key()
}

impl SiteIndex<'_> {
    /// Notes that the outcome depends on `key`.
    fn depends(&self, key: u64) {
        if let Some(deps) = self.deps {
            deps.lock().unwrap_or_else(|e| e.into_inner()).push(key);
        }
    }

    /// The article or file a content path names: exact, as a folder
    /// (`x/` → `x/index.md` or its section), without `.md`, or differing
    /// only in case (second value true).
    pub fn find(&self, joined: &str) -> Option<(String, bool)> {
        self.depends(path_key(joined));
        let joined = joined.trim_end_matches('/');
        let last = joined.rsplit('/').next().unwrap_or(joined);
        let mut candidates = vec![joined.to_string()];
        if !last.contains('.') {
            candidates.push(format!("{joined}.md"));
            candidates.push(format!("{joined}.yml"));
        }
        candidates.push(if joined.is_empty() {
            "index.md".to_string()
        } else {
            format!("{joined}/index.md")
        });
        let is_target = |p: &str| {
            self.content.article_index(p).is_some()
                || self.content.assets.contains(p)
                || self
                    .sections
                    .get(&section_key(&self.content.site_folder(p)))
                    .is_some()
        };
        if let Some(c) = candidates.iter().find(|c| is_target(c)) {
            return Some((c.clone(), false));
        }
        candidates.iter().find_map(|c| {
            let real = self.content.case_insensitive(c)?;
            is_target(real).then(|| (real.to_string(), true))
        })
    }

    /// What the site was read from.
    pub fn content(&self) -> &Content {
        self.content
    }

    /// Where the old address at content path `joined` now leads, if it
    /// moved.
    pub fn moved_to(&self, joined: &str) -> Option<&moved::MovedTo> {
        let k = *self.moved_by_key.get(&path_key(joined))?;
        Some(&self.moved[k].to)
    }

    pub fn article_at(&self, file: &str) -> Option<usize> {
        self.content.article_index(file)
    }

    pub fn article_path(&self, a: usize) -> &str {
        &self.content.articles[a].path
    }

    /// The page folder of the section at content path `file`.
    pub fn section_dir(&self, file: &str) -> Option<&str> {
        self.sections
            .get(&section_key(&self.content.site_folder(file)))
            .map(|s| s.dir.as_str())
    }

    /// A link to article `a`'s page from a page in `page_dir`.
    pub fn page(&self, a: usize, fragment: &str, page_dir: &str) -> Resolved {
        let mut href =
            paths::relative_href(page_dir, &format!("{}index.html", self.articles[a].dir));
        if !fragment.is_empty() {
            href.push('#');
            href.push_str(fragment);
        }
        Resolved::Page {
            href,
            article: a,
            anchor_ok: true,
        }
    }

    pub fn kb_article(&self, number: &str) -> Option<usize> {
        self.depends(kb_key(number));
        self.by_kb
            .get(number.trim().trim_start_matches('0'))
            .copied()
    }

    pub fn uid_article(&self, uid: &str) -> Option<usize> {
        self.depends(Name::Uid(uid).key());
        self.by_uid.get(uid).copied()
    }

    pub fn has_anchor(&self, a: usize, anchor: &str) -> bool {
        anchors_of(&self.parsed[a]).any(|x| x == anchor)
    }

    /// The anchor of article `a` nearest to `anchor`, if any is near.
    pub fn closest_anchor(&self, a: usize, anchor: &str) -> Option<&str> {
        let lower = anchor.to_lowercase();
        anchors_of(&self.parsed[a])
            .map(|x| (strsim::levenshtein(&lower, x), x))
            .filter(|(d, x)| *d <= (x.len() / 3).max(2))
            .min()
            .map(|(_, x)| x)
    }

    /// "Did you mean": an article in the same folder with a similar file
    /// name, else one with the same file name elsewhere; written relative
    /// to the linking file's folder.
    pub fn suggest(&self, joined: &str, from_path: &str) -> Option<String> {
        let name = joined.rsplit('/').next()?.to_lowercase();
        let stem = paths::strip_md(&name);
        let folder = paths::dir_of(joined);
        self.depends(Name::Folder(folder).key());
        self.depends(Name::File(&with_md(&name)).key());
        let in_folder = self
            .sections
            .get(self.content.site_folder(folder).as_ref())
            .into_iter()
            .flat_map(|s| s.articles.iter().chain(s.index.iter()))
            // Bounded work per broken link: a capped scan, lengths compared
            // before any edit distance.
            .take(MAX_SUGGEST_SCAN)
            .filter_map(|&a| {
                let other = self.content.articles[a]
                    .path
                    .rsplit('/')
                    .next()
                    .unwrap_or("");
                let other = paths::strip_md(other);
                let (x, y) = (stem.len(), other.len());
                if x.abs_diff(y) * 5 > x.max(y) * 2 {
                    return None;
                }
                Some((
                    strsim::normalized_levenshtein(stem, &other.to_lowercase()),
                    a,
                ))
            })
            .filter(|(score, _)| *score >= 0.6)
            .max_by(|x, y| x.0.total_cmp(&y.0).then(y.1.cmp(&x.1)))
            .map(|(_, a)| a);
        let elsewhere = || self.by_name.get(&with_md(&name)).copied();
        let a = in_folder.or_else(elsewhere)?;
        Some(paths::relative_path(
            paths::dir_of(from_path),
            &self.content.articles[a].path,
        ))
    }
}

/// A lower-case file name as `by_name` holds it.
fn with_md(name: &str) -> String {
    if name.ends_with(".md") {
        name.to_string()
    } else {
        format!("{name}.md")
    }
}

/// Articles of a folder compared with a broken link's file name at most.
const MAX_SUGGEST_SCAN: usize = 400;

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
    let all: Vec<usize> = (0..content.articles.len()).collect();
    let changes = Changes {
        parsed: &all,
        files: &[],
    };
    relink(Linked::default(), &[], content, parsed, config, &changes)
}

/// What changed in the site since it was last linked.
#[derive(Debug, Clone, Copy)]
pub struct Changes<'a> {
    /// Articles parsed again, or new (by their index now).
    pub parsed: &'a [usize],
    /// Content paths of the files that came, went or changed (articles,
    /// includes, images and other files).
    pub files: &'a [String],
}

/// The link stage again after files came, went or changed shape (a new
/// title, KB number, uid, date, terms), reusing what the changes leave as
/// it was. `old` is the site as linked before, its articles then at
/// `old_paths`. An article's links are resolved again when it was parsed
/// again, or when a name one of them looked up (a content path, KB number,
/// uid, a folder's articles for suggestions) may mean something else now,
/// or when an article it links to has other anchors; the lists and
/// indexes of the whole site are made again (each is a few milliseconds at
/// 20,000 articles). The result equals [`link`] of the site as it is.
pub fn relink(
    mut old: Linked,
    old_paths: &[String],
    content: &Content,
    parsed: &[Parsed],
    config: &Config,
    changes: &Changes,
) -> Linked {
    let n = content.articles.len();
    let old_of_new = match_paths(old_paths, &content.articles);
    let mut new_of_old: Vec<Option<usize>> = vec![None; old_paths.len()];
    for (j, k) in old_of_new.iter().enumerate() {
        if let Some(k) = *k {
            new_of_old[k] = Some(j);
        }
    }
    let mut fresh = vec![false; n];
    for &j in changes.parsed {
        fresh[j] = true;
    }
    for (j, k) in old_of_new.iter().enumerate() {
        fresh[j] |= k.is_none();
    }
    // What kept articles keep: moved to their new place.
    let kept = |k: usize| new_of_old[k].filter(|&j| !fresh[j]);
    let kept_of_new: Vec<Option<usize>> = old_of_new
        .iter()
        .zip(&fresh)
        .map(|(k, &f)| k.filter(|_| !f))
        .collect();
    let mut changed_keys = changed_names(&old, old_paths, &new_of_old, &fresh, content, changes);
    // Terms of the articles that went or changed, where they stood.
    let mut touched: Vec<(usize, Terms)> = Vec::new();
    if !old.related.is_empty() {
        for (k, info) in old.articles.iter_mut().enumerate() {
            if kept(k).is_none() {
                let path = old_paths[k].as_str();
                let at = content.articles.partition_point(|a| a.path.as_str() < path);
                touched.push((at, std::mem::take(&mut info.terms)));
            }
        }
    }
    let mut articles = carry(std::mem::take(&mut old.articles), &kept_of_new);
    let mut title_warnings = carry(std::mem::take(&mut old.title_warnings), &kept_of_new);
    // The anchors of articles parsed again, from before, to compare.
    let mut old_anchors: HashMap<usize, u64> = HashMap::default();
    for (j, k) in old_of_new.iter().enumerate() {
        if let (true, Some(k)) = (fresh[j], *k) {
            old_anchors.insert(j, old.anchors[k]);
        }
    }
    let mut anchors = carry(std::mem::take(&mut old.anchors), &kept_of_new);
    type Made = (usize, (ArticleInfo, Option<Diagnostic>), u64);
    let made: Vec<Made> = (0..n)
        .into_par_iter()
        .filter(|&j| fresh[j])
        .map(|j| {
            let (a, p) = (&content.articles[j], &parsed[j]);
            (j, info_of(content, a, p), anchor_key(p))
        })
        .collect();
    // Articles whose anchors changed: whoever links to them checks again.
    let mut new_anchors = vec![false; n];
    for (j, (info, warning), a) in made {
        new_anchors[j] = old_anchors.get(&j).is_some_and(|before| *before != a);
        articles[j] = info;
        title_warnings[j] = warning;
        anchors[j] = a;
    }

    for (info, _) in articles.iter().zip(&fresh).filter(|x| *x.1) {
        if let Some(kb) = &info.kb {
            changed_keys.insert(kb_key(kb));
        }
    }
    let title_rank = if old.title_rank.len() == old_paths.len() && !old_paths.is_empty() {
        title_rank_again(&old.title_rank, kept, &articles, &fresh)
    } else {
        title_rank(&articles)
    };
    let listed = listed(content);
    let before = (!old.related.is_empty()).then(|| {
        let mut old_related = carry(std::mem::take(&mut old.related), &kept_of_new)
            .into_iter()
            .map(Some)
            .collect::<Vec<_>>();
        // Moved in place (no list made anew per article); a list naming
        // an article that went is found again.
        for r in old_related.iter_mut() {
            let moved = r.as_mut().is_some_and(|list| {
                list.iter_mut()
                    .all(|k| match new_of_old.get(*k).copied().flatten() {
                        Some(j) => {
                            *k = j;
                            true
                        }
                        None => false,
                    })
            });
            if !moved {
                *r = None;
            }
        }
        for (j, &f) in fresh.iter().enumerate() {
            if f {
                old_related[j] = None;
                touched.push((j, articles[j].terms.clone()));
            }
        }
        related::Before {
            related: old_related,
            touched,
        }
    });
    // The site-wide lists and indexes, side by side.
    let site_checks = || {
        let mut diagnostics: Vec<Diagnostic> = title_warnings.iter().flatten().cloned().collect();
        check_unique_pages(content, &articles, &mut diagnostics);
        check_unique_trees(parsed, &mut diagnostics);
        let by_kb = unique_index(
            content,
            |i| {
                let front = &content.articles[i].front;
                let line = match front.kb {
                    Some(_) => front.kb_line,
                    None => parsed[i].meta.kb_line,
                };
                Some((articles[i].kb.clone()?, line))
            },
            "KB number",
            &mut diagnostics,
        );
        let by_uid = unique_index(
            content,
            |i| {
                let front = &content.articles[i].front;
                Some((front.uid.clone()?, front.uid_line))
            },
            "uid",
            &mut diagnostics,
        );
        (diagnostics, by_kb, by_uid)
    };
    // Each lower-case file name with the first article of that name.
    let by_name = || {
        let mut by_name: HashMap<String, usize> =
            HashMap::with_capacity_and_hasher(content.articles.len(), Default::default());
        for (i, a) in content.articles.iter().enumerate() {
            let name = a.path.rsplit('/').next().unwrap_or(&a.path).to_lowercase();
            by_name.entry(name).or_insert(i);
        }
        by_name
    };
    let sections = || {
        let site_paths: Vec<_> = content
            .articles
            .iter()
            .map(|a| content.site_path(&a.path))
            .collect();
        let titles: Vec<(&str, &str)> = site_paths
            .iter()
            .zip(&articles)
            .map(|(path, info)| (path.as_ref(), info.title.as_str()))
            .collect();
        let mut sections = sections::build(&titles, &listed, &title_rank, &config.title);
        // A docset's folder is called by the docset's name (its landing
        // page is often shared by every docset of a repository).
        for d in &content.layout.docsets {
            if let Some(s) = sections
                .by_dir
                .get_mut(&d.base)
                .filter(|_| !d.base.is_empty())
            {
                s.title = d.title.clone();
            }
        }
        sections
    };
    let taxonomies = || {
        let terms: Vec<&Terms> = articles.iter().map(|a| &a.terms).collect();
        taxonomy::taxonomies(&terms, &title_rank, &listed)
    };
    let related = || related::related(content, &articles, &listed, before);
    // Five tasks of a few milliseconds each at 20,000 articles, on as many
    // cores as there are.
    let (((diagnostics, by_kb, by_uid), (sections, by_name)), (related, taxonomies)) = rayon::join(
        || rayon::join(site_checks, || rayon::join(sections, by_name)),
        || rayon::join(related, taxonomies),
    );
    for dir in old.sections.by_dir.keys() {
        if sections.get(dir).is_none() {
            changed_keys.insert(path_key(dir));
        }
    }
    for dir in sections.by_dir.keys() {
        if old.sections.get(dir).is_none() {
            changed_keys.insert(path_key(dir));
        }
    }
    let neighbours = neighbours(&sections, n);

    // Links: kept where nothing they looked up or point at changed.
    let mut resolved = carry(std::mem::take(&mut old.resolved), &kept_of_new);
    let mut redirects = carry(std::mem::take(&mut old.redirects), &kept_of_new);
    let mut article_diagnostics = carry(std::mem::take(&mut old.article_diagnostics), &kept_of_new);
    let mut deps = carry(std::mem::take(&mut old.deps), &kept_of_new);
    let mut linked = Linked {
        articles,
        sections,
        taxonomies,
        neighbours,
        by_kb,
        by_uid,
        related,
        anchors,
        title_rank,
        by_name,
        title_warnings,
        site_diagnostics: diagnostics,
        mounts: mounts(config, content),
        ..Linked::default()
    };
    let (moved, moved_diagnostics) =
        moved::settle(content, &linked.site_index(content, parsed, config));
    linked.site_diagnostics.extend(moved_diagnostics);
    linked.moved_by_key = moved
        .iter()
        .enumerate()
        .map(|(k, m)| (path_key(&m.source), k))
        .collect();
    // Where an old address leads can change with any file: every link is
    // resolved again when one does (DocFX repositories only).
    let moved_changed = moved != old.moved;
    linked.moved = moved;
    let again: Vec<usize> = resolved
        .par_iter_mut()
        .zip(&mut redirects)
        .enumerate()
        .filter_map(|(j, (links, redirect))| {
            let keep = !fresh[j]
                && !moved_changed
                && !deps[j].iter().any(|d| changed_keys.contains(d))
                && remap(links, &new_of_old, &new_anchors)
                && redirect
                    .as_mut()
                    .is_none_or(|r| remap(std::slice::from_mut(r), &new_of_old, &new_anchors));
            (!keep).then_some(j)
        })
        .collect();
    let made = linked.resolve_articles(&again, content, parsed, config);
    for (&j, (r, redirect, d, found)) in again.iter().zip(made) {
        resolved[j] = r;
        redirects[j] = redirect;
        article_diagnostics[j] = d;
        deps[j] = found;
    }
    linked.resolved = resolved;
    linked.redirects = redirects;
    linked.article_diagnostics = article_diagnostics;
    linked.deps = deps;
    let ((stats, backlinks), (navs, nav_diags)) = rayon::join(
        || {
            rayon::join(
                || count_links(parsed, &linked.resolved),
                || backlinks(&linked.resolved, &linked.title_rank, &listed),
            )
        },
        || {
            let mut nav_diags = Vec::new();
            let site = linked.site_index(content, parsed, config);
            let navs = nav::build(&content.tocs, &site, &mut nav_diags);
            (navs, nav_diags)
        },
    );
    (linked.stats, linked.backlinks, linked.navs) = (stats, backlinks, navs);
    linked.site_diagnostics.extend(nav_diags);
    linked.nav_of = nav::places(&linked.navs, content);
    linked.gather_diagnostics();
    // What is left of the old lists and maps takes a while to free at
    // 20,000 articles: not on the way to the served page.
    std::thread::spawn(move || drop(old));
    linked
}

/// For each article now, its index before, matched by path (both lists
/// are sorted by path).
pub fn match_paths(
    old_paths: &[String],
    articles: &[crate::content::Article],
) -> Vec<Option<usize>> {
    let mut out = Vec::with_capacity(articles.len());
    let mut k = 0;
    for a in articles {
        while k < old_paths.len() && old_paths[k].as_str() < a.path.as_str() {
            k += 1;
        }
        out.push((k < old_paths.len() && old_paths[k] == a.path).then_some(k));
    }
    out
}

/// `list`'s entries moved to their new places, in place: entry
/// `old_of_new[j]` goes to `j`, a default where that is `None`, and the
/// list takes `old_of_new.len()` entries. `old_of_new` must increase
/// where it is `Some` (as [`match_paths`] makes it). In place, because a
/// new list of 20,000 entries costs more in fresh memory than the moves.
pub fn carry<T: Default>(mut list: Vec<T>, old_of_new: &[Option<usize>]) -> Vec<T> {
    let n = old_of_new.len();
    // An entry the list does not have (a list left empty) is a default.
    let m = list.len();
    let old_of_new = |j: usize| old_of_new[j].filter(|&k| k < m);
    if list.len() < n {
        list.resize_with(n, T::default);
    }
    // Entries moving down, lowest first, then those moving up, highest
    // first: as the order is kept, none lands where one not moved yet is.
    for j in 0..n {
        if let Some(k) = old_of_new(j).filter(|&k| k > j) {
            list[j] = std::mem::take(&mut list[k]);
        }
    }
    for j in (0..n).rev() {
        if let Some(k) = old_of_new(j).filter(|&k| k < j) {
            list[j] = std::mem::take(&mut list[k]);
        }
    }
    list.truncate(n);
    for (j, entry) in list.iter_mut().enumerate() {
        if old_of_new(j).is_none() {
            *entry = T::default();
        }
    }
    list
}

/// Points kept links at their targets' new indices; false when a target
/// is gone or has other anchors now (the links must be resolved again).
fn remap(links: &mut [Resolved], new_of_old: &[Option<usize>], new_anchors: &[bool]) -> bool {
    for r in links {
        if let Resolved::Page { article, .. } = r {
            match new_of_old.get(*article).copied().flatten() {
                Some(j) if !new_anchors[j] => *article = j,
                _ => return false,
            }
        }
    }
    true
}

/// The names ([`SiteIndex`] lookups) whose meaning the changes may have
/// changed: the paths, folders and file names of articles and files that
/// came or went, and the KB numbers and uids of articles that came, went or
/// were parsed again.
fn changed_names(
    old: &Linked,
    old_paths: &[String],
    new_of_old: &[Option<usize>],
    fresh: &[bool],
    content: &Content,
    changes: &Changes,
) -> HashSet<u64> {
    let mut keys = HashSet::default();
    let mut file = |path: &str| {
        keys.insert(path_key(path));
        keys.insert(Name::Folder(paths::dir_of(path)).key());
        let name = path.rsplit('/').next().unwrap_or(path).to_lowercase();
        keys.insert(Name::File(&with_md(&name)).key());
    };
    for (k, path) in old_paths.iter().enumerate() {
        if new_of_old[k].is_none() {
            file(path);
        }
    }
    for (j, a) in content.articles.iter().enumerate() {
        if fresh[j] {
            file(&a.path);
        }
    }
    for path in changes.files {
        file(path);
    }
    let touched_before = |k: usize| new_of_old[k].is_none_or(|j| fresh[j]);
    for (kb, &k) in &old.by_kb {
        if touched_before(k) {
            keys.insert(kb_key(kb));
        }
    }
    for (uid, &k) in &old.by_uid {
        if touched_before(k) {
            keys.insert(Name::Uid(uid).key());
        }
    }
    for a in content.articles.iter().zip(fresh).filter(|x| *x.1) {
        if let Some(uid) = &a.0.front.uid {
            keys.insert(Name::Uid(uid).key());
        }
    }
    keys
}

/// What other pages see of an article and what its neighbours' links and
/// lists are made from. When an edit leaves it the same, [`update`] only
/// resolves the links of the article (and of those linking to it) again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shape {
    info: ArticleInfo,
    title_warned: bool,
    uid: Option<String>,
    redirect: Option<String>,
    date: Option<chrono::NaiveDate>,
    trees: Vec<String>,
}

/// The [`Shape`] of article `i`.
pub fn shape(content: &Content, parsed: &[Parsed], i: usize) -> Shape {
    let (a, p) = (&content.articles[i], &parsed[i]);
    let (info, warning) = info_of(content, a, p);
    Shape {
        info,
        title_warned: warning.is_some(),
        uid: a.front.uid.clone(),
        redirect: a.front.redirect_url.clone(),
        date: a.front.date,
        trees: p.trees.iter().map(|t| t.id.clone()).collect(),
    }
}

/// The link stage again after the articles in `changed` were parsed anew,
/// each given with its [`Shape`] from before, the set of articles being the
/// same. Resolves only their links and those of articles linking to them,
/// and mends backlinks. `false` (nothing touched) when a shape changed:
/// run [`link`] then.
pub fn update(
    linked: &mut Linked,
    content: &Content,
    parsed: &[Parsed],
    config: &Config,
    changed: &[(usize, Shape)],
) -> bool {
    if linked.articles.len() != content.articles.len()
        || changed
            .iter()
            .any(|(i, old)| shape(content, parsed, *i) != *old)
    {
        return false;
    }
    let mut redo: std::collections::BTreeSet<usize> = changed.iter().map(|c| c.0).collect();
    for &(i, _) in changed {
        let anchors = anchor_key(&parsed[i]);
        if anchors != linked.anchors[i] {
            linked.anchors[i] = anchors;
            let linking = linked
                .resolved
                .iter()
                .enumerate()
                .filter(|(_, rs)| rs.iter().any(|r| r.article() == Some(i)));
            redo.extend(linking.map(|(from, _)| from));
        }
    }
    let redo: Vec<usize> = redo.into_iter().collect();
    let per_article = linked.resolve_articles(&redo, content, parsed, config);
    let listed = listed(content);
    for (&from, (r, redirect, d, deps)) in redo.iter().zip(per_article) {
        let before = targets(&linked.resolved[from], from);
        let after = targets(&r, from);
        if listed[from] {
            for &t in before.difference(&after) {
                linked.backlinks[t].retain(|&b| b != from);
            }
            for &t in after.difference(&before) {
                linked.backlinks[t].push(from);
                let rank = &linked.title_rank;
                linked.backlinks[t].sort_by_key(|&a| rank[a]);
            }
        }
        linked.resolved[from] = r;
        linked.redirects[from] = redirect;
        linked.article_diagnostics[from] = d;
        linked.deps[from] = deps;
    }
    linked.stats = count_links(parsed, &linked.resolved);
    linked.gather_diagnostics();
    true
}

/// The articles other than `from` that `resolved` links to.
fn targets(resolved: &[Resolved], from: usize) -> std::collections::BTreeSet<usize> {
    resolved
        .iter()
        .filter_map(Resolved::article)
        .filter(|&t| t != from)
        .collect()
}

/// Articles that get a page of their own (not a redirect).
fn listed(content: &Content) -> Vec<bool> {
    content
        .articles
        .iter()
        .map(|a| a.front.redirect_url.is_none())
        .collect()
}

/// An article's page folder, title, KB number and terms.
fn info_of(
    content: &Content,
    a: &crate::content::Article,
    p: &Parsed,
) -> (ArticleInfo, Option<Diagnostic>) {
    let (mut title, warning) = title(a, p);
    let mut dir = paths::page_dir(&content.site_path(&a.path));
    // Kept as long as the site: without the room they grew into.
    title.shrink_to_fit();
    dir.shrink_to_fit();
    let info = ArticleInfo {
        dir,
        title,
        kb: a.front.kb.clone().or_else(|| {
            p.meta
                .kb_number
                .as_ref()
                .filter(|k| k.bytes().all(|b| b.is_ascii_digit()))
                .map(|k| k.trim_start_matches('0').to_string())
        }),
        terms: taxonomy::terms(&a.path, &a.front, &p.meta),
    };
    (info, warning)
}

/// An article's resolved links and redirect, their problems, and the
/// keys of the names they looked up.
type ArticleLinks = (Vec<Resolved>, Option<Resolved>, Vec<Diagnostic>, Vec<u64>);

impl Linked {
    /// Resolves the links and redirect of each article in `which`.
    fn resolve_articles(
        &self,
        which: &[usize],
        content: &Content,
        parsed: &[Parsed],
        config: &Config,
    ) -> Vec<ArticleLinks> {
        let site = self.site_index(content, parsed, config);
        which
            .par_iter()
            .map(|&i| {
                let deps = std::sync::Mutex::new(Vec::new());
                let tracked = SiteIndex {
                    deps: Some(&deps),
                    ..site
                };
                let (r, redirect, d) =
                    resolve_article(i, &parsed[i], content, &self.articles[i].dir, &tracked);
                let mut deps = deps.into_inner().unwrap_or_else(|e| e.into_inner());
                deps.sort_unstable();
                deps.dedup();
                (r, redirect, d, deps)
            })
            .collect()
    }

    /// The lookups link resolution needs, over this site.
    fn site_index<'a>(
        &'a self,
        content: &'a Content,
        parsed: &'a [Parsed],
        config: &'a Config,
    ) -> SiteIndex<'a> {
        SiteIndex {
            content,
            articles: &self.articles,
            parsed,
            by_kb: &self.by_kb,
            by_uid: &self.by_uid,
            sections: &self.sections,
            by_name: &self.by_name,
            mounts: &self.mounts,
            moved: &self.moved,
            moved_by_key: &self.moved_by_key,
            external_base: config.links.external_base.as_deref(),
            allow_unsafe_links: config.allow_unsafe_links,
            deps: None,
        }
    }

    fn gather_diagnostics(&mut self) {
        self.diagnostics = self
            .site_diagnostics
            .iter()
            .chain(self.article_diagnostics.iter().flatten())
            .cloned()
            .collect();
    }
}

/// Site-relative prefixes and the content folders they name: the config's
/// `links.mounts`, then each docset source folder under its base path.
fn mounts(config: &Config, content: &Content) -> Vec<(String, String)> {
    let configured = config
        .links
        .mounts
        .iter()
        .map(|(p, f)| (p.clone(), f.clone()));
    let docsets = content
        .layout
        .mappings
        .iter()
        .filter(|m| !m.resource && !m.dest.is_empty())
        .map(|m| (format!("/{}", m.dest), m.src.clone()));
    configured.chain(docsets).collect()
}

/// Each article's previous and next article in its folder's listing.
fn neighbours(sections: &Sections, count: usize) -> Vec<(Option<usize>, Option<usize>)> {
    let mut out = vec![(None, None); count];
    for s in sections.by_dir.values() {
        for (k, &a) in s.articles.iter().enumerate() {
            let prev = k.checked_sub(1).map(|p| s.articles[p]);
            out[a] = (prev, s.articles.get(k + 1).copied());
        }
    }
    out
}

/// Every id a link may point at on an article's page.
fn anchors_of(p: &Parsed) -> impl Iterator<Item = &str> {
    p.h1.iter()
        .chain(&p.headings)
        .map(|h| h.id.as_str())
        .chain(p.html_anchors.iter().map(String::as_str))
}

/// A key of the set of an article's anchors (in any order, each once).
fn anchor_key(p: &Parsed) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut ids: Vec<&str> = anchors_of(p).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut hasher = std::hash::DefaultHasher::new();
    ids.hash(&mut hasher);
    hasher.finish()
}

fn resolve_article(
    i: usize,
    p: &Parsed,
    content: &Content,
    page_dir: &str,
    site: &SiteIndex,
) -> (Vec<Resolved>, Option<Resolved>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let resolved = p
        .links
        .iter()
        .map(|link| {
            let source = &p.sources[link.at.source as usize];
            let from = resolve::From {
                article: i,
                path: &source.path,
                page_dir,
            };
            let outcome = resolve::resolve(link, from, site);
            if let Some(d) = outcome.problem {
                diags.push(d.in_file(source.file.clone()).at_line(link.at.line));
            }
            outcome.resolved
        })
        .collect();
    let article = &content.articles[i];
    let redirect = article.front.redirect_url.as_ref().map(|url| {
        let link = LinkRef {
            kind: LinkKind::Link,
            target: url.clone(),
            title: String::new(),
            alt: String::new(),
            auto_text: false,
            at: crate::markdown::preprocess::Origin { source: 0, line: 1 },
        };
        let from = resolve::From {
            article: i,
            path: &article.path,
            page_dir,
        };
        let outcome = resolve::resolve(&link, from, site);
        if let Some(d) = outcome.problem {
            diags.push(
                Diagnostic::warning(format!("redirect_url: {}", d.message))
                    .in_file(article.file.clone())
                    .with_hint(d.hint.unwrap_or_default()),
            );
        }
        outcome.resolved
    });
    (resolved, redirect, diags)
}

/// Who links to whom, reversed: each article's backlinks, sorted by title.
/// Linear in the number of links.
fn backlinks(resolved: &[Vec<Resolved>], title_rank: &[u32], listed: &[bool]) -> Vec<Vec<usize>> {
    let mut back: Vec<Vec<usize>> = vec![Vec::new(); resolved.len()];
    let mut targets: Vec<usize> = Vec::new();
    for (from, links) in resolved.iter().enumerate() {
        if !listed[from] {
            continue;
        }
        targets.clear();
        targets.extend(
            links
                .iter()
                .filter_map(Resolved::article)
                .filter(|&t| t != from),
        );
        targets.sort_unstable();
        targets.dedup();
        for &t in &targets {
            back[t].push(from);
        }
    }
    back.par_iter_mut()
        .for_each(|v| v.sort_unstable_by_key(|&a| title_rank[a]));
    back
}

/// Each article's place when ordered by title, letter case aside (then by
/// path, which is article order): one sort, so that every listing sorts by
/// a number.
fn title_rank(articles: &[ArticleInfo]) -> Vec<u32> {
    let lower: Vec<String> = articles
        .par_iter()
        .map(|a| a.title.to_lowercase())
        .collect();
    let mut order: Vec<usize> = (0..articles.len()).collect();
    order.par_sort_unstable_by(|&a, &b| lower[a].cmp(&lower[b]).then(a.cmp(&b)));
    let mut rank = vec![0; articles.len()];
    for (place, a) in order.into_iter().enumerate() {
        rank[a] = place as u32;
    }
    rank
}

/// [`title_rank`] from the ranks before: the kept articles keep their
/// order, and each fresh one goes where its title puts it.
fn title_rank_again(
    old_rank: &[u32],
    kept: impl Fn(usize) -> Option<usize>,
    articles: &[ArticleInfo],
    fresh: &[bool],
) -> Vec<u32> {
    let mut by_rank = vec![0; old_rank.len()];
    for (k, &r) in old_rank.iter().enumerate() {
        by_rank[r as usize] = k;
    }
    let mut order: Vec<usize> = by_rank.into_iter().filter_map(kept).collect();
    let key = |a: usize| (articles[a].title.to_lowercase(), a);
    for j in (0..articles.len()).filter(|&j| fresh[j]) {
        let k = key(j);
        let at = order.partition_point(|&a| key(a) < k);
        order.insert(at, j);
    }
    let mut rank = vec![0; articles.len()];
    for (place, a) in order.into_iter().enumerate() {
        rank[a] = place as u32;
    }
    rank
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
    let warning = if p.html.is_blank() {
        Diagnostic::warning("article is empty; its page is blank and titled with the file name")
            .with_hint(
                "write the article, or delete the file or list it under `exclude` in kbsite.yml",
            )
    } else {
        Diagnostic::warning("article has no title and no H1; the file name is used")
            .with_hint("add `title:` to the front matter or a `# Heading` at the top")
    };
    let warning = warning.in_file(a.file.clone());
    (name, Some(warning))
}

/// Two articles may not write the same page (`a.md` and `a/index.md`).
fn check_unique_pages(content: &Content, articles: &[ArticleInfo], diags: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<&str, usize> =
        HashMap::with_capacity_and_hasher(articles.len(), Default::default());
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

/// Tree ids name pages' anchors, SVG files and walk hashes: one per site.
fn check_unique_trees(parsed: &[Parsed], diags: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<&str, &crate::tree::Summary> = HashMap::default();
    for t in parsed.iter().flat_map(|p| &p.trees) {
        match seen.get(t.id.as_str()) {
            Some(first) => diags.push(
                Diagnostic::error(format!(
                    "duplicate decision tree id `{}`: also at {}:{}",
                    t.id, first.file, first.line
                ))
                .in_file(t.file.clone())
                .at_line(t.line)
                .with_hint("tree ids must be unique across the site"),
            ),
            None => {
                seen.insert(&t.id, t);
            }
        }
    }
}

/// A unique key → article map; duplicates are errors naming both files,
/// at the line that gives the key (and its line in the first file).
fn unique_index(
    content: &Content,
    key: impl Fn(usize) -> Option<(String, Option<u32>)>,
    what: &str,
    diags: &mut Vec<Diagnostic>,
) -> HashMap<String, usize> {
    let mut map: HashMap<String, usize> = HashMap::default();
    for i in 0..content.articles.len() {
        let Some((k, line)) = key(i) else { continue };
        match map.get(&k) {
            Some(&first) => {
                let at = match key(first).and_then(|f| f.1) {
                    Some(l) => format!("{}:{l}", content.articles[first].file),
                    None => content.articles[first].file.clone(),
                };
                let d = Diagnostic::error(format!("duplicate {what} {k}: also used by `{at}`"))
                    .in_file(content.articles[i].file.clone())
                    .with_hint(format!("each {what} must belong to one article"));
                diags.push(match line {
                    Some(l) => d.at_line(l),
                    None => d,
                });
            }
            None => {
                map.insert(k, i);
            }
        }
    }
    map
}

#[cfg(test)]
mod tests;
