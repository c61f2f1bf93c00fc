//! `kbsite serve`, end to end: the real binary on a free port, its pages
//! over HTTP, its live-reload events over Server-Sent Events, and files
//! edited on disk as a writer would.

mod common;

use common::{copy_dir, repo, tree, write};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

const TAG: &str = kbsite::serve::SCRIPT_TAG;
const WAIT: Duration = Duration::from_secs(30);

/// A running `kbsite serve` and its event stream.
struct Server {
    child: Child,
    addr: SocketAddr,
    events: Receiver<(String, String)>,
    root: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// `kbsite serve --port 0` run in the site folder `root`, as the README
    /// says to start it: no `--root`.
    fn start(root: &Path) -> Server {
        Server::start_with(root, &[])
    }

    /// A server started in `root` with `args` added; `addr` is the address
    /// it printed (with 127.0.0.1 for an unspecified address).
    fn start_with(root: &Path, args: &[&str]) -> Server {
        Server::launch(root, root, args)
    }

    /// A server for the site folder `root`, with `--root <root>` given as
    /// an absolute path (the second way tools start it).
    fn start_absolute(root: &Path) -> Server {
        let abs = root.canonicalize().unwrap();
        Server::launch(root, root, &["--root", abs.to_str().unwrap()])
    }

    /// `kbsite serve --port 0 ARGS` run in `cwd`, serving the site folder
    /// `root` (which the test edits).
    fn launch(root: &Path, cwd: &Path, args: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_kbsite"))
            .args(["serve", "--port", "0"])
            .args(args)
            .current_dir(cwd)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut addr: SocketAddr = loop {
            let line = lines.next().expect("serve printed its address").unwrap();
            if let Some(rest) = line.strip_prefix("Serving at http://") {
                break rest.split('/').next().unwrap().parse().unwrap();
            }
        };
        if addr.ip().is_unspecified() {
            addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
        }
        // Keep reading stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        let events = subscribe(addr);
        let server = Server {
            child,
            addr,
            events,
            root: root.to_path_buf(),
        };
        // The first event tells the current errors: the stream is live.
        server.next("errors");
        server
    }

    /// Waits for the next event named `name`, skipping others; its data.
    fn next(&self, name: &str) -> String {
        self.next_where(&format!("no `{name}` event"), |event, _| event == name)
    }

    /// Waits for the next event that `wanted(name, data)`; its data.
    /// Panics with `failure` after [`WAIT`].
    fn next_where(&self, failure: &str, wanted: impl Fn(&str, &str) -> bool) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let (event, data) = self
                .events
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("{failure}"));
            if wanted(&event, &data) {
                return data;
            }
        }
    }

    /// Writes a content file and waits until the rebuild is done (its
    /// `errors` event); returns the `reload` data sent before it, if any.
    /// Saves as many editors do (a new file renamed over the old), so a
    /// busy machine never shows the server a half-written file.
    fn save(&self, rel: &str, text: &str) -> (Option<String>, String) {
        save_as_editors_do(&self.root, rel, text);
        self.settle()
    }

    fn remove(&self, rel: &str) -> (Option<String>, String) {
        std::fs::remove_file(self.root.join(rel)).unwrap();
        self.settle()
    }

    fn settle(&self) -> (Option<String>, String) {
        let deadline = Instant::now() + WAIT;
        let mut reload = None;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let (event, data) = self.events.recv_timeout(left).expect("a rebuild");
            match event.as_str() {
                "reload" => reload = Some(data),
                "errors" => return (reload, data),
                _ => {}
            }
        }
    }

    /// Waits until no event came for a second: every rebuild and search
    /// started so far is done.
    fn quiet(&self) {
        while self.events.recv_timeout(Duration::from_secs(1)).is_ok() {}
    }

    fn get(&self, path: &str) -> (u16, String) {
        let (status, body) = raw_get(self.addr, path);
        (status, String::from_utf8_lossy(&body).into_owned())
    }
}

/// Writes `root/rel` as many editors save: a new file renamed over the
/// old, so the server never reads a half-written file.
fn save_as_editors_do(root: &Path, rel: &str, text: &str) {
    let staged = root.join(".saving");
    write(&staged, text.as_bytes());
    let target = root.join(rel);
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    std::fs::rename(&staged, &target).unwrap();
}

/// Reads `event:`/`data:` pairs from the server's event stream.
fn subscribe(addr: SocketAddr) -> Receiver<(String, String)> {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .write_all(b"GET /__kbsite/events HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        let mut event = String::new();
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { return };
            if let Some(e) = line.strip_prefix("event: ") {
                event = e.to_string();
            } else if let Some(d) = line.strip_prefix("data: ") {
                if tx
                    .send((std::mem::take(&mut event), d.to_string()))
                    .is_err()
                {
                    return;
                }
            }
        }
    });
    rx
}

/// A GET with the request target exactly as given (no client clean-up).
fn raw_get(addr: SocketAddr, target: &str) -> (u16, Vec<u8>) {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut all = Vec::new();
    s.read_to_end(&mut all).unwrap();
    let end = all.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&all[..end]).into_owned();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let mut body = all[end + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body);
    }
    (status, body)
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let eol = b.windows(2).position(|w| w == b"\r\n").unwrap();
        let len =
            usize::from_str_radix(std::str::from_utf8(&b[..eol]).unwrap().trim(), 16).unwrap();
        if len == 0 {
            return out;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + len]);
        b = &b[eol + 2 + len + 2..];
    }
}

/// The bundled demo site, copied to a temp folder.
fn demo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("content"), &dir.path().join("content"));
    std::fs::copy(repo().join("kbsite.yml"), dir.path().join("kbsite.yml")).unwrap();
    dir
}

const POLICY: &str = "content/support/windows-server/high-availability/3rd-party-storage-software-solutions-support.md";
const POLICY_PAGE: &str =
    "/support/windows-server/high-availability/3rd-party-storage-software-solutions-support/";
const SECTION_PAGE: &str = "/support/windows-server/high-availability/";
const INCLUDE: &str = "content/support/includes/community-solutions-content-disclaimer.md";

fn read(dir: &Path, rel: &str) -> String {
    std::fs::read_to_string(dir.join(rel)).unwrap()
}

#[test]
fn an_edit_is_served_and_its_page_told_to_reload() {
    an_edit_is_served(Server::start);
}

#[test]
fn an_edit_is_served_and_its_page_told_to_reload_with_an_absolute_root() {
    an_edit_is_served(Server::start_absolute);
}

fn an_edit_is_served(start: fn(&Path) -> Server) {
    let site = demo();
    let s = start(site.path());
    let (status, page) = s.get(POLICY_PAGE);
    assert_eq!(status, 200);
    assert!(page.contains(TAG), "the reload script is injected");
    let text = read(site.path(), POLICY).replace(
        "This article outlines",
        "Edited while serving: this article outlines",
    );
    let (reload, errors) = s.save(POLICY, &text);
    assert_eq!(errors, "[]");
    let reload = reload.expect("a reload event");
    assert!(
        reload.contains("3rd-party-storage-software-solutions-support/index.html"),
        "{reload}"
    );
    assert!(s.get(POLICY_PAGE).1.contains("Edited while serving"));
    // Pages it does not touch are not told to reload.
    assert!(!reload.contains("\"index.html\""), "{reload}");
    // Everything lives in memory: no output folder appears.
    assert!(!site.path().join("public").exists());
}

/// After a save, the saved article's own pages are served first; the other
/// pages the change touched (here a topic page listing the article) are
/// rendered right after, and a request for one of them in between waits
/// for it: never the page as it was.
#[test]
fn pages_rendered_after_the_saved_ones_are_never_served_as_they_were() {
    let site = demo();
    let s = Server::start(site.path());
    const TOPIC_PAGE: &str = "/topics/troubleshooting/";
    for n in 0..3 {
        let title = format!("Retitled while serving, take {n}");
        let text = read(site.path(), POLICY);
        let text = text.replacen(
            text.lines().find(|l| l.starts_with("title:")).unwrap(),
            &format!("title: {title}"),
            1,
        );
        save_as_editors_do(site.path(), POLICY, &text);
        let first = s.next("reload");
        assert!(
            first.contains("3rd-party-storage-software-solutions-support/index.html"),
            "{first}"
        );
        assert!(
            !first.contains("topics/"),
            "the topic page is not rendered first: {first}"
        );
        // Asked for at once, while it is being rendered.
        let (status, page) = s.get(TOPIC_PAGE);
        assert_eq!(status, 200);
        assert!(page.contains(&title), "take {n}: the topic page as it was");
        s.next_where("no reload of the topic page", |event, data| {
            event == "reload" && data.contains("topics/troubleshooting/index.html")
        });
    }
}

#[test]
fn a_broken_article_shows_errors_keeps_the_last_good_page_and_a_fix_restores_it() {
    let site = demo();
    let s = Server::start(site.path());
    let good = s.get(POLICY_PAGE).1;
    let original = read(site.path(), POLICY);
    let broken = original.replacen("title: Third-party", "title: [Third-party", 1);
    let (reload, errors) = s.save(POLICY, &broken);
    assert!(reload.is_none(), "nothing reloads on an error");
    assert!(errors.contains("\"severity\":\"error\""), "{errors}");
    assert!(
        errors.contains("3rd-party-storage-software-solutions-support.md"),
        "{errors}"
    );
    assert!(errors.contains("\"line\":"), "{errors}");
    assert_eq!(
        s.get(POLICY_PAGE),
        (200, good.clone()),
        "the last good page stays"
    );
    // An edit elsewhere while the error stands is not served either.
    let fixed = original.replace("This article outlines", "Fixed: this article outlines");
    let (reload, errors) = s.save(POLICY, &fixed);
    assert_eq!(errors, "[]");
    assert!(reload.unwrap().contains("3rd-party-storage"));
    assert!(s
        .get(POLICY_PAGE)
        .1
        .contains("Fixed: this article outlines"));
}

#[test]
fn new_and_deleted_articles_come_and_go_in_listings_and_search() {
    let site = demo();
    let s = Server::start(site.path());
    let new = "content/support/windows-server/high-availability/zebra-quorum-witness.md";
    let (_, errors) = s.save(
        new,
        "---\ntitle: Zebra quorum witness guide\nms.date: 01/02/2024\n---\n# Zebra quorum witness guide\n\nA xylophonic witness.\n",
    );
    assert_eq!(errors, "[]");
    s.next("search");
    let (status, page) = s.get("/support/windows-server/high-availability/zebra-quorum-witness/");
    assert_eq!(status, 200);
    assert!(page.contains("xylophonic"));
    assert!(s.get(SECTION_PAGE).1.contains("Zebra quorum witness guide"));
    assert!(served_search(&s, site.path()).contains("xylophonic"));

    s.remove(new);
    s.next("search");
    let (status, _) = s.get("/support/windows-server/high-availability/zebra-quorum-witness/");
    assert_eq!(status, 404);
    assert!(!s.get(SECTION_PAGE).1.contains("Zebra quorum witness guide"));
    assert!(!served_search(&s, site.path()).contains("xylophonic"));
}

/// `kbsite build` of `root` into a new temp folder (`when` names the
/// moment in a failure).
fn fresh_build(root: &Path, when: &str) -> tempfile::TempDir {
    let out = tempfile::tempdir().unwrap();
    let (root_arg, out_arg) = (root.to_str().unwrap(), out.path().to_str().unwrap());
    let run = common::kbsite(&["build", "--root", root_arg, "--output", out_arg], root);
    assert_eq!(run.code, 0, "{when}: {}", run.stderr);
    out
}

/// Every search file a fresh build of the site has, as served.
fn served_search(s: &Server, root: &Path) -> String {
    let out = fresh_build(root, "");
    let mut all = String::new();
    for (rel, _) in tree(&out.path().join("search")) {
        let (status, body) = s.get(&format!("/search/{rel}"));
        assert_eq!(status, 200, "search/{rel}");
        all.push_str(&body);
    }
    all
}

#[test]
fn an_include_edit_updates_every_page_including_it() {
    let site = demo();
    let s = Server::start(site.path());
    let second = "content/support/sql/admin/includes-the-disclaimer.md";
    s.save(
        second,
        "---\ntitle: Includes the disclaimer\n---\n# Includes the disclaimer\n\n[!INCLUDE [d](../../includes/community-solutions-content-disclaimer.md)]\n",
    );
    let text = format!(
        "{}\n\nQuetzal disclaimer line.\n",
        read(site.path(), INCLUDE)
    );
    let (reload, errors) = s.save(INCLUDE, &text);
    assert_eq!(errors, "[]");
    let reload = reload.unwrap();
    for page in [
        "/support/sql/admin/includes-the-disclaimer/",
        "/support/windows-server/high-availability/cluster-node-already-exists-error/",
    ] {
        assert!(s.get(page).1.contains("Quetzal disclaimer line"), "{page}");
        assert!(
            reload.contains(&format!("{}index.html", &page[1..])),
            "{reload}"
        );
    }
}

#[test]
fn served_pages_equal_a_full_build_after_a_series_of_edits() {
    series_of_edits(Server::start);
}

#[test]
fn served_pages_equal_a_full_build_after_a_series_of_edits_with_an_absolute_root() {
    series_of_edits(Server::start_absolute);
}

fn series_of_edits(start: fn(&Path) -> Server) {
    let site = demo();
    let root = site.path();
    // With a base_url, so the sitemap and feed are compared too.
    let config = read(root, "kbsite.yml") + "base_url: https://kb.example.org/docs/\n";
    std::fs::write(root.join("kbsite.yml"), config).unwrap();
    let s = start(root);
    let policy = read(root, POLICY);
    let renamed = policy.replacen(
        "title: Third-party",
        "uid: storage-policy\ntitle: Renamed third-party",
        1,
    );
    let reheaded = renamed.replace("## ", "## Changed ");
    let new = "content/support/sql/admin/links-around.md";
    let victim = "content/support/windows-server/high-availability/high-availability-overview.md";
    // After each step the served site must equal a fresh full build:
    // a title change (listings, backlinks, related lists), a new article
    // linking to others (one anchor not there yet), changed headings (now
    // it is), an include edit, a broken file then its fix (and a second
    // title), a deletion, an image, an article included by another, then
    // retitled and rewritten, a new table of contents, then edited.
    let steps: Vec<(&str, Option<String>)> = vec![
        (POLICY, Some(renamed.clone())),
        (
            new,
            Some("---\ntitle: Links around\nms.date: 05/06/2025\nms.service: sql\n---\n# Links around\n\nSee [the policy](../../windows-server/high-availability/3rd-party-storage-software-solutions-support.md#changed-introduction) and KB 841696, also <xref:storage-policy>.\n\n![pic](media/pic.png)\n".into()),
        ),
        (POLICY, Some(reheaded.clone())),
        (INCLUDE, Some("Included text, changed.\n".into())),
        (POLICY, Some("---\ntitle: [broken\n---\n".into())),
        (
            POLICY,
            Some(
                reheaded
                    .replace("This article outlines", "Now it outlines")
                    .replace("title: Renamed", "title: Twice renamed"),
            ),
        ),
        (victim, None),
        ("content/support/sql/admin/media/pic.png", Some("not really a png".into())),
        (
            "content/support/sql/admin/takes-in-an-article.md",
            Some("# Takes in an article\n\n[!INCLUDE [x](links-around.md)]\n".into()),
        ),
        (new, Some("---\ntitle: Links around, retitled\n---\nNo links now.\n".into())),
        (
            "content/support/windows-server/toc.yml",
            Some("- name: HA\n  expanded: true\n  items:\n  - name: Policy\n    href: high-availability/3rd-party-storage-software-solutions-support.md\n  - name: Missing\n    href: nope.md\n".into()),
        ),
        (
            "content/support/windows-server/toc.yml",
            Some("- name: Storage policy\n  href: high-availability/3rd-party-storage-software-solutions-support.md\n".into()),
        ),
    ];
    for (n, (path, text)) in steps.iter().enumerate() {
        match text {
            Some(t) => s.save(path, t),
            None => s.remove(path),
        };
        s.quiet();
        if n == 4 {
            continue; // broken: the last good pages are served
        }
        assert_served_equals_build(&s, root, &format!("step {n} ({path})"));
    }
    let gone = "/support/windows-server/high-availability/high-availability-overview/";
    assert_eq!(s.get(gone).0, 404);
}

/// Every file a fresh build of `root` writes is served with the same bytes
/// (HTML pages with the reload script removed).
fn assert_served_equals_build(s: &Server, root: &Path, when: &str) {
    let out = fresh_build(root, when);
    let built = tree(out.path());
    assert!(built.len() > 100);
    for (rel, bytes) in &built {
        if rel == ".kbsite-output" {
            continue;
        }
        // As a browser asks for it (a DocFX file name may hold a space).
        let (status, served) = raw_get(s.addr, &format!("/{}", rel.replace(' ', "%20")));
        assert_eq!(status, 200, "{when}: {rel}");
        let served = if rel.ends_with(".html") {
            String::from_utf8(served)
                .unwrap()
                .replacen(TAG, "", 1)
                .into_bytes()
        } else {
            served
        };
        assert!(served == *bytes, "{when}: {rel} differs from a full build");
    }
}

#[test]
fn requests_cannot_leave_the_site() {
    let site = demo();
    std::fs::write(site.path().join("secret.txt"), "top secret").unwrap();
    let s = Server::start(site.path());
    for target in [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/support/%2e%2e/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/..%5csecret.txt",
        "/..\\secret.txt",
        "//etc/passwd",
        "/%2fetc%2fpasswd",
        "/C:/Windows/win.ini",
        "/kbsite.yml",
        "/secret.txt",
        "/content/support/includes/community-solutions-content-disclaimer.md",
    ] {
        let (status, body) = raw_get(s.addr, target);
        assert!(status == 403 || status == 404, "{target}: {status}");
        assert!(
            !String::from_utf8_lossy(&body).contains("top secret"),
            "{target}"
        );
    }
    // A folder asked for without its slash is sent to it (relative links
    // need the slash).
    assert_eq!(
        raw_get(s.addr, "/support/windows-server/high-availability").0,
        301
    );
    // The 404 page is the site's own, and the reload script rides along.
    let (status, body) = s.get("/no/such/page/");
    assert_eq!(status, 404);
    assert!(body.contains("Page not found") && body.contains(TAG));
}

#[cfg(unix)]
#[test]
fn a_content_file_turned_symlink_out_of_the_tree_is_refused() {
    let site = demo();
    std::fs::write(site.path().join("secret.txt"), "top secret").unwrap();
    let media = site.path().join("content/support/sql/admin/media");
    std::fs::create_dir_all(&media).unwrap();
    std::fs::write(media.join("pic.png"), "png").unwrap();
    let s = Server::start(site.path());
    assert_eq!(
        s.get("/support/sql/admin/media/pic.png"),
        (200, "png".into())
    );
    // Swapped for a link to a file outside while the server runs: the
    // rebuild may not have seen it yet; the request is refused anyway.
    std::fs::remove_file(media.join("pic.png")).unwrap();
    std::os::unix::fs::symlink(site.path().join("secret.txt"), media.join("pic.png")).unwrap();
    let (status, body) = s.get("/support/sql/admin/media/pic.png");
    assert!(status == 403 || status == 404, "{status}");
    assert!(!body.contains("top secret"));
}

#[test]
fn mime_types_and_no_caching() {
    let site = demo();
    let s = Server::start(site.path());
    for (path, mime) in [
        ("/", "text/html; charset=utf-8"),
        ("/style.css", "text/css; charset=utf-8"),
        ("/kbsite.js", "text/javascript; charset=utf-8"),
        ("/__kbsite/reload.js", "text/javascript"),
    ] {
        let mut st = TcpStream::connect(s.addr).unwrap();
        write!(
            st,
            "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut head = String::new();
        st.read_to_string(&mut head).unwrap();
        let head = head.to_ascii_lowercase();
        assert!(head.starts_with("http/1.1 200"), "{path}: {head}");
        assert!(
            head.contains(&format!("content-type: {mime}")),
            "{path}: {head}"
        );
        assert!(head.contains("cache-control: no-store"), "{path}");
    }
}

#[test]
fn a_renamed_article_moves_and_a_config_change_rebuilds_everything() {
    let site = demo();
    let s = Server::start(site.path());
    let from = site.path().join(POLICY);
    let to = site
        .path()
        .join("content/support/windows-server/high-availability/storage-policy.md");
    std::fs::rename(&from, &to).unwrap();
    s.settle();
    s.quiet();
    assert_eq!(s.get(POLICY_PAGE).0, 404);
    let (status, page) = s.get("/support/windows-server/high-availability/storage-policy/");
    assert_eq!(status, 200);
    assert!(page.contains("Third-party storage solutions support policy"));
    // The KB alias follows the article.
    assert!(s.get("/kb/841696/").1.contains("storage-policy/index.html"));

    let config = read(site.path(), "kbsite.yml").replace(
        "title: kbsite demo knowledge base",
        "title: Renamed knowledge base",
    );
    let (reload, errors) = s.save("kbsite.yml", &config);
    assert_eq!(errors, "[]");
    assert_eq!(reload.as_deref(), Some("[\"*\"]"), "every page reloads");
    assert!(s.get("/").1.contains("Renamed knowledge base"));
    assert!(s.get(SECTION_PAGE).1.contains("Renamed knowledge base"));
}

#[test]
fn a_taken_port_is_reported_and_the_next_one_used() {
    let site = demo();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_kbsite"))
        .args(["serve", "--port", &port.to_string(), "--root"])
        .arg(site.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut said = Vec::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        let done = line.starts_with("Serving at");
        said.push(line);
        if done {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let said = said.join("\n");
    assert!(said.contains(&format!("Port {port} is taken")), "{said}");
    assert!(
        !said.contains(&format!("Serving at http://127.0.0.1:{port}/")),
        "{said}"
    );
    assert!(said.contains("Serving at http://127.0.0.1:"), "{said}");
}

#[test]
fn a_new_content_folder_in_the_config_is_built_and_watched() {
    let site = demo();
    let s = Server::start(site.path());
    copy_dir(&site.path().join("content"), &site.path().join("docs"));
    let moved = POLICY.replacen("content/", "docs/", 1);
    let config = format!(
        "{}\ncontent_dir: docs\n",
        read(site.path(), "kbsite.yml").replace("content_dir: content\n", "")
    );
    s.save("kbsite.yml", &config);
    s.quiet();
    assert_eq!(s.get(POLICY_PAGE).0, 200);
    let text = read(site.path(), &moved)
        .replace("This article outlines", "From docs: this article outlines");
    let (reload, _) = s.save(&moved, &text);
    assert!(reload.is_some(), "an edit in the new folder is seen");
    // On a loaded machine the second rebuild of the config change (once
    // the new folder is watched) can come after a second of quiet: the
    // edit's own rebuild follows it. A lost edit still fails (no rebuild).
    let deadline = Instant::now() + WAIT;
    while !s
        .get(POLICY_PAGE)
        .1
        .contains("From docs: this article outlines")
    {
        assert!(Instant::now() < deadline, "the edit is served");
        s.settle();
    }
}

/// Threads and resident memory (KiB) of process `pid`.
fn proc_status(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let field = |name: &str| -> u64 {
        let line = status.lines().find(|l| l.starts_with(name)).unwrap();
        line[name.len()..]
            .trim()
            .trim_end_matches(" kB")
            .parse()
            .unwrap()
    };
    (field("Threads:"), field("VmRSS:"))
}

/// The local addresses (hex, as in /proc/net/tcp) listening on `port`.
fn listening(port: u16) -> Vec<String> {
    let mut found = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (ip, p) = fields[1].split_once(':').unwrap();
            if fields[3] == "0A" && u16::from_str_radix(p, 16).unwrap() == port {
                found.push(ip.to_string());
            }
        }
    }
    found
}

/// An address of this machine other than loopback, if it has one.
fn outside_address() -> Option<std::net::IpAddr> {
    let text = std::fs::read_to_string("/proc/net/fib_trie").ok()?;
    let mut last = None;
    for line in text.lines() {
        let t = line.trim_start_matches([' ', '|', '-', '+', '`']);
        if t.contains("/32 host LOCAL") {
            if let Some(ip) = last.filter(|ip: &std::net::Ipv4Addr| !ip.is_loopback()) {
                return Some(ip.into());
            }
        }
        last = t.parse().ok();
    }
    None
}

#[test]
fn it_listens_on_loopback_only_unless_told_otherwise() {
    let site = demo();
    let outside = outside_address();
    let s = Server::start(site.path());
    let port = s.addr.port();
    assert_eq!(s.addr.ip(), std::net::Ipv4Addr::LOCALHOST);
    assert_eq!(listening(port), ["0100007F"], "127.0.0.1 only");
    if let Some(ip) = outside {
        let far = SocketAddr::new(ip, port);
        assert!(
            TcpStream::connect_timeout(&far, Duration::from_secs(5)).is_err(),
            "{far} is not served"
        );
    }
    drop(s);
    let s = Server::start_with(site.path(), &["--bind", "0.0.0.0"]);
    assert_eq!(listening(s.addr.port()), ["00000000"], "every address");
    if let Some(ip) = outside {
        assert_eq!(raw_get(SocketAddr::new(ip, s.addr.port()), "/").0, 200);
    }
}

/// Sends `bytes` as they are and reads the status line of the answer
/// (empty when the connection closed without one).
fn status_of(addr: SocketAddr, bytes: &[u8]) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(WAIT)).unwrap();
    // The server may answer and close before taking everything.
    let _ = s.write_all(bytes);
    let mut line = String::new();
    let _ = BufReader::new(s).read_line(&mut line);
    line.trim_end().to_string()
}

#[test]
fn malformed_requests_get_400_oversized_ones_413_or_431_and_the_server_goes_on() {
    let site = demo();
    let s = Server::start(site.path());
    let long_target = format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(9000));
    let many_headers = format!("GET / HTTP/1.1\r\n{}\r\n", "X-A: b\r\n".repeat(200));
    let long_header = format!("GET / HTTP/1.1\r\nX-A: {}\r\n\r\n", "b".repeat(40_000));
    let cases: &[(&[u8], &str)] = &[
        (b"\x00\x01garbage\r\n\r\n", "400"),
        (b"GET /\r\n\r\n", "400"),
        (b"GET /a b HTTP/1.1\r\n\r\n", "400"),
        (b"GET /\xff\xfe HTTP/1.1\r\n\r\n", "400"),
        (b"GET / HTTP/1.1\r\nno colon\r\n\r\n", "400"),
        (b"GET / HTTP/1.1\r\nX: a\x00b\r\n\r\n", "400"),
        (b"GET / HTTP/1.1\r\nX: a\r\n folded\r\n\r\n", "400"),
        (b"GET / HTTP/1.1\r\nContent-Length: abc\r\n\r\n", "400"),
        (
            b"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            "400",
        ),
        // Both lengths: the body is taken as chunked (hyper drops the
        // Content-Length, as RFC 9112 6.1 allows), and refused as such.
        (
            b"GET / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
            "413",
        ),
        (long_target.as_bytes(), "413"),
        // A head too large for hyper: its own answer, 431.
        (many_headers.as_bytes(), "431"),
        (long_header.as_bytes(), "431"),
        (
            b"GET / HTTP/1.1\r\nContent-Length: 1000000000000\r\n\r\n",
            "413",
        ),
        (b"GET / HTTP/1.1\r\nContent-Length: 2000\r\n\r\n", "413"),
        (
            b"GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
            "413",
        ),
        (b"POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc", "405"),
        // No version but 1.0 and 1.1 parses: hyper answers 400.
        (b"GET / HTTP/0.9\r\n\r\n", "400"),
        (b"GET / HTTP/2.0\r\n\r\n", "400"),
        (b"GET / HTTP/1.2\r\n\r\n", "400"),
        // Allowed: bare LF line ends, a byte above ASCII in a header value,
        // a small body (thrown away).
        (b"GET / HTTP/1.1\nConnection: close\n\n", "200"),
        (
            b"GET / HTTP/1.1\r\nX: \xff\r\nConnection: close\r\n\r\n",
            "200",
        ),
        (
            b"GET / HTTP/1.1\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello",
            "200",
        ),
    ];
    for (bytes, status) in cases {
        let line = status_of(s.addr, bytes);
        let shown = String::from_utf8_lossy(&bytes[..bytes.len().min(60)]).into_owned();
        assert!(
            line.starts_with(&format!("HTTP/1.1 {status} ")),
            "{shown:?}: {line:?}"
        );
        assert_eq!(raw_get(s.addr, "/").0, 200, "after {shown:?}");
    }

    // Two requests in one write, the first with a small body: both answered.
    let mut c = TcpStream::connect(s.addr).unwrap();
    c.write_all(b"GET / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcHEAD /__kbsite/reload.js HTTP/1.1\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut all = String::new();
    c.read_to_string(&mut all).unwrap();
    assert_eq!(all.matches("HTTP/1.1 200 OK\r\n").count(), 2, "{all}");
    assert!(all.ends_with("\r\n\r\n"), "HEAD has no body");

    // 100 MB of head without a line end: refused at 32 KiB (431, as any
    // head too large); the server keeps nothing of it and answers others
    // meanwhile.
    let pid = s.child.id();
    let (_, rss_before) = proc_status(pid);
    let mut flood = TcpStream::connect(s.addr).unwrap();
    flood.set_read_timeout(Some(WAIT)).unwrap();
    let mut writer = flood.try_clone().unwrap();
    // How many MiB the server took before it stopped taking any.
    let sender = std::thread::spawn(move || {
        let chunk = vec![b'a'; 1 << 20];
        let mut taken = 0;
        if writer.write_all(b"GET /").is_ok() {
            while taken < 100 && writer.write_all(&chunk).is_ok() {
                taken += 1;
            }
        }
        taken
    });
    let mut line = String::new();
    let _ = BufReader::new(&mut flood).read_line(&mut line);
    assert!(line.starts_with("HTTP/1.1 431 "), "{line:?}");
    assert_eq!(raw_get(s.addr, "/").0, 200);
    let taken = sender.join().unwrap();
    let (_, rss_after) = proc_status(pid);
    eprintln!("flood: {taken} of 100 MiB taken; VmRSS {rss_before} -> {rss_after} KiB");
    assert!(taken < 100, "the server stopped taking the flood");
    assert!(
        rss_after < rss_before + 16 * 1024,
        "{rss_before} -> {rss_after}"
    );

    // A head that never ends is given up 10 s after its first byte (the
    // wait before it does not count): the connection closes unanswered, as
    // hyper gives no answer there. A body that never ends gets 408.
    let slow = |bytes: &'static [u8]| {
        let addr = s.addr;
        std::thread::spawn(move || {
            let mut c = TcpStream::connect(addr).unwrap();
            c.set_read_timeout(Some(WAIT)).unwrap();
            std::thread::sleep(Duration::from_secs(3));
            c.write_all(bytes).unwrap();
            let sent = Instant::now();
            let mut answer = Vec::new();
            let closed = c.read_to_end(&mut answer);
            let answer = String::from_utf8_lossy(&answer).into_owned();
            (closed.is_ok(), sent.elapsed(), answer)
        })
    };
    let head = slow(b"GET / HTTP/1.1\r\nX-Slow: ");
    let body = slow(b"GET / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc");
    let cases = [("head", head, None), ("body", body, Some("HTTP/1.1 408 "))];
    for (what, waiting, answer) in cases {
        let (closed, after, got) = waiting.join().unwrap();
        assert!(closed, "{what}: the server closed the connection");
        match answer {
            None => assert_eq!(got, "", "{what}: no answer"),
            Some(line) => assert!(got.starts_with(line), "{what}: {got:?}"),
        }
        let secs = after.as_secs_f64();
        assert!((9.5..13.0).contains(&secs), "{what}: closed after {secs} s");
    }
    assert_eq!(raw_get(s.addr, "/").0, 200);
}

#[test]
fn at_most_256_connections_are_served_at_once() {
    let site = demo();
    let s = Server::start(site.path());
    // The server's event stream holds one.
    let mut held: Vec<TcpStream> = (0..255)
        .map(|_| TcpStream::connect(s.addr).unwrap())
        .collect();
    // Some of them ask, and are answered.
    for c in held.iter_mut().step_by(50) {
        write!(c, "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let mut line = String::new();
        BufReader::new(&mut *c).read_line(&mut line).unwrap();
        assert!(line.starts_with("HTTP/1.1 200 "), "{line:?}");
    }
    // The next one is not.
    assert_eq!(raw_get(s.addr, "/").0, 503);
    // One closes: another can come.
    drop(held.pop());
    let deadline = Instant::now() + WAIT;
    while raw_get(s.addr, "/").0 != 200 {
        assert!(Instant::now() < deadline, "a slot came free");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_stalled_live_reload_client_holds_up_no_rebuild_and_no_other_client() {
    let site = demo();
    // Errors that stay: each rebuild sends them all again, a big event.
    let dir = site.path().join("content").join("stalled-".repeat(25));
    for i in 0..400 {
        let name = format!("{}-{i}.md", "broken".repeat(33));
        write(&dir.join(name), b"---\ntitle: [unclosed\n---\n# Broken\n");
    }
    let s = Server::start(site.path());
    let pid = s.child.id();
    let edit = |i: usize| {
        read(site.path(), POLICY).replace(
            "This article outlines",
            &format!("Stall marker {i}. This article outlines"),
        )
    };
    s.save(POLICY, &edit(0));
    s.quiet();
    let (threads_before, rss_before) = proc_status(pid);

    // A client that asks for events and never reads them.
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    socket.connect(&s.addr.into()).unwrap();
    let mut stalled = TcpStream::from(socket);
    stalled
        .write_all(b"GET /__kbsite/events HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();

    let rounds = 40;
    let (mut slowest, mut biggest) = (Duration::ZERO, 0);
    for i in 1..=rounds {
        let t = Instant::now();
        let (reload, errors) = s.save(POLICY, &edit(i));
        slowest = slowest.max(t.elapsed());
        biggest = biggest.max(errors.len());
        let reload = reload.unwrap_or_else(|| panic!("round {i}: no reload"));
        assert!(reload.contains(&POLICY_PAGE[1..]), "round {i}: {reload}");
        assert!(errors.len() > 100_000, "round {i}: the errors are sent");
        assert!(s.get(POLICY_PAGE).1.contains(&format!("Stall marker {i}.")));
    }
    // Nothing waited for the stalled client's writes (10 s each).
    assert!(slowest < Duration::from_secs(10), "{slowest:?}");

    // It was dropped: its thread ends and its connection closes.
    let deadline = Instant::now() + WAIT;
    let (mut threads_after, mut rss_after) = proc_status(pid);
    while threads_after > threads_before && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
        (threads_after, rss_after) = proc_status(pid);
    }
    eprintln!(
        "stalled client: {rounds} rounds, every reload and errors event received \
         (slowest {slowest:?}, errors events of {biggest} bytes); \
         threads {threads_before} -> {threads_after}, VmRSS {rss_before} -> {rss_after} KiB"
    );
    assert!(
        threads_after <= threads_before,
        "the stalled client's thread ended"
    );
    assert!(
        rss_after < rss_before + 64 * 1024,
        "{rss_before} -> {rss_after}"
    );
    stalled.set_read_timeout(Some(WAIT)).unwrap();
    let mut taken = 0;
    let mut buf = vec![0; 64 * 1024];
    loop {
        match stalled.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => taken += n,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) => panic!("the stalled client is still connected: {e} ({taken} bytes)"),
        }
    }
    assert!(taken < 8 << 20, "{taken} bytes were waiting for it");
}

/// Polls `path` until its body satisfies `ok` (a rebuild may come in more
/// than one batch of events); panics after [`WAIT`].
fn wait_for(s: &Server, path: &str, what: &str, ok: impl Fn(u16, &str) -> bool) {
    let deadline = Instant::now() + WAIT;
    loop {
        let (status, body) = s.get(path);
        if ok(status, &body) {
            return;
        }
        assert!(Instant::now() < deadline, "{what}: {path} is {status}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits until a `reload` event names `page` (or every page).
fn reloads(s: &Server, page: &str, what: &str) {
    let want = format!("{}index.html", &page[1..]);
    s.next_where(&format!("{what}: no reload of {page}"), |event, data| {
        event == "reload" && (data.contains(&want) || data == "[\"*\"]")
    });
}

/// Every kind of file a writer edits while `kbsite serve` runs: each edit
/// is served and the open page is told to reload.
fn every_kind_of_edit(s: &Server, how: &str) {
    let root = s.root.clone();
    let save = |rel: &str, text: &str| save_as_editors_do(&root, rel, text);
    let has =
        |text: &'static str| move |status: u16, body: &str| status == 200 && body.contains(text);
    let gone = |status: u16, _: &str| status == 404;

    // An article edited.
    let policy = read(&root, POLICY);
    save(
        POLICY,
        &policy.replace("This article outlines", "Okapi edit: this article outlines"),
    );
    reloads(s, POLICY_PAGE, &format!("{how}: article edit"));
    wait_for(s, POLICY_PAGE, how, has("Okapi edit"));

    // An article created, with a code sample; then renamed, then deleted.
    let dir = "content/support/sql/admin/";
    save(
        &format!("{dir}samples/hello.ps1"),
        "Write-Output 'Narwhal one'\n",
    );
    save(
        &format!("{dir}new-article.md"),
        "---\ntitle: Brand new article\nms.date: 01/02/2024\n---\n# Brand new article\n\nWombat text.\n\n[!code-powershell[s](samples/hello.ps1)]\n",
    );
    let new_page = "/support/sql/admin/new-article/";
    reloads(s, "/support/sql/admin/", &format!("{how}: new article"));
    wait_for(s, new_page, how, has("Wombat text"));
    wait_for(s, new_page, how, has("Narwhal one"));
    save(
        &format!("{dir}samples/hello.ps1"),
        "Write-Output 'Narwhal two'\n",
    );
    reloads(s, new_page, &format!("{how}: code sample"));
    wait_for(s, new_page, how, has("Narwhal two"));
    std::fs::rename(
        root.join(format!("{dir}new-article.md")),
        root.join(format!("{dir}renamed-article.md")),
    )
    .unwrap();
    let renamed_page = "/support/sql/admin/renamed-article/";
    reloads(s, "/support/sql/admin/", &format!("{how}: rename"));
    wait_for(s, renamed_page, how, has("Wombat text"));
    wait_for(s, new_page, how, gone);
    std::fs::remove_file(root.join(format!("{dir}renamed-article.md"))).unwrap();
    reloads(s, "/support/sql/admin/", &format!("{how}: delete"));
    wait_for(s, renamed_page, how, gone);

    // An include, a toc, the config and a theme template.
    save(INCLUDE, "Included: Pangolin disclaimer.\n");
    let including = "/support/windows-server/high-availability/cluster-node-already-exists-error/";
    reloads(s, including, &format!("{how}: include"));
    wait_for(s, including, how, has("Pangolin disclaimer"));
    save(
        "content/support/windows-server/toc.yml",
        "- name: Axolotl storage policy\n  href: high-availability/3rd-party-storage-software-solutions-support.md\n",
    );
    reloads(s, POLICY_PAGE, &format!("{how}: toc"));
    wait_for(s, POLICY_PAGE, how, has("Axolotl storage policy"));
    let config = read(&root, "kbsite.yml").replace(
        "title: kbsite demo knowledge base",
        "title: Capybara knowledge base",
    );
    save("kbsite.yml", &config);
    reloads(s, "/", &format!("{how}: kbsite.yml"));
    wait_for(s, "/", how, has("Capybara knowledge base"));
    let template = read(&root, "templates/article.html");
    save(
        "templates/article.html",
        &template.replacen("<article", "<p>Quokka template</p><article", 1),
    );
    reloads(s, POLICY_PAGE, &format!("{how}: template"));
    wait_for(s, POLICY_PAGE, how, has("Quokka template"));
}

/// A demo site in `base/site`, with the default article template copied
/// into its `templates/` folder, a folder `base/other` beside it and a
/// link `base/link` to it.
fn site_with_neighbours() -> tempfile::TempDir {
    let base = tempfile::tempdir().unwrap();
    let site = base.path().join("site");
    copy_dir(&repo().join("content"), &site.join("content"));
    std::fs::copy(repo().join("kbsite.yml"), site.join("kbsite.yml")).unwrap();
    std::fs::copy(
        repo().join("themes/default/templates/article.html"),
        site.join("templates/article.html"),
    )
    .or_else(|_| {
        std::fs::create_dir_all(site.join("templates"))?;
        std::fs::copy(
            repo().join("themes/default/templates/article.html"),
            site.join("templates/article.html"),
        )
    })
    .unwrap();
    std::fs::create_dir_all(base.path().join("other")).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(&site, base.path().join("link")).unwrap();
    base
}

#[test]
fn every_edit_is_seen_however_the_site_folder_is_named() {
    let base = site_with_neighbours();
    let b = base.path();
    let site = b.join("site");
    let abs = site.canonicalize().unwrap();
    let abs_slash = format!("{}/", abs.display());
    let other = b.join("other");
    let mut spellings: Vec<(&str, &Path, Vec<&str>)> = vec![
        ("no --root", &site, vec![]),
        ("--root .", &site, vec!["--root", "."]),
        ("--root ./site", b, vec!["--root", "./site"]),
        ("--root ../site", &other, vec!["--root", "../site"]),
        ("--root site/", b, vec!["--root", "site/"]),
        ("an absolute --root/", &other, vec!["--root", &abs_slash]),
    ];
    if cfg!(unix) {
        spellings.push(("--root link (a symlink)", b, vec!["--root", "link"]));
    }
    for (how, cwd, args) in spellings {
        // Each spelling starts from the same files.
        let fresh = site_with_neighbours();
        std::fs::remove_dir_all(&site).unwrap();
        std::fs::rename(fresh.path().join("site"), &site).unwrap();
        let s = Server::launch(&site, cwd, &args);
        every_kind_of_edit(&s, how);
    }
}

/// A DocFX repository with no kbsite.yml, served from its folder: an
/// include at the repository root and the redirection file are watched
/// like any content, and the served site stays the one a build makes.
#[test]
fn a_docfx_repository_is_served_and_watched_as_kept() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("tests/fixtures/docfx-repo"), dir.path());
    let root = dir.path();
    let s = Server::start(root);
    let include = "includes/third-party-contact-disclaimer.md";
    let text = format!("{}\n\nQuetzal contact line.\n", read(root, include));
    let (reload, _) = s.save(include, &text);
    let page = "/outlook/troubleshoot/add-ins/cannot-save-to-onenote/";
    assert!(s.get(page).1.contains("Quetzal contact line"), "{page}");
    assert!(reload
        .unwrap()
        .contains(&format!("{}index.html", &page[1..])));
    // A redirect now leads elsewhere: its page says so.
    let moved = "/microsoft-365/troubleshoot/activation/reset-office-365-proplus-activation-state/";
    assert!(s.get(moved).1.contains("url=../../../../office/"));
    let redirects = read(root, ".openpublishing.redirection.json").replacen(
        "\"redirect_url\": \"/office/troubleshoot/activation/reset-office-365-proplus-activation-state\"",
        "\"redirect_url\": \"https://example.org/moved\"",
        1,
    );
    s.save(".openpublishing.redirection.json", &redirects);
    assert!(s.get(moved).1.contains("url=https://example.org/moved"));
    s.quiet();
    assert_served_equals_build(&s, root, "after the edits");
}
