//! `StatsCounts`: the counters Storm's UI shows for a task, executor, component or topology over
//! one of Storm's windows, with the window ids. Workers compute them per task, supervisors
//! publish them, Nimbus sums them (`storm_client::protocol::stats` serves them).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Storm's window of the last 10 minutes.
pub const WINDOW_10_MIN: &str = "600";
/// Storm's window of the last 3 hours.
pub const WINDOW_3_HOURS: &str = "10800";
/// Storm's window of the last day.
pub const WINDOW_1_DAY: &str = "86400";
/// Storm's window since the executor started.
pub const WINDOW_ALL_TIME: &str = ":all-time";
/// Storm's window ids, shortest first.
pub const WINDOW_IDS: [&str; 4] = [WINDOW_10_MIN, WINDOW_3_HOURS, WINDOW_1_DAY, WINDOW_ALL_TIME];

/// The counters Storm's UI shows for a topology, component or executor over one window.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StatsCounts {
    /// `emitted`: tuples emitted, counted once per emit whatever the number of targets; system
    /// streams (ids starting `__`, such as acks) left out, as Storm's UI leaves them out by
    /// default ([`StatsCounts::streams`] has them).
    pub emitted: u64,
    /// `transferred`: tuples sent to tasks, once per target task (system streams left out).
    pub transferred: u64,
    /// `acked`: spout: trees fully processed; bolt: input tuples acked.
    pub acked: u64,
    /// `failed`: spout: trees failed (all causes); bolt: input tuples failed.
    pub failed: u64,
    /// Spout trees failed, by cause (Storm's UI has only the total).
    pub failed_by_cause: FailedByCause,
    /// `executed`: input tuples a bolt executed (spouts: ack/fail messages processed).
    pub executed: u64,
    /// `executeLatency`: bolt: mean ms spent in `execute` per tuple (sampled); 0 with none.
    pub execute_latency_ms: f64,
    /// `processLatency`: bolt: mean ms from a tuple's arrival at the task to its ack
    /// (sampled); 0 with none.
    pub process_latency_ms: f64,
    /// `completeLatency`: spout: mean ms from a tree's emit to its full ack; 0 with none.
    pub complete_latency_ms: f64,
    /// `capacity`: the share of the window the executor spent executing (Storm's formula:
    /// executed x execute latency / window, the window cut to the executor's uptime); near 1
    /// means the bolt is the bottleneck. For a component or topology, the largest executor's.
    pub capacity: f64,
    /// Per output stream id: emitted and transferred (Storm UI's `outputStats`).
    pub streams: BTreeMap<String, StreamStats>,
}

/// Spout trees failed, by why (the replay's `FailReason`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedByCause {
    /// A bolt failed a tuple of the tree explicitly (`collector.fail`).
    pub explicit: u64,
    /// The tree was not completed within `topology.message.timeout.secs`.
    pub timeout: u64,
    /// Tuples of the tree were lost with a worker or connection.
    pub lost: u64,
}

/// One output stream's counts over a window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamStats {
    /// `emitted` on this stream.
    pub emitted: u64,
    /// `transferred` on this stream.
    pub transferred: u64,
}

/// One executor's stats over every window, as its worker computes them and its supervisor
/// publishes them in ZooKeeper (`/stats/<supervisor-id>`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExecutorWindows {
    /// Its component id.
    pub component: String,
    /// Its first task.
    pub start_task: u32,
    /// Its last task.
    pub end_task: u32,
    /// Seconds its tasks have run in this worker.
    pub uptime_secs: u64,
    /// Its receive queue's fill, 0 to 1.
    pub receive_queue_fill: f64,
    /// Panics its tasks' guard rebuilt the component after, since the worker started.
    pub restarts: u64,
    /// Window id ([`WINDOW_IDS`]) -> its counters over that window.
    pub windows: BTreeMap<String, StatsCounts>,
}

impl StatsCounts {
    /// Adds `other` into `self`: counts add, latencies average weighted by the counts they
    /// are means over (execute and process latency by executed, complete latency by acked, as
    /// Storm weighs them), capacity takes the larger.
    pub fn absorb(&mut self, other: &StatsCounts) {
        fn weighted(a: f64, wa: u64, b: f64, wb: u64) -> f64 {
            let w = wa + wb;
            if w == 0 {
                0.0
            } else {
                (a * wa as f64 + b * wb as f64) / w as f64
            }
        }
        self.execute_latency_ms = weighted(
            self.execute_latency_ms,
            self.executed,
            other.execute_latency_ms,
            other.executed,
        );
        self.process_latency_ms = weighted(
            self.process_latency_ms,
            self.executed,
            other.process_latency_ms,
            other.executed,
        );
        self.complete_latency_ms = weighted(
            self.complete_latency_ms,
            self.acked,
            other.complete_latency_ms,
            other.acked,
        );
        self.capacity = self.capacity.max(other.capacity);
        self.emitted += other.emitted;
        self.transferred += other.transferred;
        self.acked += other.acked;
        self.failed += other.failed;
        self.failed_by_cause.explicit += other.failed_by_cause.explicit;
        self.failed_by_cause.timeout += other.failed_by_cause.timeout;
        self.failed_by_cause.lost += other.failed_by_cause.lost;
        self.executed += other.executed;
        for (stream, s) in &other.streams {
            let mine = self.streams.entry(stream.clone()).or_default();
            mine.emitted += s.emitted;
            mine.transferred += s.transferred;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absorbing_adds_counts_and_weighs_latencies() {
        let mut a = StatsCounts {
            executed: 10,
            execute_latency_ms: 1.0,
            acked: 1,
            complete_latency_ms: 4.0,
            capacity: 0.2,
            ..Default::default()
        };
        a.streams.insert(
            "default".into(),
            StreamStats {
                emitted: 3,
                transferred: 6,
            },
        );
        let mut b = StatsCounts {
            executed: 30,
            execute_latency_ms: 3.0,
            acked: 3,
            complete_latency_ms: 8.0,
            capacity: 0.5,
            ..Default::default()
        };
        b.streams.insert(
            "default".into(),
            StreamStats {
                emitted: 1,
                transferred: 1,
            },
        );
        a.absorb(&b);
        assert_eq!(a.executed, 40);
        assert!((a.execute_latency_ms - 2.5).abs() < 1e-9);
        assert!((a.complete_latency_ms - 7.0).abs() < 1e-9);
        assert!((a.capacity - 0.5).abs() < 1e-9);
        assert_eq!(
            a.streams["default"],
            StreamStats {
                emitted: 4,
                transferred: 7
            }
        );
    }
}
