//! `FixedTupleSpout`: emits a fixed list of tuples, each tracked with a message id, and is
//! exhausted once every one of its tuples was acked or failed (Storm's `FixedTupleSpout`).

use storm_core::{
    ComponentResult, Config, OutputFieldsDeclarer, Spout, SpoutOutputCollector, StreamId,
    StreamInfo, TopologyContext, Value, Values,
};

/// Task *i* of *n* emits the tuples whose index is *i* mod *n*, one per `next_tuple`.
pub struct FixedTupleSpout {
    tuples: Vec<(StreamId, Values)>,
    streams: Vec<(StreamId, StreamInfo)>,
    mine: Vec<usize>,
    next: usize,
    acked: usize,
    failed: usize,
}

impl FixedTupleSpout {
    /// A spout emitting `tuples` and declaring `streams` (those of the spout it replaces).
    pub fn new(tuples: Vec<(StreamId, Values)>, streams: Vec<(StreamId, StreamInfo)>) -> Self {
        Self {
            tuples,
            streams,
            mine: Vec::new(),
            next: 0,
            acked: 0,
            failed: 0,
        }
    }
}

impl Spout for FixedTupleSpout {
    fn open(&mut self, _conf: &Config, context: &TopologyContext) {
        let index = context.this_task_index();
        let count = context
            .component_tasks(context.this_component_id().as_str())
            .len()
            .max(1);
        self.mine = (0..self.tuples.len())
            .filter(|i| i % count == index)
            .collect();
    }

    fn next_tuple(&mut self, collector: &mut SpoutOutputCollector<'_>) -> ComponentResult {
        let Some(&i) = self.mine.get(self.next) else {
            return Ok(());
        };
        self.next += 1;
        let (stream, values) = &self.tuples[i];
        collector.emit_to(stream.as_str(), values.clone(), Some(Value::from(i)))?;
        Ok(())
    }

    fn ack(&mut self, _message_id: Value) {
        self.acked += 1;
    }

    fn fail(&mut self, _message_id: Value) {
        self.failed += 1;
    }

    fn declare_output_fields(&self, declarer: &mut OutputFieldsDeclarer) {
        for (id, info) in &self.streams {
            declarer.declare_stream_direct(id.clone(), info.direct, info.fields.clone());
        }
    }

    fn is_exhausted(&self) -> bool {
        self.acked + self.failed >= self.mine.len()
    }
}
