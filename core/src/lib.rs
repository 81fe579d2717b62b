//! Storm's topology model in Rust: values and tuples, the spout and bolt traits, stream
//! groupings, the topology builder, configuration with Storm's keys, and validation.
//!
//! This crate does no I/O and knows no runtime: executors (in `storm-worker`) implement
//! [`Emitter`] behind the collectors, and clusters store the serializable [`StormTopology`].
//! Topology authors normally depend on the `storm` facade, which re-exports all of this.

pub mod component;
pub mod config;
pub mod error;
pub mod grouping;
pub mod ids;
pub mod system;
pub mod topology;
pub mod tuple;
pub mod util;

pub use component::{
    BasicBolt, BasicBoltAdapter, BasicOutputCollector, Bolt, EmitLane, EmitTarget, Emitter,
    LaneChoice, LanePlan, OutputCollector, OutputFieldsDeclarer, Spout, SpoutOutputCollector,
    StreamInfo, TopologyContext, TopologyShape,
};
pub use config::Config;
pub use error::{
    ComponentResult, ConfigError, EmitError, EmitErrorKind, FailedException, TopologyError,
};
pub use grouping::{CustomStreamGrouping, Grouping};
pub use ids::{ComponentId, GlobalStreamId, StreamId, TaskId, TopologyId, DEFAULT_STREAM};
pub use topology::{
    BoltDeclarer, ExecutorInfo, SpoutDeclarer, StormTopology, TaskLayout, Topology, TopologyBuilder,
};
pub use tuple::{
    BatchDrain, BatchTuples, Fields, InputBatch, MessageId, OpenBatches, Text, Tuple, TupleSource,
    UnknownStream, Value, Values, WireTuple,
};
