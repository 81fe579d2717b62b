//! The daemon's errors: what can stop Nimbus from starting or running.

use crate::store::StoreError;
use storm_client::config::ConfigError;

/// Why Nimbus could not start or had to stop.
#[derive(Debug, thiserror::Error)]
pub enum NimbusError {
    /// `storm.yaml` is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// ZooKeeper could not be used.
    #[error("zookeeper: {0}")]
    ZooKeeper(#[from] storm_zk::Error),
    /// The port could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// `host:port`.
        addr: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// `storm.local.dir` could not be used.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The actor system failed.
    #[error("{0}")]
    Runtime(String),
}
