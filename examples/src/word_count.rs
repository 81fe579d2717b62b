//! The word-count topology, exactly the benchmark workload: a spout of random sentences, a
//! split bolt, a fields grouping on `word` into a count bolt that emits `(word, count)` for
//! every word, and a sink that counts what reaches it.
//!
//! Sentences come from SplitMix64: a 1000-word vocabulary made with seed 42 (each word
//! `3 + below(8)` letters `'a' + below(26)`, redrawn while already present), and spout task *k*
//! draws 10 words `vocab[below(1000)]` per sentence with seed `43 + k`.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use rustc_hash::FxHashMap;
use storm::util::SplitMix64;
use storm::{
    values, BasicBolt, BasicOutputCollector, ComponentResult, Config, OutputFieldsDeclarer, Spout,
    SpoutOutputCollector, Text, Topology, TopologyBuilder, TopologyContext, TopologyError, Tuple,
    Value,
};

/// Words in the vocabulary.
pub const VOCABULARY_SIZE: usize = 1000;
/// Words per sentence.
pub const WORDS_PER_SENTENCE: usize = 10;

/// The 1000 distinct words, generated with seed 42.
pub fn vocabulary() -> Vec<String> {
    let mut rng = SplitMix64::new(42);
    let mut words: Vec<String> = Vec::with_capacity(VOCABULARY_SIZE);
    while words.len() < VOCABULARY_SIZE {
        let word = loop {
            let len = 3 + rng.below(8);
            let w: String = (0..len)
                .map(|_| char::from(b'a' + rng.below(26) as u8))
                .collect();
            if !words.contains(&w) {
                break w;
            }
        };
        words.push(word);
    }
    words
}

/// Appends one sentence of [`WORDS_PER_SENTENCE`] words to `out`.
pub fn sentence(rng: &mut SplitMix64, vocab: &[String], out: &mut String) {
    for i in 0..WORDS_PER_SENTENCE {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(&vocab[rng.below(VOCABULARY_SIZE as u64) as usize]);
    }
}

/// What the sink saw, shared with whoever runs the topology.
#[derive(Debug, Default)]
pub struct SinkProbe {
    words: AtomicU64,
    final_counts: Mutex<BTreeMap<String, i64>>,
}

impl SinkProbe {
    /// Words that reached the sink so far (published every 1024 words and at cleanup).
    pub fn words(&self) -> u64 {
        self.words.load(Ordering::Relaxed)
    }

    /// Each word's last count, merged from every sink task at cleanup.
    pub fn final_counts(&self) -> BTreeMap<String, i64> {
        self.final_counts
            .lock()
            .map(|c| c.clone())
            .unwrap_or_default()
    }
}

/// Emits random sentences; with a limit, stops after that many.
pub struct RandomSentenceSpout {
    vocab: Vec<String>,
    rng: SplitMix64,
    buffer: String,
    limit: Option<u64>,
    acked: bool,
    emitted: u64,
    pending: u64,
}

impl RandomSentenceSpout {
    /// A spout that emits `limit` sentences (or forever), with message ids if `acked`.
    pub fn new(limit: Option<u64>, acked: bool) -> Self {
        Self {
            vocab: Vec::new(),
            rng: SplitMix64::new(43),
            buffer: String::new(),
            limit,
            acked,
            emitted: 0,
            pending: 0,
        }
    }
}

impl Spout for RandomSentenceSpout {
    fn open(&mut self, _conf: &Config, context: &TopologyContext) {
        self.vocab = vocabulary();
        self.rng = SplitMix64::new(43 + context.this_task_index() as u64);
    }

    fn next_tuple(&mut self, collector: &mut SpoutOutputCollector<'_>) -> ComponentResult {
        if self.limit.is_some_and(|l| self.emitted >= l) {
            return Ok(());
        }
        // Built in a reused buffer; the value copies it at its exact size.
        self.buffer.clear();
        sentence(&mut self.rng, &self.vocab, &mut self.buffer);
        let s = self.buffer.as_str();
        self.emitted += 1;
        if self.acked {
            self.pending += 1;
            collector.emit_with_id(values![s], self.emitted)?;
        } else {
            collector.emit(values![s])?;
        }
        Ok(())
    }

    fn ack(&mut self, _message_id: Value) {
        self.pending = self.pending.saturating_sub(1);
    }

    fn fail(&mut self, _message_id: Value) {
        // The benchmark's spout does not replay (see `reliable::ReliableSpout` for one that
        // does); a failed sentence only stops counting as pending.
        self.pending = self.pending.saturating_sub(1);
    }

    fn declare_output_fields(&self, declarer: &mut OutputFieldsDeclarer) {
        declarer.declare(["sentence"]);
    }

    fn is_exhausted(&self) -> bool {
        self.limit
            .is_some_and(|l| self.emitted >= l && self.pending == 0)
    }
}

/// Splits a sentence into words.
pub struct SplitSentence;

impl BasicBolt for SplitSentence {
    fn execute(
        &mut self,
        input: &Tuple,
        collector: &mut BasicOutputCollector<'_, '_>,
    ) -> ComponentResult {
        let sentence = input.get_str(0).ok_or("sentence is not a string")?;
        for word in sentence.split(' ') {
            collector.emit(values![word])?;
        }
        Ok(())
    }

    fn declare_output_fields(&self, declarer: &mut OutputFieldsDeclarer) {
        declarer.declare(["word"]);
    }
}

/// Counts words and emits `(word, count)` for each one.
#[derive(Default)]
pub struct WordCount {
    counts: FxHashMap<Text, i64>,
}

impl BasicBolt for WordCount {
    fn execute(
        &mut self,
        input: &Tuple,
        collector: &mut BasicOutputCollector<'_, '_>,
    ) -> ComponentResult {
        let value = input.get(0).ok_or("no word")?;
        let word = value.as_text().ok_or("word is not a string")?;
        let count = match self.counts.get_mut(word) {
            Some(c) => c,
            None => self.counts.entry(word.clone()).or_insert(0),
        };
        *count += 1;
        let count = *count;
        // Forward the word's value as it came (as Storm passes the same String on).
        collector.emit(values![value.clone(), count])?;
        Ok(())
    }

    fn declare_output_fields(&self, declarer: &mut OutputFieldsDeclarer) {
        declarer.declare(["word", "count"]);
    }
}

/// Counts the `(word, count)` tuples that reach it and keeps each word's last count.
pub struct CountingSink {
    probe: Arc<SinkProbe>,
    unpublished: u64,
    last: FxHashMap<Text, i64>,
    keep_counts: bool,
}

impl CountingSink {
    /// A sink reporting to `probe`; `keep_counts` also keeps each word's last count.
    pub fn new(probe: Arc<SinkProbe>, keep_counts: bool) -> Self {
        Self {
            probe,
            unpublished: 0,
            last: FxHashMap::default(),
            keep_counts,
        }
    }

    fn publish(&mut self) {
        self.probe
            .words
            .fetch_add(self.unpublished, Ordering::Relaxed);
        self.unpublished = 0;
    }
}

impl BasicBolt for CountingSink {
    fn execute(
        &mut self,
        input: &Tuple,
        _collector: &mut BasicOutputCollector<'_, '_>,
    ) -> ComponentResult {
        self.unpublished += 1;
        if self.unpublished >= 1024 {
            self.publish();
        }
        if self.keep_counts {
            let (Some(word), Some(count)) =
                (input.get(0).and_then(Value::as_text), input.get_i64(1))
            else {
                return Err("expected (word, count)".into());
            };
            match self.last.get_mut(word) {
                Some(c) => *c = (*c).max(count),
                None => {
                    self.last.insert(word.clone(), count);
                }
            }
        }
        Ok(())
    }

    fn cleanup(&mut self) {
        self.publish();
        if let Ok(mut all) = self.probe.final_counts.lock() {
            // A word's counts may have reached several sink tasks: the highest is its last.
            for (w, c) in self.last.drain() {
                let last = all.entry(w.to_string()).or_insert(c);
                *last = (*last).max(c);
            }
        }
    }

    fn declare_output_fields(&self, _declarer: &mut OutputFieldsDeclarer) {}
}

/// How to build the word count.
#[derive(Debug, Clone, Copy)]
pub struct WordCountOptions {
    /// Sentences per spout task; `None` runs forever.
    pub sentences: Option<u64>,
    /// Executors of every component.
    pub parallelism: u32,
    /// Emit sentences with message ids so that their trees are tracked.
    pub acked: bool,
    /// Keep every word's last count in the sink.
    pub keep_counts: bool,
}

/// The word count up to its count bolt: `sentences` → `split` (shuffle) → `count` (fields on
/// `word`), each at `parallelism`, for a caller that adds its own sink on `count`.
pub fn builder_without_sink(
    sentences: Option<u64>,
    parallelism: u32,
    acked: bool,
) -> TopologyBuilder {
    let mut builder = TopologyBuilder::new();
    builder.set_spout(
        "sentences",
        move || RandomSentenceSpout::new(sentences, acked),
        parallelism,
    );
    builder
        .set_basic_bolt("split", || SplitSentence, parallelism)
        .shuffle_grouping("sentences");
    builder
        .set_basic_bolt("count", WordCount::default, parallelism)
        .fields_grouping("split", ["word"]);
    builder
}

/// sentences → split (shuffle) → count (fields on `word`) → sink (local-or-shuffle: the sink
/// only counts, so it needs no key, and each count task feeds the sink task on its own thread
/// while that one keeps up).
pub fn topology(
    options: WordCountOptions,
    probe: Arc<SinkProbe>,
) -> Result<Topology, TopologyError> {
    let p = options.parallelism;
    let mut builder = builder_without_sink(options.sentences, p, options.acked);
    builder
        .set_basic_bolt(
            "sink",
            move || CountingSink::new(probe.clone(), options.keep_counts),
            p,
        )
        .local_or_shuffle_grouping("count");
    builder.create_topology()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_words_final_count_is_the_highest_any_sink_task_saw() {
        for highest_first in [true, false] {
            let probe = Arc::new(SinkProbe::default());
            let mut sinks = [
                CountingSink::new(probe.clone(), true),
                CountingSink::new(probe.clone(), true),
            ];
            sinks[0].last.insert(Text::new("moon"), 7);
            sinks[1].last.insert(Text::new("moon"), 4);
            sinks[1].last.insert(Text::new("cow"), 2);
            if !highest_first {
                sinks.reverse();
            }
            for sink in &mut sinks {
                sink.cleanup();
            }
            let counts = probe.final_counts();
            assert_eq!(
                counts.get("moon"),
                Some(&7),
                "highest first: {highest_first}"
            );
            assert_eq!(counts.get("cow"), Some(&2));
        }
    }
}
