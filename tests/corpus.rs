//! The real corpus (tests/fixtures/kb-corpus, 150 Microsoft support
//! articles) and the bundled demo content build cleanly and completely.

mod common;
use common::{repo, tree};
use kbsite::build::{build, BuildOptions};
use kbsite::diagnostics::Severity;

fn corpus_site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(
        &repo().join("tests/fixtures/kb-corpus/content"),
        &dir.path().join("content"),
    );
    dir
}

#[test]
fn corpus_builds_every_article_with_no_errors() {
    let site = corpus_site();
    let run = common::kbsite(
        &["build", "--root", site.path().to_str().unwrap()],
        site.path(),
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(!run.stderr.contains("error:"), "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"));

    let md_articles: Vec<String> = tree(&site.path().join("content"))
        .into_iter()
        .map(|(p, _)| p)
        .filter(|p| p.ends_with(".md") && !p.split('/').any(|d| d.eq_ignore_ascii_case("includes")))
        .collect();
    assert_eq!(md_articles.len(), 150);
    let out = site.path().join("public");
    for md in &md_articles {
        let page = out.join(md.trim_end_matches(".md")).join("index.html");
        assert!(page.is_file(), "no page for {md}");
    }
    let html: Vec<(String, String)> = tree(&out)
        .into_iter()
        .filter(|(p, _)| p.ends_with(".html"))
        .map(|(p, b)| (p, String::from_utf8(b).unwrap()))
        .collect();
    let article_pages = html
        .iter()
        .filter(|(_, h)| h.contains("<body class=\"kb-page-article\">"))
        .count();
    // The 150 Markdown articles and the DocFX FAQ page.
    assert_eq!(article_pages, 151);
    for (path, h) in &html {
        for needle in ["[!NOTE", "[!INCLUDE", ":::image", "[!div"] {
            assert!(
                !h.to_uppercase().contains(&needle.to_uppercase()),
                "{path} contains {needle}"
            );
        }
    }
}

#[test]
fn corpus_in_memory_model() {
    let site = corpus_site();
    let b = build(&BuildOptions {
        root: site.path().to_path_buf(),
        ..BuildOptions::default()
    });
    assert_eq!(b.counts().errors, 0, "{:?}", b.diagnostics);
    let content = &b.site.content;
    // 150 Markdown articles and the DocFX FAQ page.
    assert_eq!(content.articles.len(), 151);
    // The article without front matter takes its title from its H1.
    let i = content
        .article_index("support/windows-server/high-availability/cluster-service-doesnt-start-after-hardening.md")
        .unwrap();
    assert!(b.site.linked.articles[i]
        .title
        .starts_with("Cluster service doesn't start"));
    // The spreadsheet-serial date.
    let i = content
        .article_index(
            "support/windows-server/high-availability/cluster-service-reserves-brings-disk.md",
        )
        .unwrap();
    assert_eq!(
        content.articles[i].front.date,
        chrono::NaiveDate::from_ymd_opt(2023, 12, 26)
    );
    // Missing shared includes are warnings at the include line.
    assert!(b.diagnostics.iter().any(|d| d.severity == Severity::Warning
        && d.message.contains("include file not found")
        && d.location().as_deref()
            == Some("content/support/windows-server/high-availability/error-0x80090327-adding-node-to-cluster.md:36")));
    // Products split by the DESIGN's rule on a real line.
    let i = content
        .articles
        .iter()
        .position(|a| {
            b.site.parsed[content.article_index(&a.path).unwrap()]
                .meta
                .applies_to
                .as_deref()
                .is_some_and(|l| l.starts_with("Windows 10, version 1809"))
        })
        .unwrap();
    assert_eq!(
        b.site.linked.articles[i].terms.products[0],
        "Windows 10, version 1809, and later versions"
    );
    assert_eq!(b.site.linked.by_kb.get("841696").copied(), content.article_index("support/windows-server/high-availability/3rd-party-storage-software-solutions-support.md"));
}

#[test]
fn bundled_content_kb841696_page() {
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("site");
    let run = common::kbsite(
        &[
            "build",
            "--root",
            repo().to_str().unwrap(),
            "--output",
            target.to_str().unwrap(),
        ],
        out.path(),
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        !run.stderr.contains("warning:"),
        "the demo builds clean: {}",
        run.stderr
    );
    let page = std::fs::read_to_string(
        target.join("support/windows-server/high-availability/3rd-party-storage-software-solutions-support/index.html"),
    )
    .unwrap();
    assert!(page.contains("<title>Third-party storage solutions support policy | "));
    assert!(page.contains(
        ">Overview of the Microsoft third-party storage software solutions support policy</h1>"
    ));
    assert!(page.contains("<time datetime=\"2023-04-07\">April 7, 2023</time>"));
    assert!(page.contains("\">Windows Server 2012 R2</a></dd>"));
    assert!(page.contains("<dt>KB number</dt><dd>841696</dd>"));
    assert_eq!(page.matches("class=\"kb-alert kb-alert-note\"").count(), 2);
    assert!(page.contains("class=\"kb-toc\""));
    assert!(page.contains("href=\"#the-role-of-volume-shadow-copy-service\""));
    // KB references to articles in the demo are local links.
    assert!(page.contains(
        "<a href=\"../../../sql/admin/support-iscsi-technology-components/index.html\">833770</a>"
    ));
    // The demo is the seed article, unmodified.
    let seed = repo().join("content/support/windows-server/high-availability/3rd-party-storage-software-solutions-support.md");
    assert!(std::fs::read_to_string(seed)
        .unwrap()
        .starts_with("---\ntitle: Third-party storage solutions support policy\n"));
}

/// The benchmark corpus generator: same seed, same bytes; and kbsite finds
/// exactly the links it broke on purpose.
#[test]
fn generated_corpus_is_deterministic_and_its_broken_links_counted() {
    let dir = tempfile::tempdir().unwrap();
    let gen = |name: &str| {
        let out = dir.path().join(name);
        let status = std::process::Command::new(repo().join("scripts/gen-corpus"))
            .args(["--seed", "7", "400", out.to_str().unwrap()])
            .stderr(std::process::Stdio::null())
            .status()
            .expect("python3 runs scripts/gen-corpus");
        assert!(status.success());
        out
    };
    let (a, b) = (gen("a"), gen("b"));
    assert_eq!(tree(&a), tree(&b), "same seed, same corpus");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(a.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["articles"], 400);
    let built = build(&BuildOptions {
        root: a.clone(),
        ..BuildOptions::default()
    });
    assert_eq!(built.counts().errors, 0, "{:?}", built.diagnostics);
    assert_eq!(built.site.content.articles.len(), 400);
    let broken = built
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning && d.message.starts_with("broken link"))
        .count();
    assert_eq!(broken as u64, manifest["broken_links"].as_u64().unwrap());
    assert!(
        manifest["trees"].as_u64().unwrap() > 0 && manifest["include_uses"].as_u64().unwrap() > 0
    );
}

/// The built corpus's page at `rel`.
fn page_of(root: &std::path::Path, rel: &str) -> String {
    std::fs::read_to_string(root.join("public").join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn corpus_taxonomy_pages_from_real_applies_to_lines() {
    let site = corpus_site();
    let root = site.path();
    let run = common::kbsite(&["build", "--root", root.to_str().unwrap()], root);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // "Windows 10, version 1809, and later versions" is one product, and
    // "Windows Server 2016, all editions" another; the ideographic comma
    // splits like a comma (its Windows Server 2022 joins the others').
    let products = page_of(root, "products/index.html");
    for (name, dir) in [
        (
            "Windows 10, version 1809, and later versions",
            "windows-10-version-1809-and-later-versions",
        ),
        (
            "Windows Server 2016, all editions",
            "windows-server-2016-all-editions",
        ),
        ("Windows Server 2022", "windows-server-2022"),
    ] {
        assert!(
            products.contains(&format!("<a href=\"{dir}/index.html\">{name}</a>")),
            "{name} listed"
        );
    }
    let w10 = page_of(
        root,
        "products/windows-10-version-1809-and-later-versions/index.html",
    );
    assert!(w10.contains("<h1>Windows 10, version 1809, and later versions</h1>"));
    assert!(w10.contains("../../support/windows-server/backup-and-storage/support-policy-4k-sector-hard-drives/index.html"));
    let ws2022 = page_of(root, "products/windows-server-2022/index.html");
    assert!(
        ws2022.contains("not-cluster-aware-antivirus-software-cause-issue/index.html"),
        "from the 、 line"
    );
    // The article links to its term pages.
    let article = page_of(
        root,
        "support/windows-server/backup-and-storage/support-policy-4k-sector-hard-drives/index.html",
    );
    assert!(article.contains(
        "<a href=\"../../../../products/windows-10-version-1809-and-later-versions/index.html\">Windows 10, version 1809, and later versions</a>"
    ));
    assert!(article
        .contains("<a href=\"../../../../services/windows-server/index.html\">windows-server</a>"));
    // Services nest their subservices; topics have pages too.
    let ws = page_of(root, "services/windows-server/index.html");
    assert!(ws.contains("<h2 id=\"kb-sections-heading\">Subservices</h2>"));
    assert!(ws.contains("href=\"high-availability/index.html\""));
    assert!(
        page_of(root, "services/windows-server/high-availability/index.html")
            .contains("<h1>high-availability</h1>")
    );
    assert!(page_of(root, "topics/index.html").contains("troubleshooting/index.html"));
    assert!(page_of(root, "index.html").contains("<a href=\"products/index.html\">Products</a>"));
}

#[test]
fn a_reader_following_links_from_the_home_page_reaches_every_article() {
    let site = corpus_site();
    let root = site.path();
    let run = common::kbsite(&["build", "--root", root.to_str().unwrap()], root);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = root.join("public");
    let mut seen = std::collections::BTreeSet::new();
    let mut queue = vec!["index.html".to_string()];
    let mut broken = Vec::new();
    while let Some(page) = queue.pop() {
        if !seen.insert(page.clone()) {
            continue;
        }
        let html = std::fs::read_to_string(out.join(&page)).unwrap();
        let dir = page.rsplit_once('/').map_or("", |(d, _)| d);
        for href in html
            .split("href=\"")
            .skip(1)
            .map(|s| &s[..s.find('"').unwrap()])
        {
            let href = href.split('#').next().unwrap();
            if href.is_empty() || href.contains(':') || page == "404.html" {
                continue; // in-page, external (https:, mailto:, data:)
            }
            let target = resolve(dir, href);
            let file = out.join(&target);
            if !file.is_file() {
                broken.push(format!("{page} → {href}"));
            } else if target.ends_with(".html") {
                queue.push(target);
            }
        }
    }
    assert!(broken.is_empty(), "broken relative links: {broken:#?}");
    let articles: Vec<String> = tree(&root.join("content"))
        .into_iter()
        .map(|(p, _)| p)
        .filter(|p| p.ends_with(".md") && !p.contains("includes/"))
        .map(|p| format!("{}/index.html", p.trim_end_matches(".md")))
        .collect();
    let unreached: Vec<&String> = articles.iter().filter(|a| !seen.contains(*a)).collect();
    assert!(
        unreached.is_empty(),
        "not reachable from the home page: {unreached:#?}"
    );
}

/// `href` (relative, `/`-separated, maybe `%`-encoded) from a page in `dir`.
fn resolve(dir: &str, href: &str) -> String {
    let href = percent_encoding::percent_decode_str(href).decode_utf8_lossy();
    let mut parts: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
    for seg in href.split('/') {
        match seg {
            ".." => {
                parts.pop();
            }
            "." | "" => {}
            s => parts.push(s),
        }
    }
    parts.join("/")
}

#[test]
fn the_windows_server_toc_is_pruned_to_the_site_and_pages_stay_small() {
    let site = corpus_site();
    let root = site.path();
    std::fs::write(
        root.join("kbsite.yml"),
        "links:\n  mounts: {/troubleshoot/: support/}\n  external_base: https://learn.microsoft.com\n",
    )
    .unwrap();
    let run = common::kbsite(&["build", "--root", root.to_str().unwrap()], root);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // 1,430 entries, about 100 of them in the corpus: one warning for the rest.
    let warnings: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("toc entries point to files not in the site"))
        .collect();
    assert_eq!(warnings.len(), 1, "{}", run.stderr);
    let count: usize = warnings[0]
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    assert!((1_250..1_400).contains(&count), "{}", warnings[0]);
    assert!(warnings[0].contains("and ") && warnings[0].contains(" more"));
    // A page the toc lists: its path open, itself marked, the rest closed.
    let page = page_of(root, "support/windows-server/high-availability/cluster-validation-account-causes-events-messages/index.html");
    let from = page.find("class=\"kb-sidebar\"").unwrap();
    let nav = &page[from..from + page[from..].find("</nav>").unwrap()];
    assert!(nav.contains(
        "aria-current=\"page\">Cluster validation account causes events or messages</a>"
    ));
    assert!(nav.contains("<details open><summary>High Availability</summary>"));
    // Bounded: the path and its levels' siblings, not the whole toc.
    let entries = nav.matches("<li").count();
    assert!(entries < 80, "{entries} sidebar entries");
    assert!(
        !nav.contains("active-directory"),
        "entries not in the site are gone"
    );
}

/// The corpus's DocFX FAQ page (`### YamlMime:FAQ`) is an article like the
/// others: its questions are headings, it is in its folder's listing, the
/// toc and search, and it carries FAQ structured data.
#[test]
fn the_docfx_faq_page_is_an_article() {
    let site = corpus_site();
    let root = site.path();
    std::fs::write(
        root.join("kbsite.yml"),
        "base_url: https://kb.example.org/\nlinks:\n  mounts: {/troubleshoot/: support/}\n",
    )
    .unwrap();
    let run = common::kbsite(&["build", "--root", root.to_str().unwrap()], root);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let faq = "support/windows-server/backup-and-storage/guid-partitioning-table-disk-faq";
    // Its one missing include (see SOURCE.md) is reported at its YAML line.
    assert!(run.stderr.contains(&format!(
        "warning: include file not found: `../../includes/third-party-disclaimer.md`\n  --> content/{faq}.yml:60\n"
    )));
    let page = page_of(root, &format!("{faq}/index.html"));
    assert!(page.contains("<body class=\"kb-page-article\">"));
    assert!(page.contains("<title>FAQs about GUID Partitioning Table disk | "));
    assert!(page.contains(
        ">Frequently asked questions about the GUID Partitioning Table disk architecture</h1>"
    ));
    // The page's own headings (the theme's have `kb-` ids).
    let questions = page.matches("<h2 id=\"").count() - page.matches("<h2 id=\"kb-").count();
    assert_eq!(questions, 41);
    assert!(page.contains(
        "<h2 id=\"what-is-a-guid-partition-table-disk\">What is a GUID Partition Table disk</h2>"
    ));
    // The summary's alert and the answers' Markdown are rendered.
    assert!(page.contains("kb-alert-important"));
    // Structured data: the article and its 41 questions.
    let start = page.find("<script type=\"application/ld+json\">").unwrap();
    let json = &page[start..];
    let json = &json[json.find('>').unwrap() + 1..json.find("</script>").unwrap()];
    let ld: serde_json::Value = serde_json::from_str(json).unwrap();
    assert_eq!(ld[0]["@type"], "TechArticle");
    assert_eq!(ld[1]["@type"], "FAQPage");
    let entities = ld[1]["mainEntity"].as_array().unwrap();
    assert_eq!(entities.len(), 41);
    assert_eq!(entities[0]["name"], "What is a GUID Partition Table disk");
    assert!(entities[0]["acceptedAnswer"]["text"]
        .as_str()
        .unwrap()
        .starts_with("The GUID Partition Table disk architecture was introduced"));
    // In its folder's listing, the toc's sidebar and the search files.
    let listing = page_of(root, "support/windows-server/backup-and-storage/index.html");
    assert!(listing.contains("guid-partitioning-table-disk-faq/index.html"));
    assert!(page.contains(
        "aria-current=\"page\">FAQs about GUID Partitioning Table disk architecture</a>"
    ));
    let search: String = tree(&root.join("public/search"))
        .into_iter()
        .map(|(_, b)| String::from_utf8(b).unwrap())
        .collect();
    assert!(search.contains("FAQs about GUID Partitioning Table disk"));
    assert!(page_of(root, "sitemap.xml").contains(&format!("https://kb.example.org/{faq}/")));
}

/// Landing pages are built; YAML pages of other kinds get a note and are
/// neither built nor copied; a FAQ that is not YAML is an error at its
/// line; links may name a FAQ page by its `.yml` file or without an
/// extension.
#[test]
fn other_yaml_mime_kinds_are_a_note_and_broken_faqs_an_error() {
    let site = common::Site::new(&[
        (
            "content/landing.yml",
            "### YamlMime:Landing\ntitle: Hub\nlandingContent:\n- title: Start\n  linkLists:\n  - links:\n    - text: The guide\n      url: guide.md\n",
        ),
        ("content/ref.yml", "### YamlMime:ManagedReference\nitems: []\n"),
        (
            "content/faq.yml",
            "### YamlMime:FAQ\ntitle: Questions\nsections:\n- questions:\n  - question: Q?\n    answer: See [the guide](guide.md).\n",
        ),
        ("content/guide.md", "# Guide\n\n[FAQ](faq.yml) and [again](faq).\n"),
    ]);
    site.build_ok();
    let run = site.kbsite(&["build"]);
    assert!(run.stderr.contains(
        "info: DocFX YamlMime:ManagedReference page not built: kbsite builds YamlMime:FAQ, Landing and Hub pages\n  --> content/ref.yml"
    ), "{}", run.stderr);
    assert!(!site.out().join("ref.yml").exists());
    let landing = site.page("landing/index.html");
    assert!(landing.contains("<h2 id=\"start\">Start</h2>"), "{landing}");
    assert!(
        landing.contains("<a href=\"../guide/index.html\">The guide</a>"),
        "{landing}"
    );
    assert!(site.page("faq/index.html").contains("<h2 id=\"q\">Q?</h2>"));
    let guide = site.page("guide/index.html");
    assert!(guide.contains("<a href=\"../faq/index.html\">FAQ</a>"));
    assert!(guide.contains("<a href=\"../faq/index.html\">again</a>"));

    common::write(
        &site.root().join("content/faq.yml"),
        b"### YamlMime:FAQ\ntitle: [\nsections: []\n",
    );
    let run = site.kbsite(&["build"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("error: FAQ page is not valid YAML"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("--> content/faq.yml:3"),
        "{}",
        run.stderr
    );
}

/// A Markdown article whose first line reads like a DocFX YAML header stays
/// Markdown.
#[test]
fn a_markdown_article_is_never_taken_for_a_faq_page() {
    let site = common::Site::new(&[(
        "content/note.md",
        "### YamlMime:FAQ\n\nA heading that happens to read like one.\n",
    )]);
    site.build_ok();
    assert!(site
        .page("note/index.html")
        .contains("<h3 id=\"yamlmimefaq\">YamlMime:FAQ</h3>"));
}
