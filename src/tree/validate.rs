//! Checks a parsed tree: ids, references, shape, reachability, cycles, size,
//! and runs its tests.

use super::model::*;
use crate::diagnostics::Diagnostic;
use crate::markdown::headings::slug;

/// Every problem of `tree`, as errors at their lines.
pub fn check(tree: &Tree, max_nodes: usize) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    let valid_id = |s: &str| {
        !s.is_empty()
            && s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            && !s.contains("--")
    };
    if !valid_id(&tree.id) {
        errors.push(
            Diagnostic::error(format!("tree id `{}` is not usable in a URL", tree.id))
                .at_line(tree.line)
                .with_hint("use letters, digits, `-` and `_` (no `--`), like `storage-support`"),
        );
    }
    if tree.nodes.len() > max_nodes {
        errors.push(
            Diagnostic::error(format!(
                "decision tree `{}` has {} nodes, more than trees.max_nodes ({max_nodes})",
                tree.id,
                tree.nodes.len()
            ))
            .at_line(tree.line)
            .with_hint("split it into smaller trees, or raise trees.max_nodes in kbsite.yml"),
        );
        return errors;
    }
    for n in &tree.nodes {
        if !valid_id(&n.id) {
            errors.push(
                Diagnostic::error(format!("node id `{}` is not usable in a URL", n.id))
                    .at_line(n.line)
                    .with_hint("use letters, digits, `-` and `_` (no `--`)"),
            );
        }
        match &n.kind {
            NodeKind::Question { answers, .. } => {
                if answers.len() < 2 {
                    errors.push(
                        Diagnostic::error(format!(
                            "question `{}` has {} answer{}; a question needs at least two",
                            n.id,
                            answers.len(),
                            if answers.len() == 1 { "" } else { "s" }
                        ))
                        .at_line(n.line),
                    );
                }
                for (i, a) in answers.iter().enumerate() {
                    if tree.node(&a.next).is_none() {
                        let d = Diagnostic::error(format!(
                            "answer `{}` of `{}` goes to unknown node `{}`",
                            a.label, n.id, a.next
                        ))
                        .at_line(a.line);
                        errors.push(match closest(tree, &a.next) {
                            Some(c) => d.with_hint(format!("did you mean `{c}`?")),
                            None => d,
                        });
                    }
                    if answers[..i].iter().any(|b| slug(&b.label) == slug(&a.label)) {
                        errors.push(
                            Diagnostic::error(format!("question `{}` has two answers `{}`", n.id, a.label))
                                .at_line(a.line)
                                .with_hint("answer labels name the path taken, so they must differ"),
                        );
                    }
                }
            }
            NodeKind::Empty => errors.push(
                Diagnostic::error(format!(
                    "node `{}` has neither `ask` nor `outcome`: a path ends there without an outcome",
                    n.id
                ))
                .at_line(n.line),
            ),
            NodeKind::Outcome { .. } => {}
        }
    }
    let Some(start) = tree.index(&tree.start) else {
        let d = Diagnostic::error(format!("start node `{}` does not exist", tree.start))
            .at_line(tree.line);
        errors.push(match closest(tree, &tree.start) {
            Some(c) => d.with_hint(format!("did you mean `{c}`?")),
            None => d,
        });
        return errors;
    };
    if let Some(cycle) = find_cycle(tree, start) {
        let names: Vec<&str> = cycle.iter().map(|&i| tree.nodes[i].id.as_str()).collect();
        errors.push(
            Diagnostic::error(format!(
                "decision tree `{}` has a cycle: {}",
                tree.id,
                names.join(" → ")
            ))
            .at_line(tree.nodes[cycle[0]].line)
            .with_hint("every walk must end at an outcome; point one answer elsewhere"),
        );
    }
    let reached = reachable(tree, start);
    for (i, n) in tree.nodes.iter().enumerate() {
        if !reached[i] {
            errors.push(
                Diagnostic::error(format!(
                    "node `{}` cannot be reached from `{}`",
                    n.id, tree.start
                ))
                .at_line(n.line)
                .with_hint("point an answer at it, or remove it"),
            );
        }
    }
    if errors.is_empty() {
        errors.extend(run_tests(tree));
    }
    errors
}

fn closest<'a>(tree: &'a Tree, id: &str) -> Option<&'a str> {
    tree.nodes
        .iter()
        .map(|n| (strsim::levenshtein(id, &n.id), n.id.as_str()))
        .filter(|(d, n)| *d <= (n.len() / 3).max(2))
        .min()
        .map(|(_, n)| n)
}

fn next_indexes<'a>(tree: &'a Tree, i: usize) -> impl Iterator<Item = usize> + 'a {
    tree.nodes[i]
        .answers()
        .iter()
        .filter_map(|a| tree.index(&a.next))
}

/// A cycle reachable from `start`, as node indexes (first repeated at the
/// end), if there is one. Iterative depth-first search.
fn find_cycle(tree: &Tree, start: usize) -> Option<Vec<usize>> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        New,
        OnPath,
        Done,
    }
    let mut state = vec![State::New; tree.nodes.len()];
    let mut stack: Vec<(usize, Vec<usize>)> = vec![(start, next_indexes(tree, start).collect())];
    state[start] = State::OnPath;
    while let Some((node, children)) = stack.last_mut() {
        let node = *node;
        match children.pop() {
            Some(c) if state[c] == State::OnPath => {
                let from = stack.iter().position(|(n, _)| *n == c).unwrap_or(0);
                let mut cycle: Vec<usize> = stack[from..].iter().map(|(n, _)| *n).collect();
                cycle.push(c);
                return Some(cycle);
            }
            Some(c) if state[c] == State::New => {
                state[c] = State::OnPath;
                let grand = next_indexes(tree, c).collect();
                stack.push((c, grand));
            }
            Some(_) => {}
            None => {
                state[node] = State::Done;
                stack.pop();
            }
        }
    }
    None
}

fn reachable(tree: &Tree, start: usize) -> Vec<bool> {
    let mut seen = vec![false; tree.nodes.len()];
    let mut todo = vec![start];
    seen[start] = true;
    while let Some(i) = todo.pop() {
        for c in next_indexes(tree, i) {
            if !seen[c] {
                seen[c] = true;
                todo.push(c);
            }
        }
    }
    seen
}

/// Where answering `path` from the start leads: the node index, or why not.
pub fn follow(tree: &Tree, path: &[String]) -> Result<usize, String> {
    let mut at = tree
        .index(&tree.start)
        .ok_or("the start node does not exist")?;
    for (step, given) in path.iter().enumerate() {
        let node = &tree.nodes[at];
        let answers = node.answers();
        let chosen = answers
            .iter()
            .position(|a| a.label == *given)
            .or_else(|| answers.iter().position(|a| slug(&a.label) == slug(given)))
            .or_else(|| {
                given
                    .parse::<usize>()
                    .ok()
                    .filter(|&n| n >= 1 && n <= answers.len())
                    .map(|n| n - 1)
            });
        let Some(chosen) = chosen else {
            let labels: Vec<&str> = answers.iter().map(|a| a.label.as_str()).collect();
            return Err(if answers.is_empty() {
                format!(
                    "answer {} (`{given}`) comes after outcome `{}`",
                    step + 1,
                    node.id
                )
            } else {
                format!(
                    "answer {} (`{given}`) is not an answer of `{}` ({})",
                    step + 1,
                    node.id,
                    labels.join(", ")
                )
            });
        };
        at = tree
            .index(&answers[chosen].next)
            .ok_or_else(|| format!("`{}` goes to a missing node", answers[chosen].label))?;
    }
    Ok(at)
}

fn run_tests(tree: &Tree) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    for t in &tree.tests {
        let shown = format!(
            "[{}]",
            t.path
                .iter()
                .map(|p| format!("{p:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        if tree.node(&t.expect).is_none() {
            errors.push(
                Diagnostic::error(format!("test {shown} expects unknown node `{}`", t.expect))
                    .at_line(t.line),
            );
            continue;
        }
        match follow(tree, &t.path) {
            Ok(i) if tree.nodes[i].id == t.expect => {}
            Ok(i) => {
                let reached = &tree.nodes[i];
                let what = match reached.outcome() {
                    Some(k) => format!("outcome `{}` ({})", reached.id, k.as_str()),
                    None => format!("question `{}`", reached.id),
                };
                errors.push(
                    Diagnostic::error(format!(
                        "decision tree `{}` test failed: {shown} should reach `{}` but reached {what}",
                        tree.id, t.expect
                    ))
                    .at_line(t.line),
                );
            }
            Err(why) => errors.push(
                Diagnostic::error(format!(
                    "decision tree `{}` test failed: {shown}: {why}",
                    tree.id
                ))
                .at_line(t.line),
            ),
        }
    }
    errors
}
