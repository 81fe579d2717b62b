//! Storm's topology model in Rust: values and tuples, the spout and bolt traits, stream
//! groupings, the topology builder, configuration with Storm's keys, and validation.
//!
//! This crate does no I/O and knows no runtime: executors (in `storm-worker`) implement the
//! hidden [`dataplane`] hooks behind the collectors, and clusters store the serializable
//! [`StormTopology`]. Topology authors normally depend on the `storm` facade, which re-exports
//! what they use. The crate root re-exports only what authors use; the runtime's plumbing is
//! reached through its module ([`topology::TopologyShape`], [`grouping::Grouper`], ...).

pub mod component;
pub mod config;
#[doc(hidden)]
pub mod dataplane;
pub mod error;
pub mod grouping;
pub mod ids;
pub mod stats;
pub mod system;
pub mod topology;
pub mod tuple;
pub mod util;
pub mod wait_strategy;

pub use component::{
    BasicBolt, BasicOutputCollector, Bolt, FailReason, OutputCollector, OutputFieldsDeclarer,
    Spout, SpoutOutputCollector, StreamInfo, TopologyContext,
};
pub use config::Config;
pub use error::{
    ComponentResult, ConfigError, EmitError, EmitErrorKind, FailedException, TopologyError,
};
pub use grouping::{CustomStreamGrouping, Grouping};
pub use ids::{ComponentId, GlobalStreamId, StreamId, TaskId, TopologyId, DEFAULT_STREAM};
pub use topology::{
    BoltDeclarer, ExecutorInfo, SpoutDeclarer, StormTopology, Topology, TopologyBuilder,
};
pub use tuple::{Fields, MessageId, Text, Tuple, Value, Values};
pub use wait_strategy::WaitStrategy;
