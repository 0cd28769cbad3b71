//! The bounds of campaigns.json and of the policy state, in one place: the definition
//! checks a file against them and the state keeps within them, so neither has to import
//! the other for a number.

/// Bounds that keep the policy state small on the device (see [`super::state`]).
pub const MAX_CAMPAIGNS: usize = 64;
pub const MAX_VARIANTS: usize = 128;
pub const MAX_SEGMENTS: usize = 256;
pub const MAX_ID_LENGTH: usize = 64;
/// Most numbers the policy state of all campaigns together may hold (shows, rewards and
/// LinUCB's statistics per variant): at most ~400 KB of JSON on the device.
pub const MAX_STATE_NUMBERS: usize = 16_384;
/// Thompson-sampling Monte Carlo draws per decision: default and upper bound.
pub const DEFAULT_DRAWS: u32 = 256;
pub const MAX_DRAWS: u32 = 10_000;
/// Default exploration floor as a share of the uniform distribution: floor = 0.1 / K, so
/// one decision in ten is spread uniformly whatever the policy prefers.
pub const DEFAULT_EXPLORATION: f64 = 0.1;
/// Observations a campaign's statistics hold before they are halved (see `state`).
pub const DEFAULT_MAX_OBSERVATIONS: f64 = 1_000.0;

/// Decisions per campaign that a reward can still attach to. More than one, because the
/// shop's tabs share the state: a banner shown in one tab may be clicked after another tab
/// has decided.
pub const MAX_PENDING: usize = 8;
