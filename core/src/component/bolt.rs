//! The `Bolt` trait: a step that processes tuples and may emit more (Storm's `IRichBolt`).

use crate::component::{OutputCollector, OutputFieldsDeclarer, TopologyContext};
use crate::config::Config;
use crate::error::ComponentResult;
use crate::tuple::Tuple;

/// A processing step. One instance runs per task, on one thread; calls never overlap.
///
/// A bolt owns the acking of what it receives: call `collector.ack(&input)` (or `fail`) for
/// every input, now or later. Returning an error reports it for the component; it does not
/// ack or fail the input. [`crate::BasicBolt`] does the anchoring and acking for you.
pub trait Bolt: 'static {
    /// Called once on the task's thread before the first `execute`.
    fn prepare(&mut self, _conf: &Config, _context: &TopologyContext) {}
    /// Processes one input tuple.
    fn execute(&mut self, input: Tuple, collector: &mut OutputCollector<'_>) -> ComponentResult;
    /// Called when the topology is killed.
    fn cleanup(&mut self) {}
    /// Names the streams this bolt emits and their fields.
    fn declare_output_fields(&self, declarer: &mut OutputFieldsDeclarer);
}
