//! Flow control: a fast spout in front of a slow bolt is asked for fewer tuples, so the tuples
//! queued between them stay under the receive buffer instead of growing without bound.

// Tests fail by panicking: unwrap and expect are how they assert.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::{wait_until, Numbers};
use storm_core::*;
use storm_worker::LocalCluster;

/// Spins for a while on every tuple: about 20 µs each.
struct Slow;
impl Bolt for Slow {
    fn execute(&mut self, t: Tuple, c: &mut OutputCollector<'_>) -> ComponentResult {
        let until = Instant::now() + Duration::from_micros(20);
        while Instant::now() < until {
            std::hint::spin_loop();
        }
        c.ack(&t);
        Ok(())
    }
    fn declare_output_fields(&self, _d: &mut OutputFieldsDeclarer) {}
}

/// Passes every tuple on.
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

#[test]
fn a_slow_bolt_bounds_what_its_spout_emits() {
    let mut b = TopologyBuilder::new();
    b.set_spout("firehose", || Numbers(0), 1);
    b.set_bolt("slow", || Slow, 1).shuffle_grouping("firehose");
    let topology = b.create_topology().expect("valid");
    let mut config = Config::new();
    config.executor_receive_buffer_size = 4096;
    config.producer_batch_size = 256;
    let bound = u64::from(config.executor_receive_buffer_size + 2 * config.producer_batch_size);
    slow_bolt_stays_within(topology, config, bound);
}

#[test]
fn a_slow_bolt_two_hops_away_bounds_what_the_spout_emits() {
    // On two threads the spout and the relay share the first and the slow bolt has the
    // second: the relay's output waits for credit, so the relay stops taking input, which
    // must hold the spout back in turn.
    let mut b = TopologyBuilder::new();
    b.set_spout("firehose", || Numbers(0), 1);
    b.set_basic_bolt("relay", || Relay, 1)
        .shuffle_grouping("firehose");
    b.set_bolt("slow", || Slow, 1).shuffle_grouping("relay");
    let topology = b.create_topology().expect("valid");
    let mut config = Config::new();
    config.executor_receive_buffer_size = 4096;
    config.producer_batch_size = 256;
    config.worker_threads = Some(2);
    // Both windows, the spout's to the relay and the relay's to the slow bolt, can be full.
    let bound =
        u64::from(2 * (config.executor_receive_buffer_size + 2 * config.producer_batch_size));
    slow_bolt_stays_within(topology, config, bound);
}

/// Runs `topology` until its "slow" bolt has executed 20 000 tuples, and checks that the
/// spout never got more than `bound` tuples ahead of it.
fn slow_bolt_stays_within(topology: Topology, config: Config, bound: u64) {
    let cluster = LocalCluster::new().expect("cluster");
    cluster
        .submit_topology("bp", config, &topology)
        .expect("submit");
    let in_flight = || {
        let stats = cluster.topology_stats("bp").expect("stats");
        let emitted: u64 = stats
            .iter()
            .filter(|s| s.component == "firehose")
            .map(|s| s.emitted)
            .sum();
        let executed: u64 = stats
            .iter()
            .filter(|s| s.component == "slow")
            .map(|s| s.executed)
            .sum();
        (emitted, executed)
    };
    // Run until the bolt has done a good amount of work, sampling the gap all along.
    let mut worst = 0;
    let progressed = wait_until(Duration::from_secs(30), || {
        let (emitted, executed) = in_flight();
        worst = worst.max(emitted.saturating_sub(executed));
        executed > 20_000
    });
    assert!(progressed, "the slow bolt made no progress");
    assert!(
        worst <= bound,
        "{worst} tuples were queued for the slow bolt; the bound is {bound}"
    );
    cluster.shutdown();
}
