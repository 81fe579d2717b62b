//! The ZooKeeper backend against a real server: records, watches, ephemerals, errors, the leader
//! latch, roots, and bytes it cannot read.

// Tests fail by panicking: unwrap and expect are how they assert.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use storm_core::TopologyId;
use storm_integration::{fixtures, scenarios, ZooKeeperServer};
use storm_zk::{ClusterState, ZkClusterState};
use zookeeper_client::{Acls, Client, CreateMode};

fn server() -> ZooKeeperServer {
    storm_integration::init_tracing();
    ZooKeeperServer::start().expect("ZooKeeper server")
}

async fn state(server: &ZooKeeperServer, root: &str) -> ZkClusterState {
    ZkClusterState::connect(server.zk_config(root))
        .await
        .expect("connect the cluster state")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn round_trips_every_record() {
    let server = server();
    let state: Arc<dyn ClusterState> = Arc::new(state(&server, "/storm").await);
    scenarios::round_trip_every_record(state.as_ref()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assignment_watch_fires_again_after_firing() {
    let server = server();
    let nimbus = state(&server, "/storm").await;
    let supervisor = state(&server, "/storm").await;
    scenarios::assignment_watch_rearms(&nimbus, &supervisor).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_without_the_supervisor_watch_hears_assignments_but_no_supervisor_beats() {
    let server = server();
    let writer = state(&server, "/storm").await;
    let nimbus = state(&server, "/storm").await;
    let worker = ZkClusterState::connect(server.zk_config("/storm").without_supervisor_watch())
        .await
        .expect("connect without the supervisor watch");
    let mut nimbus_supervisors = nimbus.watch_supervisors();
    let mut worker_supervisors = worker.watch_supervisors();
    let mut worker_assignments = worker.watch_assignments();

    // A supervisor beat, then an assignment: events reach a session in the order they happened.
    writer
        .register_supervisor(&fixtures::supervisor("s1"))
        .await
        .expect("register");
    let id = TopologyId::new("unwatched-1-1700000000");
    writer
        .set_assignment(&id, &fixtures::assignment(&id, 6700))
        .await
        .expect("assign");

    let heard = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        loop {
            match nimbus_supervisors.changed().await.expect("nimbus watch") {
                storm_zk::Change::Created(k) if k == "s1" => return,
                _ => continue,
            }
        }
    })
    .await;
    assert!(heard.is_ok(), "a default session hears the supervisor");
    let assigned = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        loop {
            if let storm_zk::Change::Created(k) = worker_assignments.changed().await.expect("watch")
            {
                if k == id.as_str() {
                    return;
                }
            }
        }
    })
    .await;
    assert!(
        assigned.is_ok(),
        "the worker's session hears the assignment"
    );
    // Had the supervisor been watched, its earlier event would be queued by now.
    while let Some(change) = worker_supervisors.try_changed() {
        let change = change.expect("watch");
        assert!(
            matches!(change, storm_zk::Change::Resync),
            "no supervisor event without the watch: {change:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn supervisor_registration_vanishes_when_its_state_is_dropped() {
    let server = server();
    let observer = state(&server, "/storm").await;
    let registrant = Box::new(state(&server, "/storm").await);
    scenarios::supervisor_vanishes_with_its_state(&observer, registrant).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_keep_the_newest_ten() {
    let server = server();
    scenarios::errors_keep_the_newest_ten(&state(&server, "/storm").await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leadership_passes_to_the_next_contender() {
    let server = server();
    let a = state(&server, "/storm").await;
    let b = state(&server, "/storm").await;
    scenarios::leadership_passes_on(&a, &b).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clusters_with_different_roots_do_not_see_each_other() {
    let server = server();
    let prod = state(&server, "/storm-prod").await;
    let test = state(&server, "/clusters/test").await;
    let id = TopologyId::new("shared-name-1-1700000000");
    prod.set_assignment(&id, &fixtures::assignment(&id, 6700))
        .await
        .expect("set in prod");
    prod.register_supervisor(&fixtures::supervisor("sup-prod"))
        .await
        .expect("register in prod");
    assert_eq!(test.assignment(&id).await.expect("read"), None);
    assert!(test.assignments().await.expect("list").is_empty());
    assert!(test.supervisors().await.expect("list").is_empty());

    test.set_assignment(&id, &fixtures::assignment(&id, 6800))
        .await
        .expect("set in test");
    assert_eq!(
        prod.assignment(&id).await.expect("read"),
        Some(fixtures::assignment(&id, 6700))
    );

    let zk = Client::connect(&server.connect_string())
        .await
        .expect("plain client");
    let path = format!("/storm-prod/assignments/{id}");
    assert!(
        zk.check_stat(&path).await.expect("stat").is_some(),
        "{path}"
    );
    let path = format!("/clusters/test/assignments/{id}");
    assert!(
        zk.check_stat(&path).await.expect("stat").is_some(),
        "{path}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreadable_bytes_are_an_error_not_a_panic() {
    let server = server();
    let state = state(&server, "/storm").await;
    let zk = Client::connect(&server.connect_string())
        .await
        .expect("plain client");
    let open = CreateMode::Persistent.with_acls(Acls::anyone_all());
    zk.create("/storm/assignments/garbage", b"\x01\xff\xff\xff", &open)
        .await
        .expect("write garbage");
    zk.create("/storm/assignments/future", b"\x07anything", &open)
        .await
        .expect("write a future version");
    let err = state
        .assignment(&TopologyId::new("garbage"))
        .await
        .expect_err("garbage");
    assert!(err.is_codec(), "{err}");
    let err = state
        .assignment(&TopologyId::new("future"))
        .await
        .expect_err("unknown version");
    assert!(err.to_string().contains("version 7"), "{err}");
}
