//! The supervisor's files under `storm.local.dir` (the contract with the workers it starts, their
//! environment and local heartbeat, is `storm_client::launch`).
//!
//! * `supervisor/id`: the supervisor's id, kept across restarts;
//! * `supervisor/heartbeat`: rewritten after each registration ZooKeeper accepted, so a local
//!   health check (the Docker image's `storm-healthcheck supervisor`) can tell a live supervisor;
//! * `supervisor/stormdist/<topology-id>/`: `storm.bin` (the artifact) and `dist.json`;
//! * `workers/<worker-id>/`: a worker's directory (its `heartbeat`), deleted when it is gone;
//! * `workers-artifacts/<topology-id>/<port>/worker.log`: a worker's log, kept.

use std::path::{Path, PathBuf};

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

    /// The file rewritten after each accepted registration.
    pub fn heartbeat_file(&self) -> PathBuf {
        self.root.join("supervisor").join("heartbeat")
    }

    /// Records that the registration was accepted at `time_secs` (best effort: a failure only
    /// makes a health check see the supervisor as stale).
    pub fn touch_heartbeat(&self, time_secs: u64) {
        let path = self.heartbeat_file();
        if let Err(e) = std::fs::write(&path, format!("{time_secs}\n")) {
            tracing::debug!(path = %path.display(), error = %e, "cannot write the local heartbeat");
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_persist() {
        let dir = tempfile::tempdir().expect("tempdir");
        let state = LocalState::new(dir.path());
        let id = state.supervisor_id("host.example.com").expect("id");
        assert!(id.starts_with("host_example_com-"), "{id}");
        assert_eq!(state.supervisor_id("other").expect("id"), id, "kept");
    }

    #[test]
    fn the_heartbeat_file_holds_the_last_accepted_time() {
        let dir = tempfile::tempdir().expect("tempdir");
        let state = LocalState::new(dir.path());
        state.supervisor_id("h").expect("id");
        state.touch_heartbeat(41);
        state.touch_heartbeat(42);
        let text = std::fs::read_to_string(state.heartbeat_file()).expect("heartbeat");
        assert_eq!(text.trim(), "42");
    }
}
