//! Executors: the actors that run tasks. Every task is one actor ([`SpoutTask`] or
//! [`BoltTask`]); the tasks of one executor share one arbiter (thread).

mod bolt;
pub mod emitter;
mod env;
mod guard;
pub mod idle_thread;
mod latency_sampler;
mod messages;
mod spout;
pub mod wait_strategy;

pub use bolt::BoltTask;
pub use emitter::TaskEmitter;
pub use env::TaskEnv;
pub use messages::{SetActive, Shutdown, Wire};
pub use spout::SpoutTask;
