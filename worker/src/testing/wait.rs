//! Bounded polling for tests (Storm's `Testing.whileTimeout`): wait for a condition with a
//! deadline instead of sleeping a fixed time.

use std::time::{Duration, Instant};

/// Polls `condition` until it holds (true) or `timeout` passes (false), checking often at first
/// and then every 50 ms.
pub fn wait_until(timeout: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    let mut pause = Duration::from_millis(1);
    loop {
        if condition() {
            return true;
        }
        if start.elapsed() >= timeout {
            return false;
        }
        std::thread::park_timeout(pause);
        pause = (pause * 2).min(Duration::from_millis(50));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_once_the_condition_does_and_gives_up_at_the_deadline() {
        let mut calls = 0;
        assert!(wait_until(Duration::from_secs(5), || {
            calls += 1;
            calls >= 3
        }));
        assert_eq!(calls, 3);
        assert!(!wait_until(Duration::from_millis(20), || false));
    }
}
