//! Transport: how a batch reaches a task and a credit reaches a sender. Routing and batching
//! never see which transport serves a task; a [`Directory`] maps each task to its link.

mod local;

use std::sync::Arc;

pub use local::LocalLink;
use storm_core::TaskId;

use crate::batch::{CreditGrant, TupleBatch};

/// Delivers messages addressed to one task.
pub trait TaskLink: Send + Sync {
    /// Delivers a batch to the task. Flow control has already reserved room for it.
    fn send_batch(&self, batch: TupleBatch);
    /// Delivers a credit to the task (the task is a sender whose batch was processed).
    fn send_credit(&self, grant: CreditGrant);
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
