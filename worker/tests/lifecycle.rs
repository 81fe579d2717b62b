//! Lifecycle: open/prepare come first, activation gates `next_tuple`, close/cleanup run on kill.

// Tests fail by panicking: unwrap and expect are how they assert.
#![allow(clippy::unwrap_used, clippy::expect_used)]
// Reference: Storm's ISpout and IBolt javadoc (open, activate, deactivate, close; prepare, cleanup).

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::*;
use storm_core::*;
use storm_worker::{KillOptions, LocalCluster};

const TIMEOUT: Duration = Duration::from_secs(20);

struct EventSpout {
    events: Log<String>,
    calls: Arc<AtomicU64>,
    n: i64,
}

impl Spout for EventSpout {
    fn open(&mut self, _c: &Config, _ctx: &TopologyContext) {
        self.events.lock().expect("log").push("open".into());
    }
    fn activate(&mut self) {
        self.events.lock().expect("log").push("activate".into());
    }
    fn deactivate(&mut self) {
        self.events.lock().expect("log").push("deactivate".into());
    }
    fn close(&mut self) {
        self.events.lock().expect("log").push("close".into());
    }
    fn next_tuple(&mut self, c: &mut SpoutOutputCollector<'_>) -> ComponentResult {
        let first = self.calls.fetch_add(1, Ordering::SeqCst) == 0;
        if first {
            self.events.lock().expect("log").push("next_tuple".into());
        }
        self.n += 1;
        c.emit(values![self.n])?;
        Ok(())
    }
    fn declare_output_fields(&self, d: &mut OutputFieldsDeclarer) {
        d.declare(["n"]);
    }
}

struct EventBolt {
    events: Log<String>,
    executed: bool,
}

impl Bolt for EventBolt {
    fn prepare(&mut self, _c: &Config, _ctx: &TopologyContext) {
        self.events.lock().expect("log").push("prepare".into());
    }
    fn execute(&mut self, t: Tuple, c: &mut OutputCollector<'_>) -> ComponentResult {
        if !self.executed {
            self.executed = true;
            self.events.lock().expect("log").push("execute".into());
        }
        c.ack(&t);
        Ok(())
    }
    fn cleanup(&mut self) {
        self.events.lock().expect("log").push("cleanup".into());
    }
    fn declare_output_fields(&self, _d: &mut OutputFieldsDeclarer) {}
}

fn topology(
    spout_events: Log<String>,
    bolt_events: Log<String>,
    calls: Arc<AtomicU64>,
) -> Topology {
    let mut b = TopologyBuilder::new();
    b.set_spout(
        "spout",
        move || EventSpout {
            events: spout_events.clone(),
            calls: calls.clone(),
            n: 0,
        },
        1,
    );
    b.set_bolt(
        "bolt",
        move || EventBolt {
            events: bolt_events.clone(),
            executed: false,
        },
        1,
    )
    .shuffle_grouping("spout");
    b.create_topology().expect("valid")
}

#[test]
fn prepare_comes_before_execute_and_cleanup_runs_on_kill() {
    let (se, be, calls) = (log(), log(), Arc::new(AtomicU64::new(0)));
    let cluster = LocalCluster::new().expect("cluster");
    cluster
        .submit_topology(
            "life",
            Config::new(),
            &topology(se.clone(), be.clone(), calls),
        )
        .expect("submit");
    assert!(wait_until(TIMEOUT, || entries(&be).len() >= 2));
    cluster
        .kill_topology_with_opts("life", KillOptions::wait(0))
        .expect("kill");
    // Kill returns after cleanup, so the events are final here.
    assert_eq!(entries(&be), vec!["prepare", "execute", "cleanup"]);
    assert_eq!(
        entries(&se),
        vec!["open", "activate", "next_tuple", "deactivate", "close"]
    );
    cluster.shutdown();
}

#[test]
fn deactivate_stops_next_tuple_and_activate_resumes_it() {
    let (se, be, calls) = (log(), log(), Arc::new(AtomicU64::new(0)));
    let cluster = LocalCluster::new().expect("cluster");
    cluster
        .submit_topology(
            "act",
            Config::new(),
            &topology(se.clone(), be, calls.clone()),
        )
        .expect("submit");
    assert!(wait_until(TIMEOUT, || calls.load(Ordering::SeqCst) > 100));
    cluster.deactivate("act").expect("deactivate");
    assert!(wait_until(TIMEOUT, || entries(&se).contains(&"deactivate".to_string())));
    // Once the spout has seen the deactivation, next_tuple is never called again...
    let frozen = calls.load(Ordering::SeqCst);
    let still = wait_until(Duration::from_millis(300), || {
        calls.load(Ordering::SeqCst) != frozen
    });
    assert!(!still, "next_tuple was called while inactive");
    // ...until the topology is activated again.
    cluster.activate("act").expect("activate");
    assert!(wait_until(TIMEOUT, || calls.load(Ordering::SeqCst) > frozen + 100));
    assert_eq!(
        entries(&se),
        vec!["open", "activate", "next_tuple", "deactivate", "activate"]
    );
    cluster.shutdown();
}

#[test]
fn a_topology_submitted_inactive_waits_for_activate() {
    let (se, be, calls) = (log(), log(), Arc::new(AtomicU64::new(0)));
    let cluster = LocalCluster::new().expect("cluster");
    cluster
        .submit_topology_with_state(
            "idle",
            Config::new(),
            &topology(se.clone(), be, calls.clone()),
            false,
        )
        .expect("submit");
    assert!(wait_until(TIMEOUT, || entries(&se).contains(&"open".to_string())));
    assert!(!wait_until(Duration::from_millis(200), || calls
        .load(Ordering::SeqCst)
        > 0));
    cluster.activate("idle").expect("activate");
    assert!(wait_until(TIMEOUT, || calls.load(Ordering::SeqCst) > 0));
    cluster.shutdown();
}

#[test]
fn names_are_checked_and_unique() {
    let (se, be, calls) = (log(), log(), Arc::new(AtomicU64::new(0)));
    let t = topology(se, be, calls);
    let cluster = LocalCluster::new().expect("cluster");
    assert!(cluster.submit_topology("a/b", Config::new(), &t).is_err());
    cluster
        .submit_topology("one", Config::new(), &t)
        .expect("submit");
    let again = cluster.submit_topology("one", Config::new(), &t);
    assert!(matches!(again, Err(storm_worker::WorkerError::AlreadyRunning(n)) if n == "one"));
    assert!(matches!(
        cluster.kill_topology("nope"),
        Err(storm_worker::WorkerError::NotRunning(_))
    ));
    cluster.shutdown();
}
