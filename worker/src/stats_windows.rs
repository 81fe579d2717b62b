//! `StatsRollup`: a worker's task counters rolled up over Storm's windows (10 min, 3 h, 1 day,
//! all time). Storm's rolling-bucket approach on running totals: each window keeps the totals
//! seen at the start of each of its last 20 buckets (30 s, 9 min, 72 min), and a window's
//! counts are the newest totals less the oldest kept ones inside the window. Time is an input
//! (seconds), so tests need no clock.

use std::collections::{BTreeMap, VecDeque};

use storm_core::stats::{
    ExecutorWindows, FailedByCause, StatsCounts, StreamStats, WINDOW_ALL_TIME, WINDOW_IDS,
};
use storm_core::TaskId;

use crate::stats::TaskStatsSnapshot;

/// Buckets per window, as Storm's rolling windows have.
const BUCKETS: u64 = 20;

/// The timed windows: id and length in seconds.
const TIMED: [(&str, u64); 3] = [
    (WINDOW_IDS[0], 600),
    (WINDOW_IDS[1], 10_800),
    (WINDOW_IDS[2], 86_400),
];

/// One task's running totals at bucket starts, per timed window.
#[derive(Debug)]
struct TaskWindows {
    started_secs: u64,
    latest: (u64, TaskStatsSnapshot),
    rings: [VecDeque<(u64, TaskStatsSnapshot)>; 3],
}

/// The windows of every task of a worker.
#[derive(Debug, Default)]
pub struct StatsRollup {
    tasks: BTreeMap<TaskId, TaskWindows>,
}

impl StatsRollup {
    /// No tasks seen yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records the tasks' running totals at `now_secs`. A task seen for the first time counts
    /// as started now, from zero.
    pub fn record(&mut self, now_secs: u64, snapshots: &[TaskStatsSnapshot]) {
        for snapshot in snapshots {
            let windows = self
                .tasks
                .entry(snapshot.task)
                .or_insert_with(|| TaskWindows {
                    started_secs: now_secs,
                    latest: (now_secs, snapshot.clone()),
                    rings: Default::default(),
                });
            windows.latest = (now_secs, snapshot.clone());
            for (ring, (_, length)) in windows.rings.iter_mut().zip(TIMED) {
                let bucket = length / BUCKETS;
                let due = ring.back().is_none_or(|(at, _)| now_secs >= at + bucket);
                if due {
                    ring.push_back((now_secs, snapshot.clone()));
                    while ring.len() as u64 > BUCKETS + 1 {
                        ring.pop_front();
                    }
                }
            }
        }
    }

    /// Forgets tasks no longer in this worker.
    pub fn retain(&mut self, keep: impl Fn(TaskId) -> bool) {
        self.tasks.retain(|t, _| keep(*t));
    }

    /// A task's counts per window id, as of its newest record; `None` if never recorded.
    pub fn task_windows(&self, task: TaskId) -> Option<BTreeMap<String, StatsCounts>> {
        let w = self.tasks.get(&task)?;
        let (now, latest) = &w.latest;
        let mut out = BTreeMap::new();
        for (ring, (id, length)) in w.rings.iter().zip(TIMED) {
            // The oldest kept totals inside the window; the task's start (zero) if it began
            // inside the window.
            let from = now.saturating_sub(length);
            let base = if w.started_secs >= from {
                None
            } else {
                ring.iter().find(|(at, _)| *at >= from)
            };
            let counts = match base {
                Some((at, base)) => difference(latest, Some(base), now.saturating_sub(*at)),
                None => difference(latest, None, now.saturating_sub(w.started_secs)),
            };
            out.insert(id.to_owned(), counts);
        }
        out.insert(
            WINDOW_ALL_TIME.to_owned(),
            difference(latest, None, now.saturating_sub(w.started_secs)),
        );
        Some(out)
    }

    /// An executor's windows: its tasks' counts added up (`StatsCounts::absorb`).
    pub fn executor_windows(
        &self,
        component: &str,
        start: TaskId,
        end: TaskId,
        receive_queue_fill: f64,
    ) -> ExecutorWindows {
        let mut out = ExecutorWindows {
            component: component.to_owned(),
            start_task: start.0,
            end_task: end.0,
            receive_queue_fill,
            ..Default::default()
        };
        for task in start.0..=end.0 {
            let Some(w) = self.tasks.get(&TaskId(task)) else {
                continue;
            };
            out.uptime_secs = out
                .uptime_secs
                .max(w.latest.0.saturating_sub(w.started_secs));
            out.restarts += w.latest.1.restarts;
            if let Some(windows) = self.task_windows(TaskId(task)) {
                for (id, counts) in windows {
                    out.windows.entry(id).or_default().absorb(&counts);
                }
            }
        }
        out
    }
}

/// True for Storm's system streams (`__ack_init`, `__tick`, ...), which the UI's totals leave
/// out by default.
fn is_system_stream(stream: &str) -> bool {
    stream.starts_with("__")
}

/// The counts between `base` (zero if `None`) and `latest`, over `elapsed_secs`.
fn difference(
    latest: &TaskStatsSnapshot,
    base: Option<&TaskStatsSnapshot>,
    elapsed_secs: u64,
) -> StatsCounts {
    let d = |f: fn(&TaskStatsSnapshot) -> u64| f(latest).saturating_sub(base.map_or(0, f));
    let mut streams = BTreeMap::new();
    let (mut emitted, mut transferred) = (0, 0);
    for (stream, &(e, t)) in &latest.streams {
        let (be, bt) = base
            .and_then(|b| b.streams.get(stream).copied())
            .unwrap_or((0, 0));
        let s = StreamStats {
            emitted: e.saturating_sub(be),
            transferred: t.saturating_sub(bt),
        };
        if s.emitted == 0 && s.transferred == 0 {
            continue;
        }
        if !is_system_stream(stream) {
            emitted += s.emitted;
            transferred += s.transferred;
        }
        streams.insert(stream.clone(), s);
    }
    let executed = d(|s| s.executed);
    let acked = d(|s| s.acked);
    let samples = d(|s| s.latency_samples);
    let per_sample_ms = |nanos: u64| {
        if samples == 0 {
            0.0
        } else {
            nanos as f64 / samples as f64 / 1e6
        }
    };
    let execute_latency_ms = per_sample_ms(d(|s| s.execute_nanos));
    let complete_micros = d(|s| s.complete_latency_micros_total);
    StatsCounts {
        emitted,
        transferred,
        acked,
        failed: d(|s| s.failed),
        failed_by_cause: FailedByCause {
            explicit: d(|s| s.failed_by_bolt),
            timeout: d(|s| s.failed_timeout),
            lost: d(|s| s.failed_lost),
        },
        executed,
        execute_latency_ms,
        process_latency_ms: per_sample_ms(d(|s| s.process_nanos)),
        complete_latency_ms: if acked == 0 || complete_micros == 0 {
            0.0
        } else {
            complete_micros as f64 / acked as f64 / 1e3
        },
        // Storm's formula: executed x execute latency / window (the window cut to uptime).
        capacity: executed as f64 * execute_latency_ms / (elapsed_secs.max(1) as f64 * 1e3),
        streams,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use storm_core::ComponentId;

    fn snapshot(task: u32, executed: u64, emitted: u64) -> TaskStatsSnapshot {
        TaskStatsSnapshot {
            task: TaskId(task),
            component: ComponentId::new("count"),
            emitted,
            executed,
            acked: executed,
            failed: 0,
            failed_timeout: 0,
            failed_by_bolt: 0,
            failed_lost: 0,
            errors: 0,
            complete_latency: None,
            last_error: None,
            complete_latency_micros_total: 0,
            streams: BTreeMap::from([
                ("default".to_owned(), (emitted, 2 * emitted)),
                ("__ack_ack".to_owned(), (executed, executed)),
            ]),
            // Every tuple sampled at 0.5 ms execute, 2 ms process.
            latency_samples: executed,
            execute_nanos: executed * 500_000,
            process_nanos: executed * 2_000_000,
            restarts: 0,
        }
    }

    #[test]
    fn a_young_task_counts_everything_in_every_window() {
        let mut r = StatsRollup::new();
        r.record(1000, &[snapshot(1, 0, 0)]);
        r.record(1100, &[snapshot(1, 400, 100)]);
        let w = r.task_windows(TaskId(1)).expect("recorded");
        for id in WINDOW_IDS {
            let c = &w[id];
            assert_eq!(c.executed, 400, "{id}");
            assert_eq!(c.emitted, 100, "system streams left out of {id}");
            assert_eq!(c.transferred, 200);
            assert_eq!(c.streams["__ack_ack"].emitted, 400);
            assert!((c.execute_latency_ms - 0.5).abs() < 1e-9);
            assert!((c.process_latency_ms - 2.0).abs() < 1e-9);
            // 400 tuples x 0.5 ms over 100 s.
            assert!((c.capacity - 0.002).abs() < 1e-9, "{}", c.capacity);
        }
    }

    #[test]
    fn the_ten_minute_window_drops_what_is_older() {
        let mut r = StatsRollup::new();
        // 10 tuples a second for an hour, recorded every second.
        for t in 0..=3600u64 {
            r.record(t, &[snapshot(1, 10 * t, t)]);
        }
        let w = r.task_windows(TaskId(1)).expect("recorded");
        assert_eq!(w[WINDOW_ALL_TIME].executed, 36_000);
        assert_eq!(w["10800"].executed, 36_000);
        assert_eq!(w["86400"].executed, 36_000);
        // Buckets of 30 s: 10 minutes, give or take a bucket.
        let ten_min = w["600"].executed;
        assert!((5_700..=6_000).contains(&ten_min), "{ten_min}");
        // 10 tuples/s x 0.5 ms = 0.5 % busy, whatever the window.
        assert!(
            (w["600"].capacity - 0.005).abs() < 1e-6,
            "{}",
            w["600"].capacity
        );
        assert!((w[WINDOW_ALL_TIME].capacity - 0.005).abs() < 1e-6);
    }

    #[test]
    fn an_executor_adds_its_tasks() {
        let mut r = StatsRollup::new();
        r.record(0, &[snapshot(3, 0, 0), snapshot(4, 0, 0)]);
        r.record(10, &[snapshot(3, 100, 10), snapshot(4, 300, 30)]);
        let e = r.executor_windows("count", TaskId(3), TaskId(4), 0.25);
        assert_eq!(e.uptime_secs, 10);
        assert_eq!(e.windows[WINDOW_ALL_TIME].executed, 400);
        assert_eq!(e.windows["600"].emitted, 40);
        assert_eq!(e.receive_queue_fill, 0.25);
        assert_eq!(e.windows.len(), 4);
    }
}
