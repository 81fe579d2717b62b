//! What topology authors implement and use: the spout and bolt traits, their collectors, the
//! output declarer and the task context.

mod basic_bolt;
mod bolt;
mod collector;
mod context;
mod declarer;
mod emit_lane;
mod spout;

pub use basic_bolt::{BasicBolt, BasicBoltAdapter};
pub use bolt::Bolt;
pub use collector::{
    BasicOutputCollector, EmitTarget, Emitter, OutputCollector, SpoutOutputCollector,
};
pub use context::{TopologyContext, TopologyShape};
pub use declarer::{OutputFieldsDeclarer, StreamInfo};
pub use emit_lane::{EmitLane, LaneChoice, LanePlan};
pub use spout::Spout;
