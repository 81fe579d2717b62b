//! Flow control: a fast spout in front of a slow bolt is asked for fewer tuples, so the tuples
//! queued between them stay under the receive buffer instead of growing without bound.

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
