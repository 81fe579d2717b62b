//! `BasicBoltAdapter`: a [`BasicBolt`] run as a [`Bolt`], acking or failing each input for it
//! (Storm's `BasicBoltExecutor`). [`crate::TopologyBuilder::set_basic_bolt`] wraps basic bolts
//! in it; its batch loop reuses one tuple per run of rows, so it is part of the receive path.

use super::InputBatch;
use crate::component::{
    BasicBolt, BasicOutputCollector, Bolt, OutputCollector, OutputFieldsDeclarer, TopologyContext,
};
use crate::config::Config;
use crate::error::ComponentResult;
use crate::tuple::Tuple;

/// Runs a [`BasicBolt`] as a [`Bolt`] (Storm's `BasicBoltExecutor`).
pub struct BasicBoltAdapter<B>(pub B);

impl<B: BasicBolt> BasicBoltAdapter<B> {
    /// Runs the bolt on one input, then acks it, or reports the error and fails it. With
    /// `count_only` an ack is left to the caller to count; returns true for such an ack.
    #[inline(always)]
    fn execute_lent(
        &mut self,
        input: &Tuple,
        collector: &mut OutputCollector<'_>,
        count_only: bool,
    ) -> bool {
        let result = {
            let mut basic = BasicOutputCollector::new(collector.emitter(), input);
            self.0.execute(input, &mut basic)
        };
        match result {
            Ok(()) if count_only => return true,
            Ok(()) => collector.ack(input),
            Err(e) => {
                collector.report_error(&e.0);
                collector.fail(input);
            }
        }
        false
    }
}

impl<B: BasicBolt> Bolt for BasicBoltAdapter<B> {
    fn prepare(&mut self, conf: &Config, context: &TopologyContext) {
        self.0.prepare(conf, context);
    }

    #[inline]
    fn execute(&mut self, input: Tuple, collector: &mut OutputCollector<'_>) -> ComponentResult {
        self.execute_lent(&input, collector, false);
        Ok(())
    }

    /// As the provided method, but one tuple is refilled row after row instead of a new one
    /// built and dropped per row: a basic bolt only borrows its input.
    fn execute_batch(&mut self, inputs: &mut InputBatch<'_>, collector: &mut OutputCollector<'_>) {
        // Without ackers an ack only counts: one call per batch, not one per tuple.
        let count_only = collector.emitter().acks_only_count();
        let mut acked = 0;
        let mut slot = None;
        while let Some(next) = inputs.next_reusing(&mut slot) {
            match next {
                Ok(input) => acked += u64::from(self.execute_lent(input, collector, count_only)),
                Err(unknown) => collector.report_error(&unknown.to_string()),
            }
        }
        if acked > 0 {
            collector.emitter().count_acks(acked);
        }
    }

    fn cleanup(&mut self) {
        self.0.cleanup();
    }

    fn declare_output_fields(&self, declarer: &mut OutputFieldsDeclarer) {
        self.0.declare_output_fields(declarer);
    }
}
