//! Prints `input<TAB>tokens` for each line of stdin (to write the golden
//! file `tests/search/tokens.tsv`): `cargo run --example tokens < inputs`.
use std::io::BufRead;

fn main() {
    for line in std::io::stdin().lock().lines() {
        let line = line.expect("stdin is text");
        println!(
            "{line}\t{}",
            kbsite::search::tokenize::tokens(&line).join(" ")
        );
    }
}
