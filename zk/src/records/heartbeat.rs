//! `WorkerHeartbeat`: a worker's liveness and executors (`/workerbeats/<topology-id>/<node>-<port>`).

use serde::{Deserialize, Serialize};
use storm_core::{ExecutorInfo, TopologyId};

/// What a worker reports every `worker.heartbeat.frequency.secs` (Storm's
/// `ClusterWorkerHeartbeat`, without the stats).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkerHeartbeat {
    /// The worker's topology.
    pub topology_id: TopologyId,
    /// The executors it runs.
    pub executors: Vec<ExecutorInfo>,
    /// When it was written, in seconds since the epoch.
    pub time_secs: u64,
    /// Seconds since the worker started.
    pub uptime_secs: u64,
    /// The worker's port.
    pub port: u16,
}
