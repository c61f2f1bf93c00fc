//! Reading one file again after it changed on disk (the preview server's
//! load stage): the file is re-read and put in place, and the caller learns
//! whether the set of files changed or only one file's text.

use super::{place, read_markdown, walk, Content, LoadOptions, Source};
use std::io::ErrorKind;

/// What re-reading a file changed in [`Content`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileChange {
    /// Not part of the site (hidden, excluded, a toc file) or unchanged.
    Nothing,
    /// The article at this index has new text; every index is as before.
    Article(usize),
    /// The includable Markdown file at this path has new text.
    Partial(String),
    /// An asset's bytes changed (it is copied as it is).
    Asset(String),
    /// A file came or went, or changed kind: indices may have moved.
    Structure,
}

/// Re-reads `path` (relative to the content folder, `/`-separated) and
/// updates `content` to match the disk. `None` when one file cannot tell
/// (a folder, a symbolic link, a deleted folder): load everything again.
pub fn reload(content: &mut Content, opts: &LoadOptions, path: &str) -> Option<FileChange> {
    let skipped = || {
        let dirs = path.match_indices('/').map(|(i, _)| &path[..=i]);
        dirs.into_iter().any(|d| opts.layout.skips(d))
    };
    if path.is_empty() || path.split('/').any(|c| c.starts_with('.')) || skipped() {
        return Some(FileChange::Nothing);
    }
    let full = opts.content_dir.join(path);
    let meta = match std::fs::symlink_metadata(&full) {
        Ok(m) => m,
        Err(e) if e.kind() == ErrorKind::NotFound => return removed(content, path),
        Err(_) => return None,
    };
    if !meta.is_file() {
        return None;
    }
    let mut ignored = Vec::new();
    let (anywhere, rooted) = walk::exclude_set(&opts.exclude, &mut ignored);
    let kind = opts
        .layout
        .classify(path, walk::classify(path, &[&anywhere, &rooted]));
    match kind {
        walk::Kind::Skip => Some(FileChange::Nothing),
        walk::Kind::Other if walk::is_yaml_mime(&full) => Some(FileChange::Nothing),
        walk::Kind::Other if content.others.contains(path) => {
            Some(FileChange::Asset(path.to_string()))
        }
        walk::Kind::Other => {
            content.others.insert(path.to_string());
            content.add_lower(path);
            Some(FileChange::Structure)
        }
        // The navigation of whole folders: read everything again.
        walk::Kind::Toc => None,
        walk::Kind::Asset if walk::is_yaml_mime(&full) => None,
        walk::Kind::Asset if content.assets.contains(path) => {
            Some(FileChange::Asset(path.to_string()))
        }
        walk::Kind::Asset => {
            content.assets.insert(path.to_string());
            content.add_lower(path);
            Some(FileChange::Structure)
        }
        walk::Kind::Article | walk::Kind::Partial => {
            Some(reread_markdown(content, opts, path, kind))
        }
    }
}

/// A path that is gone: a file of the site, a folder of them, or nothing.
fn removed(content: &mut Content, path: &str) -> Option<FileChange> {
    let file = format!("{}{path}", content.display_prefix);
    content
        .diagnostics
        .retain(|d| d.file.as_deref() != Some(&file));
    if content.assets.remove(path) || content.others.remove(path) {
        content.remove_lower(path);
        return Some(FileChange::Structure);
    }
    if let Some(source) = content.source(path) {
        forget(content, source);
        content.remove_lower(path);
        return Some(FileChange::Structure);
    }
    if content.tocs.iter().any(|t| t.path == path) {
        return None;
    }
    let folder = format!("{path}/");
    if content.paths().any(|p| p.starts_with(&folder)) {
        return None;
    }
    Some(FileChange::Nothing)
}

/// Drops a Markdown file from `content`.
fn forget(content: &mut Content, source: Source) {
    match source {
        Source::Article(i) => {
            let a = content.articles.remove(i);
            content.released.remove(&a.path);
        }
        Source::Partial(i) => drop(content.partials.remove(i)),
    }
}

fn reread_markdown(
    content: &mut Content,
    opts: &LoadOptions,
    path: &str,
    kind: walk::Kind,
) -> FileChange {
    let file = format!("{}{path}", content.display_prefix);
    let bytes = std::fs::read(opts.content_dir.join(path));
    let loaded = read_markdown(path, &file, bytes, &opts.layout);
    content
        .diagnostics
        .retain(|d| d.file.as_deref() != Some(&file));
    let old = content.source(path);
    let is_article =
        |a: &super::Article| kind == walk::Kind::Article && (opts.drafts || !a.front.draft);
    match (old, loaded.item) {
        (Some(Source::Article(i)), Some(a)) if is_article(&a) => {
            content.diagnostics.extend(loaded.diagnostics);
            content.released.remove(&a.path);
            content.articles[i] = a;
            FileChange::Article(i)
        }
        (Some(Source::Partial(i)), Some(a)) if !is_article(&a) => {
            content.diagnostics.extend(loaded.diagnostics);
            let p = &mut content.partials[i];
            p.body = a.body;
            p.body_line = a.body_line;
            FileChange::Partial(path.to_string())
        }
        (old, item) => {
            if let Some(source) = old {
                forget(content, source);
            }
            let loaded = super::Loaded {
                item,
                diagnostics: loaded.diagnostics,
            };
            place(content, kind, loaded, opts.drafts);
            content.articles.sort_by(|a, b| a.path.cmp(&b.path));
            content.partials.sort_by(|a, b| a.path.cmp(&b.path));
            content.remove_lower(path);
            if content.source(path).is_some() {
                content.add_lower(path);
            }
            FileChange::Structure
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::load;

    fn site() -> (tempfile::TempDir, LoadOptions) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("content");
        std::fs::create_dir_all(root.join("a/includes")).unwrap();
        std::fs::write(root.join("a/one.md"), "# One\n").unwrap();
        std::fs::write(root.join("a/two.md"), "# Two\n").unwrap();
        std::fs::write(root.join("a/includes/inc.md"), "text\n").unwrap();
        let opts = LoadOptions {
            content_dir: root,
            display_prefix: "content/".into(),
            exclude: vec![],
            drafts: false,
            layout: Default::default(),
        };
        (dir, opts)
    }

    #[test]
    fn edits_in_place_keep_indices() {
        let (_d, opts) = site();
        let mut c = load(&opts);
        std::fs::write(opts.content_dir.join("a/two.md"), "# Two, edited\n").unwrap();
        assert_eq!(
            reload(&mut c, &opts, "a/two.md"),
            Some(FileChange::Article(1))
        );
        assert_eq!(c.articles[1].body, "# Two, edited\n");
        std::fs::write(opts.content_dir.join("a/includes/inc.md"), "new\n").unwrap();
        assert_eq!(
            reload(&mut c, &opts, "a/includes/inc.md"),
            Some(FileChange::Partial("a/includes/inc.md".into()))
        );
        assert_eq!(c.markdown("a/includes/inc.md").unwrap().body, "new\n");
    }

    #[test]
    fn new_deleted_and_broken_files_change_the_structure() {
        let (_d, opts) = site();
        let mut c = load(&opts);
        std::fs::write(opts.content_dir.join("a/new.md"), "# New\n").unwrap();
        assert_eq!(
            reload(&mut c, &opts, "a/new.md"),
            Some(FileChange::Structure)
        );
        assert_eq!(c.article_index("a/new.md"), Some(0));
        assert_eq!(c.article_index("a/one.md"), Some(1));
        std::fs::remove_file(opts.content_dir.join("a/one.md")).unwrap();
        assert_eq!(
            reload(&mut c, &opts, "a/one.md"),
            Some(FileChange::Structure)
        );
        assert_eq!(c.article_index("a/one.md"), None);
        // Unclosed front matter: the article is dropped, its error kept.
        std::fs::write(opts.content_dir.join("a/two.md"), "---\ntitle: x\n").unwrap();
        assert_eq!(
            reload(&mut c, &opts, "a/two.md"),
            Some(FileChange::Structure)
        );
        assert_eq!(c.article_index("a/two.md"), None);
        assert!(c
            .diagnostics
            .iter()
            .any(|d| d.file.as_deref() == Some("content/a/two.md")));
        std::fs::write(opts.content_dir.join("a/two.md"), "# Two\n").unwrap();
        assert_eq!(
            reload(&mut c, &opts, "a/two.md"),
            Some(FileChange::Structure)
        );
        assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
        // Paths that differ only in case follow the files that come and go.
        std::fs::write(opts.content_dir.join("a/Mixed.md"), "# M\n").unwrap();
        reload(&mut c, &opts, "a/Mixed.md");
        assert_eq!(c.case_insensitive("a/mixed.md"), Some("a/Mixed.md"));
        std::fs::write(opts.content_dir.join("a/media.PNG"), "png").unwrap();
        reload(&mut c, &opts, "a/media.PNG");
        assert_eq!(c.case_insensitive("a/MEDIA.png"), Some("a/media.PNG"));
        std::fs::remove_file(opts.content_dir.join("a/Mixed.md")).unwrap();
        reload(&mut c, &opts, "a/Mixed.md");
        assert_eq!(c.case_insensitive("a/mixed.md"), None);
        assert_eq!(c.article_index("a/two.md"), Some(1));
        // A folder that went away cannot be told from one path.
        std::fs::remove_dir_all(opts.content_dir.join("a")).unwrap();
        assert_eq!(reload(&mut c, &opts, "a"), None);
        assert_eq!(reload(&mut c, &opts, ".git/x"), Some(FileChange::Nothing));
    }
}
