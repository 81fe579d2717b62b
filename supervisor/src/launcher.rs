//! Worker processes: started from a topology's artifact in worker mode, signalled by process
//! id, reaped when gone (Storm's `BasicContainer`).

use std::fs::File;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use rustix::process::{kill_process, Pid, Signal};
use storm_client::launch::{
    ARTIFACT_FILE, ENV_CONF, ENV_DIST_DIR, ENV_JAR, ENV_PORT, ENV_SUPERVISOR_ID, ENV_TOPOLOGY_ID,
    ENV_WORKER_DIR, ENV_WORKER_ID,
};
use storm_core::TopologyId;

use crate::local_state::LocalState;

/// Everything a worker is started with.
#[derive(Debug, Clone)]
pub struct LaunchSpec<'a> {
    /// The worker's id.
    pub worker_id: &'a str,
    /// Its topology.
    pub topology_id: &'a TopologyId,
    /// Its port.
    pub port: u16,
    /// The starting supervisor.
    pub supervisor_id: &'a str,
    /// The program arguments the topology was submitted with.
    pub args: &'a [String],
    /// The daemon config as JSON (`STORM_CONF`).
    pub conf_json: &'a str,
}

/// A worker process this supervisor started.
#[derive(Debug)]
pub struct WorkerProcess {
    child: Child,
    /// Its id.
    pub worker_id: String,
    /// Its port.
    pub port: u16,
}

impl WorkerProcess {
    /// Starts the artifact of the spec's topology in worker mode, with its own directory and
    /// its output appended to its log.
    pub fn launch(local: &LocalState, spec: &LaunchSpec<'_>) -> std::io::Result<Self> {
        let dist = local.dist_dir(spec.topology_id.as_str());
        let dir = local.worker_dir(spec.worker_id);
        std::fs::create_dir_all(&dir)?;
        let log_path = local.worker_log(spec.topology_id.as_str(), spec.port);
        if let Some(parent) = log_path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let log = File::options().create(true).append(true).open(&log_path)?;
        let log_err = log.try_clone()?;
        let child = Command::new(dist.join(ARTIFACT_FILE))
            .args(spec.args)
            .env(ENV_TOPOLOGY_ID, spec.topology_id.as_str())
            .env(ENV_SUPERVISOR_ID, spec.supervisor_id)
            .env(ENV_PORT, spec.port.to_string())
            .env(ENV_WORKER_ID, spec.worker_id)
            .env(ENV_WORKER_DIR, &dir)
            .env(ENV_DIST_DIR, &dist)
            .env(ENV_CONF, spec.conf_json)
            .env_remove(ENV_JAR)
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            .spawn()?;
        tracing::info!(
            worker = spec.worker_id,
            pid = child.id(),
            port = spec.port,
            log = %log_path.display(),
            "worker launched"
        );
        Ok(Self {
            child,
            worker_id: spec.worker_id.to_owned(),
            port: spec.port,
        })
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether it has exited (it is reaped then).
    pub fn has_exited(&mut self) -> bool {
        match self.child.try_wait() {
            Ok(Some(status)) => {
                tracing::info!(worker = %self.worker_id, %status, "worker exited");
                true
            }
            Ok(None) => false,
            Err(e) => {
                tracing::warn!(worker = %self.worker_id, error = %e, "cannot check a worker; assuming it is gone");
                true
            }
        }
    }

    /// How it ended, once it has exited and been reaped.
    pub fn exit_status(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Sends SIGTERM, or SIGKILL when `force`.
    pub fn signal(&mut self, force: bool) {
        if force {
            // Child::kill is SIGKILL to this child's pid, and safe if it was already reaped.
            let _ = self.child.kill();
            return;
        }
        let Some(pid) = i32::try_from(self.child.id()).ok().and_then(Pid::from_raw) else {
            return;
        };
        if let Err(e) = kill_process(pid, Signal::TERM) {
            tracing::debug!(worker = %self.worker_id, error = %e, "SIGTERM failed (already gone?)");
        }
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        // A worker outliving its handle would be orphaned: make sure it is gone and reaped.
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Deletes a worker's directory.
pub fn remove_worker_dir(dir: &Path) {
    if let Err(e) = std::fs::remove_dir_all(dir) {
        if e.kind() != std::io::ErrorKind::NotFound {
            tracing::warn!(dir = %dir.display(), error = %e, "cannot delete a worker directory");
        }
    }
}
