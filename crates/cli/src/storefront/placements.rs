//! The demo catalog's placement tables (bought together, trending) from the simulated
//! sessions. The simulation has baskets but no clock, so this states one: a session's
//! basket is what it carted or bought, at day `(shopper + session) mod 60` of a 60-day
//! window ending at [`CLOCK_END`]. Trending over that clock is popularity with a
//! deterministic wobble (good enough to show the placement; real catalogs get real times).

use anyhow::Result;

use super::simulation::{Action, Storefront};
use crate::data::EventLog;
use crate::placements::{add_placements, PlacementConfig, TogetherConfig, TrendingConfig};

/// The simulated clock's last day, Unix seconds (2026-01-01): fixed, so the same seed gives
/// the same catalog bytes.
pub const CLOCK_END: i64 = 1_767_225_600;

const DAY: i64 = 86_400;

/// The sessions' carts and purchases as a timed event log (one basket per session).
pub fn session_log(store: &Storefront) -> EventLog {
    let mut log = EventLog::default();
    for (u, sessions) in store.shoppers.iter().enumerate() {
        let user = format!("s{u}");
        for (s, session) in sessions.iter().enumerate() {
            let t = CLOCK_END - ((u + s) % 60) as i64 * DAY;
            for &(item, action) in session {
                if action != Action::View {
                    log.push(&user, &store.products[item as usize].id, 1.0, Some(t));
                }
            }
        }
    }
    log
}

/// `bytes` with the demo's bought-together table (pairs from 2 shared baskets) and trending
/// score (7-day half-life).
pub fn with_placements(store: &Storefront, bytes: &[u8]) -> Result<Vec<u8>> {
    let config = PlacementConfig {
        together: Some(TogetherConfig {
            min_support: 2,
            ..TogetherConfig::default()
        }),
        trending: Some(TrendingConfig::default()),
    };
    add_placements(bytes, &session_log(store), &config)
}
