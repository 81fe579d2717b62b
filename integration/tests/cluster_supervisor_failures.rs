//! Supervisors that die and workers that move: `kill -9` of a supervisor and its workers moves
//! its tasks to the other supervisor's slots, through Nimbus's watch on `/supervisors` alone,
//! and the counts keep rising; a rebalance that moves one component restarts only the workers
//! whose executors changed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use serde_json::json;
use storm_core::ExecutorInfo;
use storm_integration::reports::{read_reports, SinkReport};
use storm_integration::{wait_until, ClusterOptions, StormCluster};
use storm_zk::Assignment;

const CLI: &str = env!("CARGO_BIN_EXE_storm_cli");
const TOPOLOGY: &str = env!("CARGO_BIN_EXE_wordcount_topology");
const DEADLINE: Duration = Duration::from_secs(90);
/// The session timeout (6 s) and a round, with room for a loaded machine.
const VANISHED_ZNODE_DEADLINE: Duration = Duration::from_secs(30);

/// Each slot port's executors.
fn executors_by_port(a: &Assignment) -> BTreeMap<u16, BTreeSet<ExecutorInfo>> {
    let mut out: BTreeMap<u16, BTreeSet<ExecutorInfo>> = BTreeMap::new();
    for (e, slot) in &a.executor_node_port {
        out.entry(slot.port).or_default().insert(*e);
    }
    out
}

/// Waits until every sink of the current placement reports afresh (old reports are removed
/// first) and then has taken at least 200 more tuples and a tick: words flow through every
/// task, wherever it now runs.
async fn every_sink_keeps_receiving(cluster: &StormCluster, output: &Path, sinks: usize) {
    for file in read_reports::<SinkReport>(output, "sink").keys() {
        let _ = std::fs::remove_file(output.join(file));
    }
    wait_until("every sink of the placement reports", DEADLINE, || async {
        read_reports::<SinkReport>(output, "sink").len() == sinks
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", cluster.logs()));
    let before = read_reports::<SinkReport>(output, "sink");
    wait_until("every sink's count keeps rising", DEADLINE, || async {
        let now = read_reports::<SinkReport>(output, "sink");
        before.iter().all(|(file, b)| {
            now.get(file)
                .is_some_and(|n| n.tuples >= b.tuples + 200 && n.ticks > b.ticks)
        })
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", cluster.logs()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_supervisors_tasks_move_to_the_other_and_counts_keep_rising() {
    storm_integration::init_tracing();
    // No periodic round and no heartbeat timeout within the test: only the vanished znode
    // (the supervisor's session expiring, 6 s) can trigger the reassignment.
    let options = ClusterOptions::new(CLI)
        .with_conf("nimbus.monitor.freq.secs", json!(600))
        .with_conf("nimbus.supervisor.timeout.secs", json!(600));
    let mut cluster = StormCluster::start(options).await.expect("cluster");
    let output = cluster.dir().join("output");
    let args = ["--rate", "200", "--parallelism", "2", "--workers", "2"];
    cluster.submit(TOPOLOGY, "wc-machine", &output, &args).await;
    let dead = cluster.supervisor_id(1).expect("supervisor 1 has an id");
    wait_until("a worker runs on each supervisor", DEADLINE, || async {
        let nodes: BTreeSet<String> = cluster
            .only_assignment()
            .await
            .map(|a| a.workers().into_iter().map(|w| w.node).collect())
            .unwrap_or_default();
        nodes.len() == 2 && nodes.contains(&dead) && cluster.worker_pids().len() == 2
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", cluster.logs()));
    every_sink_keeps_receiving(&cluster, &output, 2).await;
    let executors = cluster
        .only_assignment()
        .await
        .expect("assigned")
        .executor_node_port
        .len();

    let killed = cluster.kill_supervisor(1);
    assert_eq!(killed.len(), 1, "supervisor 1 ran one worker");

    wait_until(
        "every executor is assigned to the live supervisor",
        VANISHED_ZNODE_DEADLINE,
        || async {
            cluster.only_assignment().await.is_some_and(|a| {
                a.executor_node_port.len() == executors
                    && a.executor_node_port.values().all(|s| s.node != dead)
                    && a.workers().len() == 2
            })
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", cluster.logs()));
    wait_until(
        "two workers run on the live supervisor",
        DEADLINE,
        || async {
            let pids = cluster.worker_pids();
            pids.len() == 2 && pids.iter().all(|p| !killed.contains(p))
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", cluster.logs()));
    every_sink_keeps_receiving(&cluster, &output, 2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rebalance_that_moves_one_component_leaves_the_other_workers_alone() {
    storm_integration::init_tracing();
    let cluster = StormCluster::start(ClusterOptions::new(CLI))
        .await
        .expect("cluster");
    let output = cluster.dir().join("output");
    // count, sentences, sink and split, two executors each, over four workers.
    let args = ["--rate", "200", "--parallelism", "2", "--workers", "4"];
    cluster.submit(TOPOLOGY, "wc-move", &output, &args).await;
    wait_until("four workers run", DEADLINE, || async {
        cluster
            .only_assignment()
            .await
            .is_some_and(|a| a.workers().len() == 4)
            && cluster.worker_ports().len() == 4
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", cluster.logs()));
    every_sink_keeps_receiving(&cluster, &output, 2).await;
    let before = executors_by_port(&cluster.only_assignment().await.expect("assigned"));
    let pids_before: BTreeMap<u16, u32> = cluster
        .worker_ports()
        .into_iter()
        .map(|(pid, port)| (port, pid))
        .collect();

    // The counters' two executors become one: the workers that held them change.
    let out = cluster
        .storm(&["rebalance", "wc-move", "-w", "0", "-e", "count=1"])
        .await;
    assert!(out.ok(), "{out:?}");
    let moved = |a: &Assignment| a.executor_node_port.len() == 7;
    wait_until("the count component is rebalanced", DEADLINE, || async {
        cluster.only_assignment().await.is_some_and(|a| moved(&a))
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", cluster.logs()));
    let after = executors_by_port(&cluster.only_assignment().await.expect("assigned"));
    let (untouched, changed): (Vec<u16>, Vec<u16>) = before
        .keys()
        .partition(|port| after.get(*port) == before.get(*port));
    assert!(
        !untouched.is_empty() && !changed.is_empty(),
        "before {before:?}\nafter {after:?}"
    );
    wait_until("the changed workers are restarted", DEADLINE, || async {
        let now: BTreeMap<u16, u32> = cluster
            .worker_ports()
            .into_iter()
            .map(|(pid, port)| (port, pid))
            .collect();
        after.keys().all(|p| now.contains_key(p))
            && now.len() == after.len()
            && changed.iter().all(|p| {
                now.get(p)
                    .is_some_and(|pid| pids_before.get(p) != Some(pid))
            })
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", cluster.logs()));
    let pids_after: BTreeMap<u16, u32> = cluster
        .worker_ports()
        .into_iter()
        .map(|(pid, port)| (port, pid))
        .collect();
    for port in &untouched {
        assert_eq!(
            pids_after.get(port),
            pids_before.get(port),
            "the worker on {port} kept its executors and its process"
        );
    }
    // The counter now runs in its new place: words reach every sink through it.
    every_sink_keeps_receiving(&cluster, &output, 2).await;
}
