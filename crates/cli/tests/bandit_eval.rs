//! `bandit-eval` and `ldp-debias` end to end, on the Open Bandit sample in `../shared/data`
//! (present in CI, where a missing directory fails instead of skipping).

mod common;

use serde_json::Value;
use shopwindow::campaign::ldp::{pair_index, randomize};
use shopwindow::campaign::{CampaignBook, LdpReport, Rng};
use shopwindow_cli::bandit::estimators::{ips, snips, PerRow, PerSlot};
use shopwindow_cli::bandit::obd::read_campaign_log;

const CAMPAIGNS: [&str; 3] = ["all", "men", "women"];

#[test]
fn uniform_target_on_uniform_logs_is_the_empirical_mean_and_the_logger_on_its_own_logs_too() {
    let Some(dir) = common::real_data("open-bandit-sample") else {
        return;
    };
    for name in CAMPAIGNS {
        let random = read_campaign_log(&dir, "random", name).unwrap();
        let mean = random.mean_reward();
        let k = random.actions;
        let uniform = PerSlot(vec![vec![1.0 / k as f64; k]; random.positions]);
        // The logged propensity is 1/K: every weight is exactly 1.
        assert_eq!(snips(&random.rows, &uniform).value, mean, "{name}");
        assert!(
            (ips(&random.rows, &uniform).value - mean).abs() < 1e-15,
            "{name}"
        );
        // The Thompson-sampling logger with its own logged propensities: weights 1 again.
        let bts = read_campaign_log(&dir, "bts", name).unwrap();
        let own = PerRow(
            bts.rows
                .iter()
                .map(|r| {
                    let mut p = vec![0.0; bts.actions];
                    p[r.action] = r.propensity;
                    p
                })
                .collect(),
        );
        assert!(
            (ips(&bts.rows, &own).value - bts.mean_reward()).abs() < 1e-15,
            "{name}"
        );
    }
}

#[test]
fn thompson_sampling_estimated_from_random_logs_against_its_logged_click_rate() {
    let Some(dir) = common::real_data("open-bandit-sample") else {
        return;
    };
    let dump = tempfile::tempdir().unwrap();
    let out = common::shopwindow(&[
        "bandit-eval",
        "--data",
        dir.to_str().unwrap(),
        "--draws",
        "20000",
        "--skip-ours",
        "--json",
        "--dump-dist",
        dump.path().to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", common::text(&out));
    let reports: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(reports.len(), 3);
    let f = |v: &Value| v.as_f64().unwrap();
    for r in &reports {
        let name = r["campaign"].as_str().unwrap();
        let truth = f(&r["bts_truth"]["value"]);
        // The logged click rates of the sample (README: clicks are 0.4–0.7%).
        assert_eq!(r["rows_random"], 10_000);
        assert!((0.003..0.008).contains(&truth), "{name}: {truth}");
        for est in ["ips", "snips", "dr"] {
            let e = &r["bts_estimated"][est];
            let (value, low, high) = (f(&e["value"]), f(&e["low"]), f(&e["high"]));
            assert!(low < value && value < high, "{name} {est}");
            // Within a factor of two of the truth: the estimators see a different week of
            // traffic through a different policy, so exact agreement is not expected.
            assert!(
                value > truth / 2.0 && value < truth * 2.0,
                "{name} {est}: {value} vs {truth}"
            );
        }
        // Replay keeps about 3/K of the rows (3 slots, K items, uniform logging).
        let kept = f(&r["bts_estimated"]["replay"]["rows"]);
        let k = f(&r["items"]);
        assert!(
            kept > 10_000.0 / k * 0.5 && kept < 10_000.0 / k * 2.0 * 3.0,
            "{name}: {kept}"
        );
        // The dumped distribution is one distribution per slot.
        let csv = std::fs::read_to_string(dump.path().join(format!("bts_{name}.csv"))).unwrap();
        let mut sums = [0.0f64; 3];
        for line in csv.lines().skip(1) {
            let cols: Vec<&str> = line.split(',').collect();
            sums[cols[0].parse::<usize>().unwrap()] += cols[2].parse::<f64>().unwrap();
        }
        assert!(
            sums.iter().all(|s| (s - 1.0).abs() < 1e-9),
            "{name}: {sums:?}"
        );
    }
    // all and women: every estimator's interval covers the TS policy's real click rate.
    for r in reports.iter().filter(|r| r["campaign"] != "men") {
        for est in ["ips", "snips", "dr"] {
            let e = &r["bts_estimated"][est];
            let truth = f(&r["bts_truth"]["value"]);
            assert!(
                f(&e["low"]) <= truth && truth <= f(&e["high"]),
                "{} {est}",
                r["campaign"]
            );
        }
    }
}

#[test]
fn our_policies_are_evaluated_progressively_on_the_random_logs() {
    let Some(dir) = common::real_data("open-bandit-sample") else {
        return;
    };
    let out = common::shopwindow(&[
        "bandit-eval",
        "--data",
        dir.to_str().unwrap(),
        "--campaigns",
        "men",
        "--draws",
        "2000",
    ]);
    assert!(out.status.success(), "{}", common::text(&out));
    let table = String::from_utf8(out.stdout).unwrap();
    for policy in ["epsilon-greedy", "thompson", "linucb"] {
        for est in ["replay", "IPS", "SNIPS", "DR"] {
            let line = table
                .lines()
                .find(|l| l.contains(policy) && l.split_whitespace().any(|w| w == est))
                .unwrap_or_else(|| panic!("no {policy} {est} line in\n{table}"));
            let words: Vec<&str> = line.split_whitespace().collect();
            let at = words.iter().position(|w| *w == est).unwrap();
            let value: f64 = words[at + 1].parse().unwrap();
            assert!((-0.01..0.05).contains(&value), "{line}");
        }
    }
}

#[test]
fn bad_dataset_folders_are_clear_errors() {
    let empty = tempfile::tempdir().unwrap();
    let out = common::shopwindow(&["bandit-eval", "--data", empty.path().to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("prior_bts.yaml"),
        "{}",
        common::text(&out)
    );
    common::write(
        empty.path(),
        "prior_bts.yaml",
        "all:\n  alpha:\n    - 1.0\n  beta:\n    - 2.0\n",
    );
    let out = common::shopwindow(&[
        "bandit-eval",
        "--data",
        empty.path().to_str().unwrap(),
        "--campaigns",
        "men",
    ]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no priors for campaign \"men\""),
        "{}",
        common::text(&out)
    );
}

const CAMPAIGNS_JSON: &str = r#"{"version":1,"privacy":{"epsilon":1.0,"lifetimeBudget":4.0},
  "campaigns":[{"id":"banner","variants":[{"id":"a"},{"id":"b"},{"id":"c"}],"policy":{"kind":"thompson"}}]}"#;

#[test]
fn ldp_debias_recovers_the_click_rates_of_simulated_devices() {
    let dir = tempfile::tempdir().unwrap();
    let campaigns = common::write(dir.path(), "campaigns.json", CAMPAIGNS_JSON);
    let book = CampaignBook::from_json(CAMPAIGNS_JSON).unwrap();
    let variants = ["a", "b", "c"];
    let (shows, rates) = ([0.5, 0.3, 0.2], [0.05, 0.2, 0.1]);
    let mut rng = Rng::seed_from_u64(99);
    let mut lines = String::new();
    for device in 0..100_000u64 {
        let v = rng.pick(&shows);
        let clicked = rng.uniform() < rates[v];
        let reported = randomize(pair_index(v, clicked), 6, 1.0, &mut rng);
        let report = LdpReport {
            campaign: "banner".into(),
            epoch: device % 7,
            variant: variants[reported / 2].into(),
            clicked: reported % 2 == 1,
            epsilon: 1.0,
        };
        lines.push_str(&serde_json::to_string(&report).unwrap());
        lines.push('\n');
    }
    let reports = common::write(dir.path(), "reports.jsonl", &lines);
    let out = common::shopwindow(&[
        "ldp-debias",
        "--campaigns",
        campaigns.to_str().unwrap(),
        reports.to_str().unwrap(),
        "--json",
    ]);
    assert!(out.status.success(), "{}", common::text(&out));
    let result: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(result[0]["reports"], 100_000);
    for (i, v) in result[0]["variants"].as_array().unwrap().iter().enumerate() {
        assert_eq!(v[0], variants[i]);
        let rate = v[1]["clickRate"].as_f64().unwrap();
        let se = v[1]["clickRateSe"].as_f64().unwrap();
        assert!((rate - rates[i]).abs() < 4.0 * se, "{i}: {rate} ± {se}");
    }
    assert!(book.privacy.is_some());
    // Bad reports are named by line.
    let bad = common::write(dir.path(), "bad.jsonl", "{\"campaign\":\"banner\",\"epoch\":0,\"variant\":\"z\",\"clicked\":true,\"epsilon\":1.0}\n");
    let out = common::shopwindow(&[
        "ldp-debias",
        "--campaigns",
        campaigns.to_str().unwrap(),
        bad.to_str().unwrap(),
    ]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("report line 1: unknown variant \"z\""),
        "{}",
        common::text(&out)
    );
    let bad = common::write(dir.path(), "bad2.jsonl", "{\"campaign\":\"banner\",\"epoch\":0,\"variant\":\"a\",\"clicked\":true,\"epsilon\":2.0}\n");
    let out = common::shopwindow(&[
        "ldp-debias",
        "--campaigns",
        campaigns.to_str().unwrap(),
        bad.to_str().unwrap(),
    ]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("differs from the campaigns file"),
        "{}",
        common::text(&out)
    );
}
