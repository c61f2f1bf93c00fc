//! The site held in memory by the preview server, and the incremental
//! rebuild: a changed file is read again, only the articles it feeds are
//! parsed again, links are mended where they can be (re-resolved in full
//! when an article's title, KB number or other shape changed), and only the
//! pages whose inputs changed ([`render::inputs`]) are rendered again.

use crate::config;
use crate::content::{self, FileChange};
use crate::diagnostics::{self, Diagnostic, Severity};
use crate::docfx;
use crate::links;
use crate::markdown::{self, Parsed};
use crate::pack::Dictionary;
use crate::pipeline::{self, Prepared, Timer, Timing};
use crate::render::{self, Data, OutputFile, Sink};
use crate::search::{self, DocText};
use rayon::prelude::*;
use rustc_hash::FxHashSet as HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// A file as the server holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Served {
    /// Made by the build, [`crate::pack`]ed (a site's pages are the
    /// largest thing the server holds), pages with the site's dictionary.
    Packed {
        bytes: Arc<[u8]>,
        dictionary: Option<Arc<Dictionary>>,
    },
    /// A content file, read from disk when asked for.
    Copy(PathBuf),
}

impl Served {
    /// `bytes`, packed (with `dictionary` if there is one).
    fn pack(bytes: &[u8], dictionary: Option<Arc<Dictionary>>) -> Served {
        let bytes = crate::pack::pack_with(bytes, dictionary.as_deref());
        Served::Packed {
            bytes: bytes.into(),
            dictionary,
        }
    }

    /// The bytes of a file the build made (`None` for a copied file).
    pub fn bytes(&self) -> Option<Vec<u8>> {
        match self {
            Served::Packed { bytes, dictionary } => {
                Some(crate::pack::unpack_with(bytes, dictionary.as_deref()))
            }
            Served::Copy(_) => None,
        }
    }
}

/// What one rebuild changed in the served files.
#[derive(Debug, Default)]
pub struct Update {
    /// Files to serve anew (pages, diagrams, copies).
    pub files: Vec<(String, Served)>,
    /// Paths that are no longer part of the site.
    pub removed: Vec<String>,
    /// Pages rendered again.
    pub pages: usize,
    /// The whole site was built again (config or theme changed).
    pub full: bool,
    /// New errors appeared: nothing above is to be served, the last good
    /// pages stay.
    pub blocked: bool,
    /// Every diagnostic the site has now, sorted.
    pub diagnostics: Vec<Diagnostic>,
    /// Content paths (or `kbsite.yml`, theme files) that changed.
    pub changed: Vec<String>,
    /// Time each step of the rebuild took.
    pub timings: Vec<Timing>,
}

/// The paths of `old` not in `new` (both sorted).
fn gone(old: &[String], new: &[String]) -> Vec<String> {
    let mut gone = Vec::new();
    let mut k = 0;
    for p in old {
        while k < new.len() && new[k] < *p {
            k += 1;
        }
        if new.get(k) != Some(p) {
            gone.push(p.clone());
        }
    }
    gone
}

/// An article's search text (`None`: a redirect, not indexed) and a hash
/// of what it was made from.
type Doc = (u64, Option<Arc<DocText>>);

/// The site in memory.
pub struct Live {
    root: PathBuf,
    drafts: bool,
    /// What the shared stages made (load, parse, link), kept up to date.
    site: Prepared,
    /// The content path of each of `parsed`, for when articles come or go.
    parsed_paths: Vec<String>,
    /// Per article, a number changed whenever it is parsed again.
    versions: Vec<u64>,
    next_version: u64,
    /// Per article, its search text and what it was made from (`None`:
    /// not made yet).
    docs: Vec<Option<Doc>>,
    /// Some of `docs` may be out of date: made again for the next search
    /// job (after the pages are served).
    docs_stale: bool,
    render_diagnostics: Vec<Diagnostic>,
    /// The render plan's items as last served (their path keys), and
    /// their inputs.
    served_items: Vec<u64>,
    served_inputs: Vec<Option<u64>>,
    /// Whether the site in memory is the one served (no update blocked
    /// since): then an edit that keeps every page's path can compare inputs
    /// item by item.
    in_step: bool,
    /// Every path served (pages, copies, diagrams), search files aside;
    /// sorted.
    paths: Vec<String>,
    /// Errors of the last served state.
    served_errors: usize,
    /// Articles other files include: their text stays.
    included: HashSet<String>,
    /// What pages are packed with, once trained.
    dictionary: Option<Arc<Dictionary>>,
    /// What articles' body HTML is packed with.
    body_dictionary: Option<Arc<Dictionary>>,
    /// Set when the pages of the saved files were served first: the rest
    /// is for [`Live::render_later`].
    later: Option<Later>,
    timer: Timer,
}

/// Render plan items' path keys (`None`: as served) and inputs.
type ItemInputs = (Option<Vec<u64>>, Vec<Option<u64>>);

/// What [`Live::render_later`] needs to know of the first pages served.
struct Later {
    /// The plan's items rendered already.
    rendered: Vec<bool>,
    /// The served items were the plan's, in order, before the change.
    in_step: bool,
}

/// The pages a writer is looking at after a save, rendered and served
/// before the rest of what the save changed: the pages of the articles
/// parsed again, and the listings of the folders of the changed files.
#[derive(Debug, Default)]
struct Near {
    articles: HashSet<usize>,
    dirs: HashSet<String>,
}

impl Near {
    fn new(articles: &[usize], content_paths: &[String]) -> Near {
        Near {
            articles: articles.iter().copied().collect(),
            dirs: content_paths
                .iter()
                .map(|p| crate::paths::dir_of(p).to_string())
                .collect(),
        }
    }
}

impl Live {
    /// Builds the whole site into memory. The first build is served even
    /// with errors (there is nothing older to keep).
    pub fn build(root: &Path, drafts: bool) -> (Live, Update) {
        let mut live = Live {
            root: canonical(root),
            drafts,
            site: Prepared::default(),
            parsed_paths: Vec::new(),
            versions: Vec::new(),
            next_version: 0,
            docs: Vec::new(),
            docs_stale: false,
            render_diagnostics: Vec::new(),
            served_items: Vec::new(),
            served_inputs: Vec::new(),
            in_step: false,
            paths: Vec::new(),
            served_errors: usize::MAX,
            dictionary: None,
            body_dictionary: None,
            later: None,
            included: HashSet::default(),
            timer: Timer::start(),
        };
        let update = live.rebuild_all(Vec::new());
        (live, update)
    }

    pub fn project_line(&self) -> Option<String> {
        self.site.project_line()
    }

    pub fn article_count(&self) -> usize {
        self.site.content.articles.len()
    }

    pub fn content_dir(&self) -> &Path {
        &self.site.load.content_dir
    }

    /// The site folder, as an absolute path with symbolic links resolved
    /// (the form the watcher reports changed files in).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The site's search files from the current articles: slow on a big
    /// site, so the server makes them off the rebuild's path.
    pub fn search_job(&mut self) -> Option<SearchJob> {
        if self.docs_stale {
            self.refresh_docs();
            self.docs_stale = false;
        }
        self.site.config.search.enabled.then(|| SearchJob {
            docs: self
                .docs
                .iter()
                .flatten()
                .filter_map(|d| d.1.clone())
                .collect(),
        })
    }

    /// Everything again: config, theme, content.
    fn rebuild_all(&mut self, changed: Vec<String>) -> Update {
        self.timer = Timer::start();
        self.site = pipeline::prepare(&self.root, self.drafts, &|p| p.html.pack(), &mut self.timer);
        // The watcher reports paths by the folder's real path.
        self.site.load.content_dir = canonical(&self.site.load.content_dir);
        self.release_text();
        self.pack_bodies();
        self.parsed_paths = self.article_paths();
        self.versions = (0..self.site.content.articles.len())
            .map(|_| self.new_version())
            .collect();
        self.docs.clear();
        self.docs.resize(self.site.content.articles.len(), None);
        self.docs_stale = true;
        self.served_items.clear();
        self.served_inputs.clear();
        let mut update = self.render_changes(changed, false, None);
        update.full = true;
        update
    }

    /// Applies changes to files under the site folder (absolute paths).
    pub fn apply(&mut self, changed: &[PathBuf]) -> Update {
        self.timer = Timer::start();
        let config_file = self.root.join(config::FILE_NAME);
        let theme_dirs = super::watch::THEME_DIRS.map(|d| self.root.join(d));
        let mut names: Vec<String> = Vec::new();
        let mut content_paths: Vec<String> = Vec::new();
        let mut everything = false;
        // A DocFX project's own files say what the site is, as kbsite.yml.
        let project_file = |p: &Path| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            self.site.project.is_some()
                && [docfx::DOCFX_JSON, docfx::PUBLISH_CONFIG, docfx::REDIRECTION].contains(&name)
        };
        for path in changed {
            if path == &config_file
                || project_file(path)
                || theme_dirs.iter().any(|d| path.starts_with(d))
            {
                everything = true;
                names.push(self.shown(path));
            } else if let Ok(rel) = path.strip_prefix(&self.site.load.content_dir) {
                let rel = content::slash_path(rel);
                names.push(format!("{}{rel}", self.site.load.display_prefix));
                content_paths.push(rel);
            }
        }
        if everything {
            return self.rebuild_all(names);
        }
        // What others see of each edited article, from before the edit.
        let mut shapes: Vec<(usize, links::Shape)> = content_paths
            .iter()
            .filter_map(|rel| self.site.content.article_index(rel))
            .map(|i| (i, links::shape(&self.site.content, &self.site.parsed, i)))
            .collect();
        let mut reparse: Vec<usize> = Vec::new();
        let mut partials: Vec<String> = Vec::new();
        let mut structure = false;
        let mut assets = false;
        let mut came_or_went: Vec<String> = Vec::new();
        let mut reread = false;
        for rel in &content_paths {
            match content::reload(&mut self.site.content, &self.site.load, rel) {
                Some(FileChange::Nothing) => {}
                Some(FileChange::Article(i)) => reparse.push(i),
                Some(FileChange::Partial(p)) => partials.push(p),
                // A code sample is an asset that articles read: they are
                // parsed again, as for an include.
                Some(FileChange::Asset(p)) => {
                    assets = true;
                    partials.push(p);
                }
                Some(FileChange::Structure) => structure = true,
                None => {
                    // Read everything again; what came or went is what
                    // the link stage must know of.
                    let before = std::mem::take(&mut self.site.content.assets);
                    self.site.content = content::load(&self.site.load);
                    reread = true;
                    let now = &self.site.content.assets;
                    came_or_went.extend(before.symmetric_difference(now).cloned());
                    structure = true;
                }
            }
        }
        self.timer.stage("read");
        if structure {
            content_paths.extend(came_or_went);
            return self.restructure(&content_paths, names, reread);
        }
        // Articles can be included too: what takes in a changed file is
        // parsed again with it.
        let articles = reparse
            .iter()
            .map(|&i| self.site.content.articles[i].path.clone());
        let changed_markdown: Vec<String> = partials.iter().cloned().chain(articles).collect();
        for p in &changed_markdown {
            reparse.extend(self.including(p));
        }
        reparse.sort_unstable();
        reparse.dedup();
        if reparse.is_empty() && !assets {
            // Nothing of the site (an editor's swap file, a toc file).
            return Update::default();
        }
        for &i in &reparse {
            if !shapes.iter().any(|s| s.0 == i) {
                shapes.push((i, links::shape(&self.site.content, &self.site.parsed, i)));
            }
        }
        self.parse(&reparse);
        self.timer.stage("parse");
        let same_pages = links::update(
            &mut self.site.linked,
            &self.site.content,
            &self.site.parsed,
            &self.site.config,
            &shapes,
        );
        if same_pages {
            for &i in &reparse {
                self.docs[i] = Some((self.doc_key(i), self.doc(i)));
            }
        } else {
            let paths = std::mem::take(&mut self.parsed_paths);
            self.relink(&paths, &reparse, &[]);
            self.parsed_paths = paths;
            self.docs_stale = true;
        }
        self.timer.stage("link");
        let near = Near::new(&reparse, &content_paths);
        let mut update = self.render_changes(names, same_pages, Some(&near));
        if assets && !update.blocked {
            // A changed image shows on pages that did not change: reload.
            update.full = true;
        }
        update
    }

    /// Files came or went: parse what is new or may now find its
    /// include, and link the site again (reusing what did not change).
    /// `reread`: every file was read again (its text is all held).
    fn restructure(&mut self, changed: &[String], names: Vec<String>, reread: bool) -> Update {
        let old_of_new = links::match_paths(&self.parsed_paths, &self.site.content.articles);
        // New articles, those taking in a changed file, and those missing
        // an include that may have just appeared.
        let must_parse = |p: &Parsed| {
            p.sources.iter().any(|s| changed.contains(&s.path))
                || p.diagnostics.iter().any(|d| {
                    d.message.starts_with("include file not found")
                        || d.message.starts_with("include `")
                })
        };
        let old = std::mem::take(&mut self.site.parsed);
        self.site.parsed = links::carry(old, &old_of_new);
        let mut fresh = Vec::new();
        for (i, (k, p)) in old_of_new.iter().zip(&mut self.site.parsed).enumerate() {
            if k.is_none() || must_parse(p) {
                fresh.push(i);
                *p = Parsed::default();
            }
        }
        let made = self.parse_articles(&fresh);
        for (&i, p) in fresh.iter().zip(made) {
            self.site.parsed[i] = p;
        }
        if reread {
            self.release_text();
        } else {
            self.release_parsed_text(&fresh);
        }
        self.timer.stage("parse");
        let new_paths = self.article_paths();
        let old_paths = std::mem::replace(&mut self.parsed_paths, new_paths);
        // What each article had, at its new place.
        let moved = |k: &Option<usize>| k.map(|k| (self.versions[k], self.docs[k].clone()));
        let kept: Vec<Option<(u64, Option<Doc>)>> = old_of_new.iter().map(moved).collect();
        (self.versions, self.docs) = kept.into_iter().map(|k| k.unwrap_or_default()).unzip();
        for &i in &fresh {
            self.versions[i] = self.new_version();
        }
        self.relink(&old_paths, &fresh, changed);
        self.timer.stage("link");
        self.docs_stale = true;
        let content = &self.site.content;
        let edited = changed.iter().filter_map(|p| content.article_index(p));
        let near: Vec<usize> = fresh.iter().copied().chain(edited).collect();
        let near = Near::new(&near, changed);
        self.render_changes(names, false, Some(&near))
    }

    /// The link stage again after the articles `parsed` (new indices) were
    /// parsed again and the files `changed` came, went or changed; the
    /// articles were at `old_paths`.
    fn relink(&mut self, old_paths: &[String], parsed: &[usize], changed: &[String]) {
        let old = std::mem::take(&mut self.site.linked);
        let changes = links::Changes {
            parsed,
            files: changed,
        };
        let site = &self.site;
        self.site.linked = links::relink(
            old,
            old_paths,
            &site.content,
            &site.parsed,
            &site.config,
            &changes,
        );
    }

    fn article_paths(&self) -> Vec<String> {
        self.site
            .content
            .articles
            .iter()
            .map(|a| a.path.clone())
            .collect()
    }

    /// Parses the articles `which` again.
    fn parse(&mut self, which: &[usize]) {
        let made = self.parse_articles(which);
        for (&i, p) in which.iter().zip(made) {
            self.site.parsed[i] = p;
            self.versions[i] = self.new_version();
        }
        self.release_parsed_text(which);
    }

    /// A number no parse of any article had before.
    fn new_version(&mut self) -> u64 {
        self.next_version += 1;
        self.next_version
    }

    /// Articles `which`, parsed from their text as it is now (read again
    /// where it was released), their HTML packed.
    fn parse_articles(&mut self, which: &[usize]) -> Vec<Parsed> {
        for &i in which {
            self.site.content.restore_text(i);
        }
        let parse_all = |live: &Live| -> Vec<Parsed> {
            let settings = markdown::Settings::from(&live.site.config);
            let content = &live.site.content;
            which
                .par_iter()
                .map(|&i| {
                    let mut p = markdown::parse(&content.articles[i], content, &settings);
                    p.html.pack_with(live.body_dictionary.as_ref());
                    p
                })
                .collect()
        };
        let made = parse_all(self);
        // An article that now takes in another article whose text was
        // released: read that one again and parse once more.
        let content = &self.site.content;
        let missing: Vec<usize> = made
            .iter()
            .flat_map(|p| p.sources.iter().skip(1))
            .filter(|s| content.is_released(&s.path))
            .filter_map(|s| content.article_index(&s.path))
            .collect();
        if missing.is_empty() {
            return made;
        }
        for i in missing {
            self.site.content.restore_text(i);
        }
        parse_all(self)
    }

    /// Packs every article's body HTML again, with a dictionary trained on
    /// some of them: bodies share much of their markup and wording (notes,
    /// code blocks, tables, the same steps), and take a third less memory
    /// so (50 MB less 16 at 20,000 generated articles).
    fn pack_bodies(&mut self) {
        let parsed = &self.site.parsed;
        let step = (parsed.len() / BODY_SAMPLES).max(1);
        let samples: Vec<String> = parsed
            .iter()
            .step_by(step)
            .map(|p| p.html.text().into_owned())
            .collect();
        let samples: Vec<&[u8]> = samples.iter().map(|s| s.as_bytes()).collect();
        self.body_dictionary = Dictionary::train(&samples).map(Arc::new);
        let dictionary = self.body_dictionary.as_ref();
        if dictionary.is_some() {
            let parsed = &mut self.site.parsed;
            parsed
                .par_iter_mut()
                .for_each(|p| p.html.pack_with(dictionary));
        }
        self.timer.stage("pack bodies");
    }

    /// Lets go of the text of every article no other file includes.
    fn release_text(&mut self) {
        self.included.clear();
        let all: Vec<usize> = (0..self.site.content.articles.len()).collect();
        self.release_parsed_text(&all);
    }

    /// Lets go of the text of the articles `parsed` (just parsed again),
    /// unless another file includes them; what they include is kept from
    /// now on (until the whole site is read again).
    fn release_parsed_text(&mut self, parsed: &[usize]) {
        for &i in parsed {
            let sources = self.site.parsed[i].sources.iter().skip(1);
            self.included.extend(sources.map(|s| s.path.clone()));
        }
        for &i in parsed {
            if !self.included.contains(&self.site.content.articles[i].path) {
                self.site.content.release_article(i);
            }
        }
    }

    /// Articles whose text takes in the Markdown file at `path`.
    fn including(&self, path: &str) -> Vec<usize> {
        self.site
            .parsed
            .iter()
            .enumerate()
            .filter(|(_, p)| p.sources.iter().any(|s| s.path == path))
            .map(|(i, _)| i)
            .collect()
    }

    fn doc(&self, i: usize) -> Option<Arc<DocText>> {
        search::doc_text(&self.site.content, &self.site.parsed, &self.site.linked, i).map(Arc::new)
    }

    /// What article `i`'s search text is made from: its own text and
    /// title, KB number and terms, and its folder's section title.
    fn doc_key(&self, i: usize) -> u64 {
        use std::hash::{Hash, Hasher};
        let a = &self.site.content.articles[i];
        let info = &self.site.linked.articles[i];
        let site_path = self.site.content.site_path(&a.path);
        let section = self
            .site
            .linked
            .sections
            .get(crate::paths::dir_of(&site_path));
        let mut h = rustc_hash::FxHasher::default();
        (self.versions[i], &info.title, &info.kb, &info.dir).hash(&mut h);
        (&info.terms, section.map(|s| &s.title)).hash(&mut h);
        self.site.linked.redirects[i].is_some().hash(&mut h);
        h.finish()
    }

    /// The search text of every article, made again where what it is made
    /// from changed (after the whole site was linked again).
    fn refresh_docs(&mut self) {
        let mut docs = std::mem::take(&mut self.docs);
        docs.resize(self.site.content.articles.len(), None);
        self.docs = docs
            .into_par_iter()
            .enumerate()
            .map(|(i, old)| {
                let key = self.doc_key(i);
                match old {
                    Some((k, doc)) if k == key => Some((k, doc)),
                    _ => Some((key, self.doc(i))),
                }
            })
            .collect();
    }

    /// Renders what the change needs and decides whether the result may be
    /// served. Without `near` (the whole site was built again), every page
    /// whose inputs differ from what is served. With `near`, only the pages
    /// of the saved files, whatever their inputs: the rest is left for
    /// [`Live::render_later`], which compares inputs. `same_pages`: the
    /// edit kept every page's path (and every title, KB number, tree id).
    fn render_changes(
        &mut self,
        changed: Vec<String>,
        same_pages: bool,
        near: Option<&Near>,
    ) -> Update {
        let plan = render::plan(&self.site.parsed, &self.site.linked, &self.site.config);
        let in_step = same_pages && self.in_step && plan.len() == self.served_inputs.len();
        let (pick, inputs) = match near {
            Some(near) => {
                let pick: Vec<bool> = (0..plan.len())
                    .map(|n| plan.is_near(n, &near.articles, &near.dirs))
                    .collect();
                (pick, None)
            }
            None => {
                let (pick, inputs) = self.changed_items(&plan, in_step);
                (pick, Some(inputs))
            }
        };
        self.timer.stage("plan");
        if self.dictionary.is_none() {
            self.dictionary = self.train_dictionary(&plan);
        }
        let (rendered, files) = self.render_picked(&plan, &pick, !in_step);
        self.timer.stage("render");
        if !in_step {
            self.render_diagnostics = rendered.diagnostics;
        }
        let diagnostics = self.diagnostics();
        let errors = diagnostics::count(&diagnostics).errors;
        let new_paths = if in_step { None } else { Some(rendered.paths) };
        let removed = match &new_paths {
            Some(new) if *new != self.paths => gone(&self.paths, new),
            _ => Vec::new(),
        };
        let blocked = errors > self.served_errors;
        self.later = None;
        if !blocked {
            match inputs {
                Some((items, inputs)) => self.served(items, inputs),
                None => {
                    self.later = Some(Later {
                        rendered: pick,
                        in_step,
                    })
                }
            }
            if let Some(paths) = new_paths {
                self.paths = paths;
            }
            self.served_errors = errors;
        }
        self.in_step = !blocked;
        self.timer.stage("finish");
        Update {
            files,
            removed,
            pages: rendered.pages,
            full: false,
            blocked,
            diagnostics,
            changed,
            timings: std::mem::take(&mut self.timer.timings),
        }
    }

    /// Whether pages are left for [`Live::render_later`].
    pub fn has_later(&self) -> bool {
        self.later.is_some()
    }

    /// Renders the other pages the last change touched, those whose inputs
    /// differ from what is served (`None`: nothing was left). Should one
    /// fail where it rendered before, none of them is served and each is
    /// rendered again with the next change.
    pub fn render_later(&mut self) -> Option<Update> {
        let later = self.later.take()?;
        self.timer = Timer::start();
        let plan = render::plan(&self.site.parsed, &self.site.linked, &self.site.config);
        let (mut pick, (items, mut inputs)) = self.changed_items(&plan, later.in_step);
        // Rendered already, from the site as it is.
        for (p, done) in pick.iter_mut().zip(&later.rendered) {
            *p &= !done;
        }
        self.timer.stage("inputs");
        let (rendered, files) = self.render_picked(&plan, &pick, false);
        self.timer.stage("render later");
        self.render_diagnostics.extend(rendered.diagnostics);
        let diagnostics = self.diagnostics();
        let blocked = diagnostics::count(&diagnostics).errors > self.served_errors;
        if blocked {
            for (input, _) in inputs.iter_mut().zip(&pick).filter(|x| *x.1) {
                *input = None;
            }
        }
        self.served(items, inputs);
        Some(Update {
            files,
            pages: rendered.pages,
            blocked,
            diagnostics,
            timings: std::mem::take(&mut self.timer.timings),
            ..Update::default()
        })
    }

    /// Which items of `plan` to render: those whose inputs differ from what
    /// is served (`in_step`: the served items are the plan's, in order);
    /// with the items' path keys (`None` when in step) and inputs.
    fn changed_items(&self, plan: &render::Plan, in_step: bool) -> (Vec<bool>, ItemInputs) {
        let site = &self.site;
        let inputs = render::inputs(plan, &site.content, &site.parsed, &self.versions);
        let items: Option<Vec<u64>> =
            (!in_step).then(|| (0..plan.len()).map(|n| plan.key(n)).collect());
        let pick: Vec<bool> = match &items {
            None => inputs
                .iter()
                .zip(&self.served_inputs)
                .map(|(new, old)| new.is_none() || new != old)
                .collect(),
            Some(keys) => {
                // What was served, by path key, sorted for a search.
                let mut old: Vec<(u64, Option<u64>)> = self
                    .served_items
                    .iter()
                    .copied()
                    .zip(self.served_inputs.iter().copied())
                    .collect();
                old.sort_unstable();
                let before = |key: u64| {
                    let at = old.binary_search_by_key(&key, |o| o.0).ok()?;
                    Some(old[at].1)
                };
                keys.iter()
                    .zip(&inputs)
                    .map(|(&key, new)| new.is_none() || before(key) != Some(*new))
                    .collect()
            }
        };
        (pick, (items, inputs))
    }

    /// Notes what is served now: the items' inputs (and path keys, when
    /// the items changed).
    fn served(&mut self, items: Option<Vec<u64>>, inputs: Vec<Option<u64>>) {
        self.served_inputs = inputs;
        if let Some(items) = items {
            self.served_items = items;
        }
    }

    /// Renders the items `pick` of `plan` (and the theme's and content's
    /// files not served yet); what the render stage says of it, and the
    /// files, packed, by path. `list_paths`: list every output path and
    /// check them.
    fn render_picked(
        &self,
        plan: &render::Plan,
        pick: &[bool],
        list_paths: bool,
    ) -> (render::Rendered, Vec<(String, Served)>) {
        let sink = Memory {
            paths: &self.paths,
            files: Mutex::new(Vec::new()),
            dictionary: self.dictionary.clone(),
        };
        let selection = render::Selection {
            plan,
            pick: Some(&|n| pick[n]),
            list_paths,
        };
        let rendered = match &self.site.theme {
            Some(theme) => render::render_some(
                &selection,
                &self.site.content,
                &self.site.parsed,
                &self.site.config,
                theme,
                &sink,
            ),
            None => render::Rendered::default(),
        };
        let mut files = sink.files.into_inner().unwrap_or_else(|e| e.into_inner());
        files.sort_by(|a, b| a.0.cmp(&b.0));
        (rendered, files)
    }

    /// A dictionary for the site's pages, trained on some of its article
    /// pages spread over the site; `None` for a site with too few.
    fn train_dictionary(&self, plan: &render::Plan) -> Option<Arc<Dictionary>> {
        let theme = self.site.theme.as_ref()?;
        let articles = plan.article_pages();
        let step = (articles.len() / SAMPLE_PAGES).max(1);
        let chosen: HashSet<usize> = articles.into_iter().step_by(step).collect();
        let samples = Samples(Mutex::new(Vec::new()));
        let selection = render::Selection {
            plan,
            pick: Some(&|n| chosen.contains(&n)),
            list_paths: false,
        };
        let site = &self.site;
        render::render_some(
            &selection,
            &site.content,
            &site.parsed,
            &site.config,
            theme,
            &samples,
        );
        let mut pages = samples.0.into_inner().unwrap_or_else(|e| e.into_inner());
        pages.sort();
        let pages: Vec<&[u8]> = pages.iter().map(Vec::as_slice).collect();
        Dictionary::train(&pages).map(Arc::new)
    }

    /// Every problem of the site as it is now (notes left out), sorted,
    /// each once.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        let mut all = self.site.diagnostics(&self.render_diagnostics);
        all.retain(|d| d.severity > Severity::Info);
        all
    }

    /// How a changed file outside the content folder is named.
    fn shown(&self, path: &Path) -> String {
        path.strip_prefix(&self.root)
            .map(content::slash_path)
            .unwrap_or_else(|_| path.display().to_string())
    }
}

/// `path` made absolute, with symbolic links resolved where it exists, so
/// that every spelling of the same folder (`.`, `./site/`, `../x`, a link
/// to it) gives the paths the watcher reports.
pub fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path)
        .or_else(|_| std::path::absolute(path))
        .unwrap_or_else(|_| path.to_path_buf())
}

/// The search files, made from a snapshot of the articles' text.
pub struct SearchJob {
    docs: Vec<Arc<DocText>>,
}

impl SearchJob {
    pub fn run(self) -> Vec<(String, Served)> {
        let files = Mutex::new(Vec::new());
        search::index_texts(&self.docs, &|f| {
            let file = (f.path, served(f.data));
            files.lock().unwrap_or_else(|e| e.into_inner()).push(file);
        });
        let mut files = files.into_inner().unwrap_or_else(|e| e.into_inner());
        files.sort_by(|a, b| a.0.cmp(&b.0));
        files
    }
}

fn served(data: Data) -> Served {
    match data {
        Data::Bytes(b) => Served::pack(&b, None),
        Data::Copy(p) => Served::Copy(p),
    }
}

/// Collects rendered files; of the theme's and content's files it wants
/// those not served yet (a changed asset is read from disk when asked for).
/// Pages are packed with the site's dictionary.
struct Memory<'a> {
    /// Sorted.
    paths: &'a [String],
    files: Mutex<Vec<(String, Served)>>,
    dictionary: Option<Arc<Dictionary>>,
}

impl Sink for Memory<'_> {
    fn wants(&self, path: &str) -> bool {
        self.paths
            .binary_search_by(|p| p.as_str().cmp(path))
            .is_err()
    }

    fn put(&self, file: OutputFile) -> Result<(), String> {
        let file = match file.data {
            Data::Bytes(b) if file.path.ends_with(".html") => {
                (file.path, Served::pack(&b, self.dictionary.clone()))
            }
            data => (file.path, served(data)),
        };
        let mut files = self.files.lock().unwrap_or_else(|e| e.into_inner());
        files.push(file);
        Ok(())
    }
}

/// Article bodies the body dictionary is trained on (about 2.5 MB of HTML).
const BODY_SAMPLES: usize = 400;

/// Pages a dictionary is trained on (about 3.5 MB of HTML; training takes
/// a fifth of a second). With the 256 KiB dictionary they fill, the pages
/// of a 20,000-article site take 5% less memory than with 96 samples and a
/// 64 KiB dictionary.
const SAMPLE_PAGES: usize = 192;

/// Collects the pages rendered to train a dictionary on.
struct Samples(Mutex<Vec<Vec<u8>>>);

impl Sink for Samples {
    fn wants(&self, _: &str) -> bool {
        false
    }

    fn put(&self, file: OutputFile) -> Result<(), String> {
        if let Data::Bytes(b) = file.data {
            self.0.lock().unwrap_or_else(|e| e.into_inner()).push(b);
        }
        Ok(())
    }
}
