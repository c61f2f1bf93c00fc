//! Live reload: the [`Hub`] of clients and the Server-Sent Events stream
//! each of them reads (`reload`, `errors` and `search` as they happen).

use super::server::Closer;
use hyper::body::{Bytes, Frame};
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::sync::mpsc::{channel, error::TrySendError, Receiver, Sender};

/// How many events may wait for one live-reload client. A client that
/// falls further behind (it stopped reading) is dropped: its browser
/// connects again and, having missed events, reloads the page.
pub const CLIENT_QUEUE: usize = 16;

/// How long the event stream may be silent: then a comment finds clients
/// that went away.
const PING: Duration = Duration::from_secs(15);

/// The live-reload clients. Sending never waits for a client: each has a
/// bounded queue, emptied by its own connection.
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
    queue: Sender<Bytes>,
    /// Ends the client's connection when it is dropped, so that a write
    /// blocked on it ends at once.
    closer: Option<Closer>,
}

impl Hub {
    /// Sends `event` with JSON `data` to every client.
    pub fn send(&self, event: &str, data: &str) {
        let mut hub = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        hub.last_id += 1;
        let message = Bytes::from(format!(
            "id: {}\nevent: {event}\ndata: {data}\n\n",
            hub.last_id
        ));
        if event == "errors" {
            hub.errors = Some(data.into());
        }
        hub.clients
            .retain(|client| match client.queue.try_send(message.clone()) {
                Ok(()) => true,
                Err(TrySendError::Full(_)) => {
                    if let Some(closer) = &client.closer {
                        closer.close();
                    }
                    false
                }
                Err(TrySendError::Closed(_)) => false,
            });
    }

    /// A new client's queue. It starts with the current errors, after a
    /// reload of everything when the client saw an event (`last_seen`, the
    /// `Last-Event-ID` its browser sends when it connects again) that is
    /// not the last one: it missed some, or the server started again.
    pub fn join(&self, last_seen: Option<&str>, closer: Option<Closer>) -> Receiver<Bytes> {
        let (queue, rx) = channel(CLIENT_QUEUE);
        let mut hub = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let id = hub.last_id;
        if last_seen.is_some_and(|seen| seen.trim() != id.to_string()) {
            let _ = queue.try_send(format!("id: {id}\nevent: reload\ndata: [\"*\"]\n\n").into());
        }
        if let Some(errors) = &hub.errors {
            let _ = queue.try_send(format!("id: {id}\nevent: errors\ndata: {errors}\n\n").into());
        }
        hub.clients.push(Client { queue, closer });
        rx
    }
}

/// One client's event stream, as a response body: a `retry` line, then
/// each event of its queue as it comes, and a comment after every [`PING`]
/// of silence. It ends when the hub drops the client.
pub struct EventStream {
    queue: Receiver<Bytes>,
    ping: Pin<Box<tokio::time::Sleep>>,
    started: bool,
}

impl EventStream {
    pub fn new(queue: Receiver<Bytes>) -> EventStream {
        EventStream {
            queue,
            ping: Box::pin(tokio::time::sleep(PING)),
            started: false,
        }
    }
}

impl hyper::body::Body for EventStream {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = self.get_mut();
        let data = if !this.started {
            this.started = true;
            Bytes::from_static(b"retry: 500\n\n")
        } else if let Poll::Ready(message) = this.queue.poll_recv(cx) {
            match message {
                Some(m) => m,
                None => return Poll::Ready(None),
            }
        } else if this.ping.as_mut().poll(cx).is_ready() {
            Bytes::from_static(b": ping\n\n")
        } else {
            return Poll::Pending;
        };
        let next = tokio::time::Instant::now() + PING;
        this.ping.as_mut().reset(next);
        Poll::Ready(Some(Ok(Frame::data(data))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queued(rx: &mut Receiver<Bytes>) -> Vec<String> {
        std::iter::from_fn(|| rx.try_recv().ok())
            .map(|b| String::from_utf8(b.to_vec()).unwrap())
            .collect()
    }

    #[test]
    fn a_client_that_falls_behind_is_dropped_and_one_back_reloads() {
        let hub = Hub::default();
        hub.send("errors", "[1]");
        let mut fresh = hub.join(None, None);
        assert_eq!(queued(&mut fresh), ["id: 1\nevent: errors\ndata: [1]\n\n"]);
        // Its queue starts with the errors.
        let closer = Closer::default();
        let mut stalled = hub.join(None, Some(closer.clone()));
        for i in 0..CLIENT_QUEUE - 1 {
            hub.send("reload", &format!("[{i}]"));
            assert_eq!(queued(&mut fresh).len(), 1);
        }
        assert_eq!(hub.inner.lock().unwrap().clients.len(), 2);
        assert!(!closer.is_closed());
        hub.send("reload", "[\"last\"]");
        assert_eq!(hub.inner.lock().unwrap().clients.len(), 1);
        assert!(closer.is_closed(), "its connection is ended");
        assert_eq!(
            queued(&mut stalled).len(),
            CLIENT_QUEUE,
            "the queue is bounded"
        );
        let last = CLIENT_QUEUE + 1;
        // Back with the last id: nothing missed, only the errors.
        let got = queued(&mut hub.join(Some(&last.to_string()), None));
        assert_eq!(got.len(), 1);
        assert!(got[0].contains("event: errors\ndata: [1]"), "{got:?}");
        // Back from further behind (or from another server): reload all.
        for seen in ["1", "0", "99999", "x"] {
            let got = queued(&mut hub.join(Some(seen), None));
            assert_eq!(got.len(), 2, "{seen}");
            assert_eq!(
                got[0],
                format!("id: {last}\nevent: reload\ndata: [\"*\"]\n\n"),
                "{seen}"
            );
        }
        // A client whose connection ended is forgotten at the next event.
        drop((fresh, stalled));
        hub.send("search", "{}");
        assert_eq!(hub.inner.lock().unwrap().clients.len(), 0);
    }
}
