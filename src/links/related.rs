//! Related articles: up to five that share the most taxonomy terms
//! (products, subservice, topic). Candidates come from inverted indexes,
//! read only in a window around the article in path order (its folder
//! neighbours first), so the work per article is bounded and the stage stays
//! linear however common a term is.

use super::ArticleInfo;
use crate::content::Content;
use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;

/// How many related articles a page shows.
pub const MAX: usize = 5;
/// Postings read on each side of the article, per term.
const WINDOW: usize = 32;
/// A shared topic alone does not make two articles related.
const MIN_SCORE: u32 = 2;

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Product,
    Subservice,
    Topic,
}

impl Kind {
    fn weight(self) -> u32 {
        match self {
            Kind::Product | Kind::Subservice => 2,
            Kind::Topic => 1,
        }
    }
}

fn terms_of(info: &ArticleInfo) -> impl Iterator<Item = (Kind, &str)> {
    let t = &info.terms;
    t.products
        .iter()
        .map(|p| (Kind::Product, p.as_str()))
        .chain(t.subservice.iter().map(|s| (Kind::Subservice, s.as_str())))
        .chain(t.topic.iter().map(|s| (Kind::Topic, s.as_str())))
}

/// Per article (in `Content::articles` order), its related articles, best
/// first. Articles not `listed` (redirects) neither get nor give any.
pub fn related(content: &Content, articles: &[ArticleInfo], listed: &[bool]) -> Vec<Vec<usize>> {
    // Articles are sorted by path, so pushing in index order keeps every
    // postings list in path order.
    let mut postings: HashMap<(Kind, &str), Vec<usize>> = HashMap::default();
    for (i, info) in articles.iter().enumerate() {
        if listed[i] {
            for term in terms_of(info) {
                postings.entry(term).or_default().push(i);
            }
        }
    }
    (0..articles.len())
        .into_par_iter()
        .map(|i| {
            if !listed[i] {
                return Vec::new();
            }
            let mut scores: HashMap<usize, u32> = HashMap::default();
            for term in terms_of(&articles[i]) {
                let list = &postings[&term];
                let pos = list.binary_search(&i).unwrap_or_else(|p| p);
                let window = &list[pos.saturating_sub(WINDOW)..(pos + WINDOW + 1).min(list.len())];
                for &b in window.iter().filter(|&&b| b != i) {
                    *scores.entry(b).or_default() += term.0.weight();
                }
            }
            let mut best: Vec<(u32, usize)> = scores
                .into_iter()
                .filter(|&(_, s)| s >= MIN_SCORE)
                .map(|(b, s)| (s, b))
                .collect();
            // Most shared first, then the most recently updated, then path.
            best.sort_by(|x, y| {
                y.0.cmp(&x.0)
                    .then(
                        content.articles[y.1]
                            .front
                            .date
                            .cmp(&content.articles[x.1].front.date),
                    )
                    .then(x.1.cmp(&y.1))
            });
            // Not collected from `best` itself: that would keep its whole
            // allocation for five entries (75 MB at 20,000 articles).
            let mut out = Vec::with_capacity(best.len().min(MAX));
            out.extend(best.iter().take(MAX).map(|&(_, b)| b));
            out
        })
        .collect()
}
