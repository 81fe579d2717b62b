//! What can go wrong submitting a topology or running a worker.

/// An error from the author's topology-building code.
pub type BuildError = Box<dyn std::error::Error + Send + Sync>;

/// Why a submission or a worker failed.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// The binary was started neither by `storm jar` nor by a supervisor.
    #[error("this topology binary submits itself when run with `storm jar <binary> [args]`; a supervisor runs it as a worker")]
    NotLaunched,
    /// The author's code could not build the topology.
    #[error("building the topology: {0}")]
    Build(BuildError),
    /// The configuration handed over by `storm jar` is invalid.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// The topology's config could not be encoded.
    #[error("invalid topology config: {0}")]
    TopologyConfig(String),
    /// Nimbus could not be reached or refused the submission.
    #[error(transparent)]
    Submit(#[from] crate::nimbus_client::ClientError),
    /// The launch parameters are unusable.
    #[error(transparent)]
    Launch(#[from] crate::launch::LaunchError),
    /// The worker could not start or run.
    #[error(transparent)]
    Worker(#[from] crate::worker_process::WorkerProcessError),
    /// No async runtime could be started.
    #[error("starting the client runtime: {0}")]
    Runtime(std::io::Error),
}
