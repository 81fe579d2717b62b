//! A small acked topology's task stats count what it did: the spout's emitted and acked trees
//! with their complete latency, the bolt's executed inputs, its emits per stream and transfers
//! per target, sampled latencies; and the rolled-up windows agree.

// Tests fail by panicking: unwrap and expect are how they assert.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::*;
use storm_core::stats::WINDOW_IDS;
use storm_core::*;
use storm_worker::stats_windows::StatsRollup;
use storm_worker::{KillOptions, LocalCluster};

/// Emits each input twice, anchored, to every one of two sink tasks (all grouping downstream).
struct Twice;

impl BasicBolt for Twice {
    fn execute(&mut self, input: &Tuple, c: &mut BasicOutputCollector<'_, '_>) -> ComponentResult {
        let n = input.get_i64(0).unwrap_or(0);
        c.emit(values![n])?;
        c.emit(values![n + 1])?;
        Ok(())
    }

    fn declare_output_fields(&self, d: &mut OutputFieldsDeclarer) {
        d.declare(["n"]);
    }
}

/// Takes everything.
struct Sink;

impl BasicBolt for Sink {
    fn execute(
        &mut self,
        _input: &Tuple,
        _c: &mut BasicOutputCollector<'_, '_>,
    ) -> ComponentResult {
        Ok(())
    }

    fn declare_output_fields(&self, _d: &mut OutputFieldsDeclarer) {}
}

#[test]
fn task_stats_count_emits_transfers_acks_and_latencies() {
    const N: u64 = 300;
    let mut b = TopologyBuilder::new();
    let numbers: Vec<Values> = (0..N as i64).map(|i| values![i]).collect();
    b.set_spout("spout", move || ListSpout::new(numbers.clone(), ["n"]), 1);
    b.set_basic_bolt("twice", || Twice, 1)
        .shuffle_grouping("spout");
    b.set_basic_bolt("sink", || Sink, 2).all_grouping("twice");
    let topology = b.create_topology().expect("valid");
    let mut config = Config::new();
    config.acker_executors = Some(1);
    config.producer_batch_size = 10;
    config.stats_sample_rate = 1.0;
    let cluster = LocalCluster::new().expect("cluster");
    cluster
        .submit_topology("stats", config, &topology)
        .expect("submit");
    let of = |component: &str| {
        cluster
            .topology_stats("stats")
            .expect("stats")
            .into_iter()
            .filter(|s| s.component == component)
            .collect::<Vec<_>>()
    };
    wait_until(Duration::from_secs(20), || {
        of("spout").iter().map(|s| s.acked).sum::<u64>() >= N
    });
    let all = cluster.topology_stats("stats").expect("stats");
    cluster
        .kill_topology_with_opts("stats", KillOptions::wait(0))
        .expect("kill");
    cluster.shutdown();

    let spout = &of_list(&all, "spout")[0];
    assert_eq!(spout.emitted, N);
    assert_eq!(spout.acked, N);
    assert_eq!(spout.failed, 0);
    assert_eq!(spout.streams["default"], (N, N));
    assert_eq!(spout.streams["__ack_init"], (N, N), "one init per tree");
    assert!(spout.complete_latency.is_some());

    let twice = &of_list(&all, "twice")[0];
    assert_eq!(twice.executed, N);
    assert_eq!(twice.acked, N);
    // Two emits per input, each to both sink tasks.
    assert_eq!(twice.streams["default"], (2 * N, 4 * N));
    assert_eq!(twice.latency_samples, N, "every batch sampled at rate 1");
    assert!(twice.execute_nanos > 0 && twice.process_nanos >= twice.execute_nanos);

    let sinks = of_list(&all, "sink");
    assert_eq!(sinks.iter().map(|s| s.executed).sum::<u64>(), 4 * N);

    // Rolled up: a young topology's windows all hold everything.
    let mut rollup = StatsRollup::new();
    let zero: Vec<_> = all
        .iter()
        .map(|s| storm_worker::TaskStatsSnapshot {
            emitted: 0,
            executed: 0,
            acked: 0,
            streams: Default::default(),
            latency_samples: 0,
            execute_nanos: 0,
            process_nanos: 0,
            complete_latency_micros_total: 0,
            ..s.clone()
        })
        .collect();
    rollup.record(100, &zero);
    rollup.record(160, &all);
    let task = twice.task;
    let windows = rollup.executor_windows("twice", task, task, 0.0);
    for id in WINDOW_IDS {
        let c = &windows.windows[id];
        assert_eq!(c.executed, N, "{id}");
        assert_eq!(c.emitted, 2 * N, "{id}");
        assert_eq!(c.transferred, 4 * N, "{id}");
        assert_eq!(c.acked, N, "{id}");
        assert!(c.execute_latency_ms > 0.0, "{id}");
        assert!((0.0..=1.0).contains(&c.capacity), "{id}: {}", c.capacity);
    }
    let spout_windows = rollup.executor_windows("spout", spout.task, spout.task, 0.0);
    let c = &spout_windows.windows[":all-time"];
    assert_eq!(c.emitted, N, "system streams left out of the total");
    assert_eq!(c.acked, N);
    assert!(c.complete_latency_ms > 0.0);
}

fn of_list(
    all: &[storm_worker::TaskStatsSnapshot],
    component: &str,
) -> Vec<storm_worker::TaskStatsSnapshot> {
    all.iter()
        .filter(|s| s.component == component)
        .cloned()
        .collect()
}
