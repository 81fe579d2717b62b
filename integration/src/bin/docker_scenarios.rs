//! The Docker integration runs (`docker/integration.sh`): the compose cluster from the images
//! built here, broken on purpose, scenario after scenario. Each prints how long the cluster took
//! to recover; a scenario that does not recover within its bound fails the run (exit code 1)
//! with the containers' logs. The cluster is torn down at the end, also on failure.
//!
//! ```text
//! docker_scenarios [DOCKER_DIR]      (default: the workspace's docker/)
//! ```
//!
//! `DOCKER_SCENARIOS` picks scenarios by name (comma-separated: `word-count`,
//! `supervisor-kill`, `partition`, `zookeeper-member`, `nimbus-failover`, `rolling-restart`; all
//! by default). On a failure every container's whole log is saved under
//! `target/docker-logs/<project>.log` and the path printed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use storm_integration::docker::{docker_available, ComposeCluster, DOCKER_POLL};
use storm_integration::reports::{
    expected_word_counts, merged_counts, read_reports, SinkReport, SpoutReport,
};
use storm_integration::wait_every;

/// The word count topology inside the image.
const TOPOLOGY: &str = "/opt/storm/topologies/word_count";
/// How long any one recovery may take before the run fails.
const BOUND: Duration = Duration::from_secs(120);

struct Run {
    cluster: ComposeCluster,
    /// Recovery times, printed at the end.
    figures: Vec<(String, Duration)>,
}

impl Run {
    /// Submits the word count as `name` with `args` (from the `nimbus` service's container),
    /// writing its reports to a fresh folder; returns that folder on the host.
    fn submit(&self, via: &str, name: &str, args: &[&str]) -> Result<PathBuf> {
        let host = self.cluster.results().join(name);
        std::fs::create_dir_all(&host)?;
        std::process::Command::new("chmod")
            .arg("0777")
            .arg(&host)
            .status()?;
        let output = format!("/results/{name}");
        let mut all = vec!["jar", TOPOLOGY, "--name", name, "--output", &output];
        all.extend_from_slice(args);
        self.cluster
            .storm(via, &all)
            .with_context(|| format!("submitting {name}"))?;
        Ok(host)
    }

    fn kill(&self, name: &str) -> Result<()> {
        self.cluster.storm("nimbus1", &["kill", name, "-w", "0"])?;
        Ok(())
    }

    /// Waits for `what` (checked every [`DOCKER_POLL`]), returning how long it took.
    async fn wait(&self, what: &str, mut check: impl FnMut() -> bool) -> Result<Duration> {
        match wait_every(what, BOUND, DOCKER_POLL, || std::future::ready(check())).await {
            Ok(took) => Ok(took),
            Err(e) => bail!("{e}"),
        }
    }

    fn record(&mut self, name: &str, took: Duration) {
        println!("{name:<64} {:>7.2} s", took.as_secs_f64());
        self.figures.push((name.to_owned(), took));
    }

    /// The supervisor host of each task of `topology`.
    fn task_hosts(&self, topology: &str) -> BTreeMap<u32, String> {
        self.cluster.task_hosts("nimbus1", topology)
    }
}

fn sink_tuples(dir: &Path) -> u64 {
    read_reports::<SinkReport>(dir, "sink")
        .values()
        .map(|r| r.tuples)
        .sum()
}

fn spout_report(dir: &Path) -> Option<SpoutReport> {
    read_reports::<SpoutReport>(dir, "spout")
        .into_values()
        .next()
}

/// The task of the one spout of a topology, from its report's file name.
fn spout_task(dir: &Path) -> Option<u32> {
    read_reports::<SpoutReport>(dir, "spout")
        .keys()
        .find_map(|f| {
            f.strip_prefix("spout-")?
                .strip_suffix(".json")?
                .parse()
                .ok()
        })
}

/// The word count over two workers gives exact counts.
async fn word_count(run: &mut Run) -> Result<()> {
    let started = Instant::now();
    let args = [
        "--sentences",
        "500",
        "--parallelism",
        "2",
        "--workers",
        "2",
        "--acked",
    ];
    let dir = run.submit("nimbus1", "wc", &args)?;
    let expected = expected_word_counts(2, 500);
    run.wait("the word count's exact counts", || {
        merged_counts(&read_reports(&dir, "sink")) == expected
    })
    .await?;
    run.record("word count: submission to exact counts", started.elapsed());
    run.kill("wc")
}

/// `docker kill` of a supervisor that holds a worker: its tasks move to the others.
async fn supervisor_kill(run: &mut Run) -> Result<()> {
    let args = ["--rate", "100", "--parallelism", "2", "--workers", "2"];
    let dir = run.submit("nimbus1", "wc-sup", &args)?;
    run.wait("the topology flowing", || sink_tuples(&dir) > 500)
        .await?;
    let victim = run
        .task_hosts("wc-sup")
        .into_values()
        .next()
        .context("no task placed")?;
    run.cluster
        .docker(&["kill", &run.cluster.container(&victim)])?;
    let killed = Instant::now();
    run.wait("its tasks running on the other supervisors", || {
        let hosts = run.task_hosts("wc-sup");
        !hosts.is_empty() && hosts.values().all(|h| *h != victim)
    })
    .await?;
    let moved = sink_tuples(&dir);
    run.wait("tuples flowing after the move", || {
        sink_tuples(&dir) > moved + 200
    })
    .await?;
    run.record(
        "supervisor container killed: tasks flowing elsewhere",
        killed.elapsed(),
    );
    run.cluster
        .docker(&["start", &run.cluster.container(&victim)])?;
    run.cluster
        .wait_healthy(&[victim.as_str()], BOUND)
        .await
        .context("the killed supervisor back")?;
    run.kill("wc-sup")
}

/// A worker's container cut off the network for 20 s: acked tuples are replayed and every
/// message id ends acked exactly once.
async fn network_partition(run: &mut Run) -> Result<()> {
    let args = [
        "--sentences",
        "3000",
        "--rate",
        "100",
        "--spouts",
        "1",
        "--parallelism",
        "2",
        "--workers",
        "2",
        "--acked",
    ];
    let dir = run.submit("nimbus1", "wc-net", &args)?;
    run.wait("the spout under way", || {
        spout_report(&dir).is_some_and(|r| r.emitted >= 300)
    })
    .await?;
    let spout = spout_task(&dir).context("no spout report")?;
    let hosts = run.task_hosts("wc-net");
    let spout_host = hosts.get(&spout).cloned().context("the spout's host")?;
    let victim = hosts
        .values()
        .find(|h| **h != spout_host)
        .cloned()
        .context("no worker apart from the spout's")?;
    let container = run.cluster.container(&victim);
    let network = run.cluster.network();
    run.cluster
        .docker(&["network", "disconnect", &network, &container])?;
    let cut = Instant::now();
    let emitted = spout_report(&dir).map(|r| r.emitted).unwrap_or(0);
    // Bounded: the partition lasts 20 s, polled for a positive sign the spout went on.
    let _ = wait_every(
        "20 s of partition",
        Duration::from_secs(20),
        DOCKER_POLL,
        || std::future::ready(cut.elapsed() >= Duration::from_secs(20)),
    )
    .await;
    run.cluster
        .docker(&["network", "connect", &network, &container])?;
    let healed = Instant::now();
    run.wait("every sentence acked", || {
        spout_report(&dir).is_some_and(|r| r.acked == 3000)
    })
    .await
    .with_context(|| format!("the spout's report: {:?}", spout_report(&dir)))?;
    let report = spout_report(&dir).context("spout report")?;
    if report.acked_again != 0 || report.emitted <= emitted {
        bail!("after the partition: {report:?}");
    }
    println!(
        "  partition: {} sentences failed and replayed, none acked twice",
        report.failed
    );
    run.record(
        "network partition healed: every sentence acked once",
        healed.elapsed(),
    );
    run.cluster
        .wait_healthy(&[victim.as_str()], BOUND)
        .await
        .context("the cut-off supervisor healthy again")?;
    run.kill("wc-net")
}

/// One of three ZooKeeper members stopped: a topology is submitted and counts exactly.
async fn zookeeper_member_stopped(run: &mut Run) -> Result<()> {
    run.cluster
        .docker(&["stop", "-t", "1", &run.cluster.container("zk1")])?;
    let stopped = Instant::now();
    let args = ["--sentences", "300", "--parallelism", "2", "--workers", "2"];
    let dir = run.submit("nimbus1", "wc-zk", &args)?;
    let expected = expected_word_counts(2, 300);
    run.wait("exact counts with zk1 stopped", || {
        merged_counts(&read_reports(&dir, "sink")) == expected
    })
    .await?;
    run.record(
        "one ZooKeeper member stopped: a new topology counted",
        stopped.elapsed(),
    );
    run.cluster
        .docker(&["start", &run.cluster.container("zk1")])?;
    run.cluster.wait_healthy(&["zk1"], BOUND).await?;
    run.kill("wc-zk")
}

/// Which Nimbus leads, from their logs (the last leadership event of each).
fn leader(run: &Run) -> Option<&'static str> {
    ["nimbus1", "nimbus2"].into_iter().find(|n| {
        let log = run
            .cluster
            .compose(&["logs", "--no-color", n])
            .unwrap_or_default();
        let gained = log.rfind("gained leadership");
        gained.is_some() && gained > log.rfind("lost leadership")
    })
}

/// The leader Nimbus's container killed: the standby takes over and accepts a submission.
async fn nimbus_failover(run: &mut Run) -> Result<()> {
    let leading = leader(run).context("no Nimbus leads")?;
    let standby = if leading == "nimbus1" {
        "nimbus2"
    } else {
        "nimbus1"
    };
    run.cluster
        .docker(&["kill", &run.cluster.container(leading)])?;
    let killed = Instant::now();
    let args = ["--sentences", "100", "--parallelism", "1", "--workers", "1"];
    let dir = run.submit(standby, "wc-ha", &args)?;
    let accepted = killed.elapsed();
    let expected = expected_word_counts(1, 100);
    run.wait("the new topology's counts", || {
        merged_counts(&read_reports(&dir, "sink")) == expected
    })
    .await?;
    run.record("leader Nimbus killed: a submission accepted", accepted);
    run.cluster
        .docker(&["start", &run.cluster.container(leading)])?;
    run.cluster.wait_healthy(&[leading], BOUND).await?;
    run.cluster.storm(standby, &["kill", "wc-ha", "-w", "0"])?;
    Ok(())
}

/// Every supervisor restarted in turn: the topology keeps processing after each.
async fn rolling_restart(run: &mut Run) -> Result<()> {
    let args = ["--rate", "100", "--parallelism", "2", "--workers", "2"];
    let dir = run.submit("nimbus1", "wc-roll", &args)?;
    run.wait("the topology flowing", || sink_tuples(&dir) > 500)
        .await?;
    for supervisor in ["supervisor1", "supervisor2", "supervisor3"] {
        let container = run.cluster.container(supervisor);
        run.cluster.docker(&["restart", "-t", "2", &container])?;
        let restarted = Instant::now();
        run.cluster.wait_healthy(&[supervisor], BOUND).await?;
        let seen = sink_tuples(&dir);
        run.wait("tuples flowing after the restart", || {
            sink_tuples(&dir) > seen + 200
        })
        .await?;
        run.record(
            &format!("rolling restart of {supervisor}: flowing again"),
            restarted.elapsed(),
        );
    }
    run.kill("wc-roll")
}

async fn scenarios(docker_dir: &Path) -> Result<()> {
    let project = format!("storm-it-{}", std::process::id());
    let up = Instant::now();
    let cluster = ComposeCluster::up(docker_dir, &project).await?;
    let mut run = Run {
        cluster,
        figures: Vec::new(),
    };
    run.record("compose up: every container healthy", up.elapsed());
    let chosen = |name: &str| match std::env::var("DOCKER_SCENARIOS") {
        Ok(list) => list.split(',').any(|n| n.trim() == name),
        Err(_) => true,
    };
    let outcome = async {
        if chosen("word-count") {
            word_count(&mut run).await?;
        }
        if chosen("supervisor-kill") {
            supervisor_kill(&mut run).await?;
        }
        if chosen("partition") {
            network_partition(&mut run).await?;
        }
        if chosen("zookeeper-member") {
            zookeeper_member_stopped(&mut run).await?;
        }
        if chosen("nimbus-failover") {
            nimbus_failover(&mut run).await?;
        }
        if chosen("rolling-restart") {
            rolling_restart(&mut run).await?;
        }
        anyhow::Ok(())
    }
    .await;
    if let Err(e) = outcome {
        let saved = run
            .cluster
            .save_logs(&docker_dir.join("../target/docker-logs"));
        bail!("{e:#}\nthe containers' logs: {saved}");
    }
    println!("all {} recoveries seen", run.figures.len());
    Ok(())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let docker_dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../docker"));
    if !docker_available() {
        eprintln!("docker_scenarios: no Docker engine answers; nothing run");
        return ExitCode::from(2);
    }
    match scenarios(&docker_dir).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("docker_scenarios: {e:#}");
            ExitCode::FAILURE
        }
    }
}
