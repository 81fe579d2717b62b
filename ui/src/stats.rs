//! The one place the UI takes its numbers from: [`TopologyStats`] for a topology, per window,
//! per component, per output stream and per task. Everything the REST API, the page and
//! `/metrics` show of emitted, transferred, acked, failed, executed, latencies and capacity
//! comes from [`topology_stats`].
//!
//! They are Nimbus's topology info's `stats` (the workers' metrics, rolled up per Storm window,
//! component and executor), reshaped for the UI's three outputs.

use std::collections::BTreeMap;

use storm_client::protocol::{StatsCounts, TopologyInfo};

use crate::window::{Window, WINDOWS};

/// A component's (or the topology's) numbers over one window.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WindowStats {
    /// Tuples emitted.
    pub emitted: u64,
    /// Tuples sent on to at least one task.
    pub transferred: u64,
    /// Tuples acked (spouts: trees completed).
    pub acked: u64,
    /// Tuples failed (spouts: trees failed or timed out).
    pub failed: u64,
    /// Tuples executed (bolts).
    pub executed: u64,
    /// Spouts: mean time from emit to the tree's ack, ms.
    pub complete_latency_ms: f64,
    /// Bolts: mean time in `execute`, ms.
    pub execute_latency_ms: f64,
    /// Bolts: mean time from receipt to ack, ms.
    pub process_latency_ms: f64,
    /// Bolts: executed × execute latency / window, the busiest executor's.
    pub capacity: f64,
}

/// One output stream's counts over one window.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StreamStats {
    /// Tuples emitted on it.
    pub emitted: u64,
    /// Tuples sent on to at least one task.
    pub transferred: u64,
}

/// One component's numbers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ComponentStats {
    /// Per window.
    pub windows: BTreeMap<Window, WindowStats>,
    /// Per window, per output stream.
    pub streams: BTreeMap<Window, BTreeMap<String, StreamStats>>,
}

/// One executor's numbers over a window (the component page's `executorStats`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExecutorView {
    /// The component.
    pub component: String,
    /// Its first task.
    pub start_task: u32,
    /// Its last task.
    pub end_task: u32,
    /// Its worker's host.
    pub host: String,
    /// Its worker's port.
    pub port: u16,
    /// Seconds its tasks have run in this worker.
    pub uptime_secs: u64,
    /// Its counts.
    pub stats: WindowStats,
}

/// One executor's all-time counters (for `/metrics`; `task` is its first task).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskStats {
    /// The component.
    pub component: String,
    /// The task id.
    pub task: u32,
    /// Per output stream.
    pub streams: BTreeMap<String, StreamStats>,
    /// Acked.
    pub acked: u64,
    /// Failed.
    pub failed: u64,
    /// Executed.
    pub executed: u64,
}

/// A topology's numbers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TopologyStats {
    /// Whether any worker has published stats yet (false: everything reads zero).
    pub measured: bool,
    /// How old the oldest executor's numbers are, in seconds.
    pub age_secs: Option<u64>,
    /// The topology's totals per window (spouts' emitted, transferred, acked and failed, and
    /// their complete latency, as Storm's topology stats count).
    pub windows: BTreeMap<Window, WindowStats>,
    /// Per component.
    pub components: BTreeMap<String, ComponentStats>,
    /// Per window, per executor.
    pub executors: BTreeMap<Window, Vec<ExecutorView>>,
    /// Per executor, all time.
    pub tasks: Vec<TaskStats>,
}

impl TopologyStats {
    /// A window's totals (zero when absent).
    pub fn window(&self, window: Window) -> WindowStats {
        self.windows.get(&window).cloned().unwrap_or_default()
    }

    /// A component's numbers over a window (zero when absent).
    pub fn component(&self, component: &str, window: Window) -> WindowStats {
        self.components
            .get(component)
            .and_then(|c| c.windows.get(&window))
            .cloned()
            .unwrap_or_default()
    }

    /// A component's executors over a window.
    pub fn executors(&self, component: &str, window: Window) -> Vec<&ExecutorView> {
        self.executors
            .get(&window)
            .into_iter()
            .flatten()
            .filter(|e| e.component == component)
            .collect()
    }

    /// A component's output streams over a window.
    pub fn streams(&self, component: &str, window: Window) -> BTreeMap<String, StreamStats> {
        self.components
            .get(component)
            .and_then(|c| c.streams.get(&window))
            .cloned()
            .unwrap_or_default()
    }
}

/// The numbers of a topology as Nimbus's topology info carries them (its workers' stats,
/// rolled up per window, component and executor). Components and windows without published
/// stats read as zero.
pub fn topology_stats(info: &TopologyInfo) -> TopologyStats {
    let published = &info.stats;
    let mut windows = BTreeMap::new();
    let mut components: BTreeMap<String, ComponentStats> = BTreeMap::new();
    let mut executors = BTreeMap::new();
    for window in WINDOWS {
        let Some(w) = published.windows.get(window.key()) else {
            continue;
        };
        windows.insert(window, window_stats(&w.topology));
        for (id, c) in w.spouts.iter().chain(&w.bolts) {
            let entry = components.entry(id.clone()).or_default();
            entry.windows.insert(window, window_stats(&c.counts));
            entry.streams.insert(window, streams(&c.counts));
        }
        executors.insert(
            window,
            w.executors
                .iter()
                .map(|e| ExecutorView {
                    component: e.component.clone(),
                    start_task: e.start_task,
                    end_task: e.end_task,
                    host: e.host.clone(),
                    port: e.port,
                    uptime_secs: e.uptime_secs,
                    stats: window_stats(&e.counts),
                })
                .collect(),
        );
    }
    let tasks = published
        .windows
        .get(Window::AllTime.key())
        .map(|w| {
            w.executors
                .iter()
                .map(|e| TaskStats {
                    component: e.component.clone(),
                    task: e.start_task,
                    streams: streams(&e.counts),
                    acked: e.counts.acked,
                    failed: e.counts.failed,
                    executed: e.counts.executed,
                })
                .collect()
        })
        .unwrap_or_default();
    TopologyStats {
        measured: !published.windows.is_empty(),
        age_secs: published.age_secs,
        windows,
        components,
        executors,
        tasks,
    }
}

fn window_stats(c: &StatsCounts) -> WindowStats {
    WindowStats {
        emitted: c.emitted,
        transferred: c.transferred,
        acked: c.acked,
        failed: c.failed,
        executed: c.executed,
        complete_latency_ms: c.complete_latency_ms,
        execute_latency_ms: c.execute_latency_ms,
        process_latency_ms: c.process_latency_ms,
        capacity: c.capacity,
    }
}

fn streams(c: &StatsCounts) -> BTreeMap<String, StreamStats> {
    c.streams
        .iter()
        .map(|(id, s)| {
            (
                id.clone(),
                StreamStats {
                    emitted: s.emitted,
                    transferred: s.transferred,
                },
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use storm_client::protocol::stats as published;
    use storm_client::protocol::TopologySummary;

    fn info(stats: published::TopologyStats) -> TopologyInfo {
        TopologyInfo {
            summary: TopologySummary {
                id: "t-1-1".into(),
                name: "t".into(),
                status: "ACTIVE".into(),
                num_tasks: 1,
                num_executors: 1,
                num_workers: 1,
                uptime_secs: 1,
            },
            executors: Vec::new(),
            workers: Vec::new(),
            errors: BTreeMap::new(),
            stats,
        }
    }

    #[test]
    fn nothing_published_reads_as_zero_and_unmeasured() {
        let s = topology_stats(&info(Default::default()));
        assert!(!s.measured);
        assert_eq!(
            s.component("spout", Window::AllTime),
            WindowStats::default()
        );
        assert!(s.tasks.is_empty());
    }

    #[test]
    fn published_windows_components_and_executors_are_carried_over() {
        let mut counts = StatsCounts {
            emitted: 7,
            acked: 5,
            complete_latency_ms: 1.5,
            ..Default::default()
        };
        counts.streams.insert(
            "default".into(),
            storm_client::protocol::StreamStats {
                emitted: 7,
                transferred: 14,
            },
        );
        let window = published::WindowStats {
            topology: counts.clone(),
            spouts: BTreeMap::from([(
                "spout".into(),
                published::ComponentStats {
                    executors: 1,
                    tasks: 1,
                    counts: counts.clone(),
                    restarts: 0,
                },
            )]),
            bolts: BTreeMap::new(),
            executors: vec![published::ExecutorStats {
                component: "spout".into(),
                start_task: 4,
                end_task: 4,
                host: "h".into(),
                port: 6700,
                uptime_secs: 9,
                counts,
                receive_queue_fill: 0.0,
                restarts: 0,
            }],
        };
        let stats = published::TopologyStats {
            windows: BTreeMap::from([(":all-time".to_owned(), window)]),
            age_secs: Some(2),
        };
        let s = topology_stats(&info(stats));
        assert!(s.measured);
        assert_eq!(s.age_secs, Some(2));
        assert_eq!(s.window(Window::AllTime).acked, 5);
        assert_eq!(s.window(Window::TenMinutes).acked, 0, "absent window");
        assert_eq!(
            s.component("spout", Window::AllTime).complete_latency_ms,
            1.5
        );
        assert_eq!(
            s.streams("spout", Window::AllTime)["default"].transferred,
            14
        );
        assert_eq!(s.executors("spout", Window::AllTime)[0].uptime_secs, 9);
        assert_eq!(s.tasks[0].task, 4);
        assert_eq!(s.tasks[0].acked, 5);
    }
}
