//! Control messages every task actor takes, besides batches and credits.

use std::sync::Arc;

use actix::Message;
use storm_core::TaskId;

use crate::transport::Directory;

/// Gives a task the links to every task; it starts working once wired.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Wire(pub Arc<Directory>);

/// Activates or deactivates a spout (bolts ignore it).
#[derive(Message, Clone, Copy)]
#[rtype(result = "()")]
pub struct SetActive(pub bool);

/// Stops a task after `close`/`cleanup`; the task's id is sent on `done` when it has stopped.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Shutdown {
    /// Told when the task has cleaned up.
    pub done: std::sync::mpsc::Sender<TaskId>,
}
