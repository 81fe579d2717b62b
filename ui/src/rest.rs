//! The JSON of Storm's REST API v1 (`docs/STORM-UI-REST-API.md`), with Storm's field names,
//! built from what Nimbus answers. Pure functions of their inputs, so they are tested without
//! a cluster; `routes.rs` serves them. Resource fields (memory, CPU) are left out and
//! `schedulerDisplayResource` is false, as Storm does without its resource-aware scheduler.
//! Fields of ours that Storm lacks: a worker's `restarts`, `lastRestartReason`,
//! `lastRestartTime`; `statsMeasured` (false until a worker published stats) and
//! `statsAgeSecs` (how old the oldest executor's numbers are).

use std::collections::BTreeMap;

use serde_json::{json, Value};
use storm_client::protocol::{ClusterInfo, ErrorSummary, TopologySummary};
use storm_core::topology::ComponentKind;

use crate::error::ApiError;
use crate::format::{fixed3, pretty_uptime};
use crate::nimbus::TopologyView;
use crate::stats::WindowStats;
use crate::window::{Window, WINDOWS};

/// The build's version, Storm's `stormVersion`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// `GET /api/v1/cluster/summary`.
pub fn cluster_summary(cluster: &ClusterInfo) -> Value {
    let slots_total: u32 = cluster.supervisors.iter().map(|s| s.slots_total).sum();
    let slots_used: u32 = cluster.supervisors.iter().map(|s| s.slots_used).sum();
    json!({
        "stormVersion": VERSION,
        "supervisors": cluster.supervisors.len(),
        "topologies": cluster.topologies.len(),
        "slotsTotal": slots_total,
        "slotsUsed": slots_used,
        "slotsFree": slots_total.saturating_sub(slots_used),
        "executorsTotal": cluster.topologies.iter().map(|t| t.num_executors).sum::<u32>(),
        "tasksTotal": cluster.topologies.iter().map(|t| t.num_tasks).sum::<u32>(),
        "schedulerDisplayResource": false,
    })
}

/// `GET /api/v1/nimbus/summary`: each registered Nimbus, and each seed not registered as
/// `Dead` (as Storm lists the seeds it cannot find).
pub fn nimbus_summary(cluster: &ClusterInfo, seeds: &[(String, u16)]) -> Value {
    let mut nimbuses: Vec<Value> = cluster
        .nimbuses
        .iter()
        .map(|n| {
            json!({
                "host": n.host,
                "port": n.port,
                "status": if n.is_leader { "Leader" } else { "Not a Leader" },
                "nimbusUpTime": n.uptime_secs.map(pretty_uptime).unwrap_or_default(),
                "nimbusUpTimeSeconds": n.uptime_secs.map(|s| s.to_string()).unwrap_or_default(),
                "nimbusLogLink": "",
                "version": n.version.clone().unwrap_or_else(|| VERSION.to_owned()),
            })
        })
        .collect();
    for (host, port) in seeds {
        let known = cluster
            .nimbuses
            .iter()
            .any(|n| &n.port == port && same_host(&n.host, host));
        if !known {
            nimbuses.push(json!({
                "host": host,
                "port": port,
                "status": "Dead",
                "nimbusUpTime": "",
                "nimbusUpTimeSeconds": "",
                "nimbusLogLink": "",
                "version": "",
            }));
        }
    }
    json!({ "nimbuses": nimbuses })
}

fn same_host(a: &str, b: &str) -> bool {
    let local = |h: &str| matches!(h, "localhost" | "127.0.0.1" | "::1");
    a == b || (local(a) && local(b))
}

/// `GET /api/v1/supervisor/summary`.
pub fn supervisor_summary(cluster: &ClusterInfo) -> Value {
    let supervisors: Vec<Value> = cluster
        .supervisors
        .iter()
        .map(|s| {
            json!({
                "id": s.id,
                "host": s.host,
                "uptime": pretty_uptime(s.uptime_secs),
                "uptimeSeconds": s.uptime_secs,
                "slotsTotal": s.slots_total,
                "slotsUsed": s.slots_used,
                "version": s.version,
            })
        })
        .collect();
    json!({ "supervisors": supervisors, "schedulerDisplayResource": false })
}

fn topology_summary_entry(t: &TopologySummary) -> Value {
    json!({
        "id": t.id,
        "encodedId": t.id,
        "name": t.name,
        "status": t.status,
        "uptime": pretty_uptime(t.uptime_secs),
        "uptimeSeconds": t.uptime_secs,
        "tasksTotal": t.num_tasks,
        "workersTotal": t.num_workers,
        "executorsTotal": t.num_executors,
    })
}

/// `GET /api/v1/topology/summary`.
pub fn topology_summary(topologies: &[TopologySummary]) -> Value {
    let list: Vec<Value> = topologies.iter().map(topology_summary_entry).collect();
    json!({ "topologies": list, "schedulerDisplayResource": false })
}

fn window_entry(window: Window, s: &WindowStats) -> Value {
    json!({
        "windowPretty": window.pretty(),
        "window": window.key(),
        "emitted": s.emitted,
        "transferred": s.transferred,
        "completeLatency": fixed3(s.complete_latency_ms),
        "acked": s.acked,
        "failed": s.failed,
    })
}

fn bolt_window_entry(window: Window, s: &WindowStats) -> Value {
    json!({
        "windowPretty": window.pretty(),
        "window": window.key(),
        "emitted": s.emitted,
        "transferred": s.transferred,
        "executeLatency": fixed3(s.execute_latency_ms),
        "executed": s.executed,
        "processLatency": fixed3(s.process_latency_ms),
        "capacity": fixed3(s.capacity),
        "acked": s.acked,
        "failed": s.failed,
    })
}

/// Executors and tasks of a component, from the assignment.
fn executors_and_tasks(view: &TopologyView, component: &str) -> (u32, u32) {
    view.info
        .executors
        .iter()
        .filter(|e| e.component == component)
        .fold((0, 0), |(n, t), e| {
            (n + 1, t + e.end_task.saturating_sub(e.start_task) + 1)
        })
}

fn last_error_fields(errors: Option<&Vec<ErrorSummary>>, now_secs: u64) -> Value {
    match errors.and_then(|e| e.first()) {
        Some(e) => json!({
            "lastError": e.error,
            "errorHost": e.host,
            "errorPort": e.port,
            "errorTime": e.time_secs,
            "errorLapsedSecs": now_secs.saturating_sub(e.time_secs),
            "errorWorkerLogLink": "",
        }),
        None => json!({
            "lastError": "",
            "errorHost": "",
            "errorPort": null,
            "errorTime": null,
            "errorLapsedSecs": null,
            "errorWorkerLogLink": "",
        }),
    }
}

fn merge(mut a: Value, b: Value) -> Value {
    if let (Some(a), Value::Object(b)) = (a.as_object_mut(), b) {
        a.extend(b);
    }
    a
}

/// `GET /api/v1/topology/:id?window=`.
pub fn topology_page(view: &TopologyView, window: Window, now_secs: u64) -> Value {
    let s = &view.info.summary;
    let mut spouts = Vec::new();
    let mut bolts = Vec::new();
    for (id, def) in &view.topology.components {
        let id = id.to_string();
        let (executors, tasks) = executors_and_tasks(view, &id);
        let stats = view.stats.component(&id, window);
        let errors = last_error_fields(view.info.errors.get(&id), now_secs);
        match def.kind {
            ComponentKind::Spout => spouts.push(merge(
                json!({
                    "spoutId": id,
                    "encodedSpoutId": id,
                    "executors": executors,
                    "tasks": tasks,
                    "emitted": stats.emitted,
                    "transferred": stats.transferred,
                    "completeLatency": fixed3(stats.complete_latency_ms),
                    "acked": stats.acked,
                    "failed": stats.failed,
                }),
                errors,
            )),
            ComponentKind::Bolt => bolts.push(merge(
                json!({
                    "boltId": id,
                    "encodedBoltId": id,
                    "executors": executors,
                    "tasks": tasks,
                    "emitted": stats.emitted,
                    "transferred": stats.transferred,
                    "capacity": fixed3(stats.capacity),
                    "executeLatency": fixed3(stats.execute_latency_ms),
                    "executed": stats.executed,
                    "processLatency": fixed3(stats.process_latency_ms),
                    "acked": stats.acked,
                    "failed": stats.failed,
                }),
                errors,
            )),
        }
    }
    let topology_stats: Vec<Value> = WINDOWS
        .iter()
        .map(|w| window_entry(*w, &view.stats.window(*w)))
        .collect();
    json!({
        "id": s.id,
        "encodedId": s.id,
        "name": s.name,
        "status": s.status,
        "uptime": pretty_uptime(s.uptime_secs),
        "uptimeSeconds": s.uptime_secs,
        "tasksTotal": s.num_tasks,
        "workersTotal": s.num_workers,
        "executorsTotal": s.num_executors,
        "msgTimeout": view.message_timeout_secs(),
        "window": window.key(),
        "windowHint": window.pretty(),
        "schedulerDisplayResource": false,
        "debug": false,
        "statsMeasured": view.stats.measured,
        "statsAgeSecs": view.stats.age_secs,
        "topologyStats": topology_stats,
        "spouts": spouts,
        "bolts": bolts,
        "workers": workers(view),
        "configuration": view.config,
    })
}

/// The worker table: Storm's fields, and each slot's restarts.
fn workers(view: &TopologyView) -> Vec<Value> {
    let s = &view.info.summary;
    view.info
        .workers
        .iter()
        .map(|w| {
            let mut tasks: BTreeMap<&str, u32> = BTreeMap::new();
            for e in view
                .info
                .executors
                .iter()
                .filter(|e| e.port == w.port && e.supervisor == w.supervisor)
            {
                *tasks.entry(e.component.as_str()).or_default() +=
                    e.end_task.saturating_sub(e.start_task) + 1;
            }
            json!({
                "supervisorId": w.supervisor,
                "host": w.host,
                "port": w.port,
                "topologyId": s.id,
                "topologyName": s.name,
                "executorsTotal": w.components.values().sum::<u32>(),
                "componentNumTasks": tasks,
                "workerLogLink": "",
                "restarts": w.restarts,
                "lastRestartReason": w.last_restart_reason,
                "lastRestartTime": w.last_restart_secs,
            })
        })
        .collect()
}

/// `GET /api/v1/topology/:id/component/:component?window=`.
pub fn component_page(
    view: &TopologyView,
    component: &str,
    window: Window,
    now_secs: u64,
) -> Result<Value, ApiError> {
    let s = &view.info.summary;
    let def = view
        .topology
        .component(component)
        .ok_or_else(|| ApiError::UnknownComponent {
            topology: s.id.clone(),
            component: component.to_owned(),
        })?;
    let (executors, tasks) = executors_and_tasks(view, component);
    let errors: Vec<Value> = view
        .info
        .errors
        .get(component)
        .into_iter()
        .flatten()
        .map(|e| {
            json!({
                "errorTime": e.time_secs,
                "errorHost": e.host,
                "errorPort": e.port,
                "error": e.error,
                "errorLapsedSecs": now_secs.saturating_sub(e.time_secs),
                "errorWorkerLogLink": "",
            })
        })
        .collect();
    let stats = view.stats.component(component, window);
    // Storm leaves system streams (`__ack_init`, ...) out unless `sys=1`; declared streams
    // nobody has published numbers for yet read as zero.
    let mut streams = view.stats.streams(component, window);
    streams.retain(|id, _| !id.starts_with("__"));
    for declared in def.streams.keys() {
        streams.entry(declared.to_string()).or_default();
    }
    let output_stats: Vec<Value> = streams
        .into_iter()
        .map(|(stream, st)| {
            json!({
                "stream": stream,
                "emitted": st.emitted,
                "transferred": st.transferred,
            })
        })
        .collect();
    let published = view.stats.executors(component, window);
    let executor_stats: Vec<Value> = view
        .info
        .executors
        .iter()
        .filter(|e| e.component == component)
        .map(|e| {
            let measured = published
                .iter()
                .find(|p| p.start_task == e.start_task && p.end_task == e.end_task);
            let st = measured.map(|p| p.stats.clone()).unwrap_or_default();
            let uptime = measured.map_or(0, |p| p.uptime_secs);
            let id = format!("[{}-{}]", e.start_task, e.end_task);
            json!({
                "id": id,
                "encodedId": id,
                "host": e.host,
                "port": e.port,
                "supervisorId": e.supervisor,
                "uptime": pretty_uptime(uptime),
                "uptimeSeconds": uptime,
                "emitted": st.emitted,
                "transferred": st.transferred,
                "acked": st.acked,
                "failed": st.failed,
                "executed": st.executed,
                "completeLatency": fixed3(st.complete_latency_ms),
                "executeLatency": fixed3(st.execute_latency_ms),
                "processLatency": fixed3(st.process_latency_ms),
                "capacity": fixed3(st.capacity),
                "workerLogLink": "",
            })
        })
        .collect();
    let mut page = json!({
        "id": component,
        "encodedId": component,
        "name": s.name,
        "topologyId": s.id,
        "encodedTopologyId": s.id,
        "topologyStatus": s.status,
        "executors": executors,
        "tasks": tasks,
        "window": window.key(),
        "windowHint": window.pretty(),
        "schedulerDisplayResource": false,
        "debug": false,
        "samplingPct": 10,
        "eventLogLink": "",
        "profilingAndDebuggingCapable": false,
        "profileActionEnabled": false,
        "profilerActive": [],
        "statsMeasured": view.stats.measured,
        "componentErrors": errors,
        "outputStats": output_stats,
        "executorStats": executor_stats,
    });
    let per_window = |f: fn(Window, &WindowStats) -> Value| -> Vec<Value> {
        WINDOWS
            .iter()
            .map(|w| f(*w, &view.stats.component(component, *w)))
            .collect()
    };
    if let Some(map) = page.as_object_mut() {
        match def.kind {
            ComponentKind::Spout => {
                map.insert("componentType".into(), "spout".into());
                map.insert("spoutSummary".into(), per_window(window_entry).into());
            }
            ComponentKind::Bolt => {
                map.insert("componentType".into(), "bolt".into());
                map.insert("boltStats".into(), per_window(bolt_window_entry).into());
                let inputs: Vec<Value> = def
                    .inputs
                    .iter()
                    .map(|sub| {
                        json!({
                            "component": sub.stream.component.to_string(),
                            "encodedComponentId": sub.stream.component.to_string(),
                            "stream": sub.stream.stream.to_string(),
                            "grouping": sub.grouping.name(),
                            "executeLatency": fixed3(stats.execute_latency_ms),
                            "processLatency": fixed3(stats.process_latency_ms),
                            "executed": stats.executed,
                            "acked": stats.acked,
                            "failed": stats.failed,
                        })
                    })
                    .collect();
                map.insert("inputStats".into(), inputs.into());
            }
        }
    }
    Ok(page)
}

/// `GET /api/v1/topology/:id/visualization` (ours, simpler than Storm's): the components with
/// their kind, parallelism and pipeline stage, and each subscription as an edge.
pub fn visualization(view: &TopologyView) -> Value {
    let components: Vec<Value> = view
        .topology
        .components
        .iter()
        .map(|(id, def)| {
            let (executors, tasks) = executors_and_tasks(view, id.as_str());
            json!({
                "id": id.to_string(),
                "type": match def.kind { ComponentKind::Spout => "spout", ComponentKind::Bolt => "bolt" },
                "stage": stage(view, id.as_str(), 0),
                "executors": executors,
                "tasks": tasks,
            })
        })
        .collect();
    let streams: Vec<Value> = view
        .topology
        .components
        .iter()
        .flat_map(|(id, def)| {
            def.inputs.iter().map(move |sub| {
                json!({
                    "from": sub.stream.component.to_string(),
                    "to": id.to_string(),
                    "stream": sub.stream.stream.to_string(),
                    "grouping": sub.grouping.name(),
                })
            })
        })
        .collect();
    json!({ "components": components, "streams": streams })
}

/// A component's pipeline stage: spouts 0, a bolt one more than its furthest input (cycles
/// are cut at the component count).
fn stage(view: &TopologyView, id: &str, depth: usize) -> usize {
    let Some(def) = view.topology.component(id) else {
        return 0;
    };
    if depth > view.topology.components.len() {
        return depth;
    }
    def.inputs
        .iter()
        .map(|s| 1 + stage(view, s.stream.component.as_str(), depth + 1))
        .max()
        .unwrap_or(0)
}

/// The answer to a POST action, as Storm gives it.
pub fn operation(operation: &str, id: &str) -> Value {
    json!({ "topologyOperation": operation, "topologyId": id, "status": "success" })
}

#[cfg(test)]
mod tests;
