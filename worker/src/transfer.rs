//! Transfer: per-destination batches and credit-based flow control for one emitting task.
//!
//! Emitted tuples are appended to the batch of their destination task, in the task's
//! [`OpenBatches`] (which live in `storm-core`, beside the collectors' inline short way, and are
//! handed to every call here). A batch is sealed when
//! it is full or when the executor flushes (after each input batch or spout turn) and is sent
//! only while the destination has granted credit for it. Each (sender, receiver) edge has a
//! window of tuples, the receiver's `topology.executor.receive.buffer.size` shared among its
//! senders, and a window of batches (the tuple window over the batch size), since a part-full
//! batch holds a whole batch buffer; the receiver returns both as it processes. A sender whose sealed batches cannot go
//! out is *blocked*: a bolt then stops taking input and a spout stops being asked for tuples, so
//! a slow consumer slows its producers and memory stays bounded. A batch the transport refuses
//! (its task's worker is unreachable) is kept aside for the emitter, which fails the trees of
//! its tracked tuples at once.

use std::collections::VecDeque;
use std::sync::Arc;

use storm_core::dataplane::OpenBatches;
use storm_core::{MessageId, TaskId, Values};

use crate::batch::{BatchTuples, TupleBatch};
use crate::executor::idle_thread;
use crate::progress::Progress;
use crate::transport::{Directory, TaskLink};

/// Emptied buffers kept per destination for reuse.
const MAX_SPARE: usize = 4;

struct OutQueue {
    dst: TaskId,
    link: Option<Arc<dyn TaskLink>>,
    ready: VecDeque<BatchTuples>,
    credits: u32,
    batch_credits: u32,
    /// Emptied buffers handed back by the receiver, reused for the next batches.
    spare: Vec<BatchTuples>,
    /// The receiver runs on another thread, so the lines it read are on another core.
    other_thread: bool,
}

/// The outgoing side of one task.
pub struct Transfer {
    src: TaskId,
    batch_size: usize,
    outs: Vec<OutQueue>,
    blocked: usize,
    progress: Arc<Progress>,
    dropped: u64,
    /// Batches the transport refused, until the emitter takes them.
    refused: Vec<BatchTuples>,
}

impl Transfer {
    /// Queues towards `targets`, each with the credit window `window(dst)` in tuples, and the
    /// open batches they are filled in (by the same slots). `on_other_thread(dst)` says whether
    /// `dst` runs on another thread than `src`.
    pub fn new(
        src: TaskId,
        targets: &[TaskId],
        window: impl Fn(TaskId) -> u32,
        on_other_thread: impl Fn(TaskId) -> bool,
        batch_size: usize,
        directory: &Directory,
        progress: Arc<Progress>,
    ) -> (Self, OpenBatches) {
        let outs = targets
            .iter()
            .map(|&dst| OutQueue {
                dst,
                link: directory.get(dst).cloned(),
                ready: VecDeque::new(),
                credits: window(dst).max(batch_size as u32),
                batch_credits: (window(dst) / batch_size.max(1) as u32).max(2),
                spare: Vec::new(),
                other_thread: on_other_thread(dst),
            })
            .collect();
        let transfer = Self {
            src,
            batch_size: batch_size.max(1),
            outs,
            blocked: 0,
            progress,
            dropped: 0,
            refused: Vec::new(),
        };
        (transfer, OpenBatches::new(targets, batch_size))
    }

    /// Appends a tuple to the batch of `dst`, sealing the batch when full.
    #[inline(always)]
    pub fn push(
        &mut self,
        open: &mut OpenBatches,
        dst: TaskId,
        stream: u32,
        values: Values,
        message_id: MessageId,
    ) {
        if let Some(slot) = self.open_batch(open, dst) {
            let batch = open.batch_mut(slot);
            batch.push(stream, values, message_id);
            if batch.len() >= self.batch_size {
                self.seal(open, slot);
            }
        }
    }

    /// The slot of `dst`, with a batch buffer ready for appending.
    #[inline(always)]
    fn open_batch(&mut self, open: &mut OpenBatches, dst: TaskId) -> Option<usize> {
        let Some(slot) = open.slot_of(dst) else {
            self.drop_unqueued(dst);
            return None;
        };
        let batch = open.batch_mut(slot);
        if batch.capacity() == 0 {
            *batch = match self.outs[slot].spare.pop() {
                Some(buffer) => buffer,
                None => BatchTuples::with_capacity(self.batch_size),
            };
        }
        Some(slot)
    }

    /// Routing only yields subscribed tasks, so a tuple for a task with no queue is a wiring
    /// bug: say so loudly. Out of line, to keep the append small.
    #[cold]
    #[inline(never)]
    fn drop_unqueued(&mut self, dst: TaskId) {
        tracing::error!(src = %self.src, %dst, "tuple routed to a task with no queue; dropped");
        self.dropped += 1;
    }

    /// Seals every part-full batch and sends what credit allows.
    pub fn flush(&mut self, open: &mut OpenBatches) {
        for slot in 0..self.outs.len() {
            if !open.batch_mut(slot).is_empty() {
                self.seal(open, slot);
            }
        }
    }

    /// Adds credit returned by `from` (with its emptied buffer, if handed back) and sends what
    /// it allows.
    pub fn add_credit(
        &mut self,
        open: &OpenBatches,
        from: TaskId,
        tuples: u32,
        buffer: Option<BatchTuples>,
    ) {
        let Some(slot) = open.slot_of(from) else {
            return;
        };
        let q = &mut self.outs[slot];
        q.credits = q.credits.saturating_add(tuples);
        q.batch_credits = q.batch_credits.saturating_add(1);
        if let Some(mut buffer) = buffer {
            if q.spare.len() < MAX_SPARE && buffer.capacity() >= self.batch_size {
                buffer.clear();
                if q.other_thread {
                    // The lines of the rows the receiver read are on its core.
                    buffer.own_room();
                }
                q.spare.push(buffer);
            }
        }
        let was_blocked = !q.ready.is_empty();
        Self::drain(self.src, q, &self.progress, &mut self.refused);
        if was_blocked && q.ready.is_empty() {
            self.set_blocked(self.blocked - 1);
        }
    }

    /// Counts the queues waiting for credit, telling the executor thread when the task starts
    /// or stops waiting (its idle wait follows `topology.backpressure.wait.strategy` then).
    fn set_blocked(&mut self, blocked: usize) {
        match (self.blocked, blocked) {
            (0, 1..) => idle_thread::sender_blocked(),
            (1.., 0) => idle_thread::sender_unblocked(),
            _ => {}
        }
        self.blocked = blocked;
    }

    /// True while some sealed batch waits for credit.
    #[inline]
    pub fn is_blocked(&self) -> bool {
        self.blocked > 0
    }

    /// True when the transport refused batches since the last [`Transfer::take_refused`].
    #[inline]
    pub fn has_refused(&self) -> bool {
        !self.refused.is_empty()
    }

    /// The batches the transport refused since the last call.
    pub fn take_refused(&mut self) -> Vec<BatchTuples> {
        std::mem::take(&mut self.refused)
    }

    /// Tuples that had nowhere to go (a wiring bug if ever non-zero).
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Tuples sealed but waiting for credit.
    pub fn waiting_tuples(&self) -> usize {
        self.outs
            .iter()
            .map(|q| q.ready.iter().map(BatchTuples::len).sum::<usize>())
            .sum()
    }

    #[inline(never)]
    fn seal(&mut self, open: &mut OpenBatches, slot: usize) {
        // The next batch takes a spare buffer (or allocates) at its first tuple.
        let full = std::mem::take(open.batch_mut(slot));
        let q = &mut self.outs[slot];
        self.progress.batch_created();
        let was_blocked = !q.ready.is_empty();
        q.ready.push_back(full);
        Self::drain(self.src, q, &self.progress, &mut self.refused);
        let now_blocked = !q.ready.is_empty();
        match (was_blocked, now_blocked) {
            (false, true) => self.set_blocked(self.blocked + 1),
            (true, false) => self.set_blocked(self.blocked - 1),
            _ => {}
        }
    }

    fn drain(src: TaskId, q: &mut OutQueue, progress: &Progress, refused: &mut Vec<BatchTuples>) {
        while let Some(front) = q.ready.front() {
            let n = front.len() as u32;
            if q.credits < n || q.batch_credits == 0 {
                return;
            }
            let Some(tuples) = q.ready.pop_front() else {
                return;
            };
            q.credits -= n;
            q.batch_credits -= 1;
            let batch = TupleBatch {
                src,
                dst: q.dst,
                epoch: 0,
                tuples,
            };
            match &q.link {
                Some(link) => {
                    if let Err(unreachable) = link.send_batch(batch) {
                        // The task's worker is unreachable: the link counted and logged the
                        // loss; the window is not spent, and the emitter fails the batch's trees.
                        q.credits += n;
                        q.batch_credits += 1;
                        progress.batch_done();
                        if let Some(batch) = unreachable.batch {
                            refused.push(batch.tuples);
                        }
                    }
                }
                None => {
                    tracing::error!(%src, dst = %q.dst, lost = n, "no link to task; batch dropped");
                    progress.batch_done();
                }
            }
        }
    }
}

impl Drop for Transfer {
    /// A task stopped while it waited for credit no longer counts as waiting on its thread.
    fn drop(&mut self) {
        self.set_blocked(0);
    }
}
