//! Nimbus's failure detection with time as an input (`Now`), over an in-memory cluster state:
//! a supervisor whose record stops changing, an executor whose heartbeat (published in its
//! supervisor's record) stops changing, and a rebalance that leaves unchanged workers alone.

// Tests fail by panicking: unwrap and expect are how they assert.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;

use common::Fixture;
use storm_client::protocol::RebalanceRequest;
use storm_client::{Request, Response};
use storm_core::{Config, ExecutorInfo, TopologyId};
use storm_nimbus::TopologyAction;
use storm_zk::{Assignment, ClusterState, NodePort, SupervisorInfo, WorkerHeartbeat};

fn submitted(r: Response) -> TopologyId {
    match r {
        Response::Submitted { topology_id } => TopologyId::new(topology_id),
        other => panic!("not submitted: {other:?}"),
    }
}

fn config(workers: u32) -> Config {
    let mut c = Config::new();
    c.workers = workers;
    c.acker_executors = Some(0);
    c
}

/// Registers (or rewrites) a supervisor's record as written at `time_secs` on its clock.
async fn beat(f: &Fixture, id: &str, ports: &[u16], time_secs: u64, workers: Vec<WorkerHeartbeat>) {
    f.state
        .register_supervisor(&SupervisorInfo {
            id: id.to_owned(),
            hostname: format!("host-{id}"),
            ports: ports.to_vec(),
            used_ports: workers.iter().map(|w| w.port).collect(),
            time_secs,
            uptime_secs: 0,
            version: "test".into(),
            worker_heartbeats: workers,
        })
        .await
        .expect("register");
}

async fn assignment(f: &Fixture, id: &TopologyId) -> Assignment {
    f.state
        .assignment(id)
        .await
        .expect("read")
        .expect("assigned")
}

fn by_slot(a: &Assignment) -> BTreeMap<NodePort, Vec<ExecutorInfo>> {
    let mut out: BTreeMap<NodePort, Vec<ExecutorInfo>> = BTreeMap::new();
    for (e, slot) in &a.executor_node_port {
        out.entry(slot.clone()).or_default().push(*e);
    }
    out
}

#[tokio::test]
async fn a_supervisor_whose_record_stops_changing_loses_its_executors_after_its_timeout() {
    let f = Fixture::new().await;
    beat(&f, "sup-a", &[6700], 1, Vec::new()).await;
    beat(&f, "sup-b", &[6700], 1, Vec::new()).await;
    let id = submitted(f.submit("words", &config(1)).await);
    let first = assignment(&f, &id)
        .await
        .workers()
        .first()
        .expect("one worker")
        .node
        .clone();
    let other = if first == "sup-a" { "sup-b" } else { "sup-a" };

    // nimbus.supervisor.timeout.secs is 6: the silent one still counts at 5 s (rounds run
    // every nimbus.monitor.freq.secs, 2 s; Nimbus judges only silence it watched)...
    for t in [2, 4, 5] {
        beat(&f, other, &[6700], t, Vec::new()).await;
        f.core.monitor(f.later(t)).await;
    }
    let a = assignment(&f, &id).await;
    assert!(a.workers().iter().all(|w| w.node == first), "{a:?}");

    // ...and not at 6 s, though its ephemeral znode is still there.
    beat(&f, other, &[6700], 6, Vec::new()).await;
    f.core.monitor(f.later(6)).await;
    let a = assignment(&f, &id).await;
    assert!(a.workers().iter().all(|w| w.node == other), "{a:?}");
}

#[tokio::test]
async fn an_executor_whose_heartbeat_stops_is_reassigned_after_the_task_timeout() {
    let f = Fixture::new().await;
    beat(&f, "sup-a", &[6700, 6701], 1, Vec::new()).await;
    let id = submitted(f.submit("words", &config(1)).await);
    let a = assignment(&f, &id).await;
    let (slot, executors) = by_slot(&a).into_iter().next().expect("one worker");
    let worker = |time_secs: u64| WorkerHeartbeat {
        topology_id: id.clone(),
        executors: executors.clone(),
        time_secs,
        uptime_secs: time_secs,
        port: slot.port,
    };
    // Past nimbus.task.launch.secs (30), liveness rests on the heartbeats alone: they keep
    // changing until 40 s, then the worker hangs while its supervisor keeps beating.
    for t in (2..=48).step_by(2) {
        beat(&f, "sup-a", &[6700, 6701], t, vec![worker(t.min(40))]).await;
        f.core.monitor(f.later(t)).await;
    }
    beat(&f, "sup-a", &[6700, 6701], 49, vec![worker(40)]).await;
    f.core.monitor(f.later(49)).await;
    assert_eq!(
        by_slot(&assignment(&f, &id).await).keys().next(),
        Some(&slot)
    );

    // nimbus.task.timeout.secs is 10: 50 s is 10 s after Nimbus last saw the beat change.
    beat(&f, "sup-a", &[6700, 6701], 50, vec![worker(40)]).await;
    f.core.monitor(f.later(50)).await;
    let moved = by_slot(&assignment(&f, &id).await);
    assert_eq!(moved.len(), 1);
    assert_ne!(moved.keys().next(), Some(&slot), "{moved:?}");
}

#[tokio::test]
async fn a_rebalance_keeps_the_workers_whose_executors_do_not_change() {
    let f = Fixture::new().await;
    f.supervisor("sup-a", &[6700, 6701]).await;
    f.supervisor("sup-b", &[6700, 6701]).await;
    // sentences (2) and split (4): six executors over four workers.
    let id = submitted(f.submit("words", &config(4)).await);
    let before = assignment(&f, &id).await;
    assert_eq!(by_slot(&before).len(), 4);

    let mut options = RebalanceRequest {
        wait_secs: Some(0),
        ..Default::default()
    };
    options.num_executors.insert("sentences".into(), 1);
    let r = f
        .call(Request::Rebalance {
            name: "words".into(),
            options,
        })
        .await;
    assert_eq!(r, Response::Ok);
    f.core
        .fire(&id, TopologyAction::DoRebalance, f.later(1))
        .await
        .expect("fire");
    let after = assignment(&f, &id).await;
    assert_eq!(after.executor_node_port.len(), 5, "{after:?}");
    assert_eq!(by_slot(&after).len(), 4, "{after:?}");

    // A worker whose executors are unchanged keeps its slot and start times, so its
    // supervisor leaves its process alone; only the others are restarted.
    let (before, after_slots) = (by_slot(&before), by_slot(&after));
    let kept: Vec<&NodePort> = before
        .iter()
        .filter(|(slot, es)| after_slots.get(*slot) == Some(*es))
        .map(|(slot, _)| slot)
        .collect();
    assert_eq!(kept.len(), 2, "before {before:?}\nafter {after_slots:?}");
    for slot in kept {
        for e in &after_slots[slot] {
            assert_eq!(
                after.executor_start_time_secs.get(e),
                Some(&f.clock.secs),
                "{e:?} kept its start time"
            );
        }
    }
}
