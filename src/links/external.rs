//! `check --external`: are the site's http(s) links alive? Each distinct URL
//! is asked once (HEAD, then GET where HEAD is refused) by a few worker
//! threads, at most `per_host` at a time per host, each request bounded by
//! a timeout. A dead link is one warning at its first use.

use crate::diagnostics::Diagnostic;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

/// Limits of one run.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Requests in flight at once to one host.
    pub per_host: usize,
    /// Longest a request (with redirects) may take.
    pub timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            concurrency: 8,
            per_host: 2,
            timeout: Duration::from_secs(10),
        }
    }
}

/// Where a URL is used: file, line, and how many uses in all.
#[derive(Debug, Clone)]
pub struct Use {
    pub file: String,
    pub line: u32,
    pub count: usize,
}

/// The answer for one URL.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Answer {
    Alive,
    Status(u16),
    Failed(String),
}

/// Checks every URL; returns a warning per dead one.
pub fn check(urls: &BTreeMap<String, Use>, limits: &Limits) -> Vec<Diagnostic> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(limits.timeout))
        .http_status_as_error(false)
        .user_agent(concat!(
            "kbsite/",
            env!("CARGO_PKG_VERSION"),
            " (link check)"
        ))
        .build()
        .into();
    let queue = Queue {
        state: Mutex::new(QueueState {
            waiting: urls.keys().cloned().collect(),
            busy_hosts: HashMap::new(),
        }),
        ready: Condvar::new(),
        per_host: limits.per_host.max(1),
    };
    let answers: Mutex<Vec<(String, Answer)>> = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..limits.concurrency.max(1) {
            s.spawn(|| {
                while let Some(url) = queue.next() {
                    let answer = ask(&agent, &url);
                    queue.done(&url);
                    answers
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push((url, answer));
                }
            });
        }
    });
    let mut answers = answers.into_inner().unwrap_or_else(|e| e.into_inner());
    answers.sort_by(|a, b| a.0.cmp(&b.0));
    answers
        .into_iter()
        .filter_map(|(url, answer)| {
            let why = match answer {
                Answer::Alive => return None,
                Answer::Status(code) => format!("returns HTTP {code}"),
                Answer::Failed(e) => format!("cannot be reached: {e}"),
            };
            let used = &urls[&url];
            let also = if used.count > 1 {
                format!(" (used {} times)", used.count)
            } else {
                String::new()
            };
            Some(
                Diagnostic::warning(format!("external link {url} {why}"))
                    .in_file(used.file.clone())
                    .at_line(used.line)
                    .with_hint(format!("update or remove the link{also}")),
            )
        })
        .collect()
}

fn ask(agent: &ureq::Agent, url: &str) -> Answer {
    let status = |r: Result<ureq::http::Response<ureq::Body>, ureq::Error>| match r {
        Ok(resp) => Ok(resp.status().as_u16()),
        Err(e) => Err(e.to_string()),
    };
    // Some servers refuse HEAD (405, 501) or answer it wrongly (403, 404):
    // a GET has the last word.
    let code = match status(agent.head(url).call()) {
        Ok(c) if c < 400 => return Answer::Alive,
        _ => status(agent.get(url).call()),
    };
    match code {
        Ok(c) if c < 400 => Answer::Alive,
        // Rate limited or refused to robots: not evidence the page is gone.
        Ok(429) | Ok(999) => Answer::Alive,
        Ok(c) => Answer::Status(c),
        Err(e) => Answer::Failed(e),
    }
}

fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', '?', '#']).next().unwrap_or(rest)
}

/// URLs waiting, handed out so that no host has more than `per_host` in
/// flight.
struct Queue {
    state: Mutex<QueueState>,
    ready: Condvar,
    per_host: usize,
}

struct QueueState {
    waiting: VecDeque<String>,
    busy_hosts: HashMap<String, usize>,
}

impl Queue {
    /// The next URL whose host has room; `None` when all are handed out.
    fn next(&self) -> Option<String> {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if st.waiting.is_empty() {
                return None;
            }
            let per_host = self.per_host;
            let pos = st
                .waiting
                .iter()
                .position(|u| st.busy_hosts.get(host_of(u)).copied().unwrap_or(0) < per_host);
            if let Some(pos) = pos {
                let url = st.waiting.remove(pos).expect("position is in range");
                *st.busy_hosts.entry(host_of(&url).to_string()).or_default() += 1;
                return Some(url);
            }
            st = self.ready.wait(st).unwrap_or_else(|e| e.into_inner());
        }
    }

    fn done(&self, url: &str) {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = st.busy_hosts.get_mut(host_of(url)) {
            *n -= 1;
        }
        self.ready.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader, Write};
    use std::net::TcpListener;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    /// A local HTTP server: `/ok` is 200, `/slow` answers after 3 s,
    /// `/head-refused` refuses HEAD but serves GET, anything else is 404.
    /// Records the most requests it ever had in flight.
    fn server() -> (String, Arc<AtomicUsize>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let in_flight = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let peak_out = peak.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (in_flight, peak) = (in_flight.clone(), peak.clone());
                std::thread::spawn(move || {
                    let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    let mut request = String::new();
                    reader.read_line(&mut request).unwrap_or(0);
                    let mut line = String::new();
                    while reader.read_line(&mut line).unwrap_or(0) > 2 {
                        line.clear();
                    }
                    let mut parts = request.split_whitespace();
                    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
                    if path == "/slow" || path.starts_with("/busy") {
                        std::thread::sleep(Duration::from_millis(if path == "/slow" {
                            3000
                        } else {
                            150
                        }));
                    }
                    let status = match (method, path) {
                        (_, "/ok") | (_, "/slow") => "200 OK",
                        (_, p) if p.starts_with("/busy") => "200 OK",
                        ("HEAD", "/head-refused") => "405 Method Not Allowed",
                        ("GET", "/head-refused") => "200 OK",
                        _ => "404 Not Found",
                    };
                    // Out of flight before answering: the client cannot
                    // start its next request before it has this answer.
                    in_flight.fetch_sub(1, Ordering::SeqCst);
                    let mut s = stream;
                    let _ = write!(
                        s,
                        "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    );
                });
            }
        });
        (base, peak_out)
    }

    fn urls(list: &[String]) -> BTreeMap<String, Use> {
        list.iter()
            .enumerate()
            .map(|(i, u)| {
                (
                    u.clone(),
                    Use {
                        file: "content/a.md".into(),
                        line: i as u32 + 1,
                        count: 1,
                    },
                )
            })
            .collect()
    }

    #[test]
    fn dead_links_are_warnings_alive_ones_are_not() {
        let (base, _) = server();
        let list = vec![
            format!("{base}/ok"),
            format!("{base}/gone"),
            format!("{base}/head-refused"),
            format!("{base}/slow"),
            "http://127.0.0.1:1/refused".to_string(),
        ];
        let limits = Limits {
            timeout: Duration::from_millis(1000),
            ..Limits::default()
        };
        let d = check(&urls(&list), &limits);
        let msgs: Vec<_> = d
            .iter()
            .map(|d| (d.line.unwrap(), d.message.clone()))
            .collect();
        assert_eq!(msgs.len(), 3, "{msgs:?}");
        assert!(msgs
            .iter()
            .any(|(l, m)| *l == 2 && m.ends_with("/gone returns HTTP 404")));
        assert!(msgs
            .iter()
            .any(|(l, m)| *l == 4 && m.contains("/slow cannot be reached")));
        assert!(msgs
            .iter()
            .any(|(l, m)| *l == 5 && m.contains("cannot be reached")));
    }

    #[test]
    fn per_host_limit_holds() {
        let (base, peak) = server();
        let list: Vec<String> = (0..8).map(|i| format!("{base}/busy{i}")).collect();
        let limits = Limits {
            concurrency: 8,
            per_host: 2,
            timeout: Duration::from_secs(5),
        };
        assert!(check(&urls(&list), &limits).is_empty());
        assert!(
            peak.load(Ordering::SeqCst) <= 2,
            "peak {}",
            peak.load(Ordering::SeqCst)
        );
    }
}
