//! `Lost`: what the transport tells a local task when something it sent will never be
//! processed, so that the trees of its tracked tuples fail at once instead of after
//! `topology.message.timeout.secs`.

use std::sync::Arc;

use actix::Message;
use storm_core::TaskId;

/// A loss the transport saw, for a task of this worker.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub enum Lost {
    /// The roots of tracked tuples this task sent on a connection that broke before their
    /// receiver processed them (their credit had not come back), or that the receiving worker
    /// dropped (the task is not there, or not started yet).
    InFlight(Vec<u64>),
    /// The connection to the worker holding these tasks broke, or that worker left the
    /// assignment: what was in flight to them is lost, and so may be their state. A spout fails
    /// its pending trees whose acker task is one of them; other tasks ignore it.
    Peer(Arc<[TaskId]>),
}
