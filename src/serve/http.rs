//! The site side of the preview server: which file a request names, and
//! the response for it. The site's files are served from memory (copied
//! content files are read when asked for), each with its MIME type and
//! `Cache-Control: no-store`; HTML gets the live-reload script. Only files
//! of the site can be reached: request paths are decoded once and refused
//! when they climb (`..`), use backslashes or drive letters, or name a
//! copied file whose real path (symbolic links followed) leaves the
//! content folder. Reading requests and writing responses is
//! [`super::server`]'s work.

use super::events::{EventStream, Hub};
use super::server::Closer;
use super::site::Served;
use http_body_util::{combinators::BoxBody, BodyExt, Empty, Full};
use hyper::body::Bytes;
use hyper::header::{HeaderValue, ALLOW, CACHE_CONTROL, CONNECTION, CONTENT_TYPE, LOCATION};
use hyper::{Method, Request, Response, StatusCode};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

/// Where the reload script is served. The server's own paths live under
/// `/__kbsite/` and win over a content folder of that name.
pub const SCRIPT_PATH: &str = "/__kbsite/reload.js";
const EVENTS_PATH: &str = "/__kbsite/events";
/// The tag added to every HTML page served, before `</body>`.
pub const SCRIPT_TAG: &str = "<script src=\"/__kbsite/reload.js\"></script>";
const RELOAD_JS: &str = include_str!("reload.js");

/// A response's body: bytes in memory, or an event stream.
pub type Body = BoxBody<Bytes, Infallible>;

/// What the server shares between the rebuild loop and requests.
pub struct State {
    pub files: RwLock<HashMap<String, Served>>,
    /// The content folder, resolved, for checking copied files.
    pub content_dir: RwLock<PathBuf>,
    pub hub: Hub,
    /// While a rebuild renders the pages it did not serve first (those of
    /// the saved files, held here), a request for any other page waits.
    rendering: Mutex<Option<HashSet<String>>>,
    settled: tokio::sync::Notify,
}

/// The longest a request waits for a page still being rendered (then the
/// page as it was is served).
const PENDING_WAIT: Duration = Duration::from_secs(10);

impl State {
    pub fn new(content_dir: &Path) -> State {
        State {
            files: RwLock::new(HashMap::default()),
            content_dir: RwLock::new(resolved(content_dir)),
            hub: Hub::default(),
            rendering: Mutex::new(None),
            settled: tokio::sync::Notify::new(),
        }
    }

    /// From now until [`State::settle`], requests for pages other than
    /// `done` wait.
    pub fn hold_all_but(&self, done: HashSet<String>) {
        *self.rendering_lock() = Some(done);
    }

    /// Every page is in: waiting requests go on.
    pub fn settle(&self) {
        *self.rendering_lock() = None;
        self.settled.notify_waiters();
    }

    fn rendering_lock(&self) -> std::sync::MutexGuard<'_, Option<HashSet<String>>> {
        self.rendering.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether the site path `key` is a page that may be rendered again
    /// now (never a stylesheet or script: the page just reloaded needs
    /// them).
    fn held(&self, key: &str) -> bool {
        let page = [".html", ".svg", ".xml", ".txt"]
            .iter()
            .any(|e| key.ends_with(e));
        page && self
            .rendering_lock()
            .as_ref()
            .is_some_and(|done| !done.contains(key))
    }

    /// Returns once the site path `key` is not being rendered.
    async fn ready(&self, key: &str) {
        let deadline = tokio::time::Instant::now() + PENDING_WAIT;
        loop {
            // Made before looking, so a settle in between is not missed.
            let settled = self.settled.notified();
            if !self.held(key) {
                return;
            }
            if tokio::time::timeout_at(deadline, settled).await.is_err() {
                return;
            }
        }
    }
}

pub fn resolved(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

/// Answers one request: its head, the server having read and checked the
/// rest.
pub async fn handle(request: Request<()>, state: Arc<State>) -> Response<Body> {
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        let mut response = plain(StatusCode::METHOD_NOT_ALLOWED, "method not allowed");
        let allow = HeaderValue::from_static("GET, HEAD");
        response.headers_mut().insert(ALLOW, allow);
        return response;
    }
    let path = request.uri().path();
    if path == EVENTS_PATH {
        return events(&request, &state.hub);
    }
    if path == SCRIPT_PATH {
        return bytes(StatusCode::OK, "text/javascript", RELOAD_JS);
    }
    match site_path(path) {
        Ok(key) => file_response(&request, &key, &state).await,
        Err(400) => plain(StatusCode::BAD_REQUEST, "bad request"),
        Err(_) => plain(StatusCode::FORBIDDEN, "forbidden"),
    }
}

/// The site path a request path names (`a/b/index.html`), or the status
/// to refuse it with.
pub fn site_path(path: &str) -> Result<String, u16> {
    let Some(rest) = path.strip_prefix('/') else {
        return Err(400);
    };
    let decoded = percent_encoding::percent_decode_str(rest)
        .decode_utf8()
        .map_err(|_| 400u16)?;
    if decoded.contains(['\\', '\0', ':']) || decoded.starts_with('/') {
        return Err(403);
    }
    if decoded.split('/').any(|s| s == ".." || s == ".") {
        return Err(403);
    }
    let mut key = decoded.into_owned();
    if key.is_empty() || key.ends_with('/') {
        key.push_str("index.html");
    }
    Ok(key)
}

/// The response for `request`, which names the site path `key`: its file,
/// a redirect when it is a folder asked for without its slash (relative
/// links need it), else the site's 404 page.
async fn file_response(request: &Request<()>, key: &str, state: &State) -> Response<Body> {
    state.ready(key).await;
    let (key, status, file) = {
        let files = state.files.read().unwrap_or_else(|e| e.into_inner());
        if let Some(file) = files.get(key) {
            (key, StatusCode::OK, file.clone())
        } else if files.contains_key(&format!("{key}/index.html")) {
            return redirect(format!("{}/", request.uri().path()));
        } else if let Some(page) = files.get("404.html") {
            ("404.html", StatusCode::NOT_FOUND, page.clone())
        } else {
            let page = "<!doctype html><title>Not found</title><h1>Not found</h1>";
            return typed("404.html", StatusCode::NOT_FOUND, page.into());
        }
    };
    served(key, status, file, state).await
}

/// The response for a file of the site: the one place where a [`Served`]
/// becomes a body (the request is at hand in [`file_response`], for a
/// variant whose answer depends on it).
async fn served(key: &str, status: StatusCode, file: Served, state: &State) -> Response<Body> {
    match file {
        packed @ Served::Packed { .. } => typed(key, status, packed.bytes().unwrap_or_default()),
        Served::Copy(path) => match copied(path, state).await {
            Ok(b) => typed(key, status, b),
            Err(refused) => plain(refused, refused.canonical_reason().unwrap_or("")),
        },
    }
}

fn redirect(to: String) -> Response<Body> {
    // Request targets are visible ASCII; a header value must be.
    match HeaderValue::from_str(&to) {
        Ok(to) if to.as_bytes().iter().all(|b| (0x21..0x7f).contains(b)) => {
            let mut response = plain(StatusCode::MOVED_PERMANENTLY, "moved");
            response.headers_mut().insert(LOCATION, to);
            response
        }
        _ => plain(StatusCode::BAD_REQUEST, "bad request"),
    }
}

/// A content file's bytes, read now (off the server's thread); refused
/// when its real path leaves the content folder.
async fn copied(file: PathBuf, state: &State) -> Result<Vec<u8>, StatusCode> {
    let root = state
        .content_dir
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    let read = move || match std::fs::canonicalize(file) {
        Ok(real) if real.starts_with(&root) => {
            std::fs::read(&real).map_err(|_| StatusCode::NOT_FOUND)
        }
        Ok(_) => Err(StatusCode::FORBIDDEN),
        Err(_) => Err(StatusCode::NOT_FOUND),
    };
    tokio::task::spawn_blocking(read)
        .await
        .unwrap_or(Err(StatusCode::INTERNAL_SERVER_ERROR))
}

/// `body` with the MIME type of `key` (UTF-8 for text); HTML gets the
/// reload script.
fn typed(key: &str, status: StatusCode, mut body: Vec<u8>) -> Response<Body> {
    let mime = mime_guess::from_path(key).first_or_octet_stream();
    let mime = match mime.type_() {
        mime_guess::mime::TEXT | mime_guess::mime::APPLICATION
            if mime.get_param("charset").is_none()
                && (mime.type_() == mime_guess::mime::TEXT
                    || matches!(mime.subtype().as_str(), "javascript" | "json" | "xml")) =>
        {
            format!("{mime}; charset=utf-8")
        }
        _ => mime.to_string(),
    };
    if mime.starts_with("text/html") {
        body = inject(body);
    }
    bytes(status, &mime, body)
}

/// Adds the reload script to an HTML page.
pub fn inject(mut html: Vec<u8>) -> Vec<u8> {
    let at = memchr::memmem::rfind(&html, b"</body>").unwrap_or(html.len());
    html.splice(at..at, SCRIPT_TAG.bytes());
    html
}

/// A response of `status` with `body`, of MIME type `mime`, never cached.
fn bytes(status: StatusCode, mime: &str, body: impl Into<Bytes>) -> Response<Body> {
    with_type(status, mime, Full::new(body.into()).boxed())
}

fn with_type(status: StatusCode, mime: &str, body: Body) -> Response<Body> {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let mime =
        HeaderValue::from_str(mime).unwrap_or(HeaderValue::from_static("application/octet-stream"));
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, mime);
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A short plain-text response.
pub fn plain(status: StatusCode, text: &'static str) -> Response<Body> {
    bytes(status, "text/plain; charset=utf-8", text)
}

/// `GET /__kbsite/events`: the live-reload event stream (see [`Hub::join`]
/// for what it starts with). It holds its connection, which ends with it.
fn events(request: &Request<()>, hub: &Hub) -> Response<Body> {
    let body = if request.method() == Method::HEAD {
        Empty::new().boxed()
    } else {
        let last_seen = request
            .headers()
            .get("last-event-id")
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let closer = request.extensions().get::<Closer>().cloned();
        EventStream::new(hub.join(last_seen.as_deref(), closer)).boxed()
    };
    let mut response = with_type(StatusCode::OK, "text/event-stream", body);
    let close = HeaderValue::from_static("close");
    response.headers_mut().insert(CONNECTION, close);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_paths_are_decoded_and_never_climb() {
        assert_eq!(site_path("/").unwrap(), "index.html");
        assert_eq!(site_path("/a/b/").unwrap(), "a/b/index.html");
        assert_eq!(site_path("/a%20b/c.png").unwrap(), "a b/c.png");
        for bad in [
            "/../etc/passwd",
            "/a/../../x",
            "/%2e%2e/x",
            "/a/%2E%2E/%2e%2e/x",
            "/a%2f..%2f..%2fx",
            "/..%5c..%5cx",
            "/a\\..\\x",
            "//etc/passwd",
            "/%2fetc/passwd",
            "/C:/Windows/win.ini",
            "/a/./b",
            "/a%00b",
        ] {
            assert_eq!(site_path(bad), Err(403), "{bad}");
        }
        assert_eq!(site_path("a"), Err(400));
        assert_eq!(site_path("/%ff"), Err(400));
    }

    /// Every way of writing the parts of a path that matter, percent-encoded
    /// or not, and some that should not matter.
    const PIECES: &[&str] = &[
        "/",
        "//",
        ".",
        "..",
        "...",
        "%2e",
        "%2E",
        "%2e%2e",
        ".%2e",
        "%2f",
        "%2F",
        "%5c",
        "%5C",
        "\\",
        "%00",
        "\0",
        ":",
        "%3a",
        "C:",
        "c%3A",
        "C:\\",
        "a",
        "b.html",
        "index.html",
        "~",
        " ",
        "%20",
        "%",
        "%2",
        "%zz",
        "%ff",
        "%c3%a9",
        "é",
        "日本",
        "\u{202e}",
        "?",
        "#",
        "%3f",
        "%252e",
        "\n",
        "%0a",
        "\t",
    ];

    fn path_strategy() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let piece = prop_oneof![
            4 => proptest::sample::select(PIECES).prop_map(str::to_string),
            1 => any::<char>().prop_map(String::from),
            1 => "[a-z.%/\\\\]{1,4}",
        ];
        (any::<bool>(), proptest::collection::vec(piece, 0..12)).prop_map(|(slash, pieces)| {
            format!("{}{}", if slash { "/" } else { "" }, pieces.concat())
        })
    }

    /// What an accepted site path must be, whatever was asked.
    fn assert_contained(input: &str, key: &str) {
        use std::path::Component;
        assert!(!key.starts_with('/'), "{input:?} -> {key:?}");
        assert!(!key.contains(['\\', '\0', ':']), "{input:?} -> {key:?}");
        assert!(
            key.split('/').all(|s| s != ".." && s != "."),
            "{input:?} -> {key:?}"
        );
        let root = Path::new("/srv/site");
        let joined = root.join(key);
        let mut depth = 0usize;
        for c in joined
            .strip_prefix(root)
            .expect("under the root")
            .components()
        {
            match c {
                Component::Normal(_) => depth += 1,
                Component::ParentDir if depth > 0 => depth -= 1,
                other => panic!("{input:?} -> {key:?}: {other:?}"),
            }
        }
        assert!(joined.starts_with(root), "{input:?} -> {key:?}");
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(3000))]

        #[test]
        fn any_request_path_stays_in_the_site(input in path_strategy()) {
            if let Ok(key) = site_path(&input) {
                assert_contained(&input, &key);
            }
        }


        /// Writing what a refused path means percent-encoded (all of it, or
        /// some characters) never gets it through.
        #[test]
        fn encoded_refused_paths_are_refused(input in path_strategy(), mask in proptest::num::u64::ANY) {
            if site_path(&input) == Err(403) {
                let meant = percent_encoding::percent_decode_str(&input[1..]).decode_utf8().unwrap();
                let (mut all, mut some) = (String::from("/"), String::from("/"));
                for (i, c) in meant.chars().enumerate() {
                    let mut utf8 = [0u8; 4];
                    let encoded: String = c
                        .encode_utf8(&mut utf8)
                        .bytes()
                        .map(|b| format!("%{b:02X}"))
                        .collect();
                    all.push_str(&encoded);
                    if mask >> (i % 64) & 1 == 1 && c != '%' {
                        some.push(c);
                    } else {
                        some.push_str(&encoded.to_lowercase());
                    }
                }
                assert_eq!(site_path(&all), Err(403), "{input:?} as {all:?}");
                assert_eq!(site_path(&some), Err(403), "{input:?} as {some:?}");
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(1000))]

        #[test]
        fn any_string_at_all_stays_in_the_site(input in "/?\\PC*") {
            if let Ok(key) = site_path(&input) {
                assert_contained(&input, &key);
            }
        }
    }

    #[test]
    fn the_script_goes_before_the_last_body_end() {
        let html = b"<html><body><p>x</p></body></html>".to_vec();
        assert_eq!(
            String::from_utf8(inject(html)).unwrap(),
            format!("<html><body><p>x</p>{SCRIPT_TAG}</body></html>")
        );
        assert!(String::from_utf8(inject(b"bare".to_vec()))
            .unwrap()
            .ends_with(SCRIPT_TAG));
    }
}
