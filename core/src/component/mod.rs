//! What topology authors implement and use: the spout and bolt traits, their collectors, the
//! output declarer and the task context.

mod basic_bolt;
mod bolt;
mod collector;
mod context;
mod declarer;
mod fail_reason;
mod spout;

pub use basic_bolt::BasicBolt;
pub use bolt::Bolt;
pub use collector::{BasicOutputCollector, OutputCollector, SpoutOutputCollector};
pub use context::TopologyContext;
pub use declarer::{OutputFieldsDeclarer, StreamInfo};
pub use fail_reason::FailReason;
pub use spout::Spout;
