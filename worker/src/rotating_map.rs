//! `RotatingMap`: a map whose entries expire after a number of rotations (Storm's
//! `RotatingMap`), the timeout mechanism of ackers and spouts: rotate once per timeout period,
//! and an entry not touched since expires between one and `buckets - 1` periods later.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;

use rustc_hash::FxBuildHasher;

type Bucket<K, V> = HashMap<K, V, FxBuildHasher>;

/// Entries in buckets, newest first.
#[derive(Debug)]
pub struct RotatingMap<K, V> {
    buckets: VecDeque<Bucket<K, V>>,
}

impl<K: Hash + Eq, V> RotatingMap<K, V> {
    /// A map of `buckets` buckets (at least 2).
    pub fn new(buckets: usize) -> Self {
        let mut b = VecDeque::with_capacity(buckets.max(2));
        for _ in 0..buckets.max(2) {
            b.push_back(Bucket::default());
        }
        Self { buckets: b }
    }

    /// The entry, creating it in the newest bucket with `make` when absent.
    pub fn get_or_insert_with(&mut self, key: K, make: impl FnOnce() -> V) -> &mut V
    where
        K: Copy,
    {
        let at = self.buckets.iter().position(|b| b.contains_key(&key));
        let bucket = match at {
            Some(i) => &mut self.buckets[i],
            None => &mut self.buckets[0],
        };
        bucket.entry(key).or_insert_with(make)
    }

    /// Inserts into the newest bucket, moving the key if it was older.
    pub fn insert(&mut self, key: K, value: V) {
        for b in self.buckets.iter_mut().skip(1) {
            b.remove(&key);
        }
        if let Some(newest) = self.buckets.front_mut() {
            newest.insert(key, value);
        }
    }

    /// Moves an entry to the newest bucket (resets its timeout).
    pub fn touch(&mut self, key: K) {
        if let Some(v) = self.remove(&key) {
            self.insert(key, v);
        }
    }

    /// The entry, mutably.
    pub fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        self.buckets.iter_mut().find_map(|b| b.get_mut(key))
    }

    /// Removes an entry.
    pub fn remove(&mut self, key: &K) -> Option<V> {
        self.buckets.iter_mut().find_map(|b| b.remove(key))
    }

    /// True if the key is present.
    pub fn contains_key(&self, key: &K) -> bool {
        self.buckets.iter().any(|b| b.contains_key(key))
    }

    /// Entries in all buckets.
    pub fn len(&self) -> usize {
        self.buckets.iter().map(Bucket::len).sum()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.buckets.iter().all(Bucket::is_empty)
    }

    /// Drops the oldest bucket and returns its entries: they have expired.
    pub fn rotate(&mut self) -> Bucket<K, V> {
        let expired = self.buckets.pop_back().unwrap_or_default();
        self.buckets.push_front(Bucket::default());
        expired
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_after_buckets_minus_one_to_buckets_rotations() {
        let mut m = RotatingMap::new(3);
        m.insert(1, "a");
        assert!(m.rotate().is_empty());
        assert!(m.rotate().is_empty());
        assert_eq!(m.rotate().get(&1), Some(&"a"));
        assert!(m.is_empty());
    }

    #[test]
    fn touching_an_entry_restarts_its_timeout() {
        let mut m = RotatingMap::new(2);
        m.insert(7, ());
        m.rotate();
        m.touch(7);
        assert!(m.rotate().is_empty());
        assert!(m.rotate().contains_key(&7));
    }
}
