//! `OpenBatches`: the batches one task is filling, one per destination task. They live in this
//! crate, apart from the worker's queues and credit, so that the inline short way of an emit
//! ([`crate::dataplane::EmitLane`]) can append to them from the author's own compiled code; the worker's
//! transfer seals them, sends them and gives them fresh buffers.

use super::BatchTuples;
use crate::ids::TaskId;

const NO_SLOT: u32 = u32::MAX;

/// The batch being filled for each destination of one task, by slot.
#[derive(Debug, Default)]
pub struct OpenBatches {
    slots: Vec<u32>,
    batches: Vec<BatchTuples>,
    batch_size: usize,
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
            batch_size: batch_size.max(1),
        }
    }

    /// The slot of a destination, if this task sends to it.
    #[inline(always)]
    pub fn slot_of(&self, dst: TaskId) -> Option<usize> {
        match self.slots.get(dst.0 as usize) {
            Some(&slot) if slot != NO_SLOT => Some(slot as usize),
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
        let slot = self.slot_of(dst)?;
        let batch = &self.batches[slot];
        (batch.len() + 1 < self.batch_size && batch.len() < batch.capacity()).then_some(slot)
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
}
