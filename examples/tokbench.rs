//! Tokenizer and index-build throughput on a folder of Markdown: `cargo run
//! --release --example tokbench DIR` (a profiling aid for the index stage;
//! set RAYON_NUM_THREADS=1 for single-thread figures).
use kbsite::search::{build, tokenize, Doc};
use std::time::Instant;

fn main() {
    let dir = std::env::args().nth(1).expect("a folder of .md files");
    let texts: Vec<String> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "md"))
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .collect();
    let mb = texts.iter().map(String::len).sum::<usize>() as f64 / 1e6;

    let t = Instant::now();
    let mut words = 0usize;
    for text in &texts {
        tokenize::each_word(text, |_| words += 1);
    }
    report("each_word", t, mb, words);

    let t = Instant::now();
    let mut n = 0usize;
    for text in &texts {
        tokenize::each_token(text, |_| n += 1);
    }
    report("each_token", t, mb, n);

    let mut vocab = tokenize::Vocab::default();
    for pass in [
        "Vocab::tokens (cold)",
        "Vocab::tokens (warm)",
        "Vocab::tokens (warm)",
    ] {
        let t = Instant::now();
        let mut m = 0usize;
        for text in &texts {
            vocab.tokens(text, |_| m += 1);
        }
        report(pass, t, mb, m);
    }

    let docs: Vec<Doc> = texts
        .iter()
        .map(|t| Doc {
            body: t.as_str(),
            ..Doc::default()
        })
        .collect();
    // The fastest of five: the machine may be shared.
    let mut best = f64::MAX;
    let mut terms = 0;
    for _ in 0..5 {
        let t = Instant::now();
        let index = build::build(&docs);
        best = best.min(t.elapsed().as_secs_f64());
        terms = index.postings.len();
    }
    println!(
        "build::build (best of 5) {:>4.0} ms {:>6.0} ns/token, {terms} terms",
        best * 1e3,
        best * 1e9 / n.max(1) as f64
    );
}

fn report(what: &str, since: Instant, mb: f64, tokens: usize) {
    let s = since.elapsed().as_secs_f64();
    println!(
        "{what:<22} {:>7.0} ms {:>6.0} MB/s {:>6.0} ns/token",
        s * 1e3,
        mb / s,
        s * 1e9 / tokens.max(1) as f64
    );
}
