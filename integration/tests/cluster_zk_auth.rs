//! A cluster with `storm.zookeeper.auth.scheme: digest`: the daemons and workers authenticate,
//! their znodes carry ACLs for that identity only, and a ZooKeeper client without the
//! credentials can neither read assignments nor write them.

use std::time::Duration;

use serde_json::json;
use storm_integration::{wait_until, ClusterOptions, StormCluster};
use storm_zk::ClusterState;
use zookeeper_client::{Client, Error as ZkError};

const CLI: &str = env!("CARGO_BIN_EXE_storm_cli");
const TOPOLOGY: &str = env!("CARGO_BIN_EXE_wordcount_topology");
const DEADLINE: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn znodes_carry_acls_and_refuse_clients_without_credentials() {
    storm_integration::init_tracing();
    let mut options = ClusterOptions::new(CLI)
        .with_conf("storm.zookeeper.auth.scheme", json!("digest"))
        .with_conf("storm.zookeeper.auth.payload", json!("storm:s3cret"));
    options.supervisors = 1;
    let cluster = StormCluster::start(options).await.expect("cluster");
    let output = cluster.dir().join("output");
    std::fs::create_dir_all(&output).expect("output dir");
    let out = output.display().to_string();
    let submit = cluster
        .storm(&[
            "jar", TOPOLOGY, "--name", "secret", "--output", &out, "--rate", "5",
        ])
        .await;
    assert!(submit.ok(), "{submit:?}\n{}", cluster.logs());

    let state = cluster.state().await.expect("authenticated state");
    let id = state.active_storms().await.expect("storms")[0].clone();
    // The worker authenticated too: it could read its assignment and credentials (readable
    // only with them) and runs, its heartbeat relayed by its supervisor.
    wait_until("the worker runs and heartbeats", DEADLINE, || async {
        state
            .all_supervisor_info()
            .await
            .map(|all| {
                all.values()
                    .flat_map(|s| &s.worker_heartbeats)
                    .any(|hb| hb.topology_id == id)
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", cluster.logs()));
    let supervisor = state.supervisors().await.expect("supervisors")[0].clone();

    let connect = cluster.zookeeper.connect_string();
    let assignment = format!("/storm/assignments/{id}");
    let anonymous = Client::connect(&connect).await.expect("plain client");
    storm_integration::acl_checks::assert_refused_without_credentials(&anonymous, &assignment)
        .await;
    assert_eq!(
        anonymous
            .get_data(&format!("/storm/supervisors/{supervisor}"))
            .await
            .err(),
        Some(ZkError::NoAuth)
    );
    let wrong = Client::connector()
        .with_auth("digest", b"storm:wrong")
        .connect(&connect)
        .await
        .expect("client with the wrong password");
    assert_eq!(
        wrong.get_data(&assignment).await.err(),
        Some(ZkError::NoAuth)
    );

    let list = cluster.storm(&["list"]).await;
    assert!(list.stdout.contains("secret"), "{list:?}");
}
