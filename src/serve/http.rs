//! The HTTP side of the preview server: the site's files from memory, the
//! live-reload script and its event stream. Only files of the site can be
//! reached: request paths are decoded once and refused when they climb
//! (`..`), use backslashes or drive letters, or name a copied file whose
//! real path (symbolic links followed) leaves the content folder.

use super::site::Served;
use rustc_hash::FxHashMap as HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;
use tiny_http::{Header, Method, Request, Response};

/// Where the reload script is served. The server's own paths live under
/// `/__kbsite/` and win over a content folder of that name.
pub const SCRIPT_PATH: &str = "/__kbsite/reload.js";
const EVENTS_PATH: &str = "/__kbsite/events";
/// The tag added to every HTML page served, before `</body>`.
pub const SCRIPT_TAG: &str = "<script src=\"/__kbsite/reload.js\"></script>";
const RELOAD_JS: &str = include_str!("reload.js");

/// What the server shares between the rebuild loop and requests.
pub struct State {
    pub files: RwLock<HashMap<String, Served>>,
    /// The content folder, resolved, for checking copied files.
    pub content_dir: RwLock<PathBuf>,
    pub hub: Hub,
}

impl State {
    pub fn new(content_dir: &Path) -> State {
        State {
            files: RwLock::new(HashMap::default()),
            content_dir: RwLock::new(resolved(content_dir)),
            hub: Hub::default(),
        }
    }
}

pub fn resolved(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

/// The live-reload clients. Sending never waits for a client: each has
/// its own queue, emptied by its own connection's thread.
#[derive(Default)]
pub struct Hub {
    clients: Mutex<Vec<Sender<Arc<str>>>>,
    /// The last `errors` event, for clients that connect later.
    errors: Mutex<Option<Arc<str>>>,
}

impl Hub {
    /// Sends `event` with JSON `data` to every client.
    pub fn send(&self, event: &str, data: &str) {
        let message: Arc<str> = format!("event: {event}\ndata: {data}\n\n").into();
        if event == "errors" {
            *self.errors.lock().unwrap_or_else(|e| e.into_inner()) = Some(message.clone());
        }
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        clients.retain(|c| c.send(message.clone()).is_ok());
    }

    fn join(&self) -> Receiver<Arc<str>> {
        let (tx, rx) = channel();
        if let Some(e) = self
            .errors
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
        {
            let _ = tx.send(e);
        }
        self.clients
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(tx);
        rx
    }
}

/// Answers one request.
pub fn handle(request: Request, state: &State) {
    let url = request.url().to_string();
    if !matches!(request.method(), Method::Get | Method::Head) {
        let _ = request.respond(plain(405, "method not allowed"));
        return;
    }
    let path = url.split(['?', '#']).next().unwrap_or("");
    if path == EVENTS_PATH {
        return events(request, state);
    }
    if path == SCRIPT_PATH {
        let _ = request.respond(bytes(200, RELOAD_JS.as_bytes().to_vec(), "text/javascript"));
        return;
    }
    let response = match site_path(path) {
        Err(status) => plain(
            status,
            if status == 400 {
                "bad request"
            } else {
                "forbidden"
            },
        ),
        Ok(key) => file_response(&key, path, state),
    };
    let _ = request.respond(response);
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

type Body = Response<std::io::Cursor<Vec<u8>>>;

fn file_response(key: &str, path: &str, state: &State) -> Body {
    let found = state
        .files
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .get(key)
        .cloned();
    match found {
        Some(Served::Bytes(b)) => with_type(key, 200, b.to_vec()),
        Some(Served::Copy(file)) => copied(key, &file, state),
        None => {
            let folder = format!("{key}/index.html");
            let files = state.files.read().unwrap_or_else(|e| e.into_inner());
            if files.contains_key(&folder) {
                let to = format!("{path}/");
                return match Header::from_bytes(&b"Location"[..], to.as_bytes()) {
                    Ok(location) => plain(301, "moved").with_header(location),
                    // Not a header value (raw non-ASCII in the request).
                    Err(()) => plain(400, "bad request"),
                };
            }
            let page = match files.get("404.html") {
                Some(Served::Bytes(b)) => b.to_vec(),
                _ => b"<!doctype html><title>Not found</title><h1>Not found</h1>".to_vec(),
            };
            drop(files);
            with_type("404.html", 404, page)
        }
    }
}

/// A content file, read now; refused when its real path leaves the
/// content folder.
fn copied(key: &str, file: &Path, state: &State) -> Body {
    let root = state
        .content_dir
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    match std::fs::canonicalize(file) {
        Ok(real) if real.starts_with(&root) => match std::fs::read(&real) {
            Ok(b) => with_type(key, 200, b),
            Err(_) => plain(404, "not found"),
        },
        Ok(_) => plain(403, "forbidden"),
        Err(_) => plain(404, "not found"),
    }
}

fn with_type(key: &str, status: u16, mut body: Vec<u8>) -> Body {
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
    bytes(status, body, &mime)
}

/// Adds the reload script to an HTML page.
pub fn inject(mut html: Vec<u8>) -> Vec<u8> {
    let at = memchr::memmem::rfind(&html, b"</body>").unwrap_or(html.len());
    html.splice(at..at, SCRIPT_TAG.bytes());
    html
}

fn bytes(status: u16, body: Vec<u8>, mime: &str) -> Body {
    Response::from_data(body)
        .with_status_code(status)
        .with_header(header("Content-Type", mime))
        .with_header(header("Cache-Control", "no-store"))
}

fn plain(status: u16, text: &str) -> Body {
    bytes(
        status,
        text.as_bytes().to_vec(),
        "text/plain; charset=utf-8",
    )
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("valid header")
}

/// Server-Sent Events: `reload`, `errors` and `search` as they happen; a
/// comment every 15 s finds clients that went away.
fn events(request: Request, state: &State) {
    let rx = state.hub.join();
    let mut w = request.into_writer();
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\nConnection: close\r\n\r\nretry: 500\n\n";
    if w.write_all(head.as_bytes())
        .and_then(|_| w.flush())
        .is_err()
    {
        return;
    }
    loop {
        let message: Arc<str> = match rx.recv_timeout(Duration::from_secs(15)) {
            Ok(m) => m,
            Err(RecvTimeoutError::Timeout) => ": ping\n\n".into(),
            Err(RecvTimeoutError::Disconnected) => return,
        };
        if w.write_all(message.as_bytes())
            .and_then(|_| w.flush())
            .is_err()
        {
            return;
        }
    }
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
