//! DocFX projects, built as they are kept. With no `content_dir` in
//! `kbsite.yml`, a site folder holding `docfx.json` (one docset), or a
//! repository root whose `.openpublishing.publish.config.json` lists
//! docsets, is read as a DocFX project: each docset's `build.content` and
//! `build.resource` entries say which files are articles and which are
//! copied, and where they are published (the docset's base path, from its
//! `breadcrumb_path`, then `dest`); `globalMetadata` and `fileMetadata`
//! give front matter defaults. The content folder is the repository root,
//! so includes and code samples are found wherever in it they live.

mod json;

use crate::config::Config;
use crate::content::layout::{Docset, Layout, Mapping};
use crate::diagnostics::Diagnostic;
use std::path::{Path, PathBuf};

pub const DOCFX_JSON: &str = "docfx.json";
pub const PUBLISH_CONFIG: &str = ".openpublishing.publish.config.json";
pub const REDIRECTION: &str = ".openpublishing.redirection.json";

/// Where unmapped site-relative links of a Microsoft Learn repository go.
pub const LEARN: &str = "https://learn.microsoft.com";

/// A DocFX project as discovered.
#[derive(Debug, Clone, Default)]
pub struct Project {
    /// The repository root, from the site folder (`.`, `..`).
    pub content_dir: PathBuf,
    /// Whether the repository is published on Microsoft Learn (it has
    /// `.openpublishing.*` files).
    pub learn: bool,
    pub layout: Layout,
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads the DocFX project in site folder `root`, if it is one and
/// `kbsite.yml` does not name a content folder.
pub fn discover(root: &Path, config: &Config) -> Option<Project> {
    if config.is_set("content_dir") {
        return None;
    }
    let listed = root.join(PUBLISH_CONFIG).is_file();
    if !listed && !root.join(DOCFX_JSON).is_file() {
        return None;
    }
    let repo = repository_root(root);
    let up = relative_up(root, &repo);
    let here = root_in(root, &repo).unwrap_or_default();
    let mut project = Project {
        content_dir: if up.is_empty() {
            PathBuf::from(".")
        } else {
            PathBuf::from(up.trim_end_matches('/'))
        },
        learn: repo.join(PUBLISH_CONFIG).is_file() || repo.join(REDIRECTION).is_file(),
        ..Project::default()
    };
    let display = |path: &str| format!("{up}{path}");
    let published = json::publish_config(&repo.join(PUBLISH_CONFIG), &display(PUBLISH_CONFIG));
    project.diagnostics.extend(published.diagnostics);
    let folders: Vec<(String, String)> = if listed {
        published.docsets.clone()
    } else {
        vec![(here.clone(), String::new())]
    };
    let many = folders.len() > 1;
    for (folder, name) in &folders {
        let file = format!("{folder}{DOCFX_JSON}");
        if !repo.join(&file).is_file() {
            project.diagnostics.push(
                Diagnostic::warning(format!("docset folder `{folder}` has no docfx.json"))
                    .in_file(display(PUBLISH_CONFIG))
                    .with_hint("the docset is not built; fix `build_source_folder`"),
            );
            continue;
        }
        let read = json::docfx(&repo.join(&file), &display(&file));
        project.diagnostics.extend(read.diagnostics);
        let Some(docfx) = read.docfx else { continue };
        let base = docfx.base.clone().unwrap_or_else(|| match many {
            true => format!("{}/", folder.trim_end_matches('/').to_lowercase()),
            false => String::new(),
        });
        let title = [docfx.title_suffix.as_deref(), Some(name.as_str())]
            .into_iter()
            .flatten()
            .find(|t| !t.is_empty())
            .map(str::to_string)
            .unwrap_or_else(|| folder.trim_end_matches('/').to_string());
        add_docset(&mut project.layout, folder, &base, &title, docfx);
    }
    // Folders never published: other docsets when one is built alone, and
    // build outputs (ours and DocFX's).
    for (folder, _) in &published.docsets {
        if !project.layout.docsets.iter().any(|d| &d.folder == folder) {
            project.layout.skip.push(folder.clone());
        }
    }
    for d in &project.layout.docsets {
        for out in ["_site/", "obj/", "_themes/", "_themes.pdf/"] {
            project.layout.skip.push(format!("{}{out}", d.folder));
        }
    }
    project.layout.skip.push("node_modules/".into());
    if repo.join(REDIRECTION).is_file() {
        project.layout.redirections.push(REDIRECTION.into());
    }
    project
        .layout
        .skip
        .push(format!("{here}{}/", config.output_dir.display()).replace('\\', "/"));
    // The most specific source folder decides.
    project
        .layout
        .mappings
        .sort_by_key(|m| std::cmp::Reverse(m.src.len()));
    Some(project)
}

/// Adds a docset's entries to the layout.
fn add_docset(layout: &mut Layout, folder: &str, base: &str, title: &str, docfx: json::Docfx) {
    let docset = layout.docsets.len();
    layout.docsets.push(Docset {
        folder: folder.to_string(),
        base: base.to_string(),
        title: title.to_string(),
        global: docfx.global,
        by_file: docfx.by_file,
    });
    for entry in docfx.entries {
        layout.mappings.push(Mapping {
            src: join_folder(folder, &entry.src),
            dest: join_folder(base, &entry.dest),
            files: entry.files,
            exclude: entry.exclude,
            resource: entry.resource,
            docset,
        });
    }
}

/// `a/` + `b` → `a/b/`; `.` and empty add nothing.
fn join_folder(folder: &str, sub: &str) -> String {
    match crate::paths::join(folder, sub.trim_matches('/')) {
        Some(p) if !p.is_empty() => format!("{p}/"),
        _ => folder.to_string(),
    }
}

/// The repository `root` is in, inside which includes and code samples
/// may live anywhere: the nearest folder at or above `root` that holds
/// `.git` or a publish config (a repository's root; one above it is
/// another repository), else the highest that holds `docfx.json`.
pub fn repository_root(root: &Path) -> PathBuf {
    let start = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let has = |d: &Path, marks: &[&str]| marks.iter().any(|m| d.join(m).exists());
    if let Some(repo) = start
        .ancestors()
        .find(|d| has(d, &[".git", PUBLISH_CONFIG]))
    {
        return repo.to_path_buf();
    }
    start
        .ancestors()
        .filter(|d| has(d, &[DOCFX_JSON]))
        .last()
        .unwrap_or(&start)
        .to_path_buf()
}

/// `../` once per level from `root` up to `repo`.
fn relative_up(root: &Path, repo: &Path) -> String {
    let start = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let depth = start
        .strip_prefix(repo)
        .map(|rel| rel.components().count())
        .unwrap_or(0);
    "../".repeat(depth)
}

/// `root` as a content path from `repo` (`Exchange/`), empty when they
/// are one.
fn root_in(root: &Path, repo: &Path) -> Option<String> {
    let start = std::fs::canonicalize(root).ok()?;
    let rel = crate::content::slash_path(start.strip_prefix(repo).ok()?);
    Some(if rel.is_empty() {
        rel
    } else {
        format!("{rel}/")
    })
}

impl Project {
    /// Fills the config keys `kbsite.yml` leaves unset from the project.
    pub fn apply(&self, config: &mut Config) {
        config.content_dir = self.content_dir.clone();
        if !config.is_set("title") {
            if let [one] = self.layout.docsets.as_slice() {
                config.title = one.title.clone();
            } else if let Some(name) = self.name() {
                config.title = name;
            }
        }
        if !config.is_set("links.external_base") && self.learn {
            config.links.external_base = Some(LEARN.into());
        }
    }

    /// The repository's folder name.
    fn name(&self) -> Option<String> {
        let dir = std::fs::canonicalize(&self.content_dir).ok()?;
        Some(dir.file_name()?.to_string_lossy().into_owned())
    }

    /// The line `build` prints: what kind of project, how many docsets.
    pub fn summary(&self, articles: usize) -> String {
        let docsets = self.layout.docsets.len();
        format!(
            "DocFX {}: {} docset{}, {} article{}",
            if docsets > 1 { "repository" } else { "project" },
            crate::diagnostics::thousands(docsets),
            if docsets == 1 { "" } else { "s" },
            crate::diagnostics::thousands(articles),
            if articles == 1 { "" } else { "s" },
        )
    }
}
