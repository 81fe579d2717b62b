//! ZooKeeper stopped and restarted under a live cluster state: a short outage keeps the session
//! and the state carries on; a long one expires the session, and the state opens a new one and
//! re-creates its ephemeral registrations.

use std::sync::Arc;
use std::time::{Duration, Instant};

use storm_core::TopologyId;
use storm_integration::scenarios::{next_change_for, next_change_or_resync, DEADLINE};
use storm_integration::{fixtures, wait_until, ZooKeeperServer};
use storm_zk::{Change, ClusterState, ZkClusterState};
use zookeeper_client::Client;

/// Time for the client to declare a 4 s session expired and for the server to come back.
const EXPIRY_DEADLINE: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_outage_keeps_the_session_and_the_state_carries_on() {
    storm_integration::init_tracing();
    let mut server = ZooKeeperServer::start().expect("ZooKeeper server");
    let config = server
        .zk_config("/storm")
        .with_session_timeout(Duration::from_secs(20));
    let state = Arc::new(ZkClusterState::connect(config).await.expect("connect"));
    state
        .register_supervisor(&fixtures::supervisor("sup-1"))
        .await
        .expect("register");
    let mut watch = state.watch_assignments();
    let status = state.status();
    let session = status.borrow().session_id;

    server.stop().expect("stop");
    // A write issued during the outage is retried until the server is back.
    let id = TopologyId::new("during-outage-1");
    let pending = tokio::spawn({
        let state = Arc::clone(&state);
        let id = id.clone();
        async move {
            state
                .set_assignment(&id, &fixtures::assignment(&id, 6700))
                .await
        }
    });
    server.restart().expect("restart on the same data");
    tokio::time::timeout(DEADLINE, pending)
        .await
        .expect("the write finishes in time")
        .expect("task ran")
        .expect("the write succeeds after the restart");

    assert_eq!(status.borrow().session_id, session, "the session survived");
    assert_eq!(status.borrow().sessions, 1);
    assert_eq!(
        state.assignment(&id).await.expect("read"),
        Some(fixtures::assignment(&id, 6700))
    );
    assert_eq!(
        state.supervisor("sup-1").await.expect("read"),
        Some(fixtures::supervisor("sup-1"))
    );
    // The write made during the outage is reported, or watchers are told to re-read (a
    // persistent watch can miss events across a reconnect, ZOOKEEPER-4698).
    let change = next_change_or_resync(&mut watch, id.as_str()).await;
    assert!(
        matches!(change, Change::Resync | Change::Created(_)),
        "{change:?}"
    );
    // Later writes fire the same watch. (The outage write's own event may still be queued
    // behind the resync, so skip a Created.)
    state
        .set_assignment(&id, &fixtures::assignment(&id, 6701))
        .await
        .expect("write after the outage");
    loop {
        match next_change_for(&mut watch, id.as_str()).await {
            Change::Updated(_) => break,
            Change::Created(_) => continue,
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_session_expiry_registrations_are_re_created() {
    storm_integration::init_tracing();
    let mut server = ZooKeeperServer::start().expect("ZooKeeper server");
    let config = server
        .zk_config("/storm")
        .with_session_timeout(Duration::from_secs(4))
        .with_connection_timeout(Duration::from_secs(1));
    let state = ZkClusterState::connect(config).await.expect("connect");
    state
        .register_supervisor(&fixtures::supervisor("sup-1"))
        .await
        .expect("register supervisor");
    state
        .register_nimbus(&fixtures::nimbus("nimbus-1"))
        .await
        .expect("register nimbus");
    let mut leadership = state
        .contend_leadership(&fixtures::nimbus("nimbus-1"))
        .await
        .expect("leads");
    let mut watch = state.watch_supervisors();
    let mut status = state.status();
    let first_session = status.borrow().session_id.expect("a session");

    server.stop().expect("stop");
    let stopped = Instant::now();
    // Meanwhile, requests fail with a retryable error after their retry budget; none hangs.
    let err = state.assignments().await.expect_err("no server");
    assert!(err.is_retryable(), "{err}");
    tokio::time::timeout(EXPIRY_DEADLINE, status.wait_for(|s| s.session_id.is_none()))
        .await
        .expect("the client declares the session over")
        .expect("state alive");
    tokio::time::timeout(DEADLINE, leadership.lost())
        .await
        .expect("leadership is lost with the session");
    assert!(!leadership.is_held());
    let expired_after = stopped.elapsed();

    server.restart().expect("restart on the same data");
    tokio::time::timeout(
        EXPIRY_DEADLINE,
        status.wait_for(|s| s.sessions >= 2 && s.connected),
    )
    .await
    .expect("a new session in time")
    .expect("state alive");
    let second_session = status.borrow().session_id.expect("a session");
    assert_ne!(second_session, first_session);

    // The registrations are back, owned by the new session: they survive the old one's reaping.
    let zk = Client::connect(&server.connect_string())
        .await
        .expect("plain client");
    for path in ["/storm/supervisors/sup-1", "/storm/nimbuses/nimbus-1:6627"] {
        wait_until(
            &format!("{path} is owned by the new session"),
            EXPIRY_DEADLINE,
            || async {
                matches!(zk.check_stat(path).await, Ok(Some(stat)) if stat.ephemeral_owner == second_session)
            },
        )
        .await
        .expect("re-created");
    }
    assert_eq!(
        state.supervisor("sup-1").await.expect("read"),
        Some(fixtures::supervisor("sup-1"))
    );
    // Watchers were told to re-read.
    let resync = tokio::time::timeout(DEADLINE, async {
        loop {
            if watch.changed().await.expect("alive") == Change::Resync {
                return;
            }
        }
    })
    .await;
    assert!(resync.is_ok(), "no resync after the new session");
    // The state works as before, and leadership can be contended again.
    let id = TopologyId::new("after-expiry-1");
    state
        .set_assignment(&id, &fixtures::assignment(&id, 6700))
        .await
        .expect("write");
    let again = tokio::time::timeout(
        DEADLINE,
        state.contend_leadership(&fixtures::nimbus("nimbus-1")),
    )
    .await
    .expect("leads again in time")
    .expect("leads again");
    assert!(again.is_held());
    tracing::info!(
        ?expired_after,
        "session declared over after the server stopped"
    );
}
