//! Topologies spread over several worker processes: tuples cross workers as frames over TCP.
//! The word count gives exact counts over two and three workers, fields grouping keeps each
//! word on one sink task, acking completes every tree across workers, and a worker port refuses
//! garbage, an oversized frame and a client without the topology's secret while the topology
//! keeps running.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::net::TcpStream;
use std::path::Path;
use std::time::Duration;

use storm_integration::reports::{expected_word_counts, read_reports, SinkReport, SpoutReport};
use storm_integration::{wait_until, ClusterOptions, StormCluster};
use storm_zk::Assignment;
use support::refusal::refused;

mod support;

const CLI: &str = env!("CARGO_BIN_EXE_storm_cli");
const TOPOLOGY: &str = env!("CARGO_BIN_EXE_wordcount_topology");
const DEADLINE: Duration = Duration::from_secs(90);

async fn only_assignment(cluster: &StormCluster) -> Assignment {
    cluster
        .only_assignment()
        .await
        .expect("one topology, assigned")
}

/// Each word reached exactly one sink task.
fn assert_each_word_on_one_sink(output: &Path) {
    let sinks = read_reports::<SinkReport>(output, "sink");
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    for (file, report) in &sinks {
        for word in report.counts.keys() {
            if let Some(other) = seen.insert(word, file) {
                panic!("{word} reached {other} and {file}");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn word_count_over_two_workers_is_exact_and_worker_ports_refuse_strangers() {
    storm_integration::init_tracing();
    let cluster = StormCluster::start(ClusterOptions::new(CLI))
        .await
        .expect("cluster");
    let output = cluster.dir().join("output");
    let args = [
        "--sentences",
        "400",
        "--parallelism",
        "2",
        "--workers",
        "2",
        "--broadcast",
        "4",
    ];
    cluster.submit(TOPOLOGY, "wc2", &output, &args).await;

    let assignment = only_assignment(&cluster).await;
    let workers = assignment.workers();
    assert_eq!(workers.len(), 2, "{assignment:?}");

    // Strangers knock on a worker port while the topology runs.
    let port = workers.iter().next().map(|w| w.port).expect("a worker");
    let addr = format!("127.0.0.1:{port}");
    wait_until("the worker port listens", DEADLINE, || async {
        TcpStream::connect(&addr).is_ok()
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", cluster.logs()));
    // Garbage that is no frame at all.
    assert!(refused(&addr, b"GET / HTTP/1.1\r\n\r\n"), "garbage");
    // A length prefix far over the handshake's limit.
    assert!(refused(&addr, &[0x7f, 0xff, 0xff, 0xff, 1]), "oversized");
    // A well-formed hello for another topology, and one whose proof is wrong: the worker ends
    // the handshake either way (the second reads a challenge, then its zero proof is refused).
    let hello = storm_codec::FrameCodec::new(1, 4096)
        .encode(&(0u32, ("other-topology", "intruder:1", [7u8; 32])))
        .expect("frame");
    assert!(refused(&addr, &hello), "another topology");

    let expected = expected_word_counts(2, 400);
    cluster
        .wait_for_word_counts(&output, &expected, DEADLINE)
        .await;
    assert_each_word_on_one_sink(&output);

    // All grouping: every `everyone` task, in both workers, gets every sentence.
    let everyone = wait_until(
        "every all-grouped task has every sentence",
        DEADLINE,
        || async {
            let all = read_reports::<SinkReport>(&output, "all");
            all.len() == 4 && all.values().all(|r| r.tuples == 800)
        },
    )
    .await;
    let all = read_reports::<SinkReport>(&output, "all");
    everyone.unwrap_or_else(|e| panic!("{e}: {all:?}\n{}", cluster.logs()));
    let slots: BTreeSet<_> = all
        .keys()
        .filter_map(|f| {
            let task = f
                .strip_prefix("all-")?
                .strip_suffix(".json")?
                .parse()
                .ok()?;
            assignment.slot_of_task(storm_core::TaskId(task)).cloned()
        })
        .collect();
    assert_eq!(
        slots.len(),
        2,
        "all-grouped tasks in both workers: {assignment:?}"
    );
    let pids = cluster.worker_pids();
    assert_eq!(pids.len(), 2, "two worker processes: {pids:?}");
    let log = cluster.logs();
    assert!(
        log.contains("handshake failed") || log.contains("malformed frame"),
        "the refusals are logged with the peer's address\n{log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acked_word_count_over_three_workers_acks_every_sentence_once() {
    storm_integration::init_tracing();
    let mut options = ClusterOptions::new(CLI);
    options.supervisors = 3;
    let cluster = StormCluster::start(options).await.expect("cluster");
    let output = cluster.dir().join("output");
    let args = [
        "--sentences",
        "300",
        "--parallelism",
        "3",
        "--workers",
        "3",
        "--acked",
    ];
    cluster.submit(TOPOLOGY, "wc3", &output, &args).await;
    let assignment = only_assignment(&cluster).await;
    assert_eq!(assignment.workers().len(), 3, "{assignment:?}");
    let nodes: BTreeSet<_> = assignment.workers().into_iter().map(|w| w.node).collect();
    assert_eq!(nodes.len(), 3, "one worker per supervisor: {assignment:?}");

    let all_acked = wait_until("every sentence is acked", DEADLINE, || async {
        let spouts = read_reports::<SpoutReport>(&output, "spout");
        spouts.len() == 3 && spouts.values().all(|r| r.acked == 300 && r.pending == 0)
    })
    .await;
    let spouts = read_reports::<SpoutReport>(&output, "spout");
    all_acked.unwrap_or_else(|e| panic!("{e}: {spouts:?}\n{}", cluster.logs()));
    for (file, report) in &spouts {
        assert_eq!(report.acked_again, 0, "{file}: {report:?}");
    }
    // With no failures, no sentence was replayed and the counts are exact.
    if spouts.values().all(|r| r.failed == 0) {
        cluster
            .wait_for_word_counts(&output, &expected_word_counts(3, 300), DEADLINE)
            .await;
    }
    assert_each_word_on_one_sink(&output);
}
