//! The messages of a connection between two workers of a topology, each one `storm-codec` frame
//! (a 4-byte length, the protocol version, bincode), its length checked before any allocation.
//!
//! A connection is opened by the worker that sends batches (the *client*) to the worker that
//! holds their tasks (the *server*). After the [`handshake`](super::handshake), the client
//! writes [`ToServer`] frames (batches for any of the server's tasks) and the server writes
//! [`ToClient`] frames back on the same connection (credit for the batches it processed, and its
//! tasks' loads). Credit thus never outlives the connection its batches crossed.

use serde::{Deserialize, Serialize};
use storm_codec::FrameCodec;
use storm_core::TaskId;

use crate::batch::TupleBatch;

/// The version of the worker protocol this build speaks.
pub const WORKER_PROTOCOL_VERSION: u8 = 1;

/// The largest frame a worker accepts (Storm's `storm.messaging.netty.buffer_size` is 5 MB; a
/// batch of 1000 long tuples can exceed that).
pub const MAX_FRAME: usize = 32 << 20;

/// The frames of a worker connection.
pub fn frames() -> FrameCodec {
    FrameCodec::new(WORKER_PROTOCOL_VERSION, MAX_FRAME)
}

/// From the client (the sender of batches) to the server.
#[derive(Debug, Serialize, Deserialize)]
pub enum ToServer {
    /// Tuples for one of the server's tasks.
    Batch(TupleBatch),
}

/// From the server back to the client.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub enum ToClient {
    /// The server's task `from` processed `tuples` of a batch from the client's task `to`, sent
    /// in connection epoch `epoch`.
    Credit {
        /// The receiving task (the server's).
        from: TaskId,
        /// The sending task (the client's).
        to: TaskId,
        /// Tuples processed.
        tuples: u32,
        /// The epoch of the batch.
        epoch: u32,
    },
    /// The loads of the server's tasks, 0.0 (idle) to 1.0 (full), for load-aware shuffles.
    Loads(Vec<(TaskId, f32)>),
    /// The server dropped a batch from the client's task `to` for task `from`, which it does not
    /// run (the assignment moved it) or not yet (its tasks are starting): the batch's credit
    /// comes back, and its tracked tuples are lost.
    Dropped {
        /// The task the batch was for.
        from: TaskId,
        /// The sending task (the client's).
        to: TaskId,
        /// Tuples dropped.
        tuples: u32,
        /// The epoch of the batch.
        epoch: u32,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use storm_core::{values, MessageId};

    #[test]
    fn a_batch_and_a_credit_round_trip_as_frames() {
        let mut tuples = crate::batch::BatchTuples::default();
        tuples.push(0, values!["word", 3], MessageId::root(5, 9));
        let frame = frames()
            .encode(&ToServer::Batch(TupleBatch {
                src: TaskId(1),
                dst: TaskId(2),
                epoch: 7,
                tuples,
            }))
            .expect("encodes");
        let bounds = frames().decode(&frame).expect("valid").expect("whole");
        let ToServer::Batch(batch) = frames()
            .decode_payload::<ToServer>(&frame[bounds.payload_start..bounds.frame_len])
            .expect("decodes");
        assert_eq!(
            (batch.src, batch.dst, batch.epoch),
            (TaskId(1), TaskId(2), 7)
        );
        assert_eq!(batch.tuples.len(), 1);

        let credit = ToClient::Credit {
            from: TaskId(2),
            to: TaskId(1),
            tuples: 1,
            epoch: 7,
        };
        let frame = frames().encode(&credit).expect("encodes");
        let bounds = frames().decode(&frame).expect("valid").expect("whole");
        let back: ToClient = frames()
            .decode_payload(&frame[bounds.payload_start..bounds.frame_len])
            .expect("decodes");
        assert_eq!(back, credit);
    }
}
