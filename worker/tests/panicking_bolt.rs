//! A bolt that panics loses the tuple it was processing, reports the panic as its error, and
//! carries on with a fresh instance: the topology keeps flowing and can be killed cleanly.

// Tests fail by panicking: unwrap and expect are how they assert.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::*;
use storm_core::*;
use storm_worker::{KillOptions, LocalCluster};

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
fn a_panicking_bolt_is_rebuilt_and_the_topology_keeps_flowing() {
    // Two threads: the spout and the bolt run on different ones.
    panicking_bolt_keeps_flowing(2);
}

#[test]
fn a_panicking_bolt_beside_its_spout_is_rebuilt_and_the_topology_keeps_flowing() {
    // One thread: the spout and the bolt share an arbiter.
    panicking_bolt_keeps_flowing(1);
}

fn panicking_bolt_keeps_flowing(threads: u32) {
    let seen = log();
    let mut b = TopologyBuilder::new();
    b.set_spout("numbers", || Numbers(0), 1);
    let s = seen.clone();
    b.set_bolt("fragile", move || PanicsAtTen(s.clone()), 1)
        .shuffle_grouping("numbers");
    let topology = b.create_topology().expect("valid");
    let cluster = LocalCluster::new().expect("cluster");
    let mut config = Config::new();
    config.worker_threads = Some(threads);
    cluster
        .submit_topology("fragile", config, &topology)
        .expect("submit");
    // Tuples after the one that panicked are still processed, by a fresh instance.
    assert!(wait_until(Duration::from_secs(10), || entries(&seen).len() >= 1000));
    let got: Vec<i64> = entries(&seen)
        .iter()
        .filter_map(|(_, v)| v[0].as_i64())
        .collect();
    assert!(!got.contains(&10), "the panicking tuple was not processed");
    assert!(got.contains(&9) && got.contains(&11));
    let stats = cluster.topology_stats("fragile").expect("stats");
    let fragile = stats
        .iter()
        .find(|s| s.component == "fragile")
        .expect("fragile task");
    assert_eq!(fragile.errors, 1);
    let error = fragile.last_error.clone().unwrap_or_default();
    assert_eq!(
        error,
        "bolt panicked: bolt bug on purpose; the task's bolt is rebuilt"
    );
    cluster
        .kill_topology_with_opts("fragile", KillOptions::wait(0))
        .expect("kill");
    cluster.shutdown();
}
