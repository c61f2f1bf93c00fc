//! Tokenizer throughput on a folder of Markdown: `cargo run --release
//! --example tokbench DIR` (a profiling aid for the index stage).
use std::time::Instant;

fn main() {
    let dir = std::env::args().nth(1).expect("a folder of .md files");
    let texts: Vec<String> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "md"))
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .collect();
    let bytes: usize = texts.iter().map(String::len).sum();
    let t = Instant::now();
    let mut n = 0usize;
    for text in &texts {
        kbsite::search::tokenize::each_token(text, |_| n += 1);
    }
    let strings = t.elapsed();
    let t = Instant::now();
    let mut vocab = kbsite::search::tokenize::Vocab::default();
    let mut m = 0usize;
    for text in &texts {
        vocab.tokens(text, |_| m += 1);
    }
    let ids = t.elapsed();
    let mb = bytes as f64 / 1e6;
    println!(
        "{mb:.0} MB, {n} tokens: each_token {:.0} MB/s, Vocab::tokens {:.0} MB/s ({:.0} ns/token)",
        mb / strings.as_secs_f64(),
        mb / ids.as_secs_f64(),
        ids.as_nanos() as f64 / m as f64
    );
}
