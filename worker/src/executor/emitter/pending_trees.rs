//! The spout trees a [`TaskEmitter`] keeps until they end: the pending ones (acked, failed or
//! timed out through the spout task) and those the transport lost. Tracked tuples the
//! transport lost (a refused batch, or one in flight on a connection that broke) fail their
//! trees at once: a spout's own trees end with [`FailReason::Lost`](storm_core::FailReason::Lost),
//! a bolt sends a fail with that reason to each root's acker.

use std::time::Instant;

use storm_core::system::FAIL_LOST;
use storm_core::Value;

use super::TaskEmitter;

/// A spout tuple whose tree is not complete yet.
#[derive(Debug)]
pub struct PendingTree {
    /// The id the spout gave the tuple.
    pub message_id: Value,
    /// When it was emitted (for the complete latency).
    pub emitted_at: Instant,
}

impl TaskEmitter {
    /// Spout trees emitted and not yet acked, failed or timed out.
    pub fn pending_count(&self) -> usize {
        self.pending.len()
    }

    /// Removes a pending spout tree (its ack or fail arrived).
    pub fn take_pending(&mut self, root: u64) -> Option<PendingTree> {
        let tree = self.pending.remove(&root)?;
        self.unpublished_trees -= 1;
        Some(tree)
    }

    /// Restarts the timeout of a pending spout tree.
    pub fn touch_pending(&mut self, root: u64) {
        self.pending.touch(root);
    }

    /// Rotates the pending trees; returns the ones that timed out.
    pub fn expire_pending(&mut self) -> Vec<PendingTree> {
        let expired: Vec<PendingTree> = self.pending.rotate().into_iter().map(|(_, t)| t).collect();
        self.unpublished_trees -= expired.len() as i64;
        expired
    }

    /// Fails the trees of the tracked tuples in the batches the transport refused: their
    /// worker is unreachable, so they will never be processed. A spout also fails the trees
    /// whose `__ack_init` was refused (their acker never heard of them).
    #[cold]
    #[inline(never)]
    pub(super) fn fail_refused(&mut self) {
        let init = self
            .acking
            .as_ref()
            .and_then(|a| a.init)
            .map(|slot| self.routing.stream(slot).index);
        let mut roots = Vec::new();
        for batch in self.transfer.take_refused() {
            batch.tree_roots_into(&mut roots);
            if let Some(init) = init {
                batch.first_ints_of_stream(init, &mut roots);
            }
        }
        self.fail_lost(roots);
    }

    /// Fails at once the trees `roots` (tuples of them were lost): a spout's own pending trees
    /// wait in [`TaskEmitter::take_lost_trees`] for the spout task to end them; a bolt sends a
    /// fail with the reason "lost" to each root's acker and sends it now. A fail refused in
    /// turn (the acker is unreachable too) is dropped: the spouts hear that the acker's worker
    /// is gone.
    pub fn fail_lost(&mut self, mut roots: Vec<u64>) {
        let Some(acking) = self.acking.as_ref() else {
            return;
        };
        let (is_spout, fail) = (acking.init.is_some(), acking.fail);
        roots.sort_unstable();
        roots.dedup();
        if is_spout {
            for root in roots {
                if let Some(tree) = self.take_pending(root) {
                    self.lost_trees.push(tree);
                }
            }
            if self.unpublished_trees != 0 {
                self.progress
                    .add_pending_trees(std::mem::take(&mut self.unpublished_trees));
            }
            return;
        }
        let Some(slot) = fail else { return };
        // Each round fails the trees of what the previous round's flush had refused.
        for _ in 0..3 {
            if roots.is_empty() {
                break;
            }
            for root in roots.drain(..) {
                self.emit_system(slot, storm_core::values![root as i64, FAIL_LOST]);
            }
            self.transfer.flush(self.lane.open_batches());
            for batch in self.transfer.take_refused() {
                batch.tree_roots_into(&mut roots);
            }
            roots.sort_unstable();
            roots.dedup();
        }
    }

    /// Moves all of a spout's pending trees to the lost trees: a worker of the topology is gone
    /// (or its connection broke), and any of them may have had tuples inside it, or their acker
    /// there. Which ones did is known nowhere: a tree whose tuple was credited (executed) there
    /// may still have had descendants in that worker's queues. Those that would have completed
    /// are replayed needlessly, as at-least-once allows, at most `topology.max.spout.pending`.
    pub fn fail_all_pending(&mut self) {
        let lost = self.pending.take_all();
        self.unpublished_trees -= lost.len() as i64;
        self.lost_trees
            .extend(lost.into_iter().map(|(_, tree)| tree));
    }

    /// A spout's trees the transport lost since the last call, to end with
    /// [`FailReason::Lost`](storm_core::FailReason::Lost).
    pub fn take_lost_trees(&mut self) -> Vec<PendingTree> {
        std::mem::take(&mut self.lost_trees)
    }
}
