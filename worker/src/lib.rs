//! Runs topologies: every task is an actix actor, and tuples move between tasks in batches
//! under credit-based flow control.
//!
//! The path of a tuple, in module order:
//! 1. A spout's `next_tuple` or a bolt's `execute` emits through its collector into the task's
//!    [`executor::TaskEmitter`].
//! 2. [`routing`] picks the target tasks with the stream's groupings (pure logic).
//! 3. [`transfer`] appends the tuple to the batch of each target and sends sealed batches while
//!    the target has granted credit.
//! 4. A [`transport`] link delivers the batch: into an actor's mailbox in this process.
//! 5. The target's actor ([`executor::BoltTask`]) rebuilds each [`storm_core::Tuple`], calls
//!    `execute`, flushes its own output and returns credit to the sender.
//!
//! [`LocalCluster`] runs whole topologies in this process; [`testing`] feeds fixed tuples
//! through a topology and captures everything it emits.

pub mod acker;
pub mod batch;
pub mod error;
pub mod error_reports;
pub mod executor;
pub mod load;
pub mod local_cluster;
pub mod progress;
pub mod rotating_map;
pub mod routing;
pub mod runtime;
pub mod stats;
pub mod stats_windows;
mod stream_table;
pub mod testing;
pub mod transfer;
pub mod transport;

pub use error::{Result, WorkerError};
pub use local_cluster::{KillOptions, LocalCluster};
pub use runtime::RunningTopology;
pub use stats::TaskStatsSnapshot;
pub use stream_table::StreamTable;
