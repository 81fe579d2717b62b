//! `SupervisorStats`: the task stats of every worker a supervisor runs, rolled up over Storm's
//! windows by each worker and written by the supervisor in one ephemeral znode
//! (`/stats/<supervisor-id>`) at its heartbeat, so ZooKeeper writes grow with supervisors, not
//! workers. Nimbus reads them for topology info.

use serde::{Deserialize, Serialize};
use storm_core::stats::ExecutorWindows;

/// One worker's executor stats, as it handed them to its supervisor.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkerStats {
    /// The topology.
    pub topology_id: String,
    /// The worker's port.
    pub port: u16,
    /// When the worker took them, in seconds since the epoch.
    pub time_secs: u64,
    /// Its executors' windows.
    pub executors: Vec<ExecutorWindows>,
}

/// A supervisor's workers' stats.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SupervisorStats {
    /// The supervisor's host, for the executors' `host`.
    pub host: String,
    /// When the supervisor wrote them, in seconds since the epoch.
    pub time_secs: u64,
    /// Each running worker's newest stats.
    pub workers: Vec<WorkerStats>,
}
