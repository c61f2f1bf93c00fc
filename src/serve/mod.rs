//! `kbsite serve`: the live preview. The site is built into memory (never
//! into the output folder) and served over HTTP; a watcher reports saved
//! files, [`site::Live`] rebuilds only what they feed, and a small script
//! added to served pages reloads the ones that changed or shows the
//! build's errors over the page while the last good pages stay served.
//! Search files are made again off the rebuild's path, so a saved page is
//! served as soon as it is rendered.

mod events;
mod http;
mod server;
pub mod site;
mod watch;

pub use http::{site_path, SCRIPT_TAG};
use site::{Live, SearchJob, Served, Update};
use std::net::{IpAddr, SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use crate::diagnostics::{Diagnostic, Severity};

#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The site folder.
    pub root: PathBuf,
    pub bind: IpAddr,
    /// First port to try (0: any free port).
    pub port: u16,
    pub drafts: bool,
    /// Open the site in the default browser once it is served.
    pub open: bool,
}

/// What the server tells the person running it.
#[derive(Debug)]
pub enum Report {
    /// The first build is done.
    Built {
        /// What the site folder holds, when it is a DocFX project.
        project: Option<String>,
        articles: usize,
        pages: usize,
        took: Duration,
        diagnostics: Vec<Diagnostic>,
    },
    /// The wanted port is taken; the next one is tried.
    PortTaken(u16),
    Listening(SocketAddr),
    /// One line per rebuild.
    Rebuilt {
        changed: Vec<String>,
        /// Pages rendered and served first: those of the changed files.
        pages: usize,
        full: bool,
        /// Until those pages were served.
        took: Duration,
        /// The other pages the change touched, rendered after, and the
        /// time until they were served too.
        later: Option<(usize, Duration)>,
        /// Errors appeared: the last good pages stay served.
        blocked: bool,
        diagnostics: Vec<Diagnostic>,
        /// Time of each step of the rebuild.
        timings: Vec<crate::pipeline::Timing>,
    },
    /// Something kept the server from working as it should.
    Problem(String),
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot watch the site's files: {0}")]
    Watch(#[from] notify::Error),
    #[error("cannot start the HTTP server: {0}")]
    Http(String),
}

/// How many ports after a taken one are tried.
const PORT_TRIES: u16 = 50;

/// Builds the site, serves it and rebuilds on every change, until the
/// process ends. Errors only when it cannot start.
pub fn serve(opts: &ServeOptions, report: &(dyn Fn(Report) + Sync)) -> Result<(), ServeError> {
    fewer_arenas();
    let started = Instant::now();
    let (mut live, first) = Live::build(&opts.root, opts.drafts);
    let state = Arc::new(http::State::new(live.content_dir()));
    publish(&state, first);
    give_back_free_memory();
    let search = Search::start(state.clone());
    if let Some(job) = live.search_job() {
        search.run_now(job);
        give_back_free_memory();
    }
    report(Report::Built {
        project: live.project_line(),
        articles: live.article_count(),
        pages: state.files.read().map(|f| f.len()).unwrap_or(0),
        took: started.elapsed(),
        diagnostics: live.diagnostics(),
    });
    send_errors(&state, &live.diagnostics());

    let listener = bind(opts, report)?;
    let addr = listener.local_addr().map_err(|source| ServeError::Bind {
        addr: SocketAddr::new(opts.bind, opts.port),
        source,
    })?;
    let (tx, rx) = std::sync::mpsc::channel();
    let mut watcher = watch::watch(live.root(), live.content_dir(), tx.clone())?;
    report(Report::Listening(addr));
    if opts.open {
        if let Err(e) = opener::open(format!("http://{addr}/")) {
            report(Report::Problem(format!("cannot open a browser: {e}")));
        }
    }
    let requests = {
        let state = state.clone();
        let handle = move |request| http::handle(request, state.clone());
        server::start(listener, server::Limits::SERVE, handle)
            .map_err(|e| ServeError::Http(e.to_string()))?
    };
    while let Some(paths) = watch::next_batch(&rx) {
        rebuild(&mut live, &state, &search, &paths, report);
        if watcher.is_stale(live.root(), live.content_dir()) {
            // kbsite.yml named another content folder, or a theme folder
            // came or went: watch what there is now.
            *state.content_dir.write().unwrap_or_else(|e| e.into_inner()) =
                http::resolved(live.content_dir());
            drop(watcher);
            watcher = watch::watch(live.root(), live.content_dir(), tx.clone())?;
            // Files written into a new folder before it was watched.
            rebuild(&mut live, &state, &search, &paths, report);
        }
    }
    drop((requests, watcher));
    Ok(())
}

/// glibc's malloc gives threads that allocate at once arenas of their own
/// (up to 8 per core), and memory freed in one arena is not reused by
/// another: the search thread made its index in fresh memory after each
/// save, about 75 MB more at 20,000 articles. One arena per core keeps the
/// server's peak down (by about 100 MB there) at no cost measured in time.
fn fewer_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let arenas = libc::c_int::try_from(cores.max(2)).unwrap_or(libc::c_int::MAX);
        // SAFETY: mallopt only sets a tunable of the allocator; it is
        // called before the server starts any thread of its own.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, arenas);
        }
    }
}

/// Returns the allocator's free pages to the system. What a build or a
/// search index frees lies between what stays (the parsed site, the
/// served pages), and glibc only gives back the top of its heaps on its
/// own: at 20,000 articles the server held about 60 MB it did not use after
/// its first build. This takes about 10 ms there: done after the first
/// build and by the search thread after each search update (which follows
/// every rebuild that changed pages), never on a rebuild's way.
fn give_back_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only hands free pages of the allocator back to
    // the system; it is safe to call from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// One rebuild after `paths` changed: serve what changed (unless new
/// errors appeared), tell the pages, report, and queue the search update.
/// Nothing when the files were no part of the site.
fn rebuild(
    live: &mut Live,
    state: &http::State,
    search: &Search,
    paths: &[std::path::PathBuf],
    report: &dyn Fn(Report),
) {
    let t = Instant::now();
    let mut update = live.apply(paths);
    if update.changed.is_empty() {
        return;
    }
    let mut diagnostics = std::mem::take(&mut update.diagnostics);
    let (changed, timings) = (
        std::mem::take(&mut update.changed),
        std::mem::take(&mut update.timings),
    );
    let (pages, full, mut blocked) = (update.pages, update.full, update.blocked);
    let mut touched = false;
    if !blocked {
        touched = full || !update.files.is_empty() || !update.removed.is_empty();
        if live.has_later() {
            // Pages served now, and those gone (a 404 now).
            let files = update.files.iter().map(|f| f.0.clone());
            let done = files.chain(update.removed.iter().cloned()).collect();
            state.hold_all_but(done);
        }
        publish_and_reload(state, update, full);
    }
    send_errors(state, &diagnostics);
    let took = t.elapsed();
    let mut timings = timings;
    let mut later = None;
    let rest = match later_pool() {
        Some(pool) => pool.install(|| live.render_later()),
        None => live.render_later(),
    };
    if let Some(mut rest) = rest {
        timings.append(&mut rest.timings);
        let blocked_now = rest.blocked;
        let rest_pages = rest.pages;
        let rest_diagnostics = std::mem::take(&mut rest.diagnostics);
        if blocked_now {
            send_errors(state, &rest_diagnostics);
            (blocked, diagnostics) = (true, rest_diagnostics);
        } else {
            touched |= !rest.files.is_empty();
            publish_and_reload(state, rest, false);
        }
        later = Some((rest_pages, t.elapsed()));
    }
    state.settle();
    if touched {
        if let Some(job) = live.search_job() {
            search.queue(job);
        }
    }
    report(Report::Rebuilt {
        changed,
        pages,
        full,
        took,
        later,
        blocked,
        diagnostics,
        timings,
    });
}

/// The threads the pages rendered after the saved ones are made on: all
/// cores but one, which is left to serve the saved page and what it loads
/// (on two cores the reloaded page waited a fifth longer otherwise).
fn later_pool() -> Option<&'static rayon::ThreadPool> {
    static POOL: std::sync::OnceLock<Option<rayon::ThreadPool>> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let threads = cores.saturating_sub(1).max(1);
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|_| "kbsite-later".into())
            .build()
            .ok()
    })
    .as_ref()
}

/// Serves an update's files and reloads the open pages they changed
/// (every page when `all`).
fn publish_and_reload(state: &http::State, update: Update, all: bool) {
    let reloaded = publish(state, update);
    if all {
        state.hub.send("reload", "[\"*\"]");
    } else if !reloaded.is_empty() {
        let paths = serde_json::to_string(&reloaded).unwrap_or_default();
        state.hub.send("reload", &paths);
    }
}

/// Listens on the wanted port, or the next free one after it.
fn bind(opts: &ServeOptions, report: &dyn Fn(Report)) -> Result<TcpListener, ServeError> {
    let mut port = opts.port;
    loop {
        let addr = SocketAddr::new(opts.bind, port);
        match TcpListener::bind(addr) {
            Ok(l) => return Ok(l),
            Err(e)
                if e.kind() == std::io::ErrorKind::AddrInUse
                    && port != 0
                    && port < opts.port.saturating_add(PORT_TRIES)
                    && port < u16::MAX =>
            {
                report(Report::PortTaken(port));
                port += 1;
            }
            Err(source) => return Err(ServeError::Bind { addr, source }),
        }
    }
}

/// Puts an update's files in place; returns the paths whose bytes changed.
fn publish(state: &http::State, update: Update) -> Vec<String> {
    let mut files = state.files.write().unwrap_or_else(|e| e.into_inner());
    let mut changed = Vec::new();
    for (path, file) in update.files {
        if files.get(&path) != Some(&file) {
            changed.push(path.clone());
            files.insert(path, file);
        }
    }
    for path in update.removed {
        if files.remove(&path).is_some() {
            changed.push(path);
        }
    }
    changed
}

/// Makes the search files on a thread of its own, one job at a time: a job
/// queued while another runs replaces any job still waiting, so a burst of
/// saves costs one more index, not one per save.
struct Search {
    shared: Arc<SearchShared>,
}

struct SearchShared {
    state: Arc<http::State>,
    waiting: Mutex<Option<SearchJob>>,
    wake: Condvar,
    /// The search files now served.
    paths: Mutex<Vec<String>>,
}

impl Search {
    fn start(state: Arc<http::State>) -> Search {
        let shared = Arc::new(SearchShared {
            state,
            waiting: Mutex::new(None),
            wake: Condvar::new(),
            paths: Mutex::new(Vec::new()),
        });
        let worker = shared.clone();
        // One thread of its own: rebuilds run on the global pool and must
        // not queue behind the index's work there.
        let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().ok();
        std::thread::spawn(move || loop {
            let job = {
                let mut waiting = worker.waiting.lock().unwrap_or_else(|e| e.into_inner());
                loop {
                    match waiting.take() {
                        Some(job) => break job,
                        None => {
                            waiting = worker.wake.wait(waiting).unwrap_or_else(|e| e.into_inner())
                        }
                    }
                }
            };
            // What the rebuild before let go of, given back before the
            // index takes its own.
            give_back_free_memory();
            let made = match &pool {
                Some(pool) => pool.install(|| job.run()),
                None => job.run(),
            };
            worker.publish(made);
            worker.state.hub.send("search", "{}");
            give_back_free_memory();
        });
        Search { shared }
    }

    fn queue(&self, job: SearchJob) {
        *self
            .shared
            .waiting
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some(job);
        self.shared.wake.notify_one();
    }

    /// Makes the search files on this thread (the first build).
    fn run_now(&self, job: SearchJob) {
        self.shared.publish(job.run());
    }
}

impl SearchShared {
    /// Replaces the search files by `made`.
    fn publish(&self, made: Vec<(String, Served)>) {
        let mut old = self.paths.lock().unwrap_or_else(|e| e.into_inner());
        let mut files = self.state.files.write().unwrap_or_else(|e| e.into_inner());
        let new: rustc_hash::FxHashSet<&str> = made.iter().map(|(p, _)| p.as_str()).collect();
        for p in old.iter().filter(|p| !new.contains(p.as_str())) {
            files.remove(p);
        }
        *old = made.iter().map(|(p, _)| p.clone()).collect();
        files.extend(made);
    }
}

/// Tells the pages the site's errors now (an empty list clears the
/// overlay).
fn send_errors(state: &http::State, diagnostics: &[Diagnostic]) {
    let errors: Vec<&Diagnostic> = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    state.hub.send(
        "errors",
        &serde_json::to_string(&errors).unwrap_or_else(|_| "[]".into()),
    );
}
