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

#[cfg(test)]
mod tests {
    use super::*;
    use storm_core::stats::{StatsCounts, StreamStats, WINDOW_IDS};

    /// An executor's share of a supervisor's record stays small: the ZooKeeper cost in
    /// ARCHITECTURE.md is counted from it.
    #[test]
    fn an_executor_with_three_streams_encodes_in_under_600_bytes() {
        let counts = StatsCounts {
            emitted: 123_456_789,
            transferred: 123_456_789,
            acked: 1_234_567,
            executed: 123_456_789,
            execute_latency_ms: 0.012,
            capacity: 0.5,
            streams: ["default", "__ack_ack", "__ack_init"]
                .into_iter()
                .map(|s| {
                    let n = StreamStats {
                        emitted: 1_234_567,
                        transferred: 1_234_567,
                    };
                    (s.to_owned(), n)
                })
                .collect(),
            ..Default::default()
        };
        let executor = ExecutorWindows {
            component: "count".into(),
            start_task: 12,
            end_task: 12,
            uptime_secs: 86_400,
            receive_queue_fill: 0.1,
            restarts: 0,
            windows: WINDOW_IDS
                .iter()
                .map(|w| ((*w).to_owned(), counts.clone()))
                .collect(),
        };
        let bytes = crate::codec::encode("ExecutorWindows", &executor).expect("encode");
        assert!(bytes.len() < 600, "{} bytes", bytes.len());
        println!("one executor: {} bytes", bytes.len());
    }
}
