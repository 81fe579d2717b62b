//! The word count paced for latency measurements: each spout task emits sentences on a fixed
//! schedule and returns without emitting when nothing is due (as a spout reading a queue
//! does), every word carries its sentence's *scheduled* emit time, and the sink records the
//! latency from that time, so a stall anywhere counts. Used by the local latency benchmark
//! (`benches/latency.rs`) and the cluster benchmark's topology.

use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use rustc_hash::FxHashMap;
use storm::util::SplitMix64;
use storm::{
    values, BasicBolt, BasicOutputCollector, ComponentResult, Config, OutputFieldsDeclarer, Spout,
    SpoutOutputCollector, Topology, TopologyBuilder, TopologyContext, TopologyError, Tuple,
};

use crate::latency::LatencyHistogram;
use crate::word_count::{sentence, vocabulary};

/// Microseconds since the epoch: comparable between the processes of one machine.
pub fn now_micros() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}

/// Emits `rate` sentences a second on a schedule from its activation (0: none, ever), with
/// message ids if `acked`, as `["sentence", "scheduled"]`.
pub struct PacedSentenceSpout {
    rate: u64,
    acked: bool,
    vocab: Vec<String>,
    rng: SplitMix64,
    started_micros: i64,
    emitted: u64,
    line: String,
}

impl PacedSentenceSpout {
    /// A spout of `rate` sentences a second.
    pub fn new(rate: u64, acked: bool) -> Self {
        Self {
            rate,
            acked,
            vocab: Vec::new(),
            rng: SplitMix64::new(43),
            started_micros: now_micros(),
            emitted: 0,
            line: String::with_capacity(80),
        }
    }
}

impl Spout for PacedSentenceSpout {
    fn open(&mut self, _conf: &Config, context: &TopologyContext) {
        self.vocab = vocabulary();
        self.rng = SplitMix64::new(43 + context.this_task_index() as u64);
    }

    fn activate(&mut self) {
        self.started_micros = now_micros();
        self.emitted = 0;
    }

    fn next_tuple(&mut self, collector: &mut SpoutOutputCollector<'_>) -> ComponentResult {
        if self.rate == 0 {
            return Ok(());
        }
        let due = self.started_micros + (self.emitted as i64 * 1_000_000 / self.rate as i64);
        if due > now_micros() {
            return Ok(());
        }
        self.line.clear();
        sentence(&mut self.rng, &self.vocab, &mut self.line);
        let tuple = values![self.line.as_str(), due];
        if self.acked {
            collector.emit_with_id(tuple, self.emitted as i64)?;
        } else {
            collector.emit(tuple)?;
        }
        self.emitted += 1;
        Ok(())
    }

    fn declare_output_fields(&self, declarer: &mut OutputFieldsDeclarer) {
        declarer.declare(["sentence", "scheduled"]);
    }
}

/// Splits a sentence into `["word", "scheduled"]`.
pub struct TimedSplit;

impl BasicBolt for TimedSplit {
    fn execute(
        &mut self,
        input: &Tuple,
        collector: &mut BasicOutputCollector<'_, '_>,
    ) -> ComponentResult {
        let sentence = input.get_str(0).ok_or("sentence is not a string")?;
        let scheduled = input.get_i64(1).unwrap_or(0);
        for word in sentence.split(' ') {
            collector.emit(values![word, scheduled])?;
        }
        Ok(())
    }

    fn declare_output_fields(&self, declarer: &mut OutputFieldsDeclarer) {
        declarer.declare(["word", "scheduled"]);
    }
}

/// Counts words, emitting `["word", "count", "scheduled"]`.
#[derive(Default)]
pub struct TimedCount {
    counts: FxHashMap<String, i64>,
}

impl BasicBolt for TimedCount {
    fn execute(
        &mut self,
        input: &Tuple,
        collector: &mut BasicOutputCollector<'_, '_>,
    ) -> ComponentResult {
        let word = input.get_str(0).ok_or("word is not a string")?;
        let count = match self.counts.get_mut(word) {
            Some(c) => {
                *c += 1;
                *c
            }
            None => {
                self.counts.insert(word.to_owned(), 1);
                1
            }
        };
        let scheduled = input.get_i64(1).unwrap_or(0);
        collector.emit(values![word, count, scheduled])?;
        Ok(())
    }

    fn declare_output_fields(&self, declarer: &mut OutputFieldsDeclarer) {
        declarer.declare(["word", "count", "scheduled"]);
    }
}

/// The latencies the sinks of one topology have recorded.
pub type LatencyProbe = Arc<Mutex<LatencyHistogram>>;

/// Records each word's latency from its scheduled time, adding to a shared histogram every
/// 256 words and at cleanup.
pub struct LatencySink {
    probe: LatencyProbe,
    local: LatencyHistogram,
}

impl LatencySink {
    /// A sink adding to `probe`.
    pub fn new(probe: LatencyProbe) -> Self {
        Self {
            probe,
            local: LatencyHistogram::default(),
        }
    }

    fn publish(&mut self) {
        if let Ok(mut shared) = self.probe.lock() {
            shared.merge(&self.local);
            self.local = LatencyHistogram::default();
        }
    }
}

impl BasicBolt for LatencySink {
    fn execute(&mut self, input: &Tuple, _c: &mut BasicOutputCollector<'_, '_>) -> ComponentResult {
        if let Some(scheduled) = input.get_i64(2).filter(|s| *s > 0) {
            self.local.record((now_micros() - scheduled).max(0) as u64);
        }
        if self.local.len() >= 256 {
            self.publish();
        }
        Ok(())
    }

    fn cleanup(&mut self) {
        self.publish();
    }

    fn declare_output_fields(&self, _declarer: &mut OutputFieldsDeclarer) {}
}

/// The paced word count's spout, split and count (`sentences` → `split` → `count`), each at
/// `parallelism`; the caller adds a sink on `count`.
pub fn paced_builder(rate_per_spout: u64, parallelism: u32, acked: bool) -> TopologyBuilder {
    let mut builder = TopologyBuilder::new();
    builder.set_spout(
        "sentences",
        move || PacedSentenceSpout::new(rate_per_spout, acked),
        parallelism,
    );
    builder
        .set_basic_bolt("split", || TimedSplit, parallelism)
        .shuffle_grouping("sentences");
    builder
        .set_basic_bolt("count", TimedCount::default, parallelism)
        .fields_grouping("split", ["word"]);
    builder
}

/// The whole paced word count, its sinks recording into `probe`.
pub fn paced_topology(
    rate_per_spout: u64,
    parallelism: u32,
    acked: bool,
    probe: LatencyProbe,
) -> Result<Topology, TopologyError> {
    let mut builder = paced_builder(rate_per_spout, parallelism, acked);
    builder
        .set_basic_bolt("sink", move || LatencySink::new(probe.clone()), parallelism)
        .local_or_shuffle_grouping("count");
    builder.create_topology()
}
