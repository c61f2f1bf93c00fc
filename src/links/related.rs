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
    // Each distinct term gets a number; articles are sorted by path, so
    // pushing in index order keeps every postings list in path order.
    let mut ids: HashMap<(Kind, &str), usize> = HashMap::default();
    let mut postings: Vec<Vec<usize>> = Vec::new();
    let mut terms: Vec<Vec<(usize, u32)>> = vec![Vec::new(); articles.len()];
    for (i, info) in articles.iter().enumerate() {
        if !listed[i] {
            continue;
        }
        for term in terms_of(info) {
            let id = *ids.entry(term).or_insert_with(|| {
                postings.push(Vec::new());
                postings.len() - 1
            });
            postings[id].push(i);
            terms[i].push((id, term.0.weight()));
        }
    }
    let dates: Vec<_> = content.articles.iter().map(|a| a.front.date).collect();
    terms
        .par_iter()
        .enumerate()
        .map(|(i, terms)| {
            // Every (candidate, weight) of the windows, then summed per
            // candidate: a sort of a few hundred numbers, no map.
            let mut shared: Vec<(usize, u32)> = Vec::new();
            for &(id, weight) in terms {
                let list = &postings[id];
                let pos = list.binary_search(&i).unwrap_or_else(|p| p);
                let window = &list[pos.saturating_sub(WINDOW)..(pos + WINDOW + 1).min(list.len())];
                shared.extend(window.iter().filter(|&&b| b != i).map(|&b| (b, weight)));
            }
            shared.sort_unstable_by_key(|s| s.0);
            let mut best: Vec<(u32, usize)> = Vec::new();
            for run in shared.chunk_by(|x, y| x.0 == y.0) {
                let score: u32 = run.iter().map(|s| s.1).sum();
                if score >= MIN_SCORE {
                    best.push((score, run[0].0));
                }
            }
            // Most shared first, then the most recently updated, then path.
            best.sort_unstable_by(|x, y| {
                y.0.cmp(&x.0)
                    .then(dates[y.1].cmp(&dates[x.1]))
                    .then(x.1.cmp(&y.1))
            });
            best.iter().take(MAX).map(|&(_, b)| b).collect()
        })
        .collect()
}
