//! A log-linear latency histogram that sinks fill and benchmarks merge, across tasks and
//! processes: 32 buckets per power of two of microseconds (about 3 % resolution), 1 µs to hours.

use serde::{Deserialize, Serialize};

const SUB_BUCKETS: u64 = 32;
const SUB_BITS: u32 = 5;

/// Counts of latencies by bucket.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LatencyHistogram {
    counts: Vec<u64>,
    total: u64,
    #[serde(default)]
    max: u64,
}

fn bucket(micros: u64) -> usize {
    if micros < SUB_BUCKETS {
        return micros as usize;
    }
    // micros has its top bit at position SUB_BITS + octave - 1, octave >= 1.
    let octave = 63 - micros.leading_zeros() - SUB_BITS + 1;
    let shift = octave - 1;
    let mantissa = (micros >> shift) - SUB_BUCKETS; // 0..SUB_BUCKETS
    (octave as u64 * SUB_BUCKETS + mantissa) as usize
}

fn lower_bound(index: usize) -> u64 {
    let index = index as u64;
    if index < SUB_BUCKETS {
        return index;
    }
    let octave = index / SUB_BUCKETS;
    let mantissa = index % SUB_BUCKETS;
    (SUB_BUCKETS + mantissa) << (octave - 1)
}

impl LatencyHistogram {
    /// Records one latency.
    pub fn record(&mut self, micros: u64) {
        let i = bucket(micros);
        if self.counts.len() <= i {
            self.counts.resize(i + 1, 0);
        }
        self.counts[i] += 1;
        self.total += 1;
        self.max = self.max.max(micros);
    }

    /// The highest latency recorded, in µs (0 when none).
    pub fn max(&self) -> u64 {
        self.max
    }

    /// Latencies recorded.
    pub fn len(&self) -> u64 {
        self.total
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// Adds another histogram's counts.
    pub fn merge(&mut self, other: &LatencyHistogram) {
        if self.counts.len() < other.counts.len() {
            self.counts.resize(other.counts.len(), 0);
        }
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.total += other.total;
        self.max = self.max.max(other.max);
    }

    /// What was recorded here and not in `earlier` (a snapshot of the same histogram); its
    /// maximum is this histogram's, which may predate `earlier`.
    pub fn since(&self, earlier: &LatencyHistogram) -> LatencyHistogram {
        let counts: Vec<u64> = self
            .counts
            .iter()
            .enumerate()
            .map(|(i, c)| c.saturating_sub(earlier.counts.get(i).copied().unwrap_or(0)))
            .collect();
        let total = counts.iter().sum();
        LatencyHistogram {
            counts,
            total,
            max: self.max,
        }
    }

    /// The latency below which a fraction `q` (0.0 to 1.0) of the recorded ones fall, in µs
    /// (the lower bound of its bucket).
    pub fn quantile(&self, q: f64) -> Option<u64> {
        if self.total == 0 {
            return None;
        }
        let rank = ((q.clamp(0.0, 1.0) * self.total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (i, c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return Some(lower_bound(i));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_keep_three_per_cent_and_round_trip_their_bounds() {
        for v in [0u64, 1, 31, 32, 33, 63, 64, 100, 1000, 123_456, 10_000_000] {
            let lb = lower_bound(bucket(v));
            assert!(lb <= v, "{v}: {lb}");
            assert!(v - lb <= v / 32 + 1, "{v}: {lb}");
        }
    }

    #[test]
    fn quantiles_merge_and_subtract() {
        let mut h = LatencyHistogram::default();
        for v in 1..=100 {
            h.record(v);
        }
        assert_eq!(h.quantile(0.5), Some(50));
        assert!(h.quantile(0.99).is_some_and(|p| (96..=99).contains(&p)));
        let snapshot = h.clone();
        for _ in 0..100 {
            h.record(5000);
        }
        let later = h.since(&snapshot);
        assert_eq!(later.len(), 100);
        assert!(later
            .quantile(0.5)
            .is_some_and(|p| (4850..=5000).contains(&p)));
        let mut merged = snapshot.clone();
        merged.merge(&later);
        assert_eq!(merged, h);
    }
}
