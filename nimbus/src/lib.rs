//! Nimbus, the master daemon. It speaks the protocol of `storm_client::protocol`, whose client
//! (`storm_client::NimbusClient`) and `storm.yaml` (`storm_client::DaemonConfig`) live in the
//! client crate, so that a topology binary links none of this.
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
//!
//! Several Nimbus processes may run (HA): one leads through the ZooKeeper latch; the others
//! answer `NotLeader` to changes, copy every artifact from the leader (`code_sync`) and join
//! the election only while they hold them all ([`daemon`]).
//!
//! With `nimbus.authentication` on, each connection proves a user's secret first ([`server`]),
//! and [`authorizer`] decides what that user may do; [`audit`] logs every change with its user.

pub mod actor;
mod assignments;
pub mod audit;
pub mod authorizer;
mod code_sync;
pub mod core;
pub mod daemon;
pub mod error;
pub mod heartbeats;
pub mod login_throttle;
mod queries;
pub mod scheduler;
pub mod server;
pub mod status;
pub mod store;
pub mod submission;
pub mod topology_info;
pub mod topology_record;
pub mod topology_stats;

pub use actor::Nimbus;
pub use core::{NimbusCore, Now, Timer};
pub use error::NimbusError;
pub use status::TopologyAction;
