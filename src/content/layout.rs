//! Where each file of the content folder belongs. A kbsite site publishes
//! every file at its own path. A DocFX project ([`crate::docfx`]) is made
//! of docsets: each maps source folders to a base path on the site
//! (`Exchange/ExchangeServer/` → `exchange/troubleshoot/`), and globs decide
//! which files are articles and which are resources to copy; every other
//! file of the repository can still be included or shown as a code sample.

use super::front_matter::FrontMatter;
use super::walk::Kind;
use globset::GlobSet;
use std::borrow::Cow;

/// How content paths become site paths; the default is a kbsite site.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    /// Folder mappings, most specific source first. Empty: every path is
    /// published as it is.
    pub mappings: Vec<Mapping>,
    /// Folders (content paths ending in `/`) the walk does not enter:
    /// docsets not built, the output folder.
    pub skip: Vec<String>,
    /// The docsets, in the order the project lists them.
    pub docsets: Vec<Docset>,
    /// Redirection files (content paths), read with the content.
    pub redirections: Vec<String>,
}

/// One `build.content` or `build.resource` entry of a docset.
#[derive(Debug, Clone)]
pub struct Mapping {
    /// Source folder: a content path ending in `/`, or empty.
    pub src: String,
    /// Where the folder is published: a site path ending in `/`, or empty.
    pub dest: String,
    /// Files taken, relative to `src`.
    pub files: GlobSet,
    /// Files left out, relative to `src`.
    pub exclude: GlobSet,
    /// Articles (`build.content`) or files to copy (`build.resource`).
    pub resource: bool,
    /// Index into [`Layout::docsets`].
    pub docset: usize,
}

/// A docset: a folder with its `docfx.json`, published under a base path,
/// and its front matter defaults (applied to its articles before their
/// own front matter).
#[derive(Debug, Clone, Default)]
pub struct Docset {
    /// The docset's folder (content path ending in `/`, empty at the
    /// root): `fileMetadata` globs are relative to it.
    pub folder: String,
    /// Where it is published: a site path ending in `/` (empty at the
    /// site's root).
    pub base: String,
    /// Its name for readers (`titleSuffix`, else the publish config's
    /// name, else the folder's).
    pub title: String,
    /// `globalMetadata`, as YAML.
    pub global: serde_yaml::Mapping,
    /// `fileMetadata`: key, glob, value, in the order DocFX applies them.
    pub by_file: Vec<(String, globset::GlobMatcher, serde_yaml::Value)>,
}

/// `path` below folder `src`, the folder named in any letter case (as
/// DocFX on Windows reads it; redirect sources are often written so).
fn below<'p>(path: &'p str, src: &str) -> Option<&'p str> {
    let head = path.get(..src.len())?;
    head.eq_ignore_ascii_case(src).then(|| &path[src.len()..])
}

impl Layout {
    /// Whether paths are published as they are (a kbsite site).
    pub fn is_identity(&self) -> bool {
        self.mappings.is_empty()
    }

    /// The mapping that takes `path`, of the kind asked for.
    fn mapping<'p>(&self, path: &'p str, resource: bool) -> Option<(&Mapping, &'p str)> {
        self.mappings.iter().find_map(|m| {
            let rel = below(path, &m.src)?;
            (m.resource == resource && m.files.is_match(rel) && !m.exclude.is_match(rel))
                .then_some((m, rel))
        })
    }

    /// Whether `path` is an article's path in a docset of the site (it
    /// may not exist: an old address).
    pub fn publishes(&self, path: &str) -> bool {
        self.is_identity() || self.mapping(path, false).is_some()
    }

    /// Where the article or copied file at content path `path` is
    /// published, as a path from the site's root.
    pub fn site_path<'a>(&self, path: &'a str) -> Cow<'a, str> {
        if self.is_identity() {
            return Cow::Borrowed(path);
        }
        match self
            .mapping(path, false)
            .or_else(|| self.mapping(path, true))
        {
            Some((m, rel)) => Cow::Owned(format!("{}{rel}", m.dest)),
            None => Cow::Borrowed(path),
        }
    }

    /// Where the folder at content path `dir` (with or without its final
    /// `/`) is published, by the article folder that holds it.
    pub fn site_folder<'a>(&self, dir: &'a str) -> Cow<'a, str> {
        if self.is_identity() {
            return Cow::Borrowed(dir);
        }
        let slashed = format!("{}/", dir.trim_end_matches('/'));
        let found = self.mappings.iter().find_map(|m| {
            let rel = below(&slashed, &m.src)?;
            (!m.resource).then(|| format!("{}{rel}", m.dest))
        });
        match found {
            Some(site) if dir.ends_with('/') || dir.is_empty() => Cow::Owned(site),
            Some(site) => Cow::Owned(site.trim_end_matches('/').to_string()),
            None => Cow::Borrowed(dir),
        }
    }

    /// What a file at `path` is, given what the folder rules alone say
    /// (`kind`, from [`super::walk::classify`]).
    pub fn classify(&self, path: &str, kind: Kind) -> Kind {
        if self.is_identity() || kind == Kind::Skip {
            return kind;
        }
        // A docset's breadcrumb (`breadcrumb/toc.yml`) is the publishing
        // site's header, not a table of contents of its pages.
        if kind == Kind::Toc {
            let in_breadcrumb = path.rsplit('/').nth(1) == Some("breadcrumb");
            return if in_breadcrumb { Kind::Skip } else { kind };
        }
        match kind {
            Kind::Article if self.mapping(path, false).is_some() => Kind::Article,
            Kind::Article | Kind::Partial => Kind::Partial,
            // A content `.yml` is a page if it says it is YamlMime (the
            // walk looks), else copied like a resource.
            _ if self.mapping(path, true).is_some() || self.mapping(path, false).is_some() => {
                Kind::Asset
            }
            _ => Kind::Other,
        }
    }

    /// Whether the walk leaves folder `dir` (content path, ending in `/`)
    /// out.
    pub fn skips(&self, dir: &str) -> bool {
        self.skip.iter().any(|s| s == dir)
    }

    /// The front matter defaults of the article at `path`, if its docset
    /// has any.
    pub fn defaults(&self, path: &str) -> Option<FrontMatter> {
        let (m, _) = self.mapping(path, false)?;
        let meta = self.docsets.get(m.docset)?;
        let mut map = meta.global.clone();
        let rel = path.strip_prefix(meta.folder.as_str()).unwrap_or(path);
        for (key, glob, value) in &meta.by_file {
            if glob.is_match(rel) {
                map.insert(serde_yaml::Value::String(key.clone()), value.clone());
            }
        }
        if map.is_empty() {
            return None;
        }
        Some(super::front_matter::from_mapping(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(globs: &[&str]) -> GlobSet {
        let mut b = globset::GlobSetBuilder::new();
        for g in globs {
            b.add(globset::Glob::new(g).unwrap());
        }
        b.build().unwrap()
    }

    /// A docset `A/` at `a/docs/`: articles from `A/Src/` at its root,
    /// images copied from anywhere in it.
    fn layout() -> Layout {
        let mut global = serde_yaml::Mapping::new();
        global.insert("ms.service".into(), "alpha".into());
        // `fileMetadata` globs start at the docset folder, as DocFX reads them.
        let glob = globset::Glob::new("Src/guides/**/*.md")
            .unwrap()
            .compile_matcher();
        Layout {
            mappings: vec![
                Mapping {
                    src: "A/Src/".into(),
                    dest: "a/docs/".into(),
                    files: set(&["**/*.md", "**/*.yml"]),
                    exclude: set(&["**/includes/**"]),
                    resource: false,
                    docset: 0,
                },
                Mapping {
                    src: "A/".into(),
                    dest: "a/docs/".into(),
                    files: set(&["**/*.png"]),
                    exclude: GlobSet::empty(),
                    resource: true,
                    docset: 0,
                },
            ],
            skip: vec!["public/".into()],
            docsets: vec![Docset {
                folder: "A/".into(),
                base: "a/docs/".into(),
                title: "Alpha".into(),
                global,
                by_file: vec![("ms.topic".into(), glob, "how-to".into())],
            }],
            redirections: Vec::new(),
        }
    }

    #[test]
    fn docset_folders_map_to_base_paths() {
        let l = layout();
        assert_eq!(l.site_path("A/Src/x/y.md"), "a/docs/x/y.md");
        assert_eq!(l.site_path("a/src/x/y.md"), "a/docs/x/y.md");
        assert_eq!(l.site_path("A/media/p.png"), "a/docs/media/p.png");
        assert_eq!(l.site_path("B/z.md"), "B/z.md");
        assert_eq!(l.site_folder("A/Src/x"), "a/docs/x");
        assert_eq!(l.site_folder("A/Src/x/"), "a/docs/x/");
        assert!(l.publishes("A/Src/gone.md") && !l.publishes("A/other.md"));
        let identity = Layout::default();
        assert_eq!(identity.site_path("A/Src/x.md"), "A/Src/x.md");
        assert!(identity.publishes("anything.md"));
    }

    #[test]
    fn files_are_articles_includes_copies_or_samples() {
        let l = layout();
        assert_eq!(l.classify("A/Src/x.md", Kind::Article), Kind::Article);
        assert_eq!(
            l.classify("A/Src/includes/x.md", Kind::Partial),
            Kind::Partial
        );
        assert_eq!(l.classify("includes/x.md", Kind::Partial), Kind::Partial);
        assert_eq!(l.classify("README.md", Kind::Article), Kind::Partial);
        assert_eq!(l.classify("A/media/p.png", Kind::Asset), Kind::Asset);
        assert_eq!(l.classify("A/Src/index.yml", Kind::Asset), Kind::Asset);
        assert_eq!(l.classify("samples/x.cs", Kind::Asset), Kind::Other);
        assert_eq!(l.classify("A/Src/toc.yml", Kind::Toc), Kind::Toc);
        assert_eq!(
            l.classify("A/Src/breadcrumb/toc.yml", Kind::Toc),
            Kind::Skip
        );
        assert!(l.skips("public/") && !l.skips("A/"));
    }

    #[test]
    fn metadata_defaults_by_docset_and_file() {
        let l = layout();
        let d = l.defaults("A/Src/guides/g.md").unwrap();
        assert_eq!(d.service.as_deref(), Some("alpha"));
        assert_eq!(d.topic.as_deref(), Some("how-to"));
        assert_eq!(l.defaults("A/Src/other.md").unwrap().topic, None);
        assert!(l.defaults("B/x.md").is_none());
    }
}
