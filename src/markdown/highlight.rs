//! Build-time syntax highlighting of fenced code: syntect with the extra
//! syntaxes of two-face (PowerShell, batch files, INI/registry among them),
//! chosen by measured cost (highlighting the 2,000-article benchmark's
//! code adds about a sixth of its build on one core; tree-sitter options
//! cost more, weigh ten times as much and stall on some bad input).
//!
//! The HTML has classes only (`hl-keyword hl-control`), no inline styles:
//! [`stylesheet`] gives the colours for light and dark. Each line is
//! closed on itself (its spans reopened on the next line), so a highlighted
//! line can sit in its own `<mark>` whatever the syntax spans.

use super::snippets::{self, LineRange};
use std::fmt::Write as _;
use std::sync::LazyLock;
use syntect::html::{line_tokens_to_classed_spans, ClassStyle};
use syntect::parsing::{ParseState, Scope, ScopeStack, SyntaxReference, SyntaxSet};
use syntect::util::LinesWithEndings;

/// Classes are prefixed so they cannot meet the theme's own.
const STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "hl-" };
/// Blocks larger than this are shown plain: a generated dump is not read
/// for its colours, and regex-based syntaxes can be slow on it.
const MAX_BLOCK: usize = 64 * 1024;
/// A line longer than this (minified data) leaves its block plain, for the
/// same reason: syntect's time grows steeply on very long lines.
const MAX_LINE: usize = 2_000;

static SYNTAXES: LazyLock<SyntaxSet> = LazyLock::new(two_face::syntax::extra_newlines);

/// The syntax for a fence language: DocFX names and aliases through the
/// snippet languages' table, then syntect's own names for the rest.
/// `output`, `text` and unknown names have none (shown plain).
fn syntax_for(lang: &str) -> Option<&'static SyntaxReference> {
    let lang = lang.to_ascii_lowercase();
    let canonical = match lang.as_str() {
        "jscript" => "javascript",
        other => snippets::highlight_language(other).unwrap_or(other),
    };
    let token = match canonical {
        "output" | "text" | "plaintext" | "none" | "" => return None,
        "powershell" => "ps1",
        // Support articles' console blocks are Windows command prompts.
        "dos" | "shell" => "bat",
        "vbnet" => "asa",
        "csharp" => "cs",
        "javascript" => "js",
        "bash" => "sh",
        other => other,
    };
    SYNTAXES.find_syntax_by_token(token)
}

/// Whether `lang` gets colours (for tests and the benchmark).
pub fn knows(lang: &str) -> bool {
    syntax_for(lang).is_some()
}

/// The inside of `<code>` for `code` in `lang`: highlighted when the
/// language is known and the block is of a readable size, else escaped
/// text; the lines in `marked` wrapped in `<mark class="kb-hl">`. `None`
/// when there is nothing to add (no colours, no marked lines): the caller
/// then lets pulldown-cmark write the block as usual.
pub fn code_html(lang: &str, code: &str, marked: &[LineRange]) -> Option<String> {
    let readable = code.len() <= MAX_BLOCK && code.lines().all(|l| l.len() <= MAX_LINE);
    let syntax = syntax_for(lang).filter(|_| readable);
    if syntax.is_none() && marked.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(code.len() * 3);
    let mut colours = syntax.map(|s| (ParseState::new(s), ScopeStack::new()));
    for (i, line) in LinesWithEndings::from(code).enumerate() {
        let text = line.strip_suffix('\n').unwrap_or(line);
        let is_marked = marked.iter().any(|r| r.contains(i + 1));
        if is_marked {
            out.push_str("<mark class=\"kb-hl\">");
        }
        let coloured = colours
            .as_mut()
            .and_then(|(state, stack)| coloured_line(line, state, stack));
        match coloured {
            Some(html) => out.push_str(&html),
            None => {
                colours = None; // a syntax error: the rest plain
                let _ = pulldown_cmark_escape::escape_html_body_text(&mut out, text);
            }
        }
        if is_marked {
            out.push_str("</mark>");
        }
        if line.ends_with('\n') {
            out.push('\n');
        }
    }
    Some(out)
}

/// One line's HTML (without its newline), its spans opened from `stack`
/// at the start and all closed at the end.
fn coloured_line(line: &str, state: &mut ParseState, stack: &mut ScopeStack) -> Option<String> {
    let ops = state.parse_line(line, &SYNTAXES).ok()?;
    // The syntaxes want the newline; the HTML leaves it out (the caller
    // writes it after closing the line), so operations past it are moved
    // to the end of the text.
    let text = line.strip_suffix('\n').unwrap_or(line);
    let ops: Vec<_> = ops
        .into_iter()
        .map(|(i, op)| (i.min(text.len()), op))
        .collect();
    let mut html = String::new();
    for scope in &stack.scopes {
        open_span(&mut html, *scope);
    }
    let open_before = stack.scopes.len() as isize;
    let (body, delta) = line_tokens_to_classed_spans(text, &ops, STYLE, stack).ok()?;
    html.push_str(&body);
    for _ in 0..(open_before + delta).max(0) {
        html.push_str("</span>");
    }
    Some(html)
}

fn open_span(html: &mut String, scope: Scope) {
    html.push_str("<span class=\"");
    for (i, atom) in scope.build_string().split('.').enumerate() {
        if i > 0 {
            html.push(' ');
        }
        let _ = write!(html, "hl-{atom}");
    }
    html.push_str("\">");
}

/// The colours: a light theme, and a dark one under
/// `prefers-color-scheme: dark`. Written into the theme as
/// `static/highlight.css`; a test keeps that file equal to this.
pub fn stylesheet() -> String {
    use two_face::theme::EmbeddedThemeName;
    let themes = two_face::theme::extra();
    let css = |name| {
        syntect::html::css_for_theme_with_class_style(themes.get(name), STYLE)
            .expect("an embedded theme makes CSS")
    };
    format!(
        "/* Syntax colours for code blocks (classes from kbsite's highlighter).\n   Generated by kbsite::markdown::highlight::stylesheet; do not edit. */\n\
         @media not (prefers-color-scheme: dark) {{\n{}}}\n@media (prefers-color-scheme: dark) {{\n{}}}\n",
        css(EmbeddedThemeName::ColdarkCold),
        css(EmbeddedThemeName::ColdarkDark)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_languages_support_articles_use_are_known() {
        for lang in [
            "powershell",
            "console",
            "cmd",
            "sql",
            "cpp",
            "csharp",
            "vb",
            "vbs",
            "jscript",
            "javascript",
            "xml",
            "json",
            "yaml",
            "bash",
            "ini",
            "reg",
        ] {
            assert!(knows(lang), "{lang}");
        }
        for plain in ["output", "text", "klingon", ""] {
            assert!(!knows(plain), "{plain}");
        }
    }

    #[test]
    fn classes_only_and_every_line_closed() {
        let html = code_html("powershell", "Get-Item \"a\n b\" # c\n", &[]).unwrap();
        assert!(!html.contains("style="), "{html}");
        assert!(html.contains("class=\"hl-"), "{html}");
        for line in html.lines() {
            assert_eq!(
                line.matches("<span").count(),
                line.matches("</span>").count(),
                "{line}"
            );
        }
        // The string goes on over the newline: its span is reopened.
        assert!(html.lines().nth(1).unwrap().starts_with("<span"), "{html}");
    }

    #[test]
    fn marked_lines_and_escaping() {
        let marked = [LineRange { start: 2, end: 2 }];
        let html = code_html("sql", "SELECT 1;\nSELECT '<b>';\n", &marked).unwrap();
        let second = html.lines().nth(1).unwrap();
        assert!(second.starts_with("<mark class=\"kb-hl\">") && second.ends_with("</mark>"));
        assert!(html.contains("&lt;b&gt;") && !html.contains("<b>"));
        assert_eq!(code_html("output", "x\n", &[]), None);
        assert_eq!(
            code_html("output", "x\ny\n", &marked).unwrap(),
            "x\n<mark class=\"kb-hl\">y</mark>\n"
        );
    }

    #[test]
    fn huge_blocks_and_lines_stay_plain() {
        let long = format!("SELECT '{}';\n", "x".repeat(MAX_LINE));
        assert_eq!(code_html("sql", &long, &[]), None);
    }

    #[test]
    fn the_theme_stylesheet_is_current() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/themes/default/static/highlight.css"
        );
        let want = stylesheet();
        if std::env::var_os("KBSITE_BLESS").is_some() {
            std::fs::write(path, &want).unwrap();
        }
        let have = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            have == want,
            "run `KBSITE_BLESS=1 cargo test --lib highlight` to write {path}"
        );
    }
}
