//! The action distribution of each policy, with the exploration floor.
//!
//! Every policy here produces a full probability vector over the variants, and the action
//! is then drawn from that vector. The propensity logged with a decision is therefore the
//! exact probability the action was drawn with, which is what off-policy estimators need.
//!
//! - ε-greedy: (1 − ε) split over the variants with the best posterior mean, ε uniform.
//! - Thompson sampling by probability matching: P(variant = argmax θ), θᵢ ~ Beta(αᵢ + clicksᵢ,
//!   βᵢ + showsᵢ − clicksᵢ), estimated from `draws` seeded Monte Carlo rounds.
//! - LinUCB (disjoint): per variant A = P·I + XᵀX, b = P·μ e₀ + Xᵀr, θ = A⁻¹b, score
//!   θ·x + α √(xᵀA⁻¹x); the best score (ties split) gets probability 1.
//!
//! Then the floor: p ← (1 − K·floor)·p + floor, a mixture with the uniform distribution
//! that keeps every variant at least `floor` and still sums to 1.

use nalgebra::{DMatrix, DVector};

use super::definition::{Campaign, PolicyKind, VariantPrior};
use super::random::Rng;
use super::state::CampaignState;

/// The action distribution of `campaign` for a shopper in `segment` with features `x`.
pub fn probabilities(
    campaign: &Campaign,
    stats: &CampaignState,
    segment: Option<u32>,
    x: &[f64],
    rng: &mut Rng,
) -> Vec<f64> {
    let priors = campaign.priors(segment);
    let raw = match campaign.policy {
        PolicyKind::EpsilonGreedy { epsilon } => epsilon_greedy(priors, stats, epsilon),
        PolicyKind::Thompson { draws } => thompson(priors, stats, draws, rng),
        PolicyKind::LinUcb { alpha } => lin_ucb(priors, stats, x, alpha),
    };
    with_floor(raw, campaign.floor)
}

/// Mixes with the uniform distribution so every entry is at least `floor` (K·floor ≤ 1).
pub fn with_floor(mut p: Vec<f64>, floor: f64) -> Vec<f64> {
    let k = p.len() as f64;
    let keep = 1.0 - k * floor;
    p.iter_mut().for_each(|v| *v = keep * *v + floor);
    p
}

/// Posterior Beta parameters of each variant: prior plus observed clicks and non-clicks.
fn posterior(priors: &[VariantPrior], stats: &CampaignState) -> Vec<(f64, f64)> {
    priors
        .iter()
        .zip(stats.shows.iter().zip(&stats.rewards))
        .map(|(prior, (&shows, &clicks))| {
            let (a, b) = match *prior {
                VariantPrior::Beta { alpha, beta } => (alpha, beta),
                // Validation pairs Beta priors with these policies; stay neutral regardless.
                VariantPrior::Linear { .. } => (1.0, 1.0),
            };
            (a + clicks, b + (shows - clicks).max(0.0))
        })
        .collect()
}

/// Uniform over the indices of the largest scores (exact ties share the mass).
fn argmax_uniform(scores: &[f64]) -> Vec<f64> {
    let best = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let winners = scores.iter().filter(|&&s| s == best).count() as f64;
    scores
        .iter()
        .map(|&s| if s == best { 1.0 / winners } else { 0.0 })
        .collect()
}

fn epsilon_greedy(priors: &[VariantPrior], stats: &CampaignState, epsilon: f64) -> Vec<f64> {
    let means: Vec<f64> = posterior(priors, stats)
        .iter()
        .map(|&(a, b)| a / (a + b))
        .collect();
    let k = means.len() as f64;
    argmax_uniform(&means)
        .iter()
        .map(|&g| (1.0 - epsilon) * g + epsilon / k)
        .collect()
}

fn thompson(priors: &[VariantPrior], stats: &CampaignState, draws: u32, rng: &mut Rng) -> Vec<f64> {
    let params = posterior(priors, stats);
    let mut wins = vec![0u32; params.len()];
    for _ in 0..draws {
        let mut best = (f64::NEG_INFINITY, 0);
        for (i, &(a, b)) in params.iter().enumerate() {
            let theta = rng.beta(a, b);
            if theta > best.0 {
                best = (theta, i);
            }
        }
        wins[best.1] += 1;
    }
    wins.iter().map(|&w| w as f64 / draws as f64).collect()
}

fn lin_ucb(priors: &[VariantPrior], stats: &CampaignState, x: &[f64], alpha: f64) -> Vec<f64> {
    let d = stats.dim;
    let x = DVector::from_column_slice(x);
    let scores: Vec<f64> = priors
        .iter()
        .enumerate()
        .map(|(arm, prior)| {
            let (mean, precision) = match *prior {
                VariantPrior::Linear { mean, precision } => (mean, precision),
                VariantPrior::Beta { .. } => (0.0, 1.0),
            };
            let mut a = DMatrix::from_row_slice(d, d, &stats.gram[arm * d * d..(arm + 1) * d * d]);
            let mut b = DVector::from_column_slice(&stats.xr[arm * d..(arm + 1) * d]);
            for i in 0..d {
                a[(i, i)] += precision;
            }
            b[0] += precision * mean;
            // A is the Gram matrix plus a positive multiple of I: positive definite, so the
            // factorization exists; a failure would mean corrupt numbers, scored as worst.
            match a.cholesky() {
                Some(chol) => {
                    let theta = chol.solve(&b);
                    let ainv_x = chol.solve(&x);
                    theta.dot(&x) + alpha * x.dot(&ainv_x).max(0.0).sqrt()
                }
                None => f64::NEG_INFINITY,
            }
        })
        .collect();
    argmax_uniform(&scores)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floor_mixes_with_uniform() {
        let p = with_floor(vec![1.0, 0.0, 0.0, 0.0], 0.05);
        assert_eq!(p, vec![0.8 + 0.05, 0.05, 0.05, 0.05]);
        assert_eq!(with_floor(vec![0.5, 0.5], 0.0), vec![0.5, 0.5]);
        // floor = 1/K is the uniform distribution whatever the policy says.
        assert_eq!(with_floor(vec![1.0, 0.0], 0.5), vec![0.5, 0.5]);
    }

    #[test]
    fn ties_share_the_greedy_mass() {
        assert_eq!(argmax_uniform(&[1.0, 3.0, 3.0]), vec![0.0, 0.5, 0.5]);
    }
}
