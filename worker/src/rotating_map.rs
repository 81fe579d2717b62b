//! `RotatingMap`: a map whose entries expire after a number of rotations, the timeout mechanism
//! of ackers and spouts (Storm's `RotatingMap`). Rotate once per timeout period; an entry
//! inserted or touched since the previous rotation expires at the `buckets`-th rotation after.
//!
//! Storm keeps one hash map per bucket, so a lookup probes every bucket. Here every entry is in
//! one map with the generation it was last touched in: lookups probe once, and a rotation (once
//! per timeout, seconds apart) sweeps the map for expired generations.

use std::collections::HashMap;
use std::hash::Hash;

use rustc_hash::FxBuildHasher;

/// Entries tagged with the generation they were last touched in.
#[derive(Debug)]
pub struct RotatingMap<K, V> {
    entries: HashMap<K, (u64, V), FxBuildHasher>,
    generation: u64,
    buckets: u64,
}

impl<K: Hash + Eq, V> RotatingMap<K, V> {
    /// A map whose entries live through `buckets - 1` to `buckets` rotations (at least 2).
    pub fn new(buckets: usize) -> Self {
        Self {
            entries: HashMap::default(),
            generation: 0,
            buckets: buckets.max(2) as u64,
        }
    }

    /// The entry, creating it with `make` when absent.
    pub fn get_or_insert_with(&mut self, key: K, make: impl FnOnce() -> V) -> &mut V {
        let generation = self.generation;
        &mut self
            .entries
            .entry(key)
            .or_insert_with(|| (generation, make()))
            .1
    }

    /// Inserts or replaces an entry; it starts a full timeout.
    pub fn insert(&mut self, key: K, value: V) {
        self.entries.insert(key, (self.generation, value));
    }

    /// Restarts the timeout of an entry.
    pub fn touch(&mut self, key: K) {
        if let Some(entry) = self.entries.get_mut(&key) {
            entry.0 = self.generation;
        }
    }

    /// The entry, mutably.
    pub fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        self.entries.get_mut(key).map(|(_, v)| v)
    }

    /// Removes an entry.
    pub fn remove(&mut self, key: &K) -> Option<V> {
        self.entries.remove(key).map(|(_, v)| v)
    }

    /// True if the key is present.
    pub fn contains_key(&self, key: &K) -> bool {
        self.entries.contains_key(key)
    }

    /// Entries present.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Removes and returns the entries `pred` picks (a sweep of the map: for rare events).
    pub fn take_where(&mut self, mut pred: impl FnMut(&K, &V) -> bool) -> Vec<(K, V)> {
        let mut taken = Vec::new();
        let mut kept = HashMap::with_capacity_and_hasher(self.entries.len(), FxBuildHasher);
        for (k, (g, v)) in self.entries.drain() {
            if pred(&k, &v) {
                taken.push((k, v));
            } else {
                kept.insert(k, (g, v));
            }
        }
        self.entries = kept;
        taken
    }

    /// Advances one period and returns the entries that expired with it.
    pub fn rotate(&mut self) -> Vec<(K, V)> {
        self.generation += 1;
        let Some(oldest_alive) = (self.generation + 1).checked_sub(self.buckets) else {
            return Vec::new();
        };
        if !self.entries.values().any(|(g, _)| *g < oldest_alive) {
            return Vec::new();
        }
        let mut expired = Vec::new();
        let mut kept = HashMap::with_capacity_and_hasher(self.entries.len(), FxBuildHasher);
        for (k, (g, v)) in self.entries.drain() {
            if g < oldest_alive {
                expired.push((k, v));
            } else {
                kept.insert(k, (g, v));
            }
        }
        self.entries = kept;
        expired
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_at_the_buckets_th_rotation() {
        let mut m = RotatingMap::new(3);
        m.insert(1, "a");
        assert!(m.rotate().is_empty());
        assert!(m.rotate().is_empty());
        assert_eq!(m.rotate(), vec![(1, "a")]);
        assert!(m.is_empty());
    }

    #[test]
    fn touching_an_entry_restarts_its_timeout() {
        let mut m = RotatingMap::new(2);
        m.insert(7, ());
        m.rotate();
        m.touch(7);
        assert!(m.rotate().is_empty());
        assert_eq!(m.rotate(), vec![(7, ())]);
    }

    #[test]
    fn entries_are_taken_by_a_predicate() {
        let mut m = RotatingMap::new(2);
        (1..=4).for_each(|k| m.insert(k, k * 10));
        let mut taken = m.take_where(|k, _| k % 2 == 0);
        taken.sort_unstable();
        assert_eq!(taken, vec![(2, 20), (4, 40)]);
        assert_eq!(m.len(), 2);
        assert!(m.contains_key(&1) && m.contains_key(&3));
    }

    #[test]
    fn removed_entries_never_expire() {
        let mut m = RotatingMap::new(2);
        m.insert(1, ());
        m.insert(2, ());
        assert_eq!(m.remove(&1), Some(()));
        m.rotate();
        assert_eq!(m.rotate(), vec![(2, ())]);
    }
}
