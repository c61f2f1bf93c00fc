//! A writer's DocFX repository, built as it is kept: no kbsite.yml, run in
//! the repository's folder (and in one docset's folder). The fixture is a
//! trimmed copy of a real multi-docset repository (see its SOURCE.md).

mod common;

use common::{copy_dir, kbsite, repo, write};
use std::path::Path;

/// The fixture copied to a fresh folder (no repository above it).
fn fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("tests/fixtures/docfx-repo"), dir.path());
    dir
}

/// The content paths under `dir` (a repository) that are articles: the
/// Markdown files outside `includes/` and the YAML pages kbsite builds.
fn article_files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.unwrap();
        let rel = entry
            .path()
            .strip_prefix(dir)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let top_level = !rel.contains('/');
        if !entry.file_type().is_file() || top_level || format!("/{rel}").contains("/includes/") {
            continue;
        }
        let text = || std::fs::read_to_string(entry.path()).unwrap_or_default();
        let page = rel.ends_with(".md")
            || (rel.ends_with(".yml")
                && [
                    "### YamlMime:Landing",
                    "### YamlMime:Hub",
                    "### YamlMime:FAQ",
                ]
                .iter()
                .any(|k| text().starts_with(k)));
        if page {
            out.push(rel);
        }
    }
    out
}

fn build_in_memory(root: &Path) -> kbsite::Build {
    kbsite::build(&kbsite::BuildOptions {
        root: root.to_path_buf(),
        ..Default::default()
    })
}

#[test]
fn the_repository_builds_as_it_is_kept() {
    let dir = fixture();
    let root = dir.path();
    // As the README says: `kbsite build` in the repository's folder.
    let run = kbsite(&["build"], root);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let articles = article_files(root);
    assert!(articles.len() > 250, "{}", articles.len());
    assert!(
        run.stdout.starts_with(&format!(
            "DocFX repository: 8 docsets, {} articles\n",
            articles.len()
        )),
        "{} articles found\n{}",
        articles.len(),
        run.stdout
    );
    assert!(run.stdout.contains(": 0 errors,"), "{}", run.stdout);
    // Every warning left is a defect of the content itself: links and
    // redirects that are broken on the published site too.
    let warnings: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("warning"))
        .collect();
    let defects = [
        "warning: redirect of `Outlook/Client/email-messages/create-recurring-email.md` leads to a missing page",
        "warning: redirect of `Exchange/ExchangeServer/development/manage-distribute-outlook-vba-project.md` leads to a missing page",
        "warning: redirect of `Exchange/ExchangeServer/development/macros-in-this-project-disabled-outlook.md` leads to a missing page",
        "warning: redirect of `Exchange/ExchangeOnline/antispam-and-protection/domains-on-outlook-safe-senders-list-not-recognized.md` leads to a missing page",
        "warning: broken anchor in `/sharepoint/troubleshoot/sharing-and-permissions/access-denied-sharepoint-error#accessing-a-onedrive-site`",
    ];
    assert_eq!(warnings.len(), defects.len(), "{warnings:#?}");
    for d in defects {
        assert!(
            warnings.iter().any(|w| w.starts_with(d)),
            "{d}\n{warnings:#?}"
        );
    }
    // A redirect's problem names the redirection file and its line.
    assert!(run.stderr.contains("--> .openpublishing.redirection.json:"));

    let out = root.join("public");
    let b = build_in_memory(root);
    let site = &b.site;
    // Every article is a page, where its docset publishes it.
    let built: Vec<&str> = site
        .content
        .articles
        .iter()
        .map(|a| a.path.as_str())
        .collect();
    assert_eq!(built, articles);
    for info in &site.linked.articles {
        assert!(
            out.join(&info.dir).join("index.html").is_file(),
            "{}",
            info.dir
        );
    }
    let page =
        |p: &str| std::fs::read_to_string(out.join(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
    // `src: ExchangeHybrid, dest: .` under `/exchange/troubleshoot/`.
    let article =
        page("exchange/troubleshoot/administration/cannot-add-and-verify-domain/index.html");
    assert!(article.contains("<h1"), "{article}");
    // fileMetadata applies by folder; the article's own keys win.
    let i = site
        .content
        .article_index("Exchange/ExchangeHybrid/administration/cannot-add-and-verify-domain.md")
        .unwrap();
    assert_eq!(
        site.content.articles[i].front.service.as_deref(),
        Some("exchange-online")
    );

    // Hub and Landing pages are pages, their links resolved.
    let hub = page("exchange/troubleshoot/index.html");
    assert!(hub.contains("Microsoft 365 troubleshooting for admins and IT professionals"));
    let landing = page("exchange/troubleshoot/exchange-hybrid-welcome/index.html");
    assert!(
        landing.contains("href=\"../administration/endpoint-connection-405-error/index.html\""),
        "{landing}"
    );
    // A site-relative link into another docset resolves on this site.
    let crash = page("exchange/troubleshoot/outlook-issues/crash-issues/index.html");
    assert!(crash.contains(
        "href=\"../../../../outlook/troubleshoot/performance/outlook-not-responding-error-or-outlook-freezes/index.html\""
    ));
    let home = page("index.html");
    for docset in [
        "Exchange",
        "Microsoft 365",
        "Microsoft Teams",
        "Outlook",
        "SharePoint",
        "Viva",
    ] {
        assert!(home.contains(&format!(">{docset}</a>")), "{docset}\n{home}");
    }

    // Every redirect source in a docset of the site is a page: a redirect
    // page, unless a folder's page is there (or another source's redirect:
    // two docset folders publish at one base path).
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root.join(".openpublishing.redirection.json")).unwrap(),
    )
    .unwrap();
    let redirects = json["redirections"].as_array().unwrap();
    let mut dirs = std::collections::BTreeSet::new();
    for r in redirects {
        let source = r["source_path"].as_str().unwrap();
        if !site.content.layout.publishes(source) {
            continue; // a folder no docset publishes
        }
        let dir = kbsite::paths::page_dir(&site.content.site_path(source));
        let html = page(&format!("{dir}index.html"));
        if html.contains("http-equiv=\"refresh\"") {
            dirs.insert(dir);
        } else {
            assert!(site.linked.sections.get(&dir).is_some(), "{source}");
        }
    }
    assert_eq!(site.linked.moved.len(), dirs.len());
    assert!(dirs.len() + 20 > redirects.len(), "{}", dirs.len());
    // Local targets are relative links, followed through chains.
    let moved = page("microsoft-365/troubleshoot/activation/reset-office-365-proplus-activation-state/index.html");
    assert!(moved.contains(
        "url=../../../../office/troubleshoot/activation/reset-office-365-proplus-activation-state/index.html"
    ));
}

#[test]
fn one_docset_builds_from_its_own_folder() {
    let dir = fixture();
    let teams = dir.path().join("Teams");
    let run = kbsite(&["build"], &teams);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.starts_with("DocFX project: 1 docset, "),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(": 0 errors, 0 warnings"),
        "{}{}",
        run.stdout,
        run.stderr
    );
    // Includes at the repository root are found; the other docsets are
    // not built; links into them go to the published site.
    let out = teams.join("public");
    assert!(out.join("microsoftteams/troubleshoot/index.html").is_file());
    assert!(!out.join("exchange").exists());
    let b = build_in_memory(&teams);
    assert!(b
        .site
        .content
        .articles
        .iter()
        .all(|a| a.path.starts_with("Teams/")));
    assert_eq!(b.site.config.title, "Microsoft Teams");
}

/// A small repository written for one problem at a time.
fn repo_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        write(&dir.path().join(path), text.as_bytes());
    }
    dir
}

const PUBLISH: &str =
    r#"{ "docsets_to_publish": [ { "docset_name": "A", "build_source_folder": "A" } ] }"#;
const DOCFX: &str = r#"{ "build": {
  "content": [ { "files": ["**/*.md", "**/*.yml"], "exclude": ["**/includes/**"] } ],
  "resource": [ { "files": ["**/*.png"] } ],
  "globalMetadata": { "breadcrumb_path": "/a/docs/breadcrumb/toc.json", "titleSuffix": "Alpha", "ms.service": "alpha" },
  "fileMetadata": { "ms.topic": { "guides/**/*.md": "how-to" } }
} }"#;

#[test]
fn redirects_chains_loops_and_missing_targets() {
    let redirects = r#"{
  "redirections": [
    { "source_path": "A/old.md", "redirect_url": "/a/docs/older" },
    { "source_path": "A/older.md", "redirect_url": "/a/docs/page" },
    { "source_path": "A/loop-1.md", "redirect_url": "/a/docs/loop-2" },
    { "source_path": "A/loop-2.md", "redirect_url": "/a/docs/loop-1" },
    { "source_path": "A/gone.md", "redirect_url": "/a/docs/nothing-here" },
    { "source_path": "A/away.md", "redirect_url": "https://example.org/x" },
    { "source_path": "B/elsewhere.md", "redirect_url": "/b/x" }
  ]
}"#;
    let dir = repo_with(&[
        (".openpublishing.publish.config.json", PUBLISH),
        (".openpublishing.redirection.json", redirects),
        ("A/docfx.json", DOCFX),
        (
            "A/page.md",
            "# Page\n\n[Old](old.md), [older](/a/docs/older), [guide](guides/g.md).\n",
        ),
        (
            "A/guides/g.md",
            "---\nms.topic: overview\n---\n# Guide\n\n[!INCLUDE [x](../../includes/x.md)]\n",
        ),
        (
            "A/guides/h.md",
            "# H\n\n[!code-csharp[](../../samples/Program.cs)]\n",
        ),
        ("includes/x.md", "Shared text.\n"),
        ("samples/Program.cs", "class Program { }\n"),
    ]);
    let root = dir.path();
    let run = kbsite(&["build"], root);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let stderr = &run.stderr;
    assert!(stderr.contains("warning: redirect loop through `A/loop-1.md`\n  --> .openpublishing.redirection.json:5"), "{stderr}");
    assert!(stderr.contains(
        "warning: redirect of `A/gone.md` leads to a missing page: `/a/docs/nothing-here`\n  --> .openpublishing.redirection.json:7"
    ), "{stderr}");
    let out = root.join("public");
    let page =
        |p: &str| std::fs::read_to_string(out.join(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
    // A chain ends at the page; links to an old address go there too.
    assert!(page("a/docs/old/index.html").contains("url=../page/index.html"));
    assert!(page("a/docs/away/index.html").contains("url=https://example.org/x"));
    let p = page("a/docs/page/index.html");
    assert!(
        p.contains("<a href=\"../page/index.html\">Old</a>")
            || p.contains("href=\"index.html\">Old</a>"),
        "{p}"
    );
    assert!(
        !out.join("b").exists(),
        "a source outside every docset is no page"
    );
    // Metadata: global, by file, and the article's own front matter first.
    let b = build_in_memory(root);
    let g = &b.site.content.articles[b.site.content.article_index("A/guides/g.md").unwrap()];
    assert_eq!(g.front.service.as_deref(), Some("alpha"));
    assert_eq!(g.front.topic.as_deref(), Some("overview"));
    let h = &b.site.content.articles[b.site.content.article_index("A/guides/h.md").unwrap()];
    assert_eq!(h.front.topic.as_deref(), Some("how-to"));
    assert!(page("a/docs/guides/g/index.html").contains("Shared text."));
    // A code sample anywhere in the repository is shown, not copied.
    assert!(page("a/docs/guides/h/index.html").contains("Program"));
    assert!(!out.join("samples").exists());
    assert_eq!(b.site.config.title, "Alpha");
}

#[test]
fn broken_project_files_name_the_file_and_line() {
    let dir = repo_with(&[
        (
            ".openpublishing.publish.config.json",
            r#"{ "docsets_to_publish": [ { "build_source_folder": "A" }, { "build_source_folder": "Missing" } ] }"#,
        ),
        (
            "A/docfx.json",
            "{ \"build\": {\n  \"content\": [ { \"files\": [\"**/*.md\"] } ],\n}\n",
        ),
        ("A/a.md", "# A\n"),
    ]);
    let run = kbsite(&["build"], dir.path());
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("error: not valid JSON"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--> A/docfx.json:3"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("warning: docset folder `Missing/` has no docfx.json"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_folder_with_no_site_says_how_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let run = kbsite(&["build"], dir.path());
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains(
            "no site here: content folder `content` does not exist, and there is no docfx.json"
        ),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("kbsite new DIR"), "{}", run.stderr);
}
