//! What an executor does when it has nothing to do: Storm's progressive wait strategy
//! (`WaitStrategyProgressive`), used by a spout whose `next_tuple` emitted nothing.
//!
//! After each idle turn the spout is polled again: at once for the first `level1` idle turns
//! (the other tasks of its thread run in between), then after parking its thread for `park`
//! for `level2` more (about a millisecond in all by default), then after sleeping `level3` each
//! time until it emits again. A spout reading a queue thus picks up a tuple that arrives just
//! after an empty poll within tens of microseconds, and an idle topology sleeps and costs next
//! to nothing: the quick polls follow only an emit, never a sleep. A park holds the thread (a
//! timer cannot wake sooner than a millisecond), so the other tasks of the spout's thread may
//! wait one park, 50 µs by default.

use std::time::Duration;

use storm_core::Config;

/// How to wait before the next poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdleWait {
    /// Poll again as soon as the thread's other tasks have had their turn.
    Yield,
    /// Park the thread this long, then poll again.
    Park(Duration),
    /// Sleep this long.
    Sleep(Duration),
}

/// The progressive strategy's three levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProgressiveWait {
    level1: u32,
    level2: u32,
    park: Duration,
    sleep: Duration,
}

impl ProgressiveWait {
    /// The spout levels of `config` (`topology.spout.wait.progressive.*`).
    pub fn for_spout(config: &Config) -> Self {
        Self {
            level1: config.spout_wait_level1_count,
            level2: config.spout_wait_level2_count,
            park: Duration::from_micros(u64::from(config.spout_wait_park_micros)),
            sleep: Duration::from_millis(u64::from(config.spout_wait_level3_sleep_millis.max(1))),
        }
    }

    /// The wait after `idle` consecutive turns without work (1 after the first).
    pub fn after(&self, idle: u32) -> IdleWait {
        if idle <= self.level1 {
            IdleWait::Yield
        } else if idle - self.level1 <= self.level2 {
            IdleWait::Park(self.park)
        } else {
            IdleWait::Sleep(self.sleep)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yields_then_parks_then_sleeps() {
        let config = Config {
            spout_wait_level1_count: 2,
            spout_wait_level2_count: 1,
            spout_wait_park_micros: 30,
            spout_wait_level3_sleep_millis: 5,
            ..Config::default()
        };
        let wait = ProgressiveWait::for_spout(&config);
        let waits: Vec<_> = (1..=5).map(|i| wait.after(i)).collect();
        assert_eq!(
            waits,
            [
                IdleWait::Yield,
                IdleWait::Yield,
                IdleWait::Park(Duration::from_micros(30)),
                IdleWait::Sleep(Duration::from_millis(5)),
                IdleWait::Sleep(Duration::from_millis(5)),
            ]
        );
    }

    #[test]
    fn storms_defaults_sleep_at_once() {
        let config = Config {
            spout_wait_level1_count: 0,
            spout_wait_level2_count: 0,
            ..Config::default()
        };
        let wait = ProgressiveWait::for_spout(&config);
        assert_eq!(wait.after(1), IdleWait::Sleep(Duration::from_millis(1)));
    }
}
