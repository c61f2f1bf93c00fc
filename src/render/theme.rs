//! The theme: tera templates compiled once, and the static files to copy.
//! Layers, later wins: the default theme embedded in the binary, the site's
//! `themes/NAME/` (when `theme:` names one), the site's `templates/` and
//! `static/` folders.

use crate::diagnostics::Diagnostic;
use crate::render::{Data, OutputFile};
use rust_embed::RustEmbed;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(RustEmbed)]
#[folder = "themes/default/"]
struct DefaultTheme;

/// Templates every theme must provide (the default theme does).
pub const PAGE_TEMPLATES: &[&str] = &["article.html", "section.html", "home.html", "404.html"];

pub struct Theme {
    pub tera: tera::Tera,
    /// Template name → the file it came from, for diagnostics.
    pub files: BTreeMap<String, String>,
    pub static_files: Vec<OutputFile>,
}

/// Loads the theme for a site at `root`.
pub fn load(root: &Path, theme: &str) -> Result<Theme, Vec<Diagnostic>> {
    let mut templates: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut statics: BTreeMap<String, Data> = BTreeMap::new();
    for name in DefaultTheme::iter() {
        let file = DefaultTheme::get(&name).expect("listed file exists");
        if let Some(t) = name.strip_prefix("templates/") {
            let text = String::from_utf8_lossy(&file.data).into_owned();
            templates.insert(
                t.to_string(),
                (format!("(default theme) templates/{t}"), text),
            );
        } else if let Some(s) = name.strip_prefix("static/") {
            statics.insert(s.to_string(), Data::Bytes(file.data.into_owned()));
        }
    }
    let mut diags = Vec::new();
    let mut layers = Vec::new();
    if theme != "default" {
        let dir = root.join("themes").join(theme);
        if !dir.is_dir() {
            return Err(vec![Diagnostic::error(format!("theme `{theme}` not found"))
                .in_file(crate::config::FILE_NAME)
                .with_hint(format!(
                    "create themes/{theme}/ with templates/ and static/, or remove `theme:` to use the default"
                ))]);
        }
        layers.push((
            dir.join("templates"),
            dir.join("static"),
            format!("themes/{theme}/"),
        ));
    }
    layers.push((root.join("templates"), root.join("static"), String::new()));
    for (tdir, sdir, prefix) in layers {
        read_templates(
            &tdir,
            &format!("{prefix}templates/"),
            &mut templates,
            &mut diags,
        );
        for (rel, path) in files_under(&sdir) {
            statics.insert(rel, Data::Copy(path));
        }
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    let mut tera = tera::Tera::default();
    tera.autoescape_on(vec![".html", ".htm", ".xml"]);
    tera.set_escape_fn(crate::markdown::escape);
    let raw: Vec<(String, String)> = templates
        .iter()
        .map(|(name, (_, text))| (name.clone(), text.clone()))
        .collect();
    if let Err(e) = tera.add_raw_templates(raw) {
        let (name, message) = template_error(&e);
        let file = templates.get(&name).map(|(f, _)| f.clone());
        let mut d = Diagnostic::error(format!("template error: {message}"))
            .with_hint("fix the template; the default theme's templates show what each page gets");
        if let Some(f) = file {
            d = d.in_file(f);
        }
        return Err(vec![d]);
    }
    let static_files = statics
        .into_iter()
        .map(|(path, data)| OutputFile { path, data })
        .collect();
    let files = templates
        .into_iter()
        .map(|(name, (file, _))| (name, file))
        .collect();
    Ok(Theme {
        tera,
        files,
        static_files,
    })
}

fn read_templates(
    dir: &Path,
    display: &str,
    templates: &mut BTreeMap<String, (String, String)>,
    diags: &mut Vec<Diagnostic>,
) {
    for (rel, path) in files_under(dir) {
        let file = format!("{display}{rel}");
        match std::fs::read(&path).map(String::from_utf8) {
            Ok(Ok(text)) => {
                templates.insert(rel, (file, text));
            }
            Ok(Err(_)) => {
                diags.push(Diagnostic::error("template is not valid UTF-8").in_file(file))
            }
            Err(e) => {
                diags.push(Diagnostic::error(format!("cannot read template: {e}")).in_file(file))
            }
        }
    }
}

/// Files below `dir` as (relative `/` path, full path), sorted.
fn files_under(dir: &Path) -> Vec<(String, std::path::PathBuf)> {
    if !dir.is_dir() {
        return Vec::new();
    }
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| {
            let rel = e.path().strip_prefix(dir).ok()?;
            Some((crate::content::slash_path(rel), e.path().to_path_buf()))
        })
        .collect()
}

/// The template a tera error is about, and its whole message chain.
pub fn template_error(e: &tera::Error) -> (String, String) {
    let mut parts = vec![e.to_string()];
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    let name = parts
        .iter()
        .find_map(|p| {
            let start = p.find('\'')? + 1;
            let len = p[start..].find('\'')?;
            let n = &p[start..start + len];
            n.ends_with(".html").then(|| n.to_string())
        })
        .unwrap_or_default();
    (name, parts.join(": "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_theme_is_embedded_and_complete() {
        let dir = tempfile::tempdir().unwrap();
        let theme = load(dir.path(), "default").ok().unwrap();
        for t in PAGE_TEMPLATES {
            assert!(theme.tera.get_template_names().any(|n| n == *t), "{t}");
        }
        assert!(theme.static_files.iter().any(|f| f.path == "style.css"));
    }

    #[test]
    fn site_templates_override_by_name() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("templates")).unwrap();
        std::fs::write(dir.path().join("templates/404.html"), "custom {{ root }}").unwrap();
        std::fs::create_dir_all(dir.path().join("static")).unwrap();
        std::fs::write(dir.path().join("static/style.css"), "body{}").unwrap();
        let theme = load(dir.path(), "default").ok().unwrap();
        let mut ctx = tera::Context::new();
        ctx.insert("root", "");
        assert_eq!(theme.tera.render("404.html", &ctx).unwrap(), "custom ");
        let css = theme
            .static_files
            .iter()
            .find(|f| f.path == "style.css")
            .unwrap();
        assert!(matches!(css.data, Data::Copy(_)));
    }

    #[test]
    fn broken_template_and_missing_theme_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("templates")).unwrap();
        std::fs::write(dir.path().join("templates/article.html"), "{% if %}").unwrap();
        let e = load(dir.path(), "default").err().unwrap();
        assert_eq!(e[0].file.as_deref(), Some("templates/article.html"));
        let e = load(dir.path(), "nope").err().unwrap();
        assert!(e[0].message.contains("theme `nope` not found"));
    }
}
