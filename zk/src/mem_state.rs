//! `MemClusterState`: the cluster state in memory, for local mode and tests, with ZooKeeper's
//! semantics: ephemeral nodes belong to a session, sequential nodes count up per parent,
//! watchers are notified of every change, and the leader latch is the lowest sequence.
//!
//! Several [`MemClusterState`]s made with [`MemClusterState::new_session`] share one tree, like
//! several processes on one ensemble. [`MemClusterState::expire_session`] simulates a lost
//! session: the handle's ephemerals and latch nodes vanish, watchers are told to resync, and the
//! remembered registrations come back under a new session, as the ZooKeeper backend does.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::{broadcast, watch};

use crate::error::Result;
use crate::leadership::Leadership;
use crate::paths;
use crate::storage::StateStorage;
use crate::storm_state::StormClusterState;
use crate::watch::{ChangeKind, ChangeWatch, StorageEvent, WatchedDir, EVENT_BUFFER};

/// The in-memory cluster state.
pub type MemClusterState = StormClusterState<MemStorage>;

/// A session's handle on an in-memory tree of znodes.
#[derive(Debug)]
pub struct MemStorage {
    shared: Arc<Shared>,
    session: Mutex<u64>,
    /// Ephemerals to re-create after the session is lost: path → data.
    registry: Mutex<BTreeMap<String, Vec<u8>>>,
}

#[derive(Debug)]
struct Shared {
    tree: Mutex<Tree>,
    events: broadcast::Sender<StorageEvent>,
    /// Bumped on every change, so latch contenders re-check.
    version: watch::Sender<u64>,
}

#[derive(Debug, Default)]
struct Tree {
    nodes: BTreeMap<String, Node>,
    /// Children ever created per parent: the next sequence number, as ZooKeeper's cversion.
    sequences: HashMap<String, u64>,
    next_session: u64,
}

#[derive(Debug)]
struct Node {
    data: Vec<u8>,
    owner: Option<u64>,
    /// Told when the node goes away (latch nodes: leadership lost).
    on_delete: Option<watch::Sender<bool>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    fn emit(&self, events: Vec<StorageEvent>) {
        if events.is_empty() {
            return;
        }
        for e in events {
            // No receivers is fine.
            let _ = self.events.send(e);
        }
        self.version.send_modify(|v| *v += 1);
    }
}

impl Tree {
    fn new_session(&mut self) -> u64 {
        self.next_session += 1;
        self.next_session
    }

    fn mkdirs(&mut self, path: &str, events: &mut Vec<StorageEvent>) {
        // The root always exists and is not a node of the map.
        let mut at = 0;
        while at + 1 < path.len() {
            let end = path[at + 1..].find('/').map_or(path.len(), |i| at + 1 + i);
            let prefix = &path[..end];
            if !self.nodes.contains_key(prefix) {
                self.create(prefix, Vec::new(), None, events);
            }
            at = end;
        }
    }

    fn create(
        &mut self,
        path: &str,
        data: Vec<u8>,
        owner: Option<u64>,
        ev: &mut Vec<StorageEvent>,
    ) {
        *self
            .sequences
            .entry(paths::parent(path).to_owned())
            .or_default() += 1;
        self.nodes.insert(
            path.to_owned(),
            Node {
                data,
                owner,
                on_delete: None,
            },
        );
        ev.push(StorageEvent::Node {
            kind: ChangeKind::Created,
            path: path.to_owned(),
        });
    }

    /// Writes a node, creating parents; a node owned by another session is replaced.
    fn put(&mut self, path: &str, data: Vec<u8>, owner: Option<u64>, ev: &mut Vec<StorageEvent>) {
        self.mkdirs(paths::parent(path), ev);
        match self.nodes.get_mut(path) {
            Some(node) if node.owner == owner => {
                node.data = data;
                ev.push(StorageEvent::Node {
                    kind: ChangeKind::Updated,
                    path: path.to_owned(),
                });
            }
            Some(_) => {
                self.remove_subtree(path, ev);
                self.create(path, data, owner, ev);
            }
            None => self.create(path, data, owner, ev),
        }
    }

    fn children<'a>(&'a self, path: &str) -> impl Iterator<Item = &'a str> + 'a {
        let prefix = if path == "/" {
            "/".to_owned()
        } else {
            format!("{path}/")
        };
        let len = prefix.len();
        self.nodes
            .range(prefix.clone()..)
            .map(|(k, _)| k.as_str())
            .take_while(move |k| k.starts_with(&prefix))
            .filter_map(move |k| {
                Some(&k[len..]).filter(|rest| !rest.is_empty() && !rest.contains('/'))
            })
    }

    fn remove_subtree(&mut self, path: &str, ev: &mut Vec<StorageEvent>) {
        let prefix = format!("{path}/");
        let mut doomed: Vec<String> = self
            .nodes
            .range(prefix.clone()..)
            .map(|(k, _)| k)
            .take_while(|k| k.starts_with(&prefix))
            .cloned()
            .collect();
        if self.nodes.contains_key(path) {
            doomed.push(path.to_owned());
        }
        // Deepest first, as a recursive delete in ZooKeeper does.
        doomed.sort_by_key(|k| std::cmp::Reverse(k.matches('/').count()));
        for k in doomed {
            self.remove(&k, ev);
        }
    }

    fn remove(&mut self, path: &str, ev: &mut Vec<StorageEvent>) {
        if let Some(node) = self.nodes.remove(path) {
            if let Some(tx) = node.on_delete {
                let _ = tx.send(true);
            }
            *self
                .sequences
                .entry(paths::parent(path).to_owned())
                .or_default() += 1;
            ev.push(StorageEvent::Node {
                kind: ChangeKind::Deleted,
                path: path.to_owned(),
            });
        }
    }

    fn remove_session(&mut self, session: u64, ev: &mut Vec<StorageEvent>) {
        let owned: Vec<String> = self
            .nodes
            .iter()
            .filter(|(_, n)| n.owner == Some(session))
            .map(|(k, _)| k.clone())
            .collect();
        for k in owned {
            self.remove_subtree(&k, ev);
        }
    }

    fn create_sequential(
        &mut self,
        prefix: &str,
        data: Vec<u8>,
        owner: Option<u64>,
        ev: &mut Vec<StorageEvent>,
    ) -> String {
        let parent = paths::parent(prefix).to_owned();
        self.mkdirs(&parent, ev);
        let seq = self.sequences.get(&parent).copied().unwrap_or(0);
        let path = format!("{prefix}{seq:010}");
        self.create(&path, data, owner, ev);
        path
    }

    /// The latch node with the lowest sequence.
    fn latch_leader(&self) -> Option<String> {
        self.children(paths::LEADER_LOCK)
            .filter_map(|n| paths::latch_sequence(n).map(|s| (s, n)))
            .min()
            .map(|(_, n)| format!("{}/{n}", paths::LEADER_LOCK))
    }
}

impl MemStorage {
    fn with_shared(shared: Arc<Shared>) -> Self {
        let session = lock(&shared.tree).new_session();
        Self {
            shared,
            session: Mutex::new(session),
            registry: Mutex::new(BTreeMap::new()),
        }
    }

    /// A fresh, empty tree with one session on it.
    pub fn new() -> Self {
        let (events, _) = broadcast::channel(EVENT_BUFFER);
        let (version, _) = watch::channel(0);
        Self::with_shared(Arc::new(Shared {
            tree: Mutex::new(Tree::default()),
            events,
            version,
        }))
    }

    /// Another session on the same tree (another daemon on the same ensemble).
    pub fn new_session(&self) -> Self {
        Self::with_shared(Arc::clone(&self.shared))
    }

    /// This handle's current session id.
    pub fn session_id(&self) -> u64 {
        *lock(&self.session)
    }

    /// Loses the session: ephemerals and latch nodes of this handle vanish, watchers resync,
    /// and the remembered ephemerals are re-created under a new session.
    pub fn expire_session(&self) {
        let mut ev = Vec::new();
        {
            let mut tree = lock(&self.shared.tree);
            let mut session = lock(&self.session);
            tree.remove_session(*session, &mut ev);
            *session = tree.new_session();
            ev.push(StorageEvent::Resync);
            for (path, data) in lock(&self.registry).iter() {
                tree.put(path, data.clone(), Some(*session), &mut ev);
            }
        }
        self.shared.emit(ev);
    }

    fn mutate<T>(&self, f: impl FnOnce(&mut Tree, u64, &mut Vec<StorageEvent>) -> T) -> T {
        let mut ev = Vec::new();
        let out = {
            let mut tree = lock(&self.shared.tree);
            let session = *lock(&self.session);
            f(&mut tree, session, &mut ev)
        };
        self.shared.emit(ev);
        out
    }
}

impl Default for MemStorage {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for MemStorage {
    fn drop(&mut self) {
        // Closing the session: its ephemerals go, as with a closed ZooKeeper session.
        self.mutate(|tree, session, ev| tree.remove_session(session, ev));
    }
}

/// Removes a latch node when leadership (or the wait for it) is dropped.
struct LatchGuard {
    shared: Arc<Shared>,
    path: Mutex<String>,
}

impl Drop for LatchGuard {
    fn drop(&mut self) {
        let path = std::mem::take(&mut *lock(&self.path));
        let mut ev = Vec::new();
        lock(&self.shared.tree).remove(&path, &mut ev);
        self.shared.emit(ev);
    }
}

impl StateStorage for MemStorage {
    async fn mkdirs(&self, path: &str) -> Result<()> {
        self.mutate(|tree, _, ev| tree.mkdirs(path, ev));
        Ok(())
    }

    async fn set_data(&self, path: &str, data: Vec<u8>) -> Result<()> {
        self.mutate(|tree, _, ev| tree.put(path, data, None, ev));
        Ok(())
    }

    async fn get_data(&self, path: &str) -> Result<Option<Vec<u8>>> {
        Ok(lock(&self.shared.tree)
            .nodes
            .get(path)
            .map(|n| n.data.clone()))
    }

    async fn get_children(&self, path: &str) -> Result<Vec<String>> {
        let tree = lock(&self.shared.tree);
        Ok(tree.children(path).map(str::to_owned).collect())
    }

    async fn delete_node(&self, path: &str) -> Result<()> {
        self.mutate(|tree, _, ev| tree.remove_subtree(path, ev));
        Ok(())
    }

    async fn set_ephemeral(&self, path: &str, data: Vec<u8>) -> Result<()> {
        lock(&self.registry).insert(path.to_owned(), data.clone());
        self.mutate(|tree, session, ev| tree.put(path, data, Some(session), ev));
        Ok(())
    }

    async fn delete_ephemeral(&self, path: &str) -> Result<()> {
        lock(&self.registry).remove(path);
        self.mutate(|tree, _, ev| tree.remove_subtree(path, ev));
        Ok(())
    }

    async fn create_sequential(&self, prefix: &str, data: Vec<u8>) -> Result<String> {
        let path = self.mutate(|tree, _, ev| tree.create_sequential(prefix, data, None, ev));
        Ok(path
            .rsplit_once('/')
            .map_or(path.clone(), |(_, n)| n.to_owned()))
    }

    fn subscribe(&self, dir: WatchedDir) -> ChangeWatch {
        ChangeWatch::new(dir, self.shared.events.subscribe())
    }

    async fn contend_leadership(&self, data: Vec<u8>) -> Result<Leadership> {
        let mut version = self.shared.version.subscribe();
        let guard = LatchGuard {
            shared: Arc::clone(&self.shared),
            path: Mutex::new(String::new()),
        };
        let mut lost_rx = None;
        loop {
            let mut ev = Vec::new();
            let leads = {
                let mut tree = lock(&self.shared.tree);
                let mut path = lock(&guard.path);
                if !tree.nodes.contains_key(path.as_str()) {
                    // First round, or the session was lost while waiting: join (again).
                    let session = *lock(&self.session);
                    let prefix =
                        format!("{}/_c_{session}-{}", paths::LEADER_LOCK, paths::LATCH_NAME);
                    *path = tree.create_sequential(&prefix, data.clone(), Some(session), &mut ev);
                    let (tx, rx) = watch::channel(false);
                    if let Some(node) = tree.nodes.get_mut(path.as_str()) {
                        node.on_delete = Some(tx);
                    }
                    lost_rx = Some(rx);
                }
                tree.latch_leader().as_deref() == Some(path.as_str())
            };
            self.shared.emit(ev);
            if leads {
                if let Some(rx) = lost_rx.take() {
                    return Ok(Leadership::new(rx, guard));
                }
            }
            if version.changed().await.is_err() {
                return Err(crate::error::Error::Closed);
            }
        }
    }
}

impl StormClusterState<MemStorage> {
    /// A fresh in-memory cluster state with its directories created.
    pub fn new() -> Self {
        let storage = MemStorage::new();
        {
            let mut ev = Vec::new();
            let mut tree = lock(&storage.shared.tree);
            for dir in paths::DIRS {
                tree.mkdirs(dir, &mut ev);
            }
        }
        Self::with_storage(storage)
    }

    /// Another session on the same state (another daemon of the same local cluster).
    pub fn new_session(&self) -> Self {
        Self::with_storage(self.storage().new_session())
    }

    /// Simulates losing the session; see [`MemStorage::expire_session`].
    pub fn expire_session(&self) {
        self.storage().expire_session();
    }
}

impl Default for StormClusterState<MemStorage> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests;
