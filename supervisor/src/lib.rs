//! The Supervisor daemon: runs the worker processes Nimbus assigns to this node.
//!
//! * [`slot`]: each port as a pure state machine (Storm's `Slot`);
//! * [`supervisor`]: the actor that registers the node, follows the assignments, downloads
//!   artifacts ([`localizer`]) and carries out the slots' actions with [`launcher`];
//! * [`worker_process`]: the other side, what the author's binary does in worker mode;
//! * [`local_state`]: the files in `storm.local.dir` and the launch contract between the two.

pub mod daemon;
pub mod error;
pub mod launcher;
pub mod local_state;
pub mod localizer;
pub mod slot;
pub mod supervisor;
pub mod worker_process;

pub use error::SupervisorError;
pub use supervisor::Supervisor;
pub use worker_process::{run_worker, WorkerLaunch, WorkerProcessError};
