//! Sample records with every field set, for round trips and scenarios.

use std::collections::BTreeMap;

use storm_core::{ComponentId, ExecutorInfo, TaskId, TopologyId};
use storm_zk::{
    Assignment, ErrorInfo, NimbusInfo, NodePort, RebalanceOptions, StormBase, SupervisorInfo,
    TopologyStatus, WorkerHeartbeat,
};

/// An executor running tasks `start..=end`.
pub fn executor(start: u32, end: u32) -> ExecutorInfo {
    ExecutorInfo {
        start: TaskId(start),
        end: TaskId(end),
    }
}

/// A supervisor with two slots, one used.
pub fn supervisor(id: &str) -> SupervisorInfo {
    SupervisorInfo {
        id: id.to_owned(),
        hostname: "127.0.0.1".into(),
        ports: vec![6700, 6701],
        used_ports: vec![6701],
        time_secs: 1_700_000_000,
        uptime_secs: 42,
        version: env!("CARGO_PKG_VERSION").into(),
        worker_heartbeats: Vec::new(),
    }
}

/// An assignment of three executors over two slots; `port` is the first slot's port, so two
/// calls with different ports give different assignments.
pub fn assignment(id: &TopologyId, port: u16) -> Assignment {
    let mut a = Assignment::new(id.clone());
    let slots = [NodePort::new("sup-1", port), NodePort::new("sup-2", 6700)];
    for (i, e) in [executor(1, 2), executor(3, 3), executor(4, 6)]
        .into_iter()
        .enumerate()
    {
        a.executor_node_port.insert(e, slots[i % 2].clone());
        a.executor_start_time_secs
            .insert(e, 1_700_000_000 + i as u64);
    }
    a.node_host.insert("sup-1".into(), "host-1".into());
    a.node_host.insert("sup-2".into(), "host-2".into());
    a
}

/// A topology being rebalanced, previously active.
pub fn storm_base(name: &str) -> StormBase {
    let mut component_executors = BTreeMap::new();
    component_executors.insert(ComponentId::new("spout"), 2);
    component_executors.insert(ComponentId::new("split"), 4);
    let mut num_executors = BTreeMap::new();
    num_executors.insert(ComponentId::new("split"), 8);
    StormBase {
        name: name.to_owned(),
        status: TopologyStatus::Rebalancing(RebalanceOptions {
            wait_secs: 5,
            num_workers: Some(3),
            num_executors,
        }),
        num_workers: 2,
        component_executors,
        launch_time_secs: 1_700_000_000,
        owner: "storm".into(),
        prev_status: Some(TopologyStatus::Active),
    }
}

/// A heartbeat of the worker in `slot`.
pub fn heartbeat(id: &TopologyId, slot: &NodePort) -> WorkerHeartbeat {
    WorkerHeartbeat {
        topology_id: id.clone(),
        executors: vec![executor(1, 2), executor(4, 6)],
        time_secs: 1_700_000_100,
        uptime_secs: 100,
        port: slot.port,
    }
}

/// An error reported at `time_secs`.
pub fn error(time_secs: u64) -> ErrorInfo {
    ErrorInfo {
        error: format!("java.lang.RuntimeException: boom at {time_secs}"),
        time_secs,
        host: "host-1".into(),
        port: 6700,
        task: 3,
    }
}

/// A Nimbus at `host:6627`.
pub fn nimbus(host: &str) -> NimbusInfo {
    NimbusInfo::new(host, 6627)
}
