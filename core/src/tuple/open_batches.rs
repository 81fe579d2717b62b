//! `OpenBatches`: the batches one task is filling, one per destination task. They live in this
//! crate, apart from the worker's queues and credit, so that the inline short way of an emit
//! ([`crate::EmitLane`]) can append to them from the author's own compiled code; the worker's
//! transfer seals them, sends them and gives them fresh buffers. A destination that the
//! executor chained (see [`ChainLink`]) has no batch: its tuples are delivered by a direct call.

use std::fmt;

use super::{BatchTuples, ChainLink};
use crate::ids::TaskId;

const NO_SLOT: u32 = u32::MAX;
/// Marks a slot whose destination is chained, so the commonest lookup (a batched
/// destination) stays one load and one test.
const CHAINED: u32 = 1 << 31;

/// The batch being filled for each destination of one task, by slot.
#[derive(Default)]
pub struct OpenBatches {
    slots: Vec<u32>,
    batches: Vec<BatchTuples>,
    chained: Vec<Option<ChainLink>>,
    batch_size: usize,
}

/// How an emit reaches its destination without the transfer's help.
pub enum Way<'a> {
    /// Appended to the open batch of this slot, which has room.
    Append(usize),
    /// Delivered through this chained edge.
    Chained(&'a ChainLink),
}

impl fmt::Debug for OpenBatches {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenBatches")
            .field("batches", &self.batches)
            .field(
                "chained",
                &self.chained.iter().filter(|c| c.is_some()).count(),
            )
            .field("batch_size", &self.batch_size)
            .finish()
    }
}

impl OpenBatches {
    /// One (unallocated) batch per task of `targets`, in that order; a batch is full at
    /// `batch_size` tuples (at least 1).
    pub fn new(targets: &[TaskId], batch_size: usize) -> Self {
        let max = targets.iter().map(|t| t.0 as usize + 1).max().unwrap_or(0);
        let mut slots = vec![NO_SLOT; max];
        for (slot, dst) in targets.iter().enumerate() {
            slots[dst.0 as usize] = slot as u32;
        }
        Self {
            slots,
            batches: targets.iter().map(|_| BatchTuples::default()).collect(),
            chained: targets.iter().map(|_| None).collect(),
            batch_size: batch_size.max(1),
        }
    }

    /// The slot of a destination, if this task sends to it.
    #[inline(always)]
    pub fn slot_of(&self, dst: TaskId) -> Option<usize> {
        match self.slots.get(dst.0 as usize) {
            Some(&slot) if slot != NO_SLOT => Some((slot & !CHAINED) as usize),
            _ => None,
        }
    }

    /// The batch of a slot.
    #[inline(always)]
    pub fn batch_mut(&mut self, slot: usize) -> &mut BatchTuples {
        &mut self.batches[slot]
    }

    /// Destinations (slots are `0..len`).
    pub fn len(&self) -> usize {
        self.batches.len()
    }

    /// True when the task sends to no one.
    pub fn is_empty(&self) -> bool {
        self.batches.is_empty()
    }

    /// Tuples that make a batch full.
    #[inline(always)]
    pub fn batch_size(&self) -> usize {
        self.batch_size
    }

    /// The slot of `dst` if its batch has a buffer already and one more tuple does not fill
    /// it: an append there needs neither a fresh buffer nor a seal, which only the transfer
    /// can do.
    #[inline(always)]
    pub fn room_for(&self, dst: TaskId) -> Option<usize> {
        match self.way_to(dst)? {
            Way::Append(slot) => Some(slot),
            Way::Chained(_) => None,
        }
    }

    /// How a tuple for `dst` goes with no help from the transfer: through its chained edge,
    /// or appended to an open batch with room (see [`OpenBatches::room_for`]); `None` when
    /// the transfer must take it.
    #[inline(always)]
    pub fn way_to(&self, dst: TaskId) -> Option<Way<'_>> {
        let slot = *self.slots.get(dst.0 as usize)?;
        if slot & CHAINED != 0 {
            return self.chained_way(slot);
        }
        let batch = self.batches.get(slot as usize)?;
        (batch.len() + 1 < self.batch_size && batch.len() < batch.capacity())
            .then_some(Way::Append(slot as usize))
    }

    /// [`OpenBatches::way_to`] for a marked slot (or none).
    #[cold]
    fn chained_way(&self, slot: u32) -> Option<Way<'_>> {
        if slot == NO_SLOT {
            return None;
        }
        let link = self.chained.get((slot & !CHAINED) as usize)?.as_ref()?;
        Some(Way::Chained(link))
    }

    /// Chains `dst`: its tuples are delivered through `link` from now on, never batched.
    /// Returns false, changing nothing, when this task does not send to `dst` or its batch
    /// holds tuples already (they would be overtaken).
    pub fn chain(&mut self, dst: TaskId, link: ChainLink) -> bool {
        match self.slot_of(dst) {
            Some(slot) if self.batches[slot].is_empty() => {
                self.chained[slot] = Some(link);
                self.slots[dst.0 as usize] |= CHAINED;
                true
            }
            _ => false,
        }
    }

    /// The chained edge of a slot, if it has one.
    #[inline(always)]
    pub fn chained(&self, slot: usize) -> Option<&ChainLink> {
        self.chained.get(slot)?.as_ref()
    }

    /// The chained edge to `dst`, if it has one.
    #[inline(always)]
    pub fn chained_to(&self, dst: TaskId) -> Option<&ChainLink> {
        let slot = *self.slots.get(dst.0 as usize)?;
        if slot & CHAINED == 0 {
            return None;
        }
        match self.chained_way(slot)? {
            Way::Chained(link) => Some(link),
            Way::Append(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tuple::MessageId;
    use crate::values;

    #[test]
    fn there_is_room_only_in_an_open_batch_that_one_more_tuple_does_not_fill() {
        let mut open = OpenBatches::new(&[TaskId(4), TaskId(2)], 3);
        assert_eq!(open.slot_of(TaskId(2)), Some(1));
        assert_eq!(open.slot_of(TaskId(3)), None);
        assert_eq!(open.slot_of(TaskId(99)), None);
        assert_eq!(
            open.room_for(TaskId(4)),
            None,
            "no buffer yet: the transfer opens it"
        );

        *open.batch_mut(0) = BatchTuples::with_capacity(3);
        assert_eq!(open.room_for(TaskId(4)), Some(0));
        open.batch_mut(0)
            .push(0, values!["a"], MessageId::unanchored());
        assert_eq!(open.room_for(TaskId(4)), Some(0));
        open.batch_mut(0)
            .push(0, values!["b"], MessageId::unanchored());
        assert_eq!(
            open.room_for(TaskId(4)),
            None,
            "the tuple that fills the batch goes the way that seals it"
        );
        assert_eq!(open.room_for(TaskId(3)), None, "unknown task");
    }

    struct Nowhere;
    impl crate::ChainedTask for Nowhere {
        fn deliver(&self, _: TaskId, _: u32, _: crate::Values, _: MessageId) {}
    }

    #[test]
    fn only_a_target_with_nothing_batched_can_be_chained() {
        let link = || ChainLink::new(TaskId(1), std::rc::Rc::new(Nowhere));
        let mut open = OpenBatches::new(&[TaskId(4), TaskId(2)], 3);
        assert!(!open.chain(TaskId(3), link()), "not a target");
        *open.batch_mut(0) = BatchTuples::with_capacity(3);
        open.batch_mut(0)
            .push(0, values!["a"], MessageId::unanchored());
        assert!(
            !open.chain(TaskId(4), link()),
            "its batched tuple would be overtaken"
        );
        assert!(open.chained(0).is_none());
        assert!(open.chain(TaskId(2), link()));
        assert!(open.chained(1).is_some());
        assert!(matches!(open.way_to(TaskId(2)), Some(Way::Chained(_))));
        assert_eq!(
            open.room_for(TaskId(2)),
            None,
            "a chained target has no batch"
        );
        assert!(matches!(open.way_to(TaskId(4)), Some(Way::Append(0))));
    }
}
