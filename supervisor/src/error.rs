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
    /// TLS is configured for the workers it starts, or for its Nimbus client, but the files are
    /// unusable (names the key and the file): checked at start, so no worker fails on them.
    #[error("TLS: {0}")]
    Tls(#[from] storm_client::tls::TlsError),
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
