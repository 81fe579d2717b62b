//! `HeartbeatCache`: which executors and supervisors Nimbus considers alive (Storm's
//! `HeartbeatCache`).
//!
//! Workers no longer write to ZooKeeper (STORM-145): each supervisor publishes its workers'
//! local heartbeats in its one `/supervisors/<id>` record, and [`worker_heartbeats_of`] reads a
//! topology's out of those records. Heartbeat times are written on other hosts' clocks, so
//! Nimbus remembers, per executor and per supervisor, when *it* saw the reported time change;
//! clock skew between hosts does not matter. An executor is alive while it is young (assigned
//! less than `nimbus.task.launch.secs` ago, or the task timeout if longer) or its heartbeat
//! changed within `nimbus.task.timeout.secs`; a supervisor is alive while its registration
//! changed within `nimbus.supervisor.timeout.secs` (and its ephemeral znode exists at all).
//! Nimbus judges only silence it could have heard: after a spell without reads (ZooKeeper
//! unreachable, leadership just regained) every clock restarts.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use storm_core::{ExecutorInfo, TopologyId};
use storm_zk::{NodePort, SupervisorInfo, WorkerHeartbeat};

#[derive(Debug, Clone, Copy)]
struct Beat {
    reported_secs: u64,
    seen_at: Instant,
}

impl Beat {
    /// A reported time read at `now`, after `previous`: seen anew only when it changed.
    fn observed(previous: Option<Beat>, reported_secs: u64, now: Instant) -> Beat {
        match previous {
            Some(b) if b.reported_secs == reported_secs => b,
            _ => Beat {
                reported_secs,
                seen_at: now,
            },
        }
    }

    fn fresh(&self, now: Instant, timeout: Duration) -> bool {
        now.saturating_duration_since(self.seen_at) < timeout
    }
}

/// Executor and supervisor heartbeats as Nimbus last saw them.
#[derive(Debug, Default)]
pub struct HeartbeatCache {
    beats: BTreeMap<TopologyId, BTreeMap<ExecutorInfo, Beat>>,
    supervisors: BTreeMap<String, Beat>,
    last_read: Option<Instant>,
}

/// The liveness rules' timeouts.
#[derive(Debug, Clone, Copy)]
pub struct Liveness {
    /// `nimbus.task.timeout.secs`.
    pub task_timeout: Duration,
    /// `nimbus.task.launch.secs`.
    pub task_launch: Duration,
    /// `nimbus.supervisor.timeout.secs`.
    pub supervisor_timeout: Duration,
    /// `nimbus.monitor.freq.secs`: reads further apart than twice this mean Nimbus was blind.
    pub monitor_period: Duration,
}

/// One topology's worker heartbeats, by slot, out of the supervisors' records.
pub fn worker_heartbeats_of(
    supervisors: &BTreeMap<String, SupervisorInfo>,
    topology: &TopologyId,
) -> BTreeMap<NodePort, WorkerHeartbeat> {
    supervisors
        .values()
        .flat_map(|s| {
            s.worker_heartbeats
                .iter()
                .filter(|hb| hb.topology_id == *topology)
                .map(|hb| (NodePort::new(s.id.clone(), hb.port), hb.clone()))
        })
        .collect()
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
                let beat = Beat::observed(beats.get(e).copied(), hb.time_secs, now);
                beats.insert(*e, beat);
            }
        }
    }

    /// Records the supervisors' registrations as read at `now` (each round's first read),
    /// forgetting those gone. After more than two monitor periods without a read, every
    /// supervisor's and executor's clock restarts at `now`.
    pub fn update_supervisors(
        &mut self,
        registered: &BTreeMap<String, SupervisorInfo>,
        now: Instant,
        rules: Liveness,
    ) {
        let blind = self
            .last_read
            .is_some_and(|t| now.saturating_duration_since(t) > rules.monitor_period * 2);
        self.last_read = Some(now);
        if blind {
            tracing::info!("no heartbeats read for a while: every liveness clock restarts");
            let all = self.beats.values_mut().flat_map(BTreeMap::values_mut);
            for beat in all.chain(self.supervisors.values_mut()) {
                beat.seen_at = now;
            }
        }
        self.supervisors.retain(|id, _| registered.contains_key(id));
        for (id, info) in registered {
            let beat = Beat::observed(self.supervisors.get(id).copied(), info.time_secs, now);
            self.supervisors.insert(id.clone(), beat);
        }
    }

    /// Whether a registered supervisor still heartbeats at `now` (one never seen is not).
    pub fn is_supervisor_alive(&self, id: &str, now: Instant, rules: Liveness) -> bool {
        self.supervisors
            .get(id)
            .is_some_and(|b| b.fresh(now, rules.supervisor_timeout))
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
            .is_some_and(|b| b.fresh(now, rules.task_timeout))
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
        supervisor_timeout: Duration::from_secs(6),
        monitor_period: Duration::from_secs(2),
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

    fn supervisor(id: &str, time_secs: u64, beats: Vec<WorkerHeartbeat>) -> SupervisorInfo {
        SupervisorInfo {
            id: id.into(),
            hostname: "h".into(),
            ports: vec![6700, 6701],
            used_ports: Vec::new(),
            time_secs,
            uptime_secs: 0,
            version: "t".into(),
            worker_heartbeats: beats,
        }
    }

    #[test]
    fn a_supervisor_whose_record_stops_changing_is_dead_after_its_timeout() {
        let mut cache = HeartbeatCache::default();
        let t0 = Instant::now();
        let at = |s: u64| t0 + Duration::from_secs(s);
        let registered = BTreeMap::from([("s1".to_owned(), supervisor("s1", 100, Vec::new()))]);
        cache.update_supervisors(&registered, at(0), RULES);
        assert!(cache.is_supervisor_alive("s1", at(5), RULES));
        // Rewritten with the same time (its clock stopped, or it is gone): no refresh.
        cache.update_supervisors(&registered, at(4), RULES);
        assert!(!cache.is_supervisor_alive("s1", at(6), RULES));
        // A changed time revives it, whatever its clock says.
        let later = BTreeMap::from([("s1".to_owned(), supervisor("s1", 7, Vec::new()))]);
        cache.update_supervisors(&later, at(7), RULES);
        assert!(cache.is_supervisor_alive("s1", at(12), RULES));
        // Its znode gone: forgotten at once.
        cache.update_supervisors(&BTreeMap::new(), at(8), RULES);
        assert!(!cache.is_supervisor_alive("s1", at(8), RULES));
        assert!(!cache.is_supervisor_alive("never-seen", at(8), RULES));
    }

    #[test]
    fn worker_heartbeats_come_from_the_supervisors_records() {
        let id = TopologyId::new("t-1-1");
        let other = TopologyId::new("u-2-2");
        let hb = |topology: &TopologyId, port: u16| WorkerHeartbeat {
            topology_id: topology.clone(),
            executors: vec![e(u32::from(port))],
            time_secs: 1,
            uptime_secs: 1,
            port,
        };
        let registered = BTreeMap::from([
            (
                "s1".to_owned(),
                supervisor("s1", 1, vec![hb(&id, 6700), hb(&other, 6701)]),
            ),
            ("s2".to_owned(), supervisor("s2", 1, vec![hb(&id, 6701)])),
        ]);
        let beats = worker_heartbeats_of(&registered, &id);
        assert_eq!(
            beats.keys().cloned().collect::<Vec<_>>(),
            vec![NodePort::new("s1", 6700), NodePort::new("s2", 6701)]
        );
        let mut cache = HeartbeatCache::default();
        let t0 = Instant::now();
        cache.update(&id, &beats, t0);
        assert!(cache.is_alive(&id, &e(6701), None, 0, t0 + Duration::from_secs(29), RULES));
        assert!(!cache.is_alive(&id, &e(6701), None, 0, t0 + Duration::from_secs(30), RULES));
    }

    #[test]
    fn silence_nimbus_could_not_hear_does_not_count() {
        let mut cache = HeartbeatCache::default();
        let id = TopologyId::new("t-1-1");
        let t0 = Instant::now();
        let at = |s: u64| t0 + Duration::from_secs(s);
        let registered = BTreeMap::from([("s1".to_owned(), supervisor("s1", 100, Vec::new()))]);
        cache.update_supervisors(&registered, at(0), RULES);
        cache.update(&id, &beat(5), at(0));
        // ZooKeeper unreachable for 20 s: no reads. The first read after it finds the same
        // records (nobody could write), which restarts the clocks rather than condemning all.
        cache.update_supervisors(&registered, at(20), RULES);
        cache.update(&id, &beat(5), at(20));
        assert!(cache.is_supervisor_alive("s1", at(25), RULES));
        assert!(cache.is_alive(&id, &e(1), None, 0, at(49), RULES));
        // Heard silence counts again: reads every 2 s, nothing changes.
        for t in [22, 24, 26] {
            cache.update_supervisors(&registered, at(t), RULES);
        }
        assert!(!cache.is_supervisor_alive("s1", at(26), RULES));
    }
}
