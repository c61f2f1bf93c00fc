//! Related articles: up to five that share the most taxonomy terms
//! (products, subservice, topic). Candidates come from inverted indexes,
//! read only in a window around the article in path order (its folder
//! neighbours first), so the work per article is bounded and the stage stays
//! linear however common a term is.

use super::{ArticleInfo, Terms};
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

fn terms_of(terms: &Terms) -> impl Iterator<Item = (Kind, &str)> {
    terms
        .products
        .iter()
        .map(|p| (Kind::Product, p.as_str()))
        .chain(
            terms
                .subservice
                .iter()
                .map(|s| (Kind::Subservice, s.as_str())),
        )
        .chain(terms.topic.iter().map(|s| (Kind::Topic, s.as_str())))
}

/// What changed since related articles were last found, for [`related`]
/// to find them again only where they may differ.
pub struct Before {
    /// Each article's related articles as found before (by index now);
    /// `None` where they must be found again.
    pub related: Vec<Option<Vec<usize>>>,
    /// Articles that came, went or changed, each with its terms (before
    /// and after) and where it stands (was or would be) in article order:
    /// the windows around it are read again.
    pub touched: Vec<(usize, Terms)>,
}

/// Per article (in `Content::articles` order), its related articles, best
/// first. Articles not `listed` (redirects) neither get nor give any. With
/// `before`, only the articles near a touched one in a term's postings
/// (whose windows changed) are looked at again.
pub fn related(
    content: &Content,
    articles: &[ArticleInfo],
    listed: &[bool],
    before: Option<Before>,
) -> Vec<Vec<usize>> {
    let index = Index::new(articles, listed);
    let dates: Vec<_> = content.articles.iter().map(|a| a.front.date).collect();
    let Some(before) = before else {
        return (0..articles.len())
            .into_par_iter()
            .map(|i| index.related(i, &dates))
            .collect();
    };
    let mut again: Vec<bool> = before.related.iter().map(Option::is_none).collect();
    for (at, terms) in &before.touched {
        for term in terms_of(terms) {
            let Some(&id) = index.ids.get(&term) else {
                continue;
            };
            let list = &index.postings[id];
            let pos = list.partition_point(|&b| b < *at);
            let near = &list[pos.saturating_sub(WINDOW + 1)..(pos + WINDOW + 2).min(list.len())];
            for &b in near {
                again[b] = true;
            }
        }
    }
    before
        .related
        .into_par_iter()
        .enumerate()
        .map(|(i, old)| match old {
            Some(old) if !again[i] => old,
            _ => index.related(i, &dates),
        })
        .collect()
}

/// Each distinct term's postings (listed articles in path order).
struct Index<'a> {
    ids: HashMap<(Kind, &'a str), usize>,
    postings: Vec<Vec<usize>>,
    articles: &'a [ArticleInfo],
    listed: &'a [bool],
}

impl<'a> Index<'a> {
    fn new(articles: &'a [ArticleInfo], listed: &'a [bool]) -> Self {
        // Articles are sorted by path, so pushing in index order keeps
        // every postings list in path order.
        let mut ids: HashMap<(Kind, &str), usize> = HashMap::default();
        let mut postings: Vec<Vec<usize>> = Vec::new();
        for (i, info) in articles.iter().enumerate() {
            if !listed[i] {
                continue;
            }
            for term in terms_of(&info.terms) {
                let id = *ids.entry(term).or_insert_with(|| {
                    postings.push(Vec::new());
                    postings.len() - 1
                });
                postings[id].push(i);
            }
        }
        Index {
            ids,
            postings,
            articles,
            listed,
        }
    }

    /// Article `i`'s related articles.
    fn related(&self, i: usize, dates: &[Option<chrono::NaiveDate>]) -> Vec<usize> {
        if !self.listed[i] {
            return Vec::new();
        }
        // Every (candidate, weight) of the windows, then summed per
        // candidate: a sort of a few hundred numbers, no map.
        let mut shared: Vec<(usize, u32)> = Vec::new();
        for term in terms_of(&self.articles[i].terms) {
            let (Some(&id), weight) = (self.ids.get(&term), term.0.weight()) else {
                continue;
            };
            let list = &self.postings[id];
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
    }
}
