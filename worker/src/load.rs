//! `LoadMap`: how loaded each local task is, for load-aware shuffles (Storm's `LoadMapping`).
//!
//! Two figures make a task's load. Its input queue: a batch counts from the moment a link puts
//! it into the task's mailbox until the task returns its credit (mailbox, stash and the batch
//! in hand), over its receive buffer (`topology.executor.receive.buffer.size`). And its
//! thread's busy time: tasks that share an arbiter take turns on it, so a saturated thread
//! can show short queues. A task's load is the larger of the two, 0.0 idle to 1.0 full.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use storm_core::TaskId;

const NOT_LOCAL: u32 = u32::MAX;
/// A remote task's load as its worker last reported it, in millionths; this value: not known.
const UNKNOWN: u32 = u32::MAX;

/// Queued tuples per task and busy time per thread of this worker.
#[derive(Debug)]
pub struct LoadMap {
    queued: Vec<AtomicU32>,
    thread_of: Vec<u32>,
    busy_nanos: Vec<AtomicU64>,
    remote: Vec<AtomicU32>,
    capacity: u32,
}

impl LoadMap {
    /// A map for task ids up to `task_count`; `tasks_by_thread[i]` run on thread `i`.
    pub fn new(task_count: usize, tasks_by_thread: &[&[TaskId]], capacity: u32) -> Self {
        let mut thread_of = vec![NOT_LOCAL; task_count + 1];
        for (thread, tasks) in tasks_by_thread.iter().enumerate() {
            for t in tasks.iter() {
                if let Some(slot) = thread_of.get_mut(t.0 as usize) {
                    *slot = thread as u32;
                }
            }
        }
        Self {
            queued: (0..=task_count).map(|_| AtomicU32::new(0)).collect(),
            thread_of,
            busy_nanos: tasks_by_thread.iter().map(|_| AtomicU64::new(0)).collect(),
            remote: (0..=task_count).map(|_| AtomicU32::new(UNKNOWN)).collect(),
            capacity: capacity.max(1),
        }
    }

    /// `tuples` entered the mailbox of `task`.
    #[inline]
    pub fn delivered(&self, task: TaskId, tuples: usize) {
        if let Some(q) = self.queued.get(task.0 as usize) {
            q.fetch_add(tuples as u32, Ordering::Relaxed);
        }
    }

    /// `task` is done with `tuples`.
    #[inline]
    pub fn processed(&self, task: TaskId, tuples: usize) {
        if let Some(q) = self.queued.get(task.0 as usize) {
            let _ = q.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| {
                Some(v.saturating_sub(tuples as u32))
            });
        }
    }

    /// A task on `thread` worked for `busy`.
    #[inline]
    pub fn add_busy(&self, thread: usize, busy: Duration) {
        if let Some(b) = self.busy_nanos.get(thread) {
            b.fetch_add(busy.as_nanos() as u64, Ordering::Relaxed);
        }
    }

    /// Tuples queued at `task`.
    pub fn queued(&self, task: TaskId) -> u32 {
        self.queued
            .get(task.0 as usize)
            .map_or(0, |q| q.load(Ordering::Relaxed))
    }

    /// The thread of a task of this worker.
    pub fn thread_of(&self, task: TaskId) -> Option<usize> {
        match self.thread_of.get(task.0 as usize) {
            Some(&t) if t != NOT_LOCAL => Some(t as usize),
            _ => None,
        }
    }

    /// How full a local task's input is; for a task in another worker, the load its worker
    /// last reported; `None` when not known.
    pub fn queue_load(&self, task: TaskId) -> Option<f64> {
        if self.thread_of(task).is_none() {
            return self.remote_load(task);
        }
        Some((f64::from(self.queued(task)) / f64::from(self.capacity)).min(1.0))
    }

    /// Records the load another worker reported for one of its tasks (0.0 to 1.0).
    pub fn set_remote_load(&self, task: TaskId, load: f64) {
        if self.thread_of(task).is_some() {
            return;
        }
        if let Some(r) = self.remote.get(task.0 as usize) {
            r.store((load.clamp(0.0, 1.0) * 1e6) as u32, Ordering::Relaxed);
        }
    }

    /// Forgets the reported load of a remote task (its connection is down: it counts as full).
    pub fn forget_remote_load(&self, task: TaskId) {
        if let Some(r) = self.remote.get(task.0 as usize) {
            r.store(UNKNOWN, Ordering::Relaxed);
        }
    }

    fn remote_load(&self, task: TaskId) -> Option<f64> {
        match self.remote.get(task.0 as usize)?.load(Ordering::Relaxed) {
            UNKNOWN => None,
            millionths => Some(f64::from(millionths) / 1e6),
        }
    }

    /// The tasks of this worker.
    pub fn local_tasks(&self) -> impl Iterator<Item = TaskId> + '_ {
        self.thread_of
            .iter()
            .enumerate()
            .filter(|(_, &t)| t != NOT_LOCAL)
            .map(|(i, _)| TaskId(i as u32))
    }

    /// A sampler of the threads' busy time, for one reader.
    pub fn sampler(&self) -> LoadSampler {
        LoadSampler {
            at: Instant::now(),
            busy: self.busy_snapshot(),
            utilization: vec![0.0; self.busy_nanos.len()],
        }
    }

    fn busy_snapshot(&self) -> Vec<u64> {
        self.busy_nanos
            .iter()
            .map(|b| b.load(Ordering::Relaxed))
            .collect()
    }
}

/// One reader's view of how busy each thread was since its previous sample.
#[derive(Debug)]
pub struct LoadSampler {
    at: Instant,
    busy: Vec<u64>,
    utilization: Vec<f64>,
}

impl LoadSampler {
    /// Takes a new sample of the threads' busy time.
    pub fn sample(&mut self, map: &LoadMap, now: Instant) {
        let wall = now.saturating_duration_since(self.at).as_nanos() as f64;
        let busy = map.busy_snapshot();
        if wall > 0.0 {
            for ((u, new), old) in self.utilization.iter_mut().zip(&busy).zip(&self.busy) {
                *u = (new.saturating_sub(*old) as f64 / wall).min(1.0);
            }
        }
        self.busy = busy;
        self.at = now;
    }

    /// The load of a task: the larger of its queue fill and its thread's utilization at the
    /// last sample; `None` for tasks elsewhere.
    pub fn load(&self, map: &LoadMap, task: TaskId) -> Option<f64> {
        let queue = map.queue_load(task)?;
        let thread = map
            .thread_of(task)
            .and_then(|t| self.utilization.get(t).copied())
            .unwrap_or(0.0);
        Some(queue.max(thread))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_load_follows_delivered_and_processed_tuples() {
        let map = LoadMap::new(4, &[&[TaskId(1)], &[TaskId(2)]], 1000);
        assert_eq!(map.queue_load(TaskId(1)), Some(0.0));
        map.delivered(TaskId(1), 500);
        map.delivered(TaskId(1), 300);
        assert_eq!(map.queue_load(TaskId(1)), Some(0.8));
        map.processed(TaskId(1), 500);
        assert_eq!(map.queued(TaskId(1)), 300);
        map.processed(TaskId(1), 900);
        assert_eq!(map.queued(TaskId(1)), 0, "never below zero");
        map.delivered(TaskId(2), 5000);
        assert_eq!(map.queue_load(TaskId(2)), Some(1.0), "capped at full");
        assert_eq!(map.queue_load(TaskId(3)), None, "not in this worker");
        assert_eq!(map.queue_load(TaskId(99)), None);
    }

    #[test]
    fn a_busy_thread_loads_its_tasks_even_with_empty_queues() {
        let map = LoadMap::new(2, &[&[TaskId(1)], &[TaskId(2)]], 1000);
        let mut sampler = map.sampler();
        let start = sampler.at;
        map.add_busy(0, Duration::from_millis(900));
        map.add_busy(1, Duration::from_millis(100));
        sampler.sample(&map, start + Duration::from_secs(1));
        let l1 = sampler.load(&map, TaskId(1)).expect("local");
        let l2 = sampler.load(&map, TaskId(2)).expect("local");
        assert!((l1 - 0.9).abs() < 1e-9, "{l1}");
        assert!((l2 - 0.1).abs() < 1e-9, "{l2}");
        // Nothing since: idle.
        sampler.sample(&map, start + Duration::from_secs(2));
        assert_eq!(sampler.load(&map, TaskId(1)), Some(0.0));
        assert_eq!(sampler.load(&map, TaskId(3)), None);
    }

    #[test]
    fn remote_tasks_take_the_load_their_worker_reported() {
        let map = LoadMap::new(3, &[&[TaskId(1)]], 1000);
        assert_eq!(map.queue_load(TaskId(2)), None, "unknown until reported");
        map.set_remote_load(TaskId(2), 0.25);
        assert_eq!(map.queue_load(TaskId(2)), Some(0.25));
        map.set_remote_load(TaskId(1), 0.9);
        assert_eq!(
            map.queue_load(TaskId(1)),
            Some(0.0),
            "a local task keeps its own figure"
        );
        map.forget_remote_load(TaskId(2));
        assert_eq!(map.queue_load(TaskId(2)), None);
        assert_eq!(map.local_tasks().collect::<Vec<_>>(), vec![TaskId(1)]);
    }
}
