//! Metrics reach Nimbus: the acked word count over two workers, its task stats rolled up in
//! the workers, published by the supervisors in `/stats/<id>`, summed by Nimbus in the topology
//! info. Emitted grows, the spouts' acked equals what the spouts themselves saw acked, capacity
//! stays between 0 and about 1, and complete latency is there.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use storm_client::protocol::stats::WINDOW_ALL_TIME;
use storm_client::protocol::{TopologyInfo, DEFAULT_MAX_FRAME};
use storm_client::NimbusClient;
use storm_integration::reports::{read_reports, SpoutReport};
use storm_integration::{wait_until, ClusterOptions, StormCluster};

const CLI: &str = env!("CARGO_BIN_EXE_storm_cli");
const TOPOLOGY: &str = env!("CARGO_BIN_EXE_wordcount_topology");
const DEADLINE: Duration = Duration::from_secs(90);
const NAME: &str = "wc-metrics";

/// The topology's info from Nimbus, `None` while it cannot be had.
async fn info(cluster: &StormCluster) -> Option<TopologyInfo> {
    let mut client = NimbusClient::connect(
        &cluster.nimbus_addr(),
        DEFAULT_MAX_FRAME,
        Duration::from_secs(5),
    )
    .await
    .ok()?;
    client.topology_info(NAME).await.ok()
}

/// The spouts' emitted over all time, as Nimbus reports them.
async fn spouts_emitted(cluster: &StormCluster) -> u64 {
    info(cluster)
        .await
        .and_then(|i| {
            let w = i.stats.windows.get(WINDOW_ALL_TIME)?;
            Some(w.spouts.values().map(|s| s.counts.emitted).sum())
        })
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn word_count_stats_reach_nimbus_and_agree_with_the_spouts() {
    storm_integration::init_tracing();
    let cluster = StormCluster::start(ClusterOptions::new(CLI))
        .await
        .expect("cluster");
    let output = cluster.dir().join("output");
    // 2 spout tasks x 600 sentences at 100 a second each: about 6 s of flow.
    let args = [
        "--acked",
        "--sentences",
        "600",
        "--rate",
        "100",
        "--parallelism",
        "2",
        "--workers",
        "2",
    ];
    cluster.submit(TOPOLOGY, NAME, &output, &args).await;

    // Emitted shows up, then grows while the spouts run.
    let first = AtomicU64::new(0);
    wait_until("the spouts' emitted reaches Nimbus", DEADLINE, || async {
        first.store(spouts_emitted(&cluster).await, Ordering::Relaxed);
        first.load(Ordering::Relaxed) > 0
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", cluster.logs()));
    let first = first.load(Ordering::Relaxed);
    wait_until("the spouts' emitted grows", DEADLINE, || async {
        spouts_emitted(&cluster).await > first
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", cluster.logs()));

    // Every sentence acked, as the spouts saw it...
    let all_acked = wait_until("every sentence is acked", DEADLINE, || async {
        let spouts = read_reports::<SpoutReport>(&output, "spout");
        spouts.len() == 2 && spouts.values().all(|r| r.acked == 600 && r.pending == 0)
    })
    .await;
    let spouts = read_reports::<SpoutReport>(&output, "spout");
    all_acked.unwrap_or_else(|e| panic!("{e}: {spouts:?}\n{}", cluster.logs()));
    let seen_acked: u64 = spouts.values().map(|r| r.acked + r.acked_again).sum();

    // ...and as Nimbus reports it, a few seconds later.
    let last: Mutex<Option<TopologyInfo>> = Mutex::new(None);
    let agreed = wait_until("Nimbus's acked matches the spouts'", DEADLINE, || async {
        let now = info(&cluster).await;
        let matched = now
            .as_ref()
            .and_then(|i| i.stats.windows.get(WINDOW_ALL_TIME))
            .is_some_and(|w| w.spouts.values().map(|s| s.counts.acked).sum::<u64>() == seen_acked);
        *last.lock().unwrap() = now;
        matched
    })
    .await;
    let last = last.into_inner().unwrap();
    agreed.unwrap_or_else(|e| panic!("{e}: {last:#?}\n{}", cluster.logs()));
    let info = last.expect("info");
    assert!(
        info.stats.age_secs.is_some_and(|a| a <= 10),
        "{:?}",
        info.stats.age_secs
    );
    for (window, w) in &info.stats.windows {
        let spout = &w.spouts["sentences"];
        assert_eq!(spout.executors, 2, "{window}");
        assert!(spout.counts.emitted >= 1200, "{window}: {spout:?}");
        assert!(
            spout.counts.complete_latency_ms > 0.0,
            "{window}: {spout:?}"
        );
        assert_eq!(w.topology.acked, seen_acked, "{window}");
        for (name, bolt) in &w.bolts {
            let c = bolt.counts.capacity;
            assert!((0.0..=1.2).contains(&c), "{window} {name} capacity {c}");
        }
        let split = &w.bolts["split"];
        assert!(split.counts.executed >= 1200, "{window}: {split:?}");
        assert!(
            split.counts.emitted > split.counts.executed,
            "{window}: {split:?}"
        );
        assert!(split.counts.execute_latency_ms > 0.0, "{window}: {split:?}");
        assert!(split.counts.streams.contains_key("default"), "{split:?}");
        assert!(
            w.executors.iter().all(|e| e.port > 0 && !e.host.is_empty()),
            "{:?}",
            w.executors
        );
    }
}
