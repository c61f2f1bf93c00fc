//! What each page is made from, as one number per output file: the preview
//! server re-renders a page only when its number changes. Each page hashes
//! the same things its context reads (see `Renderer`); an article's own
//! text and parse results stand in as a version number the caller bumps
//! whenever it parses the article again.

use super::{Item, Job, Plan};
use crate::content::Content;
use crate::links::{Linked, Resolved, Section};
use crate::markdown::Parsed;
use crate::paths;
use rayon::prelude::*;
use rustc_hash::{FxHashMap as HashMap, FxHasher};
use std::hash::{Hash, Hasher};

/// The hash of each item of `plan` (`None` for pages made every time).
/// `versions[i]` changes whenever article `i`'s file or an include of it
/// was read again.
pub fn inputs(
    plan: &Plan,
    content: &Content,
    parsed: &[Parsed],
    versions: &[u64],
) -> Vec<Option<u64>> {
    let linked = plan.linked;
    let (faces, nav_faces): (Vec<u64>, Vec<u64>) = (0..content.articles.len())
        .into_par_iter()
        .map(|i| {
            let info = &linked.articles[i];
            (
                face(content, parsed, linked, i),
                hash_of(&(&info.dir, &info.title)),
            )
        })
        .unzip();
    let navs = linked
        .navs
        .iter()
        .map(|n| {
            let mut h = FxHasher::default();
            nav_items(&n.items, &faces, &mut h);
            h.finish()
        })
        .collect();
    let mut inputs = Inputs {
        linked,
        site_paths: content
            .articles
            .iter()
            .map(|a| content.site_path(&a.path))
            .collect(),
        navs,
        faces: &faces,
        nav_faces: &nav_faces,
        places: vec![0; content.articles.len()],
        versions,
        sections: HashMap::default(),
    };
    // A section's listing, the breadcrumbs down to it and what a sidebar
    // shows of it, hashed once for all pages showing them.
    let sections: HashMap<&str, SectionHashes> = linked
        .sections
        .by_dir
        .values()
        .map(|s| {
            let hashes = SectionHashes {
                listing: inputs.listing(s),
                crumbs: inputs.crumbs(&s.dir),
                sidebar: inputs.sidebar(s),
            };
            (s.dir.as_str(), hashes)
        })
        .collect();
    for s in linked.sections.by_dir.values() {
        for (k, &a) in s.articles.iter().enumerate() {
            inputs.places[a] = k as u32;
        }
    }
    inputs.sections = sections;
    let site = hash_of(&(
        &faces,
        linked.sections.by_dir.keys().collect::<Vec<_>>(),
        &linked
            .redirects
            .iter()
            .map(Option::is_some)
            .collect::<Vec<_>>(),
        parsed.iter().any(|p| !p.trees.is_empty()),
    ));
    plan.items
        .par_iter()
        .map(|item| match item {
            Item::Page(Job::Home | Job::NotFound | Job::Trees | Job::Search) => None,
            Item::Page(job) => Some(inputs.page(job)),
            Item::Diagram(i, t) => Some(hash_of(&(versions[*i], &t.svg))),
            Item::Robots => None,
            // Every listed article's folder, date, title and description,
            // and the sections: a hash of all faces and section folders.
            Item::Sitemap | Item::SitemapPart(_) | Item::Feed => Some(site),
        })
        .collect()
}

/// What a listing or a link shows of article `i`.
fn face(content: &Content, parsed: &[Parsed], linked: &Linked, i: usize) -> u64 {
    let (a, info) = (&content.articles[i], &linked.articles[i]);
    hash_of(&(
        &info.title,
        &info.dir,
        &info.kb,
        &a.front.description,
        &parsed[i].summary,
        a.front.date,
        &a.front.author,
    ))
}

/// A table of contents' titles, and the faces of the articles it links.
fn nav_items(items: &[crate::links::nav::NavItem], faces: &[u64], h: &mut FxHasher) {
    use crate::links::nav::NavTarget;
    for item in items {
        item.title.hash(h);
        match &item.target {
            NavTarget::Article(a) => (1u8, faces[*a]).hash(h),
            NavTarget::Url(u) => (2u8, u).hash(h),
            NavTarget::None => 3u8.hash(h),
        }
        item.children.len().hash(h);
        nav_items(&item.children, faces, h);
    }
}

fn hash_of(v: &impl Hash) -> u64 {
    let mut h = FxHasher::default();
    v.hash(&mut h);
    h.finish()
}

/// What pages show of a section, hashed.
struct SectionHashes {
    listing: u64,
    crumbs: u64,
    sidebar: u64,
}

struct Inputs<'a> {
    linked: &'a Linked,
    /// Per article, its content path.
    /// Where each article is published (its folder's section).
    site_paths: Vec<std::borrow::Cow<'a, str>>,
    /// Per table of contents, a hash of everything it shows.
    navs: Vec<u64>,
    faces: &'a [u64],
    /// Per article, what a sidebar shows of it: its folder and title.
    nav_faces: &'a [u64],
    versions: &'a [u64],
    /// Per section folder, its hashes.
    sections: HashMap<&'a str, SectionHashes>,
    /// Per article, its place in its folder's listing.
    places: Vec<u32>,
}

impl Inputs<'_> {
    fn page(&self, job: &Job) -> u64 {
        let mut h = FxHasher::default();
        let linked = self.linked;
        match job {
            Job::Article(i) => {
                let i = *i;
                (0u8, self.versions[i], self.faces[i]).hash(&mut h);
                // Its term pages' folders (its own term names are in its
                // version).
                let terms = super::article_terms(linked, i);
                let dirs = terms
                    .products
                    .iter()
                    .chain(&terms.service)
                    .chain(&terms.topic);
                for term in dirs {
                    term.dir.hash(&mut h);
                }
                for r in &linked.resolved[i] {
                    self.resolved(r, &mut h);
                }
                for &b in linked.backlinks[i].iter().take(super::MAX_BACKLINKS) {
                    self.faces[b].hash(&mut h);
                }
                linked.backlinks[i].len().hash(&mut h);
                for &r in &linked.related[i] {
                    self.faces[r].hash(&mut h);
                }
                self.nav(i, &mut h);
                let (prev, next) = linked.neighbours[i];
                for n in [prev, next] {
                    n.map(|a| self.faces[a]).hash(&mut h);
                }
                // A section's page shows its listing; every article page
                // the breadcrumbs of the folder above its page.
                let dir = linked.articles[i].dir.as_str();
                if let Some(s) = linked.sections.get(dir).filter(|s| s.index == Some(i)) {
                    self.sections[s.dir.as_str()].listing.hash(&mut h);
                }
                self.crumbs_of(paths::dir_of(dir.trim_end_matches('/')))
                    .hash(&mut h);
            }
            Job::Redirect(i) => {
                (1u8, self.versions[*i], self.faces[*i]).hash(&mut h);
                if let Some(r) = &linked.redirects[*i] {
                    self.resolved(r, &mut h);
                }
            }
            Job::KbAlias(kb, i) => (2u8, kb, self.faces[*i]).hash(&mut h),
            Job::Moved(k) => {
                let moved = &linked.moved[*k];
                (3u8, &moved.dir, &moved.to).hash(&mut h);
                if let crate::links::moved::MovedTo::Article(a, _) = moved.to {
                    self.faces[a].hash(&mut h);
                }
            }
            Job::Taxonomy(t) => {
                for term in &t.terms {
                    (&term.name, &term.dir, term.articles.len()).hash(&mut h);
                }
            }
            Job::Term(t, parent, term) => {
                (
                    t.key,
                    parent.map(|p| (&p.name, &p.dir)),
                    &term.name,
                    &term.dir,
                )
                    .hash(&mut h);
                for c in &term.children {
                    (&c.name, &c.dir, c.articles.len()).hash(&mut h);
                }
                for &a in &term.articles {
                    self.faces[a].hash(&mut h);
                }
            }
            Job::Section(s) => {
                self.sections[s.dir.as_str()].listing.hash(&mut h);
                self.crumbs_of(paths::dir_of(s.dir.trim_end_matches('/')))
                    .hash(&mut h);
            }
            // Pages showing site-wide lists (every date, section and
            // tree): cheap to make and read by nearly any change, so
            // always made again.
            Job::Home | Job::NotFound | Job::Trees | Job::Search => {}
        }
        h.finish()
    }

    fn resolved(&self, r: &Resolved, h: &mut FxHasher) {
        match r {
            Resolved::Url(u) => (0u8, u).hash(h),
            // The href is made of this page's folder, the target's (in its
            // face) and the link's own fragment (in this page's version).
            Resolved::Page {
                article, anchor_ok, ..
            } => (1u8, self.faces[*article], anchor_ok).hash(h),
            Resolved::Broken => 2u8.hash(h),
        }
    }

    /// What article `i`'s sidebar shows: its place in its table of
    /// contents and that toc, else its folder's window of articles.
    fn nav(&self, i: usize, h: &mut FxHasher) {
        let linked = self.linked;
        if let Some((n, path)) = &linked.nav_of[i] {
            (n, path, self.navs[*n]).hash(h);
            return;
        }
        let folder = paths::dir_of(&self.site_paths[i]);
        if let (Some(s), Some(hashes)) = (linked.sections.get(folder), self.sections.get(folder)) {
            hashes.sidebar.hash(h);
            let pos = self.places[i] as usize;
            let window = &s.articles[pos.saturating_sub(super::NAV_WINDOW)
                ..(pos + super::NAV_WINDOW + 1).min(s.articles.len())];
            for &a in window {
                self.nav_faces[a].hash(h);
            }
        }
    }

    /// What a sidebar shows of its folder's section: the folder, its
    /// title, how many articles it has and its sub-sections.
    fn sidebar(&self, s: &Section) -> u64 {
        let mut h = FxHasher::default();
        (&s.dir, &s.title, s.articles.len()).hash(&mut h);
        for c in s
            .children
            .iter()
            .filter_map(|d| self.linked.sections.get(d))
        {
            (&c.dir, &c.title).hash(&mut h);
        }
        h.finish()
    }

    /// What a section's listing shows.
    fn listing(&self, s: &Section) -> u64 {
        let mut h = FxHasher::default();
        (&s.dir, &s.title, s.count, s.index).hash(&mut h);
        for c in s
            .children
            .iter()
            .filter_map(|d| self.linked.sections.get(d))
        {
            (&c.dir, &c.title, c.count).hash(&mut h);
        }
        for &a in &s.articles {
            self.faces[a].hash(&mut h);
        }
        h.finish()
    }

    /// Breadcrumbs down to the section at `dir`.
    fn crumbs(&self, dir: &str) -> u64 {
        let mut h = FxHasher::default();
        for a in self.linked.sections.ancestry(dir) {
            (&a.dir, &a.title).hash(&mut h);
        }
        h.finish()
    }

    fn crumbs_of(&self, dir: &str) -> u64 {
        match self.sections.get(dir) {
            Some(hashes) => hashes.crumbs,
            None => self.crumbs(dir),
        }
    }
}
