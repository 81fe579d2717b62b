//! `EmitLane`: the inline short way of the commonest emit. A collector tries it before it calls
//! the executor's [`crate::dataplane::Emitter`]: an emit on a default stream whose one grouping needs no
//! state to choose (a fields grouping, or a single target), untracked or anchored to one input
//! in one tree, costs an arity check, the choice, the edge and an append, compiled into the
//! author's own code with no call through a `dyn`. Everything else (the first and last tuple
//! of a batch, spout message ids, several anchors or trees, debug logging, other streams and
//! groupings) is declined and goes the executor's way.

use super::OpenBatches;
use crate::grouping::FieldsGrouper;
use crate::ids::TaskId;
use crate::tuple::{MessageId, Tuple, Values};
use crate::util::SplitMix64;

/// How a planned stream picks the one task of a tuple.
#[derive(Clone)]
pub enum LaneChoice {
    /// Always this task (a global grouping, or a shuffle with one target).
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
    /// True when the topology has ackers: anchored emits then draw edges.
    pub tracked: bool,
}

/// The open batches of one task and, when it has one, its plan for the default stream.
pub struct EmitLane {
    plan: Option<LanePlan>,
    open: OpenBatches,
    emitted: u64,
    rng: SplitMix64,
}

impl Default for EmitLane {
    fn default() -> Self {
        Self::new(OpenBatches::default(), None)
    }
}

impl EmitLane {
    /// A lane over the task's open batches; with no plan, every emit is declined.
    pub fn new(open: OpenBatches, plan: Option<LanePlan>) -> Self {
        Self {
            plan,
            open,
            emitted: 0,
            rng: SplitMix64::from_entropy(),
        }
    }

    /// Sends a tuple on the default stream, anchored to `anchors` (none for an unanchored
    /// emit), taking `values`, when the plan allows; returns false, having changed nothing,
    /// when the executor must take the emit.
    #[inline(always)]
    pub fn try_emit(&mut self, values: &mut Values, anchors: &[&Tuple]) -> bool {
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
        let Some(slot) = self.open.room_for(dst) else {
            return false;
        };
        // The tuple will be sent: only now may an anchor record its edge.
        let message_id = match anchors {
            _ if !plan.tracked => MessageId::unanchored(),
            [] => MessageId::unanchored(),
            [anchor] if anchor.message_id().is_unanchored() => MessageId::unanchored(),
            [anchor] => match anchor.anchor_in_one_tree(&mut self.rng) {
                Some(id) => id,
                None => return false,
            },
            _ => return false,
        };
        self.open
            .batch_mut(slot)
            .push_taking(plan.stream, values, message_id);
        self.emitted += 1;
        true
    }

    /// Replaces the plan, as the default stream's grouping changes its mind (a load-aware
    /// shuffle whose scope widened or narrowed); `None` declines every emit.
    pub fn set_plan(&mut self, plan: Option<LanePlan>) {
        self.plan = plan;
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
    use std::rc::Rc;

    use super::*;
    use crate::dataplane::{BatchTuples, TupleSource, WireTuple};
    use crate::tuple::Fields;
    use crate::{values, ComponentId, StreamId};

    fn lane(choice: LaneChoice, targets: &[TaskId], tracked: bool) -> EmitLane {
        let mut open = OpenBatches::new(targets, 3);
        for slot in 0..targets.len() {
            *open.batch_mut(slot) = BatchTuples::with_capacity(3);
        }
        EmitLane::new(
            open,
            Some(LanePlan {
                arity: 1,
                stream: 3,
                choice,
                tracked,
            }),
        )
    }

    fn input(message_id: MessageId) -> Tuple {
        let source = Rc::new(TupleSource {
            component: ComponentId::new("split"),
            stream: StreamId::default_stream(),
            fields: Fields::from(["word"]),
        });
        Tuple::new(values!["in"], source, TaskId(9), message_id)
    }

    fn sent(lane: &mut EmitLane, dst: TaskId) -> Vec<WireTuple> {
        let slot = lane.open_batches().slot_of(dst).expect("a target");
        lane.open_batches().batch_mut(slot).drain().collect()
    }

    #[test]
    fn a_fields_plan_sends_each_key_where_the_grouping_would() {
        let targets = [TaskId(5), TaskId(6)];
        let grouper = FieldsGrouper::new(vec![0], targets.to_vec());
        let mut lane = lane(LaneChoice::Fields(grouper.clone()), &targets, false);
        for word in ["apple", "pear", "fig", "plum", "kiwi"] {
            let mut v = values![word];
            let expected = grouper.choose(&v).expect("two targets");
            assert!(lane.try_emit(&mut v, &[]));
            let last = sent(&mut lane, expected).pop().expect("appended");
            assert_eq!(last.values, values![word]);
            assert_eq!(last.stream, 3);
            assert!(last.message_id.is_unanchored());
        }
        assert_eq!(lane.take_emitted(), 5);
        assert_eq!(lane.emitted(), 0);
    }

    #[test]
    fn with_ackers_an_emit_anchored_in_one_tree_carries_a_recorded_edge() {
        let mut lane = lane(LaneChoice::One(TaskId(1)), &[TaskId(1)], true);
        let anchor = input(MessageId::root(77, 5));
        assert!(lane.try_emit(&mut values!["a"], &[&anchor]));
        let out = sent(&mut lane, TaskId(1));
        let MessageId::One([(root, edge)]) = out[0].message_id else {
            panic!("one edge of one tree");
        };
        assert_eq!(root, 77);
        assert_eq!(anchor.out_ack_val(), edge, "the anchor records the edge");
        // Untracked inputs and unanchored emits carry no ids.
        let untracked = input(MessageId::unanchored());
        assert!(lane.try_emit(&mut values!["b"], &[&untracked]));
        assert!(lane.try_emit(&mut values!["c"], &[]));
        let out = sent(&mut lane, TaskId(1));
        assert!(out.iter().all(|t| t.message_id.is_unanchored()));
    }

    #[test]
    fn what_the_lane_declines_it_leaves_untouched() {
        let mut lane = lane(LaneChoice::One(TaskId(1)), &[TaskId(1)], true);
        let mut two = values!["a", 1];
        assert!(
            !lane.try_emit(&mut two, &[]),
            "the executor reports the error"
        );
        assert_eq!(two.len(), 2);

        let mut several = MessageId::root(1, 2);
        several.xor_edge(3, 4);
        let in_two_trees = input(several);
        let (a, b) = (input(MessageId::root(5, 6)), input(MessageId::root(7, 8)));
        let mut v = values!["x"];
        assert!(!lane.try_emit(&mut v, &[&in_two_trees]));
        assert!(!lane.try_emit(&mut v, &[&a, &b]));
        assert_eq!((in_two_trees.out_ack_val(), a.out_ack_val()), (0, 0));

        // Batches of 3: the third tuple would fill it, so the executor must seal it, and the
        // anchor must not record an edge for a tuple the lane did not send.
        assert!(lane.try_emit(&mut values!["1"], &[]));
        assert!(lane.try_emit(&mut values!["2"], &[]));
        let anchor = input(MessageId::root(9, 9));
        assert!(!lane.try_emit(&mut v, &[&anchor]));
        assert_eq!(anchor.out_ack_val(), 0);
        assert_eq!(v.len(), 1);

        let mut none = EmitLane::default();
        assert!(!none.try_emit(&mut v, &[]));
        assert_eq!(lane.emitted() + none.emitted(), 2);
    }
}
