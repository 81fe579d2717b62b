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
mod tests {
    use std::collections::BTreeMap;
    use std::time::Duration;

    use storm_core::{ComponentId, ExecutorInfo, TaskId, TopologyId};

    use super::*;
    use crate::cluster_state::ClusterState;
    use crate::records::{Assignment, ErrorInfo, NimbusInfo, NodePort, SupervisorInfo};
    use crate::watch::Change;

    const WAIT: Duration = Duration::from_secs(5);

    fn supervisor(id: &str) -> SupervisorInfo {
        SupervisorInfo {
            id: id.into(),
            hostname: "localhost".into(),
            ports: vec![6700, 6701],
            used_ports: vec![],
            time_secs: 1,
            uptime_secs: 0,
            version: "test".into(),
        }
    }

    fn assignment(id: &TopologyId, port: u16) -> Assignment {
        let mut a = Assignment::new(id.clone());
        let e = ExecutorInfo {
            start: TaskId(1),
            end: TaskId(2),
        };
        a.executor_node_port.insert(e, NodePort::new("s1", port));
        a.executor_start_time_secs.insert(e, 7);
        a.node_host.insert("s1".into(), "localhost".into());
        a
    }

    async fn next(w: &mut ChangeWatch) -> Change {
        tokio::time::timeout(WAIT, w.changed())
            .await
            .expect("a change within the deadline")
            .expect("state alive")
    }

    #[tokio::test]
    async fn assignment_watch_fires_on_every_change() {
        let nimbus = MemClusterState::new();
        let supervisor = nimbus.new_session();
        let mut w = supervisor.watch_assignments();
        let id = TopologyId::new("t-1");
        nimbus
            .set_assignment(&id, &assignment(&id, 6700))
            .await
            .expect("set");
        assert_eq!(next(&mut w).await, Change::Created("t-1".into()));
        nimbus
            .set_assignment(&id, &assignment(&id, 6701))
            .await
            .expect("set");
        assert_eq!(next(&mut w).await, Change::Updated("t-1".into()));
        let read = supervisor.assignment(&id).await.expect("read");
        assert_eq!(read, Some(assignment(&id, 6701)));
        nimbus.remove_assignment(&id).await.expect("remove");
        assert_eq!(next(&mut w).await, Change::Deleted("t-1".into()));
        assert!(supervisor.assignments().await.expect("list").is_empty());
    }

    #[tokio::test]
    async fn ephemerals_vanish_with_their_session_and_return_after_expiry() {
        let nimbus = MemClusterState::new();
        let sup = nimbus.new_session();
        sup.register_supervisor(&supervisor("s1"))
            .await
            .expect("register");
        let mut w = nimbus.watch_supervisors();
        assert_eq!(nimbus.supervisors().await.expect("list"), vec!["s1"]);

        sup.expire_session();
        assert_eq!(next(&mut w).await, Change::Deleted("s1".into()));
        assert_eq!(next(&mut w).await, Change::Resync);
        assert_eq!(next(&mut w).await, Change::Created("s1".into()));
        assert_eq!(
            nimbus.supervisor("s1").await.expect("read"),
            Some(supervisor("s1"))
        );

        drop(sup);
        assert_eq!(next(&mut w).await, Change::Deleted("s1".into()));
        assert!(nimbus.supervisors().await.expect("list").is_empty());
    }

    #[tokio::test]
    async fn unregistered_ephemerals_do_not_come_back() {
        let state = MemClusterState::new();
        let info = NimbusInfo::new("h", 6627);
        state.register_nimbus(&info).await.expect("register");
        assert_eq!(state.nimbuses().await.expect("list"), vec![info.clone()]);
        state.unregister_nimbus(&info).await.expect("unregister");
        state.expire_session();
        assert!(state.nimbuses().await.expect("list").is_empty());
    }

    #[tokio::test]
    async fn keeps_the_newest_ten_errors_newest_first() {
        let state = MemClusterState::new();
        let id = TopologyId::new("t-1");
        let comp = ComponentId::new("split words");
        for i in 0..13u64 {
            let e = ErrorInfo {
                error: format!("boom {i}"),
                time_secs: i,
                host: "h".into(),
                port: 6700,
            };
            state.report_error(&id, &comp, &e).await.expect("report");
        }
        let errors = state.errors(&id, &comp).await.expect("list");
        let secs: Vec<u64> = errors.iter().map(|e| e.time_secs).collect();
        assert_eq!(secs, (3..13).rev().collect::<Vec<_>>());
        let last = state.last_error(&id, &comp).await.expect("read");
        assert_eq!(last.map(|e| e.time_secs), Some(12));
        assert_eq!(
            state.error_topologies().await.expect("list"),
            vec![id.clone()]
        );
        state.teardown_errors(&id).await.expect("teardown");
        assert!(state.errors(&id, &comp).await.expect("list").is_empty());
    }

    #[tokio::test]
    async fn heartbeats_are_listed_by_slot() {
        let state = MemClusterState::new();
        let id = TopologyId::new("t-1");
        let mut expected = BTreeMap::new();
        for (node, port) in [("node-a", 6700), ("node-a", 6701), ("b", 6700)] {
            let slot = NodePort::new(node, port);
            let hb = crate::records::WorkerHeartbeat {
                topology_id: id.clone(),
                executors: vec![],
                time_secs: u64::from(port),
                uptime_secs: 1,
                port,
            };
            state
                .set_worker_heartbeat(&id, &slot, &hb)
                .await
                .expect("set");
            expected.insert(slot, hb);
        }
        assert_eq!(state.worker_heartbeats(&id).await.expect("list"), expected);
        let gone = NodePort::new("node-a", 6701);
        state
            .remove_worker_heartbeat(&id, &gone)
            .await
            .expect("remove");
        assert_eq!(
            state.worker_heartbeat(&id, &gone).await.expect("read"),
            None
        );
        assert_eq!(
            state.heartbeat_storms().await.expect("list"),
            vec![id.clone()]
        );
        state.teardown_heartbeats(&id).await.expect("teardown");
        assert!(state.heartbeat_storms().await.expect("list").is_empty());
    }

    #[tokio::test]
    async fn a_second_contender_leads_after_the_first_lets_go() {
        let a = MemClusterState::new();
        let b = a.new_session();
        let first = a
            .contend_leadership(&NimbusInfo::new("a", 1))
            .await
            .expect("first leads");
        assert!(first.is_held());
        let leader = a.leader().await.expect("read").expect("a leader");
        assert_eq!((leader.host.as_str(), leader.is_leader), ("a", true));

        let b_info = NimbusInfo::new("b", 2);
        let mut second = std::pin::pin!(b.contend_leadership(&b_info));
        assert!(
            tokio::time::timeout(Duration::from_millis(50), &mut second)
                .await
                .is_err(),
            "b must wait while a leads"
        );
        drop(first);
        let second = tokio::time::timeout(WAIT, second)
            .await
            .expect("b leads in time")
            .expect("b leads");
        assert!(second.is_held());
        assert_eq!(
            b.leader().await.expect("read").map(|n| n.host),
            Some("b".into())
        );
    }

    #[tokio::test]
    async fn leadership_is_lost_with_the_session() {
        let state = MemClusterState::new();
        let mut lead = state
            .contend_leadership(&NimbusInfo::new("a", 1))
            .await
            .expect("leads");
        state.expire_session();
        tokio::time::timeout(WAIT, lead.lost())
            .await
            .expect("lost in time");
        assert!(!lead.is_held());
        assert_eq!(state.leader().await.expect("read"), None);
    }

    #[tokio::test]
    async fn sequences_count_up_per_parent() {
        let s = MemStorage::new();
        let a = s.create_sequential("/x/e", vec![1]).await.expect("create");
        let b = s.create_sequential("/x/e", vec![2]).await.expect("create");
        assert!(a < b, "{a} < {b}");
        assert_eq!(s.get_children("/x").await.expect("list"), vec![a, b]);
        assert_eq!(s.get_children("/").await.expect("list"), vec!["x"]);
        s.set_data("/y", vec![3]).await.expect("write at the top");
        assert_eq!(s.get_children("/").await.expect("list"), vec!["x", "y"]);
        s.mkdirs("/").await.expect("the root exists");
        s.delete_node("/x").await.expect("delete");
        assert_eq!(s.get_data("/x").await.expect("read"), None);
    }
}
