//! The pipeline: load → parse → link → render → write, timed per stage.

use crate::config::{self, Config};
use crate::content::{self, Content, LoadOptions};
use crate::diagnostics::{self, Counts, Diagnostic};
use crate::links::{self, Linked};
use crate::markdown::{self, Parsed};
use crate::output;
use crate::render::{self, Rendered};
use crate::search;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

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

/// Time one stage took.
#[derive(Debug, Clone, PartialEq)]
pub struct Timing {
    pub stage: &'static str,
    pub duration: Duration,
    /// CPU time of all threads in the stage, where the system tells it: on
    /// a shared machine it leaves out time given to others, and against
    /// `duration` it shows how well the stage uses the cores.
    pub cpu: Option<Duration>,
}

/// CPU time the process has used so far, all threads.
fn cpu_time() -> Option<Duration> {
    #[cfg(unix)]
    {
        let t = rustix::time::clock_gettime(rustix::time::ClockId::ProcessCPUTime);
        Some(Duration::new(t.tv_sec as u64, t.tv_nsec as u32))
    }
    #[cfg(not(unix))]
    None
}

/// A point in wall and CPU time a stage starts from.
#[derive(Clone, Copy)]
struct Mark {
    wall: Instant,
    cpu: Option<Duration>,
}

impl Mark {
    fn now() -> Self {
        Mark {
            wall: Instant::now(),
            cpu: cpu_time(),
        }
    }

    /// Wall and CPU time from `since` to this mark.
    fn since(self, since: Mark) -> (Duration, Option<Duration>) {
        let cpu = self.cpu.zip(since.cpu).map(|(b, a)| b.saturating_sub(a));
        (self.wall - since.wall, cpu)
    }
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
    let started = Mark::now();
    let mut b = Build::default();
    let mut diags = Vec::new();
    let stage = |name: &'static str, since: Mark, timings: &mut Vec<Timing>| {
        let now = Mark::now();
        let (duration, cpu) = now.since(since);
        timings.push(Timing {
            stage: name,
            duration,
            cpu,
        });
        now
    };

    let t = Mark::now();
    let (config, config_diags) = config::load(&opts.root);
    diags.extend(config_diags);
    let mut content = content::load(&LoadOptions {
        content_dir: opts.root.join(&config.content_dir),
        display_prefix: display_prefix(&config.content_dir),
        exclude: config.exclude.clone(),
        drafts: opts.drafts,
    });
    let t = stage("load", t, &mut b.timings);

    let settings = markdown::Settings::from(&config);
    let mut parsed: Vec<Parsed> = content
        .articles
        .par_iter()
        .map(|a| markdown::parse(a, &content, &settings))
        .collect();
    content.release_text();
    let t = stage("parse", t, &mut b.timings);

    let linked = links::link(&content, &parsed, &config);
    let t = stage("link", t, &mut b.timings);
    let t = if opts.external {
        let urls = linked.external_urls(&parsed);
        diags.extend(links::external::check(
            &urls,
            &links::external::Limits::default(),
        ));
        stage("external", t, &mut b.timings)
    } else {
        t
    };

    // Files stream from the renderer into a staging folder, so the whole
    // site is never held in memory; errors found before rendering mean
    // nothing is staged at all.
    let doomed = diagnostics::count(
        diags
            .iter()
            .chain(&content.diagnostics)
            .chain(parsed.iter().flat_map(|p| &p.diagnostics))
            .chain(&linked.diagnostics),
    )
    .fail(opts.strict);
    let mut staging = None;
    if opts.write && !doomed {
        match output::Staging::create(&output_dir(opts, &config)) {
            Ok(s) => staging = Some(s),
            Err(e) => diags.push(Diagnostic::error(e.to_string()).with_hint(e.hint())),
        }
    }
    let sink: &dyn render::Sink = match &staging {
        Some(s) => s,
        None => &render::Discard,
    };
    let mut rendered = match render::theme::load(&opts.root, &config.theme) {
        Ok(theme) => render::render(&content, &parsed, &linked, &config, &theme, sink),
        Err(theme_diags) => Rendered {
            diagnostics: theme_diags,
            ..Rendered::default()
        },
    };
    let t = stage("render", t, &mut b.timings);
    let t = if config.search.enabled {
        let files = search::index(&content, &mut parsed, &linked);
        let files_count = files.len();
        let failed: Vec<Diagnostic> = files
            .into_par_iter()
            .filter_map(|f| {
                let path = f.path.clone();
                let e = sink.put(f).err()?;
                Some(Diagnostic::error(format!("cannot write `{path}`: {e}")))
            })
            .collect();
        rendered.files += files_count - failed.len();
        rendered.diagnostics.extend(failed);
        stage("index", t, &mut b.timings)
    } else {
        t
    };
    // The pages are written (search has read them): their HTML is not
    // needed again, and at scale it is the largest thing in memory.
    parsed.par_iter_mut().for_each(Parsed::release_html);

    diags.extend(content.diagnostics.iter().cloned());
    diags.extend(parsed.iter().flat_map(|p| p.diagnostics.iter().cloned()));
    diags.extend(linked.diagnostics.iter().cloned());
    diags.extend(rendered.diagnostics.iter().cloned());
    if config.base_url.is_none() {
        diags.push(
            Diagnostic::info("no base_url: canonical links, sitemap and feed are not written")
                .in_file(config::FILE_NAME)
                .with_hint("set base_url in kbsite.yml to the address the site is published at"),
        );
    }
    diagnostics::sort(&mut diags);
    // A text shown twice (a tree's outline repeats its questions) reports
    // its problems once.
    diags.dedup();
    b.diagnostics = diags;

    if let Some(staging) = staging {
        if !b.failed(opts.strict) {
            let out = output_dir(opts, &config);
            match staging.commit() {
                Ok(()) => b.written = Some(out),
                Err(e) => b
                    .diagnostics
                    .push(Diagnostic::error(e.to_string()).with_hint(e.hint())),
            }
            let t = stage("commit", t, &mut b.timings);
            if let (Some(out), Some(file)) = (&b.written, &opts.zip) {
                match output::zip(out, file) {
                    Ok(()) => b.zipped = Some(file.clone()),
                    Err(e) => b
                        .diagnostics
                        .push(Diagnostic::error(e.to_string()).with_hint(e.hint())),
                }
                stage("zip", t, &mut b.timings);
            }
        }
    }
    b.site = Site {
        config,
        content,
        parsed,
        linked,
        rendered,
    };
    (b.total, b.total_cpu) = Mark::now().since(started);
    b
}

/// How diagnostics name the content folder: `content/` for a relative
/// `content_dir`, the full path otherwise.
pub(crate) fn display_prefix(content_dir: &Path) -> String {
    let s = crate::content::slash_path(content_dir);
    let s = s.trim_end_matches('/');
    if s.is_empty() || s == "." {
        String::new()
    } else if content_dir.is_absolute() {
        format!("/{}/", s.trim_start_matches('/'))
    } else {
        format!("{s}/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_prefixes() {
        assert_eq!(display_prefix(Path::new("content")), "content/");
        assert_eq!(display_prefix(Path::new("docs/kb/")), "docs/kb/");
        assert_eq!(display_prefix(Path::new(".")), "");
        assert_eq!(display_prefix(Path::new("/srv/kb")), "/srv/kb/");
    }
}
