//! The user vector, computed on the device from the local history.
//!
//! Exact implicit-ALS fold-in (Hu, Koren & Volinsky 2008), the system a server holding the
//! whole model solves for one user:
//!
//! ```text
//! (YᵀY + Σ_{i∈u} (c_i − 1) y_i y_iᵀ + λ I) x_u = Σ_{i∈u} c_i y_i,   c_i = 1 + α w_i
//! ```
//!
//! YᵀY ships in the catalog, so one user costs O(n_u d² + d³). `w_i` sums the user's events
//! on item i, each weighted by its kind (view < cart < purchase) and, optionally, halved
//! every `half_life_days`.

use crate::catalog::{Catalog, LambdaScaling};
use crate::error::RecommendError;
use crate::kernels::normal_equations::NormalEquations;
use crate::kernels::Backend;
use crate::number::Num;
use crate::sort::sort_ids_by;
// Re-exported: the history's types were defined here before they moved down to `event`.
pub use crate::event::{Event, EventKind};

/// Weight of each event kind in `w_i`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EventWeights {
    pub view: f32,
    pub cart: f32,
    pub purchase: f32,
}

impl Default for EventWeights {
    fn default() -> Self {
        EventWeights {
            view: 1.0,
            cart: 3.0,
            purchase: 5.0,
        }
    }
}

impl EventWeights {
    pub fn of(&self, kind: EventKind) -> f32 {
        match kind {
            EventKind::View => self.view,
            EventKind::Cart => self.cart,
            EventKind::Purchase => self.purchase,
        }
    }
}

/// How history turns into confidence weights.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ProfileConfig {
    pub weights: EventWeights,
    /// Exponential time decay: an event's weight halves every this many days.
    pub half_life_days: Option<f64>,
    /// "Now" for the decay, in ms since the epoch (the browser passes `Date.now()`).
    pub now_ms: Option<f64>,
}

const MS_PER_DAY: f64 = 86_400_000.0;

impl ProfileConfig {
    pub fn validate(&self) -> Result<(), RecommendError> {
        let w = self.weights;
        for (name, v) in [("view", w.view), ("cart", w.cart), ("purchase", w.purchase)] {
            if !v.is_finite() || v < 0.0 {
                return Err(RecommendError::InvalidOption {
                    name: "eventWeights",
                    reason: format!("the {name} weight {} must be a non-negative number", Num(v)),
                });
            }
        }
        if let Some(h) = self.half_life_days {
            if !h.is_finite() || h <= 0.0 {
                return Err(RecommendError::InvalidOption {
                    name: "halfLifeDays",
                    reason: format!("{} must be a positive number of days", Num(h)),
                });
            }
        }
        Ok(())
    }

    /// Weight of one event, decayed to `now_ms` when a half-life is set. Events from the
    /// future (clock skew between tabs) count as happening now.
    pub fn event_weight(&self, event: &Event) -> f64 {
        let base = self.weights.of(event.kind) as f64;
        match (self.half_life_days, self.now_ms, event.timestamp_ms) {
            (Some(half_life), Some(now), Some(t)) => {
                let age_days = ((now - t) / MS_PER_DAY).max(0.0);
                base * 0.5f64.powf(age_days / half_life)
            }
            _ => base,
        }
    }
}

/// `(item, w_i)` per distinct item, sorted by item index.
pub fn item_weights(events: &[Event], config: &ProfileConfig) -> Vec<(u32, f64)> {
    // The events by item, ties in history order, so that an item's weights are summed in
    // the order they happened on every platform (through the shared id sort: see `sort`).
    let mut order: Vec<u32> = (0..events.len() as u32).collect();
    sort_ids_by(&mut order, &mut |a, b| {
        let item = |i: u32| events[i as usize].item;
        item(a).cmp(&item(b)).then(a.cmp(&b))
    });
    let mut merged: Vec<(u32, f64)> = Vec::with_capacity(order.len());
    for i in order {
        let event = &events[i as usize];
        let (item, w) = (event.item, config.event_weight(event));
        match merged.last_mut() {
            Some((last, sum)) if *last == item => *sum += w,
            _ => merged.push((item, w)),
        }
    }
    merged
}

/// Solves the fold-in system for the user with per-item weights `weights`.
pub fn fold_in(catalog: &Catalog, weights: &[(u32, f64)]) -> Result<Vec<f32>, RecommendError> {
    let d = catalog.dim();
    let params = catalog.params();
    let alpha = params.alpha as f64;
    let lambda = match params.lambda_scaling {
        LambdaScaling::Constant => params.lambda as f64,
        // Spark MLlib's implicit ALS multiplies regParam by the row's positive ratings
        // (`numExplicits`): items whose weight decayed or was configured to zero add
        // nothing to the system there, so they do not count here either.
        LambdaScaling::Interactions => params.lambda as f64 * positive_count(weights).max(1) as f64,
    };
    // A = YᵀY + Σ (c_i − 1) y_i y_iᵀ + λ I and b = Σ c_i y_i, solved by Cholesky in the
    // kernels crate (built for speed in the shipped wasm; bit-identical on every backend).
    let mut system = NormalEquations::new(Backend::best(), catalog.gram(), d);
    let mut row = vec![0.0f32; d];
    for &(item, w) in weights {
        if w <= 0.0 {
            // Weight zero means no interaction (p = 0, c = 1), which YᵀY already holds;
            // Spark's solver skips such ratings the same way.
            continue;
        }
        catalog.row_into(item as usize, &mut row);
        let confidence = 1.0 + alpha * w;
        system.add_item(&row, confidence - 1.0, confidence);
    }
    system.add_to_diagonal(lambda);
    let x = system.solve().ok_or_else(|| {
        RecommendError::FoldIn("the system is not positive definite (λ too small?)".into())
    })?;
    Ok(x.iter().map(|&v| v as f32).collect())
}

/// Items with a positive weight: Spark's `numExplicits` of a user.
fn positive_count(weights: &[(u32, f64)]) -> usize {
    weights.iter().filter(|&&(_, w)| w > 0.0).count()
}

#[cfg(test)]
mod tests {
    use nalgebra::{DMatrix, DVector};

    use super::*;
    use crate::catalog::{CatalogBuilder, ItemRecord, ModelParams};

    fn catalog(params: ModelParams) -> Catalog {
        let mut b = CatalogBuilder::new(3).params(params);
        let rows = [
            [1.0, 0.0, 0.5],
            [0.0, 1.0, -0.5],
            [0.3, 0.3, 0.3],
            [-1.0, 0.2, 0.0],
        ];
        for (i, r) in rows.iter().enumerate() {
            b.push(ItemRecord::new(format!("i{i}")), r).unwrap();
        }
        Catalog::from_bytes(b.to_bytes().unwrap()).unwrap()
    }

    /// The normal equations of the full weighted least-squares problem, solved densely:
    /// min Σ_j c_j (p_j − x·y_j)² + λ|x|² over all items j.
    fn brute_force(cat: &Catalog, weights: &[(u32, f64)], lambda: f64) -> Vec<f64> {
        let d = cat.dim();
        let alpha = cat.params().alpha as f64;
        let mut a = DMatrix::<f64>::identity(d, d) * lambda;
        let mut b = DVector::<f64>::zeros(d);
        for j in 0..cat.len() {
            let y = DVector::from_iterator(d, cat.row(j).into_iter().map(|v| v as f64));
            let w = weights.iter().find(|p| p.0 as usize == j).map(|p| p.1);
            let (c, p) = match w {
                Some(w) => (1.0 + alpha * w, 1.0),
                None => (1.0, 0.0),
            };
            a += &y * y.transpose() * c;
            b += &y * (c * p);
        }
        a.lu().solve(&b).unwrap().iter().copied().collect()
    }

    #[test]
    fn fold_in_solves_the_full_least_squares_problem() {
        let params = ModelParams {
            alpha: 2.0,
            lambda: 0.3,
            lambda_scaling: LambdaScaling::Constant,
        };
        let cat = catalog(params);
        let weights = vec![(0, 1.0), (2, 3.5)];
        let x = fold_in(&cat, &weights).unwrap();
        let expected = brute_force(&cat, &weights, 0.3);
        for (a, b) in x.iter().zip(&expected) {
            assert!((*a as f64 - b).abs() < 1e-5, "{x:?} vs {expected:?}");
        }
    }

    #[test]
    fn spark_scaling_multiplies_lambda_by_item_count() {
        let params = ModelParams {
            alpha: 1.0,
            lambda: 0.2,
            lambda_scaling: LambdaScaling::Interactions,
        };
        let cat = catalog(params);
        let weights = vec![(1, 1.0), (3, 1.0)];
        let x = fold_in(&cat, &weights).unwrap();
        let expected = brute_force(&cat, &weights, 0.4);
        for (a, b) in x.iter().zip(&expected) {
            assert!((*a as f64 - b).abs() < 1e-5);
        }
    }

    #[test]
    fn zero_weights_add_nothing_as_in_spark() {
        // A zero-weight item (e.g. a view with view weight 0) adds nothing to Spark's
        // system: no preference, no extra confidence and no share of λ.
        let params = ModelParams {
            alpha: 2.0,
            lambda: 0.2,
            lambda_scaling: LambdaScaling::Interactions,
        };
        let cat = catalog(params);
        let weights = vec![(0, 0.0), (1, 3.0), (3, 1.0)];
        let x = fold_in(&cat, &weights).unwrap();
        let expected = brute_force(&cat, &weights[1..], 0.4);
        for (a, b) in x.iter().zip(&expected) {
            assert!((*a as f64 - b).abs() < 1e-5, "{x:?} vs {expected:?}");
        }
    }

    #[test]
    fn weights_merge_per_item_and_decay_by_half_life() {
        let config = ProfileConfig {
            weights: EventWeights::default(),
            half_life_days: Some(1.0),
            now_ms: Some(10.0 * MS_PER_DAY),
        };
        let events = [
            Event {
                item: 4,
                kind: EventKind::View,
                timestamp_ms: Some(10.0 * MS_PER_DAY),
            },
            Event {
                item: 2,
                kind: EventKind::Purchase,
                timestamp_ms: Some(9.0 * MS_PER_DAY),
            },
            Event {
                item: 4,
                kind: EventKind::Cart,
                timestamp_ms: Some(8.0 * MS_PER_DAY),
            },
            Event {
                item: 7,
                kind: EventKind::View,
                timestamp_ms: Some(11.0 * MS_PER_DAY),
            },
        ];
        let w = item_weights(&events, &config);
        assert_eq!(w, vec![(2, 2.5), (4, 1.0 + 0.75), (7, 1.0)]);
    }

    #[test]
    fn invalid_config_is_rejected() {
        let mut config = ProfileConfig {
            half_life_days: Some(0.0),
            ..ProfileConfig::default()
        };
        assert!(config.validate().is_err());
        config.half_life_days = None;
        config.weights.cart = f32::NAN;
        assert!(config.validate().is_err());
    }
}
