//! Criterion benches for the hot paths: one article through front matter
//! and Markdown, the whole-site link stage, and page rendering.
//! Run with `cargo bench`; whole-build figures against Hugo are in
//! `scripts/bench`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use kbsite::config::Config;
use kbsite::content::{self, Content, LoadOptions};
use kbsite::links;
use kbsite::markdown::{self, Parsed};
use kbsite::render;
use std::hint::black_box;
use std::path::{Path, PathBuf};

const KB_PATH: &str =
    "support/windows-server/high-availability/3rd-party-storage-software-solutions-support.md";
const KB_TEXT: &str = include_str!(
    "../content/support/windows-server/high-availability/3rd-party-storage-software-solutions-support.md"
);

fn fixture_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/kb-corpus")
}

/// The 150-article corpus, loaded and parsed, with the published site's
/// link configuration.
fn corpus() -> (Content, Vec<Parsed>, Config) {
    let content = content::load(&LoadOptions {
        content_dir: fixture_root().join("content"),
        display_prefix: "content/".into(),
        exclude: vec![],
        drafts: false,
        layout: Default::default(),
    });
    let parsed = content
        .articles
        .iter()
        .map(|a| markdown::parse(a, &content, &Default::default()))
        .collect();
    let mut config = Config::default();
    config
        .links
        .mounts
        .insert("/troubleshoot/".into(), "support/".into());
    config.links.external_base = Some("https://learn.microsoft.com".into());
    (content, parsed, config)
}

fn parse_article(c: &mut Criterion) {
    let mut g = c.benchmark_group("parse");
    g.throughput(Throughput::Bytes(KB_TEXT.len() as u64));
    g.bench_function("front matter + Markdown of KB 841696", |b| {
        b.iter(|| {
            let content = content::from_memory(&[(KB_PATH, black_box(KB_TEXT))], "content/");
            markdown::parse(&content.articles[0], &content, &Default::default())
        })
    });
    g.finish();
}

fn link_site(c: &mut Criterion) {
    let (content, parsed, config) = corpus();
    let mut g = c.benchmark_group("link");
    g.throughput(Throughput::Elements(content.articles.len() as u64));
    g.bench_function("whole-site link stage, 150-article corpus", |b| {
        b.iter(|| links::link(&content, &parsed, &config))
    });
    g.finish();
}

fn render_pages(c: &mut Criterion) {
    let (content, parsed, config) = corpus();
    let linked = links::link(&content, &parsed, &config);
    let theme = render::theme::load(&fixture_root(), "default")
        .unwrap_or_else(|_| panic!("the default theme loads"));
    let pages = render::render(
        &content,
        &parsed,
        &linked,
        &config,
        &theme,
        &render::Discard,
    )
    .pages;
    let mut g = c.benchmark_group("render");
    // Per-element figures read as the time to render one page.
    g.throughput(Throughput::Elements(pages as u64));
    g.bench_function("every page of the 150-article corpus", |b| {
        b.iter(|| {
            render::render(
                &content,
                &parsed,
                &linked,
                &config,
                &theme,
                &render::Discard,
            )
        })
    });
    g.finish();
}

criterion_group!(benches, parse_article, link_site, render_pages);
criterion_main!(benches);
