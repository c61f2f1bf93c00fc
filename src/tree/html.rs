//! A tree as HTML that works without JavaScript (each node an element
//! `TREEID--NODEID`, answers links to the next node, CSS `:target` shows one
//! node at a time) and that the theme's script turns into a guided walk.

use super::model::*;
use crate::markdown::escape;
use crate::markdown::headings::slug;
use std::fmt::Write as _;

/// Renders Markdown text of the tree (inline, or block when the flag is
/// set) at a file line; link placeholders are registered by the caller.
pub type Text<'a> = dyn FnMut(&str, u32, bool) -> String + 'a;

/// The answer's part of the walk hash: its label as a slug (the index when
/// the label has no letters or digits).
pub fn answer_key(label: &str, index: usize) -> String {
    let s = slug(label);
    if s.is_empty() {
        (index + 1).to_string()
    } else {
        s
    }
}

/// The tree's HTML. `svg` is its diagram, `svg_file` the name of the
/// standalone copy next to the page.
pub fn render(tree: &Tree, svg: &str, svg_file: &str, text: &mut Text) -> String {
    let id = escape(&tree.id);
    let mut h = String::with_capacity(4096);
    let _ = write!(
        h,
        "<section class=\"kb-tree\" id=\"{id}\" data-kb-tree=\"{id}\" aria-labelledby=\"{id}--title\">\n\
         <h3 class=\"kb-tree-title\" id=\"{id}--title\">{}</h3>\n\
         <p class=\"kb-tree-intro\">Answer the questions to find out what applies to you.</p>\n\
         <ol class=\"kb-tree-path\" data-kb-path aria-label=\"Your answers\" hidden></ol>\n\
         <div class=\"kb-tree-nodes\">\n",
        escape(&tree.title)
    );
    for node in &tree.nodes {
        node_html(&mut h, tree, node, text);
    }
    h.push_str("</div>\n");
    h.push_str("<div class=\"kb-tree-status\" role=\"status\" aria-live=\"polite\" data-kb-status></div>\n");
    outline(&mut h, tree, text);
    let _ = write!(
        h,
        "<details class=\"kb-tree-diagram\"><summary>Show the whole tree</summary>\n{svg}\n\
         <p><a href=\"{}\">Open the diagram on its own</a></p></details>\n</section>\n",
        escape(svg_file)
    );
    h
}

fn node_html(h: &mut String, tree: &Tree, node: &Node, text: &mut Text) {
    let eid = escape(&tree.element_id(&node.id));
    let start = if node.id == tree.start {
        " kb-tree-start"
    } else {
        ""
    };
    match &node.kind {
        NodeKind::Question { ask, help, answers } => {
            let _ = write!(
                h,
                "<div class=\"kb-tree-node kb-tree-question{start}\" id=\"{eid}\" data-kb-node=\"{}\" tabindex=\"-1\">\n\
                 <p class=\"kb-tree-ask\">{}</p>\n",
                escape(&node.id),
                text(ask, node.line, false)
            );
            if let Some(help) = help {
                let _ = writeln!(
                    h,
                    "<p class=\"kb-tree-help\">{}</p>",
                    text(help, node.line, false)
                );
            }
            h.push_str("<ul class=\"kb-tree-answers\">\n");
            for (i, a) in answers.iter().enumerate() {
                let _ = writeln!(
                    h,
                    "<li><a href=\"#{}\" data-kb-answer=\"{}\">{}</a></li>",
                    escape(&tree.element_id(&a.next)),
                    escape(&answer_key(&a.label, i)),
                    text(&a.label, a.line, false)
                );
            }
            h.push_str("</ul>\n</div>\n");
        }
        NodeKind::Outcome {
            kind,
            text: body,
            links,
        } => {
            let _ = write!(
                h,
                "<div class=\"kb-tree-node kb-tree-outcome{start}\" id=\"{eid}\" data-kb-node=\"{}\" data-kb-outcome=\"{}\" tabindex=\"-1\">\n\
                 <p class=\"kb-tree-verdict\">{}</p>\n{}",
                escape(&node.id),
                kind.as_str(),
                kind.label(),
                text(body, node.line, true)
            );
            if !links.is_empty() {
                h.push_str("<ul class=\"kb-tree-links\">\n");
                for l in links {
                    let md = format!("[{}]({})", l.label, l.href);
                    let _ = writeln!(h, "<li>{}</li>", text(&md, node.line, false));
                }
                h.push_str("</ul>\n");
            }
            let _ = write!(
                h,
                "<p class=\"kb-tree-again\"><a href=\"#{}\" data-kb-restart>Start again</a></p>\n</div>\n",
                escape(&tree.element_id(&tree.start))
            );
        }
        NodeKind::Empty => {}
    }
}

/// The whole tree as a nested list, for print. A node reached twice is
/// written once; later it is referred to.
fn outline(h: &mut String, tree: &Tree, text: &mut Text) {
    h.push_str("<div class=\"kb-tree-outline\">\n");
    let mut written = vec![false; tree.nodes.len()];
    if let Some(start) = tree.index(&tree.start) {
        h.push_str("<ul>\n");
        outline_node(h, tree, start, &mut written, text, 0);
        h.push_str("</ul>\n");
    }
    h.push_str("</div>\n");
}

fn outline_node(
    h: &mut String,
    tree: &Tree,
    i: usize,
    written: &mut [bool],
    text: &mut Text,
    depth: usize,
) {
    let node = &tree.nodes[i];
    h.push_str("<li>");
    if written[i] || depth > 64 {
        let name = match &node.kind {
            NodeKind::Question { ask, .. } => crate::markdown::inline_text(ask),
            _ => node.id.clone(),
        };
        let _ = writeln!(h, "see “{}” above</li>", escape(&name));
        return;
    }
    written[i] = true;
    match &node.kind {
        NodeKind::Question { ask, answers, .. } => {
            let _ = writeln!(h, "<strong>{}</strong>\n<ul>", text(ask, node.line, false));
            for a in answers {
                let _ = write!(h, "<li><em>{}</em>\n<ul>\n", text(&a.label, a.line, false));
                if let Some(next) = tree.index(&a.next) {
                    outline_node(h, tree, next, written, text, depth + 1);
                }
                h.push_str("</ul></li>\n");
            }
            h.push_str("</ul></li>\n");
        }
        NodeKind::Outcome {
            kind, text: body, ..
        } => {
            let _ = writeln!(
                h,
                "<strong>{}:</strong> {}</li>",
                kind.label(),
                text(body, node.line, false)
            );
        }
        NodeKind::Empty => h.push_str("</li>\n"),
    }
}
