//! The HTTP side of the preview server: the site's files from memory, the
//! live-reload script and its event stream. Only files of the site can be
//! reached: request paths are decoded once and refused when they climb
//! (`..`), use backslashes or drive letters, or name a copied file whose
//! real path (symbolic links followed) leaves the content folder.

use super::site::Served;
use super::wire::{Reply, Request, Response};
use rustc_hash::FxHashMap as HashMap;
use std::io::Write;
use std::net::{Shutdown, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

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

/// How many events may wait for one live-reload client. A client that
/// falls further behind (it stopped reading) is dropped: its browser
/// connects again and, having missed events, reloads the page.
pub const CLIENT_QUEUE: usize = 16;

/// The live-reload clients. Sending never waits for a client: each has a
/// bounded queue, emptied by its own connection's thread, which holds no
/// lock while it writes.
#[derive(Default)]
pub struct Hub {
    inner: Mutex<HubInner>,
}

#[derive(Default)]
struct HubInner {
    clients: Vec<Client>,
    /// The data of the last `errors` event, for clients that connect later.
    errors: Option<Arc<str>>,
    /// The id of the last event sent (each event has the next one).
    last_id: u64,
}

struct Client {
    queue: SyncSender<Arc<str>>,
    /// Shut down when the client is dropped, so that a write blocked on it
    /// ends at once.
    socket: Option<TcpStream>,
}

impl Hub {
    /// Sends `event` with JSON `data` to every client.
    pub fn send(&self, event: &str, data: &str) {
        let mut hub = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        hub.last_id += 1;
        let message: Arc<str> =
            format!("id: {}\nevent: {event}\ndata: {data}\n\n", hub.last_id).into();
        if event == "errors" {
            hub.errors = Some(data.into());
        }
        hub.clients
            .retain(|client| match client.queue.try_send(message.clone()) {
                Ok(()) => true,
                Err(TrySendError::Full(_)) => {
                    if let Some(socket) = &client.socket {
                        let _ = socket.shutdown(Shutdown::Both);
                    }
                    false
                }
                Err(TrySendError::Disconnected(_)) => false,
            });
    }

    /// A new client's queue. It starts with the current errors, after a
    /// reload of everything when the client saw an event (`last_seen`, the
    /// `Last-Event-ID` its browser sends when it connects again) that is
    /// not the last one: it missed some, or the server started again.
    pub fn join(&self, last_seen: Option<&str>, socket: Option<TcpStream>) -> Receiver<Arc<str>> {
        let (queue, rx) = sync_channel(CLIENT_QUEUE);
        let mut hub = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let id = hub.last_id;
        if last_seen.is_some_and(|seen| seen.trim() != id.to_string()) {
            let _ = queue.try_send(format!("id: {id}\nevent: reload\ndata: [\"*\"]\n\n").into());
        }
        if let Some(errors) = &hub.errors {
            let _ = queue.try_send(format!("id: {id}\nevent: errors\ndata: {errors}\n\n").into());
        }
        hub.clients.push(Client { queue, socket });
        rx
    }
}

/// Answers one request.
pub fn handle(request: &Request, state: &Arc<State>) -> Reply {
    if !matches!(request.method.as_str(), "GET" | "HEAD") {
        return Reply::Response(
            plain(405, "method not allowed").with_header("Allow", "GET, HEAD".into()),
        );
    }
    let path = request.target.split(['?', '#']).next().unwrap_or("");
    if path == EVENTS_PATH {
        let state = state.clone();
        return Reply::Stream(Box::new(move |stream, request| {
            events(stream, request, &state)
        }));
    }
    if path == SCRIPT_PATH {
        return Reply::Response(bytes(200, RELOAD_JS.as_bytes().to_vec(), "text/javascript"));
    }
    Reply::Response(match site_path(path) {
        Err(status) => plain(
            status,
            if status == 400 {
                "bad request"
            } else {
                "forbidden"
            },
        ),
        Ok(key) => file_response(&key, path, state),
    })
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

type Body = Response;

fn file_response(key: &str, path: &str, state: &State) -> Body {
    let found = state
        .files
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .get(key)
        .cloned();
    match found {
        Some(Served::Copy(file)) => copied(key, &file, state),
        Some(packed) => with_type(key, 200, packed.bytes().unwrap_or_default()),
        None => {
            let folder = format!("{key}/index.html");
            let files = state.files.read().unwrap_or_else(|e| e.into_inner());
            if files.contains_key(&folder) {
                let to = format!("{path}/");
                // Request targets are visible ASCII; a header value must be.
                return if to.bytes().all(|b| (0x21..0x7f).contains(&b)) {
                    plain(301, "moved").with_header("Location", to)
                } else {
                    plain(400, "bad request")
                };
            }
            let page = match files.get("404.html") {
                Some(packed @ Served::Packed { .. }) => packed.bytes().unwrap_or_default(),
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
    Response::new(status, mime, body)
}

fn plain(status: u16, text: &str) -> Body {
    Response::plain(status, text)
}

/// How long the event stream may be silent: then a comment finds clients
/// that went away.
const PING: Duration = Duration::from_secs(15);

/// Server-Sent Events: `reload`, `errors` and `search` as they happen,
/// each with an id (see [`Hub::join`]); a comment every [`PING`] finds
/// clients that went away. A write the client takes nothing of for
/// [`super::wire::WRITE_TIMEOUT`] ends the stream, as does the hub dropping it.
fn events(mut stream: TcpStream, request: &Request, state: &State) {
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n";
    if request.head_only() {
        let _ = stream.write_all(head.as_bytes());
        return;
    }
    let rx = state
        .hub
        .join(request.last_event_id.as_deref(), stream.try_clone().ok());
    if stream
        .write_all(format!("{head}retry: 500\n\n").as_bytes())
        .is_err()
    {
        return;
    }
    loop {
        let message: Arc<str> = match rx.recv_timeout(PING) {
            Ok(m) => m,
            Err(RecvTimeoutError::Timeout) => ": ping\n\n".into(),
            Err(RecvTimeoutError::Disconnected) => return,
        };
        if stream.write_all(message.as_bytes()).is_err() {
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
    fn a_client_that_falls_behind_is_dropped_and_one_back_reloads() {
        let hub = Hub::default();
        hub.send("errors", "[1]");
        let fresh = hub.join(None, None);
        assert_eq!(
            &*fresh.try_recv().unwrap(),
            "id: 1\nevent: errors\ndata: [1]\n\n"
        );
        // Its queue starts with the errors.
        let stalled = hub.join(None, None);
        for i in 0..CLIENT_QUEUE - 1 {
            hub.send("reload", &format!("[{i}]"));
            assert!(fresh.try_recv().is_ok());
        }
        assert_eq!(hub.inner.lock().unwrap().clients.len(), 2);
        hub.send("reload", "[\"last\"]");
        assert_eq!(hub.inner.lock().unwrap().clients.len(), 1);
        let queued: Vec<_> = stalled.try_iter().collect();
        assert_eq!(queued.len(), CLIENT_QUEUE, "the queue is bounded");
        let last = CLIENT_QUEUE + 1;
        // Back with the last id: nothing missed, only the errors.
        let back = hub.join(Some(&last.to_string()), None);
        let got: Vec<_> = back.try_iter().collect();
        assert_eq!(got.len(), 1);
        assert!(got[0].contains("event: errors\ndata: [1]"), "{got:?}");
        // Back from further behind (or from another server): reload all.
        for seen in ["1", "0", "99999", "x"] {
            let got: Vec<_> = hub.join(Some(seen), None).try_iter().collect();
            assert_eq!(got.len(), 2, "{seen}");
            assert_eq!(
                &*got[0],
                format!("id: {last}\nevent: reload\ndata: [\"*\"]\n\n"),
                "{seen}"
            );
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
