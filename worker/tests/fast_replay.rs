//! Fast replay of what the transport lost, and why a tree failed. A worker (spout, acker, maybe
//! a bolt) runs here with the other worker's tasks behind a [`PeerLink`]: one that never
//! connects (every batch refused) or a hand-driven peer that credits some batches, drops some,
//! and breaks the connection. With the message timeout far above the tests' waits, trees whose
//! tuples were refused or dropped fail at once with [`FailReason::Lost`] (credited ones do not),
//! a bolt's lost tuples fail through the acker, and a broken connection fails every pending
//! tree, those kept by an acker behind it included; no message id ends twice. In local mode, a
//! bolt's fail and a timeout reach the spout as such.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{entries, log, wait_until, Log};
use storm_core::topology::TopologyShape;
use storm_core::*;
use storm_worker::transport::handshake::{self, WorkerSecret};
use storm_worker::transport::wire::{frames, ToClient, ToServer};
use storm_worker::transport::{PeerConfig, PeerLink, TaskRoutes};
use storm_worker::{LocalCluster, RunningTopology};
use tokio::net::{TcpListener, TcpStream};

const TOPOLOGY: &str = "replay-1";
const WAIT: Duration = Duration::from_secs(20);
/// Far above every wait here: only a fast failure can end a tree in time.
const LONG_TIMEOUT_SECS: u32 = 300;

/// How a message id's tree ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    Acked,
    Failed(FailReason),
}

/// Emits ids `0..count` once each, and records how each tree ended.
struct RecordingSpout {
    next: i64,
    count: i64,
    ends: Log<(i64, End)>,
}

impl Spout for RecordingSpout {
    fn next_tuple(&mut self, c: &mut SpoutOutputCollector<'_>) -> ComponentResult {
        if self.next < self.count {
            c.emit_with_id(values![self.next], self.next)?;
            self.next += 1;
        }
        Ok(())
    }

    fn ack(&mut self, id: Value) {
        let id = id.as_i64().expect("an integer id");
        self.ends.lock().expect("ends").push((id, End::Acked));
    }

    fn fail_with_reason(&mut self, id: Value, reason: FailReason) {
        let id = id.as_i64().expect("an integer id");
        self.ends
            .lock()
            .expect("ends")
            .push((id, End::Failed(reason)));
    }

    fn declare_output_fields(&self, d: &mut OutputFieldsDeclarer) {
        d.declare(["n"]);
    }
}

/// Passes each input on, anchored, and acks it.
struct Relay;

impl Bolt for Relay {
    fn execute(&mut self, input: Tuple, c: &mut OutputCollector<'_>) -> ComponentResult {
        c.emit_anchored(&[&input], input.values().clone())?;
        c.ack(&input);
        Ok(())
    }

    fn declare_output_fields(&self, d: &mut OutputFieldsDeclarer) {
        d.declare(["n"]);
    }
}

/// Acks even numbers, fails odd ones explicitly.
struct Judge;

impl Bolt for Judge {
    fn execute(&mut self, input: Tuple, c: &mut OutputCollector<'_>) -> ComponentResult {
        match input.get_i64(0) {
            Some(n) if n % 2 == 0 => c.ack(&input),
            _ => c.fail(&input),
        }
        Ok(())
    }

    fn declare_output_fields(&self, _d: &mut OutputFieldsDeclarer) {}
}

/// Fails multiples of three, keeps the others without acking them (they time out).
struct FailsOrForgets;

impl Bolt for FailsOrForgets {
    fn execute(&mut self, input: Tuple, c: &mut OutputCollector<'_>) -> ComponentResult {
        if input.get_i64(0).is_some_and(|n| n % 3 == 0) {
            c.fail(&input);
        }
        Ok(())
    }

    fn declare_output_fields(&self, _d: &mut OutputFieldsDeclarer) {}
}

/// `spout -> [relay ->] sink`, one acker, the given sink.
fn topology<B: Bolt>(
    count: i64,
    ends: &Log<(i64, End)>,
    relay: bool,
    sink: impl Fn() -> B + Send + Sync + 'static,
) -> Topology {
    let mut b = TopologyBuilder::new();
    let ends = ends.clone();
    b.set_spout(
        "spout",
        move || RecordingSpout {
            next: 0,
            count,
            ends: ends.clone(),
        },
        1,
    );
    let upstream = if relay {
        b.set_bolt("relay", || Relay, 1).shuffle_grouping("spout");
        "relay"
    } else {
        "spout"
    };
    b.set_bolt("sink", sink, 1).shuffle_grouping(upstream);
    b.create_topology().expect("valid")
}

fn config() -> Config {
    let mut config = Config::new();
    config.acker_executors = Some(1);
    config.message_timeout_secs = LONG_TIMEOUT_SECS;
    config.worker_threads = Some(1);
    config
}

/// An actor system on a thread of its own, made current here (as `LocalCluster` does).
fn actor_system() {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runner = actix::System::new();
        tx.send(actix::System::current()).expect("send");
        let _ = runner.run();
    });
    actix::System::set_current(rx.recv().expect("system"));
}

/// This worker: every executor but those of `elsewhere`, whose tasks are behind a link.
struct Worker {
    running: Option<RunningTopology>,
}

impl Worker {
    /// Starts the worker, its spouts active or not, with the link `peer` makes.
    fn start(
        topology: &Topology,
        config: Config,
        elsewhere: &[&str],
        active: bool,
        peer: impl FnOnce(&Arc<TaskRoutes>) -> Arc<PeerLink>,
    ) -> Self {
        let shape = TopologyShape::new(TOPOLOGY, &topology.definition, &config);
        let routes = TaskRoutes::new();
        let peer = peer(&routes);
        let mut here = Vec::new();
        for (component, tasks) in shape.layout.components() {
            if elsewhere.contains(&component.as_str()) {
                for &task in &tasks.tasks {
                    routes.route(task, "other:1".into(), peer.clone());
                }
            } else {
                here.extend(tasks.executors.iter().copied());
            }
        }
        let running = RunningTopology::start_worker(
            TOPOLOGY,
            topology,
            config,
            Some(&here),
            active,
            Some(routes.clone()),
            None,
        )
        .expect("start");
        Self {
            running: Some(running),
        }
    }

    fn activate(&mut self) {
        self.running.as_mut().expect("running").set_active(true);
    }

    fn spout_stats(&self) -> storm_worker::TaskStatsSnapshot {
        let running = self.running.as_ref().expect("running");
        running
            .stats()
            .into_iter()
            .find(|s| s.component == "spout")
            .expect("spout stats")
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        if let Some(running) = self.running.take() {
            let _ = running.shutdown(Duration::from_secs(5));
        }
    }
}

fn peer_config() -> PeerConfig {
    PeerConfig {
        topology: TOPOLOGY.into(),
        me: "this:1".into(),
        secret: WorkerSecret::new(b"shared".to_vec()),
        silence_limit: storm_worker::transport::SILENCE_LIMIT,
        tls: None,
    }
}

/// A link to a port nothing listens on, never connected: it refuses every batch.
fn unreachable_peer(routes: &Arc<TaskRoutes>) -> Arc<PeerLink> {
    let addr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").to_string()
    };
    // Its connecting future is never run.
    PeerLink::new("other:1".into(), addr, peer_config(), routes).0
}

/// How each id ended; panics if one ended twice.
fn ends_by_id(ends: &Log<(i64, End)>) -> BTreeMap<i64, End> {
    let mut by_id = BTreeMap::new();
    for (id, end) in entries(ends) {
        if let Some(before) = by_id.insert(id, end) {
            panic!("id {id} ended twice: {before:?}, then {end:?}");
        }
    }
    by_id
}

fn wait_for_ends(ends: &Log<(i64, End)>, n: usize) -> BTreeMap<i64, End> {
    let done = wait_until(WAIT, || entries(ends).len() >= n);
    let by_id = ends_by_id(ends);
    assert!(done, "{n} trees ended in time: {by_id:?}");
    by_id
}

#[test]
fn a_refused_batch_fails_its_trees_at_once_as_lost() {
    actor_system();
    let ends = log();
    let topology = topology(50, &ends, false, || Judge);
    let worker = Worker::start(&topology, config(), &["sink"], true, unreachable_peer);
    let by_id = wait_for_ends(&ends, 50);
    assert!(
        by_id.values().all(|e| *e == End::Failed(FailReason::Lost)),
        "{by_id:?}"
    );
    let spout = worker.spout_stats();
    assert_eq!(
        (spout.failed, spout.failed_lost, spout.failed_timeout),
        (50, 50, 0)
    );
}

#[test]
fn a_bolt_whose_batch_is_refused_fails_the_trees_through_their_acker() {
    actor_system();
    let ends = log();
    let topology = topology(40, &ends, true, || Judge);
    let worker = Worker::start(&topology, config(), &["sink"], true, unreachable_peer);
    let by_id = wait_for_ends(&ends, 40);
    assert!(
        by_id.values().all(|e| *e == End::Failed(FailReason::Lost)),
        "the acker passes the reason on: {by_id:?}"
    );
    assert_eq!(worker.spout_stats().failed_lost, 40);
}

/// A hand-driven peer worker: accepts the link's connection and completes the handshake.
async fn accept(listener: &TcpListener) -> TcpStream {
    let (mut stream, _) = listener.accept().await.expect("accept");
    handshake::server(
        &mut stream,
        &WorkerSecret::new(b"shared".to_vec()),
        TOPOLOGY,
    )
    .await
    .expect("handshake");
    stream
}

async fn read_batch(stream: &mut TcpStream) -> storm_worker::batch::TupleBatch {
    match frames().read(stream).await.expect("frame") {
        Some(ToServer::Batch(batch)) => batch,
        None => panic!("closed instead of a batch"),
    }
}

/// Starts this worker with `elsewhere` behind a link to a hand-driven peer, activates its spout
/// once the link is up (as a worker does), and returns the peer's end of the connection.
async fn with_connected_peer(
    topology: &Topology,
    config: Config,
    elsewhere: &'static [&'static str],
) -> (Worker, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let link: Arc<Mutex<Option<Arc<PeerLink>>>> = Arc::default();
    let slot = link.clone();
    let mut worker = Worker::start(topology, config, elsewhere, false, move |routes| {
        let (link, task) = PeerLink::new("other:1".into(), addr, peer_config(), routes);
        tokio::spawn(task);
        *slot.lock().expect("link") = Some(link.clone());
        link
    });
    let stream = accept(&listener).await;
    let link = link.lock().expect("link").clone().expect("a link");
    let up = tokio::task::spawn_blocking(move || wait_until(WAIT, || link.is_connected()));
    assert!(up.await.expect("join"), "the link is connected");
    worker.activate();
    (worker, stream)
}

/// Starts `spout -> sink` with the sink behind a hand-driven peer, one tuple a batch, and reads
/// the `n` batches the spout sends.
async fn one_tuple_batches(
    n: i64,
    ends: &Log<(i64, End)>,
) -> (Worker, TcpStream, Vec<storm_worker::batch::TupleBatch>) {
    let topology = topology(n, ends, false, || Judge);
    let mut config = config();
    config.producer_batch_size = 1;
    let (worker, mut peer) = with_connected_peer(&topology, config, &["sink"]).await;
    let mut batches = Vec::new();
    for _ in 0..n {
        batches.push(read_batch(&mut peer).await);
    }
    (worker, peer, batches)
}

/// The peer's answer to a batch: its credit, or that it was dropped.
fn answer(b: &storm_worker::batch::TupleBatch, dropped: bool) -> ToClient {
    let (from, to, tuples, epoch) = (b.dst, b.src, b.tuples.len() as u32, b.epoch);
    if dropped {
        ToClient::Dropped {
            from,
            to,
            tuples,
            epoch,
        }
    } else {
        ToClient::Credit {
            from,
            to,
            tuples,
            epoch,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_the_peer_dropped_fail_at_once_and_credited_ones_do_not() {
    actor_system();
    let ends = log();
    let (worker, mut peer, batches) = one_tuple_batches(5, &ends).await;
    // The first two were executed; the peer did not run the sink for the other three.
    for (i, b) in batches.iter().enumerate() {
        frames()
            .write(&mut peer, &answer(b, i >= 2))
            .await
            .expect("answer");
    }
    let by_id = {
        let ends = ends.clone();
        tokio::task::spawn_blocking(move || wait_for_ends(&ends, 3))
            .await
            .expect("join")
    };
    let failed: Vec<i64> = by_id.keys().copied().collect();
    assert_eq!(failed, [2, 3, 4], "the dropped batches' trees: {by_id:?}");
    assert!(
        by_id.values().all(|e| *e == End::Failed(FailReason::Lost)),
        "{by_id:?}"
    );
    // The connection breaks: every pending tree may have had tuples in that worker.
    drop(peer);
    let by_id = tokio::task::spawn_blocking(move || wait_for_ends(&ends, 5))
        .await
        .expect("join");
    assert_eq!(by_id.len(), 5, "each id ended once: {by_id:?}");
    drop(worker);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_connection_fails_every_pending_tree_once() {
    actor_system();
    let ends = log();
    let (worker, mut peer, batches) = one_tuple_batches(10, &ends).await;
    // Four were executed (their tuples may have had descendants in that worker): the break
    // fails them with the six still in flight.
    for b in &batches[..4] {
        frames()
            .write(&mut peer, &answer(b, false))
            .await
            .expect("credit");
    }
    drop(peer);
    let by_id = tokio::task::spawn_blocking(move || wait_for_ends(&ends, 10))
        .await
        .expect("join");
    assert!(
        by_id.values().all(|e| *e == End::Failed(FailReason::Lost)),
        "{by_id:?}"
    );
    assert_eq!(worker.spout_stats().failed_lost, 10);
    drop(worker);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trees_kept_by_an_acker_behind_a_broken_connection_fail_at_once() {
    actor_system();
    let ends = log();
    let topology = topology(20, &ends, false, || Judge);
    // The sink runs here and acks; the acker is the other worker's.
    let (worker, mut peer) = with_connected_peer(&topology, config(), &["__acker"]).await;
    // The spout's inits and the sink's acks reach the peer, which never answers.
    let mut inits = 0;
    while inits < 20 {
        let batch = read_batch(&mut peer).await;
        if batch.src == worker.spout_stats().task {
            inits += batch.tuples.len();
        }
    }
    drop(peer);
    let by_id = tokio::task::spawn_blocking(move || wait_for_ends(&ends, 20))
        .await
        .expect("join");
    assert!(
        by_id.values().all(|e| *e == End::Failed(FailReason::Lost)),
        "{by_id:?}"
    );
    drop(worker);
}

#[test]
fn a_bolts_fail_and_a_timeout_reach_the_spout_as_such() {
    let ends = log();
    let topology = topology(9, &ends, false, || FailsOrForgets);
    let mut config = config();
    config.message_timeout_secs = 1;
    let cluster = LocalCluster::new().expect("cluster");
    cluster
        .submit_topology("reasons", config, &topology)
        .expect("submit");
    let by_id = wait_for_ends(&ends, 9);
    for (id, end) in &by_id {
        let expected = if id % 3 == 0 {
            FailReason::BoltFailed
        } else {
            FailReason::Timeout
        };
        assert_eq!(*end, End::Failed(expected), "id {id}: {by_id:?}");
    }
    let stats = cluster.topology_stats("reasons").expect("stats");
    let spout = stats
        .iter()
        .find(|s| s.component == "spout")
        .expect("spout");
    assert_eq!(
        (
            spout.failed_by_bolt,
            spout.failed_timeout,
            spout.failed_lost
        ),
        (3, 6, 0)
    );
    cluster.shutdown();
}
