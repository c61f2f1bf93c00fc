//! Render stage: every page through its tera template, in parallel, plus the
//! theme's static files and the content's own files. Out comes the complete
//! list of output files; nothing touches the disk here.

pub mod feeds;
mod inputs;
mod sanitize;
pub mod theme;

pub use inputs::inputs;

use crate::config::Config;
use crate::content::Content;
use crate::diagnostics::Diagnostic;
use crate::links::moved::MovedTo;
use crate::links::nav::NavTarget;
use crate::links::{ArticleInfo, Linked, Resolved, Section, Taxonomy, Term};
use crate::markdown::{self, escape, LinkKind, LinkRef, Parsed, TocEntry};
use crate::paths;
use chrono::NaiveDate;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
pub use theme::Theme;

/// The bytes of an output file, or where to copy them from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Data {
    Bytes(Vec<u8>),
    Copy(PathBuf),
}

/// One file of the built site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    /// Path inside the output folder, `/`-separated.
    pub path: String,
    pub data: Data,
}

/// Where rendered files go as soon as they are made: the output's staging
/// folder in a build (so the whole site is never held in memory), nowhere
/// in `check`.
pub trait Sink: Sync {
    fn put(&self, file: OutputFile) -> Result<(), String>;

    /// Whether the file at `path` is wanted: the preview server re-renders
    /// only pages whose inputs changed. Everything, by default.
    fn wants(&self, _path: &str) -> bool {
        true
    }
}

/// Drops every file (`check` renders to find template errors only).
pub struct Discard;

impl Sink for Discard {
    fn put(&self, _: OutputFile) -> Result<(), String> {
        Ok(())
    }
}

/// Render stage output (the files themselves went to the sink).
#[derive(Debug, Default)]
pub struct Rendered {
    /// HTML pages made.
    pub pages: usize,
    /// Files handed to the sink, pages included.
    pub files: usize,
    /// Path of every file the site has (wanted or not), sorted.
    pub paths: Vec<String>,
    pub diagnostics: Vec<Diagnostic>,
}

/// How many articles the home page lists as recently updated.
const RECENT: usize = 10;

#[derive(Serialize)]
struct SiteCtx<'a> {
    title: &'a str,
    language: &'a str,
    base_url: Option<&'a str>,
    /// Whether pages carry the search box (`search.enabled`).
    search: bool,
}

#[derive(Serialize)]
struct Crumb {
    title: String,
    href: String,
}

#[derive(Serialize, Default)]
struct Entry {
    title: String,
    href: String,
    description: Option<String>,
    kb: Option<String>,
    date: Option<String>,
    date_iso: Option<String>,
    count: usize,
}

#[derive(Serialize, Default)]
struct Listing {
    sections: Vec<Entry>,
    articles: Vec<Entry>,
}

#[derive(Serialize, Default)]
struct PageCtx<'a> {
    kind: &'static str,
    title: String,
    description: Option<&'a str>,
    h1_id: String,
    h1_html: String,
    content: String,
    date: Option<String>,
    date_iso: Option<String>,
    author: Option<&'a str>,
    kb: Option<&'a str>,
    applies_to: Option<&'a str>,
    products: &'a [String],
    product_version: Option<&'a str>,
    service: Option<&'a str>,
    subservice: Option<&'a str>,
    topic: Option<&'a str>,
    toc: Vec<TocEntry<'a>>,
    extra: Option<&'a crate::content::front_matter::Extra>,
    /// Content path of the article.
    source: &'a str,
    edit_url: Option<String>,
    listing: Option<Listing>,
    /// Articles that link here ("Referenced by").
    backlinks: Vec<Entry>,
    /// How many backlinks there are beyond those listed.
    more_backlinks: usize,
    related: Vec<Entry>,
    /// Redirect pages: where to go, and the absolute canonical URL.
    redirect: Option<String>,
    canonical: Option<String>,
    /// What search engines and link previews show: the description, else
    /// the first paragraph, else a line about the page.
    summary: String,
    /// schema.org data about the page, as JSON ready for a `<script>`.
    json_ld: Option<String>,
    /// Term pages: the taxonomy's name (`Products`).
    taxonomy: &'static str,
    /// The heading over the listing's sub-entries (`Sections`, `Products`).
    sections_heading: &'static str,
    /// Article pages: links to its term pages.
    terms: Option<TermLinks>,
    /// Article pages: the articles before and after it in its folder.
    prev: Option<Crumb>,
    next: Option<Crumb>,
    /// Article pages: the navigation sidebar.
    nav: Option<NavCtx>,
}

/// The sidebar of one page: its place in the table of contents (each level
/// down to the page, with that level's siblings), or its folder's articles.
/// Only the path is open, so a page's weight does not grow with the site.
#[derive(Serialize, Default)]
struct NavCtx {
    title: String,
    /// The entries as nested lists (made here: a template macro calling
    /// itself for every entry doubled the render stage's time).
    html: String,
    /// Articles of the folder left out around the window shown.
    more: usize,
    /// The folder's page, when not every article is shown.
    all_href: Option<String>,
}

#[derive(Default)]
struct NavLink {
    title: String,
    href: Option<String>,
    /// This page.
    current: bool,
    /// A group (it has entries below; shown only on the path to this page).
    group: bool,
    children: Vec<NavLink>,
}

/// Articles of a folder the sidebar shows on each side of the page.
pub(crate) const NAV_WINDOW: usize = 10;

/// Links from an article to its term pages.
#[derive(Serialize, Default)]
struct TermLinks {
    products: Vec<Crumb>,
    /// The service, then the subservice.
    service: Vec<Crumb>,
    topic: Option<Crumb>,
}

#[derive(Serialize)]
struct Ctx<'a> {
    site: &'a SiteCtx<'a>,
    /// Relative path from this page to the output root (`../../`).
    root: String,
    page: PageCtx<'a>,
    breadcrumbs: Vec<Crumb>,
    sections: Vec<Entry>,
    recent: Vec<Entry>,
    /// The site's decision trees (home page: the first few).
    trees: Vec<TreeEntry>,
    /// How many trees the site has in all.
    tree_count: usize,
    /// Home page: the taxonomy pages (products, services, topics), each
    /// with its number of terms.
    taxonomies: Vec<Entry>,
    /// The theme's stylesheet, for a page that cannot link it (the 404
    /// page of a site without base_url, served at any depth).
    inline_css: Option<String>,
}

/// A decision tree in a listing.
#[derive(Serialize)]
struct TreeEntry {
    title: String,
    /// To the tree on its article's page.
    href: String,
    article: String,
    article_href: String,
    questions: usize,
    outcomes: usize,
}

/// Trees the home page lists before linking to the full list.
const HOME_TREES: usize = 10;

/// A page to render.
enum Job<'a> {
    Article(usize),
    /// An article retired with `redirect_url`: a redirect page in its place.
    Redirect(usize),
    /// `kb/NNN/index.html`, redirecting to the article with that KB number.
    KbAlias(&'a str, usize),
    /// An old address from a DocFX redirection file (index into
    /// `Linked::moved`).
    Moved(usize),
    Section(&'a Section),
    Home,
    NotFound,
    /// `trees/index.html`: every decision tree of the site.
    Trees,
    /// `search/index.html`: the results page.
    Search,
    /// `products/index.html` and the like: a taxonomy's terms.
    Taxonomy(&'a Taxonomy),
    /// A term's page: its articles (and narrower terms), under its parent
    /// term when it has one (a service's subservice).
    Term(&'a Taxonomy, Option<&'a Term>, &'a Term),
}

/// Backlinks listed on a page; the rest are counted (a page linked from
/// everywhere must not grow every build's cost with it).
const MAX_BACKLINKS: usize = 50;

struct Renderer<'a> {
    content: &'a Content,
    parsed: &'a [Parsed],
    linked: &'a Linked,
    config: &'a Config,
    theme: &'a Theme,
    site: SiteCtx<'a>,
}

/// Render stage entry point: renders every page and hands it, and the
/// theme's and content's other files, to `sink`.
pub fn render(
    content: &Content,
    parsed: &[Parsed],
    linked: &Linked,
    config: &Config,
    theme: &Theme,
    sink: &dyn Sink,
) -> Rendered {
    let plan = plan(parsed, linked, config);
    let everything = Selection {
        plan: &plan,
        pick: None,
        list_paths: true,
    };
    render_some(&everything, content, parsed, config, theme, sink)
}

/// The pages and tree diagrams of a site in a fixed order: what the render
/// stage makes, and what [`inputs`] hashes, item by item.
pub struct Plan<'a> {
    items: Vec<Item<'a>>,
    linked: &'a Linked,
}

enum Item<'a> {
    Page(Job<'a>),
    /// Article `.0`'s decision tree, as a standalone SVG.
    Diagram(usize, &'a crate::tree::Summary),
    /// `robots.txt`.
    Robots,
    /// `sitemap.xml`: all the URLs, or the index of the parts past 50,000.
    Sitemap,
    /// `sitemap-N.xml`, the Nth 50,000 URLs (from 1).
    SitemapPart(usize),
    /// `feed.xml`, the Atom feed.
    Feed,
}

/// The [`Plan`] of a site.
pub fn plan<'a>(parsed: &'a [Parsed], linked: &'a Linked, config: &Config) -> Plan<'a> {
    let mut items: Vec<Item> = jobs(parsed, linked, config)
        .into_iter()
        .map(Item::Page)
        .collect();
    items.extend(trees(parsed, linked).map(|(i, t)| Item::Diagram(i, t)));
    items.push(Item::Robots);
    if config.base_url.is_some() {
        let has_trees = parsed.iter().any(|p| !p.trees.is_empty());
        let urls = feeds::url_count(linked, has_trees);
        items.push(Item::Sitemap);
        items.extend((1..=feeds::sitemap_parts(urls)).map(Item::SitemapPart));
        items.push(Item::Feed);
    }
    Plan { items, linked }
}

impl Plan<'_> {
    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The items that are article pages.
    pub fn article_pages(&self) -> Vec<usize> {
        (0..self.items.len())
            .filter(|&n| matches!(self.items[n], Item::Page(Job::Article(_))))
            .collect()
    }

    /// Whether item `n` is one of the pages of the articles `articles`
    /// (its page, redirect, KB alias or tree diagram) or the page of one
    /// of the section folders `dirs`: what the preview server renders
    /// first after a save.
    pub fn is_near(
        &self,
        n: usize,
        articles: &rustc_hash::FxHashSet<usize>,
        dirs: &rustc_hash::FxHashSet<String>,
    ) -> bool {
        match &self.items[n] {
            Item::Page(Job::Article(i) | Job::Redirect(i) | Job::KbAlias(_, i))
            | Item::Diagram(i, _) => articles.contains(i),
            Item::Page(Job::Section(s)) => dirs.contains(&s.dir),
            _ => false,
        }
    }

    /// A number standing for the output path of item `n` (the same path,
    /// the same number), made without writing the path out.
    pub fn key(&self, n: usize) -> u64 {
        use std::hash::Hasher;
        let mut h = rustc_hash::FxHasher::default();
        let mut piece = |p: &str| h.write(p.as_bytes());
        match &self.items[n] {
            Item::Page(Job::Section(s)) => piece(&s.dir),
            Item::Page(Job::Term(_, _, term)) => piece(&term.dir),
            Item::Page(Job::Article(i) | Job::Redirect(i)) => piece(&self.linked.articles[*i].dir),
            Item::Page(Job::KbAlias(kb, _)) => {
                piece("kb/");
                piece(kb);
            }
            Item::Page(Job::Moved(k)) => piece(&self.linked.moved[*k].dir),
            Item::Diagram(i, t) => {
                piece(&self.linked.articles[*i].dir);
                piece(&t.svg_file());
            }
            _ => piece(&self.path(n)),
        }
        h.finish()
    }

    /// The output path of item `n`.
    pub fn path(&self, n: usize) -> String {
        match &self.items[n] {
            Item::Page(job) => path_of(job, self.linked),
            Item::Diagram(i, t) => format!("{}{}", self.linked.articles[*i].dir, t.svg_file()),
            Item::Robots => "robots.txt".into(),
            Item::Sitemap => "sitemap.xml".into(),
            Item::SitemapPart(n) => feeds::sitemap_part_path(*n),
            Item::Feed => "feed.xml".into(),
        }
    }
}

/// Which items of a plan to render (the preview server renders those
/// whose inputs changed). The theme's and content's files go through
/// [`Sink::wants`].
pub struct Selection<'p, 'a> {
    pub plan: &'p Plan<'a>,
    /// Items to render; all when `None`.
    pub pick: Option<&'p (dyn Fn(usize) -> bool + Sync)>,
    /// List every output path in [`Rendered::paths`] and check that no two
    /// outputs share one (false only when the caller knows the site's
    /// paths did not change).
    pub list_paths: bool,
}

/// Renders the selected items of a plan, and the theme's and content's
/// files the sink wants.
pub fn render_some(
    selection: &Selection,
    content: &Content,
    parsed: &[Parsed],
    config: &Config,
    theme: &Theme,
    sink: &dyn Sink,
) -> Rendered {
    let plan = selection.plan;
    let linked = plan.linked;
    let r = Renderer {
        content,
        parsed,
        linked,
        config,
        theme,
        site: SiteCtx {
            title: &config.title,
            language: &config.language,
            base_url: config.base_url.as_deref(),
            search: config.search.enabled,
        },
    };
    let copy_paths = || {
        let statics = theme.static_files.iter().map(|f| f.path.clone());
        statics.chain(
            content
                .assets
                .iter()
                .map(|a| content.site_path(a).into_owned()),
        )
    };
    let mut out = Rendered::default();
    if selection.list_paths {
        let mut paths: Vec<String> = (0..plan.len()).map(|n| plan.path(n)).collect();
        paths.extend(copy_paths());
        check_collisions(&mut paths, content, &mut out.diagnostics);
        out.paths = paths;
    }
    let picked: Vec<(usize, &Item)> = match selection.pick {
        Some(pick) => plan
            .items
            .iter()
            .enumerate()
            .filter(|(n, _)| pick(*n))
            .collect(),
        None => plan.items.iter().enumerate().collect(),
    };
    // Only the wanted ones are made (the theme's files are cloned bytes).
    let copies: Vec<OutputFile> = theme
        .static_files
        .iter()
        .filter(|f| sink.wants(&f.path))
        .cloned()
        .chain(
            content
                .assets
                .iter()
                .filter(|a| sink.wants(&content.site_path(a)))
                .map(|a| OutputFile {
                    path: content.site_path(a).into_owned(),
                    data: Data::Copy(content.content_dir.join(a)),
                }),
        )
        .collect();

    let put = |f: OutputFile| -> Result<(), Diagnostic> {
        let path = f.path.clone();
        sink.put(f)
            .map_err(|e| Diagnostic::error(format!("cannot write `{path}`: {e}")))
    };
    let item_results: Vec<(bool, Result<(), Diagnostic>)> = picked
        .par_iter()
        .map(|&(n, item)| match item {
            Item::Page(job) => (true, r.page(job).and_then(put)),
            Item::Diagram(i, t) => (false, put(tree_diagram(linked, *i, t))),
            Item::Robots | Item::Sitemap | Item::SitemapPart(_) | Item::Feed => {
                let data = Data::Bytes(r.feed_file(item).into_bytes());
                (
                    false,
                    put(OutputFile {
                        path: plan.path(n),
                        data,
                    }),
                )
            }
        })
        .collect();
    let copy_results: Vec<Result<(), Diagnostic>> = copies.into_par_iter().map(put).collect();
    let mut failures: BTreeMap<String, (Diagnostic, usize)> = BTreeMap::new();
    for (page, res) in &item_results {
        if *page && res.is_ok() {
            out.pages += 1;
        }
    }
    let results = item_results.into_iter().map(|(_, r)| r).chain(copy_results);
    for res in results {
        match res {
            Ok(()) => out.files += 1,
            Err(d) => failures.entry(d.message.clone()).or_insert((d, 0)).1 += 1,
        }
    }
    // A template bug fails every page alike: report it once.
    for (_, (mut d, pages)) in failures {
        if pages > 1 {
            d.message.push_str(&format!(" ({pages} pages)"));
        }
        out.diagnostics.push(d);
    }
    out
}

/// Every page of the site, in a fixed order.
fn jobs<'a>(parsed: &[Parsed], linked: &'a Linked, config: &Config) -> Vec<Job<'a>> {
    let mut jobs: Vec<Job> = vec![Job::Home, Job::NotFound];
    for (i, info) in linked.articles.iter().enumerate() {
        if linked.redirects[i].is_some() {
            jobs.push(Job::Redirect(i));
        } else if !info.dir.is_empty() {
            jobs.push(Job::Article(i));
        }
    }
    let mut aliases: Vec<(&str, usize)> = linked
        .by_kb
        .iter()
        .map(|(kb, &i)| (kb.as_str(), i))
        .collect();
    aliases.sort_unstable();
    jobs.extend(aliases.into_iter().map(|(kb, i)| Job::KbAlias(kb, i)));
    jobs.extend((0..linked.moved.len()).map(Job::Moved));
    if parsed.iter().any(|p| !p.trees.is_empty()) {
        jobs.push(Job::Trees);
    }
    if config.search.enabled {
        jobs.push(Job::Search);
    }
    for section in linked.sections.by_dir.values() {
        if section.index.is_none() && !section.dir.is_empty() {
            jobs.push(Job::Section(section));
        }
    }
    for tax in linked.taxonomies.iter().filter(|t| !t.terms.is_empty()) {
        jobs.push(Job::Taxonomy(tax));
        for term in &tax.terms {
            jobs.push(Job::Term(tax, None, term));
            jobs.extend(term.children.iter().map(|c| Job::Term(tax, Some(term), c)));
        }
    }
    jobs
}

/// The output file a page goes to.
fn path_of(job: &Job, linked: &Linked) -> String {
    match job {
        Job::NotFound => "404.html".to_string(),
        Job::Home => "index.html".to_string(),
        // Joined rather than formatted: every path of a site is listed
        // after each change that moves pages in the preview.
        Job::Section(s) => [&s.dir, "index.html"].concat(),
        Job::Taxonomy(t) => [t.key, "/index.html"].concat(),
        Job::Term(_, _, term) => [&term.dir, "index.html"].concat(),
        Job::Article(i) | Job::Redirect(i) => [&linked.articles[*i].dir, "index.html"].concat(),
        Job::KbAlias(kb, _) => ["kb/", kb, "/index.html"].concat(),
        Job::Moved(k) => [&linked.moved[*k].dir, "index.html"].concat(),
        Job::Trees => "trees/index.html".to_string(),
        Job::Search => "search/index.html".to_string(),
    }
}

/// Two outputs at one path would silently lose one of them.
fn check_collisions(paths: &mut [String], content: &Content, diags: &mut Vec<Diagnostic>) {
    // A stable sort merges the runs the plan lists in order (articles,
    // aliases, sections): a third of the time of sorting from scratch.
    paths.sort();
    for pair in paths.windows(2) {
        if pair[0] == pair[1] {
            let path = &pair[0];
            let mut d = Diagnostic::error(format!("two outputs would be written to `{path}`"))
                .with_hint("a page, a theme file and a content file share this path; rename one");
            if content.assets.contains(path) {
                d = d.in_file(format!("{}{path}", content.display_prefix));
            }
            diags.push(d);
        }
    }
}

impl<'a> Renderer<'a> {
    /// The text of `robots.txt`, a sitemap file or the feed.
    fn feed_file(&self, item: &Item) -> String {
        let base = self.config.base_url.as_deref().unwrap_or("");
        let urls = || {
            let has_trees = self.parsed.iter().any(|p| !p.trees.is_empty());
            feeds::urls(self.content, self.linked, has_trees)
        };
        match item {
            Item::Sitemap => {
                let urls = urls();
                match feeds::sitemap_parts(urls.len()) {
                    0 => feeds::urlset(base, &urls),
                    parts => feeds::sitemap_index(base, parts),
                }
            }
            Item::SitemapPart(n) => {
                let urls = urls();
                let from = (n - 1) * feeds::SITEMAP_URLS;
                let to = urls.len().min(from + feeds::SITEMAP_URLS);
                feeds::urlset(base, &urls[from.min(to)..to])
            }
            Item::Feed => feeds::atom(self.content, self.linked, self.config, base),
            _ => feeds::robots(self.config),
        }
    }

    fn page(&self, job: &Job) -> Result<OutputFile, Diagnostic> {
        let (template, ctx, file) = match job {
            Job::Article(i) => (
                "article.html",
                self.article_ctx(*i),
                Some(self.content.articles[*i].file.clone()),
            ),
            Job::Redirect(i) => (
                "redirect.html",
                self.redirect_ctx(*i),
                Some(self.content.articles[*i].file.clone()),
            ),
            Job::KbAlias(kb, i) => ("redirect.html", self.alias_ctx(kb, *i), None),
            Job::Moved(k) => ("redirect.html", self.moved_ctx(*k), None),
            Job::Section(s) => ("section.html", self.section_ctx(s), None),
            Job::Taxonomy(t) => ("taxonomy.html", self.taxonomy_ctx(t), None),
            Job::Term(t, parent, term) => ("taxonomy.html", self.term_ctx(t, *parent, term), None),
            Job::Home => ("home.html", self.home_ctx(), None),
            Job::Trees => ("trees.html", self.trees_ctx(), None),
            Job::Search => ("search.html", self.search_ctx(), None),
            Job::NotFound => ("404.html", self.not_found_ctx(), None),
        };
        let html = self
            .theme
            .tera
            .render(
                template,
                &tera::Context::from_serialize(&ctx)
                    .map_err(tera_diag(self.theme, template, &file))?,
            )
            .map_err(tera_diag(self.theme, template, &file))?;
        let path = path_of(job, self.linked);
        Ok(OutputFile {
            path,
            data: Data::Bytes(html.into_bytes()),
        })
    }

    fn base_ctx(&self, dir: &str, page: PageCtx<'a>) -> Ctx<'_> {
        Ctx {
            site: &self.site,
            root: paths::root_prefix(dir),
            page,
            breadcrumbs: Vec::new(),
            sections: Vec::new(),
            recent: Vec::new(),
            trees: Vec::new(),
            tree_count: 0,
            taxonomies: Vec::new(),
            inline_css: None,
        }
    }

    /// Article `i`'s parsed `html` as its page shows it: links filled in,
    /// and cleaned when the site asks for `sanitize`.
    fn body_html(&self, i: usize, html: &str) -> String {
        let filled = fill(
            html,
            &self.parsed[i].links,
            &self.linked.resolved[i],
            &self.linked.articles,
        );
        if self.config.sanitize {
            sanitize::clean(&filled)
        } else {
            filled
        }
    }

    fn article_ctx(&self, i: usize) -> Ctx<'_> {
        let article = &self.content.articles[i];
        let p = &self.parsed[i];
        let info = &self.linked.articles[i];
        let front = &article.front;
        let section = self
            .linked
            .sections
            .get(&info.dir)
            .filter(|s| s.index == Some(i));
        let h1_html = match &p.h1_html {
            Some(h) => self.body_html(i, h),
            None => escape(&info.title),
        };
        let page = PageCtx {
            kind: "article",
            title: info.title.clone(),
            description: front.description.as_deref(),
            h1_id: p
                .h1
                .as_ref()
                .map_or_else(|| markdown::headings::slug(&info.title), |h| h.id.clone()),
            h1_html,
            content: self.body_html(i, &p.html.text()),
            date: front.date.map(human_date),
            date_iso: front.date.map(|d| d.format("%Y-%m-%d").to_string()),
            author: front.author.as_deref(),
            kb: info.kb.as_deref(),
            applies_to: p.meta.applies_to.as_deref(),
            products: &info.terms.products,
            product_version: p.meta.product_version.as_deref(),
            service: info.terms.service.as_deref(),
            subservice: info.terms.subservice.as_deref(),
            topic: info.terms.topic.as_deref(),
            toc: p.toc(),
            extra: Some(&front.extra),
            source: &article.path,
            edit_url: self
                .config
                .repo_url
                .as_ref()
                .map(|base| format!("{base}{}", paths::encode(&article.path))),
            listing: section.map(|s| self.listing(s, &info.dir)),
            backlinks: self.linked.backlinks[i]
                .iter()
                .take(MAX_BACKLINKS)
                .map(|&b| self.entry(b, &info.dir))
                .collect(),
            more_backlinks: self.linked.backlinks[i].len().saturating_sub(MAX_BACKLINKS),
            related: self.linked.related[i]
                .iter()
                .map(|&r| self.entry(r, &info.dir))
                .collect(),
            redirect: None,
            canonical: self.canonical(&info.dir),
            summary: front
                .description
                .clone()
                .or_else(|| Some(p.summary.clone()).filter(|s| !s.is_empty()))
                .unwrap_or_else(|| info.title.clone()),
            json_ld: Some(self.tech_article(i)),
            terms: Some(self.term_links(i)),
            nav: Some(self.nav(i)).filter(|n| !n.html.is_empty()),
            prev: self.linked.neighbours[i]
                .0
                .map(|a| self.crumb(a, &info.dir)),
            next: self.linked.neighbours[i]
                .1
                .map(|a| self.crumb(a, &info.dir)),
            ..PageCtx::default()
        };
        let mut ctx = self.base_ctx(&info.dir, page);
        let site_path = self.content.site_path(&article.path);
        let folder = paths::dir_of(&site_path);
        let crumbs_to = if section.is_some() {
            parent_dir(&info.dir)
        } else {
            folder.to_string()
        };
        ctx.breadcrumbs = self
            .toc_crumbs(i, &info.dir)
            .unwrap_or_else(|| self.breadcrumbs(&crumbs_to, &info.dir));
        ctx
    }

    /// A DocFX article that a toc lists: home, its docset, then the toc's
    /// entries down to the article's.
    fn toc_crumbs(&self, i: usize, page_dir: &str) -> Option<Vec<Crumb>> {
        let docset = self
            .content
            .layout
            .docsets
            .iter()
            .filter(|d| page_dir.starts_with(&d.base))
            .max_by_key(|d| d.base.len())?;
        let (n, path) = self.linked.nav_of[i].as_ref()?;
        let mut crumbs = self.breadcrumbs("", page_dir);
        if let Some(s) = self
            .linked
            .sections
            .get(&docset.base)
            .filter(|s| !s.dir.is_empty())
        {
            crumbs.push(Crumb {
                title: s.title.clone(),
                href: paths::relative_href(page_dir, &format!("{}index.html", s.dir)),
            });
        }
        let mut items = &self.linked.navs[*n].items;
        for &k in &path[..path.len().saturating_sub(1)] {
            let item = items.get(k)?;
            let href = match &item.target {
                NavTarget::Url(url) => Some(url.clone()),
                _ => first_article(std::slice::from_ref(item)).map(|a| {
                    let dir = &self.linked.articles[a].dir;
                    paths::relative_href(page_dir, &format!("{dir}index.html"))
                }),
            };
            if let Some(href) = href {
                crumbs.push(Crumb {
                    title: item.title.clone(),
                    href,
                });
            }
            items = &item.children;
        }
        Some(crumbs)
    }

    fn section_ctx(&self, s: &Section) -> Ctx<'_> {
        let page = PageCtx {
            kind: "section",
            title: s.title.clone(),
            listing: Some(self.listing(s, &s.dir)),
            canonical: self.canonical(&s.dir),
            summary: format!("{}: {} articles in {}", s.title, s.count, self.config.title),
            ..PageCtx::default()
        };
        let mut ctx = self.base_ctx(&s.dir, page);
        ctx.breadcrumbs = self.breadcrumbs(&parent_dir(&s.dir), &s.dir);
        ctx
    }

    fn home_ctx(&self) -> Ctx<'_> {
        let root = self.linked.sections.get("");
        let index = root.and_then(|s| s.index);
        let content = index
            .map(|i| self.body_html(i, &self.parsed[i].html.text()))
            .unwrap_or_default();
        let page = PageCtx {
            kind: "home",
            title: self.config.title.clone(),
            description: index.and_then(|i| self.content.articles[i].front.description.as_deref()),
            content,
            listing: root.map(|s| self.listing(s, "")),
            canonical: self.canonical(""),
            summary: index
                .and_then(|i| self.content.articles[i].front.description.clone())
                .unwrap_or_else(|| {
                    let n = self.linked.redirects.iter().filter(|r| r.is_none()).count();
                    format!("{}: {n} support articles", self.config.title)
                }),
            ..PageCtx::default()
        };
        let mut ctx = self.base_ctx("", page);
        ctx.sections = self.home_sections();
        ctx.taxonomies = self
            .linked
            .taxonomies
            .iter()
            .filter(|t| !t.terms.is_empty())
            .map(|t| Entry {
                title: t.title.to_string(),
                href: format!("{}/index.html", t.key),
                count: t.terms.len(),
                ..Entry::default()
            })
            .collect();
        ctx.trees = self.tree_entries("", HOME_TREES);
        ctx.tree_count = self.parsed.iter().map(|p| p.trees.len()).sum();
        ctx.recent = feeds::newest(self.content, self.linked, RECENT, |_| true)
            .into_iter()
            .map(|(_, i)| self.entry(i, ""))
            .collect();
        ctx
    }

    /// The sections the home page lists: a DocFX repository's docsets, else
    /// every folder that holds articles (with its path of titles).
    fn home_sections(&self) -> Vec<Entry> {
        let sections = &self.linked.sections;
        let entry = |s: &Section, title: String| Entry {
            title,
            href: paths::relative_href("", &format!("{}index.html", s.dir)),
            count: s.count,
            ..Entry::default()
        };
        let docsets = &self.content.layout.docsets;
        if docsets.len() > 1 {
            return docsets
                .iter()
                .filter_map(|d| sections.get(&d.base))
                .map(|s| entry(s, s.title.clone()))
                .collect();
        }
        sections
            .by_dir
            .values()
            .filter(|s| !s.dir.is_empty() && !s.articles.is_empty())
            .map(|s| {
                let path = sections.ancestry(&s.dir);
                let titles: Vec<&str> = path.iter().skip(1).map(|a| a.title.as_str()).collect();
                entry(s, titles.join(" › "))
            })
            .collect()
    }

    /// Up to `max` of the site's trees (by title), linked from `page_dir`.
    fn tree_entries(&self, page_dir: &str, max: usize) -> Vec<TreeEntry> {
        let mut all: Vec<TreeEntry> = self
            .parsed
            .iter()
            .enumerate()
            .filter(|(i, p)| !p.trees.is_empty() && self.linked.redirects[*i].is_none())
            .flat_map(|(i, p)| {
                let info = &self.linked.articles[i];
                let page = paths::relative_href(page_dir, &format!("{}index.html", info.dir));
                p.trees.iter().map(move |t| TreeEntry {
                    title: t.title.clone(),
                    href: format!("{page}#{}", t.id),
                    article: info.title.clone(),
                    article_href: page.clone(),
                    questions: t.questions,
                    outcomes: t.outcomes,
                })
            })
            .collect();
        all.sort_by_cached_key(|t| (t.title.to_lowercase(), t.href.clone()));
        all.truncate(max);
        all
    }

    /// A taxonomy's page: its terms with their article counts.
    fn taxonomy_ctx(&self, t: &Taxonomy) -> Ctx<'_> {
        let dir = format!("{}/", t.key);
        let page = PageCtx {
            kind: "taxonomy",
            title: t.title.to_string(),
            listing: Some(Listing {
                sections: t
                    .terms
                    .iter()
                    .map(|term| self.term_entry(term, &dir))
                    .collect(),
                articles: Vec::new(),
            }),
            sections_heading: t.title,
            canonical: self.canonical(&dir),
            summary: format!("{} of {}", t.title, self.config.title),
            ..PageCtx::default()
        };
        let mut ctx = self.base_ctx(&dir, page);
        ctx.breadcrumbs = self.breadcrumbs("", &dir);
        ctx
    }

    /// A term's page: its narrower terms and its articles.
    fn term_ctx(&self, t: &Taxonomy, parent: Option<&Term>, term: &Term) -> Ctx<'_> {
        let dir = term.dir.as_str();
        let page = PageCtx {
            kind: "term",
            title: term.name.clone(),
            listing: Some(Listing {
                sections: term
                    .children
                    .iter()
                    .map(|c| self.term_entry(c, dir))
                    .collect(),
                // Titles, KB numbers and dates only: a product can name a
                // good part of the site, and its page must stay light.
                articles: term
                    .articles
                    .iter()
                    .map(|&a| {
                        let (info, front) =
                            (&self.linked.articles[a], &self.content.articles[a].front);
                        Entry {
                            title: info.title.clone(),
                            href: self.page_href(a, dir),
                            kb: info.kb.clone(),
                            date: front.date.map(human_date),
                            date_iso: front.date.map(|d| d.format("%Y-%m-%d").to_string()),
                            ..Entry::default()
                        }
                    })
                    .collect(),
            }),
            taxonomy: t.title,
            sections_heading: "Subservices",
            canonical: self.canonical(dir),
            summary: format!(
                "{} articles about {} in {}",
                term.articles.len(),
                term.name,
                self.config.title
            ),
            ..PageCtx::default()
        };
        let mut ctx = self.base_ctx(dir, page);
        ctx.breadcrumbs = self.breadcrumbs("", dir);
        ctx.breadcrumbs.push(Crumb {
            title: t.title.to_string(),
            href: paths::relative_href(dir, &format!("{}/index.html", t.key)),
        });
        if let Some(p) = parent {
            ctx.breadcrumbs.push(Crumb {
                title: p.name.clone(),
                href: paths::relative_href(dir, &format!("{}index.html", p.dir)),
            });
        }
        ctx
    }

    /// The sidebar of article `i`: its table of contents, else its folder.
    fn nav(&self, i: usize) -> NavCtx {
        let dir = &self.linked.articles[i].dir;
        if let Some((n, path)) = &self.linked.nav_of[i] {
            let items = self.nav_level(&self.linked.navs[*n].items, path, i, dir);
            return NavCtx {
                title: "Contents".into(),
                html: nav_html(&items),
                ..NavCtx::default()
            };
        }
        let site_path = self.content.site_path(&self.content.articles[i].path);
        let folder = paths::dir_of(&site_path);
        let Some(s) = self.linked.sections.get(folder) else {
            return NavCtx::default();
        };
        let pos = s.articles.iter().position(|&a| a == i).unwrap_or(0);
        let from = pos.saturating_sub(NAV_WINDOW);
        let to = (pos + NAV_WINDOW + 1).min(s.articles.len());
        let link = |a: usize| NavLink {
            title: self.linked.articles[a].title.clone(),
            href: Some(paths::relative_href(
                dir,
                &format!("{}index.html", self.linked.articles[a].dir),
            )),
            current: a == i,
            ..NavLink::default()
        };
        let mut items: Vec<NavLink> = s
            .children
            .iter()
            .filter_map(|d| self.linked.sections.get(d))
            .map(|c| NavLink {
                title: c.title.clone(),
                href: Some(paths::relative_href(dir, &format!("{}index.html", c.dir))),
                group: true,
                ..NavLink::default()
            })
            .collect();
        items.extend(s.articles[from..to].iter().map(|&a| link(a)));
        let more = s.articles.len() - (to - from);
        NavCtx {
            title: if s.dir.is_empty() {
                self.config.title.clone()
            } else {
                s.title.clone()
            },
            html: nav_html(&items),
            more,
            all_href: (more > 0)
                .then(|| paths::relative_href(dir, &format!("{}index.html", s.dir))),
        }
    }

    /// One level of a table of contents: every item, the one on `path`
    /// opened.
    fn nav_level(
        &self,
        items: &[crate::links::nav::NavItem],
        path: &[usize],
        i: usize,
        dir: &str,
    ) -> Vec<NavLink> {
        use crate::links::nav::NavTarget;
        items
            .iter()
            .enumerate()
            .map(|(k, item)| {
                let on_path = path.first() == Some(&k);
                let own = match &item.target {
                    NavTarget::Article(a) => Some(self.page_href(*a, dir)),
                    NavTarget::Url(u) if u.contains(':') => Some(u.clone()),
                    NavTarget::Url(u) => Some(format!("{}{u}", paths::root_prefix(dir))),
                    NavTarget::None => None,
                };
                let current = on_path && path.len() == 1 && item.target == NavTarget::Article(i);
                // Open: on the way to this page, or marked `expanded` in the toc.
                let open = (on_path || item.expanded) && !item.children.is_empty();
                if !open {
                    // A closed group links to its own page, else its first
                    // article, so it works without a script.
                    let href = own
                        .or_else(|| first_article(&item.children).map(|a| self.page_href(a, dir)));
                    return NavLink {
                        title: item.title.clone(),
                        href,
                        current,
                        group: !item.children.is_empty(),
                        children: Vec::new(),
                    };
                }
                // An open group: its own page first, then its entries.
                let mut children: Vec<NavLink> = own
                    .map(|href| NavLink {
                        title: item.title.clone(),
                        href: Some(href),
                        current,
                        ..NavLink::default()
                    })
                    .into_iter()
                    .collect();
                let rest = if on_path { &path[1..] } else { &[][..] };
                children.extend(self.nav_level(&item.children, rest, i, dir));
                NavLink {
                    title: item.title.clone(),
                    group: true,
                    children,
                    ..NavLink::default()
                }
            })
            .collect()
    }

    /// Article `a`'s title and a link to it from `from_dir`.
    fn crumb(&self, a: usize, from_dir: &str) -> Crumb {
        Crumb {
            title: self.linked.articles[a].title.clone(),
            href: self.page_href(a, from_dir),
        }
    }

    fn page_href(&self, a: usize, from_dir: &str) -> String {
        paths::relative_href(
            from_dir,
            &format!("{}index.html", self.linked.articles[a].dir),
        )
    }

    fn term_entry(&self, term: &Term, page_dir: &str) -> Entry {
        Entry {
            title: term.name.clone(),
            href: paths::relative_href(page_dir, &format!("{}index.html", term.dir)),
            count: term.articles.len(),
            ..Entry::default()
        }
    }

    /// Links to the term pages of article `i`'s products, service (and
    /// subservice) and topic, from its page.
    fn term_links(&self, i: usize) -> TermLinks {
        let info = &self.linked.articles[i];
        let link = |term: &Term| Crumb {
            title: term.name.clone(),
            href: paths::relative_href(&info.dir, &format!("{}index.html", term.dir)),
        };
        let terms = article_terms(self.linked, i);
        TermLinks {
            products: terms.products.into_iter().map(link).collect(),
            service: terms.service.into_iter().map(link).collect(),
            topic: terms.topic.map(link),
        }
    }

    fn search_ctx(&self) -> Ctx<'_> {
        let page = PageCtx {
            kind: "search",
            title: "Search".into(),
            summary: format!("Search {}", self.config.title),
            ..PageCtx::default()
        };
        self.base_ctx("search/", page)
    }

    fn trees_ctx(&self) -> Ctx<'_> {
        let page = PageCtx {
            kind: "trees",
            title: "Decision trees".into(),
            canonical: self.canonical("trees/"),
            summary: format!(
                "Decision trees of {}: answer questions to find what applies to you",
                self.config.title
            ),
            ..PageCtx::default()
        };
        let mut ctx = self.base_ctx("trees/", page);
        ctx.trees = self.tree_entries("trees/", usize::MAX);
        ctx.tree_count = ctx.trees.len();
        ctx.breadcrumbs = self.breadcrumbs("", "trees/");
        ctx
    }

    /// schema.org `TechArticle` for article `i`, as JSON that cannot end
    /// its `<script>` element early.
    fn tech_article(&self, i: usize) -> String {
        let a = &self.content.articles[i];
        let info = &self.linked.articles[i];
        let mut v = serde_json::json!({
            "@context": "https://schema.org",
            "@type": "TechArticle",
            "headline": info.title,
        });
        let mut put = |key: &str, value: serde_json::Value| {
            v[key] = value;
        };
        if let Some(d) = &a.front.description {
            put("description", d.clone().into());
        }
        if let Some(d) = a.front.date {
            put("dateModified", d.format("%Y-%m-%d").to_string().into());
        }
        if let Some(author) = &a.front.author {
            put(
                "author",
                serde_json::json!({"@type": "Person", "name": author}),
            );
        }
        if !info.terms.products.is_empty() {
            let about: Vec<_> = info
                .terms
                .products
                .iter()
                .map(|p| serde_json::json!({"@type": "Thing", "name": p}))
                .collect();
            put("about", about.into());
        }
        if let Some(kb) = &info.kb {
            put("identifier", format!("KB {kb}").into());
        }
        if let Some(url) = self.canonical(&info.dir) {
            put("url", url.into());
        }
        if !a.faq.is_empty() {
            v = serde_json::json!([v, faq_page(&a.faq)]);
        }
        v.to_string()
            .replace('<', "\\u003c")
            .replace('>', "\\u003e")
            .replace('&', "\\u0026")
    }

    /// The absolute URL of the page in `dir`, when the site has a base_url.
    fn canonical(&self, dir: &str) -> Option<String> {
        let base = self.config.base_url.as_ref()?;
        Some(format!("{base}{}", paths::encode(dir)))
    }

    /// A retired article's page: it sends readers to its `redirect_url`.
    fn redirect_ctx(&self, i: usize) -> Ctx<'_> {
        let info = &self.linked.articles[i];
        let (target, canonical) = match self.linked.redirects[i].as_ref() {
            Some(Resolved::Page { href, article, .. }) => (
                href.clone(),
                self.canonical(&self.linked.articles[*article].dir),
            ),
            Some(Resolved::Url(url)) => {
                let absolute = url.starts_with("http://") || url.starts_with("https://");
                (url.clone(), absolute.then(|| url.clone()))
            }
            _ => (paths::relative_href(&info.dir, "index.html"), None),
        };
        self.redirect_page(&info.dir, info.title.clone(), target, canonical)
    }

    /// `kb/NNN/index.html` → the article with KB number NNN.
    fn alias_ctx(&self, kb: &str, i: usize) -> Ctx<'_> {
        let dir = format!("kb/{kb}/");
        let info = &self.linked.articles[i];
        let target = paths::relative_href(&dir, &format!("{}index.html", info.dir));
        let canonical = self.canonical(&info.dir);
        self.redirect_page(&dir, info.title.clone(), target, canonical)
    }

    /// An old address → where it leads now.
    fn moved_ctx(&self, k: usize) -> Ctx<'_> {
        let moved = &self.linked.moved[k];
        let name = paths::strip_md(moved.source.rsplit('/').next().unwrap_or(""));
        let (target, canonical, title) = match &moved.to {
            MovedTo::Article(a, fragment) => {
                let info = &self.linked.articles[*a];
                let mut href = paths::relative_href(&moved.dir, &format!("{}index.html", info.dir));
                if !fragment.is_empty() {
                    href = format!("{href}#{fragment}");
                }
                (href, self.canonical(&info.dir), info.title.clone())
            }
            MovedTo::Page(file) => (
                paths::relative_href(&moved.dir, file),
                None,
                name.to_string(),
            ),
            MovedTo::Url(url) => (url.clone(), Some(url.clone()), name.to_string()),
            MovedTo::Nowhere => (
                paths::relative_href(&moved.dir, "index.html"),
                None,
                name.to_string(),
            ),
        };
        self.redirect_page(&moved.dir, title, target, canonical)
    }

    fn redirect_page(
        &self,
        dir: &str,
        title: String,
        target: String,
        canonical: Option<String>,
    ) -> Ctx<'_> {
        let page = PageCtx {
            kind: "redirect",
            summary: format!("Moved: {title}"),
            title,
            redirect: Some(target),
            canonical,
            ..PageCtx::default()
        };
        self.base_ctx(dir, page)
    }

    fn not_found_ctx(&self) -> Ctx<'_> {
        let page = PageCtx {
            kind: "404",
            title: "Page not found".into(),
            summary: format!("This page is not in {}", self.config.title),
            ..PageCtx::default()
        };
        let mut ctx = self.base_ctx("", page);
        // Hosts answer any missing path with this page, at any depth:
        // relative links would point nowhere. The site's own address when
        // it has one; else the host's root, with the stylesheet inline (a
        // site under a sub-path has none at the root).
        match &self.config.base_url {
            Some(base) => ctx.root = base.clone(),
            None => {
                ctx.root = "/".into();
                ctx.inline_css = self
                    .theme
                    .static_files
                    .iter()
                    .find(|f| f.path == "style.css")
                    .and_then(|f| match &f.data {
                        Data::Bytes(b) => String::from_utf8(b.clone()).ok(),
                        Data::Copy(p) => std::fs::read_to_string(p).ok(),
                    })
                    // Nothing in it may end the <style> element.
                    .map(|css| css.replace("</", "<\\/"));
            }
        }
        ctx
    }

    /// Breadcrumbs: the sections from the root to `dir`, linked from the
    /// page in `page_dir`.
    fn breadcrumbs(&self, dir: &str, page_dir: &str) -> Vec<Crumb> {
        self.linked
            .sections
            .ancestry(dir)
            .iter()
            .map(|s| Crumb {
                title: if s.dir.is_empty() {
                    self.config.title.clone()
                } else {
                    s.title.clone()
                },
                href: paths::relative_href(page_dir, &format!("{}index.html", s.dir)),
            })
            .collect()
    }

    fn listing(&self, s: &Section, page_dir: &str) -> Listing {
        Listing {
            sections: s
                .children
                .iter()
                .filter_map(|d| self.linked.sections.get(d))
                .map(|c| Entry {
                    title: c.title.clone(),
                    href: paths::relative_href(page_dir, &format!("{}index.html", c.dir)),
                    count: c.count,
                    ..Entry::default()
                })
                .collect(),
            articles: s
                .articles
                .iter()
                .map(|&i| self.entry(i, page_dir))
                .collect(),
        }
    }

    fn entry(&self, i: usize, page_dir: &str) -> Entry {
        let a = &self.content.articles[i];
        let info = &self.linked.articles[i];
        let description = a
            .front
            .description
            .clone()
            .or_else(|| Some(self.parsed[i].summary.clone()).filter(|s| !s.is_empty()));
        Entry {
            title: info.title.clone(),
            href: paths::relative_href(page_dir, &format!("{}index.html", info.dir)),
            description,
            kb: info.kb.clone(),
            date: a.front.date.map(human_date),
            date_iso: a.front.date.map(|d| d.format("%Y-%m-%d").to_string()),
            count: 0,
        }
    }
}

/// Sidebar entries as nested `<ul>`s; open groups as `<details open>`.
fn nav_html(items: &[NavLink]) -> String {
    fn list(items: &[NavLink], out: &mut String) {
        out.push_str("<ul>\n");
        for n in items {
            out.push_str(if n.group {
                "<li class=\"kb-nav-group\">"
            } else {
                "<li>"
            });
            if !n.children.is_empty() {
                out.push_str("<details open><summary>");
                out.push_str(&escape(&n.title));
                out.push_str("</summary>\n");
                list(&n.children, out);
                out.push_str("</details>");
            } else if let Some(href) = &n.href {
                out.push_str("<a href=\"");
                out.push_str(&escape(href));
                out.push('"');
                if n.current {
                    out.push_str(" aria-current=\"page\"");
                }
                out.push('>');
                out.push_str(&escape(&n.title));
                out.push_str("</a>");
            } else {
                out.push_str("<span>");
                out.push_str(&escape(&n.title));
                out.push_str("</span>");
            }
            out.push_str("</li>\n");
        }
        out.push_str("</ul>");
    }
    let mut out = String::new();
    if !items.is_empty() {
        list(items, &mut out);
    }
    out
}

/// The first article an item or its children point at.
fn first_article(items: &[crate::links::nav::NavItem]) -> Option<usize> {
    items.iter().find_map(|item| match item.target {
        NavTarget::Article(a) => Some(a),
        _ => first_article(&item.children),
    })
}

/// A tree's standalone SVG, next to its article's page.
fn tree_diagram(linked: &Linked, i: usize, t: &crate::tree::Summary) -> OutputFile {
    OutputFile {
        path: format!("{}{}", linked.articles[i].dir, t.svg_file()),
        data: Data::Bytes(
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{}\n", t.svg).into_bytes(),
        ),
    }
}

/// The trees of the listed articles, with their article.
fn trees<'a>(
    parsed: &'a [Parsed],
    linked: &'a Linked,
) -> impl Iterator<Item = (usize, &'a crate::tree::Summary)> + 'a {
    parsed
        .iter()
        .enumerate()
        .filter(|(i, _)| linked.redirects[*i].is_none())
        .flat_map(|(i, p)| p.trees.iter().map(move |t| (i, t)))
}

/// A render failure, reported at the template (where the fix goes) and
/// naming the page it was first seen on.
fn tera_diag<'f>(
    theme: &'f Theme,
    template: &'f str,
    page: &'f Option<String>,
) -> impl Fn(tera::Error) -> Diagnostic + 'f {
    move |e| {
        let (_, message) = theme::template_error(&e);
        let mut d = Diagnostic::error(format!("rendering {template} failed: {message}"));
        if let Some(f) = theme.files.get(template) {
            d = d.in_file(f.clone());
        }
        let seen = page
            .as_deref()
            .map_or(String::new(), |p| format!(" (seen on {p})"));
        d.with_hint(format!(
            "check the template for variables and filters this page does not have{seen}"
        ))
    }
}

fn parent_dir(dir: &str) -> String {
    paths::dir_of(dir.trim_end_matches('/')).to_string()
}

/// DocFX markup that is not text: includes, alert and `[!div]` markers.
static DOCFX_MARKER: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"(?i)\[!INCLUDE\s*\[[^\]]*\]\([^)]*\)\s*\]|\[!(NOTE|TIP|IMPORTANT|WARNING|CAUTION|div[^\]]*)\]").unwrap()
});

/// schema.org `FAQPage` for a DocFX FAQ page's questions, answers as
/// plain text.
fn faq_page(entries: &[crate::content::faq::FaqEntry]) -> serde_json::Value {
    let questions: Vec<_> = entries
        .iter()
        .map(|e| {
            let answer: Vec<String> = DOCFX_MARKER
                .replace_all(&e.answer, "")
                .split("\n\n")
                .map(markdown::inline_text)
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
                .collect();
            serde_json::json!({
                "@type": "Question",
                "name": markdown::inline_text(&e.question),
                "acceptedAnswer": {"@type": "Answer", "text": answer.join(" ")},
            })
        })
        .collect();
    serde_json::json!({
        "@context": "https://schema.org",
        "@type": "FAQPage",
        "mainEntity": questions,
    })
}

/// `April 7, 2023`.
fn human_date(d: NaiveDate) -> String {
    d.format("%B %-d, %Y").to_string()
}

/// Replaces link placeholders with what the link stage decided on:
/// `\u{1}N\u{2}` is link N's tag (or URL, or mention), `\u{1}tN\u{2}` the
/// title of the article link N points at (for `<xref:uid>`).
pub fn fill(
    html: &str,
    links: &[LinkRef],
    resolved: &[Resolved],
    articles: &[ArticleInfo],
) -> String {
    let mut out = String::with_capacity(html.len() + links.len() * 32);
    let mut rest = html;
    while let Some(start) = rest.find(markdown::PLACEHOLDER_START) {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let Some(end) = after.find(markdown::PLACEHOLDER_END) else {
            rest = after;
            continue;
        };
        let (title_only, number) = match after[..end].strip_prefix('t') {
            Some(n) => (true, n),
            None => (false, &after[..end]),
        };
        if let Ok(n) = number.parse::<usize>() {
            if let (Some(link), Some(res)) = (links.get(n), resolved.get(n)) {
                if title_only {
                    let title = res.article().map(|a| articles[a].title.as_str());
                    out.push_str(&escape(
                        title.unwrap_or(link.target.trim_start_matches("xref:")),
                    ));
                } else {
                    write_tag(&mut out, link, res);
                }
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

fn write_tag(out: &mut String, link: &LinkRef, res: &Resolved) {
    let title = if link.title.is_empty() {
        String::new()
    } else {
        format!(" title=\"{}\"", escape(&link.title))
    };
    let href = res.href().map(escape);
    match (link.kind, href) {
        (LinkKind::Link, Some(h)) => {
            let marked = matches!(
                res,
                Resolved::Page {
                    anchor_ok: false,
                    ..
                }
            );
            let class = if marked {
                " class=\"kb-broken-anchor\""
            } else {
                ""
            };
            out.push_str(&format!("<a href=\"{h}\"{class}{title}>"));
        }
        (LinkKind::Link, None) => {
            out.push_str(&format!(
                "<a class=\"kb-broken-link\" title=\"Broken link: {}\">",
                escape(&link.target)
            ));
        }
        (LinkKind::Image, Some(h)) => {
            out.push_str(&format!(
                "<img src=\"{h}\" alt=\"{}\"{title} loading=\"lazy\">",
                escape(&link.alt)
            ));
        }
        (LinkKind::Image, None) => {
            let alt = if link.alt.trim().is_empty() {
                link.target.as_str()
            } else {
                link.alt.as_str()
            };
            out.push_str(&format!(
                "<span class=\"kb-missing-image\" role=\"img\" aria-label=\"Image not available: {0}\">{0}</span>",
                escape(alt)
            ));
        }
        (LinkKind::Mention, Some(h)) => {
            out.push_str(&format!("<a href=\"{h}\">{}</a>", escape(&link.alt)));
        }
        (LinkKind::Mention, None) => out.push_str(&escape(&link.alt)),
        (LinkKind::Attr, Some(h)) => out.push_str(&h),
        // Kept as written: the warning says it is broken.
        (LinkKind::Attr, None) => out.push_str(&escape(&link.target)),
    }
}

/// The term pages an article's page links to.
pub(crate) struct ArticleTerms<'a> {
    pub products: Vec<&'a Term>,
    /// Its service, then its subservice.
    pub service: Vec<&'a Term>,
    pub topic: Option<&'a Term>,
}

/// The term pages article `i`'s page links to.
pub(crate) fn article_terms(linked: &Linked, i: usize) -> ArticleTerms<'_> {
    let t = &linked.articles[i].terms;
    let find = |tax: usize, name: &str| linked.taxonomies.get(tax)?.term(name);
    let service = t.service.as_deref().and_then(|s| find(1, s));
    let subservice = service.and_then(|s| s.child(t.subservice.as_deref()?));
    ArticleTerms {
        products: t.products.iter().filter_map(|p| find(0, p)).collect(),
        service: service.into_iter().chain(subservice).collect(),
        topic: t.topic.as_deref().and_then(|x| find(2, x)),
    }
}
