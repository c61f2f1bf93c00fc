//! `kbsite.yml` → [`Config`]. Every key is optional; unknown keys are
//! reported with the closest known key so a typo never silently does nothing.

use crate::diagnostics::Diagnostic;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const FILE_NAME: &str = "kbsite.yml";

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub title: String,
    /// Absolute URL of the published site, always ending in `/`. Only the
    /// canonical link, `og:url`, sitemap and feed use it.
    pub base_url: Option<String>,
    pub language: String,
    pub theme: String,
    pub content_dir: PathBuf,
    pub output_dir: PathBuf,
    /// Globs (relative to the content folder) of files that are not part of
    /// the site. A glob without `/` also matches a file name in any folder.
    pub exclude: Vec<String>,
    pub links: LinksConfig,
    pub search: SearchConfig,
    pub trees: TreesConfig,
    pub sanitize: bool,
    pub allow_unsafe_links: bool,
    /// Syntax colours in code blocks (on by default; off to compare builds).
    pub highlight: bool,
    /// Base URL of the content folder in a repository; "Edit this page"
    /// links are this plus the article's path.
    pub repo_url: Option<String>,
    /// The keys the file sets (`title`, `links.external_base`): a DocFX
    /// project fills only the others.
    #[serde(skip)]
    pub explicit: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct LinksConfig {
    /// Site-relative URL prefix → content folder prefix
    /// (`/troubleshoot/` → `support/`).
    pub mounts: BTreeMap<String, String>,
    /// Where unmapped site-relative links point (`https://learn.microsoft.com`).
    pub external_base: Option<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct SearchConfig {
    pub enabled: bool,
}

impl Default for SearchConfig {
    fn default() -> Self {
        SearchConfig { enabled: true }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct TreesConfig {
    pub max_nodes: usize,
}

impl Default for TreesConfig {
    fn default() -> Self {
        TreesConfig { max_nodes: 1000 }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            title: "Knowledge base".into(),
            base_url: None,
            language: "en".into(),
            theme: "default".into(),
            content_dir: "content".into(),
            output_dir: "public".into(),
            exclude: vec!["README.md".into()],
            links: LinksConfig::default(),
            search: SearchConfig::default(),
            trees: TreesConfig::default(),
            sanitize: false,
            allow_unsafe_links: false,
            highlight: true,
            repo_url: None,
            explicit: Vec::new(),
        }
    }
}

/// Known keys per nesting level, for the unknown-key check.
const TOP_KEYS: &[&str] = &[
    "title",
    "base_url",
    "language",
    "theme",
    "content_dir",
    "output_dir",
    "exclude",
    "links",
    "search",
    "trees",
    "sanitize",
    "allow_unsafe_links",
    "highlight",
    "repo_url",
];
const LINKS_KEYS: &[&str] = &["mounts", "external_base"];
const SEARCH_KEYS: &[&str] = &["enabled"];
const TREES_KEYS: &[&str] = &["max_nodes"];

/// Reads `kbsite.yml` from `root`. A missing file means all defaults. Problems
/// come back as diagnostics next to the best config that could be made, so a
/// build can still report every other problem in the same run.
pub fn load(root: &Path) -> (Config, Vec<Diagnostic>) {
    let path = root.join(FILE_NAME);
    match std::fs::read(&path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => parse(&text),
            Err(_) => (
                Config::default(),
                vec![Diagnostic::error("kbsite.yml is not valid UTF-8").in_file(FILE_NAME)],
            ),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (Config::default(), vec![]),
        Err(e) => (
            Config::default(),
            vec![Diagnostic::error(format!("cannot read kbsite.yml: {e}")).in_file(FILE_NAME)],
        ),
    }
}

/// Parses the text of a `kbsite.yml`.
pub fn parse(text: &str) -> (Config, Vec<Diagnostic>) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut diags = Vec::new();
    let value: serde_yaml::Value = match serde_yaml::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            diags.push(yaml_error(&e, "kbsite.yml is not valid YAML"));
            return (Config::default(), diags);
        }
    };
    if value.is_null() {
        return (Config::default(), diags);
    }
    let serde_yaml::Value::Mapping(mut map) = value else {
        diags.push(
            Diagnostic::error("kbsite.yml must be a mapping of keys to values")
                .in_file(FILE_NAME)
                .at_line(1),
        );
        return (Config::default(), diags);
    };
    remove_unknown_keys(&mut map, TOP_KEYS, "", text, &mut diags);
    for (key, known) in [
        ("links", LINKS_KEYS),
        ("search", SEARCH_KEYS),
        ("trees", TREES_KEYS),
    ] {
        if let Some(serde_yaml::Value::Mapping(inner)) = map.get_mut(key) {
            remove_unknown_keys(inner, known, &format!("{key}."), text, &mut diags);
        }
    }
    let explicit = set_keys(&map);
    let mut config: Config = match serde_path_to_error::deserialize(serde_yaml::Value::Mapping(map))
    {
        Ok(c) => c,
        Err(e) => {
            let path = e.path().to_string();
            let mut d = Diagnostic::error(format!("kbsite.yml: `{path}`: {}", e.inner()))
                .in_file(FILE_NAME);
            let last = path.rsplit('.').next().unwrap_or(&path);
            if let Some(line) = key_line(text, last) {
                d = d.at_line(line);
            }
            diags.push(d);
            return (Config::default(), diags);
        }
    };
    config.explicit = explicit;
    normalise(&mut config, text, &mut diags);
    (config, diags)
}

/// The keys of a config mapping, nested ones as `links.external_base`.
fn set_keys(map: &serde_yaml::Mapping) -> Vec<String> {
    let mut keys = Vec::new();
    for (k, v) in map {
        let Some(k) = k.as_str() else { continue };
        keys.push(k.to_string());
        if let serde_yaml::Value::Mapping(inner) = v {
            keys.extend(
                inner
                    .keys()
                    .filter_map(|i| Some(format!("{k}.{}", i.as_str()?))),
            );
        }
    }
    keys
}

impl Config {
    /// Whether `kbsite.yml` sets `key` (`title`, `links.external_base`).
    pub fn is_set(&self, key: &str) -> bool {
        self.explicit.iter().any(|k| k == key)
    }
}

fn yaml_error(e: &serde_yaml::Error, what: &str) -> Diagnostic {
    let (problem, hint) = crate::diagnostics::yaml_problem(e, 1);
    let mut d = Diagnostic::error(format!("{what}: {problem}")).in_file(FILE_NAME);
    if let Some(hint) = hint {
        d = d.with_hint(hint);
    }
    if let Some(loc) = e.location() {
        d = d.at(loc.line() as u32, loc.column() as u32);
    }
    d
}

/// Drops keys the config does not know (so they cannot fail deserialising)
/// and warns about each, naming the closest known key.
fn remove_unknown_keys(
    map: &mut serde_yaml::Mapping,
    known: &[&str],
    prefix: &str,
    text: &str,
    diags: &mut Vec<Diagnostic>,
) {
    let unknown: Vec<serde_yaml::Value> = map
        .keys()
        .filter(|k| !k.as_str().is_some_and(|k| known.contains(&k)))
        .cloned()
        .collect();
    for key in unknown {
        map.remove(&key);
        let name = match &key {
            serde_yaml::Value::String(s) => s.clone(),
            other => serde_yaml::to_string(other)
                .unwrap_or_default()
                .trim()
                .to_string(),
        };
        let mut d = Diagnostic::warning(format!("unknown key `{prefix}{name}` in kbsite.yml"))
            .in_file(FILE_NAME);
        if let Some(line) = key_line(text, &name) {
            d = d.at_line(line);
        }
        d = match closest(&name, known) {
            Some(best) => d.with_hint(format!("did you mean `{prefix}{best}`?")),
            None => d.with_hint(format!("known keys here: {}", known.join(", "))),
        };
        diags.push(d);
    }
}

/// The known key nearest to `name` by edit distance, if it is near at all.
pub fn closest<'a>(name: &str, known: &[&'a str]) -> Option<&'a str> {
    let lower = name.to_lowercase();
    known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(&lower, k), *k))
        .filter(|(dist, k)| *dist <= (k.len().max(3) / 2))
        .min()
        .map(|(_, k)| k)
}

/// First line of `text` that starts a mapping entry for `key` (YAML values
/// carry no positions once parsed; the key's own line is what a writer needs).
fn key_line(text: &str, key: &str) -> Option<u32> {
    if key.is_empty() {
        return None;
    }
    text.lines()
        .position(|l| {
            let t = l.trim_start();
            t.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        })
        .map(|i| i as u32 + 1)
}

fn normalise(config: &mut Config, text: &str, diags: &mut Vec<Diagnostic>) {
    if let Some(url) = config.base_url.take() {
        let url = url.trim().to_string();
        if url.starts_with("https://") || url.starts_with("http://") {
            config.base_url = Some(if url.ends_with('/') { url } else { url + "/" });
        } else if !url.is_empty() {
            let mut d = Diagnostic::error(format!(
                "base_url must be an absolute http(s) URL, not `{url}`"
            ))
            .in_file(FILE_NAME)
            .with_hint(
                "write it like https://support.example.com/kb/ (leave it out to build without one)",
            );
            if let Some(line) = key_line(text, "base_url") {
                d = d.at_line(line);
            }
            diags.push(d);
        }
    }
    if let Some(base) = config.links.external_base.take() {
        let base = base.trim().trim_end_matches('/').to_string();
        if !base.is_empty() {
            config.links.external_base = Some(base);
        }
    }
    if let Some(url) = config.repo_url.take() {
        let url = url.trim().to_string();
        if !url.is_empty() {
            config.repo_url = Some(if url.ends_with('/') { url } else { url + "/" });
        }
    }
    if config.trees.max_nodes == 0 {
        config.trees.max_nodes = TreesConfig::default().max_nodes;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_missing_give_defaults() {
        assert_eq!(parse("").0, Config::default());
        assert_eq!(parse("# only a comment\n").0, Config::default());
        let dir = tempfile::tempdir().unwrap();
        let (c, d) = load(dir.path());
        assert_eq!(c, Config::default());
        assert!(d.is_empty());
    }

    #[test]
    fn reads_every_documented_key() {
        let (c, d) = parse(
            "title: KB\nbase_url: https://x.org/kb\nlanguage: de\ntheme: mine\n\
             content_dir: docs\noutput_dir: out\nexclude: [\"*.tmp.md\"]\n\
             links:\n  mounts: { /troubleshoot/: support/ }\n  external_base: https://learn.microsoft.com/\n\
             search: { enabled: false }\ntrees: { max_nodes: 50 }\nsanitize: true\n\
             allow_unsafe_links: true\nrepo_url: https://github.com/o/r/blob/main/content\n",
        );
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(c.title, "KB");
        assert_eq!(c.base_url.as_deref(), Some("https://x.org/kb/"));
        assert_eq!(c.language, "de");
        assert_eq!(c.theme, "mine");
        assert_eq!(c.content_dir, PathBuf::from("docs"));
        assert_eq!(c.output_dir, PathBuf::from("out"));
        assert_eq!(c.exclude, vec!["*.tmp.md"]);
        assert_eq!(c.links.mounts["/troubleshoot/"], "support/");
        assert_eq!(
            c.links.external_base.as_deref(),
            Some("https://learn.microsoft.com")
        );
        assert!(!c.search.enabled);
        assert_eq!(c.trees.max_nodes, 50);
        assert!(c.sanitize && c.allow_unsafe_links);
        assert_eq!(
            c.repo_url.as_deref(),
            Some("https://github.com/o/r/blob/main/content/")
        );
    }

    #[test]
    fn unknown_keys_warn_with_closest_known_key() {
        let (c, d) = parse("title: A\ntitel: B\nlinks:\n  mount: {}\nzzzzqqq: 1\n");
        assert_eq!(c.title, "A");
        assert_eq!(d.len(), 3, "{d:?}");
        assert!(d
            .iter()
            .all(|d| d.severity == crate::diagnostics::Severity::Warning));
        let titel = d.iter().find(|d| d.message.contains("`titel`")).unwrap();
        assert_eq!(titel.line, Some(2));
        assert_eq!(titel.hint.as_deref(), Some("did you mean `title`?"));
        let mount = d
            .iter()
            .find(|d| d.message.contains("links.mount"))
            .unwrap();
        assert_eq!(mount.hint.as_deref(), Some("did you mean `links.mounts`?"));
        let far = d.iter().find(|d| d.message.contains("zzzzqqq")).unwrap();
        assert!(far.hint.as_deref().unwrap().starts_with("known keys here"));
    }

    #[test]
    fn syntax_and_type_errors_are_errors_with_lines() {
        let (_, d) = parse("title: A\nlinks: [\n");
        assert_eq!(d[0].severity, crate::diagnostics::Severity::Error);
        assert!(d[0].line.is_some());
        let (_, d) = parse("title: A\nsearch:\n  enabled: maybe\n");
        assert_eq!(d[0].severity, crate::diagnostics::Severity::Error);
        assert!(d[0].message.contains("`search.enabled`"), "{d:?}");
        assert_eq!(d[0].line, Some(3));
        let (_, d) = parse("- a\n- b\n");
        assert!(d[0].message.contains("mapping"));
        let (_, d) = parse("base_url: /kb/\n");
        assert!(d[0].message.contains("absolute"));
        assert_eq!(d[0].line, Some(1));
    }
}
