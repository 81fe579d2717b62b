//! The in-process transport: batches and credits go straight into the task actor's mailbox.
//! `do_send` is unbounded, so the [`crate::transfer::Transfer`] credit window is what bounds it.

use std::sync::Arc;

use actix::Recipient;

use super::{Lost, TaskLink, Unreachable};
use crate::batch::{CreditGrant, TupleBatch};
use crate::executor::idle_thread::ThreadSignal;
use crate::load::LoadMap;

/// A task actor in this process.
pub struct LocalLink {
    batches: Recipient<TupleBatch>,
    credits: Recipient<CreditGrant>,
    lost: Recipient<Lost>,
    loads: Arc<LoadMap>,
    /// The arrivals of the task's executor thread, counted before each send.
    signal: Arc<ThreadSignal>,
}

impl LocalLink {
    /// Links to an actor that takes batches, credits and losses; batches it delivers count
    /// towards the task's load in `loads`; each message counts in `signal`, its thread's.
    pub fn new(
        batches: Recipient<TupleBatch>,
        credits: Recipient<CreditGrant>,
        lost: Recipient<Lost>,
        loads: Arc<LoadMap>,
        signal: Arc<ThreadSignal>,
    ) -> Self {
        Self {
            batches,
            credits,
            lost,
            loads,
            signal,
        }
    }
}

impl TaskLink for LocalLink {
    fn send_batch(&self, batch: TupleBatch) -> Result<(), Unreachable> {
        self.loads.delivered(batch.dst, batch.tuples.len());
        self.signal.arrived();
        self.batches.do_send(batch);
        Ok(())
    }

    fn send_credit(&self, grant: CreditGrant) {
        self.signal.arrived();
        self.credits.do_send(grant);
    }

    fn send_lost(&self, lost: Lost) {
        self.signal.arrived();
        self.lost.do_send(lost);
    }
}
