//! The ZooKeeper session owner: one task that holds the client and keeps a session alive.
//!
//! ```text
//! loop {
//!     connect (retried with backoff); create the root and the layout's directories
//!     re-create every remembered ephemeral node; arm persistent watches on the watched dirs
//!     publish the client to the operations; tell every watch to resync
//!     serve: forward watch events; on reconnect (same session) resync again;
//!            on Expired / AuthFailed / Closed leave the loop body
//!     unpublish the client
//! }
//! ```
//!
//! Operations ([`crate::ZkStorage`]) take the published client, retry connection loss on it,
//! and wait for the next one when the session is gone. A new client is needed after expiry
//! because `zookeeper-client` treats `Expired` as terminal.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{broadcast, watch, Mutex};
use tracing::{debug, info, warn};
use zookeeper_client::{
    Acl, Acls, AddWatchMode, AuthId, Client, CreateMode, CreateOptions, Error as ZkError,
    EventType, Permission, PersistentWatcher, SessionState, WatchedEvent,
};

use crate::config::ZkConfig;
use crate::error::{zk_retryable, Error, Result};
use crate::paths;
use crate::retry::Backoff;
use crate::watch::{ChangeKind, StorageEvent, WatchedDir};

/// The session as the owner task sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ZkStatus {
    /// A session is established and its connection is up.
    pub connected: bool,
    /// The current session's id, while there is one.
    pub session_id: Option<i64>,
    /// Sessions established so far: 1 after connecting, +1 after each expiry.
    pub sessions: u64,
}

/// What the owner task and the operations share.
pub(crate) struct Shared {
    pub(crate) config: ZkConfig,
    /// The chrooted client of the live session; `None` while (re)connecting.
    pub(crate) client: watch::Sender<Option<Client>>,
    pub(crate) status: watch::Sender<ZkStatus>,
    /// Ephemeral nodes to re-create in every new session: path → data.
    pub(crate) ephemerals: Mutex<BTreeMap<String, Vec<u8>>>,
    pub(crate) events: broadcast::Sender<StorageEvent>,
}

impl Shared {
    /// ACLs of every znode below the root: only the creator's identity when authentication is
    /// configured, anyone otherwise.
    pub(crate) fn acls(&self) -> Acls<'static> {
        if self.config.auth.is_some() {
            Acls::creator_all()
        } else {
            Acls::anyone_all()
        }
    }

    pub(crate) fn persistent(&self) -> CreateOptions<'static> {
        CreateMode::Persistent.with_acls(self.acls())
    }

    pub(crate) fn emit(&self, event: StorageEvent) {
        // No subscribers is fine.
        let _ = self.events.send(event);
    }
}

/// Opens a session and returns a client chrooted at `storm.zookeeper.root`, which it creates
/// first when missing (a chrooted client cannot create its own root).
pub(crate) async fn connect_client(config: &ZkConfig) -> Result<Client, ZkError> {
    let mut connector = Client::connector()
        .with_session_timeout(config.session_timeout)
        .with_connection_timeout(config.connection_timeout)
        .with_fail_eagerly();
    if let Some(auth) = &config.auth {
        connector = connector.with_auth(&auth.scheme, auth.payload.as_bytes());
    }
    let client = connector.connect(&config.connect_string()).await?;
    if config.root == "/" {
        return Ok(client);
    }
    ensure_root(&client, config).await?;
    match client.chroot(config.root.as_str()) {
        Ok(chrooted) => Ok(chrooted),
        Err(_) => Err(ZkError::BadArguments(
            &"storm.zookeeper.root is not a valid chroot",
        )),
    }
}

/// Creates the root. Its ancestors (for a root such as `/storm/prod`) are readable and
/// extendable by anyone, so clusters with different credentials can share them; the root itself
/// carries the cluster's ACLs.
async fn ensure_root(client: &Client, config: &ZkConfig) -> Result<(), ZkError> {
    let acls = if config.auth.is_some() {
        Acls::creator_all()
    } else {
        Acls::anyone_all()
    };
    let parent = paths::parent(&config.root);
    if parent != "/" {
        let shared = [Acl::new(
            Permission::READ | Permission::CREATE,
            AuthId::anyone(),
        )];
        let ancestors = if config.auth.is_some() {
            Acls::new(&shared)
        } else {
            Acls::anyone_all()
        };
        client
            .mkdir(parent, &CreateMode::Persistent.with_acls(ancestors))
            .await?;
    }
    match client
        .create(&config.root, &[], &CreateMode::Persistent.with_acls(acls))
        .await
    {
        Ok(_) | Err(ZkError::NodeExists) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Creates the parent of `path` and its ancestors when missing (the root always exists).
pub(crate) async fn mkdir_parent(
    client: &Client,
    path: &str,
    options: &CreateOptions<'_>,
) -> Result<()> {
    let parent = paths::parent(path);
    if parent == "/" {
        return Ok(());
    }
    client
        .mkdir(parent, options)
        .await
        .map_err(|e| Error::zk("mkdir", parent, e))
}

/// Creates or rewrites an ephemeral node of this client's session. A node left by another
/// session (an expired one of ours that the server has not reaped yet) is replaced. It reads
/// first, so a rewrite (a supervisor's heartbeat) is one write, not a failed create (which
/// the quorum logs too) and then the write.
pub(crate) async fn put_ephemeral(
    client: &Client,
    shared: &Shared,
    path: &str,
    data: &[u8],
) -> Result<()> {
    const ATTEMPTS: u32 = 10;
    let zk = |op, e| Error::zk(op, path, e);
    let ephemeral = CreateMode::Ephemeral.with_acls(shared.acls());
    for _ in 0..ATTEMPTS {
        match client.get_data(path).await {
            Ok((_, stat)) if stat.ephemeral_owner == client.session_id().0 => {
                match client.set_data(path, data, Some(stat.version)).await {
                    Ok(_) => return Ok(()),
                    Err(ZkError::BadVersion | ZkError::NoNode) => {}
                    Err(e) => return Err(zk("set_data", e)),
                }
            }
            Ok((_, stat)) => {
                debug!(
                    path,
                    owner = stat.ephemeral_owner,
                    "replacing a node of another session"
                );
                match client.delete(path, Some(stat.version)).await {
                    Ok(()) | Err(ZkError::NoNode | ZkError::BadVersion) => {}
                    Err(e) => return Err(zk("delete", e)),
                }
            }
            Err(ZkError::NoNode) => match client.create(path, data, &ephemeral).await {
                Ok(_) => return Ok(()),
                Err(ZkError::NoNode) => {
                    mkdir_parent(client, path, &shared.persistent()).await?;
                }
                Err(ZkError::NodeExists) => {}
                Err(e) => return Err(zk("create", e)),
            },
            Err(e) => return Err(zk("get_data", e)),
        }
    }
    Err(Error::Contention {
        path: path.to_owned(),
        attempts: ATTEMPTS,
    })
}

/// Persistent recursive watches on the watched directories of one session (`/supervisors`
/// only where [`crate::ZkConfig::watch_supervisors`] asks for it).
struct DirWatchers {
    supervisors: Option<PersistentWatcher>,
    assignments: PersistentWatcher,
    storms: PersistentWatcher,
}

/// Arms a persistent recursive watch on every watched directory the session needs.
async fn arm_watches(client: &Client, shared: &Shared) -> Result<DirWatchers> {
    let watch = |dir: WatchedDir| async move {
        client
            .watch(dir.path(), AddWatchMode::PersistentRecursive)
            .await
            .map_err(|e| Error::zk("watch", dir.path(), e))
    };
    let supervisors = if shared.config.watch_supervisors {
        Some(watch(WatchedDir::Supervisors).await?)
    } else {
        None
    };
    Ok(DirWatchers {
        supervisors,
        assignments: watch(WatchedDir::Assignments).await?,
        storms: watch(WatchedDir::Storms).await?,
    })
}

/// Makes a fresh session usable: directories, ephemerals, watches.
async fn prepare(shared: &Shared, client: &Client) -> Result<DirWatchers> {
    for dir in paths::DIRS {
        client
            .mkdir(dir, &shared.persistent())
            .await
            .map_err(|e| Error::zk("mkdir", dir, e))?;
    }
    {
        // Held while re-creating, so a concurrent unregister cannot be undone by a stale copy.
        let registry = shared.ephemerals.lock().await;
        for (path, data) in registry.iter() {
            put_ephemeral(client, shared, path, data).await?;
            debug!(path, "re-created ephemeral node");
        }
    }
    arm_watches(client, shared).await
}

/// What ended serving a session.
enum Served {
    Shutdown,
    SessionOver(SessionState),
}

/// The owner task. Starts with the first session's client and ends when `shutdown` turns true
/// (or its sender goes away), dropping the client and so closing the session.
pub(crate) async fn run(shared: Arc<Shared>, first: Client, mut shutdown: watch::Receiver<bool>) {
    let mut backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(1));
    let mut client = first;
    loop {
        let prepared = tokio::select! {
            _ = shutdown.wait_for(|s| *s) => return,
            r = prepare(&shared, &client) => r,
        };
        match prepared {
            Ok(watchers) => {
                backoff.reset();
                let session_id = client.session_id().0;
                shared.client.send_replace(Some(client.clone()));
                shared.status.send_modify(|s| {
                    s.connected = true;
                    s.session_id = Some(session_id);
                    s.sessions += 1;
                });
                info!(session = format_args!("{session_id:#x}"), root = %shared.config.root, "zookeeper session ready");
                shared.emit(StorageEvent::Resync);
                let served = serve(&shared, &client, watchers, &mut shutdown).await;
                shared.client.send_replace(None);
                shared.status.send_modify(|s| {
                    s.connected = false;
                    s.session_id = None;
                });
                match served {
                    Served::Shutdown => return,
                    Served::SessionOver(state) => {
                        warn!(%state, session = format_args!("{session_id:#x}"), "zookeeper session ended; opening a new one")
                    }
                }
            }
            Err(e) if e.is_retryable() && !client.state().is_terminated() => {
                debug!(error = %e, "preparing the session failed; retrying");
                tokio::select! {
                    _ = shutdown.wait_for(|s| *s) => return,
                    _ = backoff.wait() => {}
                }
                continue;
            }
            Err(e) => warn!(error = %e, "preparing the session failed; opening a new one"),
        }
        client = loop {
            let attempt = tokio::select! {
                _ = shutdown.wait_for(|s| *s) => return,
                r = connect_client(&shared.config) => r,
            };
            match attempt {
                Ok(c) => break c,
                Err(e) => {
                    if zk_retryable(&e) {
                        debug!(error = %e, "zookeeper unreachable; retrying");
                    } else {
                        warn!(error = %e, "connecting to zookeeper failed; retrying");
                    }
                    tokio::select! {
                        _ = shutdown.wait_for(|s| *s) => return,
                        _ = backoff.wait() => {}
                    }
                }
            }
        };
    }
}

/// Serves one session until it ends or the state shuts down.
///
/// After every reconnect within the session the persistent watches are armed anew.
/// zookeeper-client 0.11.2 re-sends only one-shot watches on reconnect (its `resend_watches`
/// never picks `SetWatches2`), so a server that restarted, or another server of the ensemble,
/// would otherwise never learn of them. Events between the reconnect and the re-arming are
/// covered by a resync.
async fn serve(
    shared: &Shared,
    client: &Client,
    watchers: DirWatchers,
    shutdown: &mut watch::Receiver<bool>,
) -> Served {
    let mut states = client.state_watcher();
    let mut watchers = Some(watchers);
    let mut rearm = Backoff::new(Duration::from_millis(50), Duration::from_secs(1));
    let mut connected = true;
    loop {
        if connected && watchers.is_none() {
            match arm_watches(client, shared).await {
                Ok(w) => {
                    watchers = Some(w);
                    rearm.reset();
                    debug!("watches re-armed");
                    shared.emit(StorageEvent::Resync);
                }
                Err(e) if client.state().is_terminated() => {
                    debug!(error = %e, "session ended while re-arming watches");
                    return Served::SessionOver(client.state());
                }
                Err(e) => {
                    debug!(error = %e, "re-arming watches failed; retrying");
                    tokio::select! {
                        _ = shutdown.wait_for(|s| *s) => return Served::Shutdown,
                        _ = rearm.wait() => {}
                    }
                }
            }
            continue;
        }
        let event = tokio::select! {
            _ = shutdown.wait_for(|s| *s) => return Served::Shutdown,
            state = states.changed() => {
                if state.is_terminated() {
                    return Served::SessionOver(state);
                }
                let now_connected = matches!(state, SessionState::SyncConnected | SessionState::ConnectedReadOnly);
                shared.status.send_modify(|s| s.connected = now_connected);
                if now_connected && !connected {
                    info!("zookeeper connection restored");
                    // Dropping the watchers unregisters them; they are armed again above.
                    watchers = None;
                } else if !now_connected {
                    warn!(%state, "zookeeper connection lost; retrying");
                }
                connected = now_connected;
                continue;
            }
            e = next_event(&mut watchers) => e,
        };
        if let Some(over) = forward(shared, event) {
            // A watcher is never polled after its terminal event: its channel closes then.
            return over;
        }
    }
}

/// The next event of any watched directory; pending while the watches are not armed.
async fn next_event(watchers: &mut Option<DirWatchers>) -> WatchedEvent {
    match watchers {
        Some(w) => {
            let supervisors = async {
                match w.supervisors.as_mut() {
                    Some(s) => s.changed().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                e = supervisors => e,
                e = w.assignments.changed() => e,
                e = w.storms.changed() => e,
            }
        }
        None => std::future::pending().await,
    }
}

fn forward(shared: &Shared, event: WatchedEvent) -> Option<Served> {
    let kind = match event.event_type {
        EventType::NodeCreated => ChangeKind::Created,
        EventType::NodeDataChanged => ChangeKind::Updated,
        EventType::NodeDeleted => ChangeKind::Deleted,
        EventType::NodeChildrenChanged => return None,
        EventType::Session => {
            return event
                .session_state
                .is_terminated()
                .then_some(Served::SessionOver(event.session_state));
        }
    };
    shared.emit(StorageEvent::Node {
        kind,
        path: event.path,
    });
    None
}
