//! The supervisor daemon's errors: what can stop it from starting.

/// Why a supervisor could not start.
#[derive(Debug, thiserror::Error)]
pub enum SupervisorError {
    /// `storm.yaml` is invalid.
    #[error(transparent)]
    Config(#[from] storm_client::ConfigError),
    /// ZooKeeper could not be used.
    #[error("zookeeper: {0}")]
    ZooKeeper(#[from] storm_zk::Error),
    /// `storm.local.dir` could not be used.
    #[error("{what} {path}: {source}")]
    LocalDir {
        /// What was being done.
        what: &'static str,
        /// The path.
        path: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}
