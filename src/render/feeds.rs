//! The files for crawlers and feed readers: `robots.txt` (always), and with
//! a `base_url` the sitemap (sitemaps.org protocol, an index past 50,000
//! URLs) and an Atom feed of the most recently updated articles. Dates come
//! only from `ms.date`, so the files are the same on every build.

use crate::config::Config;
use crate::content::Content;
use crate::links::Linked;
use crate::paths;
use chrono::NaiveDate;

/// URLs one sitemap file may list (the protocol's limit).
pub const SITEMAP_URLS: usize = 50_000;
/// Articles the feed carries.
pub const FEED_ENTRIES: usize = 20;

/// `robots.txt`: everything may be crawled; names the sitemap when there is
/// one.
pub fn robots(config: &Config) -> String {
    let mut out = String::from("User-agent: *\nAllow: /\n");
    if let Some(base) = &config.base_url {
        out.push_str(&format!("\nSitemap: {base}sitemap.xml\n"));
    }
    out
}

/// A page a sitemap lists: its folder (`support/x/`) and when it changed.
pub struct Url {
    pub dir: String,
    pub lastmod: Option<NaiveDate>,
}

/// The pages a sitemap lists, in a fixed order: home, the decision-tree
/// list, section pages, then articles (redirects, aliases, search and 404
/// are not pages to index).
pub fn urls(content: &Content, linked: &Linked, has_trees: bool) -> Vec<Url> {
    let mut urls = vec![Url {
        dir: String::new(),
        lastmod: None,
    }];
    if has_trees {
        urls.push(Url {
            dir: "trees/".into(),
            lastmod: None,
        });
    }
    for s in linked.sections.by_dir.values() {
        if s.index.is_none() && !s.dir.is_empty() {
            urls.push(Url {
                dir: s.dir.clone(),
                lastmod: None,
            });
        }
    }
    for (i, info) in linked.articles.iter().enumerate() {
        if linked.redirects[i].is_none() && !info.dir.is_empty() {
            urls.push(Url {
                dir: info.dir.clone(),
                lastmod: content.articles[i].front.date,
            });
        }
    }
    urls
}

/// How many URLs [`urls`] gives, without making them.
pub fn url_count(linked: &Linked, has_trees: bool) -> usize {
    let sections = linked
        .sections
        .by_dir
        .values()
        .filter(|s| s.index.is_none() && !s.dir.is_empty())
        .count();
    let articles = (0..linked.articles.len())
        .filter(|&i| linked.redirects[i].is_none() && !linked.articles[i].dir.is_empty())
        .count();
    1 + usize::from(has_trees) + sections + articles
}

/// How many sitemap files `count` URLs need beside `sitemap.xml` (none
/// when one file holds them all; then `sitemap.xml` is the urlset).
pub fn sitemap_parts(count: usize) -> usize {
    if count <= SITEMAP_URLS {
        0
    } else {
        count.div_ceil(SITEMAP_URLS)
    }
}

/// `sitemap-N.xml` (N from 1).
pub fn sitemap_part_path(n: usize) -> String {
    format!("sitemap-{n}.xml")
}

/// A `<urlset>` of `urls`.
pub fn urlset(base: &str, urls: &[Url]) -> String {
    let mut out = String::with_capacity(urls.len() * 96 + 128);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str("<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for u in urls {
        out.push_str("<url><loc>");
        out.push_str(&xml(&format!("{base}{}", paths::encode(&u.dir))));
        out.push_str("</loc>");
        if let Some(d) = u.lastmod {
            out.push_str(&format!("<lastmod>{}</lastmod>", d.format("%Y-%m-%d")));
        }
        out.push_str("</url>\n");
    }
    out.push_str("</urlset>\n");
    out
}

/// The `<sitemapindex>` naming `parts` sitemap files.
pub fn sitemap_index(base: &str, parts: usize) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str("<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for n in 1..=parts {
        let loc = xml(&format!("{base}{}", sitemap_part_path(n)));
        out.push_str(&format!("<sitemap><loc>{loc}</loc></sitemap>\n"));
    }
    out.push_str("</sitemapindex>\n");
    out
}

/// The Atom feed: the most recently updated articles (by `ms.date`, then
/// path), newest first. Its `updated` is the newest date.
pub fn atom(content: &Content, linked: &Linked, config: &Config, base: &str) -> String {
    // The root index.md is the home page, not an entry.
    let dated = newest(content, linked, FEED_ENTRIES, |i| {
        !linked.articles[i].dir.is_empty()
    });
    let stamp = |d: NaiveDate| format!("{}T00:00:00Z", d.format("%Y-%m-%d"));
    let updated = dated
        .first()
        .map_or_else(|| "1970-01-01T00:00:00Z".to_string(), |d| stamp(d.0));
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    out.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    out.push_str(&format!("<title>{}</title>\n", xml(&config.title)));
    out.push_str(&format!("<id>{}</id>\n", xml(base)));
    out.push_str(&format!(
        "<link rel=\"self\" type=\"application/atom+xml\" href=\"{}feed.xml\"/>\n",
        xml(base)
    ));
    out.push_str(&format!(
        "<link rel=\"alternate\" href=\"{}\"/>\n",
        xml(base)
    ));
    out.push_str(&format!("<updated>{updated}</updated>\n"));
    out.push_str(&format!(
        "<author><name>{}</name></author>\n<generator>kbsite</generator>\n",
        xml(&config.title)
    ));
    for (date, i) in dated {
        let a = &content.articles[i];
        let info = &linked.articles[i];
        let url = xml(&format!("{base}{}", paths::encode(&info.dir)));
        out.push_str("<entry>\n");
        out.push_str(&format!("<title>{}</title>\n", xml(&info.title)));
        out.push_str(&format!(
            "<id>{url}</id>\n<link rel=\"alternate\" href=\"{url}\"/>\n"
        ));
        out.push_str(&format!("<updated>{}</updated>\n", stamp(date)));
        if let Some(author) = &a.front.author {
            out.push_str(&format!("<author><name>{}</name></author>\n", xml(author)));
        }
        if let Some(d) = &a.front.description {
            out.push_str(&format!("<summary>{}</summary>\n", xml(d)));
        }
        out.push_str("</entry>\n");
    }
    out.push_str("</feed>\n");
    out
}

/// Up to `n` dated articles (redirects aside, and those `keep` accepts),
/// newest first, then by path: the home page's "recently updated" and the
/// feed. Only the first `n` are sorted.
pub fn newest(
    content: &Content,
    linked: &Linked,
    n: usize,
    keep: impl Fn(usize) -> bool,
) -> Vec<(NaiveDate, usize)> {
    let mut dated: Vec<(NaiveDate, &str, usize)> = content
        .articles
        .iter()
        .enumerate()
        .filter(|&(i, _)| linked.redirects[i].is_none() && keep(i))
        .filter_map(|(i, a)| Some((a.front.date?, a.path.as_str(), i)))
        .collect();
    let order = |a: &(NaiveDate, &str, usize), b: &(NaiveDate, &str, usize)| {
        b.0.cmp(&a.0).then(a.1.cmp(b.1))
    };
    if dated.len() > n {
        dated.select_nth_unstable_by(n, order);
        dated.truncate(n);
    }
    dated.sort_by(order);
    dated.into_iter().map(|(d, _, i)| (d, i)).collect()
}

/// Text escaped for XML content and attribute values.
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escapes_markup_and_drops_control_characters() {
        assert_eq!(xml("a<b>&\"c'\u{1}"), "a&lt;b&gt;&amp;&quot;c&apos;");
    }

    #[test]
    fn the_index_names_each_part_with_an_absolute_location() {
        let text = sitemap_index("https://x.org/kb/", 3);
        let doc = roxmltree::Document::parse(&text).unwrap();
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "sitemapindex");
        assert_eq!(
            root.tag_name().namespace(),
            Some("http://www.sitemaps.org/schemas/sitemap/0.9")
        );
        let locs: Vec<&str> = root
            .descendants()
            .filter(|n| n.has_tag_name("loc"))
            .filter_map(|n| n.text())
            .collect();
        assert_eq!(
            locs,
            [
                "https://x.org/kb/sitemap-1.xml",
                "https://x.org/kb/sitemap-2.xml",
                "https://x.org/kb/sitemap-3.xml"
            ]
        );
        let urls: Vec<Url> = (0..3)
            .map(|i| Url {
                dir: format!("a b/{i}/"),
                lastmod: NaiveDate::from_ymd_opt(2024, 1, 2),
            })
            .collect();
        let set = urlset("https://x.org/kb/", &urls);
        assert!(set.contains("<loc>https://x.org/kb/a%20b/0/</loc><lastmod>2024-01-02</lastmod>"));
        roxmltree::Document::parse(&set).unwrap();
    }

    #[test]
    fn url_count_counts_what_urls_lists() {
        let content = crate::content::from_memory(
            &[
                (
                    "index.md", "# Home
",
                ),
                (
                    "a/b.md", "# B
",
                ),
                ("a/c.md", "---\nredirect_url: b.md\n---\n# C\n"),
                ("d/e/f.md", "# F\n"),
            ],
            "content/",
        );
        let parsed: Vec<_> = content
            .articles
            .iter()
            .map(|a| crate::markdown::parse(a, &content, &Default::default()))
            .collect();
        let linked = crate::links::link(&content, &parsed, &Default::default());
        for trees in [false, true] {
            assert_eq!(
                url_count(&linked, trees),
                urls(&content, &linked, trees).len()
            );
        }
    }

    #[test]
    fn a_sitemap_index_only_past_the_limit() {
        assert_eq!(sitemap_parts(1), 0);
        assert_eq!(sitemap_parts(SITEMAP_URLS), 0);
        assert_eq!(sitemap_parts(SITEMAP_URLS + 1), 2);
        assert_eq!(sitemap_parts(3 * SITEMAP_URLS), 3);
    }
}
