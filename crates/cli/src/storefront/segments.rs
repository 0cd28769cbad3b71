//! The demo catalog's customer segments: a sample of the simulated shoppers, their sessions
//! dated before a fixed "now", clustered by the same builder as `shopwindow segments`.

use anyhow::Result;
use shopwindow::rng::{RandomSource, SplitMix64};
use shopwindow::{Event, EventKind};

use super::pipeline::StorefrontConfig;
use super::simulation::{Action, Storefront};
use crate::segments::{segment_catalog, CustomerHistory, SegmentConfig};

/// Most shoppers the demo's segments are clustered from (every n-th shopper): enough for
/// stable segments, few enough to keep `demo-catalog` quick.
pub const SEGMENTED_SHOPPERS: usize = 5000;

/// "Now" of the simulated shop's RFM: 2026-01-01T00:00Z. Sessions are dated before it, and
/// it is fixed (not the clock) so the same seed gives the same bytes.
const SHOP_NOW_MS: f64 = 1_767_225_600_000.0;

/// Shoppers' sessions as dated browser events: the last session 0-180 days before
/// [`SHOP_NOW_MS`] (recent ones likelier), earlier ones 1-30 days apart. Dates come from
/// their own seeded stream, so the simulation itself is unchanged.
fn dated_histories(store: &Storefront, seed: u64, stride: usize) -> Vec<CustomerHistory> {
    const DAY_MS: f64 = 86_400_000.0;
    (0..store.shoppers.len())
        .step_by(stride)
        .map(|u| {
            let mut rng =
                SplitMix64::new(seed ^ 0xda7e_da7e ^ (u as u64).wrapping_mul(0x9E37_79B9));
            let sessions = &store.shoppers[u];
            let mut days_ago = (rng.next_unit() * rng.next_unit() * 180.0).floor();
            let mut events = Vec::new();
            for session in sessions.iter().rev() {
                let at = SHOP_NOW_MS - days_ago * DAY_MS - DAY_MS / 2.0;
                for &(item, action) in session {
                    events.push(Event {
                        item,
                        kind: match action {
                            Action::View => EventKind::View,
                            Action::Cart => EventKind::Cart,
                            Action::Purchase => EventKind::Purchase,
                        },
                        timestamp_ms: Some(at),
                    });
                }
                days_ago += 1.0 + rng.below(30) as f64;
            }
            CustomerHistory {
                id: format!("shopper-{u}"),
                events,
            }
        })
        .collect()
}

/// The catalog with `config.segments` segments of the simulated shoppers and their RFM
/// thresholds (the demo shows the shopper's segment as a badge).
pub(super) fn with_segments(
    store: &Storefront,
    bytes: &[u8],
    config: &StorefrontConfig,
) -> Result<Vec<u8>> {
    let stride = store.shoppers.len().div_ceil(SEGMENTED_SHOPPERS).max(1);
    let customers = dated_histories(store, config.seed, stride);
    let segment_config = SegmentConfig {
        k: config.segments,
        seed: config.seed,
        n_init: 4,
        ..SegmentConfig::default()
    };
    Ok(segment_catalog(bytes, customers, &segment_config, SHOP_NOW_MS)?.bytes)
}
