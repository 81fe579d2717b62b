//! `kill -9` of a supervisor and its workers (a machine dying) while a word count runs over
//! two supervisors: the time until its tasks run elsewhere, seen as a sink task of the dead
//! worker reporting tuples from its new place. The cluster runs with this project's detection
//! defaults (only the daemons' ports and directories are the harness's), and the scenario
//! prints when Nimbus reassigned and when the replacement worker process started.
//!
//! The sink reports at its one-second tick, so the figure can be up to a second late.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::json;
use storm_core::TaskId;
use storm_integration::reports::{read_reports, SinkReport};
use storm_integration::{wait_until, ClusterOptions, StormCluster};

use crate::Figure;

const CLI: &str = env!("CARGO_BIN_EXE_storm_cli");
const TOPOLOGY: &str = env!("CARGO_BIN_EXE_wordcount_topology");
const SETUP_DEADLINE: Duration = Duration::from_secs(120);
const RECOVERY_DEADLINE: Duration = Duration::from_secs(90);

fn task_of_report(file: &str) -> Option<TaskId> {
    let id = file.split_once('-')?.1.strip_suffix(".json")?;
    Some(TaskId(id.parse().ok()?))
}

fn sinks_flowing(output: &Path, files: &[String]) -> bool {
    let reports = read_reports::<SinkReport>(output, "sink");
    files
        .iter()
        .all(|f| reports.get(f).is_some_and(|r| r.tuples > 0))
}

/// One run: the recovery time, or `None` if it was not seen.
pub async fn measure() -> Vec<Figure> {
    let figure = |measured| Figure {
        name: "kill -9 supervisor + workers -> its tasks flow elsewhere",
        measured,
        target: Duration::from_secs(15),
        storm_default: "30-40 s + worker start (nimbus.task.timeout 30 s + monitor 10 s)",
    };
    // The harness shortens periods for tests; the benchmark measures the defaults.
    let options = ClusterOptions::new(CLI)
        .with_conf("nimbus.monitor.freq.secs", json!(2))
        .with_conf("supervisor.monitor.frequency.secs", json!(3))
        .with_conf("supervisor.heartbeat.frequency.secs", json!(2))
        .with_conf("supervisor.worker.shutdown.sleep.secs", json!(3));
    let mut cluster = match StormCluster::start(options).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("supervisor-kill: the cluster did not start: {e}");
            return vec![figure(None)];
        }
    };
    let output = cluster.dir().join("output");
    let args = ["--rate", "500", "--parallelism", "2", "--workers", "2"];
    cluster.submit(TOPOLOGY, "wc-machine", &output, &args).await;
    let Some(dead) = cluster.supervisor_id(1) else {
        eprintln!("supervisor-kill: supervisor 1 has no id");
        return vec![figure(None)];
    };
    let ready = wait_until(
        "both sinks flow on both supervisors",
        SETUP_DEADLINE,
        || async {
            let nodes = cluster
                .only_assignment()
                .await
                .map(|a| a.workers().len())
                .unwrap_or(0);
            let sinks = read_reports::<SinkReport>(&output, "sink");
            nodes == 2 && sinks.len() == 2 && sinks.values().all(|r| r.tuples > 0)
        },
    )
    .await;
    if let Err(e) = ready {
        eprintln!("supervisor-kill: {e}\n{}", cluster.logs());
        return vec![figure(None)];
    }
    let Some(before) = cluster.only_assignment().await else {
        return vec![figure(None)];
    };
    let moved: Vec<String> = read_reports::<SinkReport>(&output, "sink")
        .into_keys()
        .filter(|f| {
            task_of_report(f)
                .and_then(|t| before.slot_of_task(t))
                .is_some_and(|s| s.node == dead)
        })
        .collect();
    if moved.is_empty() {
        eprintln!("supervisor-kill: no sink ran on supervisor 1: {before:?}");
        return vec![figure(None)];
    }

    let killed_at = Instant::now();
    let killed = cluster.kill_supervisor(1);
    let gone = wait_until("the killed workers are gone", RECOVERY_DEADLINE, || async {
        cluster.worker_pids().iter().all(|p| !killed.contains(p))
    })
    .await;
    if gone.is_err() {
        return vec![figure(None)];
    }
    for f in &moved {
        let _ = std::fs::remove_file(output.join(f));
    }
    let (mut reassigned, mut started, mut flowing) = (None, None, None);
    while killed_at.elapsed() < RECOVERY_DEADLINE && flowing.is_none() {
        if reassigned.is_none()
            && cluster.only_assignment().await.is_some_and(|a| {
                a.executor_node_port.len() == before.executor_node_port.len()
                    && a.executor_node_port.values().all(|s| s.node != dead)
            })
        {
            reassigned = Some(killed_at.elapsed());
        }
        if started.is_none() && reassigned.is_some() && cluster.worker_pids().len() == 2 {
            started = Some(killed_at.elapsed());
        }
        if sinks_flowing(&output, &moved) {
            flowing = Some(killed_at.elapsed());
        }
        tokio::time::sleep(storm_integration::wait::POLL_INTERVAL).await;
    }
    let secs = |d: Option<Duration>| {
        d.map_or("not seen".to_owned(), |d| {
            format!("{:.2} s", d.as_secs_f64())
        })
    };
    println!(
        "supervisor-kill: reassigned by Nimbus after {}, replacement worker started after {}, tuples in its tasks after {}",
        secs(reassigned),
        secs(started),
        secs(flowing)
    );
    vec![figure(flowing)]
}
