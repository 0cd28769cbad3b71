//! Ranking metrics on cases small enough to compute by hand.

use std::collections::HashSet;

use shopwindow_cli::eval::metrics::{mean, ndcg_at_k, recall_at_k, MetricSums};

fn set(items: &[u32]) -> HashSet<u32> {
    items.iter().copied().collect()
}

#[test]
fn recall_divides_by_the_smaller_of_k_and_the_relevant_count() {
    let ranked = [5, 1, 9, 2, 7];
    // 2 of 3 relevant items in the top 5.
    assert_eq!(recall_at_k(&ranked, &set(&[1, 2, 3]), 5), 2.0 / 3.0);
    // 10 relevant items, k = 5: the best possible list scores 1, so 2 hits give 2/5.
    let many: Vec<u32> = [1, 2].into_iter().chain(20..28).collect();
    assert_eq!(recall_at_k(&ranked, &set(&many), 5), 2.0 / 5.0);
    // Hits past k do not count.
    assert_eq!(recall_at_k(&ranked, &set(&[7]), 4), 0.0);
    assert_eq!(recall_at_k(&ranked, &set(&[]), 5), 0.0);
}

#[test]
fn ndcg_by_hand() {
    let ranked = [5, 1, 9, 2];
    // Hits at ranks 1 and 3 (0-based): DCG = 1/log2(3) + 1/log2(5).
    // Two relevant items: ideal DCG = 1/log2(2) + 1/log2(3) = 1 + 1/log2(3).
    let dcg = 1.0 / 3f64.log2() + 1.0 / 5f64.log2();
    let ideal = 1.0 + 1.0 / 3f64.log2();
    let ndcg = ndcg_at_k(&ranked, &set(&[1, 2]), 4);
    assert!((ndcg - dcg / ideal).abs() < 1e-12);
    // A perfect list scores 1.
    assert!((ndcg_at_k(&[3, 4], &set(&[3, 4]), 2) - 1.0).abs() < 1e-12);
    // More relevant items than k: the ideal list has k hits.
    assert!((ndcg_at_k(&[1, 2], &set(&[1, 2, 3]), 2) - 1.0).abs() < 1e-12);
}

#[test]
fn sums_average_users_and_measure_coverage() {
    let mut sums = MetricSums::new(10);
    sums.add(&[0, 1], &set(&[0]), 2); // recall 1, ndcg 1
    sums.add(&[1, 2], &set(&[3]), 2); // recall 0, ndcg 0
    let m = sums.finish();
    assert_eq!(m.users, 2);
    assert_eq!(m.recall, 0.5);
    assert_eq!(m.ndcg, 0.5);
    assert_eq!(m.coverage, 3.0 / 10.0);
    let merged = mean(&[m, MetricSums::new(10).finish()]);
    assert_eq!(merged.recall, 0.25);
}
