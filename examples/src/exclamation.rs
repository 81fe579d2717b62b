//! The exclamation topology: a spout of words and two bolts that each append `"!!!"`.

use storm::util::SplitMix64;
use storm::{
    values, BasicBolt, BasicOutputCollector, ComponentResult, Config, OutputFieldsDeclarer, Spout,
    SpoutOutputCollector, Topology, TopologyBuilder, TopologyContext, TopologyError, Tuple,
};

/// The words `TestWordSpout` picks from, as in Storm.
pub const WORDS: [&str; 5] = ["nathan", "mike", "jackson", "golda", "bertels"];

/// Emits random words from [`WORDS`]; stops after `limit` words if one is given.
pub struct TestWordSpout {
    rng: SplitMix64,
    limit: Option<u64>,
    emitted: u64,
}

impl TestWordSpout {
    /// An endless spout, or one that stops after `limit` words.
    pub fn new(limit: Option<u64>) -> Self {
        Self {
            rng: SplitMix64::new(1),
            limit,
            emitted: 0,
        }
    }
}

impl Spout for TestWordSpout {
    fn open(&mut self, _conf: &Config, context: &TopologyContext) {
        self.rng = SplitMix64::new(context.this_task_index() as u64 + 1);
    }

    fn next_tuple(&mut self, collector: &mut SpoutOutputCollector<'_>) -> ComponentResult {
        if self.is_exhausted() {
            return Ok(());
        }
        let word = WORDS[self.rng.below(WORDS.len() as u64) as usize];
        self.emitted += 1;
        collector.emit_with_id(values![word], self.emitted)?;
        Ok(())
    }

    fn declare_output_fields(&self, declarer: &mut OutputFieldsDeclarer) {
        declarer.declare(["word"]);
    }

    fn is_exhausted(&self) -> bool {
        self.limit.is_some_and(|l| self.emitted >= l)
    }
}

/// Appends `"!!!"` to the word it receives.
pub struct ExclamationBolt;

impl BasicBolt for ExclamationBolt {
    fn execute(
        &mut self,
        input: &Tuple,
        collector: &mut BasicOutputCollector<'_, '_>,
    ) -> ComponentResult {
        let word = input.get_str(0).ok_or("expected a string")?;
        collector.emit(values![format!("{word}!!!")])?;
        Ok(())
    }

    fn declare_output_fields(&self, declarer: &mut OutputFieldsDeclarer) {
        declarer.declare(["word"]);
    }
}

/// words → exclaim1 → exclaim2, as in storm-starter's `ExclamationTopology`.
pub fn topology(limit: Option<u64>) -> Result<Topology, TopologyError> {
    let mut builder = TopologyBuilder::new();
    builder.set_spout("word", move || TestWordSpout::new(limit), 10);
    builder
        .set_basic_bolt("exclaim1", || ExclamationBolt, 3)
        .shuffle_grouping("word");
    builder
        .set_basic_bolt("exclaim2", || ExclamationBolt, 2)
        .shuffle_grouping("exclaim1");
    builder.create_topology()
}
