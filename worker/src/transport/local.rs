//! The in-process transport: batches and credits go straight into the task actor's mailbox.
//! `do_send` is unbounded, so the [`crate::transfer::Transfer`] credit window is what bounds it.

use actix::Recipient;

use super::TaskLink;
use crate::batch::{CreditGrant, TupleBatch};

/// A task actor in this process.
pub struct LocalLink {
    batches: Recipient<TupleBatch>,
    credits: Recipient<CreditGrant>,
}

impl LocalLink {
    /// Links to an actor that takes batches and credits.
    pub fn new(batches: Recipient<TupleBatch>, credits: Recipient<CreditGrant>) -> Self {
        Self { batches, credits }
    }
}

impl TaskLink for LocalLink {
    fn send_batch(&self, batch: TupleBatch) {
        self.batches.do_send(batch);
    }

    fn send_credit(&self, grant: CreditGrant) {
        self.credits.do_send(grant);
    }
}
