//! Bounded, expiring storage for what a DHT node keeps for others: announcements,
//! handshake forwards, refresh secrets and mutable/immutable records.
//!
//! Expiry is generational, like the `xache`/`record-cache` packages HyperDHT uses:
//! entries live in a fresh generation that becomes stale every ⅔ of the max age (or
//! when it fills up), and the stale one is dropped at the next turn. Memory is bounded
//! by twice the max size; nothing needs a timer.

use std::collections::HashMap;
use std::hash::Hash;
use std::time::{Duration, Instant};

use crate::swarm::crypto::Key32;

/// A key-value cache with generational expiry.
#[derive(Debug)]
pub struct TtlCache<K, V> {
    fresh: HashMap<K, V>,
    stale: HashMap<K, V>,
    max_size: usize,
    turn_every: Duration,
    last_turn: Instant,
}

impl<K: Eq + Hash, V> TtlCache<K, V> {
    /// A cache holding about `max_size` entries for about `max_age`.
    pub fn new(max_size: usize, max_age: Duration) -> Self {
        TtlCache {
            fresh: HashMap::new(),
            stale: HashMap::new(),
            max_size: max_size.max(1),
            turn_every: max_age * 2 / 3,
            last_turn: Instant::now(),
        }
    }

    fn maybe_turn(&mut self) {
        if self.last_turn.elapsed() >= self.turn_every {
            // Two turns may have passed: then even the fresh generation is too old.
            if self.last_turn.elapsed() >= 2 * self.turn_every {
                self.fresh.clear();
            }
            self.turn();
        }
    }

    fn turn(&mut self) {
        self.stale = std::mem::take(&mut self.fresh);
        self.last_turn = Instant::now();
    }

    /// The value for `k`, if it has not expired.
    pub fn get(&mut self, k: &K) -> Option<&V> {
        self.maybe_turn();
        match self.fresh.get(k) {
            Some(v) => Some(v),
            None => self.stale.get(k),
        }
    }

    /// Stores `v` under `k`, replacing any older value.
    pub fn set(&mut self, k: K, v: V) {
        self.maybe_turn();
        self.stale.remove(&k);
        if self.fresh.len() >= self.max_size {
            self.turn();
        }
        self.fresh.insert(k, v);
    }

    /// Removes `k`.
    pub fn remove(&mut self, k: &K) -> Option<V> {
        self.fresh.remove(k).or_else(|| self.stale.remove(k))
    }

    /// Entries held (both generations).
    pub fn len(&mut self) -> usize {
        self.maybe_turn();
        self.fresh.len() + self.stale.len()
    }

    /// True when nothing is held.
    pub fn is_empty(&mut self) -> bool {
        self.len() == 0
    }
}

/// Announcement records: for each topic, one encoded peer record per public key.
#[derive(Debug)]
pub struct RecordCache {
    records: TtlCache<(Key32, Key32), Vec<u8>>,
    by_topic: HashMap<Key32, Vec<Key32>>,
    max_size: usize,
}

impl RecordCache {
    /// A cache of about `max_size` records kept about `max_age`.
    pub fn new(max_size: usize, max_age: Duration) -> Self {
        RecordCache {
            records: TtlCache::new(max_size, max_age),
            by_topic: HashMap::new(),
            max_size,
        }
    }

    /// Stores (or refreshes) `record` for `public_key` under `topic`.
    pub fn add(&mut self, topic: Key32, public_key: Key32, record: Vec<u8>) {
        self.records.set((topic, public_key), record);
        if self.by_topic.len() > 2 * self.max_size {
            self.sweep();
        }
        let keys = self.by_topic.entry(topic).or_default();
        if !keys.contains(&public_key) {
            keys.push(public_key);
        }
    }

    /// Removes `public_key`'s record under `topic`.
    pub fn remove(&mut self, topic: &Key32, public_key: &Key32) {
        self.records.remove(&(*topic, *public_key));
        if let Some(keys) = self.by_topic.get_mut(topic) {
            keys.retain(|k| k != public_key);
            if keys.is_empty() {
                self.by_topic.remove(topic);
            }
        }
    }

    /// Up to `max` live records under `topic`, in random order.
    pub fn get(&mut self, topic: &Key32, max: usize) -> Vec<Vec<u8>> {
        let Some(keys) = self.by_topic.get(topic).cloned() else {
            return Vec::new();
        };
        let mut live = Vec::with_capacity(keys.len());
        let mut out = Vec::new();
        for k in keys {
            if let Some(r) = self.records.get(&(*topic, k)) {
                live.push(k);
                out.push(r.clone());
            }
        }
        // Forget expired keys so the index stays as small as the records.
        if live.is_empty() {
            self.by_topic.remove(topic);
        } else {
            self.by_topic.insert(*topic, live);
        }
        use rand::seq::SliceRandom;
        out.shuffle(&mut rand::thread_rng());
        out.truncate(max);
        out
    }

    /// Drops index entries whose records expired, so the index stays bounded.
    fn sweep(&mut self) {
        let topics: Vec<Key32> = self.by_topic.keys().copied().collect();
        for t in topics {
            let _ = self.get(&t, 0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_generation_turns_and_bounds_memory() {
        let mut c = TtlCache::new(4, Duration::from_secs(60));
        for i in 0..100u32 {
            c.set(i, i);
        }
        assert!(c.len() <= 8);
        assert_eq!(c.get(&99), Some(&99));
        assert_eq!(c.get(&0), None);
    }

    #[test]
    fn entries_expire() {
        let mut c = TtlCache::new(10, Duration::from_millis(30));
        c.set(1, "a");
        std::thread::sleep(Duration::from_millis(70));
        assert_eq!(c.get(&1), None);
    }

    #[test]
    fn records_by_topic() {
        let mut r = RecordCache::new(100, Duration::from_secs(60));
        r.add([1; 32], [2; 32], vec![2]);
        r.add([1; 32], [3; 32], vec![3]);
        r.add([1; 32], [2; 32], vec![4]);
        let mut got = r.get(&[1; 32], 20);
        got.sort();
        assert_eq!(got, vec![vec![3], vec![4]]);
        r.remove(&[1; 32], &[3; 32]);
        assert_eq!(r.get(&[1; 32], 20), vec![vec![4]]);
        assert!(r.get(&[9; 32], 20).is_empty());
    }
}
