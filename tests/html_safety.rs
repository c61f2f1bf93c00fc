//! What writers type never becomes markup: every string from front matter,
//! headings, decision trees and the site config is put in a page, a feed,
//! a sitemap and the search files with a payload that tries each way out
//! (`<script>`, `</script>`, `"onmouseover=`, `'onfocus=`, `-->`), and every
//! file is parsed the way a browser or a feed reader would to check that no
//! element, attribute or script came from it. Raw HTML is a writer's choice
//! (DESIGN), so `sanitize: true` is checked on it separately.

use scraper::{Html, Selector};
use std::collections::BTreeMap;
use std::path::Path;

mod common;
use common::Site;

/// Tries to end a string, a script, an attribute and a comment.
const P: &str = r#"</script><script>window.__pwned=1</script>"onmouseover="window.__pwned=2" 'onfocus='window.__pwned=3' --><img src=x onerror=window.__pwned=4>"#;

fn payload_site() -> Site {
    // In YAML the payload goes in a block scalar, where nothing is special.
    let y = |indent: usize| format!("|-\n{}{P}", " ".repeat(indent));
    let kbsite = format!("title: {}\nbase_url: https://kb.example.org/docs/\n", y(2));
    let article = format!(
        "---\ntitle: {t}\ndescription: {t}\nms.author: {t}\nms.service: {t}\nms.prod: {t}\nms.topic: {t}\nms.date: 04/07/2023\n---\n# Heading 1\n\n\
         Body text with the payload as code: `{P}` and again escaped: {e}\n\n\
         ## Section `{P}`\n\n\
         ```decision-tree\n\
         id: payload\n\
         title: {tt}\n\
         start: q\n\
         nodes:\n  \
           q:\n    \
             ask: {tt4}\n    \
             help: {tt4}\n    \
             answers:\n      \
               - label: {tt8}\n        \
                 next: done\n      \
               - label: No {tt8}\n        \
                 next: done\n  \
           done:\n    \
             outcome: info\n    \
             text: {tt4}\n\
         ```\n",
        t = y(2),
        e = P.replace('<', "&lt;"),
        tt = serde_json::to_string(P).unwrap(),
        tt4 = serde_json::to_string(P).unwrap(),
        tt8 = serde_json::to_string(P).unwrap(),
    );
    let other = "---\ntitle: Other\n---\n# Other\n\nSee [the payload](payload.md).\n";
    Site::new(&[
        ("kbsite.yml", &kbsite),
        ("content/payload.md", &article),
        ("content/other.md", other),
    ])
}

fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap();
            (
                rel.to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// Every element of an HTML page, checked: no event-handler attribute, no
/// script but the theme's files and JSON-LD, no image the page did not
/// make, no `javascript:` URL.
fn check_page(path: &str, html: &str) {
    let doc = Html::parse_document(html);
    let all = Selector::parse("*").unwrap();
    for el in doc.select(&all) {
        let v = el.value();
        for (name, value) in v.attrs() {
            assert!(
                !name.starts_with("on"),
                "{path}: <{} {name}={value:?}> came from text",
                v.name()
            );
            assert!(
                !value
                    .trim_start()
                    .to_ascii_lowercase()
                    .starts_with("javascript:"),
                "{path}: {name}={value:?}"
            );
        }
        if v.name() == "script" {
            let text: String = el.text().collect();
            match (v.attr("src"), v.attr("type")) {
                (Some(_), _) => assert!(text.trim().is_empty(), "{path}: {text}"),
                (None, Some("application/ld+json")) => {
                    serde_json::from_str::<serde_json::Value>(&text)
                        .unwrap_or_else(|e| panic!("{path}: JSON-LD {e}: {text}"));
                }
                _ => panic!("{path}: inline script {text:?}"),
            }
        }
    }
}

#[test]
fn payloads_stay_text_in_every_file() {
    let site = payload_site();
    site.build_ok();
    let out = files(&site.out());
    let mut pages = 0;
    for (path, bytes) in &out {
        let text = String::from_utf8_lossy(bytes);
        if path.ends_with(".html") {
            check_page(path, &text);
            pages += 1;
        } else if path.ends_with(".xml") {
            let doc = roxmltree::Document::parse(&text)
                .unwrap_or_else(|e| panic!("{path} is not XML: {e}"));
            if path == "feed.xml" {
                let titles: Vec<&str> = doc
                    .descendants()
                    .filter(|n| n.has_tag_name("title"))
                    .filter_map(|n| n.text())
                    .collect();
                assert!(titles.contains(&P), "{path}: titles {titles:?}");
            }
        } else if let Some(js) = path.strip_prefix("search/") {
            // Each shard is one call with a JSON argument: text that could
            // break out would leave something that is not JSON.
            let body = text
                .strip_prefix("kbsiteSearch.add(")
                .and_then(|t| t.strip_suffix(");\n"))
                .unwrap_or_else(|| panic!("{js}: {text}"));
            let (name, data) = body.split_once(',').unwrap();
            serde_json::from_str::<String>(name).unwrap_or_else(|e| panic!("{js}: {e}"));
            serde_json::from_str::<serde_json::Value>(data)
                .unwrap_or_else(|e| panic!("{js}: {e}: {data}"));
        }
    }
    assert!(pages >= 6, "{pages} pages");
    for (path, bytes) in out.iter().filter(|(p, _)| p.ends_with(".html")) {
        let doc = Html::parse_document(&String::from_utf8_lossy(bytes));
        let img = Selector::parse("img[src=x]").unwrap();
        assert!(doc.select(&img).next().is_none(), "{path}: payload image");
    }

    // The payload is shown, as text, where a reader sees it.
    let page = Html::parse_document(&site.page("payload/index.html"));
    let text_of = |css: &str| -> Vec<String> {
        page.select(&Selector::parse(css).unwrap())
            .map(|e| e.text().collect::<String>())
            .collect()
    };
    assert_eq!(text_of("title")[0], format!("{P} | {P}"));
    assert!(text_of("h1")[0].contains("Heading 1"));
    assert!(text_of(".kb-content")[0].contains(P));
    assert!(
        text_of(".kb-toc")[0].contains(P),
        "{:?}",
        text_of(".kb-toc")
    );
    let tree = text_of("[data-kb-tree]").join(" ");
    assert!(tree.matches(P).count() >= 4, "{tree}");
    let ld = text_of("script[type='application/ld+json']");
    let ld: serde_json::Value = serde_json::from_str(&ld[0]).unwrap();
    assert_eq!(ld["headline"], P);
    assert_eq!(ld["description"], P);
    let meta = Selector::parse("meta[name=description]").unwrap();
    let desc = page.select(&meta).next().unwrap().value().attr("content");
    assert_eq!(desc, Some(P));
    // The home page and the listing name it as text too.
    let home = Html::parse_document(&site.page("index.html"));
    let home_text: String = home.root_element().text().collect();
    assert!(home_text.contains(P));
    // Search metadata keeps the title whole.
    let meta_files: String = out
        .iter()
        .filter(|(p, _)| p.starts_with("search/d/"))
        .map(|(_, b)| String::from_utf8_lossy(b).into_owned())
        .collect();
    let quoted = serde_json::to_string(P).unwrap();
    assert!(meta_files.contains(&quoted[1..quoted.len() - 1]));
}

/// Raw HTML passes through by default (a writer's choice); with
/// `sanitize: true` scripts, handlers, frames and unsafe URLs are gone
/// from article bodies, and kbsite's own markup is not. (Tags in a tree's
/// texts are always shown as text: see the payload test.)
#[test]
fn sanitize_cleans_raw_html() {
    let raw = "<p onclick=\"window.__pwned=5\">click</p>\n\n<script>window.__pwned=6</script>\n\n\
               <a href=\"javascript:window.__pwned=7\">js</a> <iframe src=\"https://example.org\"></iframe>\n\n\
               <img src=\"x\" onerror=\"window.__pwned=8\">\n";
    let tree = "```decision-tree\nid: t\ntitle: T\nstart: q\nnodes:\n  q:\n    ask: Q?\n    answers:\n      - label: A\n        next: d\n      - label: B\n        next: d\n  d:\n    outcome: info\n    text: Done, **bold**.\n```\n";
    let article = format!("# Raw\n\n> [!NOTE]\n> A note.\n\n{raw}\n{tree}");
    let site = |sanitize: bool| {
        Site::new(&[
            ("kbsite.yml", &format!("title: Raw\nsanitize: {sanitize}\n")),
            ("content/raw.md", &article),
        ])
    };
    let open = site(false);
    open.build_ok();
    let page = open.page("raw/index.html");
    assert!(page.contains("<script>window.__pwned=6</script>"));

    let clean = site(true);
    clean.build_ok();
    let page = clean.page("raw/index.html");
    for gone in [
        "__pwned",
        "onclick",
        "onerror",
        "onmouseover",
        "<iframe",
        "javascript:",
    ] {
        assert!(!page.contains(gone), "`{gone}` left");
    }
    check_page("raw/index.html", &page);
    for kept in [
        "<p>click</p>",
        "<strong>bold</strong>",
        "class=\"kb-alert kb-alert-note\"",
        "data-kb-tree=\"t\"",
    ] {
        assert!(page.contains(kept), "`{kept}` lost");
    }
}

/// Elements and attribute names of each article page's body, in order.
fn body_shape(html: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    let body = Selector::parse(".kb-content").unwrap();
    let all = Selector::parse("*").unwrap();
    let mut shape = Vec::new();
    for content in doc.select(&body) {
        for el in content.select(&all) {
            let mut names: Vec<&str> = el.value().attrs().map(|(n, _)| n).collect();
            names.sort_unstable();
            shape.push(format!("{} {}", el.value().name(), names.join(" ")));
        }
    }
    shape
}

/// The demo site (trees, alerts, images, tables, code) comes out of the
/// sanitizer with every element and attribute it went in with: the
/// allow-list covers what kbsite's Markdown makes.
#[test]
fn sanitize_keeps_kbsite_markup() {
    let demo = common::repo();
    let build = |sanitize: bool, out: &Path| {
        let dir = tempfile::tempdir().unwrap();
        let yml = std::fs::read_to_string(demo.join("kbsite.yml")).unwrap();
        common::write(
            &dir.path().join("kbsite.yml"),
            format!(
                "{yml}\nsanitize: {sanitize}\ncontent_dir: {}\n",
                demo.join("content").display()
            )
            .replace("content_dir: content\n", "")
            .as_bytes(),
        );
        let run = common::kbsite(
            &[
                "build",
                "--root",
                dir.path().to_str().unwrap(),
                "--output",
                out.to_str().unwrap(),
            ],
            dir.path(),
        );
        assert_eq!(run.code, 0, "{}", run.stderr);
    };
    let outs = tempfile::tempdir().unwrap();
    let (plain, clean) = (outs.path().join("plain"), outs.path().join("clean"));
    build(false, &plain);
    build(true, &clean);
    let mut compared = 0;
    for (path, bytes) in files(&plain) {
        if !path.ends_with("index.html") {
            continue;
        }
        let other = std::fs::read(clean.join(&path)).unwrap();
        let (a, b) = (
            body_shape(&String::from_utf8_lossy(&bytes)),
            body_shape(&String::from_utf8_lossy(&other)),
        );
        assert_eq!(a, b, "{path}: sanitize changed kbsite's markup");
        compared += a.len();
    }
    assert!(compared > 1000, "{compared} elements compared");
}

/// `javascript:`, `vbscript:` and `data:` links are dropped (with a
/// warning) in every spelling a browser would still run, unless the site
/// sets `allow_unsafe_links: true`. `data:image/...` images stay.
#[test]
fn unsafe_links_are_dropped_unless_allowed() {
    let links = [
        "[a](javascript:window.__pwned=1)",
        "[b](JaVaScRiPt:window.__pwned=2)",
        "[c](  javascript:window.__pwned=3)",
        "[d](java&#x73;cript:window.__pwned=4)",
        "[e](<java\tscript:window.__pwned=5>)",
        "[f](<java\nscript:window.__pwned=6>)",
        "[g](vbscript:msgbox)",
        "[h](data:text/html,<script>window.__pwned=7</script>)",
        "<javascript:window.__pwned=8>",
        "[i][ref]\n\n[ref]: javascript:window.__pwned=9",
    ];
    let body = format!(
        "# Links\n\n{}\n\n![pixel](data:image/png;base64,iVBORw0KGgo=)\n",
        links.join("\n\n")
    );
    let site = |allow: bool| {
        Site::new(&[
            (
                "kbsite.yml",
                &format!("title: Links\nallow_unsafe_links: {allow}\n"),
            ),
            ("content/links.md", &body),
        ])
    };
    let strict = site(false);
    let run = strict.kbsite(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let warnings = run.stderr.matches("link removed").count();
    assert!(warnings >= 8, "{warnings} warnings:\n{}", run.stderr);
    let page = Html::parse_document(&strict.page("links/index.html"));
    let hrefs: Vec<String> = page
        .select(&Selector::parse(".kb-content a[href]").unwrap())
        .map(|a| a.value().attr("href").unwrap().to_string())
        .collect();
    for href in &hrefs {
        // What a browser's URL parser runs: tabs and newlines removed.
        let seen: String = href
            .chars()
            .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
            .collect();
        let seen = seen.trim().to_ascii_lowercase();
        for scheme in ["javascript:", "vbscript:", "data:"] {
            assert!(!seen.starts_with(scheme), "{href:?} kept");
        }
    }
    let img = Selector::parse(".kb-content img").unwrap();
    let src = page.select(&img).next().unwrap().value().attr("src");
    assert_eq!(src, Some("data:image/png;base64,iVBORw0KGgo="));

    let trusting = site(true);
    trusting.build_ok();
    assert!(trusting
        .page("links/index.html")
        .contains("href=\"javascript:window.__pwned=1\""));
}
