//! Nimbus's monitor round (Storm's `mkAssignments` and `doCleanup`): read the supervisors
//! (whose records carry their workers' heartbeats) and assignments, schedule every topology
//! that needs it with the [`crate::scheduler`], write the assignments that changed, and clean
//! up after removed topologies.
//!
//! A supervisor counts as dead when its ephemeral znode is gone or its record stopped changing
//! for `nimbus.supervisor.timeout.secs`; an executor when its heartbeat stopped changing for
//! `nimbus.task.timeout.secs` ([`crate::heartbeats`]). Their executors go to free slots.
//! A rebalanced topology keeps every executor that is alive in a slot the even spread can
//! keep, so only the workers whose executors change are restarted (STORM-588).

use std::collections::{BTreeMap, BTreeSet};

use storm_core::{ExecutorInfo, TopologyId};
use storm_zk::{Assignment, NodePort, StormBase};

use crate::core::{NimbusCore, Now};
use crate::heartbeats::worker_heartbeats_of;
use crate::scheduler::{self, ScheduleInput};

impl NimbusCore {
    /// Schedules every topology and writes the assignments that changed. `rebalanced` names a
    /// topology just rebalanced: it is scheduled even if every executor has a live slot (its
    /// worker count may have shrunk), keeping the executors the even spread allows in place.
    pub async fn mk_assignments(
        &self,
        now: Now,
        rebalanced: Option<&TopologyId>,
    ) -> Result<(), storm_zk::Error> {
        if !self.is_leader() {
            return Ok(());
        }
        let registered = self.state.all_supervisor_info().await?;
        let supervisors: BTreeMap<String, storm_zk::SupervisorInfo> = {
            let mut cache = self.lock_heartbeats();
            cache.update_supervisors(&registered, now.instant, self.liveness());
            registered
                .iter()
                .filter(|(id, _)| {
                    let alive = cache.is_supervisor_alive(id, now.instant, self.liveness());
                    if !alive {
                        tracing::debug!(supervisor = %id, "registered but silent: counted dead");
                    }
                    alive
                })
                .map(|(id, s)| (id.clone(), s.clone()))
                .collect()
        };
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
            let beats = worker_heartbeats_of(&registered, &id);
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
            // Slots where an executor timed out though its supervisor lives: the last resort
            // for placing it again (the supervisor is restarting or has lost that worker).
            let mut suspect: BTreeSet<NodePort> = BTreeSet::new();
            let mut before: BTreeMap<&NodePort, usize> = BTreeMap::new();
            if let Some(a) = existing {
                let cache = self.lock_heartbeats();
                for (e, slot) in &a.executor_node_port {
                    *before.entry(slot).or_default() += 1;
                    let start = a.executor_start_time_secs.get(e).copied();
                    if !wanted.contains(e) || !live_slots.contains(slot) {
                        continue;
                    }
                    if cache.is_alive(id, e, start, now.secs, now.instant, self.liveness()) {
                        alive_assigned.entry(slot.clone()).or_default().push(*e);
                    } else {
                        suspect.insert(slot.clone());
                    }
                }
            }
            let intact: BTreeSet<NodePort> = alive_assigned
                .iter()
                .filter(|(slot, es)| before.get(slot) == Some(&es.len()))
                .map(|(slot, _)| slot.clone())
                .collect();
            suspect.retain(|slot| !alive_assigned.contains_key(slot));
            used.extend(alive_assigned.keys().cloned());
            plans.push((
                id,
                base,
                existing,
                executors,
                alive_assigned,
                intact,
                suspect,
            ));
        }

        for (id, base, existing, executors, alive_assigned, intact, suspect) in plans {
            let num_workers = base.num_workers as usize;
            let mut free_slots: Vec<NodePort> = live_slots
                .difference(&used)
                .filter(|s| !suspect.contains(*s))
                .cloned()
                .collect();
            if free_slots.len() + alive_assigned.len() < num_workers {
                free_slots.extend(suspect.difference(&used).cloned());
            }
            let input = ScheduleInput {
                executors,
                num_workers,
                free_slots,
                alive_assigned,
                intact,
            };
            let placed: BTreeMap<ExecutorInfo, NodePort> =
                if rebalanced == Some(id) || scheduler::needs_scheduling(&input) {
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
                    (a.executor_node_port.get(e) == Some(slot))
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
