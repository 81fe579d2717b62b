//! `TupleCaptureBolt`: records every tuple it receives with its source component and stream,
//! and acks it (Storm's `TupleCaptureBolt`).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use storm_core::{
    Bolt, ComponentId, ComponentResult, OutputCollector, OutputFieldsDeclarer, StreamId, Tuple,
    Values,
};

/// Every captured tuple, by emitting component, in capture order.
#[derive(Debug, Clone, Default)]
pub struct CapturedTuples {
    by_component: BTreeMap<ComponentId, Vec<(StreamId, Values)>>,
}

impl CapturedTuples {
    /// The values `component` emitted on `stream`, in capture order (Storm's `readTuples`).
    pub fn read_tuples(&self, component: &str, stream: &str) -> Vec<Values> {
        self.by_component
            .get(component)
            .map(|ts| {
                ts.iter()
                    .filter(|(s, _)| s.as_str() == stream)
                    .map(|(_, v)| v.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every (stream, values) a component emitted.
    pub fn of_component(&self, component: &str) -> &[(StreamId, Values)] {
        self.by_component
            .get(component)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }
}

/// A bolt that records what it receives into a shared [`CapturedTuples`].
pub struct TupleCaptureBolt {
    store: Arc<Mutex<CapturedTuples>>,
}

impl TupleCaptureBolt {
    /// Captures into `store`.
    pub fn new(store: Arc<Mutex<CapturedTuples>>) -> Self {
        Self { store }
    }
}

impl Bolt for TupleCaptureBolt {
    fn execute(&mut self, input: Tuple, collector: &mut OutputCollector<'_>) -> ComponentResult {
        collector.ack(&input);
        let component = input.source_component().clone();
        let stream = input.source_stream_id().clone();
        let mut store = self
            .store
            .lock()
            .map_err(|_| "capture store poisoned by an earlier panic")?;
        store
            .by_component
            .entry(component)
            .or_default()
            .push((stream, input.into_values()));
        Ok(())
    }

    fn declare_output_fields(&self, _declarer: &mut OutputFieldsDeclarer) {}
}
