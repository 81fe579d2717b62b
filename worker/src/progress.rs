//! `Progress`: how many batches of a topology are in flight, and which spouts are exhausted,
//! so local mode and the testing API can tell when everything emitted has been processed.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

/// Shared by every task of a topology in this process.
#[derive(Debug, Default)]
pub struct Progress {
    in_flight_batches: AtomicI64,
    pending_trees: AtomicI64,
}

impl Progress {
    /// A batch was sealed (it counts until its receiver has processed it).
    #[inline]
    pub fn batch_created(&self) {
        self.in_flight_batches.fetch_add(1, Ordering::SeqCst);
    }

    /// A batch was processed. Its outputs were sealed before this, so the count never dips to
    /// zero while work remains.
    #[inline]
    pub fn batch_done(&self) {
        self.in_flight_batches.fetch_sub(1, Ordering::SeqCst);
    }

    /// Batches sealed and not yet processed.
    pub fn in_flight(&self) -> i64 {
        self.in_flight_batches.load(Ordering::SeqCst)
    }

    /// Spout tuple trees started (positive) or ended (negative) since a spout last said.
    /// Spouts say once per turn or input batch, before they seal its batches or count it
    /// done, so the count never reads zero while a tree is pending; one shared counter
    /// touched per tree was a cache line bouncing between the spouts' cores.
    pub fn add_pending_trees(&self, delta: i64) {
        self.pending_trees.fetch_add(delta, Ordering::SeqCst);
    }

    /// Trees not yet acked or failed.
    pub fn pending_trees(&self) -> i64 {
        self.pending_trees.load(Ordering::SeqCst)
    }
}

/// Whether a spout task has emitted all it ever will.
#[derive(Debug, Default)]
pub struct ExhaustedFlag(AtomicBool);

impl ExhaustedFlag {
    /// Records the spout's answer.
    pub fn set(&self, exhausted: bool) {
        self.0.store(exhausted, Ordering::SeqCst);
    }

    /// The last answer.
    pub fn get(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}
