//! The errors of running topologies.

use thiserror::Error;

/// What can go wrong running a topology.
#[derive(Debug, Error)]
pub enum WorkerError {
    /// The topology or its config is invalid.
    #[error(transparent)]
    Topology(#[from] storm_core::TopologyError),
    /// The config is invalid.
    #[error(transparent)]
    Config(#[from] storm_core::ConfigError),
    /// A topology with this name is already running.
    #[error("topology {0:?} is already running")]
    AlreadyRunning(String),
    /// No topology with this name is running.
    #[error("no topology named {0:?} is running")]
    NotRunning(String),
    /// A component of the topology has no factory.
    #[error("component {0:?} has no factory in this binary")]
    MissingFactory(String),
    /// The actor system could not start or has stopped.
    #[error("actor system: {0}")]
    System(String),
    /// An executor thread could not start.
    #[error("cannot start an executor thread: {0}")]
    Threads(std::io::Error),
    /// Waiting for a condition timed out.
    #[error("timed out after {secs:.1}s waiting for {what}")]
    Timeout {
        /// What was awaited.
        what: String,
        /// How long.
        secs: f64,
    },
}

/// `Result` with [`WorkerError`].
pub type Result<T, E = WorkerError> = std::result::Result<T, E>;
