//! `LatencySampler`: picks the input batches whose latencies a bolt task measures, so that
//! about `topology.stats.sample.rate` of its tuples are sampled (Storm samples single tuples at
//! that rate; here a batch is measured whole, so a clock read serves all its tuples).

/// Counts tuples since the last sample and asks for one every `1 / rate` tuples.
#[derive(Debug, Clone)]
pub struct LatencySampler {
    every: u64,
    since_last: u64,
}

impl LatencySampler {
    /// A sampler of about `rate` (0 to 1] of the tuples.
    pub fn new(rate: f64) -> Self {
        let every = if rate > 0.0 {
            (1.0 / rate).round().max(1.0) as u64
        } else {
            u64::MAX
        };
        Self {
            every,
            // The first batch is sampled, so a quiet bolt shows latencies early.
            since_last: every.saturating_sub(1),
        }
    }

    /// Counts a batch of `tuples`; true if it is to be measured.
    #[inline]
    pub fn sample(&mut self, tuples: u64) -> bool {
        self.since_last = self.since_last.saturating_add(tuples);
        if self.since_last >= self.every {
            self.since_last = 0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_about_the_rate_of_single_tuples() {
        let mut s = LatencySampler::new(0.05);
        let sampled = (0..1000).filter(|_| s.sample(1)).count();
        assert_eq!(sampled, 50);
    }

    #[test]
    fn samples_every_batch_at_least_as_large_as_the_period() {
        let mut s = LatencySampler::new(0.05);
        assert!((0..10).all(|_| s.sample(1000)));
    }

    #[test]
    fn a_rate_of_one_samples_everything() {
        let mut s = LatencySampler::new(1.0);
        assert!((0..10).all(|_| s.sample(1)));
    }
}
