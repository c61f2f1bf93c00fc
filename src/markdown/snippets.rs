//! DocFX code snippets: `[!code-LANG[name](path?query#fragment "title")]`
//! shows a file of the content folder, or part of it, as a code block.
//!
//! What is shown, by priority (as DocFX decides): a region (`?name=Main` or
//! `#Main`), else the lines of `#L2-L5`, else `?start=2&end=5`, else
//! `?range=2-5,10,12-`, else the whole file. Regions are marked in the file
//! by comment lines, in the forms DocFX knows for the language (`// <Main>` …
//! `// </Main>`, `#region Main` … `#endregion`, `<!-- <Main> -->` …,
//! `# <Main>` …, `' <Main>` …, `-- <Main>` …; whitespace and letter case in
//! markers do not matter, and `<snippetMain>` answers to `Main` too). Marker
//! lines of the language's kinds inside the region are left out, and the
//! shown lines lose their common indentation (leading tabs count to the next
//! multiple of four), or `?dedent=N` columns. The `[name]` and a `"title"`
//! after the path are accepted and not shown.
//!
//! The preprocessor turns a snippet into an ordinary fenced code block whose
//! info string is the DocFX language name, lower-cased, as written
//! (`csharp`, `azurecli`; taken from the file extension when the directive
//! names none), so a snippet and a fenced block written by hand look the
//! same to every later step. `?highlight=2,4-5` (lines of the shown snippet)
//! is carried in the info string as an attribute block:
//!
//! ````text
//! ```csharp {highlight=2,4-5}
//! ````
//!
//! and the event pass renders such a block (see [`highlighted_html`]) as
//!
//! ```text
//! <pre><code class="language-csharp" data-kb-highlight="2,4-5">line 1
//! <mark class="kb-hl">line 2</mark>
//! ...</code></pre>
//! ```
//!
//! A fence written by hand with `{highlight=...}` is rendered the same way.
//! A syntax highlighter added later reads the same info string
//! ([`fence_highlight`]) and maps the DocFX name to the name it knows with
//! [`highlight_language`].

use std::fmt::Write as _;

/// Lines `start..=end`, 1-based; `end == usize::MAX` runs to the last line
/// (`5-`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineRange {
    pub start: usize,
    pub end: usize,
}

impl LineRange {
    pub fn contains(&self, line: usize) -> bool {
        (self.start..=self.end).contains(&line)
    }
}

impl std::fmt::Display for LineRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.start, self.end) {
            (s, e) if s == e => write!(f, "{s}"),
            (s, usize::MAX) => write!(f, "{s}-"),
            (s, e) => write!(f, "{s}-{e}"),
        }
    }
}

/// `2-5`, `7`, `10-` (and `-3`, from the first line); with `with_l`, each
/// number carries an `L` (`L2-L5`, the `#` fragment form).
pub fn parse_range(s: &str, with_l: bool) -> Option<LineRange> {
    let s = s.trim();
    let number = |t: &str| -> Option<Option<usize>> {
        let t = t.trim();
        if t.is_empty() {
            return Some(None);
        }
        let t = if with_l {
            t.strip_prefix(['L', 'l'])?
        } else {
            t
        };
        let n: usize = t.parse().ok()?;
        (n > 0).then_some(Some(n))
    };
    let range = match s.split_once('-') {
        None => {
            let n = number(s)??;
            LineRange { start: n, end: n }
        }
        Some((a, b)) => {
            let (start, end) = (number(a)?, number(b)?);
            if start.is_none() && end.is_none() {
                return None;
            }
            LineRange {
                start: start.unwrap_or(1),
                end: end.unwrap_or(usize::MAX),
            }
        }
    };
    (range.start <= range.end).then_some(range)
}

/// A comma-separated list of ranges (`2-5,10,12-`).
pub fn parse_ranges(s: &str) -> Option<Vec<LineRange>> {
    s.split(',').map(|r| parse_range(r, false)).collect()
}

/// Ranges written back, normalised (`2,4-5,7-`).
pub fn format_ranges(ranges: &[LineRange]) -> String {
    let mut out = String::new();
    for (i, r) in ranges.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{r}");
    }
    out
}

/// A problem with a snippet, to be reported as a warning at the directive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub message: String,
    pub hint: String,
    /// What the marked spot on the page says, when nothing is shown.
    pub reason: String,
}

impl Problem {
    fn new(message: String, hint: impl Into<String>) -> Self {
        let hint = hint.into();
        Problem {
            message,
            reason: hint.clone(),
            hint,
        }
    }

    fn because(mut self, reason: String) -> Self {
        self.reason = reason;
        self
    }
}

/// What part of the file to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    All,
    /// A named region, as written (names match in any letter case).
    Region(String),
    Lines(Vec<LineRange>),
}

/// A code snippet directive, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// The DocFX language (`csharp` of `[!code-csharp[...]`), lower-cased.
    pub lang: Option<String>,
    /// The target as written, for messages.
    pub target: String,
    /// The file path part of the target (before `?` and `#`), as written.
    pub path: String,
    pub selection: Selection,
    pub highlight: Vec<LineRange>,
    /// `?dedent=N`: columns to remove instead of the common indentation.
    pub dedent: Option<usize>,
    /// Options that were not understood (each ignored).
    pub problems: Vec<Problem>,
}

impl Directive {
    /// Reads `[!code-LANG[...](TARGET)]`: `lang` is LANG (if any), `target`
    /// the path with its query and fragment.
    pub fn parse(lang: Option<&str>, target: &str) -> Directive {
        let target = target.trim();
        let path_end = target.find(['?', '#']).unwrap_or(target.len());
        let rest = &target[path_end..];
        let (query, fragment) = match rest.strip_prefix('?') {
            Some(q) => match q.split_once('#') {
                Some((q, f)) => (q, Some(f)),
                None => (q, None),
            },
            None => ("", rest.strip_prefix('#')),
        };
        let mut d = Directive {
            lang: lang
                .map(|l| l.trim().to_ascii_lowercase())
                .filter(|l| !l.is_empty()),
            target: target.to_string(),
            path: target[..path_end].trim().to_string(),
            selection: Selection::All,
            highlight: Vec::new(),
            dedent: None,
            problems: Vec::new(),
        };
        let mut region = None;
        let mut bookmark = None;
        let (mut start, mut end) = (None, None);
        let mut ranges = None;
        let range_hint = "write line numbers from 1: `3`, `2-5` or `10-`, separated by commas";
        for item in query.split('&').filter(|i| !i.trim().is_empty()) {
            let (key, value) = item.split_once('=').unwrap_or((item, ""));
            let (key, value) = (key.trim().to_ascii_lowercase(), value.trim());
            let mut invalid = |hint: &str| {
                d.problems.push(Problem::new(
                    format!("invalid {key} `{value}` in code sample `{target}`"),
                    hint,
                ))
            };
            let number = value.parse::<usize>().ok().filter(|&n| n > 0);
            match key.as_str() {
                "name" if !value.is_empty() => region = Some(value.to_string()),
                "range" => match parse_ranges(value) {
                    Some(r) => ranges = Some(r),
                    None => invalid(range_hint),
                },
                "highlight" => match parse_ranges(value) {
                    Some(r) => d.highlight = r,
                    None => invalid(range_hint),
                },
                "start" if number.is_some() => start = number,
                "end" if number.is_some() => end = number,
                "dedent" => match value.parse::<usize>() {
                    Ok(n) => d.dedent = Some(n),
                    Err(_) => invalid("give the number of columns to remove"),
                },
                "name" => invalid("give the region's name: `?name=Main`"),
                "start" | "end" => invalid("give a line number, from 1"),
                _ => d.problems.push(Problem::new(
                    format!("unknown option `{key}` in code sample `{target}`"),
                    "kbsite reads `range`, `name`, `highlight`, `start`, `end` and `dedent`",
                )),
            }
        }
        if let Some(f) = fragment.map(str::trim).filter(|f| !f.is_empty()) {
            match parse_range(f, true) {
                Some(r) => bookmark = Some(r),
                None => region = Some(f.to_string()),
            }
        }
        d.selection = if let Some(name) = region {
            Selection::Region(name)
        } else if let Some(r) = bookmark {
            Selection::Lines(vec![r])
        } else if let Some(s) = start {
            let e = end.unwrap_or(s);
            match parse_range(&format!("{s}-{e}"), false) {
                Some(r) => Selection::Lines(vec![r]),
                None => {
                    d.problems.push(Problem::new(
                        format!("invalid start and end `{s}-{e}` in code sample `{target}`"),
                        "the end comes before the start",
                    ));
                    Selection::All
                }
            }
        } else if let Some(r) = ranges {
            Selection::Lines(r)
        } else {
            Selection::All
        };
        d
    }

    /// The language whose region markers are tried first: the directive's,
    /// else the file extension's.
    fn language(&self) -> Option<&'static Language> {
        let by_name = self.lang.as_deref().and_then(language);
        by_name.or_else(|| {
            let name = self.path.rsplit(['/', '\\']).next().unwrap_or("");
            let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
            language(&ext)
        })
    }

    /// The fence info string's language: the DocFX name as written, else
    /// (no name, or one a fence cannot carry) the extension's language.
    pub fn fence_language(&self) -> Option<String> {
        let valid = |l: &&String| {
            l.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_+#.-".contains(&b))
        };
        match self.lang.as_ref().filter(valid) {
            Some(l) => Some(l.clone()),
            None => {
                let name = self.path.rsplit(['/', '\\']).next().unwrap_or("");
                let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
                language(&ext).map(|l| l.canonical.to_string())
            }
        }
    }

    /// The lines to show from the file's `text`; `Err` when there are none
    /// (the spot is marked). Problems that still leave lines to show are
    /// returned with them.
    pub fn show(&self, text: &str) -> Result<(Vec<String>, Vec<Problem>), Problem> {
        let target = &self.target;
        let all: Vec<&str> = split_lines(text);
        let mut notes = Vec::new();
        let empty =
            |why: String| Problem::new(format!("code sample `{target}` shows no lines"), why);
        let lines: Vec<&str> = match &self.selection {
            Selection::All => all.clone(),
            Selection::Lines(ranges) => {
                let mut lines = Vec::new();
                let mut past = Vec::new();
                for r in ranges {
                    if r.start > all.len() {
                        past.push(r.to_string());
                        continue;
                    }
                    lines.extend_from_slice(&all[r.start - 1..r.end.min(all.len())]);
                }
                if !past.is_empty() {
                    let why = format!(
                        "range `{}` is past the end of the file ({} lines)",
                        past.join(","),
                        all.len()
                    );
                    if lines.is_empty() {
                        return Err(empty(why));
                    }
                    notes.push(Problem::new(
                        format!(
                            "range `{}` is past the end of code sample `{target}`",
                            past.join(",")
                        ),
                        why,
                    ));
                }
                lines
            }
            Selection::Region(name) => self.region(&all, name)?,
        };
        if lines.iter().all(|l| l.trim().is_empty()) {
            let why = match &self.selection {
                Selection::Region(name) => format!("region `{name}` is empty"),
                _ if all.is_empty() => "the file is empty".to_string(),
                _ => "the lines selected are blank".to_string(),
            };
            return Err(empty(why));
        }
        let shown = dedent(&lines, self.dedent);
        let past: Vec<String> = self
            .highlight
            .iter()
            .filter(|r| r.start > shown.len())
            .map(ToString::to_string)
            .collect();
        if !past.is_empty() {
            notes.push(Problem::new(
                format!(
                    "highlight `{}` is past the end of code sample `{target}`",
                    past.join(",")
                ),
                format!("highlight counts the {} lines shown, from 1", shown.len()),
            ));
        }
        Ok((shown, notes))
    }

    /// The lines of region `name`, found with the language's markers, then
    /// with every other kind.
    fn region<'t>(&self, all: &[&'t str], name: &str) -> Result<Vec<&'t str>, Problem> {
        let target = &self.target;
        let own: &[Markers] = self.language().map_or(&[], |l| l.markers);
        let others = ALL_MARKERS.iter().filter(|m| !own.contains(m));
        let example = own.first().copied().unwrap_or(Markers::CLike).example(name);
        let key = name.to_lowercase();
        for &m in own.iter().chain(others) {
            match m.find(all, &key) {
                Found::No => continue,
                Found::Unclosed => {
                    return Err(Problem::new(
                        format!("region `{name}` is not closed in code sample `{target}`"),
                        format!("end it with {}", m.example_end(name)),
                    )
                    .because(format!("region `{name}` is not closed")))
                }
                Found::Lines(start, end) => {
                    // Marker lines of the language's kinds (and of the kind
                    // found) inside the region are left out.
                    let drop = |l: &str| own.iter().chain([&m]).any(|k| k.kind_of(l).is_some());
                    return Ok(all[start..end]
                        .iter()
                        .copied()
                        .filter(|l| !drop(l))
                        .collect());
                }
            }
        }
        Err(Problem::new(
            format!("region `{name}` not found in code sample `{target}`"),
            format!("mark its lines with {example}, or use `?range=`"),
        )
        .because(format!("region `{name}` not found")))
    }
}

/// A file's lines (no empty line after a final newline).
fn split_lines(text: &str) -> Vec<&str> {
    let text = text.strip_suffix('\n').unwrap_or(text);
    if text.is_empty() {
        return Vec::new();
    }
    text.split('\n').collect()
}

/// Leading tabs become spaces (to the next multiple of four), blank lines
/// empty, and every line loses `fixed` columns of indentation, or the
/// indentation all non-blank lines share.
pub fn dedent(lines: &[&str], fixed: Option<usize>) -> Vec<String> {
    let expanded: Vec<String> = lines
        .iter()
        .map(|l| {
            if l.trim().is_empty() {
                return String::new();
            }
            let mut out = String::with_capacity(l.len());
            let mut col = 0;
            let rest = l.trim_start_matches(|c: char| {
                match c {
                    ' ' => col += 1,
                    '\t' => col = (col + 4) & !3,
                    _ => return false,
                }
                true
            });
            out.extend(std::iter::repeat_n(' ', col));
            out.push_str(rest);
            out
        })
        .collect();
    let indent = |l: &String| l.len() - l.trim_start_matches(' ').len();
    let common = fixed.unwrap_or_else(|| {
        expanded
            .iter()
            .filter(|l| !l.is_empty())
            .map(indent)
            .min()
            .unwrap_or(0)
    });
    if common == 0 {
        // Nothing to remove: the lines as written, tabs and all (a reader
        // copies them).
        return lines.iter().map(|l| l.to_string()).collect();
    }
    expanded
        .iter()
        .map(|l| l[indent(l).min(common)..].to_string())
        .collect()
}

/// The Markdown lines of a fenced code block showing `lines`: the fence is
/// longer than any run of backticks in the code.
pub fn fence(lang: Option<&str>, highlight: &[LineRange], lines: &[String]) -> Vec<String> {
    let longest = lines
        .iter()
        .flat_map(|l| l.split(|c| c != '`'))
        .map(str::len)
        .max()
        .unwrap_or(0);
    let ticks = "`".repeat((longest + 1).max(3));
    let mut info = lang.unwrap_or("").to_string();
    if !highlight.is_empty() {
        if !info.is_empty() {
            info.push(' ');
        }
        let _ = write!(info, "{{highlight={}}}", format_ranges(highlight));
    }
    let mut out = Vec::with_capacity(lines.len() + 2);
    out.push(format!("{ticks}{info}"));
    out.extend(lines.iter().cloned());
    out.push(ticks);
    out
}

/// The language and highlighted lines of a fence info string that carries
/// `{highlight=...}` (`csharp {highlight=2,4-5}`); `None` for any other.
pub fn fence_highlight(info: &str) -> Option<(&str, Vec<LineRange>)> {
    let open = info.find('{')?;
    let attrs = info[open + 1..].trim_end().strip_suffix('}')?;
    let lang = info[..open].split_whitespace().next().unwrap_or("");
    let spec = attrs.split_whitespace().find_map(|a| {
        let (k, v) = a.split_once('=')?;
        (k == "highlight").then(|| v.trim_matches('"'))
    })?;
    let ranges = parse_ranges(spec)?;
    Some((lang, ranges))
}

/// A code block with highlighted lines, as the event pass writes it: each
/// highlighted line inside `<mark class="kb-hl">` (the newline after it
/// outside), the ranges on the `<code>` as `data-kb-highlight`.
pub fn highlighted_html(lang: &str, code: &str, highlight: &[LineRange]) -> String {
    let mut out = String::with_capacity(code.len() + 128);
    out.push_str("<pre><code");
    if !lang.is_empty() {
        let _ = write!(out, " class=\"language-{}\"", super::escape(lang));
    }
    let _ = write!(out, " data-kb-highlight=\"{}\">", format_ranges(highlight));
    for (i, line) in split_lines(code).into_iter().enumerate() {
        // Escaped as pulldown-cmark escapes code text.
        let marked = highlight.iter().any(|r| r.contains(i + 1));
        if marked {
            out.push_str("<mark class=\"kb-hl\">");
        }
        let _ = pulldown_cmark_escape::escape_html_body_text(&mut out, line);
        if marked {
            out.push_str("</mark>");
        }
        out.push('\n');
    }
    out.push_str("</code></pre>\n");
    out
}

/// The kinds of region markers DocFX knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Markers {
    /// `// <Name>` … `// </Name>`
    CLike,
    /// `#region Name` … `#endregion` (C#; VB's `#Region "Name"` … `#End Region`)
    Region,
    /// `' <Name>` … `' </Name>` (VB)
    Vb,
    /// `<!-- <Name> -->` … `<!-- </Name> -->`
    Markup,
    /// `-- <Name>` … (SQL)
    Sql,
    /// `# <Name>` … (PowerShell, Python, shells, YAML)
    Script,
    /// `rem <Name>` … (batch files)
    Batch,
    /// `% <Name>` … (Erlang, MATLAB)
    Percent,
    /// `; <Name>` … (Lisp, INI)
    Semicolon,
    /// `/* <Name> */` … (CSS)
    Css,
}

const ALL_MARKERS: &[Markers] = &[
    Markers::CLike,
    Markers::Region,
    Markers::Vb,
    Markers::Markup,
    Markers::Sql,
    Markers::Script,
    Markers::Batch,
    Markers::Percent,
    Markers::Semicolon,
    Markers::Css,
];

/// What a line is to one kind of markers.
#[derive(Debug, PartialEq, Eq)]
enum Marker {
    Start(String),
    /// With the region's name, or none (`#endregion`).
    End(Option<String>),
}

enum Found {
    No,
    Unclosed,
    /// The region's lines, `start..end` (0-based), markers excluded at the
    /// ends.
    Lines(usize, usize),
}

impl Markers {
    /// (before the name, after it) of a start marker; an end marker is the
    /// same with `/` before the name, except for `#region`.
    fn template(self) -> (&'static str, &'static str) {
        match self {
            Markers::CLike => ("//<", ">"),
            Markers::Region => ("#region", ""),
            Markers::Vb => ("'<", ">"),
            Markers::Markup => ("<!--<", ">-->"),
            Markers::Sql => ("--<", ">"),
            Markers::Script => ("#<", ">"),
            Markers::Batch => ("rem<", ">"),
            Markers::Percent => ("%<", ">"),
            Markers::Semicolon => (";<", ">"),
            Markers::Css => ("/*<", ">*/"),
        }
    }

    /// The comment around a marker, for messages (`// `, `<!-- ` … ` -->`).
    fn comment(self) -> (&'static str, &'static str) {
        match self {
            Markers::CLike => ("//", ""),
            Markers::Region => ("#region", ""),
            Markers::Vb => ("'", ""),
            Markers::Markup => ("<!--", " -->"),
            Markers::Sql => ("--", ""),
            Markers::Script => ("#", ""),
            Markers::Batch => ("rem", ""),
            Markers::Percent => ("%", ""),
            Markers::Semicolon => (";", ""),
            Markers::Css => ("/*", " */"),
        }
    }

    /// How to mark region `name`, for messages.
    fn example(self, name: &str) -> String {
        let (open, close) = self.comment();
        match self {
            Markers::Region => format!("`#region {name}` and `#endregion`"),
            _ => format!("`{open} <{name}>{close}` and {}", self.example_end(name)),
        }
    }

    /// The end marker of region `name`, for messages.
    fn example_end(self, name: &str) -> String {
        let (open, close) = self.comment();
        match self {
            Markers::Region => "`#endregion`".to_string(),
            _ => format!("`{open} </{name}>{close}`"),
        }
    }

    /// Whether `line` is a start or end marker of this kind.
    fn kind_of(self, line: &str) -> Option<Marker> {
        let (before, after) = self.template();
        if self == Markers::Region {
            if match_tag(line, "#endregion", "").is_some() {
                return Some(Marker::End(None));
            }
            let name = match_tag(line, before, after)?;
            let name = name.trim_matches('"');
            return valid_name(name).then(|| Marker::Start(name.to_string()));
        }
        let end_before = format!("{}/", before);
        if let Some(name) = match_tag(line, &end_before, after) {
            return valid_name(&name).then_some(Marker::End(Some(name)));
        }
        let name = match_tag(line, before, after)?;
        valid_name(&name).then_some(Marker::Start(name))
    }

    /// Finds region `name` (lower-case): its first start marker, and the
    /// end marker that closes it.
    fn find(self, lines: &[&str], name: &str) -> Found {
        let snippet_name = format!("snippet{name}");
        let is_name = |n: &str| n == name || n == snippet_name;
        let Some((start, found)) =
            lines
                .iter()
                .enumerate()
                .find_map(|(i, l)| match self.kind_of(l) {
                    Some(Marker::Start(n)) if is_name(&n) => Some((i, n)),
                    _ => None,
                })
        else {
            return Found::No;
        };
        let mut depth = 0usize;
        for (i, l) in lines.iter().enumerate().skip(start + 1) {
            match self.kind_of(l) {
                Some(Marker::End(Some(n))) if n == found => return Found::Lines(start + 1, i),
                Some(Marker::Start(_)) if self == Markers::Region => depth += 1,
                Some(Marker::End(None)) if depth == 0 => return Found::Lines(start + 1, i),
                Some(Marker::End(None)) => depth -= 1,
                _ => {}
            }
        }
        Found::Unclosed
    }
}

/// Region names: letters, digits, `_`, `.` and `-`.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// DocFX's marker match: `before`, the name, then `after`, where whitespace
/// in the line outside the name is ignored and letter case does not count;
/// nothing else may follow. Returns the name, trimmed and lower-cased (the
/// rest of the line when `after` is empty).
fn match_tag(line: &str, before: &str, after: &str) -> Option<String> {
    fn expect<'l>(mut rest: &'l str, template: &str) -> Option<&'l str> {
        for want in template.chars() {
            rest = rest.trim_start();
            let c = rest.chars().next()?;
            if c.to_ascii_lowercase() != want {
                return None;
            }
            rest = &rest[c.len_utf8()..];
        }
        Some(rest)
    }
    let rest = expect(line, before)?;
    let end = match after.chars().next() {
        Some(stop) => rest.find(stop)?,
        None => rest.len(),
    };
    let name = rest[..end].trim().to_lowercase();
    let rest = expect(&rest[end..], after)?;
    rest.trim().is_empty().then_some(name)
}

/// A language: the names DocFX articles use for it (the first is DocFX's
/// own), the name a highlighter knows it by, and its region markers.
pub struct Language {
    pub names: &'static [&'static str],
    /// The highlighter's name (highlight.js names, which DocFX follows).
    pub canonical: &'static str,
    markers: &'static [Markers],
}

use Markers::*;

const LANGUAGES: &[Language] = &[
    lang(&["csharp", "cs", "c#"], "csharp", &[Region, CLike]),
    lang(
        &["vb", "vbnet", "vbscript", "vbs", "vba", "bas"],
        "vbnet",
        &[Vb, Region],
    ),
    lang(
        &[
            "cpp",
            "c++",
            "cc",
            "cxx",
            "hpp",
            "hxx",
            "h",
            "objective-c",
            "objectivec",
            "objc",
            "obj-c",
            "m",
            "cuda",
            "cu",
            "cuh",
        ],
        "cpp",
        &[CLike],
    ),
    lang(&["c"], "c", &[CLike]),
    lang(&["fsharp", "fs", "fsi", "fsx", "f#"], "fsharp", &[CLike]),
    lang(&["java", "gradle"], "java", &[CLike]),
    lang(
        &["javascript", "js", "node", "jsx", "mjs", "cjs"],
        "javascript",
        &[CLike],
    ),
    lang(
        &["typescript", "ts", "tsx", "react"],
        "typescript",
        &[CLike],
    ),
    lang(&["json", "jsonc"], "json", &[CLike]),
    lang(&["go", "golang"], "go", &[CLike]),
    lang(&["rust", "rs"], "rust", &[CLike]),
    lang(&["swift"], "swift", &[CLike]),
    lang(&["kotlin", "kt"], "kotlin", &[CLike]),
    lang(&["scala"], "scala", &[CLike]),
    lang(&["php"], "php", &[CLike, Markup]),
    lang(&["kusto", "kql"], "kusto", &[CLike]),
    lang(
        &[
            "xml", "xsl", "xslt", "xsd", "wsdl", "csdl", "edmx", "xaml", "config", "csproj",
            "vbproj", "vcxproj", "props", "targets", "resx", "nuspec", "manifest", "svg",
        ],
        "xml",
        &[Markup],
    ),
    lang(
        &["html", "htm", "xhtml", "jsp", "asp", "aspx", "ascx"],
        "html",
        &[Markup],
    ),
    lang(
        &[
            "cshtml",
            "razor",
            "vbhtml",
            "aspx-cs",
            "aspx-csharp",
            "aspx-vb",
        ],
        "cshtml",
        &[Markup, CLike, Region],
    ),
    lang(&["css", "scss", "less"], "css", &[Css]),
    lang(
        &[
            "sql",
            "tsql",
            "t-sql",
            "mysql",
            "plsql",
            "pgsql",
            "postgresql",
        ],
        "sql",
        &[Sql],
    ),
    lang(&["lua"], "lua", &[Sql]),
    lang(&["haskell", "hs"], "haskell", &[Sql]),
    lang(
        &[
            "powershell",
            "posh",
            "ps1",
            "psm1",
            "psd1",
            "pwsh",
            "ps",
            "azurepowershell",
            "azurepowershell-interactive",
        ],
        "powershell",
        &[Script],
    ),
    lang(
        &[
            "bash",
            "sh",
            "shell",
            "zsh",
            "azurecli",
            "azurecli-interactive",
            "azcli",
        ],
        "bash",
        &[Script],
    ),
    lang(
        &["console", "terminal", "shell-session"],
        "shell",
        &[Script],
    ),
    lang(&["python", "py"], "python", &[Script]),
    lang(&["ruby", "rb", "ru", "erb"], "ruby", &[Script, Markup]),
    lang(&["perl", "pl"], "perl", &[Script]),
    lang(&["r"], "r", &[Script]),
    lang(&["yaml", "yml"], "yaml", &[Script]),
    lang(&["toml"], "toml", &[Script]),
    lang(
        &["ini", "cfg", "conf", "properties", "inf", "reg"],
        "ini",
        &[Semicolon, Script],
    ),
    lang(&["dockerfile", "docker"], "dockerfile", &[Script]),
    lang(&["makefile", "make", "mk"], "makefile", &[Script]),
    lang(
        &["batchfile", "batch", "bat", "cmd", "dos"],
        "dos",
        &[Batch],
    ),
    lang(&["erlang", "erl"], "erlang", &[Percent]),
    lang(&["matlab"], "matlab", &[Percent]),
    lang(&["lisp", "lsp", "clojure", "clj"], "lisp", &[Semicolon]),
    lang(&["markdown", "md"], "markdown", &[Markup]),
    lang(
        &["text", "txt", "plaintext", "output", "log"],
        "plaintext",
        &[],
    ),
];

const fn lang(
    names: &'static [&'static str],
    canonical: &'static str,
    markers: &'static [Markers],
) -> Language {
    Language {
        names,
        canonical,
        markers,
    }
}

/// The language a DocFX name or file extension stands for (any case).
pub fn language(name: &str) -> Option<&'static Language> {
    let name = name.to_ascii_lowercase();
    LANGUAGES.iter().find(|l| l.names.contains(&name.as_str()))
}

/// The name a syntax highlighter knows a fence language by: DocFX names
/// and aliases (`cs`, `azurecli`, `ps1`, `yml`) map to one name each
/// (`csharp`, `bash`, `powershell`, `yaml`); `None` for names kbsite does
/// not know (highlight those as plain text).
pub fn highlight_language(name: &str) -> Option<&'static str> {
    language(name).map(|l| l.canonical)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(start: usize, end: usize) -> LineRange {
        LineRange { start, end }
    }

    #[test]
    fn ranges() {
        assert_eq!(parse_range("2-5", false), Some(r(2, 5)));
        assert_eq!(parse_range(" 7 ", false), Some(r(7, 7)));
        assert_eq!(parse_range("10-", false), Some(r(10, usize::MAX)));
        assert_eq!(parse_range("-3", false), Some(r(1, 3)));
        assert_eq!(parse_range("L2-L5", true), Some(r(2, 5)));
        assert_eq!(parse_range("l4", true), Some(r(4, 4)));
        for bad in ["", "-", "0", "5-2", "a", "1-2-3", "2-5x"] {
            assert_eq!(parse_range(bad, false), None, "{bad}");
        }
        assert_eq!(parse_range("2-5", true), None, "L required");
        assert_eq!(
            parse_ranges("2,4-5,7-"),
            Some(vec![r(2, 2), r(4, 5), r(7, usize::MAX)])
        );
        assert_eq!(parse_ranges("2,,3"), None);
        assert_eq!(
            format_ranges(&parse_ranges("2, 4-5,7-").unwrap()),
            "2,4-5,7-"
        );
    }

    #[test]
    fn directive_queries_and_fragments() {
        let d = Directive::parse(Some("CSharp"), "../s/Program.cs?range=1-10&highlight=3");
        assert_eq!(d.lang.as_deref(), Some("csharp"));
        assert_eq!(d.path, "../s/Program.cs");
        assert_eq!(d.selection, Selection::Lines(vec![r(1, 10)]));
        assert_eq!(d.highlight, vec![r(3, 3)]);
        assert!(d.problems.is_empty());
        let d = Directive::parse(None, "x.cpp?name=Region1");
        assert_eq!(d.selection, Selection::Region("Region1".into()));
        let d = Directive::parse(None, "x.cs#L2-L5");
        assert_eq!(d.selection, Selection::Lines(vec![r(2, 5)]));
        let d = Directive::parse(None, "x.cs#Main");
        assert_eq!(d.selection, Selection::Region("Main".into()));
        // A region wins over lines, as in DocFX.
        let d = Directive::parse(None, "x.cs?range=2&name=A");
        assert_eq!(d.selection, Selection::Region("A".into()));
        let d = Directive::parse(None, "x.xml?start=5&end=9&dedent=0");
        assert_eq!(d.selection, Selection::Lines(vec![r(5, 9)]));
        assert_eq!(d.dedent, Some(0));
        let d = Directive::parse(None, "x.sql?range=abc&colour=red&highlight=2");
        assert_eq!(d.selection, Selection::All);
        assert_eq!(d.highlight, vec![r(2, 2)]);
        let msgs: Vec<_> = d.problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(
            msgs,
            [
                "invalid range `abc` in code sample `x.sql?range=abc&colour=red&highlight=2`",
                "unknown option `colour` in code sample `x.sql?range=abc&colour=red&highlight=2`"
            ]
        );
    }

    #[test]
    fn fence_language_from_name_or_extension() {
        let lang = |l: Option<&str>, t: &str| Directive::parse(l, t).fence_language();
        assert_eq!(lang(Some("azurecli"), "x.sh").as_deref(), Some("azurecli"));
        assert_eq!(lang(None, "a/x.PS1").as_deref(), Some("powershell"));
        assert_eq!(lang(None, "x.unknown"), None);
        assert_eq!(lang(Some("c`s"), "x.cs").as_deref(), Some("csharp"));
        assert_eq!(highlight_language("cs"), Some("csharp"));
        assert_eq!(highlight_language("azurecli"), Some("bash"));
        assert_eq!(highlight_language("console"), Some("shell"));
        assert_eq!(highlight_language("yml"), Some("yaml"));
        assert_eq!(highlight_language("nope"), None);
        // Every name belongs to one language.
        let mut names: Vec<&str> = LANGUAGES
            .iter()
            .flat_map(|l| l.names.iter().copied())
            .collect();
        names.sort_unstable();
        let n = names.len();
        names.dedup();
        assert_eq!(n, names.len(), "a name is listed twice");
    }

    fn show(lang: Option<&str>, target: &str, text: &str) -> Result<String, String> {
        Directive::parse(lang, target)
            .show(text)
            .map(|(l, _)| l.join("\n"))
            .map_err(|p| format!("{} ({})", p.message, p.hint))
    }

    #[test]
    fn line_ranges_and_dedent() {
        let text = "a\n  b\n    c\n  d\ne\n";
        assert_eq!(show(None, "x.txt?range=2-4", text).unwrap(), "b\n  c\nd");
        assert_eq!(show(None, "x.txt?range=5,1", text).unwrap(), "e\na");
        assert_eq!(show(None, "x.txt?range=3-", text).unwrap(), "    c\n  d\ne");
        assert_eq!(show(None, "x.txt#L3", text).unwrap(), "c");
        assert_eq!(
            show(None, "x.txt?range=2-4&dedent=1", text).unwrap(),
            " b\n   c\n d"
        );
        let e = show(None, "x.txt?range=9-12", text).unwrap_err();
        assert!(
            e.contains("shows no lines") && e.contains("past the end of the file (5 lines)"),
            "{e}"
        );
        let (lines, notes) = Directive::parse(None, "x.txt?range=1,9&highlight=4")
            .show(text)
            .unwrap();
        assert_eq!(lines, ["a"]);
        assert!(
            notes[0].message.starts_with("range `9` is past the end"),
            "{notes:?}"
        );
        assert!(
            notes[1]
                .message
                .starts_with("highlight `4` is past the end"),
            "{notes:?}"
        );
        assert!(show(None, "x.txt", "")
            .unwrap_err()
            .contains("the file is empty"));
    }

    #[test]
    fn dedent_counts_tabs_and_skips_blank_lines() {
        assert_eq!(
            dedent(&["\tif x {", "", "\t\ty()", "  \t}"], None),
            ["if x {", "", "    y()", "}"]
        );
        assert_eq!(dedent(&["    a", "   ", "      b"], None), ["a", "", "  b"]);
        assert_eq!(dedent(&["x", "  y"], None), ["x", "  y"]);
        assert_eq!(dedent(&["x", "\ty  "], None), ["x", "\ty  "]);
    }

    const CS: &str = "using System;\n\nclass P\n{\n    #region Main\n    static void Main()\n    {\n        // <Inner>\n        Run();\n        // </Inner>\n    }\n    #endregion\n\n    // <snippet2>\n    #region Nested\n    void A() { }\n    #region Deeper\n    void B() { }\n    #endregion\n    #endregion\n    // </snippet2>\n}\n";

    #[test]
    fn csharp_regions_both_forms() {
        assert_eq!(
            show(Some("csharp"), "p.cs?name=Main", CS).unwrap(),
            "static void Main()\n{\n    Run();\n}"
        );
        assert_eq!(show(Some("csharp"), "p.cs#inner", CS).unwrap(), "Run();");
        // `<snippet2>` answers to `2`; nested `#region` markers go.
        assert_eq!(
            show(Some("csharp"), "p.cs?name=2", CS).unwrap(),
            "void A() { }\nvoid B() { }"
        );
        // `#endregion` closes the innermost region.
        assert_eq!(
            show(None, "p.cs?name=Nested", CS).unwrap(),
            "void A() { }\nvoid B() { }"
        );
        let e = show(Some("csharp"), "p.cs?name=Missing", CS).unwrap_err();
        assert!(
            e.starts_with("region `Missing` not found in code sample `p.cs?name=Missing`"),
            "{e}"
        );
        assert!(e.contains("`#region Missing` and `#endregion`"), "{e}");
        let e = show(Some("cs"), "p.cs?name=open", "// <open>\nx\n").unwrap_err();
        assert!(
            e.contains("is not closed") && e.contains("`// </open>`"),
            "{e}"
        );
        let e = show(Some("cs"), "p.cs?name=e", "// <e>\n// </e>\n").unwrap_err();
        assert!(e.contains("region `e` is empty"), "{e}");
    }

    #[test]
    fn region_markers_of_other_languages() {
        let xml =
            "<root>\n  <!-- <Settings> -->\n  <add key=\"a\" />\n  <!--</Settings>-->\n</root>\n";
        assert_eq!(
            show(Some("xml"), "w.config?name=settings", xml).unwrap(),
            "<add key=\"a\" />"
        );
        let ps = "param()\n# <Connect>\n  Connect-Thing\n  # <Inner>\n  Get-Thing\n  # </Inner>\n# </Connect>\n";
        assert_eq!(
            show(Some("powershell"), "x.ps1?name=Connect", ps).unwrap(),
            "Connect-Thing\nGet-Thing"
        );
        let vb = "Module M\n    ' <Main>\n    Sub Main()\n    End Sub\n    ' </Main>\n    #Region \"Other\"\n    Dim x\n    #End Region\nEnd Module\n";
        assert_eq!(
            show(Some("vb"), "m.vb#Main", vb).unwrap(),
            "Sub Main()\nEnd Sub"
        );
        assert_eq!(show(Some("vb"), "m.vb#other", vb).unwrap(), "Dim x");
        let sql = "-- <Q>\nSELECT 1;\n-- </Q>\n";
        assert_eq!(show(Some("sql"), "q.sql?name=Q", sql).unwrap(), "SELECT 1;");
        let yaml = "a: 1\n# <part>\nb: 2\n# </part>\n";
        assert_eq!(show(None, "c.yml?name=part", yaml).unwrap(), "b: 2");
        // A language whose markers differ: the other kinds are tried too.
        assert_eq!(show(Some("cpp"), "x.cpp?name=q", sql).unwrap(), "SELECT 1;");
    }

    #[test]
    fn marker_matching() {
        assert_eq!(
            match_tag("  //  < Main >  ", "//<", ">"),
            Some("main".into())
        );
        assert_eq!(match_tag("// <Main> trailing", "//<", ">"), None);
        assert_eq!(match_tag("x // <Main>", "//<", ">"), None);
        assert_eq!(
            CLike.kind_of("// </Main>"),
            Some(Marker::End(Some("main".into())))
        );
        assert_eq!(CLike.kind_of("// <a b>"), None);
        assert_eq!(
            Region.kind_of("#region Main"),
            Some(Marker::Start("main".into()))
        );
        assert_eq!(
            Region.kind_of("  #endregion // Main"),
            Some(Marker::End(None))
        );
        assert_eq!(
            Markup.kind_of("<!-- </x> -->"),
            Some(Marker::End(Some("x".into())))
        );
        assert_eq!(Script.kind_of("#<x>"), Some(Marker::Start("x".into())));
    }

    #[test]
    fn fences_and_highlight() {
        let lines = vec!["a".to_string(), "```".to_string(), "b ````` c".to_string()];
        let f = fence(Some("csharp"), &[r(2, 2), r(4, 5)], &lines);
        assert_eq!(f[0], "``````csharp {highlight=2,4-5}");
        assert_eq!(f.last().unwrap(), "``````");
        assert_eq!(fence(None, &[], &lines[..1])[0], "```");
        assert_eq!(fence(None, &[r(1, 1)], &lines[..1])[0], "```{highlight=1}");
        assert_eq!(
            fence_highlight("csharp {highlight=2,4-5}"),
            Some(("csharp", vec![r(2, 2), r(4, 5)]))
        );
        assert_eq!(
            fence_highlight("{highlight=\"3-\"}"),
            Some(("", vec![r(3, usize::MAX)]))
        );
        assert_eq!(fence_highlight("csharp"), None);
        assert_eq!(fence_highlight("csharp {title=x}"), None);
        assert_eq!(
            highlighted_html("cs", "a\n<b \"q\">\nc\n", &[r(2, 2)]),
            "<pre><code class=\"language-cs\" data-kb-highlight=\"2\">a\n<mark class=\"kb-hl\">&lt;b \"q\"&gt;</mark>\nc\n</code></pre>\n"
        );
    }
}
