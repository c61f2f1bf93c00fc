//! Heading ids, GitHub/DocFX style, unique within a page.

use std::collections::HashSet;

/// `Overview of the policy (2023)!` → `overview-of-the-policy-2023`: trim,
/// lowercase, drop punctuation except `-` and `_`, each space → `-`.
pub fn slug(text: &str) -> String {
    text.trim()
        .chars()
        .filter_map(|c| {
            if c.is_whitespace() {
                Some('-')
            } else if c.is_alphanumeric() || c == '-' || c == '_' {
                Some(c)
            } else {
                None
            }
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// Hands out unique ids: the second `x` is `x-1`, the third `x-2`, skipping
/// any already taken.
#[derive(Debug, Default)]
pub struct Ids {
    taken: HashSet<String>,
}

impl Ids {
    pub fn unique(&mut self, text: &str) -> String {
        let base = slug(text);
        let base = if base.is_empty() {
            "section".to_string()
        } else {
            base
        };
        if self.taken.insert(base.clone()) {
            return base;
        }
        (1..)
            .map(|n| format!("{base}-{n}"))
            .find(|id| self.taken.insert(id.clone()))
            .expect("an unused suffix exists")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_style_slugs() {
        assert_eq!(slug("More information"), "more-information");
        assert_eq!(
            slug("  The Designed for Windows Logo program, Exchange, and SQL Server "),
            "the-designed-for-windows-logo-program-exchange-and-sql-server"
        );
        assert_eq!(
            slug("Error 0x80070005: access_denied"),
            "error-0x80070005-access_denied"
        );
        assert_eq!(slug("What's new?"), "whats-new");
        assert_eq!(slug("A  -  B"), "a-----b");
        assert_eq!(slug("Ünïcode Überschrift"), "ünïcode-überschrift");
        assert_eq!(
            slug("Method 1: Use `Get-ClusterLog`"),
            "method-1-use-get-clusterlog"
        );
    }

    #[test]
    fn duplicates_are_numbered() {
        let mut ids = Ids::default();
        assert_eq!(ids.unique("Cause"), "cause");
        assert_eq!(ids.unique("Cause"), "cause-1");
        assert_eq!(ids.unique("Cause-1"), "cause-1-1");
        assert_eq!(ids.unique("Cause"), "cause-2");
        assert_eq!(ids.unique("!!!"), "section");
        assert_eq!(ids.unique(""), "section-1");
    }
}
