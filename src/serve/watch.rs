//! Watching the site's files (notify, debounced): the content folder, the
//! site's themes and kbsite.yml. An editor's save (write, rename, chmod in
//! a few milliseconds) arrives as one batch.

use notify::RecursiveMode;
use notify_debouncer_full::{new_debouncer, DebounceEventResult, Debouncer, RecommendedCache};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender};
use std::time::Duration;

/// How long the files must be quiet before a rebuild starts.
const QUIET: Duration = Duration::from_millis(20);

/// A running watcher; dropping it stops watching.
pub struct Watcher {
    _debouncer: Debouncer<notify::RecommendedWatcher, RecommendedCache>,
}

/// Starts watching `root/kbsite.yml`, `content_dir` and `root/themes`;
/// each batch of changed paths goes to `tx`.
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
    if content_dir.is_dir() {
        debouncer.watch(content_dir, RecursiveMode::Recursive)?;
    }
    let themes = root.join("themes");
    if themes.is_dir() {
        debouncer.watch(&themes, RecursiveMode::Recursive)?;
    }
    Ok(Watcher {
        _debouncer: debouncer,
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
