//! One diagnostic type for every problem kbsite reports, and the printer that
//! shows them together like rustc does (severity, message, `file:line:col`,
//! the source line, a hint).

use regex::Regex;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::LazyLock;

/// How bad a problem is. The order matters: `Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A problem found in the input. `file` is shown as given (kbsite passes
/// paths relative to the site root, with `/` separators, so they are short
/// and clickable in an editor's terminal).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub file: Option<String>,
    /// 1-based line, when the problem has one.
    pub line: Option<u32>,
    /// 1-based column, when known.
    pub col: Option<u32>,
    pub message: String,
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn new(severity: Severity, message: impl Into<String>) -> Self {
        Diagnostic {
            severity,
            file: None,
            line: None,
            col: None,
            message: message.into(),
            hint: None,
        }
    }
    pub fn error(message: impl Into<String>) -> Self {
        Self::new(Severity::Error, message)
    }
    pub fn warning(message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, message)
    }
    pub fn info(message: impl Into<String>) -> Self {
        Self::new(Severity::Info, message)
    }
    pub fn in_file(mut self, file: impl Into<String>) -> Self {
        self.file = Some(file.into());
        self
    }
    pub fn at_line(mut self, line: u32) -> Self {
        self.line = Some(line);
        self
    }
    pub fn at(mut self, line: u32, col: u32) -> Self {
        self.line = Some(line);
        self.col = Some(col);
        self
    }
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// `file:line:col`, as far as known.
    pub fn location(&self) -> Option<String> {
        let file = self.file.as_ref()?;
        Some(match (self.line, self.col) {
            (Some(l), Some(c)) => format!("{file}:{l}:{c}"),
            (Some(l), None) => format!("{file}:{l}"),
            _ => file.clone(),
        })
    }
}

/// Sort into the order they are printed in: by file, line, column, then
/// severity (worst first) and message, so output is deterministic whatever
/// order the parallel stages found them in.
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        (
            &a.file,
            a.line,
            a.col,
            std::cmp::Reverse(a.severity),
            &a.message,
        )
            .cmp(&(
                &b.file,
                b.line,
                b.col,
                std::cmp::Reverse(b.severity),
                &b.message,
            ))
    });
}

/// Counts per severity.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

impl Counts {
    /// Whether these fail a build: any error, or any warning under `--strict`.
    pub fn fail(&self, strict: bool) -> bool {
        self.errors > 0 || (strict && self.warnings > 0)
    }
}

pub fn count<'a>(diags: impl IntoIterator<Item = &'a Diagnostic>) -> Counts {
    let mut c = Counts::default();
    for d in diags {
        match d.severity {
            Severity::Error => c.errors += 1,
            Severity::Warning => c.warnings += 1,
            Severity::Info => c.infos += 1,
        }
    }
    c
}

/// Renders diagnostics for a terminal. Errors and warnings show the source
/// line they point at (read from `root`); info notes stay one line each so a
/// large site's notes do not drown the real problems.
pub fn render(diags: &[Diagnostic], root: &Path) -> String {
    let mut out = String::new();
    for d in diags {
        let _ = writeln!(out, "{}: {}", d.severity.label(), d.message);
        if let Some(loc) = d.location() {
            let _ = writeln!(out, "  --> {loc}");
        }
        if d.severity > Severity::Info {
            if let (Some(file), Some(line)) = (&d.file, d.line) {
                if let Some(src) = source_line(&root.join(file), line) {
                    let num = line.to_string();
                    let pad = " ".repeat(num.len());
                    let _ = writeln!(out, "   {pad} |");
                    let _ = writeln!(out, "   {num} | {src}");
                    if let Some(col) = d.col {
                        let caret = " ".repeat(col.saturating_sub(1) as usize);
                        let _ = writeln!(out, "   {pad} | {caret}^");
                    }
                }
            }
        }
        if let Some(hint) = &d.hint {
            let _ = writeln!(out, "   = hint: {hint}");
        }
        out.push('\n');
    }
    out
}

/// One line of a file, for context under a diagnostic: decoded as the
/// loader does (UTF-16 too), else lossily, since it must also show the
/// undecodable files that caused the problem. Control characters are shown
/// as their symbols (`␀`, `␛`), so a file cannot drive the terminal.
fn source_line(path: &Path, line: u32) -> Option<String> {
    let bytes = std::fs::read(path).ok()?;
    let text = crate::content::decode::decode(&bytes)
        .unwrap_or_else(|_| String::from_utf8_lossy(&bytes).into_owned());
    let src = text.lines().nth(line.checked_sub(1)? as usize)?;
    let src: String = src
        .trim_end_matches('\r')
        .replace('\t', "    ")
        .chars()
        .map(visible)
        .collect();
    // Keep very long lines (minified HTML, long tables) readable.
    Some(match src.char_indices().nth(160) {
        Some((cut, _)) => format!("{}…", &src[..cut]),
        None => src,
    })
}

/// A control character as its Unicode Control Picture (U+2400 block).
fn visible(c: char) -> char {
    match c {
        '\0'..='\x1f' => char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}'),
        '\x7f' => '\u{2421}',
        c if c.is_control() => '\u{fffd}',
        c => c,
    }
}

static YAML_LOCATION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"line (\d+) column (\d+)").unwrap());

/// What went wrong in a YAML text that starts on line `first_line` of its
/// file, in a writer's words: serde_yaml's positions count from the YAML's
/// own first line, so they are moved to the file's lines, and its limits
/// (an alias bomb, absurd nesting) are named for what they mean.
pub fn yaml_problem(e: &serde_yaml::Error, first_line: u32) -> (String, Option<&'static str>) {
    let text = e.to_string();
    if text.contains("repetition limit exceeded") {
        return (
            "its aliases (`*name`) expand to too much data".into(),
            Some("anchors (`&a`) used by aliases that are used again grow exponentially; write the values out"),
        );
    }
    if text.contains("recursion limit exceeded") {
        return (
            "it nests too deeply".into(),
            Some("YAML nested more than 128 levels is refused; flatten it"),
        );
    }
    let moved = YAML_LOCATION.replace_all(&text, |c: &regex::Captures| {
        let line: u32 = c[1].parse().unwrap_or(1);
        format!("line {} column {}", line + first_line - 1, &c[2])
    });
    (moved.into_owned(), None)
}

/// `n` with a comma every three digits (`2,449`).
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A one-line summary such as `2 errors, 5 warnings`.
pub fn summary(c: Counts) -> String {
    fn plural(n: usize, word: &str) -> String {
        if n == 1 {
            format!("1 {word}")
        } else {
            format!("{n} {word}s")
        }
    }
    format!(
        "{}, {}, {}",
        plural(c.errors, "error"),
        plural(c.warnings, "warning"),
        plural(c.infos, "note")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separated() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(2449), "2,449");
        assert_eq!(thousands(1234567), "1,234,567");
    }

    #[test]
    fn location_formats() {
        let d = Diagnostic::error("x").in_file("content/a.md").at(3, 7);
        assert_eq!(d.location().unwrap(), "content/a.md:3:7");
        let d = Diagnostic::error("x").in_file("content/a.md").at_line(3);
        assert_eq!(d.location().unwrap(), "content/a.md:3");
        assert_eq!(Diagnostic::error("x").location(), None);
    }

    #[test]
    fn sorted_by_file_then_line_then_worst_first() {
        let mut v = vec![
            Diagnostic::warning("w").in_file("b.md").at_line(1),
            Diagnostic::warning("w").in_file("a.md").at_line(9),
            Diagnostic::error("e").in_file("a.md").at_line(9),
            Diagnostic::info("i").in_file("a.md").at_line(2),
        ];
        sort(&mut v);
        let order: Vec<_> = v
            .iter()
            .map(|d| (d.file.clone().unwrap(), d.line.unwrap(), d.severity))
            .collect();
        assert_eq!(
            order,
            vec![
                ("a.md".into(), 2, Severity::Info),
                ("a.md".into(), 9, Severity::Error),
                ("a.md".into(), 9, Severity::Warning),
                ("b.md".into(), 1, Severity::Warning),
            ]
        );
    }

    #[test]
    fn render_shows_source_line_and_hint() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.md"), "one\ntitle: [x\nthree\n").unwrap();
        let d = Diagnostic::error("bad YAML")
            .in_file("a.md")
            .at(2, 8)
            .with_hint("close the bracket");
        let text = render(&[d], dir.path());
        assert!(text.contains("error: bad YAML"), "{text}");
        assert!(text.contains("--> a.md:2:8"), "{text}");
        assert!(text.contains("2 | title: [x"), "{text}");
        assert!(text.contains("  |        ^"), "{text}");
        assert!(text.contains("= hint: close the bracket"), "{text}");
    }

    #[test]
    fn summary_pluralises() {
        let c = Counts {
            errors: 1,
            warnings: 2,
            infos: 0,
        };
        assert_eq!(summary(c), "1 error, 2 warnings, 0 notes");
    }
}
