//! `LoginThrottle`: failed authentication handshakes from one address slow that address down,
//! so secrets cannot be guessed at the port's speed. Each recent failure adds
//! [`PENALTY_STEP`] before the address's next handshake is answered, up to [`MAX_PENALTY`];
//! an address with no failure for [`FORGET_AFTER`] starts afresh, and a success clears it.
//! Time is an input, so the rules are tested without waiting.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// The delay each recent failure adds.
pub const PENALTY_STEP: Duration = Duration::from_millis(250);
/// The longest delay.
pub const MAX_PENALTY: Duration = Duration::from_secs(5);
/// Failures older than this are forgotten.
pub const FORGET_AFTER: Duration = Duration::from_secs(60);
/// Addresses remembered at most; past this the stalest are dropped.
const MAX_ADDRESSES: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

/// Recent handshake failures per address.
#[derive(Debug, Default)]
pub struct LoginThrottle {
    failures: HashMap<IpAddr, Failures>,
}

impl LoginThrottle {
    /// How long to wait before answering a handshake from `addr` at `now`.
    pub fn delay(&self, addr: IpAddr, now: Instant) -> Duration {
        match self.failures.get(&addr) {
            Some(f) if now.saturating_duration_since(f.last) < FORGET_AFTER => {
                PENALTY_STEP.saturating_mul(f.count).min(MAX_PENALTY)
            }
            _ => Duration::ZERO,
        }
    }

    /// Counts a failed handshake from `addr`.
    pub fn failed(&mut self, addr: IpAddr, now: Instant) {
        if self.failures.len() >= MAX_ADDRESSES {
            self.failures
                .retain(|_, f| now.saturating_duration_since(f.last) < FORGET_AFTER);
        }
        let entry = self.failures.entry(addr).or_insert(Failures {
            count: 0,
            last: now,
        });
        if now.saturating_duration_since(entry.last) >= FORGET_AFTER {
            entry.count = 0;
        }
        entry.count = entry.count.saturating_add(1);
        entry.last = now;
    }

    /// Clears `addr` after a successful handshake.
    pub fn succeeded(&mut self, addr: IpAddr) {
        self.failures.remove(&addr);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_slow_their_address_only_and_are_forgotten() {
        let mut t = LoginThrottle::default();
        let bad: IpAddr = [10, 0, 0, 1].into();
        let good: IpAddr = [10, 0, 0, 2].into();
        let start = Instant::now();
        assert_eq!(t.delay(bad, start), Duration::ZERO);
        for _ in 0..3 {
            t.failed(bad, start);
        }
        assert_eq!(t.delay(bad, start), PENALTY_STEP * 3);
        assert_eq!(t.delay(good, start), Duration::ZERO);
        for _ in 0..100 {
            t.failed(bad, start);
        }
        assert_eq!(t.delay(bad, start), MAX_PENALTY);
        assert_eq!(t.delay(bad, start + FORGET_AFTER), Duration::ZERO);
        t.failed(bad, start + FORGET_AFTER);
        assert_eq!(t.delay(bad, start + FORGET_AFTER), PENALTY_STEP);
        t.succeeded(bad);
        assert_eq!(t.delay(bad, start + FORGET_AFTER), Duration::ZERO);
    }
}
