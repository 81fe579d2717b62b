//! `HeartbeatCache`: which executors Nimbus considers alive (Storm's `HeartbeatCache`).
//!
//! Workers write heartbeats with their own clock; Nimbus remembers, per executor, when *it* saw
//! the reported time change, so clock skew between hosts does not matter. An executor is alive
//! while it is young (assigned less than `nimbus.task.launch.secs` ago, or the task timeout if
//! longer) or its heartbeat changed within `nimbus.task.timeout.secs`.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use storm_core::{ExecutorInfo, TopologyId};
use storm_zk::{NodePort, WorkerHeartbeat};

#[derive(Debug, Clone, Copy)]
struct Beat {
    reported_secs: u64,
    seen_at: Instant,
}

/// Executor heartbeats as Nimbus last saw them.
#[derive(Debug, Default)]
pub struct HeartbeatCache {
    beats: BTreeMap<TopologyId, BTreeMap<ExecutorInfo, Beat>>,
}

/// The liveness rules' timeouts.
#[derive(Debug, Clone, Copy)]
pub struct Liveness {
    /// `nimbus.task.timeout.secs`.
    pub task_timeout: Duration,
    /// `nimbus.task.launch.secs`.
    pub task_launch: Duration,
}

impl HeartbeatCache {
    /// Records a topology's worker heartbeats as read at `now`.
    pub fn update(
        &mut self,
        topology: &TopologyId,
        heartbeats: &BTreeMap<NodePort, WorkerHeartbeat>,
        now: Instant,
    ) {
        let beats = self.beats.entry(topology.clone()).or_default();
        for hb in heartbeats.values() {
            for e in &hb.executors {
                match beats.get_mut(e) {
                    Some(b) if b.reported_secs == hb.time_secs => {}
                    Some(b) => {
                        b.reported_secs = hb.time_secs;
                        b.seen_at = now;
                    }
                    None => {
                        beats.insert(
                            *e,
                            Beat {
                                reported_secs: hb.time_secs,
                                seen_at: now,
                            },
                        );
                    }
                }
            }
        }
    }

    /// Whether an executor assigned at `start_secs` is alive at `now` (`now_secs` on the
    /// same wall clock as `start_secs`).
    pub fn is_alive(
        &self,
        topology: &TopologyId,
        executor: &ExecutorInfo,
        start_secs: Option<u64>,
        now_secs: u64,
        now: Instant,
        rules: Liveness,
    ) -> bool {
        let grace = rules.task_launch.max(rules.task_timeout).as_secs();
        if start_secs.is_some_and(|s| now_secs.saturating_sub(s) < grace) {
            return true;
        }
        self.beats
            .get(topology)
            .and_then(|b| b.get(executor))
            .is_some_and(|b| now.saturating_duration_since(b.seen_at) < rules.task_timeout)
    }

    /// Forgets a topology.
    pub fn remove(&mut self, topology: &TopologyId) {
        self.beats.remove(topology);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use storm_core::TaskId;

    const RULES: Liveness = Liveness {
        task_timeout: Duration::from_secs(30),
        task_launch: Duration::from_secs(120),
    };

    fn e(n: u32) -> ExecutorInfo {
        ExecutorInfo {
            start: TaskId(n),
            end: TaskId(n),
        }
    }

    fn beat(time_secs: u64) -> BTreeMap<NodePort, WorkerHeartbeat> {
        let id = TopologyId::new("t-1-1");
        BTreeMap::from([(
            NodePort::new("s", 6700),
            WorkerHeartbeat {
                topology_id: id,
                executors: vec![e(1)],
                time_secs,
                uptime_secs: 1,
                port: 6700,
            },
        )])
    }

    #[test]
    fn young_executors_are_alive_without_heartbeats() {
        let cache = HeartbeatCache::default();
        let id = TopologyId::new("t-1-1");
        let now = Instant::now();
        assert!(cache.is_alive(&id, &e(1), Some(1000), 1119, now, RULES));
        assert!(!cache.is_alive(&id, &e(1), Some(1000), 1120, now, RULES));
        assert!(!cache.is_alive(&id, &e(1), None, 1000, now, RULES));
    }

    #[test]
    fn a_heartbeat_that_stops_changing_times_out_on_nimbus_clock() {
        let mut cache = HeartbeatCache::default();
        let id = TopologyId::new("t-1-1");
        let t0 = Instant::now();
        cache.update(&id, &beat(5), t0);
        assert!(cache.is_alive(
            &id,
            &e(1),
            Some(0),
            10_000,
            t0 + Duration::from_secs(29),
            RULES
        ));
        // The same reported time again does not refresh it.
        cache.update(&id, &beat(5), t0 + Duration::from_secs(20));
        assert!(!cache.is_alive(
            &id,
            &e(1),
            Some(0),
            10_000,
            t0 + Duration::from_secs(30),
            RULES
        ));
        // A new reported time does, whatever the worker's clock says.
        cache.update(&id, &beat(1), t0 + Duration::from_secs(31));
        assert!(cache.is_alive(
            &id,
            &e(1),
            Some(0),
            10_000,
            t0 + Duration::from_secs(40),
            RULES
        ));
        cache.remove(&id);
        assert!(!cache.is_alive(
            &id,
            &e(1),
            Some(0),
            10_000,
            t0 + Duration::from_secs(40),
            RULES
        ));
    }
}
