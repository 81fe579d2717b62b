//! `ClusterState`: the cluster's shared state as Nimbus, supervisors and workers use it (Storm's
//! `IStormClusterState`).

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use storm_core::{ComponentId, TopologyId};

use crate::error::Result;
use crate::leadership::Leadership;
use crate::records::{
    Assignment, Credentials, ErrorInfo, NimbusInfo, NodePort, RestartReason, StormBase,
    SupervisorInfo, SupervisorStats, WorkerHeartbeat, WorkerRestarts,
};
use crate::watch::ChangeWatch;

/// A boxed, sendable future, so the trait can be used as `Arc<dyn ClusterState>`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// How many errors are kept per component (Storm keeps 10).
pub const MAX_ERRORS_PER_COMPONENT: usize = 10;

/// The cluster state. Reads of missing records give `None` or an empty list, never an error;
/// removals of missing records succeed. Ephemeral registrations (supervisors, Nimbus) last as
/// long as the state's session and are re-created by the backend after a session is lost.
pub trait ClusterState: Send + Sync {
    /// Creates the directories of the layout (idempotent).
    fn setup(&self) -> BoxFuture<'_, Result<()>>;

    // Supervisors.

    /// Registers or refreshes a supervisor (ephemeral `/supervisors/<id>`).
    fn register_supervisor<'a>(&'a self, info: &'a SupervisorInfo) -> BoxFuture<'a, Result<()>>;
    /// Removes a supervisor's registration.
    fn unregister_supervisor<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<()>>;
    /// A supervisor's registration.
    fn supervisor<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<SupervisorInfo>>>;
    /// The ids of the registered supervisors.
    fn supervisors(&self) -> BoxFuture<'_, Result<Vec<String>>>;
    /// Every registered supervisor, by id.
    fn all_supervisor_info(&self) -> BoxFuture<'_, Result<BTreeMap<String, SupervisorInfo>>>;
    /// Supervisors registering, refreshing and going away.
    fn watch_supervisors(&self) -> ChangeWatch;

    // Assignments.

    /// Writes a topology's assignment.
    fn set_assignment<'a>(
        &'a self,
        id: &'a TopologyId,
        assignment: &'a Assignment,
    ) -> BoxFuture<'a, Result<()>>;
    /// A topology's assignment.
    fn assignment<'a>(&'a self, id: &'a TopologyId) -> BoxFuture<'a, Result<Option<Assignment>>>;
    /// Removes a topology's assignment.
    fn remove_assignment<'a>(&'a self, id: &'a TopologyId) -> BoxFuture<'a, Result<()>>;
    /// The topologies that have an assignment.
    fn assignments(&self) -> BoxFuture<'_, Result<Vec<TopologyId>>>;
    /// Assignments created, rewritten or removed.
    fn watch_assignments(&self) -> ChangeWatch;

    // Topologies.

    /// Writes a topology's `StormBase` (submission or status change).
    fn set_storm<'a>(
        &'a self,
        id: &'a TopologyId,
        base: &'a StormBase,
    ) -> BoxFuture<'a, Result<()>>;
    /// A topology's `StormBase`.
    fn storm<'a>(&'a self, id: &'a TopologyId) -> BoxFuture<'a, Result<Option<StormBase>>>;
    /// Removes a topology's `StormBase`.
    fn remove_storm<'a>(&'a self, id: &'a TopologyId) -> BoxFuture<'a, Result<()>>;
    /// The topologies that have a `StormBase` (Storm's `activeStorms`, whatever their status).
    fn active_storms(&self) -> BoxFuture<'_, Result<Vec<TopologyId>>>;
    /// Topologies submitted, changing status or removed.
    fn watch_storms(&self) -> ChangeWatch;

    // Credentials.

    /// Writes a topology's credentials (at submission).
    fn set_credentials<'a>(
        &'a self,
        id: &'a TopologyId,
        credentials: &'a Credentials,
    ) -> BoxFuture<'a, Result<()>>;
    /// A topology's credentials.
    fn credentials<'a>(&'a self, id: &'a TopologyId) -> BoxFuture<'a, Result<Option<Credentials>>>;
    /// Removes a topology's credentials.
    fn remove_credentials<'a>(&'a self, id: &'a TopologyId) -> BoxFuture<'a, Result<()>>;

    // Worker heartbeats.

    /// Writes a worker's heartbeat.
    fn set_worker_heartbeat<'a>(
        &'a self,
        id: &'a TopologyId,
        slot: &'a NodePort,
        heartbeat: &'a WorkerHeartbeat,
    ) -> BoxFuture<'a, Result<()>>;
    /// A worker's heartbeat.
    fn worker_heartbeat<'a>(
        &'a self,
        id: &'a TopologyId,
        slot: &'a NodePort,
    ) -> BoxFuture<'a, Result<Option<WorkerHeartbeat>>>;
    /// Every worker heartbeat of a topology, by slot.
    fn worker_heartbeats<'a>(
        &'a self,
        id: &'a TopologyId,
    ) -> BoxFuture<'a, Result<BTreeMap<NodePort, WorkerHeartbeat>>>;
    /// Removes one worker's heartbeat.
    fn remove_worker_heartbeat<'a>(
        &'a self,
        id: &'a TopologyId,
        slot: &'a NodePort,
    ) -> BoxFuture<'a, Result<()>>;
    /// Removes all of a topology's heartbeats.
    fn teardown_heartbeats<'a>(&'a self, id: &'a TopologyId) -> BoxFuture<'a, Result<()>>;
    /// The topologies that have heartbeats.
    fn heartbeat_storms(&self) -> BoxFuture<'_, Result<Vec<TopologyId>>>;

    // Errors.

    /// Reports a component's error, keeping the newest [`MAX_ERRORS_PER_COMPONENT`].
    fn report_error<'a>(
        &'a self,
        id: &'a TopologyId,
        component: &'a ComponentId,
        error: &'a ErrorInfo,
    ) -> BoxFuture<'a, Result<()>>;
    /// A component's kept errors, newest first.
    fn errors<'a>(
        &'a self,
        id: &'a TopologyId,
        component: &'a ComponentId,
    ) -> BoxFuture<'a, Result<Vec<ErrorInfo>>>;
    /// A component's newest error.
    fn last_error<'a>(
        &'a self,
        id: &'a TopologyId,
        component: &'a ComponentId,
    ) -> BoxFuture<'a, Result<Option<ErrorInfo>>>;
    /// Removes all of a topology's errors.
    fn teardown_errors<'a>(&'a self, id: &'a TopologyId) -> BoxFuture<'a, Result<()>>;
    /// The topologies that have errors.
    fn error_topologies(&self) -> BoxFuture<'_, Result<Vec<TopologyId>>>;

    // Worker stats.

    /// Writes a supervisor's workers' stats (ephemeral: they go with the supervisor).
    fn set_supervisor_stats<'a>(
        &'a self,
        id: &'a str,
        stats: &'a SupervisorStats,
    ) -> BoxFuture<'a, Result<()>>;
    /// Every supervisor's workers' stats, by supervisor id.
    fn all_supervisor_stats(&self) -> BoxFuture<'_, Result<BTreeMap<String, SupervisorStats>>>;

    // Worker restarts.

    /// Counts one restart of the worker in `slot` for `id`, with its reason and time, and
    /// returns the updated record. Only the slot's supervisor writes it, once per restart.
    fn record_restart<'a>(
        &'a self,
        id: &'a TopologyId,
        slot: &'a NodePort,
        reason: &'a RestartReason,
        time_secs: u64,
    ) -> BoxFuture<'a, Result<WorkerRestarts>>;
    /// Every worker slot's restarts for a topology.
    fn worker_restarts<'a>(
        &'a self,
        id: &'a TopologyId,
    ) -> BoxFuture<'a, Result<BTreeMap<NodePort, WorkerRestarts>>>;
    /// Removes all of a topology's restart records.
    fn teardown_restarts<'a>(&'a self, id: &'a TopologyId) -> BoxFuture<'a, Result<()>>;
    /// The topologies that have restart records.
    fn restart_topologies(&self) -> BoxFuture<'_, Result<Vec<TopologyId>>>;

    // Nimbus.

    /// Registers or refreshes a Nimbus (ephemeral `/nimbuses/<host:port>`).
    fn register_nimbus<'a>(&'a self, info: &'a NimbusInfo) -> BoxFuture<'a, Result<()>>;
    /// Removes a Nimbus registration.
    fn unregister_nimbus<'a>(&'a self, info: &'a NimbusInfo) -> BoxFuture<'a, Result<()>>;
    /// Every registered Nimbus.
    fn nimbuses(&self) -> BoxFuture<'_, Result<Vec<NimbusInfo>>>;
    /// Joins the leader latch as `info`; resolves once `info` leads. Cancelling the future
    /// leaves the latch. The returned [`Leadership`] keeps its session open until dropped.
    fn contend_leadership<'a>(&'a self, info: &'a NimbusInfo) -> BoxFuture<'a, Result<Leadership>>;
    /// The current leader, if any participant holds the latch.
    fn leader(&self) -> BoxFuture<'_, Result<Option<NimbusInfo>>>;
}
