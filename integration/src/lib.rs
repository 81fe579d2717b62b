//! Integration harness: starts a real ZooKeeper server (Debian's package, as a plain process on
//! a free loopback port with its own data directory), Nimbus and supervisors as real processes
//! ([`StormCluster`], from this package's `storm_cli` binary), and tears every process down by
//! its id even when a test fails. The topology the cluster tests submit is this package's
//! `wordcount_topology` binary ([`reports`] reads what it writes). Cluster tests live in this
//! crate's `tests/`.
//!
//! ZooKeeper must be installed: run `scripts/install-zookeeper.sh` (the tests fail with that
//! advice when it is missing; they never skip).

pub mod acl_checks;
pub mod cluster;
pub mod docker;
pub mod ensemble;
pub mod fixtures;
pub mod ports;
pub mod reports;
pub mod scenarios;
pub mod ui_http;
pub mod wait;
pub mod zookeeper;

pub use cluster::{ClusterOptions, CommandOutput, Daemon, StormCluster};
pub use ensemble::ZooKeeperEnsemble;
pub use wait::{wait_every, wait_until, TimedOut};
pub use zookeeper::{HarnessError, ServerOptions, ZooKeeperServer};

/// Sends `tracing` output to the test's captured stderr, filtered by `RUST_LOG` (default
/// `warn`). Safe to call from every test.
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_test_writer()
        .try_init();
}
