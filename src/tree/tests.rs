use super::*;
use crate::diagnostics::Severity;

const STORAGE: &str = r#"id: storage-support
title: Is my storage configuration supported?
start: logo
nodes:
  logo:
    ask: Is the block storage target qualified under the Designed for Windows logo program?
    help: SCSI, Fibre Channel or iSCSI targets.
    answers:
      - label: "Yes"
        next: software
      - label: "No"
        next: not-qualified
  software:
    ask: Is third-party storage software involved?
    answers:
      - label: "Yes"
        next: vendor
      - label: "No"
        next: supported
  not-qualified:
    outcome: not-supported
    text: Use qualified hardware.
  vendor:
    outcome: contact-vendor
    text: Contact the vendor. See [the policy](kb:841696).
    links:
      - label: Policy
        href: kb:841696
  supported:
    outcome: supported
    text: Contact Microsoft.
tests:
  - path: ["No"]
    expect: not-qualified
  - path: ["Yes", "Yes"]
    expect: vendor
  - path: ["yes", "2"]
    expect: supported
"#;

/// Builds `yaml` as if its block started on file line 10 (YAML on 11).
fn errors(yaml: &str) -> Vec<(u32, String)> {
    match build(yaml, 11, 1000) {
        Ok(_) => vec![],
        Err(e) => {
            assert!(e.iter().all(|d| d.severity == Severity::Error));
            e.into_iter()
                .map(|d| (d.line.unwrap_or(0), d.message))
                .collect()
        }
    }
}

#[test]
fn the_normative_shape_builds_and_its_tests_pass() {
    let b = build(STORAGE, 11, 1000).unwrap();
    assert_eq!(b.tree.id, "storage-support");
    assert_eq!(b.tree.nodes.len(), 5);
    assert_eq!(b.tree.node("logo").unwrap().line, 15);
    assert_eq!(b.tree.node("logo").unwrap().answers()[1].line, 22);
    let s = Summary::of(&b, "content/a.md");
    assert_eq!((s.questions, s.outcomes), (2, 3));
    assert!(b.svg.starts_with("<svg"));
}

#[test]
fn yaml_error_at_its_line() {
    let e = errors("id: t\ntitle: T\nstart: a\nnodes:\n  a: [unclosed\n");
    assert_eq!(e.len(), 1);
    assert!(
        e[0].1.starts_with("decision tree is not valid YAML"),
        "{e:?}"
    );
    assert_eq!(e[0].0, 15);
}

#[test]
fn unknown_node_reference() {
    let yaml = STORAGE.replace("next: supported", "next: suported");
    let e = errors(&yaml);
    assert_eq!(
        e[0],
        (
            29,
            "answer `No` of `software` goes to unknown node `suported`".into()
        )
    );
}

#[test]
fn duplicate_node_id() {
    let yaml = STORAGE.replace("  supported:\n", "  vendor:\n");
    let e = errors(&yaml);
    assert_eq!(e[0].1, "duplicate node id `vendor` (first at line 33)");
    assert_eq!(e[0].0, 39);
}

#[test]
fn cycle_is_printed() {
    let yaml = STORAGE.replace("next: vendor", "next: logo");
    let e = errors(&yaml);
    assert!(
        e.iter().any(
            |(_, m)| m == "decision tree `storage-support` has a cycle: logo → software → logo"
        ),
        "{e:?}"
    );
}

#[test]
fn unreachable_node() {
    let yaml = STORAGE
        .replace(
            "  supported:\n",
            "  orphan:\n    outcome: info\n    text: Nobody gets here.\n  supported:\n",
        )
        .replace("next: supported", "next: vendor");
    let e = errors(&yaml);
    assert!(
        e.iter()
            .any(|(_, m)| m == "node `orphan` cannot be reached from `logo`"),
        "{e:?}"
    );
    assert!(
        e.iter()
            .any(|(_, m)| m == "node `supported` cannot be reached from `logo`"),
        "{e:?}"
    );
}

#[test]
fn question_with_one_answer() {
    let yaml = STORAGE.replace("      - label: \"No\"\n        next: supported\n", "");
    let e = errors(&yaml);
    assert!(
        e.iter().any(|(l, m)| *l == 23
            && m == "question `software` has 1 answer; a question needs at least two"),
        "{e:?}"
    );
}

#[test]
fn path_ending_without_outcome() {
    let yaml = STORAGE.replace(
        "  supported:\n    outcome: supported\n    text: Contact Microsoft.\n",
        "  supported:\n    text: Contact Microsoft.\n",
    );
    let e = errors(&yaml);
    assert!(
        e.iter()
            .any(|(_, m)| m.contains("node `supported` has neither `ask` nor `outcome`")),
        "{e:?}"
    );
}

#[test]
fn over_max_nodes() {
    let e = build(STORAGE, 11, 3).unwrap_err();
    assert!(
        e[0].message
            .contains("has 5 nodes, more than trees.max_nodes (3)"),
        "{:?}",
        e[0]
    );
}

#[test]
fn failing_test_names_path_and_reached_node() {
    let yaml = STORAGE.replace(
        "  - path: [\"No\"]\n    expect: not-qualified",
        "  - path: [\"Yes\", \"No\"]\n    expect: vendor",
    );
    let e = errors(&yaml);
    assert_eq!(
        e[0].1,
        "decision tree `storage-support` test failed: [\"Yes\", \"No\"] should reach `vendor` but reached outcome `supported` (supported)"
    );
    let yaml = STORAGE.replace("path: [\"No\"]", "path: [\"Maybe\"]");
    let e = errors(&yaml);
    assert_eq!(
        e[0].1,
        "decision tree `storage-support` test failed: [\"Maybe\"]: answer 1 (`Maybe`) is not an answer of `logo` (Yes, No)"
    );
}

#[test]
fn bad_ids_and_outcome_kinds() {
    let e = errors(&STORAGE.replace("id: storage-support", "id: storage support"));
    assert!(
        e[0].1.contains("tree id `storage support` is not usable"),
        "{e:?}"
    );
    let e = errors(
        &STORAGE
            .replace("outcome: info", "x")
            .replace("outcome: supported", "outcome: maybe"),
    );
    assert!(e[0].1.contains("unknown outcome `maybe`"), "{e:?}");
}

type Boxes = Vec<(String, [f32; 4])>;
type Edges = Vec<(String, String, Vec<(f32, f32)>)>;

/// Box and edge geometry of an emitted diagram, read with an XML parser.
fn geometry(svg: &str) -> (Boxes, Edges) {
    let doc = roxmltree::Document::parse(svg).expect("the SVG is well-formed XML");
    let num = |n: roxmltree::Node, a: &str| n.attribute(a).unwrap().parse::<f32>().unwrap();
    let mut boxes = Vec::new();
    let mut edges = Vec::new();
    for n in doc.descendants() {
        if let Some(id) = n.attribute("data-node") {
            let r = n.children().find(|c| c.has_tag_name("rect")).unwrap();
            boxes.push((
                id.to_string(),
                [num(r, "x"), num(r, "y"), num(r, "width"), num(r, "height")],
            ));
        }
        if let (Some(from), Some(to)) = (n.attribute("data-from"), n.attribute("data-to")) {
            let pts = n
                .attribute("d")
                .unwrap()
                .split(['M', 'L'])
                .filter(|p| !p.trim().is_empty())
                .map(|p| {
                    let (x, y) = p.trim().split_once(',').unwrap();
                    (x.parse().unwrap(), y.parse().unwrap())
                })
                .collect();
            edges.push((from.to_string(), to.to_string(), pts));
        }
    }
    (boxes, edges)
}

fn check_layout(tree: &Tree, svg: &str) {
    let (boxes, edges) = geometry(svg);
    assert_eq!(boxes.len(), tree.nodes.len(), "one box per node");
    for (i, (a, ra)) in boxes.iter().enumerate() {
        for (b, rb) in &boxes[i + 1..] {
            let apart = ra[0] + ra[2] <= rb[0]
                || rb[0] + rb[2] <= ra[0]
                || ra[1] + ra[3] <= rb[1]
                || rb[1] + rb[3] <= ra[1];
            assert!(apart, "boxes {a} and {b} overlap: {ra:?} {rb:?}");
        }
    }
    let answers: usize = tree.nodes.iter().map(|n| n.answers().len()).sum();
    assert_eq!(edges.len(), answers, "one edge per answer");
    let rect = |id: &str| {
        boxes
            .iter()
            .find(|(n, _)| n == id)
            .map(|(_, r)| *r)
            .expect("edge ends at a node")
    };
    for (from, to, pts) in &edges {
        let (f, t) = (rect(from), rect(to));
        let (sx, sy) = pts[0];
        let (ex, ey) = *pts.last().unwrap();
        assert!(
            (sy - (f[1] + f[3])).abs() < 0.2 && sx >= f[0] && sx <= f[0] + f[2],
            "{from}→{to} starts on {from}'s bottom"
        );
        assert!(
            (ey - t[1]).abs() < 0.2 && ex >= t[0] && ex <= t[0] + t[2],
            "{from}→{to} ends on {to}'s top"
        );
        assert!(tree
            .node(from)
            .unwrap()
            .answers()
            .iter()
            .any(|a| a.next == *to));
    }
}

#[test]
fn diagram_boxes_never_overlap_and_edges_join_nodes() {
    let b = build(STORAGE, 11, 1000).unwrap();
    check_layout(&b.tree, &b.svg);
    // The bundled KB 841696 tree: long edges, shared nodes, three-way answers.
    let article = include_str!("../../content/support/windows-server/high-availability/3rd-party-storage-software-solutions-support.md");
    let start = article.find("```decision-tree\n").unwrap() + "```decision-tree\n".len();
    let yaml = &article[start..start + article[start..].find("```").unwrap()];
    let b = build(yaml, 1, 1000).unwrap();
    check_layout(&b.tree, &b.svg);
    // A wide, deep generated tree: every question fans out to three.
    let mut yaml = String::from("id: wide\ntitle: Wide\nstart: q0\nnodes:\n");
    for i in 0..40 {
        let next = |k: usize| {
            if 3 * i + k < 40 {
                format!("q{}", 3 * i + k)
            } else {
                format!("o{}", (3 * i + k) % 7)
            }
        };
        yaml.push_str(&format!(
            "  q{i}:\n    ask: Question {i} with a longer text that wraps over lines?\n    answers:\n      - {{label: A, next: {}}}\n      - {{label: B, next: {}}}\n      - {{label: C, next: {}}}\n",
            next(1), next(2), next(3)
        ));
    }
    for k in 0..7 {
        yaml.push_str(&format!(
            "  o{k}:\n    outcome: info\n    text: Outcome {k}.\n"
        ));
    }
    let b = build(&yaml, 1, 1000).unwrap();
    check_layout(&b.tree, &b.svg);
}
