//! Guaranteed message processing: ackers, anchoring, timeouts, replay and max.spout.pending.

// Tests fail by panicking: unwrap and expect are how they assert.
#![allow(clippy::unwrap_used, clippy::expect_used)]
// Reference: Storm's "Guaranteeing Message Processing" page and Acker.java.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use storm::testing::wait_until;
use storm::util::SplitMix64;
use storm::*;
use storm_starter::reliable::{ReliableLog, ReliableSpout};

const TIMEOUT: Duration = Duration::from_secs(60);

/// Fails a seeded fraction of its inputs, drops (never acks) another fraction, acks the rest,
/// and emits anchored copies downstream.
struct FlakyBolt {
    rng: SplitMix64,
    fail_per_mille: u64,
    drop_per_mille: u64,
}

impl Bolt for FlakyBolt {
    fn prepare(&mut self, _c: &Config, ctx: &TopologyContext) {
        self.rng = SplitMix64::new(7 + u64::from(ctx.this_task_id().0));
    }
    fn execute(&mut self, input: Tuple, c: &mut OutputCollector<'_>) -> ComponentResult {
        let roll = self.rng.below(1000);
        if roll < self.fail_per_mille {
            c.fail(&input);
        } else if roll < self.fail_per_mille + self.drop_per_mille {
            // Dropped: neither acked nor failed, so its tree times out.
        } else {
            c.emit_anchored(&[&input], input.values().clone())?;
            c.ack(&input);
        }
        Ok(())
    }
    fn declare_output_fields(&self, d: &mut OutputFieldsDeclarer) {
        d.declare(["id", "text"]);
    }
}

/// Acks everything; counts what it saw per message id.
struct CountingAcker(Arc<Mutex<BTreeMap<i64, u32>>>);
impl Bolt for CountingAcker {
    fn execute(&mut self, input: Tuple, c: &mut OutputCollector<'_>) -> ComponentResult {
        if let Some(id) = input.get_i64(0) {
            *self.0.lock().expect("seen").entry(id).or_default() += 1;
        }
        c.ack(&input);
        Ok(())
    }
    fn declare_output_fields(&self, _d: &mut OutputFieldsDeclarer) {}
}

#[test]
fn every_message_is_acked_exactly_once_despite_failures_and_drops() {
    const MESSAGES: u64 = 2000;
    let log = Arc::new(ReliableLog::default());
    let seen = Arc::new(Mutex::new(BTreeMap::new()));
    let mut b = TopologyBuilder::new();
    let l = log.clone();
    b.set_spout(
        "reliable",
        move || ReliableSpout::new(MESSAGES, l.clone()),
        2,
    );
    b.set_bolt(
        "flaky",
        || FlakyBolt {
            rng: SplitMix64::new(0),
            fail_per_mille: 100,
            drop_per_mille: 20,
        },
        3,
    )
    .shuffle_grouping("reliable");
    let s = seen.clone();
    b.set_bolt("sink", move || CountingAcker(s.clone()), 2)
        .fields_grouping("flaky", ["id"]);
    let topology = b.create_topology().expect("valid");
    let mut config = Config::new();
    config.message_timeout_secs = 1;
    config.acker_executors = Some(2);
    let cluster = LocalCluster::new().expect("cluster");
    cluster
        .submit_topology("flaky", config, &topology)
        .expect("submit");
    cluster
        .wait_until_complete("flaky", TIMEOUT)
        .expect("every message completes");
    let acks = log.acks();
    assert_eq!(acks.len() as u64, MESSAGES, "every message id was acked");
    assert!(acks.values().all(|n| *n == 1), "and each exactly once");
    assert!(
        log.fails() > 0,
        "some trees failed or timed out, so replays happened"
    );
    assert!(log.emits() > MESSAGES);
    // Replays stop once everything is acked: the emit count no longer moves.
    let emits = log.emits();
    assert!(!wait_until(Duration::from_millis(2500), || log.emits() != emits));
    // Every message reached the sink at least once (more when an ack raced a timeout).
    let seen = seen.lock().expect("seen").clone();
    assert_eq!(seen.len() as u64, MESSAGES);
    let stats = cluster.topology_stats("flaky").expect("stats");
    let spout_latency = stats
        .iter()
        .filter(|s| s.component == "reliable")
        .filter_map(|s| s.complete_latency)
        .count();
    assert_eq!(
        spout_latency, 2,
        "both spout tasks measured a complete latency"
    );
    cluster.shutdown();
}

/// Emits one tuple with id 1, then nothing.
struct OneShot {
    emitted: bool,
    acks: Arc<AtomicU64>,
    fails: Arc<AtomicU64>,
}
impl Spout for OneShot {
    fn next_tuple(&mut self, c: &mut SpoutOutputCollector<'_>) -> ComponentResult {
        if !self.emitted {
            self.emitted = true;
            c.emit_with_id(values!["root"], 1)?;
        }
        Ok(())
    }
    fn ack(&mut self, _id: Value) {
        self.acks.fetch_add(1, Ordering::SeqCst);
    }
    fn fail(&mut self, _id: Value) {
        self.fails.fetch_add(1, Ordering::SeqCst);
    }
    fn declare_output_fields(&self, d: &mut OutputFieldsDeclarer) {
        d.declare(["word"]);
    }
}

/// Emits two children anchored to its input ("a" and "b"), then acks the input.
struct Fork;
impl Bolt for Fork {
    fn execute(&mut self, input: Tuple, c: &mut OutputCollector<'_>) -> ComponentResult {
        c.emit_anchored(&[&input], values!["a"])?;
        c.emit_anchored(&[&input], values!["b"])?;
        c.ack(&input);
        Ok(())
    }
    fn declare_output_fields(&self, d: &mut OutputFieldsDeclarer) {
        d.declare(["branch"]);
    }
}

/// Fails the branches named in `fail` and acks the others.
struct Judge {
    fail: &'static [&'static str],
}
impl Bolt for Judge {
    fn execute(&mut self, input: Tuple, c: &mut OutputCollector<'_>) -> ComponentResult {
        let branch = input.get_str(0).unwrap_or_default();
        if self.fail.contains(&branch) {
            c.fail(&input);
        } else {
            c.ack(&input);
        }
        Ok(())
    }
    fn declare_output_fields(&self, _d: &mut OutputFieldsDeclarer) {}
}

fn fork_topology(
    fail: &'static [&'static str],
    acks: Arc<AtomicU64>,
    fails: Arc<AtomicU64>,
) -> Topology {
    let mut b = TopologyBuilder::new();
    b.set_spout(
        "one",
        move || OneShot {
            emitted: false,
            acks: acks.clone(),
            fails: fails.clone(),
        },
        1,
    );
    b.set_bolt("fork", || Fork, 1).shuffle_grouping("one");
    b.set_bolt("judge", move || Judge { fail }, 1)
        .shuffle_grouping("fork");
    b.create_topology().expect("valid")
}

/// Emits tuples with ids 1 and 2.
struct TwoRoots {
    left: Vec<i64>,
    acks: Arc<Mutex<Vec<i64>>>,
    fails: Arc<Mutex<Vec<i64>>>,
}
impl Spout for TwoRoots {
    fn next_tuple(&mut self, c: &mut SpoutOutputCollector<'_>) -> ComponentResult {
        if let Some(id) = self.left.pop() {
            c.emit_with_id(values![id], id)?;
        }
        Ok(())
    }
    fn ack(&mut self, id: Value) {
        self.acks.lock().expect("acks").extend(id.as_i64());
    }
    fn fail(&mut self, id: Value) {
        self.fails.lock().expect("fails").extend(id.as_i64());
    }
    fn declare_output_fields(&self, d: &mut OutputFieldsDeclarer) {
        d.declare(["n"]);
    }
}

/// Holds its first input; on the second, emits one tuple anchored to both and acks both.
#[derive(Default)]
struct Join(Option<Tuple>);
impl Bolt for Join {
    fn execute(&mut self, input: Tuple, c: &mut OutputCollector<'_>) -> ComponentResult {
        match self.0.take() {
            None => self.0 = Some(input),
            Some(first) => {
                c.emit_anchored(&[&first, &input], values!["joined"])?;
                c.ack(&first);
                c.ack(&input);
            }
        }
        Ok(())
    }
    fn declare_output_fields(&self, d: &mut OutputFieldsDeclarer) {
        d.declare(["what"]);
    }
}

/// Holds what it receives; on a tick after `verdict` is set to 1 (ack) or 2 (fail), applies it.
struct Hold {
    held: Vec<Tuple>,
    verdict: Arc<AtomicU64>,
}
impl Bolt for Hold {
    fn execute(&mut self, input: Tuple, c: &mut OutputCollector<'_>) -> ComponentResult {
        if !input.is_tick() {
            self.held.push(input);
            return Ok(());
        }
        match self.verdict.load(Ordering::SeqCst) {
            1 => self.held.drain(..).for_each(|t| c.ack(&t)),
            2 => self.held.drain(..).for_each(|t| c.fail(&t)),
            _ => {}
        }
        Ok(())
    }
    fn declare_output_fields(&self, _d: &mut OutputFieldsDeclarer) {}
}

fn join_run(verdict: u64) -> (Vec<i64>, Vec<i64>) {
    let acks = Arc::new(Mutex::new(Vec::new()));
    let fails = Arc::new(Mutex::new(Vec::new()));
    let decision = Arc::new(AtomicU64::new(0));
    let mut b = TopologyBuilder::new();
    let (a, f) = (acks.clone(), fails.clone());
    b.set_spout(
        "roots",
        move || TwoRoots {
            left: vec![2, 1],
            acks: a.clone(),
            fails: f.clone(),
        },
        1,
    );
    b.set_bolt("join", Join::default, 1)
        .global_grouping("roots");
    let d = decision.clone();
    b.set_bolt(
        "hold",
        move || Hold {
            held: Vec::new(),
            verdict: d.clone(),
        },
        1,
    )
    .add_configuration("topology.tick.tuple.freq.secs", 1)
    .shuffle_grouping("join");
    let topology = b.create_topology().expect("valid");
    let cluster = LocalCluster::new().expect("cluster");
    cluster
        .submit_topology("join", Config::new(), &topology)
        .expect("submit");
    // Both inputs of the join are acked, but the joined tuple is held: neither root completes.
    let early = wait_until(Duration::from_millis(1500), || {
        !acks.lock().expect("acks").is_empty() || !fails.lock().expect("fails").is_empty()
    });
    assert!(
        !early,
        "a root completed while a tuple anchored to it was pending"
    );
    decision.store(verdict, Ordering::SeqCst);
    assert!(wait_until(TIMEOUT, || {
        acks.lock().expect("acks").len() + fails.lock().expect("fails").len() >= 2
    }));
    // Nothing more arrives afterwards.
    assert!(!wait_until(Duration::from_millis(500), || {
        acks.lock().expect("acks").len() + fails.lock().expect("fails").len() > 2
    }));
    cluster.shutdown();
    let mut acks = acks.lock().expect("acks").clone();
    let mut fails = fails.lock().expect("fails").clone();
    acks.sort_unstable();
    fails.sort_unstable();
    (acks, fails)
}

#[test]
fn a_multi_anchored_tuple_completes_both_roots_only_when_it_is_acked() {
    assert_eq!(join_run(1), (vec![1, 2], vec![]));
}

#[test]
fn failing_a_multi_anchored_tuple_fails_each_root_once() {
    assert_eq!(join_run(2), (vec![], vec![1, 2]));
}

#[test]
fn failing_one_branch_fails_the_root_once() {
    let (acks, fails) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let topology = fork_topology(&["b"], acks.clone(), fails.clone());
    let cluster = LocalCluster::new().expect("cluster");
    cluster
        .submit_topology("fail", Config::new(), &topology)
        .expect("submit");
    assert!(wait_until(TIMEOUT, || fails.load(Ordering::SeqCst) == 1));
    // Not twice, and never also acked.
    assert!(!wait_until(Duration::from_millis(500), || {
        fails.load(Ordering::SeqCst) > 1 || acks.load(Ordering::SeqCst) > 0
    }));
    cluster.shutdown();
}

#[test]
fn both_branches_acked_ack_the_root_once() {
    let (acks, fails) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let topology = fork_topology(&[], acks.clone(), fails.clone());
    let cluster = LocalCluster::new().expect("cluster");
    cluster
        .submit_topology("ok", Config::new(), &topology)
        .expect("submit");
    assert!(wait_until(TIMEOUT, || acks.load(Ordering::SeqCst) == 1));
    assert!(!wait_until(Duration::from_millis(500), || {
        acks.load(Ordering::SeqCst) > 1 || fails.load(Ordering::SeqCst) > 0
    }));
    cluster.shutdown();
}

/// Never acks nor fails: every tree times out.
struct BlackHole;
impl Bolt for BlackHole {
    fn execute(&mut self, _input: Tuple, _c: &mut OutputCollector<'_>) -> ComponentResult {
        Ok(())
    }
    fn declare_output_fields(&self, _d: &mut OutputFieldsDeclarer) {}
}

/// Acks with a small delay per tuple, so trees stay in flight for a while.
struct SlowAck;
impl Bolt for SlowAck {
    fn execute(&mut self, input: Tuple, c: &mut OutputCollector<'_>) -> ComponentResult {
        let until = Instant::now() + Duration::from_micros(200);
        while Instant::now() < until {
            std::hint::spin_loop();
        }
        c.ack(&input);
        Ok(())
    }
    fn declare_output_fields(&self, _d: &mut OutputFieldsDeclarer) {}
}

fn reliable_into(
    name: &str,
    messages: u64,
    config: Config,
    bolt: impl Fn() -> Box<dyn Bolt> + Send + Sync + 'static,
) -> (LocalCluster, Arc<ReliableLog>) {
    struct Boxed(Box<dyn Bolt>);
    impl Bolt for Boxed {
        fn prepare(&mut self, c: &Config, ctx: &TopologyContext) {
            self.0.prepare(c, ctx)
        }
        fn execute(&mut self, t: Tuple, c: &mut OutputCollector<'_>) -> ComponentResult {
            self.0.execute(t, c)
        }
        fn declare_output_fields(&self, d: &mut OutputFieldsDeclarer) {
            self.0.declare_output_fields(d)
        }
    }
    reliable_into_declared(name, messages, config, move |b| {
        b.set_bolt("bolt", move || Boxed(bolt()), 1)
    })
}

/// As [`reliable_into`], with the bolt "bolt" declared by `declare_bolt`.
fn reliable_into_declared(
    name: &str,
    messages: u64,
    config: Config,
    declare_bolt: impl for<'b> FnOnce(&'b mut TopologyBuilder) -> BoltDeclarer<'b>,
) -> (LocalCluster, Arc<ReliableLog>) {
    let log = Arc::new(ReliableLog::default());
    let mut b = TopologyBuilder::new();
    let l = log.clone();
    b.set_spout(
        "reliable",
        move || ReliableSpout::new(messages, l.clone()),
        1,
    );
    declare_bolt(&mut b).shuffle_grouping("reliable");
    let topology = b.create_topology().expect("valid");
    let cluster = LocalCluster::new().expect("cluster");
    cluster
        .submit_topology(name, config, &topology)
        .expect("submit");
    (cluster, log)
}

#[test]
fn max_spout_pending_is_never_exceeded() {
    let mut config = Config::new();
    config.max_spout_pending = Some(10);
    let (cluster, log) = reliable_into("pending", 500, config, || Box::new(SlowAck));
    cluster
        .wait_until_complete("pending", TIMEOUT)
        .expect("completes");
    assert_eq!(log.acks().len(), 500);
    assert!(
        log.max_in_flight() <= 10,
        "in flight: {}",
        log.max_in_flight()
    );
    assert!(
        log.max_in_flight() >= 2,
        "the bound was reached, not avoided"
    );
    cluster.shutdown();
}

#[test]
fn trees_time_out_and_fail_after_the_message_timeout() {
    let mut config = Config::new();
    config.message_timeout_secs = 1;
    let started = Instant::now();
    let (cluster, log) = reliable_into("timeout", 5, config, || Box::new(BlackHole));
    assert!(wait_until(Duration::from_secs(10), || log.fails() >= 5));
    // A tree fails between one and two timeouts after its emit (plus scheduling slack).
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(log.acks().is_empty(), "a timed-out tree is never acked");
    cluster.shutdown();
}

#[test]
fn an_acked_tree_never_also_fails() {
    let mut config = Config::new();
    config.message_timeout_secs = 1;
    let (cluster, log) = reliable_into("acked", 50, config, || Box::new(SlowAck));
    assert!(wait_until(TIMEOUT, || log.acks().len() == 50));
    // Two full timeout periods later, still no fail.
    assert!(!wait_until(Duration::from_millis(2500), || log.fails() > 0));
    cluster.shutdown();
}

#[test]
fn with_zero_ackers_spout_tuples_are_acked_at_once() {
    let mut config = Config::new();
    config.acker_executors = Some(0);
    // The bolt never acks, yet every message is acked: nothing is tracked (at-most-once).
    let (cluster, log) = reliable_into("noack", 100, config, || Box::new(BlackHole));
    assert!(wait_until(TIMEOUT, || log.acks().len() == 100));
    assert_eq!(log.fails(), 0);
    assert_eq!(log.emits(), 100);
    cluster.shutdown();
}

/// A basic bolt that fails the messages with an odd id the first time it sees them.
#[derive(Default)]
struct FailOddOnce(std::collections::BTreeSet<i64>);
impl BasicBolt for FailOddOnce {
    fn execute(&mut self, t: &Tuple, _c: &mut BasicOutputCollector<'_, '_>) -> ComponentResult {
        let id = t.get_i64(0).unwrap_or(0);
        if id % 2 == 1 && self.0.insert(id) {
            return Err(FailedException::new(format!("odd id {id}")));
        }
        Ok(())
    }
    fn declare_output_fields(&self, _d: &mut OutputFieldsDeclarer) {}
}

#[test]
fn an_error_from_a_basic_bolt_fails_its_input() {
    let (cluster, log) = reliable_into_declared("basic", 20, Config::new(), |b| {
        b.set_basic_bolt("bolt", FailOddOnce::default, 1)
    });
    assert!(wait_until(TIMEOUT, || log.acks().len() == 20));
    assert_eq!(
        log.fails(),
        10,
        "each odd message failed once, then was replayed"
    );
    let errors: u64 = cluster
        .topology_stats("basic")
        .expect("stats")
        .iter()
        .map(|s| s.errors)
        .sum();
    assert_eq!(errors, 10, "each failure was reported");
    cluster.shutdown();
}
