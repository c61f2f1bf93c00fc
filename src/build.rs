//! `build` and `check`: the shared stages ([`pipeline::prepare`]), then
//! render, index and write, timed per stage.

use crate::config::Config;
use crate::content::Content;
use crate::diagnostics::{self, Counts, Diagnostic};
use crate::links::{self, Linked};
use crate::markdown::Parsed;
use crate::output;
pub use crate::pipeline::Timing;
use crate::pipeline::{self, Timer};
use crate::render::{self, Rendered};
use crate::search;
use rayon::prelude::*;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// The site folder (holding kbsite.yml and the content folder).
    pub root: PathBuf,
    /// Output folder; default: the config's `output_dir` under `root`.
    pub output: Option<PathBuf>,
    /// Build `draft: true` articles too.
    pub drafts: bool,
    /// Treat warnings as errors.
    pub strict: bool,
    /// Write the output (`build`); false only checks (`check`).
    pub write: bool,
    /// Also check that external http(s) links answer (`check --external`).
    pub external: bool,
    /// Also write the built site as one zip here (`build --zip`).
    pub zip: Option<PathBuf>,
}

/// The site as every stage left it, for tests and tools.
#[derive(Debug, Default)]
pub struct Site {
    pub config: Config,
    pub content: Content,
    pub parsed: Vec<Parsed>,
    pub linked: Linked,
    pub rendered: Rendered,
}

/// What a build did.
#[derive(Debug, Default)]
pub struct Build {
    pub site: Site,
    /// Every diagnostic, sorted by file and line.
    pub diagnostics: Vec<Diagnostic>,
    pub timings: Vec<Timing>,
    /// Where the site was written, if it was.
    pub written: Option<PathBuf>,
    /// Where its zip was written, if asked for and it was.
    pub zipped: Option<PathBuf>,
    pub total: Duration,
    /// CPU time of the whole build, where the system tells it.
    pub total_cpu: Option<Duration>,
    /// What the site folder holds, when it is a DocFX project.
    pub project: Option<String>,
}

impl Build {
    pub fn counts(&self) -> Counts {
        diagnostics::count(&self.diagnostics)
    }

    /// Whether the build failed: any error, or any warning under `--strict`.
    pub fn failed(&self, strict: bool) -> bool {
        self.counts().fail(strict)
    }
}

/// The output folder a build with `opts` writes to.
pub fn output_dir(opts: &BuildOptions, config: &Config) -> PathBuf {
    opts.output
        .clone()
        .unwrap_or_else(|| opts.root.join(&config.output_dir))
}

/// Runs the pipeline and, if `opts.write` and nothing failed, writes.
pub fn build(opts: &BuildOptions) -> Build {
    let mut timer = Timer::start();
    let mut b = Build::default();
    let mut site = pipeline::prepare(&opts.root, opts.drafts, &|_| {}, &mut timer);
    b.project = site.project_line();
    // Later stages read only the parse results.
    site.content.release_text();
    let mut later = Vec::new();
    if opts.external {
        let urls = site.linked.external_urls(&site.parsed);
        later.extend(links::external::check(
            &urls,
            &links::external::Limits::default(),
        ));
        timer.stage("external");
    }

    // Files stream from the renderer into a staging folder, so the whole
    // site is never held in memory; errors found before rendering mean
    // nothing is staged at all.
    let doomed = site.counts().fail(opts.strict);
    let mut staging = None;
    if opts.write && !doomed {
        match output::Staging::create(&output_dir(opts, &site.config)) {
            Ok(s) => staging = Some(s),
            Err(e) => later.push(Diagnostic::error(e.to_string()).with_hint(e.hint())),
        }
    }
    let sink: &dyn render::Sink = match &staging {
        Some(s) => s,
        None => &render::Discard,
    };
    let mut rendered = match &site.theme {
        Some(theme) => render::render(
            &site.content,
            &site.parsed,
            &site.linked,
            &site.config,
            theme,
            sink,
        ),
        None => Rendered::default(),
    };
    timer.stage("render");
    if site.config.search.enabled {
        let written = std::sync::atomic::AtomicUsize::new(0);
        let failed = std::sync::Mutex::new(Vec::new());
        search::index(&site.content, &mut site.parsed, &site.linked, &|f| {
            let path = f.path.clone();
            match sink.put(f) {
                Ok(()) => {
                    written.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                Err(e) => failed
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(Diagnostic::error(format!("cannot write `{path}`: {e}"))),
            }
        });
        rendered.files += written.into_inner();
        let mut failed = failed.into_inner().unwrap_or_else(|e| e.into_inner());
        failed.sort_by(|a, b| a.message.cmp(&b.message));
        rendered.diagnostics.extend(failed);
        timer.stage("index");
    }
    // The pages are written (search has read them): their HTML is not
    // needed again, and at scale it is the largest thing in memory.
    site.parsed.par_iter_mut().for_each(Parsed::release_html);
    later.extend(rendered.diagnostics.iter().cloned());
    b.diagnostics = site.diagnostics(&later);

    if let Some(staging) = staging {
        if !b.failed(opts.strict) {
            let out = output_dir(opts, &site.config);
            match staging.commit() {
                Ok(()) => b.written = Some(out),
                Err(e) => b
                    .diagnostics
                    .push(Diagnostic::error(e.to_string()).with_hint(e.hint())),
            }
            timer.stage("commit");
            if let (Some(out), Some(file)) = (&b.written, &opts.zip) {
                match output::zip(out, file) {
                    Ok(()) => b.zipped = Some(file.clone()),
                    Err(e) => b
                        .diagnostics
                        .push(Diagnostic::error(e.to_string()).with_hint(e.hint())),
                }
                timer.stage("zip");
            }
        }
    }
    b.site = Site {
        config: site.config,
        content: site.content,
        parsed: site.parsed,
        linked: site.linked,
        rendered,
    };
    (b.total, b.total_cpu) = timer.total();
    b.timings = timer.timings;
    b
}
