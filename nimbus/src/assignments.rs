//! Nimbus's monitor round (Storm's `mkAssignments` and `doCleanup`): read the supervisors,
//! heartbeats and assignments, schedule every topology that needs it with the
//! [`crate::scheduler`], write the assignments that changed, and clean up after removed
//! topologies.

use std::collections::{BTreeMap, BTreeSet};

use storm_core::{ExecutorInfo, TopologyId};
use storm_zk::{Assignment, NodePort, StormBase};

use crate::core::{NimbusCore, Now};
use crate::scheduler::{self, ScheduleInput};

impl NimbusCore {
    /// Schedules every topology and writes the assignments that changed. `scratch` names a
    /// topology being rebalanced: its current assignment is ignored, so all its slots are free.
    pub async fn mk_assignments(
        &self,
        now: Now,
        scratch: Option<&TopologyId>,
    ) -> Result<(), storm_zk::Error> {
        if !self.is_leader() {
            return Ok(());
        }
        let supervisors = self.state.all_supervisor_info().await?;
        let live_slots: BTreeSet<NodePort> = supervisors
            .values()
            .flat_map(|s| s.ports.iter().map(|p| NodePort::new(s.id.clone(), *p)))
            .collect();
        let mut topologies: Vec<(TopologyId, StormBase, Option<Assignment>)> = Vec::new();
        for id in self.state.active_storms().await? {
            let Some(base) = self.state.storm(&id).await? else {
                continue;
            };
            let existing = self.state.assignment(&id).await?;
            let beats = self.state.worker_heartbeats(&id).await?;
            self.lock_heartbeats().update(&id, &beats, now.instant);
            topologies.push((id, base, existing));
        }

        // Executors alive where they are, per topology, and the slots they hold.
        let mut plans = Vec::new();
        let mut used: BTreeSet<NodePort> = BTreeSet::new();
        for (id, base, existing) in &topologies {
            let record = match self.record(id) {
                Ok(r) => r,
                Err(e) => {
                    tracing::error!(topology = %id, error = %e, "cannot schedule a topology");
                    continue;
                }
            };
            let executors: Vec<ExecutorInfo> = record
                .layout(&base.component_executors)
                .all_executors()
                .into_iter()
                .map(|(_, e)| e)
                .collect();
            let wanted: BTreeSet<ExecutorInfo> = executors.iter().copied().collect();
            let mut alive_assigned: BTreeMap<NodePort, Vec<ExecutorInfo>> = BTreeMap::new();
            if scratch != Some(id) {
                if let Some(a) = existing {
                    let cache = self.lock_heartbeats();
                    for (e, slot) in &a.executor_node_port {
                        let start = a.executor_start_time_secs.get(e).copied();
                        if wanted.contains(e)
                            && live_slots.contains(slot)
                            && cache.is_alive(id, e, start, now.secs, now.instant, self.liveness())
                        {
                            alive_assigned.entry(slot.clone()).or_default().push(*e);
                        }
                    }
                }
            }
            used.extend(alive_assigned.keys().cloned());
            plans.push((id, base, existing, executors, alive_assigned));
        }

        for (id, base, existing, executors, alive_assigned) in plans {
            let input = ScheduleInput {
                executors,
                num_workers: base.num_workers as usize,
                free_slots: live_slots.difference(&used).cloned().collect(),
                alive_assigned,
            };
            let placed: BTreeMap<ExecutorInfo, NodePort> = if scheduler::needs_scheduling(&input) {
                scheduler::schedule(&input)
            } else {
                input
                    .alive_assigned
                    .iter()
                    .flat_map(|(slot, es)| es.iter().map(move |e| (*e, slot.clone())))
                    .collect()
            };
            used.extend(placed.values().cloned());
            let mut assignment = Assignment::new(id.clone());
            for (e, slot) in &placed {
                let kept = existing.as_ref().and_then(|a| {
                    (a.executor_node_port.get(e) == Some(slot) && scratch != Some(id))
                        .then(|| a.executor_start_time_secs.get(e).copied())
                        .flatten()
                });
                assignment
                    .executor_start_time_secs
                    .insert(*e, kept.unwrap_or(now.secs));
                if let Some(s) = supervisors.get(&slot.node) {
                    assignment
                        .node_host
                        .insert(slot.node.clone(), s.hostname.clone());
                }
            }
            assignment.executor_node_port = placed;
            let changed = match existing {
                Some(a) => *a != assignment,
                None => !assignment.executor_node_port.is_empty(),
            };
            if changed {
                self.state.set_assignment(id, &assignment).await?;
                tracing::info!(
                    topology = %id,
                    workers = assignment.workers().len(),
                    executors = assignment.executor_node_port.len(),
                    "assignment written"
                );
            }
        }
        Ok(())
    }

    /// Removes what removed topologies left behind (heartbeats, errors, restarts, files) and expires
    /// idle uploads (Storm's `doCleanup` and inbox cleanup).
    pub async fn cleanup(&self, now: Now) -> Result<(), storm_zk::Error> {
        self.lock_store().expire(now.instant);
        if !self.is_leader() {
            return Ok(());
        }
        let live: BTreeSet<TopologyId> = self.state.active_storms().await?.into_iter().collect();
        for id in self.state.heartbeat_storms().await? {
            if !live.contains(&id) {
                self.state.teardown_heartbeats(&id).await?;
            }
        }
        for id in self.state.error_topologies().await? {
            if !live.contains(&id) {
                self.state.teardown_errors(&id).await?;
            }
        }
        for id in self.state.restart_topologies().await? {
            if !live.contains(&id) {
                self.state.teardown_restarts(&id).await?;
            }
        }
        let stored = self.lock_store().topology_ids();
        for id in stored {
            if !live.contains(id.as_str()) {
                tracing::info!(topology = %id, "deleting the files of a removed topology");
                self.lock_store().remove(&id);
            }
        }
        Ok(())
    }

    /// One monitor round: schedule, then clean up.
    pub async fn monitor(&self, now: Now) {
        if let Err(e) = self.mk_assignments(now, None).await {
            tracing::warn!(error = %e, "scheduling round failed; the next one retries");
        }
        if let Err(e) = self.cleanup(now).await {
            tracing::warn!(error = %e, "cleanup failed; the next round retries");
        }
    }
}
