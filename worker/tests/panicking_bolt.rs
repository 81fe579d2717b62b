//! A bolt that panics takes its task down, but the topology can still be killed and the
//! cluster shut down: nothing hangs.

mod common;

use std::time::Duration;

use common::*;
use storm_core::*;
use storm_worker::{KillOptions, LocalCluster};

struct Numbers(i64);
impl Spout for Numbers {
    fn next_tuple(&mut self, c: &mut SpoutOutputCollector<'_>) -> ComponentResult {
        self.0 += 1;
        c.emit(values![self.0])?;
        Ok(())
    }
    fn declare_output_fields(&self, d: &mut OutputFieldsDeclarer) {
        d.declare(["n"]);
    }
}

struct PanicsAtTen(Log<(TaskId, Values)>);
impl Bolt for PanicsAtTen {
    fn execute(&mut self, t: Tuple, c: &mut OutputCollector<'_>) -> ComponentResult {
        if t.get_i64(0) == Some(10) {
            panic!("bolt bug on purpose");
        }
        self.0
            .lock()
            .expect("log")
            .push((TaskId(0), t.values().clone()));
        c.ack(&t);
        Ok(())
    }
    fn declare_output_fields(&self, _d: &mut OutputFieldsDeclarer) {}
}

#[test]
fn a_panicking_bolt_does_not_hang_kill_or_shutdown() {
    let seen = log();
    let mut b = TopologyBuilder::new();
    b.set_spout("numbers", || Numbers(0), 1);
    let s = seen.clone();
    b.set_bolt("fragile", move || PanicsAtTen(s.clone()), 1)
        .shuffle_grouping("numbers");
    let topology = b.create_topology().expect("valid");
    let cluster = LocalCluster::new().expect("cluster");
    let mut config = Config::new();
    config.worker_threads = Some(2);
    cluster
        .submit_topology("fragile", config, &topology)
        .expect("submit");
    assert!(wait_until(Duration::from_secs(10), || entries(&seen).len() >= 9));
    // The panicked task never confirms its cleanup; kill notices that its mailbox is gone
    // instead of waiting for it.
    let _ = cluster.kill_topology_with_opts("fragile", KillOptions::wait(0));
    assert!(cluster.topology_names().is_empty());
    cluster.shutdown();
}
