//! `TaskLayout`: which task ids every component gets and how they group into executors.
//!
//! Storm numbers tasks from 1 over the sorted component ids, each component taking
//! `topology.tasks` consecutive ids (default: its parallelism hint, capped by
//! `topology.max.task.parallelism`), and splits each component's tasks into as many executors
//! as its parallelism, larger executors first (`partitionFixed`).

use std::collections::BTreeMap;
use std::ops::RangeInclusive;

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::ids::{ComponentId, TaskId};
use crate::topology::StormTopology;

/// A contiguous run of tasks executed by one executor (Storm's `ExecutorInfo`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ExecutorInfo {
    /// First task.
    pub start: TaskId,
    /// Last task, inclusive.
    pub end: TaskId,
}

impl ExecutorInfo {
    /// The tasks it runs.
    pub fn tasks(&self) -> impl Iterator<Item = TaskId> {
        (self.start.0..=self.end.0).map(TaskId)
    }
}

/// Task ids and executors of every component.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TaskLayout {
    components: BTreeMap<ComponentId, ComponentTasks>,
    /// Component of each task, indexed by `task - 1`.
    task_components: Vec<ComponentId>,
}

/// One component's share.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComponentTasks {
    /// Its tasks, ascending.
    pub tasks: Vec<TaskId>,
    /// Its executors, in task order.
    pub executors: Vec<ExecutorInfo>,
}

impl TaskLayout {
    /// Lays out the tasks of a (validated) topology.
    pub fn new(topology: &StormTopology, config: &Config) -> Self {
        Self::with_executors(topology, config, &BTreeMap::new())
    }

    /// Lays out tasks with some components' executor counts overridden (rebalance). The task
    /// count is fixed at submit: executors never exceed tasks.
    pub fn with_executors(
        topology: &StormTopology,
        config: &Config,
        executors: &BTreeMap<ComponentId, u32>,
    ) -> Self {
        let mut components = BTreeMap::new();
        let mut task_components = Vec::new();
        let mut next = 1u32;
        for (id, def) in &topology.components {
            let n_tasks = component_task_count(
                def.parallelism_hint,
                def.configured_tasks(),
                config.max_task_parallelism,
            );
            let tasks: Vec<TaskId> = (next..next + n_tasks).map(TaskId).collect();
            next += n_tasks;
            task_components.extend(std::iter::repeat_n(id.clone(), tasks.len()));
            let n_exec = executors
                .get(id)
                .copied()
                .unwrap_or(def.parallelism_hint)
                .clamp(u32::from(n_tasks > 0), n_tasks.max(1));
            let executors = partition_fixed(&tasks, n_exec);
            components.insert(id.clone(), ComponentTasks { tasks, executors });
        }
        Self {
            components,
            task_components,
        }
    }

    /// A component's tasks, ascending (empty if unknown).
    pub fn tasks_of(&self, component: &str) -> &[TaskId] {
        self.components
            .get(component)
            .map(|c| c.tasks.as_slice())
            .unwrap_or(&[])
    }

    /// A component's executors (empty if unknown).
    pub fn executors_of(&self, component: &str) -> &[ExecutorInfo] {
        self.components
            .get(component)
            .map(|c| c.executors.as_slice())
            .unwrap_or(&[])
    }

    /// The component a task belongs to.
    pub fn component_of(&self, task: TaskId) -> Option<&ComponentId> {
        let index = task.0.checked_sub(1)? as usize;
        self.task_components.get(index)
    }

    /// All components with their tasks.
    pub fn components(&self) -> impl Iterator<Item = (&ComponentId, &ComponentTasks)> {
        self.components.iter()
    }

    /// Every executor of every component, sorted by first task.
    pub fn all_executors(&self) -> Vec<(ComponentId, ExecutorInfo)> {
        let mut all: Vec<_> = self
            .components
            .iter()
            .flat_map(|(id, c)| c.executors.iter().map(move |e| (id.clone(), *e)))
            .collect();
        all.sort_by_key(|(_, e)| *e);
        all
    }

    /// The number of tasks in the topology.
    pub fn task_count(&self) -> usize {
        self.task_components.len()
    }

    /// Every task id, ascending.
    pub fn all_tasks(&self) -> RangeInclusive<u32> {
        1..=self.task_components.len() as u32
    }
}

/// Storm's `getComponentParallelism`: tasks = `topology.tasks` or the hint, capped by
/// `topology.max.task.parallelism`.
fn component_task_count(hint: u32, configured: Option<u64>, max: Option<u32>) -> u32 {
    let tasks = configured
        .map(|t| u32::try_from(t).unwrap_or(u32::MAX))
        .unwrap_or(hint);
    match max {
        Some(m) => tasks.min(m),
        None => tasks,
    }
}

/// Storm's `partitionFixed`: `n` groups of ⌊len/n⌋ or ⌈len/n⌉ tasks, larger groups first.
fn partition_fixed(tasks: &[TaskId], n: u32) -> Vec<ExecutorInfo> {
    if tasks.is_empty() || n == 0 {
        return Vec::new();
    }
    let n = n as usize;
    let base = tasks.len() / n;
    let extra = tasks.len() % n;
    let mut out = Vec::with_capacity(n);
    let mut at = 0;
    for i in 0..n {
        let size = base + usize::from(i < extra);
        if size == 0 {
            continue;
        }
        out.push(ExecutorInfo {
            start: tasks[at],
            end: tasks[at + size - 1],
        });
        at += size;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(r: std::ops::RangeInclusive<u32>) -> Vec<TaskId> {
        r.map(TaskId).collect()
    }

    #[test]
    fn partition_fixed_puts_larger_executors_first() {
        let e = partition_fixed(&ids(1..=7), 3);
        assert_eq!(
            e,
            vec![
                ExecutorInfo {
                    start: TaskId(1),
                    end: TaskId(3)
                },
                ExecutorInfo {
                    start: TaskId(4),
                    end: TaskId(5)
                },
                ExecutorInfo {
                    start: TaskId(6),
                    end: TaskId(7)
                },
            ]
        );
    }

    #[test]
    fn task_counts_follow_topology_tasks_and_the_cap() {
        assert_eq!(component_task_count(2, None, None), 2);
        assert_eq!(component_task_count(2, Some(8), None), 8);
        assert_eq!(component_task_count(2, Some(8), Some(4)), 4);
    }
}
