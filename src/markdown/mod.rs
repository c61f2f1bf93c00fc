//! Parse stage: one article's Markdown → HTML with its headings, in-page
//! table of contents, KB metadata, and every link it makes. pulldown-cmark
//! parses once; an event pass adds the DocFX forms (alerts, `[!div]`,
//! `:::image`, includes via [`preprocess`], code snippets via [`snippets`])
//! and heading ids.
//!
//! Links and images are not resolved here (that needs the whole site): each
//! is written as a placeholder `\u{1}N\u{2}` that the render stage replaces
//! with the tag the link stage decided on. Source text never contains these
//! control characters (the load stage replaces them).

pub mod headings;
pub mod highlight;
pub mod preprocess;
pub mod snippets;

use crate::content::{Article, Content, MarkdownSource};
use crate::diagnostics::Diagnostic;
use preprocess::{Block, KbMeta, Origin, Prepared, SourceFile};
use pulldown_cmark::{
    BlockQuoteKind, CodeBlockKind, CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag,
    TagEnd,
};
use regex::Regex;
use std::sync::LazyLock;

/// Starts a link placeholder in parsed HTML.
pub const PLACEHOLDER_START: char = '\u{1}';
/// Ends a link placeholder in parsed HTML.
pub const PLACEHOLDER_END: char = '\u{2}';

/// A heading of the page.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Heading {
    pub level: u8,
    pub id: String,
    /// Plain text.
    pub text: String,
}

/// An entry of the in-page table of contents (h2, with its h3s).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TocEntry<'a> {
    pub id: &'a str,
    pub text: &'a str,
    pub children: Vec<TocEntry<'a>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    /// `[text](target)`: the placeholder stands for the `<a>` start tag.
    Link,
    /// `![alt](src)` or `:::image`: the placeholder stands for the `<img>`.
    Image,
    /// A plain-text "KB 833770": a link when that KB is local, else the text
    /// (kept in `alt`) as it was.
    Mention,
    /// An `href`/`src` value inside raw HTML: the placeholder is the URL.
    Attr,
}

/// A link or image as written, to be resolved by the link stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkRef {
    pub kind: LinkKind,
    pub target: String,
    pub title: String,
    /// Alt text of an image; the text of a KB mention.
    pub alt: String,
    /// `<xref:uid>`: the link text is the target's title, filled in by the
    /// render stage (placeholder `\u{1}tN\u{2}`).
    pub auto_text: bool,
    pub at: Origin,
}

/// An article's body HTML: as made, or packed ([`crate::pack`]) by
/// `serve`, which holds every article of a site between rebuilds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Html {
    Text(String),
    Packed {
        bytes: std::sync::Arc<[u8]>,
        blank: bool,
        /// What it was packed with, if not packed alone.
        dictionary: Option<std::sync::Arc<crate::pack::Dictionary>>,
    },
}

impl Default for Html {
    fn default() -> Self {
        Html::Text(String::new())
    }
}

impl Html {
    /// The HTML.
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Html::Text(t) => std::borrow::Cow::Borrowed(t),
            Html::Packed {
                bytes, dictionary, ..
            } => {
                let text = crate::pack::unpack_with(bytes, dictionary.as_deref());
                std::borrow::Cow::Owned(String::from_utf8(text).expect("packed from text"))
            }
        }
    }

    /// The HTML, leaving this empty.
    pub fn take(&mut self) -> String {
        match std::mem::take(self) {
            Html::Text(t) => t,
            packed => packed.text().into_owned(),
        }
    }

    /// Whether there is nothing but white space.
    pub fn is_blank(&self) -> bool {
        match self {
            Html::Text(t) => t.trim().is_empty(),
            Html::Packed { blank, .. } => *blank,
        }
    }

    /// The HTML packed, shared where it is already.
    pub fn packed(&self) -> Html {
        let mut packed = self.clone();
        if let Html::Text(_) = packed {
            packed.pack();
        }
        packed
    }

    /// Packs the HTML (a third of its size), to be unpacked when read.
    pub fn pack(&mut self) {
        if let Html::Text(_) = self {
            self.pack_with(None);
        }
    }

    /// Packs the HTML with `dictionary` (with none: alone), packed again
    /// if it was packed otherwise.
    pub fn pack_with(&mut self, dictionary: Option<&std::sync::Arc<crate::pack::Dictionary>>) {
        if let Html::Packed { dictionary: d, .. } = self {
            if d.as_ref() == dictionary {
                return;
            }
        }
        let text = self.take();
        let bytes = crate::pack::pack_with(text.as_bytes(), dictionary.map(|d| d.as_ref()));
        *self = Html::Packed {
            bytes: bytes.into(),
            blank: text.trim().is_empty(),
            dictionary: dictionary.cloned(),
        };
    }
}

/// One parsed article.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    /// Body HTML, without the first H1, with link placeholders.
    pub html: Html,
    /// The body's first H1 (moved to the page heading).
    pub h1: Option<Heading>,
    /// Inner HTML of that H1 (with placeholders).
    pub h1_html: Option<String>,
    /// Every other heading, in order.
    pub headings: Vec<Heading>,
    /// `id`/`name` attributes of raw HTML in the body.
    pub html_anchors: Vec<String>,
    pub links: Vec<LinkRef>,
    /// The files the body was made from: the article, then its includes
    /// and the files its code snippets show (also those not found, so that
    /// their coming re-parses the article).
    pub sources: Vec<SourceFile>,
    pub meta: KbMeta,
    /// Plain text of the first paragraph, for listings when there is no
    /// description.
    pub summary: String,
    /// Decision trees of the article, in order.
    pub trees: Vec<crate::tree::Summary>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Parsed {
    /// Frees the body HTML once pages are rendered (see the build).
    pub fn release_html(&mut self) {
        self.html = Html::default();
        self.h1_html = None;
    }

    /// The in-page table of contents: h2 headings with their h3s.
    pub fn toc(&self) -> Vec<TocEntry<'_>> {
        toc(&self.headings)
    }

    /// The display path of the file a link or block came from.
    pub fn file_of(&self, at: Origin) -> &str {
        &self.sources[at.source as usize].file
    }
}

/// A fenced code block as read: its info string, language, the lines to
/// mark and its text.
struct CodeBlock {
    info: String,
    lang: String,
    marked: Vec<snippets::LineRange>,
    code: String,
}

/// pulldown-cmark features kbsite accepts.
fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_GFM
}

/// Parse stage entry point for one article.
pub fn parse(article: &Article, content: &Content, settings: &Settings) -> Parsed {
    let source = MarkdownSource {
        path: &article.path,
        file: &article.file,
        body: &article.body,
        body_line: article.body_line,
    };
    let prepared = preprocess::prepare(source, content);
    Pass::new(&prepared, settings).run()
}

/// What the parse stage takes from the site's configuration.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// `trees.max_nodes`.
    pub max_tree_nodes: usize,
    /// `highlight`: syntax colours in code blocks.
    pub highlight: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            max_tree_nodes: crate::config::TreesConfig::default().max_nodes,
            highlight: true,
        }
    }
}

impl From<&crate::config::Config> for Settings {
    fn from(c: &crate::config::Config) -> Self {
        Settings {
            max_tree_nodes: c.trees.max_nodes,
            highlight: c.highlight,
        }
    }
}

/// Inline Markdown → plain text (`&nbsp;` and emphasis resolved).
pub fn inline_text(md: &str) -> String {
    let mut out = String::new();
    for ev in Parser::new_ext(md, options()) {
        match ev {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            _ => {}
        }
    }
    out
}

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let _ = pulldown_cmark_escape::escape_html(&mut out, s);
    out
}

static HTML_ANCHOR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)<[a-z][^>]*?\s(?:id|name)\s*=\s*(?:"([^"]+)"|'([^']+)')"#).unwrap()
});
static KB_MENTION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\bKB[ \u{a0}]?\d{5,8}\b").unwrap());
static HTML_URL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?i)(\s(href|src)\s*=\s*)(?:"([^"]*)"|'([^']*)')"#).unwrap());
static SCHEME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-zA-Z][a-zA-Z0-9+.-]*:").unwrap());
static MARKER: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"<!--kbsite:(\d+)-->").unwrap());
static QUOTE_MARKER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)^\[!(?:(note|tip|important|caution|warning)|div\s+class\s*=\s*(?:"([^"]*)"|'([^']*)'))\s*\]"#,
    )
    .unwrap()
});

/// What a block quote turned into, so its end closes the right element.
enum Quote {
    Plain,
    Div,
}

struct Pass<'a> {
    prepared: &'a Prepared,
    line_starts: Vec<usize>,
    out: Vec<Event<'a>>,
    parsed: Parsed,
    ids: headings::Ids,
    quotes: Vec<Quote>,
    /// Open heading: index in `out` of its start, level, text so far.
    heading: Option<(usize, HeadingLevel, String)>,
    /// Open image: its link ref, nesting depth.
    image: Option<(LinkRef, usize)>,
    /// Block containers (quotes, lists, tables) open: the summary is the
    /// first paragraph outside any.
    containers: usize,
    /// The summary paragraph being read.
    summary: Option<String>,
    summary_done: bool,
    /// Links open around the current event (no KB mentions inside links).
    links_open: usize,
    in_code_block: bool,
    /// Inside `<xref:uid>`: its literal text is replaced by the title.
    auto_text_link: Option<()>,
    /// Inside a decision-tree block: its YAML so far, and where it started.
    tree_block: Option<(String, usize)>,
    /// Inside a fenced code block: read whole, then highlighted.
    marked_code: Option<CodeBlock>,
    settings: &'a Settings,
}

impl<'a> Pass<'a> {
    fn new(prepared: &'a Prepared, settings: &'a Settings) -> Self {
        let line_starts = std::iter::once(0)
            .chain(prepared.text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Pass {
            prepared,
            line_starts,
            out: Vec::new(),
            parsed: Parsed {
                sources: prepared.sources.clone(),
                meta: prepared.meta.clone(),
                diagnostics: prepared.diagnostics.clone(),
                ..Parsed::default()
            },
            ids: headings::Ids::default(),
            quotes: Vec::new(),
            heading: None,
            image: None,
            containers: 0,
            summary: None,
            summary_done: false,
            links_open: 0,
            in_code_block: false,
            auto_text_link: None,
            tree_block: None,
            marked_code: None,
            settings,
        }
    }

    fn origin(&self, offset: usize) -> Origin {
        let line = self
            .line_starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        self.prepared
            .lines
            .get(line)
            .or(self.prepared.lines.last())
            .copied()
            .unwrap_or(Origin { source: 0, line: 1 })
    }

    fn run(mut self) -> Parsed {
        let events = merged_events(&self.prepared.text);
        let mut skip = vec![false; events.len()];
        let mut events: Vec<(Event<'a>, usize)> = events;
        let mut i = 0;
        while i < events.len() {
            if skip[i] {
                i += 1;
                continue;
            }
            if let Event::Start(Tag::BlockQuote(None)) = events[i].0 {
                self.containers += 1;
                let quote = self.quote_marker(&mut events, &mut skip, i);
                self.quotes.push(quote);
                i += 1;
                continue;
            }
            let (ev, offset) = std::mem::replace(&mut events[i], (Event::SoftBreak, 0));
            self.event(ev, offset);
            i += 1;
        }
        let mut html = String::with_capacity(self.prepared.text.len() * 3 / 2);
        pulldown_cmark::html::push_html(&mut html, self.out.into_iter());
        self.parsed.html = Html::Text(html);
        // Kept as long as the site (by `serve`, for all of them): without
        // the room they grew into.
        self.parsed.links.shrink_to_fit();
        self.parsed.headings.shrink_to_fit();
        self.parsed
    }

    /// A `> [!NOTE] text` that pulldown-cmark did not take as an alert (text
    /// on the marker line), or `> [!div class="x"]`: strip the marker and
    /// open the right element.
    fn quote_marker(
        &mut self,
        events: &mut [(Event<'a>, usize)],
        skip: &mut [bool],
        i: usize,
    ) -> Quote {
        let marker = match (events.get(i + 1), events.get(i + 2)) {
            (Some((Event::Start(Tag::Paragraph), _)), Some((Event::Text(t), _))) => {
                QUOTE_MARKER.captures(t).map(|c| {
                    let kind = c.get(1).map(|m| m.as_str().to_ascii_lowercase());
                    let class = c.get(2).or(c.get(3)).map(|m| m.as_str().to_string());
                    (c.get(0).unwrap().end(), kind, class)
                })
            }
            _ => None,
        };
        let Some((len, kind, class)) = marker else {
            self.out.push(Event::Start(Tag::BlockQuote(None)));
            return Quote::Plain;
        };
        let rest = match &events[i + 2].0 {
            Event::Text(t) => t[len..].trim_start().to_string(),
            _ => String::new(),
        };
        if rest.is_empty() {
            skip[i + 2] = true;
            let mut j = i + 3;
            if matches!(
                events.get(j),
                Some((Event::SoftBreak | Event::HardBreak, _))
            ) {
                skip[j] = true;
                j += 1;
            }
            if matches!(events.get(j), Some((Event::End(TagEnd::Paragraph), _))) {
                skip[i + 1] = true;
                skip[j] = true;
            }
        } else {
            events[i + 2].0 = Event::Text(CowStr::from(rest));
        }
        match (kind, class) {
            (Some(kind), _) => {
                self.out.push(Event::Html(alert_open(&kind).into()));
                Quote::Div
            }
            (None, class) => {
                let class = escape(class.as_deref().unwrap_or(""));
                self.out
                    .push(Event::Html(format!("<div class=\"{class}\">\n").into()));
                Quote::Div
            }
        }
    }

    /// A fenced code block, highlighted (syntax colours, marked lines)
    /// when there is anything to add, else as pulldown-cmark writes it.
    fn end_code(&mut self, block: CodeBlock) {
        let lang = if self.settings.highlight {
            block.lang.as_str()
        } else {
            ""
        };
        match highlight::code_html(lang, &block.code, &block.marked) {
            Some(inner) => {
                let mut html = String::with_capacity(inner.len() + 64);
                html.push_str("<pre><code");
                if !block.lang.is_empty() {
                    html.push_str(" class=\"language-");
                    html.push_str(&escape(&block.lang));
                    html.push('"');
                }
                if !block.marked.is_empty() {
                    html.push_str(" data-kb-highlight=\"");
                    html.push_str(&snippets::format_ranges(&block.marked));
                    html.push('"');
                }
                html.push('>');
                html.push_str(&inner);
                html.push_str("</code></pre>\n");
                self.out.push(Event::Html(html.into()));
            }
            None => {
                let kind = CodeBlockKind::Fenced(block.info.into());
                self.out.push(Event::Start(Tag::CodeBlock(kind)));
                self.out.push(Event::Text(block.code.into()));
                self.out.push(Event::End(TagEnd::CodeBlock));
            }
        }
    }

    fn event(&mut self, ev: Event<'a>, offset: usize) {
        if let Some((yaml, _)) = &mut self.tree_block {
            match ev {
                Event::Text(t) => yaml.push_str(&t),
                Event::End(TagEnd::CodeBlock) => self.end_tree(),
                _ => {}
            }
            return;
        }
        if let Some(block) = &mut self.marked_code {
            match ev {
                Event::Text(t) => block.code.push_str(&t),
                Event::End(TagEnd::CodeBlock) => {
                    let block = self.marked_code.take().expect("in a code block");
                    self.end_code(block);
                }
                _ => {}
            }
            return;
        }
        if self.image.is_some() {
            self.image_event(ev);
            return;
        }
        if let (Some((_, _, text)), Event::Text(t) | Event::Code(t)) = (&mut self.heading, &ev) {
            text.push_str(t);
        }
        if let Some(s) = &mut self.summary {
            match &ev {
                Event::Text(t) | Event::Code(t) => s.push_str(t),
                Event::SoftBreak | Event::HardBreak => s.push(' '),
                _ => {}
            }
        }
        match ev {
            Event::Start(Tag::Heading { level, .. }) => {
                self.heading = Some((self.out.len(), level, String::new()));
                self.out.push(Event::Html(CowStr::Borrowed("")));
            }
            Event::End(TagEnd::Heading(_)) => self.end_heading(),
            Event::Start(Tag::BlockQuote(Some(kind))) => {
                self.containers += 1;
                self.out
                    .push(Event::Html(alert_open(kind_name(kind)).into()));
            }
            Event::End(TagEnd::BlockQuote(Some(_))) => {
                self.containers -= 1;
                self.out.push(Event::Html("</div>\n".into()));
            }
            Event::End(TagEnd::BlockQuote(None)) => {
                self.containers -= 1;
                match self.quotes.pop() {
                    Some(Quote::Div) => self.out.push(Event::Html("</div>\n".into())),
                    _ => self.out.push(Event::End(TagEnd::BlockQuote(None))),
                }
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                ..
            }) => {
                let at = self.origin(offset);
                // `<xref:uid>` shows the target's title, as DocFX does.
                let auto_text = link_type == LinkType::Autolink && dest_url.starts_with("xref:");
                if auto_text {
                    self.auto_text_link = Some(());
                }
                // `<user@example.com>`: the parser gives the bare address.
                let target = match link_type {
                    LinkType::Email if !dest_url.starts_with("mailto:") => {
                        format!("mailto:{dest_url}")
                    }
                    _ => dest_url.into_string(),
                };
                self.push_link(LinkRef {
                    kind: LinkKind::Link,
                    target,
                    title: title.into_string(),
                    alt: String::new(),
                    auto_text,
                    at,
                });
                self.links_open += 1;
            }
            Event::End(TagEnd::Link) => {
                self.links_open = self.links_open.saturating_sub(1);
                if self.auto_text_link.take().is_some() {
                    let n = self.parsed.links.len() - 1;
                    self.out.push(Event::InlineHtml(
                        format!("{PLACEHOLDER_START}t{n}{PLACEHOLDER_END}").into(),
                    ));
                }
                self.out.push(Event::InlineHtml("</a>".into()));
            }
            Event::Start(Tag::Image {
                dest_url, title, ..
            }) => {
                let at = self.origin(offset);
                let link = LinkRef {
                    kind: LinkKind::Image,
                    target: dest_url.into_string(),
                    title: title.into_string(),
                    alt: String::new(),
                    auto_text: false,
                    at,
                };
                self.image = Some((link, 0));
            }
            Event::Html(h) | Event::InlineHtml(h) if MARKER.is_match(&h) => self.blocks(&h),
            Event::Html(h) => {
                self.html_anchors(&h);
                let h = self.html_urls(h, offset);
                self.out.push(Event::Html(h));
            }
            Event::InlineHtml(h) => {
                self.html_anchors(&h);
                let h = self.html_urls(h, offset);
                self.out.push(Event::InlineHtml(h));
            }
            Event::Text(_) if self.auto_text_link.is_some() => {}
            Event::Text(t) if self.mentions_allowed() && t.contains("KB") => {
                let at = self.origin(offset);
                let events = self.mentions(t, at);
                self.out.extend(events);
            }
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info)))
                if info.split_whitespace().next() == Some(crate::tree::FENCE) =>
            {
                self.tree_block = Some((String::new(), offset));
            }
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                let (lang, marked) = match snippets::fence_highlight(&info) {
                    Some((lang, lines)) => (lang.to_string(), lines),
                    None => (
                        info.split_whitespace().next().unwrap_or("").to_string(),
                        Vec::new(),
                    ),
                };
                self.marked_code = Some(CodeBlock {
                    info: info.into_string(),
                    lang,
                    marked,
                    code: String::new(),
                });
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                self.in_code_block = true;
                self.out.push(Event::Start(Tag::CodeBlock(kind)));
            }
            Event::End(TagEnd::CodeBlock) => {
                self.in_code_block = false;
                self.out.push(Event::End(TagEnd::CodeBlock));
            }
            Event::Start(Tag::Paragraph) => {
                if self.containers == 0 && !self.summary_done {
                    self.summary = Some(String::new());
                }
                self.out.push(Event::Start(Tag::Paragraph));
            }
            Event::End(TagEnd::Paragraph) => {
                if let Some(s) = self.summary.take() {
                    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
                    if !s.is_empty() {
                        self.parsed.summary = truncate(&s, 300);
                        self.summary_done = true;
                    }
                }
                self.out.push(Event::End(TagEnd::Paragraph));
            }
            Event::Start(tag) => {
                if is_container(&tag) {
                    self.containers += 1;
                }
                self.out.push(Event::Start(tag));
            }
            Event::End(tag) => {
                if is_container_end(&tag) {
                    self.containers = self.containers.saturating_sub(1);
                }
                self.out.push(Event::End(tag));
            }
            other => self.out.push(other),
        }
    }

    /// Inside `![alt](src)`: the inner events only make the alt text.
    fn image_event(&mut self, ev: Event<'a>) {
        let Some((link, depth)) = &mut self.image else {
            return;
        };
        match ev {
            Event::Start(Tag::Image { .. }) => *depth += 1,
            Event::End(TagEnd::Image) if *depth == 0 => {
                let (link, _) = self.image.take().expect("inside an image");
                self.push_link(link);
            }
            Event::End(TagEnd::Image) => *depth -= 1,
            Event::Text(t) | Event::Code(t) => link.alt.push_str(&t),
            Event::SoftBreak | Event::HardBreak => link.alt.push(' '),
            _ => {}
        }
    }

    /// A decision-tree block has ended: build it, or report why not.
    fn end_tree(&mut self) {
        let Some((yaml, offset)) = self.tree_block.take() else {
            return;
        };
        let fence = self.origin(offset);
        let file = self.parsed.sources[fence.source as usize].file.clone();
        match crate::tree::build(&yaml, fence.line + 1, self.settings.max_tree_nodes) {
            Ok(built) => {
                let summary = crate::tree::Summary::of(&built, &file);
                let tree = &built.tree;
                self.parsed.html_anchors.push(tree.id.clone());
                self.parsed
                    .html_anchors
                    .extend(tree.nodes.iter().map(|n| tree.element_id(&n.id)));
                let html = crate::tree::html::render(
                    tree,
                    &built.svg,
                    &summary.svg_file(),
                    &mut |md, line, block| self.fragment(md, fence.source, line, block),
                );
                self.out.push(Event::Html(html.into()));
                self.parsed.trees.push(summary);
            }
            Err(errors) => {
                self.parsed
                    .diagnostics
                    .extend(errors.into_iter().map(|d| d.in_file(file.clone())));
                self.out.push(Event::Html(
                    format!(
                        "<div class=\"kb-missing\" role=\"note\">This decision tree has errors (see the build messages).</div>\n<pre><code>{}</code></pre>\n",
                        escape(&yaml)
                    )
                    .into(),
                ));
            }
        }
    }

    /// Markdown text of a tree (a question, an answer, an outcome) as HTML;
    /// its links are registered like any other, at the given file line.
    fn fragment(&mut self, md: &str, source: u16, line: u32, block: bool) -> String {
        let at = Origin { source, line };
        let mut events = Vec::new();
        let mut links_open = 0usize;
        for ev in Parser::new_ext(md, options()) {
            match ev {
                Event::Start(Tag::Link {
                    dest_url, title, ..
                }) => {
                    let n = self.parsed.links.len();
                    self.parsed.links.push(LinkRef {
                        kind: LinkKind::Link,
                        target: dest_url.into_string(),
                        title: title.into_string(),
                        alt: String::new(),
                        auto_text: false,
                        at,
                    });
                    events.push(Event::InlineHtml(
                        format!("{PLACEHOLDER_START}{n}{PLACEHOLDER_END}").into(),
                    ));
                    links_open += 1;
                }
                Event::End(TagEnd::Link) => {
                    links_open = links_open.saturating_sub(1);
                    events.push(Event::InlineHtml("</a>".into()))
                }
                Event::Text(t) if links_open == 0 && t.contains("KB") => {
                    let split = self.mentions(t, at);
                    events.extend(split);
                }
                // A tree's texts are data more than documents ("Is it
                // < 2 TB?", "Run <command>"): tags in them are shown as
                // typed, never taken as HTML.
                Event::Html(h) | Event::InlineHtml(h) => events.push(Event::Text(h)),
                other => events.push(other),
            }
        }
        let mut html = String::new();
        pulldown_cmark::html::push_html(&mut html, events.into_iter());
        if block {
            return html;
        }
        // Inline: the paragraphs' text, joined.
        let inline = html
            .trim()
            .trim_start_matches("<p>")
            .trim_end_matches("</p>");
        inline.replace("</p>\n<p>", " ")
    }

    /// KB mentions become links only in running text: not in code, links,
    /// headings or image alt text.
    fn mentions_allowed(&self) -> bool {
        self.links_open == 0 && !self.in_code_block && self.heading.is_none()
    }

    /// Splits text at "KB 833770" / "KB833770" mentions, each a placeholder
    /// the link stage turns into a link when that KB is in the site.
    fn mentions<'t>(&mut self, text: CowStr<'t>, at: Origin) -> Vec<Event<'t>> {
        let mut events = Vec::new();
        let mut last = 0;
        for m in KB_MENTION.find_iter(&text) {
            if m.start() > last {
                events.push(Event::Text(text[last..m.start()].to_string().into()));
            }
            let digits = m.as_str().trim_start_matches(|c: char| !c.is_ascii_digit());
            let n = self.parsed.links.len();
            self.parsed.links.push(LinkRef {
                kind: LinkKind::Mention,
                target: format!("kb:{digits}"),
                title: String::new(),
                alt: m.as_str().to_string(),
                auto_text: false,
                at,
            });
            events.push(Event::InlineHtml(
                format!("{PLACEHOLDER_START}{n}{PLACEHOLDER_END}").into(),
            ));
            last = m.end();
        }
        if last == 0 {
            events.push(Event::Text(text));
        } else if last < text.len() {
            events.push(Event::Text(text[last..].to_string().into()));
        }
        events
    }

    /// Relative and site-relative `href`/`src` values in raw HTML go through
    /// link resolution like Markdown links (pages are one folder deeper than
    /// their source file, so they must be rewritten).
    fn html_urls(&mut self, html: CowStr<'a>, offset: usize) -> CowStr<'a> {
        if !HTML_URL.is_match(&html) {
            return html;
        }
        let mut out = String::with_capacity(html.len());
        let mut last = 0;
        for c in HTML_URL.captures_iter(&html) {
            let value = c.get(3).or(c.get(4)).expect("one quote form matched");
            let url = value.as_str();
            let rewrite = !(url.is_empty()
                || url.starts_with('#')
                || url.starts_with("//")
                || SCHEME.is_match(url) && !url.contains("support.microsoft.com"));
            if !rewrite {
                continue;
            }
            out.push_str(&html[last..value.start()]);
            let n = self.parsed.links.len();
            let at = self.origin(offset);
            self.parsed.links.push(LinkRef {
                kind: LinkKind::Attr,
                target: url.to_string(),
                title: String::new(),
                alt: String::new(),
                auto_text: false,
                at,
            });
            out.push_str(&format!("{PLACEHOLDER_START}{n}{PLACEHOLDER_END}"));
            last = value.end();
        }
        if last == 0 {
            return html;
        }
        out.push_str(&html[last..]);
        out.into()
    }

    fn push_link(&mut self, link: LinkRef) {
        let n = self.parsed.links.len();
        self.parsed.links.push(link);
        self.out.push(Event::InlineHtml(
            format!("{PLACEHOLDER_START}{n}{PLACEHOLDER_END}").into(),
        ));
    }

    fn end_heading(&mut self) {
        let Some((start, level, text)) = self.heading.take() else {
            return;
        };
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let id = self.ids.unique(&text);
        let n = level as u8;
        let heading = Heading {
            level: n,
            id: id.clone(),
            text,
        };
        if n == 1 && self.parsed.h1.is_none() {
            let inner: Vec<Event> = self.out.drain(start..).skip(1).collect();
            let mut html = String::new();
            pulldown_cmark::html::push_html(&mut html, inner.into_iter());
            self.parsed.h1_html = Some(html);
            self.parsed.h1 = Some(heading);
            return;
        }
        self.out[start] = Event::Html(format!("<h{n} id=\"{}\">", escape(&id)).into());
        self.out.push(Event::Html(format!("</h{n}>\n").into()));
        self.parsed.headings.push(heading);
    }

    fn html_anchors(&mut self, html: &str) {
        for c in HTML_ANCHOR.captures_iter(html) {
            if let Some(m) = c.get(1).or(c.get(2)) {
                self.parsed.html_anchors.push(m.as_str().to_string());
            }
        }
    }

    /// Replaces `<!--kbsite:N-->` markers with the blocks they stand for.
    fn blocks(&mut self, html: &str) {
        let mut last = 0;
        for c in MARKER.captures_iter(html) {
            let m = c.get(0).unwrap();
            let before = html[last..m.start()].trim();
            if !before.is_empty() {
                self.out.push(Event::Html(before.to_string().into()));
            }
            last = m.end();
            let n: usize = c[1].parse().unwrap_or(usize::MAX);
            match self.prepared.blocks.get(n) {
                Some(Block::Image {
                    src,
                    alt,
                    description,
                    at,
                }) => {
                    let desc_id = format!("kb-image-desc-{n}");
                    self.out.push(Event::Html("<p class=\"kb-image\">".into()));
                    self.push_link(LinkRef {
                        kind: LinkKind::Image,
                        target: src.clone(),
                        title: String::new(),
                        alt: alt.clone(),
                        auto_text: false,
                        at: *at,
                    });
                    self.out.push(Event::Html("</p>\n".into()));
                    if let Some(d) = description {
                        self.out.push(Event::Html(
                            format!(
                                "<details class=\"kb-image-description\" id=\"{desc_id}\"><summary>Image description</summary><p>{}</p></details>\n",
                                escape(d)
                            )
                            .into(),
                        ));
                    }
                }
                Some(Block::BrokenInclude { target, reason }) => {
                    self.out.push(Event::Html(
                        format!(
                            "<p class=\"kb-missing\" role=\"note\">Missing include <code>{}</code> ({})</p>\n",
                            escape(target),
                            escape(reason)
                        )
                        .into(),
                    ));
                }
                Some(Block::BrokenSnippet { target, reason }) => {
                    self.out.push(Event::Html(
                        format!(
                            "<p class=\"kb-missing\" role=\"note\">Missing code sample <code>{}</code> ({})</p>\n",
                            escape(target),
                            escape(reason)
                        )
                        .into(),
                    ));
                }
                None => {}
            }
        }
        let after = html[last..].trim();
        if !after.is_empty() {
            self.out.push(Event::Html(after.to_string().into()));
        }
    }
}

/// Inline elements: no word boundary at their tags.
const INLINE_TAGS: &[&str] = &[
    "a", "b", "code", "del", "em", "i", "kbd", "mark", "s", "samp", "span", "strong", "sub", "sup",
    "u",
];

/// The text a reader sees in body HTML, for search: tags dropped (block
/// tags separate words), headings and diagrams left out (headings are their
/// own field), entities decoded, link placeholders dropped except KB
/// mentions and image alt text, which are text to a reader.
pub fn plain_text(html: &str, links: &[LinkRef]) -> String {
    let mut out = String::with_capacity(html.len() * 3 / 4);
    plain_text_into(html, links, &mut out);
    out
}

/// [`plain_text`], appended to `out`.
pub fn plain_text_into(html: &str, links: &[LinkRef], out: &mut String) {
    plain_text_with(html, &|n| text_of_link(links.get(n)?), out)
}

/// What a link placeholder reads as in plain text: the alt text of an
/// image or a KB mention, nothing for other links (their text is around
/// the placeholder).
pub fn text_of_link(link: &LinkRef) -> Option<&str> {
    matches!(link.kind, LinkKind::Mention | LinkKind::Image).then_some(link.alt.as_str())
}

/// [`plain_text_into`], with the text of placeholder `n` given by `link`.
pub fn plain_text_with<'a>(html: &str, link: &dyn Fn(usize) -> Option<&'a str>, out: &mut String) {
    // The element being left out (a heading or diagram), by tag name.
    let mut skip: Option<TagName> = None;
    let mut rest = html;
    while let Some(i) = memchr::memchr3(b'<', b'&', PLACEHOLDER_START as u8, rest.as_bytes()) {
        if skip.is_none() {
            out.push_str(&rest[..i]);
        }
        let at = &rest[i..];
        if let Some(after) = at.strip_prefix(PLACEHOLDER_START) {
            let end = after.find(PLACEHOLDER_END).unwrap_or(after.len());
            if skip.is_none() {
                if let Some(text) = after[..end].parse::<usize>().ok().and_then(link) {
                    out.push(' ');
                    out.push_str(text);
                    out.push(' ');
                }
            }
            rest = after.get(end + 1..).unwrap_or("");
        } else if at.starts_with('&') {
            let end = at.find(';').filter(|&e| e <= 10).unwrap_or(0);
            let decoded = match &at[..=end] {
                "&amp;" => "&",
                "&lt;" => "<",
                "&gt;" => ">",
                "&quot;" => "\"",
                "&#39;" | "&#x27;" | "&apos;" => "'",
                "&nbsp;" => " ",
                _ => &at[..=end],
            };
            if skip.is_none() {
                out.push_str(decoded);
            }
            rest = &at[end + 1..];
        } else {
            let (tag, end) = match at.find('>') {
                Some(e) => (&at[1..e], e + 1),
                None => (&at[1..], at.len()),
            };
            let closing = tag.starts_with('/');
            let name = TagName::of(tag.trim_start_matches('/'));
            match (skip, closing) {
                (None, false) if name.is_left_out() => skip = Some(name),
                (Some(open), true) if open == name => skip = None,
                _ => {}
            }
            if skip.is_none() && !name.is_inline() {
                out.push(' ');
            }
            rest = &at[end..];
        }
    }
    if skip.is_none() {
        out.push_str(rest);
    }
}

/// A tag's name, lower-cased (`DIV class=..` → `div`); names longer than
/// any [`plain_text`] cares about are cut.
#[derive(Clone, Copy, PartialEq)]
struct TagName {
    bytes: [u8; 8],
    len: usize,
}

impl TagName {
    fn of(tag: &str) -> Self {
        let mut bytes = [0u8; 8];
        let mut len = 0;
        for b in tag.bytes().take_while(u8::is_ascii_alphanumeric).take(8) {
            bytes[len] = b.to_ascii_lowercase();
            len += 1;
        }
        TagName { bytes, len }
    }

    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    /// Headings are their own search field; diagrams are not text.
    fn is_left_out(&self) -> bool {
        matches!(
            self.as_bytes(),
            b"h1" | b"h2" | b"h3" | b"h4" | b"h5" | b"h6" | b"svg"
        )
    }

    fn is_inline(&self) -> bool {
        INLINE_TAGS.iter().any(|t| t.as_bytes() == self.as_bytes())
    }
}

/// Events with their source offsets, consecutive text merged (pulldown-cmark
/// splits text at `[`, `]` and entities, which hides markers such as
/// `[!div class="x"]`).
fn merged_events(text: &str) -> Vec<(Event<'_>, usize)> {
    let mut out: Vec<(Event, usize)> = Vec::new();
    for (ev, range) in Parser::new_ext(text, options()).into_offset_iter() {
        if let (Event::Text(t), Some((Event::Text(prev), _))) = (&ev, out.last_mut()) {
            let mut joined = prev.to_string();
            joined.push_str(t);
            *prev = CowStr::from(joined);
            continue;
        }
        out.push((ev, range.start));
    }
    out
}

fn kind_name(kind: BlockQuoteKind) -> &'static str {
    match kind {
        BlockQuoteKind::Note => "note",
        BlockQuoteKind::Tip => "tip",
        BlockQuoteKind::Important => "important",
        BlockQuoteKind::Warning => "warning",
        BlockQuoteKind::Caution => "caution",
    }
}

fn alert_open(kind: &str) -> String {
    let title = match kind {
        "tip" => "Tip",
        "important" => "Important",
        "warning" => "Warning",
        "caution" => "Caution",
        _ => "Note",
    };
    format!("<div class=\"kb-alert kb-alert-{kind}\" role=\"note\">\n<p class=\"kb-alert-title\">{title}</p>\n")
}

fn is_container(tag: &Tag) -> bool {
    matches!(
        tag,
        Tag::BlockQuote(_)
            | Tag::List(_)
            | Tag::Item
            | Tag::Table(_)
            | Tag::FootnoteDefinition(_)
            | Tag::DefinitionList
            | Tag::HtmlBlock
    )
}

fn is_container_end(tag: &TagEnd) -> bool {
    matches!(
        tag,
        TagEnd::BlockQuote(_)
            | TagEnd::List(_)
            | TagEnd::Item
            | TagEnd::Table
            | TagEnd::FootnoteDefinition
            | TagEnd::DefinitionList
            | TagEnd::HtmlBlock
    )
}

/// h2 entries with their h3 children (made when a page is rendered: a
/// copy kept beside the headings was a tenth of the preview's model).
fn toc(headings: &[Heading]) -> Vec<TocEntry<'_>> {
    let mut toc: Vec<TocEntry> = Vec::new();
    for h in headings {
        let entry = TocEntry {
            id: &h.id,
            text: &h.text,
            children: Vec::new(),
        };
        match (h.level, toc.last_mut()) {
            (2, _) => toc.push(entry),
            (3, Some(parent)) => parent.children.push(entry),
            (3, None) => toc.push(entry),
            _ => {}
        }
    }
    toc
}

/// Cuts text to at most `max` characters at a word boundary.
fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(a, _)| a);
    format!("{}…", cut.trim_end_matches([',', ';', ':', '.']))
}

#[cfg(test)]
mod tests;
