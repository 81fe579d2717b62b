//! Executors: the actors that run tasks. Every task is one actor ([`SpoutTask`] or
//! [`BoltTask`]); the tasks of one executor share one arbiter (thread).

mod bolt;
mod bolt_core;
mod chain;
pub mod emitter;
mod env;
mod guard;
mod messages;
mod spout;

pub use bolt::BoltTask;
pub use chain::ChainedBolt;
pub use emitter::TaskEmitter;
pub use env::TaskEnv;
pub use messages::{SetActive, Shutdown, Wake, Wire};
pub use spout::SpoutTask;
