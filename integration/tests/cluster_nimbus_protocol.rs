//! Nimbus's port under bad input, on a real Nimbus process: a corrupted artifact upload is
//! refused and nothing is stored; malformed frames get an error reply or a closed connection
//! and Nimbus keeps serving.

// Tests fail by panicking: unwrap and expect are how they assert.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use sha2::{Digest, Sha256};
use storm_client::protocol::{frames, PROTOCOL_VERSION};
use storm_client::protocol::{hex, RemoteError, Request, Response, SubmitTopology};
use storm_client::NimbusClient;
use storm_integration::{ClusterOptions, StormCluster};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

const CLI: &str = env!("CARGO_BIN_EXE_storm_cli");
const MAX_FRAME: usize = 1 << 20;

async fn nimbus_only() -> StormCluster {
    let mut options = ClusterOptions::new(CLI);
    options.supervisors = 0;
    StormCluster::start(options).await.expect("cluster")
}

fn inbox_is_empty(cluster: &StormCluster) -> bool {
    std::fs::read_dir(cluster.nimbus.local_dir.join("nimbus/inbox"))
        .expect("inbox")
        .next()
        .is_none()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupted_upload_is_refused_and_nothing_is_stored() {
    storm_integration::init_tracing();
    let cluster = nimbus_only().await;
    let mut client =
        NimbusClient::connect(&cluster.nimbus_addr(), MAX_FRAME, Duration::from_secs(10))
            .await
            .expect("connect");
    let artifact: Vec<u8> = (0..600_000u32).map(|i| (i % 253) as u8).collect();
    let announced = hex(&Sha256::digest(&artifact));
    let location = match client
        .call(&Request::BeginFileUpload {
            size: artifact.len() as u64,
        })
        .await
        .expect("begin")
    {
        Response::UploadStarted { location } => location,
        other => panic!("{other:?}"),
    };
    // One byte flips on the way.
    let mut corrupted = artifact.clone();
    corrupted[300_000] ^= 0xff;
    for chunk in corrupted.chunks(200_000) {
        client
            .call(&Request::UploadChunk {
                location: location.clone(),
                data: chunk.to_vec(),
            })
            .await
            .expect("chunk accepted");
    }
    let err = client
        .finish_upload(&location, &announced)
        .await
        .expect_err("checksum mismatch");
    match err.remote() {
        Some(RemoteError::ChecksumMismatch { expected, actual }) => {
            assert_eq!(*expected, announced);
            assert_eq!(*actual, hex(&Sha256::digest(&corrupted)));
        }
        other => panic!("{other:?}: {err}"),
    }
    assert!(err.to_string().contains("nothing was stored"), "{err}");
    assert!(inbox_is_empty(&cluster), "no file kept");
    // The location cannot be submitted.
    let err = client
        .submit_topology(SubmitTopology {
            name: "corrupt".into(),
            artifact: location,
            config_json: "{}".into(),
            topology_json: "{}".into(),
            custom_groupings: Vec::new(),
            args: Vec::new(),
            active: true,
        })
        .await
        .expect_err("refused");
    assert!(
        matches!(
            err.remote(),
            Some(RemoteError::InvalidTopology { .. } | RemoteError::UnknownUpload { .. })
        ),
        "{err}"
    );
    // An upload that sends more than it announced is refused too.
    let location = match client
        .call(&Request::BeginFileUpload { size: 10 })
        .await
        .expect("begin")
    {
        Response::UploadStarted { location } => location,
        other => panic!("{other:?}"),
    };
    let err = client
        .call(&Request::UploadChunk {
            location,
            data: vec![0; 11],
        })
        .await
        .expect_err("too much");
    assert!(err.remote().is_some(), "{err}");
    assert!(inbox_is_empty(&cluster));
    let list = cluster.storm(&["list"]).await;
    assert_eq!(list.stdout, "No topologies running.\n");
}

/// Sends raw bytes; returns Nimbus's reply, or `None` when it closed the connection.
async fn send_raw(addr: &str, bytes: &[u8]) -> Option<Response> {
    let mut s = TcpStream::connect(addr).await.expect("connect");
    s.write_all(bytes).await.expect("write");
    let _ = s.shutdown().await;
    tokio::time::timeout(
        Duration::from_secs(10),
        frames(MAX_FRAME).read::<Response, _>(&mut s),
    )
    .await
    .expect("an answer or a close in time")
    .ok()
    .flatten()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_frames_get_an_error_or_a_closed_connection_and_nimbus_keeps_serving() {
    storm_integration::init_tracing();
    let mut cluster = nimbus_only().await;
    let addr = cluster.nimbus_addr();
    let cases: [(&str, Vec<u8>); 6] = [
        (
            "a length over the maximum",
            vec![0xff, 0xff, 0xff, 0xff, PROTOCOL_VERSION],
        ),
        ("another protocol version", vec![0, 0, 0, 2, 99, 0]),
        (
            "a payload that is no request",
            vec![0, 0, 0, 4, PROTOCOL_VERSION, 0xee, 0xee, 0xee],
        ),
        ("an empty frame", vec![0, 0, 0, 0]),
        ("a frame cut short", vec![0, 0, 0, 9, PROTOCOL_VERSION, 1]),
        ("HTTP", b"GET / HTTP/1.1\r\nHost: nimbus\r\n\r\n".to_vec()),
    ];
    let mut errors = 0;
    for (what, bytes) in &cases {
        match send_raw(&addr, bytes).await {
            None => {}
            Some(Response::Error(RemoteError::BadRequest { reason })) => {
                errors += 1;
                assert!(!reason.is_empty(), "{what}");
            }
            Some(other) => panic!("{what}: {other:?}"),
        }
    }
    assert!(errors >= 3, "most bad frames are told why, {errors} were");
    assert!(cluster.nimbus.is_running(), "nimbus survived");
    let list = cluster.storm(&["list"]).await;
    assert!(list.ok(), "{list:?}");
    assert_eq!(list.stdout, "No topologies running.\n");
}
