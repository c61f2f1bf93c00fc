//! The folder tree: every folder holding articles is a section with a page
//! (`D/index.html`), its own `index.md` (or a sibling `D.md`) as that page
//! when there is one.

use crate::paths;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Section {
    /// Folder path with its trailing `/` (`support/sql/`); `` is the root.
    pub dir: String,
    pub title: String,
    /// The article that is this folder's page.
    pub index: Option<usize>,
    /// Articles directly in the folder (not the index), in listing order.
    pub articles: Vec<usize>,
    /// Sub-section folders, in listing order.
    pub children: Vec<String>,
    /// Articles in this folder and below, the index included.
    pub count: usize,
}

/// All sections by folder.
#[derive(Debug, Clone, Default)]
pub struct Sections {
    pub by_dir: BTreeMap<String, Section>,
}

impl Sections {
    pub fn get(&self, dir: &str) -> Option<&Section> {
        self.by_dir.get(dir)
    }

    /// The chain of sections from the root down to `dir` (inclusive).
    pub fn ancestry(&self, dir: &str) -> Vec<&Section> {
        ancestors(dir)
            .iter()
            .rev()
            .filter_map(|d| self.by_dir.get(d))
            .collect()
    }
}

/// `a/b/` → `a/b/`, `a/`, `` (slices of `dir`, nothing allocated).
fn ancestors_of(dir: &str) -> impl Iterator<Item = &str> {
    let mut next = Some(dir);
    std::iter::from_fn(move || {
        let d = next?;
        next = (!d.is_empty()).then(|| match d.trim_end_matches('/').rfind('/') {
            Some(i) => &d[..=i],
            None => "",
        });
        Some(d)
    })
}

/// `a/b/` → [`a/b/`, `a/`, ``].
fn ancestors(dir: &str) -> Vec<String> {
    let mut out = vec![dir.to_string()];
    let mut d = dir.trim_end_matches('/');
    while !d.is_empty() {
        d = match d.rfind('/') {
            Some(i) => &d[..i],
            None => "",
        };
        out.push(if d.is_empty() {
            String::new()
        } else {
            format!("{d}/")
        });
    }
    out
}

/// Builds the sections. `paths_and_titles[i]` is article i's content path
/// and title, `title_rank[i]` its place in title order; only `listed`
/// articles appear (redirects do not); `root_title` names the home page.
pub fn build(
    paths_and_titles: &[(&str, &str)],
    listed: &[bool],
    title_rank: &[u32],
    root_title: &str,
) -> Sections {
    let listed_articles = || {
        paths_and_titles
            .iter()
            .enumerate()
            .filter(|(i, _)| listed.get(*i).copied().unwrap_or(true))
    };
    // Folders that hold articles (an index.md makes its folder one too),
    // each a slot in `sections`, found by folder in a map of slices: no
    // folder name is written out per article.
    let mut slots: rustc_hash::FxHashMap<&str, usize> = Default::default();
    let mut sections: Vec<Section> = Vec::new();
    for (_, (path, _)) in listed_articles() {
        for d in ancestors_of(paths::dir_of(path)) {
            if slots.contains_key(d) {
                break; // and so are the folders above it
            }
            slots.insert(d, sections.len());
            sections.push(Section {
                dir: d.to_string(),
                ..Section::default()
            });
        }
    }
    // Folders by their path without the trailing `/`: an article `a/b.md`
    // is the page of folder `a/b/` when there is one (found by `a/b`, a
    // slice of its path, nothing written out per article).
    let folders: rustc_hash::FxHashMap<&str, usize> = slots
        .iter()
        .map(|(d, &s)| (d.trim_end_matches('/'), s))
        .collect();
    // Articles counted in their own folder (and below, after the loop).
    let mut direct = vec![0usize; sections.len()];
    for (i, (path, _)) in listed_articles() {
        let dir = paths::dir_of(path);
        let stem = paths::strip_md(path);
        let name = &stem[dir.len()..];
        let index_file = name.eq_ignore_ascii_case("index");
        let own = match index_file {
            true => slots.get(dir).copied(),
            false => folders.get(stem).copied(),
        };
        match own {
            Some(s) if sections[s].index.is_none() => sections[s].index = Some(i),
            _ => {
                if let Some(&s) = slots.get(dir) {
                    sections[s].articles.push(i);
                }
            }
        }
        if let Some(&s) = slots.get(dir) {
            direct[s] += 1;
        }
        // A sibling `D.md` is folder D's page: it counts in D too.
        if let Some(s) = own.filter(|&s| !index_file && sections[s].index == Some(i)) {
            sections[s].count += 1;
        }
    }
    for (&dir, &s) in &slots {
        for d in ancestors_of(dir) {
            if let Some(&a) = slots.get(d) {
                sections[a].count += direct[s];
            }
        }
    }
    drop(slots);
    let mut by_dir: BTreeMap<String, Section> =
        sections.into_iter().map(|s| (s.dir.clone(), s)).collect();
    let dirs: Vec<String> = by_dir.keys().cloned().collect();
    for dir in &dirs {
        let title = match by_dir[dir].index {
            Some(i) => paths_and_titles[i].1.to_string(),
            None if dir.is_empty() => root_title.to_string(),
            None => humanize(dir),
        };
        by_dir.get_mut(dir).unwrap().title = title;
    }
    for dir in &dirs {
        if dir.is_empty() {
            continue;
        }
        let parent = ancestors(dir)[1].clone();
        by_dir.get_mut(&parent).unwrap().children.push(dir.clone());
    }
    let key = |title: &str, tie: &str| (title.to_lowercase(), tie.to_string());
    let titles: BTreeMap<String, String> = by_dir
        .iter()
        .map(|(d, s)| (d.clone(), s.title.clone()))
        .collect();
    for s in by_dir.values_mut() {
        s.articles.sort_unstable_by_key(|&i| title_rank[i]);
        s.children.sort_by_cached_key(|d| key(&titles[d], d));
    }
    Sections { by_dir }
}

/// `high-availability/` → `High availability`; short names are acronyms
/// (`sql` → `SQL`).
fn humanize(dir: &str) -> String {
    let name = dir.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    if name.len() <= 3 && name.chars().all(|c| c.is_ascii_alphabetic()) {
        return name.to_uppercase();
    }
    let words = name.replace(['-', '_'], " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_become_sections() {
        let s = build(
            &[
                ("index.md", "Welcome"),
                ("support/sql/b.md", "Beta"),
                ("support/sql/a.md", "alpha"),
                ("support/windows-server/high-availability/x.md", "X"),
                ("support/windows-server/index.md", "Windows Server"),
                ("guides.md", "Guides"),
                ("guides/one.md", "One"),
                ("gone/old.md", "Old"),
            ],
            &[true, true, true, true, true, true, true, false],
            &[5, 1, 0, 7, 6, 2, 4, 3],
            "KB",
        );
        let dirs: Vec<_> = s.by_dir.keys().map(String::as_str).collect();
        assert_eq!(
            dirs,
            vec![
                "",
                "guides/",
                "support/",
                "support/sql/",
                "support/windows-server/",
                "support/windows-server/high-availability/"
            ]
        );
        let root = s.get("").unwrap();
        assert_eq!(root.index, Some(0));
        assert_eq!(root.title, "Welcome");
        assert_eq!(root.children, vec!["guides/", "support/"]);
        assert!(root.articles.is_empty());
        assert_eq!(root.count, 7);
        let sql = s.get("support/sql/").unwrap();
        assert_eq!(sql.title, "SQL");
        assert_eq!(sql.articles, vec![2, 1]);
        assert_eq!(
            s.get("support/windows-server/").unwrap().title,
            "Windows Server"
        );
        assert_eq!(
            s.get("support/windows-server/high-availability/")
                .unwrap()
                .title,
            "High availability"
        );
        let guides = s.get("guides/").unwrap();
        assert_eq!((guides.index, guides.count), (Some(5), 2));
        assert_eq!(guides.articles, vec![6]);
        let chain: Vec<_> = s
            .ancestry("support/sql/")
            .iter()
            .map(|x| x.title.as_str())
            .collect();
        assert_eq!(chain, vec!["Welcome", "Support", "SQL"]);
    }
}
