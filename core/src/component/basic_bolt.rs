//! `BasicBolt`: a bolt whose emits are anchored to its input and whose input is acked for it
//! when `execute` returns `Ok`, or failed when it returns an error (Storm's `IBasicBolt`).

use crate::component::{BasicOutputCollector, OutputFieldsDeclarer, TopologyContext};
use crate::config::Config;
use crate::error::ComponentResult;
use crate::tuple::Tuple;

/// The simple way to write a bolt: emit, return `Ok`, and the input is acked.
pub trait BasicBolt: 'static {
    /// Called once on the task's thread before the first `execute`.
    fn prepare(&mut self, _conf: &Config, _context: &TopologyContext) {}
    /// Processes one input. An `Err` fails the input, so its spout tuples are replayed.
    fn execute(
        &mut self,
        input: &Tuple,
        collector: &mut BasicOutputCollector<'_, '_>,
    ) -> ComponentResult;
    /// Called when the topology is killed.
    fn cleanup(&mut self) {}
    /// Names the streams this bolt emits and their fields.
    fn declare_output_fields(&self, declarer: &mut OutputFieldsDeclarer);
}
