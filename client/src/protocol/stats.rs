//! A topology's stats as Nimbus returns them with its topology info: per Storm window
//! ("600", "10800", "86400", ":all-time"), the topology's totals, each component's and each
//! executor's counters, with the Storm UI's field meanings (its camelCase names in each field's
//! doc). Counts are over the window; latencies are means over the window's samples, in ms.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use storm_core::stats::{
    FailedByCause, StatsCounts, StreamStats, WINDOW_10_MIN, WINDOW_1_DAY, WINDOW_3_HOURS,
    WINDOW_ALL_TIME, WINDOW_IDS,
};

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
