//! Publishing: what crawlers, feed readers, link previews and offline
//! readers get (meta tags, JSON-LD, robots.txt, sitemap, Atom feed, the
//! 404 page, the zip), each checked by parsing it as they would.

mod common;

use common::{copy_dir, repo, tree, Site};
use std::io::Read;

const BASE: &str = "https://kb.example.org/docs/kb/";

/// The bundled demo with a base_url, built.
fn demo_with_base() -> Site {
    let site = Site::new(&[]);
    copy_dir(&repo().join("content"), &site.root().join("content"));
    let config = std::fs::read_to_string(repo().join("kbsite.yml")).unwrap();
    std::fs::write(
        site.root().join("kbsite.yml"),
        format!("{config}base_url: {BASE}\n"),
    )
    .unwrap();
    site.build_ok();
    site
}

fn xml(text: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse(text).expect("well-formed XML")
}

#[test]
fn the_sitemap_lists_every_page_with_absolute_locations_and_dates() {
    let site = demo_with_base();
    let text = site.page("sitemap.xml");
    let doc = xml(&text);
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "urlset");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.sitemaps.org/schemas/sitemap/0.9")
    );
    let urls: Vec<(String, Option<String>)> = root
        .children()
        .filter(|n| n.has_tag_name("url"))
        .map(|u| {
            let child = |name: &str| {
                u.children()
                    .find(|c| c.has_tag_name(name))
                    .and_then(|c| c.text())
                    .map(str::to_string)
            };
            (child("loc").unwrap(), child("lastmod"))
        })
        .collect();
    for (loc, lastmod) in &urls {
        assert!(loc.starts_with(BASE) && loc.ends_with('/'), "{loc}");
        if let Some(d) = lastmod {
            // W3C Datetime, date only: YYYY-MM-DD.
            assert!(
                chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok(),
                "{d}"
            );
        }
    }
    let policy = format!(
        "{BASE}support/windows-server/high-availability/3rd-party-storage-software-solutions-support/"
    );
    let entry = urls
        .iter()
        .find(|(l, _)| *l == policy)
        .expect("KB 841696 is listed");
    assert_eq!(
        entry.1.as_deref(),
        Some("2023-04-07"),
        "lastmod from ms.date"
    );
    assert!(urls.iter().any(|(l, _)| l == BASE), "the home page");
    // Every article page of the build is listed; aliases, 404 and search are not.
    let pages: Vec<String> = tree(&site.out())
        .into_iter()
        .map(|(p, _)| p)
        .filter(|p| p.starts_with("support/") && p.ends_with("/index.html"))
        .collect();
    for p in &pages {
        let loc = format!("{BASE}{}", p.trim_end_matches("index.html"));
        assert!(urls.iter().any(|(l, _)| *l == loc), "{loc} missing");
    }
    assert!(!urls
        .iter()
        .any(|(l, _)| l.contains("/kb/841696/") || l.contains("search/")));
    // robots.txt names it.
    let robots = site.page("robots.txt");
    assert!(robots.contains("User-agent: *"));
    assert!(robots.contains(&format!("Sitemap: {BASE}sitemap.xml")));
}

#[test]
fn the_feed_is_atom_with_the_newest_articles_first() {
    let site = demo_with_base();
    let text = site.page("feed.xml");
    let doc = xml(&text);
    let feed = doc.root_element();
    assert_eq!(feed.tag_name().name(), "feed");
    assert_eq!(
        feed.tag_name().namespace(),
        Some("http://www.w3.org/2005/Atom")
    );
    let text_of = |n: roxmltree::Node, name: &str| {
        n.children()
            .find(|c| c.has_tag_name(name))
            .and_then(|c| c.text())
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(text_of(feed, "title"), "kbsite demo knowledge base");
    assert_eq!(text_of(feed, "id"), BASE);
    assert!(feed.children().any(|c| c.has_tag_name("link")
        && c.attribute("rel") == Some("self")
        && c.attribute("href") == Some(&format!("{BASE}feed.xml"))));
    let entries: Vec<roxmltree::Node> = feed
        .children()
        .filter(|c| c.has_tag_name("entry"))
        .collect();
    assert!(!entries.is_empty() && entries.len() <= 20);
    let updated: Vec<String> = entries.iter().map(|e| text_of(*e, "updated")).collect();
    let mut sorted = updated.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(updated, sorted, "newest first");
    // The feed's `updated` is the newest article date: never the clock.
    assert_eq!(text_of(feed, "updated"), updated[0]);
    for e in &entries {
        assert!(text_of(*e, "id").starts_with(BASE));
        assert!(!text_of(*e, "title").is_empty());
        let stamp = text_of(*e, "updated");
        assert!(
            chrono::DateTime::parse_from_rfc3339(&stamp).is_ok(),
            "{stamp}"
        );
    }
}

#[test]
fn without_base_url_no_sitemap_or_feed_but_robots_and_meta() {
    let site = Site::new(&[("content/a.md", "# Alpha\n\nFirst paragraph of alpha.\n")]);
    site.build_ok();
    assert!(!site.out().join("sitemap.xml").exists());
    assert!(!site.out().join("feed.xml").exists());
    assert_eq!(site.page("robots.txt"), "User-agent: *\nAllow: /\n");
    let page = site.page("a/index.html");
    assert!(page.contains("<meta name=\"description\" content=\"First paragraph of alpha.\">"));
    assert!(page.contains("<meta property=\"og:title\" content=\"Alpha\">"));
    assert!(!page.contains("og:url") && !page.contains("rel=\"canonical\""));
}

#[test]
fn pages_carry_meta_open_graph_and_tech_article_json_ld() {
    let site = demo_with_base();
    let page = site.page(
        "support/windows-server/high-availability/3rd-party-storage-software-solutions-support/index.html",
    );
    for tag in [
        "<meta name=\"description\" content=\"Explains the Microsoft third-party storage",
        "<meta property=\"og:type\" content=\"article\">",
        "<meta property=\"og:title\" content=\"Third-party storage solutions support policy\">",
        &format!("<link rel=\"canonical\" href=\"{BASE}support/windows-server/high-availability/3rd-party-storage-software-solutions-support/\">"),
        &format!("<meta property=\"og:url\" content=\"{BASE}support/windows-server/"),
        &format!("href=\"{BASE}feed.xml\""),
    ] {
        assert!(page.contains(tag), "missing {tag}");
    }
    let ld = json_ld(&page);
    assert_eq!(ld["@context"], "https://schema.org");
    assert_eq!(ld["@type"], "TechArticle");
    assert_eq!(
        ld["headline"],
        "Third-party storage solutions support policy"
    );
    assert_eq!(ld["dateModified"], "2023-04-07");
    assert_eq!(ld["author"]["name"], "Deland-Han");
    assert_eq!(ld["about"][0]["name"], "Windows Server 2012 R2");
    assert_eq!(ld["identifier"], "KB 841696");
    // Every page has a description and Open Graph title.
    for (rel, bytes) in tree(&site.out()) {
        if rel.ends_with(".html") {
            let html = String::from_utf8(bytes).unwrap();
            assert!(
                html.contains("<meta name=\"description\" content=\""),
                "{rel}"
            );
            assert!(html.contains("<meta property=\"og:title\""), "{rel}");
        }
    }
}

fn json_ld(page: &str) -> serde_json::Value {
    let start = page
        .find("<script type=\"application/ld+json\">")
        .expect("JSON-LD")
        + 35;
    let end = start + page[start..].find("</script>").unwrap();
    serde_json::from_str(&page[start..end]).expect("valid JSON")
}

#[test]
fn json_ld_cannot_be_broken_out_of() {
    let site = Site::new(&[(
        "content/a.md",
        "---\ntitle: \"</script><script>alert(1)</script>\"\ndescription: \"a & b <i>\"\n---\nBody.\n",
    )]);
    site.build_ok();
    let page = site.page("a/index.html");
    let ld = json_ld(&page);
    assert_eq!(ld["headline"], "</script><script>alert(1)</script>");
    assert_eq!(ld["description"], "a & b <i>");
    assert_eq!(page.matches("<script>alert").count(), 0);
}

#[test]
fn the_404_page_links_from_base_url_or_the_host_root() {
    let site = demo_with_base();
    let page = site.page("404.html");
    assert!(page.contains(&format!("href=\"{BASE}style.css\"")));
    assert!(page.contains(&format!("href=\"{BASE}index.html\"")));
    let plain = Site::new(&[("content/a.md", "# A\n")]);
    plain.build_ok();
    // Without one: the host's root for links, the stylesheet inline (a site
    // under a sub-path has none at the host's root), no scripts.
    let page = plain.page("404.html");
    assert!(page.contains("<style>") && !page.contains("style.css"));
    assert!(!page.contains("<script"));
    assert!(page.contains("href=\"/index.html\""));
}

/// Every entry of a zip: (name, bytes, DOS date-time).
fn unzip(path: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            assert_eq!(
                f.last_modified(),
                Some(zip::DateTime::default()),
                "fixed time"
            );
            let mut bytes = Vec::new();
            f.read_to_end(&mut bytes).unwrap();
            (f.name().to_string(), bytes)
        })
        .collect()
}

#[test]
fn the_zip_holds_the_site_at_its_root_and_two_zips_are_identical() {
    let site = demo_with_base();
    let one = site.root().join("one.zip");
    let two = site.root().join("two.zip");
    for z in [&one, &two] {
        let run = site.kbsite(&["build", "--zip", z.to_str().unwrap()]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(
            run.stdout.contains("Zipped the site into"),
            "{}",
            run.stdout
        );
    }
    assert_eq!(std::fs::read(&one).unwrap(), std::fs::read(&two).unwrap());
    let entries = unzip(&one);
    let built: Vec<(String, Vec<u8>)> = tree(&site.out())
        .into_iter()
        .filter(|(p, _)| p != ".kbsite-output")
        .collect();
    let mut names: Vec<&String> = entries.iter().map(|e| &e.0).collect();
    names.sort();
    let built_names: Vec<&String> = built.iter().map(|e| &e.0).collect();
    assert_eq!(
        names, built_names,
        "the zip is the output folder, marker aside"
    );
    for (name, bytes) in &entries {
        let on_disk = &built.iter().find(|b| &b.0 == name).unwrap().1;
        assert!(bytes == on_disk, "{name}");
    }
    assert!(entries.iter().any(|e| e.0 == "index.html"));
}

#[test]
fn a_zip_that_cannot_be_written_is_an_error_and_the_site_stays_built() {
    let site = Site::new(&[("content/a.md", "# A\n")]);
    let run = site.kbsite(&["build", "--zip", "/nonexistent-folder/x.zip"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("error: cannot write"), "{}", run.stderr);
    assert!(site.out().join("index.html").exists());
}

#[test]
fn two_builds_with_a_base_url_are_byte_identical() {
    let site = demo_with_base();
    let first = tree(&site.out());
    assert!(first.iter().any(|(p, _)| p == "sitemap.xml"));
    assert!(first.iter().any(|(p, _)| p == "feed.xml"));
    let other = site.root().join("elsewhere");
    let run = site.kbsite(&["build", "--output", other.to_str().unwrap()]);
    assert_eq!(run.code, 0);
    assert_eq!(first, tree(&other));
}
