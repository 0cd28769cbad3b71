//! Train/test splits: which interactions a model learns from, and which held-out items it
//! is asked to find for which users.

use std::collections::HashSet;

use crate::data::{EventLog, Interactions};

/// One evaluated user.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalUser {
    /// Row of the user in the training matrix.
    pub row: u32,
    /// Held-out items (column indices of the training matrix).
    pub relevant: HashSet<u32>,
}

/// Training data plus the users to evaluate.
#[derive(Debug, Clone)]
pub struct EvalSplit {
    pub name: String,
    pub train: Interactions,
    pub users: Vec<EvalUser>,
    /// Held-out (user, item) pairs dropped because the item is not in the training
    /// catalog: no model can recommend it, and the evaluation protocols count only
    /// items known at training time.
    pub unrankable: usize,
    /// The training events with their times (what `train` would read), when the split
    /// was made from a log: the self-tuning trainer carves its own validation split from
    /// them (`eval --models tuned`).
    pub train_log: Option<EventLog>,
}

/// A split by time: events before `test_from` train, later ones test. A user is evaluated
/// when they have training history and at least one test item of the training catalog
/// they did not interact with in training ("new to the customer").
pub fn temporal_split(name: &str, log: &EventLog, test_from: i64) -> EvalSplit {
    let before = |t: Option<i64>| t.is_some_and(|t| t < test_from);
    let train = Interactions::from_events(log, log.events.iter().filter(|e| before(e.timestamp)));
    let test_pairs = log
        .events
        .iter()
        .filter(|e| !before(e.timestamp))
        .map(|e| (log.users.id(e.user), log.items.id(e.item)));
    let mut split = held_out(name, train, test_pairs);
    split.train_log = Some(EventLog {
        users: log.users.clone(),
        items: log.items.clone(),
        events: log
            .events
            .iter()
            .filter(|e| before(e.timestamp))
            .copied()
            .collect(),
    });
    split
}

/// A split given as two logs (MovieLens `uN.base` / `uN.test`).
pub fn given_split(name: &str, train_log: &EventLog, test_log: &EventLog) -> EvalSplit {
    let train = train_log.to_interactions();
    let test_pairs = test_log
        .events
        .iter()
        .map(|e| (test_log.users.id(e.user), test_log.items.id(e.item)));
    let mut split = held_out(name, train, test_pairs);
    split.train_log = Some(train_log.clone());
    split
}

/// The users of `train` with at least one `test_pairs` item of the training catalog they
/// did not have in training; `train_log` is left empty.
pub fn held_out<'a>(
    name: &str,
    train: Interactions,
    test_pairs: impl Iterator<Item = (&'a str, &'a str)>,
) -> EvalSplit {
    // Per training user: the distinct test item ids, in first-seen order.
    let mut test_items: Vec<Vec<&str>> = vec![Vec::new(); train.users.len()];
    let mut seen: HashSet<(u32, &str)> = HashSet::new();
    for (user, item) in test_pairs {
        let Some(row) = train.users.get(user) else {
            continue; // no history: nothing to fold in
        };
        if seen.insert((row, item)) {
            test_items[row as usize].push(item);
        }
    }
    let mut users = Vec::new();
    let mut unrankable = 0;
    for (row, items) in test_items.into_iter().enumerate() {
        let (history, _) = train.matrix.row(row);
        let mut relevant = HashSet::new();
        for item in items {
            match train.items.get(item) {
                Some(column) if history.binary_search(&column).is_ok() => {}
                Some(column) => {
                    relevant.insert(column);
                }
                None => unrankable += 1,
            }
        }
        if !relevant.is_empty() {
            users.push(EvalUser {
                row: row as u32,
                relevant,
            });
        }
    }
    EvalSplit {
        name: name.to_string(),
        train,
        users,
        unrankable,
        train_log: None,
    }
}
