//! The worker side of a slot: what the author's binary does when a supervisor starts it in
//! worker mode (Storm's `Worker`).
//!
//! It reads its launch parameters from the environment ([`WorkerLaunch::from_env`]), checks
//! that the topology its own code rebuilt is the one Nimbus accepted, reads its assignment from
//! ZooKeeper, starts the tasks of its executors with Nimbus's config, and then, until SIGTERM
//! or until its supervisor is gone: writes a local heartbeat and a ZooKeeper heartbeat every
//! `worker.heartbeat.frequency.secs` and activates or deactivates its spouts as the topology's
//! status changes.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use storm_core::{Config, TaskId, Topology, TopologyId};
use storm_nimbus::protocol::TopologyDist;
use storm_nimbus::DaemonConfig;
use storm_worker::RunningTopology;
use storm_zk::{Change, ClusterState, NodePort, TopologyStatus, WorkerHeartbeat, ZkClusterState};
use tokio::sync::watch;

use crate::local_state::{
    now_secs, LocalHeartbeat, DIST_FILE, ENV_CONF, ENV_DIST_DIR, ENV_PORT, ENV_SUPERVISOR_ID,
    ENV_TOPOLOGY_ID, ENV_WORKER_DIR, ENV_WORKER_ID,
};

/// How long the tasks get to clean up when the worker stops.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a worker could not start or run.
#[derive(Debug, thiserror::Error)]
pub enum WorkerProcessError {
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
    /// The topology the binary built is not the one that was submitted.
    #[error("the topology this binary builds from its arguments is not the one submitted as {topology_id}: was it built from other arguments or code?")]
    Mismatch {
        /// The topology.
        topology_id: String,
    },
    /// ZooKeeper could not be used.
    #[error("zookeeper: {0}")]
    ZooKeeper(#[from] storm_zk::Error),
    /// The assignment gives this worker nothing (it changed since the launch).
    #[error("the assignment of {topology_id} has no executors for {slot}")]
    NotAssigned {
        /// The topology.
        topology_id: String,
        /// This worker's slot.
        slot: String,
    },
    /// The tasks could not start or stop.
    #[error(transparent)]
    Worker(#[from] storm_worker::WorkerError),
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

fn var(name: &'static str) -> Result<String, WorkerProcessError> {
    std::env::var(name).map_err(|e| WorkerProcessError::Env {
        var: name,
        reason: e.to_string(),
    })
}

impl WorkerLaunch {
    /// The launch parameters, or `None` when this process was not started as a worker.
    pub fn from_env() -> Result<Option<Self>, WorkerProcessError> {
        if std::env::var_os(ENV_TOPOLOGY_ID).is_none() {
            return Ok(None);
        }
        let port = var(ENV_PORT)?
            .parse()
            .map_err(|e: std::num::ParseIntError| WorkerProcessError::Env {
                var: ENV_PORT,
                reason: e.to_string(),
            })?;
        let config =
            DaemonConfig::from_json(&var(ENV_CONF)?).map_err(|e| WorkerProcessError::Env {
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

    /// The run files the supervisor downloaded.
    pub fn dist(&self) -> Result<TopologyDist, WorkerProcessError> {
        let path = self.dist_dir.join(DIST_FILE);
        let bytes = std::fs::read(&path).map_err(|e| WorkerProcessError::Dist {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        serde_json::from_slice(&bytes).map_err(|e| WorkerProcessError::Dist {
            path,
            reason: e.to_string(),
        })
    }
}

/// Runs the worker until SIGTERM or SIGINT, or until its supervisor is gone. Blocks; starts
/// its own actix system.
pub fn run_worker(launch: &WorkerLaunch, topology: &Topology) -> Result<(), WorkerProcessError> {
    let dist = launch.dist()?;
    let submitted: serde_json::Value =
        serde_json::from_str(&dist.topology_json).map_err(|e| WorkerProcessError::Dist {
            path: launch.dist_dir.join(DIST_FILE),
            reason: e.to_string(),
        })?;
    let rebuilt = serde_json::to_value(&topology.definition).ok();
    if rebuilt.as_ref() != Some(&submitted) {
        return Err(WorkerProcessError::Mismatch {
            topology_id: launch.topology_id.to_string(),
        });
    }
    let config = Config::from_json(&dist.config_json).map_err(|e| WorkerProcessError::Dist {
        path: launch.dist_dir.join(DIST_FILE),
        reason: e.to_string(),
    })?;
    actix::System::new().block_on(run(launch, topology, config))
}

async fn run(
    launch: &WorkerLaunch,
    topology: &Topology,
    config: Config,
) -> Result<(), WorkerProcessError> {
    let started = Instant::now();
    let parent = std::os::unix::process::parent_id();
    let state: Arc<dyn ClusterState> =
        Arc::new(ZkClusterState::connect(launch.config.zookeeper.clone()).await?);
    let id = &launch.topology_id;
    let slot = launch.slot();
    let executors = state
        .assignment(id)
        .await?
        .map(|a| a.executors_in(&slot))
        .unwrap_or_default();
    if executors.is_empty() {
        return Err(WorkerProcessError::NotAssigned {
            topology_id: id.to_string(),
            slot: slot.to_string(),
        });
    }
    let tasks: Vec<TaskId> = executors.iter().flat_map(|e| e.tasks()).collect();
    let active = is_active(state.as_ref(), id).await?.unwrap_or(false);
    let mut running =
        RunningTopology::start_executors(id.as_str(), topology, config, Some(&executors), active)?;
    tracing::info!(topology = %id, %slot, tasks = tasks.len(), active, "worker started");

    let (active_tx, mut active_rx) = watch::channel(active);
    let freq = launch
        .config
        .worker_heartbeat_freq
        .max(Duration::from_millis(100));
    let status = actix::spawn(follow_status(state.clone(), id.clone(), freq, active_tx));
    let zk_beats = actix::spawn(zk_heartbeats(
        state.clone(),
        id.clone(),
        slot.clone(),
        executors.clone(),
        freq,
        started,
    ));

    use tokio::signal::unix::{signal, SignalKind};
    let (mut term, mut int) = match (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) {
        (Ok(t), Ok(i)) => (t, i),
        _ => {
            return Err(WorkerProcessError::Env {
                var: "signals",
                reason: "cannot watch SIGTERM and SIGINT".into(),
            })
        }
    };
    let mut tick = tokio::time::interval(freq);
    let reason = loop {
        tokio::select! {
            _ = term.recv() => break "SIGTERM",
            _ = int.recv() => break "SIGINT",
            changed = active_rx.changed() => {
                if changed.is_err() {
                    continue;
                }
                let now_active = *active_rx.borrow_and_update();
                if now_active != running.is_active() {
                    tracing::info!(active = now_active, "spouts {}", if now_active { "activated" } else { "deactivated" });
                    running.set_active(now_active);
                }
            }
            _ = tick.tick() => {
                if std::os::unix::process::parent_id() != parent {
                    break "its supervisor is gone";
                }
                let hb = LocalHeartbeat {
                    time_secs: now_secs(),
                    topology_id: id.to_string(),
                    executors: executors.clone(),
                    port: launch.port,
                    details: BTreeMap::from([("active".to_owned(), running.is_active().to_string())]),
                };
                if let Err(e) = hb.write(&launch.worker_dir) {
                    tracing::warn!(error = %e, "cannot write the local heartbeat");
                }
            }
        }
    };
    tracing::info!(reason, "worker stopping");
    status.abort();
    zk_beats.abort();
    running.shutdown(SHUTDOWN_TIMEOUT)?;
    if let Err(e) = state.remove_worker_heartbeat(id, &slot).await {
        tracing::debug!(error = %e, "removing the worker heartbeat");
    }
    Ok(())
}

async fn is_active(
    state: &dyn ClusterState,
    id: &TopologyId,
) -> Result<Option<bool>, storm_zk::Error> {
    Ok(state
        .storm(id)
        .await?
        .map(|b| b.status == TopologyStatus::Active))
}

/// Publishes whether the topology is active: at once when its `StormBase` changes, and at
/// every heartbeat in case a change was missed. Unreadable states keep the last value.
async fn follow_status(
    state: Arc<dyn ClusterState>,
    id: TopologyId,
    freq: Duration,
    active: watch::Sender<bool>,
) {
    let mut changes = state.watch_storms();
    let mut tick = tokio::time::interval(freq);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            change = changes.changed() => match change {
                Ok(Change::Resync) => {}
                Ok(c) if c.key() == Some(id.as_str()) => {}
                Ok(_) => continue,
                Err(_) => {
                    tick.tick().await;
                }
            },
        }
        match is_active(state.as_ref(), &id).await {
            Ok(Some(a)) => {
                active.send_if_modified(|v| std::mem::replace(v, a) != a);
            }
            // Removed: the supervisor kills this worker; meanwhile, stop emitting.
            Ok(None) => {
                active.send_if_modified(|v| std::mem::replace(v, false));
            }
            Err(e) => tracing::debug!(error = %e, "cannot read the topology's status"),
        }
    }
}

/// Writes the worker's heartbeat to ZooKeeper for Nimbus, every `freq`.
async fn zk_heartbeats(
    state: Arc<dyn ClusterState>,
    id: TopologyId,
    slot: NodePort,
    executors: Vec<storm_core::ExecutorInfo>,
    freq: Duration,
    started: Instant,
) {
    let mut tick = tokio::time::interval(freq);
    loop {
        tick.tick().await;
        let hb = WorkerHeartbeat {
            topology_id: id.clone(),
            executors: executors.clone(),
            time_secs: now_secs(),
            uptime_secs: started.elapsed().as_secs(),
            port: slot.port,
        };
        if let Err(e) = state.set_worker_heartbeat(&id, &slot, &hb).await {
            tracing::warn!(error = %e, "cannot write the worker heartbeat to zookeeper");
        }
    }
}
