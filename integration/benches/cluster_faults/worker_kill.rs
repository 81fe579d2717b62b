//! `worker-kill`: an acked word count over two workers; the worker without the spout (it holds
//! bolts and an acker) is killed with SIGKILL while sentences flow. Measured from the kill:
//! (a) until tuples flow again through its tasks: the spout's acks resume, since nearly every
//! sentence's tree crosses both workers; (b) until every tracked tuple the kill lost is replayed
//! and acked: no sentence emitted before the kill (or during the first 200 ms of the outage)
//! is left unacked. The message timeout is 300 s, so (b) can only come from fast replay.
//!
//! The spout writes its report every 50 ms and the bench polls every 20 ms, so each figure is
//! late by up to ~70 ms. Also printed: when the supervisor's relaunched worker process appears,
//! and the spout's failures by reason.

use std::path::Path;
use std::time::{Duration, Instant};

use rustix::process::{kill_process, Pid, Signal};
use storm_core::TaskId;
use storm_integration::reports::{read_reports, SpoutReport};
use storm_integration::{wait_until, ClusterOptions, StormCluster};

use crate::Figure;

const CLI: &str = env!("CARGO_BIN_EXE_storm_cli");
const TOPOLOGY: &str = env!("CARGO_BIN_EXE_wordcount_topology");
const DEADLINE: Duration = Duration::from_secs(120);
/// Acks past the level read just after the kill that count as flowing again: more than the
/// spout acks in one report period (50 ms at 500 a second is 25), so a report older than the kill
/// cannot pass, and more than the few trees that stay within the surviving worker.
const RESUMED_ACKS: u64 = 50;
/// When, after the kill, the spout's report is read as "at the kill": acks have stopped and the
/// report has been rewritten since.
const SETTLE: Duration = Duration::from_millis(200);

fn spout(output: &Path) -> Option<(String, SpoutReport)> {
    read_reports::<SpoutReport>(output, "spout")
        .into_iter()
        .next()
}

fn task_of_report(file: &str) -> Option<TaskId> {
    let id = file.split_once('-')?.1.strip_suffix(".json")?;
    Some(TaskId(id.parse().ok()?))
}

/// Runs the scenario once and returns its two figures.
pub async fn measure() -> Vec<Figure> {
    let mut flowing = Figure {
        name: "worker kill -9 -> tuples flow again in its tasks",
        measured: None,
        target: Duration::from_secs(5),
        storm_default: "~3 s relaunch + JVM start",
    };
    let mut replayed = Figure {
        name: "worker kill -9 -> every lost tracked tuple acked",
        measured: None,
        target: Duration::from_secs(3),
        storm_default: "30 s (topology.message.timeout.secs)",
    };
    let cluster = StormCluster::start(ClusterOptions::new(CLI))
        .await
        .expect("cluster");
    let output = cluster.dir().join("output");
    let args = [
        "--rate",
        "500",
        "--spouts",
        "1",
        "--parallelism",
        "2",
        "--workers",
        "2",
        "--acked",
        "--message-timeout-secs",
        "300",
    ];
    cluster
        .submit(TOPOLOGY, "wc-worker-kill", &output, &args)
        .await;
    let flowing_before = wait_until("the spout has 1000 sentences acked", DEADLINE, || async {
        spout(&output).is_some_and(|(_, r)| r.acked >= 1000)
    })
    .await;
    if let Err(e) = flowing_before {
        eprintln!("worker-kill: {e}\n{}", cluster.logs());
        return vec![flowing, replayed];
    }
    let Some((file, _)) = spout(&output) else {
        return vec![flowing, replayed];
    };
    let Some(spout_task) = task_of_report(&file) else {
        return vec![flowing, replayed];
    };
    let Some((victim, slot)) = cluster.worker_without_task(spout_task).await else {
        eprintln!(
            "worker-kill: no worker without the spout\n{}",
            cluster.logs()
        );
        return vec![flowing, replayed];
    };

    let killed = Instant::now();
    kill_process(Pid::from_raw(victim as i32).expect("pid"), Signal::KILL).expect("SIGKILL");
    // What the spout had when acks stopped, and how far it had emitted.
    tokio::time::sleep(SETTLE).await;
    let Some((_, at_kill)) = spout(&output) else {
        return vec![flowing, replayed];
    };
    let emitted_ids = (at_kill.emitted - at_kill.failed) as i64;

    let mut relaunched = None;
    let done = wait_until("every sentence before the kill is acked", DEADLINE, || {
        if relaunched.is_none()
            && cluster
                .worker_ports()
                .iter()
                .any(|(pid, port)| *port == slot.port && *pid != victim)
        {
            relaunched = Some(killed.elapsed());
        }
        let now = spout(&output).map(|(_, r)| r);
        if flowing.measured.is_none()
            && now
                .as_ref()
                .is_some_and(|r| r.acked >= at_kill.acked + RESUMED_ACKS)
        {
            flowing.measured = Some(killed.elapsed());
        }
        // Lost trees can only be acked once tuples flow again, and from then on the report is
        // newer than the kill.
        let all_acked = flowing.measured.is_some()
            && now.is_some_and(|r| r.oldest_unacked.is_none_or(|id| id >= emitted_ids));
        async move { all_acked }
    })
    .await;
    match done {
        Ok(_) => replayed.measured = Some(killed.elapsed()),
        Err(e) => eprintln!("worker-kill: {e}\n{}", cluster.logs()),
    }
    let last = spout(&output).map(|(_, r)| r).unwrap_or_default();
    println!(
        "worker-kill: relaunched worker process seen after {}; spout fails lost {}, timeout {}, \
         by bolt {}; acked {} sentences, {} again",
        relaunched
            .map(|d| format!("{:.2} s", d.as_secs_f64()))
            .unwrap_or_else(|| "never".into()),
        last.failed_lost,
        last.failed_timeout,
        last.failed_by_bolt,
        last.acked,
        last.acked_again,
    );
    vec![flowing, replayed]
}
