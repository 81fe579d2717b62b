//! `storm ui` over HTTPS (`ui.https.port`, a PEM keystore made at test time): a client trusting
//! the CA gets the page, one trusting another CA refuses the UI, and plain HTTP on the HTTPS
//! port gets no page; with `ui.disable.http.binding: false` plain HTTP on `ui.port` still works.

// Tests fail by panicking: unwrap and expect are how they assert.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use serde_json::json;
use storm_client::tls::{PemFile, TlsClient, TrustStore};
use storm_integration::ports::free_port;
use storm_integration::ui_http::request;
use storm_integration::{ClusterOptions, StormCluster};
use support::certs::Ca;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

mod support;

const CLI: &str = env!("CARGO_BIN_EXE_storm_cli");

fn trust(path: &Path) -> TlsClient {
    let store = TrustStore::load(PemFile::new("test.truststore", path)).expect("truststore");
    TlsClient::new(&store, None).expect("client")
}

/// `GET /` on `stream`; the answer's head and body as text, up to the close.
async fn get<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(mut stream: S) -> String {
    let ask = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    stream.write_all(ask).await.expect("send");
    stream.flush().await.expect("flush");
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ui_serves_https_with_its_certificate_and_refuses_what_does_not_fit() {
    storm_integration::init_tracing();
    let dir = tempfile::tempdir().expect("dir");
    let ca = Ca::new("storm test CA");
    let ca_file = ca.write(dir.path(), "ca.pem");
    let keystore = ca.keystore(dir.path(), "ui.pem", &["127.0.0.1"]);
    let https_port = free_port().expect("port");
    let mut options = ClusterOptions::new(CLI)
        .with_conf("ui.https.port", json!(https_port))
        .with_conf(
            "ui.https.keystore.path",
            json!(keystore.display().to_string()),
        )
        .with_conf("ui.disable.http.binding", json!(false));
    options.supervisors = 0;
    let cluster = StormCluster::start(options).await.expect("cluster");
    let (ui, url) = cluster.start_ui().await.expect("ui");
    let https = format!("127.0.0.1:{https_port}");

    let tcp = TcpStream::connect(&https).await.expect("connect");
    let tls = trust(&ca_file)
        .connect("127.0.0.1", tcp)
        .await
        .expect("TLS");
    let page = get(tls).await;
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("<html"), "the page");

    let other = Ca::new("other CA").write(dir.path(), "other-ca.pem");
    let tcp = TcpStream::connect(&https).await.expect("connect");
    let e = trust(&other)
        .connect("127.0.0.1", tcp)
        .await
        .expect_err("untrusted");
    assert!(e.to_string().contains("UnknownIssuer"), "{e}");

    let tcp = TcpStream::connect(&https).await.expect("connect");
    let plain = get(tcp).await;
    assert!(
        !plain.contains("HTTP/1.1 200"),
        "plain HTTP on the HTTPS port: {plain}"
    );

    // Plain HTTP on ui.port, kept by ui.disable.http.binding: false.
    let reply = request("GET", &format!("{url}/"), None)
        .await
        .expect("http");
    assert_eq!(reply.status, 200);
    drop(ui);
}
