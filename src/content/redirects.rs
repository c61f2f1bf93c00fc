//! A DocFX repository's `.openpublishing.redirection.json`: the addresses
//! of articles that moved or were retired, and where each now points.

use crate::diagnostics::Diagnostic;

/// One entry of the redirection file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    /// Content path of the file that was there (`Exchange/x/old.md`).
    pub source: String,
    /// Where readers go, as written (`/exchange/troubleshoot/x/new`, a
    /// relative path or an absolute URL).
    pub target: String,
    /// The file that lists it, as diagnostics show it.
    pub file: String,
    /// The line of its `source_path`.
    pub line: u32,
}

/// Reads the redirection file's `text` (at the repository root: its
/// paths are content paths); `display` names it in diagnostics.
pub fn parse(text: &str, display: &str) -> (Vec<Redirect>, Vec<Diagnostic>) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let value: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            let d = Diagnostic::error(format!("not valid JSON: {e}"))
                .in_file(display)
                .at(e.line() as u32, e.column() as u32)
                .with_hint("fix the JSON; no redirect is written until it reads");
            return (Vec::new(), vec![d]);
        }
    };
    // serde_json keeps no positions: the n-th `"source_path"` key of the
    // text is the n-th entry's.
    let lines: Vec<u32> = text
        .match_indices("\"source_path\"")
        .map(|(at, _)| text[..at].matches('\n').count() as u32 + 1)
        .collect();
    let entries = value.get("redirections").and_then(|r| r.as_array());
    let mut out = Vec::new();
    let mut diags = Vec::new();
    let mut with_source = 0;
    for entry in entries.into_iter().flatten() {
        let source = entry.get("source_path").and_then(|s| s.as_str());
        let line = match source {
            Some(_) => {
                with_source += 1;
                lines.get(with_source - 1).copied().unwrap_or(1)
            }
            None => 1,
        };
        let target = entry.get("redirect_url").and_then(|s| s.as_str());
        match (source, target) {
            (Some(source), Some(target)) if !target.trim().is_empty() => {
                match crate::paths::join("", source.trim()) {
                    Some(source) if !source.is_empty() => out.push(Redirect {
                        source,
                        target: target.trim().to_string(),
                        file: display.to_string(),
                        line,
                    }),
                    _ => diags.push(
                        Diagnostic::warning(format!(
                            "redirect source `{source}` is outside the repository"
                        ))
                        .in_file(display)
                        .at_line(line),
                    ),
                }
            }
            _ => diags.push(
                Diagnostic::warning("redirect without `source_path` and `redirect_url`")
                    .in_file(display)
                    .at_line(line)
                    .with_hint("each entry needs both; this one is left out"),
            ),
        }
    }
    (out, diags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_entries_with_their_lines() {
        let text = "{\n  \"redirections\": [\n    {\n      \"source_path\": \"A/old.md\",\n      \"redirect_url\": \"/a/new\"\n    },\n    {\n      \"source_path\": \"A/x.md\"\n    }\n  ]\n}\n";
        let (r, d) = parse(text, ".openpublishing.redirection.json");
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].source, "A/old.md");
        assert_eq!(r[0].target, "/a/new");
        assert_eq!(r[0].line, 4);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].line, Some(8));
        let (r, d) = parse("{ nope", "r.json");
        assert!(r.is_empty());
        assert_eq!(d[0].severity, crate::diagnostics::Severity::Error);
    }
}
