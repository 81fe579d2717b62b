//! Nimbus out of the data path and Nimbus HA, with real processes: `kill -9` of the only Nimbus
//! leaves a word count processing, and a restarted Nimbus lists it unchanged without touching
//! its assignment or workers; with two Nimbus processes the standby copies each artifact,
//! takes over when the leader is killed, and accepts submissions, rebalances and kills through
//! the seeds.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::Duration;

use serde_json::json;
use storm_client::protocol::TopologySummary;
use storm_client::{DaemonConfig, NimbusClient};
use storm_integration::reports::{read_reports, SinkReport};
use storm_integration::{wait_until, ClusterOptions, StormCluster};
use storm_zk::ClusterState;

const CLI: &str = env!("CARGO_BIN_EXE_storm_cli");
const TOPOLOGY: &str = env!("CARGO_BIN_EXE_wordcount_topology");
const DEADLINE: Duration = Duration::from_secs(90);

fn sink_tuples(dir: &Path) -> u64 {
    read_reports::<SinkReport>(dir, "sink")
        .values()
        .map(|r| r.tuples)
        .sum()
}

/// Test clients retry quickly: a failover takes one session timeout (6 s here).
fn options() -> ClusterOptions {
    ClusterOptions::new(CLI)
        .with_conf("storm.nimbus.retry.times", json!(20))
        .with_conf("storm.nimbus.retry.interval.millis", json!(250))
        .with_conf("storm.nimbus.retry.intervalceiling.millis", json!(1000))
        .with_conf("nimbus.code.sync.freq.secs", json!(1))
}

/// The topologies as the leading Nimbus lists them, found through the client's seeds.
async fn list(cluster: &StormCluster) -> Result<Vec<TopologySummary>, String> {
    let config = DaemonConfig::load(Some(cluster.client_conf()), &[]).map_err(|e| e.to_string())?;
    let mut client = NimbusClient::connect_seeds(&config)
        .await
        .map_err(|e| e.to_string())?;
    client.list_topologies().await.map_err(|e| e.to_string())
}

/// Waits until the sinks under `output` have received `more` tuples beyond what they have now.
async fn wait_for_more_tuples(cluster: &StormCluster, output: &Path, more: u64, what: &str) {
    let base = sink_tuples(output);
    wait_until(what, DEADLINE, || async {
        sink_tuples(output) >= base + more
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", cluster.logs()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_only_nimbus_leaves_topologies_running_and_a_restart_changes_nothing() {
    storm_integration::init_tracing();
    let mut cluster = StormCluster::start(options()).await.expect("cluster");
    let output = cluster.dir().join("output");
    let args = ["--rate", "100", "--workers", "2", "--parallelism", "2"];
    cluster.submit(TOPOLOGY, "steady", &output, &args).await;
    wait_until("both workers run and the sinks count", DEADLINE, || async {
        cluster.worker_pids().len() == 2 && sink_tuples(&output) > 0
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", cluster.logs()));
    let before = list(&cluster).await.expect("listed");
    let assignment = cluster.only_assignment().await.expect("assigned");
    let workers = cluster.worker_pids();

    cluster.nimbus.kill();
    wait_for_more_tuples(&cluster, &output, 300, "the sinks count on without Nimbus").await;

    cluster.restart_nimbus(0).expect("restarted");
    // The client waits out the dead Nimbus's session, then finds the restarted one leading.
    let after = list(&cluster)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", cluster.logs()));
    // A few monitor rounds of the new leader, while the sinks keep counting.
    wait_for_more_tuples(
        &cluster,
        &output,
        300,
        "the sinks count on under the new Nimbus",
    )
    .await;

    assert_eq!(after.len(), 1, "{after:?}");
    assert_eq!(
        (&after[0].id, &after[0].status, after[0].num_workers),
        (&before[0].id, &before[0].status, before[0].num_workers)
    );
    let listed = cluster.storm(&["list"]).await;
    assert!(
        listed.ok() && listed.stdout.contains("steady"),
        "{listed:?}"
    );
    assert_eq!(cluster.only_assignment().await, Some(assignment));
    assert_eq!(cluster.worker_pids(), workers);
}

/// The hex SHA-256 of a file, or nothing if it cannot be read.
fn sha256_of(path: &Path) -> Option<String> {
    use sha2::{Digest, Sha256};
    let bytes = std::fs::read(path).ok()?;
    Some(storm_client::protocol::hex(&Sha256::digest(bytes)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_standby_holds_every_artifact_and_takes_over_when_the_leader_dies() {
    storm_integration::init_tracing();
    let mut options = options();
    options.nimbuses = 2;
    let mut cluster = StormCluster::start(options).await.expect("cluster");
    assert_eq!(cluster.leader_index().await, Some(0));
    let first = cluster.dir().join("first");
    cluster
        .submit(TOPOLOGY, "first", &first, &["--rate", "50"])
        .await;
    let state = cluster.state().await.expect("state");
    let id = state.active_storms().await.expect("storms")[0].clone();
    let stored = |nimbus: &str| {
        cluster
            .dir()
            .join(nimbus)
            .join("nimbus/stormdist")
            .join(id.as_str())
            .join("storm.bin")
    };
    let (on_leader, on_standby) = (stored("nimbus"), stored("nimbus-1"));
    wait_until("the standby holds the artifact", DEADLINE, || async {
        on_standby.with_file_name("dist.json").is_file()
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", cluster.logs()));
    assert_eq!(sha256_of(&on_standby), sha256_of(&on_leader));
    assert!(sha256_of(&on_leader).is_some());

    cluster.nimbus.kill();
    // Submitted at once: the client retries through the seeds until the standby leads.
    let second = cluster.dir().join("second");
    cluster
        .submit(TOPOLOGY, "second", &second, &["--rate", "50"])
        .await;
    assert_eq!(cluster.leader_index().await, Some(1));
    wait_until("the second topology's worker counts", DEADLINE, || async {
        sink_tuples(&second) > 0
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", cluster.logs()));

    let rebalanced = cluster
        .storm(&["rebalance", "second", "-n", "2", "-w", "1"])
        .await;
    assert!(rebalanced.ok(), "{rebalanced:?}\n{}", cluster.logs());
    wait_until(
        "the second topology runs in two workers",
        DEADLINE,
        || async {
            list(&cluster)
                .await
                .is_ok_and(|l| l.iter().any(|t| t.name == "second" && t.num_workers == 2))
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", cluster.logs()));
    let killed = cluster.storm(&["kill", "first", "-w", "1"]).await;
    assert!(killed.ok(), "{killed:?}\n{}", cluster.logs());
    wait_until("the first topology is removed", DEADLINE, || async {
        list(&cluster)
            .await
            .is_ok_and(|l| l.len() == 1 && l[0].name == "second")
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", cluster.logs()));
}
