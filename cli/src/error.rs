//! What the `storm` command reports when it fails.

/// A failed command, in words a person can act on.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The configuration is invalid.
    #[error(transparent)]
    Config(#[from] storm_client::ConfigError),
    /// Nimbus could not be reached or refused.
    #[error(transparent)]
    Client(#[from] storm_client::ClientError),
    /// The Nimbus daemon failed.
    #[error(transparent)]
    Nimbus(#[from] storm_nimbus::NimbusError),
    /// The supervisor daemon failed.
    #[error(transparent)]
    Supervisor(#[from] storm_supervisor::SupervisorError),
    /// The UI daemon failed.
    #[error(transparent)]
    Ui(#[from] storm_ui::UiError),
    /// An argument is invalid.
    #[error("{0}")]
    Usage(String),
    /// The topology binary could not be run.
    #[error("cannot run {binary}: {source}")]
    Jar {
        /// The binary.
        binary: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// No runtime for the client could be started.
    #[error("starting the client runtime: {0}")]
    Runtime(std::io::Error),
}
