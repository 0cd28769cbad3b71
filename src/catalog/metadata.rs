//! `__metadata__` as the reader keeps it: string keys to string values, in key order.
//!
//! Why not a `BTreeMap<String, String>`: the map's code is generic over its key and value
//! types and cost the engine module several KB for a few dozen entries. A sorted `Vec`
//! does the same job for a catalog's handful of keys with code the module has anyway
//! (binary search, `Vec::insert` / `remove`; the JSON reader's objects are kept the same
//! way).

use std::ops::Index;

/// Keys in ascending order, each once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metadata {
    entries: Vec<(String, String)>,
}

impl Metadata {
    pub fn new() -> Metadata {
        Metadata::default()
    }

    fn position(&self, key: &str) -> Result<usize, usize> {
        self.entries.binary_search_by(|(k, _)| k.as_str().cmp(key))
    }

    /// Sets `key` to `value`; the value it had, if any.
    pub fn insert(&mut self, key: String, value: String) -> Option<String> {
        match self.position(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            Err(i) => {
                self.entries.insert(i, (key, value));
                None
            }
        }
    }

    pub fn get(&self, key: &str) -> Option<&String> {
        self.position(key).ok().map(|i| &self.entries[i].1)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.position(key).is_ok()
    }

    /// Takes `key` out; its value, if it was there.
    pub fn remove(&mut self, key: &str) -> Option<String> {
        let i = self.position(key).ok()?;
        Some(self.entries.remove(i).1)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.into_iter()
    }

    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.entries.iter().map(|(k, _)| k)
    }
}

impl<'a> IntoIterator for &'a Metadata {
    type Item = (&'a String, &'a String);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (String, String)>,
        fn(&'a (String, String)) -> (&'a String, &'a String),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter().map(|(k, v)| (k, v))
    }
}

impl IntoIterator for Metadata {
    type Item = (String, String);
    type IntoIter = std::vec::IntoIter<(String, String)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl FromIterator<(String, String)> for Metadata {
    /// Entry by entry, a later value of a key replacing an earlier one (no sort).
    fn from_iter<I: IntoIterator<Item = (String, String)>>(entries: I) -> Metadata {
        let mut metadata = Metadata::new();
        for (key, value) in entries {
            metadata.insert(key, value);
        }
        metadata
    }
}

impl Index<&str> for Metadata {
    type Output = String;

    /// The value of `key`; panics when it is missing, as a map's index does.
    fn index(&self, key: &str) -> &String {
        self.get(key).expect("no such metadata key")
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::*;

    #[derive(Debug, Clone)]
    enum Op {
        Insert(String, String),
        Remove(String),
    }

    fn op() -> impl Strategy<Value = Op> {
        let key = "[a-d]{0,2}";
        prop_oneof![
            (key, "[xy]{0,2}").prop_map(|(k, v)| Op::Insert(k, v)),
            key.prop_map(Op::Remove),
        ]
    }

    proptest! {
        /// The same answers as a `BTreeMap` after any run of inserts and removals.
        #[test]
        fn behaves_as_a_btree_map(ops in prop::collection::vec(op(), 0..40)) {
            let mut ours = Metadata::new();
            let mut reference = BTreeMap::new();
            for op in ops {
                match op {
                    Op::Insert(k, v) => prop_assert_eq!(
                        ours.insert(k.clone(), v.clone()),
                        reference.insert(k, v)
                    ),
                    Op::Remove(k) => prop_assert_eq!(ours.remove(&k), reference.remove(&k)),
                }
                prop_assert_eq!(ours.len(), reference.len());
                prop_assert!(ours.iter().eq(reference.iter()));
                for key in ["", "a", "ab", "d"] {
                    prop_assert_eq!(ours.get(key), reference.get(key));
                    prop_assert_eq!(ours.contains_key(key), reference.contains_key(key));
                }
            }
        }
    }
}
