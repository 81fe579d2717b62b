//! Errors and restarts are visible: a bolt that keeps panicking and now and then ends its
//! worker process shows up in `storm info` with the panic as its component's last error, and
//! the worker with a restart count and the exit reason its supervisor recorded.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use storm_core::ComponentId;
use storm_integration::{wait_until, ClusterOptions, StormCluster};
use storm_zk::{ClusterState, RestartReason};

const CLI: &str = env!("CARGO_BIN_EXE_storm_cli");
const TOPOLOGY: &str = env!("CARGO_BIN_EXE_wordcount_topology");
const DEADLINE: Duration = Duration::from_secs(90);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_bolt_shows_its_error_and_its_workers_restarts_in_storm_info() {
    storm_integration::init_tracing();
    let cluster = StormCluster::start(ClusterOptions::new(CLI))
        .await
        .expect("cluster");
    let output = cluster.dir().join("output");
    // 50 sentences a second: the faulty bolt panics every 0.4 s and ends its worker after 6 s.
    let args = ["--rate", "50", "--panic-every", "20", "--exit-after", "300"];
    cluster.submit(TOPOLOGY, "wc-errors", &output, &args).await;

    let state = cluster.state().await.expect("state");
    let id = state
        .active_storms()
        .await
        .expect("list")
        .pop()
        .expect("submitted");
    let faulty = ComponentId::new("faulty");
    let recorded = wait_until(
        "the panic is reported and the worker restarted",
        DEADLINE,
        || async {
            let errors = state.errors(&id, &faulty).await.unwrap_or_default();
            let restarts = state.worker_restarts(&id).await.unwrap_or_default();
            !errors.is_empty()
                && restarts
                    .values()
                    .any(|r| r.last_reason == RestartReason::Exited { code: 3 })
        },
    )
    .await;
    recorded.unwrap_or_else(|e| panic!("{e}\n{}", cluster.logs()));

    let info = cluster.storm(&["info", "wc-errors"]).await;
    assert!(info.ok(), "{info:?}\n{}", cluster.logs());
    let text = &info.stdout;
    assert!(text.contains(&format!("({id})")), "{text}");
    assert!(text.contains("Status:    ACTIVE"), "{text}");
    // The worker line: "host:port  supervisor  restarts  last restart  executors".
    let worker = text
        .lines()
        .find(|l| l.contains("exited with code 3"))
        .unwrap_or_else(|| panic!("no restarted worker in:\n{text}"));
    let restarts: u64 = worker
        .split_whitespace()
        .nth(2)
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no restart count in {worker:?}"));
    assert!(restarts >= 1, "{worker}");
    assert!(worker.contains("faulty x1"), "{worker}");
    // The component's newest error is the panic, with where it happened.
    let errors = text
        .split_once("Last errors:\n")
        .map(|(_, e)| e)
        .unwrap_or_else(|| panic!("no errors section in:\n{text}"));
    let (heading, newest) = {
        let mut lines = errors.lines().skip_while(|l| l.trim() != "faulty:");
        (lines.next(), lines.next())
    };
    assert_eq!(heading.map(str::trim), Some("faulty:"), "{text}");
    let newest = newest.unwrap_or_else(|| panic!("no faulty error in:\n{text}"));
    assert!(
        newest.contains("bolt panicked: faulty bolt panics on sentence"),
        "{newest}"
    );
    assert!(newest.contains("127.0.0.1:"), "{newest}");
    // The supervisor logged the restart with its reason.
    assert!(
        cluster
            .supervisors
            .iter()
            .any(|s| s.log_text().contains("exited with code 3")),
        "{}",
        cluster.logs()
    );

    let unknown = cluster.storm(&["info", "no-such-topology"]).await;
    assert!(!unknown.ok(), "{unknown:?}");
    assert!(
        unknown
            .stderr
            .contains("topology no-such-topology is not running on the cluster"),
        "{unknown:?}"
    );
}
