use super::*;
use crate::content::from_memory;

fn parse_one(files: &[(&str, &str)]) -> Parsed {
    let c = from_memory(files, "content/");
    let i = c
        .article_index(files[0].0)
        .expect("first file is an article");
    parse(&c.articles[i], &c, &Settings::default())
}

fn html(md: &str) -> String {
    parse_one(&[("a.md", md)]).html.text().into_owned()
}

#[test]
fn alerts_in_every_variant() {
    for md in [
        "> [!NOTE]\n> Careful.\n",
        "> [!Note]\n> Careful.\n",
        ">[!NOTE]\n>Careful.\n",
        "> [!NOTE] Careful.\n",
        "1. Step\n\n   > [!NOTE]\n   > Careful.\n",
        "- Item\n\n     > [!NOTE]\n     > Careful.\n",
    ] {
        let h = html(md);
        assert!(
            h.contains("<div class=\"kb-alert kb-alert-note\" role=\"note\">"),
            "{md:?} → {h}"
        );
        assert!(h.contains("<p class=\"kb-alert-title\">Note</p>"), "{h}");
        assert!(h.contains("Careful."), "{h}");
        assert!(!h.contains("[!"), "{md:?} → {h}");
        assert!(!h.contains("<blockquote"), "{md:?} → {h}");
    }
    for (kind, title) in [
        ("TIP", "Tip"),
        ("IMPORTANT", "Important"),
        ("CAUTION", "Caution"),
        ("WARNING", "Warning"),
    ] {
        let h = html(&format!("> [!{kind}]\n> Text.\n"));
        let class = format!("kb-alert-{}", kind.to_lowercase());
        assert!(h.contains(&class), "{h}");
        assert!(h.contains(&format!(">{title}</p>")), "{h}");
    }
}

#[test]
fn plain_blockquote_stays() {
    let h = html("> Just a quote.\n");
    assert!(h.contains("<blockquote>"), "{h}");
}

#[test]
fn nextstepaction_div() {
    let h = html("> [!div class=\"nextstepaction\"]\n> [Troubleshoot](other.md)\n");
    assert!(h.starts_with("<div class=\"nextstepaction\">"), "{h}");
    assert!(!h.contains("[!div"), "{h}");
    assert!(!h.contains("blockquote"), "{h}");
    assert!(h.contains("\u{1}0\u{2}Troubleshoot</a>"), "{h}");
}

#[test]
fn headings_get_ids_and_first_h1_moves_out() {
    let p = parse_one(&[(
        "a.md",
        "# Overview of the *policy*\n\nIntro text.\n\n## Cause\n\n### Detail one\n\n## Cause\n\n#### Deep\n",
    )]);
    let h1 = p.h1.as_ref().unwrap();
    assert_eq!(h1.text, "Overview of the policy");
    assert_eq!(h1.id, "overview-of-the-policy");
    assert_eq!(
        p.h1_html.as_deref().unwrap(),
        "Overview of the <em>policy</em>"
    );
    assert!(!p.html.text().contains("<h1"), "{}", p.html.text());
    assert!(p.html.text().contains("<h2 id=\"cause\">Cause</h2>"));
    assert!(p.html.text().contains("<h2 id=\"cause-1\">Cause</h2>"));
    assert!(p.html.text().contains("<h4 id=\"deep\">Deep</h4>"));
    let ids: Vec<_> = p.toc().iter().map(|e| e.id).collect();
    assert_eq!(ids, vec!["cause", "cause-1"]);
    assert_eq!(p.toc()[0].children[0].id, "detail-one");
    assert_eq!(p.summary, "Intro text.");
}

#[test]
fn second_h1_stays_in_body() {
    let p = parse_one(&[("a.md", "# One\n\n# Two\n")]);
    assert_eq!(p.h1.unwrap().text, "One");
    assert!(
        p.html.text().contains("<h1 id=\"two\">Two</h1>"),
        "{}",
        p.html.text()
    );
}

#[test]
fn links_become_placeholders_with_origin() {
    let p = parse_one(&[
        (
            "s/a.md",
            "---\ntitle: A\n---\nSee [b](b.md#x \"Bee\") and ![pic](media/p.png).\n\n[!INCLUDE [i](../inc/i.md)]\n",
        ),
        ("inc/i.md", "Line one\n\n[c](c.md)\n"),
    ]);
    assert_eq!(p.links.len(), 3);
    assert_eq!(p.links[0].target, "b.md#x");
    assert_eq!(p.links[0].title, "Bee");
    assert_eq!(p.links[0].at.line, 4);
    assert_eq!(p.links[1].kind, LinkKind::Image);
    assert_eq!(p.links[1].alt, "pic");
    assert_eq!(p.links[2].target, "c.md");
    assert_eq!(p.file_of(p.links[2].at), "content/inc/i.md");
    assert_eq!(p.links[2].at.line, 3);
    assert!(
        p.html
            .text()
            .contains("See \u{1}0\u{2}b</a> and \u{1}1\u{2}."),
        "{}",
        p.html.text()
    );
}

#[test]
fn image_block_and_missing_include_marked() {
    let p = parse_one(&[(
        "a.md",
        "Text\n:::image type=\"content\" source=\"media/x.png\" alt-text=\"Shot of X.\":::\n\n[!INCLUDE [t](nope.md)]\n",
    )]);
    assert!(
        p.html
            .text()
            .contains("<p class=\"kb-image\">\u{1}0\u{2}</p>"),
        "{}",
        p.html.text()
    );
    assert_eq!(p.links[0].alt, "Shot of X.");
    assert!(
        p.html.text().contains("class=\"kb-missing\""),
        "{}",
        p.html.text()
    );
    assert!(!p.html.text().contains(":::image"));
    assert!(!p.html.text().contains("[!INCLUDE"));
    assert_eq!(p.diagnostics.len(), 1);
}

#[test]
fn raw_html_passes_and_counts_anchors() {
    let p = parse_one(&[(
        "a.md",
        "<a id=\"top\"></a>\n\nText <span name='inline'>x</span> and <br>\n",
    )]);
    assert!(p.html.text().contains("<a id=\"top\"></a>"));
    assert_eq!(p.html_anchors, vec!["top", "inline"]);
}

#[test]
fn gfm_extensions() {
    let h = html(
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n~~old~~\n\n- [x] done\n\nNote[^1].\n\n[^1]: Foot.\n",
    );
    assert!(h.contains("<table>"));
    assert!(h.contains("<del>old</del>"));
    assert!(h.contains("type=\"checkbox\""));
    assert!(h.contains("footnote"));
}

#[test]
fn kb_meta_and_summary_skip_notes() {
    let p = parse_one(&[(
        "a.md",
        "# T\n\n> [!NOTE]\n> Not the summary.\n\nThe summary.\n\n_Applies to:_ &nbsp; Windows Server 2012 R2  \n_Original KB number:_ &nbsp; 841696\n",
    )]);
    assert_eq!(p.summary, "The summary.");
    assert_eq!(p.meta.kb_number.as_deref(), Some("841696"));
    assert!(!p.html.text().contains("Applies"));
}

#[test]
fn inline_text_resolves_entities() {
    assert_eq!(inline_text("&nbsp; *Windows*"), "\u{a0} Windows");
}

#[test]
fn plain_text_for_search() {
    let p = parse_one(&[
        (
            "a.md",
            "# Title\n\nSome *emphasised* text &amp; more, see [link](b.md).\n\n## Heading\n\nKB 833770 and ![shot of x](x.png)\n\n- one\n- two\n\n```\ncode_here\n```\n",
        ),
        ("b.md", "# B"),
    ]);
    let text = plain_text(&p.html.text(), &p.links);
    let words: Vec<&str> = text.split_whitespace().collect();
    assert_eq!(
        words,
        vec![
            "Some",
            "emphasised",
            "text",
            "&",
            "more,",
            "see",
            "link.",
            "KB",
            "833770",
            "and",
            "shot",
            "of",
            "x",
            "one",
            "two",
            "code_here"
        ]
    );
}

#[test]
fn plain_text_handles_raw_html_in_any_case() {
    let text = plain_text(
        "<P>one<B>two</B></P><H2 id=x>Left out</H2><SVG><text>no</text></SVG>three <",
        &[],
    );
    let words: Vec<&str> = text.split_whitespace().collect();
    // Inline tags do not split words; block tags do.
    assert_eq!(words, vec!["onetwo", "three"]);
}

#[test]
fn highlight_fences_mark_their_lines() {
    let h = html("1. Step\n\n   ```text {highlight=2,4-}\n   a\n   <b> KB 123456\n   c\n   d\n   e\n   ```\n");
    assert!(
        h.contains(
            "<li>\n<p>Step</p>\n<pre><code class=\"language-text\" data-kb-highlight=\"2,4-\">a\n\
             <mark class=\"kb-hl\">&lt;b&gt; KB 123456</mark>\nc\n<mark class=\"kb-hl\">d</mark>\n\
             <mark class=\"kb-hl\">e</mark>\n</code></pre>\n</li>"
        ),
        "{h}"
    );
    // With syntax colours too: each marked line holds its own spans.
    let h = html("```csharp {highlight=2}\nvar a = \"x\";\nreturn a;\n```\n");
    let marked = h.lines().nth(1).unwrap();
    assert!(
        marked.starts_with("<mark class=\"kb-hl\"><span class=\"hl-source hl-cs\">"),
        "{h}"
    );
    assert!(marked.ends_with("</span></mark>"), "{h}");
    // Fences with nothing to add are pulldown-cmark's own.
    let h = html("```output\nKB 123456\n```\n");
    assert_eq!(
        h,
        "<pre><code class=\"language-output\">KB 123456\n</code></pre>\n"
    );
    let p = parse_one(&[("a.md", "```cs {highlight=1}\nKB 123456\n```\n")]);
    assert!(p.links.is_empty(), "no KB mention links in code");
}

#[test]
fn a_missing_code_sample_is_marked() {
    let p = parse_one(&[("a.md", "# A\n\n> [!code-cs[Main](samples/nope.cs#Main)]\n")]);
    assert!(
        p.html.text().contains(
            "<p class=\"kb-missing\" role=\"note\">Missing code sample <code>samples/nope.cs#Main</code> (not found)</p>"
        ),
        "{}",
        p.html.text()
    );
    assert_eq!(p.diagnostics.len(), 1);
    assert_eq!(p.diagnostics[0].location().unwrap(), "content/a.md:3");
    assert_eq!(p.sources[1].path, "samples/nope.cs");
}

#[test]
fn email_autolinks_are_mailto_links() {
    let p = parse_one(&[("a.md", "Write to <User@contoso.com> or <mailto:b@c.org>.\n")]);
    let targets: Vec<&str> = p.links.iter().map(|l| l.target.as_str()).collect();
    assert_eq!(targets, vec!["mailto:User@contoso.com", "mailto:b@c.org"]);
}
