//! Paths inside the content folder and the relative URLs between pages.
//! Every link kbsite writes is relative and ends in a file name, so one
//! build works at a domain root, under a sub-path and from `file://`.

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, CONTROLS};

/// Characters escaped in the path part of a URL we write.
const PATH: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'\\')
    .add(b'^')
    .add(b'|');

/// The folder part of a content path, with its trailing `/` (`a/b/` for
/// `a/b/c.md`, empty at the top).
pub fn dir_of(path: &str) -> &str {
    match path.rfind('/') {
        Some(i) => &path[..=i],
        None => "",
    }
}

/// Joins a relative `target` to the folder `base_dir` and resolves `.` and
/// `..`. `None` when the result would leave the content folder.
pub fn join(base_dir: &str, target: &str) -> Option<String> {
    let target = target.replace('\\', "/");
    let mut parts: Vec<&str> = if target.starts_with('/') {
        Vec::new()
    } else {
        base_dir.split('/').filter(|s| !s.is_empty()).collect()
    };
    for seg in target.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

/// The output folder of an article's page: `a/b.md` → `a/b/`,
/// `a/index.md` → `a/`, `index.md` → `` (the home page).
pub fn page_dir(article_path: &str) -> String {
    let stem = strip_md(article_path);
    let name = stem.rsplit('/').next().unwrap_or(stem);
    if name.eq_ignore_ascii_case("index") {
        dir_of(stem).to_string()
    } else {
        format!("{stem}/")
    }
}

/// `a/b.md` → `a/b` (any letter case of the extension; `.yml` for DocFX
/// FAQ pages).
pub fn strip_md(path: &str) -> &str {
    for ext in [".md", ".markdown", ".yml", ".yaml"] {
        // Compared as bytes: the last few bytes may end inside a
        // character (`b.\u{fffd}md`); an ASCII match ends on a boundary.
        let (bytes, cut) = (path.as_bytes(), path.len().saturating_sub(ext.len()));
        if cut > 0 && bytes[cut..].eq_ignore_ascii_case(ext.as_bytes()) {
            return &path[..cut];
        }
    }
    path
}

/// `../` once per folder level of `dir` (a page folder such as `a/b/`), the
/// way back to the output root.
pub fn root_prefix(dir: &str) -> String {
    "../".repeat(dir.split('/').filter(|s| !s.is_empty()).count())
}

/// `../` steps up from folder `from_dir`, and the rest of path `to` below
/// the folders the two share.
fn relative_parts<'a>(from_dir: &str, to: &'a str) -> (String, Vec<&'a str>) {
    let from: Vec<&str> = from_dir.split('/').filter(|s| !s.is_empty()).collect();
    let to: Vec<&str> = to.split('/').collect();
    let common = from
        .iter()
        .zip(&to)
        .take_while(|(a, b)| a == b)
        .count()
        .min(to.len().saturating_sub(1));
    ("../".repeat(from.len() - common), to[common..].to_vec())
}

/// The relative URL from a page in folder `from_dir` to the output file
/// `to_file` (both relative to the output root), percent-encoded.
pub fn relative_href(from_dir: &str, to_file: &str) -> String {
    let (up, rest) = relative_parts(from_dir, to_file);
    up + &encode(&rest.join("/"))
}

/// The relative path from content folder `from_dir` to content path `to`
/// (`a/b/` → `a/c/x.md` is `../c/x.md`), as a writer would type it.
pub fn relative_path(from_dir: &str, to: &str) -> String {
    let (up, rest) = relative_parts(from_dir, to);
    up + &rest.join("/")
}

/// Percent-encodes a path for an `href` (spaces, `#`, `?`, quotes).
pub fn encode(path: &str) -> String {
    utf8_percent_encode(path, PATH).to_string()
}

/// Decodes `%20` and friends in a link written by a writer.
pub fn decode(path: &str) -> String {
    percent_decode_str(path).decode_utf8_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_and_refuses_escape() {
        assert_eq!(join("a/b/", "c.md").unwrap(), "a/b/c.md");
        assert_eq!(join("a/b/", "../c.md").unwrap(), "a/c.md");
        assert_eq!(join("a/b/", "./x/../c.md").unwrap(), "a/b/c.md");
        assert_eq!(join("a/b/", "media\\x.png").unwrap(), "a/b/media/x.png");
        assert_eq!(join("a/", "/top.md").unwrap(), "top.md");
        assert_eq!(join("a/", "../../etc/passwd"), None);
    }

    #[test]
    fn page_dirs() {
        assert_eq!(page_dir("a/b.md"), "a/b/");
        assert_eq!(page_dir("a/index.md"), "a/");
        assert_eq!(page_dir("a/INDEX.MD"), "a/");
        assert_eq!(page_dir("index.md"), "");
        assert_eq!(page_dir("x.markdown"), "x/");
    }

    #[test]
    fn relative_hrefs_end_in_a_file() {
        assert_eq!(
            relative_href("a/b/c/", "a/b/d/index.html"),
            "../d/index.html"
        );
        assert_eq!(relative_href("a/b/c/", "style.css"), "../../../style.css");
        assert_eq!(relative_href("", "a/index.html"), "a/index.html");
        assert_eq!(relative_href("a/", "a/index.html"), "index.html");
        assert_eq!(
            relative_href("a/b/", "a/b/media/x y.png"),
            "media/x%20y.png"
        );
        assert_eq!(root_prefix("a/b/"), "../../");
        assert_eq!(root_prefix(""), "");
    }

    #[test]
    fn relative_paths() {
        assert_eq!(relative_path("a/b/", "a/c/x.md"), "../c/x.md");
        assert_eq!(relative_path("a/b/", "a/b/x.md"), "x.md");
        assert_eq!(relative_path("", "a/x.md"), "a/x.md");
    }

    #[test]
    fn encode_decode_round_trip() {
        assert_eq!(encode("a b#c.md"), "a%20b%23c.md");
        assert_eq!(decode("a%20b.md"), "a b.md");
    }
}
