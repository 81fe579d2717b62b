//! Cluster state: where Nimbus, supervisors and workers meet.
//!
//! Storm keeps its cluster state in ZooKeeper under `storm.zookeeper.root`: the supervisors
//! (ephemeral), the topologies and their status, the assignments of tasks to worker slots,
//! worker heartbeats, component errors, worker restarts, Nimbus registrations and the leader lock. This crate
//! holds that state behind one trait, [`ClusterState`], implemented once
//! ([`StormClusterState`]) over a small storage trait ([`StateStorage`]) with two backends:
//!
//! * [`ZkClusterState`] (ZooKeeper through `zookeeper-client`): chrooted at the root, digest
//!   ACLs when configured, requests retried across connection loss, and a session owner task that
//!   re-creates the client, the ephemeral registrations and the watches after a session expires;
//! * [`MemClusterState`] (in memory) for local mode and unit tests, with the same semantics.
//!
//! The znode layout is in [`paths`]; values are `storm-codec` records ([`codec`]).
//!
//! ```no_run
//! # async fn demo() -> storm_zk::Result<()> {
//! use std::sync::Arc;
//! use storm_zk::{ClusterState, ZkClusterState, ZkConfig};
//!
//! let state: Arc<dyn ClusterState> =
//!     Arc::new(ZkClusterState::connect(ZkConfig::for_connect_string("127.0.0.1:2181")).await?);
//! let mut changes = state.watch_assignments();
//! for id in state.assignments().await? {
//!     println!("{id}: {:?}", state.assignment(&id).await?);
//! }
//! let change = changes.changed().await?; // re-read what changed, or everything on Resync
//! # let _ = change;
//! # Ok(())
//! # }
//! ```

pub mod cluster_state;
pub mod codec;
pub mod config;
pub mod error;
pub mod leadership;
pub mod mem_state;
pub mod paths;
pub mod records;
mod retry;
pub mod storage;
pub mod storm_state;
pub mod watch;
pub mod zk_session;
pub mod zk_state;

pub use cluster_state::{BoxFuture, ClusterState, MAX_ERRORS_PER_COMPONENT};
pub use config::{ZkAuth, ZkConfig};
pub use error::{Error, Result};
pub use leadership::Leadership;
pub use mem_state::{MemClusterState, MemStorage};
pub use records::{
    Assignment, Credentials, ErrorInfo, NimbusInfo, NodePort, RebalanceOptions, RestartReason,
    StormBase, SupervisorInfo, SupervisorStats, TopologyStatus, WorkerHeartbeat, WorkerRestarts,
    WorkerStats,
};
pub use storage::StateStorage;
pub use storm_state::StormClusterState;
pub use watch::{Change, ChangeKind, ChangeWatch, StorageEvent, WatchedDir};
pub use zk_session::ZkStatus;
pub use zk_state::{ZkClusterState, ZkStorage};
