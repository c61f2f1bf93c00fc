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

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Text,
    Json,
}

/// Options `build` and `check` share.
#[derive(clap::Args)]
struct SiteArgs {
    /// Site folder holding kbsite.yml and the content folder
    #[arg(long, default_value = ".")]
    root: PathBuf,
    /// Also take articles marked `draft: true`
    #[arg(long)]
    drafts: bool,
    /// Fail on warnings as well as errors
    #[arg(long)]
    strict: bool,
    /// Print the time each stage took
    #[arg(long)]
    timings: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Build the site into the output folder (default: public/)
    Build {
        #[command(flatten)]
        site: SiteArgs,
        /// Output folder (default: `output_dir` from kbsite.yml, under --root)
        #[arg(long)]
        output: Option<PathBuf>,
        /// Also write the site as one zip FILE for offline reading
        #[arg(long, value_name = "FILE")]
        zip: Option<PathBuf>,
    },
    /// Check the site and report problems without writing anything
    Check {
        #[command(flatten)]
        site: SiteArgs,
        /// Output format: `text` for people, `json` for editors and CI
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Also check that external http(s) links answer (slow: uses the network)
        #[arg(long)]
        external: bool,
    },
    /// Preview the site: build it into memory, serve it, rebuild and reload on every save
    Serve {
        /// Site folder holding kbsite.yml and the content folder
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Port to listen on (the next free one is used if it is taken; 0: any)
        #[arg(long, default_value_t = 1111)]
        port: u16,
        /// Address to listen on (only this machine by default)
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// Also take articles marked `draft: true`
        #[arg(long)]
        drafts: bool,
        /// Open the site in the default browser
        #[arg(long)]
        open: bool,
        /// Print the time each step of a rebuild took
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
        Command::Build { site, output, zip } => {
            let opts = BuildOptions {
                root: site.root,
                output,
                drafts: site.drafts,
                strict: site.strict,
                write: true,
                external: false,
                zip,
            };
            let b = build(&opts);
            report(&b, &opts);
            if site.timings {
                print_timings(&b);
            }
            exit(b.failed(opts.strict))
        }
        Command::Check {
            site,
            format,
            external,
        } => {
            let opts = BuildOptions {
                root: site.root,
                drafts: site.drafts,
                strict: site.strict,
                external,
                ..BuildOptions::default()
            };
            let b = build(&opts);
            match format {
                Format::Json => println!("{}", json_report(&b)),
                Format::Text => report(&b, &opts),
            }
            if site.timings {
                print_timings(&b);
            }
            exit(b.failed(opts.strict))
        }
        Command::Serve {
            root,
            port,
            bind,
            drafts,
            open,
            timings,
        } => {
            let opts = kbsite::serve::ServeOptions {
                root: root.clone(),
                bind,
                port,
                drafts,
                open,
            };
            match kbsite::serve::serve(&opts, &|r| print_serve(&r, &root, timings)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(1)
                }
            }
        }
        Command::New { dir } => match kbsite::scaffold::new_site(&dir) {
            Ok(()) => {
                println!("Created a new site in {}", dir.display());
                println!(
                    "Next: cd {} && kbsite serve --open (live preview), or kbsite build",
                    dir.display()
                );
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
    if let Some(project) = &b.project {
        println!("{project}");
    }
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
            if let Some(zip) = &b.zipped {
                println!("Zipped the site into {}.", zip.display());
            }
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
        None => {
            let l = b.site.linked.stats;
            println!(
                "Checked {articles} articles and {} links ({} local, {} external, {} broken) in {secs:.2}s: {summary}",
                l.local + l.external + l.broken,
                l.local,
                l.external,
                l.broken
            );
        }
    }
}

/// The whole check as one JSON object: counts, link figures, diagnostics.
fn json_report(b: &Build) -> String {
    let counts = b.counts();
    serde_json::json!({
        "articles": b.site.content.articles.len(),
        "links": b.site.linked.stats,
        "errors": counts.errors,
        "warnings": counts.warnings,
        "notes": counts.infos,
        "diagnostics": b.diagnostics,
    })
    .to_string()
}

fn print_timings(b: &Build) {
    println!("Timings:");
    let rows = b.timings.iter().map(|t| (t.stage, t.duration, t.cpu));
    for (stage, wall, cpu) in rows.chain([("total", b.total, b.total_cpu)]) {
        let cpu = cpu.map_or(String::new(), |c| {
            format!("   cpu {:>9.1} ms", c.as_secs_f64() * 1000.0)
        });
        println!("  {stage:<8} {:>9.1} ms{cpu}", wall.as_secs_f64() * 1000.0);
    }
}

/// What `serve` tells the writer: one line per event, problems in full.
fn print_serve(r: &kbsite::serve::Report, root: &std::path::Path, timings: bool) {
    use kbsite::serve::Report;
    use std::io::Write;
    match r {
        Report::Built {
            project,
            articles,
            pages,
            took,
            diagnostics: d,
        } => {
            eprint!("{}", diagnostics::render(d, root));
            if let Some(project) = project {
                println!("{project}");
            }
            println!(
                "Built {articles} articles ({pages} files) in memory in {:.2}s: {}",
                took.as_secs_f64(),
                diagnostics::summary(diagnostics::count(d))
            );
        }
        Report::PortTaken(p) => println!("Port {p} is taken; trying {}.", p + 1),
        Report::Listening(addr) => {
            println!("Serving at http://{addr}/ (Ctrl+C stops)");
        }
        Report::Rebuilt {
            changed,
            pages,
            full,
            took,
            later,
            blocked,
            diagnostics: d,
            timings: steps,
        } => {
            let what = match changed.as_slice() {
                [one] => one.clone(),
                [first, rest @ ..] => format!("{first} and {} more", rest.len()),
                [] => "files".to_string(),
            };
            let ms = took.as_secs_f64() * 1000.0;
            let counts = diagnostics::count(d);
            if *blocked {
                eprint!("{}", diagnostics::render(d, root));
                println!(
                    "{what} changed: {} (last good pages kept) in {ms:.0} ms",
                    diagnostics::summary(counts)
                );
            } else {
                let scope = if *full { " (everything)" } else { "" };
                // The pages of the saved files are served first.
                let rest = match later {
                    Some((n, all)) => format!(", {n} more in {:.0} ms", all.as_secs_f64() * 1000.0),
                    None => String::new(),
                };
                println!(
                    "{what} changed: {pages} pages re-rendered{scope} in {ms:.0} ms{rest}: {}",
                    diagnostics::summary(counts)
                );
            }
            if timings {
                let steps: Vec<String> = steps
                    .iter()
                    .map(|t| format!("{} {:.1} ms", t.stage, t.duration.as_secs_f64() * 1000.0))
                    .collect();
                println!("  {}", steps.join(", "));
            }
        }
        Report::Problem(p) => eprintln!("warning: {p}"),
    }
    let _ = std::io::stdout().flush();
}
