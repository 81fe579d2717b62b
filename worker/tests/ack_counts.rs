//! A basic bolt's inputs are counted acked or failed exactly, whether the topology has ackers
//! (every ack goes to the emitter) or not (a receive loop counts its acks and reports them once
//! per batch).

// Tests fail by panicking: unwrap and expect are how they assert.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::*;
use storm_core::*;
use storm_worker::{KillOptions, LocalCluster};

/// Succeeds on even numbers, fails odd ones.
struct FailsOdd;

impl BasicBolt for FailsOdd {
    fn execute(&mut self, input: &Tuple, _c: &mut BasicOutputCollector<'_, '_>) -> ComponentResult {
        match input.get_i64(0) {
            Some(n) if n % 2 == 0 => Ok(()),
            _ => Err("odd on purpose".into()),
        }
    }

    fn declare_output_fields(&self, _d: &mut OutputFieldsDeclarer) {}
}

/// (acked, failed) of the bolt once all `n` inputs are counted, or what it had at the timeout.
fn bolt_counts(name: &str, ackers: u32, n: i64) -> (u64, u64) {
    let mut b = TopologyBuilder::new();
    let numbers: Vec<Values> = (0..n).map(|i| values![i]).collect();
    b.set_spout("spout", move || ListSpout::new(numbers.clone(), ["n"]), 1);
    b.set_basic_bolt("bolt", || FailsOdd, 2)
        .shuffle_grouping("spout");
    let topology = b.create_topology().expect("valid");
    let mut config = Config::new();
    config.acker_executors = Some(ackers);
    config.producer_batch_size = 7;
    let cluster = LocalCluster::new().expect("cluster");
    cluster
        .submit_topology(name, config, &topology)
        .expect("submit");
    let counts = || {
        let stats = cluster.topology_stats(name).expect("stats");
        stats
            .iter()
            .filter(|s| s.component == "bolt")
            .fold((0, 0), |(a, f), s| (a + s.acked, f + s.failed))
    };
    wait_until(Duration::from_secs(20), || {
        let (a, f) = counts();
        a + f >= n as u64
    });
    let result = counts();
    cluster
        .kill_topology_with_opts(name, KillOptions::wait(0))
        .expect("kill");
    cluster.shutdown();
    result
}

#[test]
fn without_ackers_acks_are_counted_per_batch_and_exactly() {
    assert_eq!(bolt_counts("no-ackers", 0, 501), (251, 250));
}

#[test]
fn with_ackers_every_ack_and_fail_is_counted() {
    assert_eq!(bolt_counts("ackers", 1, 501), (251, 250));
}
