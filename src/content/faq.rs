//! DocFX YAML pages. A `### YamlMime:FAQ` file (title, metadata, summary,
//! sections of questions with Markdown answers) becomes an ordinary
//! article: its metadata is the front matter and its body is Markdown made
//! from the YAML — the title as the H1, the summary, each question as a
//! heading followed by its answer. Every piece is put on the line it has in
//! the YAML file, so a broken link in an answer is reported at its real
//! line. Other YamlMime kinds are not pages kbsite builds (a note says so).

use super::front_matter::{self, FrontMatter};
use crate::diagnostics::Diagnostic;
use regex::Regex;
use serde_yaml::Value;
use std::sync::LazyLock;

/// One question and its answer, both Markdown, for the page's FAQ
/// structured data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaqEntry {
    pub question: String,
    pub answer: String,
}

/// A FAQ file as an article's parts.
#[derive(Debug)]
pub struct Converted {
    pub front: FrontMatter,
    /// Markdown whose line N is the file's line N.
    pub body: String,
    pub entries: Vec<FaqEntry>,
    pub diagnostics: Vec<Diagnostic>,
}

/// The kind a DocFX YAML page declares on its first line
/// (`### YamlMime:FAQ` → `FAQ`).
pub fn yaml_mime(text: &str) -> Option<&str> {
    let first = text.trim_start_matches('\u{feff}').lines().next()?;
    let kind = first.trim().strip_prefix("### YamlMime:")?.trim();
    (!kind.is_empty()).then_some(kind)
}

/// Whether kbsite builds DocFX YAML pages of this YamlMime kind.
pub fn is_page(kind: &str) -> bool {
    kind == "FAQ" || super::landing::KINDS.contains(&kind)
}

/// Whether a file name or path ends in `.yml` or `.yaml` (any case): the
/// files that may be DocFX YAML pages.
pub fn is_yaml_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    [".yml", ".yaml"].iter().any(|ext| {
        let cut = bytes.len().saturating_sub(ext.len());
        cut > 0 && bytes[cut..].eq_ignore_ascii_case(ext.as_bytes())
    })
}

/// Keys whose lines place the generated Markdown.
static KEY_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(\s*)(?:-\s+)?(title|summary|name|question|answer|additionalContent|metadata|url)\s*:(.*)$",
    )
    .unwrap()
});

/// Where each placed key sits in the file, in document order (the
/// `metadata` block's own keys left out: they are front matter).
pub(super) struct Layout {
    /// (key, 0-based line, indent, the value starts on the next line).
    keys: Vec<(String, usize, usize, bool)>,
    next: usize,
}

impl Layout {
    pub(super) fn scan(text: &str) -> Layout {
        let mut in_metadata = false;
        let keys = text
            .lines()
            .enumerate()
            .filter_map(|(i, line)| {
                let top = !line.starts_with([' ', '\t', '#']) && !line.trim().is_empty();
                if top {
                    in_metadata = line.starts_with("metadata:");
                } else if in_metadata {
                    return None;
                }
                let c = KEY_LINE.captures(line)?;
                let value = c[3].trim();
                let block = value.is_empty() || value.starts_with('|') || value.starts_with('>');
                Some((c[2].to_string(), i, c[1].len(), block))
            })
            .collect();
        Layout { keys, next: 0 }
    }

    /// The 0-based line the next `key`'s text starts on (top-level keys
    /// only when `top`), moving past it.
    pub(super) fn take(&mut self, key: &str, top: bool) -> Option<usize> {
        let found = self.keys[self.next..]
            .iter()
            .position(|(k, _, indent, _)| k == key && (!top || *indent == 0))?;
        let (_, line, _, block) = self.keys[self.next + found];
        self.next += found + 1;
        Some(if block { line + 1 } else { line })
    }

    /// The metadata block's text (dedented) and its first 1-based line.
    pub(super) fn metadata(&self, text: &str) -> Option<(String, u32)> {
        let &(_, line, _, _) = self
            .keys
            .iter()
            .find(|(k, _, i, _)| k == "metadata" && *i == 0)?;
        let lines: Vec<&str> = text
            .lines()
            .skip(line + 1)
            .take_while(|l| l.trim().is_empty() || l.starts_with([' ', '\t']))
            .collect();
        let indent = lines
            .iter()
            .filter(|l| !l.trim().is_empty())
            .map(|l| l.len() - l.trim_start().len())
            .min()?;
        let block: Vec<&str> = lines
            .iter()
            .map(|l| l.get(indent..).unwrap_or(""))
            .collect();
        Some((block.join("\n"), line as u32 + 2))
    }
}

/// Markdown built line by line: text is put at the line it has in the file
/// (blank lines fill the gaps), or after what is there when that line is
/// taken.
#[derive(Default)]
pub(super) struct Body(pub(super) Vec<String>);

impl Body {
    pub(super) fn put(&mut self, at: Option<usize>, text: &str) {
        match at {
            Some(at) if at >= self.0.len() => self.0.resize(at, String::new()),
            _ => self.0.push(String::new()),
        }
        self.0.extend(text.trim_end().lines().map(str::to_string));
    }
}

/// A scalar as text (numbers and booleans too: a question can be `42`).
pub(super) fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Converts a `### YamlMime:FAQ` file. `Err` when it is not YAML at all.
pub fn convert(text: &str) -> Result<Converted, Diagnostic> {
    let value: Value = serde_yaml::from_str(text).map_err(|e| {
        let (problem, hint) = crate::diagnostics::yaml_problem(&e, 1);
        let d = Diagnostic::error(format!("FAQ page is not valid YAML: {problem}"))
            .with_hint(hint.unwrap_or("check quoting and indentation"));
        // An error found at the end of the text (an unclosed bracket)
        // belongs on the last line, not after it.
        let last = text.trim_end().lines().count().max(1);
        match e.location() {
            Some(loc) if loc.line() > last => d.at_line(last as u32),
            Some(loc) => d.at(loc.line() as u32, loc.column() as u32),
            None => d,
        }
    })?;
    let Value::Mapping(top) = value else {
        return Err(Diagnostic::error(
            "a FAQ page must be a mapping with `title`, `summary` and `sections`",
        )
        .at_line(1));
    };
    let mut layout = Layout::scan(text);
    let mut diagnostics = Vec::new();
    let (mut front, fm_diags) = match layout.metadata(text) {
        Some((yaml, line)) => front_matter::parse(&yaml, line),
        None => (FrontMatter::default(), Vec::new()),
    };
    diagnostics.extend(fm_diags);
    let mut body = Body::default();
    let title = top.get("title").and_then(text_of);
    match &title {
        Some(t) => body.put(layout.take("title", true), &format!("# {}", one_line(t))),
        None => diagnostics.push(
            Diagnostic::warning("FAQ page has no `title`")
                .at_line(1)
                .with_hint("add `title:` with the page's heading"),
        ),
    }
    if front.title.is_none() {
        front.title = title;
    }
    if let Some(summary) = top.get("summary").and_then(text_of) {
        body.put(layout.take("summary", true), &summary);
    }
    let sections = match top.get("sections") {
        Some(Value::Sequence(s)) => s.as_slice(),
        Some(_) => {
            diagnostics.push(Diagnostic::error("`sections` must be a list").at_line(1));
            &[]
        }
        None => &[],
    };
    let named = sections.len() > 1;
    let mut entries = Vec::new();
    for section in sections {
        let name = section.get("name").and_then(text_of);
        let name_line = name.as_ref().and_then(|_| layout.take("name", false));
        if let (true, Some(name)) = (named, &name) {
            body.put(name_line, &format!("## {}", one_line(name)));
        }
        let level = if named { "###" } else { "##" };
        let questions = section.get("questions").and_then(Value::as_sequence);
        for q in questions.map(Vec::as_slice).unwrap_or_default() {
            let question = q.get("question").and_then(text_of);
            let answer = q.get("answer").and_then(text_of);
            let q_line = question
                .as_ref()
                .and_then(|_| layout.take("question", false));
            let Some(question) = question else {
                diagnostics.push(
                    Diagnostic::warning("FAQ entry has no `question`; left out")
                        .at_line(q_line.map_or(1, |l| l as u32 + 1)),
                );
                continue;
            };
            body.put(q_line, &format!("{level} {}", one_line(&question)));
            let a_line = answer.as_ref().and_then(|_| layout.take("answer", false));
            match &answer {
                Some(a) => body.put(a_line, a),
                None => diagnostics.push(
                    Diagnostic::warning(format!(
                        "question `{}` has no answer",
                        one_line(&question)
                    ))
                    .at_line(q_line.map_or(1, |l| l as u32 + 1))
                    .with_hint("add `answer:` under the question"),
                ),
            }
            entries.push(FaqEntry {
                question: one_line(&question),
                answer: answer.unwrap_or_default(),
            });
        }
    }
    if let Some(more) = top.get("additionalContent").and_then(text_of) {
        body.put(layout.take("additionalContent", true), &more);
    }
    let mut body = body.0.join("\n");
    body.push('\n');
    Ok(Converted {
        front,
        body,
        entries,
        diagnostics,
    })
}

/// A question or title written over several lines, as one.
pub(super) fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAQ: &str = "### YamlMime:FAQ\nmetadata:\n  title: Short title\n  ms.date: 01/15/2025\ntitle: The FAQ\nsummary: |\n  Summary with a [link](x.md).\nsections:\n- name: Ignored\n  questions:\n  - question: |\n      What is it\n    answer: |\n      It is a thing.\n\n      See [y](y.md).\n  - question: Why?\n    answer: Because.\n";

    #[test]
    fn faq_becomes_markdown_on_its_lines() {
        assert_eq!(yaml_mime(FAQ), Some("FAQ"));
        let c = convert(FAQ).unwrap();
        assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
        assert_eq!(c.front.title.as_deref(), Some("Short title"));
        assert!(c.front.date.is_some());
        let lines: Vec<&str> = c.body.lines().collect();
        // File lines are 1-based: line 5 is `title:`, 7 the summary's text,
        // 12 the first question's, 14 and 16 its answer, 17-18 the second.
        assert_eq!(lines[4], "# The FAQ");
        assert_eq!(lines[6], "Summary with a [link](x.md).");
        assert_eq!(lines[11], "## What is it");
        assert_eq!(lines[13], "It is a thing.");
        assert_eq!(lines[15], "See [y](y.md).");
        assert_eq!(lines[16], "## Why?");
        assert_eq!(lines[17], "Because.");
        assert_eq!(
            c.entries,
            vec![
                FaqEntry {
                    question: "What is it".into(),
                    answer: "It is a thing.\n\nSee [y](y.md).\n".into()
                },
                FaqEntry {
                    question: "Why?".into(),
                    answer: "Because.".into()
                },
            ]
        );
    }

    #[test]
    fn several_sections_get_their_names_as_headings() {
        let text = "### YamlMime:FAQ\ntitle: T\nsections:\n- name: First\n  questions:\n  - question: A?\n    answer: a\n- name: Second\n  questions:\n  - question: B?\n";
        let c = convert(text).unwrap();
        let headings: Vec<&str> = c.body.lines().filter(|l| l.starts_with('#')).collect();
        assert_eq!(
            headings,
            vec!["# T", "## First", "### A?", "## Second", "### B?"]
        );
        assert_eq!(c.diagnostics.len(), 1);
        assert_eq!(c.diagnostics[0].message, "question `B?` has no answer");
        assert_eq!(c.diagnostics[0].line, Some(10));
    }

    #[test]
    fn broken_files_are_diagnostics() {
        assert!(convert("### YamlMime:FAQ\ntitle: [\n").is_err());
        assert!(convert("### YamlMime:FAQ\n- a\n").is_err());
        let c = convert("### YamlMime:FAQ\nsections: 3\n").unwrap();
        assert_eq!(c.diagnostics.len(), 2);
        assert_eq!(yaml_mime("title: x"), None);
        assert_eq!(yaml_mime("### YamlMime:Landing\n"), Some("Landing"));
        assert!(is_yaml_name("a/FAQ.YML") && is_yaml_name("b.yaml"));
        assert!(!is_yaml_name(".yml") && !is_yaml_name("a.md") && !is_yaml_name("ymlx"));
    }
}
