//! Nimbus, the master daemon, and what every process of a cluster shares with it: the daemons'
//! `storm.yaml` ([`DaemonConfig`]), the wire [`protocol`] and the [`NimbusClient`].
//!
//! A submission's way through Nimbus:
//!
//! 1. The client uploads the artifact (the author's binary) in chunks with its SHA-256
//!    ([`store::ArtifactStore`] keeps it only if the checksum matches), then submits the
//!    topology and config as JSON.
//! 2. [`submission::validate`] checks the name, config and topology; a taken name is refused.
//! 3. Nimbus stores the artifact and run files under `storm.local.dir/nimbus/stormdist/<id>`,
//!    writes the `StormBase`, and schedules: [`scheduler`] is Storm's even scheduler over the
//!    supervisors' free slots, and the assignment goes to `/assignments/<id>`.
//! 4. Kill, activate, deactivate and rebalance go through [`status::transition`], Storm's
//!    `TopologyActions` table; waits become timers on the [`Nimbus`] actor.
//! 5. Every `nimbus.monitor.freq.secs` a round re-schedules executors whose supervisors went
//!    away or whose heartbeats stopped, and cleans up after removed topologies.

pub mod actor;
mod assignments;
pub mod client;
pub mod config;
pub mod core;
pub mod daemon;
pub mod error;
pub mod heartbeats;
pub mod protocol;
pub mod scheduler;
pub mod server;
pub mod status;
pub mod store;
pub mod submission;
pub mod topology_record;

pub use actor::Nimbus;
pub use client::{ClientError, NimbusClient};
pub use config::{ConfigError, DaemonConfig};
pub use core::{NimbusCore, Now, Timer};
pub use error::NimbusError;
pub use protocol::{RemoteError, Request, Response};
pub use status::TopologyAction;
