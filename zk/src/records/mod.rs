//! The records stored in the znodes, one file each, all serde types encoded by [`crate::codec`].

mod assignment;
mod credentials;
mod error_info;
mod heartbeat;
mod nimbus;
mod restarts;
mod stats;
mod storm_base;
mod supervisor;

pub use assignment::{Assignment, NodePort};
pub use credentials::Credentials;
pub use error_info::ErrorInfo;
pub use heartbeat::WorkerHeartbeat;
pub use nimbus::NimbusInfo;
pub use restarts::{RestartReason, WorkerRestarts};
pub use stats::{SupervisorStats, WorkerStats};
pub use storm_base::{RebalanceOptions, StormBase, TopologyStatus};
pub use supervisor::SupervisorInfo;
