//! The worker side of a slot: what the author's binary does when a supervisor starts it in
//! worker mode (Storm's `Worker`).
//!
//! It reads its launch parameters from the environment ([`WorkerLaunch::from_env`](crate::launch::WorkerLaunch::from_env)), checks
//! that the topology its own code rebuilt is the one Nimbus accepted, reads its assignment from
//! ZooKeeper, starts the tasks of its executors with Nimbus's config, and then, until SIGTERM
//! or until its supervisor is gone: writes a local heartbeat every
//! `worker.heartbeat.frequency.secs` (its supervisor publishes it to Nimbus: workers write no
//! heartbeat to ZooKeeper, STORM-145), activates or deactivates its spouts as the topology's
//! status changes, and writes the errors its tasks report to ZooKeeper
//! ([`crate::error_publisher`]).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use storm_core::{Config, TaskId, Topology, TopologyId};
use storm_worker::error_reports::ErrorSink;
use storm_worker::stats_windows::StatsRollup;
use storm_worker::RunningTopology;
use storm_zk::{Change, ClusterState, TopologyStatus, WorkerStats, ZkClusterState};
use tokio::sync::watch;

use storm_worker::transport::handshake::WorkerSecret;

use crate::error_publisher::{publish_errors, ErrorOrigin};
use crate::launch::{now_secs, LaunchError, LocalHeartbeat, WorkerLaunch};
use crate::local_stats::write_local_stats;
use crate::worker_transport::WorkerTransport;

/// How often, until every connection is up, the worker checks whether it may activate spouts.
const CONNECTION_CHECK: Duration = Duration::from_millis(50);

/// How long the tasks get to clean up when the worker stops.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a worker could not start or run.
#[derive(Debug, thiserror::Error)]
pub enum WorkerProcessError {
    /// The launch parameters or run files are unusable.
    #[error(transparent)]
    Launch(#[from] LaunchError),
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
    /// The topology has no credentials in ZooKeeper (submitted by an older Nimbus?).
    #[error("topology {topology_id} has no worker secret in zookeeper")]
    NoCredentials {
        /// The topology.
        topology_id: String,
    },
    /// The slot port could not be listened on.
    #[error("cannot listen on worker port {port}: {reason}")]
    Listen {
        /// The port.
        port: u16,
        /// Why.
        reason: String,
    },
    /// The tasks could not start or stop.
    #[error(transparent)]
    Worker(#[from] storm_worker::WorkerError),
    /// TLS on the worker links is on but its files are unusable (names the key and the file).
    #[error("worker links TLS: {0}")]
    Tls(#[from] storm_codec::tls::TlsError),
}

/// Runs the worker until SIGTERM or SIGINT, or until its supervisor is gone. Blocks; starts
/// its own actix system.
pub fn run_worker(launch: &WorkerLaunch, topology: &Topology) -> Result<(), WorkerProcessError> {
    let dist = launch.dist()?;
    let submitted: serde_json::Value =
        serde_json::from_str(&dist.topology_json).map_err(|e| LaunchError::Dist {
            path: launch.dist_path(),
            reason: e.to_string(),
        })?;
    let rebuilt = serde_json::to_value(&topology.definition).ok();
    if rebuilt.as_ref() != Some(&submitted) {
        return Err(WorkerProcessError::Mismatch {
            topology_id: launch.topology_id.to_string(),
        });
    }
    let config = Config::from_json(&dist.config_json).map_err(|e| LaunchError::Dist {
        path: launch.dist_path(),
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
    let state: Arc<dyn ClusterState> = Arc::new(
        ZkClusterState::connect(launch.config.zookeeper.clone().without_supervisor_watch()).await?,
    );
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
    let secret = state
        .credentials(id)
        .await?
        .ok_or_else(|| WorkerProcessError::NoCredentials {
            topology_id: id.to_string(),
        })?;
    let tls = launch.config.tls.worker_links()?;
    let mut transport = WorkerTransport::listen(
        slot.clone(),
        id.as_str(),
        WorkerSecret::new(secret.worker_secret),
        tls,
    )
    .await
    .map_err(|e| WorkerProcessError::Listen {
        port: launch.port,
        reason: e.to_string(),
    })?;
    let mut assignments = state.watch_assignments();
    if let Some(assignment) = state.assignment(id).await? {
        transport.apply(&assignment);
    }
    let wanted_active = is_active(state.as_ref(), id).await?.unwrap_or(false);
    let (error_sink, reported_errors) = ErrorSink::channel();
    let errors = actix::spawn(publish_errors(
        state.clone(),
        ErrorOrigin {
            topology_id: id.clone(),
            host: launch.config.hostname.clone(),
            port: launch.port,
        },
        reported_errors,
    ));
    // Spouts wait for every outbound connection (Storm's activateWorkerWhenAllConnectionsReady).
    let mut running = RunningTopology::start_worker(
        id.as_str(),
        topology,
        config,
        Some(&executors),
        false,
        Some(transport.routes().clone()),
        Some(error_sink),
    )?;
    tracing::info!(topology = %id, %slot, tasks = tasks.len(), peers = transport.peers().count(), "worker started");

    let (active_tx, mut active_rx) = watch::channel(wanted_active);
    let mut connections = tokio::time::interval(CONNECTION_CHECK);
    let freq = launch
        .config
        .worker_heartbeat_freq
        .max(Duration::from_millis(100));
    let status = actix::spawn(follow_status(state.clone(), id.clone(), freq, active_tx));

    use tokio::signal::unix::{signal, SignalKind};
    let (mut term, mut int) = match (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) {
        (Ok(t), Ok(i)) => (t, i),
        _ => {
            return Err(LaunchError::Env {
                var: "signals",
                reason: "cannot watch SIGTERM and SIGINT".into(),
            }
            .into())
        }
    };
    let mut tick = tokio::time::interval(freq);
    let mut rollup = StatsRollup::new();
    let reason = loop {
        tokio::select! {
            _ = term.recv() => break "SIGTERM",
            _ = int.recv() => break "SIGINT",
            changed = active_rx.changed() => {
                if changed.is_err() {
                    continue;
                }
                follow_activation(&mut running, *active_rx.borrow_and_update(), &transport);
            }
            _ = connections.tick() => {
                follow_activation(&mut running, *active_rx.borrow(), &transport);
            }
            change = assignments.changed() => match change {
                Ok(Change::Resync) => reapply(state.as_ref(), id, &mut transport).await,
                Ok(c) if c.key() == Some(id.as_str()) => reapply(state.as_ref(), id, &mut transport).await,
                Ok(_) => {}
                Err(_) => tokio::time::sleep(freq).await,
            },
            _ = tick.tick() => {
                if std::os::unix::process::parent_id() != parent {
                    break "its supervisor is gone";
                }
                let hb = LocalHeartbeat {
                    time_secs: now_secs(),
                    topology_id: id.to_string(),
                    executors: executors.clone(),
                    port: launch.port,
                    uptime_secs: started.elapsed().as_secs(),
                    details: BTreeMap::from([("active".to_owned(), running.is_active().to_string())]),
                };
                if let Err(e) = hb.write(&launch.worker_dir) {
                    tracing::warn!(error = %e, "cannot write the local heartbeat");
                }
                // The stats ride with the heartbeat: rolled up here, published by the
                // supervisor in its one stats znode.
                let stats = WorkerStats {
                    topology_id: id.to_string(),
                    port: launch.port,
                    time_secs: hb.time_secs,
                    executors: running.roll_up_stats(&mut rollup, hb.time_secs, &executors),
                };
                if let Err(e) = write_local_stats(&launch.worker_dir, &stats) {
                    tracing::warn!(error = %e, "cannot write the local stats");
                }
            }
        }
    };
    tracing::info!(reason, "worker stopping");
    status.abort();
    errors.abort();
    running.shutdown(SHUTDOWN_TIMEOUT)?;
    transport.shutdown();
    Ok(())
}

/// Activates the spouts when the topology is active and every connection to another worker is
/// up; deactivates them when the topology is deactivated. A connection lost later does not
/// deactivate them: batches for it are dropped and replayed, as in Storm.
fn follow_activation(running: &mut RunningTopology, wanted: bool, transport: &WorkerTransport) {
    let now_active = wanted && (running.is_active() || transport.all_connected());
    if now_active != running.is_active() {
        tracing::info!(
            active = now_active,
            "spouts {}",
            if now_active {
                "activated"
            } else {
                "deactivated"
            }
        );
        running.set_active(now_active);
    }
}

/// Re-reads the assignment after a change and re-points the connections.
async fn reapply(state: &dyn ClusterState, id: &TopologyId, transport: &mut WorkerTransport) {
    match state.assignment(id).await {
        Ok(Some(assignment)) => transport.apply(&assignment),
        Ok(None) => {} // removed: the supervisor stops this worker
        Err(e) => tracing::warn!(error = %e, "cannot re-read the assignment"),
    }
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
