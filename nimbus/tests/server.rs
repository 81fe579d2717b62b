//! The Nimbus port over real TCP: a client's calls, and bad frames that get an error or a
//! closed connection while Nimbus keeps serving.

// Tests fail by panicking: unwrap and expect are how they assert.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use actix::Actor;
use common::Fixture;
use storm_client::protocol::{frames, PROTOCOL_VERSION};
use storm_client::protocol::{RemoteError, Response};
use storm_client::NimbusClient;
use storm_nimbus::{server, Nimbus};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

const MAX_FRAME: usize = 64 * 1024;

async fn start() -> (String, tempfile::TempDir) {
    let f = Fixture::new().await;
    f.supervisor("sup-a", &[6700]).await;
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let nimbus = Nimbus::new(std::sync::Arc::new(f.core)).start();
    actix::spawn(server::serve(listener, nimbus, MAX_FRAME));
    (addr, f.dir)
}

/// Sends raw bytes and returns what Nimbus answers: a reply, or `None` for a closed connection.
async fn send_raw(addr: &str, bytes: &[u8]) -> Option<Response> {
    let mut s = TcpStream::connect(addr).await.expect("connect");
    s.write_all(bytes).await.expect("write");
    let _ = s.shutdown().await;
    tokio::time::timeout(
        Duration::from_secs(5),
        frames(MAX_FRAME).read::<Response, _>(&mut s),
    )
    .await
    .expect("nimbus answers or closes in time")
    .ok()
    .flatten()
}

#[actix_rt::test]
async fn malformed_frames_get_an_error_or_a_closed_connection_and_nimbus_keeps_serving() {
    let (addr, _dir) = start().await;
    let too_large = [0xff, 0xff, 0xff, 0xff, PROTOCOL_VERSION];
    let wrong_version = [0, 0, 0, 2, 99, 0];
    let garbage = [0, 0, 0, 4, PROTOCOL_VERSION, 0xff, 0xff, 0xff];
    let empty = [0, 0, 0, 0];
    let truncated = [0, 0, 0, 9, PROTOCOL_VERSION, 1];
    for bytes in [&too_large[..], &wrong_version, &garbage, &empty, &truncated] {
        match send_raw(&addr, bytes).await {
            None => {}
            Some(Response::Error(RemoteError::BadRequest { reason })) => {
                assert!(!reason.is_empty());
            }
            Some(other) => panic!("{bytes:?} got {other:?}"),
        }
    }
    let mut client = NimbusClient::connect(&addr, MAX_FRAME, Duration::from_secs(5))
        .await
        .expect("still serving");
    assert!(client.list_topologies().await.expect("list").is_empty());
}

#[actix_rt::test]
async fn a_client_uploads_submits_lists_and_kills() {
    let (addr, dir) = start().await;
    let mut client = NimbusClient::connect(&addr, MAX_FRAME, Duration::from_secs(5))
        .await
        .expect("connect");
    let artifact = dir.path().join("binary");
    // Larger than a chunk and than a frame, so both are exercised.
    let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&artifact, &data).expect("write");
    let location = client.upload_artifact(&artifact).await.expect("upload");
    let id = client
        .submit_topology(storm_client::protocol::SubmitTopology {
            name: "words".into(),
            artifact: location,
            config_json: "{}".into(),
            topology_json: serde_json::to_string(&common::topology()).expect("json"),
            custom_groupings: Vec::new(),
            args: Vec::new(),
            active: true,
        })
        .await
        .expect("submit");
    let list = client.list_topologies().await.expect("list");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].id, id);

    let dist = client.topology_dist(&id).await.expect("dist");
    let copy = dir.path().join("copy");
    client
        .download_artifact(&dist, &copy)
        .await
        .expect("download");
    assert_eq!(std::fs::read(&copy).expect("read"), data);

    let err = client.activate("nope").await.expect_err("unknown");
    assert_eq!(
        err.to_string(),
        "topology nope is not running on the cluster"
    );
    client.kill_topology("words", Some(0)).await.expect("kill");
    // The removal timer fires on the actor.
    let started = std::time::Instant::now();
    while !client.list_topologies().await.expect("list").is_empty() {
        assert!(started.elapsed() < Duration::from_secs(5), "not removed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[actix_rt::test]
async fn an_unreachable_nimbus_is_named_in_the_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    drop(listener);
    let err = NimbusClient::connect(&addr, MAX_FRAME, Duration::from_secs(2))
        .await
        .expect_err("nothing listens");
    assert!(
        err.to_string()
            .starts_with(&format!("cannot reach Nimbus at {addr}: ")),
        "{err}"
    );
}
