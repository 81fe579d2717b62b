//! The TCP transport between workers, against a hand-driven peer on loopback: batches carry the
//! connection's epoch, credit outstanding on a connection that breaks goes back to its sender at
//! once, credit of an old epoch is ignored, a peer that keeps its connection open but goes
//! silent counts as gone, and a peer that cannot be reached refuses batches.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use storm_core::{values, MessageId, TaskId};
use storm_worker::batch::{BatchTuples, CreditGrant, TupleBatch};
use storm_worker::load::LoadMap;
use storm_worker::progress::Progress;
use storm_worker::testing::wait_until;
use storm_worker::transport::handshake::{self, WorkerSecret};
use storm_worker::transport::wire::{frames, ToClient, ToServer};
use storm_worker::transport::{
    Directory, LocalSide, PeerConfig, PeerLink, TaskLink, TaskRoutes, Unreachable,
};
use tokio::net::{TcpListener, TcpStream};

const TOPOLOGY: &str = "topo-1";
const WAIT: Duration = Duration::from_secs(10);

/// A local sender task that records the credit it gets back.
#[derive(Default)]
struct Sender {
    grants: Mutex<Vec<(TaskId, u32)>>,
}

impl TaskLink for Sender {
    fn send_batch(&self, _batch: TupleBatch) -> Result<(), Unreachable> {
        Ok(())
    }

    fn send_credit(&self, grant: CreditGrant) {
        self.grants
            .lock()
            .expect("grants")
            .push((grant.from, grant.tuples));
    }
}

fn secret() -> WorkerSecret {
    WorkerSecret::new(b"shared".to_vec())
}

fn routes_with_sender(sender: Arc<Sender>) -> Arc<TaskRoutes> {
    let routes = TaskRoutes::new();
    let mut directory = Directory::new();
    directory.insert(TaskId(1), sender);
    routes.set_local(LocalSide {
        directory: Arc::new(directory),
        loads: Arc::new(LoadMap::new(2, &[&[TaskId(1)]], 1000)),
        progress: Arc::new(Progress::default()),
    });
    routes
}

fn batch(tuples: usize) -> TupleBatch {
    let mut rows = BatchTuples::default();
    for i in 0..tuples {
        rows.push(0, values![i as i64], MessageId::unanchored());
    }
    TupleBatch {
        src: TaskId(1),
        dst: TaskId(2),
        epoch: 0,
        tuples: rows,
    }
}

fn config() -> PeerConfig {
    PeerConfig {
        topology: TOPOLOGY.into(),
        me: "node-a:1".into(),
        secret: secret(),
        silence_limit: storm_worker::transport::SILENCE_LIMIT,
        tls: None,
    }
}

/// Accepts the link's connection, completes the handshake, and waits until the link is up.
async fn accept(listener: &TcpListener, link: &Arc<PeerLink>) -> TcpStream {
    let (mut stream, _) = listener.accept().await.expect("accept");
    handshake::server(&mut stream, &secret(), TOPOLOGY)
        .await
        .expect("handshake");
    let link = link.clone();
    let up = tokio::task::spawn_blocking(move || wait_until(WAIT, || link.is_connected()));
    assert!(up.await.expect("join"), "the link is connected");
    stream
}

async fn read_batch(stream: &mut TcpStream) -> TupleBatch {
    match frames().read(stream).await.expect("frame") {
        Some(ToServer::Batch(batch)) => batch,
        None => panic!("closed instead of a batch"),
    }
}

/// Waits until the sender has at least `n` grants.
async fn wait_for_grants(sender: &Arc<Sender>, n: usize) {
    let sender = sender.clone();
    let got = tokio::task::spawn_blocking(move || {
        wait_until(WAIT, || sender.grants.lock().expect("grants").len() >= n)
    });
    assert!(got.await.expect("join"), "{n} grants");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credit_of_a_broken_connection_goes_back_at_once_and_old_epochs_are_ignored() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let sender = Arc::new(Sender::default());
    let routes = routes_with_sender(sender.clone());
    let (link, task) = PeerLink::new("node-b:2".into(), addr, config(), &routes);
    tokio::spawn(task);
    routes.route(TaskId(2), "node-b:2".into(), link.clone());

    // First connection: take one batch of 3, then break the connection without crediting it.
    let mut first = accept(&listener, &link).await;
    link.send_batch(batch(3)).expect("connected");
    let got = read_batch(&mut first).await;
    assert_eq!(
        (got.src, got.dst, got.tuples.len()),
        (TaskId(1), TaskId(2), 3)
    );
    let old_epoch = got.epoch;
    drop(first);
    wait_for_grants(&sender, 1).await;
    assert_eq!(
        sender.grants.lock().expect("grants")[0],
        (TaskId(2), 3),
        "the lost batch's credit is back"
    );

    // Second connection: credit for the old epoch is ignored, credit for the new one counts.
    let mut second = accept(&listener, &link).await;
    link.send_batch(batch(5)).expect("connected again");
    let got = read_batch(&mut second).await;
    assert_ne!(got.epoch, old_epoch, "a new connection is a new epoch");
    let stale = ToClient::Credit {
        from: TaskId(2),
        to: TaskId(1),
        tuples: 3,
        epoch: old_epoch,
    };
    frames().write(&mut second, &stale).await.expect("stale");
    let fresh = ToClient::Credit {
        from: TaskId(2),
        to: TaskId(1),
        tuples: 5,
        epoch: got.epoch,
    };
    frames().write(&mut second, &fresh).await.expect("fresh");
    wait_for_grants(&sender, 2).await;
    // Frames arrive in order: had the stale credit counted, it would be the second grant.
    assert_eq!(
        sender.grants.lock().expect("grants")[1..],
        [(TaskId(2), 5)],
        "only the new epoch's credit"
    );
    assert_eq!(
        link.stats()
            .connects
            .load(std::sync::atomic::Ordering::Relaxed),
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_peer_counts_as_gone_and_its_credit_goes_back() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let sender = Arc::new(Sender::default());
    let routes = routes_with_sender(sender.clone());
    let config = PeerConfig {
        silence_limit: Duration::from_millis(300),
        ..config()
    };
    let (link, task) = PeerLink::new("node-b:2".into(), addr, config, &routes);
    tokio::spawn(task);
    routes.route(TaskId(2), "node-b:2".into(), link.clone());

    // The peer takes a batch and then says nothing, with its connection open (a hung process,
    // or a network that drops everything): no credit, no loads, no close.
    let mut hung = accept(&listener, &link).await;
    link.send_batch(batch(4)).expect("connected");
    read_batch(&mut hung).await;
    wait_for_grants(&sender, 1).await;
    assert_eq!(
        sender.grants.lock().expect("grants")[0],
        (TaskId(2), 4),
        "the silent connection's credit is back"
    );
    // The link gives up on the silent connection and connects anew.
    let _second = accept(&listener, &link).await;
    assert_eq!(
        link.stats()
            .connects
            .load(std::sync::atomic::Ordering::Relaxed),
        2
    );
    drop(hung);
}

#[tokio::test]
async fn batches_for_an_unreachable_peer_are_refused_and_counted() {
    // A port nothing listens on: bound, then released.
    let addr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").to_string()
    };
    let routes = routes_with_sender(Arc::new(Sender::default()));
    let (link, task) = PeerLink::new("node-b:2".into(), addr, config(), &routes);
    tokio::spawn(task);
    let err = link.send_batch(batch(4)).expect_err("not connected");
    assert_eq!(err.task, TaskId(2));
    assert_eq!(
        link.stats()
            .tuples_dropped
            .load(std::sync::atomic::Ordering::Relaxed),
        4
    );
    link.close();
}
