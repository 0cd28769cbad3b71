//! Off-policy estimators of a target policy's mean reward from logged data.
//!
//! With logged rows (xᵢ, aᵢ, rᵢ, μᵢ = μ(aᵢ|xᵢ)) and the target's probabilities π(·|xᵢ),
//! wᵢ = π(aᵢ|xᵢ) / μᵢ:
//! - **replay** (Li et al. 2011): draw a ~ π(·|xᵢ) (seeded); keep the rows where it equals
//!   aᵢ; the mean of their rewards. Unbiased only under uniform logging.
//! - **IPS**: mean of wᵢ rᵢ.
//! - **SNIPS**: Σ wᵢ rᵢ / Σ wᵢ.
//! - **DR** (Dudík et al. 2011): mean of Σₐ π(a|xᵢ) q̂(a, xᵢ) + wᵢ (rᵢ − q̂(aᵢ, xᵢ)), with
//!   q̂(a, slot) the mean reward of action a in that slot, shrunk toward the overall mean
//!   with [`SHRINKAGE_ROWS`] pseudo-rows, cross-fitted on two folds (even / odd rows): each
//!   row's q̂ comes from the other fold only.
//!
//! Confidence intervals are 95% normal approximations over the per-row terms: value ±
//! 1.96 · sd / √n (for SNIPS the delta-method terms wᵢ (rᵢ − V) / mean(w)). Replay keeps
//! few rows and clicks are rare, so a normal interval there often collapses to [0, 0]; it
//! gets the Wilson score interval instead (rewards in [0, 1], exact for clicks).

use serde::Serialize;
use shopwindow::campaign::Rng;

use super::logs::LoggedRow;

/// Pseudo-rows pulling each (action, slot) mean toward the fold's mean reward.
pub const SHRINKAGE_ROWS: f64 = 10.0;
const Z95: f64 = 1.959_963_984_540_054;

/// A point estimate with its 95% interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    pub value: f64,
    pub se: f64,
    pub low: f64,
    pub high: f64,
    /// Rows the estimate rests on (all rows, or the matched ones for replay).
    pub rows: usize,
}

impl Estimate {
    /// The plain mean reward of a log (the logging policy's value on its own logs).
    pub fn of_rewards(rows: &[LoggedRow]) -> Estimate {
        Estimate::from_terms(&rows.iter().map(|r| r.reward).collect::<Vec<_>>())
    }

    fn from_terms(terms: &[f64]) -> Estimate {
        let n = terms.len().max(1) as f64;
        let mean = terms.iter().sum::<f64>() / n;
        let var = terms.iter().map(|t| (t - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
        Estimate::with_se(mean, (var / n).sqrt(), terms.len())
    }

    /// Mean of rewards in [0, 1] with the Wilson score interval.
    fn wilson(rewards: &[f64]) -> Estimate {
        let plain = Estimate::from_terms(rewards);
        let n = rewards.len() as f64;
        if n == 0.0 {
            return plain;
        }
        let p = plain.value;
        let z2n = Z95 * Z95 / n;
        let centre = (p + z2n / 2.0) / (1.0 + z2n);
        let half = Z95 / (1.0 + z2n) * (p * (1.0 - p) / n + z2n / (4.0 * n)).max(0.0).sqrt();
        Estimate {
            low: centre - half,
            high: centre + half,
            ..plain
        }
    }

    fn with_se(value: f64, se: f64, rows: usize) -> Estimate {
        Estimate {
            value,
            se,
            low: value - Z95 * se,
            high: value + Z95 * se,
            rows,
        }
    }

    /// Does the interval contain `x`?
    pub fn covers(&self, x: f64) -> bool {
        self.low <= x && x <= self.high
    }
}

/// The target policy's action probabilities for each logged row.
pub trait Target {
    fn probabilities(&self, row: usize, logged: &LoggedRow) -> &[f64];
}

/// A context-free target: one distribution per slot.
pub struct PerSlot(pub Vec<Vec<f64>>);

impl Target for PerSlot {
    fn probabilities(&self, _row: usize, logged: &LoggedRow) -> &[f64] {
        &self.0[logged.position]
    }
}

/// One distribution per row (policies that learn as they go, contextual policies).
pub struct PerRow(pub Vec<Vec<f64>>);

impl Target for PerRow {
    fn probabilities(&self, row: usize, _logged: &LoggedRow) -> &[f64] {
        &self.0[row]
    }
}

/// All four estimators at once.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimates {
    pub replay: Estimate,
    pub ips: Estimate,
    pub snips: Estimate,
    pub dr: Estimate,
}

pub fn estimate_all(
    rows: &[LoggedRow],
    target: &dyn Target,
    actions: usize,
    positions: usize,
    seed: u64,
) -> Estimates {
    Estimates {
        replay: replay(rows, target, seed),
        ips: ips(rows, target),
        snips: snips(rows, target),
        dr: doubly_robust(rows, target, actions, positions),
    }
}

fn weight(rows: &[LoggedRow], target: &dyn Target, i: usize) -> f64 {
    let row = &rows[i];
    target.probabilities(i, row)[row.action] / row.propensity
}

pub fn ips(rows: &[LoggedRow], target: &dyn Target) -> Estimate {
    let terms: Vec<f64> = (0..rows.len())
        .map(|i| weight(rows, target, i) * rows[i].reward)
        .collect();
    Estimate::from_terms(&terms)
}

pub fn snips(rows: &[LoggedRow], target: &dyn Target) -> Estimate {
    let weights: Vec<f64> = (0..rows.len()).map(|i| weight(rows, target, i)).collect();
    let total: f64 = weights.iter().sum();
    let n = rows.len().max(1) as f64;
    if total <= 0.0 {
        return Estimate::with_se(f64::NAN, f64::NAN, rows.len());
    }
    let value = weights
        .iter()
        .zip(rows)
        .map(|(w, r)| w * r.reward)
        .sum::<f64>()
        / total;
    let mean_w = total / n;
    let terms: Vec<f64> = weights
        .iter()
        .zip(rows)
        .map(|(w, r)| w * (r.reward - value) / mean_w)
        .collect();
    let spread = Estimate::from_terms(&terms);
    Estimate::with_se(value, spread.se, rows.len())
}

pub fn replay(rows: &[LoggedRow], target: &dyn Target, seed: u64) -> Estimate {
    let mut rng = Rng::seed_from_u64(seed);
    let kept: Vec<f64> = rows
        .iter()
        .enumerate()
        .filter(|(i, row)| rng.pick(target.probabilities(*i, row)) == row.action)
        .map(|(_, row)| row.reward)
        .collect();
    Estimate::wilson(&kept)
}

/// Per-(action, slot) mean rewards of the rows in `fold` (row index parity), shrunk toward
/// that fold's mean.
pub fn reward_model(rows: &[LoggedRow], fold: usize, actions: usize, positions: usize) -> Vec<f64> {
    let mut sums = vec![0.0; actions * positions];
    let mut counts = vec![0.0; actions * positions];
    let (mut total, mut n) = (0.0, 0.0);
    for row in rows.iter().skip(fold).step_by(2) {
        let cell = row.action * positions + row.position;
        sums[cell] += row.reward;
        counts[cell] += 1.0;
        total += row.reward;
        n += 1.0;
    }
    let mean = if n > 0.0 { total / n } else { 0.0 };
    sums.iter()
        .zip(&counts)
        .map(|(s, c)| (s + SHRINKAGE_ROWS * mean) / (c + SHRINKAGE_ROWS))
        .collect()
}

pub fn doubly_robust(
    rows: &[LoggedRow],
    target: &dyn Target,
    actions: usize,
    positions: usize,
) -> Estimate {
    // Row i (fold i % 2) is predicted by the model fitted on the other fold.
    let models = [
        reward_model(rows, 1, actions, positions),
        reward_model(rows, 0, actions, positions),
    ];
    let terms: Vec<f64> = rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let q = &models[i % 2];
            let pi = target.probabilities(i, row);
            let direct: f64 = pi
                .iter()
                .enumerate()
                .map(|(a, p)| p * q[a * positions + row.position])
                .sum();
            let w = pi[row.action] / row.propensity;
            direct + w * (row.reward - q[row.action * positions + row.position])
        })
        .collect();
    Estimate::from_terms(&terms)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(action: usize, reward: f64, propensity: f64) -> LoggedRow {
        LoggedRow {
            action,
            position: 0,
            reward,
            propensity,
            user: vec![],
        }
    }

    #[test]
    fn ips_and_snips_of_a_known_log() {
        // Two actions logged uniformly; the target always plays action 1.
        let rows = vec![
            row(0, 1.0, 0.5),
            row(1, 1.0, 0.5),
            row(1, 0.0, 0.5),
            row(0, 0.0, 0.5),
        ];
        let target = PerSlot(vec![vec![0.0, 1.0]]);
        // IPS: (0 + 2 + 0 + 0) / 4.
        assert_eq!(ips(&rows, &target).value, 0.5);
        // SNIPS: 2 / (0 + 2 + 2 + 0).
        assert_eq!(snips(&rows, &target).value, 0.5);
        let uniform = PerSlot(vec![vec![0.5, 0.5]]);
        assert_eq!(snips(&rows, &uniform).value, 0.5);
        assert_eq!(ips(&rows, &uniform).value, 0.5);
    }

    #[test]
    fn dr_of_the_logging_policy_on_a_balanced_log_is_the_mean_reward() {
        // Action 0 always gives 0, action 1 always 1, logged alternately. Each fold holds one
        // action only, so each row's cross-fitted q̂ is wrong for its own action, and the
        // correction term w (r − q̂) must undo that exactly: DR is the mean reward, 0.5.
        let rows: Vec<LoggedRow> = (0..40).map(|i| row(i % 2, (i % 2) as f64, 0.5)).collect();
        let same = PerSlot(vec![vec![0.5, 0.5]]);
        let dr = doubly_robust(&rows, &same, 2, 1);
        assert!((dr.value - 0.5).abs() < 1e-12, "{dr:?}");
    }

    #[test]
    fn replay_keeps_only_matching_rows() {
        let rows = vec![row(0, 1.0, 0.5), row(1, 0.0, 0.5), row(0, 1.0, 0.5)];
        let always_zero = PerSlot(vec![vec![1.0, 0.0]]);
        let e = replay(&rows, &always_zero, 1);
        assert_eq!((e.value, e.rows), (1.0, 2));
        // Wilson: all-success with n = 2 still has a lower bound well below 1.
        assert!(
            e.low > 0.3 && e.low < 0.5 && (e.high - 1.0).abs() < 1e-12,
            "{e:?}"
        );
        let never = PerSlot(vec![vec![0.0, 1.0]]);
        let e = replay(&rows, &never, 1);
        assert_eq!((e.value, e.rows, e.low), (0.0, 1, 0.0));
        assert!(e.high > 0.5, "zero clicks in one row says little: {e:?}");
    }

    #[test]
    fn intervals_are_symmetric_normal_intervals() {
        let e = Estimate::from_terms(&[0.0, 1.0, 0.0, 1.0]);
        assert_eq!(e.value, 0.5);
        let se = (1.0f64 / 3.0 / 4.0).sqrt();
        assert!((e.se - se).abs() < 1e-15);
        assert!((e.high - e.value - Z95 * se).abs() < 1e-15);
        assert!(e.covers(0.5) && !e.covers(2.0));
    }
}
