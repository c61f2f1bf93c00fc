//! Decision trees: the ```` ```decision-tree ```` block of an article, checked
//! and tested at build time, rendered as a guided walk (HTML that works
//! without JavaScript; the theme's script adds the rest) and as an SVG
//! diagram.

pub mod html;
pub mod model;
pub mod parse;
pub mod svg;
pub mod validate;

use crate::diagnostics::Diagnostic;
pub use model::{OutcomeKind, Tree};

/// The info string that marks a tree block.
pub const FENCE: &str = "decision-tree";

/// A valid tree and its diagram.
#[derive(Debug, Clone)]
pub struct Built {
    pub tree: Tree,
    pub svg: String,
}

/// What the site keeps about a tree of an article (listings, SVG files).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub id: String,
    pub title: String,
    /// The standalone diagram, written next to the article's page.
    pub svg: String,
    pub questions: usize,
    pub outcomes: usize,
    /// Display path of the file the block is written in, and its line.
    pub file: String,
    pub line: u32,
}

impl Summary {
    pub fn of(b: &Built, file: &str) -> Summary {
        Summary {
            id: b.tree.id.clone(),
            title: b.tree.title.clone(),
            svg: b.svg.clone(),
            questions: b
                .tree
                .nodes
                .iter()
                .filter(|n| !n.answers().is_empty())
                .count(),
            outcomes: b
                .tree
                .nodes
                .iter()
                .filter(|n| n.outcome().is_some())
                .count(),
            file: file.to_string(),
            line: b.tree.line,
        }
    }

    /// File name of the standalone diagram.
    pub fn svg_file(&self) -> String {
        format!("{}.svg", self.id)
    }
}

/// Parses, validates and tests a block whose YAML starts at file line
/// `first_line`. Diagnostics carry lines, not files.
pub fn build(yaml: &str, first_line: u32, max_nodes: usize) -> Result<Built, Vec<Diagnostic>> {
    let tree = parse::parse(yaml, first_line)?;
    let errors = validate::check(&tree, max_nodes);
    if !errors.is_empty() {
        return Err(errors);
    }
    let svg = svg::svg(&tree);
    Ok(Built { tree, svg })
}

#[cfg(test)]
mod tests;
