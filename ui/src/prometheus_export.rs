//! `GET /metrics`: the whole cluster in the Prometheus text format, built with the
//! `prometheus` crate into a fresh registry per scrape (the numbers live in Nimbus and the
//! workers, not here). Labels: `topology` (the name), `component`, `task`, `stream`, and
//! `host`/`port` for workers.

use prometheus::{Encoder, GaugeVec, IntCounterVec, IntGaugeVec, Opts, Registry, TextEncoder};
use storm_client::protocol::ClusterInfo;

use crate::nimbus::TopologyView;
use crate::window::Window;

/// Why the exposition could not be built (a metric defined twice: a bug).
#[derive(Debug, thiserror::Error)]
#[error("building /metrics: {0}")]
pub struct ExportError(#[from] prometheus::Error);

struct Families {
    supervisors: IntGaugeVec,
    slots: IntGaugeVec,
    nimbus_leader: IntGaugeVec,
    topology_status: IntGaugeVec,
    topology_uptime: IntGaugeVec,
    topology_workers: IntGaugeVec,
    topology_executors: IntGaugeVec,
    topology_tasks: IntGaugeVec,
    worker_restarts: IntCounterVec,
    component_errors: IntGaugeVec,
    emitted: IntCounterVec,
    transferred: IntCounterVec,
    acked: IntCounterVec,
    failed: IntCounterVec,
    executed: IntCounterVec,
    complete_latency: GaugeVec,
    execute_latency: GaugeVec,
    process_latency: GaugeVec,
    capacity: GaugeVec,
}

impl Families {
    fn register(registry: &Registry) -> Result<Self, prometheus::Error> {
        fn gauge(
            r: &Registry,
            name: &str,
            help: &str,
            labels: &[&str],
        ) -> Result<IntGaugeVec, prometheus::Error> {
            let g = IntGaugeVec::new(Opts::new(name, help), labels)?;
            r.register(Box::new(g.clone()))?;
            Ok(g)
        }
        fn fgauge(
            r: &Registry,
            name: &str,
            help: &str,
            labels: &[&str],
        ) -> Result<GaugeVec, prometheus::Error> {
            let g = GaugeVec::new(Opts::new(name, help), labels)?;
            r.register(Box::new(g.clone()))?;
            Ok(g)
        }
        fn counter(
            r: &Registry,
            name: &str,
            help: &str,
            labels: &[&str],
        ) -> Result<IntCounterVec, prometheus::Error> {
            let c = IntCounterVec::new(Opts::new(name, help), labels)?;
            r.register(Box::new(c.clone()))?;
            Ok(c)
        }
        let task = ["topology", "component", "task"];
        let stream = ["topology", "component", "task", "stream"];
        let component = ["topology", "component"];
        Ok(Self {
            supervisors: gauge(
                registry,
                "storm_cluster_supervisors",
                "Registered supervisors.",
                &[],
            )?,
            slots: gauge(
                registry,
                "storm_cluster_slots",
                "Worker slots by state (used, free).",
                &["state"],
            )?,
            nimbus_leader: gauge(
                registry,
                "storm_nimbus_leader",
                "1 for the leading Nimbus, 0 for the others.",
                &["host", "port"],
            )?,
            topology_status: gauge(
                registry,
                "storm_topology_status",
                "1 for the topology's status (ACTIVE, INACTIVE, KILLED, REBALANCING).",
                &["topology", "topology_id", "status"],
            )?,
            topology_uptime: gauge(
                registry,
                "storm_topology_uptime_seconds",
                "Seconds since submission.",
                &["topology"],
            )?,
            topology_workers: gauge(
                registry,
                "storm_topology_workers",
                "Assigned worker processes.",
                &["topology"],
            )?,
            topology_executors: gauge(
                registry,
                "storm_topology_executors",
                "Assigned executors.",
                &["topology"],
            )?,
            topology_tasks: gauge(
                registry,
                "storm_topology_tasks",
                "Tasks, system tasks included.",
                &["topology"],
            )?,
            worker_restarts: counter(
                registry,
                "storm_worker_restarts_total",
                "Times a supervisor restarted the worker in this slot.",
                &["topology", "host", "port"],
            )?,
            component_errors: gauge(
                registry,
                "storm_component_recent_errors",
                "Errors kept in ZooKeeper for the component (newest 10).",
                &component,
            )?,
            emitted: counter(
                registry,
                "storm_task_emitted_total",
                "Tuples emitted, all time.",
                &stream,
            )?,
            transferred: counter(
                registry,
                "storm_task_transferred_total",
                "Tuples transferred, all time.",
                &stream,
            )?,
            acked: counter(
                registry,
                "storm_task_acked_total",
                "Tuples acked, all time.",
                &task,
            )?,
            failed: counter(
                registry,
                "storm_task_failed_total",
                "Tuples failed, all time.",
                &task,
            )?,
            executed: counter(
                registry,
                "storm_task_executed_total",
                "Tuples executed, all time.",
                &task,
            )?,
            complete_latency: fgauge(
                registry,
                "storm_component_complete_latency_ms",
                "Spout complete latency over the last 10 minutes, ms.",
                &component,
            )?,
            execute_latency: fgauge(
                registry,
                "storm_component_execute_latency_ms",
                "Bolt execute latency over the last 10 minutes, ms.",
                &component,
            )?,
            process_latency: fgauge(
                registry,
                "storm_component_process_latency_ms",
                "Bolt process latency over the last 10 minutes, ms.",
                &component,
            )?,
            capacity: fgauge(
                registry,
                "storm_component_capacity",
                "Bolt capacity over the last 10 minutes (about 1: add parallelism).",
                &component,
            )?,
        })
    }
}

/// The exposition of the cluster and of each topology that could be read.
pub fn render(cluster: &ClusterInfo, topologies: &[TopologyView]) -> Result<String, ExportError> {
    let registry = Registry::new();
    let f = Families::register(&registry)?;
    f.supervisors
        .with_label_values::<&str>(&[])
        .set(cluster.supervisors.len() as i64);
    let total: u32 = cluster.supervisors.iter().map(|s| s.slots_total).sum();
    let used: u32 = cluster.supervisors.iter().map(|s| s.slots_used).sum();
    f.slots.with_label_values(&["used"]).set(i64::from(used));
    f.slots
        .with_label_values(&["free"])
        .set(i64::from(total.saturating_sub(used)));
    for n in &cluster.nimbuses {
        f.nimbus_leader
            .with_label_values(&[n.host.as_str(), &n.port.to_string()])
            .set(i64::from(n.is_leader));
    }
    for view in topologies {
        let s = &view.info.summary;
        let name = s.name.as_str();
        f.topology_status
            .with_label_values(&[name, s.id.as_str(), s.status.as_str()])
            .set(1);
        f.topology_uptime
            .with_label_values(&[name])
            .set(s.uptime_secs as i64);
        f.topology_workers
            .with_label_values(&[name])
            .set(i64::from(s.num_workers));
        f.topology_executors
            .with_label_values(&[name])
            .set(i64::from(s.num_executors));
        f.topology_tasks
            .with_label_values(&[name])
            .set(i64::from(s.num_tasks));
        for w in &view.info.workers {
            f.worker_restarts
                .with_label_values(&[name, w.host.as_str(), &w.port.to_string()])
                .inc_by(w.restarts);
        }
        for (component, errors) in &view.info.errors {
            f.component_errors
                .with_label_values(&[name, component.as_str()])
                .set(errors.len() as i64);
        }
        for t in &view.stats.tasks {
            let task = t.task.to_string();
            let labels = [name, t.component.as_str(), task.as_str()];
            for (stream, st) in &t.streams {
                let l = [name, t.component.as_str(), task.as_str(), stream.as_str()];
                f.emitted.with_label_values(&l).inc_by(st.emitted);
                f.transferred.with_label_values(&l).inc_by(st.transferred);
            }
            f.acked.with_label_values(&labels).inc_by(t.acked);
            f.failed.with_label_values(&labels).inc_by(t.failed);
            f.executed.with_label_values(&labels).inc_by(t.executed);
        }
        for (id, def) in &view.topology.components {
            let st = view.stats.component(id.as_str(), Window::TenMinutes);
            let l = [name, id.as_str()];
            match def.kind {
                storm_core::topology::ComponentKind::Spout => {
                    f.complete_latency
                        .with_label_values(&l)
                        .set(st.complete_latency_ms);
                }
                storm_core::topology::ComponentKind::Bolt => {
                    f.execute_latency
                        .with_label_values(&l)
                        .set(st.execute_latency_ms);
                    f.process_latency
                        .with_label_values(&l)
                        .set(st.process_latency_ms);
                    f.capacity.with_label_values(&l).set(st.capacity);
                }
            }
        }
    }
    let mut out = Vec::new();
    TextEncoder::new().encode(&registry.gather(), &mut out)?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}
