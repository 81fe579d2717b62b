//! No tuple waits in a part-full batch for company: a spout that emits a few tuples now and then
//! and then goes quiet (without being exhausted) has every one of them reach the end of the
//! pipeline, through a fields grouping, a shuffle and the acker, at parallelism 1 and 2, with
//! each of the wait strategies (spout, idle thread, blocked sender).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{entries, log, wait_until, RecordingBolt};
use storm_core::*;
use storm_worker::LocalCluster;

const TUPLES: i64 = 25;

/// Emits one tracked tuple every 40th call until it has emitted 25, then nothing, forever.
struct Trickle {
    calls: u64,
    next: i64,
}

impl Spout for Trickle {
    fn next_tuple(&mut self, c: &mut SpoutOutputCollector<'_>) -> ComponentResult {
        self.calls += 1;
        if self.next < TUPLES && self.calls.is_multiple_of(40) {
            self.next += 1;
            c.emit_with_id(values![self.next], self.next)?;
        }
        Ok(())
    }

    fn declare_output_fields(&self, d: &mut OutputFieldsDeclarer) {
        d.declare(["n"]);
    }
}

/// Passes its input on, anchored.
struct Relay;

impl BasicBolt for Relay {
    fn execute(&mut self, t: &Tuple, c: &mut BasicOutputCollector<'_, '_>) -> ComponentResult {
        c.emit(t.values().clone())?;
        Ok(())
    }

    fn declare_output_fields(&self, d: &mut OutputFieldsDeclarer) {
        d.declare(["n"]);
    }
}

fn every_tuple_arrives(parallelism: u32, config: Config) {
    let seen = log();
    let mut b = TopologyBuilder::new();
    b.set_spout("trickle", || Trickle { calls: 0, next: 0 }, 1);
    b.set_basic_bolt("keyed", || Relay, parallelism)
        .fields_grouping("trickle", ["n"]);
    b.set_basic_bolt("shuffled", || Relay, parallelism)
        .shuffle_grouping("keyed");
    let sink = seen.clone();
    b.set_bolt(
        "sink",
        move || RecordingBolt::new(sink.clone()),
        parallelism,
    )
    .shuffle_grouping("shuffled");
    let topology = b.create_topology().expect("valid");
    let cluster = LocalCluster::new().expect("cluster");
    cluster
        .submit_topology("trickle", config, &topology)
        .expect("submit");
    let all = wait_until(Duration::from_secs(30), || {
        entries(&seen).len() == TUPLES as usize
    });
    let mut got: Vec<i64> = entries(&seen)
        .iter()
        .filter_map(|(_, v)| v.first().and_then(Value::as_i64))
        .collect();
    got.sort_unstable();
    assert!(all, "{} of {TUPLES} arrived: {got:?}", got.len());
    assert_eq!(got, (1..=TUPLES).collect::<Vec<_>>());
    cluster.shutdown();
}

#[test]
fn a_quiet_spouts_last_tuples_reach_the_sink_at_parallelism_1() {
    every_tuple_arrives(1, Config::new());
}

#[test]
fn a_quiet_spouts_last_tuples_reach_the_sink_at_parallelism_2() {
    every_tuple_arrives(2, Config::new());
}

#[test]
fn every_tuple_arrives_with_the_park_strategies() {
    every_tuple_arrives(
        2,
        Config {
            spout_wait_strategy: WaitStrategy::Park,
            bolt_wait_strategy: WaitStrategy::Park,
            backpressure_wait_strategy: WaitStrategy::Park,
            ..Config::new()
        },
    );
}

#[test]
fn every_tuple_arrives_with_the_sleep_spout_strategy_and_no_spins() {
    every_tuple_arrives(
        2,
        Config {
            spout_wait_strategy: WaitStrategy::Sleep,
            bolt_wait_level1_count: 0,
            backpressure_wait_level1_count: 0,
            ..Config::new()
        },
    );
}

#[test]
fn every_tuple_arrives_when_senders_wait_for_credit_and_spin_and_park() {
    // Windows of one batch of one tuple: every sender waits for credit after each tuple.
    every_tuple_arrives(
        2,
        Config {
            executor_receive_buffer_size: 1,
            producer_batch_size: 1,
            bolt_wait_level2_count: 3,
            backpressure_wait_level2_count: 3,
            ..Config::new()
        },
    );
}
