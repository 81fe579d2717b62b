//! What a spout whose `next_tuple` emitted nothing waits before it is polled again:
//! `topology.spout.wait.strategy`, one of Storm's strategies.
//!
//! - **Progressive** (the default, `WaitStrategyProgressive`): after each idle turn the spout
//!   is polled again at once for the first `level1` idle turns (the other tasks of its thread
//!   run in between), then after a park of `park` for `level2` more (about a millisecond in
//!   all by default), then after sleeping `level3` each time until it emits again, or
//!   `level4` (not a Storm level: 10 ms) once it has been idle for a second. A spout
//!   reading a queue thus picks up a tuple that arrives just after an empty poll within tens
//!   of microseconds, and an idle topology sleeps and costs next to nothing: the quick polls
//!   follow only an emit, never a sleep.
//! - **Park** (`WaitStrategyPark`): a park of `park` after every idle turn.
//! - **Sleep** (`SleepSpoutWaitStrategy`): a sleep of
//!   `topology.sleep.spout.wait.strategy.time.ms` after every idle turn.
//!
//! A park does not hold the thread: the spout is polled again once its thread has had nothing
//! else to do for that long (`idle_thread.rs`), or after a sleep if the thread stays busy.

use std::time::Duration;

use storm_core::{Config, WaitStrategy};

/// How to wait before the next poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdleWait {
    /// Poll again as soon as the thread's other tasks have had their turn.
    Yield,
    /// Poll again once the thread has been idle this long.
    Park(Duration),
    /// Sleep this long.
    Sleep(Duration),
}

/// A spout's strategy, with its levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpoutWait {
    strategy: WaitStrategy,
    level1: u32,
    level2: u32,
    park: Duration,
    sleep: Duration,
    /// Level 4: idle this long, sleep this long.
    long_idle: Duration,
    long_sleep: Duration,
}

impl SpoutWait {
    /// The spout strategy of `config` (`topology.spout.wait.*`).
    pub fn for_spout(config: &Config) -> Self {
        let sleep_millis = match config.spout_wait_strategy {
            WaitStrategy::Sleep => config.sleep_spout_wait_millis,
            _ => config.spout_wait_level3_sleep_millis,
        };
        Self {
            strategy: config.spout_wait_strategy,
            level1: config.spout_wait_level1_count,
            level2: config.spout_wait_level2_count,
            park: Duration::from_micros(u64::from(config.spout_wait_park_micros)),
            sleep: Duration::from_millis(u64::from(sleep_millis.max(1))),
            long_idle: Duration::from_millis(u64::from(config.spout_wait_level4_after_millis)),
            long_sleep: Duration::from_millis(u64::from(config.spout_wait_level4_sleep_millis)),
        }
    }

    /// The longest the spout waits between polls: the fallback when its thread stays busy.
    pub fn longest(&self) -> Duration {
        self.sleep.max(self.park)
    }

    /// The wait after `idle` consecutive turns without work (1 after the first), the first
    /// of them `idle_for` ago.
    pub fn after(&self, idle: u32, idle_for: Duration) -> IdleWait {
        match self.strategy {
            WaitStrategy::Park => return IdleWait::Park(self.park),
            WaitStrategy::Sleep => return IdleWait::Sleep(self.sleep),
            WaitStrategy::Progressive => {}
        }
        if idle <= self.level1 {
            IdleWait::Yield
        } else if idle - self.level1 <= self.level2 {
            IdleWait::Park(self.park)
        } else if idle_for >= self.long_idle && self.long_sleep > self.sleep {
            IdleWait::Sleep(self.long_sleep)
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
        let wait = SpoutWait::for_spout(&config);
        let waits: Vec<_> = (1..=5).map(|i| wait.after(i, Duration::ZERO)).collect();
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
    fn a_long_idle_spout_sleeps_longer() {
        let config = Config {
            spout_wait_level1_count: 0,
            spout_wait_level2_count: 0,
            spout_wait_level4_after_millis: 1000,
            spout_wait_level4_sleep_millis: 10,
            ..Config::default()
        };
        let wait = SpoutWait::for_spout(&config);
        let ms = Duration::from_millis;
        assert_eq!(wait.after(900, ms(999)), IdleWait::Sleep(ms(1)));
        assert_eq!(wait.after(901, ms(1000)), IdleWait::Sleep(ms(10)));
        let off = SpoutWait::for_spout(&Config {
            spout_wait_level4_sleep_millis: 1,
            ..config
        });
        assert_eq!(off.after(5000, ms(60_000)), IdleWait::Sleep(ms(1)));
    }

    #[test]
    fn park_and_sleep_strategies_wait_alike_every_turn() {
        let config = Config {
            spout_wait_strategy: WaitStrategy::Park,
            spout_wait_park_micros: 70,
            ..Config::default()
        };
        let wait = SpoutWait::for_spout(&config);
        assert_eq!(
            wait.after(1, Duration::ZERO),
            IdleWait::Park(Duration::from_micros(70))
        );
        assert_eq!(
            wait.after(500, Duration::ZERO),
            IdleWait::Park(Duration::from_micros(70))
        );
        let config = Config {
            spout_wait_strategy: WaitStrategy::Sleep,
            sleep_spout_wait_millis: 3,
            ..Config::default()
        };
        let wait = SpoutWait::for_spout(&config);
        assert_eq!(
            wait.after(1, Duration::ZERO),
            IdleWait::Sleep(Duration::from_millis(3))
        );
        assert_eq!(wait.longest(), Duration::from_millis(3));
    }

    #[test]
    fn storms_defaults_sleep_at_once() {
        let config = Config {
            spout_wait_level1_count: 0,
            spout_wait_level2_count: 0,
            ..Config::default()
        };
        let wait = SpoutWait::for_spout(&config);
        assert_eq!(
            wait.after(1, Duration::ZERO),
            IdleWait::Sleep(Duration::from_millis(1))
        );
    }
}
