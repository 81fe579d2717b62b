//! Custom groupings: a user trait for spreading tuples any way the author likes
//! (Storm's `CustomStreamGrouping`).

use std::sync::Arc;

use crate::ids::{GlobalStreamId, TaskId};
use crate::tuple::Value;

/// A user grouping. One instance runs per (emitting task, stream, subscriber).
pub trait CustomStreamGrouping: Send {
    /// Called once with the stream and the subscriber's tasks, ascending.
    fn prepare(&mut self, stream: &GlobalStreamId, target_tasks: &[TaskId]);
    /// Appends the tasks that should receive a tuple.
    fn choose_tasks(&mut self, source_task: TaskId, values: &[Value], out: &mut Vec<TaskId>);
}

/// Builds a fresh custom grouping for each emitting task.
pub type CustomGroupingFactory = Arc<dyn Fn() -> Box<dyn CustomStreamGrouping> + Send + Sync>;
