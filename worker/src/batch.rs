//! The messages of the data path: a batch of tuples from one task to another, and the credit a
//! receiver returns once it has processed a batch. The rows themselves are
//! [`storm_core::dataplane::BatchTuples`].

use actix::Message;
use serde::{Deserialize, Serialize};
pub use storm_core::dataplane::BatchTuples;
use storm_core::TaskId;

/// Tuples from one task to one task. Mailboxes carry batches, never single tuples.
#[derive(Debug, Message, Serialize, Deserialize)]
#[rtype(result = "()")]
pub struct TupleBatch {
    /// The emitting task.
    pub src: TaskId,
    /// The receiving task.
    pub dst: TaskId,
    /// The connection generation it crossed (0 within a process): its credit names the same
    /// epoch, so credit for a batch sent on a connection that has since broken is not counted
    /// twice (the sender already took it back when the connection broke).
    pub epoch: u32,
    /// The tuples, in emit order.
    pub tuples: BatchTuples,
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
    /// The epoch of the processed batch.
    pub epoch: u32,
    /// The emptied batch buffer, handed back for reuse within a process (never on the wire):
    /// batches then cost no allocation, and small batches do not each allocate a full buffer.
    #[serde(skip)]
    pub buffer: Option<BatchTuples>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use storm_core::{values, MessageId, Value, Values};

    #[test]
    fn a_batch_survives_bincode() {
        let mut tuples = BatchTuples::default();
        tuples.push(1, values!["a"], MessageId::unanchored());
        tuples.push(3, values![Value::Null, "c", 2, 3.5], MessageId::root(8, 10));
        tuples.push(1, Values::new(), MessageId::unanchored());
        let batch = TupleBatch {
            src: TaskId(3),
            dst: TaskId(4),
            epoch: 0,
            tuples,
        };
        let config = bincode::config::standard();
        let bytes = bincode::serde::encode_to_vec(&batch, config).expect("encode");
        let (back, _): (TupleBatch, usize) =
            bincode::serde::decode_from_slice(&bytes, config).expect("decode");
        assert_eq!(back.tuples, batch.tuples);
        assert!(back.tuples.is_consistent());
    }
}
