//! Integration tests: fixture sites built by the `kbsite` binary, asserting
//! on the HTML a reader gets and the messages a writer gets.

mod common;
use common::{tree, Site};

const STORAGE: &str = include_str!("../content/support/windows-server/high-availability/3rd-party-storage-software-solutions-support.md");

#[test]
fn docfx_forms_render_without_literal_syntax() {
    let site = Site::new(&[
        (
            "content/guide/a.md",
            "---\ntitle: Forms\nms.date: 04/07/2023\n---\n# Forms\n\n\
             > [!NOTE]\n> A note.\n\n> [!Note]\n> Mixed case.\n\n>[!TIP]\n>No space.\n\n\
             > [!IMPORTANT]\n> Important.\n\n> [!CAUTION]\n> Caution.\n\n> [!WARNING]\n> Warning.\n\n\
             1. Step one\n\n   > [!NOTE]\n   > In a list.\n\n   [!INCLUDE [inc](../includes/alert.md)]\n\n\
             2. Step two\n\n\
             :::image type=\"content\" source=\"media/shot.png\" alt-text=\"A screenshot of the dialog.\":::\n\n\
             :::image type=\"content\" source=\"media\\missing\\pic.png\" alt-text=\"Diagram of two nodes.\":::\n\n\
             > [!div class=\"nextstepaction\"]\n> [Next step](b.md)\n\n<a id=\"raw-anchor\"></a>\n\n<kbd>Ctrl</kbd>\n",
        ),
        ("content/guide/b.md", "# B\n"),
        ("content/guide/media/shot.png", "not really a png"),
        ("content/includes/alert.md", "> [!WARNING]\n> Included warning.\n"),
    ]);
    let run = site.kbsite(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let html = site.page("guide/a/index.html");
    for needle in [
        "[!NOTE",
        "[!Note",
        "[!TIP",
        "[!INCLUDE",
        ":::image",
        "[!div",
    ] {
        assert!(!html.contains(needle), "literal {needle} in output");
    }
    for kind in ["note", "tip", "important", "caution", "warning"] {
        assert!(
            html.contains(&format!("kb-alert kb-alert-{kind}")),
            "{kind}"
        );
    }
    assert_eq!(html.matches("kb-alert kb-alert-note").count(), 3);
    assert!(html.contains("Mixed case.") && html.contains("No space."));
    // The include and the note inside the list item stay in the list.
    let item = &html[html.find("<li>").unwrap()..html.find("Step two").unwrap()];
    assert!(
        item.contains("In a list.") && item.contains("Included warning."),
        "{item}"
    );
    assert!(html.contains(
        "<img src=\"../media/shot.png\" alt=\"A screenshot of the dialog.\" loading=\"lazy\">"
    ));
    assert!(html.contains("class=\"kb-missing-image\""));
    assert!(html.contains(">Diagram of two nodes.</span>"));
    assert!(!html.contains("missing\\pic.png\""), "no broken <img>");
    assert!(html.contains("<div class=\"nextstepaction\">"));
    assert!(html.contains("<a href=\"../b/index.html\">Next step</a>"));
    assert!(html.contains("<a id=\"raw-anchor\"></a>"));
    assert!(html.contains("<kbd>Ctrl</kbd>"));
    assert!(
        std::fs::read(site.out().join("guide/media/shot.png")).is_ok(),
        "asset copied"
    );
    // The missing image is a warning naming file and line, with a hint.
    assert!(
        run.stderr
            .contains("warning: image not found: `media\\missing\\pic.png`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("--> content/guide/a.md:36"),
        "{}",
        run.stderr
    );
}

#[test]
fn headings_ids_toc_and_page_heading() {
    let site = Site::new(&[(
        "content/a.md",
        "---\ntitle: Front title\n---\n# Body *H1*\n\nIntro.\n\n## Cause\n\n### Detail: one\n\n## Cause\n\n## Resolution\n",
    )]);
    site.build_ok();
    let html = site.page("a/index.html");
    assert!(html.contains("<title>Front title | Knowledge base</title>"));
    assert!(
        html.contains("<h1 id=\"body-h1\">Body <em>H1</em></h1>"),
        "{html}"
    );
    assert_eq!(html.matches("<h1").count(), 1);
    assert!(html.contains("<h2 id=\"cause\">Cause</h2>"));
    assert!(html.contains("<h3 id=\"detail-one\">Detail: one</h3>"));
    assert!(html.contains("<h2 id=\"cause-1\">Cause</h2>"));
    let toc = &html[html.find("class=\"kb-toc\"").unwrap()..html.find("kb-content").unwrap()];
    for id in ["#cause", "#detail-one", "#cause-1", "#resolution"] {
        assert!(toc.contains(&format!("href=\"{id}\"")), "{id} in {toc}");
    }
}

#[test]
fn title_falls_back_to_h1_then_file_name() {
    let site = Site::new(&[
        ("content/from-h1.md", "# Heading title\n\nText.\n"),
        ("content/no-title.md", "Just text.\n"),
    ]);
    let run = site.kbsite(&["build"]);
    assert_eq!(run.code, 0);
    assert!(site
        .page("from-h1/index.html")
        .contains("<title>Heading title | Knowledge base</title>"));
    let html = site.page("no-title/index.html");
    assert!(html.contains("<h1 id=\"no-title\">no-title</h1>"), "{html}");
    assert!(run
        .stderr
        .contains("warning: article has no title and no H1"));
    assert!(run.stderr.contains("--> content/no-title.md"));
}

#[test]
fn kb_metadata_block_and_date_forms() {
    let site = Site::new(&[
        ("content/policy.md", STORAGE),
        (
            "content/serial.md",
            "---\ntitle: Serial\nms.date: 45286\n---\n_Original KB number_:&nbsp;2914974\n_Original product version:_ &nbsp; SQL Server 2012, SQL Server 2008  \n\nBody.\n",
        ),
        ("content/short.md", "---\ntitle: Short\nms.date: 4/7/2023\n---\nBody.\n"),
        ("content/bad.md", "---\ntitle: Bad\nms.date: someday\n---\nBody.\n"),
    ]);
    let run = site.kbsite(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let html = site.page("policy/index.html");
    assert!(html
        .contains("<dt>Updated</dt><dd><time datetime=\"2023-04-07\">April 7, 2023</time></dd>"));
    assert!(html.contains("<dt>KB number</dt><dd>841696</dd>"));
    assert!(html.contains(
        "<dt>Applies to</dt><dd><a href=\"../products/windows-server-2012-r2/index.html\">Windows Server 2012 R2</a></dd>"
    ));
    let body = &html[html.find("kb-content").unwrap()..];
    assert!(
        !body.contains("Applies to"),
        "metadata lines leave the body"
    );
    assert!(!body.contains("Original KB number"));
    let serial = site.page("serial/index.html");
    assert!(serial.contains("datetime=\"2023-12-26\">December 26, 2023"));
    assert!(serial.contains("<dd>2914974</dd>"));
    assert!(serial
        .contains("<dt>Original product version</dt><dd>SQL Server 2012, SQL Server 2008</dd>"));
    assert!(site
        .page("short/index.html")
        .contains("datetime=\"2023-04-07\""));
    assert!(run
        .stderr
        .contains("warning: ms.date `someday` is not a date"));
    assert!(
        run.stderr.contains("--> content/bad.md:3"),
        "{}",
        run.stderr
    );
}

#[test]
fn links_are_relative_and_end_in_a_file_name() {
    let site = Site::new(&[
        (
            "content/a/one.md",
            "# One\n\n[two](../b/two.md#x) [home](../index.md) [sec](../b/)\n",
        ),
        ("content/b/two.md", "# Two\n\n## X\n"),
        ("content/index.md", "---\ntitle: Home\n---\nWelcome.\n"),
    ]);
    site.build_ok();
    // 404.html is the exception: hosts answer any missing path with it, at
    // any depth, so it links from the host's root (or base_url).
    for (rel, _) in tree(&site.out())
        .iter()
        .filter(|(p, _)| p.ends_with(".html") && p != "404.html")
    {
        let html = site.page(rel);
        for href in html
            .split("href=\"")
            .skip(1)
            .map(|s| &s[..s.find('"').unwrap()])
        {
            let ok = href.starts_with("data:")
                || href.starts_with('#')
                || href.starts_with("https://")
                || href.ends_with(".html")
                || href.ends_with(".css")
                || href.contains(".html#");
            assert!(ok, "{rel}: href {href} does not end in a file name");
            assert!(!href.starts_with('/'), "{rel}: absolute href {href}");
        }
    }
    let one = site.page("a/one/index.html");
    assert!(one.contains("<a href=\"../../b/two/index.html#x\">two</a>"));
    assert!(one.contains("<a href=\"../../index.html\">home</a>"));
    assert!(one.contains("<a href=\"../../b/index.html\">sec</a>"));
    assert!(one.contains("href=\"../../style.css\""));
    let home = site.page("index.html");
    assert!(home.contains("Welcome."));
    assert!(home.contains("href=\"a/index.html\""));
}

#[test]
fn sections_list_articles_and_folder_index_gets_listing() {
    let site = Site::new(&[
        (
            "content/sql/b.md",
            "---\ntitle: Beta\ndescription: Second.\n---\n",
        ),
        (
            "content/sql/a.md",
            "---\ntitle: Alpha\nms.date: 01/02/2024\n---\nFirst paragraph summary.\n",
        ),
        (
            "content/guides/index.md",
            "---\ntitle: All guides\n---\nGuide intro.\n",
        ),
        ("content/guides/g.md", "---\ntitle: G\n---\n"),
    ]);
    site.build_ok();
    let sql = site.page("sql/index.html");
    assert!(sql.contains("<h1>SQL</h1>"));
    let (a, b) = (
        sql.find(">Alpha</a>").unwrap(),
        sql.find(">Beta</a>").unwrap(),
    );
    assert!(a < b, "sorted by title");
    assert!(sql.contains("<p>Second.</p>") && sql.contains("First paragraph summary."));
    let guides = site.page("guides/index.html");
    assert!(guides.contains("Guide intro.") && guides.contains(">G</a>"));
    let home = site.page("index.html");
    assert!(home.contains(">All guides</a>") && home.contains(">SQL</a>"));
    assert!(home.contains("Recently updated") && home.contains(">Alpha</a>"));
    let crumbs = site.page("sql/a/index.html");
    assert!(
        crumbs.contains("<li><a href=\"../index.html\">SQL</a></li>"),
        "{crumbs}"
    );
}

#[test]
fn drafts_are_skipped_unless_asked() {
    let site = Site::new(&[
        ("content/a.md", "# A\n"),
        ("content/wip.md", "---\ntitle: WIP\ndraft: true\n---\n"),
    ]);
    site.build_ok();
    assert!(!site.out().join("wip/index.html").exists());
    let run = site.kbsite(&["build", "--drafts"]);
    assert_eq!(run.code, 0);
    assert!(site.out().join("wip/index.html").exists());
}

#[test]
fn two_builds_are_byte_identical() {
    let site = Site::new(&[
        ("content/policy.md", STORAGE),
        ("content/x/y.md", "# Y\n\n[p](../policy.md)\n"),
        ("content/x/img.png", "png"),
    ]);
    site.build_ok();
    let first = tree(&site.out());
    site.build_ok();
    assert_eq!(first, tree(&site.out()));
    let other = site.root().join("elsewhere");
    let run = site.kbsite(&["build", "--output", other.to_str().unwrap()]);
    assert_eq!(run.code, 0);
    assert_eq!(first, tree(&other));
}

#[test]
fn refuses_to_replace_a_folder_it_did_not_write() {
    let site = Site::new(&[("content/a.md", "# A\n"), ("public/notes.txt", "mine")]);
    let run = site.kbsite(&["build"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("refusing to replace"), "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(site.out().join("notes.txt")).unwrap(),
        "mine"
    );
    assert!(!site.out().join("index.html").exists());
}

#[test]
fn errors_report_everything_and_keep_the_old_output() {
    let site = Site::new(&[
        ("content/good.md", "# Good\n"),
        ("content/other.md", "# Other\n"),
    ]);
    site.build_ok();
    let before = tree(&site.out());
    common::write(
        &site.root().join("content/bad.md"),
        b"---\ntitle: [unclosed\n---\n# Bad\n",
    );
    common::write(
        &site.root().join("content/worse.md"),
        b"---\ntitle: x\n# never closed\n",
    );
    common::write(
        &site.root().join("content/other.md"),
        b"# Other\n\n[x](missing.md)\n",
    );
    let run = site.kbsite(&["build"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("error: front matter is not valid YAML"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("--> content/bad.md:2"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("error: front matter is not closed"));
    assert!(run.stderr.contains("--> content/worse.md:1"));
    assert!(run.stderr.contains("warning: broken link `missing.md`"));
    assert!(run.stderr.contains("--> content/other.md:3"));
    assert!(run.stdout.contains("previous output is unchanged"));
    assert_eq!(before, tree(&site.out()), "old output kept");
}

#[test]
fn strict_fails_on_warnings_and_check_writes_nothing() {
    let site = Site::new(&[("content/a.md", "# A\n\n[x](nope.md)\n")]);
    let run = site.kbsite(&["check"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("warning: broken link"));
    assert!(!site.out().exists(), "check writes nothing");
    assert_eq!(site.kbsite(&["check", "--strict"]).code, 1);
    assert_eq!(site.kbsite(&["build", "--strict"]).code, 1);
    assert!(!site.out().exists());
    assert_eq!(site.kbsite(&["build"]).code, 0);
}

#[test]
fn usage_errors_exit_2() {
    let site = Site::new(&[]);
    assert_eq!(site.kbsite(&["build", "--no-such-flag"]).code, 2);
    assert_eq!(common::kbsite(&["frobnicate"], site.root()).code, 2);
}

#[test]
fn unknown_config_key_is_a_warning_with_closest_key() {
    let site = Site::new(&[
        ("kbsite.yml", "title: T\nouput_dir: out\n"),
        ("content/a.md", "# A\n"),
    ]);
    let run = site.kbsite(&["build"]);
    assert_eq!(run.code, 0);
    assert!(run
        .stderr
        .contains("warning: unknown key `ouput_dir` in kbsite.yml"));
    assert!(run.stderr.contains("--> kbsite.yml:2"));
    assert!(run.stderr.contains("did you mean `output_dir`?"));
}

#[test]
fn config_sets_title_dirs_and_exclude() {
    let site = Site::new(&[
        (
            "kbsite.yml",
            "title: Contoso KB\ncontent_dir: docs\noutput_dir: site\nexclude: [\"private/**\", \"README.md\"]\nrepo_url: https://github.com/o/r/blob/main/docs\n",
        ),
        ("docs/a.md", "# A\n"),
        ("docs/README.md", "# Readme\n"),
        ("docs/private/secret.md", "# Secret\n"),
    ]);
    let run = site.kbsite(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = site.root().join("site");
    let a = std::fs::read_to_string(out.join("a/index.html")).unwrap();
    assert!(a.contains("<title>A | Contoso KB</title>"));
    assert!(a.contains("href=\"https://github.com/o/r/blob/main/docs/a.md\">Edit this page</a>"));
    assert!(!out.join("README/index.html").exists());
    assert!(!out.join("private").exists());
}

#[test]
fn site_templates_and_static_override_the_theme() {
    let site = Site::new(&[
        ("content/a.md", "# A\n"),
        (
            "templates/404.html",
            "<p>Custom not found, root={{ root }}</p>",
        ),
        ("static/style.css", "body { color: red }"),
        ("static/extra.js", "// extra"),
    ]);
    site.build_ok();
    assert_eq!(site.page("404.html"), "<p>Custom not found, root=/</p>");
    assert_eq!(site.page("style.css"), "body { color: red }");
    assert_eq!(site.page("extra.js"), "// extra");
    assert!(
        site.page("a/index.html").contains("class=\"kb-article\""),
        "other templates stay"
    );
}

#[test]
fn template_error_is_reported_with_the_file() {
    let site = Site::new(&[
        ("content/a.md", "# A\n"),
        ("templates/article.html", "{{ page.title | nosuchfilter }}"),
    ]);
    let run = site.kbsite(&["build"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("error: rendering article.html failed"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("--> templates/article.html"),
        "{}",
        run.stderr
    );
}

#[test]
fn timings_print_each_stage() {
    let site = Site::new(&[("content/a.md", "# A\n")]);
    let run = site.kbsite(&["build", "--timings"]);
    for stage in ["load", "parse", "link", "render", "commit", "total"] {
        let line = run
            .stdout
            .lines()
            .find(|l| l.starts_with(&format!("  {stage} ")));
        let line = line.unwrap_or_else(|| panic!("no {stage} line in {}", run.stdout));
        assert!(line.trim_end().ends_with(" ms"), "{line}");
        if cfg!(unix) {
            assert!(line.contains(" ms   cpu "), "CPU time on {line}");
        }
    }
}

#[test]
fn new_creates_a_site_that_builds() {
    let dir = tempfile::tempdir().unwrap();
    let run = common::kbsite(&["new", "mykb"], dir.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
    let site = dir.path().join("mykb");
    assert!(site.join("kbsite.yml").is_file());
    let run = common::kbsite(&["build", "--strict"], &site);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(site.join("public/getting-started/index.html").is_file());
    assert_eq!(common::kbsite(&["new", "mykb"], dir.path()).code, 1);
}

#[test]
fn encodings_and_line_endings() {
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(
            "---\r\ntitle: Wide\r\n---\r\n# Wide\r\n"
                .encode_utf16()
                .flat_map(|u| u.to_le_bytes()),
        )
        .collect();
    let site = Site::new(&[(
        "content/bom.md",
        "\u{feff}---\r\ntitle: Bom\r\n---\r\n# Bom\r\n\r\n> [!NOTE]\r\n> CRLF note.\r\n",
    )]);
    common::write(&site.root().join("content/wide.md"), &utf16);
    // Saved by an editor on Windows: an article, an include and a code
    // sample in Windows-1252 are read as such, each with a warning.
    common::write(
        &site.root().join("content/ansi.md"),
        b"# Caf\xe9\n\nNa\xefve \x93quotes\x94.\n\n[!INCLUDE [x](includes/ansi-note.md)]\n\n[!code-powershell[](sample.ps1)]\n",
    );
    common::write(
        &site.root().join("content/includes/ansi-note.md"),
        b"Included \xe0 la carte.\n",
    );
    common::write(&site.root().join("content/sample.ps1"), b"# \xa9 Contoso\n");
    let run = site.kbsite(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for file in ["content/ansi.md:1", "content/includes/ansi-note.md:1"] {
        assert!(
            run.stderr.contains(&format!("--> {file}")),
            "{file}: {}",
            run.stderr
        );
    }
    assert_eq!(
        run.stderr
            .matches("is not UTF-8: read as Windows-1252")
            .count(),
        3,
        "{}",
        run.stderr
    );
    let page = site.page("ansi/index.html");
    for text in [
        "Café",
        "Naïve “quotes”.",
        "Included à la carte.",
        "© Contoso",
    ] {
        assert!(page.contains(text), "{text}: {page}");
    }
    // A file with NUL bytes is no text at all: an error naming it.
    common::write(&site.root().join("content/binary.md"), b"# Bin\n\0\x01");
    let run = site.kbsite(&["build"]);
    assert_eq!(run.code, 1, "a binary file is an error");
    assert!(run.stderr.contains("error: file contains NUL bytes"));
    assert!(
        run.stderr.contains("--> content/binary.md:2"),
        "{}",
        run.stderr
    );
    std::fs::remove_file(site.root().join("content/binary.md")).unwrap();
    site.build_ok();
    assert!(site.page("bom/index.html").contains("CRLF note."));
    assert!(site
        .page("wide/index.html")
        .contains("<title>Wide | Knowledge base</title>"));
}

#[test]
fn search_index_and_box_unless_disabled() {
    let site = Site::new(&[(
        "content/a.md",
        "---\ntitle: Alpha article\n---\n# Alpha\n\nDrivers must be signed.\n",
    )]);
    site.build_ok();
    let manifest = site.page("search/manifest.js");
    assert!(
        manifest.starts_with("kbsiteSearch.add(\"manifest\",{\"v\":1,\"docs\":1,"),
        "{manifest}"
    );
    assert!(site.out().join("search/d/0.js").is_file());
    assert!(site.out().join("search/index.html").is_file());
    let page = site.page("a/index.html");
    assert!(
        page.contains("<input id=\"kb-search-input\" type=\"search\" name=\"q\" data-kb-search")
    );
    assert!(page.contains("data-kb-results"));
    assert!(page.contains("src=\"../kbsite-search.js\""));
    std::fs::write(
        site.root().join("kbsite.yml"),
        "search: { enabled: false }\n",
    )
    .unwrap();
    site.build_ok();
    assert!(
        !site.out().join("search").exists(),
        "no index when disabled"
    );
    let page = site.page("a/index.html");
    assert!(!page.contains("data-kb-search") && !page.contains("kbsite-search.js"));
}

#[test]
fn articles_link_to_the_previous_and_next_in_their_folder() {
    let site = Site::new(&[
        ("content/f/b.md", "# Bravo\n"),
        ("content/f/a.md", "# Alpha\n"),
        ("content/f/c.md", "# Charlie\n"),
        ("content/g/d.md", "# Delta\n"),
    ]);
    site.build_ok();
    let a = site.page("f/a/index.html");
    let b = site.page("f/b/index.html");
    let c = site.page("f/c/index.html");
    assert!(!a.contains("rel=\"prev\"") && a.contains("href=\"../b/index.html\" rel=\"next\""));
    assert!(b.contains("href=\"../a/index.html\" rel=\"prev\"><span>Previous</span> Alpha</a>"));
    assert!(b.contains("href=\"../c/index.html\" rel=\"next\"><span>Next</span> Charlie</a>"));
    assert!(c.contains("rel=\"prev\"") && !c.contains("rel=\"next\""));
    assert!(
        !site.page("g/d/index.html").contains("kb-pager"),
        "alone in its folder"
    );
}

#[test]
fn a_toc_drives_the_sidebar_and_leaves_out_what_is_missing() {
    let site = Site::new(&[
        (
            "kbsite.yml",
            "links:\n  mounts: {/docs/: guide/}\n",
        ),
        (
            "content/guide/toc.yml",
            "items:\n- name: Start here\n  href: start.md?tabs=dotnet\n- name: Setup\n  expanded: true\n  items:\n  - name: Install\n    href: /docs/setup/install\n  - name: Gone\n    href: setup/gone.md\n  - name: Empty group\n    items: []\n- name: More\n  href: more/toc.yml\n- name: Vendor site\n  href: https://vendor.example.com/kb\n",
        ),
        ("content/guide/more/toc.yml", "- name: Deep\n  href: deep.md\n- name: Also gone\n  href: nope.md\n"),
        ("content/guide/start.md", "# Start\n"),
        ("content/guide/setup/install.md", "# Install\n"),
        ("content/guide/more/deep.md", "# Deep\n"),
        ("content/other/lone.md", "# Lone\n"),
    ]);
    let run = site.kbsite(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // One warning per toc that lost entries, with the count and the names.
    assert!(run.stderr.contains(
        "warning: 2 toc entries point to files not in the site; left out: setup/gone.md, nope.md"
    ), "{}", run.stderr);
    assert!(run.stderr.contains("--> content/guide/toc.yml"));
    let install = site.page("guide/setup/install/index.html");
    let from = install.find("class=\"kb-sidebar\"").unwrap();
    let nav = &install[from..from + install[from..].find("</nav>").unwrap()];
    assert!(
        nav.contains("<a href=\"../../start/index.html\">Start here</a>"),
        "{nav}"
    );
    assert!(
        nav.contains("<a href=\"index.html\" aria-current=\"page\">Install</a>"),
        "{nav}"
    );
    // The nested toc is a group linking to its first article; the path is open.
    assert!(
        nav.contains("<a href=\"../../more/deep/index.html\">More</a>"),
        "{nav}"
    );
    assert!(nav.contains("<details open><summary>"), "{nav}");
    assert!(nav.contains("href=\"https://vendor.example.com/kb\""));
    assert!(
        !nav.contains("Gone") && !nav.contains("Empty group"),
        "{nav}"
    );
    // `expanded: true` keeps a group open on every page.
    let start = site.page("guide/start/index.html");
    assert!(start.contains("<summary>Setup</summary>"));
    assert!(start.contains("<a href=\"../setup/install/index.html\">Install</a>"));
    assert!(
        !start.contains("<summary>More</summary>"),
        "not expanded: closed"
    );
    // An article the toc does not list gets its folder's articles instead.
    let lone = site.page("other/lone/index.html");
    assert!(lone.contains("aria-current=\"page\">Lone</a>"));
}

/// Code blocks get syntax colours as classes (the theme's highlight.css
/// colours them, light and dark); `highlight: false` leaves them plain;
/// unknown languages and output stay plain either way.
#[test]
fn code_blocks_are_highlighted_unless_turned_off() {
    let article = "# Code\n\n```powershell\nGet-Service -Name \"x\" # why\n```\n\n```output\nStatus\n```\n\n```klingon\nqapla'\n```\n";
    let site = Site::new(&[("content/code.md", article)]);
    site.build_ok();
    let page = site.page("code/index.html");
    assert!(
        page.contains(
            "<pre><code class=\"language-powershell\"><span class=\"hl-source hl-powershell\">"
        ),
        "{page}"
    );
    assert!(page.contains("<span class=\"hl-comment"), "{page}");
    assert!(!page.contains("style=\""));
    assert!(page.contains("<pre><code class=\"language-output\">Status\n</code></pre>"));
    assert!(page.contains("<pre><code class=\"language-klingon\">qapla'\n</code></pre>"));
    assert!(page.contains("highlight.css\">"));
    assert!(site.out().join("highlight.css").is_file());

    common::write(&site.root().join("kbsite.yml"), b"highlight: false\n");
    site.build_ok();
    let page = site.page("code/index.html");
    assert!(
        page.contains(
            "<pre><code class=\"language-powershell\">Get-Service -Name \"x\" # why\n</code></pre>"
        ),
        "{page}"
    );
}
