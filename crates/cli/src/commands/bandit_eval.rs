//! `shopwindow bandit-eval`: off-policy evaluation on the Open Bandit Dataset layout.

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;

use crate::bandit::estimators::{Estimate, Estimates};
use crate::bandit::obd::{
    evaluate_campaign, parse_priors, read_campaign_log, CampaignInputs, CampaignReport,
};

/// Estimate campaign policies' click rates from logged bandit feedback.
///
/// Reads `<data>/random/<campaign>/` and `<data>/bts/<campaign>/` logs and
/// `<data>/prior_bts.yaml` (the Open Bandit Dataset layout). For each campaign it estimates
/// the production Thompson-sampling policy's click rate from the uniform-random logs with
/// replay, IPS, SNIPS and doubly robust estimators (95% intervals: normal approximation over
/// the per-row terms, Wilson for replay) and prints it beside the click rate that policy actually obtained in
/// its own logs; then it estimates shopwindow's ε-greedy, Thompson-sampling and LinUCB
/// policies, learning progressively from the random logs.
#[derive(Debug, Args)]
pub struct BanditEvalArgs {
    /// The dataset folder (random/, bts/, prior_bts.yaml).
    #[arg(long)]
    pub data: PathBuf,
    /// Campaigns to evaluate.
    #[arg(long, value_delimiter = ',', default_value = "all,men,women")]
    pub campaigns: Vec<String>,
    /// Monte Carlo draws for the Thompson-sampling policy's action distribution.
    #[arg(long, default_value_t = 100_000)]
    pub draws: usize,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Skip our own policies (only the production policy's validation).
    #[arg(long)]
    pub skip_ours: bool,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Write each campaign's Thompson-sampling distribution as `bts_<campaign>.csv`
    /// (slot, item, probability) here, for cross-checks with other implementations.
    #[arg(long)]
    pub dump_dist: Option<PathBuf>,
}

pub fn run(args: &BanditEvalArgs) -> Result<()> {
    let prior_path = args.data.join("prior_bts.yaml");
    let priors = parse_priors(
        &std::fs::read_to_string(&prior_path)
            .with_context(|| format!("reading {}", prior_path.display()))?,
    )?;
    let mut reports = Vec::new();
    for name in &args.campaigns {
        let prior = priors.get(name).with_context(|| {
            format!(
                "{} has no priors for campaign {name:?}",
                prior_path.display()
            )
        })?;
        let random = read_campaign_log(&args.data, "random", name)?;
        let bts = read_campaign_log(&args.data, "bts", name)?;
        let (report, dist) = evaluate_campaign(&CampaignInputs {
            name,
            random: &random,
            bts: &bts,
            priors: prior,
            draws: args.draws,
            seed: args.seed,
            ours: !args.skip_ours,
        })?;
        if let Some(dir) = &args.dump_dist {
            std::fs::create_dir_all(dir)?;
            let mut csv = String::from("slot,item,probability\n");
            for (slot, row) in dist.0.iter().enumerate() {
                for (item, p) in row.iter().enumerate() {
                    let _ = writeln!(csv, "{slot},{item},{p}");
                }
            }
            let path = dir.join(format!("bts_{name}.csv"));
            std::fs::write(&path, csv).with_context(|| format!("writing {}", path.display()))?;
        }
        reports.push(report);
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&reports)?);
    } else {
        print!("{}", table(&reports));
    }
    Ok(())
}

fn cell(e: &Estimate) -> String {
    format!("{:.5} [{:.5}, {:.5}]", e.value, e.low, e.high)
}

fn estimator_lines(out: &mut String, label: &str, e: &Estimates, truth: Option<f64>) {
    for (name, est) in [
        ("replay", &e.replay),
        ("IPS", &e.ips),
        ("SNIPS", &e.snips),
        ("DR", &e.dr),
    ] {
        let covers = truth.map_or(String::new(), |t| {
            if est.covers(t) {
                "  covers truth".into()
            } else {
                "  MISSES truth".into()
            }
        });
        let _ = writeln!(
            out,
            "  {label:<34} {name:<6} {}  (n={}){covers}",
            cell(est),
            est.rows
        );
    }
}

/// The human-readable report: click rates with 95% intervals.
pub fn table(reports: &[CampaignReport]) -> String {
    let mut out = String::new();
    for r in reports {
        let _ = writeln!(
            out,
            "campaign {} ({} items; {} random rows, {} bts rows)",
            r.campaign, r.items, r.rows_random, r.rows_bts
        );
        let _ = writeln!(
            out,
            "  {:<34} {:<6} {}",
            "random (logged)",
            "mean",
            cell(&r.random)
        );
        let _ = writeln!(
            out,
            "  {:<34} {:<6} {}",
            "bernoulli TS (logged: truth)",
            "mean",
            cell(&r.bts_truth)
        );
        estimator_lines(
            &mut out,
            "bernoulli TS (from random logs)",
            &r.bts_estimated,
            Some(r.bts_truth.value),
        );
        let _ = writeln!(
            out,
            "  TS propensities: mean |recomputed - logged| = {:.5}; IPS on its own logs {}",
            r.bts_propensity_mean_abs_diff,
            cell(&r.bts_ips_on_own_logs)
        );
        for p in &r.ours {
            estimator_lines(&mut out, &p.policy, &p.estimates, None);
        }
    }
    out
}
