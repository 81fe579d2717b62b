//! `Emitter`: what executors implement behind the collectors to route, batch and track
//! emitted tuples, and `EmitTarget`, where an emit goes.

use super::EmitLane;
use crate::error::EmitError;
use crate::ids::TaskId;
use crate::tuple::{Tuple, Value, Values};

/// Where an emit goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmitTarget<'a> {
    /// Through the groupings of the default stream (resolved without a string compare).
    Default,
    /// Through the stream's groupings.
    Stream(&'a str),
    /// To one task, on a direct stream.
    Direct(TaskId, &'a str),
}

/// What executors implement to route, batch and track emitted tuples.
pub trait Emitter {
    /// The inline short way, which the collectors try before [`Emitter::emit`].
    fn lane(&mut self) -> &mut EmitLane;
    /// Emits `values` anchored to `anchors` (bolts) or with a spout message id (spouts). On
    /// success the values have been taken (`values` is left empty); on an error nothing was
    /// sent. By reference so that the values move once, from the author's code into a batch,
    /// and not at every layer in between.
    fn emit(
        &mut self,
        target: EmitTarget<'_>,
        anchors: &[&Tuple],
        values: &mut Values,
        message_id: Option<Value>,
    ) -> Result<(), EmitError>;
    /// Acks a received tuple.
    fn ack(&mut self, tuple: &Tuple);
    /// True when an ack only counts (the topology has no ackers): a receive loop may then
    /// count its acks and report them once per batch ([`Emitter::count_acks`]).
    fn acks_only_count(&self) -> bool {
        false
    }
    /// Counts `n` acks made without [`Emitter::ack`] (see [`Emitter::acks_only_count`]).
    fn count_acks(&mut self, _n: u64) {}
    /// Fails a received tuple: its trees are replayed by their spouts.
    fn fail(&mut self, tuple: &Tuple);
    /// Asks for more time for the trees of a received tuple.
    fn reset_timeout(&mut self, tuple: &Tuple);
    /// Reports an error to the cluster's error log for this component.
    fn report_error(&mut self, error: &str);
}
