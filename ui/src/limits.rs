//! `UiLimits`: what one client may hold of `storm ui`, from `storm.yaml`, named like the Nimbus
//! port's limits (`nimbus.max.connections`, `nimbus.connection.idle.timeout.secs`):
//!
//! | key | default | meaning |
//! |---|---|---|
//! | `ui.max.connections` (ours) | 256 | connections served at once; past it new ones wait in the listen backlog until one closes (actix-web stops accepting) |
//! | `ui.connection.idle.timeout.secs` (ours) | 60 | a connection that sends no request for this long (keep-alive, or before its first request) is closed |
//!
//! actix-web counts connections per worker thread, so the cap is split evenly among the UI's
//! [`WORKERS`] (each holds `ui.max.connections / WORKERS`, rounded up). Storm's
//! `ui.header.buffer.bytes` has no actix-web counterpart: request heads are capped by actix-web
//! itself.

use std::time::Duration;

use storm_client::{ConfigError, DaemonConfig};

/// The UI's worker threads.
pub const WORKERS: usize = 2;

const MAX_CONNECTIONS: &str = "ui.max.connections";
const IDLE_TIMEOUT: &str = "ui.connection.idle.timeout.secs";

/// The UI's connection limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UiLimits {
    /// `ui.max.connections` (ours; 256).
    pub max_connections: usize,
    /// `ui.connection.idle.timeout.secs` (ours; 60).
    pub idle_timeout: Duration,
}

impl Default for UiLimits {
    fn default() -> Self {
        Self {
            max_connections: 256,
            idle_timeout: Duration::from_secs(60),
        }
    }
}

fn positive(
    config: &DaemonConfig,
    key: &str,
    expected: &'static str,
) -> Result<Option<u64>, ConfigError> {
    match config.raw.get(key).filter(|v| !v.is_null()) {
        None => Ok(None),
        Some(v) => v
            .as_u64()
            .filter(|n| *n > 0)
            .map(Some)
            .ok_or_else(|| ConfigError::WrongType {
                key: key.to_owned(),
                expected,
            }),
    }
}

impl UiLimits {
    /// The limits `config` sets; missing keys keep their defaults.
    pub fn from_config(config: &DaemonConfig) -> Result<Self, ConfigError> {
        let mut limits = Self::default();
        if let Some(n) = positive(config, MAX_CONNECTIONS, "a positive count")? {
            limits.max_connections = usize::try_from(n).unwrap_or(usize::MAX);
        }
        if let Some(n) = positive(config, IDLE_TIMEOUT, "whole seconds")? {
            limits.idle_timeout = Duration::from_secs(n);
        }
        Ok(limits)
    }

    /// What each worker thread may hold.
    pub fn per_worker(&self) -> usize {
        self.max_connections.div_ceil(WORKERS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(overrides: &[&str]) -> Result<DaemonConfig, ConfigError> {
        let overrides: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
        DaemonConfig::load(None, &overrides)
    }

    #[test]
    fn defaults_and_keys() {
        let c = config(&[]).expect("empty");
        assert_eq!(
            UiLimits::from_config(&c).expect("defaults"),
            UiLimits::default()
        );
        let c = config(&["ui.max.connections=3", "ui.connection.idle.timeout.secs=7"]).expect("c");
        let l = UiLimits::from_config(&c).expect("valid");
        assert_eq!(l.max_connections, 3);
        assert_eq!(l.idle_timeout, Duration::from_secs(7));
        assert_eq!(l.per_worker(), 2, "3 over 2 threads, rounded up");
    }

    #[test]
    fn bad_values_name_their_key() {
        let c = config(&["ui.max.connections=0"]).expect("c");
        let e = UiLimits::from_config(&c).expect_err("zero");
        assert!(e.to_string().contains("ui.max.connections"), "{e}");
        let c = config(&["ui.connection.idle.timeout.secs=soon"]).expect("c");
        let e = UiLimits::from_config(&c).expect_err("not a number");
        assert!(
            e.to_string().contains("ui.connection.idle.timeout.secs"),
            "{e}"
        );
    }
}
