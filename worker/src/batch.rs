//! The messages of the data path: a batch of tuples from one task to another, and the credit a
//! receiver returns once it has processed a batch.

use actix::Message;
use serde::{Deserialize, Serialize};
use storm_core::{MessageId, TaskId, Values};

/// A tuple on its way between tasks: values, the stream (as an index into the topology's
/// [`crate::StreamTable`]) and its tree ids. Field names travel once per stream, not per tuple.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireTuple {
    /// Index of the (component, stream) it was emitted on.
    pub stream: u32,
    /// The values.
    pub values: Values,
    /// Its tuple-tree ids (empty when untracked).
    pub message_id: MessageId,
}

/// Tuples from one task to one task. Mailboxes carry batches, never single tuples.
#[derive(Debug, Message, Serialize, Deserialize)]
#[rtype(result = "()")]
pub struct TupleBatch {
    /// The emitting task.
    pub src: TaskId,
    /// The receiving task.
    pub dst: TaskId,
    /// The tuples, in emit order.
    pub tuples: Vec<WireTuple>,
}

/// Returned by a receiver to the sender of a batch once the batch is processed: the sender may
/// have this many more tuples (and one more batch) in flight to it.
#[derive(Debug, Message, Serialize, Deserialize, PartialEq)]
#[rtype(result = "()")]
pub struct CreditGrant {
    /// The receiver that processed the tuples.
    pub from: TaskId,
    /// The sender that gets the credit.
    pub to: TaskId,
    /// How many tuples were processed.
    pub tuples: u32,
    /// The emptied batch buffer, handed back for reuse within a process (never on the wire):
    /// batches then cost no allocation, and small batches do not each allocate a full buffer.
    #[serde(skip)]
    pub buffer: Option<Vec<WireTuple>>,
}
