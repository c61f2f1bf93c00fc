//! Reading `docfx.json` and `.openpublishing.publish.config.json`.

use crate::diagnostics::Diagnostic;
use globset::{GlobBuilder, GlobMatcher, GlobSet, GlobSetBuilder};
use serde_json::Value;
use std::path::Path;

/// One `build.content` or `build.resource` entry.
pub struct Entry {
    pub src: String,
    pub dest: String,
    pub files: GlobSet,
    pub exclude: GlobSet,
    pub resource: bool,
}

/// What kbsite uses of a `docfx.json`.
pub struct Docfx {
    pub entries: Vec<Entry>,
    pub global: serde_yaml::Mapping,
    pub by_file: Vec<(String, GlobMatcher, serde_yaml::Value)>,
    /// The docset's base path, from `breadcrumb_path`.
    pub base: Option<String>,
    pub title_suffix: Option<String>,
}

pub struct Read<T> {
    pub docfx: Option<T>,
    pub diagnostics: Vec<Diagnostic>,
}

/// The docsets of a publish config: folder (content path ending in `/`,
/// empty for the root) and name.
pub struct Published {
    pub docsets: Vec<(String, String)>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads a JSON file; a problem is a diagnostic naming `display` and the
/// line.
fn read_json(path: &Path, display: &str) -> Result<Value, Diagnostic> {
    let bytes = std::fs::read(path)
        .map_err(|e| Diagnostic::error(format!("cannot read {display}: {e}")).in_file(display))?;
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&bytes);
    serde_json::from_slice(bytes).map_err(|e| {
        Diagnostic::error(format!("not valid JSON: {e}"))
            .in_file(display)
            .at(e.line() as u32, e.column() as u32)
            .with_hint("fix the JSON; DocFX would refuse it too")
    })
}

/// The docsets `.openpublishing.publish.config.json` lists, in its order.
pub fn publish_config(path: &Path, display: &str) -> Published {
    let mut out = Published {
        docsets: Vec::new(),
        diagnostics: Vec::new(),
    };
    if !path.is_file() {
        return out;
    }
    let value = match read_json(path, display) {
        Ok(v) => v,
        Err(d) => {
            out.diagnostics.push(d);
            return out;
        }
    };
    let listed = value.get("docsets_to_publish").and_then(Value::as_array);
    for d in listed.into_iter().flatten() {
        let folder = d
            .get("build_source_folder")
            .and_then(Value::as_str)
            .unwrap_or(".");
        let folder = match crate::paths::join("", folder) {
            Some(f) if !f.is_empty() => format!("{f}/"),
            _ => String::new(),
        };
        let name = d.get("docset_name").and_then(Value::as_str).unwrap_or("");
        if !out.docsets.iter().any(|(f, _)| *f == folder) {
            out.docsets.push((folder, name.to_string()));
        }
    }
    out
}

/// Reads a docset's `docfx.json`.
pub fn docfx(path: &Path, display: &str) -> Read<Docfx> {
    let mut diagnostics = Vec::new();
    let value = match read_json(path, display) {
        Ok(v) => v,
        Err(d) => {
            return Read {
                docfx: None,
                diagnostics: vec![d],
            }
        }
    };
    let build = value.get("build").cloned().unwrap_or(Value::Null);
    let mut entries = Vec::new();
    for (key, resource) in [("content", false), ("resource", true)] {
        let list = build.get(key).and_then(Value::as_array);
        for e in list.into_iter().flatten() {
            let mut problem = |glob: &str, err: String| {
                diagnostics.push(
                    Diagnostic::warning(format!("`build.{key}` glob `{glob}` is not valid: {err}"))
                        .in_file(display)
                        .with_hint("the glob is left out"),
                );
            };
            entries.push(Entry {
                src: text(e.get("src")).unwrap_or_default(),
                dest: text(e.get("dest")).unwrap_or_default(),
                files: glob_set(e.get("files"), &mut problem),
                exclude: glob_set(e.get("exclude"), &mut problem),
                resource,
            });
        }
    }
    if entries.iter().all(|e| e.resource) {
        diagnostics.push(
            Diagnostic::warning("docfx.json lists no `build.content`: the docset has no articles")
                .in_file(display)
                .with_hint("add a `build.content` entry with `files: [\"**/*.md\"]`"),
        );
    }
    let global = build
        .get("globalMetadata")
        .and_then(|g| serde_yaml::to_value(g).ok())
        .and_then(|g| match g {
            serde_yaml::Value::Mapping(m) => Some(m),
            _ => None,
        })
        .unwrap_or_default();
    let mut by_file = Vec::new();
    if let Some(Value::Object(keys)) = build.get("fileMetadata") {
        for (key, globs) in keys {
            let Value::Object(globs) = globs else {
                continue;
            };
            for (glob, value) in globs {
                let (Some(matcher), Ok(value)) = (compile(glob), serde_yaml::to_value(value))
                else {
                    continue;
                };
                by_file.push((key.clone(), matcher.compile_matcher(), value));
            }
        }
    }
    let meta = build.get("globalMetadata");
    let title_suffix = text(meta.and_then(|m| m.get("titleSuffix")));
    let base = text(meta.and_then(|m| m.get("breadcrumb_path"))).and_then(|b| base_path(&b));
    Read {
        docfx: Some(Docfx {
            entries,
            global,
            by_file,
            base,
            title_suffix,
        }),
        diagnostics,
    }
}

/// A string value, trimmed; `None` when absent or not a string.
fn text(v: Option<&Value>) -> Option<String> {
    Some(v?.as_str()?.trim().to_string())
}

/// The base path of a docset from its `breadcrumb_path`
/// (`/exchange/troubleshoot/breadcrumb/toc.json` → `exchange/troubleshoot/`);
/// `None` unless it is a path from the host's root.
fn base_path(breadcrumb: &str) -> Option<String> {
    let rest = breadcrumb.strip_prefix('/')?;
    let dir = crate::paths::dir_of(rest);
    let dir = dir.strip_suffix("breadcrumb/").unwrap_or(dir);
    Some(dir.to_string())
}

/// A `files` or `exclude` value (a glob or a list of them) as a set.
fn glob_set(v: Option<&Value>, problem: &mut impl FnMut(&str, String)) -> GlobSet {
    let globs: Vec<&str> = match v {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let mut set = GlobSetBuilder::new();
    for g in globs {
        match compile(g) {
            Some(glob) => {
                set.add(glob);
            }
            None => problem(g, "it cannot be read as a glob".into()),
        }
    }
    set.build().unwrap_or_else(|_| GlobSet::empty())
}

/// A DocFX glob as globset reads it: `**` only as a whole path segment
/// (`**/**.yml` means `**/*.yml`), `*` within one folder, letter case
/// ignored (DocFX runs on Windows).
fn compile(glob: &str) -> Option<globset::Glob> {
    let glob = glob.trim().trim_start_matches("./").trim_start_matches('/');
    let segments: Vec<String> = glob
        .split('/')
        .map(|s| match s {
            "**" => s.to_string(),
            s => s.replace("**", "*"),
        })
        .collect();
    GlobBuilder::new(&segments.join("/"))
        .literal_separator(true)
        .case_insensitive(true)
        .build()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_as_docfx_means_them() {
        let m = |g: &str, p: &str| compile(g).unwrap().compile_matcher().is_match(p);
        assert!(m("**/**.yml", "a/b/index.yml"));
        assert!(m("**/**.yml", "index.yml"));
        assert!(m("**/*.md", "x.md"));
        assert!(m("**/includes/**", "a/includes/x.md"));
        assert!(m("README.md", "readme.md"));
        assert!(!m("README.md", "a/README.md"));
        assert!(!m("*.md", "a/x.md"));
    }

    #[test]
    fn base_paths_from_breadcrumbs() {
        assert_eq!(
            base_path("/exchange/troubleshoot/breadcrumb/toc.json").as_deref(),
            Some("exchange/troubleshoot/")
        );
        assert_eq!(base_path("/a/toc.json").as_deref(), Some("a/"));
        assert_eq!(base_path("~/breadcrumb/toc.yml"), None);
    }
}
