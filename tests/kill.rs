//! Output safety (issue 10): `kbsite build` killed with SIGKILL at 20 points
//! spread over the measured build time, the swap included, leaves a complete
//! old or a complete new output every time; never a mix, never none.
//!
//! The site is half of the real corpus (tests/fixtures/kb-corpus: 78 of its
//! 150 articles, about 0.6 s of CPU for a debug build, so the test stays
//! short on a busy machine) in two versions, A and B, whose outputs differ
//! in every page (the site title), in one article's text and in the file
//! list (B drops one article and adds another). Each kill targets the
//! version the output folder does not hold, so every kill interrupts a real
//! old → new change, and the output must then be exactly (every path and
//! every byte, the marker file included) the one or the other.
//!
//! The measured build time T is a full build from the state a killed build
//! starts from (an output to replace, a killed build's staging folder to
//! delete); the 20 kills fall at fractions of it up to 1.1·T. As a build's
//! time on a shared machine varies by half or more, three more kills are
//! timed by what the build has done rather than the clock: as its staging
//! folder appears (the old output must survive), as the marker appears in it
//! (the swap is next), and just after the swap (the new output must be
//! there, the old tree still being deleted). One more kills the very first
//! build, before there is any output folder (there must be none after).
//!
//! `cargo test --test kill -- --nocapture` prints T and every kill's time
//! and outcome.
#![cfg(unix)]

mod common;

use std::collections::BTreeSet;
use std::hash::{DefaultHasher, Hasher};
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The parts of the corpus's content folder the site is made of.
const PARTS: [&str; 4] = [
    "includes",
    "support/includes",
    "support/sql",
    "support/windows-server/backup-and-storage",
];

/// The article B changes, the one it drops, and the one it adds (relative
/// to the content folder).
const CHANGED: &str = "support/sql/tools/sqliosim-utility-simulate-activity-disk-subsystem.md";
const CHANGED_TITLE: &str = "title: SQLIOSim utility simulates disk subsystem activity";
const DROPPED: &str = "support/windows-server/backup-and-storage/backup-fails-vss-writer.md";
const ADDED: &str = "support/sql/tools/kill-test-added-article.md";

/// The 20 kill points as fractions of the measured build time T: 16 evenly
/// over [0, 0.9·T], then a cluster around the end of T, where the commit
/// (marker, swap, removing the old tree) happens, and just after it.
const POINTS: [f64; 20] = [
    0.0, 0.06, 0.12, 0.18, 0.24, 0.30, 0.36, 0.42, 0.48, 0.54, 0.60, 0.66, 0.72, 0.78, 0.84, 0.90,
    0.95, 1.00, 1.05, 1.10,
];

/// SIGKILL's number (9 on every unix).
const SIGKILL: i32 = 9;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Version {
    A,
    B,
}

impl Version {
    fn other(self) -> Version {
        match self {
            Version::A => Version::B,
            Version::B => Version::A,
        }
    }
}

/// Every entry under a folder: (relative path, hash of its bytes) for
/// files, (path + "/", 0) for folders; sorted. The marker file is included.
type Manifest = Vec<(String, u64)>;

/// The manifest of `dir`, or None if it does not exist.
fn manifest(dir: &Path) -> Option<Manifest> {
    if !dir.exists() {
        return None;
    }
    let mut m: Manifest = walkdir::WalkDir::new(dir)
        .min_depth(1)
        .into_iter()
        .map(|e| {
            let e = e.unwrap_or_else(|e| panic!("walking {}: {e}", dir.display()));
            let rel = e.path().strip_prefix(dir).unwrap().to_string_lossy();
            if e.file_type().is_dir() {
                (format!("{rel}/"), 0)
            } else {
                assert!(e.file_type().is_file(), "not a file: {rel}");
                let mut h = DefaultHasher::new();
                h.write(&std::fs::read(e.path()).unwrap());
                (rel.into_owned(), h.finish())
            }
        })
        .collect();
    m.sort();
    Some(m)
}

/// How two manifests differ, briefly (for a failure message).
fn diff(found: &Manifest, want: &Manifest) -> String {
    let f: BTreeSet<_> = found.iter().collect();
    let w: BTreeSet<_> = want.iter().collect();
    let extra: Vec<_> = f.difference(&w).map(|(p, _)| p.as_str()).take(5).collect();
    let missing: Vec<_> = w.difference(&f).map(|(p, _)| p.as_str()).take(5).collect();
    format!(
        "{} entries vs {}; not wanted (first 5): {extra:?}; wanted, not found or different (first 5): {missing:?}",
        found.len(),
        want.len()
    )
}

/// The corpus site in a temp dir with both versions' content beside each
/// other; kbsite.yml picks one.
struct KillSite {
    dir: tempfile::TempDir,
}

impl KillSite {
    fn new() -> KillSite {
        let dir = tempfile::tempdir().unwrap();
        let corpus = common::repo().join("tests/fixtures/kb-corpus/content");
        let a = dir.path().join("content-a");
        let b = dir.path().join("content-b");
        for part in PARTS {
            common::copy_dir(&corpus.join(part), &a.join(part));
            common::copy_dir(&corpus.join(part), &b.join(part));
        }

        let changed = std::fs::read_to_string(b.join(CHANGED)).unwrap();
        assert!(
            changed.contains(CHANGED_TITLE),
            "{CHANGED} changed upstream"
        );
        let changed = changed.replacen(CHANGED_TITLE, &format!("{CHANGED_TITLE} (B)"), 1)
            + "\n## Added in version B\n\nThis paragraph is only in version B.\n";
        std::fs::write(b.join(CHANGED), changed).unwrap();
        std::fs::remove_file(b.join(DROPPED)).unwrap();
        common::write(
            &b.join(ADDED),
            b"---\ntitle: An article only in version B\n---\n\nIt exists in version B only, \
              so the two outputs differ in their file lists.\n",
        );
        KillSite { dir }
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn out(&self) -> PathBuf {
        self.root().join("public")
    }

    /// Points kbsite.yml at version `v`.
    fn select(&self, v: Version) {
        let (title, content) = match v {
            Version::A => ("Kill test A", "content-a"),
            Version::B => ("Kill test B", "content-b"),
        };
        std::fs::write(
            self.root().join("kbsite.yml"),
            format!("title: {title}\ncontent_dir: {content}\noutput_dir: public\n"),
        )
        .unwrap();
    }

    fn command(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_kbsite"));
        c.args(["build", "--root"])
            .arg(self.root())
            .current_dir(self.root());
        c
    }

    /// Starts a build of the version selected, its output thrown away (a
    /// full pipe must not stall it).
    fn spawn(&self) -> Child {
        self.command()
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    }

    /// Builds `v` to the end; returns its wall time (spawn to exit, as the
    /// kills measure) and its `--timings` lines.
    fn build_full(&self, v: Version) -> (Duration, String) {
        self.select(v);
        let started = Instant::now();
        let out = self.command().arg("--timings").output().unwrap();
        let took = started.elapsed();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "build {v:?} failed:\n{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let timings = stdout
            .lines()
            .skip_while(|l| !l.starts_with("Timings:"))
            .skip(1)
            .map(|l| {
                let mut w = l.split_whitespace();
                format!("{} {}", w.next().unwrap_or(""), w.next().unwrap_or(""))
            })
            .collect::<Vec<_>>()
            .join(" ms, ");
        (took, timings + " ms")
    }

    /// The staging folder a build with process id `pid` writes.
    fn staging(&self, pid: u32) -> PathBuf {
        self.root().join(format!(".public.kbsite-new-{pid}"))
    }

    /// The site root's entries besides kbsite.yml, the two content folders
    /// and the output folder.
    fn leftovers(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.root())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| !["kbsite.yml", "content-a", "content-b", "public"].contains(&n.as_str()))
            .collect();
        names.sort();
        names
    }
}

/// Kills `child` (SIGKILL) unless it has ended, and waits for it.
fn kill(child: &mut Child) -> ExitStatus {
    if let Some(status) = child.try_wait().unwrap() {
        return status;
    }
    // Fails only if the child has been reaped, which the line above rules out.
    child.kill().unwrap();
    child.wait().unwrap()
}

/// Waits until `cond` holds or the child ends, polling every half
/// millisecond; then kills the child.
fn kill_when(child: &mut Child, cond: impl Fn() -> bool) -> ExitStatus {
    loop {
        if cond() || child.try_wait().unwrap().is_some() {
            return kill(child);
        }
        std::thread::sleep(Duration::from_micros(500));
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Outcome {
    Old,
    New,
}

/// One kill's record.
struct Kill {
    label: String,
    at: Duration,
    killed: bool,
    outcome: Outcome,
    leftover: bool,
}

/// Everything the kills left, checked as one after each kill.
struct Run<'a> {
    site: &'a KillSite,
    a: Manifest,
    b: Manifest,
    /// What the output folder holds now.
    current: Version,
    /// Process ids of the builds that were killed (their staging folders
    /// are the only leftovers allowed).
    killed_pids: Vec<u32>,
    kills: Vec<Kill>,
}

impl Run<'_> {
    fn manifest_of(&self, v: Version) -> &Manifest {
        match v {
            Version::A => &self.a,
            Version::B => &self.b,
        }
    }

    /// Starts a build of the version the output folder does not hold,
    /// kills it as `when` says, and checks what it left.
    fn kill_one(
        &mut self,
        label: String,
        when: impl FnOnce(&KillSite, &mut Child, Instant) -> ExitStatus,
    ) -> Outcome {
        let old = self.current;
        let new = old.other();
        let before = self.site.leftovers();
        self.site.select(new);
        let started = Instant::now();
        let mut child = self.site.spawn();
        let pid = child.id();
        let status = when(self.site, &mut child, started);
        let at = started.elapsed();
        let killed = status.signal() == Some(SIGKILL);
        assert!(
            killed || status.success(),
            "{label}: the build neither was killed nor succeeded: {status:?}"
        );
        if killed {
            self.killed_pids.push(pid);
        }

        let found = manifest(&self.site.out())
            .unwrap_or_else(|| panic!("{label}: no output folder after the kill"));
        let outcome = if &found == self.manifest_of(old) {
            Outcome::Old
        } else if &found == self.manifest_of(new) {
            Outcome::New
        } else {
            panic!(
                "{label} (after {at:?}): the output is neither the complete old ({old:?}) nor the complete new ({new:?}) site\n  vs old: {}\n  vs new: {}",
                diff(&found, self.manifest_of(old)),
                diff(&found, self.manifest_of(new)),
            );
        };
        assert!(
            killed || outcome == Outcome::New,
            "{label}: the build succeeded but left the old output"
        );

        let leftovers = self.site.leftovers();
        let allowed: Vec<String> = self
            .killed_pids
            .iter()
            .map(|p| format!(".public.kbsite-new-{p}"))
            .collect();
        for l in &leftovers {
            assert!(
                allowed.contains(l),
                "{label}: unexpected entry `{l}` beside the output (allowed: killed builds' staging folders {allowed:?})"
            );
        }
        let own = self
            .site
            .staging(pid)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if outcome == Outcome::New {
            // The build got as far as the swap, so it started a staging
            // folder, and that cleared the staging folders of earlier kills.
            let stale: Vec<_> = leftovers.iter().filter(|l| **l != own).collect();
            assert!(
                stale.is_empty(),
                "{label}: leftovers of earlier kills survived a build that committed: {stale:?} (before: {before:?})"
            );
            self.current = new;
        }
        self.kills.push(Kill {
            label,
            at,
            killed,
            outcome,
            leftover: leftovers.contains(&own),
        });
        outcome
    }
}

#[test]
fn killed_builds_leave_complete_old_or_new_output() {
    let test_started = Instant::now();
    let site = KillSite::new();
    let out = site.out();

    // The very first build, killed as it starts writing: there is no
    // output folder yet, and there must be none afterwards.
    site.select(Version::A);
    let mut child = site.spawn();
    let first_pid = child.id();
    let staging = site.staging(first_pid);
    let first_status = kill_when(&mut child, || staging.exists());
    assert_eq!(
        first_status.signal(),
        Some(SIGKILL),
        "the first build ended before it was killed"
    );
    assert!(
        !out.exists(),
        "first build killed as its staging folder appeared: an output folder exists"
    );
    assert_eq!(
        site.leftovers(),
        [format!(".public.kbsite-new-{first_pid}")],
        "a killed first build leaves its staging folder and nothing else"
    );

    // The two outputs, built whole; each build clears what a killed one left.
    let (t_a, timings_a) = site.build_full(Version::A);
    let a = manifest(&out).unwrap();
    assert!(
        site.leftovers().is_empty(),
        "a full build left {:?}",
        site.leftovers()
    );

    // T: a build of B from the state a killed build starts from, which
    // replaces an output and finds a killed build's staging folder to
    // delete (a copy of the output, under a process id no process has).
    common::copy_dir(&out, &site.staging(4_000_000_000));
    let (t, timings_b) = site.build_full(Version::B);
    let b = manifest(&out).unwrap();
    assert_ne!(a, b);
    let dropped = DROPPED.trim_end_matches(".md");
    assert!(a.iter().any(|(p, _)| p.starts_with(dropped)));
    assert!(!b.iter().any(|(p, _)| p.starts_with(dropped)));
    assert!(a.iter().any(|(p, _)| p == ".kbsite-output"));
    assert!(site.leftovers().is_empty());

    let mut run = Run {
        site: &site,
        a,
        b,
        current: Version::B,
        killed_pids: Vec::new(),
        kills: Vec::new(),
    };

    for (i, f) in POINTS.iter().enumerate() {
        let delay = t.mul_f64(*f);
        run.kill_one(format!("#{:<2} {f:.2}T", i + 1), |_, child, started| {
            std::thread::sleep(delay.saturating_sub(started.elapsed()));
            kill(child)
        });
    }
    // Timed by the build's own progress rather than the clock.
    let staged = run.kill_one("staging appeared".into(), |site, child, _| {
        let staging = site.staging(child.id());
        kill_when(child, || staging.exists())
    });
    assert_eq!(
        staged,
        Outcome::Old,
        "a build killed as its staging folder appeared replaced the output"
    );
    // The marker is written just before the swap.
    run.kill_one("marker in staging".into(), |site, child, _| {
        let marker = site.staging(child.id()).join(".kbsite-output");
        kill_when(child, || marker.exists())
    });
    // The swap exchanges the folders, so the output path names another
    // inode from then on; the old tree is still being deleted.
    let swapped = run.kill_one("output swapped".into(), |site, child, _| {
        let out = site.out();
        let ino = |p: &Path| std::fs::symlink_metadata(p).map(|m| m.ino()).ok();
        let before = ino(&out);
        kill_when(child, || ino(&out) != before)
    });
    assert_eq!(
        swapped,
        Outcome::New,
        "a build killed after its swap left the old output"
    );

    // A normal build afterwards succeeds and clears every leftover.
    let last = run.current.other();
    site.build_full(last);
    assert_eq!(manifest(&out).as_ref(), Some(run.manifest_of(last)));
    assert!(
        site.leftovers().is_empty(),
        "a normal build after the kills left {:?}",
        site.leftovers()
    );

    let ms = |d: Duration| d.as_millis();
    eprintln!(
        "kill test: measured build time T = {} ms (B; A's first build {} ms); outputs: A {} entries, B {}\n  stages of B: {timings_b}\n  stages of A: {timings_a}",
        ms(t),
        ms(t_a),
        run.a.len(),
        run.b.len()
    );
    eprintln!("  first build, killed as its staging folder appeared → no output folder");
    for k in &run.kills {
        eprintln!(
            "  {:<17} at {:>5} ms: {} → {}{}",
            k.label,
            ms(k.at),
            if k.killed { "killed" } else { "had finished" },
            match k.outcome {
                Outcome::Old => "old",
                Outcome::New => "new",
            },
            if k.leftover {
                " (staging folder left)"
            } else {
                ""
            }
        );
    }
    let olds = run
        .kills
        .iter()
        .filter(|k| k.outcome == Outcome::Old)
        .count();
    let news = run.kills.len() - olds;
    eprintln!(
        "kill test: {} kills, {olds} found the old output, {news} the new; {} ms in all",
        run.kills.len(),
        ms(test_started.elapsed())
    );
    assert_eq!(
        run.kills[0].outcome,
        Outcome::Old,
        "a build killed at once replaced the output"
    );
    if !run
        .kills
        .iter()
        .any(|k| k.outcome == Outcome::New && k.killed)
    {
        eprintln!(
            "note: no killed build had swapped its output in (the machine may have been slower than when T was measured)"
        );
    }
}
