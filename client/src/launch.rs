//! The launch contract between a supervisor (or `storm jar`) and the topology binary it starts:
//! the environment the binary is started with, the run files it reads, and the local heartbeat
//! a worker writes for its supervisor (Storm's `LSWorkerHeartbeat`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use storm_core::topology::ExecutorInfo;
use storm_core::TopologyId;
use storm_zk::{NodePort, WorkerHeartbeat};

use crate::config::DaemonConfig;
use crate::protocol::TopologyDist;

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

/// Why the launch parameters or run files are unusable.
#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    /// A launch variable is missing or invalid.
    #[error("worker launch variable {var}: {reason}")]
    Env {
        /// The variable.
        var: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The run files could not be read.
    #[error("reading the run files {path}: {reason}")]
    Dist {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

/// What a supervisor launched this worker with.
#[derive(Debug, Clone)]
pub struct WorkerLaunch {
    /// The topology.
    pub topology_id: TopologyId,
    /// The supervisor that started it.
    pub supervisor_id: String,
    /// Its port.
    pub port: u16,
    /// Its id.
    pub worker_id: String,
    /// Its directory.
    pub worker_dir: PathBuf,
    /// The topology's run files.
    pub dist_dir: PathBuf,
    /// The daemon config.
    pub config: DaemonConfig,
}

fn var(name: &'static str) -> Result<String, LaunchError> {
    std::env::var(name).map_err(|e| LaunchError::Env {
        var: name,
        reason: e.to_string(),
    })
}

impl WorkerLaunch {
    /// The launch parameters, or `None` when this process was not started as a worker.
    pub fn from_env() -> Result<Option<Self>, LaunchError> {
        if std::env::var_os(ENV_TOPOLOGY_ID).is_none() {
            return Ok(None);
        }
        let port = var(ENV_PORT)?
            .parse()
            .map_err(|e: std::num::ParseIntError| LaunchError::Env {
                var: ENV_PORT,
                reason: e.to_string(),
            })?;
        let config = DaemonConfig::from_json(&var(ENV_CONF)?).map_err(|e| LaunchError::Env {
            var: ENV_CONF,
            reason: e.to_string(),
        })?;
        Ok(Some(Self {
            topology_id: TopologyId::new(var(ENV_TOPOLOGY_ID)?),
            supervisor_id: var(ENV_SUPERVISOR_ID)?,
            port,
            worker_id: var(ENV_WORKER_ID)?,
            worker_dir: PathBuf::from(var(ENV_WORKER_DIR)?),
            dist_dir: PathBuf::from(var(ENV_DIST_DIR)?),
            config,
        }))
    }

    /// This worker's slot.
    pub fn slot(&self) -> NodePort {
        NodePort::new(self.supervisor_id.clone(), self.port)
    }

    /// The run files' path.
    pub fn dist_path(&self) -> PathBuf {
        self.dist_dir.join(DIST_FILE)
    }

    /// The run files the supervisor downloaded.
    pub fn dist(&self) -> Result<TopologyDist, LaunchError> {
        let path = self.dist_path();
        let bytes = std::fs::read(&path).map_err(|e| LaunchError::Dist {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        serde_json::from_slice(&bytes).map_err(|e| LaunchError::Dist {
            path,
            reason: e.to_string(),
        })
    }
}

/// What a worker writes to its directory every `worker.heartbeat.frequency.secs` (Storm's
/// `LSWorkerHeartbeat`). Its supervisor restarts it when this goes stale, and publishes it to
/// Nimbus in its own ZooKeeper record (the worker itself writes nothing to ZooKeeper).
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
    /// Seconds since the worker started.
    #[serde(default)]
    pub uptime_secs: u64,
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

    /// The heartbeat as Nimbus reads it from the supervisor's record.
    pub fn to_worker_heartbeat(&self) -> WorkerHeartbeat {
        WorkerHeartbeat {
            topology_id: TopologyId::new(self.topology_id.clone()),
            executors: self.executors.clone(),
            time_secs: self.time_secs,
            uptime_secs: self.uptime_secs,
            port: self.port,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heartbeats_round_trip() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert_eq!(LocalHeartbeat::read(dir.path()), None);
        let hb = LocalHeartbeat {
            time_secs: 5,
            topology_id: "t-1-1".into(),
            executors: Vec::new(),
            port: 6700,
            uptime_secs: 3,
            details: BTreeMap::from([("active".into(), "true".into())]),
        };
        hb.write(dir.path()).expect("write");
        assert_eq!(LocalHeartbeat::read(dir.path()), Some(hb));
    }

    #[test]
    fn a_local_heartbeat_becomes_the_record_nimbus_reads() {
        let executor = ExecutorInfo {
            start: storm_core::TaskId(3),
            end: storm_core::TaskId(4),
        };
        let hb = LocalHeartbeat {
            time_secs: 1_700_000_000,
            topology_id: "t-1-1".into(),
            executors: vec![executor],
            port: 6701,
            uptime_secs: 12,
            details: BTreeMap::new(),
        };
        assert_eq!(
            hb.to_worker_heartbeat(),
            WorkerHeartbeat {
                topology_id: TopologyId::new("t-1-1"),
                executors: vec![executor],
                time_secs: 1_700_000_000,
                uptime_secs: 12,
                port: 6701,
            }
        );
        // A heartbeat written before uptime was recorded still reads.
        let old =
            r#"{"time_secs":5,"topology_id":"t-1-1","executors":[],"port":6700,"details":{}}"#;
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join(HEARTBEAT_FILE), old).expect("write");
        assert_eq!(
            LocalHeartbeat::read(dir.path()).map(|h| h.uptime_secs),
            Some(0)
        );
    }
}
