//! The Supervisor daemon: runs the worker processes Nimbus assigns to this node.
//!
//! * [`slot`]: each port as a pure state machine (Storm's `Slot`);
//! * [`supervisor`]: the actor that registers the node, follows the assignments, downloads
//!   artifacts ([`localizer`]) and carries out the slots' actions with [`launcher`];
//! * [`restarts`]: each restart of a still-assigned worker, logged and counted in ZooKeeper;
//! * [`local_state`]: the files in `storm.local.dir`.
//!
//! The other side, what the author's binary does in worker mode, and the launch contract
//! between the two are in `storm_client` (`worker_process`, `launch`).

pub mod daemon;
pub mod error;
pub mod launcher;
pub mod local_state;
pub mod localizer;
pub mod restarts;
pub mod slot;
pub mod supervisor;

pub use error::SupervisorError;
pub use supervisor::Supervisor;
