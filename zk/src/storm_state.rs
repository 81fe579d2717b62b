//! `StormClusterState`: the [`ClusterState`] over any [`StateStorage`] (Storm's
//! `StormClusterStateImpl`): records to paths and versioned bytes, in one place for both backends.

use std::collections::BTreeMap;

use storm_core::{ComponentId, TopologyId};
use tracing::debug;

use crate::cluster_state::{BoxFuture, ClusterState, MAX_ERRORS_PER_COMPONENT};
use crate::codec;
use crate::error::Result;
use crate::leadership::Leadership;
use crate::paths;
use crate::records::{
    Assignment, Credentials, ErrorInfo, NimbusInfo, NodePort, RestartReason, StormBase,
    SupervisorInfo, SupervisorStats, WorkerHeartbeat, WorkerRestarts,
};
use crate::storage::StateStorage;
use crate::watch::{ChangeWatch, WatchedDir};

/// The cluster state over a storage backend. Use [`crate::ZkClusterState`] for a cluster and
/// [`crate::MemClusterState`] for local mode and tests.
#[derive(Debug)]
pub struct StormClusterState<S> {
    storage: S,
}

impl<S: StateStorage> StormClusterState<S> {
    /// The cluster state over `storage`.
    pub fn with_storage(storage: S) -> Self {
        Self { storage }
    }

    /// The backend, for backend-specific controls and status.
    pub fn storage(&self) -> &S {
        &self.storage
    }

    async fn read<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<Option<T>> {
        match self.storage.get_data(path).await? {
            Some(bytes) => Ok(Some(codec::decode(path, &bytes)?)),
            None => Ok(None),
        }
    }

    async fn topology_children(&self, dir: &str) -> Result<Vec<TopologyId>> {
        Ok(self
            .storage
            .get_children(dir)
            .await?
            .into_iter()
            .map(TopologyId::from)
            .collect())
    }

    /// Error nodes of a component, oldest first, with their sequence numbers.
    async fn error_nodes(&self, dir: &str) -> Result<Vec<(u64, String)>> {
        let mut nodes: Vec<(u64, String)> = self
            .storage
            .get_children(dir)
            .await?
            .into_iter()
            .filter_map(|name| paths::error_sequence(&name).map(|seq| (seq, name)))
            .collect();
        nodes.sort();
        Ok(nodes)
    }

    async fn do_report_error(
        &self,
        id: &TopologyId,
        component: &ComponentId,
        error: &ErrorInfo,
    ) -> Result<()> {
        let dir = paths::component_errors(id, component.as_str())?;
        let data = codec::encode("ErrorInfo", error)?;
        self.storage
            .create_sequential(&format!("{dir}/{}", paths::ERROR_PREFIX), data)
            .await?;
        let nodes = self.error_nodes(&dir).await?;
        let excess = nodes.len().saturating_sub(MAX_ERRORS_PER_COMPONENT);
        for (_, name) in nodes.into_iter().take(excess) {
            self.storage.delete_node(&format!("{dir}/{name}")).await?;
        }
        Ok(())
    }

    async fn do_errors(&self, id: &TopologyId, component: &ComponentId) -> Result<Vec<ErrorInfo>> {
        let dir = paths::component_errors(id, component.as_str())?;
        let mut out = Vec::new();
        for (_, name) in self.error_nodes(&dir).await?.into_iter().rev() {
            // A node trimmed by a concurrent report is simply skipped.
            if let Some(e) = self.read(&format!("{dir}/{name}")).await? {
                out.push(e);
            }
        }
        Ok(out)
    }

    async fn do_worker_heartbeats(
        &self,
        id: &TopologyId,
    ) -> Result<BTreeMap<NodePort, WorkerHeartbeat>> {
        let dir = paths::workerbeats(id)?;
        let mut out = BTreeMap::new();
        for name in self.storage.get_children(&dir).await? {
            let Some(slot) = paths::parse_node_port(&name) else {
                debug!(%dir, %name, "skipping a heartbeat node that is not <node>-<port>");
                continue;
            };
            if let Some(hb) = self.read(&format!("{dir}/{name}")).await? {
                out.insert(slot, hb);
            }
        }
        Ok(out)
    }

    async fn do_record_restart(
        &self,
        id: &TopologyId,
        slot: &NodePort,
        reason: &RestartReason,
        time_secs: u64,
    ) -> Result<WorkerRestarts> {
        let path = paths::worker_restarts(id, &slot.node, slot.port)?;
        // Only the slot's supervisor writes this node, so reading then writing races nobody.
        let before: Option<WorkerRestarts> = self.read(&path).await?;
        let record = WorkerRestarts {
            count: before.map_or(0, |r| r.count) + 1,
            last_reason: reason.clone(),
            last_time_secs: time_secs,
        };
        let data = codec::encode("WorkerRestarts", &record)?;
        self.storage.set_data(&path, data).await?;
        Ok(record)
    }

    async fn do_worker_restarts(
        &self,
        id: &TopologyId,
    ) -> Result<BTreeMap<NodePort, WorkerRestarts>> {
        let dir = paths::restarts(id)?;
        let mut out = BTreeMap::new();
        for name in self.storage.get_children(&dir).await? {
            let Some(slot) = paths::parse_node_port(&name) else {
                debug!(%dir, %name, "skipping a restart node that is not <node>-<port>");
                continue;
            };
            if let Some(r) = self.read(&format!("{dir}/{name}")).await? {
                out.insert(slot, r);
            }
        }
        Ok(out)
    }

    async fn do_leader(&self) -> Result<Option<NimbusInfo>> {
        let mut latches: Vec<(u64, String)> = self
            .storage
            .get_children(paths::LEADER_LOCK)
            .await?
            .into_iter()
            .filter_map(|name| paths::latch_sequence(&name).map(|seq| (seq, name)))
            .collect();
        latches.sort();
        // The lowest sequence leads; if it vanished between the listing and the read, the next
        // one is the leader now.
        for (_, name) in latches {
            if let Some(info) = self.read(&format!("{}/{name}", paths::LEADER_LOCK)).await? {
                return Ok(Some(info));
            }
        }
        Ok(None)
    }
}

impl<S: StateStorage> ClusterState for StormClusterState<S> {
    fn setup(&self) -> BoxFuture<'_, Result<()>> {
        Box::pin(async move {
            for dir in paths::DIRS {
                self.storage.mkdirs(dir).await?;
            }
            Ok(())
        })
    }

    fn register_supervisor<'a>(&'a self, info: &'a SupervisorInfo) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let path = paths::supervisor(&info.id)?;
            let data = codec::encode("SupervisorInfo", info)?;
            self.storage.set_ephemeral(&path, data).await
        })
    }

    fn unregister_supervisor<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move { self.storage.delete_ephemeral(&paths::supervisor(id)?).await })
    }

    fn supervisor<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<SupervisorInfo>>> {
        Box::pin(async move { self.read(&paths::supervisor(id)?).await })
    }

    fn supervisors(&self) -> BoxFuture<'_, Result<Vec<String>>> {
        Box::pin(self.storage.get_children(paths::SUPERVISORS))
    }

    fn all_supervisor_info(&self) -> BoxFuture<'_, Result<BTreeMap<String, SupervisorInfo>>> {
        Box::pin(async move {
            let mut out = BTreeMap::new();
            for id in self.storage.get_children(paths::SUPERVISORS).await? {
                if let Some(info) = self.read(&paths::supervisor(&id)?).await? {
                    out.insert(id, info);
                }
            }
            Ok(out)
        })
    }

    fn watch_supervisors(&self) -> ChangeWatch {
        self.storage.subscribe(WatchedDir::Supervisors)
    }

    fn set_assignment<'a>(
        &'a self,
        id: &'a TopologyId,
        assignment: &'a Assignment,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let data = codec::encode("Assignment", assignment)?;
            self.storage.set_data(&paths::assignment(id)?, data).await
        })
    }

    fn assignment<'a>(&'a self, id: &'a TopologyId) -> BoxFuture<'a, Result<Option<Assignment>>> {
        Box::pin(async move { self.read(&paths::assignment(id)?).await })
    }

    fn remove_assignment<'a>(&'a self, id: &'a TopologyId) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move { self.storage.delete_node(&paths::assignment(id)?).await })
    }

    fn assignments(&self) -> BoxFuture<'_, Result<Vec<TopologyId>>> {
        Box::pin(self.topology_children(paths::ASSIGNMENTS))
    }

    fn watch_assignments(&self) -> ChangeWatch {
        self.storage.subscribe(WatchedDir::Assignments)
    }

    fn set_storm<'a>(
        &'a self,
        id: &'a TopologyId,
        base: &'a StormBase,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let data = codec::encode("StormBase", base)?;
            self.storage.set_data(&paths::storm(id)?, data).await
        })
    }

    fn storm<'a>(&'a self, id: &'a TopologyId) -> BoxFuture<'a, Result<Option<StormBase>>> {
        Box::pin(async move { self.read(&paths::storm(id)?).await })
    }

    fn remove_storm<'a>(&'a self, id: &'a TopologyId) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move { self.storage.delete_node(&paths::storm(id)?).await })
    }

    fn set_credentials<'a>(
        &'a self,
        id: &'a TopologyId,
        credentials: &'a Credentials,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let data = codec::encode("Credentials", credentials)?;
            self.storage.set_data(&paths::credentials(id)?, data).await
        })
    }

    fn credentials<'a>(&'a self, id: &'a TopologyId) -> BoxFuture<'a, Result<Option<Credentials>>> {
        Box::pin(async move { self.read(&paths::credentials(id)?).await })
    }

    fn remove_credentials<'a>(&'a self, id: &'a TopologyId) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move { self.storage.delete_node(&paths::credentials(id)?).await })
    }

    fn active_storms(&self) -> BoxFuture<'_, Result<Vec<TopologyId>>> {
        Box::pin(self.topology_children(paths::STORMS))
    }

    fn watch_storms(&self) -> ChangeWatch {
        self.storage.subscribe(WatchedDir::Storms)
    }

    fn set_worker_heartbeat<'a>(
        &'a self,
        id: &'a TopologyId,
        slot: &'a NodePort,
        heartbeat: &'a WorkerHeartbeat,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let path = paths::workerbeat(id, &slot.node, slot.port)?;
            let data = codec::encode("WorkerHeartbeat", heartbeat)?;
            self.storage.set_data(&path, data).await
        })
    }

    fn worker_heartbeat<'a>(
        &'a self,
        id: &'a TopologyId,
        slot: &'a NodePort,
    ) -> BoxFuture<'a, Result<Option<WorkerHeartbeat>>> {
        Box::pin(async move {
            self.read(&paths::workerbeat(id, &slot.node, slot.port)?)
                .await
        })
    }

    fn worker_heartbeats<'a>(
        &'a self,
        id: &'a TopologyId,
    ) -> BoxFuture<'a, Result<BTreeMap<NodePort, WorkerHeartbeat>>> {
        Box::pin(self.do_worker_heartbeats(id))
    }

    fn remove_worker_heartbeat<'a>(
        &'a self,
        id: &'a TopologyId,
        slot: &'a NodePort,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            self.storage
                .delete_node(&paths::workerbeat(id, &slot.node, slot.port)?)
                .await
        })
    }

    fn teardown_heartbeats<'a>(&'a self, id: &'a TopologyId) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move { self.storage.delete_node(&paths::workerbeats(id)?).await })
    }

    fn heartbeat_storms(&self) -> BoxFuture<'_, Result<Vec<TopologyId>>> {
        Box::pin(self.topology_children(paths::WORKERBEATS))
    }

    fn report_error<'a>(
        &'a self,
        id: &'a TopologyId,
        component: &'a ComponentId,
        error: &'a ErrorInfo,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(self.do_report_error(id, component, error))
    }

    fn errors<'a>(
        &'a self,
        id: &'a TopologyId,
        component: &'a ComponentId,
    ) -> BoxFuture<'a, Result<Vec<ErrorInfo>>> {
        Box::pin(self.do_errors(id, component))
    }

    fn last_error<'a>(
        &'a self,
        id: &'a TopologyId,
        component: &'a ComponentId,
    ) -> BoxFuture<'a, Result<Option<ErrorInfo>>> {
        Box::pin(async move {
            let dir = paths::component_errors(id, component.as_str())?;
            for (_, name) in self.error_nodes(&dir).await?.into_iter().rev() {
                if let Some(e) = self.read(&format!("{dir}/{name}")).await? {
                    return Ok(Some(e));
                }
            }
            Ok(None)
        })
    }

    fn teardown_errors<'a>(&'a self, id: &'a TopologyId) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move { self.storage.delete_node(&paths::errors(id)?).await })
    }

    fn error_topologies(&self) -> BoxFuture<'_, Result<Vec<TopologyId>>> {
        Box::pin(self.topology_children(paths::ERRORS))
    }

    fn set_supervisor_stats<'a>(
        &'a self,
        id: &'a str,
        stats: &'a SupervisorStats,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let path = paths::supervisor_stats(id)?;
            let data = codec::encode("SupervisorStats", stats)?;
            self.storage.set_ephemeral(&path, data).await
        })
    }

    fn all_supervisor_stats(&self) -> BoxFuture<'_, Result<BTreeMap<String, SupervisorStats>>> {
        Box::pin(async move {
            let mut out = BTreeMap::new();
            for id in self.storage.get_children(paths::STATS).await? {
                if let Some(stats) = self.read(&paths::supervisor_stats(&id)?).await? {
                    out.insert(id, stats);
                }
            }
            Ok(out)
        })
    }

    fn record_restart<'a>(
        &'a self,
        id: &'a TopologyId,
        slot: &'a NodePort,
        reason: &'a RestartReason,
        time_secs: u64,
    ) -> BoxFuture<'a, Result<WorkerRestarts>> {
        Box::pin(self.do_record_restart(id, slot, reason, time_secs))
    }

    fn worker_restarts<'a>(
        &'a self,
        id: &'a TopologyId,
    ) -> BoxFuture<'a, Result<BTreeMap<NodePort, WorkerRestarts>>> {
        Box::pin(self.do_worker_restarts(id))
    }

    fn teardown_restarts<'a>(&'a self, id: &'a TopologyId) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move { self.storage.delete_node(&paths::restarts(id)?).await })
    }

    fn restart_topologies(&self) -> BoxFuture<'_, Result<Vec<TopologyId>>> {
        Box::pin(self.topology_children(paths::RESTARTS))
    }

    fn register_nimbus<'a>(&'a self, info: &'a NimbusInfo) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let path = paths::nimbus(&info.host, info.port)?;
            let data = codec::encode("NimbusInfo", info)?;
            self.storage.set_ephemeral(&path, data).await
        })
    }

    fn unregister_nimbus<'a>(&'a self, info: &'a NimbusInfo) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            self.storage
                .delete_ephemeral(&paths::nimbus(&info.host, info.port)?)
                .await
        })
    }

    fn nimbuses(&self) -> BoxFuture<'_, Result<Vec<NimbusInfo>>> {
        Box::pin(async move {
            let mut out = Vec::new();
            for name in self.storage.get_children(paths::NIMBUSES).await? {
                if let Some(info) = self.read(&format!("{}/{name}", paths::NIMBUSES)).await? {
                    out.push(info);
                }
            }
            Ok(out)
        })
    }

    fn contend_leadership<'a>(&'a self, info: &'a NimbusInfo) -> BoxFuture<'a, Result<Leadership>> {
        Box::pin(async move {
            let leader = NimbusInfo {
                is_leader: true,
                ..info.clone()
            };
            let data = codec::encode("NimbusInfo", &leader)?;
            self.storage.contend_leadership(data).await
        })
    }

    fn leader(&self) -> BoxFuture<'_, Result<Option<NimbusInfo>>> {
        Box::pin(self.do_leader())
    }
}
