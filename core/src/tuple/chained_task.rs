//! `ChainedTask`: a destination task on the emitting task's own thread that takes each tuple by
//! a direct call instead of through a batch and its actor's mailbox (operator chaining). The
//! executor decides which destinations are chained; the emit paths (the collectors' inline
//! [`crate::EmitLane`] and the executor's own) find them in [`super::OpenBatches`] and call
//! [`ChainLink::deliver`], so one edge's tuples all go the same way and keep their order.

use std::rc::Rc;

use super::{MessageId, Values};
use crate::ids::TaskId;

/// A task that runs a tuple as soon as it is emitted to it, on the emitter's thread.
pub trait ChainedTask {
    /// Runs the task on one tuple that `source_task` emitted on stream number `stream`.
    fn deliver(&self, source_task: TaskId, stream: u32, values: Values, message_id: MessageId);
}

/// One chained edge: the emitting task and the task that takes its tuples directly.
#[derive(Clone)]
pub struct ChainLink {
    source_task: TaskId,
    target: Rc<dyn ChainedTask>,
}

impl ChainLink {
    /// The edge from `source_task` to `target`.
    pub fn new(source_task: TaskId, target: Rc<dyn ChainedTask>) -> Self {
        Self {
            source_task,
            target,
        }
    }

    /// Hands one tuple to the chained task.
    #[inline(always)]
    pub fn deliver(&self, stream: u32, values: Values, message_id: MessageId) {
        self.target
            .deliver(self.source_task, stream, values, message_id);
    }
}
