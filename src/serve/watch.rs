//! Watching the site's files (notify, debounced): the site folder itself
//! (for `kbsite.yml`), the content folder, and the folders a theme is read
//! from (`themes/`, the site's `templates/` and `static/`). An editor's
//! save (write, rename, chmod in a few milliseconds) arrives as one batch.
//!
//! Every folder is watched by its canonical path (absolute, links
//! resolved), so the paths reported are the same whatever spelling of the
//! site folder the server was started with.

use notify::RecursiveMode;
use notify_debouncer_full::{new_debouncer, DebounceEventResult, Debouncer, RecommendedCache};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender};
use std::time::Duration;

/// How long the files must be quiet before a rebuild starts: an editor's
/// save (a temporary file renamed over, or a write in place) takes a
/// millisecond or two; each millisecond here is one more before the page
/// reloads.
const QUIET: Duration = Duration::from_millis(10);

/// Folders of the site folder that a theme is read from: an edit under
/// them rebuilds everything.
pub const THEME_DIRS: [&str; 3] = ["themes", "templates", "static"];

/// A running watcher; dropping it stops watching.
pub struct Watcher {
    _debouncer: Debouncer<notify::RecommendedWatcher, RecommendedCache>,
    /// The folders watched recursively, as they were when it started.
    folders: Vec<PathBuf>,
}

impl Watcher {
    /// Whether the folders to watch are no longer those watched (one was
    /// created or removed, or the content folder moved).
    pub fn is_stale(&self, root: &Path, content_dir: &Path) -> bool {
        self.folders != folders(root, content_dir)
    }
}

/// The existing folders to watch recursively: the content folder and the
/// theme folders, each once (the content folder may hold a theme folder).
fn folders(root: &Path, content_dir: &Path) -> Vec<PathBuf> {
    let mut all: Vec<PathBuf> = Vec::new();
    if content_dir.is_dir() {
        all.push(content_dir.to_path_buf());
    }
    for dir in THEME_DIRS.map(|d| root.join(d)) {
        if dir.is_dir() && !all.iter().any(|w| dir.starts_with(w)) {
            all.push(dir);
        }
    }
    all
}

/// Starts watching `root` (not recursively: `kbsite.yml`, and folders
/// coming or going), `content_dir` and the theme folders; each batch of
/// changed paths goes to `tx`. Both paths must be canonical.
pub fn watch(root: &Path, content_dir: &Path, tx: Sender<Vec<PathBuf>>) -> notify::Result<Watcher> {
    let mut debouncer = new_debouncer(QUIET, None, move |r: DebounceEventResult| {
        let paths: Vec<PathBuf> = match r {
            Ok(events) => events
                .into_iter()
                .filter(|e| !e.kind.is_access())
                .flat_map(|e| e.event.paths)
                .collect(),
            Err(_) => return,
        };
        if !paths.is_empty() {
            let _ = tx.send(paths);
        }
    })?;
    debouncer.watch(root, RecursiveMode::NonRecursive)?;
    let folders = folders(root, content_dir);
    for dir in &folders {
        debouncer.watch(dir, RecursiveMode::Recursive)?;
    }
    Ok(Watcher {
        _debouncer: debouncer,
        folders,
    })
}

/// Waits for the next batch, then takes any that queued up meanwhile.
pub fn next_batch(rx: &Receiver<Vec<PathBuf>>) -> Option<Vec<PathBuf>> {
    let mut paths = rx.recv().ok()?;
    while let Ok(more) = rx.try_recv() {
        paths.extend(more);
    }
    paths.sort();
    paths.dedup();
    Some(paths)
}
