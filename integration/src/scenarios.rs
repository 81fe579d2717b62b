//! Behaviours every [`ClusterState`] backend must show, written once and run against both the
//! in-memory backend and a real ZooKeeper (`tests/mem_state.rs`, `tests/zk_state.rs`).

// Test scenarios fail by panicking: unwrap and expect are how they assert.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::time::Duration;

use storm_core::{ComponentId, TopologyId};
use storm_zk::{Change, ChangeWatch, ClusterState, NodePort, RestartReason, TopologyStatus};

use crate::fixtures;
use crate::wait::wait_until;

/// How long a scenario waits for anything.
pub const DEADLINE: Duration = Duration::from_secs(10);

/// The next change that concerns `key`, skipping resyncs and other keys.
pub async fn next_change_for(watch: &mut ChangeWatch, key: &str) -> Change {
    let wait = async {
        loop {
            match watch.changed().await {
                Ok(c) if c.key() == Some(key) => return c,
                Ok(_) => continue,
                Err(e) => panic!("watch on {:?} closed: {e}", watch.dir()),
            }
        }
    };
    tokio::time::timeout(DEADLINE, wait)
        .await
        .unwrap_or_else(|_| panic!("no change for {key} within {DEADLINE:?}"))
}

/// The next change that concerns `key` or asks for a resync (after which a consumer re-reads
/// everything, so a change missed across a reconnect is not lost).
pub async fn next_change_or_resync(watch: &mut ChangeWatch, key: &str) -> Change {
    let wait = async {
        loop {
            match watch.changed().await {
                Ok(c) if c == Change::Resync || c.key() == Some(key) => return c,
                Ok(_) => continue,
                Err(e) => panic!("watch on {:?} closed: {e}", watch.dir()),
            }
        }
    };
    tokio::time::timeout(DEADLINE, wait)
        .await
        .unwrap_or_else(|_| panic!("no change for {key} nor resync within {DEADLINE:?}"))
}

/// Every record written is read back equal, listed, and gone after removal.
pub async fn round_trip_every_record(state: &dyn ClusterState) {
    state.setup().await.expect("setup");
    let id = TopologyId::new("wordcount-1-1700000000");

    let sup = fixtures::supervisor("sup-1");
    state
        .register_supervisor(&sup)
        .await
        .expect("register supervisor");
    assert_eq!(
        state.supervisor("sup-1").await.expect("read"),
        Some(sup.clone())
    );
    assert_eq!(state.supervisors().await.expect("list"), vec!["sup-1"]);
    let all = state.all_supervisor_info().await.expect("list");
    assert_eq!(all.get("sup-1"), Some(&sup));

    let a = fixtures::assignment(&id, 6700);
    state.set_assignment(&id, &a).await.expect("set assignment");
    assert_eq!(state.assignment(&id).await.expect("read"), Some(a));
    assert_eq!(state.assignments().await.expect("list"), vec![id.clone()]);

    let base = fixtures::storm_base("wordcount");
    state.set_storm(&id, &base).await.expect("set storm");
    assert_eq!(state.storm(&id).await.expect("read"), Some(base.clone()));
    assert_eq!(state.active_storms().await.expect("list"), vec![id.clone()]);
    let killed = storm_zk::StormBase {
        status: TopologyStatus::Killed { wait_secs: 30 },
        prev_status: Some(base.status.clone()),
        ..base
    };
    state.set_storm(&id, &killed).await.expect("update storm");
    assert_eq!(state.storm(&id).await.expect("read"), Some(killed));

    let slot = NodePort::new("sup-1", 6700);
    let hb = fixtures::heartbeat(&id, &slot);
    state
        .set_worker_heartbeat(&id, &slot, &hb)
        .await
        .expect("heartbeat");
    assert_eq!(
        state.worker_heartbeat(&id, &slot).await.expect("read"),
        Some(hb.clone())
    );
    let mut beats = BTreeMap::new();
    beats.insert(slot.clone(), hb);
    assert_eq!(state.worker_heartbeats(&id).await.expect("list"), beats);
    assert_eq!(
        state.heartbeat_storms().await.expect("list"),
        vec![id.clone()]
    );

    let comp = ComponentId::new("split");
    state
        .report_error(&id, &comp, &fixtures::error(1))
        .await
        .expect("report");
    state
        .report_error(&id, &comp, &fixtures::error(2))
        .await
        .expect("report");
    assert_eq!(
        state.errors(&id, &comp).await.expect("list"),
        vec![fixtures::error(2), fixtures::error(1)]
    );
    assert_eq!(
        state.last_error(&id, &comp).await.expect("read"),
        Some(fixtures::error(2))
    );

    let exited = RestartReason::Exited { code: 3 };
    state
        .record_restart(&id, &slot, &exited, 1_700_000_200)
        .await
        .expect("restart");
    let restarts = state.worker_restarts(&id).await.expect("list");
    assert_eq!(restarts[&slot].count, 1);
    assert_eq!(restarts[&slot].last_reason, exited);

    let nimbus = fixtures::nimbus("nimbus-1");
    state
        .register_nimbus(&nimbus)
        .await
        .expect("register nimbus");
    assert_eq!(state.nimbuses().await.expect("list"), vec![nimbus.clone()]);

    // Removal, and reads of what is missing.
    state
        .unregister_supervisor("sup-1")
        .await
        .expect("unregister");
    state
        .remove_assignment(&id)
        .await
        .expect("remove assignment");
    state.remove_storm(&id).await.expect("remove storm");
    state
        .remove_worker_heartbeat(&id, &slot)
        .await
        .expect("remove heartbeat");
    state
        .teardown_heartbeats(&id)
        .await
        .expect("teardown heartbeats");
    state.teardown_errors(&id).await.expect("teardown errors");
    state
        .teardown_restarts(&id)
        .await
        .expect("teardown restarts");
    state
        .unregister_nimbus(&nimbus)
        .await
        .expect("unregister nimbus");
    assert_eq!(state.supervisor("sup-1").await.expect("read"), None);
    assert_eq!(state.assignment(&id).await.expect("read"), None);
    assert_eq!(state.storm(&id).await.expect("read"), None);
    assert_eq!(
        state.worker_heartbeat(&id, &slot).await.expect("read"),
        None
    );
    assert!(state.heartbeat_storms().await.expect("list").is_empty());
    assert!(state.errors(&id, &comp).await.expect("list").is_empty());
    assert!(state.worker_restarts(&id).await.expect("list").is_empty());
    assert!(state.nimbuses().await.expect("list").is_empty());
    // Removing what is gone is fine.
    state.remove_assignment(&id).await.expect("remove again");
}

/// A watch on assignments fires when one is created, again when it changes (it re-arms), and
/// when it is removed; the reader then sees the writer's latest value.
pub async fn assignment_watch_rearms(writer: &dyn ClusterState, reader: &dyn ClusterState) {
    let id = TopologyId::new("watched-1-1700000000");
    let mut watch = reader.watch_assignments();
    writer
        .set_assignment(&id, &fixtures::assignment(&id, 6700))
        .await
        .expect("set");
    assert_eq!(
        next_change_for(&mut watch, id.as_str()).await,
        Change::Created(id.to_string())
    );
    writer
        .set_assignment(&id, &fixtures::assignment(&id, 6701))
        .await
        .expect("set again");
    assert_eq!(
        next_change_for(&mut watch, id.as_str()).await,
        Change::Updated(id.to_string())
    );
    assert_eq!(
        reader.assignment(&id).await.expect("read"),
        Some(fixtures::assignment(&id, 6701))
    );
    writer
        .set_assignment(&id, &fixtures::assignment(&id, 6702))
        .await
        .expect("set a third time");
    assert_eq!(
        next_change_for(&mut watch, id.as_str()).await,
        Change::Updated(id.to_string())
    );
    writer.remove_assignment(&id).await.expect("remove");
    assert_eq!(
        next_change_for(&mut watch, id.as_str()).await,
        Change::Deleted(id.to_string())
    );
}

/// A supervisor's registration disappears when the state that made it is dropped, and the
/// observer's supervisor watch says so.
pub async fn supervisor_vanishes_with_its_state(
    observer: &dyn ClusterState,
    registrant: Box<dyn ClusterState>,
) {
    let mut watch = observer.watch_supervisors();
    registrant
        .register_supervisor(&fixtures::supervisor("sup-gone"))
        .await
        .expect("register");
    assert_eq!(
        next_change_for(&mut watch, "sup-gone").await,
        Change::Created("sup-gone".into())
    );
    drop(registrant);
    assert_eq!(
        next_change_for(&mut watch, "sup-gone").await,
        Change::Deleted("sup-gone".into())
    );
    wait_until("the registration is gone", DEADLINE, || async {
        observer
            .supervisor("sup-gone")
            .await
            .expect("read")
            .is_none()
    })
    .await
    .expect("gone");
}

/// Errors beyond the newest ten are dropped; the rest come newest first.
pub async fn errors_keep_the_newest_ten(state: &dyn ClusterState) {
    let id = TopologyId::new("errors-1-1700000000");
    let comp = ComponentId::new("a bolt/with odd chars");
    for t in 0..12 {
        state
            .report_error(&id, &comp, &fixtures::error(t))
            .await
            .expect("report");
    }
    let kept: Vec<u64> = state
        .errors(&id, &comp)
        .await
        .expect("list")
        .into_iter()
        .map(|e| e.time_secs)
        .collect();
    assert_eq!(kept, (2..12).rev().collect::<Vec<_>>());
    state.teardown_errors(&id).await.expect("teardown");
}

/// A second contender leads once the first gives leadership up.
pub async fn leadership_passes_on(first: &dyn ClusterState, second: &dyn ClusterState) {
    let a = fixtures::nimbus("nimbus-a");
    let b = fixtures::nimbus("nimbus-b");
    let lead_a = tokio::time::timeout(DEADLINE, first.contend_leadership(&a))
        .await
        .expect("a leads in time")
        .expect("a leads");
    assert!(lead_a.is_held());
    let leader = second.leader().await.expect("read").expect("a leader");
    assert_eq!((leader.host.as_str(), leader.is_leader), ("nimbus-a", true));

    let contend_b = second.contend_leadership(&b);
    tokio::pin!(contend_b);
    // b must still be waiting: give its request time to reach the latch.
    let early = tokio::time::timeout(Duration::from_millis(300), &mut contend_b).await;
    assert!(early.is_err(), "b must not lead while a does");

    drop(lead_a);
    let lead_b = tokio::time::timeout(DEADLINE, contend_b)
        .await
        .expect("b leads in time")
        .expect("b leads");
    assert!(lead_b.is_held());
    let leader = first.leader().await.expect("read").expect("a leader");
    assert_eq!(leader.host, "nimbus-b");
}
