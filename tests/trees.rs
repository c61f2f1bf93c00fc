//! Decision trees on built pages: hooks, links inside trees, the SVG file,
//! the trees page, and errors reported at the line inside the block.

mod common;
use common::Site;

const TREE: &str = "```decision-tree
id: printer
title: Can I fix the printer?
start: power
nodes:
  power:
    ask: Is the printer **on**?
    help: Check the [power guide](guide.md#cables).
    answers:
      - label: \"Yes\"
        next: paper
      - label: \"No\"
        next: switch-on
  paper:
    ask: Is there paper?
    answers:
      - label: \"Yes\"
        next: vendor
      - label: \"No\"
        next: add-paper
  switch-on:
    outcome: info
    text: Switch it on.
  add-paper:
    outcome: supported
    text: Add paper, see KB 123456.
  vendor:
    outcome: contact-vendor
    text: Call the vendor.
    links:
      - label: The guide
        href: kb:123456
tests:
  - path: [\"No\"]
    expect: switch-on
  - path: [\"Yes\", \"Yes\"]
    expect: vendor
```
";

fn site_with(tree: &str) -> Site {
    Site::new(&[
        (
            "content/help/printer.md",
            &format!("---\ntitle: Printer help\n---\n# Printer\n\n{tree}\nAfter the tree.\n"),
        ),
        (
            "content/help/guide.md",
            "---\ntitle: Guide\nkb: 123456\n---\n# Guide\n\n## Cables\n",
        ),
    ])
}

#[test]
fn tree_renders_with_hooks_links_svg_and_listing() {
    let site = site_with(TREE);
    let run = site.kbsite(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let html = site.page("help/printer/index.html");
    for needle in [
        "<section class=\"kb-tree\" id=\"printer\" data-kb-tree=\"printer\"",
        "id=\"printer--power\" data-kb-node=\"power\"",
        "class=\"kb-tree-node kb-tree-question kb-tree-start\"",
        "<a href=\"#printer--paper\" data-kb-answer=\"yes\">Yes</a>",
        "data-kb-node=\"vendor\" data-kb-outcome=\"contact-vendor\"",
        "<p class=\"kb-tree-verdict\">Contact the vendor</p>",
        "Is the printer <strong>on</strong>?",
        // Links inside the tree resolve like any other.
        "<a href=\"../guide/index.html#cables\">power guide</a>",
        "<li><a href=\"../guide/index.html\">The guide</a></li>",
        "<a href=\"../guide/index.html\">KB 123456</a>",
        "<details class=\"kb-tree-diagram\"><summary>Show the whole tree</summary>",
        "<a href=\"printer.svg\">Open the diagram on its own</a>",
        "class=\"kb-tree-outline\"",
        "After the tree.",
    ] {
        assert!(html.contains(needle), "missing {needle}");
    }
    assert!(
        !html.contains("decision-tree"),
        "the block is not shown as code"
    );
    let svg = site.page("help/printer/printer.svg");
    assert!(svg.starts_with(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\""
    ));
    assert!(
        svg.contains(">Contact the vendor</text>"),
        "outcome kinds are labelled, not colour alone"
    );
    let trees = site.page("trees/index.html");
    assert!(
        trees.contains("<a href=\"../help/printer/index.html#printer\">Can I fix the printer?</a>")
    );
    let home = site.page("index.html");
    assert!(home.contains("<a href=\"help/printer/index.html#printer\">Can I fix the printer?</a>"));
    assert!(home.contains("<a href=\"trees/index.html\">All 1 decision tree</a>"));
    // Anchors of tree nodes count: a link to one resolves cleanly.
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);
}

#[test]
fn tree_errors_name_the_file_and_line_inside_the_block() {
    // The block starts on file line 7 (front matter 3 lines, H1, blank).
    let bad = TREE.replace("next: add-paper", "next: add-papr");
    let site = site_with(&bad);
    let run = site.kbsite(&["build"]);
    assert_eq!(run.code, 1, "an invalid tree fails the build");
    assert!(
        run.stderr
            .contains("error: answer `No` of `paper` goes to unknown node `add-papr`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("--> content/help/printer.md:25"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("did you mean `add-paper`?"));

    let failing = TREE.replace("expect: vendor", "expect: add-paper");
    let run = site_with(&failing).kbsite(&["build"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains(
        "error: decision tree `printer` test failed: [\"Yes\", \"Yes\"] should reach `add-paper` but reached outcome `vendor` (contact-vendor)"
    ), "{}", run.stderr);
    assert!(
        run.stderr.contains("--> content/help/printer.md:41"),
        "{}",
        run.stderr
    );
}

#[test]
fn duplicate_tree_ids_across_articles_and_max_nodes() {
    let site = Site::new(&[
        ("content/a.md", &format!("# A\n\n{TREE}")),
        ("content/b.md", &format!("# B\n\n{TREE}")),
        (
            "content/guide.md",
            "---\nkb: 123456\n---\n# Guide\n\n## Cables\n",
        ),
        ("kbsite.yml", "trees: { max_nodes: 4 }\n"),
    ]);
    let run = site.kbsite(&["check"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("has 5 nodes, more than trees.max_nodes (4)"),
        "{}",
        run.stderr
    );
    std::fs::write(site.root().join("kbsite.yml"), "").unwrap();
    let run = site.kbsite(&["check"]);
    assert!(
        run.stderr
            .contains("error: duplicate decision tree id `printer`: also at content/a.md:4"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--> content/b.md:4"), "{}", run.stderr);
}

#[test]
fn several_trees_in_one_article() {
    let second = TREE
        .replace("id: printer", "id: scanner")
        .replace("Can I fix the printer?", "Can I fix the scanner?");
    let site = site_with(&format!("{TREE}\n## Scanner\n\n{second}"));
    let run = site.kbsite(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let html = site.page("help/printer/index.html");
    assert!(html.contains("data-kb-tree=\"printer\"") && html.contains("data-kb-tree=\"scanner\""));
    assert!(html.contains("id=\"scanner--power\""));
    assert!(site.out().join("help/printer/scanner.svg").is_file());
    let trees = site.page("trees/index.html");
    assert!(
        trees.find("Can I fix the printer?").unwrap()
            < trees.find("Can I fix the scanner?").unwrap()
    );
}
