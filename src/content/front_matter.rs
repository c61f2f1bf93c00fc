//! Front matter: the YAML between `---` lines at the top of an article.
//! Known keys are typed (and type-checked); every other key is kept as JSON
//! for templates.

use crate::diagnostics::Diagnostic;
use chrono::NaiveDate;
use serde_yaml::Value;

/// An article's front matter.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FrontMatter {
    pub title: Option<String>,
    pub description: Option<String>,
    /// `ms.date`, when present and readable.
    pub date: Option<NaiveDate>,
    pub author: Option<String>,
    /// `ms.service`.
    pub service: Option<String>,
    /// `ms.prod`, DocFX's older name for the service.
    pub prod: Option<String>,
    /// `ms.subservice`.
    pub subservice: Option<String>,
    /// `ms.technology`, DocFX's older name for the subservice.
    pub technology: Option<String>,
    /// `ms.topic`.
    pub topic: Option<String>,
    /// `appliesto`: products, used when the body has no Applies-to line.
    pub appliesto: Vec<String>,
    /// `kb`: the article's KB number, when the front matter says it.
    pub kb: Option<String>,
    pub uid: Option<String>,
    /// File lines of `kb:` and `uid:`, for diagnostics about them.
    pub kb_line: Option<u32>,
    pub uid_line: Option<u32>,
    pub draft: bool,
    pub redirect_url: Option<String>,
    /// Every other key, for templates (`page.extra["ms.custom"]`).
    pub extra: Extra,
}

/// The front matter keys kept for templates (`page.extra`), held as the
/// text of one JSON object: a map per article (a tree node of its own,
/// however few its keys) was a twentieth of the preview's memory at 20,000
/// articles. Empty when there are none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extra(Box<str>);

impl Extra {
    fn new(map: &serde_json::Map<String, serde_json::Value>) -> Extra {
        if map.is_empty() {
            return Extra::default();
        }
        Extra(serde_json::to_string(map).unwrap_or_default().into())
    }

    /// The keys and their values.
    pub fn map(&self) -> serde_json::Map<String, serde_json::Value> {
        serde_json::from_str(&self.0).unwrap_or_default()
    }
}

impl serde::Serialize for Extra {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.map().serialize(s)
    }
}

impl FrontMatter {
    /// This front matter, with `defaults` where it says nothing: DocFX
    /// metadata of the docset applies before the article's own keys.
    pub fn or(self, defaults: FrontMatter) -> FrontMatter {
        let mut extra = defaults.extra.map();
        extra.extend(self.extra.map());
        FrontMatter {
            title: self.title.or(defaults.title),
            description: self.description.or(defaults.description),
            date: self.date.or(defaults.date),
            author: self.author.or(defaults.author),
            service: self.service.or(defaults.service),
            prod: self.prod.or(defaults.prod),
            subservice: self.subservice.or(defaults.subservice),
            technology: self.technology.or(defaults.technology),
            topic: self.topic.or(defaults.topic),
            appliesto: match self.appliesto.is_empty() {
                true => defaults.appliesto,
                false => self.appliesto,
            },
            // Identity is the article's own: a KB number, uid or redirect
            // shared by a whole docset would be a duplicate everywhere.
            kb: self.kb,
            uid: self.uid,
            kb_line: self.kb_line,
            uid_line: self.uid_line,
            draft: self.draft || defaults.draft,
            redirect_url: self.redirect_url,
            extra: Extra::new(&extra),
        }
    }
}

/// Front matter from metadata that is not in a file (DocFX's
/// `globalMetadata`, `fileMetadata`); keys of the wrong type are left out.
pub fn from_mapping(map: serde_yaml::Mapping) -> FrontMatter {
    let text = serde_yaml::to_string(&map).unwrap_or_default();
    parse(&text, 1).0
}

/// An article's text cut into front matter and body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Split<'a> {
    /// The YAML text, if the file has front matter.
    pub yaml: Option<&'a str>,
    /// The Markdown after the front matter.
    pub body: &'a str,
    /// 1-based line of the file where `body` starts.
    pub body_line: u32,
}

/// Cuts `text` at its front matter. A file that opens with `---` but never
/// closes it is an error (the whole file would otherwise become YAML or a
/// page full of metadata).
pub fn split(text: &str) -> Result<Split<'_>, Diagnostic> {
    let Some(first_end) = text.find('\n') else {
        return Ok(if is_delimiter(text) {
            Split {
                yaml: Some(""),
                body: "",
                body_line: 2,
            }
        } else {
            Split {
                yaml: None,
                body: text,
                body_line: 1,
            }
        });
    };
    if !is_delimiter(&text[..first_end]) {
        return Ok(Split {
            yaml: None,
            body: text,
            body_line: 1,
        });
    }
    let yaml_start = first_end + 1;
    let mut pos = yaml_start;
    let mut line = 2;
    while pos <= text.len() {
        let end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
        let l = &text[pos..end];
        if is_delimiter(l) || l.trim_end() == "..." {
            let body_start = (end + 1).min(text.len());
            return Ok(Split {
                yaml: Some(&text[yaml_start..pos]),
                body: &text[body_start..],
                body_line: line + 1,
            });
        }
        pos = end + 1;
        line += 1;
    }
    Err(Diagnostic::error("front matter is not closed")
        .at_line(1)
        .with_hint("add a line `---` after the last front matter key"))
}

fn is_delimiter(line: &str) -> bool {
    line.trim_end() == "---"
}

/// Parses front matter YAML. `first_line` is the file line the YAML starts
/// on, so diagnostics point into the file. Errors leave defaults in place for
/// the key concerned; the caller decides whether the article still renders.
pub fn parse(yaml: &str, first_line: u32) -> (FrontMatter, Vec<Diagnostic>) {
    let mut fm = FrontMatter::default();
    let mut extra = serde_json::Map::new();
    let mut diags = Vec::new();
    if yaml.trim().is_empty() {
        return (fm, diags);
    }
    let value: Value = match serde_yaml::from_str(yaml) {
        Ok(v) => v,
        Err(e) => {
            let (problem, hint) = crate::diagnostics::yaml_problem(&e, first_line);
            let mut d = Diagnostic::error(format!("front matter is not valid YAML: {problem}"))
                .with_hint(hint.unwrap_or("check quoting: values containing `: ` or starting with `[`, `{`, `*` or `&` need quotes"));
            // An error found at the end of the text (an unclosed bracket)
            // belongs on the last line of the front matter, not the `---`.
            let last = yaml.trim_end().lines().count().max(1);
            d = match e.location() {
                Some(loc) if loc.line() > last => d.at_line(first_line + last as u32 - 1),
                Some(loc) => d.at(first_line + loc.line() as u32 - 1, loc.column() as u32),
                None => d.at_line(first_line),
            };
            diags.push(d);
            return (fm, diags);
        }
    };
    let map = match value {
        Value::Mapping(m) => m,
        Value::Null => return (fm, diags),
        other => {
            let kind = kind_of(&other);
            diags.push(
                Diagnostic::error(format!(
                    "front matter must be a mapping of keys to values, not {kind}"
                ))
                .at_line(first_line)
                .with_hint("write one `key: value` per line"),
            );
            return (fm, diags);
        }
    };
    for (k, v) in map {
        let key = match k {
            Value::String(s) => s,
            other => scalar_text(&other).unwrap_or_else(|| format!("{other:?}")),
        };
        let line = key_line(yaml, &key).map_or(first_line, |l| first_line + l - 1);
        let mut wrong = |expected: &str, v: &Value| {
            diags.push(
                Diagnostic::error(format!(
                    "front matter `{key}` must be {expected}, not {}",
                    kind_of(v)
                ))
                .at_line(line),
            );
        };
        match key.as_str() {
            "title" => fm.title = text_or(&v, &mut wrong),
            "description" => fm.description = text_or(&v, &mut wrong),
            "author" => fm.author = text_or(&v, &mut wrong),
            "ms.service" => fm.service = text_or(&v, &mut wrong),
            "ms.prod" => fm.prod = text_or(&v, &mut wrong),
            "ms.subservice" => fm.subservice = text_or(&v, &mut wrong),
            "ms.technology" => fm.technology = text_or(&v, &mut wrong),
            "ms.topic" => fm.topic = text_or(&v, &mut wrong),
            "uid" => {
                fm.uid = text_or(&v, &mut wrong);
                fm.uid_line = Some(line);
            }
            "redirect_url" => fm.redirect_url = text_or(&v, &mut wrong),
            "kb" => match scalar_text(&v) {
                Some(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
                    fm.kb = Some(s.trim_start_matches('0').to_string());
                    fm.kb_line = Some(line);
                }
                _ => wrong("a KB number (digits)", &v),
            },
            "draft" => match v {
                Value::Bool(b) => fm.draft = b,
                _ => wrong("true or false", &v),
            },
            "appliesto" => match &v {
                Value::Sequence(items) => {
                    for item in items {
                        match scalar_text(item) {
                            Some(s) => fm.appliesto.push(s),
                            None => wrong("a list of product names", &v),
                        }
                    }
                }
                Value::Null => {}
                _ => match scalar_text(&v) {
                    Some(s) => fm.appliesto.push(s),
                    None => wrong("a list of product names", &v),
                },
            },
            "ms.date" => match scalar_text(&v) {
                Some(s) => match super::date::parse(&s) {
                    Some(d) => fm.date = Some(d),
                    None => diags.push(
                        Diagnostic::warning(format!("ms.date `{s}` is not a date"))
                            .at_line(line)
                            .with_hint("write it as MM/DD/YYYY, for example 04/07/2023"),
                    ),
                },
                None => wrong("a date such as 04/07/2023", &v),
            },
            _ => {
                extra.insert(key, to_json(v));
            }
        }
    }
    fm.extra = Extra::new(&extra);
    (fm, diags)
}

/// A scalar as text; `None` for lists, mappings and null.
fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Tagged(t) => scalar_text(&t.value),
        _ => None,
    }
}

fn text_or(v: &Value, wrong: &mut impl FnMut(&str, &Value)) -> Option<String> {
    if v.is_null() {
        return None;
    }
    let s = scalar_text(v);
    if s.is_none() {
        wrong("text", v);
    }
    s.filter(|s| !s.is_empty())
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "empty",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Sequence(_) => "a list",
        Value::Mapping(_) => "a mapping",
        Value::Tagged(_) => "a tagged value",
    }
}

/// YAML → JSON for templates. Non-string keys become their text; values
/// that JSON cannot hold (NaN) become null.
fn to_json(v: Value) -> serde_json::Value {
    match v {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => b.into(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into()
            } else if let Some(u) = n.as_u64() {
                u.into()
            } else {
                n.as_f64()
                    .and_then(serde_json::Number::from_f64)
                    .map_or(serde_json::Value::Null, serde_json::Value::Number)
            }
        }
        Value::String(s) => s.into(),
        Value::Sequence(items) => items.into_iter().map(to_json).collect(),
        Value::Mapping(m) => m
            .into_iter()
            .map(|(k, v)| {
                let key = match k {
                    Value::String(s) => s,
                    other => scalar_text(&other).unwrap_or_default(),
                };
                (key, to_json(v))
            })
            .collect::<serde_json::Map<_, _>>()
            .into(),
        Value::Tagged(t) => to_json(t.value),
    }
}

/// 1-based line (within `yaml`) of the top-level entry for `key`.
fn key_line(yaml: &str, key: &str) -> Option<u32> {
    yaml.lines()
        .position(|l| {
            l.strip_prefix(key)
                .is_some_and(|r| r.trim_start().starts_with(':'))
                || l.strip_prefix(&format!("\"{key}\"")).is_some()
                || l.strip_prefix(&format!("'{key}'")).is_some()
        })
        .map(|i| i as u32 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Severity;

    #[test]
    fn split_forms() {
        let s = split("---\ntitle: A\n---\n# Body\n").unwrap();
        assert_eq!(s.yaml, Some("title: A\n"));
        assert_eq!(s.body, "# Body\n");
        assert_eq!(s.body_line, 4);
        let s = split("# No front matter\n").unwrap();
        assert_eq!((s.yaml, s.body_line), (None, 1));
        let s = split("---\n---").unwrap();
        assert_eq!((s.yaml, s.body), (Some(""), ""));
        let s = split("---  \ntitle: A\n...\nbody").unwrap();
        assert_eq!((s.yaml, s.body), (Some("title: A\n"), "body"));
        let e = split("---\ntitle: A\n# never closed\n").unwrap_err();
        assert_eq!((e.severity, e.line), (Severity::Error, Some(1)));
    }

    #[test]
    fn typed_keys_and_extra() {
        let (fm, d) = parse(
            "title: Third-party storage\ndescription: Explains\nms.date: 04/07/2023\n\
             author: Deland-Han\nms.service: windows-server\nms.subservice: high-availability\n\
             ms.topic: troubleshooting\nms.prod: sql\nms.technology: admin\n\
             appliesto:\n  - Windows 10\n  - Windows 11\nkb: 841696\nuid: storage-policy\n\
             draft: false\nms.custom: sap:x, csstroubleshoot\nms.reviewer: kaushika\n",
            2,
        );
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(fm.title.as_deref(), Some("Third-party storage"));
        assert_eq!(fm.date, NaiveDate::from_ymd_opt(2023, 4, 7));
        assert_eq!(fm.service.as_deref(), Some("windows-server"));
        assert_eq!(fm.prod.as_deref(), Some("sql"));
        assert_eq!(fm.technology.as_deref(), Some("admin"));
        assert_eq!(fm.appliesto, vec!["Windows 10", "Windows 11"]);
        assert_eq!(fm.kb.as_deref(), Some("841696"));
        assert_eq!(fm.uid.as_deref(), Some("storage-policy"));
        let extra = fm.extra.map();
        assert_eq!(extra["ms.custom"], "sap:x, csstroubleshoot");
        assert_eq!(extra["ms.reviewer"], "kaushika");
        assert!(!extra.contains_key("title"));
        assert_eq!(
            serde_json::to_value(&fm.extra).unwrap(),
            serde_json::Value::Object(extra)
        );
        assert_eq!(parse("title: x", 2).0.extra, Extra::default());
    }

    #[test]
    fn serial_date_and_bad_date() {
        let (fm, d) = parse("ms.date: 45286\n", 2);
        assert!(d.is_empty());
        assert_eq!(fm.date, NaiveDate::from_ymd_opt(2023, 12, 26));
        let (fm, d) = parse("title: A\nms.date: someday\n", 2);
        assert_eq!(fm.date, None);
        assert_eq!(d[0].severity, Severity::Warning);
        assert_eq!(d[0].line, Some(3));
    }

    #[test]
    fn errors_name_the_line() {
        let (_, d) = parse("title: A\ndescription: a: b\n", 2);
        assert_eq!(d[0].severity, Severity::Error);
        assert_eq!(d[0].line, Some(3));
        let (_, d) = parse("title: [unclosed\n", 2);
        assert_eq!(d[0].line, Some(2));
        let (_, d) = parse("title: [a, b]\n", 2);
        assert_eq!(d[0].severity, Severity::Error);
        assert!(d[0].message.contains("`title` must be text, not a list"));
        let (_, d) = parse("- a\n- b\n", 2);
        assert!(d[0].message.contains("mapping"));
        let (_, d) = parse("just text\n", 2);
        assert!(d[0].message.contains("mapping"));
        let (_, d) = parse("draft: perhaps\n", 2);
        assert!(d[0].message.contains("true or false"));
    }
}
