//! `Assignment`: where Nimbus placed a topology's executors (`/assignments/<topology-id>`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};
use storm_core::{ExecutorInfo, TaskId, TopologyId};

/// A worker slot: a supervisor (node) and one of its ports.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct NodePort {
    /// The supervisor id.
    pub node: String,
    /// The worker port on that supervisor.
    pub port: u16,
}

impl NodePort {
    /// A slot.
    pub fn new(node: impl Into<String>, port: u16) -> Self {
        Self {
            node: node.into(),
            port,
        }
    }
}

impl fmt::Display for NodePort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.node, self.port)
    }
}

/// A topology's placement (Storm's `Assignment`): each executor's slot and start time, and the
/// host of each node used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    /// The topology.
    pub topology_id: TopologyId,
    /// Host name of each supervisor (node) the assignment uses.
    pub node_host: BTreeMap<String, String>,
    /// The slot of each executor.
    pub executor_node_port: BTreeMap<ExecutorInfo, NodePort>,
    /// When each executor was (re)assigned, in seconds since the epoch.
    pub executor_start_time_secs: BTreeMap<ExecutorInfo, u64>,
}

impl Assignment {
    /// An assignment with no executors yet.
    pub fn new(topology_id: TopologyId) -> Self {
        Self {
            topology_id,
            node_host: BTreeMap::new(),
            executor_node_port: BTreeMap::new(),
            executor_start_time_secs: BTreeMap::new(),
        }
    }

    /// The slots that run at least one executor.
    pub fn workers(&self) -> BTreeSet<NodePort> {
        self.executor_node_port.values().cloned().collect()
    }

    /// The executors placed in one slot.
    pub fn executors_in(&self, slot: &NodePort) -> Vec<ExecutorInfo> {
        self.executor_node_port
            .iter()
            .filter(|(_, s)| *s == slot)
            .map(|(e, _)| *e)
            .collect()
    }

    /// The slot running a task.
    pub fn slot_of_task(&self, task: TaskId) -> Option<&NodePort> {
        self.executor_node_port
            .iter()
            .find(|(e, _)| e.start <= task && task <= e.end)
            .map(|(_, s)| s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exec(start: u32, end: u32) -> ExecutorInfo {
        ExecutorInfo {
            start: TaskId(start),
            end: TaskId(end),
        }
    }

    #[test]
    fn answers_placement_questions() {
        let mut a = Assignment::new(TopologyId::new("t-1"));
        let s1 = NodePort::new("sup-1", 6700);
        let s2 = NodePort::new("sup-2", 6700);
        a.executor_node_port.insert(exec(1, 2), s1.clone());
        a.executor_node_port.insert(exec(3, 3), s2.clone());
        a.executor_node_port.insert(exec(4, 5), s1.clone());
        assert_eq!(a.workers().len(), 2);
        assert_eq!(a.executors_in(&s1), vec![exec(1, 2), exec(4, 5)]);
        assert_eq!(a.slot_of_task(TaskId(5)), Some(&s1));
        assert_eq!(a.slot_of_task(TaskId(3)), Some(&s2));
        assert_eq!(a.slot_of_task(TaskId(9)), None);
        assert_eq!(s1.to_string(), "sup-1:6700");
    }
}
