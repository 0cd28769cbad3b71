//! Selection: the k best items of a scan in O(N log k), business filters, exclusions,
//! the softmax normalizer, and maximal-marginal-relevance diversity.
//!
//! Ties break deterministically, score descending then item index ascending, so every
//! backend that produces the same scores returns the same list.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use crate::catalog::Catalog;
use crate::error::RecommendError;
use crate::kernels::{add_assign, score_rows, threshold, Backend, Query};
use crate::number::Num;
use crate::sort::sort_ids;

/// Items scored per kernel call: large enough to amortize the call, small enough that the
/// scores stay in L1 for the selection pass over them.
const BLOCK: usize = 512;

/// An item index with its score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scored {
    pub index: u32,
    pub score: f32,
}

/// The ranking order: higher score first, then lower index.
pub fn rank_order(a: &Scored, b: &Scored) -> Ordering {
    b.score.total_cmp(&a.score).then(a.index.cmp(&b.index))
}

/// Heap entry ordered so the heap's top is the worst item kept.
#[derive(Debug, Clone, Copy)]
struct Kept(Scored);

impl PartialEq for Kept {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Kept {}
impl PartialOrd for Kept {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Kept {
    fn cmp(&self, other: &Self) -> Ordering {
        rank_order(&self.0, &other.0)
    }
}

/// Keeps the k best of everything pushed: a bounded heap, O(log k) per accepted push.
#[derive(Debug, Clone)]
pub struct TopK {
    k: usize,
    heap: BinaryHeap<Kept>,
}

impl TopK {
    pub fn new(k: usize) -> TopK {
        TopK {
            k,
            heap: BinaryHeap::with_capacity(k + 1),
        }
    }

    /// True when `candidate` would enter the current selection.
    #[inline]
    pub fn accepts(&self, candidate: &Scored) -> bool {
        if self.heap.len() < self.k {
            return self.k > 0;
        }
        match self.heap.peek() {
            Some(worst) => rank_order(candidate, &worst.0) == Ordering::Less,
            None => false,
        }
    }

    #[inline]
    pub fn push(&mut self, candidate: Scored) {
        if !self.accepts(&candidate) {
            return;
        }
        if self.heap.len() == self.k {
            self.heap.pop();
        }
        self.heap.push(Kept(candidate));
    }

    /// A score below which nothing can enter: the worst kept score once k items are kept,
    /// −∞ before that (+∞ for k = 0). Lets a scan reject most items with one comparison.
    #[inline]
    fn floor(&self) -> f32 {
        if self.heap.len() < self.k {
            return f32::NEG_INFINITY;
        }
        self.heap
            .peek()
            .map_or(f32::INFINITY, |worst| worst.0.score)
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// The selection, best first.
    pub fn into_sorted(self) -> Vec<Scored> {
        // `into_sorted_vec` is ascending in `Kept` order, which is best-first.
        self.heap
            .into_sorted_vec()
            .into_iter()
            .map(|k| k.0)
            .collect()
    }
}

/// Business filters as the caller states them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FilterSpec {
    /// Keep only items in these categories.
    pub categories: Option<Vec<u32>>,
    pub price_min: Option<f32>,
    pub price_max: Option<f32>,
    pub available_only: bool,
    /// Item indices never to return (history, items on the page, …).
    pub exclude: Vec<u32>,
}

/// A [`FilterSpec`] checked against one catalog, ready for the hot loop.
#[derive(Debug, Clone)]
pub struct ItemFilter<'c> {
    catalog: &'c Catalog,
    /// Indexed by category id; `None` means every category.
    categories: Option<Vec<bool>>,
    price: Option<(&'c [f32], f32, f32)>,
    available: Option<&'c [u8]>,
    /// Sorted, deduplicated.
    exclude: Vec<u32>,
}

/// What an [`ItemFilter`] checks, for a backend that applies the same filter elsewhere (the
/// browser's WebGPU path uploads these to the GPU).
#[derive(Debug, Clone, Copy)]
pub struct FilterParts<'f> {
    /// Allowed categories, indexed by category id (ids past the end are not allowed).
    pub categories: Option<&'f [bool]>,
    /// Inclusive price range; the bounds may be infinite.
    pub price: Option<(f32, f32)>,
    /// Availability flags to require (`None`: every item passes).
    pub available: Option<&'f [u8]>,
    /// Excluded item indices, sorted and deduplicated.
    pub exclude: &'f [u32],
}

impl<'c> ItemFilter<'c> {
    /// The filter's parts; [`ItemFilter::allows`] is exactly "passes every part".
    pub fn parts(&self) -> FilterParts<'_> {
        FilterParts {
            categories: self.categories.as_deref(),
            price: self.price.map(|(_, min, max)| (min, max)),
            available: self.available,
            exclude: &self.exclude,
        }
    }

    /// Lets every item through.
    pub fn all(catalog: &'c Catalog) -> ItemFilter<'c> {
        ItemFilter {
            catalog,
            categories: None,
            price: None,
            available: None,
            exclude: Vec::new(),
        }
    }

    pub fn new(catalog: &'c Catalog, spec: &FilterSpec) -> Result<ItemFilter<'c>, RecommendError> {
        let mut filter = ItemFilter::all(catalog);
        if let Some(wanted) = &spec.categories {
            if !catalog.has_categories() {
                return Err(RecommendError::MissingColumn("categories"));
            }
            let max = wanted.iter().copied().max().unwrap_or(0) as usize;
            let mut set = vec![false; max + 1];
            for &c in wanted {
                set[c as usize] = true;
            }
            filter.categories = Some(set);
        }
        if spec.price_min.is_some() || spec.price_max.is_some() {
            let prices = catalog
                .prices()
                .ok_or(RecommendError::MissingColumn("prices"))?;
            let min = spec.price_min.unwrap_or(f32::NEG_INFINITY);
            let max = spec.price_max.unwrap_or(f32::INFINITY);
            if min.is_nan() || max.is_nan() || min > max {
                return Err(RecommendError::InvalidOption {
                    name: "price range",
                    reason: format!("[{}, {}] is not a range", Num(min), Num(max)),
                });
            }
            filter.price = Some((prices, min, max));
        }
        if spec.available_only {
            // A catalog without availability data lists only items it can sell.
            filter.available = catalog.availability();
        }
        filter.exclude = spec.exclude.clone();
        sort_ids(&mut filter.exclude);
        filter.exclude.dedup();
        Ok(filter)
    }

    /// This filter with the items `more` (ascending) excluded too: a merge of two sorted
    /// lists, no sort.
    pub fn excluding_sorted(&self, more: &[u32]) -> ItemFilter<'c> {
        let mut exclude = Vec::with_capacity(self.exclude.len() + more.len());
        let (mut a, mut b) = (self.exclude.iter().peekable(), more.iter().peekable());
        loop {
            let next = match (a.peek(), b.peek()) {
                (Some(&&x), Some(&&y)) if x <= y => a.next(),
                (Some(_), Some(_)) | (None, Some(_)) => b.next(),
                (Some(_), None) => a.next(),
                (None, None) => break,
            };
            let &item = next.expect("a list was not empty");
            if exclude.last() != Some(&item) {
                exclude.push(item);
            }
        }
        ItemFilter {
            exclude,
            ..self.clone()
        }
    }

    /// Whether item `index` may be returned.
    #[inline]
    pub fn allows(&self, index: u32) -> bool {
        let i = index as usize;
        if let Some(set) = &self.categories {
            match self.catalog.category(i) {
                Some(c) if set.get(c as usize).copied().unwrap_or(false) => {}
                _ => return false,
            }
        }
        if let Some((prices, min, max)) = self.price {
            let p = prices[i];
            if p < min || p > max {
                return false;
            }
        }
        if let Some(available) = self.available {
            if available[i] == 0 {
                return false;
            }
        }
        self.exclude.binary_search(&index).is_err()
    }
}

/// Running log-sum-exp over a stream of scores, kept stable by rescaling to the maximum.
#[derive(Debug, Clone, Copy)]
pub struct LogSumExp {
    max: f32,
    sum: f64,
}

impl Default for LogSumExp {
    fn default() -> Self {
        LogSumExp {
            max: f32::NEG_INFINITY,
            sum: 0.0,
        }
    }
}

impl LogSumExp {
    pub fn add_block(&mut self, scores: &[f32]) {
        let block_max = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        if block_max == f32::NEG_INFINITY {
            return;
        }
        let block_sum: f64 = scores.iter().map(|&s| ((s - block_max) as f64).exp()).sum();
        if block_max > self.max {
            self.sum = self.sum * ((self.max - block_max) as f64).exp() + block_sum;
            self.max = block_max;
        } else {
            self.sum += block_sum * ((block_max - self.max) as f64).exp();
        }
    }

    /// log Σ exp(score); −∞ for an empty stream.
    pub fn value(&self) -> f64 {
        self.max as f64 + self.sum.ln()
    }
}

/// What one pass over the catalog produced.
#[derive(Debug, Clone)]
pub struct ScanResult {
    /// The k best allowed items, best first.
    pub top: Vec<Scored>,
    /// log Σ_j exp(q·y_j) over the whole catalog, when asked for.
    pub log_partition: Option<f64>,
}

/// Per-item multipliers applied to raw dot products (inverse norms turn them into cosines).
pub type ItemWeights<'a> = Option<&'a [f32]>;

/// Per-item terms added to the (weighted) dot products: the hybrid model's popularity term.
pub type ItemBias<'a> = Option<&'a [f32]>;

/// Terms added to a few items' scores, `(item, term)` ascending by item, each item once:
/// the hybrid model's neighbour terms `w_nb · nb_i`.
pub type SparseTerms<'a> = &'a [(u32, f32)];

/// How a scan scores item i: `dot(query, y_i)`, then `× weights[i]`, then `+ bias[i]`, then
/// `+ sparse[i]` for the items the sparse terms name, each one f32 operation in that order.
/// The dot product is the backend's kernel (bit-identical on every CPU backend); the
/// multiply and the adds are done here, after it, for every backend alike, so the final
/// scores are bit-identical too. Without a query an item's score starts from `bias[i]`
/// itself (0 without a bias): the hybrid model with its vector term off ranks by its
/// popularity and neighbour terms alone, and no vector is read.
#[derive(Debug, Clone, Copy, Default)]
pub struct Scoring<'a> {
    pub query: Option<&'a Query>,
    pub weights: ItemWeights<'a>,
    pub bias: ItemBias<'a>,
    pub sparse: SparseTerms<'a>,
}

impl<'a> Scoring<'a> {
    /// Plain dot products with `query`.
    pub fn dot(query: &'a Query) -> Scoring<'a> {
        Scoring {
            query: Some(query),
            ..Scoring::default()
        }
    }

    /// Scores of items `rows` into `out` (`out.len() == rows.len()`).
    pub fn score_rows(
        &self,
        catalog: &Catalog,
        backend: Backend,
        rows: std::ops::Range<usize>,
        out: &mut [f32],
    ) {
        match self.query {
            None => match self.bias {
                Some(b) => out.copy_from_slice(&b[rows.clone()]),
                None => out.fill(0.0),
            },
            Some(query) => {
                score_rows(backend, query, catalog.vectors(), rows.clone(), out);
                if let Some(w) = self.weights {
                    for (s, &w) in out.iter_mut().zip(&w[rows.clone()]) {
                        *s *= w;
                    }
                }
                if let Some(b) = self.bias {
                    add_assign(backend, out, &b[rows.clone()]);
                }
            }
        }
        if !self.sparse.is_empty() {
            let from = self
                .sparse
                .partition_point(|&(i, _)| (i as usize) < rows.start);
            for &(i, term) in &self.sparse[from..] {
                let Some(at) = (i as usize)
                    .checked_sub(rows.start)
                    .filter(|&at| at < out.len())
                else {
                    break;
                };
                out[at] += term;
            }
        }
    }

    /// The sparse term of item `i` (0 when the terms do not name it).
    fn sparse_term(&self, i: u32) -> Option<f32> {
        self.sparse
            .binary_search_by_key(&i, |&(item, _)| item)
            .ok()
            .map(|at| self.sparse[at].1)
    }

    /// Scores of the items `items` (anywhere in the catalog) into `out`, with the same
    /// arithmetic as [`Scoring::score_rows`].
    pub fn score_items(&self, catalog: &Catalog, backend: Backend, items: &[u32], out: &mut [f32]) {
        let gather = |column: &[f32], out: &mut [f32]| {
            for (o, &i) in out.iter_mut().zip(items) {
                *o = column[i as usize];
            }
        };
        match self.query {
            None => match self.bias {
                Some(b) => gather(b, out),
                None => out.fill(0.0),
            },
            Some(query) => {
                // One row at a time through `score_rows`: the same kernel call, and no
                // second copy of the kernels in the wasm.
                let vectors = catalog.vectors();
                for (o, &i) in out.chunks_exact_mut(1).zip(items) {
                    score_rows(backend, query, vectors, i as usize..i as usize + 1, o);
                }
                if let Some(w) = self.weights {
                    for (s, &i) in out.iter_mut().zip(items) {
                        *s *= w[i as usize];
                    }
                }
                if let Some(b) = self.bias {
                    for (s, &i) in out.iter_mut().zip(items) {
                        *s += b[i as usize];
                    }
                }
            }
        }
        for (s, &i) in out.iter_mut().zip(items) {
            if let Some(term) = self.sparse_term(i) {
                *s += term;
            }
        }
    }
}

/// Scores every item once, keeping the k best that pass `filter` and, optionally, the
/// softmax normalizer over all items, in the same pass.
pub fn scan(
    catalog: &Catalog,
    backend: Backend,
    scoring: &Scoring<'_>,
    filter: &ItemFilter<'_>,
    k: usize,
    log_partition: bool,
) -> ScanResult {
    let n = catalog.len();
    let mut top = TopK::new(k);
    let mut lse = LogSumExp::default();
    let mut block = [0.0f32; BLOCK];
    let mut start = 0;
    while start < n {
        let end = (start + BLOCK).min(n);
        let scores = &mut block[..end - start];
        scoring.score_rows(catalog, backend, start..end, scores);
        if log_partition {
            lse.add_block(scores);
        }
        // Once the selection is full almost every item scores below its worst entry.
        // The kernels' threshold test skips those sixteen at a time (SIMD compares, one
        // branch per step) and stops at the next score that could enter; only that one
        // gets the ranked comparison, which was a fifth of an int8 scan when it ran per item.
        let mut at = 0;
        loop {
            at = threshold::next_candidate(backend, scores, at, top.floor());
            if at >= scores.len() {
                break;
            }
            offer(&mut top, filter, start + at, scores[at]);
            at += 1;
        }
        start = end;
    }
    ScanResult {
        top: top.into_sorted(),
        log_partition: log_partition.then(|| lse.value()),
    }
}

/// Offers item `index` with `score` to the selection.
#[inline]
fn offer(top: &mut TopK, filter: &ItemFilter<'_>, index: usize, score: f32) {
    let candidate = Scored {
        index: index as u32,
        score,
    };
    if top.accepts(&candidate) && filter.allows(candidate.index) {
        top.push(candidate);
    }
}

/// Re-ranks `candidates` (best first) by maximal marginal relevance and keeps `k`:
/// each step picks the item maximizing `(1 − diversity)·relevance − diversity·max cosine
/// to the items already picked`, with relevance min-max scaled to [0, 1] over the pool.
/// `diversity` 0 keeps the original order; ties go to the better-ranked candidate.
pub fn diversify(
    catalog: &Catalog,
    candidates: &[Scored],
    k: usize,
    diversity: f32,
) -> Vec<Scored> {
    let diversity = diversity.clamp(0.0, 1.0);
    if candidates.is_empty() || k == 0 {
        return Vec::new();
    }
    let (lo, hi) = candidates
        .iter()
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), c| {
            (lo.min(c.score), hi.max(c.score))
        });
    let relevance = |s: f32| if hi > lo { (s - lo) / (hi - lo) } else { 1.0 };
    let unit_rows: Vec<Vec<f32>> = candidates
        .iter()
        .map(|c| {
            let mut row = catalog.row(c.index as usize);
            let norm = row.iter().map(|v| v * v).sum::<f32>().sqrt();
            if norm > 0.0 {
                row.iter_mut().for_each(|v| *v /= norm);
            }
            row
        })
        .collect();
    let mut max_similarity = vec![f32::NEG_INFINITY; candidates.len()];
    let mut picked = vec![false; candidates.len()];
    let mut out = Vec::with_capacity(k.min(candidates.len()));
    while out.len() < k.min(candidates.len()) {
        let mut best: Option<(usize, f32)> = None;
        for (pos, c) in candidates.iter().enumerate() {
            if picked[pos] {
                continue;
            }
            let penalty = if out.is_empty() {
                0.0
            } else {
                max_similarity[pos]
            };
            let value = (1.0 - diversity) * relevance(c.score) - diversity * penalty;
            if best.is_none_or(|(_, v)| value > v) {
                best = Some((pos, value));
            }
        }
        let Some((chosen, _)) = best else { break };
        picked[chosen] = true;
        out.push(candidates[chosen]);
        for (pos, row) in unit_rows.iter().enumerate() {
            if !picked[pos] {
                let sim: f32 = row.iter().zip(&unit_rows[chosen]).map(|(a, b)| a * b).sum();
                max_similarity[pos] = max_similarity[pos].max(sim);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(index: u32, score: f32) -> Scored {
        Scored { index, score }
    }

    #[test]
    fn keeps_best_k_with_index_tie_break() {
        let mut top = TopK::new(3);
        for c in [
            s(5, 1.0),
            s(1, 2.0),
            s(2, 1.0),
            s(9, 3.0),
            s(0, 1.0),
            s(7, 2.0),
        ] {
            top.push(c);
        }
        assert_eq!(top.into_sorted(), vec![s(9, 3.0), s(1, 2.0), s(7, 2.0)]);
    }

    #[test]
    fn ties_prefer_lower_index_whatever_the_push_order() {
        let mut a = TopK::new(2);
        let mut b = TopK::new(2);
        for c in [s(3, 1.0), s(1, 1.0), s(2, 1.0)] {
            a.push(c);
        }
        for c in [s(2, 1.0), s(3, 1.0), s(1, 1.0)] {
            b.push(c);
        }
        assert_eq!(a.into_sorted(), vec![s(1, 1.0), s(2, 1.0)]);
        assert_eq!(b.into_sorted(), vec![s(1, 1.0), s(2, 1.0)]);
    }

    /// `scan` (blocks, the floor pre-check, filters) against scoring everything and
    /// sorting, on a catalog with many tied scores and a size that is neither a multiple
    /// of the block nor of the threshold test's step (16 scores).
    #[test]
    fn scan_matches_scoring_everything_and_sorting() {
        use crate::catalog::{CatalogBuilder, ItemRecord};
        let n = 2 * BLOCK + 3 * 16 + 5;
        let mut builder = CatalogBuilder::new(3);
        for i in 0..n {
            // Few distinct vectors, so ties are everywhere and crossing blocks.
            let v = [(i % 7) as f32 - 3.0, (i % 3) as f32, 0.5];
            let mut item = ItemRecord::new(format!("i{i}"));
            item.category = Some(format!("c{}", i % 4));
            builder.push(item, &v).unwrap();
        }
        let catalog = Catalog::from_bytes(builder.to_bytes().unwrap()).unwrap();
        let query = Query::new(&[0.7, -0.2, 1.0]);
        let mut all = vec![0.0; n];
        score_rows(Backend::Scalar, &query, catalog.vectors(), 0..n, &mut all);
        let specs = [
            FilterSpec::default(),
            FilterSpec {
                categories: Some(vec![1, 3]),
                exclude: vec![6, 13, 20, 1000],
                ..FilterSpec::default()
            },
        ];
        for spec in &specs {
            let filter = ItemFilter::new(&catalog, spec).unwrap();
            let mut expected: Vec<Scored> = (0..n as u32)
                .filter(|&i| filter.allows(i))
                .map(|i| s(i, all[i as usize]))
                .collect();
            expected.sort_by(rank_order);
            for k in [0, 1, 10, 100, n + 1] {
                for &backend in Backend::all() {
                    let got = scan(&catalog, backend, &Scoring::dot(&query), &filter, k, false).top;
                    let want = &expected[..k.min(expected.len())];
                    assert_eq!(got, want, "k = {k}, {spec:?}");
                }
            }
        }
    }

    #[test]
    fn excluding_sorted_merges_the_lists() {
        use crate::catalog::{CatalogBuilder, ItemRecord};
        let mut builder = CatalogBuilder::new(1);
        for i in 0..10 {
            builder
                .push(ItemRecord::new(format!("i{i}")), &[1.0])
                .unwrap();
        }
        let catalog = Catalog::from_bytes(builder.to_bytes().unwrap()).unwrap();
        let spec = FilterSpec {
            exclude: vec![7, 1, 4, 4],
            ..FilterSpec::default()
        };
        let filter = ItemFilter::new(&catalog, &spec).unwrap();
        let more = filter.excluding_sorted(&[0, 4, 5, 9]);
        assert_eq!(more.parts().exclude, &[0, 1, 4, 5, 7, 9]);
        assert_eq!(filter.excluding_sorted(&[]).parts().exclude, &[1, 4, 7]);
    }

    #[test]
    fn k_zero_keeps_nothing() {
        let mut top = TopK::new(0);
        top.push(s(0, 1.0));
        assert!(top.is_empty());
    }

    #[test]
    fn log_sum_exp_matches_direct_sum_across_blocks() {
        let scores: Vec<f32> = (0..1000)
            .map(|i| ((i * 37) % 101) as f32 / 7.0 - 5.0)
            .collect();
        let direct = scores.iter().map(|&s| (s as f64).exp()).sum::<f64>().ln();
        let mut lse = LogSumExp::default();
        for chunk in scores.chunks(77) {
            lse.add_block(chunk);
        }
        assert!(
            (lse.value() - direct).abs() < 1e-9,
            "{} vs {direct}",
            lse.value()
        );
    }

    #[test]
    fn log_sum_exp_survives_large_scores() {
        let mut lse = LogSumExp::default();
        lse.add_block(&[1000.0, 1000.0]);
        assert!((lse.value() - (1000.0 + 2f64.ln())).abs() < 1e-9);
    }
}
