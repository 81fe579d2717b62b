//! Running Nimbus as a daemon (`storm nimbus`): connect to ZooKeeper, bind the port, register
//! under `/nimbuses`, copy artifacts from the leader every `nimbus.code.sync.freq.secs`,
//! contend for leadership while it holds them all, serve until SIGTERM or SIGINT.

use std::sync::Arc;
use std::time::Duration;

use actix::{Actor, Addr};
use storm_zk::{ClusterState, NimbusInfo, ZkClusterState};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::actor::{Leadership, Nimbus};
use crate::core::NimbusCore;
use crate::error::NimbusError;
use crate::server;
use crate::store::ArtifactStore;
use storm_client::credentials::UserSecrets;
use storm_client::shutdown_signal::wait_for_signal;
use storm_client::DaemonConfig;

/// Runs Nimbus until SIGTERM or SIGINT. Blocks; starts its own actix system.
pub fn run(config: DaemonConfig) -> Result<(), NimbusError> {
    let system = actix::System::new();
    system.block_on(async move {
        let started = start(config).await?;
        tracing::info!(addr = %started.info.id(), "nimbus serving");
        wait_for_signal().await;
        tracing::info!("nimbus stopping");
        drop(started);
        Ok(())
    })
}

/// A started Nimbus; dropping it stops serving.
pub struct StartedNimbus {
    /// How clients reach it.
    pub info: NimbusInfo,
    /// The actor.
    pub addr: Addr<Nimbus>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for StartedNimbus {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// Starts Nimbus on the current actix system: ZooKeeper, the port (0 picks a free one), the
/// registration, the leadership contender and the actor.
pub async fn start(config: DaemonConfig) -> Result<StartedNimbus, NimbusError> {
    let config = config
        .with_absolute_local_dir()
        .map_err(|e| NimbusError::Runtime(format!("resolving storm.local.dir: {e}")))?;
    let state: Arc<dyn ClusterState> =
        Arc::new(ZkClusterState::connect(config.zookeeper.clone()).await?);
    state.setup().await?;
    let bind = format!("{}:{}", config.hostname, config.nimbus_port);
    let listener = TcpListener::bind(&bind)
        .await
        .map_err(|source| NimbusError::Bind {
            addr: bind.clone(),
            source,
        })?;
    let port = listener
        .local_addr()
        .map_err(|source| NimbusError::Bind { addr: bind, source })?
        .port();
    let info = NimbusInfo::new(config.hostname.clone(), port);
    state.register_nimbus(&info).await?;
    let store = ArtifactStore::open(
        &config.local_dir.join("nimbus"),
        config.nimbus_artifact_max_bytes,
        config.nimbus_file_copy_expiration,
    )?;
    let settings = port_settings(&config, &bind_addr(&listener, &config.hostname), port)?;
    let core = Arc::new(NimbusCore::new(config, state.clone(), store));
    let addr = Nimbus::new(core.clone()).start();
    let serving = actix::spawn(server::serve_with(listener, addr.clone(), settings));
    let (eligible_tx, eligible) = watch::channel(false);
    let syncing = actix::spawn(sync_code(core, info.clone(), eligible_tx));
    let leading = actix::spawn(contend(state, info.clone(), addr.clone(), eligible));
    Ok(StartedNimbus {
        info,
        addr,
        tasks: vec![serving, syncing, leading],
    })
}

/// The address the listener is bound to, for the warning below.
fn bind_addr(listener: &TcpListener, hostname: &str) -> String {
    listener
        .local_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|_| hostname.to_owned())
}

/// The port's limits and, with `nimbus.authentication` on, its users (from
/// `nimbus.credentials.file`, refused when others may read it). With it off, warns that the
/// port is open to anyone who reaches it.
fn port_settings(
    config: &DaemonConfig,
    ip: &str,
    port: u16,
) -> Result<server::PortSettings, NimbusError> {
    let security = &config.security;
    let users = if security.authentication {
        let path = security.credentials_file.as_ref().ok_or_else(|| {
            NimbusError::Runtime(
                "nimbus.authentication is on but nimbus.credentials.file is not set".into(),
            )
        })?;
        let users = UserSecrets::load(path).map_err(|e| NimbusError::Runtime(e.to_string()))?;
        tracing::info!(
            users = users.len(),
            admins = ?security.admins,
            "nimbus.authentication is on: every connection must prove a user's secret"
        );
        Some(users)
    } else {
        tracing::warn!(
            address = ip,
            port,
            "nimbus.authentication is off: anyone who can reach {ip}:{port} may upload and run \
             binaries on every supervisor, and kill any topology; set nimbus.authentication \
             and nimbus.credentials.file (README, \"Securing the cluster\")"
        );
        None
    };
    let tls = config
        .tls
        .nimbus_server()
        .map_err(|e| NimbusError::Runtime(e.to_string()))?;
    match &tls {
        Some(tls) => tracing::info!(
            client_certificates = if tls.is_mutual() {
                "required"
            } else {
                "not asked"
            },
            "nimbus.thrift.tls.enable is on: the port speaks TLS 1.3 only"
        ),
        None => tracing::info!("nimbus.thrift.tls.enable is off: the port speaks plain TCP"),
    }
    Ok(server::PortSettings::new(config.max_frame, security, users).with_tls(tls))
}

/// Copies missing artifacts from the leader every `nimbus.code.sync.freq.secs`, publishing
/// after each pass whether this Nimbus is eligible to lead.
async fn sync_code(core: Arc<NimbusCore>, info: NimbusInfo, eligible: watch::Sender<bool>) {
    let period = core.config().nimbus_code_sync_freq;
    loop {
        match core.sync_code(&info).await {
            Ok(now_eligible) => {
                eligible.send_if_modified(|e| std::mem::replace(e, now_eligible) != now_eligible);
            }
            Err(e) => tracing::warn!(error = %e, "syncing artifacts; the next pass retries"),
        }
        tokio::time::sleep(period).await;
    }
}

/// Contends for leadership forever while eligible, telling the actor each time it is gained or
/// lost; leaves the election while it lacks an artifact (Storm's `quitElectionFor`).
async fn contend(
    state: Arc<dyn ClusterState>,
    info: NimbusInfo,
    nimbus: Addr<Nimbus>,
    mut eligible: watch::Receiver<bool>,
) {
    loop {
        if eligible.wait_for(|e| *e).await.is_err() {
            return;
        }
        let mut withdraw = eligible.clone();
        let joined = tokio::select! {
            joined = state.contend_leadership(&info) => Some(joined),
            _ = withdraw.wait_for(|e| !*e) => None,
        };
        let Some(joined) = joined else {
            tracing::info!("lacking an artifact: out of the leader election until it is copied");
            continue;
        };
        match joined {
            Ok(mut leadership) => {
                let leading = NimbusInfo {
                    is_leader: true,
                    ..info.clone()
                };
                if let Err(e) = state.register_nimbus(&leading).await {
                    tracing::warn!(error = %e, "updating the nimbus registration");
                }
                nimbus.do_send(Leadership(true));
                leadership.lost().await;
                nimbus.do_send(Leadership(false));
                if let Err(e) = state.register_nimbus(&info).await {
                    tracing::warn!(error = %e, "updating the nimbus registration");
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "contending for leadership; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}
