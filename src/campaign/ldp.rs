//! Local differential privacy for optional aggregate reporting.
//!
//! Mechanism: k-ary randomized response (Warner 1965; Kairouz et al. 2016) over the
//! D = 2K pairs (variant, clicked) of a K-variant campaign. A device reports its true pair
//! with probability p = e^ε / (e^ε + D − 1) and each of the D − 1 other pairs with
//! probability q = 1 / (e^ε + D − 1). Since p / q = e^ε, one report is ε-differentially
//! private; a device's lifetime total is the sum over its reports (basic composition),
//! counted in the [`PrivacyLedger`](super::state::PrivacyLedger) and never renewed.
//!
//! De-biasing: with n reports and observed share λⱼ of pair j, E[λⱼ] = q + (p − q)πⱼ, so
//! π̂ⱼ = (λⱼ − q) / (p − q) is unbiased, with Var ≈ λⱼ(1 − λⱼ) / (n (p − q)²).

use serde::Serialize;

use crate::json::Value;

use super::json::{self, Obj};

use super::random::Rng;

/// What a device would send: one randomized pair for one campaign and epoch.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LdpReport {
    pub campaign: String,
    pub epoch: u64,
    pub variant: String,
    pub clicked: bool,
    pub epsilon: f64,
}

impl LdpReport {
    /// Reads one report (as serialized) strictly.
    pub fn from_json(text: &str) -> Result<LdpReport, String> {
        LdpReport::read(&json::parse(text)?)
    }

    pub(crate) fn read(value: &Value) -> Result<LdpReport, String> {
        let o = Obj::new(
            value,
            "a report",
            &["campaign", "epoch", "variant", "clicked", "epsilon"],
        )?;
        Ok(LdpReport {
            campaign: o.str("campaign")?,
            epoch: o.u64("epoch")?,
            variant: o.str("variant")?,
            clicked: o.bool("clicked")?,
            epsilon: o.f64("epsilon")?,
        })
    }
}

/// Probability of reporting the true value among `domain` values.
pub fn keep_probability(epsilon: f64, domain: usize) -> f64 {
    let e = epsilon.exp();
    e / (e + domain as f64 - 1.0)
}

/// Probability of reporting one particular other value.
pub fn other_probability(epsilon: f64, domain: usize) -> f64 {
    1.0 / (epsilon.exp() + domain as f64 - 1.0)
}

/// The index of a (variant, clicked) pair among the 2K values.
pub fn pair_index(variant: usize, clicked: bool) -> usize {
    2 * variant + usize::from(clicked)
}

/// Randomized response: `truth` with probability p, else a uniformly chosen other value.
pub fn randomize(truth: usize, domain: usize, epsilon: f64, rng: &mut Rng) -> usize {
    if rng.uniform() < keep_probability(epsilon, domain) {
        return truth;
    }
    let other = rng.below(domain - 1);
    if other >= truth {
        other + 1
    } else {
        other
    }
}

/// De-biased estimate of one campaign's variants from counts of reported pairs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VariantEstimate {
    /// Estimated share of reports whose true variant is this one (shown, not clicked + clicked).
    pub shown_share: f64,
    pub clicked_share: f64,
    /// clicked_share / shown_share, when shown_share is positive.
    pub click_rate: Option<f64>,
    /// Delta-method standard error of `click_rate`.
    pub click_rate_se: Option<f64>,
}

/// De-biases `counts[pair_index(v, c)]` (length 2K) reported with `epsilon`.
pub fn debias(counts: &[u64], epsilon: f64) -> Vec<VariantEstimate> {
    let domain = counts.len();
    let n: u64 = counts.iter().sum();
    let p = keep_probability(epsilon, domain);
    let q = other_probability(epsilon, domain);
    let nf = n.max(1) as f64;
    let share = |c: u64| c as f64 / nf;
    let estimate = |c: u64| (share(c) - q) / (p - q);
    let scale = nf * (p - q) * (p - q);
    counts
        .chunks(2)
        .map(|pair| {
            let (l0, l1) = (share(pair[0]), share(pair[1]));
            let (u, c) = (estimate(pair[0]), estimate(pair[1]));
            let shown = u + c;
            let (var_u, var_c, cov) = (
                l0 * (1.0 - l0) / scale,
                l1 * (1.0 - l1) / scale,
                -l0 * l1 / scale,
            );
            let rate = (shown > 0.0).then(|| c / shown);
            let se = (shown > 0.0).then(|| {
                let var = (u * u * var_c + c * c * var_u - 2.0 * u * c * cov) / shown.powi(4);
                var.max(0.0).sqrt()
            });
            VariantEstimate {
                shown_share: shown,
                clicked_share: c,
                click_rate: rate,
                click_rate_se: se,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flip_probabilities_have_their_exact_values() {
        // ε = ln 3, D = 4: p = 3 / (3 + 3) = 1/2, q = 1/6 each; p/q = 3 = e^ε.
        let eps = 3f64.ln();
        assert!((keep_probability(eps, 4) - 0.5).abs() < 1e-15);
        assert!((other_probability(eps, 4) - 1.0 / 6.0).abs() < 1e-15);
        // ε = 0: no information, uniform over the domain.
        assert_eq!(keep_probability(0.0, 6), 1.0 / 6.0);
        assert_eq!(other_probability(0.0, 6), 1.0 / 6.0);
        // ε = 1, D = 2 (binary randomized response): e / (e + 1).
        let e = 1f64.exp();
        assert!((keep_probability(1.0, 2) - e / (e + 1.0)).abs() < 1e-15);
        for (eps, d) in [(0.5, 4), (1.0, 6), (2.0, 16), (4.0, 256)] {
            let (p, q) = (keep_probability(eps, d), other_probability(eps, d));
            assert!((p + (d - 1) as f64 * q - 1.0).abs() < 1e-12);
            assert!((p / q - f64::exp(eps)).abs() < 1e-9);
        }
    }

    #[test]
    fn randomize_reports_each_value_with_its_probability() {
        let mut rng = Rng::seed_from_u64(11);
        let (d, eps, n) = (6, 1.0, 200_000);
        let mut counts = vec![0u32; d];
        for _ in 0..n {
            counts[randomize(2, d, eps, &mut rng)] += 1;
        }
        let (p, q) = (keep_probability(eps, d), other_probability(eps, d));
        for (j, &c) in counts.iter().enumerate() {
            let expected = if j == 2 { p } else { q };
            let se = (expected * (1.0 - expected) / n as f64).sqrt();
            assert!(
                (c as f64 / n as f64 - expected).abs() < 5.0 * se,
                "{j}: {c}"
            );
        }
    }

    #[test]
    fn debiased_click_rates_converge_to_the_truth() {
        // Three variants shown 50/30/20 with click rates 0.10/0.30/0.05; 400k devices.
        let shows = [0.5, 0.3, 0.2];
        let rates = [0.10, 0.30, 0.05];
        let eps = 1.0;
        let mut rng = Rng::seed_from_u64(12);
        let mut counts = vec![0u64; 6];
        for _ in 0..400_000 {
            let v = rng.pick(&shows);
            let clicked = rng.uniform() < rates[v];
            counts[randomize(pair_index(v, clicked), 6, eps, &mut rng)] += 1;
        }
        let estimates = debias(&counts, eps);
        for (v, est) in estimates.iter().enumerate() {
            let rate = est.click_rate.unwrap();
            let se = est.click_rate_se.unwrap();
            assert!((est.shown_share - shows[v]).abs() < 0.01, "{v}: {est:?}");
            assert!(
                (rate - rates[v]).abs() < 4.0 * se,
                "{v}: {rate} ± {se} vs {}",
                rates[v]
            );
            assert!(
                se < 0.03,
                "{v}: the estimate should be tight at this n, se {se}"
            );
        }
    }

    #[test]
    fn with_no_noise_debias_is_the_empirical_share() {
        // A huge ε keeps (almost) every answer: de-biasing must give back the raw shares.
        let estimates = debias(&[30, 10, 50, 10], 50.0);
        assert!((estimates[0].shown_share - 0.4).abs() < 1e-12);
        assert!((estimates[0].click_rate.unwrap() - 0.25).abs() < 1e-12);
        assert!((estimates[1].click_rate.unwrap() - 10.0 / 60.0).abs() < 1e-12);
    }
}
