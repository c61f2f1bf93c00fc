//! `kbsite new DIR`: a new site with a config and one example article.

use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum NewError {
    #[error("`{0}` already exists and is not empty")]
    NotEmpty(String),
    #[error("cannot create `{path}`: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

const CONFIG: &str = "\
# kbsite configuration. Every key is optional; these are the defaults
# unless noted. See the README for all keys.
title: My knowledge base
# base_url: https://support.example.com/kb/   # enables canonical links, sitemap, feed
language: en
content_dir: content
output_dir: public
exclude: [\"README.md\"]
# links:
#   mounts: { /troubleshoot/: support/ }   # site-relative links → content folders
#   external_base: https://learn.microsoft.com
";

const ARTICLE: &str = "\
---
title: Getting started with your knowledge base
description: How to write, preview and publish articles with kbsite.
ms.date: 01/15/2026
author: your-name
ms.topic: how-to
---
# Getting started with your knowledge base

This article is an example. Edit it, or add more `.md` files next to it.

_Applies to:_ &nbsp; kbsite

## Write an article

Each article is a Markdown file with YAML front matter at the top. Folders
become sections of the site.

> [!NOTE]
> Alerts such as this note, `[!INCLUDE]` files and `:::image` blocks work as
> they do in DocFX.

## Build and publish

Run `kbsite build` and open `public/index.html`, or copy `public/` to any
web host.
";

/// Creates a site in `dir` (which must be missing or empty).
pub fn new_site(dir: &Path) -> Result<(), NewError> {
    let shown = dir.display().to_string();
    if dir.exists() {
        let empty = std::fs::read_dir(dir)
            .map_err(|source| NewError::Io {
                path: shown.clone(),
                source,
            })?
            .next()
            .is_none();
        if !empty {
            return Err(NewError::NotEmpty(shown));
        }
    }
    let write = |rel: &str, text: &str| {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| NewError::Io {
                path: parent.display().to_string(),
                source,
            })?;
        }
        std::fs::write(&path, text).map_err(|source| NewError::Io {
            path: path.display().to_string(),
            source,
        })
    };
    write(crate::config::FILE_NAME, CONFIG)?;
    write("content/getting-started.md", ARTICLE)?;
    write(".gitignore", "/public\n")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_a_site_that_builds_cleanly() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("kb");
        new_site(&site).unwrap();
        let b = crate::build::build(&crate::build::BuildOptions {
            root: site.clone(),
            write: true,
            ..Default::default()
        });
        let c = b.counts();
        assert_eq!((c.errors, c.warnings), (0, 0), "{:?}", b.diagnostics);
        assert!(site.join("public/getting-started/index.html").is_file());
        assert!(matches!(new_site(&site), Err(NewError::NotEmpty(_))));
    }
}
