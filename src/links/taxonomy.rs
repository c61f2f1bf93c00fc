//! Taxonomy fields (DESIGN: Taxonomies): service, subservice, topic,
//! products.

use crate::content::FrontMatter;
use crate::markdown::preprocess::KbMeta;

/// An article's taxonomy terms.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Terms {
    pub service: Option<String>,
    pub subservice: Option<String>,
    pub topic: Option<String>,
    pub products: Vec<String>,
}

/// Computes an article's terms. `path` is its content path.
pub fn terms(path: &str, front: &FrontMatter, meta: &KbMeta) -> Terms {
    let top_folder = path.split_once('/').map(|(top, _)| top.to_string());
    let products = match &meta.applies_to {
        Some(line) => split_products(line),
        None => front
            .appliesto
            .iter()
            .map(|p| clean(&strip_html(p)))
            .filter(|p| !p.is_empty())
            .collect(),
    };
    Terms {
        service: front.service.clone().or(front.prod.clone()).or(top_folder),
        subservice: front.subservice.clone().or(front.technology.clone()),
        topic: front.topic.clone(),
        products,
    }
}

/// Splits an Applies-to line into products on `,` and `、`. A fragment that
/// starts with a lowercase word, "version", "all editions" or "and later"
/// continues the previous product ("Windows 10, version 1809, and later
/// versions" is one product).
pub fn split_products(line: &str) -> Vec<String> {
    let line = strip_html(line);
    let mut products: Vec<String> = Vec::new();
    for fragment in line.split([',', '、']) {
        let fragment = clean(fragment);
        if fragment.is_empty() {
            continue;
        }
        match products.last_mut() {
            Some(prev) if continues(&fragment) => {
                prev.push_str(", ");
                prev.push_str(&fragment);
            }
            _ => products.push(fragment),
        }
    }
    let mut seen = std::collections::HashSet::new();
    products.retain(|p| seen.insert(p.clone()));
    products
}

/// A taxonomy (products, services, topics) and its terms, for the term
/// pages and the links to them.
#[derive(Debug, Clone, Default)]
pub struct Taxonomy {
    /// Its folder and key: `products`, `services`, `topics`.
    pub key: &'static str,
    /// Its name on pages: `Products`.
    pub title: &'static str,
    /// Terms by name (letter case aside).
    pub terms: Vec<Term>,
}

/// One term: its page and the articles it names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Term {
    pub name: String,
    /// The name in lower case: terms are sorted by it (then by name).
    pub key: String,
    /// Page folder (`products/windows-server-2016/`).
    pub dir: String,
    /// Articles with this term (listed ones only), by title.
    pub articles: Vec<usize>,
    /// Narrower terms (a service's subservices).
    pub children: Vec<Term>,
}

impl Taxonomy {
    /// The term named `name` (terms are sorted, so a binary search).
    pub fn term(&self, name: &str) -> Option<&Term> {
        find(&self.terms, name)
    }
}

impl Term {
    /// The narrower term named `name`.
    pub fn child(&self, name: &str) -> Option<&Term> {
        find(&self.children, name)
    }
}

fn find<'t>(terms: &'t [Term], name: &str) -> Option<&'t Term> {
    let found = if name.is_ascii() {
        // Lower-cased as it is compared: nothing allocated (render and
        // the preview's page hashes look terms up for every article).
        let key = || name.bytes().map(|b| b.to_ascii_lowercase());
        terms.binary_search_by(|t| t.key.bytes().cmp(key()).then(t.name.as_str().cmp(name)))
    } else {
        let key = name.to_lowercase();
        terms.binary_search_by(|t| (t.key.as_str(), t.name.as_str()).cmp(&(key.as_str(), name)))
    };
    found.ok().map(|i| &terms[i])
}

/// The site's three taxonomies (DESIGN: Taxonomies), from the listed
/// articles' terms.
/// `title_rank[i]` is article i's place in title order.
pub fn taxonomies(terms: &[&Terms], title_rank: &[u32], listed: &[bool]) -> Vec<Taxonomy> {
    // Term name → its articles, names borrowed (one copy per term, made
    // below, not one per article).
    type Members<'t> = rustc_hash::FxHashMap<&'t str, Vec<usize>>;
    let (mut products, mut topics, mut services) =
        (Members::default(), Members::default(), Members::default());
    for (i, t) in terms.iter().enumerate().filter(|(i, _)| listed[*i]) {
        for p in &t.products {
            products.entry(p.as_str()).or_default().push(i);
        }
        if let Some(topic) = &t.topic {
            topics.entry(topic.as_str()).or_default().push(i);
        }
        if let Some(service) = &t.service {
            services.entry(service.as_str()).or_default().push(i);
        }
    }
    let by_title = |v: &mut Vec<usize>| v.sort_unstable_by_key(|&a| title_rank[a]);
    let make = |key: &'static str, map: Members| {
        // In name order: the first of two names with one slug keeps it.
        let mut map: Vec<(&str, Vec<usize>)> = map.into_iter().collect();
        map.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let mut slugs = Slugs::default();
        let mut terms: Vec<Term> = map
            .into_iter()
            .map(|(name, mut articles)| {
                by_title(&mut articles);
                Term {
                    dir: format!("{key}/{}/", slugs.next(name)),
                    key: name.to_lowercase(),
                    name: name.to_string(),
                    articles,
                    children: Vec::new(),
                }
            })
            .collect();
        terms.sort_by(|a, b| (&a.key, &a.name).cmp(&(&b.key, &b.name)));
        terms
    };
    let mut service_terms = make("services", services);
    for service in &mut service_terms {
        let mut subs: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
        for &a in &service.articles {
            if let Some(sub) = &terms[a].subservice {
                subs.entry(sub.as_str()).or_default().push(a);
            }
        }
        let mut slugs = Slugs::default();
        let mut children: Vec<Term> = subs
            .into_iter()
            .map(|(name, articles)| Term {
                dir: format!("{}{}/", service.dir, slugs.next(name)),
                key: name.to_lowercase(),
                name: name.to_string(),
                articles,
                children: Vec::new(),
            })
            .collect();
        children.sort_by(|a, b| (&a.key, &a.name).cmp(&(&b.key, &b.name)));
        service.children = children;
    }
    vec![
        Taxonomy {
            key: "products",
            title: "Products",
            terms: make("products", products),
        },
        Taxonomy {
            key: "services",
            title: "Services",
            terms: service_terms,
        },
        Taxonomy {
            key: "topics",
            title: "Topics",
            terms: make("topics", topics),
        },
    ]
}

/// Folder names for terms: lower-case words joined by `-`; a name whose
/// slug is taken gets `-2`, `-3` (terms come in name order, so the same
/// site gives the same folders).
#[derive(Default)]
struct Slugs {
    taken: std::collections::HashSet<String>,
}

impl Slugs {
    fn next(&mut self, name: &str) -> String {
        let mut slug = String::new();
        for word in name
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            if !slug.is_empty() {
                slug.push('-');
            }
            slug.extend(word.chars().flat_map(char::to_lowercase));
        }
        if slug.is_empty() {
            slug.push_str("term");
        }
        let mut candidate = slug.clone();
        let mut n = 1;
        while !self.taken.insert(candidate.clone()) {
            n += 1;
            candidate = format!("{slug}-{n}");
        }
        candidate
    }
}

fn continues(fragment: &str) -> bool {
    let lower = fragment.to_lowercase();
    fragment.chars().next().is_some_and(char::is_lowercase)
        || lower.starts_with("version")
        || lower.starts_with("all editions")
        || lower.starts_with("and later")
}

fn clean(s: &str) -> String {
    s.replace("&nbsp;", " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Drops HTML tags (`<br>`, `<a ...>`) from a product line.
fn strip_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_become_pages_with_unique_folders() {
        let t = |service: &str, sub: Option<&str>, products: &[&str]| Terms {
            service: Some(service.into()),
            subservice: sub.map(Into::into),
            topic: Some("troubleshooting".into()),
            products: products.iter().map(|p| p.to_string()).collect(),
        };
        let all = [
            t(
                "windows-server",
                Some("high-availability"),
                &["Windows Server 2016, all editions"],
            ),
            t(
                "windows-server",
                Some("backup"),
                &["Windows 10, version 1809, and later versions"],
            ),
            t(
                "sql",
                None,
                &["Windows Server 2016: all editions", "SQL Server"],
            ),
            t("sql", None, &[]),
        ];
        let terms: Vec<&Terms> = all.iter().collect();
        let tax = taxonomies(&terms, &[3, 2, 1, 0], &[true, true, true, false]);
        let products: Vec<(&str, &str)> = tax[0]
            .terms
            .iter()
            .map(|t| (t.name.as_str(), t.dir.as_str()))
            .collect();
        assert_eq!(
            products,
            [
                ("SQL Server", "products/sql-server/"),
                (
                    "Windows 10, version 1809, and later versions",
                    "products/windows-10-version-1809-and-later-versions/"
                ),
                (
                    "Windows Server 2016, all editions",
                    "products/windows-server-2016-all-editions/"
                ),
                (
                    "Windows Server 2016: all editions",
                    "products/windows-server-2016-all-editions-2/"
                ),
            ]
        );
        let services = &tax[1].terms;
        assert_eq!(services[0].name, "sql");
        assert_eq!(
            services[0].articles,
            [2],
            "the unlisted article is left out"
        );
        assert_eq!(services[1].articles, [1, 0], "by title");
        let subs: Vec<&str> = services[1]
            .children
            .iter()
            .map(|c| c.dir.as_str())
            .collect();
        assert_eq!(
            subs,
            [
                "services/windows-server/backup/",
                "services/windows-server/high-availability/"
            ]
        );
        assert_eq!(tax[2].terms[0].articles, [2, 1, 0]);
    }

    #[test]
    fn real_applies_to_lines() {
        assert_eq!(
            split_products("Windows Server 2012 R2"),
            vec!["Windows Server 2012 R2"]
        );
        assert_eq!(
            split_products(
                "Windows 10, version 1809, and later versions, Windows Server 2019, Windows 7 Service Pack 1, Windows Server 2016, Windows Server 2012 R2"
            ),
            vec![
                "Windows 10, version 1809, and later versions",
                "Windows Server 2019",
                "Windows 7 Service Pack 1",
                "Windows Server 2016",
                "Windows Server 2012 R2"
            ]
        );
        assert_eq!(
            split_products("Windows Server 2016, all editions, Windows Server 2012 R2 Datacenter"),
            vec![
                "Windows Server 2016, all editions",
                "Windows Server 2012 R2 Datacenter"
            ]
        );
        assert_eq!(
            split_products("Windows Server 2022、Windows Server 2019、Windows Server 2016、Windows Server 2012 R2"),
            vec![
                "Windows Server 2022",
                "Windows Server 2019",
                "Windows Server 2016",
                "Windows Server 2012 R2"
            ]
        );
        assert_eq!(
            split_products("Windows Server 2022, Windows Server 2019, Windows Server 2016, Azure Stack HCI, versions 21H2 and 20H2"),
            vec![
                "Windows Server 2022",
                "Windows Server 2019",
                "Windows Server 2016",
                "Azure Stack HCI, versions 21H2 and 20H2"
            ]
        );
        assert_eq!(
            split_products("Windows Server, all versions"),
            vec!["Windows Server, all versions"]
        );
        assert_eq!(
            split_products("Windows 10 - all editions, Windows Server 2012 R2"),
            vec!["Windows 10 - all editions", "Windows Server 2012 R2"]
        );
        assert_eq!(
            split_products("SQL Server <br> , , SQL Server"),
            vec!["SQL Server"]
        );
    }

    #[test]
    fn term_fallbacks() {
        let mut fm = FrontMatter {
            prod: Some("sql".into()),
            technology: Some("admin".into()),
            topic: Some("troubleshooting".into()),
            appliesto: vec!["<b>Windows 11</b>".into()],
            ..FrontMatter::default()
        };
        let t = terms("support/sql/a.md", &fm, &KbMeta::default());
        assert_eq!(t.service.as_deref(), Some("sql"));
        assert_eq!(t.subservice.as_deref(), Some("admin"));
        assert_eq!(t.products, vec!["Windows 11"]);
        fm.service = Some("windows-server".into());
        fm.subservice = Some("high-availability".into());
        let meta = KbMeta {
            applies_to: Some("Windows Server 2012 R2".into()),
            ..KbMeta::default()
        };
        let t = terms("support/a.md", &fm, &meta);
        assert_eq!(t.service.as_deref(), Some("windows-server"));
        assert_eq!(t.subservice.as_deref(), Some("high-availability"));
        assert_eq!(t.products, vec!["Windows Server 2012 R2"]);
        let t = terms("support/a.md", &FrontMatter::default(), &KbMeta::default());
        assert_eq!(t.service.as_deref(), Some("support"));
        assert_eq!(
            terms("a.md", &FrontMatter::default(), &KbMeta::default()).service,
            None
        );
    }
}
