//! What a topology binary needs on a cluster, and nothing of the daemons (Storm's
//! `storm-client`): Nimbus and the supervisor depend on this crate, never the other way round.
//!
//! * [`config`]: the daemons' `storm.yaml` ([`DaemonConfig`]), which also tells a client where
//!   Nimbus and ZooKeeper are;
//! * [`protocol`]: the Nimbus protocol's requests and replies, in `storm-codec` frames;
//! * [`nimbus_client`]: [`NimbusClient`], used by the `storm` command, supervisors and
//!   [`StormSubmitter`] ([`submitter`]), which uploads the binary and submits the topology;
//!   [`nimbus_leader`] finds the leading Nimbus through `nimbus.seeds`; a client authenticates
//!   with the [`credentials`] its [`security_config`] names, over TLS when its [`tls_config`]
//!   says so;
//! * [`launch`]: the contract between a supervisor and the binary it starts as a worker (its
//!   environment, run files and local heartbeat);
//! * [`worker_process`]: worker mode, what the author's binary does under a supervisor, and
//!   [`error_publisher`], which writes its components' errors to ZooKeeper.

pub mod config;
pub mod credentials;
pub mod error;
pub mod error_publisher;
pub mod launch;
pub mod local_stats;
pub mod nimbus_client;
pub mod nimbus_leader;
pub mod protocol;
pub mod security_config;
pub mod shutdown_signal;
pub mod submitter;
pub mod tls_config;
pub mod worker_process;
pub mod worker_transport;

pub use config::{ConfigError, DaemonConfig};
pub use error::{BuildError, ClusterError};
pub use launch::{LaunchError, WorkerLaunch};
pub use nimbus_client::{ClientError, NimbusClient};
pub use protocol::{RemoteError, Request, Response};
/// TLS under the Nimbus port and worker links (`storm-codec`'s, for the daemons).
pub use storm_codec::tls;
pub use submitter::{StormSubmitter, Submission};
pub use worker_process::{run_worker, WorkerProcessError};
