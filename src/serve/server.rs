//! HTTP/1.1 for the preview server: [`hyper`] reads requests and writes
//! responses, on a tokio runtime of its own thread; this module bounds
//! what it reads and how long it waits, keeping each limit in one place.
//!
//! hyper refuses what it cannot parse, and closes the connection after:
//! a malformed request (a bad request line, a header line without a name
//! or with control characters, folded headers, a request target that is
//! not visible ASCII, a bad `Content-Length` or two that differ) and an
//! HTTP version other than 1.0 and 1.1 get **400**, and a head (request
//! line and headers) over [`MAX_HEAD`] or with more than [`MAX_HEADERS`]
//! headers gets **431**. A faulty head is refused as soon as a read shows
//! the fault. Then, before the site sees a request, [`respond`] answers
//! **413** to a request target over [`MAX_TARGET`], a body over
//! [`MAX_BODY`] or a chunked body (the server takes no body it cannot size
//! first), and **408** to a body not all there [`Limits::head`] after the
//! request's first byte; each of these closes the connection too.
//!
//! A connection waits [`Limits::idle`] for a request, then closes; once a
//! request's first byte has come, its head must be complete within
//! [`Limits::head`], or the connection closes without an answer (hyper
//! gives none). A write the client takes nothing of for [`Limits::write`]
//! ends its connection, and a connection being closed first reads (and
//! throws away) a little of what the client still sends, so that the
//! client gets the answer before the close. At most
//! [`Limits::connections`] connections are served at once; the next ones
//! are answered 503.

use super::http::{plain, Body};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONNECTION, CONTENT_LENGTH, TRANSFER_ENCODING};
use hyper::{Request, Response, StatusCode, Uri};
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{ready, Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, Semaphore};

/// The longest request target (path and query).
pub const MAX_TARGET: usize = 8 * 1024;
/// The longest request head: request line, headers and the empty line.
pub const MAX_HEAD: usize = 32 * 1024;
/// The most header lines in a request.
pub const MAX_HEADERS: usize = 100;
/// The largest request body read (and thrown away): some clients send a
/// small one with a GET.
pub const MAX_BODY: u64 = 1024;

/// How many connections, and how much time, the server gives clients.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connections served at once.
    pub connections: usize,
    /// Time from a request's first byte to the end of its head and body.
    pub head: Duration,
    /// Time a connection waits for its next request.
    pub idle: Duration,
    /// Time a write may wait for the client to take any bytes.
    pub write: Duration,
}

impl Limits {
    /// The limits of `kbsite serve`.
    pub const SERVE: Limits = Limits {
        connections: 256,
        head: Duration::from_secs(10),
        idle: Duration::from_secs(60),
        write: Duration::from_secs(10),
    };
}

/// Connections over [`Limits::connections`] answered 503 at once; past
/// these, more are closed unanswered.
const REFUSING: usize = 32;
/// How long a connection being closed reads what the client still sends,
/// and how much of it at most.
const LINGER: Duration = Duration::from_secs(2);
const LINGER_BYTES: usize = 1 << 20;

/// Serves `listener` on a thread of its own, answering each request with
/// `handle`, until the process ends.
pub fn start<H, F>(
    listener: std::net::TcpListener,
    limits: Limits,
    handle: H,
) -> std::io::Result<std::thread::JoinHandle<()>>
where
    H: Fn(Request<()>) -> F + Send + Sync + 'static,
    F: Future<Output = Response<Body>> + Send + 'static,
{
    let runtime = tokio::runtime::Builder::new_current_thread()
        .thread_name("kbsite-http")
        .enable_io()
        .enable_time()
        // For copied files, read when asked for.
        .max_blocking_threads(4)
        .build()?;
    listener.set_nonblocking(true)?;
    let listener = {
        let _in_runtime = runtime.enter();
        TcpListener::from_std(listener)?
    };
    let handle = Arc::new(handle);
    std::thread::Builder::new()
        .name("kbsite-http".into())
        .spawn(move || runtime.block_on(accept(listener, limits, handle)))
}

async fn accept<H, F>(listener: TcpListener, limits: Limits, handle: Arc<H>)
where
    H: Fn(Request<()>) -> F + Send + Sync + 'static,
    F: Future<Output = Response<Body>> + Send + 'static,
{
    let open = Arc::new(Semaphore::new(limits.connections));
    let refusing = Arc::new(Semaphore::new(REFUSING));
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(_) => {
                // Out of descriptors and the like: let some close.
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        if let Ok(slot) = open.clone().try_acquire_owned() {
            let handle = handle.clone();
            tokio::spawn(async move {
                connection(stream, limits, move |request| handle(request)).await;
                drop(slot);
            });
        } else if let Ok(slot) = refusing.clone().try_acquire_owned() {
            // Its request is read (within the head time) and answered 503.
            let limits = Limits {
                idle: limits.head,
                ..limits
            };
            tokio::spawn(async move {
                let busy = |_| async {
                    closing(plain(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "too many connections",
                    ))
                };
                connection(stream, limits, busy).await;
                drop(slot);
            });
        }
        // Else the stream is dropped: closed.
    }
}

/// Ends its connection at once, whatever the connection is doing. The hub
/// uses it to drop a live-reload client that stopped reading.
#[derive(Clone, Default)]
pub struct Closer(Arc<CloserInner>);

#[derive(Default)]
struct CloserInner {
    closed: AtomicBool,
    notify: Notify,
}

impl Closer {
    pub fn close(&self) {
        self.0.closed.store(true, Ordering::Release);
        self.0.notify.notify_one();
    }

    pub fn is_closed(&self) -> bool {
        self.0.closed.load(Ordering::Acquire)
    }

    async fn closed(&self) {
        let notified = self.0.notify.notified();
        if !self.is_closed() {
            notified.await;
        }
    }
}

/// Serves one connection until it closes (or its [`Closer`] ends it).
async fn connection<H, F>(stream: TcpStream, limits: Limits, handle: H)
where
    H: Fn(Request<()>) -> F + Send + Sync,
    F: Future<Output = Response<Body>> + Send,
{
    let first_byte = FirstByte::default();
    let closer = Closer::default();
    let socket = Socket {
        stream,
        first_byte: first_byte.clone(),
        write_limit: limits.write,
        stalled: None,
        linger: None,
    };
    let service = hyper::service::service_fn(|mut request: Request<Incoming>| {
        request.extensions_mut().insert(closer.clone());
        // The body must come within the time of the head.
        let since = first_byte.get().unwrap_or_else(Instant::now);
        let response = respond(request, since + limits.head, &handle);
        async move { Ok::<_, Infallible>(response.await) }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .max_header_size(MAX_HEAD)
        .max_headers(MAX_HEADERS)
        .timer(HeadTimer {
            first_byte: first_byte.clone(),
            limits,
        })
        // The time is the timer's: see [`HeadTimer`].
        .header_read_timeout(limits.head)
        .serve_connection(TokioIo::new(socket), service);
    let mut conn = pin!(conn);
    let mut closed = pin!(closer.closed());
    std::future::poll_fn(|cx| {
        if closed.as_mut().poll(cx).is_ready() {
            return Poll::Ready(());
        }
        conn.as_mut().poll(cx).map(|_| ())
    })
    .await;
}

/// Checks a request hyper has read, and reads its body, before `handle`
/// answers it; or answers it (408, 413) and closes.
async fn respond<H, F>(request: Request<Incoming>, until: Instant, handle: &H) -> Response<Body>
where
    H: Fn(Request<()>) -> F,
    F: Future<Output = Response<Body>>,
{
    let (head, mut body) = request.into_parts();
    if let Some(status) = refused(&head) {
        return closing(plain(status, status.canonical_reason().unwrap_or("")));
    }
    // The body, at most MAX_BODY bytes, is read and thrown away.
    let read = async {
        while let Some(frame) = body.frame().await {
            frame?;
        }
        Ok::<_, hyper::Error>(())
    };
    match tokio::time::timeout_at(until.into(), read).await {
        Ok(Ok(())) => handle(Request::from_parts(head, ())).await,
        Ok(Err(_)) => closing(plain(StatusCode::BAD_REQUEST, "bad request")),
        Err(_) => closing(plain(StatusCode::REQUEST_TIMEOUT, "request timeout")),
    }
}

/// The status to refuse a request with before reading its body: 413 for a
/// long target, a large or a chunked body (hyper takes a `Transfer-Encoding`
/// only when it ends in `chunked`, and drops a `Content-Length` beside it).
fn refused(head: &hyper::http::request::Parts) -> Option<StatusCode> {
    if target_len(&head.uri) > MAX_TARGET || head.headers.contains_key(TRANSFER_ENCODING) {
        return Some(StatusCode::PAYLOAD_TOO_LARGE);
    }
    // hyper has checked the value: digits, and one number.
    let length = head.headers.get(CONTENT_LENGTH)?;
    match std::str::from_utf8(length.as_bytes()).map(str::parse::<u64>) {
        Ok(Ok(n)) if n <= MAX_BODY => None,
        Ok(Ok(_)) => Some(StatusCode::PAYLOAD_TOO_LARGE),
        _ => Some(StatusCode::BAD_REQUEST),
    }
}

/// The length of a request target as sent (hyper keeps its bytes).
fn target_len(uri: &Uri) -> usize {
    let scheme = uri.scheme_str().map_or(0, |s| s.len() + "://".len());
    let authority = uri.authority().map_or(0, |a| a.as_str().len());
    scheme + authority + uri.path_and_query().map_or(0, |p| p.as_str().len())
}

/// `response`, after which the connection closes.
fn closing(mut response: Response<Body>) -> Response<Body> {
    let close = HeaderValue::from_static("close");
    response.headers_mut().insert(CONNECTION, close);
    response
}

/// When the first byte of the request being read came; cleared when hyper
/// starts waiting for a request.
#[derive(Clone, Default)]
struct FirstByte(Arc<Mutex<Option<Instant>>>);

impl FirstByte {
    fn get(&self) -> Option<Instant> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn set(&self, value: Option<Instant>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = value;
    }

    fn saw_bytes(&self) {
        let mut first = self.0.lock().unwrap_or_else(|e| e.into_inner());
        first.get_or_insert_with(Instant::now);
    }
}

/// hyper's timer for reading request heads, which hyper starts when it
/// begins waiting for a request and stops when it has the head. hyper
/// gives every wait the same time; this one gives [`Limits::idle`] until
/// the first byte comes, then [`Limits::head`] from that byte.
#[derive(Clone)]
struct HeadTimer {
    first_byte: FirstByte,
    limits: Limits,
}

impl hyper::rt::Timer for HeadTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(Wait {
            sleep: Box::pin(tokio::time::sleep(duration)),
            head: None,
        })
    }

    fn sleep_until(&self, _: Instant) -> Pin<Box<dyn hyper::rt::Sleep>> {
        self.first_byte.set(None);
        let started = Instant::now();
        Box::pin(Wait {
            sleep: Box::pin(tokio::time::sleep(self.limits.idle)),
            head: Some((self.clone(), started)),
        })
    }
}

/// A wait of [`HeadTimer`] (with `head`: the wait for a request that
/// started then), or a plain sleep.
struct Wait {
    sleep: Pin<Box<tokio::time::Sleep>>,
    head: Option<(HeadTimer, Instant)>,
}

impl Future for Wait {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if let Some((timer, started)) = &self.head {
            let until = match timer.first_byte.get() {
                Some(first) => first + timer.limits.head,
                None => *started + timer.limits.idle,
            };
            let until = tokio::time::Instant::from_std(until);
            if self.sleep.deadline() != until {
                self.sleep.as_mut().reset(until);
            }
        }
        self.sleep.as_mut().poll(cx)
    }
}

impl hyper::rt::Sleep for Wait {}

/// A client's connection, as hyper reads and writes it: it notes when a
/// request's first byte comes, ends a write that waits too long, and
/// lingers when shut down.
struct Socket {
    stream: TcpStream,
    first_byte: FirstByte,
    write_limit: Duration,
    /// Running while a write waits for the client.
    stalled: Option<Pin<Box<tokio::time::Sleep>>>,
    /// Running once shut down: the time and bytes left to read.
    linger: Option<(Pin<Box<tokio::time::Sleep>>, usize)>,
}

impl Socket {
    /// `written` unless the client took nothing for the write limit.
    fn timed<T>(
        &mut self,
        cx: &mut Context<'_>,
        written: Poll<std::io::Result<T>>,
    ) -> Poll<std::io::Result<T>> {
        if written.is_ready() {
            self.stalled = None;
            return written;
        }
        let limit = self.write_limit;
        let stalled = self
            .stalled
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        ready!(stalled.as_mut().poll(cx));
        Poll::Ready(Err(std::io::ErrorKind::TimedOut.into()))
    }
}

impl AsyncRead for Socket {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        ready!(Pin::new(&mut this.stream).poll_read(cx, buf))?;
        if buf.filled().len() > before {
            this.first_byte.saw_bytes();
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Socket {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let written = Pin::new(&mut this.stream).poll_write(cx, data);
        this.timed(cx, written)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let written = Pin::new(&mut this.stream).poll_write_vectored(cx, data);
        this.timed(cx, written)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    /// Sends the end of the stream, then reads what the client still sends
    /// until it closes too, for at most [`LINGER`] and [`LINGER_BYTES`]:
    /// closing with unread bytes would reset the connection, and the
    /// client could lose the answer.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        if this.linger.is_none() {
            ready!(Pin::new(&mut this.stream).poll_shutdown(cx))?;
        }
        let (until, left) = this
            .linger
            .get_or_insert_with(|| (Box::pin(tokio::time::sleep(LINGER)), LINGER_BYTES));
        let mut sink = [0u8; 8 * 1024];
        while *left > 0 && until.as_mut().poll(cx).is_pending() {
            let mut buf = ReadBuf::new(&mut sink);
            match ready!(Pin::new(&mut this.stream).poll_read(cx, &mut buf)) {
                Ok(()) if !buf.filled().is_empty() => {
                    *left = left.saturating_sub(buf.filled().len());
                }
                // The client closed, or the connection failed.
                _ => break,
            }
        }
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::Full;
    use hyper::body::Bytes;
    use std::io::{Read, Write};
    use std::net::{SocketAddr, TcpStream};

    const BIG: usize = 32 << 20;
    const HOLD: Duration = Duration::from_millis(300);

    /// A server with `limits` answering `/big` with [`BIG`] bytes, and
    /// anything else with `ok`.
    fn server(limits: Limits) -> SocketAddr {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        start(listener, limits, |request: Request<()>| async move {
            match request.uri().path() {
                "/big" => Response::new(Full::new(Bytes::from(vec![b'x'; BIG])).boxed()),
                "/hold" => {
                    // A stream that does not end, its connection closed soon.
                    let closer = request.extensions().get::<Closer>().cloned().unwrap();
                    let (queue, rx) = tokio::sync::mpsc::channel(1);
                    tokio::spawn(async move {
                        tokio::time::sleep(HOLD).await;
                        closer.close();
                        std::future::pending::<()>().await;
                        drop(queue);
                    });
                    Response::new(super::super::events::EventStream::new(rx).boxed())
                }
                _ => plain(StatusCode::OK, "ok"),
            }
        })
        .unwrap();
        addr
    }

    const LIMITS: Limits = Limits {
        connections: 2,
        head: Duration::from_millis(600),
        idle: Duration::from_millis(4000),
        write: Duration::from_millis(600),
    };

    fn connect(addr: SocketAddr) -> TcpStream {
        let c = TcpStream::connect(addr).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        c
    }

    /// Reads until the server closes; what it sent and how long that took.
    fn until_closed(c: &mut TcpStream) -> (String, Duration) {
        let t = Instant::now();
        let mut all = Vec::new();
        c.read_to_end(&mut all).expect("closed, not reset");
        (String::from_utf8_lossy(&all).into_owned(), t.elapsed())
    }

    fn assert_about(took: Duration, want: Duration) {
        let (low, high) = (want.mul_f64(0.9), want + Duration::from_millis(700));
        assert!(low <= took && took < high, "{took:?}, not {want:?}");
    }

    /// The status a fresh connection gets for `GET /`.
    fn status(addr: SocketAddr) -> String {
        let mut c = connect(addr);
        c.write_all(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n")
            .unwrap();
        let (answer, _) = until_closed(&mut c);
        answer.get(9..12).unwrap_or("").to_string()
    }

    #[test]
    fn a_connection_waits_the_idle_time_for_a_request_and_the_head_time_for_its_head() {
        let addr = server(LIMITS);
        // Nothing sent: closed after the idle time, unanswered.
        let mut c = connect(addr);
        let (answer, took) = until_closed(&mut c);
        assert_eq!(answer, "");
        assert_about(took, LIMITS.idle);

        // A head started late in the idle time has the head time from its
        // first byte.
        let mut c = connect(addr);
        std::thread::sleep(LIMITS.idle / 2);
        c.write_all(b"GET / HTTP/1.1\r\nX-Slow:").unwrap();
        let (answer, took) = until_closed(&mut c);
        assert_eq!(answer, "", "hyper does not answer");
        assert_about(took, LIMITS.head);

        // After an answer, the idle time again, for the next request.
        let mut c = connect(addr);
        c.write_all(b"GET / HTTP/1.1\r\n\r\n").unwrap();
        let mut answer = [0u8; 12];
        c.read_exact(&mut answer).unwrap();
        assert_eq!(&answer, b"HTTP/1.1 200");
        std::thread::sleep(LIMITS.idle / 2);
        c.write_all(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n")
            .unwrap();
        let (answer, took) = until_closed(&mut c);
        // The rest of the first answer, and the second.
        assert_eq!(answer.matches("HTTP/1.1 200 OK").count(), 1, "{answer}");
        assert!(took < LIMITS.idle, "{took:?}");

        // A body that does not come in the head time: 408.
        let mut c = connect(addr);
        c.write_all(b"GET / HTTP/1.1\r\nContent-Length: 5\r\n\r\nab")
            .unwrap();
        let (answer, took) = until_closed(&mut c);
        assert!(answer.starts_with("HTTP/1.1 408 "), "{answer}");
        assert_about(took, LIMITS.head);
    }

    #[test]
    fn a_write_the_client_takes_nothing_of_ends_its_connection() {
        let addr = server(LIMITS);
        let socket =
            socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
        socket.set_recv_buffer_size(4096).unwrap();
        socket.connect(&addr.into()).unwrap();
        let mut stalled = TcpStream::from(socket);
        stalled.write_all(b"GET /big HTTP/1.1\r\n\r\n").unwrap();
        // It holds one of the two connections meanwhile.
        let _idle = connect(addr);
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(status(addr), "503");
        // Its connection ends after the write time: a slot is free.
        std::thread::sleep(LIMITS.write + Duration::from_millis(300));
        assert_eq!(status(addr), "200");
        let mut taken = 0;
        let mut buf = vec![0; 64 * 1024];
        loop {
            match stalled.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => taken += n,
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
                Err(e) => panic!("{e}"),
            }
        }
        assert!(taken < BIG, "{taken}");
    }

    #[test]
    fn connections_over_the_limit_get_503() {
        let addr = server(LIMITS);
        let first = connect(addr);
        let mut second = connect(addr);
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(status(addr), "503");
        drop(first);
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(status(addr), "200");
        // A request after the 503: served on the same connection.
        second
            .write_all(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n")
            .unwrap();
        assert!(until_closed(&mut second).0.starts_with("HTTP/1.1 200 "));
    }

    #[test]
    fn a_closer_ends_its_connection_at_once() {
        let addr = server(LIMITS);
        let mut c = connect(addr);
        c.write_all(b"GET /hold HTTP/1.1\r\n\r\n").unwrap();
        let (answer, took) = until_closed(&mut c);
        assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
        assert!(answer.contains("retry: 500"), "{answer}");
        assert_about(took, HOLD);
    }
}
