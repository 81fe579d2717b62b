//! Links to tasks in other workers, and the table that says where each task is.
//!
//! [`TaskRoutes`] is shared by every [`RemoteLink`] of a worker, its outbound [`PeerLink`]s and
//! its [`server`](super::server): it maps each task of another worker to the connection that
//! carries batches to it, each peer worker to the inbound connection that carries credit back to
//! it, and holds this worker's own side (its local links, loads and progress) for what arrives.
//! It is re-pointed when the assignment changes, without restarting any task.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError, RwLock};

use storm_core::TaskId;
use tokio::sync::mpsc::UnboundedSender;

use super::peer::PeerLink;
use super::wire::ToClient;
use super::{Directory, TaskLink, Unreachable};
use crate::batch::{CreditGrant, TupleBatch};
use crate::load::LoadMap;
use crate::progress::Progress;

/// This worker's side, known once its tasks are started.
pub struct LocalSide {
    /// Every task's link (local tasks' deliver into their actors).
    pub directory: Arc<Directory>,
    /// The local tasks' loads, and the reported loads of remote ones.
    pub loads: Arc<LoadMap>,
    /// Batches in flight in this process.
    pub progress: Arc<Progress>,
}

/// An inbound connection's writer, by the peer worker it came from.
#[derive(Clone)]
pub(crate) struct InboundHandle {
    pub(crate) id: u64,
    pub(crate) tx: UnboundedSender<ToClient>,
}

/// Where the tasks of other workers are, and this worker's own side.
#[derive(Default)]
pub struct TaskRoutes {
    peer_of_task: RwLock<Vec<Option<Arc<PeerLink>>>>,
    worker_of_task: RwLock<Vec<Option<Arc<str>>>>,
    inbound: Mutex<HashMap<Arc<str>, InboundHandle>>,
    local: OnceLock<LocalSide>,
}

impl TaskRoutes {
    /// An empty table.
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Sets this worker's side once its tasks are started.
    pub fn set_local(&self, local: LocalSide) {
        let _ = self.local.set(local);
    }

    /// This worker's side, once started.
    pub fn local(&self) -> Option<&LocalSide> {
        self.local.get()
    }

    /// Points `task` at the connection to `peer` (the worker `worker` holds it).
    pub fn route(&self, task: TaskId, worker: Arc<str>, peer: Arc<PeerLink>) {
        let i = task.0 as usize;
        let mut peers = self
            .peer_of_task
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        let mut workers = self
            .worker_of_task
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if peers.len() <= i {
            peers.resize_with(i + 1, || None);
            workers.resize_with(i + 1, || None);
        }
        peers[i] = Some(peer);
        workers[i] = Some(worker);
    }

    /// Forgets where `task` is (it moved into this worker, or out of the topology).
    pub fn unroute(&self, task: TaskId) {
        let i = task.0 as usize;
        if let Some(p) = self
            .peer_of_task
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .get_mut(i)
        {
            *p = None;
        }
        if let Some(w) = self
            .worker_of_task
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .get_mut(i)
        {
            *w = None;
        }
    }

    /// The connection that carries batches to `task`.
    pub fn peer_of(&self, task: TaskId) -> Option<Arc<PeerLink>> {
        self.peer_of_task
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(task.0 as usize)
            .cloned()
            .flatten()
    }

    /// The tasks whose batches go through `peer`.
    pub fn tasks_behind(&self, peer: &PeerLink) -> Vec<TaskId> {
        self.peer_of_task
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .enumerate()
            .filter(|(_, p)| p.as_ref().is_some_and(|p| std::ptr::eq(p.as_ref(), peer)))
            .map(|(i, _)| TaskId(i as u32))
            .collect()
    }

    fn worker_of(&self, task: TaskId) -> Option<Arc<str>> {
        self.worker_of_task
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(task.0 as usize)
            .cloned()
            .flatten()
    }

    pub(crate) fn register_inbound(&self, worker: Arc<str>, handle: InboundHandle) {
        self.inbound
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(worker, handle);
    }

    pub(crate) fn unregister_inbound(&self, worker: &str, id: u64) {
        let mut inbound = self.inbound.lock().unwrap_or_else(PoisonError::into_inner);
        if inbound.get(worker).is_some_and(|h| h.id == id) {
            inbound.remove(worker);
        }
    }

    pub(crate) fn inbound_handles(&self) -> Vec<InboundHandle> {
        self.inbound
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .cloned()
            .collect()
    }

    /// Sends credit for a batch from `grant.to` (a task of another worker) back on the
    /// connection that batch came in on. When that connection is gone, so is the credit: the
    /// sender took its window back when the connection broke.
    fn send_credit_back(&self, grant: &CreditGrant) {
        let Some(worker) = self.worker_of(grant.to) else {
            return;
        };
        let handle = self
            .inbound
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&worker)
            .cloned();
        if let Some(handle) = handle {
            let _ = handle.tx.send(ToClient::Credit {
                from: grant.from,
                to: grant.to,
                tuples: grant.tuples,
                epoch: grant.epoch,
            });
        }
    }
}

/// A task in another worker.
pub struct RemoteLink {
    task: TaskId,
    routes: Arc<TaskRoutes>,
}

impl RemoteLink {
    /// The link to `task`, wherever `routes` says it is.
    pub fn new(task: TaskId, routes: Arc<TaskRoutes>) -> Self {
        Self { task, routes }
    }
}

impl TaskLink for RemoteLink {
    fn send_batch(&self, batch: TupleBatch) -> Result<(), Unreachable> {
        match self.routes.peer_of(self.task) {
            Some(peer) => {
                peer.send_batch(batch)?;
                // The batch has left this process: it is the receiving worker's to count.
                if let Some(local) = self.routes.local() {
                    local.progress.batch_done();
                }
                Ok(())
            }
            None => Err(Unreachable {
                task: self.task,
                batch: Some(Box::new(batch)),
            }),
        }
    }

    fn send_credit(&self, grant: CreditGrant) {
        self.routes.send_credit_back(&grant);
    }
}
