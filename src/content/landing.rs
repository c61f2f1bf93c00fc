//! DocFX landing pages: `### YamlMime:Landing` and `### YamlMime:Hub`
//! files (a title, a summary, cards of links) become ordinary articles,
//! as FAQ pages do ([`super::faq`]): the metadata is the front matter and
//! the body is Markdown made from the YAML — the title as the H1, the
//! summary, each card's title as a heading and its links as a list. Each
//! piece is put on its line of the YAML file, so a broken link is reported
//! where it is written. Card images are left out: they name pictures of
//! the publishing site, not of the repository.

use super::faq::{one_line, text_of, Body, Converted, Layout};
use super::front_matter::{self, FrontMatter};
use crate::diagnostics::Diagnostic;
use serde_yaml::Value;

/// The YamlMime kinds built as landing pages.
pub const KINDS: &[&str] = &["Landing", "Hub"];

/// Keys that describe how a card looks, not what it says.
const LOOKS: &[&str] = &[
    "imageSrc",
    "image",
    "itemType",
    "linkListType",
    "brand",
    "type",
    "src",
    "alt",
];

/// Converts a Landing or Hub page. `Err` when it is not YAML at all.
pub fn convert(text: &str) -> Result<Converted, Diagnostic> {
    let value: Value = serde_yaml::from_str(text).map_err(|e| {
        let (problem, hint) = crate::diagnostics::yaml_problem(&e, 1);
        let d = Diagnostic::error(format!("landing page is not valid YAML: {problem}"))
            .with_hint(hint.unwrap_or("check quoting and indentation"));
        match e.location() {
            Some(loc) => d.at(loc.line() as u32, loc.column() as u32),
            None => d,
        }
    })?;
    let Value::Mapping(top) = value else {
        return Err(Diagnostic::error(
            "a landing page must be a mapping with `title` and `summary`",
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
    let mut page = Page {
        layout: &mut layout,
        body: Body::default(),
    };
    let title = top.get("title").and_then(text_of);
    match &title {
        Some(t) => page.put("title", true, &format!("# {}", one_line(t))),
        None => diagnostics.push(
            Diagnostic::warning("landing page has no `title`")
                .at_line(1)
                .with_hint("add `title:` with the page's heading"),
        ),
    }
    let summary = top.get("summary").and_then(text_of);
    if let Some(summary) = &summary {
        page.put("summary", true, summary);
    }
    if front.title.is_none() {
        front.title = title;
    }
    if front.description.is_none() {
        front.description = summary.map(|s| one_line(&s));
    }
    for (key, value) in &top {
        let skip = ["title", "summary", "metadata"];
        if key
            .as_str()
            .is_some_and(|k| skip.contains(&k) || LOOKS.contains(&k))
        {
            continue;
        }
        page.cards(value, 2);
    }
    let mut body = page.body.0.join("\n");
    body.push('\n');
    Ok(Converted {
        front,
        body,
        entries: Vec::new(),
        diagnostics,
    })
}

/// The Markdown being made, and where the YAML's keys are.
struct Page<'l> {
    layout: &'l mut Layout,
    body: Body,
}

impl Page<'_> {
    /// Puts `text` on the line of the next `key`.
    fn put(&mut self, key: &str, top: bool, text: &str) {
        let at = self.layout.take(key, top);
        self.body.put(at, text);
    }

    /// A list of cards or links, or a mapping holding one.
    fn cards(&mut self, value: &Value, level: usize) {
        match value {
            Value::Sequence(items) => {
                for item in items {
                    self.card(item, level);
                }
            }
            Value::Mapping(map) => {
                for (key, inner) in map {
                    if !key.as_str().is_some_and(|k| LOOKS.contains(&k)) {
                        self.cards(inner, level);
                    }
                }
            }
            _ => {}
        }
    }

    /// One card (a title, a summary, links, inner cards) or one link.
    fn card(&mut self, item: &Value, level: usize) {
        let Value::Mapping(map) = item else { return };
        let title = map.get("title").and_then(text_of);
        let text = map.get("text").and_then(text_of);
        if let Some(url) = map.get("url").and_then(text_of) {
            // A link, or a card that is one link (its summary under it).
            let label = text.or(title.clone()).unwrap_or_else(|| url.clone());
            if title.is_some() {
                self.layout.take("title", false);
            }
            self.put(
                "url",
                false,
                &format!("- [{}](<{}>)", escape_label(&one_line(&label)), url.trim()),
            );
            if let Some(summary) = map.get("summary").and_then(text_of) {
                self.put("summary", false, &format!("  {}", one_line(&summary)));
            }
            return;
        }
        let level = match &title {
            Some(t) => {
                let hashes = "#".repeat(level.min(6));
                self.put("title", false, &format!("{hashes} {}", one_line(t)));
                level + 1
            }
            None => level,
        };
        if let Some(summary) = map.get("summary").and_then(text_of) {
            self.put("summary", false, &summary);
        }
        for (key, inner) in map {
            let k = key.as_str().unwrap_or("");
            if !["title", "summary", "text"].contains(&k) && !LOOKS.contains(&k) {
                self.cards(inner, level);
            }
        }
    }
}

/// Link text as Markdown reads it literally (`[` and `]` escaped).
fn escape_label(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('[', "\\[")
        .replace(']', "\\]")
}

#[cfg(test)]
mod tests {
    use super::*;

    const LANDING: &str = "### YamlMime:Landing\n\ntitle: Exchange troubleshooting\nsummary: Start here.\nmetadata:\n  title: Exchange\n  ms.date: 01/24/2024\n\nlandingContent:\n  - title: Administration\n    linkLists:\n      - linkListType: how-to-guide\n        links:\n          - text: 405 error\n            url: ./administration/error.md\n          - text: A [bracket]\n            url: /exchange/troubleshoot/x\n";

    #[test]
    fn landing_becomes_markdown_on_its_lines() {
        let c = convert(LANDING).unwrap();
        assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
        assert_eq!(c.front.title.as_deref(), Some("Exchange"));
        assert_eq!(c.front.description.as_deref(), Some("Start here."));
        assert!(c.front.date.is_some());
        let lines: Vec<&str> = c.body.lines().collect();
        assert_eq!(lines[2], "# Exchange troubleshooting");
        assert_eq!(lines[3], "Start here.");
        assert_eq!(lines[9], "## Administration");
        assert_eq!(lines[14], "- [405 error](<./administration/error.md>)");
        assert_eq!(lines[16], "- [A \\[bracket\\]](</exchange/troubleshoot/x>)");
    }

    #[test]
    fn hub_cards_and_summaries() {
        let text = "### YamlMime:Hub\ntitle: Hub\nsummary: All of it.\nproductDirectory:\n  items:\n    - title: Teams\n      imageSrc: /media/x.svg\n      links:\n        - url: /teams/welcome\n          text: Microsoft Teams\nadditionalContent:\n  sections:\n    - title: Related\n      items:\n        - title: Developers\n          summary: For developers.\n          url: https://example.org/dev\n";
        let c = convert(text).unwrap();
        let body: Vec<&str> = c.body.lines().filter(|l| !l.is_empty()).collect();
        assert_eq!(
            body,
            vec![
                "# Hub",
                "All of it.",
                "## Teams",
                "- [Microsoft Teams](</teams/welcome>)",
                "## Related",
                "- [Developers](<https://example.org/dev>)",
                "  For developers.",
            ]
        );
        assert!(convert("### YamlMime:Hub\n- a\n").is_err());
        assert!(convert("### YamlMime:Hub\ntitle: [\n").is_err());
    }
}
