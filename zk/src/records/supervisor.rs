//! `SupervisorInfo`: what a supervisor registers under `/supervisors/<id>` (ephemeral), with
//! its workers' heartbeats (STORM-145: one periodic write per supervisor, not per worker).

use serde::{Deserialize, Serialize};

use crate::records::WorkerHeartbeat;

/// A live supervisor: its host, its worker slots and which of them are in use (Storm's
/// `SupervisorInfo`). Rewritten at every supervisor heartbeat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupervisorInfo {
    /// The supervisor's id, also its znode name.
    pub id: String,
    /// The host workers of this supervisor listen on.
    pub hostname: String,
    /// Every worker slot (`supervisor.slots.ports`).
    pub ports: Vec<u16>,
    /// Slots running a worker now.
    pub used_ports: Vec<u16>,
    /// When this record was written, in seconds since the epoch.
    pub time_secs: u64,
    /// Seconds since the supervisor started.
    pub uptime_secs: u64,
    /// The supervisor's build version.
    pub version: String,
    /// The newest local heartbeat of each worker process running in its slots, as the
    /// supervisor read it; Nimbus's executor liveness comes from these.
    pub worker_heartbeats: Vec<WorkerHeartbeat>,
}

impl SupervisorInfo {
    /// Slots not in use.
    pub fn free_ports(&self) -> Vec<u16> {
        self.ports
            .iter()
            .copied()
            .filter(|p| !self.used_ports.contains(p))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_ports_are_the_unused_slots() {
        let info = SupervisorInfo {
            id: "s1".into(),
            hostname: "h".into(),
            ports: vec![6700, 6701, 6702],
            used_ports: vec![6701],
            time_secs: 0,
            uptime_secs: 0,
            version: "0.1.0".into(),
            worker_heartbeats: Vec::new(),
        };
        assert_eq!(info.free_ports(), vec![6700, 6702]);
    }

    #[test]
    fn the_workers_heartbeats_round_trip_in_the_record() {
        use storm_core::{ExecutorInfo, TaskId, TopologyId};
        let beat = WorkerHeartbeat {
            topology_id: TopologyId::new("t-1-1"),
            executors: vec![ExecutorInfo {
                start: TaskId(1),
                end: TaskId(2),
            }],
            time_secs: 1_700_000_000,
            uptime_secs: 7,
            port: 6701,
        };
        let info = SupervisorInfo {
            id: "s1".into(),
            hostname: "h".into(),
            ports: vec![6700, 6701],
            used_ports: vec![6701],
            time_secs: 1_700_000_001,
            uptime_secs: 9,
            version: "0.1.0".into(),
            worker_heartbeats: vec![beat],
        };
        let bytes = crate::codec::encode("SupervisorInfo", &info).expect("encodes");
        let back: SupervisorInfo = crate::codec::decode("SupervisorInfo", &bytes).expect("decodes");
        assert_eq!(back, info);
    }
}
