//! The one place the UI takes its numbers from: [`TopologyStats`] for a topology, per window,
//! per component, per output stream and per task. Everything the REST API, the page and
//! `/metrics` show of emitted, transferred, acked, failed, executed, latencies and capacity
//! comes from [`topology_stats`].
//!
//! PLACEHOLDER: until Nimbus's topology info carries the workers' metrics (issue 17, branch
//! `metrics`), every count is zero and [`TopologyStats::measured`] is false.

use std::collections::BTreeMap;

use storm_client::protocol::TopologyInfo;
use storm_core::StormTopology;

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

/// One task's all-time counters (for `/metrics`).
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
    /// Whether the numbers were measured (false: placeholders, all zero).
    pub measured: bool,
    /// The topology's totals per window (spouts' emitted, transferred, acked and failed, and
    /// their complete latency, as Storm's topology stats count).
    pub windows: BTreeMap<Window, WindowStats>,
    /// Per component.
    pub components: BTreeMap<String, ComponentStats>,
    /// Per task, all time.
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

    /// A component's output streams over a window.
    pub fn streams(&self, component: &str, window: Window) -> BTreeMap<String, StreamStats> {
        self.components
            .get(component)
            .and_then(|c| c.streams.get(&window))
            .cloned()
            .unwrap_or_default()
    }
}

/// The numbers of a topology whose info and shape Nimbus gave.
pub fn topology_stats(info: &TopologyInfo, topology: &StormTopology) -> TopologyStats {
    placeholder(info, topology)
}

/// Zero for every window, component, declared stream and assigned task.
fn placeholder(info: &TopologyInfo, topology: &StormTopology) -> TopologyStats {
    let zero_windows = || WINDOWS.map(|w| (w, WindowStats::default())).into();
    let mut components = BTreeMap::new();
    for (id, def) in &topology.components {
        let streams: BTreeMap<String, StreamStats> = def
            .streams
            .keys()
            .map(|s| (s.to_string(), StreamStats::default()))
            .collect();
        components.insert(
            id.to_string(),
            ComponentStats {
                windows: zero_windows(),
                streams: WINDOWS.map(|w| (w, streams.clone())).into(),
            },
        );
    }
    let mut tasks = Vec::new();
    for e in &info.executors {
        let Some(def) = topology.component(&e.component) else {
            continue;
        };
        for task in e.start_task..=e.end_task {
            tasks.push(TaskStats {
                component: e.component.clone(),
                task,
                streams: def
                    .streams
                    .keys()
                    .map(|s| (s.to_string(), StreamStats::default()))
                    .collect(),
                ..TaskStats::default()
            });
        }
    }
    tasks.sort_by_key(|t| t.task);
    TopologyStats {
        measured: false,
        windows: zero_windows(),
        components,
        tasks,
    }
}
