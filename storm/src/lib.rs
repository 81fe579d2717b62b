//! Apache Storm's programming model, in Rust: the one crate a topology author depends on.
//!
//! It re-exports the model from `storm-core` (spouts, bolts, tuples, groupings, the topology
//! builder, config) and the runtime from `storm-worker` ([`LocalCluster`] and the [`testing`]
//! API): what a Storm user recognises, and nothing of the data path beneath it.
//!
//! ```
//! use std::time::Duration;
//! use storm::*;
//!
//! struct Words { left: Vec<&'static str> }
//! impl Spout for Words {
//!     fn next_tuple(&mut self, c: &mut SpoutOutputCollector<'_>) -> ComponentResult {
//!         if let Some(w) = self.left.pop() {
//!             c.emit(values![w])?;
//!         }
//!         Ok(())
//!     }
//!     fn declare_output_fields(&self, d: &mut OutputFieldsDeclarer) { d.declare(["word"]); }
//!     fn is_exhausted(&self) -> bool { self.left.is_empty() }
//! }
//!
//! struct Exclaim;
//! impl BasicBolt for Exclaim {
//!     fn execute(&mut self, t: &Tuple, c: &mut BasicOutputCollector<'_, '_>) -> ComponentResult {
//!         c.emit(values![format!("{}!!!", t.get_str(0).unwrap_or_default())])?;
//!         Ok(())
//!     }
//!     fn declare_output_fields(&self, d: &mut OutputFieldsDeclarer) { d.declare(["word"]); }
//! }
//!
//! let mut builder = TopologyBuilder::new();
//! builder.set_spout("words", || Words { left: vec!["storm", "rust"] }, 1);
//! builder.set_basic_bolt("exclaim", || Exclaim, 2).shuffle_grouping("words");
//! let topology = builder.create_topology().expect("valid topology");
//!
//! let cluster = LocalCluster::new().expect("actor system");
//! cluster.submit_topology("demo", Config::new(), &topology).expect("submitted");
//! cluster.wait_until_complete("demo", Duration::from_secs(10)).expect("completes");
//! cluster.kill_topology_with_opts("demo", KillOptions::wait(0)).expect("killed");
//! cluster.shutdown();
//! ```

pub mod cluster;

pub use storm_core::{util, values};

// What a topology author implements, and what the runtime hands it.
pub use storm_core::{
    BasicBolt, BasicOutputCollector, Bolt, CustomStreamGrouping, FailReason, OutputCollector,
    OutputFieldsDeclarer, Spout, SpoutOutputCollector, StreamInfo, TopologyContext,
};
// The data a topology moves.
pub use storm_core::{Fields, MessageId, Text, Tuple, Value, Values};
// Assembling a topology.
pub use storm_core::{
    BoltDeclarer, Config, Grouping, SpoutDeclarer, StormTopology, Topology, TopologyBuilder,
};
// Names.
pub use storm_core::{ComponentId, GlobalStreamId, StreamId, TaskId, TopologyId, DEFAULT_STREAM};
// Errors.
pub use storm_core::{
    ComponentResult, ConfigError, EmitError, EmitErrorKind, FailedException, TopologyError,
};
// Running topologies in this process.
pub use storm_worker::{
    testing, KillOptions, LocalCluster, RunningTopology, TaskStatsSnapshot, WorkerError,
};
