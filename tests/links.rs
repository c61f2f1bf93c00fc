//! Cross-references as a reader and a writer meet them: every link form on
//! the built page, redirects and KB alias pages, backlinks, and the
//! messages `check` prints.

mod common;
use common::{repo, tree, Site};

#[test]
fn corpus_with_mounts_resolves_every_link_that_exists() {
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(
        &repo().join("tests/fixtures/kb-corpus/content"),
        &dir.path().join("content"),
    );
    common::write(
        &dir.path().join("kbsite.yml"),
        b"links:\n  mounts: {/troubleshoot/: support/}\n  external_base: https://learn.microsoft.com\n",
    );
    let root = dir.path().to_str().unwrap();
    let run = common::kbsite(&["build", "--root", root], dir.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
    for (path, bytes) in tree(&dir.path().join("public")) {
        // 404.html links from the host's root: it is served at any depth.
        if !path.ends_with(".html") || path == "404.html" {
            continue;
        }
        let html = String::from_utf8(bytes).unwrap();
        for href in html
            .split("href=\"")
            .skip(1)
            .map(|s| &s[..s.find('"').unwrap()])
        {
            assert!(!href.starts_with('/'), "{path}: href {href}");
            let no_fragment = href.split('#').next().unwrap();
            assert!(!no_fragment.ends_with(".md"), "{path}: href {href}");
        }
    }
    // Each unresolvable link is one warning naming file and line.
    let broken: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("warning: broken link"))
        .collect();
    assert_eq!(broken.len(), 17, "{}", run.stderr);
    for block in run
        .stderr
        .split("\n\n")
        .filter(|b| b.starts_with("warning: broken link"))
    {
        let loc = block.lines().nth(1).unwrap();
        assert!(
            loc.starts_with("  --> content/support/")
                && loc.rsplit(':').next().unwrap().parse::<u32>().is_ok(),
            "{block}"
        );
    }
    // The KB 841696 page: local links to the KBs it cites, and backlinks.
    let page = std::fs::read_to_string(dir.path().join(
        "public/support/windows-server/high-availability/3rd-party-storage-software-solutions-support/index.html",
    ))
    .unwrap();
    assert!(page.contains(
        "<a href=\"../../../sql/admin/support-iscsi-technology-components/index.html\">833770</a>"
    ));
    assert!(page.contains(
        "<a href=\"../../../sql/admin/support-network-database-files/index.html\">304261</a>"
    ));
    let back = &page[page.find("data-kb-backlinks").expect("backlinks shown")..];
    let back = &back[..back.find("</ul>").unwrap()];
    // The one corpus article that cites KB 841696 (by its support URL).
    assert!(back.contains(
        "<a href=\"../../../sql/admin/database-engine-input-output-requirements/index.html\">Database Engine Input/Output requirements</a>"
    ), "{back}");
    // A KB alias page for it.
    let alias = std::fs::read_to_string(dir.path().join("public/kb/841696/index.html")).unwrap();
    assert!(alias.contains("url=../../support/windows-server/high-availability/3rd-party-storage-software-solutions-support/index.html"));
    // check passes, check --strict does not (the corpus has broken links).
    assert_eq!(
        common::kbsite(&["check", "--root", root], dir.path()).code,
        0
    );
    assert_eq!(
        common::kbsite(&["check", "--strict", "--root", root], dir.path()).code,
        1
    );
}

#[test]
fn every_link_form_on_the_page() {
    let site = Site::new(&[
        (
            "kbsite.yml",
            "links:\n  mounts: { /troubleshoot/: support/ }\n  external_base: https://learn.microsoft.com\n",
        ),
        (
            "content/support/ha/a.md",
            "---\ntitle: A\n---\n# A\n\n## Steps\n\n\
             [rel](b.md#cause) [up](../sql/c.md) [case](B.md) [page](#steps) \
             [kb](https://support.microsoft.com/help/833770) [kb2](/kb/833770) [kb3](kb:833770) \
             [ext-kb](https://support.microsoft.com/kb/999) [x](xref:c-uid) <xref:c-uid> \
             [mount](/troubleshoot/sql/c) [mount2](/troubleshoot/sql/c.md#more) [unmapped](/iis/manage/y?view=1#z)\n\n\
             Mentions: KB 833770 and KB833770 and KB 999999.\n\n\
             `KB 833770` in code, and in a [link KB 833770](b.md).\n\n\
             ```\n[rel](b.md) KB 833770\n```\n\n\
             <a href=\"b.md\">raw</a>\n",
        ),
        ("content/support/ha/b.md", "# B\n\n## Cause\n"),
        (
            "content/support/sql/c.md",
            "---\ntitle: Storage for SQL\nuid: c-uid\n---\n# C\n\n_Original KB number:_ &nbsp; 833770\n\n## More\n",
        ),
    ]);
    let run = site.kbsite(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let html = site.page("support/ha/a/index.html");
    let c = "../../sql/c/index.html";
    for expected in [
        "<a href=\"../b/index.html#cause\">rel</a>".to_string(),
        format!("<a href=\"{c}\">up</a>"),
        "<a href=\"../b/index.html\">case</a>".to_string(),
        "<a href=\"#steps\">page</a>".to_string(),
        format!("<a href=\"{c}\">kb</a>"),
        format!("<a href=\"{c}\">kb2</a>"),
        format!("<a href=\"{c}\">kb3</a>"),
        "<a href=\"https://support.microsoft.com/kb/999\">ext-kb</a>".to_string(),
        format!("<a href=\"{c}\">x</a>"),
        format!("<a href=\"{c}\">Storage for SQL</a>"),
        format!("<a href=\"{c}\">mount</a>"),
        format!("<a href=\"{c}#more\">mount2</a>"),
        "<a href=\"https://learn.microsoft.com/iis/manage/y?view=1#z\">unmapped</a>".to_string(),
        format!("Mentions: <a href=\"{c}\">KB 833770</a> and <a href=\"{c}\">KB833770</a> and KB 999999."),
        "<code>KB 833770</code> in code".to_string(),
        "<a href=\"../b/index.html\">link KB 833770</a>".to_string(),
        "[rel](b.md) KB 833770\n</code></pre>".to_string(),
        "<a href=\"../b/index.html\">raw</a>".to_string(),
    ] {
        assert!(html.contains(&expected), "missing {expected}\n{html}");
    }
    // The case-only match is a note (the link works); nothing warns.
    let warnings: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("warning"))
        .collect();
    assert!(warnings.is_empty(), "{warnings:?}");
    assert!(run
        .stderr
        .contains("info: link `B.md` matches `support/ha/b.md` only when letter case is ignored"));
}

#[test]
fn diagnostics_for_each_kind_of_broken_reference() {
    let site = Site::new(&[
        (
            "content/a.md",
            "# A\n\n## Real\n\n[1](missing.md)\n[2](#nope)\n[3](b.md#nope)\n[4](xref:nope)\n[5](/abs/path)\n![6](img/none.png)\n[7](javascript:alert(1))\n",
        ),
        ("content/b.md", "# B\n\n## Real\n"),
    ]);
    let run = site.kbsite(&["check", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let got: Vec<(u64, String)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] == "warning")
        .map(|d| {
            (
                d["line"].as_u64().unwrap(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (5, "broken link `missing.md`".to_string()),
            (
                6,
                "broken anchor in `#nope`: no `#nope` in this page".to_string()
            ),
            (
                7,
                "broken anchor in `b.md#nope`: no `#nope` in `b.md`".to_string()
            ),
            (8, "unknown xref `xref:nope`".to_string()),
            (9, "broken link `/abs/path`".to_string()),
            (10, "image not found: `img/none.png`".to_string()),
            (11, "unsafe `javascript:` link removed".to_string()),
        ]
    );
    assert_eq!(report["warnings"], 7);
    assert_eq!(report["links"]["broken"], 5);
    assert!(report["diagnostics"][0]["file"]
        .as_str()
        .unwrap()
        .ends_with("content/a.md"));
    // The built page marks each spot.
    let run = site.kbsite(&["build"]);
    assert_eq!(run.code, 0);
    let html = site.page("a/index.html");
    assert_eq!(
        html.matches("class=\"kb-broken-link\"").count(),
        4,
        "{html}"
    );
    assert!(html.contains("<a href=\"../b/index.html#nope\" class=\"kb-broken-anchor\">3</a>"));
    assert!(html.contains("class=\"kb-missing-image\""));
}

#[test]
fn redirects_and_kb_alias_pages() {
    let site = Site::new(&[
        ("kbsite.yml", "base_url: https://kb.example.org/docs/\n"),
        (
            "content/new.md",
            "---\ntitle: New home\nkb: 4001\n---\n# New\n",
        ),
        (
            "content/old.md",
            "---\ntitle: Old article\nredirect_url: new.md\n---\n# Old\n\nBody never shown.\n",
        ),
        (
            "content/gone.md",
            "---\ntitle: Gone\nredirect_url: https://learn.microsoft.com/x\n---\n",
        ),
        (
            "content/lost.md",
            "---\ntitle: Lost\nredirect_url: nowhere.md\n---\n",
        ),
    ]);
    let run = site.kbsite(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let old = site.page("old/index.html");
    assert!(old.contains("<meta http-equiv=\"refresh\" content=\"0; url=../new/index.html\">"));
    assert!(old.contains("<a href=\"../new/index.html\" data-kb-redirect>"));
    assert!(old.contains("<link rel=\"canonical\" href=\"https://kb.example.org/docs/new/\">"));
    assert!(!old.contains("Body never shown"));
    let gone = site.page("gone/index.html");
    assert!(gone.contains("url=https://learn.microsoft.com/x\""));
    assert!(gone.contains("<link rel=\"canonical\" href=\"https://learn.microsoft.com/x\">"));
    assert!(
        run.stderr
            .contains("warning: redirect_url: broken link `nowhere.md`"),
        "{}",
        run.stderr
    );
    let alias = site.page("kb/4001/index.html");
    assert!(alias.contains("content=\"0; url=../../new/index.html\""));
    assert!(alias.contains("<link rel=\"canonical\" href=\"https://kb.example.org/docs/new/\">"));
    // Redirected articles are not listed.
    let home = site.page("index.html");
    assert!(!home.contains("Old article") && !home.contains("Gone"));
}
