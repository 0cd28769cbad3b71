//! "Bought together": complements, not substitutes. Two items are complements when they
//! land in the same basket more often than their popularity predicts. With B the number of
//! baskets, c_i the baskets holding item i and c_ij those holding both, the pair's weight
//! is (`TogetherMeasure`)
//!
//! - lift: `c_ij · B / (c_i · c_j)`, how many times more often than chance, or
//! - cosine: `c_ij / √(c_i · c_j)`, which leans less towards rare partners.
//!
//! A pair needs `c_ij ≥ min_support` baskets (the weight of rare pairs is noise); each item
//! keeps its `k` partners of highest weight (ties: more shared baskets, then lower index).
//!
//! A basket is one customer's events at one timestamp: an Online Retail invoice (one
//! customer, one `InvoiceDate`), or an order in a CSV whose rows carry the order time.
//! Events without a timestamp form no basket. Baskets of more than `max_basket_items`
//! distinct items (wholesale restocking orders) count towards B and c_i but add no pairs:
//! they pair everything with everything, which says little, and cost O(n²).

use std::collections::HashMap;
use std::fmt;

use shopwindow::catalog::{TogetherMeasure, TogetherSpec, EMPTY_SLOT};
use shopwindow::Catalog;

use crate::data::EventLog;

/// How the table is built.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TogetherConfig {
    /// Partners kept per item (the table's K).
    pub k: usize,
    /// Fewest shared baskets a pair needs.
    pub min_support: u32,
    /// Baskets with more distinct items add no pairs.
    pub max_basket_items: usize,
    pub measure: TogetherMeasure,
}

impl Default for TogetherConfig {
    fn default() -> Self {
        TogetherConfig {
            k: 10,
            min_support: 3,
            max_basket_items: 100,
            measure: TogetherMeasure::Cosine,
        }
    }
}

/// What the build saw, for the command's report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TogetherStats {
    pub baskets: usize,
    pub oversized: usize,
    pub pairs_counted: usize,
    pub pairs_kept: usize,
    pub items_with_partners: usize,
}

impl fmt::Display for TogetherStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "bought together: {} baskets ({} too large to pair), {} co-purchased pairs, {} \
             kept; {} items have partners",
            self.baskets,
            self.oversized,
            self.pairs_counted,
            self.pairs_kept,
            self.items_with_partners
        )
    }
}

/// The log's baskets as sorted, distinct catalog indices, in order of first appearance.
/// Items the catalog does not have are left out.
pub fn baskets(log: &EventLog, catalog: &Catalog) -> Vec<Vec<u32>> {
    let index: Vec<Option<u32>> = log
        .items
        .ids()
        .iter()
        .map(|id| catalog.index_of(id))
        .collect();
    let mut by_key: HashMap<(u32, i64), usize> = HashMap::new();
    let mut out: Vec<Vec<u32>> = Vec::new();
    for e in &log.events {
        let (Some(t), Some(item)) = (e.timestamp, index[e.item as usize]) else {
            continue;
        };
        let slot = *by_key.entry((e.user, t)).or_insert_with(|| {
            out.push(Vec::new());
            out.len() - 1
        });
        out[slot].push(item);
    }
    for basket in &mut out {
        basket.sort_unstable();
        basket.dedup();
    }
    out
}

/// The bought-together table of `baskets` (from [`baskets`]) for a catalog of `items` items.
pub fn together_table(
    baskets: &[Vec<u32>],
    items: usize,
    config: &TogetherConfig,
) -> (TogetherSpec, TogetherStats) {
    let mut stats = TogetherStats {
        baskets: baskets.len(),
        ..TogetherStats::default()
    };
    let mut count = vec![0u32; items];
    let mut pairs: HashMap<(u32, u32), u32> = HashMap::new();
    for basket in baskets {
        for &i in basket {
            count[i as usize] += 1;
        }
        if basket.len() > config.max_basket_items {
            stats.oversized += 1;
            continue;
        }
        for (a, &i) in basket.iter().enumerate() {
            for &j in &basket[a + 1..] {
                *pairs.entry((i, j)).or_insert(0) += 1;
            }
        }
    }
    stats.pairs_counted = pairs.len();
    let total = baskets.len() as f64;
    // (partner, lift, shared baskets) per item.
    let mut partners: Vec<Vec<(u32, f32, u32)>> = vec![Vec::new(); items];
    for (&(i, j), &shared) in &pairs {
        if shared < config.min_support {
            continue;
        }
        let (ci, cj) = (count[i as usize] as f64, count[j as usize] as f64);
        let lift = match config.measure {
            TogetherMeasure::Lift => shared as f64 * total / (ci * cj),
            TogetherMeasure::Cosine => shared as f64 / (ci * cj).sqrt(),
        } as f32;
        partners[i as usize].push((j, lift, shared));
        partners[j as usize].push((i, lift, shared));
        stats.pairs_kept += 1;
    }
    let k = config.k.max(1);
    let mut ids = vec![EMPTY_SLOT; items * k];
    let mut lift = vec![0.0f32; items * k];
    for (i, list) in partners.iter_mut().enumerate() {
        if list.is_empty() {
            continue;
        }
        stats.items_with_partners += 1;
        list.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(b.2.cmp(&a.2)).then(a.0.cmp(&b.0)));
        for (slot, &(j, l, _)) in list.iter().take(k).enumerate() {
            ids[i * k + slot] = j;
            lift[i * k + slot] = l;
        }
    }
    let spec = TogetherSpec {
        k,
        ids,
        weights: lift,
        measure: config.measure,
    };
    (spec, stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(min_support: u32) -> TogetherConfig {
        TogetherConfig {
            k: 2,
            min_support,
            max_basket_items: 3,
            measure: TogetherMeasure::Lift,
        }
    }

    #[test]
    fn lift_ranks_pairs_above_what_popularity_predicts() {
        // Item 0 is in every basket; 1 and 2 always come together.
        let baskets = vec![vec![0, 1, 2], vec![0, 1, 2], vec![0, 3], vec![0, 3]];
        let (table, stats) = together_table(&baskets, 4, &config(2));
        // lift(1, 2) = 2·4/(2·2) = 2; lift(0, 1) = 2·4/(4·2) = 1.
        assert_eq!(&table.ids[2..4], &[2, 0]);
        assert_eq!(&table.weights[2..4], &[2.0, 1.0]);
        // Cosine of (1, 2): 2 / √(2·2) = 1; of (0, 1): 2 / √(4·2).
        let cosine = TogetherConfig {
            measure: TogetherMeasure::Cosine,
            ..config(2)
        };
        let (table, _) = together_table(&baskets, 4, &cosine);
        assert_eq!(table.weights[2], 1.0);
        assert_eq!(table.weights[0], (2.0 / 8f64.sqrt()) as f32);
        // Item 0's partners tie at lift 1, and on shared baskets: lower index first.
        assert_eq!(&table.ids[0..2], &[1, 2]);
        assert_eq!(stats.pairs_kept, 4);
        assert_eq!(stats.items_with_partners, 4);
    }

    #[test]
    fn pairs_below_the_support_and_oversized_baskets_add_nothing() {
        let baskets = vec![vec![0, 1], vec![0, 1, 2, 3]];
        let (table, stats) = together_table(&baskets, 4, &config(2));
        // (0, 1) shares only one basket that may pair (the other has 4 > 3 items).
        assert!(table.ids.iter().all(|&id| id == EMPTY_SLOT));
        assert_eq!(stats.oversized, 1);
        let (table, _) = together_table(&baskets, 4, &config(1));
        assert_eq!(table.ids[0], 1);
        assert_eq!(table.ids[2], 0);
    }

    #[test]
    fn a_basket_is_one_customers_events_at_one_time() {
        let mut builder = shopwindow::CatalogBuilder::new(1);
        for id in ["a", "b", "c"] {
            builder
                .push(shopwindow::ItemRecord::new(id), &[1.0])
                .unwrap();
        }
        let catalog = Catalog::from_bytes(builder.to_bytes().unwrap()).unwrap();
        let mut log = EventLog::default();
        log.push("u1", "a", 1.0, Some(10));
        log.push("u1", "b", 1.0, Some(10));
        log.push("u1", "b", 1.0, Some(10));
        log.push("u1", "c", 1.0, Some(20));
        log.push("u2", "c", 1.0, Some(10));
        log.push("u2", "unknown", 1.0, Some(10));
        log.push("u2", "a", 1.0, None);
        assert_eq!(baskets(&log, &catalog), vec![vec![0, 1], vec![2], vec![2]]);
    }
}
