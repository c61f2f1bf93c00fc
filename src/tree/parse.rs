//! YAML text of a decision-tree block → [`Tree`], every problem a
//! diagnostic at its line in the file.

use super::model::*;
use crate::diagnostics::Diagnostic;
use serde_yaml::Value;

/// Parses a block whose YAML starts on file line `first_line`. Diagnostics
/// carry lines but no file (the caller knows it).
pub fn parse(yaml: &str, first_line: u32) -> Result<Tree, Vec<Diagnostic>> {
    let layout = Layout::scan(yaml);
    let at = |rel: usize| first_line + rel as u32;
    let mut errors = duplicate_nodes(&layout, at);
    if !errors.is_empty() {
        return Err(errors);
    }
    let value: Value = serde_yaml::from_str(yaml).map_err(|e| {
        let last = yaml.trim_end().lines().count().max(1);
        let (problem, hint) = crate::diagnostics::yaml_problem(&e, first_line);
        let d = Diagnostic::error(format!("decision tree is not valid YAML: {problem}")).with_hint(
            hint.unwrap_or("the block holds YAML: `id`, `title`, `start`, `nodes`, `tests`"),
        );
        vec![match e.location() {
            Some(loc) if loc.line() > last => d.at_line(at(last - 1)),
            Some(loc) => d.at(at(loc.line() - 1), loc.column() as u32),
            None => d.at_line(first_line),
        }]
    })?;
    let Value::Mapping(top) = value else {
        return Err(vec![Diagnostic::error(
            "a decision tree must be a mapping with `id`, `title`, `start` and `nodes`",
        )
        .at_line(first_line)]);
    };
    let key_line = |key: &str| at(layout.top_key(key).unwrap_or(0));
    let text_field = |key: &str, errors: &mut Vec<Diagnostic>| -> String {
        match top.get(key) {
            Some(v) => scalar(v).unwrap_or_else(|| {
                errors.push(
                    Diagnostic::error(format!("`{key}` must be text")).at_line(key_line(key)),
                );
                String::new()
            }),
            None => {
                errors.push(
                    Diagnostic::error(format!("decision tree has no `{key}`"))
                        .at_line(first_line)
                        .with_hint("every tree needs `id`, `title`, `start` and `nodes`"),
                );
                String::new()
            }
        }
    };
    let id = text_field("id", &mut errors);
    let title = text_field("title", &mut errors);
    let start = text_field("start", &mut errors);
    let mut nodes = Vec::new();
    match top.get("nodes") {
        Some(Value::Mapping(m)) => {
            for (i, (k, v)) in m.iter().enumerate() {
                let node_id = scalar(k).unwrap_or_default();
                let rel = layout
                    .nodes
                    .get(i)
                    .map_or(layout.top_key("nodes").unwrap_or(0), |n| n.1);
                match node(&node_id, v, at(rel), &layout.next_lines(i), at) {
                    Ok(n) => nodes.push(n),
                    Err(e) => errors.push(e),
                }
            }
        }
        Some(_) => errors.push(
            Diagnostic::error("`nodes` must be a mapping of node ids to nodes")
                .at_line(key_line("nodes")),
        ),
        None => errors.push(Diagnostic::error("decision tree has no `nodes`").at_line(first_line)),
    }
    let mut tests = Vec::new();
    match top.get("tests") {
        Some(Value::Sequence(items)) => {
            for (i, item) in items.iter().enumerate() {
                let line = at(layout
                    .tests
                    .get(i)
                    .copied()
                    .unwrap_or(layout.top_key("tests").unwrap_or(0)));
                match test_case(item, line) {
                    Ok(t) => tests.push(t),
                    Err(e) => errors.push(e),
                }
            }
        }
        Some(Value::Null) | None => {}
        Some(_) => {
            errors.push(Diagnostic::error("`tests` must be a list").at_line(key_line("tests")))
        }
    }
    if errors.is_empty() {
        Ok(Tree {
            id,
            title,
            start,
            nodes,
            tests,
            line: first_line,
        })
    } else {
        Err(errors)
    }
}

fn node(
    id: &str,
    v: &Value,
    line: u32,
    next_lines: &[usize],
    at: impl Fn(usize) -> u32,
) -> Result<Node, Diagnostic> {
    let Value::Mapping(m) = v else {
        return Err(Diagnostic::error(format!(
            "node `{id}` must be a mapping (`ask` and `answers`, or `outcome` and `text`)"
        ))
        .at_line(line));
    };
    let text = |key: &str| m.get(key).and_then(scalar);
    let kind = match (m.get("ask"), m.get("outcome")) {
        (Some(_), Some(_)) => {
            return Err(
                Diagnostic::error(format!("node `{id}` has both `ask` and `outcome`"))
                    .at_line(line)
                    .with_hint("a node is either a question or an outcome"),
            );
        }
        (Some(ask), None) => {
            let ask = scalar(ask).ok_or_else(|| {
                Diagnostic::error(format!("`ask` of node `{id}` must be text")).at_line(line)
            })?;
            let mut answers = Vec::new();
            match m.get("answers") {
                Some(Value::Sequence(items)) => {
                    for (i, item) in items.iter().enumerate() {
                        let a_line = next_lines.get(i).map_or(line, |&l| at(l));
                        let get = |k: &str| match item {
                            Value::Mapping(am) => am.get(k).and_then(scalar),
                            _ => None,
                        };
                        let (Some(label), Some(next)) = (get("label"), get("next")) else {
                            return Err(Diagnostic::error(format!(
                                "answer {} of node `{id}` needs `label` and `next`",
                                i + 1
                            ))
                            .at_line(a_line));
                        };
                        answers.push(Answer {
                            label,
                            next,
                            line: a_line,
                        });
                    }
                }
                None | Some(Value::Null) => {}
                Some(_) => {
                    return Err(Diagnostic::error(format!(
                        "`answers` of node `{id}` must be a list"
                    ))
                    .at_line(line));
                }
            }
            NodeKind::Question {
                ask,
                help: text("help"),
                answers,
            }
        }
        (None, Some(kind)) => {
            let name = scalar(kind).unwrap_or_default();
            let kind = OutcomeKind::parse(&name).ok_or_else(|| {
                Diagnostic::error(format!("node `{id}` has unknown outcome `{name}`"))
                    .at_line(line)
                    .with_hint("use supported, contact-vendor, not-supported or info")
            })?;
            let links = match m.get("links") {
                Some(Value::Sequence(items)) => items.iter().filter_map(outcome_link).collect(),
                _ => Vec::new(),
            };
            NodeKind::Outcome {
                kind,
                text: text("text").unwrap_or_default(),
                links,
            }
        }
        (None, None) => NodeKind::Empty,
    };
    Ok(Node {
        id: id.to_string(),
        line,
        kind,
    })
}

/// `{label: x, href: y}`, or Markdown `[x](y)`.
fn outcome_link(v: &Value) -> Option<OutcomeLink> {
    match v {
        Value::Mapping(m) => Some(OutcomeLink {
            label: m.get("label").and_then(scalar)?,
            href: m.get("href").and_then(scalar)?,
        }),
        other => {
            let s = scalar(other)?;
            let (label, rest) = s.strip_prefix('[')?.split_once("](")?;
            Some(OutcomeLink {
                label: label.to_string(),
                href: rest.strip_suffix(')')?.to_string(),
            })
        }
    }
}

fn test_case(v: &Value, line: u32) -> Result<TestCase, Diagnostic> {
    let bad = || {
        Diagnostic::error(
            "a test needs `path` (a list of answers) and `expect` (an outcome node id)",
        )
        .at_line(line)
    };
    let Value::Mapping(m) = v else {
        return Err(bad());
    };
    let path = match m.get("path") {
        Some(Value::Sequence(items)) => items
            .iter()
            .map(scalar)
            .collect::<Option<Vec<_>>>()
            .ok_or_else(bad)?,
        _ => return Err(bad()),
    };
    let expect = m.get("expect").and_then(scalar).ok_or_else(bad)?;
    Ok(TestCase { path, expect, line })
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(if *b { "Yes" } else { "No" }.to_string()),
        Value::Tagged(t) => scalar(&t.value),
        _ => None,
    }
}

/// Where keys sit in the YAML text (parsed YAML has no positions).
#[derive(Debug, Default)]
struct Layout {
    /// Top-level keys and their 0-based lines.
    top: Vec<(String, usize)>,
    /// Node ids in order, with their lines (duplicates kept).
    nodes: Vec<(String, usize)>,
    /// Lines of each `next:`, in order.
    nexts: Vec<usize>,
    /// Lines of each test item.
    tests: Vec<usize>,
}

impl Layout {
    fn scan(yaml: &str) -> Layout {
        let mut l = Layout::default();
        let mut section = "";
        let mut child_indent: Option<usize> = None;
        for (i, line) in yaml.lines().enumerate() {
            let content = line.trim_start();
            if content.is_empty() || content.starts_with('#') {
                continue;
            }
            let indent = line.len() - content.len();
            if indent == 0 {
                let key = content.split(':').next().unwrap_or("").trim().to_string();
                section = match key.as_str() {
                    "nodes" => "nodes",
                    "tests" => "tests",
                    _ => "",
                };
                child_indent = None;
                l.top.push((key, i));
                continue;
            }
            let child = *child_indent.get_or_insert(indent);
            match section {
                "nodes" if indent == child => {
                    let key = content.split(':').next().unwrap_or("").trim();
                    l.nodes.push((key.trim_matches(['"', '\'']).to_string(), i));
                }
                "nodes"
                    if content
                        .trim_start_matches("- ")
                        .trim_start()
                        .starts_with("next:") =>
                {
                    l.nexts.push(i)
                }
                "tests" if content.starts_with('-') && indent == child => l.tests.push(i),
                _ => {}
            }
        }
        l
    }

    fn top_key(&self, key: &str) -> Option<usize> {
        self.top.iter().find(|(k, _)| k == key).map(|(_, l)| *l)
    }

    /// The `next:` lines inside node `i`.
    fn next_lines(&self, i: usize) -> Vec<usize> {
        let Some(&(_, from)) = self.nodes.get(i) else {
            return Vec::new();
        };
        let to = self.nodes.get(i + 1).map_or(usize::MAX, |n| n.1);
        // `nexts` is in line order: a slice, not a scan (trees can be big).
        let start = self.nexts.partition_point(|&l| l <= from);
        let end = self.nexts.partition_point(|&l| l < to);
        self.nexts[start..end.max(start)].to_vec()
    }
}

fn duplicate_nodes(layout: &Layout, at: impl Fn(usize) -> u32) -> Vec<Diagnostic> {
    let mut seen: rustc_hash::FxHashMap<&str, &(String, usize)> = Default::default();
    let mut errors = Vec::new();
    for n in &layout.nodes {
        if let Some(first) = seen.get(n.0.as_str()) {
            errors.push(
                Diagnostic::error(format!(
                    "duplicate node id `{}` (first at line {})",
                    n.0,
                    at(first.1)
                ))
                .at_line(at(n.1))
                .with_hint("node ids must be unique within a tree"),
            );
        } else {
            seen.insert(n.0.as_str(), n);
        }
    }
    errors
}
