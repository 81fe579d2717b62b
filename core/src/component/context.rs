//! `TopologyContext`: what a task may know about itself and the topology it runs in.

use std::sync::Arc;

use crate::component::StreamInfo;
use crate::config::Config;
use crate::ids::{ComponentId, StreamId, TaskId};
use crate::topology::TopologyShape;
use crate::tuple::Fields;

/// A task's view of the topology (Storm's `TopologyContext`).
#[derive(Debug, Clone)]
pub struct TopologyContext {
    shape: Arc<TopologyShape>,
    task: TaskId,
    component: ComponentId,
    worker_tasks: Arc<Vec<TaskId>>,
}

impl TopologyContext {
    /// The context of `task`, in a worker running `worker_tasks` (the runtime builds
    /// contexts; authors are handed them).
    #[doc(hidden)]
    pub fn new(shape: Arc<TopologyShape>, task: TaskId, worker_tasks: Arc<Vec<TaskId>>) -> Self {
        let component = shape
            .layout
            .component_of(task)
            .cloned()
            .unwrap_or_else(|| ComponentId::new(crate::system::SYSTEM_COMPONENT));
        Self {
            shape,
            task,
            component,
            worker_tasks,
        }
    }

    /// The topology's id.
    pub fn storm_id(&self) -> &str {
        &self.shape.topology_id
    }

    /// This task's id.
    pub fn this_task_id(&self) -> TaskId {
        self.task
    }

    /// This task's component.
    pub fn this_component_id(&self) -> &ComponentId {
        &self.component
    }

    /// This task's position among its component's tasks, from 0.
    pub fn this_task_index(&self) -> usize {
        self.component_tasks(self.component.as_str())
            .iter()
            .position(|t| *t == self.task)
            .unwrap_or(0)
    }

    /// A component's tasks, ascending.
    pub fn component_tasks(&self, component: &str) -> &[TaskId] {
        self.shape.layout.tasks_of(component)
    }

    /// The component a task belongs to.
    pub fn component_id(&self, task: TaskId) -> Option<&ComponentId> {
        self.shape.layout.component_of(task)
    }

    /// The fields a component declares for a stream.
    pub fn component_output_fields(&self, component: &str, stream: &str) -> Option<&Fields> {
        self.shape
            .topology
            .component(component)
            .and_then(|c| c.streams.get(stream))
            .map(|s| &s.fields)
    }

    /// This component's output streams.
    pub fn this_streams(&self) -> impl Iterator<Item = (&StreamId, &StreamInfo)> {
        self.shape
            .topology
            .component(self.component.as_str())
            .into_iter()
            .flat_map(|c| c.streams.iter())
    }

    /// The tasks running in this task's worker.
    pub fn this_worker_tasks(&self) -> &[TaskId] {
        &self.worker_tasks
    }

    /// The topology's configuration.
    pub fn config(&self) -> &Config {
        &self.shape.config
    }

    /// The shared shape, for the runtime.
    #[doc(hidden)]
    pub fn shape(&self) -> &Arc<TopologyShape> {
        &self.shape
    }
}
