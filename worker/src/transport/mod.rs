//! Transport: how a batch reaches a task and a credit reaches a sender. Routing and batching
//! never see which transport serves a task; a [`Directory`] maps each task to its link:
//! [`LocalLink`] for a task in this process, [`RemoteLink`] for a task in another worker, whose
//! batches cross a TCP connection ([`peer`], [`server`]) as `storm-codec` frames ([`wire`]) after
//! a challenge-response [`handshake`].

pub mod handshake;
mod local;
mod lost;
pub mod peer;
mod remote;
pub mod server;
pub mod wire;

use std::sync::Arc;

pub use local::LocalLink;
pub use lost::Lost;
pub use peer::{PeerConfig, PeerLink, PeerStats};
pub use remote::{LocalSide, RemoteLink, TaskRoutes};
pub use server::{serve, Inbound};
use storm_core::TaskId;

use crate::batch::{CreditGrant, TupleBatch};

/// A batch that could not be handed to its task's worker: the connection to it is down. The
/// link has counted it; the sender takes its credit back and the batch, and fails the trees of
/// its tracked tuples at once.
#[derive(Debug, thiserror::Error)]
#[error("task {task} is unreachable: its worker is not connected")]
pub struct Unreachable {
    /// The task.
    pub task: TaskId,
    /// The batch, handed back (boxed: refusals are rare, results of sends are not).
    pub batch: Option<Box<TupleBatch>>,
}

/// Delivers messages addressed to one task.
pub trait TaskLink: Send + Sync {
    /// Delivers a batch to the task. Flow control has already reserved room for it. Fails when
    /// the task's worker cannot be reached now; the batch is then dropped.
    fn send_batch(&self, batch: TupleBatch) -> Result<(), Unreachable>;
    /// Delivers a credit to the task (the task is a sender whose batch was processed).
    fn send_credit(&self, grant: CreditGrant);
    /// Tells the task about a loss the transport saw (only local tasks are told).
    fn send_lost(&self, _lost: Lost) {}
}

/// The link of every task, by task id.
#[derive(Clone, Default)]
pub struct Directory {
    links: Vec<Option<Arc<dyn TaskLink>>>,
}

impl Directory {
    /// An empty directory.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers the link of a task.
    pub fn insert(&mut self, task: TaskId, link: Arc<dyn TaskLink>) {
        let i = task.0 as usize;
        if self.links.len() <= i {
            self.links.resize_with(i + 1, || None);
        }
        self.links[i] = Some(link);
    }

    /// The link of a task, if known.
    pub fn get(&self, task: TaskId) -> Option<&Arc<dyn TaskLink>> {
        self.links.get(task.0 as usize).and_then(Option::as_ref)
    }
}
