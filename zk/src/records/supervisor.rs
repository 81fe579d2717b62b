//! `SupervisorInfo`: what a supervisor registers under `/supervisors/<id>` (ephemeral).

use serde::{Deserialize, Serialize};

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
        };
        assert_eq!(info.free_ports(), vec![6700, 6702]);
    }
}
