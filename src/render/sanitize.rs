//! `sanitize: true`: an article's body HTML is cleaned with ammonia before
//! it goes into the page, for sites built from contributions nobody
//! reviews. Raw HTML in Markdown (and in decision-tree texts) keeps only
//! harmless elements and attributes; scripts, event handlers, styles, forms,
//! frames and unsafe URL schemes go.
//!
//! The allow-list is ammonia's own plus what kbsite's Markdown itself makes
//! (heading ids, alerts, task lists, table alignment, the decision tree's
//! markup and its SVG diagram), so a clean article comes out as it went in:
//! a test renders the demo site both ways and compares every page's elements.
//! Runs after the link placeholders are filled in, because a placeholder
//! stands for an `<a>` start tag whose `</a>` a sanitizer would otherwise
//! see as stray.

use ammonia::Builder;
use std::collections::HashSet;
use std::sync::LazyLock;

/// Elements kbsite's Markdown makes beyond ammonia's defaults.
const TAGS: &[&str] = &[
    "details",
    "summary",
    "section",
    "nav",
    "footer",
    "figure",
    "figcaption",
    "input",
    "mark",
    // The decision tree's diagram.
    "svg",
    "g",
    "rect",
    "path",
    "text",
    "title",
    "defs",
    "marker",
];

/// Attributes allowed on any element.
const GENERIC: &[&str] = &[
    "class", "id", "role", "title", "lang", "dir", "hidden", "tabindex",
];

/// Attribute prefixes allowed on any element: accessibility, kbsite's hooks.
const GENERIC_PREFIXES: &[&str] = &["aria-", "data-kb-"];

/// Attributes of particular elements.
const TAG_ATTRIBUTES: &[(&str, &[&str])] = &[
    ("a", &["href", "rel", "target", "hreflang"]),
    ("img", &["src", "alt", "width", "height", "loading"]),
    ("input", &["type", "checked", "disabled"]),
    ("ol", &["start", "reversed", "type"]),
    ("td", &["colspan", "rowspan", "style"]),
    ("th", &["colspan", "rowspan", "style", "scope"]),
    ("details", &["open"]),
    (
        "svg",
        &[
            "xmlns",
            "viewBox",
            "width",
            "height",
            "font-family",
            "font-size",
        ],
    ),
    ("g", &["data-node"]),
    (
        "rect",
        &[
            "x",
            "y",
            "width",
            "height",
            "rx",
            "fill",
            "fill-opacity",
            "stroke",
            "stroke-width",
        ],
    ),
    (
        "path",
        &[
            "d",
            "fill",
            "stroke",
            "stroke-width",
            "marker-end",
            "data-from",
            "data-to",
        ],
    ),
    (
        "text",
        &["x", "y", "text-anchor", "fill", "font-weight", "font-size"],
    ),
    (
        "marker",
        &[
            "id",
            "viewBox",
            "refX",
            "refY",
            "markerWidth",
            "markerHeight",
            "orient",
        ],
    ),
];

static CLEANER: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut b = Builder::default();
    b.add_tags(TAGS)
        .add_generic_attributes(GENERIC)
        .generic_attribute_prefixes(GENERIC_PREFIXES.iter().copied().collect())
        // Links keep the `rel` kbsite gives them; ammonia's own would be added
        // to every link in the site.
        .link_rel(None)
        // pulldown-cmark aligns table columns with `style="text-align"`.
        .filter_style_properties(HashSet::from(["text-align"]));
    for (tag, attributes) in TAG_ATTRIBUTES {
        b.add_tag_attributes(*tag, attributes.iter().copied());
    }
    b
});

/// `html` with everything unsafe removed.
pub fn clean(html: &str) -> String {
    CLEANER.clean(html).to_string()
}

#[cfg(test)]
mod tests {
    use super::clean;

    #[test]
    fn scripts_handlers_and_unsafe_urls_go() {
        let dirty = r#"<p onclick="x()">a<script>alert(1)</script><img src=x onerror=alert(2)></p><a href="javascript:alert(3)">j</a><iframe src="https://example.org"></iframe><style>body{}</style><svg><script>alert(4)</script><a href="data:text/html,x">d</a></svg><form action="/x"><input type="text" name="q"></form>"#;
        let out = clean(dirty);
        for bad in [
            "onclick",
            "script",
            "alert",
            "onerror",
            "javascript:",
            "iframe",
            "style",
            "data:",
            "form",
        ] {
            assert!(!out.contains(bad), "`{bad}` left in {out}");
        }
        assert!(out.contains("<p>a<img src=\"x\"></p>"), "{out}");
    }

    #[test]
    fn kbsite_markup_stays() {
        let ours = r#"<h2 id="x">T</h2><div class="alert is-note" role="note"><p>n</p></div><ul class="contains-task-list"><li><input disabled="" type="checkbox" checked="">t</li></ul><table><thead><tr><th style="text-align: left">h</th></tr></thead></table><section class="kb-tree" id="t" data-kb-tree="t" aria-labelledby="t-h"><a href="a/index.html" data-kb-answer="x" rel="nofollow">y</a></section>"#;
        // Only the style's spacing changes.
        let expected = ours.replace("text-align: left", "text-align:left");
        assert_eq!(clean(ours), expected);
    }

    #[test]
    fn text_stays_text() {
        let out = clean("<p>&lt;script&gt;alert(1)&lt;/script&gt; &quot;onmouseover=</p>");
        assert_eq!(
            out,
            "<p>&lt;script&gt;alert(1)&lt;/script&gt; \"onmouseover=</p>"
        );
    }
}
