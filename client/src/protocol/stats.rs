//! A topology's stats as Nimbus returns them with its topology info: per Storm window
//! ("600", "10800", "86400", ":all-time"), the topology's totals, each component's and each
//! executor's counters, with the Storm UI's field meanings (its camelCase names in each field's
//! doc). Counts are over the window; latencies are means over the window's samples, in ms.

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

/// A topology's stats, per Storm window id (keys of [`TopologyStats::windows`]: see
/// [`WINDOW_IDS`]). Empty while no worker has published any.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TopologyStats {
    /// Window id -> the stats over that window.
    pub windows: BTreeMap<String, WindowStats>,
    /// Seconds since the oldest executor stats in this answer were taken in their worker
    /// (how stale the numbers may be); `None` with no stats.
    pub age_secs: Option<u64>,
}

/// A topology's stats over one window (Storm UI's topology page for `?window=<id>`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WindowStats {
    /// The topology's totals (Storm UI's `topologyStats` row): emitted, transferred, acked,
    /// failed and complete latency of the spouts' trees; `executed` etc. summed over bolts.
    pub topology: StatsCounts,
    /// Per spout component (Storm UI's `spouts` table), by component id.
    pub spouts: BTreeMap<String, ComponentStats>,
    /// Per bolt component (Storm UI's `bolts` table), by component id; system components
    /// (`__acker`) included.
    pub bolts: BTreeMap<String, ComponentStats>,
    /// Per executor (Storm UI's `executorStats` of the component page).
    pub executors: Vec<ExecutorStats>,
}

/// The counters Storm's UI shows for a topology, component or executor over one window.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StatsCounts {
    /// `emitted`: tuples emitted, counted once per emit whatever the number of targets
    /// (system streams such as acks included, as Storm counts them).
    pub emitted: u64,
    /// `transferred`: tuples sent to tasks, once per target task.
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

/// One component's stats over a window (a row of Storm UI's spout or bolt table).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ComponentStats {
    /// `executors`: executors of the component that published stats.
    pub executors: u32,
    /// `tasks`: their tasks.
    pub tasks: u32,
    /// The counters summed over its executors (latencies weighted by their samples, capacity
    /// the largest executor's).
    pub counts: StatsCounts,
    /// Restarts of its tasks after a panic (the guard rebuilt the component), all time.
    pub restarts: u64,
}

/// One executor's stats over a window (a row of Storm UI's `executorStats`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExecutorStats {
    /// Its component id.
    pub component: String,
    /// Its first task (Storm's `id` is `[start_task-end_task]`).
    pub start_task: u32,
    /// Its last task.
    pub end_task: u32,
    /// `host` of its worker.
    pub host: String,
    /// `port` of its worker.
    pub port: u16,
    /// `uptime` in seconds: how long its tasks have run in this worker.
    pub uptime_secs: u64,
    /// The counters over the window.
    pub counts: StatsCounts,
    /// Its receive queue's fill when last published, 0 (empty) to 1 (full: the senders wait).
    pub receive_queue_fill: f64,
    /// Times the guard rebuilt one of its tasks after a panic, all time.
    pub restarts: u64,
}
