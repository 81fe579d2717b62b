//! `OpenBatches`: the batches one task is filling, one per destination task. They live in this
//! crate, apart from the worker's queues and credit, so that the inline short way of an emit
//! ([`crate::EmitLane`]) can append to them from the author's own compiled code; the worker's
//! transfer seals them, sends them and gives them fresh buffers.

use super::{BatchTuples, MessageId, Values};
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

    /// Appends an untracked tuple to the batch of `dst`, taking `values`, if that batch has a
    /// buffer already and this tuple does not fill it. Returns false, having taken nothing,
    /// otherwise: the transfer then appends it, opening or sealing the batch as it must.
    #[inline(always)]
    pub fn try_push_untracked(&mut self, dst: TaskId, stream: u32, values: &mut Values) -> bool {
        let Some(slot) = self.slot_of(dst) else {
            return false;
        };
        let batch = &mut self.batches[slot];
        if batch.len() + 1 >= self.batch_size || batch.capacity() <= batch.len() {
            return false;
        }
        batch.push(stream, std::mem::take(values), MessageId::unanchored());
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values;

    #[test]
    fn appends_only_into_an_open_batch_that_it_does_not_fill() {
        let mut open = OpenBatches::new(&[TaskId(4), TaskId(2)], 3);
        assert_eq!(open.slot_of(TaskId(2)), Some(1));
        assert_eq!(open.slot_of(TaskId(3)), None);
        assert_eq!(open.slot_of(TaskId(99)), None);

        let mut v = values!["a"];
        assert!(
            !open.try_push_untracked(TaskId(4), 0, &mut v),
            "no buffer yet: the transfer opens the batch"
        );
        assert_eq!(v.len(), 1, "a refused tuple keeps its values");

        *open.batch_mut(0) = BatchTuples::with_capacity(3);
        assert!(open.try_push_untracked(TaskId(4), 0, &mut v));
        assert!(v.is_empty(), "the values were taken");
        let mut w = values!["b"];
        assert!(open.try_push_untracked(TaskId(4), 0, &mut w));
        let mut x = values!["c"];
        assert!(
            !open.try_push_untracked(TaskId(4), 0, &mut x),
            "the tuple that fills the batch goes the way that seals it"
        );
        assert!(
            !open.try_push_untracked(TaskId(3), 0, &mut x),
            "unknown task"
        );
        let rows: Vec<_> = open.batch_mut(0).drain().map(|t| t.values).collect();
        assert_eq!(rows, vec![values!["a"], values!["b"]]);
    }
}
