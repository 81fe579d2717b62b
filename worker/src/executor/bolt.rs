//! `BoltTask`: the actor that runs one bolt task.
//!
//! It takes batches from its mailbox and hands each to the bolt's [`Bolt::execute_batch`]
//! (which builds each [`Tuple`] and calls `execute`), then flushes its output and returns
//! credit to the sender. While its own output waits for credit it stashes incoming batches
//! unprocessed and returns no credit for them, so back-pressure travels upstream batch by
//! batch. The bolt itself lives in a [`ChainedBolt`], which upstream tasks on the same thread
//! may also call directly (see `chain.rs`).
//!
//! [`Bolt::execute_batch`]: storm_core::Bolt::execute_batch
//! [`Tuple`]: storm_core::Tuple

use std::collections::VecDeque;
use std::rc::Rc;
use std::time::Duration;

use actix::{Actor, ActorContext, AsyncContext, Context, Handler};
use storm_core::topology::BoltFactory;

use crate::batch::{CreditGrant, TupleBatch};
use crate::executor::bolt_core::BoltCore;
use crate::executor::chain::{self, ChainedBolt};
use crate::executor::{SetActive, Shutdown, TaskEnv, Wake, Wire};

/// One bolt task.
pub struct BoltTask {
    bolt: Rc<ChainedBolt>,
    stash: VecDeque<TupleBatch>,
}

impl BoltTask {
    /// A task running `bolt`; it waits for [`Wire`] before preparing it. It is registered on
    /// the current thread for upstream tasks to chain to.
    pub fn new(factory: BoltFactory, env: TaskEnv) -> Self {
        let task = env.task;
        let bolt = Rc::new(ChainedBolt::new(BoltCore::new(factory, env)));
        chain::register(task, bolt.clone());
        Self {
            bolt,
            stash: VecDeque::new(),
        }
    }

    /// Runs what waits (tuples delivered before wiring, stashed batches) while the task can
    /// take input; wakes the chained upstreams if it ends able to take more.
    fn drain_stash(&mut self) {
        self.bolt.run_early();
        while !self.bolt.is_blocked() {
            match self.stash.pop_front() {
                Some(batch) => self.bolt.core().process(batch),
                None => break,
            }
        }
        if !self.bolt.is_blocked() {
            self.bolt.wake_upstreams();
        }
    }
}

impl Actor for BoltTask {
    type Context = Context<Self>;
}

impl Handler<Wire> for BoltTask {
    type Result = ();

    fn handle(&mut self, msg: Wire, ctx: &mut Context<Self>) {
        let wired = self.bolt.core().wire(&msg.0);
        if !wired {
            return;
        }
        {
            let core = self.bolt.core();
            if let Some(emitter) = core.emitter() {
                for downstream in emitter.chained() {
                    downstream.add_upstream(ctx.address().recipient());
                }
            }
            if let Some(freq) = core.env.config.tick_tuple_freq_secs {
                ctx.run_interval(Duration::from_secs(u64::from(freq)), move |act, _| {
                    act.bolt.core().tick(freq)
                });
            }
        }
        self.drain_stash();
    }
}

impl Handler<TupleBatch> for BoltTask {
    type Result = ();

    fn handle(&mut self, batch: TupleBatch, _ctx: &mut Context<Self>) {
        if self.stash.is_empty() && !self.bolt.is_blocked() {
            self.bolt.core().process(batch);
        } else {
            self.stash.push_back(batch);
        }
    }
}

impl Handler<CreditGrant> for BoltTask {
    type Result = ();

    fn handle(&mut self, grant: CreditGrant, _ctx: &mut Context<Self>) {
        let was_blocked = self.bolt.is_blocked();
        self.bolt
            .core()
            .add_credit(grant.from, grant.tuples, grant.buffer);
        if was_blocked || !self.stash.is_empty() {
            self.drain_stash();
        }
    }
}

impl Handler<Wake> for BoltTask {
    type Result = ();

    fn handle(&mut self, _msg: Wake, _ctx: &mut Context<Self>) {
        self.drain_stash();
    }
}

impl Handler<SetActive> for BoltTask {
    type Result = ();

    fn handle(&mut self, _msg: SetActive, _ctx: &mut Context<Self>) {}
}

impl Handler<Shutdown> for BoltTask {
    type Result = ();

    fn handle(&mut self, msg: Shutdown, ctx: &mut Context<Self>) {
        let task = {
            let mut core = self.bolt.core();
            core.stop();
            core.task()
        };
        chain::unregister(task);
        let _ = msg.done.send(task);
        ctx.stop();
    }
}
