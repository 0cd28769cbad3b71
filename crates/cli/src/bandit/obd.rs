//! The Open Bandit Dataset validation: estimate the production Bernoulli Thompson-sampling
//! policy's click rate from the uniform-random logs and compare it with the click rate that
//! policy actually obtained (its own `bts` logs); estimate our policies the same way.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::Serialize;
use shopwindow::campaign::{
    policy, Campaign, CampaignState, FeatureSpec, PolicyContext, PolicyKind, Rng, Variant,
    VariantPrior,
};

use super::estimators::{estimate_all, ips, Estimate, Estimates, PerRow, PerSlot};
use super::logs::{read_log, Log, LoggedRow};

/// Beta(alpha, beta) per item of one campaign.
#[derive(Debug, Clone, PartialEq)]
pub struct BetaPriors {
    pub alpha: Vec<f64>,
    pub beta: Vec<f64>,
}

/// Reads prior_bts.yaml: `campaign:` / `  alpha:` or `  beta:` / `    - number` lines. Only
/// this shape is accepted; anything else is an error naming the line.
pub fn parse_priors(text: &str) -> Result<BTreeMap<String, BetaPriors>> {
    let mut out: BTreeMap<String, BetaPriors> = BTreeMap::new();
    let mut campaign: Option<String> = None;
    let mut key: Option<&str> = None;
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim_end();
        let content = line.trim_start();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        let bad = || format!("prior file line {}: unexpected {line:?}", n + 1);
        match (line.len() - content.len(), content) {
            (0, c) if c.ends_with(':') => {
                let name = c.trim_end_matches(':').to_string();
                out.insert(
                    name.clone(),
                    BetaPriors {
                        alpha: vec![],
                        beta: vec![],
                    },
                );
                campaign = Some(name);
                key = None;
            }
            (2, "alpha:") => key = Some("alpha"),
            (2, "beta:") => key = Some("beta"),
            (4, c) if c.starts_with("- ") => {
                let value: f64 = c[2..]
                    .trim()
                    .parse()
                    .ok()
                    .filter(|v: &f64| v.is_finite() && *v > 0.0)
                    .with_context(bad)?;
                let priors = campaign
                    .as_ref()
                    .and_then(|c| out.get_mut(c))
                    .with_context(bad)?;
                match key {
                    Some("alpha") => priors.alpha.push(value),
                    Some("beta") => priors.beta.push(value),
                    _ => bail!(bad()),
                }
            }
            _ => bail!(bad()),
        }
    }
    for (name, p) in &out {
        if p.alpha.len() != p.beta.len() || p.alpha.is_empty() {
            bail!(
                "prior file: campaign {name} has {} alphas and {} betas",
                p.alpha.len(),
                p.beta.len()
            );
        }
    }
    Ok(out)
}

/// The slate Thompson-sampling policy's action distribution per slot, by Monte Carlo as
/// obp computes it: draw every item's click rate from its Beta, the best `slots` fill slots
/// 1..slots in order; `result[slot][item]` is the share of draws that put `item` there.
pub fn bts_distribution(
    priors: &BetaPriors,
    slots: usize,
    draws: usize,
    seed: u64,
) -> Vec<Vec<f64>> {
    let k = priors.alpha.len();
    let mut counts = vec![vec![0u32; k]; slots];
    let mut rng = Rng::seed_from_u64(seed);
    let mut theta = vec![0.0; k];
    let mut best: Vec<usize> = Vec::with_capacity(slots + 1);
    for _ in 0..draws {
        for (t, (&a, &b)) in theta.iter_mut().zip(priors.alpha.iter().zip(&priors.beta)) {
            *t = rng.beta(a, b);
        }
        // Keep the `slots` best indices in descending order (insertion into a tiny list).
        best.clear();
        for i in 0..k {
            let at = best
                .iter()
                .position(|&j| theta[i] > theta[j])
                .unwrap_or(best.len());
            if at < slots {
                best.insert(at, i);
                best.truncate(slots);
            }
        }
        for (slot, &item) in best.iter().enumerate() {
            counts[slot][item] += 1;
        }
    }
    counts
        .iter()
        .map(|row| row.iter().map(|&c| c as f64 / draws as f64).collect())
        .collect()
}

/// The policies we ship, built for a campaign with `k` arms (the dataset's items).
pub fn our_policies(k: usize, features: &FeatureSpec) -> Result<Vec<Campaign>> {
    let variants: Vec<Variant> = (0..k)
        .map(|i| Variant {
            id: i.to_string(),
            label: None,
        })
        .collect();
    let floor = shopwindow::campaign::limits::DEFAULT_EXPLORATION / k as f64;
    let beta = vec![
        VariantPrior::Beta {
            alpha: 1.0,
            beta: 1.0
        };
        k
    ];
    let linear = vec![
        VariantPrior::Linear {
            mean: 0.0,
            precision: 1.0
        };
        k
    ];
    let build = |name: &str,
                 policy,
                 features: FeatureSpec,
                 prior: &Vec<VariantPrior>|
     -> Result<Campaign> {
        let mut c = Campaign::new(
            name,
            variants.clone(),
            policy,
            floor,
            features,
            prior.clone(),
        )?;
        // The logs are the whole history here: no forgetting.
        c.max_observations = f64::INFINITY;
        Ok(c)
    };
    Ok(vec![
        build(
            "epsilon-greedy (ε=0.1)",
            PolicyKind::EpsilonGreedy { epsilon: 0.1 },
            FeatureSpec::default(),
            &beta,
        )?,
        build(
            "thompson (Beta(1,1), 64 draws)",
            PolicyKind::Thompson { draws: 64 },
            FeatureSpec::default(),
            &beta,
        )?,
        build(
            "linucb (α=0.1)",
            PolicyKind::LinUcb { alpha: 0.1 },
            features.clone(),
            &linear,
        )?,
    ])
}

/// LinUCB's context on the Open Bandit logs: per categorical user feature, indicators of
/// its two most frequent values (8 "user" dims for the 4 features) and the slot as the page.
pub fn obd_context(log: &Log) -> (FeatureSpec, impl Fn(&LoggedRow) -> PolicyContext) {
    let features = log.rows.first().map_or(0, |r| r.user.len()).min(4);
    let mut top: Vec<[u32; 2]> = Vec::new();
    for f in 0..features {
        let mut counts: BTreeMap<u32, usize> = BTreeMap::new();
        log.rows
            .iter()
            .for_each(|r| *counts.entry(r.user[f]).or_default() += 1);
        let mut by_count: Vec<(usize, u32)> = counts.into_iter().map(|(v, c)| (c, v)).collect();
        by_count.sort_by(|a, b| b.cmp(a));
        top.push([
            by_count.first().map_or(u32::MAX, |x| x.1),
            by_count.get(1).map_or(u32::MAX, |x| x.1),
        ]);
    }
    let pages: Vec<String> = (0..log.positions).map(|p| (p + 1).to_string()).collect();
    let spec = FeatureSpec::new(2 * features, pages).expect("at most 8 user dims and 3 slots");
    let context = move |row: &LoggedRow| PolicyContext {
        user: top
            .iter()
            .enumerate()
            .flat_map(|(f, t)| t.map(|v| f32::from(u8::from(row.user[f] == v))))
            .collect(),
        page: Some((row.position + 1).to_string()),
        ..Default::default()
    };
    (spec, context)
}

/// Progressive validation: before row i the policy has learned from rows 0..i (every
/// logged row, which is legitimate because the logs are uniform exploration); its action
/// distribution at row i is the target for row i. Each row's target depends only on
/// earlier rows, so IPS / SNIPS / DR stay unbiased for the learning policy.
pub fn progressive(
    log: &Log,
    campaign: &Campaign,
    context: &dyn Fn(&LoggedRow) -> PolicyContext,
    seed: u64,
) -> PerRow {
    let mut stats = CampaignState::fresh(campaign);
    let mut rng = Rng::seed_from_u64(seed);
    let linear = stats.dim > 0;
    let rows = log
        .rows
        .iter()
        .map(|row| {
            // Only LinUCB reads the features; the others decide from the counts alone.
            let row_context = if linear {
                context(row)
            } else {
                PolicyContext::default()
            };
            let x = campaign
                .features
                .features(&row_context)
                .expect("contexts are built to fit");
            let dist = policy::probabilities(campaign, &stats, None, &x, &mut rng);
            let x = if linear { x } else { Vec::new() };
            stats.record_show(row.action, &x, campaign.max_observations);
            stats.record_reward(row.action, &x, row.reward);
            dist
        })
        .collect();
    PerRow(rows)
}

#[derive(Debug, Clone, Serialize)]
pub struct PolicyRow {
    pub policy: String,
    pub estimates: Estimates,
}

#[derive(Debug, Clone, Serialize)]
pub struct CampaignReport {
    pub campaign: String,
    pub items: usize,
    pub rows_random: usize,
    pub rows_bts: usize,
    /// The uniform-random policy's click rate (its own logs).
    pub random: Estimate,
    /// The Thompson-sampling policy's click rate in its own logs: the truth.
    pub bts_truth: Estimate,
    /// The same policy estimated from the random logs.
    pub bts_estimated: Estimates,
    /// Our recomputed TS distribution scored on the bts logs against the logged propensities:
    /// mean |ours − logged| and IPS (≈ the logged click rate when they agree).
    pub bts_propensity_mean_abs_diff: f64,
    pub bts_ips_on_own_logs: Estimate,
    pub ours: Vec<PolicyRow>,
}

/// Everything the validation needs for one campaign.
pub struct CampaignInputs<'a> {
    pub name: &'a str,
    pub random: &'a Log,
    pub bts: &'a Log,
    pub priors: &'a BetaPriors,
    pub draws: usize,
    pub seed: u64,
    /// Also estimate our three policies (the slow part: LinUCB solves K systems per row).
    pub ours: bool,
}

pub fn evaluate_campaign(input: &CampaignInputs<'_>) -> Result<(CampaignReport, PerSlot)> {
    let (random, bts) = (input.random, input.bts);
    let k = input.priors.alpha.len();
    if random.actions > k || bts.actions > k {
        bail!(
            "campaign {}: the logs show item {} but the priors cover {k} items",
            input.name,
            random.actions.max(bts.actions) - 1
        );
    }
    let slots = random.positions.max(bts.positions);
    let dist = PerSlot(bts_distribution(
        input.priors,
        slots,
        input.draws,
        input.seed,
    ));
    let bts_estimated = estimate_all(&random.rows, &dist, k, slots, input.seed);
    let diffs: Vec<f64> = bts
        .rows
        .iter()
        .map(|r| (dist.0[r.position][r.action] - r.propensity).abs())
        .collect();
    let mut ours = Vec::new();
    if input.ours {
        let (spec, context) = obd_context(random);
        for (i, campaign) in our_policies(k, &spec)?.iter().enumerate() {
            let seed = input.seed.wrapping_add(1 + i as u64);
            let target = progressive(random, campaign, &context, seed);
            ours.push(PolicyRow {
                policy: campaign.id.clone(),
                estimates: estimate_all(&random.rows, &target, k, slots, seed),
            });
        }
    }
    let report = CampaignReport {
        campaign: input.name.to_string(),
        items: k,
        rows_random: random.rows.len(),
        rows_bts: bts.rows.len(),
        random: Estimate::of_rewards(&random.rows),
        bts_truth: Estimate::of_rewards(&bts.rows),
        bts_estimated,
        bts_propensity_mean_abs_diff: diffs.iter().sum::<f64>() / diffs.len().max(1) as f64,
        bts_ips_on_own_logs: ips(&bts.rows, &dist),
        ours,
    };
    Ok((report, dist))
}

/// Reads `<dir>/<policy>/<campaign>/<campaign>.csv(.gz)`.
pub fn read_campaign_log(dir: &Path, policy: &str, campaign: &str) -> Result<Log> {
    let base = dir.join(policy).join(campaign);
    let gz = base.join(format!("{campaign}.csv.gz"));
    let path = if gz.exists() {
        gz
    } else {
        base.join(format!("{campaign}.csv"))
    };
    read_log(&path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priors_parse_and_bad_lines_are_named() {
        let text = "all:\n  alpha:\n    - 2.0\n    - 3.0\n  beta:\n    - 10.0\n    - 20.0\n";
        let p = parse_priors(text).unwrap();
        assert_eq!(
            p["all"],
            BetaPriors {
                alpha: vec![2.0, 3.0],
                beta: vec![10.0, 20.0]
            }
        );
        assert!(parse_priors("all:\n  gamma:\n")
            .unwrap_err()
            .to_string()
            .contains("line 2"));
        assert!(parse_priors("all:\n  alpha:\n    - x\n").is_err());
        assert!(parse_priors("all:\n  alpha:\n    - 1\n")
            .unwrap_err()
            .to_string()
            .contains("1 alphas and 0 betas"));
    }

    #[test]
    fn bts_distribution_is_a_distribution_per_slot_and_favours_strong_priors() {
        // Item 2 has by far the highest click rate, item 0 the lowest.
        let priors = BetaPriors {
            alpha: vec![1.0, 50.0, 500.0, 40.0],
            beta: vec![1000.0, 1000.0, 1000.0, 1000.0],
        };
        let dist = bts_distribution(&priors, 3, 20_000, 1);
        for slot in &dist {
            assert!((slot.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        }
        assert!(dist[0][2] > 0.999);
        assert!(dist[1][1] > 0.7 && dist[2][3] > 0.7, "{dist:?}");
        // No item appears in two slots of one draw: per item the slot shares sum to ≤ 1.
        for item in 0..4 {
            assert!(dist.iter().map(|s| s[item]).sum::<f64>() <= 1.0 + 1e-12);
        }
    }
}
