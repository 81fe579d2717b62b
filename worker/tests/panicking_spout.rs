//! A spout that panics in `ack` or `fail` is treated like one that panics in `next_tuple`: the
//! panic is reported as its error, a fresh instance carries on, and the worker keeps running.

// Tests fail by panicking: unwrap and expect are how they assert.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::*;
use storm_core::*;
use storm_worker::{KillOptions, LocalCluster};

/// Emits 1, 2, 3, ... with the number as message id; its `ack` (or `fail`) panics once, at 5.
struct FragileAcks {
    next: i64,
    acked: Log<i64>,
    panicked: Arc<AtomicBool>,
    in_fail: bool,
}

impl FragileAcks {
    fn complete(&mut self, id: Value) {
        let id = id.as_i64().unwrap_or(-1);
        if id == 5 && !self.panicked.swap(true, Ordering::SeqCst) {
            panic!("ack bug on purpose");
        }
        self.acked.lock().expect("log").push(id);
    }
}

impl Spout for FragileAcks {
    fn next_tuple(&mut self, c: &mut SpoutOutputCollector<'_>) -> ComponentResult {
        self.next += 1;
        c.emit_with_id(values![self.next], self.next)?;
        Ok(())
    }

    fn ack(&mut self, id: Value) {
        if !self.in_fail {
            self.complete(id);
        }
    }

    fn fail(&mut self, id: Value) {
        if self.in_fail {
            self.complete(id);
        }
    }

    fn declare_output_fields(&self, d: &mut OutputFieldsDeclarer) {
        d.declare(["n"]);
    }
}

/// Fails every input.
struct FailsAll;

impl Bolt for FailsAll {
    fn execute(&mut self, t: Tuple, c: &mut OutputCollector<'_>) -> ComponentResult {
        c.fail(&t);
        Ok(())
    }

    fn declare_output_fields(&self, _d: &mut OutputFieldsDeclarer) {}
}

fn run(in_fail: bool) {
    let name = if in_fail {
        "fragile-fail"
    } else {
        "fragile-ack"
    };
    let acked = log();
    let panicked = Arc::new(AtomicBool::new(false));
    let mut b = TopologyBuilder::new();
    let (a, p) = (acked.clone(), panicked.clone());
    b.set_spout(
        "numbers",
        move || FragileAcks {
            next: 0,
            acked: a.clone(),
            panicked: p.clone(),
            in_fail,
        },
        1,
    );
    if in_fail {
        b.set_bolt("sink", || FailsAll, 1)
            .shuffle_grouping("numbers");
    } else {
        let seen = log();
        b.set_bolt("sink", move || RecordingBolt::new(seen.clone()), 1)
            .shuffle_grouping("numbers");
    }
    let topology = b.create_topology().expect("valid");
    let cluster = LocalCluster::new().expect("cluster");
    let mut config = Config::new();
    config.max_spout_pending = Some(100);
    cluster
        .submit_topology(name, config, &topology)
        .expect("submit");
    // Trees keep completing after the panic, reported to the fresh instance.
    let flowing = wait_until(Duration::from_secs(20), || {
        panicked.load(Ordering::SeqCst) && entries(&acked).len() >= 500
    });
    let stats = cluster.topology_stats(name).expect("stats");
    cluster
        .kill_topology_with_opts(name, KillOptions::wait(0))
        .expect("kill");
    cluster.shutdown();
    assert!(flowing, "trees stopped completing after the panic");
    let spout = stats
        .iter()
        .find(|s| s.component == "numbers")
        .expect("spout task");
    assert_eq!(spout.errors, 1);
    let error = spout.last_error.clone().unwrap_or_default();
    assert_eq!(
        error,
        "spout panicked in ack/fail: ack bug on purpose; the task's spout is rebuilt"
    );
}

#[test]
fn a_panic_in_ack_rebuilds_the_spout_and_trees_keep_completing() {
    run(false);
}

#[test]
fn a_panic_in_fail_rebuilds_the_spout_and_trees_keep_completing() {
    run(true);
}
