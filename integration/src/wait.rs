//! Bounded polling: wait for a condition with a deadline instead of sleeping a fixed time.

use std::future::Future;
use std::time::{Duration, Instant};

/// How often conditions are re-checked.
pub const POLL_INTERVAL: Duration = Duration::from_millis(20);

/// A condition that did not hold before its deadline.
#[derive(Debug, thiserror::Error)]
#[error("timed out after {waited:?} waiting until {what}")]
pub struct TimedOut {
    /// The condition, as the caller described it.
    pub what: String,
    /// How long it was polled.
    pub waited: Duration,
}

/// Polls `condition` every [`POLL_INTERVAL`] until it returns true, for at most `timeout`.
pub async fn wait_until<F, Fut>(
    what: &str,
    timeout: Duration,
    condition: F,
) -> Result<Duration, TimedOut>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    wait_every(what, timeout, POLL_INTERVAL, condition).await
}

/// Polls `condition` every `interval` (for conditions that are costly to check, such as one
/// that runs a command) until it returns true, for at most `timeout`.
pub async fn wait_every<F, Fut>(
    what: &str,
    timeout: Duration,
    interval: Duration,
    mut condition: F,
) -> Result<Duration, TimedOut>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let started = Instant::now();
    loop {
        if condition().await {
            return Ok(started.elapsed());
        }
        if started.elapsed() >= timeout {
            return Err(TimedOut {
                what: what.to_owned(),
                waited: started.elapsed(),
            });
        }
        tokio::time::sleep(interval).await;
    }
}

/// The blocking twin of [`wait_until`], for code outside an async runtime: the testing API's
/// [`storm::testing::wait_until`], with the condition named in the error.
pub fn wait_until_blocking(
    what: &str,
    timeout: Duration,
    condition: impl FnMut() -> bool,
) -> Result<Duration, TimedOut> {
    let started = Instant::now();
    if storm::testing::wait_until(timeout, condition) {
        Ok(started.elapsed())
    } else {
        Err(TimedOut {
            what: what.to_owned(),
            waited: started.elapsed(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn returns_once_the_condition_holds() {
        let mut calls = 0;
        let took = wait_until("the third call", Duration::from_secs(5), || {
            calls += 1;
            let done = calls >= 3;
            async move { done }
        })
        .await
        .expect("holds on the third call");
        assert!(took < Duration::from_secs(5));
    }

    #[test]
    fn reports_the_condition_on_timeout() {
        let err = wait_until_blocking("never", Duration::from_millis(50), || false)
            .expect_err("times out");
        assert!(err.to_string().contains("waiting until never"), "{err}");
    }
}
