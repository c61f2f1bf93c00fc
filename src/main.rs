//! The `kbsite` command line. Parses arguments, calls the library, prints.

use clap::{Parser, Subcommand};
use kbsite::build::{build, Build, BuildOptions};
use kbsite::diagnostics;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "kbsite",
    version,
    about = "A static site generator for knowledge bases"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the site into the output folder (default: public/)
    Build {
        /// Site folder holding kbsite.yml and the content folder
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Output folder (default: `output_dir` from kbsite.yml, under --root)
        #[arg(long)]
        output: Option<PathBuf>,
        /// Also build articles marked `draft: true`
        #[arg(long)]
        drafts: bool,
        /// Fail on warnings as well as errors
        #[arg(long)]
        strict: bool,
        /// Print the time each stage took
        #[arg(long)]
        timings: bool,
    },
    /// Check the site and report problems without writing anything
    Check {
        /// Site folder holding kbsite.yml and the content folder
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Also check articles marked `draft: true`
        #[arg(long)]
        drafts: bool,
        /// Fail on warnings as well as errors
        #[arg(long)]
        strict: bool,
        /// Print the time each stage took
        #[arg(long)]
        timings: bool,
    },
    /// Create a new site in DIR with a config and one example article
    New {
        /// Folder to create (must be missing or empty)
        dir: PathBuf,
    },
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Build {
            root,
            output,
            drafts,
            strict,
            timings,
        } => {
            let opts = BuildOptions {
                root,
                output,
                drafts,
                strict,
                write: true,
            };
            let b = build(&opts);
            report(&b, &opts);
            if timings {
                print_timings(&b);
            }
            exit(b.failed(strict))
        }
        Command::Check {
            root,
            drafts,
            strict,
            timings,
        } => {
            let opts = BuildOptions {
                root,
                drafts,
                strict,
                ..BuildOptions::default()
            };
            let b = build(&opts);
            report(&b, &opts);
            if timings {
                print_timings(&b);
            }
            exit(b.failed(strict))
        }
        Command::New { dir } => match kbsite::scaffold::new_site(&dir) {
            Ok(()) => {
                println!("Created a new site in {}", dir.display());
                println!("Next: cd {} && kbsite build", dir.display());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(1)
            }
        },
    }
}

fn exit(failed: bool) -> ExitCode {
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn report(b: &Build, opts: &BuildOptions) {
    eprint!("{}", diagnostics::render(&b.diagnostics, &opts.root));
    let counts = b.counts();
    let articles = b.site.content.articles.len();
    let secs = b.total.as_secs_f64();
    let summary = diagnostics::summary(counts);
    match &b.written {
        Some(out) => {
            println!(
                "Built {articles} articles ({} pages, {} files) into {} in {secs:.2}s: {summary}",
                b.site.rendered.pages,
                b.site.rendered.files,
                out.display()
            );
            println!("Open {} in a browser.", out.join("index.html").display());
        }
        None if opts.write => {
            let why = if counts.errors > 0 {
                "errors"
            } else {
                "warnings (--strict)"
            };
            println!("Not written because of {why}; the previous output is unchanged. {articles} articles in {secs:.2}s: {summary}");
        }
        None => println!("Checked {articles} articles in {secs:.2}s: {summary}"),
    }
}

fn print_timings(b: &Build) {
    println!("Timings:");
    for t in &b.timings {
        println!(
            "  {:<8} {:>9.1} ms",
            t.stage,
            t.duration.as_secs_f64() * 1000.0
        );
    }
    println!(
        "  {:<8} {:>9.1} ms",
        "total",
        b.total.as_secs_f64() * 1000.0
    );
}
