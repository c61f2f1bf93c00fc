//! Walks the content folder in a deterministic order and sorts files into
//! articles, includable Markdown, assets to copy, and files to leave alone.

use super::layout::Layout;
use crate::diagnostics::Diagnostic;
use globset::{Glob, GlobSet, GlobSetBuilder};
use std::collections::BTreeSet;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A `.md` file that becomes a page.
    Article,
    /// A `.md` file inside an `includes` folder.
    Partial,
    /// Any other file, copied as is.
    Asset,
    /// A DocFX table of contents (`toc.yml`), read for the navigation.
    Toc,
    /// Read by other stages or not part of the output (`toc.md`, YamlMime
    /// pages, excluded files).
    Skip,
    /// A file of a DocFX repository that is not published but can be shown
    /// as a code sample.
    Other,
}

pub struct Walked {
    /// Markdown files to read, sorted by path.
    pub markdown: Vec<(String, Kind)>,
    pub assets: BTreeSet<String>,
    /// Files that are not published but can be read ([`Kind::Other`]).
    pub others: BTreeSet<String>,
    /// Tables of contents, sorted by path.
    pub tocs: Vec<String>,
    pub diagnostics: Vec<Diagnostic>,
}

/// What a file at `path` (relative, `/`-separated) is.
pub fn classify(path: &str, exclude: &[&GlobSet]) -> Kind {
    if exclude.iter().any(|g| g.is_match(path)) {
        return Kind::Skip;
    }
    let name = path.rsplit('/').next().unwrap_or(path);
    let lower = name.to_ascii_lowercase();
    if lower == "toc.yml" || lower == "toc.yaml" {
        return Kind::Toc;
    }
    if lower == "toc.md" {
        return Kind::Skip;
    }
    if lower.ends_with(".md") || lower.ends_with(".markdown") {
        let in_includes = path
            .split('/')
            .rev()
            .skip(1)
            .any(|dir| dir.eq_ignore_ascii_case("includes"));
        return if in_includes {
            Kind::Partial
        } else {
            Kind::Article
        };
    }
    Kind::Asset
}

/// Compiles `exclude` globs. A glob without `/` matches a file name in any
/// folder (like .gitignore), one with `/` the path from the content folder.
pub fn exclude_set(globs: &[String], diags: &mut Vec<Diagnostic>) -> (GlobSet, GlobSet) {
    let mut anywhere = GlobSetBuilder::new();
    let mut rooted = GlobSetBuilder::new();
    for g in globs {
        let (builder, pattern) = if g.contains('/') {
            (&mut rooted, g.trim_start_matches('/').to_string())
        } else {
            (&mut anywhere, format!("**/{g}"))
        };
        match Glob::new(&pattern) {
            Ok(glob) => {
                builder.add(glob);
            }
            Err(e) => diags.push(
                Diagnostic::warning(format!("exclude pattern `{g}` is not a valid glob: {e}"))
                    .in_file(crate::config::FILE_NAME),
            ),
        }
    }
    let build = |b: GlobSetBuilder| b.build().unwrap_or_else(|_| GlobSet::empty());
    (build(anywhere), build(rooted))
}

/// Lists the content folder. Hidden files and folders (`.git`) are skipped;
/// symbolic links are not followed (an info note says so).
pub fn walk(dir: &Path, display_prefix: &str, exclude: &[String], layout: &Layout) -> Walked {
    let mut diagnostics = Vec::new();
    let (anywhere, rooted) = exclude_set(exclude, &mut diagnostics);
    let excluded = [&anywhere, &rooted];
    let mut markdown = Vec::new();
    let mut assets = BTreeSet::new();
    let mut others = BTreeSet::new();
    let mut tocs = Vec::new();
    if !dir.is_dir() {
        diagnostics.push(
            Diagnostic::error(format!(
                "no site here: content folder `{}` does not exist, and there is no docfx.json",
                display_prefix.trim_end_matches('/')
            ))
            .with_hint(
                "kbsite looks for the content folder (`content_dir` in kbsite.yml, default `content`), \
                 else a DocFX docfx.json or .openpublishing.publish.config.json; \
                 start a site with `kbsite new DIR`, set `content_dir`, or pass --root to the site folder",
            ),
        );
        return Walked {
            markdown,
            assets,
            others,
            tocs,
            diagnostics,
        };
    }
    let walker = walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            if e.depth() == 0 {
                return true;
            }
            let skipped = e.file_type().is_dir()
                && !layout.skip.is_empty()
                && e.path()
                    .strip_prefix(dir)
                    .is_ok_and(|rel| layout.skips(&format!("{}/", to_slash(rel))));
            !skipped && !e.file_name().to_string_lossy().starts_with('.')
        });
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let rel = e
                    .path()
                    .and_then(|p| p.strip_prefix(dir).ok())
                    .map(|p| format!("{display_prefix}{}", to_slash(p)));
                let mut d = Diagnostic::error(format!("cannot read folder entry: {e}"))
                    .with_hint("check the permissions");
                if let Some(file) = rel {
                    d = d.in_file(file);
                }
                diagnostics.push(d);
                continue;
            }
        };
        let Ok(rel) = entry.path().strip_prefix(dir) else {
            continue;
        };
        let rel = to_slash(rel);
        if entry.file_type().is_symlink() {
            diagnostics.push(
                Diagnostic::info("symbolic link not followed")
                    .in_file(format!("{display_prefix}{rel}"))
                    .with_hint("copy the file or folder into the content folder to publish it"),
            );
            continue;
        }
        if !entry.file_type().is_file() {
            continue;
        }
        match layout.classify(&rel, classify(&rel, &excluded)) {
            kind @ (Kind::Asset | Kind::Other) => match yaml_mime_kind(entry.path()).as_deref() {
                Some(_) if kind == Kind::Other => {}
                Some(page) if super::faq::is_page(page) => markdown.push((rel, Kind::Article)),
                // The breadcrumb and toc a page opened with `?context=`
                // shows: each docset's pages have their toc already.
                Some("ContextObject") => {}
                Some(other) => diagnostics.push(
                    Diagnostic::info(format!(
                        "DocFX YamlMime:{other} page not built: kbsite builds YamlMime:FAQ, Landing and Hub pages"
                    ))
                    .in_file(format!("{display_prefix}{rel}"))
                    .with_hint("write it as a Markdown article, or list it under `exclude`"),
                ),
                None if kind == Kind::Asset => {
                    assets.insert(rel);
                }
                None => {
                    others.insert(rel);
                }
            },
            Kind::Toc => tocs.push(rel),
            Kind::Skip => {}
            kind => markdown.push((rel, kind)),
        }
    }
    // The walk goes folder by folder: `a/b/x.md` comes before `a/b-c.md`,
    // though `-` sorts before `/`. Lookups search these lists by path.
    markdown.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    tocs.sort_unstable();
    Walked {
        markdown,
        assets,
        others,
        tocs,
        diagnostics,
    }
}

/// Whether a file is a DocFX YAML page (`### YamlMime:FAQ`), not a file
/// to copy.
pub fn is_yaml_mime(path: &Path) -> bool {
    yaml_mime_kind(path).is_some()
}

/// The kind a DocFX YAML page declares (`FAQ`), read from its first line.
pub fn yaml_mime_kind(path: &Path) -> Option<String> {
    let name = path.file_name().and_then(|n| n.to_str());
    if !name.is_some_and(super::faq::is_yaml_name) {
        return None;
    }
    use std::io::Read;
    let mut head = [0u8; 64];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    let head = String::from_utf8_lossy(&head[..n]);
    super::faq::yaml_mime(&head).map(str::to_string)
}

pub fn to_slash(p: &Path) -> String {
    p.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies() {
        assert_eq!(classify("a/b.md", &[]), Kind::Article);
        assert_eq!(classify("a/INCLUDES/b.md", &[]), Kind::Partial);
        assert_eq!(classify("includes/b.md", &[]), Kind::Partial);
        assert_eq!(classify("includes.md", &[]), Kind::Article);
        assert_eq!(classify("a/TOC.yml", &[]), Kind::Toc);
        assert_eq!(classify("a/toc.md", &[]), Kind::Skip);
        assert_eq!(classify("a/media/x.png", &[]), Kind::Asset);
    }

    #[test]
    fn walks_sorted_skipping_hidden_and_excluded() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for f in [
            "b.md",
            "a/z.md",
            "a/README.md",
            "README.md",
            ".git/x.md",
            "a/.hidden.md",
            "a/img.png",
            "drafts/x.md",
            "faq.yml",
            "conceptual.yml",
            "n/x.md",
            "n-when.md",
        ] {
            let p = root.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(
                &p,
                match f {
                    "faq.yml" => "### YamlMime:FAQ\n",
                    "conceptual.yml" => "### YamlMime:Conceptual\n",
                    _ => "x",
                },
            )
            .unwrap();
        }
        let w = walk(
            root,
            "content/",
            &["README.md".into(), "drafts/**".into()],
            &Layout::default(),
        );
        let md: Vec<_> = w.markdown.iter().map(|(p, _)| p.as_str()).collect();
        // A DocFX FAQ page is an article; other YamlMime kinds a note.
        // By path, not folder by folder (`n-when.md` before `n/x.md`).
        assert_eq!(md, vec!["a/z.md", "b.md", "faq.yml", "n-when.md", "n/x.md"]);
        assert_eq!(w.assets.iter().collect::<Vec<_>>(), vec!["a/img.png"]);
        assert_eq!(w.diagnostics.len(), 1);
        assert!(w.diagnostics[0].message.contains("YamlMime:Conceptual"));
    }

    #[test]
    fn missing_folder_is_an_error() {
        let w = walk(
            Path::new("/nonexistent/kbsite"),
            "content/",
            &[],
            &Layout::default(),
        );
        assert_eq!(
            w.diagnostics[0].severity,
            crate::diagnostics::Severity::Error
        );
    }
}
