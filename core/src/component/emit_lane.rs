//! `EmitLane`: the inline short way of the commonest emit. A collector tries it before it calls
//! the executor's [`crate::Emitter`]: an untracked emit on a default stream whose one grouping
//! needs no state to choose (a fields grouping, or a single target) costs an arity check, the
//! choice and an append, compiled into the author's own code with no call through a `dyn`.
//! Everything else (the first and last tuple of a batch, message ids, ackers, debug logging,
//! other streams and groupings) is declined and goes the executor's way.

use crate::grouping::FieldsGrouper;
use crate::ids::TaskId;
use crate::tuple::{OpenBatches, Values};

/// How a planned stream picks the one task of a tuple.
#[derive(Clone)]
pub enum LaneChoice {
    /// Always this task (a global grouping, or any grouping with one target).
    One(TaskId),
    /// Storm's fields grouping.
    Fields(FieldsGrouper),
}

/// The default stream as the lane sends it.
#[derive(Clone)]
pub struct LanePlan {
    /// The number of values the stream declares.
    pub arity: usize,
    /// Its number in the topology's stream table (what a row carries).
    pub stream: u32,
    /// Its grouping.
    pub choice: LaneChoice,
}

/// The open batches of one task and, when it has one, its plan for the default stream.
#[derive(Default)]
pub struct EmitLane {
    plan: Option<LanePlan>,
    open: OpenBatches,
    emitted: u64,
}

impl EmitLane {
    /// A lane over the task's open batches; with no plan, every emit is declined.
    pub fn new(open: OpenBatches, plan: Option<LanePlan>) -> Self {
        Self {
            plan,
            open,
            emitted: 0,
        }
    }

    /// Sends an untracked tuple on the default stream, taking `values`, when the plan allows;
    /// returns false, having done nothing, when the executor must take the emit.
    #[inline(always)]
    pub fn try_emit(&mut self, values: &mut Values) -> bool {
        let Some(plan) = &self.plan else {
            return false;
        };
        if values.len() != plan.arity {
            return false;
        }
        let dst = match &plan.choice {
            LaneChoice::One(task) => *task,
            LaneChoice::Fields(grouper) => match grouper.choose(values) {
                Some(task) => task,
                None => return false,
            },
        };
        if !self.open.try_push_untracked(dst, plan.stream, values) {
            return false;
        }
        self.emitted += 1;
        true
    }

    /// The batches being filled, for the executor's own appends, seals and flushes.
    #[inline]
    pub fn open_batches(&mut self) -> &mut OpenBatches {
        &mut self.open
    }

    /// Tuples the lane sent since it was last asked.
    pub fn take_emitted(&mut self) -> u64 {
        std::mem::take(&mut self.emitted)
    }

    /// Tuples the lane sent and the executor has not collected yet.
    #[inline]
    pub fn emitted(&self) -> u64 {
        self.emitted
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tuple::BatchTuples;
    use crate::values;

    fn lane(choice: LaneChoice, targets: &[TaskId]) -> EmitLane {
        let mut open = OpenBatches::new(targets, 10);
        for slot in 0..targets.len() {
            *open.batch_mut(slot) = BatchTuples::with_capacity(10);
        }
        EmitLane::new(
            open,
            Some(LanePlan {
                arity: 1,
                stream: 3,
                choice,
            }),
        )
    }

    #[test]
    fn a_fields_plan_sends_each_key_where_the_grouping_would() {
        let targets = [TaskId(5), TaskId(6)];
        let grouper = FieldsGrouper::new(vec![0], targets.to_vec());
        let mut lane = lane(LaneChoice::Fields(grouper.clone()), &targets);
        for word in ["apple", "pear", "fig", "plum", "kiwi"] {
            let mut v = values![word];
            let expected = grouper.choose(&v).expect("two targets");
            assert!(lane.try_emit(&mut v));
            let slot = lane.open_batches().slot_of(expected).expect("a target");
            let last = lane
                .open_batches()
                .batch_mut(slot)
                .drain()
                .last()
                .expect("appended");
            assert_eq!(last.values, values![word]);
            assert_eq!(last.stream, 3);
            assert!(last.message_id.is_unanchored());
        }
        assert_eq!(lane.take_emitted(), 5);
        assert_eq!(lane.emitted(), 0);
    }

    #[test]
    fn declines_wrong_arity_and_lanes_without_a_plan() {
        let mut lane = lane(LaneChoice::One(TaskId(1)), &[TaskId(1)]);
        let mut two = values!["a", 1];
        assert!(!lane.try_emit(&mut two), "the executor reports the error");
        assert_eq!(two.len(), 2);
        let mut none = EmitLane::default();
        let mut one = values!["a"];
        assert!(!none.try_emit(&mut one));
        assert_eq!(lane.emitted() + none.emitted(), 0);
    }
}
