//! ZooKeeper stopped and restarted under a running cluster, for longer than the session
//! timeout: Nimbus, the supervisor and the worker keep running, the daemons re-register under
//! new sessions, Nimbus leads again and the topology can still be controlled.

use std::time::Duration;

use serde_json::json;
use storm_integration::reports::{read_reports, SinkReport};
use storm_integration::{wait_until, ClusterOptions, ServerOptions, StormCluster};
use storm_zk::ClusterState;
use zookeeper_client::Client;

const CLI: &str = env!("CARGO_BIN_EXE_storm_cli");
const TOPOLOGY: &str = env!("CARGO_BIN_EXE_wordcount_topology");
const DEADLINE: Duration = Duration::from_secs(60);

async fn owner(zk: &Client, path: &str) -> Option<i64> {
    zk.check_stat(path)
        .await
        .ok()
        .flatten()
        .map(|s| s.ephemeral_owner)
}

fn sink_tuples(dir: &std::path::Path) -> u64 {
    read_reports::<SinkReport>(dir, "sink")
        .values()
        .map(|r| r.tuples)
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daemons_survive_a_zookeeper_restart_and_re_register() {
    storm_integration::init_tracing();
    let mut options = ClusterOptions::new(CLI)
        .with_conf("storm.zookeeper.session.timeout", json!(3000))
        .with_conf("storm.zookeeper.connection.timeout", json!(1000));
    options.supervisors = 1;
    // Sessions from 1 s up: a short outage outlives them.
    options.zookeeper = ServerOptions {
        tick_time: Duration::from_millis(500),
        ..ServerOptions::default()
    };
    let mut cluster = StormCluster::start(options).await.expect("cluster");
    let output = cluster.dir().join("output");
    std::fs::create_dir_all(&output).expect("output dir");
    let out = output.display().to_string();
    let submit = cluster
        .storm(&[
            "jar", TOPOLOGY, "--name", "steady", "--output", &out, "--rate", "20",
        ])
        .await;
    assert!(submit.ok(), "{submit:?}\n{}", cluster.logs());
    wait_until("the topology runs", DEADLINE, || async {
        sink_tuples(&output) > 0
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", cluster.logs()));
    let workers = cluster.worker_pids();
    assert_eq!(workers.len(), 1);

    let (supervisor_path, nimbus_path) = {
        let state = cluster.state().await.expect("state");
        let sup = state.supervisors().await.expect("supervisors")[0].clone();
        let port = cluster
            .nimbus_addr()
            .rsplit_once(':')
            .map(|(_, p)| p.to_owned())
            .unwrap_or_default();
        (
            format!("/storm/supervisors/{sup}"),
            format!("/storm/nimbuses/127.0.0.1:{port}"),
        )
    };
    let zk = Client::connect(&cluster.zookeeper.connect_string())
        .await
        .expect("plain client");
    let old_supervisor = owner(&zk, &supervisor_path).await.expect("registered");
    let old_nimbus = owner(&zk, &nimbus_path).await.expect("registered");
    drop(zk);

    cluster.zookeeper.stop().expect("stop zookeeper");
    wait_until("every daemon saw its session end", DEADLINE, || async {
        let ended = "zookeeper session ended";
        cluster.nimbus.log_text().contains(ended)
            && cluster
                .supervisors
                .iter()
                .all(|s| s.log_text().contains(ended))
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", cluster.logs()));
    cluster.zookeeper.restart().expect("restart zookeeper");

    let zk = Client::connect(&cluster.zookeeper.connect_string())
        .await
        .expect("plain client");
    wait_until(
        "the daemons re-registered under new sessions",
        DEADLINE,
        || async {
            let sup = owner(&zk, &supervisor_path).await;
            let nim = owner(&zk, &nimbus_path).await;
            sup.is_some_and(|o| o != old_supervisor) && nim.is_some_and(|o| o != old_nimbus)
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", cluster.logs()));
    assert!(cluster.nimbus.is_running(), "nimbus survived");
    assert!(
        cluster.supervisors[0].is_running(),
        "the supervisor survived"
    );
    assert_eq!(
        cluster.worker_pids(),
        workers,
        "the worker was not restarted"
    );

    // Nimbus leads again: a state-changing request goes through.
    wait_until("nimbus accepts a deactivation", DEADLINE, || async {
        cluster.storm(&["deactivate", "steady"]).await.ok()
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", cluster.logs()));
    let list = cluster.storm(&["list"]).await;
    assert!(list.stdout.contains("INACTIVE"), "{}", list.stdout);
    let activate = cluster.storm(&["activate", "steady"]).await;
    assert!(activate.ok(), "{activate:?}");
    let before = sink_tuples(&output);
    wait_until("the worker keeps processing", DEADLINE, || async {
        sink_tuples(&output) > before
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", cluster.logs()));
}
