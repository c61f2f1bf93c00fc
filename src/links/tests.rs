use super::*;
use crate::content::from_memory;
use crate::diagnostics::Severity;

fn run(files: &[(&str, &str)], config: &Config) -> (Content, Vec<Parsed>, Linked) {
    let c = from_memory(files, "content/");
    let parsed: Vec<Parsed> = c
        .articles
        .iter()
        .map(|a| crate::markdown::parse(a, &c, &Default::default()))
        .collect();
    let l = link(&c, &parsed, config);
    (c, parsed, l)
}

fn hrefs(l: &Linked, article: usize) -> Vec<String> {
    l.resolved[article]
        .iter()
        .map(|r| match r {
            Resolved::Url(h) => h.clone(),
            Resolved::Page {
                href,
                anchor_ok: true,
                ..
            } => href.clone(),
            Resolved::Page { href, .. } => format!("BAD ANCHOR {href}"),
            Resolved::Broken => "BROKEN".into(),
        })
        .collect()
}

#[test]
fn relative_links_become_relative_page_urls() {
    let (c, _, l) = run(
        &[
            (
                "s/ha/a.md",
                "# A\n[b](b.md) [b2](./b.md#cause) [sql](../sql/c.md) [img](media/p.png) \
                 [sec](../sql/) [home](../../index.md) [x](https://example.org/x) [t](#top) \
                 [mail](mailto:a@b.c) [q](b.md?view=1#x) [sp](my%20doc.md)",
            ),
            ("s/ha/b.md", "# B\n\n## Cause\n\n## X\n"),
            ("s/ha/my doc.md", "# Spaces"),
            ("s/sql/c.md", "# C"),
            ("s/ha/media/p.png", "png"),
            ("index.md", "# Home"),
        ],
        &Config::default(),
    );
    let a = c.article_index("s/ha/a.md").unwrap();
    assert_eq!(
        hrefs(&l, a),
        vec![
            "../b/index.html",
            "../b/index.html#cause",
            "../../sql/c/index.html",
            "../media/p.png",
            "../../sql/index.html",
            "../../../index.html",
            "https://example.org/x",
            "#top",
            "mailto:a@b.c",
            "../b/index.html#x",
            "../my%20doc/index.html",
        ]
    );
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
}

#[test]
fn links_inside_includes_resolve_from_the_include() {
    let (c, _, l) = run(
        &[
            ("s/a.md", "[!INCLUDE [i](../includes/i.md)]\n"),
            ("includes/i.md", "[b](../s/b.md) ![p](media/p.png)\n"),
            ("s/b.md", "# B"),
            ("includes/media/p.png", "png"),
        ],
        &Config::default(),
    );
    let a = c.article_index("s/a.md").unwrap();
    assert_eq!(
        hrefs(&l, a),
        vec!["../b/index.html", "../../includes/media/p.png"]
    );
}

#[test]
fn broken_links_and_missing_images_warn_at_their_line() {
    let (c, _, l) = run(
        &[
            (
                "a.md",
                "# A\n\n[x](nope.md)\n\n![shot](media/none.png)\n\n[esc](../../out.md)\n",
            ),
            ("includes/i.md", "x"),
        ],
        &Config::default(),
    );
    let a = c.article_index("a.md").unwrap();
    assert_eq!(hrefs(&l, a), vec!["BROKEN", "BROKEN", "BROKEN"]);
    let d: Vec<_> = l
        .diagnostics
        .iter()
        .map(|d| (d.severity, d.location().unwrap(), d.message.clone()))
        .collect();
    assert_eq!(
        d[0],
        (
            Severity::Warning,
            "content/a.md:3".into(),
            "broken link `nope.md`".into()
        )
    );
    assert_eq!(d[1].2, "image not found: `media/none.png`");
    assert_eq!(d[1].1, "content/a.md:5");
    assert!(l.diagnostics[2]
        .hint
        .as_deref()
        .unwrap()
        .contains("outside"));
}

#[test]
fn case_mismatch_resolves_with_a_note() {
    let (c, _, l) = run(
        &[("a.md", "# A\n[b](B.MD)"), ("b.md", "# B")],
        &Config::default(),
    );
    let a = c.article_index("a.md").unwrap();
    assert_eq!(hrefs(&l, a), vec!["../b/index.html"]);
    assert_eq!(l.diagnostics[0].severity, Severity::Info);
    assert!(l.diagnostics[0].message.contains("letter case"));
}

#[test]
fn kb_urls_point_at_local_articles() {
    let (c, _, l) = run(
        &[
            (
                "s/a.md",
                "[833770](https://support.microsoft.com/help/833770) [304261](https://support.microsoft.com/kb/304261) [k](kb:833770) [k2](kb:999)",
            ),
            ("t/iscsi.md", "# iSCSI\n\n_Original KB number:_ &nbsp; 833770\n"),
        ],
        &Config::default(),
    );
    let a = c.article_index("s/a.md").unwrap();
    assert_eq!(
        hrefs(&l, a),
        vec![
            "../../t/iscsi/index.html",
            "https://support.microsoft.com/kb/304261",
            "../../t/iscsi/index.html",
            "https://support.microsoft.com/help/999",
        ]
    );
    assert_eq!(l.by_kb["833770"], c.article_index("t/iscsi.md").unwrap());
}

#[test]
fn site_relative_links_through_mounts_or_external_base() {
    let mut config = Config::default();
    config
        .links
        .mounts
        .insert("/troubleshoot/".into(), "support/".into());
    let files = [
        (
            "support/a.md",
            "# A\n[m](/troubleshoot/sql/b) [e](/sql/t-sql/x?view=1#y) [m2](/troubleshoot/sql/b.md#z)",
        ),
        ("support/sql/b.md", "# B\n\n## Z\n"),
    ];
    let (c, _, l) = run(&files, &config);
    let a = c.article_index("support/a.md").unwrap();
    assert_eq!(
        hrefs(&l, a),
        vec!["../sql/b/index.html", "BROKEN", "../sql/b/index.html#z"]
    );
    assert_eq!(l.diagnostics.len(), 1);
    config.links.external_base = Some("https://learn.microsoft.com".into());
    let (_, _, l) = run(&files, &config);
    assert_eq!(
        hrefs(&l, a)[1],
        "https://learn.microsoft.com/sql/t-sql/x?view=1#y"
    );
}

#[test]
fn unsafe_links_removed_unless_allowed() {
    let files = [(
        "a.md",
        "[x](javascript:alert(1)) ![i](data:image/png;base64,AAAA)",
    )];
    let (_, _, l) = run(&files, &Config::default());
    assert_eq!(hrefs(&l, 0), vec!["BROKEN", "data:image/png;base64,AAAA"]);
    let config = Config {
        allow_unsafe_links: true,
        ..Config::default()
    };
    let (_, _, l) = run(&files, &config);
    assert_eq!(hrefs(&l, 0)[0], "javascript:alert(1)");
}

#[test]
fn titles_kb_numbers_and_duplicates() {
    let (c, _, l) = run(
        &[
            ("a.md", "---\ntitle: Front\nkb: 123\n---\n# Body H1\n"),
            ("b.md", "# From H1\n\n_Original KB number:_ 123\n"),
            ("c.md", "no heading"),
            ("d.md", "---\nuid: x\n---\n"),
            ("e.md", "---\nuid: x\n---\n"),
        ],
        &Config::default(),
    );
    let titles: Vec<_> = l.articles.iter().map(|a| a.title.as_str()).collect();
    assert_eq!(titles, vec!["Front", "From H1", "c", "d", "e"]);
    let errors: Vec<_> = l
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| (d.location().unwrap(), d.message.clone()))
        .collect();
    // Each at the line that gives the key: front matter or the body's
    // "Original KB number" line.
    assert_eq!(
        errors,
        vec![
            (
                "content/b.md:3".into(),
                "duplicate KB number 123: also used by `content/a.md:3`".into()
            ),
            (
                "content/e.md:2".into(),
                "duplicate uid x: also used by `content/d.md:2`".into()
            ),
        ]
    );
    let warned: Vec<_> = l
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .map(|d| d.file.clone().unwrap())
        .collect();
    assert_eq!(warned, vec!["content/c.md", "content/d.md", "content/e.md"]);
    assert_eq!(c.articles.len(), 5);
}

#[test]
fn same_page_twice_is_an_error() {
    let (_, _, l) = run(
        &[("a.md", "# A"), ("a/index.md", "# A too")],
        &Config::default(),
    );
    assert!(l
        .diagnostics
        .iter()
        .any(|d| d.severity == Severity::Error && d.message.contains("would both be written")));
}

#[test]
fn anchors_are_checked_with_a_hint() {
    let (c, _, l) = run(
        &[
            (
                "a.md",
                "# A\n\n## Local\n\n[ok](#local) [bad](#locl) [top](#top) [raw](#raw) [b](b.md#cause) [b2](b.md#Cause)\n\n<a id=\"raw\"></a>\n",
            ),
            ("b.md", "# B\n\n## Cause\n"),
        ],
        &Config::default(),
    );
    let a = c.article_index("a.md").unwrap();
    assert_eq!(
        hrefs(&l, a),
        vec![
            "#local",
            "#locl",
            "#top",
            "#raw",
            "../b/index.html#cause",
            "BAD ANCHOR ../b/index.html#Cause"
        ]
    );
    let d: Vec<_> = l
        .diagnostics
        .iter()
        .map(|d| (d.message.clone(), d.hint.clone().unwrap_or_default()))
        .collect();
    assert_eq!(d.len(), 2, "{d:?}");
    assert_eq!(d[0].0, "broken anchor in `#locl`: no `#locl` in this page");
    assert_eq!(d[0].1, "did you mean `#local`?");
    assert_eq!(
        d[1].0,
        "broken anchor in `b.md#Cause`: no `#Cause` in `b.md`"
    );
    assert_eq!(d[1].1, "did you mean `#cause`?");
}

#[test]
fn xref_uids_and_kb_paths() {
    let (c, _, l) = run(
        &[
            (
                "s/a.md",
                "# A\n\n[t](xref:policy-uid) <xref:policy-uid> [q](xref:policy-uid?displayProperty=fullName#more) [n](xref:nope) [k](/kb/841696) [k2](/kb/123456/)\n",
            ),
            ("t/policy.md", "---\nuid: policy-uid\nkb: 841696\n---\n# Storage policy\n\n## More\n"),
        ],
        &Config::default(),
    );
    let a = c.article_index("s/a.md").unwrap();
    assert_eq!(
        hrefs(&l, a),
        vec![
            "../../t/policy/index.html",
            "../../t/policy/index.html",
            "../../t/policy/index.html#more",
            "BROKEN",
            "../../t/policy/index.html",
            "https://support.microsoft.com/kb/123456",
        ]
    );
    assert_eq!(l.diagnostics.len(), 1);
    assert_eq!(l.diagnostics[0].message, "unknown xref `xref:nope`");
    assert_eq!(
        l.by_uid["policy-uid"],
        c.article_index("t/policy.md").unwrap()
    );
}

#[test]
fn kb_mentions_link_only_when_local_and_not_in_code_links_or_headings() {
    let (c, p, l) = run(
        &[
            (
                "a.md",
                "# A\n\n## About KB 833770\n\nSee KB 833770, KB833770 and KB 999999.\n\n`KB 833770` and [KB 833770](b.md)\n\n```\nKB 833770\n```\n",
            ),
            ("b.md", "# B\n\n_Original KB number:_ &nbsp; 833770\n\nThis is KB 833770 itself.\n"),
        ],
        &Config::default(),
    );
    let a = c.article_index("a.md").unwrap();
    let mentions: Vec<_> = p[a]
        .links
        .iter()
        .zip(&l.resolved[a])
        .filter(|(k, _)| k.kind == crate::markdown::LinkKind::Mention)
        .map(|(k, r)| (k.alt.clone(), r.href().map(str::to_string)))
        .collect();
    assert_eq!(
        mentions,
        vec![
            ("KB 833770".to_string(), Some("../b/index.html".to_string())),
            ("KB833770".to_string(), Some("../b/index.html".to_string())),
            ("KB 999999".to_string(), None),
        ]
    );
    // An article does not link its own KB number to itself.
    let b = c.article_index("b.md").unwrap();
    assert!(l.resolved[b].iter().all(|r| r.href().is_none()));
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
}

#[test]
fn raw_html_urls_are_resolved_too() {
    let (c, p, l) = run(
        &[
            (
                "s/a.md",
                "# A\n\n<img src=\"media/x.png\" alt=\"X\"> <a href=\"b.md#top\">b</a> <a href=\"https://example.org\">e</a> <a href='#raw'>r</a>\n",
            ),
            ("s/b.md", "# B"),
            ("s/media/x.png", "png"),
        ],
        &Config::default(),
    );
    let a = c.article_index("s/a.md").unwrap();
    assert_eq!(hrefs(&l, a), vec!["../media/x.png", "../b/index.html#top"]);
    assert!(
        p[a].html.text().contains("src=\"\u{1}0\u{2}\""),
        "{}",
        p[a].html.text()
    );
    assert!(p[a].html.text().contains("href=\"https://example.org\""));
}

#[test]
fn did_you_mean_from_same_folder_or_same_name() {
    let (_, _, l) = run(
        &[
            (
                "s/a.md",
                "# A\n\n[x](cluster-setup-guide.md) [y](../other/unique-name.md) [z](zzz.md)\n",
            ),
            ("s/cluster-setup-guid.md", "# G"),
            ("t/unique-name.md", "# U"),
        ],
        &Config::default(),
    );
    let hints: Vec<_> = l
        .diagnostics
        .iter()
        .map(|d| d.hint.clone().unwrap())
        .collect();
    assert_eq!(hints[0], "did you mean `cluster-setup-guid.md`?");
    assert_eq!(hints[1], "did you mean `../t/unique-name.md`?");
    assert_eq!(hints[2], "nothing at content path `s/zzz.md`");
}

#[test]
fn backlinks_and_related() {
    let (c, _, l) = run(
        &[
            ("a.md", "---\ntitle: Alpha\nappliesto: [Windows Server 2019]\nms.subservice: ha\n---\n[b](b.md) [b again](b.md) [c](c.md)\n"),
            ("b.md", "---\ntitle: Beta\nappliesto: [Windows Server 2019]\nms.subservice: ha\n---\n[a](a.md)\n"),
            ("c.md", "---\ntitle: Gamma\nappliesto: [Windows 11]\nms.topic: faq\n---\n[b](b.md)\n"),
            ("old.md", "---\ntitle: Old\nredirect_url: b.md\nappliesto: [Windows Server 2019]\n---\n"),
        ],
        &Config::default(),
    );
    let idx = |p: &str| c.article_index(p).unwrap();
    let (a, b, cc, old) = (idx("a.md"), idx("b.md"), idx("c.md"), idx("old.md"));
    assert_eq!(l.backlinks[b], vec![a, cc], "sorted by title, once each");
    assert_eq!(l.backlinks[a], vec![b]);
    assert_eq!(l.related[a], vec![b]);
    assert!(l.related[cc].is_empty(), "shares nothing");
    assert!(l.related[old].is_empty() && !l.related[a].contains(&old));
    assert_eq!(l.redirects[old].as_ref().and_then(|r| r.article()), Some(b));
    assert!(l
        .sections
        .get("")
        .unwrap()
        .articles
        .iter()
        .all(|&i| i != old));
}

/// Edits article `i` in place (new file text), parses it again and runs
/// [`update`]; returns whether it could, and what a full link makes.
fn edit_and_update(
    c: &mut Content,
    parsed: &mut [Parsed],
    l: &mut Linked,
    i: usize,
    text: &str,
) -> (bool, Linked) {
    let path = c.articles[i].path.clone();
    let before = shape(c, parsed, i);
    let edited = from_memory(&[(path.as_str(), text)], "content/");
    c.articles[i] = edited.articles[0].clone();
    parsed[i] = crate::markdown::parse(&c.articles[i], c, &Default::default());
    let ok = update(l, c, parsed, &Config::default(), &[(i, before)]);
    (ok, link(c, parsed, &Config::default()))
}

/// What a page shows of the link stage's results.
fn view(l: &Linked) -> impl PartialEq + std::fmt::Debug {
    (
        l.resolved.clone(),
        l.redirects.clone(),
        l.backlinks.clone(),
        l.related.clone(),
        l.stats,
        l.diagnostics.clone(),
    )
}

#[test]
fn update_after_a_body_or_heading_edit_equals_a_full_link() {
    let files = [
        ("s/a.md", "# A\n\n## Cause\n\n[b](b.md)"),
        ("s/b.md", "# B\n\n[a](a.md#cause) [c](c.md)"),
        ("s/c.md", "# C\n\n[a](a.md#fix)"),
    ];
    let (mut c, mut parsed, mut l) = run(&files, &Config::default());
    // Body: a stops linking to b and links to c (backlinks move).
    let (ok, full) = edit_and_update(
        &mut c,
        &mut parsed,
        &mut l,
        0,
        "# A\n\n## Cause\n\n[c](c.md)",
    );
    assert!(ok);
    assert_eq!(view(&l), view(&full));
    // Headings: `cause` goes, `fix` comes; b's and c's anchors flip.
    let (ok, full) = edit_and_update(&mut c, &mut parsed, &mut l, 0, "# A\n\n## Fix\n\n[c](c.md)");
    assert!(ok);
    assert_eq!(view(&l), view(&full));
    assert!(l.diagnostics.iter().any(|d| d.message.contains("#cause")));
}

#[test]
fn update_declines_when_what_others_see_changed() {
    let files = [("s/a.md", "# A\n"), ("s/b.md", "# B\n\n[a](a.md)")];
    let (mut c, mut parsed, mut l) = run(&files, &Config::default());
    let (ok, _) = edit_and_update(&mut c, &mut parsed, &mut l, 0, "# A renamed\n");
    assert!(!ok, "a new title changes listings and backlink order");
    let (mut c, mut parsed, mut l) = run(&files, &Config::default());
    let (ok, _) = edit_and_update(&mut c, &mut parsed, &mut l, 0, "---\nkb: 123\n---\n# A\n");
    assert!(!ok, "a new KB number changes alias pages and mentions");
}

/// Everything a page is made from, as text: `relink` and `link` must agree
/// on all of it.
fn snapshot(l: &Linked) -> String {
    let mut diags: Vec<String> = l.diagnostics.iter().map(|d| format!("{d:?}")).collect();
    diags.sort();
    let mut kb: Vec<_> = l.by_kb.iter().collect();
    kb.sort();
    let mut uid: Vec<_> = l.by_uid.iter().collect();
    uid.sort();
    format!(
        "{:#?}\n{:#?}\n{:#?}\n{:#?}\n{:#?}\n{:#?}\n{:#?}\n{:#?}\n{:#?}\n{:#?}\n{:#?}\n{kb:?}\n{uid:?}\n{diags:#?}",
        l.articles,
        l.resolved,
        l.redirects,
        l.backlinks,
        l.related,
        l.sections,
        l.taxonomies,
        l.neighbours,
        l.navs,
        l.nav_of,
        l.stats,
    )
}

/// The site `files`, changed into `after` (a file `None` is deleted),
/// linked afresh and relinked from before: the same.
fn relinks_like_link(files: &[(&str, &str)], after: &[(&str, Option<&str>)]) {
    let config = Config {
        links: crate::config::LinksConfig {
            mounts: [("/kb-site/".to_string(), "s/".to_string())].into(),
            external_base: None,
        },
        ..Config::default()
    };
    let (before, _, old) = run(files, &config);
    let mut now: Vec<(&str, &str)> = files
        .iter()
        .filter(|(p, _)| !after.iter().any(|(q, _)| q == p))
        .copied()
        .collect();
    now.extend(after.iter().filter_map(|(p, t)| Some((*p, (*t)?))));
    let (c, parsed, fresh) = run(&now, &config);
    let old_paths: Vec<String> = before.articles.iter().map(|a| a.path.clone()).collect();
    let changed: Vec<String> = after.iter().map(|(p, _)| p.to_string()).collect();
    let reparsed: Vec<usize> = (0..c.articles.len())
        .filter(|&i| changed.contains(&c.articles[i].path))
        .collect();
    let changes = Changes {
        parsed: &reparsed,
        files: &changed,
    };
    let relinked = relink(old, &old_paths, &c, &parsed, &config, &changes);
    assert_eq!(snapshot(&relinked), snapshot(&fresh), "after {after:?}");
}

#[test]
fn relink_equals_link_whatever_comes_goes_or_changes() {
    let site: &[(&str, &str)] = &[
        ("index.md", "# Home\n\nSee [policy](s/ha/policy.md) and KB 841696."),
        (
            "s/ha/policy.md",
            "---\ntitle: Policy\nkb: 841696\nuid: the-policy\nms.topic: reference\n---\n# Policy\n\n_Applies to:_ Windows Server 2019\n\n## Cause\n\nText [a](a.md#cause) ![pic](media/pic.png) [new](new.md) [gone](old.md) [up](../ha) [folder](../sql/)",
        ),
        (
            "s/ha/a.md",
            "---\ntitle: A\nms.topic: reference\n---\n# A\n\n_Applies to:_ Windows Server 2019\n\n## Cause\n\n[p](policy.md#cause) <xref:the-policy> [kb](https://support.microsoft.com/help/841696) [m](/kb-site/ha/policy) [x](/kb-site/sql/c)",
        ),
        ("s/ha/old.md", "# Old\n\n[b](b.md)"),
        ("s/ha/b.md", "# B\n\nKB 123456 and [a](A.md)"),
        ("s/sql/c.md", "---\ntitle: C\nredirect_url: ../ha/a.md\n---\n"),
        ("s/ha/toc.yml", "- name: Policy\n  href: policy.md\n- name: New\n  href: new.md\n"),
    ];
    let cases: &[&[(&str, Option<&str>)]] = &[
        // A new article others already link to (by path and KB number).
        &[(
            "s/ha/new.md",
            Some("---\nkb: 123456\n---\n# New\n\n## Cause\n"),
        )],
        // An article deleted, one renamed (its links follow).
        &[("s/ha/old.md", None)],
        &[
            ("s/ha/a.md", None),
            ("s/ha/renamed.md", Some("# A renamed\n\n[p](policy.md)")),
        ],
        // A retitle, a new KB number, a new uid, other anchors.
        &[(
            "s/ha/a.md",
            Some("---\ntitle: Zed\nkb: 999\nuid: zed\n---\n# Zed\n\n## Other\n"),
        )],
        &[(
            "s/ha/policy.md",
            Some("---\ntitle: Policy\nkb: 841697\n---\n# Policy\n\n## Changed\n"),
        )],
        // An image appears; a folder's page appears; a whole new folder.
        &[("s/ha/media/pic.png", Some("png"))],
        &[("s/sql/index.md", Some("# SQL\n"))],
        &[("s/new/x.md", Some("# X\n\n[p](../ha/policy.md)"))],
        // A redirect turned into an article.
        &[("s/sql/c.md", Some("# C is back\n"))],
    ];
    for after in cases {
        relinks_like_link(site, after);
    }
}

/// Articles `from..to` of a generated site: folders of 50, products and
/// topics from small sets, dates, and links to neighbours and KB numbers.
fn generated(range: std::ops::Range<usize>, variant: &str) -> Vec<(String, String)> {
    range
        .map(|i| {
            let products = ["Windows Server 2019", "Windows Server 2022", "SQL Server", "Exchange"];
            let applies = format!("{}, {}", products[i % 4], products[(i / 3) % 4]);
            let topic = ["reference", "troubleshooting", "how-to"][i % 3];
            let path = format!("s/f{}/a{i:04}.md", i / 50);
            let text = format!(
                "---\ntitle: {variant}Article {}\nms.date: 0{}/1{}/2024\nms.topic: {topic}\nkb: {}\n---\n# Article\n\n_Applies to:_ {applies}\n\n## Part {}\n\nSee [next](../f{}/a{:04}.md#part-{}) and KB {}.\n",
                (i * 7919) % 1000,
                1 + i % 9,
                i % 10,
                100_000 + i,
                i % 5,
                (i + 1) / 50,
                i + 1,
                (i + 1) % 5,
                100_000 + (i * 13) % 400,
            );
            (path, text)
        })
        .collect()
}

#[test]
fn relink_equals_link_on_a_site_with_long_postings() {
    let site = generated(0..400, "");
    let files: Vec<(&str, &str)> = site.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    let retitled = generated(120..122, "Retitled ");
    let added = generated(400..403, "");
    let changed_terms = generated(7..8, "")
        .pop()
        .unwrap()
        .1
        .replace("Exchange", "Office");
    let mut after: Vec<(&str, Option<&str>)> = vec![
        (files[10].0, None),
        (files[11].0, None),
        (files[299].0, None),
        (retitled[0].0.as_str(), Some(retitled[0].1.as_str())),
        (retitled[1].0.as_str(), Some(retitled[1].1.as_str())),
        (files[7].0, Some(changed_terms.as_str())),
    ];
    after.extend(added.iter().map(|(p, t)| (p.as_str(), Some(t.as_str()))));
    relinks_like_link(&files, &after);
    for one in &after {
        relinks_like_link(&files, std::slice::from_ref(one));
    }
}

#[test]
fn carry_moves_entries_in_place_as_a_new_list_would() {
    // Every way of dropping old entries and adding new ones among a few:
    // per old entry, one bit adds a new entry before it, one keeps it.
    for m in 0..6usize {
        for mask in 0..(1u32 << (2 * m + 1)) {
            let mut old_of_new = Vec::new();
            for k in 0..m {
                if mask & (1 << (2 * k)) != 0 {
                    old_of_new.push(None);
                }
                if mask & (1 << (2 * k + 1)) != 0 {
                    old_of_new.push(Some(k));
                }
            }
            if mask & (1 << (2 * m)) != 0 {
                old_of_new.push(None);
            }
            let list: Vec<String> = (0..m).map(|k| format!("e{k}")).collect();
            let expected: Vec<String> = old_of_new
                .iter()
                .map(|k| k.map(|k| list[k].clone()).unwrap_or_default())
                .collect();
            assert_eq!(carry(list, &old_of_new), expected, "{m} {old_of_new:?}");
        }
    }
    // A list left empty gives defaults.
    assert_eq!(carry(Vec::<u8>::new(), &[Some(0), None]), vec![0, 0]);
}
