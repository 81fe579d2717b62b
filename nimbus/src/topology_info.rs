//! The worker and error parts of a topology's info (`storm info`): each assigned worker slot
//! with its executors and the restarts its supervisor recorded, and each error as reported.

use std::collections::BTreeMap;

use storm_client::protocol::{ErrorSummary, WorkerSummary};
use storm_core::TaskId;
use storm_zk::{Assignment, ErrorInfo, NodePort, WorkerRestarts};

/// One summary per slot of `assignment`, sorted by slot; `component_of` names an executor's
/// component by its first task, and `restarts` are the records under `/restarts/<id>`.
pub fn worker_summaries(
    assignment: &Assignment,
    component_of: impl Fn(TaskId) -> Option<String>,
    restarts: &BTreeMap<NodePort, WorkerRestarts>,
) -> Vec<WorkerSummary> {
    let mut by_slot: BTreeMap<&NodePort, BTreeMap<String, u32>> = BTreeMap::new();
    for (executor, slot) in &assignment.executor_node_port {
        let component = component_of(executor.start).unwrap_or_else(|| "?".to_owned());
        *by_slot
            .entry(slot)
            .or_default()
            .entry(component)
            .or_default() += 1;
    }
    by_slot
        .into_iter()
        .map(|(slot, components)| {
            let record = restarts.get(slot);
            WorkerSummary {
                supervisor: slot.node.clone(),
                host: assignment
                    .node_host
                    .get(&slot.node)
                    .cloned()
                    .unwrap_or_default(),
                port: slot.port,
                components,
                restarts: record.map_or(0, |r| r.count),
                last_restart_reason: record.map(|r| r.last_reason.to_string()),
                last_restart_secs: record.map(|r| r.last_time_secs),
            }
        })
        .collect()
}

/// An error as the protocol carries it.
pub fn error_summary(error: ErrorInfo) -> ErrorSummary {
    ErrorSummary {
        error: error.error,
        time_secs: error.time_secs,
        host: error.host,
        port: error.port,
        task: error.task,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use storm_core::{ExecutorInfo, TopologyId};
    use storm_zk::RestartReason;

    #[test]
    fn each_slot_lists_its_components_and_restarts() {
        let e = |n: u32| ExecutorInfo {
            start: TaskId(n),
            end: TaskId(n),
        };
        let mut a = Assignment::new(TopologyId::new("t-1-1"));
        a.node_host.insert("sup".into(), "host-1".into());
        let (p0, p1) = (NodePort::new("sup", 6700), NodePort::new("sup", 6701));
        for (n, slot) in [(1, &p0), (2, &p1), (3, &p1)] {
            a.executor_node_port.insert(e(n), slot.clone());
        }
        let component_of = |t: TaskId| Some(if t.0 == 1 { "spout" } else { "count" }.to_owned());
        let restarts = BTreeMap::from([(
            p1.clone(),
            WorkerRestarts {
                count: 2,
                last_reason: RestartReason::Exited { code: 3 },
                last_time_secs: 99,
            },
        )]);
        let workers = worker_summaries(&a, component_of, &restarts);
        assert_eq!(workers.len(), 2);
        assert_eq!(workers[0].port, 6700);
        assert_eq!(workers[0].restarts, 0);
        assert_eq!(workers[0].last_restart_reason, None);
        assert_eq!(workers[1].host, "host-1");
        assert_eq!(workers[1].components, BTreeMap::from([("count".into(), 2)]));
        assert_eq!(workers[1].restarts, 2);
        assert_eq!(
            workers[1].last_restart_reason.as_deref(),
            Some("exited with code 3")
        );
    }
}
