//! Nimbus's read-only answers: the topology list and summaries, the cluster's supervisors and
//! Nimbus processes (`getClusterInfo`), and a topology's info with its workers, errors and stats.

use std::collections::BTreeMap;

use storm_client::protocol::{
    ClusterInfo, ExecutorSummary, NimbusSummary, RemoteError, SupervisorSummary, TopologyInfo,
    TopologySummary,
};
use storm_core::topology::ComponentKind;
use storm_core::TopologyId;
use storm_zk::StormBase;

use crate::core::{unavailable, NimbusCore, Now};
use crate::{topology_info, topology_stats};

impl NimbusCore {
    pub(crate) async fn list(&self, now: Now) -> Result<Vec<TopologySummary>, RemoteError> {
        let mut out = Vec::new();
        for id in self.state.active_storms().await.map_err(unavailable)? {
            let Some(base) = self.state.storm(&id).await.map_err(unavailable)? else {
                continue;
            };
            out.push(self.summary(&id, &base, now).await?);
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    pub(crate) async fn summary(
        &self,
        id: &TopologyId,
        base: &StormBase,
        now: Now,
    ) -> Result<TopologySummary, RemoteError> {
        let assignment = self.state.assignment(id).await.map_err(unavailable)?;
        let num_tasks = self
            .record(id)
            .map(|r| r.shape.layout.task_count() as u32)
            .unwrap_or(0);
        Ok(TopologySummary {
            id: id.to_string(),
            name: base.name.clone(),
            status: base.status.name().to_owned(),
            num_tasks,
            num_executors: assignment
                .as_ref()
                .map_or(0, |a| a.executor_node_port.len() as u32),
            num_workers: assignment.as_ref().map_or(0, |a| a.workers().len() as u32),
            uptime_secs: now.secs.saturating_sub(base.launch_time_secs),
        })
    }

    /// Supervisors from `/supervisors`, Nimbus processes from `/nimbuses` (the latch decides
    /// which leads), and the topologies.
    pub(crate) async fn cluster(&self, now: Now) -> Result<ClusterInfo, RemoteError> {
        let supervisors = self
            .state
            .all_supervisor_info()
            .await
            .map_err(unavailable)?
            .into_values()
            .map(|s| SupervisorSummary {
                slots_total: s.ports.len() as u32,
                slots_used: s.used_ports.len() as u32,
                id: s.id,
                host: s.hostname,
                uptime_secs: s.uptime_secs,
                version: s.version,
            })
            .collect();
        let leader = self
            .state
            .leader()
            .await
            .map_err(unavailable)?
            .map(|l| l.id());
        let mut nimbuses: Vec<NimbusSummary> = self
            .state
            .nimbuses()
            .await
            .map_err(unavailable)?
            .into_iter()
            .map(|n| {
                let is_leader = leader.as_deref() == Some(n.id().as_str());
                // Only the answering Nimbus knows its own start; a client reaches the leader.
                let me = is_leader && self.is_leader();
                NimbusSummary {
                    is_leader,
                    uptime_secs: me.then(|| {
                        now.instant
                            .saturating_duration_since(self.started)
                            .as_secs()
                    }),
                    version: me.then(|| env!("CARGO_PKG_VERSION").to_owned()),
                    host: n.host,
                    port: n.port,
                }
            })
            .collect();
        nimbuses.sort_by(|a, b| (&a.host, a.port).cmp(&(&b.host, b.port)));
        Ok(ClusterInfo {
            supervisors,
            nimbuses,
            topologies: self.list(now).await?,
        })
    }

    /// A topology's details, with its stats over `window` only if given, else every window.
    pub(crate) async fn info(
        &self,
        name: &str,
        window: Option<&str>,
        now: Now,
    ) -> Result<TopologyInfo, RemoteError> {
        let (id, base) = self.find(name).await?;
        let summary = self.summary(&id, &base, now).await?;
        let record = self.record(&id)?;
        let assignment = self.state.assignment(&id).await.map_err(unavailable)?;
        let mut executors = Vec::new();
        if let Some(a) = &assignment {
            for (e, slot) in &a.executor_node_port {
                executors.push(ExecutorSummary {
                    component: record
                        .shape
                        .layout
                        .component_of(e.start)
                        .map(ToString::to_string)
                        .unwrap_or_default(),
                    start_task: e.start.0,
                    end_task: e.end.0,
                    supervisor: slot.node.clone(),
                    host: a.node_host.get(&slot.node).cloned().unwrap_or_default(),
                    port: slot.port,
                });
            }
        }
        let restarts = self.state.worker_restarts(&id).await.map_err(unavailable)?;
        let workers = assignment.as_ref().map_or_else(Vec::new, |a| {
            topology_info::worker_summaries(
                a,
                |t| record.shape.layout.component_of(t).map(ToString::to_string),
                &restarts,
            )
        });
        let mut errors = BTreeMap::new();
        for component in record.shape.topology.components.keys() {
            let errs = self
                .state
                .errors(&id, component)
                .await
                .map_err(unavailable)?;
            if !errs.is_empty() {
                errors.insert(
                    component.to_string(),
                    errs.into_iter().map(topology_info::error_summary).collect(),
                );
            }
        }
        let assigned = assignment.as_ref().map(|a| a.workers()).unwrap_or_default();
        let records = self
            .state
            .all_supervisor_stats()
            .await
            .map_err(unavailable)?;
        let stats = topology_stats::topology_stats(
            id.as_str(),
            &records,
            &assigned,
            |c| {
                record
                    .shape
                    .topology
                    .components
                    .get(c)
                    .is_some_and(|d| d.kind == ComponentKind::Spout)
            },
            window,
            now.secs,
        );
        Ok(TopologyInfo {
            summary,
            executors,
            workers,
            errors,
            stats,
        })
    }
}
