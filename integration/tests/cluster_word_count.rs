//! The word count on a real cluster: ZooKeeper, Nimbus and two supervisors as processes, the
//! topology submitted with `storm jar`. Its sink output is exact, `storm list` shows it, a second
//! submission under the same name is refused, and `storm kill` removes its assignment, stops
//! its worker and cleans up its files.

use std::time::Duration;

use storm_integration::reports::{expected_word_counts, merged_counts, read_reports, SinkReport};
use storm_integration::{wait_until, ClusterOptions, StormCluster};
use storm_zk::ClusterState;

const CLI: &str = env!("CARGO_BIN_EXE_storm_cli");
const TOPOLOGY: &str = env!("CARGO_BIN_EXE_wordcount_topology");
const DEADLINE: Duration = Duration::from_secs(60);

fn dir_is_empty(path: &std::path::Path) -> bool {
    std::fs::read_dir(path).map_or(true, |mut d| d.next().is_none())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn word_count_runs_is_listed_refuses_a_duplicate_and_is_killed() {
    storm_integration::init_tracing();
    let cluster = StormCluster::start(ClusterOptions::new(CLI))
        .await
        .expect("cluster");
    let output = cluster.dir().join("output");
    std::fs::create_dir_all(&output).expect("output dir");
    let out = output.display().to_string();
    let args = [
        "jar",
        TOPOLOGY,
        "--name",
        "wordcount",
        "--output",
        &out,
        "--sentences",
        "300",
        "--parallelism",
        "2",
    ];
    let submit = cluster.storm(&args).await;
    assert!(submit.ok(), "{submit:?}\n{}", cluster.logs());
    assert!(
        submit
            .stdout
            .contains("Submitted topology wordcount as wordcount-1-"),
        "{}",
        submit.stdout
    );

    // Every word's final count reaches the sinks, exactly.
    let expected = expected_word_counts(2, 300);
    cluster
        .wait_for_word_counts(&output, &expected, DEADLINE)
        .await;

    let list = cluster.storm(&["list"]).await;
    assert!(list.ok(), "{list:?}");
    let row = list
        .stdout
        .lines()
        .find(|l| l.starts_with("wordcount "))
        .unwrap_or_else(|| panic!("not listed:\n{}", list.stdout));
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(cells[1], "ACTIVE", "{row}");
    assert_eq!(cells[2], "8", "4 components x 2 tasks, no ackers: {row}");
    assert_eq!(cells[3], "1", "one worker: {row}");

    let duplicate = cluster.storm(&args).await;
    assert!(!duplicate.ok(), "{duplicate:?}");
    assert!(
        duplicate
            .stderr
            .contains("error: topology wordcount already exists"),
        "{}",
        duplicate.stderr
    );

    // Kill: the assignment goes, the worker stops, the files are deleted.
    let state = cluster.state().await.expect("state");
    let ids = state.active_storms().await.expect("storms");
    assert_eq!(ids.len(), 1, "the duplicate stored nothing");
    let id = ids[0].clone();
    let workers = cluster.worker_pids();
    assert_eq!(workers.len(), 1, "one worker process: {workers:?}");
    let kill = cluster.storm(&["kill", "wordcount", "-w", "1"]).await;
    assert!(kill.ok(), "{kill:?}");
    let listed = cluster.storm(&["list"]).await;
    assert!(
        listed.stdout.contains("KILLED") || listed.stdout.contains("No topologies running."),
        "{}",
        listed.stdout
    );
    wait_until(
        "the assignment and topology are removed",
        DEADLINE,
        || async {
            state
                .assignment(&id)
                .await
                .map(|a| a.is_none())
                .unwrap_or(false)
                && state.storm(&id).await.map(|s| s.is_none()).unwrap_or(false)
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", cluster.logs()));
    wait_until("the worker process is gone", DEADLINE, || async {
        cluster.worker_pids().is_empty()
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", cluster.logs()));
    // The sink's cleanup ran (SIGTERM, not SIGKILL) and left its final report.
    assert_eq!(
        merged_counts(&read_reports::<SinkReport>(&output, "sink")),
        expected
    );
    wait_until(
        "supervisors and Nimbus deleted the topology's files",
        DEADLINE,
        || async {
            cluster.supervisors.iter().all(|s| {
                dir_is_empty(&s.local_dir.join("workers"))
                    && dir_is_empty(&s.local_dir.join("supervisor/stormdist"))
            }) && dir_is_empty(&cluster.nimbus.local_dir.join("nimbus/stormdist"))
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", cluster.logs()));
    let list = cluster.storm(&["list"]).await;
    assert_eq!(list.stdout, "No topologies running.\n");
}
