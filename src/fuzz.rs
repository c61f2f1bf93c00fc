//! Entry points for the fuzz targets in `fuzz/` and for the regression test
//! `tests/fuzz_regressions.rs`: each takes arbitrary bytes and drives one
//! part of the pipeline the way a build does. Any panic is a bug; the
//! asserts here check the few properties every input must keep (diagnostic
//! lines inside the file, the body starting at the line it says).
//!
//! Bytes become text the way the loader reads a file: UTF-8 goes to
//! [`content::from_memory`] as is (which decodes it like a file on disk:
//! BOM, line endings, control characters, NUL refused), and anything else
//! goes through [`decode::decode`] first (UTF-16 with a BOM), so input the
//! loader would accept is never turned away here.

use crate::config::{self, Config};
use crate::content::{self, decode, front_matter, Content};
use crate::diagnostics::Diagnostic;
use crate::markdown::{self, Parsed, Settings};
use crate::render::{self, theme::Theme};
use crate::{links, tree};
use std::borrow::Cow;
use std::sync::OnceLock;

/// The file lines `text` has, for checking diagnostic lines against.
fn line_count(text: &str) -> u32 {
    text.split('\n').count() as u32
}

/// `data` as a file's text, or `None` when the loader would refuse it.
/// UTF-8 is returned untouched (the caller's loader path decodes it).
fn text_of(data: &[u8]) -> Option<Cow<'_, str>> {
    match std::str::from_utf8(data) {
        Ok(s) => Some(Cow::Borrowed(s)),
        Err(_) => decode::decode(data).ok().map(Cow::Owned),
    }
}

fn check_lines(diags: &[Diagnostic], last: u32, what: &str) {
    for d in diags {
        if let Some(l) = d.line {
            assert!(
                (1..=last).contains(&l),
                "{what}: diagnostic at line {l} outside 1..={last}: {d:?}"
            );
        }
        let _ = d.location();
    }
}

/// Decode, split and parse one article's front matter, as the loader does.
pub fn front_matter(data: &[u8]) {
    let text = match decode::decode(data) {
        Ok(t) => t,
        Err(e) => {
            if let Some(l) = e.line {
                assert!(l >= 1 && l as usize <= data.len() + 1, "decode line {l}");
            }
            return;
        }
    };
    let last = line_count(&text);
    let split = match front_matter::split(&text) {
        Ok(s) => s,
        Err(d) => {
            check_lines(&[d], last, "split");
            return;
        }
    };
    let body_start = text.len() - split.body.len();
    assert_eq!(
        &text[body_start..],
        split.body,
        "body is the end of the text"
    );
    if !split.body.is_empty() {
        let line = text[..body_start].matches('\n').count() as u32 + 1;
        assert_eq!(line, split.body_line, "body_line of a non-empty body");
    }
    if let Some(yaml) = split.yaml {
        let (_fm, diags) = front_matter::parse(yaml, 2);
        // Front matter problems point into the front matter.
        check_lines(
            &diags,
            split.body_line.saturating_sub(1).max(1),
            "front matter",
        );
    }
    // The same bytes through the loader's own path.
    if let Ok(s) = std::str::from_utf8(data) {
        let c = content::from_memory(&[("a/article.md", s)], "content/");
        check_lines(&c.diagnostics, last.max(line_count(s)), "load");
    }
}

/// Files every Markdown input sits among: an include with a note, an
/// image and links, a nested include, an include cycle, a second article
/// with an anchor, a uid and a KB number, and an image.
const MARKDOWN_SITE: &[(&str, &str)] = &[
    (
        "support/includes/note.md",
        "> [!NOTE]\n> Included text with [a link](../sql/admin/other.md#cause) and \
         ![a picture](../sql/admin/media/pic.png).\n\n[!INCLUDE [nested](nested.md)]\n",
    ),
    (
        "support/includes/nested.md",
        ":::image type=\"content\" source=\"../sql/admin/media/pic.png\" alt-text=\"Nested\":::\n",
    ),
    (
        "support/includes/loop.md",
        "Loop [!INCLUDE [me](loop.md)]\n",
    ),
    (
        "support/sql/admin/other.md",
        "---\ntitle: Other\nuid: other-uid\nkb: 123456\n---\n# Other\n\n## Cause\n\nText.\n",
    ),
    ("support/sql/admin/media/pic.png", "png"),
];

/// Path the Markdown target's input is read from.
const MARKDOWN_PATH: &str = "support/sql/admin/article.md";

/// The input as an article body among [`MARKDOWN_SITE`], through the load
/// and parse stages (includes, images, notes, links, decision trees).
pub fn markdown(data: &[u8]) {
    let Some(text) = text_of(data) else { return };
    let mut files: Vec<(&str, &str)> = MARKDOWN_SITE.to_vec();
    files.push((MARKDOWN_PATH, &text));
    let content = content::from_memory(&files, "content/");
    let settings = Settings::default();
    // Lines as the loader counts them (`\r` ends a line too).
    let last = decode::decode(text.as_bytes()).map_or(0, |t| line_count(&t));
    for a in &content.articles {
        let p = markdown::parse(a, &content, &settings);
        let _ = markdown::plain_text(&p.html.text(), &p.links);
        for l in &p.links {
            let _ = p.file_of(l.at);
        }
        if a.path == MARKDOWN_PATH {
            let own: Vec<Diagnostic> = p
                .diagnostics
                .iter()
                .filter(|d| d.file.as_deref() == Some(a.file.as_str()))
                .cloned()
                .collect();
            check_lines(&own, last, "markdown");
        }
    }
}

/// A DocFX FAQ page (`### YamlMime:FAQ`, added when the input lacks it)
/// beside an article it may link to: load (the YAML turned into Markdown on
/// the file's lines) and parse. Its diagnostics point inside the file.
pub fn faq(data: &[u8]) {
    let Some(text) = text_of(data) else { return };
    let text = if text.starts_with("### YamlMime:FAQ") {
        text.into_owned()
    } else {
        format!("### YamlMime:FAQ\n{text}")
    };
    let files = [
        ("support/faq.yml", text.as_str()),
        ("support/other.md", "# Other\n\n## Cause\n"),
    ];
    let content = content::from_memory(&files, "content/");
    // Lines as the loader counts them: a lone `\r` ends a line too.
    let last = decode::decode(text.as_bytes()).map_or(line_count(&text), |t| line_count(&t));
    check_lines(&content.diagnostics, last, "faq load");
    let settings = Settings::default();
    for a in content.articles.iter().filter(|a| a.path.ends_with(".yml")) {
        let parsed = markdown::parse(a, &content, &settings);
        let own: Vec<Diagnostic> = parsed
            .diagnostics
            .iter()
            .filter(|d| d.file.as_deref() == Some(a.file.as_str()))
            .cloned()
            .collect();
        check_lines(&own, last.max(line_count(&a.body)), "faq parse");
    }
}

/// A decision-tree block: parse, validate, run its tests, draw the SVG and,
/// when valid, render its HTML.
pub fn tree(data: &[u8]) {
    let Some(yaml) = text_of(data) else { return };
    // Text the block would hold after the loader normalised it.
    let yaml = match decode::decode(yaml.as_bytes()) {
        Ok(y) => y,
        Err(_) => return,
    };
    let first_line = 11;
    let max_nodes = config::TreesConfig::default().max_nodes;
    match tree::build(&yaml, first_line, max_nodes) {
        Ok(built) => {
            let summary = tree::Summary::of(&built, "content/a.md");
            let mut text = |md: &str, _line: u32, block: bool| {
                if block {
                    markdown::escape(md)
                } else {
                    markdown::inline_text(md)
                }
            };
            let html = tree::html::render(&built.tree, &built.svg, &summary.svg_file(), &mut text);
            assert!(html.ends_with("</section>\n"));
        }
        Err(diags) => {
            assert!(!diags.is_empty(), "a failed tree says why");
            let last = first_line + line_count(&yaml);
            for d in &diags {
                if let Some(l) = d.line {
                    assert!(
                        (first_line..=last).contains(&l),
                        "tree diagnostic at line {l} outside {first_line}..={last}: {d:?}"
                    );
                }
            }
        }
    }
}

/// Where the pieces of a links input go, in order.
pub const LINKS_PATHS: &[&str] = &[
    "support/sql/admin/a.md",
    "support/sql/admin/b.md",
    "support/windows-server/high-availability/c.md",
    "support/includes/inc.md",
    "index.md",
    "support/windows-server/toc.yml",
];

/// The byte that separates the pieces of a links input (decoding refuses
/// NUL, so no real file holds it).
pub const LINKS_SEPARATOR: u8 = 0;

fn links_config() -> &'static Config {
    static CONFIG: OnceLock<Config> = OnceLock::new();
    CONFIG.get_or_init(|| {
        let (config, diags) = config::parse(
            "title: Fuzz KB\nbase_url: https://kb.example.org/docs/\n\
             links:\n  mounts:\n    /troubleshoot/: support/\n    /sql/: support/sql/\n  \
             external_base: https://learn.example.com\n",
        );
        assert!(diags.is_empty(), "{diags:?}");
        config
    })
}

fn theme() -> &'static Theme {
    static THEME: OnceLock<Theme> = OnceLock::new();
    THEME.get_or_init(|| {
        // The default theme only: a folder that does not exist adds nothing.
        let root = std::path::Path::new("/nonexistent/kbsite-fuzz");
        render::theme::load(root, "default").unwrap_or_else(|d| panic!("{d:?}"))
    })
}

/// Takes the rendered pages, wants none of the theme's or content's files.
struct PagesOnly;

impl render::Sink for PagesOnly {
    fn put(&self, _: render::OutputFile) -> Result<(), String> {
        Ok(())
    }

    fn wants(&self, _path: &str) -> bool {
        false
    }
}

/// The input cut at NUL bytes into the files of [`LINKS_PATHS`] (plus an
/// image), then loaded, parsed, linked (relative, site-relative, mounted,
/// `xref:`, KB, anchor and unsafe links, redirects, tocs), and its article
/// pages, feed and sitemap rendered.
pub fn links(data: &[u8]) {
    let pieces: Vec<Cow<'_, str>> = data
        .split(|&b| b == LINKS_SEPARATOR)
        .take(LINKS_PATHS.len())
        .map(|p| text_of(p).unwrap_or(Cow::Borrowed("")))
        .collect();
    let mut files: Vec<(&str, &str)> = LINKS_PATHS
        .iter()
        .zip(&pieces)
        .map(|(path, text)| (*path, text.as_ref()))
        .collect();
    files.push(("support/sql/admin/media/pic.png", "png"));
    let content: Content = content::from_memory(&files, "content/");
    let config = links_config();
    let settings = Settings::from(config);
    let parsed: Vec<Parsed> = content
        .articles
        .iter()
        .map(|a| markdown::parse(a, &content, &settings))
        .collect();
    let linked = links::link(&content, &parsed, config);
    assert_eq!(linked.resolved.len(), parsed.len());
    for (p, r) in parsed.iter().zip(&linked.resolved) {
        assert_eq!(p.links.len(), r.len(), "one resolution per link");
    }
    let _ = linked.external_urls(&parsed);
    // The pages links end up in (every page of a build is far slower per
    // run than everything before it): the articles, the feed and the
    // sitemap. The theme's files are not copied.
    let plan = render::plan(&parsed, &linked, config);
    let pages: Vec<String> = linked
        .articles
        .iter()
        .map(|a| format!("{}index.html", a.dir))
        .collect();
    let pick = |n: usize| {
        let path = plan.path(n);
        path == "feed.xml" || path == "sitemap.xml" || pages.contains(&path)
    };
    let selection = render::Selection {
        plan: &plan,
        pick: Some(&pick),
        list_paths: true,
    };
    let rendered = render::render_some(&selection, &content, &parsed, config, theme(), &PagesOnly);
    for d in &rendered.diagnostics {
        // The default theme's templates must render whatever the content.
        assert!(!d.message.starts_with("rendering "), "render error: {d:?}");
    }
}
