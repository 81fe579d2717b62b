//! The `Bolt` trait: a step that processes tuples and may emit more (Storm's `IRichBolt`).

use crate::component::{OutputCollector, OutputFieldsDeclarer, TopologyContext};
use crate::config::Config;
use crate::dataplane::InputBatch;
use crate::error::ComponentResult;
use crate::tuple::Tuple;

/// A processing step. One instance runs per task, on one thread; calls never overlap.
///
/// A bolt owns the acking of what it receives: call `collector.ack(&input)` (or `fail`) for
/// every input, now or later. Returning an error reports it for the component; it does not
/// ack or fail the input. [`crate::BasicBolt`] does the anchoring and acking for you.
///
/// If `execute` panics, the executor carries on from the next input with a fresh instance,
/// built by the bolt's factory and prepared again.
pub trait Bolt: 'static {
    /// Called once on the task's thread before the first `execute`.
    fn prepare(&mut self, _conf: &Config, _context: &TopologyContext) {}
    /// Processes one input tuple.
    fn execute(&mut self, input: Tuple, collector: &mut OutputCollector<'_>) -> ComponentResult;
    /// Processes the tuples of one received batch, in order: `execute` on each, with an error
    /// it returns reported for the component (as after a single `execute`), and a row on a
    /// stream this task does not know reported and skipped.
    ///
    /// The executor calls this once per batch. Being a provided method, it is compiled for
    /// each bolt type, so the per-tuple call to `execute` is direct and can be inlined; there
    /// is rarely a reason to override it. If it panics, the executor continues the same batch
    /// on a fresh instance from the tuple after the one that panicked.
    #[doc(hidden)]
    fn execute_batch(&mut self, inputs: &mut InputBatch<'_>, collector: &mut OutputCollector<'_>) {
        for input in inputs {
            match input {
                Ok(tuple) => {
                    if let Err(e) = self.execute(tuple, collector) {
                        collector.report_error(&e.0);
                    }
                }
                Err(unknown) => collector.report_error(&unknown.to_string()),
            }
        }
    }
    /// Called when the topology is killed.
    fn cleanup(&mut self) {}
    /// Names the streams this bolt emits and their fields.
    fn declare_output_fields(&self, declarer: &mut OutputFieldsDeclarer);
}
