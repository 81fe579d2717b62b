//! The `Spout` trait: a source of tuples (Storm's `ISpout` plus `declareOutputFields`).

use crate::component::{FailReason, OutputFieldsDeclarer, SpoutOutputCollector, TopologyContext};
use crate::config::Config;
use crate::error::ComponentResult;
use crate::tuple::Value;

/// A source of tuples. One instance runs per task, on one thread; calls never overlap.
///
/// `next_tuple` should emit a few tuples and return promptly; when it has nothing to emit it
/// should just return, and the executor backs off. Message ids make a tuple tracked: its tree
/// ends in exactly one call of `ack` or `fail` with that id.
pub trait Spout: 'static {
    /// Called once on the task's thread before anything else.
    fn open(&mut self, _conf: &Config, _context: &TopologyContext) {}
    /// Emits the next tuples, if any.
    fn next_tuple(&mut self, collector: &mut SpoutOutputCollector<'_>) -> ComponentResult;
    /// The tree of the tuple emitted with `message_id` was fully processed.
    fn ack(&mut self, _message_id: Value) {}
    /// The tree of the tuple emitted with `message_id` failed or timed out.
    fn fail(&mut self, _message_id: Value) {}
    /// The tree of the tuple emitted with `message_id` failed, and why: the executor calls this
    /// (never `fail` directly), and by default it calls `fail`. A spout that retries
    /// differently after a timeout, a bolt's fail or a lost worker overrides it (STORM-521).
    fn fail_with_reason(&mut self, message_id: Value, _reason: FailReason) {
        self.fail(message_id);
    }
    /// The topology was activated; `next_tuple` will be called.
    fn activate(&mut self) {}
    /// The topology was deactivated; `next_tuple` will not be called until `activate`.
    fn deactivate(&mut self) {}
    /// Called when the topology is killed.
    fn close(&mut self) {}
    /// Names the streams this spout emits and their fields.
    fn declare_output_fields(&self, declarer: &mut OutputFieldsDeclarer);
    /// True once a finite spout has emitted everything it will (Storm's `CompletableSpout`);
    /// `LocalCluster::wait_until_complete` and the testing API use it.
    fn is_exhausted(&self) -> bool {
        false
    }
}
