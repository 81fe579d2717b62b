//! `ZkClusterState`: the cluster state in ZooKeeper, and `ZkStorage`, its znode operations.
//!
//! Every operation runs on the live session's client (see [`crate::zk_session`]) and is retried
//! with bounded backoff across connection loss, the client's "no response" dead-connection
//! errors and session expiry, for up to session timeout + connection timeout; then it fails with
//! a retryable error. All operations are idempotent, so a retry after a lost reply is safe.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{broadcast, oneshot, watch, Mutex};
use tracing::{debug, info};
use zookeeper_client::{
    Client, CreateMode, Error as ZkError, EventType, LockOptions, LockPrefix, OwnedLockClient,
};

use crate::cluster_state::BoxFuture;
use crate::config::ZkConfig;
use crate::error::{zk_retryable, Error, Result};
use crate::leadership::Leadership;
use crate::paths;
use crate::retry::Backoff;
use crate::storage::StateStorage;
use crate::storm_state::StormClusterState;
use crate::watch::{ChangeWatch, WatchedDir, EVENT_BUFFER};
use crate::zk_session::{self, mkdir_parent, put_ephemeral, Shared, ZkStatus};

/// The cluster state in ZooKeeper.
pub type ZkClusterState = StormClusterState<ZkStorage>;

/// Znode operations on a ZooKeeper ensemble, below `storm.zookeeper.root`. Dropping it closes
/// the session, so its ephemeral nodes go away at once.
pub struct ZkStorage {
    shared: Arc<Shared>,
    shutdown: watch::Sender<bool>,
}

impl std::fmt::Debug for ZkStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZkStorage")
            .field("config", &self.shared.config)
            .field("status", &*self.shared.status.borrow())
            .finish()
    }
}

trait ZkResultExt<T> {
    fn zk(self, op: &'static str, path: &str) -> Result<T>;
}

impl<T> ZkResultExt<T> for std::result::Result<T, ZkError> {
    fn zk(self, op: &'static str, path: &str) -> Result<T> {
        self.map_err(|e| Error::zk(op, path, e))
    }
}

fn is_retryable_zk(e: &Error) -> bool {
    match e {
        Error::Zk { source, .. } => zk_retryable(source),
        Error::Contention { .. } => true,
        _ => false,
    }
}

impl ZkStorage {
    /// Connects (retrying for up to the session timeout while no server answers), creates the
    /// root and the layout's directories, and starts the session owner task. Needs a tokio
    /// runtime.
    pub async fn connect(config: ZkConfig) -> Result<Self> {
        config.validate()?;
        let deadline = Instant::now() + config.session_timeout.max(config.connection_timeout);
        let mut backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(1));
        let connect_string = config.connect_string();
        let client = loop {
            match zk_session::connect_client(&config).await {
                Ok(client) => break client,
                Err(e) if zk_retryable(&e) && Instant::now() < deadline => {
                    debug!(error = %e, %connect_string, "zookeeper not reachable yet; retrying");
                    backoff.wait().await;
                }
                Err(source) => {
                    return Err(Error::Connect {
                        connect_string,
                        source,
                    })
                }
            }
        };
        let (events, _) = broadcast::channel(EVENT_BUFFER);
        let shared = Arc::new(Shared {
            config,
            client: watch::Sender::new(None),
            status: watch::Sender::new(ZkStatus::default()),
            ephemerals: Mutex::new(Default::default()),
            events,
        });
        // Fail fast on what retrying cannot fix, such as a root owned by other credentials.
        for dir in paths::DIRS {
            client
                .mkdir(dir, &shared.persistent())
                .await
                .zk("mkdir", dir)?;
        }
        let (shutdown, shutdown_rx) = watch::channel(false);
        let mut ready = shared.client.subscribe();
        tokio::spawn(zk_session::run(Arc::clone(&shared), client, shutdown_rx));
        let storage = Self { shared, shutdown };
        let waited =
            tokio::time::timeout(storage.op_budget(), ready.wait_for(Option::is_some)).await;
        if !matches!(waited, Ok(Ok(_))) {
            return Err(Error::NotConnected {
                op: "connect",
                path: storage.shared.config.root.clone(),
                waited: storage.op_budget(),
            });
        }
        info!(connect_string = %connect_string, root = %storage.shared.config.root, "connected to zookeeper");
        Ok(storage)
    }

    /// The config it was made with.
    pub fn config(&self) -> &ZkConfig {
        &self.shared.config
    }

    /// The session's status, updated as it changes.
    pub fn status(&self) -> watch::Receiver<ZkStatus> {
        self.shared.status.subscribe()
    }

    /// How long one operation keeps retrying.
    fn op_budget(&self) -> Duration {
        self.shared.config.session_timeout + self.shared.config.connection_timeout
    }

    /// The live session's client, waiting up to `budget` for one.
    async fn client(&self, op: &'static str, path: &str, budget: Duration) -> Result<Client> {
        let started = Instant::now();
        let mut rx = self.shared.client.subscribe();
        let waited = tokio::time::timeout(budget, async {
            rx.wait_for(Option::is_some).await.map(|c| c.clone())
        })
        .await;
        match waited {
            Ok(Ok(Some(client))) => Ok(client),
            Ok(Ok(None)) | Ok(Err(_)) => Err(Error::Closed),
            Err(_) => Err(Error::NotConnected {
                op,
                path: path.to_owned(),
                waited: started.elapsed(),
            }),
        }
    }

    /// Runs `f` on the live client, retrying retryable failures within the operation budget.
    async fn run<T, F, Fut>(&self, op: &'static str, path: &str, f: F) -> Result<T>
    where
        F: Fn(Client) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let budget = self.op_budget();
        let started = Instant::now();
        let mut backoff = Backoff::new(Duration::from_millis(50), Duration::from_secs(1));
        loop {
            let remaining = budget.saturating_sub(started.elapsed());
            let client = self.client(op, path, remaining).await?;
            match f(client).await {
                Ok(v) => return Ok(v),
                Err(e) if is_retryable_zk(&e) && started.elapsed() < budget => {
                    debug!(op, path, error = %e, "retrying");
                    backoff.wait().await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    fn leadership(&self, lock: OwnedLockClient) -> Leadership {
        let (lost_tx, lost_rx) = watch::channel(false);
        let (release_tx, release_rx) = oneshot::channel::<()>();
        let client = lock.client().clone();
        let path = lock.lock_path().to_owned();
        info!(latch = %path, "leadership acquired");
        tokio::spawn(async move {
            let mut states = client.state_watcher();
            let session_over = async {
                loop {
                    if states.changed().await.is_terminated() {
                        return;
                    }
                }
            };
            tokio::select! {
                _ = release_rx => return,
                _ = session_over => {}
                _ = latch_gone(&client, &path) => {}
            }
            tracing::warn!(latch = %path, "leadership lost");
            let _ = lost_tx.send(true);
        });
        Leadership::new(lost_rx, (lock, release_tx))
    }
}

/// Resolves when the latch node is deleted or can no longer be watched (session over).
async fn latch_gone(client: &Client, path: &str) {
    let mut backoff = Backoff::new(Duration::from_millis(50), Duration::from_secs(1));
    loop {
        match client.check_and_watch_stat(path).await {
            Ok((None, _)) => return,
            Ok((Some(_), watcher)) => {
                let event = watcher.changed().await;
                match event.event_type {
                    EventType::NodeDeleted => return,
                    EventType::Session if event.session_state.is_terminated() => return,
                    _ => {}
                }
            }
            Err(e) if zk_retryable(&e) && !client.state().is_terminated() => backoff.wait().await,
            Err(_) => return,
        }
    }
}

/// Deletes `path` and everything below it.
fn delete_tree<'a>(client: &'a Client, path: &'a str) -> BoxFuture<'a, Result<()>> {
    Box::pin(async move {
        for _ in 0..10 {
            let children = match client.list_children(path).await {
                Ok(children) => children,
                Err(ZkError::NoNode) => return Ok(()),
                Err(e) => return Err(Error::zk("list_children", path, e)),
            };
            for child in children {
                let child = if path == "/" {
                    format!("/{child}")
                } else {
                    format!("{path}/{child}")
                };
                delete_tree(client, &child).await?;
            }
            match client.delete(path, None).await {
                Ok(()) | Err(ZkError::NoNode) => return Ok(()),
                // A child appeared meanwhile: go again.
                Err(ZkError::NotEmpty) => continue,
                Err(e) => return Err(Error::zk("delete", path, e)),
            }
        }
        Err(Error::Contention {
            path: path.to_owned(),
            attempts: 10,
        })
    })
}

impl Drop for ZkStorage {
    fn drop(&mut self) {
        self.shared.client.send_replace(None);
        self.shutdown.send_replace(true);
    }
}

impl StateStorage for ZkStorage {
    async fn mkdirs(&self, path: &str) -> Result<()> {
        if path == "/" {
            return Ok(());
        }
        let options = self.shared.persistent();
        self.run("mkdir", path, |c| {
            let options = options.clone();
            async move { c.mkdir(path, &options).await.zk("mkdir", path) }
        })
        .await
    }

    async fn set_data(&self, path: &str, data: Vec<u8>) -> Result<()> {
        let options = self.shared.persistent();
        let data = &data;
        let options = &options;
        self.run("set_data", path, |c| async move {
            for _ in 0..10 {
                match c.set_data(path, data, None).await {
                    Ok(_) => return Ok(()),
                    Err(ZkError::NoNode) => {}
                    Err(e) => return Err(Error::zk("set_data", path, e)),
                }
                match c.create(path, data, options).await {
                    Ok(_) => return Ok(()),
                    Err(ZkError::NodeExists) => {}
                    Err(ZkError::NoNode) => {
                        mkdir_parent(&c, path, options).await?;
                    }
                    Err(e) => return Err(Error::zk("create", path, e)),
                }
            }
            Err(Error::Contention {
                path: path.to_owned(),
                attempts: 10,
            })
        })
        .await
    }

    async fn get_data(&self, path: &str) -> Result<Option<Vec<u8>>> {
        self.run("get_data", path, |c| async move {
            match c.get_data(path).await {
                Ok((data, _)) => Ok(Some(data)),
                Err(ZkError::NoNode) => Ok(None),
                Err(e) => Err(Error::zk("get_data", path, e)),
            }
        })
        .await
    }

    async fn get_children(&self, path: &str) -> Result<Vec<String>> {
        self.run("list_children", path, |c| async move {
            match c.list_children(path).await {
                Ok(mut children) => {
                    children.sort();
                    Ok(children)
                }
                Err(ZkError::NoNode) => Ok(Vec::new()),
                Err(e) => Err(Error::zk("list_children", path, e)),
            }
        })
        .await
    }

    async fn delete_node(&self, path: &str) -> Result<()> {
        self.run(
            "delete",
            path,
            |c| async move { delete_tree(&c, path).await },
        )
        .await
    }

    async fn set_ephemeral(&self, path: &str, data: Vec<u8>) -> Result<()> {
        // Remembered first, so a session lost from here on re-creates it too. The lock is not
        // held across the request: the owner task takes it while re-creating.
        self.shared
            .ephemerals
            .lock()
            .await
            .insert(path.to_owned(), data.clone());
        let shared = &self.shared;
        let data = &data;
        self.run("set_ephemeral", path, |c| async move {
            put_ephemeral(&c, shared, path, data).await
        })
        .await
    }

    async fn delete_ephemeral(&self, path: &str) -> Result<()> {
        self.shared.ephemerals.lock().await.remove(path);
        self.delete_node(path).await
    }

    async fn create_sequential(&self, prefix: &str, data: Vec<u8>) -> Result<String> {
        let options = CreateMode::PersistentSequential.with_acls(self.shared.acls());
        let dir_options = self.shared.persistent();
        let (data, options, dir_options) = (&data, &options, &dir_options);
        let name = prefix.rsplit_once('/').map_or(prefix, |(_, n)| n);
        self.run("create_sequential", prefix, |c| async move {
            for _ in 0..10 {
                match c.create(prefix, data, options).await {
                    Ok((_, seq)) => return Ok(format!("{name}{seq}")),
                    Err(ZkError::NoNode) => {
                        mkdir_parent(&c, prefix, dir_options).await?;
                    }
                    Err(e) => return Err(Error::zk("create", prefix, e)),
                }
            }
            Err(Error::Contention {
                path: prefix.to_owned(),
                attempts: 10,
            })
        })
        .await
    }

    fn subscribe(&self, dir: WatchedDir) -> ChangeWatch {
        ChangeWatch::new(dir, self.shared.events.subscribe())
    }

    async fn contend_leadership(&self, data: Vec<u8>) -> Result<Leadership> {
        let mut backoff = Backoff::new(Duration::from_millis(50), Duration::from_secs(1));
        let dir_options = self.shared.persistent();
        loop {
            // Waiting for leadership may take forever; so may waiting for a session.
            let client = self
                .client("lock", paths::LEADER_LOCK, Duration::MAX)
                .await?;
            let prefix = LockPrefix::new_curator(paths::LEADER_LOCK, paths::LATCH_NAME)
                .zk("lock", paths::LEADER_LOCK)?;
            let options = LockOptions::new(self.shared.acls())
                .with_ancestor_options(dir_options.clone())
                .zk("lock", paths::LEADER_LOCK)?;
            let joined = client.lock(prefix, &data, options).await;
            match joined {
                Ok(lock) => return Ok(self.leadership(lock.into_owned())),
                Err(e) if zk_retryable(&e) || e == ZkError::RuntimeInconsistent => {
                    debug!(error = %e, "leader latch interrupted; joining again");
                    backoff.wait().await;
                }
                Err(e) => return Err(Error::zk("lock", paths::LEADER_LOCK, e)),
            }
        }
    }
}

impl StormClusterState<ZkStorage> {
    /// Connects to the ensemble and prepares the layout; see [`ZkStorage::connect`].
    pub async fn connect(config: ZkConfig) -> Result<Self> {
        Ok(Self::with_storage(ZkStorage::connect(config).await?))
    }

    /// The session's status, updated as it changes.
    pub fn status(&self) -> watch::Receiver<ZkStatus> {
        self.storage().status()
    }
}
