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
