//! The supervisor's files under `storm.local.dir` and its contract with the workers it starts:
//! the environment a worker is launched with and the local heartbeat it writes.
//!
//! * `supervisor/id`: the supervisor's id, kept across restarts;
//! * `supervisor/stormdist/<topology-id>/`: `storm.bin` (the artifact) and `dist.json`;
//! * `workers/<worker-id>/`: a worker's directory (its `heartbeat`), deleted when it is gone;
//! * `workers-artifacts/<topology-id>/<port>/worker.log`: a worker's log, kept.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use storm_core::ExecutorInfo;

/// The topology id a worker runs.
pub const ENV_TOPOLOGY_ID: &str = "STORM_WORKER_TOPOLOGY_ID";
/// The id of the supervisor that started the worker.
pub const ENV_SUPERVISOR_ID: &str = "STORM_WORKER_SUPERVISOR_ID";
/// The worker's port (slot).
pub const ENV_PORT: &str = "STORM_WORKER_PORT";
/// The worker's id.
pub const ENV_WORKER_ID: &str = "STORM_WORKER_ID";
/// The worker's directory.
pub const ENV_WORKER_DIR: &str = "STORM_WORKER_DIR";
/// The topology's run files (`dist.json`).
pub const ENV_DIST_DIR: &str = "STORM_WORKER_DIST_DIR";
/// The daemon config (`storm.yaml` keys) as JSON.
pub const ENV_CONF: &str = "STORM_CONF";
/// Set by `storm jar`: the artifact to upload.
pub const ENV_JAR: &str = "STORM_JAR";

/// The artifact's file name in a topology's directory.
pub const ARTIFACT_FILE: &str = "storm.bin";
/// The run files' name in a topology's directory.
pub const DIST_FILE: &str = "dist.json";
const HEARTBEAT_FILE: &str = "heartbeat";

/// The directories of one supervisor.
#[derive(Debug, Clone)]
pub struct LocalState {
    root: PathBuf,
}

impl LocalState {
    /// The layout under `storm.local.dir` (absolute).
    pub fn new(local_dir: &Path) -> Self {
        Self {
            root: local_dir.to_owned(),
        }
    }

    /// `storm.local.dir`.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// A topology's downloaded files.
    pub fn dist_dir(&self, topology_id: &str) -> PathBuf {
        self.root
            .join("supervisor")
            .join("stormdist")
            .join(topology_id)
    }

    /// All downloaded topologies' directory.
    pub fn dist_root(&self) -> PathBuf {
        self.root.join("supervisor").join("stormdist")
    }

    /// A worker's directory.
    pub fn worker_dir(&self, worker_id: &str) -> PathBuf {
        self.workers_root().join(worker_id)
    }

    /// All workers' directories.
    pub fn workers_root(&self) -> PathBuf {
        self.root.join("workers")
    }

    /// A worker's log file.
    pub fn worker_log(&self, topology_id: &str, port: u16) -> PathBuf {
        self.root
            .join("workers-artifacts")
            .join(topology_id)
            .join(port.to_string())
            .join("worker.log")
    }

    /// The supervisor's id: read from `supervisor/id`, or made and written there.
    pub fn supervisor_id(&self, hostname: &str) -> std::io::Result<String> {
        let path = self.root.join("supervisor").join("id");
        match std::fs::read_to_string(&path) {
            Ok(id) if !id.trim().is_empty() => return Ok(id.trim().to_owned()),
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let safe: String = hostname
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let id = format!("{safe}-{}", uuid::Uuid::new_v4().simple());
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&path, &id)?;
        Ok(id)
    }
}

/// What a worker writes to its directory every `worker.heartbeat.frequency.secs` (Storm's
/// `LSWorkerHeartbeat`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalHeartbeat {
    /// When it was written, in seconds since the epoch.
    pub time_secs: u64,
    /// The topology.
    pub topology_id: String,
    /// The executors the worker runs.
    pub executors: Vec<ExecutorInfo>,
    /// The worker's port.
    pub port: u16,
    /// Facts for tests and operators (e.g. whether the spouts are active).
    pub details: BTreeMap<String, String>,
}

/// Seconds since the epoch.
pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl LocalHeartbeat {
    /// Writes the heartbeat into `worker_dir` atomically.
    pub fn write(&self, worker_dir: &Path) -> std::io::Result<()> {
        let json = serde_json::to_vec(self).map_err(std::io::Error::other)?;
        let tmp = worker_dir.join("heartbeat.tmp");
        std::fs::write(&tmp, json)?;
        std::fs::rename(&tmp, worker_dir.join(HEARTBEAT_FILE))
    }

    /// The newest heartbeat in `worker_dir`, if any (an unreadable one counts as none).
    pub fn read(worker_dir: &Path) -> Option<Self> {
        let bytes = std::fs::read(worker_dir.join(HEARTBEAT_FILE)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heartbeats_round_trip_and_ids_persist() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert_eq!(LocalHeartbeat::read(dir.path()), None);
        let hb = LocalHeartbeat {
            time_secs: 5,
            topology_id: "t-1-1".into(),
            executors: Vec::new(),
            port: 6700,
            details: BTreeMap::from([("active".into(), "true".into())]),
        };
        hb.write(dir.path()).expect("write");
        assert_eq!(LocalHeartbeat::read(dir.path()), Some(hb));

        let state = LocalState::new(dir.path());
        let id = state.supervisor_id("host.example.com").expect("id");
        assert!(id.starts_with("host_example_com-"), "{id}");
        assert_eq!(state.supervisor_id("other").expect("id"), id, "kept");
    }
}
