//! The stages every command runs the same way: read `kbsite.yml` and the
//! theme, load the content, parse every article, link the site, and gather
//! the diagnostics. `build` and `check` go on to render and write; `serve`
//! keeps the result in memory and renders into it. Both start from
//! [`prepare`] and report through [`Prepared::diagnostics`], so the two
//! cannot drift.

use crate::config::{self, Config};
use crate::content::{self, Content, LoadOptions};
use crate::diagnostics::{self, Counts, Diagnostic};
use crate::docfx;
use crate::links::{self, Linked};
use crate::markdown::{self, Parsed};
use crate::render::{self, Theme};
use rayon::prelude::*;
use std::path::Path;
use std::time::{Duration, Instant};

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

/// A point in wall and CPU time.
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

/// Times the stages of a build or a rebuild, one after the other.
pub struct Timer {
    started: Mark,
    last: Mark,
    pub timings: Vec<Timing>,
}

impl Default for Timer {
    fn default() -> Self {
        Timer::start()
    }
}

impl Timer {
    pub fn start() -> Timer {
        let now = Mark::now();
        Timer {
            started: now,
            last: now,
            timings: Vec::new(),
        }
    }

    /// Ends stage `name` (begun when the last one ended).
    pub fn stage(&mut self, name: &'static str) {
        let now = Mark::now();
        let (duration, cpu) = now.since(self.last);
        self.timings.push(Timing {
            stage: name,
            duration,
            cpu,
        });
        self.last = now;
    }

    /// Wall and CPU time since the timer started.
    pub fn total(&self) -> (Duration, Option<Duration>) {
        Mark::now().since(self.started)
    }
}

/// The site read, parsed and linked, with its config and theme.
#[derive(Default)]
pub struct Prepared {
    pub config: Config,
    pub config_diagnostics: Vec<Diagnostic>,
    /// The DocFX project the site folder holds, if it is one.
    pub project: Option<docfx::Project>,
    /// How the content folder was (and is again, by `serve`) read.
    pub load: LoadOptions,
    pub theme: Option<Theme>,
    /// Why there is no theme.
    pub theme_diagnostics: Vec<Diagnostic>,
    pub content: Content,
    pub parsed: Vec<Parsed>,
    pub linked: Linked,
}

/// Loads, parses and links the site in `root` (stages `load`, `parse`,
/// `link`). `each` sees every article as soon as it is parsed (`serve`
/// packs its HTML there, so the whole site's HTML is never held unpacked).
pub fn prepare(
    root: &Path,
    drafts: bool,
    each: &(dyn Fn(&mut Parsed) + Sync),
    timer: &mut Timer,
) -> Prepared {
    let (mut config, mut config_diagnostics) = config::load(root);
    let project = docfx::discover(root, &config);
    let mut layout = content::Layout::default();
    if let Some(p) = &project {
        p.apply(&mut config);
        config_diagnostics.extend(p.diagnostics.iter().cloned());
        layout = p.layout.clone();
    }
    let load = LoadOptions {
        content_dir: root.join(&config.content_dir),
        display_prefix: display_prefix(&config.content_dir),
        exclude: config.exclude.clone(),
        drafts,
        layout: std::sync::Arc::new(layout),
    };
    let (theme, theme_diagnostics) = match render::theme::load(root, &config.theme) {
        Ok(theme) => (Some(theme), Vec::new()),
        Err(d) => (None, d),
    };
    let content = content::load(&load);
    timer.stage("load");
    let settings = markdown::Settings::from(&config);
    let parsed: Vec<Parsed> = content
        .articles
        .par_iter()
        .map(|a| {
            let mut p = markdown::parse(a, &content, &settings);
            each(&mut p);
            p
        })
        .collect();
    timer.stage("parse");
    let linked = links::link(&content, &parsed, &config);
    timer.stage("link");
    Prepared {
        config,
        config_diagnostics,
        project,
        load,
        theme,
        theme_diagnostics,
        content,
        parsed,
        linked,
    }
}

impl Prepared {
    /// Every diagnostic of the stages so far and of `later` ones (render,
    /// external links), with the site-wide notes; sorted, each once.
    pub fn diagnostics(&self, later: &[Diagnostic]) -> Vec<Diagnostic> {
        let mut all: Vec<Diagnostic> = self.found().chain(later).cloned().collect();
        if self.config.base_url.is_none() {
            all.push(
                Diagnostic::info("no base_url: canonical links, sitemap and feed are not written")
                    .in_file(config::FILE_NAME)
                    .with_hint(
                        "set base_url in kbsite.yml to the address the site is published at",
                    ),
            );
        }
        diagnostics::sort(&mut all);
        // A text shown twice (a tree's outline repeats its questions)
        // reports its problems once.
        all.dedup();
        all
    }

    /// What kind of project the site folder holds, when it is a DocFX one
    /// ("DocFX repository: 8 docsets, 2,484 articles").
    pub fn project_line(&self) -> Option<String> {
        let p = self.project.as_ref()?;
        Some(p.summary(self.content.articles.len()))
    }

    /// How many problems the stages so far found.
    pub fn counts(&self) -> Counts {
        diagnostics::count(self.found())
    }

    /// What the stages so far found, stage by stage.
    fn found(&self) -> impl Iterator<Item = &Diagnostic> {
        self.config_diagnostics
            .iter()
            .chain(&self.theme_diagnostics)
            .chain(&self.content.diagnostics)
            .chain(self.parsed.iter().flat_map(|p| &p.diagnostics))
            .chain(&self.linked.diagnostics)
    }
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
