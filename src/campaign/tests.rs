//! Properties of the policies and the decision/reward/report cycle.

use proptest::prelude::*;

use super::limits::MAX_PENDING;
use super::random::Rng;
use super::*;

fn book(policy: &str, k: usize, floor: f64, extra: &str) -> CampaignBook {
    let variants: Vec<String> = (0..k).map(|i| format!(r#"{{"id":"v{i}"}}"#)).collect();
    CampaignBook::from_json(&format!(
        r#"{{"version":1,{extra}"campaigns":[{{"id":"c","variants":[{}],"policy":{policy},"floor":{floor},
            "context":{{"userDims":2,"pages":["home","cart"]}}}}]}}"#,
        variants.join(",")
    ))
    .unwrap()
}

const POLICIES: [&str; 3] = [
    r#"{"kind":"epsilonGreedy","epsilon":0.1}"#,
    r#"{"kind":"thompson","draws":64}"#,
    r#"{"kind":"linUcb","alpha":0.5}"#,
];

fn context(seed: u64) -> PolicyContext {
    let mut rng = Rng::seed_from_u64(seed);
    PolicyContext {
        segment: Some(rng.below(3) as u32),
        rfm: Some(RfmScores {
            r: 1 + rng.below(5) as u8,
            f: 3,
            m: 5,
        }),
        user: vec![rng.normal() as f32, rng.normal() as f32],
        page: Some(["home", "cart", "other"][rng.below(3)].into()),
    }
}

/// Runs `steps` decisions with rewards drawn from `click_rate(variant, step)`.
fn simulate(
    book: &CampaignBook,
    state: &mut PolicyState,
    steps: usize,
    seed: u64,
    click_rate: impl Fn(usize, &PolicyContext) -> f64,
) -> Vec<Decision> {
    let mut rng = Rng::seed_from_u64(seed);
    (0..steps)
        .map(|step| {
            let ctx = context(seed.wrapping_mul(31).wrapping_add(step as u64));
            let decision =
                choose(book, state, "c", &ctx, Some(step as f64 * 3.6e6), &mut rng).unwrap();
            if rng.uniform() < click_rate(decision.variant, &ctx) {
                reward(book, state, "c", &decision.variant_id, 1.0).unwrap();
            }
            decision
        })
        .collect()
}

/// One decision of campaign "c" with an empty context.
fn choose_without_context(book: &CampaignBook, state: &mut PolicyState, seed: u64) -> Decision {
    let mut rng = Rng::seed_from_u64(seed);
    choose(book, state, "c", &PolicyContext::default(), None, &mut rng).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn every_decision_is_a_distribution_above_the_floor_with_its_propensity(
        policy in 0usize..3, k in 2usize..9, floor_share in 0.0f64..=1.0, seed in any::<u64>(), steps in 1usize..40,
    ) {
        let floor = floor_share / k as f64;
        let book = book(POLICIES[policy], k, floor, "");
        let mut state = PolicyState::default();
        for d in simulate(&book, &mut state, steps, seed, |v, _| if v == 0 { 0.5 } else { 0.1 }) {
            let sum: f64 = d.probabilities.iter().sum();
            prop_assert!((sum - 1.0).abs() < 1e-9, "sum {}", sum);
            prop_assert!(d.probabilities.iter().all(|&p| p >= floor - 1e-12 && p <= 1.0 + 1e-12));
            prop_assert_eq!(d.propensity, d.probabilities[d.variant]);
            prop_assert!(d.propensity > 0.0);
            prop_assert_eq!(&d.variant_id, &format!("v{}", d.variant));
        }
    }

    #[test]
    fn state_round_trips_exactly_and_decisions_are_seeded(
        policy in 0usize..3, k in 2usize..6, seed in any::<u64>(), steps in 0usize..30,
    ) {
        let book = book(POLICIES[policy], k, 0.02, r#""privacy":{"epsilon":1,"lifetimeBudget":2},"#);
        let mut state = PolicyState::default();
        let first = simulate(&book, &mut state, steps, seed, |_, ctx| ctx.user[0].abs() as f64 / 3.0);
        if steps > 0 {
            privacy_report(&book, &mut state, "c", &mut Rng::seed_from_u64(seed)).unwrap();
        }
        let json = state.to_json();
        let (back, dropped) = PolicyState::from_json(&json, &book).unwrap();
        prop_assert!(dropped.is_empty());
        prop_assert_eq!(&back, &state);
        prop_assert_eq!(back.to_json(), json);
        // The same seed replays the same decisions.
        let mut again = PolicyState::default();
        let second = simulate(&book, &mut again, steps, seed, |_, ctx| ctx.user[0].abs() as f64 / 3.0);
        if steps > 0 {
            privacy_report(&book, &mut again, "c", &mut Rng::seed_from_u64(seed)).unwrap();
        }
        prop_assert_eq!(first, second);
        prop_assert_eq!(again, state);
    }
}

#[test]
fn each_policy_learns_the_better_variant() {
    for policy in POLICIES {
        let book = book(policy, 3, 0.01, "");
        let mut state = PolicyState::default();
        let decisions = simulate(&book, &mut state, 600, 9, |v, _| [0.05, 0.6, 0.1][v]);
        let late = &decisions[400..];
        let best = late.iter().filter(|d| d.variant == 1).count();
        assert!(
            best > 150,
            "{policy}: variant 1 chosen {best} of 200 times late"
        );
    }
}

#[test]
fn lin_ucb_learns_a_context_dependent_best_variant() {
    // Variant 0 wins on the home page, variant 1 on the cart page.
    let book = book(POLICIES[2], 2, 0.02, "");
    let mut state = PolicyState::default();
    let rate = |v: usize, ctx: &PolicyContext| {
        let home = ctx.page.as_deref() == Some("home");
        if (v == 0) == home {
            0.7
        } else {
            0.05
        }
    };
    simulate(&book, &mut state, 800, 3, rate);
    let mut rng = Rng::seed_from_u64(1);
    for (page, best) in [("home", 0), ("cart", 1)] {
        let ctx = PolicyContext {
            page: Some(page.into()),
            ..Default::default()
        };
        let d = choose(&book, &mut state, "c", &ctx, None, &mut rng).unwrap();
        assert!(d.probabilities[best] > 0.9, "{page}: {:?}", d.probabilities);
    }
}

#[test]
fn segment_priors_start_a_new_shopper_from_the_population() {
    let book = CampaignBook::from_json(
        r#"{"version":1,"campaigns":[{"id":"c","variants":[{"id":"a"},{"id":"b"}],
            "policy":{"kind":"epsilonGreedy","epsilon":0.2},"floor":0,
            "priors":[{"variant":"a","alpha":30,"beta":70},{"variant":"b","alpha":10,"beta":90},
                      {"segment":7,"variant":"b","alpha":50,"beta":50}]}]}"#,
    )
    .unwrap();
    let mut rng = Rng::seed_from_u64(0);
    let mut state = PolicyState::default();
    let ctx = |segment| PolicyContext {
        segment,
        ..Default::default()
    };
    let d = choose(&book, &mut state, "c", &ctx(None), None, &mut rng).unwrap();
    assert_eq!(d.probabilities, vec![0.9, 0.1]);
    let mut state = PolicyState::default();
    let d = choose(&book, &mut state, "c", &ctx(Some(7)), None, &mut rng).unwrap();
    assert_eq!(d.probabilities, vec![0.1, 0.9]);
}

#[test]
fn thompson_propensity_matches_the_two_arm_closed_form() {
    // With two arms P(θa > θb) has a closed form; for Beta(1,1) vs Beta(2,1) it is 1/3.
    let book = CampaignBook::from_json(
        r#"{"version":1,"campaigns":[{"id":"c","variants":[{"id":"a"},{"id":"b"}],
            "policy":{"kind":"thompson","draws":10000},"floor":0,
            "priors":[{"variant":"b","alpha":2,"beta":1}]}]}"#,
    )
    .unwrap();
    let mut state = PolicyState::default();
    let d = choose_without_context(&book, &mut state, 5);
    // Monte Carlo standard error at 10,000 draws is 0.0047.
    assert!(
        (d.probabilities[0] - 1.0 / 3.0).abs() < 0.02,
        "{:?}",
        d.probabilities
    );
}

#[test]
fn rewards_need_a_matching_unrewarded_decision() {
    let book = book(POLICIES[1], 2, 0.05, "");
    let mut state = PolicyState::default();
    let err = reward(&book, &mut state, "c", "v0", 1.0).unwrap_err();
    assert!(
        err.to_string()
            .contains("showed \"v0\" without a reward yet"),
        "{err}"
    );
    let d = choose_without_context(&book, &mut state, 1);
    let other = if d.variant == 0 { "v1" } else { "v0" };
    assert!(reward(&book, &mut state, "c", other, 1.0).is_err());
    assert!(matches!(
        reward(&book, &mut state, "c", &d.variant_id, 1.5),
        Err(CampaignError::Reward(_))
    ));
    assert!(matches!(
        reward(&book, &mut state, "c", "zz", 1.0),
        Err(CampaignError::UnknownVariant { .. })
    ));
    assert!(matches!(
        reward(&book, &mut state, "x", "v0", 1.0),
        Err(CampaignError::UnknownCampaign(_))
    ));
    reward(&book, &mut state, "c", &d.variant_id, 1.0).unwrap();
    assert!(reward(&book, &mut state, "c", &d.variant_id, 1.0)
        .unwrap_err()
        .to_string()
        .contains("without a reward yet"));
    let stats = state.campaign("c").unwrap();
    assert_eq!(stats.rewards[d.variant], 1.0);
    assert_eq!(stats.shows[d.variant], 1.0);
}

#[test]
fn rewards_reach_any_of_the_last_decisions_once() {
    // Tabs share the state: the banner of an earlier decision may be clicked after later
    // decisions. Each of the last MAX_PENDING decisions takes one reward, in any order, with
    // its own features (LinUCB); older ones are forgotten.
    let book = book(POLICIES[2], 2, 0.05, "");
    let mut state = PolicyState::default();
    let mut rng = Rng::seed_from_u64(3);
    let shown: Vec<Decision> = (0..MAX_PENDING + 5)
        .map(|step| {
            choose(
                &book,
                &mut state,
                "c",
                &context(step as u64),
                None,
                &mut rng,
            )
            .unwrap()
        })
        .collect();
    let kept = &shown[5..];
    for d in kept.iter().rev() {
        reward(&book, &mut state, "c", &d.variant_id, 1.0).unwrap();
    }
    for v in ["v0", "v1"] {
        assert!(reward(&book, &mut state, "c", v, 1.0).is_err());
    }
    let stats = state.campaign("c").unwrap();
    assert_eq!(stats.rewards.iter().sum::<f64>(), MAX_PENDING as f64);
    // Xᵀr is the sum of the rewarded decisions' own feature vectors.
    let features = |d: &Decision| {
        let ctx = context(shown.iter().position(|s| std::ptr::eq(s, d)).unwrap() as u64);
        book.get("c").unwrap().features.features(&ctx).unwrap()
    };
    let dim = stats.dim;
    for variant in 0..2 {
        let mut expected = vec![0.0; dim];
        for d in kept.iter().filter(|d| d.variant == variant) {
            expected
                .iter_mut()
                .zip(features(d))
                .for_each(|(e, x)| *e += x);
        }
        let got = &stats.xr[variant * dim..(variant + 1) * dim];
        assert!(
            got.iter()
                .zip(&expected)
                .all(|(g, e)| (g - e).abs() < 1e-12),
            "{got:?} {expected:?}"
        );
    }
}

#[test]
fn a_stored_single_pending_decision_still_reads() {
    // The state as stored before decisions were kept as a list: "pending" was one object.
    let book = book(POLICIES[1], 2, 0.05, "");
    let mut state = PolicyState::default();
    let d = choose_without_context(&book, &mut state, 4);
    let mut old: serde_json::Value = serde_json::from_str(&state.to_json()).unwrap();
    let one = old["campaigns"][0]["pending"][0].take();
    old["campaigns"][0]["pending"] = one;
    let (mut read, dropped) = PolicyState::from_json(&old.to_string(), &book).unwrap();
    assert!(dropped.is_empty());
    assert_eq!(read, state);
    reward(&book, &mut read, "c", &d.variant_id, 1.0).unwrap();
}

#[test]
fn statistics_stay_bounded_by_halving() {
    let book = CampaignBook::from_json(
        r#"{"version":1,"campaigns":[{"id":"c","variants":[{"id":"a"},{"id":"b"}],
            "policy":{"kind":"linUcb","alpha":1},"maxObservations":50,"context":{"userDims":2}}]}"#,
    )
    .unwrap();
    let mut state = PolicyState::default();
    simulate(&book, &mut state, 1000, 4, |_, _| 0.5);
    let stats = state.campaign("c").unwrap();
    let shows: f64 = stats.shows.iter().sum();
    assert!(shows <= 50.0 && shows > 25.0, "{shows}");
    assert!(stats.fits(book.get("c").unwrap()));
    assert!(state.to_json().len() < 4_000);
}

#[test]
fn stored_state_of_a_changed_campaign_is_dropped_but_the_ledger_kept() {
    let extra = r#""privacy":{"epsilon":1,"lifetimeBudget":1},"#;
    let old = book(POLICIES[0], 3, 0.05, extra);
    let mut state = PolicyState::default();
    simulate(&old, &mut state, 5, 1, |_, _| 0.5);
    privacy_report(&old, &mut state, "c", &mut Rng::seed_from_u64(2)).unwrap();
    let new = book(POLICIES[0], 4, 0.05, extra);
    let (back, dropped) = PolicyState::from_json(&state.to_json(), &new).unwrap();
    assert_eq!(dropped, vec!["c".to_string()]);
    assert!(back.campaigns.is_empty());
    assert_eq!(back.privacy.spent, 1.0);
    for bad in [
        "{",
        r#"{"version":1,"campaigns":{},"privacy":{"spent":0,"reports":0,"last":{}},"x":1}"#,
        r#"{"version":2,"campaigns":{},"privacy":{"spent":0,"reports":0,"last":{}}}"#,
    ] {
        assert!(
            matches!(
                PolicyState::from_json(bad, &new),
                Err(CampaignError::State(_))
            ),
            "{bad}"
        );
    }
}

#[test]
fn the_privacy_budget_is_spent_once_per_epoch_and_never_renewed() {
    let book = book(
        POLICIES[1],
        2,
        0.05,
        r#""privacy":{"epsilon":1,"lifetimeBudget":2,"epochHours":1},"#,
    );
    let mut state = PolicyState::default();
    let mut rng = Rng::seed_from_u64(3);
    assert!(privacy_report(&book, &mut state, "c", &mut rng)
        .unwrap_err()
        .to_string()
        .contains("no decision"));
    let hour = 3.6e6;
    let decide = |state: &mut PolicyState, t: f64| {
        let mut rng = Rng::seed_from_u64(t as u64);
        choose(
            &book,
            state,
            "c",
            &PolicyContext::default(),
            Some(t),
            &mut rng,
        )
        .unwrap()
    };
    decide(&mut state, 0.5 * hour);
    let first = privacy_report(&book, &mut state, "c", &mut rng).unwrap();
    assert_eq!(first.epoch, 0);
    // The same epoch again: the same report, nothing more spent.
    assert_eq!(
        privacy_report(&book, &mut state, "c", &mut rng).unwrap(),
        first
    );
    assert_eq!(state.privacy.spent, 1.0);
    decide(&mut state, 1.5 * hour);
    assert_eq!(
        privacy_report(&book, &mut state, "c", &mut rng)
            .unwrap()
            .epoch,
        1
    );
    decide(&mut state, 2.5 * hour);
    let refused = privacy_report(&book, &mut state, "c", &mut rng).unwrap_err();
    assert!(refused.to_string().contains("budget is spent"), "{refused}");
    // Forgetting the statistics does not renew the budget.
    state.campaigns.clear();
    decide(&mut state, 3.5 * hour);
    assert!(privacy_report(&book, &mut state, "c", &mut rng).is_err());
    assert_eq!(state.privacy.reports, 2);
}

#[test]
fn a_click_marks_the_epoch_observation() {
    let book = book(
        POLICIES[1],
        2,
        0.05,
        r#""privacy":{"epsilon":1,"lifetimeBudget":4},"#,
    );
    let mut state = PolicyState::default();
    let mut rng = Rng::seed_from_u64(8);
    let d = choose(
        &book,
        &mut state,
        "c",
        &PolicyContext::default(),
        Some(1000.0),
        &mut rng,
    )
    .unwrap();
    reward(&book, &mut state, "c", &d.variant_id, 1.0).unwrap();
    let obs = state.campaign("c").unwrap().epoch.unwrap();
    assert_eq!((obs.epoch, obs.variant, obs.clicked), (0, d.variant, true));
    // Without opting in, no epoch is tracked and no report is possible.
    let off = book_without_privacy();
    let mut state = PolicyState::default();
    choose(
        &off,
        &mut state,
        "c",
        &PolicyContext::default(),
        Some(1000.0),
        &mut rng,
    )
    .unwrap();
    assert!(state.campaign("c").unwrap().epoch.is_none());
    assert!(privacy_report(&off, &mut state, "c", &mut rng)
        .unwrap_err()
        .to_string()
        .contains("does not collect"));
}

fn book_without_privacy() -> CampaignBook {
    book(POLICIES[1], 2, 0.05, "")
}
