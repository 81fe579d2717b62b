//! A cluster to look at: ZooKeeper, Nimbus, one supervisor and `storm ui` as processes, with
//! the acked word count running at a steady rate. Prints `UI_URL=<url>` and
//! `TOPOLOGY_ID=<id>` once the topology's workers run, then keeps everything up until its
//! standard input closes, and tears every process down by its id
//! (`scripts/ui-page-check.sh` renders the page against it).
//!
//! ```text
//! ui_demo_cluster        (storm_cli and wordcount_topology are found beside it)
//! ```

use std::io::Read;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use storm_integration::{ui_http, wait_until, ClusterOptions, StormCluster};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    let here = std::env::current_exe().context("finding this binary")?;
    let cli = here.with_file_name("storm_cli");
    let topology = here.with_file_name("wordcount_topology");
    for binary in [&cli, &topology] {
        if !binary.is_file() {
            bail!(
                "{} is missing: build storm-integration's binaries",
                binary.display()
            );
        }
    }
    let mut options = ClusterOptions::new(&cli);
    options.supervisors = 1;
    let cluster = StormCluster::start(options).await?;
    let (_ui, url) = cluster.start_ui().await?;
    let output = cluster.dir().join("output");
    let topology = topology.display().to_string();
    let args = [
        "--acked",
        "--rate",
        "2000",
        "--sentences",
        "100000000",
        "--parallelism",
        "2",
    ];
    cluster.submit(&topology, "wordcount", &output, &args).await;
    let summary = format!("{url}/api/v1/topology/summary");
    let running = wait_until(
        "the word count's workers run",
        Duration::from_secs(60),
        || async { !cluster.worker_pids().is_empty() },
    )
    .await;
    if running.is_err() {
        bail!("the word count did not start:\n{}", cluster.logs());
    }
    let list = ui_http::get(&summary).await?.json();
    let id = list["topologies"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    println!("UI_URL={url}");
    println!("TOPOLOGY_ID={id}");
    eprintln!("serving until standard input closes");
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
    Ok(())
}
