//! The fault benchmark: real ZooKeeper, Nimbus, supervisors and workers as processes (the
//! integration harness), a failure injected with `kill -9`, and the time until the cluster has
//! recovered from it. It prints each recovery time beside its target and Storm's figure with
//! default settings, and asserts nothing:
//!
//!     cargo bench -p storm-integration --bench cluster_faults
//!
//! `FAULT_BENCH_RUNS` picks scenarios by name (comma-separated; all by default). Under
//! `cargo test` (no `--bench`) every scenario runs once the same way, as a smoke test.
//! Each scenario lives in a module of its own beside this file and returns its [`Figure`]s.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

mod nimbus_failover;
mod supervisor_kill;
mod worker_kill;

/// One measured recovery.
pub struct Figure {
    /// What was measured, from the fault to the recovered state.
    pub name: &'static str,
    /// How long it took; `None` if the recovery was not seen before the scenario's deadline.
    pub measured: Option<Duration>,
    /// The target this project sets.
    pub target: Duration,
    /// Storm's figure with default settings, for comparison.
    pub storm_default: &'static str,
}

/// The scenarios chosen by `FAULT_BENCH_RUNS`.
fn wanted(name: &str) -> bool {
    match std::env::var("FAULT_BENCH_RUNS") {
        Ok(list) => list.split(',').any(|n| n.trim() == name),
        Err(_) => true,
    }
}

fn print(figures: &[Figure]) {
    println!(
        "{:<58} {:>10} {:>8}  storm (defaults)",
        "recovery", "measured", "target"
    );
    for f in figures {
        let measured = f
            .measured
            .map(|d| format!("{:.2} s", d.as_secs_f64()))
            .unwrap_or_else(|| "not seen".to_owned());
        println!(
            "{:<58} {:>10} {:>6.1} s  {}",
            f.name,
            measured,
            f.target.as_secs_f64(),
            f.storm_default
        );
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let mut figures: Vec<Figure> = Vec::new();
    // One line per scenario: `if wanted("name") { figures.extend(runtime.block_on(module::measure())); }`
    if wanted("nimbus-failover") {
        figures.extend(runtime.block_on(nimbus_failover::measure()));
    }
    if wanted("supervisor-kill") {
        figures.extend(runtime.block_on(supervisor_kill::measure()));
    }
    if wanted("worker-kill") {
        figures.extend(runtime.block_on(worker_kill::measure()));
    }
    print(&figures);
}
