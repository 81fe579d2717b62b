//! TLS on real processes, with certificates made at test time (files mode 600). With TLS on
//! the Nimbus port (mutual, and authentication inside it) and on worker links, the word count
//! over two workers is exact and a plain peer knocking on a worker port is refused while the
//! topology runs. Nimbus refuses a client without a certificate, one whose certificate another
//! CA signed, a client trusting another CA, one dialling a name its certificate lacks, and a
//! plain-TCP client, and keeps serving the others (the UI, a client by the same storm.yaml,
//! among them); past its connection cap a TLS client is told so inside TLS. A TLS client on a
//! plain Nimbus is told TLS is off there. A standby Nimbus copies artifacts from the leader over
//! TLS and takes over when it dies. A garbage keystore
//! stops Nimbus at start, naming the key and the file. (With TLS off, every other cluster test runs as before.)

// Tests fail by panicking: unwrap and expect are how they assert.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::json;
use storm_client::credentials::ClientCredentials;
use storm_client::protocol::handshake::SharedSecret;
use storm_client::tls::{Identity, PemFile, TlsClient, TrustStore};
use storm_client::{DaemonConfig, NimbusClient};
use storm_integration::reports::{expected_word_counts, read_reports, SinkReport};
use storm_integration::ui_http::request;
use storm_integration::{wait_until, ClusterOptions, StormCluster};
use support::certs::{write_600, Ca};
use support::refusal::refused;

mod support;

const CLI: &str = env!("CARGO_BIN_EXE_storm_cli");
const TOPOLOGY: &str = env!("CARGO_BIN_EXE_wordcount_topology");
const DEADLINE: Duration = Duration::from_secs(90);
const MAX_FRAME: usize = 1 << 20;
const TIMEOUT: Duration = Duration::from_secs(10);
const SECRET: &str = "pw-sup-3f0c9a11";

/// The certificates of one cluster: its CA, Nimbus's keystore (for 127.0.0.1 only, so
/// `localhost` is a name it lacks), the workers' and the clients' keystores.
struct Certs {
    dir: tempfile::TempDir,
    ca: PathBuf,
    nimbus: PathBuf,
    worker: PathBuf,
    client: PathBuf,
}

impl Certs {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("dir");
        let ca = Ca::new("storm test CA");
        let p = dir.path();
        Self {
            ca: ca.write(p, "ca.pem"),
            nimbus: ca.keystore(p, "nimbus.pem", &["127.0.0.1"]),
            worker: ca.keystore(p, "worker.pem", &["127.0.0.1", "localhost"]),
            client: ca.keystore(p, "client.pem", &["storm-client"]),
            dir,
        }
    }

    fn path(&self, file: &str) -> PathBuf {
        self.dir.path().join(file)
    }
}

fn s(path: &Path) -> serde_json::Value {
    json!(path.display().to_string())
}

/// A cluster with TLS on the Nimbus port (client certificates required, authentication
/// inside) and, with `links`, on worker links; every daemon and the CLI use the client keystore.
fn tls_cluster(certs: &Certs, supervisors: usize, links: bool) -> ClusterOptions {
    let users = certs.path("users.yaml");
    write_600(&users, &format!("sup: {SECRET}\n"));
    let secret = certs.path("sup.secret");
    write_600(&secret, SECRET);
    let mut options = ClusterOptions::new(CLI)
        .with_conf("nimbus.authentication", json!(true))
        .with_conf("nimbus.credentials.file", s(&users))
        .with_conf("nimbus.admins", json!(["sup"]))
        .with_conf("nimbus.supervisor.users", json!(["sup"]))
        .with_conf("storm.client.user", json!("sup"))
        .with_conf("storm.client.secret.file", s(&secret))
        .with_conf("nimbus.thrift.tls.enable", json!(true))
        .with_conf("nimbus.thrift.tls.server.keystore.path", s(&certs.nimbus))
        .with_conf("nimbus.thrift.tls.server.truststore.path", s(&certs.ca))
        .with_conf("nimbus.thrift.client.use.tls", json!(true))
        .with_conf("nimbus.thrift.tls.client.truststore.path", s(&certs.ca))
        .with_conf("nimbus.thrift.tls.client.keystore.path", s(&certs.client));
    if links {
        options = options
            .with_conf("storm.messaging.netty.tls.enable", json!(true))
            .with_conf("storm.messaging.netty.tls.keystore.path", s(&certs.worker))
            .with_conf("storm.messaging.netty.tls.truststore.path", s(&certs.ca));
    }
    options.supervisors = supervisors;
    options
}

fn credentials() -> ClientCredentials {
    ClientCredentials {
        user: "sup".to_owned(),
        secret: SharedSecret::new(SECRET.as_bytes().to_vec()),
    }
}

fn trust(path: &Path) -> TrustStore {
    TrustStore::load(PemFile::new("test.truststore", path)).expect("truststore")
}

fn identity(path: &Path) -> Identity {
    Identity::load_keystore(PemFile::new("test.keystore", path)).expect("keystore")
}

/// Connects as `sup` with `tls` to `addr` and lists the topologies.
async fn list_with(addr: &str, tls: &TlsClient) -> Result<usize, String> {
    let creds = credentials();
    let mut client = NimbusClient::connect_with(addr, MAX_FRAME, TIMEOUT, Some(tls), Some(&creds))
        .await
        .map_err(|e| e.to_string())?;
    client
        .list_topologies()
        .await
        .map(|l| l.len())
        .map_err(|e| e.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn word_count_over_two_workers_with_tls_everywhere_is_exact_and_a_plain_peer_is_refused() {
    storm_integration::init_tracing();
    let certs = Certs::new();
    let cluster = StormCluster::start(tls_cluster(&certs, 2, true))
        .await
        .expect("cluster");
    let output = cluster.dir().join("output");
    let args = ["--sentences", "400", "--parallelism", "2", "--workers", "2"];
    cluster.submit(TOPOLOGY, "wc-tls", &output, &args).await;
    let assignment = cluster.only_assignment().await.expect("assigned");
    let workers = assignment.workers();
    assert_eq!(workers.len(), 2, "{assignment:?}");

    // A plain peer knocks on a worker port while the topology runs: the hello of the worker
    // handshake, in clear.
    let port = workers.iter().next().map(|w| w.port).expect("a worker");
    let addr = format!("127.0.0.1:{port}");
    wait_until("the worker port listens", DEADLINE, || async {
        std::net::TcpStream::connect(&addr).is_ok()
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", cluster.logs()));
    let hello = storm_codec::FrameCodec::new(1, 4096)
        .encode(&(0u32, ("wc-tls", "intruder:1", [7u8; 32])))
        .expect("frame");
    assert!(refused(&addr, &hello), "a plain peer on a TLS worker port");

    cluster
        .wait_for_word_counts(&output, &expected_word_counts(2, 400), DEADLINE)
        .await;
    assert_eq!(cluster.worker_pids().len(), 2, "{}", cluster.logs());
    let log = cluster.logs();
    assert!(
        log.contains("TLS handshake failed (storm.messaging.netty.tls.enable is on)"),
        "the refusal is logged\n{log}"
    );
    assert!(log.contains("connected to peer worker"), "{log}");
    let list = cluster.storm(&["list"]).await;
    assert!(list.ok() && list.stdout.contains("wc-tls"), "{list:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutual_tls_nimbus_refuses_clients_without_the_right_certificate_and_keeps_serving() {
    storm_integration::init_tracing();
    let certs = Certs::new();
    let cluster = StormCluster::start(tls_cluster(&certs, 0, false))
        .await
        .expect("cluster");
    let addr = cluster.nimbus_addr();
    let good = TlsClient::new(&trust(&certs.ca), Some(&identity(&certs.client))).expect("tls");
    assert_eq!(list_with(&addr, &good).await, Ok(0));

    // No client certificate: Nimbus requires one.
    let anonymous = TlsClient::new(&trust(&certs.ca), None).expect("tls");
    let e = list_with(&addr, &anonymous)
        .await
        .expect_err("no certificate");
    assert!(e.contains("CertificateRequired"), "{e}");

    // A certificate of another CA.
    let other = Ca::new("other CA");
    let stranger = other.keystore(certs.dir.path(), "stranger.pem", &["storm-client"]);
    let foreign = TlsClient::new(&trust(&certs.ca), Some(&identity(&stranger))).expect("tls");
    let e = list_with(&addr, &foreign).await.expect_err("unknown CA");
    assert!(e.contains("UnknownCA") || e.contains("alert"), "{e}");

    // A client trusting another CA refuses Nimbus.
    let other_ca = other.write(certs.dir.path(), "other-ca.pem");
    let doubting = TlsClient::new(&trust(&other_ca), Some(&identity(&certs.client))).expect("tls");
    let e = list_with(&addr, &doubting).await.expect_err("untrusted");
    assert!(e.contains("UnknownIssuer"), "{e}");

    // A name Nimbus's certificate lacks (it lists 127.0.0.1 only).
    let port = addr.rsplit_once(':').expect("port").1;
    let e = list_with(&format!("localhost:{port}"), &good)
        .await
        .expect_err("wrong name");
    assert!(e.contains("not valid for name \"localhost\""), "{e}");

    // A plain-TCP client is told Nimbus speaks TLS.
    let creds = credentials();
    let e = NimbusClient::connect_as(&addr, MAX_FRAME, TIMEOUT, Some(&creds))
        .await
        .expect_err("plain");
    assert!(
        e.to_string().contains("nimbus.thrift.client.use.tls"),
        "{e}"
    );

    // Nimbus keeps serving: the good client, and the CLI through its storm.yaml.
    assert_eq!(list_with(&addr, &good).await, Ok(0));
    let out = cluster.storm(&["list"]).await;
    assert!(out.ok(), "{out:?}\n{}", cluster.logs());
    let config = DaemonConfig::load(Some(cluster.client_conf()), &[]).expect("client conf");
    let mut configured = NimbusClient::connect_seeds(&config).await.expect("seeds");
    assert!(configured.list_topologies().await.expect("list").is_empty());
    let log = cluster.nimbus.log_text();
    // The UI reaches Nimbus through the same storm.yaml, over mutual TLS.
    let (ui, url) = cluster.start_ui().await.expect("ui");
    let reply = request("GET", &format!("{url}/api/v1/cluster/summary"), None)
        .await
        .expect("ui");
    assert_eq!(reply.status, 200, "{}\n{}", reply.body, ui.log_text());
    let failures = log
        .lines()
        .filter(|l| l.contains("TLS handshake failed"))
        .count();
    assert!(failures >= 5, "each refusal is one line\n{log}");
    // Clients that close without TLS's close_notify leave no warning.
    assert!(!log.contains("bad frame"), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_connection_cap_a_tls_client_is_told_so_inside_tls() {
    storm_integration::init_tracing();
    let certs = Certs::new();
    let options = tls_cluster(&certs, 0, false).with_conf("nimbus.max.connections", json!(2));
    let cluster = StormCluster::start(options).await.expect("cluster");
    let addr = cluster.nimbus_addr();
    let good = TlsClient::new(&trust(&certs.ca), Some(&identity(&certs.client))).expect("tls");
    let creds = credentials();
    let mut held = Vec::new();
    for _ in 0..2 {
        let client =
            NimbusClient::connect_with(&addr, MAX_FRAME, TIMEOUT, Some(&good), Some(&creds))
                .await
                .expect("under the cap");
        held.push(client);
    }
    let e = list_with(&addr, &good).await.expect_err("over the cap");
    assert!(e.contains("nimbus.max.connections (2)"), "{e}");
    for client in &mut held {
        client.list_topologies().await.expect("held clients work");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_standby_nimbus_copies_artifacts_over_tls_and_takes_over() {
    storm_integration::init_tracing();
    let certs = Certs::new();
    let mut options = tls_cluster(&certs, 1, true)
        .with_conf("storm.nimbus.retry.times", json!(20))
        .with_conf("storm.nimbus.retry.interval.millis", json!(250))
        .with_conf("storm.nimbus.retry.intervalceiling.millis", json!(1000))
        .with_conf("nimbus.code.sync.freq.secs", json!(1));
    options.nimbuses = 2;
    let mut cluster = StormCluster::start(options).await.expect("cluster");
    assert_eq!(cluster.leader_index().await, Some(0));
    let first = cluster.dir().join("first");
    cluster
        .submit(TOPOLOGY, "first", &first, &["--rate", "50"])
        .await;
    let copied = cluster.dir().join("nimbus-1/nimbus/stormdist");
    wait_until(
        "the standby copied the artifact over TLS",
        DEADLINE,
        || async {
            std::fs::read_dir(&copied)
                .map(|mut d| d.any(|e| e.is_ok_and(|e| e.path().join("dist.json").is_file())))
                .unwrap_or(false)
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", cluster.logs()));

    cluster.nimbus.kill();
    // The CLI follows the seeds over TLS until the standby leads.
    let second = cluster.dir().join("second");
    cluster
        .submit(TOPOLOGY, "second", &second, &["--rate", "50"])
        .await;
    assert_eq!(cluster.leader_index().await, Some(1));
    wait_until("the second topology's worker counts", DEADLINE, || async {
        read_reports::<SinkReport>(&second, "sink")
            .values()
            .any(|r| r.tuples > 0)
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", cluster.logs()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tls_client_on_a_plain_nimbus_is_told_and_nimbus_keeps_serving() {
    storm_integration::init_tracing();
    let certs = Certs::new();
    let mut options = ClusterOptions::new(CLI);
    options.supervisors = 0;
    let cluster = StormCluster::start(options).await.expect("cluster");
    let addr = cluster.nimbus_addr();
    let tls = TlsClient::new(&trust(&certs.ca), Some(&identity(&certs.client))).expect("tls");
    let e = NimbusClient::connect_tls(&addr, MAX_FRAME, TIMEOUT, Some(&tls))
        .await
        .expect_err("plain port");
    assert!(e.to_string().contains("nimbus.thrift.tls.enable"), "{e}");
    let out = cluster.storm(&["list"]).await;
    assert!(out.ok(), "{out:?}");
    let log = cluster.nimbus.log_text();
    assert!(log.contains("a TLS client on this plain port"), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_garbage_keystore_stops_nimbus_naming_the_key_and_the_file() {
    storm_integration::init_tracing();
    let certs = Certs::new();
    let garbage = certs.path("garbage.pem");
    write_600(&garbage, "not PEM at all\n");
    let options = tls_cluster(&certs, 0, false)
        .with_conf("nimbus.thrift.tls.server.keystore.path", s(&garbage));
    let e = StormCluster::start(options)
        .await
        .expect_err("nimbus must not start");
    let said = e.to_string();
    assert!(
        said.contains("nimbus.thrift.tls.server.keystore.path") && said.contains("garbage.pem"),
        "{said}"
    );
}
