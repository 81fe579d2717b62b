//! Running a supervisor as a daemon (`storm supervisor`): check the TLS files it and its workers
//! will use, connect to ZooKeeper, clear what an earlier run left in `storm.local.dir`, start the actor, and on SIGTERM or SIGINT stop every
//! worker before exiting.

use std::sync::Arc;

use actix::{Actor, Addr};
use storm_client::DaemonConfig;
use storm_zk::{ClusterState, ZkClusterState};

use crate::error::SupervisorError;
use crate::local_state::LocalState;
use crate::supervisor::{Shutdown, Supervisor};

/// Runs a supervisor until SIGTERM or SIGINT. Blocks; starts its own actix system.
pub fn run(config: DaemonConfig) -> Result<(), SupervisorError> {
    actix::System::new().block_on(async move {
        let addr = start(config).await?;
        storm_client::shutdown_signal::wait_for_signal().await;
        tracing::info!("supervisor stopping its workers");
        let _ = addr.send(Shutdown).await;
        Ok(())
    })
}

/// Starts a supervisor on the current actix system.
pub async fn start(config: DaemonConfig) -> Result<Addr<Supervisor>, SupervisorError> {
    let local_err = |what: &'static str, path: &std::path::Path| {
        let path = path.display().to_string();
        move |source| SupervisorError::LocalDir { what, path, source }
    };
    let config = config.with_absolute_local_dir().map_err(local_err(
        "resolving",
        std::path::Path::new("storm.local.dir"),
    ))?;
    // The workers' link TLS and this supervisor's Nimbus client TLS read files at each use:
    // a bad one stops the supervisor here, naming the key and the file.
    config.tls.worker_links()?;
    config.tls.nimbus_client()?;
    let local = LocalState::new(&config.local_dir);
    // Workers of an earlier run died with it (they watch their parent); their files go too.
    for dir in [local.workers_root(), local.dist_root()] {
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(local_err("clearing", &dir))?;
        }
    }
    let id = local
        .supervisor_id(&config.hostname)
        .map_err(local_err("reading the supervisor id in", local.root()))?;
    let state: Arc<dyn ClusterState> = Arc::new(
        ZkClusterState::connect(config.zookeeper.clone().without_supervisor_watch()).await?,
    );
    state.setup().await?;
    tracing::info!(supervisor = %id, ports = ?config.supervisor_slots_ports, "supervisor starting");
    Ok(Supervisor::new(config, id, state).start())
}
