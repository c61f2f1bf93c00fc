//! Every input in `tests/fuzz_regressions/TARGET/` goes through the fuzz
//! entry point of that target (`kbsite::fuzz::TARGET`), so a crash the
//! fuzzers found (see fuzz/README.md) stays fixed under `cargo test`.
//! Minimised crash inputs are added here by name; a few seed inputs keep
//! each folder non-empty.

use std::path::{Path, PathBuf};

type Target = fn(&[u8]);

const TARGETS: &[(&str, Target)] = &[
    ("front_matter", kbsite::fuzz::front_matter),
    ("markdown", kbsite::fuzz::markdown),
    ("tree", kbsite::fuzz::tree),
    ("links", kbsite::fuzz::links),
    ("faq", kbsite::fuzz::faq),
];

fn inputs(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz_regressions")
        .join(target);
    let read =
        std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{} is missing: {e}", dir.display()));
    let mut files: Vec<PathBuf> = read
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} has no inputs", dir.display());
    files
}

fn run(target: &str) {
    let f = TARGETS.iter().find(|(name, _)| *name == target).unwrap().1;
    for path in inputs(target) {
        let data = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| f(&data));
        assert!(outcome.is_ok(), "{target}: {} panicked", path.display());
    }
}

#[test]
fn front_matter() {
    run("front_matter");
}

#[test]
fn markdown() {
    run("markdown");
}

#[test]
fn tree() {
    run("tree");
}

#[test]
fn links() {
    run("links");
}

#[test]
fn faq() {
    run("faq");
}

#[test]
fn every_folder_has_a_target() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions");
    for e in std::fs::read_dir(&dir).unwrap() {
        let name = e.unwrap().file_name().into_string().unwrap();
        assert!(
            TARGETS.iter().any(|(t, _)| *t == name),
            "tests/fuzz_regressions/{name} names no fuzz target"
        );
    }
}
