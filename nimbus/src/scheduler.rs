//! `EvenScheduler`: spreads a topology's executors evenly over worker slots, as Storm's
//! `DefaultScheduler` does (which frees "bad" slots, then runs `EvenScheduler`).
//!
//! Pure functions over slots and executors. Nimbus gives each topology the executors that are
//! still alive in their slots and the cluster's free slots; the scheduler keeps what can stay
//! and places the rest round-robin over free slots interleaved across supervisors.

use std::collections::{BTreeMap, BTreeSet};

use storm_core::ExecutorInfo;
use storm_zk::NodePort;

/// A worker slot: a supervisor and one of its ports (Storm's `WorkerSlot`).
pub type WorkerSlot = NodePort;

/// Storm's `Utils.integerDivided`: `sum` split into `pieces` near-equal integers, as a map from
/// piece size to how many pieces have that size.
pub fn integer_divided(sum: usize, pieces: usize) -> BTreeMap<usize, usize> {
    let mut out = BTreeMap::new();
    if pieces == 0 {
        return out;
    }
    let base = sum / pieces;
    let with_one_more = sum % pieces;
    let at_base = pieces - with_one_more;
    if at_base > 0 {
        out.insert(base, at_base);
    }
    if with_one_more > 0 {
        out.insert(base + 1, with_one_more);
    }
    out
}

/// Storm's `EvenScheduler.sortSlots`: slots grouped by supervisor (sorted by id), each group's
/// ports ascending, groups stably sorted by size (largest first), then interleaved: the first
/// slot of every group, then the second, and so on.
pub fn sort_slots(slots: &[WorkerSlot]) -> Vec<WorkerSlot> {
    let mut by_node: BTreeMap<&str, Vec<&WorkerSlot>> = BTreeMap::new();
    for slot in slots {
        by_node.entry(slot.node.as_str()).or_default().push(slot);
    }
    let mut groups: Vec<Vec<&WorkerSlot>> = by_node
        .into_values()
        .map(|mut g| {
            g.sort_by_key(|s| s.port);
            g
        })
        .collect();
    groups.sort_by_key(|g| std::cmp::Reverse(g.len()));
    let longest = groups.first().map_or(0, Vec::len);
    let mut out = Vec::with_capacity(slots.len());
    for i in 0..longest {
        for g in &groups {
            if let Some(slot) = g.get(i) {
                out.push((*slot).clone());
            }
        }
    }
    out
}

/// Storm's `DefaultScheduler.badSlots`: the existing slots to free so the executors can be
/// spread evenly over `num_workers`. A slot stays while some even share has its executor count.
/// Slots in `intact` (their workers would run unchanged) claim the shares first, so the slots
/// freed are, where possible, ones whose workers restart anyway (ours; Storm goes by slot order).
pub fn bad_slots(
    existing: &BTreeMap<WorkerSlot, Vec<ExecutorInfo>>,
    num_executors: usize,
    num_workers: usize,
    intact: &BTreeSet<WorkerSlot>,
) -> Vec<WorkerSlot> {
    if num_workers == 0 {
        return Vec::new();
    }
    let mut distribution = integer_divided(num_executors, num_workers);
    let mut bad = Vec::new();
    let (first, then): (Vec<_>, Vec<_>) = existing.iter().partition(|(s, _)| intact.contains(*s));
    for (slot, executors) in first.into_iter().chain(then) {
        match distribution.get_mut(&executors.len()) {
            Some(left) if *left > 0 => *left -= 1,
            _ => bad.push(slot.clone()),
        }
    }
    bad
}

/// What the scheduler needs to place one topology.
#[derive(Debug, Clone)]
pub struct ScheduleInput {
    /// Every executor of the topology.
    pub executors: Vec<ExecutorInfo>,
    /// The worker count it asks for (`StormBase.num_workers`).
    pub num_workers: usize,
    /// Its executors that are alive where they are now, by slot (on live supervisors only).
    pub alive_assigned: BTreeMap<WorkerSlot, Vec<ExecutorInfo>>,
    /// Slots no topology uses, on live supervisors.
    pub free_slots: Vec<WorkerSlot>,
    /// Slots of `alive_assigned` that hold every executor they held before: their workers run
    /// on untouched if the slot is kept (see [`bad_slots`]).
    pub intact: BTreeSet<WorkerSlot>,
}

/// Whether the topology has executors without a slot or fewer workers than it asks for
/// (Storm's `Cluster.needsScheduling`).
pub fn needs_scheduling(input: &ScheduleInput) -> bool {
    let assigned: usize = input.alive_assigned.values().map(Vec::len).sum();
    assigned < input.executors.len() || input.alive_assigned.len() < input.num_workers
}

/// Places the topology (Storm's `DefaultScheduler` for one topology, then `EvenScheduler`):
/// the executor → slot map to write. Executors that find no slot (the cluster has none free)
/// are left out.
pub fn schedule(input: &ScheduleInput) -> BTreeMap<ExecutorInfo, WorkerSlot> {
    let mut alive_assigned = input.alive_assigned.clone();
    let mut free: Vec<WorkerSlot> = input.free_slots.clone();
    let all: BTreeSet<ExecutorInfo> = input.executors.iter().copied().collect();
    let alive: BTreeSet<ExecutorInfo> = alive_assigned.values().flatten().copied().collect();
    let total_slots = input.num_workers.min(alive_assigned.len() + free.len());
    // Storm frees bad slots when the topology grows or lost executors; it also must when it
    // shrinks (a rebalance to fewer workers), or the extra workers would stay.
    if total_slots != alive_assigned.len() || all != alive {
        for slot in bad_slots(&alive_assigned, all.len(), total_slots, &input.intact) {
            alive_assigned.remove(&slot);
            free.push(slot);
        }
    }
    // EvenScheduler.scheduleTopology.
    let sorted = sort_slots(&free);
    let total_slots = input.num_workers.min(free.len() + alive_assigned.len());
    let take = total_slots
        .saturating_sub(alive_assigned.len())
        .min(sorted.len());
    let reassign_slots = &sorted[..take];
    let mut out: BTreeMap<ExecutorInfo, WorkerSlot> = BTreeMap::new();
    for (slot, executors) in &alive_assigned {
        for e in executors {
            out.insert(*e, slot.clone());
        }
    }
    let mut reassign: Vec<ExecutorInfo> = all
        .iter()
        .filter(|e| !out.contains_key(e))
        .copied()
        .collect();
    reassign.sort_by_key(|e| e.start);
    if !reassign_slots.is_empty() {
        for (i, e) in reassign.into_iter().enumerate() {
            out.insert(e, reassign_slots[i % reassign_slots.len()].clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    // Reference: storm-server `scheduler/EvenScheduler.java` and `DefaultScheduler.java`.
    use super::*;
    use storm_core::TaskId;

    fn e(start: u32, end: u32) -> ExecutorInfo {
        ExecutorInfo {
            start: TaskId(start),
            end: TaskId(end),
        }
    }

    fn slot(node: &str, port: u16) -> WorkerSlot {
        NodePort::new(node, port)
    }

    fn executors(n: u32) -> Vec<ExecutorInfo> {
        (1..=n).map(|i| e(i, i)).collect()
    }

    #[test]
    fn integer_division_splits_evenly() {
        assert_eq!(integer_divided(7, 3), BTreeMap::from([(2, 2), (3, 1)]));
        assert_eq!(integer_divided(6, 3), BTreeMap::from([(2, 3)]));
        assert_eq!(integer_divided(2, 3), BTreeMap::from([(0, 1), (1, 2)]));
        assert!(integer_divided(5, 0).is_empty());
    }

    #[test]
    fn slots_interleave_across_supervisors_largest_first() {
        let slots = vec![
            slot("b", 6701),
            slot("a", 6701),
            slot("b", 6700),
            slot("a", 6700),
            slot("c", 6700),
            slot("b", 6702),
        ];
        assert_eq!(
            sort_slots(&slots),
            vec![
                slot("b", 6700),
                slot("a", 6700),
                slot("c", 6700),
                slot("b", 6701),
                slot("a", 6701),
                slot("b", 6702),
            ]
        );
    }

    #[test]
    fn a_new_topology_goes_round_robin_over_interleaved_slots() {
        let input = ScheduleInput {
            executors: executors(5),
            num_workers: 2,
            alive_assigned: BTreeMap::new(),
            free_slots: vec![
                slot("a", 6700),
                slot("a", 6701),
                slot("b", 6700),
                slot("b", 6701),
            ],
            intact: BTreeSet::new(),
        };
        assert!(needs_scheduling(&input));
        let placed = schedule(&input);
        assert_eq!(placed.len(), 5);
        let a = slot("a", 6700);
        let b = slot("b", 6700);
        assert_eq!(placed[&e(1, 1)], a);
        assert_eq!(placed[&e(2, 2)], b);
        assert_eq!(placed[&e(3, 3)], a);
        assert_eq!(placed[&e(4, 4)], b);
        assert_eq!(placed[&e(5, 5)], a);
    }

    #[test]
    fn fewer_free_slots_than_workers_uses_what_there_is() {
        let input = ScheduleInput {
            executors: executors(3),
            num_workers: 4,
            alive_assigned: BTreeMap::new(),
            free_slots: vec![slot("a", 6700)],
            intact: BTreeSet::new(),
        };
        let placed = schedule(&input);
        assert!(placed.values().all(|s| *s == slot("a", 6700)));
        assert_eq!(placed.len(), 3);
        let none = ScheduleInput {
            free_slots: Vec::new(),
            ..input
        };
        assert!(schedule(&none).is_empty(), "no slot, nothing placed");
    }

    #[test]
    fn a_fully_alive_assignment_is_kept() {
        let mut alive = BTreeMap::new();
        alive.insert(slot("a", 6700), vec![e(1, 1), e(3, 3)]);
        alive.insert(slot("b", 6700), vec![e(2, 2)]);
        let input = ScheduleInput {
            executors: executors(3),
            num_workers: 2,
            alive_assigned: alive,
            free_slots: vec![slot("a", 6701), slot("b", 6701)],
            intact: BTreeSet::new(),
        };
        assert!(!needs_scheduling(&input));
        let placed = schedule(&input);
        assert_eq!(placed[&e(1, 1)], slot("a", 6700));
        assert_eq!(placed[&e(2, 2)], slot("b", 6700));
        assert_eq!(placed[&e(3, 3)], slot("a", 6700));
    }

    #[test]
    fn executors_of_a_lost_supervisor_move_and_even_slots_stay() {
        // b went away: its executor 2 is no longer alive anywhere.
        let mut alive = BTreeMap::new();
        alive.insert(slot("a", 6700), vec![e(1, 1), e(3, 3)]);
        let input = ScheduleInput {
            executors: executors(3),
            num_workers: 2,
            alive_assigned: alive,
            free_slots: vec![slot("a", 6701), slot("c", 6700)],
            intact: BTreeSet::new(),
        };
        assert!(needs_scheduling(&input));
        let placed = schedule(&input);
        // Two executors on a is one of the even shares of 3 over 2, so a:6700 stays.
        assert_eq!(placed[&e(1, 1)], slot("a", 6700));
        assert_eq!(placed[&e(3, 3)], slot("a", 6700));
        // a:6701 sorts before c:6700 (groups of one, by node id).
        assert_eq!(placed[&e(2, 2)], slot("a", 6701));
    }

    #[test]
    fn uneven_slots_are_freed_and_refilled() {
        // Four executors all in one slot, but two workers asked for: 4 is not an even share
        // of 4 over 2, so the slot is freed and everything is spread again.
        let mut alive = BTreeMap::new();
        alive.insert(slot("a", 6700), executors(4));
        let input = ScheduleInput {
            executors: executors(4),
            num_workers: 2,
            alive_assigned: alive,
            free_slots: vec![slot("b", 6700)],
            intact: BTreeSet::new(),
        };
        assert_eq!(
            bad_slots(&input.alive_assigned, 4, 2, &BTreeSet::new()),
            vec![slot("a", 6700)]
        );
        let placed = schedule(&input);
        let used: BTreeSet<_> = placed.values().cloned().collect();
        assert_eq!(used.len(), 2);
        assert_eq!(placed.len(), 4);
    }

    #[test]
    fn a_topology_shrunk_to_fewer_workers_keeps_the_slots_an_even_share_allows() {
        // Six executors over three workers, rebalanced to two: two slots of three are an even
        // share, but these hold two each, so the spread frees them as needed.
        let mut alive = BTreeMap::new();
        alive.insert(slot("a", 6700), vec![e(1, 1), e(4, 4)]);
        alive.insert(slot("b", 6700), vec![e(2, 2), e(5, 5)]);
        alive.insert(slot("c", 6700), vec![e(3, 3), e(6, 6)]);
        let input = ScheduleInput {
            executors: executors(6),
            num_workers: 2,
            alive_assigned: alive,
            free_slots: Vec::new(),
            intact: BTreeSet::new(),
        };
        assert!(
            !needs_scheduling(&input),
            "a shrink is only seen by a rebalance"
        );
        let placed = schedule(&input);
        let used: BTreeSet<_> = placed.values().cloned().collect();
        assert_eq!(used.len(), 2, "{placed:?}");
        assert_eq!(placed.len(), 6);
    }

    #[test]
    fn the_slots_freed_are_those_whose_workers_restart_anyway() {
        // A component's executors 1 and 2 become one executor [1-2]: a:6700 and b:6700 lost
        // one each, a:6701 and b:6701 are intact. Five executors over four workers leave one
        // slot to refill: it is one of the changed slots, never an intact one.
        let mut alive = BTreeMap::new();
        alive.insert(slot("a", 6700), vec![e(5, 5)]);
        alive.insert(slot("a", 6701), vec![e(3, 3)]);
        alive.insert(slot("b", 6700), vec![e(6, 6)]);
        alive.insert(slot("b", 6701), vec![e(4, 4)]);
        let intact = BTreeSet::from([slot("a", 6701), slot("b", 6701)]);
        let mut all = vec![e(1, 2)];
        all.extend((3..=6).map(|i| e(i, i)));
        let input = ScheduleInput {
            executors: all,
            num_workers: 4,
            alive_assigned: alive.clone(),
            free_slots: Vec::new(),
            intact: intact.clone(),
        };
        let placed = schedule(&input);
        assert_eq!(placed.len(), 5);
        for kept in &intact {
            let now: Vec<ExecutorInfo> = placed
                .iter()
                .filter(|(_, s)| *s == kept)
                .map(|(e, _)| *e)
                .collect();
            assert_eq!(now, alive[kept], "{kept} runs on untouched: {placed:?}");
        }
        let used: BTreeSet<_> = placed.values().cloned().collect();
        assert_eq!(used.len(), 4);
    }
}
