//! Topology lifecycle on a real cluster: `storm deactivate` stops the spouts' `next_tuple`
//! calls and `storm activate` resumes them; `storm rebalance -n` changes the worker count; a
//! worker that dies is restarted by its supervisor.

// Tests fail by panicking: unwrap and expect are how they assert.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use storm_integration::reports::{read_reports, SinkReport, SpoutReport};
use storm_integration::{wait_until, ClusterOptions, StormCluster};
use storm_zk::{ClusterState, TopologyStatus};

const CLI: &str = env!("CARGO_BIN_EXE_storm_cli");
const TOPOLOGY: &str = env!("CARGO_BIN_EXE_wordcount_topology");
const DEADLINE: Duration = Duration::from_secs(60);

fn spout(dir: &Path) -> SpoutReport {
    read_reports::<SpoutReport>(dir, "spout")
        .into_values()
        .next()
        .unwrap_or_default()
}

fn sink(dir: &Path) -> SinkReport {
    read_reports::<SinkReport>(dir, "sink")
        .into_values()
        .next()
        .unwrap_or_default()
}

async fn submit(cluster: &StormCluster, name: &str, extra: &[&str]) -> std::path::PathBuf {
    let output = cluster.dir().join(format!("output-{name}"));
    std::fs::create_dir_all(&output).expect("output dir");
    let out = output.display().to_string();
    let mut args = vec!["jar", TOPOLOGY, "--name", name, "--output", &out];
    args.extend_from_slice(extra);
    let submit = cluster.storm(&args).await;
    assert!(submit.ok(), "{submit:?}\n{}", cluster.logs());
    output
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deactivate_stops_next_tuple_and_activate_resumes_it() {
    storm_integration::init_tracing();
    let mut options = ClusterOptions::new(CLI);
    options.supervisors = 1;
    let cluster = StormCluster::start(options).await.expect("cluster");
    let output = submit(&cluster, "paced", &["--rate", "50"]).await;
    wait_until("the spout emits and the sink counts", DEADLINE, || async {
        spout(&output).active && spout(&output).emitted > 0 && sink(&output).tuples > 0
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", cluster.logs()));

    let out = cluster.storm(&["deactivate", "paced"]).await;
    assert!(out.ok(), "{out:?}");
    wait_until("the spout is deactivated", DEADLINE, || async {
        !spout(&output).active
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", cluster.logs()));
    let list = cluster.storm(&["list"]).await;
    assert!(list.stdout.contains("INACTIVE"), "{}", list.stdout);
    // Let what was in flight drain (a sink report), then watch two more reports go by.
    let drained_at = sink(&output).ticks + 1;
    wait_until("a sink report after deactivation", DEADLINE, || async {
        sink(&output).ticks >= drained_at
    })
    .await
    .expect("sink reports");
    let before = sink(&output);
    let calls_before = spout(&output).calls;
    wait_until("two more sink reports", DEADLINE, || async {
        sink(&output).ticks >= before.ticks + 2
    })
    .await
    .expect("sink reports");
    let after = sink(&output);
    assert_eq!(after.tuples, before.tuples, "no tuples while deactivated");
    assert_eq!(
        spout(&output).calls,
        calls_before,
        "no next_tuple while deactivated"
    );

    let out = cluster.storm(&["activate", "paced"]).await;
    assert!(out.ok(), "{out:?}");
    wait_until("the spout emits again", DEADLINE, || async {
        let s = spout(&output);
        s.active && s.calls > calls_before && sink(&output).tuples > after.tuples
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", cluster.logs()));
    assert_eq!(spout(&output).calls_while_inactive, 0);
    // Deactivating twice is a no-op; activating an unknown topology says so.
    let unknown = cluster.storm(&["activate", "nope"]).await;
    assert!(!unknown.ok());
    assert!(
        unknown
            .stderr
            .contains("topology nope is not running on the cluster"),
        "{}",
        unknown.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rebalance_changes_the_worker_count_and_dead_workers_are_restarted() {
    storm_integration::init_tracing();
    let cluster = StormCluster::start(ClusterOptions::new(CLI))
        .await
        .expect("cluster");
    submit(
        &cluster,
        "spread",
        &["--rate", "5", "--parallelism", "2", "--workers", "1"],
    )
    .await;
    let state = cluster.state().await.expect("state");
    let id = state.active_storms().await.expect("storms")[0].clone();
    wait_until("one worker runs", DEADLINE, || async {
        cluster.worker_pids().len() == 1
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", cluster.logs()));
    let a = state
        .assignment(&id)
        .await
        .expect("read")
        .expect("assigned");
    assert_eq!(a.workers().len(), 1);

    let out = cluster
        .storm(&["rebalance", "spread", "-w", "0", "-n", "2"])
        .await;
    assert!(out.ok(), "{out:?}");
    wait_until("the topology is assigned two workers", DEADLINE, || async {
        let base = state.storm(&id).await.ok().flatten();
        let a = state.assignment(&id).await.ok().flatten();
        base.is_some_and(|b| b.num_workers == 2 && b.status == TopologyStatus::Active)
            && a.is_some_and(|a| a.workers().len() == 2)
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", cluster.logs()));
    let a = state
        .assignment(&id)
        .await
        .expect("read")
        .expect("assigned");
    let nodes: BTreeSet<String> = a.workers().into_iter().map(|w| w.node).collect();
    assert_eq!(
        nodes.len(),
        2,
        "one worker on each supervisor: {:?}",
        a.workers()
    );
    wait_until("two worker processes run", DEADLINE, || async {
        cluster.worker_pids().len() == 2
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", cluster.logs()));

    let bad = cluster
        .storm(&["rebalance", "spread", "-e", "nope=2"])
        .await;
    assert!(!bad.ok());
    assert!(
        bad.stderr.contains("no component \"nope\""),
        "{}",
        bad.stderr
    );
}
