//! Unit tests of the in-memory cluster state: watches, sessions and ephemerals.

use std::collections::BTreeMap;
use std::time::Duration;

use storm_core::{ComponentId, ExecutorInfo, TaskId, TopologyId};

use super::*;
use crate::cluster_state::ClusterState;
use crate::records::{
    Assignment, ErrorInfo, NimbusInfo, NodePort, RestartReason, SupervisorInfo, WorkerRestarts,
};
use crate::watch::Change;

const WAIT: Duration = Duration::from_secs(5);

fn supervisor(id: &str) -> SupervisorInfo {
    SupervisorInfo {
        id: id.into(),
        hostname: "localhost".into(),
        ports: vec![6700, 6701],
        used_ports: vec![],
        time_secs: 1,
        uptime_secs: 0,
        version: "test".into(),
        worker_heartbeats: Vec::new(),
    }
}

fn assignment(id: &TopologyId, port: u16) -> Assignment {
    let mut a = Assignment::new(id.clone());
    let e = ExecutorInfo {
        start: TaskId(1),
        end: TaskId(2),
    };
    a.executor_node_port.insert(e, NodePort::new("s1", port));
    a.executor_start_time_secs.insert(e, 7);
    a.node_host.insert("s1".into(), "localhost".into());
    a
}

async fn next(w: &mut ChangeWatch) -> Change {
    tokio::time::timeout(WAIT, w.changed())
        .await
        .expect("a change within the deadline")
        .expect("state alive")
}

#[tokio::test]
async fn assignment_watch_fires_on_every_change() {
    let nimbus = MemClusterState::new();
    let supervisor = nimbus.new_session();
    let mut w = supervisor.watch_assignments();
    let id = TopologyId::new("t-1");
    nimbus
        .set_assignment(&id, &assignment(&id, 6700))
        .await
        .expect("set");
    assert_eq!(next(&mut w).await, Change::Created("t-1".into()));
    nimbus
        .set_assignment(&id, &assignment(&id, 6701))
        .await
        .expect("set");
    assert_eq!(next(&mut w).await, Change::Updated("t-1".into()));
    let read = supervisor.assignment(&id).await.expect("read");
    assert_eq!(read, Some(assignment(&id, 6701)));
    nimbus.remove_assignment(&id).await.expect("remove");
    assert_eq!(next(&mut w).await, Change::Deleted("t-1".into()));
    assert!(supervisor.assignments().await.expect("list").is_empty());
}

#[tokio::test]
async fn ephemerals_vanish_with_their_session_and_return_after_expiry() {
    let nimbus = MemClusterState::new();
    let sup = nimbus.new_session();
    sup.register_supervisor(&supervisor("s1"))
        .await
        .expect("register");
    let mut w = nimbus.watch_supervisors();
    assert_eq!(nimbus.supervisors().await.expect("list"), vec!["s1"]);

    sup.expire_session();
    assert_eq!(next(&mut w).await, Change::Deleted("s1".into()));
    assert_eq!(next(&mut w).await, Change::Resync);
    assert_eq!(next(&mut w).await, Change::Created("s1".into()));
    assert_eq!(
        nimbus.supervisor("s1").await.expect("read"),
        Some(supervisor("s1"))
    );

    drop(sup);
    assert_eq!(next(&mut w).await, Change::Deleted("s1".into()));
    assert!(nimbus.supervisors().await.expect("list").is_empty());
}

#[tokio::test]
async fn unregistered_ephemerals_do_not_come_back() {
    let state = MemClusterState::new();
    let info = NimbusInfo::new("h", 6627);
    state.register_nimbus(&info).await.expect("register");
    assert_eq!(state.nimbuses().await.expect("list"), vec![info.clone()]);
    state.unregister_nimbus(&info).await.expect("unregister");
    state.expire_session();
    assert!(state.nimbuses().await.expect("list").is_empty());
}

#[tokio::test]
async fn keeps_the_newest_ten_errors_newest_first() {
    let state = MemClusterState::new();
    let id = TopologyId::new("t-1");
    let comp = ComponentId::new("split words");
    for i in 0..13u64 {
        let e = ErrorInfo {
            error: format!("boom {i}"),
            time_secs: i,
            host: "h".into(),
            port: 6700,
            task: 3,
        };
        state.report_error(&id, &comp, &e).await.expect("report");
    }
    let errors = state.errors(&id, &comp).await.expect("list");
    let secs: Vec<u64> = errors.iter().map(|e| e.time_secs).collect();
    assert_eq!(secs, (3..13).rev().collect::<Vec<_>>());
    let last = state.last_error(&id, &comp).await.expect("read");
    assert_eq!(last.map(|e| e.time_secs), Some(12));
    assert_eq!(
        state.error_topologies().await.expect("list"),
        vec![id.clone()]
    );
    state.teardown_errors(&id).await.expect("teardown");
    assert!(state.errors(&id, &comp).await.expect("list").is_empty());
}

#[tokio::test]
async fn restarts_count_up_per_slot_with_the_last_reason() {
    let state = MemClusterState::new();
    state.setup().await.expect("setup");
    let id = TopologyId::new("t-1");
    let a = NodePort::new("sup-a", 6700);
    let b = NodePort::new("sup-a", 6701);
    let first = RestartReason::Exited { code: 3 };
    let second = RestartReason::MissedHeartbeat { age_secs: Some(4) };
    state
        .record_restart(&id, &a, &first, 10)
        .await
        .expect("write");
    let counted = state
        .record_restart(&id, &a, &second, 20)
        .await
        .expect("write");
    state
        .record_restart(&id, &b, &RestartReason::StartTimeout, 15)
        .await
        .expect("write");
    let expected_a = WorkerRestarts {
        count: 2,
        last_reason: second,
        last_time_secs: 20,
    };
    assert_eq!(counted, expected_a);
    let all = state.worker_restarts(&id).await.expect("read");
    assert_eq!(all.len(), 2);
    assert_eq!(all[&a], expected_a);
    assert_eq!(all[&b].count, 1);
    assert_eq!(all[&b].last_reason, RestartReason::StartTimeout);
    assert_eq!(
        state.restart_topologies().await.expect("list"),
        vec![id.clone()]
    );
    state.teardown_restarts(&id).await.expect("teardown");
    assert!(state.worker_restarts(&id).await.expect("read").is_empty());
}

#[tokio::test]
async fn heartbeats_are_listed_by_slot() {
    let state = MemClusterState::new();
    let id = TopologyId::new("t-1");
    let mut expected = BTreeMap::new();
    for (node, port) in [("node-a", 6700), ("node-a", 6701), ("b", 6700)] {
        let slot = NodePort::new(node, port);
        let hb = crate::records::WorkerHeartbeat {
            topology_id: id.clone(),
            executors: vec![],
            time_secs: u64::from(port),
            uptime_secs: 1,
            port,
        };
        state
            .set_worker_heartbeat(&id, &slot, &hb)
            .await
            .expect("set");
        expected.insert(slot, hb);
    }
    assert_eq!(state.worker_heartbeats(&id).await.expect("list"), expected);
    let gone = NodePort::new("node-a", 6701);
    state
        .remove_worker_heartbeat(&id, &gone)
        .await
        .expect("remove");
    assert_eq!(
        state.worker_heartbeat(&id, &gone).await.expect("read"),
        None
    );
    assert_eq!(
        state.heartbeat_storms().await.expect("list"),
        vec![id.clone()]
    );
    state.teardown_heartbeats(&id).await.expect("teardown");
    assert!(state.heartbeat_storms().await.expect("list").is_empty());
}

#[tokio::test]
async fn a_second_contender_leads_after_the_first_lets_go() {
    let a = MemClusterState::new();
    let b = a.new_session();
    let first = a
        .contend_leadership(&NimbusInfo::new("a", 1))
        .await
        .expect("first leads");
    assert!(first.is_held());
    let leader = a.leader().await.expect("read").expect("a leader");
    assert_eq!((leader.host.as_str(), leader.is_leader), ("a", true));

    let b_info = NimbusInfo::new("b", 2);
    let mut second = std::pin::pin!(b.contend_leadership(&b_info));
    assert!(
        tokio::time::timeout(Duration::from_millis(50), &mut second)
            .await
            .is_err(),
        "b must wait while a leads"
    );
    drop(first);
    let second = tokio::time::timeout(WAIT, second)
        .await
        .expect("b leads in time")
        .expect("b leads");
    assert!(second.is_held());
    assert_eq!(
        b.leader().await.expect("read").map(|n| n.host),
        Some("b".into())
    );
}

#[tokio::test]
async fn leadership_is_lost_with_the_session() {
    let state = MemClusterState::new();
    let mut lead = state
        .contend_leadership(&NimbusInfo::new("a", 1))
        .await
        .expect("leads");
    state.expire_session();
    tokio::time::timeout(WAIT, lead.lost())
        .await
        .expect("lost in time");
    assert!(!lead.is_held());
    assert_eq!(state.leader().await.expect("read"), None);
}

#[tokio::test]
async fn sequences_count_up_per_parent() {
    let s = MemStorage::new();
    let a = s.create_sequential("/x/e", vec![1]).await.expect("create");
    let b = s.create_sequential("/x/e", vec![2]).await.expect("create");
    assert!(a < b, "{a} < {b}");
    assert_eq!(s.get_children("/x").await.expect("list"), vec![a, b]);
    assert_eq!(s.get_children("/").await.expect("list"), vec!["x"]);
    s.set_data("/y", vec![3]).await.expect("write at the top");
    assert_eq!(s.get_children("/").await.expect("list"), vec!["x", "y"]);
    s.mkdirs("/").await.expect("the root exists");
    s.delete_node("/x").await.expect("delete");
    assert_eq!(s.get_data("/x").await.expect("read"), None);
}
