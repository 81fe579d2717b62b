//! The cluster on a three-member ZooKeeper ensemble: with the quorum's leader stopped, the
//! daemons carry on with the two members left, a topology is submitted, runs over two workers
//! and counts exactly, and the stopped member rejoins as a follower.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use storm_integration::reports::expected_word_counts;
use storm_integration::{wait_until, ClusterOptions, StormCluster};

const CLI: &str = env!("CARGO_BIN_EXE_storm_cli");
const TOPOLOGY: &str = env!("CARGO_BIN_EXE_wordcount_topology");
const DEADLINE: Duration = Duration::from_secs(90);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_one_of_three_zookeeper_members_stopped_submit_and_run_still_work() {
    storm_integration::init_tracing();
    let mut options = ClusterOptions::new(CLI);
    options.zookeeper_members = 3;
    let mut cluster = StormCluster::start(options).await.expect("cluster");
    let members = cluster.zookeeper.members().len();
    assert_eq!(members, 3);

    // Take the quorum's leader away: the followers elect a new one and every session moves
    // to a member that is left.
    let leader = cluster
        .zookeeper
        .leader()
        .expect("the ensemble has a leader");
    cluster
        .zookeeper
        .member_mut(leader)
        .expect("the leader member")
        .stop()
        .expect("stop the leading member");
    let new_leader = wait_until("the two members left elect a leader", DEADLINE, || {
        let left = cluster.zookeeper.leader();
        async move { left.is_some_and(|l| l != leader) }
    })
    .await;
    new_leader.unwrap_or_else(|e| panic!("{e}\n{}", cluster.logs()));

    let output = cluster.dir().join("output");
    let args = [
        "--sentences",
        "300",
        "--parallelism",
        "2",
        "--workers",
        "2",
        "--acked",
    ];
    cluster.submit(TOPOLOGY, "ensemble", &output, &args).await;
    let expected = expected_word_counts(2, 300);
    cluster
        .wait_for_word_counts(&output, &expected, DEADLINE)
        .await;
    let listed = cluster.storm(&["list"]).await;
    assert!(
        listed.ok() && listed.stdout.contains("ensemble"),
        "{listed:?}"
    );
    assert_eq!(cluster.worker_pids().len(), 2, "{}", cluster.logs());

    // The stopped member comes back and follows.
    let member = cluster
        .zookeeper
        .member_mut(leader)
        .expect("the stopped member");
    member.restart().expect("restart the stopped member");
    assert_eq!(member.mode().as_deref(), Some("follower"));
}
