//! Write stage: the whole site goes into a fresh folder beside the output
//! folder, which is then swapped in with one atomic rename, so a failed or
//! killed build leaves the previous output complete. A folder is only ever
//! replaced if it carries kbsite's marker file.

use crate::render::{Data, OutputFile, Sink};
use rayon::prelude::*;
use std::collections::HashSet;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Marks a folder as kbsite's output (safe to replace).
pub const MARKER: &str = ".kbsite-output";

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("refusing to replace `{0}`: it is not empty and was not written by kbsite (no {MARKER} file)")]
    NotOurs(PathBuf),
    #[error("`{0}` exists and is not a folder")]
    NotAFolder(PathBuf),
    #[error("cannot write `{path}`: {source}")]
    Io { path: PathBuf, source: io::Error },
}

impl WriteError {
    pub fn hint(&self) -> &'static str {
        match self {
            WriteError::NotOurs(_) => {
                "choose an empty or new folder with --output, or delete this one yourself"
            }
            WriteError::NotAFolder(_) => "choose another --output",
            WriteError::Io { .. } => "check free space and permissions",
        }
    }
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> WriteError + '_ {
    move |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A complete new output tree being written beside the output folder.
/// Files go in as they are rendered ([`Sink`]); [`Staging::commit`] swaps the
/// tree in. Dropped without a commit, it removes itself and the old output
/// stays as it was.
pub struct Staging {
    dir: PathBuf,
    out_dir: PathBuf,
    committed: bool,
    /// Folders of the tree made so far: many files share one (search
    /// shards, theme assets), and asking the file system again costs two
    /// system calls per file.
    made: Mutex<HashSet<PathBuf>>,
}

impl Staging {
    /// Checks that `out_dir` may be replaced and starts a staging folder.
    pub fn create(out_dir: &Path) -> Result<Staging, WriteError> {
        check_replaceable(out_dir)?;
        let parent = out_dir
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = out_dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "public".into());
        std::fs::create_dir_all(parent).map_err(io_err(parent))?;
        restore_interrupted_swap(parent, &name, out_dir);
        remove_leftovers(parent, &name);
        let dir = parent.join(format!(".{name}.kbsite-new-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(io_err(&dir))?;
        Ok(Staging {
            dir,
            out_dir: out_dir.to_path_buf(),
            committed: false,
            made: Mutex::default(),
        })
    }

    /// Writes one file into the staging tree.
    pub fn put(&self, f: &OutputFile) -> Result<(), WriteError> {
        let dest = self.dir.join(&f.path);
        if let Some(parent) = dest.parent() {
            let made = || self.made.lock().unwrap_or_else(|e| e.into_inner());
            if !made().contains(parent) {
                std::fs::create_dir_all(parent).map_err(io_err(parent))?;
                made().insert(parent.to_path_buf());
            }
        }
        match &f.data {
            Data::Bytes(b) => std::fs::write(&dest, b).map_err(io_err(&dest)),
            Data::Copy(src) => std::fs::copy(src, &dest).map(drop).map_err(io_err(src)),
        }
    }

    /// Marks the tree as kbsite's and swaps it in for the output folder.
    pub fn commit(mut self) -> Result<(), WriteError> {
        let marker = self.dir.join(MARKER);
        std::fs::write(
            &marker,
            "This folder is kbsite's build output; kbsite build replaces it whole.\n",
        )
        .map_err(io_err(&marker))?;
        swap_in(&self.dir, &self.out_dir)?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

impl Sink for Staging {
    fn put(&self, file: OutputFile) -> Result<(), String> {
        Staging::put(self, &file).map_err(|e| e.to_string())
    }
}

fn zip_err(path: &Path) -> impl Fn(zip::result::ZipError) -> WriteError + '_ {
    move |e| WriteError::Io {
        path: path.to_path_buf(),
        source: io::Error::other(e),
    }
}

/// Entries' time in the zip: a fixed one, so two builds give the same
/// bytes (DESIGN: Determinism). 1980-01-01, the format's first day.
fn zip_time() -> zip::DateTime {
    zip::DateTime::default()
}

/// Writes the site in `dir` as one zip at `file` for offline readers: its
/// files at the zip's root in path order (the marker file left out), each
/// deflated, with a fixed time and mode. Written beside `file`, then
/// renamed into place.
pub fn zip(dir: &Path, file: &Path) -> Result<(), WriteError> {
    let part = file.with_extension("zip.part");
    let result =
        write_zip(dir, &part).and_then(|()| std::fs::rename(&part, file).map_err(io_err(file)));
    if result.is_err() {
        let _ = std::fs::remove_file(&part);
    }
    result
}

fn write_zip(dir: &Path, part: &Path) -> Result<(), WriteError> {
    use std::io::Write as _;
    let out = std::fs::File::create(part).map_err(io_err(part))?;
    let mut z = zip::ZipWriter::new(io::BufWriter::new(out));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip_time())
        .unix_permissions(0o644);
    let walker = walkdir::WalkDir::new(dir).sort_by_file_name();
    for entry in walker {
        let entry = entry.map_err(|e| WriteError::Io {
            path: dir.to_path_buf(),
            source: e.into(),
        })?;
        if !entry.file_type().is_file() || entry.depth() == 1 && entry.file_name() == MARKER {
            continue;
        }
        let rel = entry.path().strip_prefix(dir).unwrap_or(entry.path());
        let name = crate::content::slash_path(rel);
        let bytes = std::fs::read(entry.path()).map_err(io_err(entry.path()))?;
        z.start_file(name, options).map_err(zip_err(part))?;
        z.write_all(&bytes).map_err(io_err(part))?;
    }
    let mut buf = z.finish().map_err(zip_err(part))?;
    buf.flush().map_err(io_err(part))?;
    Ok(())
}

/// Makes `out_dir` hold exactly `files` (all at once; the build streams
/// through [`Staging`] instead).
pub fn write(files: &[OutputFile], out_dir: &Path) -> Result<(), WriteError> {
    let staging = Staging::create(out_dir)?;
    files.par_iter().try_for_each(|f| staging.put(f))?;
    staging.commit()
}

fn check_replaceable(out_dir: &Path) -> Result<(), WriteError> {
    match std::fs::symlink_metadata(out_dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io_err(out_dir)(e)),
        Ok(m) if !m.is_dir() => Err(WriteError::NotAFolder(out_dir.to_path_buf())),
        Ok(_) => {
            let ours = out_dir.join(MARKER).is_file();
            let empty = std::fs::read_dir(out_dir)
                .map_err(io_err(out_dir))?
                .next()
                .is_none();
            if ours || empty {
                Ok(())
            } else {
                Err(WriteError::NotOurs(out_dir.to_path_buf()))
            }
        }
    }
}

/// Whether the build that named a folder `…-PID` is still running (another
/// process than this one).
fn owner_alive(folder_name: &str) -> bool {
    let pid = folder_name
        .rsplit('-')
        .next()
        .and_then(|p| p.parse::<u32>().ok());
    pid.is_some_and(|p| p != std::process::id() && Path::new(&format!("/proc/{p}")).exists())
}

/// Staging folders of builds that were killed (their process is gone).
fn remove_leftovers(parent: &Path, name: &str) {
    let prefix = format!(".{name}.kbsite-");
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for e in entries.flatten() {
        let file_name = e.file_name().to_string_lossy().into_owned();
        if file_name.starts_with(&prefix) && !owner_alive(&file_name) {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

/// A build killed between the two renames of [`swap_in`]'s fallback leaves
/// no output folder and the old output under `.NAME.kbsite-old-PID`: put
/// that back, or [`remove_leftovers`] would delete the only copy of the
/// site.
fn restore_interrupted_swap(parent: &Path, name: &str, out_dir: &Path) {
    if std::fs::symlink_metadata(out_dir).is_ok() {
        return;
    }
    let prefix = format!(".{name}.kbsite-old-");
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for e in entries.flatten() {
        let file_name = e.file_name().to_string_lossy().into_owned();
        if file_name.starts_with(&prefix)
            && !owner_alive(&file_name)
            && e.path().join(MARKER).is_file()
            && std::fs::rename(e.path(), out_dir).is_ok()
        {
            return;
        }
    }
}

/// Puts `staging` in place of `out_dir`: an atomic exchange where the system
/// has one (Linux), else two renames.
fn swap_in(staging: &Path, out_dir: &Path) -> Result<(), WriteError> {
    if !out_dir.exists() {
        return std::fs::rename(staging, out_dir).map_err(io_err(out_dir));
    }
    if exchange(staging, out_dir).is_ok() {
        // `staging` now holds the old tree.
        let _ = std::fs::remove_dir_all(staging);
        return Ok(());
    }
    let old = staging.with_file_name(
        staging
            .file_name()
            .map(|n| n.to_string_lossy().replace("-new-", "-old-"))
            .unwrap_or_default(),
    );
    std::fs::rename(out_dir, &old).map_err(io_err(out_dir))?;
    if let Err(e) = std::fs::rename(staging, out_dir) {
        let _ = std::fs::rename(&old, out_dir);
        return Err(io_err(out_dir)(e));
    }
    let _ = std::fs::remove_dir_all(&old);
    Ok(())
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(io::Error::from)
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, text: &str) -> OutputFile {
        OutputFile {
            path: path.into(),
            data: Data::Bytes(text.as_bytes().to_vec()),
        }
    }

    #[test]
    fn writes_then_replaces_whole_tree() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        write(
            &[file("index.html", "one"), file("a/b/index.html", "ab")],
            &out,
        )
        .unwrap();
        assert_eq!(
            std::fs::read_to_string(out.join("a/b/index.html")).unwrap(),
            "ab"
        );
        assert!(out.join(MARKER).is_file());
        write(&[file("index.html", "two")], &out).unwrap();
        assert_eq!(
            std::fs::read_to_string(out.join("index.html")).unwrap(),
            "two"
        );
        assert!(!out.join("a").exists(), "stale files are gone");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec!["public"], "no staging folder left behind");
    }

    #[test]
    fn refuses_foreign_non_empty_folder() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("site");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join("precious.txt"), "keep").unwrap();
        let e = write(&[file("index.html", "x")], &out).unwrap_err();
        assert!(matches!(e, WriteError::NotOurs(_)));
        assert_eq!(
            std::fs::read_to_string(out.join("precious.txt")).unwrap(),
            "keep"
        );
        // An empty folder is fine.
        let empty = dir.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        write(&[file("index.html", "x")], &empty).unwrap();
    }

    /// A write that fails (a copied file is missing) leaves `out` holding
    /// the old `index.html`, and nothing else beside it in `dir`.
    fn assert_failed_write_keeps_old(dir: &Path, out: &Path) {
        let missing = OutputFile {
            path: "img.png".into(),
            data: Data::Copy(dir.join("does-not-exist.png")),
        };
        assert!(write(&[file("index.html", "new"), missing], out).is_err());
        assert_eq!(
            std::fs::read_to_string(out.join("index.html")).unwrap(),
            "old"
        );
        assert_eq!(std::fs::read_dir(dir).unwrap().count(), 1);
    }

    #[test]
    fn failed_write_keeps_old_output() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        write(&[file("index.html", "old")], &out).unwrap();
        assert_failed_write_keeps_old(dir.path(), &out);
    }

    #[test]
    fn old_output_of_a_build_killed_between_the_fallback_renames_is_restored() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        write(&[file("index.html", "old")], &out).unwrap();
        // What swap_in's two renames leave if killed between them.
        std::fs::rename(&out, dir.path().join(".public.kbsite-old-4000000000")).unwrap();
        // The next build fails, so the old output must be back in place.
        assert_failed_write_keeps_old(dir.path(), &out);
    }

    #[test]
    fn leftovers_of_killed_builds_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let stale = dir.path().join(".public.kbsite-new-4000000000");
        std::fs::create_dir(&stale).unwrap();
        write(&[file("index.html", "x")], &dir.path().join("public")).unwrap();
        assert!(!stale.exists());
    }
}
