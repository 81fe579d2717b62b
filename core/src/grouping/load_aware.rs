//! Load-aware shuffle: Storm's default `LoadAwareShuffleGrouping`, with one more locality
//! level. Targets are ranked by how near they are to the emitter: on the emitter's own thread
//! (the actor system's arbiter), in its worker, anywhere. The grouping shuffles over the
//! nearest scope while it keeps up; it widens when that scope is loaded above
//! `topology.localityaware.higher.bound` while the wider targets idle (below
//! `topology.localityaware.lower.bound`), and narrows again once the nearer targets are below
//! the lower bound. Within the scope, tasks are drawn round-robin from a shuffled ring in which
//! each task's share follows its weight, and weights follow load as in Storm: the least loaded
//! tasks gain, the others lose.
//!
//! A tuple that stays on its thread costs no cross-core cache traffic and no cross-thread
//! free, which is what keeps a saturated pipeline per core fast.

use crate::ids::TaskId;
use crate::util::SplitMix64;

/// How near a target is to the emitter, narrowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Locality {
    /// On the emitter's thread.
    Thread = 0,
    /// In the emitter's worker process.
    Worker = 1,
    /// Anywhere in the cluster.
    Everywhere = 2,
}

const SCOPES: [Locality; 3] = [Locality::Thread, Locality::Worker, Locality::Everywhere];
/// A task's weight when it keeps up (Storm's `MAX_WEIGHT`).
const MAX_WEIGHT: u32 = 100;
/// Storm's ring size floor and entries per target.
const MIN_RING: usize = 1000;
const RING_PER_TARGET: usize = 5;

/// Storm's `topology.localityaware.{lower,higher}.bound`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoadBounds {
    /// Narrow the scope when the narrower targets' mean load is below this.
    pub lower: f64,
    /// Widen the scope when the targets in scope are loaded above this.
    pub higher: f64,
}

impl Default for LoadBounds {
    fn default() -> Self {
        Self {
            lower: 0.2,
            higher: 0.8,
        }
    }
}

/// One target and its weight.
#[derive(Debug, Clone)]
struct Target {
    task: TaskId,
    locality: Locality,
    weight: u32,
}

/// A running load-aware shuffle for one (emitter, stream, subscriber).
#[derive(Debug)]
pub struct LoadAwareShuffleGrouper {
    targets: Vec<Target>,
    scope: Locality,
    ring: Vec<TaskId>,
    position: usize,
    rng: SplitMix64,
    bounds: LoadBounds,
}

impl LoadAwareShuffleGrouper {
    /// A grouper over `targets`; `thread_tasks` and `worker_tasks` say which are near.
    pub fn new(
        targets: &[TaskId],
        thread_tasks: &[TaskId],
        worker_tasks: &[TaskId],
        seed: u64,
        bounds: LoadBounds,
    ) -> Self {
        let targets: Vec<Target> = targets
            .iter()
            .map(|&task| Target {
                task,
                locality: if thread_tasks.contains(&task) {
                    Locality::Thread
                } else if worker_tasks.contains(&task) {
                    Locality::Worker
                } else {
                    Locality::Everywhere
                },
                weight: MAX_WEIGHT,
            })
            .collect();
        let scope = SCOPES
            .into_iter()
            .find(|s| targets.iter().any(|t| t.locality <= *s))
            .unwrap_or(Locality::Everywhere);
        let mut grouper = Self {
            targets,
            scope,
            ring: Vec::new(),
            position: 0,
            rng: SplitMix64::new(seed),
            bounds,
        };
        grouper.rebuild_ring();
        grouper
    }

    /// The scope tuples are shuffled over now.
    pub fn scope(&self) -> Locality {
        self.scope
    }

    /// The one task every draw returns until the loads are next refreshed, when the scope
    /// holds only one (the only target, or the only one on the emitter's thread while it keeps
    /// up): sending there is then exactly what drawing would do, with no draw.
    pub fn settled_target(&self) -> Option<TaskId> {
        match self.ring.as_slice() {
            [only] => Some(*only),
            _ => None,
        }
    }

    /// The next task.
    #[inline]
    pub fn next_task(&mut self) -> Option<TaskId> {
        if self.ring.is_empty() {
            return None;
        }
        self.position += 1;
        if self.position >= self.ring.len() {
            self.position = 0;
        }
        Some(self.ring[self.position])
    }

    /// Re-reads the targets' loads (0.0 idle to 1.0 full; `None` when unknown, taken as full
    /// as Storm does) and adjusts the scope and the weights. Call it about once a second.
    pub fn refresh_load(&mut self, load: &dyn Fn(TaskId) -> Option<f64>) {
        let loads: Vec<f64> = self
            .targets
            .iter()
            .map(|t| load(t.task).unwrap_or(1.0).clamp(0.0, 1.0))
            .collect();
        let mean = |pick: &dyn Fn(&Target) -> bool| -> Option<f64> {
            let (sum, n) = self
                .targets
                .iter()
                .zip(&loads)
                .filter(|(t, _)| pick(t))
                .fold((0.0, 0usize), |(s, n), (_, l)| (s + l, n + 1));
            (n > 0).then(|| sum / n as f64)
        };
        let scope = self.scope;
        let in_scope = mean(&|t| t.locality <= scope).unwrap_or(1.0);
        let (lower, higher) = (self.bounds.lower, self.bounds.higher);
        let mut next = scope;
        // Widen to the next scope that adds targets when the targets in scope are loaded above
        // the higher bound and the added ones below the lower bound: they idle. Storm widens
        // on the first condition alone; here loads include thread time, and in a saturated
        // topology every thread is busy, so that rule would spread tuples onto targets just as
        // loaded, adding cross-thread traffic and no capacity.
        let wider = SCOPES.into_iter().find(|s| {
            *s > scope
                && self
                    .targets
                    .iter()
                    .any(|t| t.locality > scope && t.locality <= *s)
        });
        let added = wider.and_then(|w| mean(&|t| t.locality > scope && t.locality <= w));
        let narrower = SCOPES
            .into_iter()
            .rev()
            .find(|s| *s < scope && self.targets.iter().any(|t| t.locality <= *s));
        if let (Some(wider), Some(added)) = (wider, added) {
            if in_scope > higher && added < lower {
                next = wider;
            }
        }
        if next == scope {
            if let Some(narrower) = narrower {
                // Narrow when the nearer targets have drained (Storm's rule).
                if mean(&|t| t.locality <= narrower).is_some_and(|near| near < lower) {
                    next = narrower;
                }
            }
        }
        if next != scope {
            // Storm resets the weights on every change of scope.
            self.scope = next;
            for t in &mut self.targets {
                t.weight = MAX_WEIGHT;
            }
        } else {
            let min = self
                .targets
                .iter()
                .zip(&loads)
                .filter(|(t, _)| t.locality <= scope)
                .map(|(_, l)| *l)
                .fold(f64::INFINITY, f64::min);
            for (t, l) in self.targets.iter_mut().zip(&loads) {
                if t.locality > scope {
                    continue;
                }
                t.weight = if *l <= min + 0.05 {
                    (t.weight + 1).min(MAX_WEIGHT)
                } else {
                    t.weight.saturating_sub(10)
                };
            }
        }
        self.rebuild_ring();
    }

    /// Fills the ring with the in-scope tasks in proportion to their weights, then shuffles it.
    fn rebuild_ring(&mut self) {
        let scope = self.scope;
        let chosen: Vec<&Target> = self
            .targets
            .iter()
            .filter(|t| t.locality <= scope)
            .collect();
        self.ring.clear();
        match chosen.as_slice() {
            [] => return,
            [only] => {
                self.ring.push(only.task);
                return;
            }
            _ => {}
        }
        let size = MIN_RING.max(RING_PER_TARGET * chosen.len());
        let total: u64 = chosen.iter().map(|t| u64::from(t.weight)).sum();
        for t in &chosen {
            // Every task at weight 0 (all overloaded): spread evenly.
            let share = (u64::from(t.weight) * size as u64)
                .checked_div(total)
                .map_or(size / chosen.len(), |s| s as usize);
            self.ring.extend(std::iter::repeat_n(t.task, share));
        }
        if !self.ring.is_empty() {
            while self.ring.len() < size {
                let i = self.rng.below(self.ring.len() as u64) as usize;
                self.ring.push(self.ring[i]);
            }
        }
        for i in (1..self.ring.len()).rev() {
            let j = self.rng.below(i as u64 + 1) as usize;
            self.ring.swap(i, j);
        }
        self.position = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(v: &[u32]) -> Vec<TaskId> {
        v.iter().copied().map(TaskId).collect()
    }

    /// A grouper over tasks that are all in the worker, `near` of them on the emitter's thread.
    fn grouper(targets: &[u32], near: &[u32]) -> LoadAwareShuffleGrouper {
        let targets = ids(targets);
        LoadAwareShuffleGrouper::new(&targets, &ids(near), &targets, 7, LoadBounds::default())
    }

    fn draw(g: &mut LoadAwareShuffleGrouper, n: usize) -> std::collections::BTreeMap<u32, usize> {
        let mut seen = std::collections::BTreeMap::new();
        for _ in 0..n {
            let t = g.next_task().expect("a target");
            *seen.entry(t.0).or_insert(0) += 1;
        }
        seen
    }

    #[test]
    fn prefers_the_emitters_thread_while_it_keeps_up() {
        let mut g = grouper(&[1, 2, 3, 4], &[1, 3]);
        assert_eq!(g.scope(), Locality::Thread);
        let seen = draw(&mut g, 1000);
        assert_eq!(seen.keys().copied().collect::<Vec<_>>(), vec![1, 3]);
        assert!(seen[&1].abs_diff(seen[&3]) <= 10, "{seen:?}");
        // Moderately loaded everywhere: stay.
        g.refresh_load(&|_| Some(0.5));
        assert_eq!(g.scope(), Locality::Thread);
    }

    #[test]
    fn widens_when_its_thread_is_full_and_others_have_room_then_narrows_back() {
        let mut g = grouper(&[1, 2, 3, 4], &[1, 3]);
        let busy_local = |t: TaskId| Some(if t.0 % 2 == 1 { 0.95 } else { 0.0 });
        g.refresh_load(&busy_local);
        assert_eq!(g.scope(), Locality::Worker);
        let seen = draw(&mut g, 2000);
        assert_eq!(seen.len(), 4, "{seen:?}");
        // Everything full: widening did not help, but there is nowhere better to go.
        g.refresh_load(&|_| Some(1.0));
        assert_eq!(g.scope(), Locality::Worker);
        // The local tasks drained: back to the thread.
        g.refresh_load(&|_| Some(0.1));
        assert_eq!(g.scope(), Locality::Thread);
    }

    #[test]
    fn it_is_settled_on_the_one_task_of_its_thread_only_while_the_scope_stays_there() {
        let mut g = grouper(&[1, 2, 3], &[2]);
        assert_eq!(g.settled_target(), Some(TaskId(2)));
        assert_eq!(draw(&mut g, 100).into_keys().collect::<Vec<_>>(), vec![2]);
        g.refresh_load(&|t| Some(if t.0 == 2 { 0.95 } else { 0.0 }));
        assert_eq!(g.scope(), Locality::Worker);
        assert_eq!(
            g.settled_target(),
            None,
            "draws spread over three tasks now"
        );
        g.refresh_load(&|_| Some(0.1));
        assert_eq!(g.settled_target(), Some(TaskId(2)));
        // Two tasks on the thread: a draw is needed.
        assert_eq!(grouper(&[1, 2, 3], &[1, 2]).settled_target(), None);
        assert_eq!(grouper(&[5], &[]).settled_target(), Some(TaskId(5)));
    }

    #[test]
    fn widens_from_a_busy_thread_onto_idle_targets() {
        // A spout and its bolt task take turns on a saturated thread while the other thread
        // has nothing to do.
        let mut g = grouper(&[1, 2], &[1]);
        g.refresh_load(&|t| Some(if t.0 == 1 { 0.9 } else { 0.0 }));
        assert_eq!(g.scope(), Locality::Worker);
        // Both now share the load: stay wide.
        g.refresh_load(&|_| Some(0.3));
        assert_eq!(g.scope(), Locality::Worker);
    }

    #[test]
    fn does_not_widen_onto_targets_that_are_busy_with_their_own_work() {
        let mut g = grouper(&[1, 2], &[1]);
        g.refresh_load(&|t| Some(if t.0 == 1 { 1.0 } else { 0.5 }));
        assert_eq!(g.scope(), Locality::Thread);
    }

    #[test]
    fn does_not_widen_onto_targets_that_are_as_loaded() {
        let mut g = grouper(&[1, 2], &[1]);
        g.refresh_load(&|_| Some(1.0));
        assert_eq!(g.scope(), Locality::Thread);
        assert_eq!(
            draw(&mut g, 10).keys().copied().collect::<Vec<_>>(),
            vec![1]
        );
    }

    #[test]
    fn unknown_loads_count_as_full_and_remote_only_targets_are_used() {
        let targets = ids(&[5, 6]);
        let mut g = LoadAwareShuffleGrouper::new(&targets, &[], &[], 7, LoadBounds::default());
        assert_eq!(g.scope(), Locality::Everywhere);
        g.refresh_load(&|_| None);
        assert_eq!(draw(&mut g, 100).len(), 2);
    }

    #[test]
    fn weights_move_tuples_away_from_a_loaded_task() {
        let mut g = grouper(&[1, 2], &[1, 2]);
        for _ in 0..5 {
            g.refresh_load(&|t| Some(if t.0 == 1 { 0.7 } else { 0.1 }));
        }
        let seen = draw(&mut g, 1000);
        assert!(seen[&2] > seen[&1] * 3 / 2, "{seen:?}");
    }

    #[test]
    fn no_targets_no_task() {
        let mut g = LoadAwareShuffleGrouper::new(&[], &[], &[], 7, LoadBounds::default());
        assert_eq!(g.next_task(), None);
        g.refresh_load(&|_| Some(0.0));
        assert_eq!(g.next_task(), None);
    }
}
