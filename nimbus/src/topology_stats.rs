//! The stats part of a topology's info: the executor windows its workers handed their
//! supervisors (`/stats/<supervisor-id>`), kept for the slots the assignment still names, summed
//! per component and for the topology over each of Storm's windows.

use std::collections::{BTreeMap, BTreeSet};

use storm_client::protocol::{
    ComponentStats, ExecutorStats, StatsCounts, TopologyStats, WindowStats, WINDOW_IDS,
};
use storm_zk::{NodePort, SupervisorStats};

/// The stats of topology `topology_id` from every supervisor's record (by supervisor id), for
/// the worker slots in `assigned` only (a moved worker's old numbers are left out), at
/// `now_secs`. `is_spout` tells spouts from bolts; `window` keeps one window only.
pub fn topology_stats(
    topology_id: &str,
    records: &BTreeMap<String, SupervisorStats>,
    assigned: &BTreeSet<NodePort>,
    is_spout: impl Fn(&str) -> bool,
    window: Option<&str>,
    now_secs: u64,
) -> TopologyStats {
    let mut out = TopologyStats::default();
    let mut oldest: Option<u64> = None;
    for id in WINDOW_IDS {
        if window.is_none_or(|w| w == id) {
            out.windows.insert(id.to_owned(), WindowStats::default());
        }
    }
    for (supervisor, record) in records {
        for worker in &record.workers {
            let slot = NodePort {
                node: supervisor.clone(),
                port: worker.port,
            };
            if worker.topology_id != topology_id || !assigned.contains(&slot) {
                continue;
            }
            oldest = Some(oldest.map_or(worker.time_secs, |o| o.min(worker.time_secs)));
            for executor in &worker.executors {
                let spout = is_spout(&executor.component);
                for (id, stats) in out.windows.iter_mut() {
                    let Some(counts) = executor.windows.get(id) else {
                        continue;
                    };
                    let components = if spout {
                        &mut stats.spouts
                    } else {
                        &mut stats.bolts
                    };
                    let component = components.entry(executor.component.clone()).or_default();
                    component.executors += 1;
                    component.tasks += executor.end_task.saturating_sub(executor.start_task) + 1;
                    component.restarts += executor.restarts;
                    component.counts.absorb(counts);
                    stats.executors.push(ExecutorStats {
                        component: executor.component.clone(),
                        start_task: executor.start_task,
                        end_task: executor.end_task,
                        host: record.host.clone(),
                        port: worker.port,
                        uptime_secs: executor.uptime_secs,
                        counts: counts.clone(),
                        receive_queue_fill: executor.receive_queue_fill,
                        restarts: executor.restarts,
                    });
                }
            }
        }
    }
    for stats in out.windows.values_mut() {
        stats.topology = topology_totals(&stats.spouts, &stats.bolts);
        stats
            .executors
            .sort_by(|a, b| (&a.component, a.start_task).cmp(&(&b.component, b.start_task)));
    }
    out.age_secs = oldest.map(|t| now_secs.saturating_sub(t));
    out
}

/// Storm's topology row: emitted and transferred of every component; acked, failed and
/// complete latency of the spouts' trees; executed and latencies over the bolts; the largest
/// capacity.
fn topology_totals(
    spouts: &BTreeMap<String, ComponentStats>,
    bolts: &BTreeMap<String, ComponentStats>,
) -> StatsCounts {
    let mut trees = StatsCounts::default();
    for c in spouts.values() {
        trees.absorb(&c.counts);
    }
    let mut all = StatsCounts::default();
    for c in bolts.values() {
        all.absorb(&c.counts);
    }
    let mut out = StatsCounts {
        acked: trees.acked,
        failed: trees.failed,
        failed_by_cause: trees.failed_by_cause,
        complete_latency_ms: trees.complete_latency_ms,
        ..all.clone()
    };
    out.emitted += trees.emitted;
    out.transferred += trees.transferred;
    for (stream, s) in &trees.streams {
        let mine = out.streams.entry(stream.clone()).or_default();
        mine.emitted += s.emitted;
        mine.transferred += s.transferred;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use storm_core::stats::ExecutorWindows;
    use storm_zk::WorkerStats;

    fn executor(component: &str, task: u32, counts: StatsCounts) -> ExecutorWindows {
        ExecutorWindows {
            component: component.into(),
            start_task: task,
            end_task: task,
            uptime_secs: 60,
            receive_queue_fill: 0.0,
            restarts: 0,
            windows: WINDOW_IDS
                .iter()
                .map(|w| ((*w).to_owned(), counts.clone()))
                .collect(),
        }
    }

    fn records() -> BTreeMap<String, SupervisorStats> {
        let spout = StatsCounts {
            emitted: 100,
            transferred: 100,
            acked: 90,
            failed: 2,
            complete_latency_ms: 5.0,
            ..Default::default()
        };
        let count = |executed, capacity| StatsCounts {
            emitted: executed,
            transferred: executed,
            acked: executed,
            executed,
            execute_latency_ms: 0.1,
            capacity,
            ..Default::default()
        };
        let worker = |port, topology: &str, executors| WorkerStats {
            topology_id: topology.into(),
            port,
            time_secs: 95,
            executors,
        };
        BTreeMap::from([(
            "sup-a".to_owned(),
            SupervisorStats {
                host: "node-1".into(),
                time_secs: 96,
                workers: vec![
                    worker(
                        6700,
                        "wc-1",
                        vec![
                            executor("spout", 3, spout),
                            executor("count", 1, count(40, 0.2)),
                        ],
                    ),
                    worker(6701, "wc-1", vec![executor("count", 2, count(60, 0.7))]),
                    // Another topology, and a slot no longer assigned: both left out.
                    worker(6702, "other-2", vec![executor("count", 1, count(999, 0.9))]),
                    worker(6703, "wc-1", vec![executor("count", 9, count(999, 0.9))]),
                ],
            },
        )])
    }

    fn assigned() -> BTreeSet<NodePort> {
        [6700, 6701]
            .into_iter()
            .map(|port| NodePort {
                node: "sup-a".into(),
                port,
            })
            .collect()
    }

    #[test]
    fn components_and_topology_add_up_their_assigned_executors() {
        let stats = topology_stats("wc-1", &records(), &assigned(), |c| c == "spout", None, 100);
        assert_eq!(stats.windows.len(), 4);
        assert_eq!(stats.age_secs, Some(5));
        let w = &stats.windows["600"];
        assert_eq!(w.executors.len(), 3);
        assert!(w.executors.iter().all(|e| e.host == "node-1"));
        let count = &w.bolts["count"];
        assert_eq!((count.executors, count.tasks), (2, 2));
        assert_eq!(count.counts.executed, 100);
        assert!((count.counts.capacity - 0.7).abs() < 1e-9);
        assert_eq!(w.spouts["spout"].counts.acked, 90);
        // The topology: the spouts' trees, everyone's emits.
        assert_eq!(w.topology.acked, 90);
        assert_eq!(w.topology.failed, 2);
        assert_eq!(w.topology.emitted, 200);
        assert!((w.topology.complete_latency_ms - 5.0).abs() < 1e-9);
    }

    #[test]
    fn one_window_can_be_asked_for() {
        let stats = topology_stats(
            "wc-1",
            &records(),
            &assigned(),
            |_| false,
            Some(":all-time"),
            100,
        );
        assert_eq!(stats.windows.keys().collect::<Vec<_>>(), [":all-time"]);
        assert_eq!(stats.windows[":all-time"].bolts.len(), 2);
    }
}
