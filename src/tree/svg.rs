//! The whole tree as an SVG diagram, laid out at build time in layers
//! (longest path from the start), with dummy points routing edges that skip
//! layers, and an ordering pass that reduces crossings. Boxes never overlap:
//! each layer places its boxes side by side and layers stack downwards.

use super::model::*;
use crate::markdown::{escape, inline_text};
use std::fmt::Write as _;

const BOX_W: f32 = 220.0;
const DUMMY_W: f32 = 16.0;
const H_GAP: f32 = 28.0;
const V_GAP: f32 = 76.0;
const PAD: f32 = 10.0;
const LINE: f32 = 17.0;
const MAX_CHARS: usize = 30;
const MAX_LINES: usize = 5;
/// Answer labels wrap at this width (half a box plus the gap).
const LABEL_CHARS: usize = 16;
const MARGIN: f32 = 12.0;

/// A placed box: a node, or a dummy point on a long edge.
#[derive(Debug, Clone)]
struct Place {
    node: Option<usize>,
    layer: usize,
    x: f32,
    y: f32,
    w: f32,
    h: f32,
    /// Bottom of the box's row: edges leave a row from there, so they never
    /// cut through a taller neighbour.
    row_bottom: f32,
    lines: Vec<String>,
}

/// The diagram of a valid tree (no cycles, all nodes reachable).
pub fn svg(tree: &Tree) -> String {
    let Some(start) = tree.index(&tree.start) else {
        return String::new();
    };
    let n = tree.nodes.len();
    let children: Vec<Vec<usize>> = (0..n)
        .map(|i| {
            tree.nodes[i]
                .answers()
                .iter()
                .filter_map(|a| tree.index(&a.next))
                .collect()
        })
        .collect();
    let layer = layers(start, &children);

    // Places: real nodes first (index = node index), then dummies.
    let mut places: Vec<Place> = (0..n)
        .map(|i| {
            let lines = node_lines(&tree.nodes[i]);
            let h = PAD * 2.0 + LINE * lines.len() as f32;
            Place {
                node: Some(i),
                layer: layer[i].unwrap_or(0),
                x: 0.0,
                y: 0.0,
                w: BOX_W,
                h,
                row_bottom: 0.0,
                lines,
            }
        })
        .collect();
    // Each edge as a chain of places from parent to child.
    let mut chains: Vec<(usize, usize, String, Vec<usize>)> = Vec::new();
    for (u, node) in tree.nodes.iter().enumerate() {
        for a in node.answers() {
            let Some(v) = tree.index(&a.next) else {
                continue;
            };
            let (lu, lv) = (places[u].layer, places[v].layer);
            let mut chain = vec![u];
            for l in lu + 1..lv {
                places.push(Place {
                    node: None,
                    layer: l,
                    x: 0.0,
                    y: 0.0,
                    w: DUMMY_W,
                    h: 0.0,
                    row_bottom: 0.0,
                    lines: Vec::new(),
                });
                chain.push(places.len() - 1);
            }
            chain.push(v);
            chains.push((u, v, inline_text(&a.label), chain));
        }
    }
    let depth = places.iter().map(|p| p.layer).max().unwrap_or(0) + 1;
    let mut rows: Vec<Vec<usize>> = vec![Vec::new(); depth];
    for (i, p) in places.iter().enumerate() {
        rows[p.layer].push(i);
    }
    order_rows(&mut rows, &chains);
    let width = position(&mut places, &rows);
    let height = places.iter().map(|p| p.y + p.h).fold(0.0, f32::max) + MARGIN;
    draw(tree, &places, &chains, width, height)
}

/// Longest path from the start to each node (`None`: unreachable).
fn layers(start: usize, children: &[Vec<usize>]) -> Vec<Option<usize>> {
    let n = children.len();
    // Topological order of the reachable part (the tree has no cycles).
    let mut order = Vec::with_capacity(n);
    let mut seen = vec![false; n];
    let mut stack = vec![(start, 0usize)];
    seen[start] = true;
    while let Some((node, next)) = stack.last_mut() {
        let node = *node;
        if let Some(&c) = children[node].get(*next) {
            *next += 1;
            if !seen[c] {
                seen[c] = true;
                stack.push((c, 0));
            }
        } else {
            order.push(node);
            stack.pop();
        }
    }
    order.reverse();
    let mut layer: Vec<Option<usize>> = vec![None; n];
    layer[start] = Some(0);
    for &u in &order {
        let Some(lu) = layer[u] else { continue };
        for &c in &children[u] {
            layer[c] = Some(layer[c].map_or(lu + 1, |l| l.max(lu + 1)));
        }
    }
    layer
}

/// Orders each row by the mean position of its parents (a few sweeps of
/// the barycenter heuristic), which keeps crossings few.
fn order_rows(rows: &mut [Vec<usize>], chains: &[(usize, usize, String, Vec<usize>)]) {
    let mut parents: std::collections::HashMap<usize, Vec<usize>> =
        std::collections::HashMap::new();
    for (_, _, _, chain) in chains {
        for pair in chain.windows(2) {
            parents.entry(pair[1]).or_default().push(pair[0]);
        }
    }
    for _ in 0..4 {
        for l in 1..rows.len() {
            let pos: std::collections::HashMap<usize, usize> = rows[l - 1]
                .iter()
                .enumerate()
                .map(|(i, &p)| (p, i))
                .collect();
            let current: std::collections::HashMap<usize, usize> =
                rows[l].iter().enumerate().map(|(i, &p)| (p, i)).collect();
            let key = |p: &usize| -> (f32, usize) {
                let ps: Vec<f32> = parents
                    .get(p)
                    .into_iter()
                    .flatten()
                    .filter_map(|q| pos.get(q))
                    .map(|&i| i as f32)
                    .collect();
                let mean = if ps.is_empty() {
                    current[p] as f32
                } else {
                    ps.iter().sum::<f32>() / ps.len() as f32
                };
                (mean, current[p])
            };
            rows[l].sort_by(|a, b| {
                key(a)
                    .partial_cmp(&key(b))
                    .unwrap_or(std::cmp::Ordering::Equal)
            });
        }
    }
}

/// Places rows side by side, centred, stacked downwards; the width.
fn position(places: &mut [Place], rows: &[Vec<usize>]) -> f32 {
    let widths: Vec<f32> = rows
        .iter()
        .map(|row| {
            row.iter().map(|&i| places[i].w).sum::<f32>()
                + H_GAP * row.len().saturating_sub(1) as f32
        })
        .collect();
    let widest = widths.iter().copied().fold(0.0, f32::max);
    let mut y = MARGIN;
    for (row, width) in rows.iter().zip(&widths) {
        let mut x = MARGIN + (widest - width) / 2.0;
        let mut tallest: f32 = 0.0;
        for &i in row {
            places[i].x = x;
            places[i].y = y;
            x += places[i].w + H_GAP;
            tallest = tallest.max(places[i].h);
        }
        // Dummies run the full height of their row.
        for &i in row {
            if places[i].node.is_none() {
                places[i].h = tallest;
            }
            places[i].row_bottom = y + tallest;
        }
        y += tallest + V_GAP;
    }
    widest + MARGIN * 2.0
}

fn node_lines(node: &Node) -> Vec<String> {
    let (head, body) = match &node.kind {
        NodeKind::Question { ask, .. } => (None, inline_text(ask)),
        NodeKind::Outcome { kind, text, .. } => (Some(kind.label().to_string()), inline_text(text)),
        NodeKind::Empty => (None, node.id.clone()),
    };
    let mut lines: Vec<String> = head.into_iter().collect();
    lines.extend(wrap(&body, MAX_CHARS, MAX_LINES - lines.len()));
    lines
}

/// Greedy word wrap to `max` lines; the last line ends in `…` if cut.
fn wrap(text: &str, width: usize, max: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let mut cut = false;
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            if lines.len() + 1 == max {
                cut = true;
                break;
            }
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        if line.chars().count() > width {
            line = line.chars().take(width - 1).collect();
            cut = true;
        }
        if cut {
            line.push('…');
        }
        lines.push(line);
    }
    lines
}

fn colours(kind: Option<OutcomeKind>) -> (&'static str, &'static str, &'static str) {
    match kind {
        Some(OutcomeKind::Supported) => ("#e6f4ea", "#1b6e35", "supported"),
        Some(OutcomeKind::ContactVendor) => ("#fdf3e8", "#9a4a00", "contact-vendor"),
        Some(OutcomeKind::NotSupported) => ("#fcefef", "#a4262c", "not-supported"),
        Some(OutcomeKind::Info) => ("#eef5fc", "#0f5ea8", "info"),
        None => ("#f5f6f7", "#505050", "question"),
    }
}

fn draw(
    tree: &Tree,
    places: &[Place],
    chains: &[(usize, usize, String, Vec<usize>)],
    width: f32,
    height: f32,
) -> String {
    let mut s = String::with_capacity(4096);
    let id = escape(&tree.id);
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"kb-tree-svg\" role=\"img\" aria-labelledby=\"{id}--svg-title\" \
         viewBox=\"0 0 {width:.0} {height:.0}\" width=\"{width:.0}\" height=\"{height:.0}\" \
         font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif\" font-size=\"13\">\n\
         <title id=\"{id}--svg-title\">Decision tree: {}</title>\n\
         <defs><marker id=\"{id}--arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\">\
         <path d=\"M0,0 L10,5 L0,10 z\" fill=\"#505050\"/></marker></defs>\n",
        escape(&tree.title)
    );
    for (u, v, label, chain) in chains {
        // Down from the box to its row's bottom, through each dummy
        // vertically, into the child's top: only the gaps between rows hold
        // slanted segments.
        let mut pts: Vec<(f32, f32)> = Vec::new();
        for (k, &p) in chain.iter().enumerate() {
            let pl = &places[p];
            let cx = pl.x + pl.w / 2.0;
            if k == 0 {
                pts.push((cx, pl.y + pl.h));
                if pl.row_bottom > pl.y + pl.h + 0.5 {
                    pts.push((cx, pl.row_bottom));
                }
            } else if k == chain.len() - 1 {
                pts.push((cx, pl.y));
            } else {
                pts.push((cx, pl.y));
                pts.push((cx, pl.row_bottom));
            }
        }
        // The label goes on the first slanted stretch, below the row.
        let first_gap = if pts.len() > 2
            && places[chain[0]].row_bottom > places[chain[0]].y + places[chain[0]].h + 0.5
        {
            1
        } else {
            0
        };
        let d: Vec<String> = pts
            .iter()
            .enumerate()
            .map(|(k, (x, y))| format!("{}{x:.1},{y:.1}", if k == 0 { "M" } else { " L" }))
            .collect();
        let _ = writeln!(
            s,
            "<g class=\"kb-svg-edge\"><path data-from=\"{}\" data-to=\"{}\" d=\"{}\" fill=\"none\" stroke=\"#505050\" stroke-width=\"1.4\" marker-end=\"url(#{id}--arrow)\"/>",
            escape(&tree.nodes[*u].id),
            escape(&tree.nodes[*v].id),
            d.concat()
        );
        // The answer, wrapped narrow enough that neighbouring edges' labels
        // do not meet, on the first segment over a backing.
        let ((x0, y0), (x1, y1)) = (pts[first_gap], pts[first_gap + 1]);
        let (lx, ly) = (x0 + (x1 - x0) * 0.5, y0 + (y1 - y0).min(V_GAP) * 0.5);
        let lines = wrap(label, LABEL_CHARS, 2);
        let widest = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0);
        let (w, h) = (7.0 * widest as f32 + 8.0, 15.0 * lines.len() as f32 + 3.0);
        let _ = write!(
            s,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" rx=\"3\" fill=\"#ffffff\" fill-opacity=\"0.92\"/>",
            lx - w / 2.0,
            ly - h / 2.0,
        );
        for (k, line) in lines.iter().enumerate() {
            let _ = write!(
                s,
                "<text x=\"{lx:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#1b1b1b\">{}</text>",
                ly - h / 2.0 + 13.0 + 15.0 * k as f32,
                escape(line)
            );
        }
        s.push_str("</g>\n");
    }
    for p in places {
        let Some(i) = p.node else { continue };
        let node = &tree.nodes[i];
        let (fill, stroke, class) = colours(node.outcome());
        let _ = write!(
            s,
            "<g class=\"kb-svg-node kb-svg-{class}\" data-node=\"{}\"><rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"6\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{}\"/>",
            escape(&node.id),
            p.x,
            p.y,
            p.w,
            p.h,
            if node.id == tree.start { "2.5" } else { "1.4" }
        );
        for (k, line) in p.lines.iter().enumerate() {
            let bold = k == 0 && node.outcome().is_some();
            let _ = write!(
                s,
                "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"{}\"{}>{}</text>",
                p.x + PAD,
                p.y + PAD + LINE * (k as f32 + 1.0) - 4.0,
                if bold { stroke } else { "#1b1b1b" },
                if bold { " font-weight=\"700\"" } else { "" },
                escape(line)
            );
        }
        s.push_str("</g>\n");
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_and_cuts() {
        assert_eq!(wrap("a b c", 30, 3), vec!["a b c"]);
        let long = "word ".repeat(40);
        let w = wrap(&long, 30, 2);
        assert_eq!(w.len(), 2);
        assert!(w[1].ends_with('…'));
        assert!(w.iter().all(|l| l.chars().count() <= 31));
    }
}
