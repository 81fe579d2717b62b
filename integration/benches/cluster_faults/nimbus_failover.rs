//! Leader Nimbus failover: two Nimbus processes, a topology running whose artifact the standby
//! has copied, then `kill -9` of the leader. Measured from the kill until the standby leads
//! (its latch node is the lowest: the dead leader's ZooKeeper session expired), and until it
//! accepts a submission made through the seeds by `storm jar` with the default client retries
//! (started at the kill, so the client's wait for a leader is part of the figure).

use std::time::{Duration, Instant};

use storm_integration::{wait_until, ClusterOptions, StormCluster};
use storm_zk::ClusterState;

use crate::Figure;

const CLI: &str = env!("CARGO_BIN_EXE_storm_cli");
const TOPOLOGY: &str = env!("CARGO_BIN_EXE_wordcount_topology");
const DEADLINE: Duration = Duration::from_secs(60);
const TARGET: Duration = Duration::from_secs(10);
const STORM: &str = "20 s session timeout + election (+ code sync, 120 s period)";

/// Runs the scenario once; a figure is `None` when its state was not seen in time.
pub async fn measure() -> Vec<Figure> {
    let mut options = ClusterOptions::new(CLI);
    options.nimbuses = 2;
    options.supervisors = 1;
    let mut cluster = StormCluster::start(options).await.expect("cluster");
    let output = cluster.dir().join("running");
    let healthy = Instant::now();
    cluster
        .submit(TOPOLOGY, "running", &output, &["--rate", "50"])
        .await;
    println!(
        "nimbus-failover: a submission to a healthy cluster takes {:.2} s; the harness's \
         ZooKeeper session timeout is 6 s",
        healthy.elapsed().as_secs_f64()
    );
    let state = cluster.state().await.expect("state");
    let id = state.active_storms().await.expect("storms")[0].clone();
    let replica = cluster
        .dir()
        .join("nimbus-1/nimbus/stormdist")
        .join(id.as_str())
        .join("dist.json");
    wait_until("the standby holds the artifact", DEADLINE, || async {
        replica.is_file()
    })
    .await
    .expect("the standby copies the artifact");

    let killed = Instant::now();
    cluster.nimbus.kill();
    let submitted_out = cluster.dir().join("after");
    std::fs::create_dir_all(&submitted_out).expect("output dir");
    let out = submitted_out.display().to_string();
    let args = [
        "jar", TOPOLOGY, "--name", "after", "--output", &out, "--rate", "50",
    ];
    let submitting = cluster.storm(&args);
    let leads = async {
        wait_until("the standby leads", DEADLINE, || async {
            cluster.leader_index().await == Some(1)
        })
        .await
        .ok()
        .map(|_| killed.elapsed())
    };
    let (submit, leads) = tokio::join!(submitting, leads);
    let accepted = submit.ok().then(|| killed.elapsed());
    if accepted.is_none() {
        eprintln!("nimbus-failover: the submission failed: {submit:?}");
    }
    vec![
        Figure {
            name: "kill -9 leader Nimbus -> standby leads",
            measured: leads,
            target: TARGET,
            storm_default: STORM,
        },
        Figure {
            name: "kill -9 leader Nimbus -> standby accepts a submission",
            measured: accepted,
            target: TARGET,
            storm_default: STORM,
        },
    ]
}
