//! Line-level DocFX forms, handled before pulldown-cmark sees the text:
//! `[!INCLUDE]` is inlined (its lines take the include line's indentation or
//! `>` prefix, so an include inside a list item or a note stays there),
//! `[!code-LANG[...](path)]` becomes a fenced code block the same way (see
//! [`super::snippets`]), the KB metadata lines are lifted out, and
//! `:::image` lines become placeholder comments that the event pass turns
//! into HTML, and DocFX tab headings (`# [Windows](#tab/windows)`, a group
//! ended by `---`) become plain headings, each tab a section of the page. A source map remembers the file and line every produced line
//! came from, so diagnostics and relative links inside includes point into
//! the include file.

use super::snippets;
use crate::content::{Content, MarkdownSource};
use crate::diagnostics::Diagnostic;
use crate::paths;
use regex::Regex;
use std::sync::LazyLock;

/// Nested includes deeper than this are a runaway, not a design.
const MAX_INCLUDE_DEPTH: usize = 16;

/// Where a produced line came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Origin {
    /// Index into [`Prepared::sources`].
    pub source: u16,
    /// 1-based line in that file.
    pub line: u32,
}

/// A file that contributed lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Content path (`support/includes/x.md`), the base for its relative links.
    pub path: String,
    /// Display path for diagnostics (`content/support/includes/x.md`).
    pub file: String,
}

/// The KB metadata lines of an article body.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct KbMeta {
    pub applies_to: Option<String>,
    pub kb_number: Option<String>,
    pub product_version: Option<String>,
    /// The file line of the KB number, for diagnostics about it.
    #[serde(skip)]
    pub kb_line: Option<u32>,
}

/// A block the event pass renders in place of a `<!--kbsite:N-->` marker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Image {
        src: String,
        alt: String,
        /// Long description of a `type="complex"` image.
        description: Option<String>,
        at: Origin,
    },
    /// An include that could not be inlined; the spot is marked.
    BrokenInclude { target: String, reason: String },
    /// A code snippet with nothing to show; the spot is marked.
    BrokenSnippet { target: String, reason: String },
}

#[derive(Debug, Default)]
pub struct Prepared {
    pub text: String,
    /// One entry per line of `text`.
    pub lines: Vec<Origin>,
    pub sources: Vec<SourceFile>,
    pub meta: KbMeta,
    pub blocks: Vec<Block>,
    pub diagnostics: Vec<Diagnostic>,
}

pub const MARKER_START: &str = "<!--kbsite:";

static INCLUDE_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(\s*(?:>\s?)*\s*)\[!INCLUDE\s*\[[^\]]*\]\(\s*<?([^)>]*?)>?\s*\)\s*\]\s*$")
        .unwrap()
});
/// `[!code-LANG[name](path?query#fragment "title")]` alone on its line:
/// the prefix, LANG, and the target with its query and fragment.
static CODE_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)^(\s*(?:>\s?)*\s*)\[!code(?:-([^\[\]\s]*))?\s*\[(?:\\.|[^\]\\])*\]\(\s*<?([^)"]*?)>?\s*(?:"(?:\\.|[^"\\])*"\s*)?\)\s*\]\s*$"#,
    )
    .unwrap()
});
static INCLUDE_INLINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\[!INCLUDE\s*\[[^\]]*\]\(\s*<?([^)>]*?)>?\s*\)\s*\]").unwrap()
});
static IMAGE_LINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\s*(?:>\s?)*\s*):::image\s+(.*?):::\s*$").unwrap());
static IMAGE_END: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*(?:>\s?)*\s*:::image-end:::\s*$").unwrap());
static ATTR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')"#).unwrap());
static META_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*_(applies to|original kb number|original product version)\s*(?::_|_\s*:|_)\s*(.*)$")
        .unwrap()
});
/// `## [Label](#tab/id)`: a DocFX tab.
static TAB_HEADING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\s*(?:>\s*)*#{1,6})\s+\[(.+)\]\(#tab/[^)]*\)\s*#*\s*$").unwrap()
});
static CONTAINER_PREFIX: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*(?:>\s?)*\s*").unwrap());

/// Prepares an article body (and everything it includes).
pub fn prepare(article: MarkdownSource<'_>, content: &Content) -> Prepared {
    let mut p = Prepared {
        text: String::with_capacity(article.body.len() + 64),
        ..Prepared::default()
    };
    let mut stack = vec![article.path.to_string()];
    expand(article, "", &mut p, &mut stack, content);
    p
}

fn source_index(p: &mut Prepared, src: MarkdownSource<'_>) -> u16 {
    if let Some(i) = p.sources.iter().position(|s| s.path == src.path) {
        return i as u16;
    }
    p.sources.push(SourceFile {
        path: src.path.to_string(),
        file: src.file.to_string(),
    });
    (p.sources.len() - 1).min(u16::MAX as usize) as u16
}

/// Fenced code tracking, so examples of DocFX syntax in code stay literal.
#[derive(Default)]
struct Fence {
    open: Option<(char, usize)>,
}

impl Fence {
    /// Updates the state with `line`; true while the line is inside a fence
    /// (fence lines included).
    fn step(&mut self, line: &str) -> bool {
        let inner = CONTAINER_PREFIX
            .find(line)
            .map_or(line, |m| &line[m.end()..]);
        let ch = inner.chars().next();
        let run = |c: char| inner.chars().take_while(|&x| x == c).count();
        match (self.open, ch) {
            (None, Some(c @ ('`' | '~'))) if run(c) >= 3 => {
                self.open = Some((c, run(c)));
                true
            }
            (Some((c, n)), Some(x))
                if x == c && run(c) >= n && inner[run(c)..].trim().is_empty() =>
            {
                self.open = None;
                true
            }
            (Some(_), _) => true,
            (None, _) => false,
        }
    }
}

fn expand(
    src: MarkdownSource<'_>,
    prefix: &str,
    p: &mut Prepared,
    stack: &mut Vec<String>,
    content: &Content,
) {
    let source = source_index(p, src);
    let top_level = stack.len() == 1;
    let mut fence = Fence::default();
    // Inside a group of DocFX tabs, whose `---` ends it (no rule).
    let mut tabs = false;
    let mut lines = src.body.split('\n').enumerate().peekable();
    // A body ending in a newline has no line after it.
    let total = src.body.split('\n').count() - usize::from(src.body.ends_with('\n'));
    while let Some((i, line)) = lines.next() {
        if i >= total {
            break;
        }
        let at = Origin {
            source,
            line: src.body_line + i as u32,
        };
        // Every form handled here starts its line (after indentation and `>`
        // markers), so one look at that first character rules most lines out
        // before any regex runs.
        let first = line
            .trim_start_matches([' ', '\t', '>'])
            .as_bytes()
            .first()
            .copied();
        if (fence.open.is_some() || matches!(first, Some(b'`' | b'~'))) && fence.step(line) {
            push_line(p, prefix, line, at);
            continue;
        }
        if top_level && first == Some(b'_') && take_meta_line(line, &mut p.meta) {
            if p.meta.kb_number.is_some() && p.meta.kb_line.is_none() {
                p.meta.kb_line = Some(at.line);
            }
            continue;
        }
        if first == Some(b'#') && line.contains("](#tab/") {
            if let Some(c) = TAB_HEADING.captures(line) {
                tabs = true;
                push_line(p, prefix, &format!("{} {}", &c[1], &c[2]), at);
                continue;
            }
        }
        if tabs && line.trim() == "---" {
            tabs = false;
            push_line(p, prefix, "", at);
            continue;
        }
        let directive = line.contains("[!");
        let block_directive = directive && first == Some(b'[');
        if let Some(c) = block_directive.then(|| CODE_LINE.captures(line)).flatten() {
            let inner_prefix = format!("{prefix}{}", &c[1]);
            let lang = c.get(2).map(|m| m.as_str());
            code_snippet(lang, &c[3], &inner_prefix, src, at, p, content);
            continue;
        }
        if let Some(c) = block_directive
            .then(|| INCLUDE_LINE.captures(line))
            .flatten()
        {
            let inner_prefix = format!("{prefix}{}", &c[1]);
            include(&c[2], &inner_prefix, src, at, p, stack, content);
            continue;
        }
        let image = first == Some(b':') && line.contains(":::image");
        if let Some(c) = image.then(|| IMAGE_LINE.captures(line)).flatten() {
            let attrs = attributes(&c[2]);
            let get = |k: &str| attrs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
            let mut description = None;
            if get("type").as_deref() == Some("complex") {
                let mut long = Vec::new();
                for (_, l) in lines.by_ref() {
                    if IMAGE_END.is_match(l) {
                        break;
                    }
                    let l = CONTAINER_PREFIX.find(l).map_or(l, |m| &l[m.end()..]);
                    long.push(l.trim().to_string());
                }
                description = Some(long.join(" ").trim().to_string());
            }
            let block = Block::Image {
                src: get("source").unwrap_or_default(),
                alt: get("alt-text").unwrap_or_default(),
                description,
                at,
            };
            let marker = format!("{}{}{}-->", &c[1], MARKER_START, p.blocks.len());
            p.blocks.push(block);
            push_line(p, prefix, &marker, at);
            continue;
        }
        if directive && INCLUDE_INLINE.is_match(line) {
            let replaced = inline_includes(line, src, at, p, stack, content);
            push_line(p, prefix, &replaced, at);
            continue;
        }
        push_line(p, prefix, line, at);
    }
}

fn push_line(p: &mut Prepared, prefix: &str, line: &str, at: Origin) {
    p.text.push_str(prefix);
    p.text.push_str(line);
    p.text.push('\n');
    p.lines.push(at);
}

/// Records an `_Applies to:_`-style line; true if the line was one (and is
/// therefore dropped from the body). Only the first of each kind counts.
fn take_meta_line(line: &str, meta: &mut KbMeta) -> bool {
    let Some(c) = META_LINE.captures(line) else {
        return false;
    };
    let slot = match c[1].to_ascii_lowercase().as_str() {
        "applies to" => &mut meta.applies_to,
        "original kb number" => &mut meta.kb_number,
        _ => &mut meta.product_version,
    };
    if slot.is_some() {
        return false;
    }
    let value = meta_value(&c[2]);
    if value.is_empty() {
        return false;
    }
    *slot = Some(value);
    true
}

/// `&nbsp; Windows Server 2012 R2  ` → `Windows Server 2012 R2`.
fn meta_value(raw: &str) -> String {
    let mut v = raw.trim_end();
    for end in ["<br>", "<br/>", "<br />", "\\"] {
        v = v.strip_suffix(end).unwrap_or(v).trim_end();
    }
    let text = super::inline_text(v);
    text.trim_matches(|c: char| c.is_whitespace() || c == ':')
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn attributes(s: &str) -> Vec<(String, String)> {
    ATTR.captures_iter(s)
        .map(|c| {
            let v = c.get(2).or(c.get(3)).map_or("", |m| m.as_str());
            (c[1].to_ascii_lowercase(), v.to_string())
        })
        .collect()
}

/// Puts a code snippet in place as a fenced code block, or marks the spot.
fn code_snippet(
    lang: Option<&str>,
    target: &str,
    prefix: &str,
    from: MarkdownSource<'_>,
    at: Origin,
    p: &mut Prepared,
    content: &Content,
) {
    let d = snippets::Directive::parse(lang, target);
    let file = from.file.to_string();
    let warn = |p: &mut Prepared, problem: snippets::Problem| {
        p.diagnostics.push(
            Diagnostic::warning(problem.message)
                .with_hint(problem.hint)
                .in_file(file.clone())
                .at_line(at.line),
        );
    };
    for problem in d.problems.clone() {
        warn(p, problem);
    }
    let shown = read_snippet(&d, from, at, p, content).and_then(|text| {
        d.show(&text).map_err(|problem| {
            let reason = problem.reason.clone();
            warn(p, problem);
            reason
        })
    });
    match shown {
        Ok((lines, notes)) => {
            for note in notes {
                warn(p, note);
            }
            let lang = d.fence_language();
            for line in snippets::fence(lang.as_deref(), &d.highlight, &lines) {
                push_line(p, prefix, &line, at);
            }
        }
        Err(reason) => {
            let marker = format!("{MARKER_START}{}-->", p.blocks.len());
            p.blocks.push(Block::BrokenSnippet {
                target: d.target.clone(),
                reason,
            });
            push_line(p, prefix, &marker, at);
        }
    }
}

/// Finds and reads the file a snippet shows, recording it as a source of
/// the article (also when it is missing, so that its coming re-parses the
/// article). Diagnostics are recorded here; `Err` is the reason shown.
fn read_snippet(
    d: &snippets::Directive,
    from: MarkdownSource<'_>,
    at: Origin,
    p: &mut Prepared,
    content: &Content,
) -> Result<String, String> {
    let target = &d.target;
    let file = from.file.to_string();
    let here = |d: Diagnostic| d.in_file(file.clone()).at_line(at.line);
    let raw = paths::decode(&d.path);
    if raw.trim().is_empty() {
        p.diagnostics.push(here(
            Diagnostic::warning(format!("code sample `{target}` names no file")).with_hint(
                "write the path of the file to show: `[!code-csharp[](../samples/Program.cs)]`",
            ),
        ));
        return Err("no file named".into());
    }
    // Relative to the file, or to the content folder with DocFX's `~/`;
    // an absolute path, a drive or a URL is outside by definition.
    let (base, rel) = match raw.strip_prefix("~/").or(raw.strip_prefix("~\\")) {
        Some(rel) => ("", rel),
        None => (paths::dir_of(from.path), raw.as_str()),
    };
    let absolute =
        rel.starts_with(['/', '\\']) || rel.as_bytes().get(1) == Some(&b':') || rel.contains("://");
    let joined = (!absolute).then(|| paths::join(base, rel)).flatten();
    let Some(path) = joined.filter(|p| !p.is_empty()) else {
        p.diagnostics.push(here(
            Diagnostic::error(format!(
                "code sample `{target}` points outside the content folder"
            ))
            .with_hint("code samples must live inside the content folder; write the path relative to the article"),
        ));
        return Err("outside the content folder".into());
    };
    let real = if content.exists(&path) {
        Some(path.clone())
    } else if let Some(real) = content.case_insensitive(&path) {
        p.diagnostics.push(here(
            Diagnostic::warning(format!(
                "code sample `{target}` matches `{real}` only when letter case is ignored"
            ))
            .with_hint("fix the case: web servers and other systems are case-sensitive"),
        ));
        Some(real.to_string())
    } else {
        None
    };
    let recorded = real.clone().unwrap_or_else(|| path.clone());
    if !p.sources.iter().any(|s| s.path == recorded) {
        p.sources.push(SourceFile {
            file: format!("{}{recorded}", content.display_prefix),
            path: recorded,
        });
    }
    let Some(real) = real else {
        p.diagnostics.push(here(
            Diagnostic::warning(format!("code sample not found: `{target}`"))
                .with_hint(format!("no file at content path `{path}`")),
        ));
        return Err("not found".into());
    };
    // The walk lists no symbolic link; one made since is not followed.
    let full = content.content_dir.join(&real);
    if std::fs::symlink_metadata(&full).is_ok_and(|m| m.file_type().is_symlink()) {
        p.diagnostics.push(here(
            Diagnostic::error(format!(
                "code sample `{target}` is a symbolic link, which kbsite does not follow"
            ))
            .with_hint("copy the file into the content folder"),
        ));
        return Err("symbolic link not followed".into());
    }
    let bytes = std::fs::read(&full).map_err(|e| {
        let (d, reason) = match e.kind() {
            std::io::ErrorKind::NotFound => (
                Diagnostic::warning(format!("code sample not found: `{target}`"))
                    .with_hint("the file vanished during the build; build again once edits settle"),
                "not found",
            ),
            _ => (
                Diagnostic::error(format!("code sample `{target}` cannot be read: {e}"))
                    .with_hint("check the file's permissions"),
                "unreadable",
            ),
        };
        p.diagnostics.push(here(d));
        reason.to_string()
    })?;
    let (text, fallback) = crate::content::decode::decode_lenient(&bytes).map_err(|e| {
        p.diagnostics.push(here(
            Diagnostic::error(format!("code sample `{target}` is not text: {}", e.message))
                .with_hint("save it as UTF-8"),
        ));
        "not text".to_string()
    })?;
    if fallback.is_some() {
        p.diagnostics.push(here(
            Diagnostic::warning(format!(
                "code sample `{target}` is not UTF-8: read as Windows-1252"
            ))
            .with_hint("save it as UTF-8"),
        ));
    }
    Ok(text)
}

/// Resolves and inlines one block-level include.
fn include(
    target: &str,
    prefix: &str,
    from: MarkdownSource<'_>,
    at: Origin,
    p: &mut Prepared,
    stack: &mut Vec<String>,
    content: &Content,
) {
    match resolve_include(target, from, at, p, stack, content) {
        Ok(inc) => {
            stack.push(inc.path.to_string());
            expand(inc, prefix, p, stack, content);
            stack.pop();
        }
        Err(reason) => {
            let marker = format!("{MARKER_START}{}-->", p.blocks.len());
            p.blocks.push(Block::BrokenInclude {
                target: target.trim().to_string(),
                reason,
            });
            push_line(p, prefix, &marker, at);
        }
    }
}

/// Inline includes (`text [!INCLUDE [x](y.md)] text`): the include's text,
/// joined into one line, takes the directive's place.
fn inline_includes(
    line: &str,
    from: MarkdownSource<'_>,
    at: Origin,
    p: &mut Prepared,
    stack: &[String],
    content: &Content,
) -> String {
    let mut out = String::new();
    let mut last = 0;
    for c in INCLUDE_INLINE.captures_iter(line) {
        let m = c.get(0).unwrap();
        out.push_str(&line[last..m.start()]);
        last = m.end();
        match resolve_include(&c[1], from, at, p, stack, content) {
            Ok(inc) => {
                let flat: Vec<&str> = inc.body.split_whitespace().collect();
                out.push_str(&flat.join(" "));
            }
            Err(_) => out.push_str(&format!("`{}`", c[1].trim())),
        }
    }
    out.push_str(&line[last..]);
    out
}

/// Finds the file an include points at; diagnostics are recorded here.
fn resolve_include<'c>(
    target: &str,
    from: MarkdownSource<'_>,
    at: Origin,
    p: &mut Prepared,
    stack: &[String],
    content: &'c Content,
) -> Result<MarkdownSource<'c>, String> {
    let target = target.trim();
    let file = from.file.to_string();
    let here = |d: Diagnostic| d.in_file(file.clone()).at_line(at.line);
    let decoded = paths::decode(target.split(['#', '?']).next().unwrap_or(""));
    let Some(path) = paths::join(paths::dir_of(from.path), &decoded) else {
        p.diagnostics.push(here(
            Diagnostic::error(format!(
                "include `{target}` points outside the content folder"
            ))
            .with_hint("includes must live inside the content folder"),
        ));
        return Err("outside the content folder".into());
    };
    let found = match content.markdown(&path) {
        Some(s) => Some(s),
        None => match content
            .case_insensitive(&path)
            .and_then(|real| content.markdown(real))
        {
            Some(s) => {
                p.diagnostics.push(here(
                    Diagnostic::warning(format!(
                        "include `{target}` matches `{}` only when letter case is ignored",
                        s.path
                    ))
                    .with_hint("fix the case: web servers and other systems are case-sensitive"),
                ));
                Some(s)
            }
            None => None,
        },
    };
    let Some(inc) = found else {
        p.diagnostics.push(here(
            Diagnostic::warning(format!("include file not found: `{target}`"))
                .with_hint(format!("no file at content path `{path}`")),
        ));
        return Err("not found".into());
    };
    if let Some(pos) = stack.iter().position(|s| s == inc.path) {
        let mut cycle: Vec<&str> = stack[pos..].iter().map(String::as_str).collect();
        cycle.push(inc.path);
        p.diagnostics.push(here(
            Diagnostic::error(format!("include cycle: {}", cycle.join(" → ")))
                .with_hint("remove one of the includes so the chain ends"),
        ));
        return Err("include cycle".into());
    }
    if stack.len() > MAX_INCLUDE_DEPTH {
        p.diagnostics.push(here(Diagnostic::error(format!(
            "includes nested more than {MAX_INCLUDE_DEPTH} deep"
        ))));
        return Err("nested too deep".into());
    }
    Ok(inc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::from_memory;

    fn prep(files: &[(&str, &str)]) -> Prepared {
        let c = from_memory(files, "content/");
        prepare(c.markdown(files[0].0).unwrap(), &c)
    }

    #[test]
    fn meta_lines_are_lifted_out() {
        let p = prep(&[(
            "a.md",
            "# T\n\nIntro.\n\n_Applies to:_ &nbsp; Windows Server 2012 R2  \n_Original KB number:_ &nbsp; 841696\n\n## Next\n",
        )]);
        assert_eq!(p.meta.applies_to.as_deref(), Some("Windows Server 2012 R2"));
        assert_eq!(p.meta.kb_number.as_deref(), Some("841696"));
        assert!(!p.text.contains("Applies"));
        assert_eq!(p.lines.len(), p.text.lines().count());
        // The line after the removed two keeps its own line number.
        assert_eq!(p.lines[5].line, 8);
    }

    #[test]
    fn meta_variants() {
        let p = prep(&[(
            "a.md",
            "_Original KB number_:&nbsp;2914974\n_Original product version:_ &nbsp; SQL Server 2012, SQL Server 2008  \n_Applies to:_&nbsp;Windows Server, all versions\n",
        )]);
        assert_eq!(p.meta.kb_number.as_deref(), Some("2914974"));
        assert_eq!(
            p.meta.product_version.as_deref(),
            Some("SQL Server 2012, SQL Server 2008")
        );
        assert_eq!(
            p.meta.applies_to.as_deref(),
            Some("Windows Server, all versions")
        );
        assert_eq!(p.text, "");
    }

    #[test]
    fn includes_inline_with_prefix_and_map_lines() {
        let p = prep(&[
            (
                "s/a.md",
                "1. Step\n\n   [!INCLUDE [x](../inc/n.md)]\n\n> [!include[y](../inc/n.md)]\n",
            ),
            ("inc/n.md", "---\nauthor: x\n---\n> [!NOTE]\n> Careful.\n"),
        ]);
        assert!(
            p.text.contains("   > [!NOTE]\n   > Careful.\n"),
            "{}",
            p.text
        );
        assert!(p.text.contains("> > [!NOTE]\n> > Careful.\n"), "{}", p.text);
        let i = p.text.lines().position(|l| l.contains("Careful")).unwrap();
        let o = p.lines[i];
        assert_eq!(p.sources[o.source as usize].path, "inc/n.md");
        assert_eq!(o.line, 5);
        assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    }

    #[test]
    fn nested_include_relative_to_including_file() {
        let p = prep(&[
            ("a.md", "[!INCLUDE [x](inc/one.md)]\n"),
            ("inc/one.md", "one\n\n[!INCLUDE [x](sub/two.md)]\n"),
            ("inc/sub/two.md", "two\n"),
        ]);
        assert_eq!(p.text, "one\n\ntwo\n");
    }

    #[test]
    fn include_problems() {
        let p = prep(&[
            ("a.md", "[!INCLUDE [x](missing.md)]\n[!INCLUDE [x](../../etc/passwd)]\n[!INCLUDE [x](b.md)]\n"),
            ("b.md", "[!INCLUDE [x](a.md)]\n"),
        ]);
        let msgs: Vec<_> = p
            .diagnostics
            .iter()
            .map(|d| {
                (
                    d.severity,
                    d.file.clone().unwrap(),
                    d.line.unwrap(),
                    d.message.clone(),
                )
            })
            .collect();
        use crate::diagnostics::Severity::*;
        assert_eq!(msgs[0].0, Warning);
        assert_eq!((msgs[0].1.as_str(), msgs[0].2), ("content/a.md", 1));
        assert_eq!(msgs[1].0, Error);
        assert!(msgs[1].3.contains("outside the content folder"));
        assert_eq!(msgs[2].0, Error);
        assert!(msgs[2].3.contains("a.md → b.md → a.md"), "{}", msgs[2].3);
        assert_eq!(msgs[2].1, "content/b.md");
        assert_eq!(p.blocks.len(), 3);
        assert!(!p.text.contains("[!INCLUDE"));
    }

    #[test]
    fn include_case_mismatch_resolves_with_warning() {
        let p = prep(&[
            ("a.md", "[!INCLUDE [x](Inc/N.md)]\n"),
            ("inc/n.md", "hello\n"),
        ]);
        assert_eq!(p.text, "hello\n");
        assert_eq!(
            p.diagnostics[0].severity,
            crate::diagnostics::Severity::Warning
        );
    }

    #[test]
    fn docfx_tabs_become_sections() {
        let p = prep(&[(
            "a.md",
            "# [Windows](#tab/windows)\n\nOn Windows.\n\n# [Mac](#tab/mac)\n\nOn a Mac.\n\n---\n\nAfter.\n\n---\n",
        )]);
        assert_eq!(
            p.text,
            "# Windows\n\nOn Windows.\n\n# Mac\n\nOn a Mac.\n\n\n\nAfter.\n\n---\n"
        );
    }

    #[test]
    fn images_become_markers() {
        let p = prep(&[(
            "a.md",
            " :::image type=\"content\" source=\"media\\x\\y.png\" alt-text=\"Two nodes.\":::\n\
             :::image type=\"complex\" source=\"m.png\" alt-text=\"Chart\":::\n  Long\n  text.\n:::image-end:::\n",
        )]);
        assert_eq!(p.text, " <!--kbsite:0-->\n<!--kbsite:1-->\n");
        match &p.blocks[0] {
            Block::Image { src, alt, .. } => {
                assert_eq!(src, "media\\x\\y.png");
                assert_eq!(alt, "Two nodes.");
            }
            b => panic!("{b:?}"),
        }
        match &p.blocks[1] {
            Block::Image { description, .. } => {
                assert_eq!(description.as_deref(), Some("Long text."))
            }
            b => panic!("{b:?}"),
        }
    }

    #[test]
    fn code_fences_stay_literal() {
        let p = prep(&[(
            "a.md",
            "```md\n[!INCLUDE [x](missing.md)]\n_Applies to:_ x\n```\n",
        )]);
        assert!(p.text.contains("[!INCLUDE"));
        assert!(p.diagnostics.is_empty());
        assert_eq!(p.meta, KbMeta::default());
    }

    /// Like `prep`, with the files also on disk (snippets are read there).
    fn prep_on_disk(files: &[(&str, &str)]) -> (tempfile::TempDir, Prepared) {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let full = dir.path().join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, text).unwrap();
        }
        let mut c = from_memory(files, "content/");
        c.content_dir = dir.path().to_path_buf();
        let p = prepare(c.markdown(files[0].0).unwrap(), &c);
        (dir, p)
    }

    #[test]
    fn code_snippets_become_fences_in_place() {
        let (_d, p) = prep_on_disk(&[
            (
                "s/a.md",
                "Intro\n\n1. Step\n\n   [!code-csharp[Main](../samples/P.cs?range=2-3&highlight=2)]\n\n> [!code-powershell[](x.ps1#L1)]\n[!code[](~/samples/P.cs#L1)]\n",
            ),
            ("samples/P.cs", "class P\r\n{\r\n    ``` x\r\n}\r\n"),
            ("s/x.ps1", "\u{feff}Get-Thing\n"),
        ]);
        assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
        assert_eq!(
            p.text,
            "Intro\n\n1. Step\n\n   ````csharp {highlight=2}\n   {\n       ``` x\n   ````\n\n> ```powershell\n> Get-Thing\n> ```\n```csharp\nclass P\n```\n"
        );
        assert_eq!(p.lines.len(), p.text.lines().count());
        // Every fence line points at the directive.
        assert!(p.lines[4..8].iter().all(|o| o.source == 0 && o.line == 5));
        let sources: Vec<_> = p.sources.iter().map(|s| s.file.as_str()).collect();
        assert_eq!(
            sources,
            ["content/s/a.md", "content/samples/P.cs", "content/s/x.ps1"]
        );
    }

    #[test]
    fn code_snippet_problems() {
        let (_d, p) = prep_on_disk(&[
            (
                "a.md",
                "[!code-cs[](../../../../etc/passwd)]\n[!code-cs[](/etc/passwd)]\n[!code-cs[](C:\\x.cs)]\n\
                 [!code-cs[](gone.cs)]\n[!code-cs[](p.cs?name=Nope)]\n[!code-cs[](p.cs?range=9)]\n\
                 [!code-cs[](P.CS)]\n[!INCLUDE [i](inc/i.md)]\n",
            ),
            ("p.cs", "x\n"),
            ("inc/i.md", "[!code-cs[](../p.cs?colour=red)]\n"),
        ]);
        let got: Vec<_> = p
            .diagnostics
            .iter()
            .map(|d| {
                format!(
                    "{} {}:{} {}",
                    d.severity.label(),
                    d.file.as_deref().unwrap(),
                    d.line.unwrap(),
                    d.message
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                "error content/a.md:1 code sample `../../../../etc/passwd` points outside the content folder",
                "error content/a.md:2 code sample `/etc/passwd` points outside the content folder",
                "error content/a.md:3 code sample `C:\\x.cs` points outside the content folder",
                "warning content/a.md:4 code sample not found: `gone.cs`",
                "warning content/a.md:5 region `Nope` not found in code sample `p.cs?name=Nope`",
                "warning content/a.md:6 code sample `p.cs?range=9` shows no lines",
                "warning content/a.md:7 code sample `P.CS` matches `p.cs` only when letter case is ignored",
                "warning content/inc/i.md:1 unknown option `colour` in code sample `../p.cs?colour=red`",
            ]
        );
        let broken: Vec<_> = p
            .blocks
            .iter()
            .map(|b| match b {
                Block::BrokenSnippet { target, reason } => format!("{target}: {reason}"),
                b => panic!("{b:?}"),
            })
            .collect();
        assert_eq!(
            broken,
            [
                "../../../../etc/passwd: outside the content folder",
                "/etc/passwd: outside the content folder",
                "C:\\x.cs: outside the content folder",
                "gone.cs: not found",
                "p.cs?name=Nope: region `Nope` not found",
                "p.cs?range=9: range `9` is past the end of the file (1 lines)",
            ]
        );
        assert_eq!(p.text.matches("<!--kbsite:").count(), 6);
        assert!(p.text.contains("```cs\nx\n```\n"), "{}", p.text);
        // A missing sample is a source too: its coming re-parses the page.
        assert!(p.sources.iter().any(|s| s.path == "gone.cs"));
        assert!(!p.sources.iter().any(|s| s.path.contains("passwd")));
    }

    #[cfg(unix)]
    #[test]
    fn a_code_sample_turned_symlink_is_not_followed() {
        let outside = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(outside.path(), "secret\n").unwrap();
        let (dir, _) = prep_on_disk(&[("a.md", "x\n"), ("p.cs", "x\n")]);
        std::fs::remove_file(dir.path().join("p.cs")).unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("p.cs")).unwrap();
        let mut c = from_memory(
            &[("a.md", "[!code-cs[](p.cs)]\n"), ("p.cs", "")],
            "content/",
        );
        c.content_dir = dir.path().to_path_buf();
        let p = prepare(c.markdown("a.md").unwrap(), &c);
        assert!(!p.text.contains("secret"), "{}", p.text);
        assert!(p.diagnostics[0].message.contains("symbolic link"));
    }

    #[test]
    fn code_snippets_in_fences_stay_literal() {
        let (_d, p) = prep_on_disk(&[("a.md", "```md\n[!code-cs[](x.cs)]\n```\n")]);
        assert!(p.text.contains("[!code-cs[](x.cs)]"));
        assert!(p.diagnostics.is_empty());
    }

    #[test]
    fn inline_include() {
        let p = prep(&[
            ("a.md", "Before [!INCLUDE [x](b.md)] after\n"),
            ("b.md", "in\nside\n"),
        ]);
        assert_eq!(p.text, "Before in side after\n");
    }
}
