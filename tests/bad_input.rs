//! The bad-input suite: every folder in `tests/bad_input/` is one thing a
//! writer (or a contributor, or a file system) does to kbsite, with a
//! `case.yml` saying what must happen:
//!
//! - `expect: error`: exit 1, each listed diagnostic (severity, `file:line`,
//!   message, exactly), every other article still loaded and reported on,
//!   and the previous output left as it was;
//! - `expect: warning`: exit 0 with the listed warnings, every page built;
//! - `expect: ok`: exit 0, no problem but the ones listed, every page built.
//!
//! Every case also gets `good.md`, a fine article with one broken link: its
//! warning must be reported whatever else goes wrong, which shows the other
//! articles were still processed. Each case is checked twice: on the site
//! model in memory (`kbsite::build` without writing) and through the binary
//! (exit code, what it prints, what is left in the output folder). Cases too
//! big or too odd to keep in git (`generate:`) are made here.

use kbsite::diagnostics::Diagnostic;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;

const GOOD: &str = "---\ntitle: Good article\n---\n# Good article\n\n\
                    This one is fine, but links to [a missing page](missing.md).\n";
const GOOD_WARNING: &str = "warning content/good.md:6 broken link `missing.md`";
const OLD_PAGE: &str = "<p>the previous build</p>";

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    about: String,
    expect: Expect,
    #[serde(default)]
    generate: Option<String>,
    /// Problems reported, as `severity file[:line[:col]] message`. Errors
    /// and warnings must be exactly these (plus good.md's); listed notes
    /// must be there.
    #[serde(default)]
    diagnostics: Vec<String>,
    /// Articles in the loaded site, by content path.
    articles: Vec<String>,
    /// Text an article's page must hold.
    #[serde(default)]
    page_contains: BTreeMap<String, String>,
    /// Address-space limit for the binary, for the cases that must be
    /// refused in bounded memory.
    #[serde(default)]
    memory_mb: Option<u64>,
}

#[derive(serde::Deserialize, PartialEq, Clone, Copy, Debug)]
#[serde(rename_all = "lowercase")]
enum Expect {
    Error,
    Warning,
    Ok,
}

fn cases_dir() -> PathBuf {
    common::repo().join("tests/bad_input")
}

fn load_case(name: &str) -> Case {
    let path = cases_dir().join(name).join("case.yml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{path:?}: {e}"))
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let dest = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

/// The case's site in a temp dir: kbsite.yml, its content, good.md.
fn site_for(name: &str, case: &Case) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    common::write(&root.join("kbsite.yml"), b"title: Bad input\n");
    let content = cases_dir().join(name).join("content");
    if content.is_dir() {
        copy_tree(&content, &root.join("content"));
    }
    common::write(&root.join("content/good.md"), GOOD.as_bytes());
    if let Some(g) = &case.generate {
        generate(g, &root.join("content"));
    }
    dir
}

fn generate(what: &str, content: &Path) {
    let put = |path: &str, bytes: &[u8]| common::write(&content.join(path), bytes);
    match what {
        "tree-10000-nodes" => put("bad.md", big_tree(10_000).as_bytes()),
        "unreadable" => {
            put("bad.md", b"# Secret\n");
            set_mode(&content.join("bad.md"), 0o000);
        }
        "utf16" => {
            let text = "---\ntitle: Saved as UTF-16\n---\n# Saved as UTF-16\n\nCafé crème.\r\n";
            let bytes: Vec<u8> = [0xFF, 0xFE]
                .into_iter()
                .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
                .collect();
            put("bad.md", &bytes);
        }
        "article-20mb" => put("bad.md", big_article(20 << 20).as_bytes()),
        "deep-nesting" => {
            put(
                "quotes.md",
                format!("# Quotes\n\n{} deep\n", ">".repeat(10_000)).as_bytes(),
            );
            // `- - - item` nests as `>>> item` does; a list indented that
            // deep would be 100 MB of spaces.
            put(
                "list.md",
                format!("# List\n\n{}item\n", "- ".repeat(10_000)).as_bytes(),
            );
        }
        "many-links" => {
            let links: String = (0..100_000)
                .map(|i| match i % 4 {
                    0 => format!("[l{i}](good.md) "),
                    1 => format!("[l{i}](good.md#good-article) "),
                    2 => format!("[l{i}](#many-links) "),
                    _ => format!("[l{i}](https://example.org/{i}) "),
                })
                .collect();
            put("bad.md", format!("# Many links\n\n{links}\n").as_bytes());
        }
        "symlink-loop" => {
            std::os::unix::fs::symlink("..", content.join("sub/loop")).unwrap();
            std::os::unix::fs::symlink("../sub", content.join("sub/loop2")).unwrap();
        }
        "vanish" => {} // the file is removed mid-load by `vanish_case`
        other => panic!("unknown generator `{other}`"),
    }
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// A chain of `n` questions ending in one outcome.
fn big_tree(n: usize) -> String {
    let mut s =
        String::from("# Big tree\n\n```decision-tree\nid: big\ntitle: Big\nstart: n0\nnodes:\n");
    for i in 0..n - 1 {
        s += &format!(
            "  n{i}:\n    ask: Question {i}?\n    answers:\n      - label: \"Yes\"\n        next: n{}\n      - label: \"No\"\n        next: n{}\n",
            i + 1,
            n - 1
        );
    }
    s += &format!("  n{}:\n    outcome: info\n    text: Done.\n```\n", n - 1);
    s
}

/// Ordinary paragraphs, links and headings until `bytes` long.
fn big_article(bytes: usize) -> String {
    let mut s = String::from("# A very long article\n\n");
    let mut i = 0;
    while s.len() < bytes {
        if i % 1000 == 0 {
            s += &format!("## Part {i}\n\n");
        }
        s += &format!(
            "Paragraph {i} has words to search for, a [link](good.md), **bold** and `code`. \
             Storage, cluster, replication and backup policies apply to part {i}.\n\n"
        );
        i += 1;
    }
    s
}

/// Whether the tests run as root (as in CI containers): `/proc/self`
/// belongs to the process's effective user.
fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// A diagnostic as the case files write it.
fn line_of(d: &Diagnostic) -> String {
    let loc = d.location().unwrap_or_else(|| "-".into());
    format!("{} {loc} {}", d.severity.label(), d.message)
}

/// Checks what was reported against the case: errors and warnings exactly,
/// listed notes present.
fn check_diagnostics(name: &str, case: &Case, got: &[String]) {
    let serious = |l: &&String| !l.starts_with("info ");
    let mut want: Vec<String> = case.diagnostics.iter().filter(serious).cloned().collect();
    want.push(GOOD_WARNING.into());
    want.sort();
    let mut have: Vec<String> = got.iter().filter(serious).cloned().collect();
    have.sort();
    assert_eq!(have, want, "{name}: errors and warnings");
    for note in case.diagnostics.iter().filter(|l| l.starts_with("info ")) {
        assert!(
            got.contains(note),
            "{name}: note `{note}` missing from {got:#?}"
        );
    }
}

/// The site model in memory: what was reported, what was loaded, what
/// would be written.
fn check_model(name: &str, case: &Case, root: &Path) {
    let b = kbsite::build(&kbsite::BuildOptions {
        root: root.to_path_buf(),
        ..Default::default()
    });
    let got: Vec<String> = b.diagnostics.iter().map(line_of).collect();
    check_diagnostics(name, case, &got);
    let site = &b.site;
    let paths: Vec<&str> = site
        .content
        .articles
        .iter()
        .map(|a| a.path.as_str())
        .collect();
    assert_eq!(paths, case.articles, "{name}: articles loaded");
    assert_eq!(
        site.parsed.len(),
        paths.len(),
        "{name}: every article parsed"
    );
    let good = paths.iter().position(|p| *p == "good.md").unwrap();
    assert_eq!(site.linked.articles[good].title, "Good article", "{name}");
    if case.expect != Expect::Error {
        for info in &site.linked.articles {
            let page = format!("{}index.html", info.dir);
            assert!(
                site.rendered.paths.contains(&page),
                "{name}: no page {page} in the site"
            );
        }
    }
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    took: Duration,
}

/// Runs `kbsite ARGS --root ROOT`, as an unprivileged user if `as_nobody`,
/// under an address-space limit if asked; killed after two minutes (a
/// hang is a failure, however slow the machine).
fn run_binary(args: &[&str], root: &Path, as_nobody: bool, memory_mb: Option<u64>) -> Run {
    let exe = env!("CARGO_BIN_EXE_kbsite");
    let mut argv: Vec<String> = Vec::new();
    if as_nobody {
        argv.extend(
            [
                "setpriv",
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
            ]
            .map(String::from),
        );
    }
    if let Some(mb) = memory_mb {
        argv.extend(["sh", "-c", "ulimit -v \"$0\" && exec \"$@\""].map(String::from));
        argv.push((mb * 1024).to_string());
    }
    argv.push(exe.into());
    argv.extend(args.iter().map(|a| a.to_string()));
    argv.extend(["--root".into(), root.to_string_lossy().into_owned()]);
    let started = Instant::now();
    let mut child = Command::new(&argv[0])
        .args(&argv[1..])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{}: {e}", argv[0]));
    let read_all = |mut from: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = from.read_to_string(&mut s);
            s
        })
    };
    let stdout = read_all(Box::new(child.stdout.take().unwrap()));
    let stderr = read_all(Box::new(child.stderr.take().unwrap()));
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("kbsite {args:?} still running after two minutes");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        code: status.code(),
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
        took: started.elapsed(),
    }
}

/// An output folder from an earlier build, to see whether it survives.
fn plant_old_output(root: &Path) -> PathBuf {
    let out = root.join("public");
    common::write(&out.join(kbsite::output::MARKER), b"");
    common::write(&out.join("index.html"), OLD_PAGE.as_bytes());
    out
}

/// The same site through the binary: exit code, the printed diagnostics
/// (`severity: message` then `--> location`), the output folder.
fn check_binary(name: &str, case: &Case, root: &Path, as_nobody: bool) {
    let out = plant_old_output(root);
    if as_nobody {
        open_to_everyone(root);
    }
    let run = run_binary(&["build"], root, as_nobody, case.memory_mb);
    eprintln!("{name}: exit {:?} in {:.2?}", run.code, run.took);
    let want_code = if case.expect == Expect::Error { 1 } else { 0 };
    assert_eq!(
        run.code,
        Some(want_code),
        "{name}: exit code\n{}",
        run.stderr
    );
    for line in case.diagnostics.iter().chain([&GOOD_WARNING.to_string()]) {
        let (severity, rest) = line.split_once(' ').unwrap();
        let (loc, message) = rest.split_once(' ').unwrap();
        let shown = format!("{severity}: {message}\n  --> {loc}\n");
        assert!(
            run.stderr.contains(&shown),
            "{name}: `{shown}` not in\n{}",
            run.stderr
        );
    }
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    if case.expect == Expect::Error {
        assert_eq!(index, OLD_PAGE, "{name}: the previous output was replaced");
        assert!(
            run.stdout.contains("the previous output is unchanged"),
            "{name}: {}",
            run.stdout
        );
    } else {
        assert_ne!(index, OLD_PAGE, "{name}: the site was not written");
        for (article, text) in &case.page_contains {
            let dir = kbsite::paths::page_dir(article);
            let page = std::fs::read_to_string(out.join(&dir).join("index.html")).unwrap();
            assert!(
                page.contains(text.as_str()),
                "{name}: `{text}` not on {dir}"
            );
        }
    }
}

/// Lets an unprivileged user walk the site and write its output, so only
/// the file the case makes unreadable is.
fn open_to_everyone(root: &Path) {
    for entry in walkdir::WalkDir::new(root) {
        let entry = entry.unwrap();
        if entry.file_type().is_dir() {
            set_mode(entry.path(), 0o777);
        } else if entry.file_type().is_file() && entry.file_name() != "bad.md" {
            set_mode(entry.path(), 0o666);
        }
    }
}

/// What `check --format json` reports, run as the unprivileged user: the
/// model's view for the one case root cannot see in-process.
fn check_json_as_nobody(name: &str, case: &Case, root: &Path) {
    open_to_everyone(root);
    let exe = env!("CARGO_BIN_EXE_kbsite");
    let out = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", exe])
        .args(["check", "--format", "json", "--root"])
        .arg(root)
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let got: Vec<String> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let mut loc = d["file"].as_str().unwrap_or("-").to_string();
            if let Some(l) = d["line"].as_u64() {
                loc += &format!(":{l}");
            }
            format!(
                "{} {loc} {}",
                d["severity"].as_str().unwrap(),
                d["message"].as_str().unwrap()
            )
        })
        .collect();
    check_diagnostics(name, case, &got);
    assert_eq!(
        json["articles"].as_u64(),
        Some(case.articles.len() as u64),
        "{name}"
    );
}

fn run_case(name: &str) {
    let case = load_case(name);
    eprintln!("{name}: {}", case.about);
    let site = site_for(name, &case);
    let root = site.path();
    match case.generate.as_deref() {
        Some("vanish") => return vanish_case(name, &case, root),
        Some("unreadable") if is_root() => {
            // Root reads any file; the unprivileged user cannot.
            check_json_as_nobody(name, &case, root);
            check_binary(name, &case, root, true);
            return;
        }
        _ => {}
    }
    check_model(name, &case, root);
    check_binary(name, &case, root, false);
}

/// A file listed by the walk and deleted before it is read. The binary
/// cannot be stopped between the two, so this case runs the load stage's
/// two halves itself, then the rest of the pipeline on what was loaded.
fn vanish_case(name: &str, case: &Case, root: &Path) {
    use kbsite::content::{self, LoadOptions};
    let opts = LoadOptions {
        content_dir: root.join("content"),
        display_prefix: "content/".into(),
        exclude: vec![],
        drafts: false,
        layout: Default::default(),
    };
    let walked = content::walk::walk(
        &opts.content_dir,
        &opts.display_prefix,
        &opts.exclude,
        &opts.layout,
    );
    std::fs::remove_file(root.join("content/bad.md")).unwrap();
    let content = content::read(walked, &opts);
    let config = kbsite::config::Config::default();
    let settings = kbsite::markdown::Settings::from(&config);
    let parsed: Vec<_> = content
        .articles
        .iter()
        .map(|a| kbsite::markdown::parse(a, &content, &settings))
        .collect();
    let linked = kbsite::links::link(&content, &parsed, &config);
    let got: Vec<String> = content
        .diagnostics
        .iter()
        .chain(parsed.iter().flat_map(|p| &p.diagnostics))
        .chain(&linked.diagnostics)
        .map(line_of)
        .collect();
    check_diagnostics(name, case, &got);
    let paths: Vec<&str> = content.articles.iter().map(|a| a.path.as_str()).collect();
    assert_eq!(paths, case.articles, "{name}: articles loaded");
    assert!(
        got.iter().all(|d| !d.starts_with("error")),
        "{name}: {got:?}"
    );
}

macro_rules! cases {
    ($($test:ident => $dir:literal,)*) => {
        $(#[test] fn $test() { run_case($dir); })*
        const CASES: &[&str] = &[$($dir),*];
    };
}

cases! {
    front_matter_not_closed => "front-matter-not-closed",
    yaml_syntax_error => "yaml-syntax-error",
    front_matter_list => "front-matter-list",
    front_matter_scalar => "front-matter-scalar",
    title_is_a_list => "title-is-a-list",
    invalid_utf8 => "invalid-utf8",
    nul_bytes => "nul-bytes",
    duplicate_kb_and_uid => "duplicate-kb-and-uid",
    include_cycle => "include-cycle",
    include_escapes_content => "include-escapes-content",
    tree_cycle => "tree-cycle",
    tree_too_big => "tree-too-big",
    alias_bomb_front_matter => "alias-bomb-front-matter",
    alias_bomb_tree => "alias-bomb-tree",
    unreadable_file => "unreadable-file",
    date_someday => "date-someday",
    empty_file => "empty-file",
    only_dashes => "only-dashes",
    missing_include => "missing-include",
    file_vanishes => "file-vanishes",
    utf16_with_bom => "utf16-with-bom",
    article_20mb => "article-20mb",
    deep_nesting => "deep-nesting",
    many_links => "many-links",
    symlink_loop => "symlink-loop",
}

/// A case folder without a test above would silently never run.
#[test]
fn every_case_folder_runs() {
    let mut dirs: Vec<String> = std::fs::read_dir(cases_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    dirs.sort();
    let mut listed: Vec<String> = CASES.iter().map(|s| s.to_string()).collect();
    listed.sort();
    assert_eq!(dirs, listed);
}
