//! The Nimbus port's security on real processes. With `nimbus.authentication` on: a client
//! that does not authenticate is refused for every request kind and Nimbus keeps serving; a
//! wrong secret or unknown user is refused; a user outside a topology's `topology.users` cannot
//! kill it while an admin can; only `nimbus.supervisor.users` fetch artifacts (and the
//! supervisor, authenticated as one, runs the topology; one without credentials is refused the
//! artifact and starts no worker); every change is audited; no secret
//! reaches any log; past `nimbus.max.connections` new connections are refused while existing
//! clients keep working; a credentials file others can read stops Nimbus from starting. With
//! it off, Nimbus serves everyone as before and warns at start, naming its address and port.

// Tests fail by panicking: unwrap and expect are how they assert.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::json;
use storm_client::credentials::ClientCredentials;
use storm_client::protocol::handshake::SharedSecret;
use storm_client::protocol::{RemoteError, Request, SubmitTopology};
use storm_client::{ClientError, NimbusClient};
use storm_integration::reports::{read_reports, SinkReport};
use storm_integration::{wait_until, ClusterOptions, StormCluster};
use storm_zk::ClusterState;

const CLI: &str = env!("CARGO_BIN_EXE_storm_cli");
const TOPOLOGY: &str = env!("CARGO_BIN_EXE_wordcount_topology");
const DEADLINE: Duration = Duration::from_secs(60);
const MAX_FRAME: usize = 1 << 20;
const TIMEOUT: Duration = Duration::from_secs(10);

/// The cluster's users and their secrets; each secret is distinctive, to look for in logs.
const USERS: &[(&str, &str)] = &[
    ("root", "pw-root-9d41c7e2"),
    ("alice", "pw-alice-5b1f0a93"),
    ("bob", "pw-bob-e7723c18"),
    ("carol", "pw-carol-40aa6d51"),
    ("sup", "pw-sup-1c9be804"),
];

fn secret_of(user: &str) -> &'static str {
    USERS
        .iter()
        .find(|(u, _)| *u == user)
        .expect("known user")
        .1
}

fn write_with_mode(path: &Path, text: &str, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).expect("write");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// Writes the users file and one secret file per user into `dir`, with `users_mode`.
fn write_secrets(dir: &Path, users_mode: u32) {
    let users: String = USERS.iter().map(|(u, s)| format!("{u}: {s}\n")).collect();
    write_with_mode(&dir.join("users.yaml"), &users, users_mode);
    for (user, secret) in USERS {
        write_with_mode(&dir.join(format!("{user}.secret")), secret, 0o600);
    }
}

/// A cluster with authentication on: `root` is an admin, `sup` the supervisors' user, and the
/// daemons' (and the default client's) identity is `sup`.
fn secured(secrets: &Path, supervisors: usize) -> ClusterOptions {
    let mut options = ClusterOptions::new(CLI)
        .with_conf("nimbus.authentication", json!(true))
        .with_conf(
            "nimbus.credentials.file",
            json!(secrets.join("users.yaml").display().to_string()),
        )
        .with_conf("nimbus.admins", json!(["root"]))
        .with_conf("nimbus.supervisor.users", json!(["sup"]))
        .with_conf("storm.client.user", json!("sup"))
        .with_conf(
            "storm.client.secret.file",
            json!(secrets.join("sup.secret").display().to_string()),
        );
    options.supervisors = supervisors;
    options
}

/// `storm -c ...` overrides that make the CLI authenticate as `user`.
fn as_user(secrets: &Path, user: &str) -> Vec<String> {
    vec![
        "-c".into(),
        format!("storm.client.user={user}"),
        "-c".into(),
        format!(
            "storm.client.secret.file={}",
            secrets.join(format!("{user}.secret")).display()
        ),
    ]
}

async fn storm_as(cluster: &StormCluster, secrets: &Path, user: &str, args: &[&str]) -> String {
    let mut all = as_user(secrets, user);
    all.extend(args.iter().map(|a| a.to_string()));
    let all: Vec<&str> = all.iter().map(String::as_str).collect();
    let out = cluster.storm(&all).await;
    assert!(
        out.ok(),
        "storm {args:?} as {user}: {out:?}\n{}",
        cluster.logs()
    );
    out.stdout
}

async fn refused_as(cluster: &StormCluster, secrets: &Path, user: &str, args: &[&str]) -> String {
    let mut all = as_user(secrets, user);
    all.extend(args.iter().map(|a| a.to_string()));
    let all: Vec<&str> = all.iter().map(String::as_str).collect();
    let out = cluster.storm(&all).await;
    assert!(
        !out.ok(),
        "storm {args:?} as {user} should be refused: {out:?}"
    );
    format!("{}{}", out.stdout, out.stderr)
}

fn credentials(user: &str, secret: &str) -> ClientCredentials {
    ClientCredentials {
        user: user.to_owned(),
        secret: SharedSecret::new(secret.as_bytes().to_vec()),
    }
}

async fn connect_as(cluster: &StormCluster, user: &str) -> Result<NimbusClient, ClientError> {
    let creds = credentials(user, secret_of(user));
    NimbusClient::connect_as(&cluster.nimbus_addr(), MAX_FRAME, TIMEOUT, Some(&creds)).await
}

/// One request of every kind; the match fails to compile when a kind is added.
fn every_request_kind() -> Vec<Request> {
    let name = || "secure".to_owned();
    let kinds = vec![
        Request::IsTopologyNameAllowed { name: name() },
        Request::BeginFileUpload { size: 10 },
        Request::UploadChunk {
            location: "upload-1".into(),
            data: vec![1, 2, 3],
        },
        Request::FinishFileUpload {
            location: "upload-1".into(),
            sha256: "00".into(),
        },
        Request::SubmitTopology(SubmitTopology {
            name: name(),
            artifact: "upload-1".into(),
            config_json: "{}".into(),
            topology_json: "{}".into(),
            custom_groupings: Vec::new(),
            args: Vec::new(),
            active: true,
        }),
        Request::KillTopology {
            name: name(),
            wait_secs: Some(0),
        },
        Request::Activate { name: name() },
        Request::Deactivate { name: name() },
        Request::Rebalance {
            name: name(),
            options: Default::default(),
        },
        Request::ListTopologies,
        Request::GetTopologyInfo { name: name() },
        Request::GetTopologyDist {
            topology_id: "secure-1-1".into(),
        },
        Request::DownloadChunk {
            topology_id: "secure-1-1".into(),
            offset: 0,
            max_len: 1024,
        },
        Request::GetLeader,
        Request::GetClusterInfo,
        Request::GetTopologyPageInfo {
            name: name(),
            window: ":all-time".into(),
        },
    ];
    for k in &kinds {
        match k {
            Request::IsTopologyNameAllowed { .. }
            | Request::BeginFileUpload { .. }
            | Request::UploadChunk { .. }
            | Request::FinishFileUpload { .. }
            | Request::SubmitTopology(_)
            | Request::KillTopology { .. }
            | Request::Activate { .. }
            | Request::Deactivate { .. }
            | Request::Rebalance { .. }
            | Request::ListTopologies
            | Request::GetTopologyInfo { .. }
            | Request::GetTopologyDist { .. }
            | Request::DownloadChunk { .. }
            | Request::GetLeader
            | Request::GetClusterInfo
            | Request::GetTopologyPageInfo { .. } => {}
        }
    }
    kinds
}

/// Every `*.log` file under `dir`.
fn log_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(log_files(&path));
        } else if path.extension().is_some_and(|e| e == "log") {
            out.push(path);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_authentication_only_known_users_get_in_and_each_does_only_what_it_may() {
    storm_integration::init_tracing();
    let secrets = tempfile::tempdir().expect("dir");
    write_secrets(secrets.path(), 0o600);
    let cluster = StormCluster::start(secured(secrets.path(), 1))
        .await
        .expect("cluster");
    let addr = cluster.nimbus_addr();

    // A client without credentials is refused whatever it asks, each on a new connection.
    for request in every_request_kind() {
        let mut client = NimbusClient::connect(&addr, MAX_FRAME, TIMEOUT)
            .await
            .expect("connect");
        let e = client.call(&request).await.expect_err(request.name());
        assert!(
            matches!(e.remote(), Some(RemoteError::Unauthenticated { .. })),
            "{}: {e}",
            request.name()
        );
    }
    // A wrong secret and an unknown user are refused alike.
    for creds in [
        credentials("alice", "a-guess"),
        credentials("mallory", "anything"),
    ] {
        let e = NimbusClient::connect_as(&addr, MAX_FRAME, TIMEOUT, Some(&creds))
            .await
            .expect_err("refused");
        assert!(
            matches!(e, ClientError::Authentication { .. }),
            "{}: {e}",
            creds.user
        );
    }
    // Nimbus keeps serving users who authenticate.
    let mut root = connect_as(&cluster, "root").await.expect("root");
    assert!(root.list_topologies().await.expect("list").is_empty());

    // alice submits, letting carol act on it too; the supervisor (user `sup`) downloads it.
    let output = cluster.dir().join("output-secure");
    std::fs::create_dir_all(&output).expect("output dir");
    let out = output.display().to_string();
    storm_as(
        &cluster,
        secrets.path(),
        "alice",
        &[
            "-c",
            "topology.users=[carol]",
            "jar",
            TOPOLOGY,
            "--name",
            "secure",
            "--output",
            &out,
            "--rate",
            "50",
        ],
    )
    .await;
    wait_until("the topology runs", DEADLINE, || async {
        read_reports::<SinkReport>(&output, "sink")
            .values()
            .any(|r| r.tuples > 0)
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", cluster.logs()));

    // bob is neither the owner nor in topology.users nor an admin.
    let said = refused_as(
        &cluster,
        secrets.path(),
        "bob",
        &["kill", "secure", "-w", "0"],
    )
    .await;
    assert!(
        said.contains("user bob is not authorized to killTopology on topology secure"),
        "{said}"
    );
    refused_as(&cluster, secrets.path(), "bob", &["deactivate", "secure"]).await;
    // carol is in topology.users.
    storm_as(&cluster, secrets.path(), "carol", &["deactivate", "secure"]).await;
    storm_as(&cluster, secrets.path(), "alice", &["activate", "secure"]).await;

    // An upload belongs to the user who began it.
    let mut alice_uploads = connect_as(&cluster, "alice").await.expect("alice");
    let location = match alice_uploads
        .call(&Request::BeginFileUpload { size: 3 })
        .await
        .expect("begin")
    {
        storm_client::Response::UploadStarted { location } => location,
        other => panic!("{other:?}"),
    };
    let mut bob = connect_as(&cluster, "bob").await.expect("bob");
    let e = bob
        .call(&Request::UploadChunk {
            location,
            data: vec![1, 2, 3],
        })
        .await
        .expect_err("not bob's upload");
    assert!(
        matches!(e.remote(), Some(RemoteError::NotAuthorized { .. })),
        "{e}"
    );

    // Only supervisor users (and admins) fetch a topology's files.
    let id = root.topology_info("secure").await.expect("info").summary.id;
    let mut alice = connect_as(&cluster, "alice").await.expect("alice");
    let e = alice
        .topology_dist(&id)
        .await
        .expect_err("not a supervisor");
    assert!(
        matches!(e.remote(), Some(RemoteError::NotAuthorized { .. })),
        "{e}"
    );
    let mut anonymous = NimbusClient::connect(&addr, MAX_FRAME, TIMEOUT)
        .await
        .expect("connect");
    let e = anonymous.topology_dist(&id).await.expect_err("anonymous");
    assert!(
        matches!(e.remote(), Some(RemoteError::Unauthenticated { .. })),
        "{e}"
    );
    let mut sup = connect_as(&cluster, "sup").await.expect("sup");
    sup.topology_dist(&id).await.expect("a supervisor user may");

    // The admin may kill what it did not submit.
    storm_as(
        &cluster,
        secrets.path(),
        "root",
        &["kill", "secure", "-w", "0"],
    )
    .await;
    let state = cluster.state().await.expect("state");
    wait_until("the topology is gone", DEADLINE, || async {
        state
            .active_storms()
            .await
            .map(|t| t.is_empty())
            .unwrap_or(false)
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", cluster.logs()));

    // Every change is audited with its user; refusals too.
    let nimbus_log = cluster.nimbus.log_text();
    for (user, request) in [
        ("alice", "submitTopology"),
        ("carol", "deactivate"),
        ("bob", "killTopology"),
        ("root", "killTopology"),
    ] {
        let line = nimbus_log.lines().find(|l| {
            l.contains("storm_audit")
                && l.contains(&format!("user={user}"))
                && l.contains(&format!("request={request}"))
        });
        assert!(
            line.is_some(),
            "no audit line for {user} {request}:\n{nimbus_log}"
        );
    }

    // No secret in any log: the daemons', the workers', anything under the cluster.
    let logs = log_files(cluster.dir());
    assert!(logs.len() >= 2, "{logs:?}");
    for path in logs {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        for (user, secret) in USERS {
            assert!(
                !text.contains(secret),
                "{user}'s secret is in {}",
                path.display()
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_connection_cap_new_connections_are_refused_and_existing_ones_keep_working() {
    storm_integration::init_tracing();
    let secrets = tempfile::tempdir().expect("dir");
    write_secrets(secrets.path(), 0o600);
    let options = secured(secrets.path(), 0).with_conf("nimbus.max.connections", json!(3));
    let cluster = StormCluster::start(options).await.expect("cluster");
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(connect_as(&cluster, "root").await.expect("under the cap"));
    }
    let e = connect_as(&cluster, "root")
        .await
        .expect_err("over the cap");
    assert!(e.to_string().contains("nimbus.max.connections (3)"), "{e}");
    for client in &mut held {
        client
            .list_topologies()
            .await
            .expect("existing clients work");
    }
    // A closed connection frees its place.
    drop(held.pop());
    wait_until("a place is free again", DEADLINE, || async {
        connect_as(&cluster, "root").await.is_ok()
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", cluster.logs()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nimbus_refuses_a_credentials_file_other_users_can_read() {
    storm_integration::init_tracing();
    let secrets = tempfile::tempdir().expect("dir");
    write_secrets(secrets.path(), 0o644);
    let e = StormCluster::start(secured(secrets.path(), 0))
        .await
        .expect_err("nimbus must not start");
    let said = e.to_string();
    assert!(said.contains("chmod 600"), "{said}");
    assert!(!said.contains(secret_of("root")), "{said}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_authentication_off_nimbus_serves_everyone_and_warns_naming_its_port() {
    storm_integration::init_tracing();
    let mut options = ClusterOptions::new(CLI);
    options.supervisors = 0;
    let cluster = StormCluster::start(options).await.expect("cluster");
    let addr = cluster.nimbus_addr();
    let mut client = NimbusClient::connect(&addr, MAX_FRAME, TIMEOUT)
        .await
        .expect("connect");
    assert!(client.list_topologies().await.expect("list").is_empty());
    let out = cluster.storm(&["list"]).await;
    assert!(out.ok(), "{out:?}");
    let log = cluster.nimbus.log_text();
    let warning = log
        .lines()
        .find(|l| l.contains("nimbus.authentication is off"))
        .unwrap_or_else(|| panic!("no warning:\n{log}"));
    assert!(warning.contains(&addr), "{warning}");
    assert!(warning.contains("WARN"), "{warning}");
    // A client that authenticates is told this Nimbus does not.
    let creds = credentials("alice", "whatever");
    let e = NimbusClient::connect_as(&addr, MAX_FRAME, TIMEOUT, Some(&creds))
        .await
        .expect_err("no handshake on this Nimbus");
    assert!(e.to_string().contains("nimbus.authentication"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervisor_without_credentials_cannot_download_an_artifact() {
    storm_integration::init_tracing();
    let secrets = tempfile::tempdir().expect("dir");
    write_secrets(secrets.path(), 0o600);
    let mut options = secured(secrets.path(), 1);
    // The daemons get no client identity; the CLI below authenticates as alice.
    options.conf.remove("storm.client.user");
    options.conf.remove("storm.client.secret.file");
    let cluster = StormCluster::start(options).await.expect("cluster");
    let output = cluster.dir().join("output-orphan");
    std::fs::create_dir_all(&output).expect("output dir");
    let out = output.display().to_string();
    storm_as(
        &cluster,
        secrets.path(),
        "alice",
        &[
            "jar", TOPOLOGY, "--name", "orphan", "--output", &out, "--rate", "50",
        ],
    )
    .await;
    wait_until(
        "the supervisor is refused the artifact",
        DEADLINE,
        || async {
            cluster.supervisors[0]
                .log_text()
                .contains("not authenticated: this Nimbus requires authentication")
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", cluster.logs()));
    assert!(cluster.worker_pids().is_empty(), "{}", cluster.logs());
}
