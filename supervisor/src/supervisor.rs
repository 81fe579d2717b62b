//! `Supervisor`: the actix actor that runs one node's worker slots (Storm's `Supervisor`,
//! `ReadClusterState` and `Slot` loop).
//!
//! It registers itself under `/supervisors/<id>` (ephemeral, rewritten every
//! `supervisor.heartbeat.frequency.secs` with its workers' local heartbeats, which is how
//! Nimbus learns that executors live: one write per supervisor, STORM-145), reads the
//! assignments when they change and every `supervisor.monitor.frequency.secs`, and steps each
//! port's [`Slot`]: downloading artifacts from Nimbus, launching workers, restarting those that
//! die (seen within [`WORKER_EXIT_POLL`], not at the next round) or stop heartbeating, killing
//! those no longer assigned and deleting what they leave behind. When ZooKeeper cannot be
//! read it keeps the last assignments it knew, so an outage kills no worker.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;
use storm_client::config::WORKER_EXIT_POLL;
use storm_client::protocol::TopologyDist;
use storm_client::DaemonConfig;
use storm_core::TopologyId;
use storm_zk::{ClusterState, SupervisorInfo, SupervisorStats};

use crate::launcher::{remove_worker_dir, LaunchSpec, WorkerProcess};
use storm_client::launch::{now_secs, LocalHeartbeat};
use storm_client::local_stats::read_local_stats;

use crate::local_state::LocalState;
use crate::localizer;
use crate::restarts;
use crate::slot::{
    LocalAssignment, Observation, Slot, SlotAction, SlotState, SlotTimeouts, WorkerObservation,
};

enum Artifact {
    Downloading,
    Ready(Arc<TopologyDist>),
    Failed,
}

/// The supervisor actor.
pub struct Supervisor {
    config: DaemonConfig,
    conf_json: String,
    id: String,
    local: LocalState,
    state: Arc<dyn ClusterState>,
    slots: BTreeMap<u16, Slot>,
    workers: BTreeMap<String, WorkerProcess>,
    desired: BTreeMap<u16, LocalAssignment>,
    artifacts: BTreeMap<TopologyId, Artifact>,
    timeouts: SlotTimeouts,
    started: Instant,
    syncing: bool,
}

impl Supervisor {
    /// A supervisor with id `id` over `state`; `config.local_dir` must be absolute.
    pub fn new(config: DaemonConfig, id: String, state: Arc<dyn ClusterState>) -> Self {
        let local = LocalState::new(&config.local_dir);
        let slots = config
            .supervisor_slots_ports
            .iter()
            .map(|p| (*p, Slot::new(*p)))
            .collect();
        let timeouts = SlotTimeouts {
            worker_start: config.supervisor_worker_start_timeout,
            worker: config.supervisor_worker_timeout,
            shutdown_sleep: config.supervisor_worker_shutdown_sleep,
        };
        Self {
            // Workers run the author's code: they get no Nimbus credentials.
            conf_json: config.without_client_credentials().to_json(),
            config,
            id,
            local,
            state,
            slots,
            workers: BTreeMap::new(),
            desired: BTreeMap::new(),
            artifacts: BTreeMap::new(),
            timeouts,
            started: Instant::now(),
            syncing: false,
        }
    }

    fn info(&self) -> SupervisorInfo {
        SupervisorInfo {
            id: self.id.clone(),
            hostname: self.config.hostname.clone(),
            ports: self.config.supervisor_slots_ports.clone(),
            used_ports: self
                .slots
                .values()
                .filter(|s| s.state.worker_id().is_some())
                .map(|s| s.port)
                .collect(),
            time_secs: now_secs(),
            uptime_secs: self.started.elapsed().as_secs(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            worker_heartbeats: self.worker_heartbeats(),
        }
    }

    /// The local heartbeats of the workers running in the slots, for Nimbus. A worker being
    /// killed no longer speaks for its executors (they may already be assigned elsewhere).
    fn worker_heartbeats(&self) -> Vec<storm_zk::WorkerHeartbeat> {
        self.slots
            .values()
            .filter(|s| !matches!(s.state, SlotState::Killing { .. }))
            .filter_map(|s| s.state.worker_id())
            .filter(|id| self.workers.contains_key(*id))
            .filter_map(|id| LocalHeartbeat::read(&self.local.worker_dir(id)))
            .map(|hb| hb.to_worker_heartbeat())
            .collect()
    }

    /// The stats the running workers last handed over, for Nimbus (as for heartbeats, a
    /// worker being killed no longer speaks).
    fn worker_stats(&self) -> SupervisorStats {
        SupervisorStats {
            host: self.config.hostname.clone(),
            time_secs: now_secs(),
            workers: self
                .slots
                .values()
                .filter(|s| !matches!(s.state, SlotState::Killing { .. }))
                .filter_map(|s| s.state.worker_id())
                .filter(|id| self.workers.contains_key(*id))
                .filter_map(|id| read_local_stats(&self.local.worker_dir(id)))
                .collect(),
        }
    }

    /// Whether a starting worker has written its first local heartbeat.
    fn any_worker_started(&self) -> bool {
        self.slots.values().any(|s| match &s.state {
            SlotState::WaitingForWorkerStart { worker_id, .. } => {
                LocalHeartbeat::read(&self.local.worker_dir(worker_id)).is_some()
            }
            _ => false,
        })
    }

    /// Whether a worker process has exited since it was last looked at.
    fn any_worker_exited(&mut self) -> bool {
        // Every worker is checked (and reaped), not just the first that exited.
        let mut seen = false;
        for w in self.workers.values_mut() {
            seen |= w.has_exited();
        }
        seen
    }

    fn observe_worker(&mut self, worker_id: Option<&str>) -> WorkerObservation {
        let Some(id) = worker_id else {
            return WorkerObservation::Gone;
        };
        let Some(worker) = self.workers.get_mut(id) else {
            return WorkerObservation::Gone;
        };
        if worker.has_exited() {
            return WorkerObservation::Exited;
        }
        let heartbeat_age = LocalHeartbeat::read(&self.local.worker_dir(id))
            .map(|hb| Duration::from_secs(now_secs().saturating_sub(hb.time_secs)));
        WorkerObservation::Running { heartbeat_age }
    }

    /// Steps every slot once and carries out the actions.
    fn step_slots(&mut self, ctx: &mut Context<Self>) {
        let ports: Vec<u16> = self.slots.keys().copied().collect();
        let mut started = false;
        for port in ports {
            let Some(slot) = self.slots.remove(&port) else {
                continue;
            };
            let desired = self.desired.get(&port).cloned();
            let artifact_ready = desired.as_ref().is_some_and(|a| {
                matches!(self.artifacts.get(&a.topology_id), Some(Artifact::Ready(_)))
            });
            let worker = self.observe_worker(slot.state.worker_id());
            let before = slot.state.name();
            let obs = Observation {
                now: Instant::now(),
                desired,
                artifact_ready,
                worker,
            };
            let (slot, actions) = slot.step(&obs, &self.timeouts);
            if slot.state.name() != before {
                tracing::info!(port, from = before, to = slot.state.name(), "slot");
                started |= matches!(slot.state, SlotState::Running { .. });
            }
            for action in actions {
                self.perform(port, action, ctx);
            }
            self.slots.insert(port, slot);
        }
        self.forget_unused_artifacts();
        if started {
            // Tell Nimbus at once that a worker runs, rather than at the next heartbeat.
            self.heartbeat(ctx);
        }
    }

    fn perform(&mut self, port: u16, action: SlotAction, ctx: &mut Context<Self>) {
        match action {
            SlotAction::RequestArtifact(topology_id) => {
                if matches!(
                    self.artifacts.get(&topology_id),
                    Some(Artifact::Downloading | Artifact::Ready(_))
                ) {
                    return;
                }
                self.artifacts
                    .insert(topology_id.clone(), Artifact::Downloading);
                let fut = localizer::download(
                    self.config.clone(),
                    self.state.clone(),
                    self.local.clone(),
                    topology_id.clone(),
                );
                ctx.spawn(fut.into_actor(self).map(move |result, act, ctx| {
                    let entry = match result {
                        Ok(dist) => {
                            tracing::info!(topology = %topology_id, "artifact downloaded and verified");
                            Artifact::Ready(Arc::new(dist))
                        }
                        Err(e) => {
                            tracing::warn!(topology = %topology_id, error = %e, "artifact download failed; retrying");
                            Artifact::Failed
                        }
                    };
                    act.artifacts.insert(topology_id, entry);
                    act.step_slots(ctx);
                }));
            }
            SlotAction::Launch {
                worker_id,
                assignment,
            } => {
                let Some(Artifact::Ready(dist)) = self.artifacts.get(&assignment.topology_id)
                else {
                    return;
                };
                let dist = dist.clone();
                let spec = LaunchSpec {
                    worker_id: &worker_id,
                    topology_id: &assignment.topology_id,
                    port,
                    supervisor_id: &self.id,
                    args: &dist.args,
                    conf_json: &self.conf_json,
                };
                match WorkerProcess::launch(&self.local, &spec) {
                    Ok(w) => {
                        self.workers.insert(worker_id, w);
                    }
                    Err(e) => {
                        tracing::error!(worker = %worker_id, error = %e, "cannot launch a worker")
                    }
                }
            }
            SlotAction::Kill { worker_id, force } => {
                if let Some(w) = self.workers.get_mut(&worker_id) {
                    tracing::info!(worker = %worker_id, pid = w.pid(), force, "killing worker");
                    w.signal(force);
                }
            }
            SlotAction::WorkerFailed {
                worker_id,
                topology_id,
                cause,
            } => {
                let exit = self
                    .workers
                    .get_mut(&worker_id)
                    .and_then(WorkerProcess::exit_status);
                let reason = restarts::restart_reason(cause, exit);
                tracing::warn!(worker = %worker_id, topology = %topology_id, port, %reason, "restarting worker");
                let slot = storm_zk::NodePort::new(self.id.clone(), port);
                let record =
                    restarts::record_restart(self.state.clone(), topology_id, slot, reason);
                ctx.spawn(record.into_actor(self));
            }
            SlotAction::Cleanup { worker_id } => {
                self.workers.remove(&worker_id);
                remove_worker_dir(&self.local.worker_dir(&worker_id));
                tracing::info!(worker = %worker_id, "worker cleaned up");
            }
        }
    }

    fn forget_unused_artifacts(&mut self) {
        let mut needed: BTreeSet<TopologyId> = self
            .desired
            .values()
            .map(|a| a.topology_id.clone())
            .collect();
        for slot in self.slots.values() {
            if let crate::slot::SlotState::WaitingForWorkerStart { assignment, .. }
            | crate::slot::SlotState::Running { assignment, .. }
            | crate::slot::SlotState::WaitingForArtifact { assignment } = &slot.state
            {
                needed.insert(assignment.topology_id.clone());
            }
        }
        let unused: Vec<TopologyId> = self
            .artifacts
            .iter()
            .filter(|(id, a)| !needed.contains(*id) && !matches!(a, Artifact::Downloading))
            .map(|(id, _)| id.clone())
            .collect();
        for id in unused {
            self.artifacts.remove(&id);
            let dir = self.local.dist_dir(id.as_str());
            if let Err(e) = std::fs::remove_dir_all(&dir) {
                if e.kind() != std::io::ErrorKind::NotFound {
                    tracing::warn!(dir = %dir.display(), error = %e, "cannot delete a topology's files");
                }
            } else {
                tracing::info!(topology = %id, "deleted the files of a topology no longer assigned here");
            }
        }
    }

    fn heartbeat(&mut self, ctx: &mut Context<Self>) {
        let state = self.state.clone();
        let info = self.info();
        let stats = self.worker_stats();
        let local = self.local.clone();
        ctx.spawn(
            async move {
                match state.register_supervisor(&info).await {
                    Ok(()) => local.touch_heartbeat(info.time_secs),
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot refresh the supervisor registration")
                    }
                }
                // Its own znode, so the stats' bytes do not fan out to every daemon and worker
                // watching /supervisors.
                if let Err(e) = state.set_supervisor_stats(&info.id, &stats).await {
                    tracing::warn!(error = %e, "cannot publish the workers' stats");
                }
            }
            .into_actor(self),
        );
    }
}

/// The executors Nimbus assigned to each of this supervisor's ports.
pub fn local_assignments(
    supervisor_id: &str,
    assignments: &BTreeMap<TopologyId, storm_zk::Assignment>,
) -> BTreeMap<u16, LocalAssignment> {
    let mut out: BTreeMap<u16, LocalAssignment> = BTreeMap::new();
    for (id, a) in assignments {
        for (e, slot) in &a.executor_node_port {
            if slot.node != supervisor_id {
                continue;
            }
            let local = out.entry(slot.port).or_insert_with(|| LocalAssignment {
                topology_id: id.clone(),
                executors: Vec::new(),
            });
            if local.topology_id == *id {
                local.executors.push(*e);
            } else {
                tracing::error!(port = slot.port, first = %local.topology_id, second = %id, "two topologies assigned to one slot; keeping the first");
            }
        }
    }
    for a in out.values_mut() {
        a.executors.sort();
    }
    out
}

impl Actor for Supervisor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        self.heartbeat(ctx);
        ctx.run_interval(self.config.supervisor_heartbeat_freq, |act, ctx| {
            act.heartbeat(ctx)
        });
        ctx.notify(Sync);
        ctx.run_interval(self.config.supervisor_monitor_freq, |_, ctx| {
            ctx.notify(Sync)
        });
        // A worker that exits is relaunched at once, with the assignments last read; one
        // that starts is reported at once.
        ctx.run_interval(WORKER_EXIT_POLL, |act, ctx| {
            if act.any_worker_exited() || act.any_worker_started() {
                act.step_slots(ctx);
            }
        });
        let mut watch = self.state.watch_assignments();
        let me = ctx.address();
        ctx.spawn(
            async move {
                while watch.changed().await.is_ok() {
                    me.do_send(Sync);
                }
            }
            .into_actor(self),
        );
    }
}

/// Re-read the assignments and step the slots.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Sync;

impl Handler<Sync> for Supervisor {
    type Result = ();

    fn handle(&mut self, _msg: Sync, ctx: &mut Self::Context) {
        if self.syncing {
            return;
        }
        self.syncing = true;
        let state = self.state.clone();
        let fut = async move {
            let mut all = BTreeMap::new();
            for id in state.assignments().await? {
                if let Some(a) = state.assignment(&id).await? {
                    all.insert(id, a);
                }
            }
            Ok::<_, storm_zk::Error>(all)
        };
        ctx.spawn(fut.into_actor(self).map(|result, act, ctx| {
            act.syncing = false;
            match result {
                Ok(all) => act.desired = local_assignments(&act.id, &all),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot read assignments; keeping the last known")
                }
            }
            act.step_slots(ctx);
        }));
    }
}

/// Stop every worker and the supervisor.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Shutdown;

impl Handler<Shutdown> for Supervisor {
    type Result = ();

    fn handle(&mut self, _msg: Shutdown, ctx: &mut Self::Context) {
        for w in self.workers.values_mut() {
            w.signal(false);
        }
        let deadline = Instant::now() + self.timeouts.shutdown_sleep;
        while Instant::now() < deadline && self.workers.values_mut().any(|w| !w.has_exited()) {
            std::thread::sleep(Duration::from_millis(50));
        }
        for (id, w) in std::mem::take(&mut self.workers) {
            drop(w);
            remove_worker_dir(&self.local.worker_dir(&id));
        }
        ctx.stop();
    }
}

/// The supervisor's id and the ports it runs.
#[derive(Message)]
#[rtype(result = "SupervisorStatus")]
pub struct GetStatus;

/// What [`GetStatus`] answers.
#[derive(Debug, Clone, MessageResponse)]
pub struct SupervisorStatus {
    /// The supervisor's id.
    pub id: String,
    /// Each port's slot state name.
    pub slots: BTreeMap<u16, &'static str>,
    /// Each running worker's process id.
    pub worker_pids: BTreeMap<String, u32>,
}

impl Handler<GetStatus> for Supervisor {
    type Result = SupervisorStatus;

    fn handle(&mut self, _msg: GetStatus, _ctx: &mut Self::Context) -> SupervisorStatus {
        SupervisorStatus {
            id: self.id.clone(),
            slots: self
                .slots
                .iter()
                .map(|(p, s)| (*p, s.state.name()))
                .collect(),
            worker_pids: self
                .workers
                .iter()
                .map(|(id, w)| (id.clone(), w.pid()))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use storm_core::{ExecutorInfo, TaskId};
    use storm_zk::{Assignment, NodePort};

    #[test]
    fn local_assignments_group_this_supervisors_executors_by_port() {
        let e = |n: u32| ExecutorInfo {
            start: TaskId(n),
            end: TaskId(n),
        };
        let id = TopologyId::new("t-1-1");
        let mut a = Assignment::new(id.clone());
        a.executor_node_port.insert(e(3), NodePort::new("me", 6700));
        a.executor_node_port.insert(e(1), NodePort::new("me", 6700));
        a.executor_node_port
            .insert(e(2), NodePort::new("other", 6700));
        a.executor_node_port.insert(e(4), NodePort::new("me", 6701));
        let local = local_assignments("me", &BTreeMap::from([(id.clone(), a)]));
        assert_eq!(local.len(), 2);
        assert_eq!(local[&6700].executors, vec![e(1), e(3)]);
        assert_eq!(local[&6701].executors, vec![e(4)]);
        assert_eq!(local[&6700].topology_id, id);
    }
}
