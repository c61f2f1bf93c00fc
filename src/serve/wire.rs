//! HTTP/1.1 on the wire for the preview server: connections, request heads
//! and responses, with every input bounded. The server only answers GET
//! and HEAD, so it needs little of HTTP. [`httparse`] parses a request's
//! head (request line and header lines); this module bounds what is read
//! and decides what to answer, keeping each limit in one place:
//!
//! - A malformed request (a bad request line, a header line without a
//!   name or with control characters, folded headers, a request target
//!   that is not visible ASCII, a bad or doubled `Content-Length`, both
//!   `Content-Length` and `Transfer-Encoding`) is answered **400**.
//! - An oversized one is answered **413**: a request target over
//!   [`MAX_TARGET`], a head (request line and headers) over [`MAX_HEAD`] or
//!   with more than [`MAX_HEADERS`] headers, a body over [`MAX_BODY`], or
//!   a chunked body (the server takes no body it cannot size first).
//! - A method other than GET and HEAD is 405, an HTTP version other than
//!   1.0 and 1.1 is 505, and a head not complete within [`HEAD_TIMEOUT`] of
//!   its first byte is 408.
//!
//! Each of these closes the connection. A faulty head is refused as soon
//! as a line end lets httparse see the fault, without waiting for the rest
//! of it. At most [`MAX_CONNECTIONS`] connections are served at once (the
//! next ones get 503), a connection idle for [`IDLE_TIMEOUT`] is closed,
//! and a write that makes no progress for [`WRITE_TIMEOUT`] ends its
//! connection, so no client holds a thread for long. No lock is held while
//! reading or writing a socket.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The longest request target (path and query).
pub const MAX_TARGET: usize = 8 * 1024;
/// The longest request head: request line, headers and the empty line.
pub const MAX_HEAD: usize = 32 * 1024;
/// The most header lines in a request.
pub const MAX_HEADERS: usize = 100;
/// The largest request body read (and ignored): some clients send a small
/// one with a GET.
pub const MAX_BODY: u64 = 1024;
/// Connections served at once.
pub const MAX_CONNECTIONS: usize = 256;
/// Time from a request's first byte to the end of its head (and body).
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// Time a kept-alive connection waits for its next request.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// Time a write may wait for the client to take any bytes.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// A request's head, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    /// The request target as sent: visible ASCII only.
    pub target: String,
    /// The `Last-Event-ID` header, for the event stream.
    pub last_event_id: Option<String>,
    /// The client wants the connection kept for another request.
    pub keep_alive: bool,
    /// Bytes of body that follow the head (at most [`MAX_BODY`]).
    pub body: u64,
}

impl Request {
    pub fn head_only(&self) -> bool {
        self.method == "HEAD"
    }
}

/// A response with its body in memory.
pub struct Response {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn new(status: u16, mime: &str, body: Vec<u8>) -> Response {
        Response {
            status,
            headers: vec![
                ("Content-Type", mime.to_string()),
                ("Cache-Control", "no-store".to_string()),
            ],
            body,
        }
    }

    pub fn plain(status: u16, text: &str) -> Response {
        Response::new(
            status,
            "text/plain; charset=utf-8",
            text.as_bytes().to_vec(),
        )
    }

    pub fn with_header(mut self, name: &'static str, value: String) -> Response {
        self.headers.push((name, value));
        self
    }
}

/// Takes a connection over (the event stream), for as long as it likes.
pub type Stream = Box<dyn FnOnce(TcpStream, &Request) + Send>;

/// What a request handler does with a request.
pub enum Reply {
    Response(Response),
    /// The connection becomes an event stream.
    Stream(Stream),
}

/// Accepts connections on `listener` until it fails, each on a thread of
/// its own, answering requests with `handle`.
pub fn serve<H>(listener: TcpListener, handle: H)
where
    H: Fn(&Request) -> Reply + Send + Sync + 'static,
{
    let handle = Arc::new(handle);
    let open = Arc::new(AtomicUsize::new(0));
    for stream in listener.incoming() {
        let Ok(stream) = stream else {
            // Out of descriptors and the like: let some close.
            std::thread::sleep(Duration::from_millis(20));
            continue;
        };
        if open.fetch_add(1, Ordering::AcqRel) >= MAX_CONNECTIONS {
            open.fetch_sub(1, Ordering::AcqRel);
            let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
            refuse(stream, 503, false);
            continue;
        }
        let (handle, counted) = (handle.clone(), Counted(open.clone()));
        let spawned = std::thread::Builder::new()
            .name("kbsite-http".into())
            .spawn(move || {
                let _counted = counted;
                connection(stream, &*handle);
            });
        // No thread to be had: the connection closes as `spawn` drops it.
        drop(spawned);
    }
}

/// One open connection, counted until dropped.
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

fn connection(mut stream: TcpStream, handle: &dyn Fn(&Request) -> Reply) {
    let _ = stream.set_nodelay(true);
    if stream.set_write_timeout(Some(WRITE_TIMEOUT)).is_err() {
        return;
    }
    let mut buf = Vec::new();
    loop {
        let request = match read_request(&mut stream, &mut buf) {
            Ok(Some(r)) => r,
            Ok(None) => return,
            Err(status) => return refuse(stream, status, true),
        };
        match handle(&request) {
            Reply::Response(response) => {
                if write_response(&mut stream, &request, response).is_err() || !request.keep_alive {
                    return;
                }
            }
            Reply::Stream(stream_fn) => return stream_fn(stream, &request),
        }
    }
}

/// Answers `status` and closes; with `linger`, lets the client read the
/// answer before the rest of what it sends is thrown away.
fn refuse(mut stream: TcpStream, status: u16, linger: bool) {
    let response = Response::plain(status, reason(status));
    let request = Request {
        method: String::new(),
        target: String::new(),
        last_event_id: None,
        keep_alive: false,
        body: 0,
    };
    if write_response(&mut stream, &request, response).is_err() {
        return;
    }
    let _ = stream.shutdown(Shutdown::Write);
    if !linger {
        return;
    }
    // Closing with unread bytes would reset the connection, and the client
    // could lose the answer: read a little more, for a moment.
    let until = Instant::now() + Duration::from_secs(2);
    let mut left: usize = 1 << 20;
    let mut sink = [0u8; 16 * 1024];
    while left > 0 {
        let Some(wait) = until.checked_duration_since(Instant::now()) else {
            break;
        };
        if wait.is_zero() || stream.set_read_timeout(Some(wait)).is_err() {
            break;
        }
        match stream.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(n) => left = left.saturating_sub(n),
        }
    }
}

/// Reads the next request's head (and its small body, thrown away) from
/// `stream`, `buf` holding bytes already read. `Ok(None)` when the client
/// is done (closed, or idle for [`IDLE_TIMEOUT`]); `Err` the status to
/// refuse the request with.
pub fn read_request(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Result<Option<Request>, u16> {
    let mut started = if buf.is_empty() {
        None
    } else {
        Some(Instant::now())
    };
    let idle_until = Instant::now() + IDLE_TIMEOUT;
    // Bytes already parsed. httparse starts over on each try, so a try
    // waits for a new line end (a head ends with one, and httparse gives
    // its verdict within MAX_HEADERS + 2 lines), not for every byte.
    let mut parsed = 0;
    let (request, end) = loop {
        // Empty lines before a request line are allowed (RFC 9112 2.2).
        let blank = buf
            .iter()
            .position(|&b| b != b'\r' && b != b'\n')
            .unwrap_or(buf.len());
        if blank > 0 {
            buf.drain(..blank);
            parsed = 0;
        }
        // Only the first MAX_HEAD bytes are parsed: a head that does not
        // end within them is too large, whatever follows.
        let window = &buf[..buf.len().min(MAX_HEAD)];
        if memchr::memchr(b'\n', &window[parsed.min(window.len())..]).is_some() {
            if let Some(head) = parse_head(window)? {
                break head;
            }
        }
        parsed = buf.len();
        if buf.len() > MAX_HEAD {
            return Err(413);
        }
        let until = match started {
            Some(t) => t + HEAD_TIMEOUT,
            None => idle_until,
        };
        match read_some(stream, buf, until) {
            Ok(0) if buf.is_empty() => return Ok(None),
            Ok(0) => return Err(400),
            Ok(_) => {
                started.get_or_insert_with(Instant::now);
            }
            Err(e) if is_timeout(&e) && started.is_some() => return Err(408),
            Err(_) => return Ok(None),
        }
    };
    buf.drain(..end);
    // Throw the body away.
    let until = started.unwrap_or_else(Instant::now) + HEAD_TIMEOUT;
    while (buf.len() as u64) < request.body {
        match read_some(stream, buf, until) {
            Ok(0) => return Ok(None),
            Ok(_) => {}
            Err(e) if is_timeout(&e) => return Err(408),
            Err(_) => return Ok(None),
        }
    }
    buf.drain(..request.body as usize);
    Ok(Some(request))
}

fn is_timeout(e: &std::io::Error) -> bool {
    matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)
}

/// Reads what is there (at most 8 KiB) into `buf`, waiting until `until`.
fn read_some(stream: &mut TcpStream, buf: &mut Vec<u8>, until: Instant) -> std::io::Result<usize> {
    let wait = until.saturating_duration_since(Instant::now());
    if wait.is_zero() {
        return Err(ErrorKind::TimedOut.into());
    }
    stream.set_read_timeout(Some(wait))?;
    let mut chunk = [0u8; 8 * 1024];
    loop {
        match stream.read(&mut chunk) {
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                return Ok(n);
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
}

/// Parses the request head at the start of `buf` (request line to the
/// empty line) with [`httparse`] and checks it: the request and the length
/// of its head, `None` if the head is not complete yet, `Err` the status to
/// refuse it with.
pub fn parse_head(buf: &[u8]) -> Result<Option<(Request, usize)>, u16> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Request::new(&mut headers);
    let end = match parsed.parse(buf) {
        Ok(httparse::Status::Complete(end)) => end,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => return Err(413),
        Err(httparse::Error::Version) => return version_refused(buf).map_or(Ok(None), Err),
        Err(_) => return Err(400),
    };
    let (Some(method), Some(target), Some(version)) = (parsed.method, parsed.path, parsed.version)
    else {
        return Err(400);
    };
    if let Some(status) = target_refused(target.as_bytes()) {
        return Err(status);
    }
    let http10 = version == 0;
    let mut request = Request {
        method: method.to_string(),
        target: target.to_string(),
        last_event_id: None,
        keep_alive: !http10,
        body: 0,
    };
    let (mut length, mut chunked) = (None::<u64>, false);
    for header in parsed.headers.iter() {
        let (name, value) = (header.name, header.value);
        if name.eq_ignore_ascii_case("content-length") {
            let n = content_length(value)?;
            if length.is_some_and(|l| l != n) {
                return Err(400);
            }
            length = Some(n);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = true;
        } else if name.eq_ignore_ascii_case("connection") {
            for token in value.split(|&b| b == b',') {
                let token = trim(token);
                if token.eq_ignore_ascii_case(b"close") {
                    request.keep_alive = false;
                } else if token.eq_ignore_ascii_case(b"keep-alive") && http10 {
                    request.keep_alive = true;
                }
            }
        } else if name.eq_ignore_ascii_case("last-event-id") {
            request.last_event_id = Some(String::from_utf8_lossy(value).into_owned());
        }
    }
    match (length, chunked) {
        (Some(_), true) => Err(400),
        (None, true) => Err(413),
        (Some(n), false) if n > MAX_BODY => Err(413),
        (n, false) => {
            request.body = n.unwrap_or(0);
            Ok(Some((request, end)))
        }
    }
}

/// The status for a request target too long (413) or not visible ASCII
/// (400; httparse takes UTF-8 beyond ASCII).
fn target_refused(target: &[u8]) -> Option<u16> {
    if target.len() > MAX_TARGET {
        Some(413)
    } else if !target.is_ascii() {
        Some(400)
    } else {
        None
    }
}

/// The status for a request line httparse finds no HTTP/1.0 or 1.1 in: as
/// for its target if that is refused, else 505 for another
/// `HTTP/<digit>.<digit>` version and 400 for anything else; `None` while
/// too little has come to tell.
fn version_refused(buf: &[u8]) -> Option<u16> {
    // httparse has taken the method and the target, each ended by one
    // space and holding none: the version follows the second space.
    let start = buf.iter().position(|&b| b != b'\r' && b != b'\n')?;
    let mut parts = buf[start..].splitn(3, |&b| b == b' ');
    let (_, target, version) = (parts.next()?, parts.next()?, parts.next()?);
    if let Some(status) = target_refused(target) {
        return Some(status);
    }
    let shape = b"HTTP/0.0";
    for (&b, &want) in version.iter().zip(shape) {
        let fits = if want == b'0' {
            b.is_ascii_digit()
        } else {
            b == want
        };
        if !fits {
            return Some(400);
        }
    }
    match version.get(shape.len()..)? {
        [] | [b'\r'] => None,
        [b'\n', ..] | [b'\r', b'\n', ..] => Some(505),
        _ => Some(400),
    }
}

fn content_length(value: &[u8]) -> Result<u64, u16> {
    if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
        return Err(400);
    }
    // All digits: a number too large for u64 is too large a body.
    std::str::from_utf8(value)
        .ok()
        .and_then(|v| v.parse().ok())
        .ok_or(413)
}

fn trim(mut b: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = b {
        b = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = b {
        b = rest;
    }
    b
}

/// Writes `response` to `request`: its head and, unless HEAD, its body.
pub fn write_response(
    stream: &mut TcpStream,
    request: &Request,
    response: Response,
) -> std::io::Result<()> {
    let mut out = format!(
        "HTTP/1.1 {} {}\r\nContent-Length: {}\r\n",
        response.status,
        reason(response.status),
        response.body.len()
    );
    for (name, value) in &response.headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    if !request.keep_alive {
        out.push_str("Connection: close\r\n");
    }
    out.push_str("\r\n");
    let mut out = out.into_bytes();
    if !request.head_only() {
        out.extend_from_slice(&response.body);
    }
    stream.write_all(&out)?;
    stream.flush()
}

pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Content Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A complete head's request.
    fn parse(head: &str) -> Result<Request, u16> {
        parse_bytes(head.as_bytes())
    }

    fn parse_bytes(head: &[u8]) -> Result<Request, u16> {
        parse_head(head).map(|r| r.expect("a complete head").0)
    }

    #[test]
    fn heads_are_checked() {
        let r = parse("GET /a?b HTTP/1.1\r\nHost: x\r\nLast-Event-ID: 7\r\n\r\n").unwrap();
        assert_eq!((r.method.as_str(), r.target.as_str()), ("GET", "/a?b"));
        assert_eq!(r.last_event_id.as_deref(), Some("7"));
        assert!(r.keep_alive);
        assert!(!parse("GET / HTTP/1.0\r\n\r\n").unwrap().keep_alive);
        assert!(
            parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")
                .unwrap()
                .keep_alive
        );
        assert!(
            !parse("GET / HTTP/1.1\r\nConnection: foo, close\r\n\r\n")
                .unwrap()
                .keep_alive
        );
        assert_eq!(
            parse("GET / HTTP/1.1\r\nContent-Length: 10\r\n\r\n")
                .unwrap()
                .body,
            10
        );
        for (head, status) in [
            ("GET /\r\n\r\n", 400),
            ("GET / HTTP/1.1 x\r\n\r\n", 400),
            ("GET  / HTTP/1.1\r\n\r\n", 400),
            ("G(T / HTTP/1.1\r\n\r\n", 400),
            ("GET / HTTP/2.0\r\n\r\n", 505),
            ("GET / HTTP/0.9\r\n\r\n", 505),
            ("GET / HTTQ/1.1\r\n\r\n", 400),
            ("GET / HTTP/1.1\r\nnocolon\r\n\r\n", 400),
            ("GET / HTTP/1.1\r\nA b: c\r\n\r\n", 400),
            ("GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n", 400),
            ("GET / HTTP/1.1\r\nA: b\0c\r\n\r\n", 400),
            ("GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n", 400),
            ("GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400),
            (
                "GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
                400,
            ),
            (
                "GET / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
                400,
            ),
            ("GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 413),
            ("GET / HTTP/1.1\r\nContent-Length: 1025\r\n\r\n", 413),
            (
                "GET / HTTP/1.1\r\nContent-Length: 1000000000000\r\n\r\n",
                413,
            ),
            (
                "GET / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n",
                413,
            ),
        ] {
            assert_eq!(parse(head), Err(status), "{head:?}");
        }
        assert_eq!(parse_bytes(b"GET /\xff HTTP/1.1\r\n\r\n"), Err(400));
        let long = format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(MAX_TARGET));
        assert_eq!(parse(&long), Err(413));
        let many = format!(
            "GET / HTTP/1.1\r\n{}\r\n",
            "A: b\r\n".repeat(MAX_HEADERS + 1)
        );
        assert_eq!(parse(&many), Err(413));
    }

    #[test]
    fn a_head_ends_at_its_first_empty_line() {
        let end = |head: &[u8]| parse_head(head).map(|r| r.map(|(_, end)| end));
        assert_eq!(end(b"GET / HTTP/1.1\r\nA: b\r\n\r\nrest"), Ok(Some(24)));
        assert_eq!(end(b"GET / HTTP/1.1\nA: b\n\nrest"), Ok(Some(21)));
        assert_eq!(end(b"GET / HTTP/1.1\r\nA: b\r\n"), Ok(None));
        // Too little to tell a version from garbage: wait for more.
        assert_eq!(end(b"GET / HTTP/2"), Ok(None));
        assert_eq!(end(b"GET / HTTP/2.0"), Ok(None));
        assert_eq!(end(b"GET / HTTP/2.0\r"), Ok(None));
        assert_eq!(end(b"GET / HTTP/2.0\r\n"), Err(505));
        assert_eq!(end(b"GET / HTTQ"), Err(400));
        assert_eq!(end(b"GET / HTTP/2.0 x"), Err(400));
        // The target is judged before the version, as on a complete head.
        assert_eq!(end("GET /\u{e9} HTTP/2.0\r\n".as_bytes()), Err(400));
        let long = format!("GET /{} HTTP/2.0\r\n", "a".repeat(MAX_TARGET));
        assert_eq!(end(long.as_bytes()), Err(413));
    }
}
