//! Per-task counters (emitted and transferred per stream, executed, acked, failed, latency
//! sums, restarts, errors), written by the task's own thread once per batch and readable from
//! anywhere: the base of topology info and metrics. All are running totals; the windows
//! (`stats_windows.rs`) are differences of them.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use storm_core::{ComponentId, FailReason, TaskId};

use crate::progress::ExhaustedFlag;

/// The counters of one task.
#[derive(Debug)]
pub struct TaskStats {
    /// The task.
    pub task: TaskId,
    /// Its component.
    pub component: ComponentId,
    emitted: AtomicU64,
    executed: AtomicU64,
    acked: AtomicU64,
    failed: AtomicU64,
    /// Spout: trees failed, by [`FailReason`] (timeout, bolt-failed, lost).
    failed_by_reason: [AtomicU64; 3],
    errors: AtomicU64,
    complete_latency_micros_total: AtomicU64,
    /// Per stream number (`StreamTable`): emitted, transferred.
    streams: Box<[[AtomicU64; 2]]>,
    /// The streams' ids by number, for snapshots.
    stream_names: Arc<[String]>,
    /// Sampled batches: tuples in them, nanoseconds executing them, nanoseconds from their
    /// arrival at the task to the end of their execution, summed over their tuples.
    latency_samples: AtomicU64,
    execute_nanos: AtomicU64,
    process_nanos: AtomicU64,
    restarts: AtomicU64,
    last_error: Mutex<Option<String>>,
    /// Set by finite spouts once they are exhausted.
    pub exhausted: ExhaustedFlag,
}

/// A copy of a task's counters at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskStatsSnapshot {
    /// The task.
    pub task: TaskId,
    /// Its component.
    pub component: ComponentId,
    /// Tuples emitted (counted once per emit, whatever the number of targets).
    pub emitted: u64,
    /// Tuples executed (bolts) or ack messages processed (spouts).
    pub executed: u64,
    /// Spout: trees acked. Bolt: inputs acked.
    pub acked: u64,
    /// Spout: trees failed or timed out. Bolt: inputs failed.
    pub failed: u64,
    /// Spout: trees failed because they timed out.
    pub failed_timeout: u64,
    /// Spout: trees failed because a bolt failed one of their tuples.
    pub failed_by_bolt: u64,
    /// Spout: trees failed because tuples of them were lost with a worker or connection.
    pub failed_lost: u64,
    /// Errors reported.
    pub errors: u64,
    /// Spout: the mean time from emit to ack of acked trees.
    pub complete_latency: Option<Duration>,
    /// The last error reported, if any.
    pub last_error: Option<String>,
    /// Spout: the sum of acked trees' complete latencies, in µs.
    pub complete_latency_micros_total: u64,
    /// Per stream id that carried any: (emitted, transferred).
    pub streams: BTreeMap<String, (u64, u64)>,
    /// Tuples in the batches whose latencies were sampled.
    pub latency_samples: u64,
    /// Nanoseconds executing the sampled batches.
    pub execute_nanos: u64,
    /// Nanoseconds from each sampled tuple's arrival at the task to its batch's end, summed.
    pub process_nanos: u64,
    /// Times the guard rebuilt the task's component after a panic.
    pub restarts: u64,
}

impl TaskStats {
    /// Zeroed counters, with no streams named (tests).
    pub fn new(task: TaskId, component: ComponentId) -> Self {
        Self::with_streams(task, component, Arc::from(Vec::new()))
    }

    /// Zeroed counters for a task of a topology whose streams, by number, are `stream_names`.
    pub fn with_streams(task: TaskId, component: ComponentId, stream_names: Arc<[String]>) -> Self {
        Self {
            streams: stream_names.iter().map(|_| Default::default()).collect(),
            stream_names,
            latency_samples: AtomicU64::new(0),
            execute_nanos: AtomicU64::new(0),
            process_nanos: AtomicU64::new(0),
            restarts: AtomicU64::new(0),
            task,
            component,
            emitted: AtomicU64::new(0),
            executed: AtomicU64::new(0),
            acked: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            failed_by_reason: Default::default(),
            errors: AtomicU64::new(0),
            complete_latency_micros_total: AtomicU64::new(0),
            last_error: Mutex::new(None),
            exhausted: ExhaustedFlag::default(),
        }
    }

    /// Adds emitted tuples.
    pub fn add_emitted(&self, n: u64) {
        if n > 0 {
            self.emitted.fetch_add(n, Ordering::Relaxed);
        }
    }

    /// Adds executed tuples.
    pub fn add_executed(&self, n: u64) {
        self.executed.fetch_add(n, Ordering::Relaxed);
    }

    /// Adds acks.
    pub fn add_acked(&self, n: u64) {
        if n > 0 {
            self.acked.fetch_add(n, Ordering::Relaxed);
        }
    }

    /// Adds a spout ack with its complete latency.
    pub fn add_complete_latency(&self, latency: Duration) {
        self.complete_latency_micros_total
            .fetch_add(latency.as_micros() as u64, Ordering::Relaxed);
    }

    /// Adds fails.
    pub fn add_failed(&self, n: u64) {
        if n > 0 {
            self.failed.fetch_add(n, Ordering::Relaxed);
        }
    }

    /// Adds a spout's failed trees, counted by why they failed.
    pub fn add_failed_because(&self, reason: FailReason, n: u64) {
        if n == 0 {
            return;
        }
        self.failed.fetch_add(n, Ordering::Relaxed);
        let slot = match reason {
            FailReason::Timeout => 0,
            FailReason::BoltFailed => 1,
            _ => 2,
        };
        self.failed_by_reason[slot].fetch_add(n, Ordering::Relaxed);
    }

    /// Adds tuples emitted and transferred (copies sent, one per target) on stream number
    /// `stream`; not counted in [`TaskStats::emitted`], which the flush publishes on its own.
    pub fn add_stream(&self, stream: u32, emitted: u64, transferred: u64) {
        if let Some([e, t]) = self.streams.get(stream as usize) {
            e.fetch_add(emitted, Ordering::Relaxed);
            t.fetch_add(transferred, Ordering::Relaxed);
        }
    }

    /// Adds a sampled batch of `tuples`: `execute` spent executing it, `process` from its
    /// arrival at the task to the end of its execution.
    pub fn add_latency_sample(&self, tuples: u64, execute: Duration, process: Duration) {
        self.latency_samples.fetch_add(tuples, Ordering::Relaxed);
        self.execute_nanos
            .fetch_add(execute.as_nanos() as u64, Ordering::Relaxed);
        // Every tuple of the batch waited the whole time: summed over its tuples.
        self.process_nanos
            .fetch_add(process.as_nanos() as u64 * tuples, Ordering::Relaxed);
    }

    /// Counts a panic after which the guard rebuilt the component.
    pub fn add_restart(&self) {
        self.restarts.fetch_add(1, Ordering::Relaxed);
    }

    /// Records an error.
    pub fn record_error(&self, error: &str) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut last) = self.last_error.lock() {
            *last = Some(error.to_owned());
        }
    }

    /// Tuples emitted so far.
    pub fn emitted(&self) -> u64 {
        self.emitted.load(Ordering::Relaxed)
    }

    /// Tuples executed so far.
    pub fn executed(&self) -> u64 {
        self.executed.load(Ordering::Relaxed)
    }

    /// A copy of the counters.
    pub fn snapshot(&self) -> TaskStatsSnapshot {
        let acked = self.acked.load(Ordering::Relaxed);
        let total = self.complete_latency_micros_total.load(Ordering::Relaxed);
        TaskStatsSnapshot {
            task: self.task,
            component: self.component.clone(),
            emitted: self.emitted(),
            executed: self.executed(),
            acked,
            failed: self.failed.load(Ordering::Relaxed),
            failed_timeout: self.failed_by_reason[0].load(Ordering::Relaxed),
            failed_by_bolt: self.failed_by_reason[1].load(Ordering::Relaxed),
            failed_lost: self.failed_by_reason[2].load(Ordering::Relaxed),
            errors: self.errors.load(Ordering::Relaxed),
            complete_latency: (acked > 0 && total > 0)
                .then(|| Duration::from_micros(total / acked)),
            last_error: self.last_error.lock().ok().and_then(|l| l.clone()),
            complete_latency_micros_total: total,
            streams: self
                .streams
                .iter()
                .zip(self.stream_names.iter())
                .filter_map(|([e, t], name)| {
                    let (e, t) = (e.load(Ordering::Relaxed), t.load(Ordering::Relaxed));
                    (e > 0 || t > 0).then(|| (name.clone(), (e, t)))
                })
                .collect(),
            latency_samples: self.latency_samples.load(Ordering::Relaxed),
            execute_nanos: self.execute_nanos.load(Ordering::Relaxed),
            process_nanos: self.process_nanos.load(Ordering::Relaxed),
            restarts: self.restarts.load(Ordering::Relaxed),
        }
    }
}
