//! The in-memory backend shows the behaviours the ZooKeeper backend is tested for.

use std::time::Duration;

use storm_integration::{fixtures, scenarios};
use storm_zk::{Change, ClusterState, MemClusterState};

#[tokio::test]
async fn round_trips_every_record() {
    scenarios::round_trip_every_record(&MemClusterState::new()).await;
}

#[tokio::test]
async fn assignment_watch_fires_again_after_firing() {
    let nimbus = MemClusterState::new();
    let supervisor = nimbus.new_session();
    scenarios::assignment_watch_rearms(&nimbus, &supervisor).await;
}

#[tokio::test]
async fn supervisor_registration_vanishes_with_its_session() {
    let observer = MemClusterState::new();
    let registrant = Box::new(observer.new_session());
    scenarios::supervisor_vanishes_with_its_state(&observer, registrant).await;
}

#[tokio::test]
async fn errors_keep_the_newest_ten() {
    scenarios::errors_keep_the_newest_ten(&MemClusterState::new()).await;
}

#[tokio::test]
async fn leadership_passes_to_the_next_contender() {
    let a = MemClusterState::new();
    let b = a.new_session();
    scenarios::leadership_passes_on(&a, &b).await;
}

#[tokio::test]
async fn registrations_come_back_after_session_expiry() {
    let nimbus = MemClusterState::new();
    let supervisor = nimbus.new_session();
    supervisor
        .register_supervisor(&fixtures::supervisor("sup-1"))
        .await
        .expect("register");
    let mut lead = supervisor
        .contend_leadership(&fixtures::nimbus("n"))
        .await
        .expect("leads");
    let mut watch = nimbus.watch_supervisors();
    let before = supervisor.storage().session_id();

    supervisor.expire_session();

    assert_ne!(supervisor.storage().session_id(), before);
    assert_eq!(
        scenarios::next_change_for(&mut watch, "sup-1").await,
        Change::Deleted("sup-1".into())
    );
    assert_eq!(
        scenarios::next_change_for(&mut watch, "sup-1").await,
        Change::Created("sup-1".into())
    );
    tokio::time::timeout(Duration::from_secs(5), lead.lost())
        .await
        .expect("leadership lost with the session");
    assert_eq!(
        nimbus.supervisor("sup-1").await.expect("read"),
        Some(fixtures::supervisor("sup-1"))
    );
}
