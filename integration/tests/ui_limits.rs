//! `storm ui`'s connection cap on a real process: with `ui.max.connections` reached, a new
//! connection is queued (actix-web stops accepting; the kernel's backlog holds it) and gets no
//! answer, the connections already held keep being served, and the queued one is served as
//! soon as one of them closes.

// Tests fail by panicking: unwrap and expect are how they assert.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::json;
use storm_integration::{ClusterOptions, StormCluster};

const CLI: &str = env!("CARGO_BIN_EXE_storm_cli");
/// The longest a served request may take.
const ANSWER_DEADLINE: Duration = Duration::from_secs(30);

/// Sends `GET /` on a kept-alive connection.
fn ask(stream: &mut TcpStream) {
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .expect("send");
}

/// Reads one answer (status line, headers, a `Content-Length` body); its status.
fn answer(stream: &TcpStream) -> u16 {
    let mut reader = BufReader::new(stream);
    let mut status = String::new();
    reader.read_line(&mut status).expect("status line");
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).expect("header");
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().expect("length");
            }
        }
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).expect("body");
    status
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

fn connect(addr: &str) -> TcpStream {
    let stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(ANSWER_DEADLINE))
        .expect("timeout");
    stream
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_ui_connection_cap_new_connections_wait_and_held_ones_keep_working() {
    storm_integration::init_tracing();
    let mut options = ClusterOptions::new(CLI).with_conf("ui.max.connections", json!(2));
    options.supervisors = 0;
    let cluster = StormCluster::start(options).await.expect("cluster");
    let (ui, url) = cluster.start_ui().await.expect("ui");
    let addr = url.trim_start_matches("http://").to_owned();
    tokio::task::spawn_blocking(move || {
        let mut held = [connect(&addr), connect(&addr)];
        for c in &mut held {
            ask(c);
            assert_eq!(answer(c), 200);
        }
        // The cap is reached: the third connection's request waits.
        let mut queued = connect(&addr);
        ask(&mut queued);
        // The held connections are served meanwhile, round trip after round trip, and the
        // queued one has no answer through all of them (without the cap it has one within a
        // millisecond).
        queued.set_nonblocking(true).expect("nonblocking");
        for round in 0..100 {
            for c in &mut held {
                ask(c);
                assert_eq!(answer(c), 200, "a held connection keeps working");
            }
            let mut byte = [0u8; 1];
            match queued.peek(&mut byte) {
                Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::WouldBlock, "{e}"),
                Ok(n) => {
                    panic!("the connection past the cap was answered ({n} bytes, round {round})")
                }
            }
        }
        queued.set_nonblocking(false).expect("blocking");
        // One held connection closes: the queued one is served.
        let [first, _second] = held;
        drop(first);
        assert_eq!(answer(&queued), 200, "served once a place is free");
    })
    .await
    .expect("the checks");
    drop(ui);
}
