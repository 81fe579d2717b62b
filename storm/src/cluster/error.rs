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
    Config(#[from] storm_nimbus::ConfigError),
    /// The topology's config could not be encoded.
    #[error("invalid topology config: {0}")]
    TopologyConfig(String),
    /// Nimbus could not be reached or refused the submission.
    #[error(transparent)]
    Submit(#[from] storm_nimbus::ClientError),
    /// The worker could not start or run.
    #[error(transparent)]
    Worker(#[from] storm_supervisor::WorkerProcessError),
    /// No async runtime could be started.
    #[error("starting the client runtime: {0}")]
    Runtime(std::io::Error),
}
