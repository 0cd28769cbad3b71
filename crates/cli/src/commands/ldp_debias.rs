//! `shopwindow ldp-debias`: click rates from a batch of randomized-response reports.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::Args;
use serde::Serialize;
use shopwindow::campaign::ldp::{debias, pair_index, VariantEstimate};
use shopwindow::campaign::{CampaignBook, LdpReport};

/// De-bias randomized-response reports into per-variant click-rate estimates.
///
/// Reads the campaigns file (for the variants and ε) and a JSON-lines file of reports as
/// devices produce them (`{"campaign","epoch","variant","clicked","epsilon"}`). Each
/// report's pair (variant, clicked) was kept with probability e^ε / (e^ε + 2K − 1); the
/// estimate inverts that: π̂ = (share − q) / (p − q), click rate = π̂(clicked) / π̂(shown),
/// with delta-method standard errors.
#[derive(Debug, Args)]
pub struct LdpDebiasArgs {
    /// campaigns.json (the store's campaign definitions).
    #[arg(long)]
    pub campaigns: PathBuf,
    /// Reports, one JSON object per line.
    pub reports: PathBuf,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Serialize)]
pub struct CampaignEstimate {
    pub campaign: String,
    pub reports: u64,
    pub epsilon: f64,
    pub variants: Vec<(String, VariantEstimate)>,
}

pub fn run(args: &LdpDebiasArgs) -> Result<()> {
    let book = CampaignBook::from_json(
        &std::fs::read_to_string(&args.campaigns)
            .with_context(|| format!("reading {}", args.campaigns.display()))?,
    )?;
    let text = std::fs::read_to_string(&args.reports)
        .with_context(|| format!("reading {}", args.reports.display()))?;
    let estimates = estimate(&book, &text)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&estimates)?);
        return Ok(());
    }
    let mut out = String::new();
    for c in &estimates {
        let _ = writeln!(
            out,
            "campaign {} ({} reports, ε = {})",
            c.campaign, c.reports, c.epsilon
        );
        for (variant, e) in &c.variants {
            let rate = match (e.click_rate, e.click_rate_se) {
                (Some(r), Some(se)) => format!("{r:.4} ± {:.4}", 1.96 * se),
                _ => "n/a (no shows estimated)".into(),
            };
            let _ = writeln!(
                out,
                "  {variant:<24} shown share {:.4}  click rate {rate}",
                e.shown_share
            );
        }
    }
    print!("{out}");
    Ok(())
}

/// Counts the reports per campaign and de-biases them. Reports of one campaign must all
/// use the campaign file's ε (mixing ε would need per-report weights).
pub fn estimate(book: &CampaignBook, jsonl: &str) -> Result<Vec<CampaignEstimate>> {
    let privacy = book
        .privacy
        .context("the campaigns file does not enable privacy reports")?;
    let mut counts: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for (n, line) in jsonl
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let at = || format!("report line {}", n + 1);
        let report = LdpReport::from_json(line)
            .map_err(anyhow::Error::msg)
            .with_context(at)?;
        if report.epsilon != privacy.epsilon {
            bail!(
                "{}: ε {} differs from the campaigns file's {}",
                at(),
                report.epsilon,
                privacy.epsilon
            );
        }
        let campaign = book.get(&report.campaign).with_context(at)?;
        let variant = campaign
            .variant_index(&report.variant)
            .with_context(|| format!("{}: unknown variant {:?}", at(), report.variant))?;
        let k = campaign.variants.len();
        counts
            .entry(report.campaign.clone())
            .or_insert_with(|| vec![0; 2 * k])[pair_index(variant, report.clicked)] += 1;
    }
    Ok(counts
        .into_iter()
        .map(|(id, counts)| {
            let campaign = book.get(&id).expect("counted campaigns exist");
            let estimates = debias(&counts, privacy.epsilon);
            CampaignEstimate {
                reports: counts.iter().sum(),
                epsilon: privacy.epsilon,
                variants: campaign
                    .variants
                    .iter()
                    .map(|v| v.id.clone())
                    .zip(estimates)
                    .collect(),
                campaign: id,
            }
        })
        .collect())
}
