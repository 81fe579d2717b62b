//! `SpoutTask`: the actor that runs one spout task.
//!
//! While the topology is active it calls `next_tuple` in turns of up to one batch of emits,
//! flushing after each turn and re-scheduling itself. It pauses when its output waits for
//! credit (a credit wakes it) or when `topology.max.spout.pending` trees are in flight (an ack
//! wakes it), and waits as `topology.spout.wait.strategy` says when the spout has nothing to
//! emit (`wait_strategy.rs`). Acks and fails from the ackers arrive as batches and are handled even
//! while the spout is paused; pending trees time out after one to two message timeouts. Trees
//! the transport lost (their tuples refused, dropped or in flight to a worker that is gone; all
//! pending trees when a worker of the topology is gone) fail at once. Every fail reaches the spout's `fail_with_reason` with why.

use std::time::{Duration, Instant};

use actix::fut::ActorFutureExt;
use actix::{Actor, ActorContext, AsyncContext, Context, Handler, Message};
use storm_core::{FailReason, Spout, SpoutOutputCollector, Value};

use storm_core::system::{
    ACKER_ACK_STREAM, ACKER_COMPONENT, ACKER_FAIL_STREAM, ACKER_RESET_TIMEOUT_STREAM, FAIL_LOST,
};
use storm_core::GlobalStreamId;

use crate::batch::{CreditGrant, TupleBatch};
use storm_core::topology::SpoutFactory;

use crate::executor::guard::{call_guarded, rebuild_after_panic};
use crate::executor::wait_strategy::{IdleWait, SpoutWait};
use crate::executor::{idle_thread, SetActive, Shutdown, TaskEmitter, TaskEnv, Wire};
use crate::transport::Lost;

/// One spout task.
pub struct SpoutTask {
    spout: Box<dyn Spout>,
    factory: SpoutFactory,
    env: TaskEnv,
    emitter: Option<TaskEmitter>,
    active: bool,
    spout_active: bool,
    scheduled: bool,
    /// The number of the scheduled turn: a turn message with another number is stale.
    turn_seq: u64,
    /// Waiting for its thread to go idle for a park, and whether the timer that polls it if the
    /// thread stays busy is armed (one at a time, however many parks it covers).
    parked: bool,
    park_fallback_armed: bool,
    /// Consecutive turns that emitted nothing since `idle_since`, and what to do after each.
    idle_turns: u32,
    idle_since: Instant,
    wait: SpoutWait,
    max_pending: Option<usize>,
    ack_streams: [Option<u32>; 3],
    /// A tree failed as lost since the last turn.
    lost_since_turn: bool,
}

/// Run a turn, the one numbered so.
#[derive(Message)]
#[rtype(result = "()")]
struct Turn(u64);

/// How long a spout waits before its next turn when trees failed as lost since its last one
/// (a worker is unreachable): a spout that replays what fails would otherwise spin, emitting
/// into the dead link, until the connection is back (reconnects are 100 ms to 1 s apart).
const LOST_TURN_WAIT: Duration = Duration::from_millis(20);

/// How a spout tuple's tree ended, for the spout's `ack` or `fail_with_reason`.
enum TreeEnd {
    Acked(Value),
    Failed(Value, FailReason),
}

impl SpoutTask {
    /// A task running `spout`; it opens the spout when wired and runs while active.
    pub fn new(factory: SpoutFactory, env: TaskEnv, active: bool) -> Self {
        let wait = SpoutWait::for_spout(&env.config);
        let stream = |s: &str| env.table.index_of(&GlobalStreamId::new(ACKER_COMPONENT, s));
        let ack_streams = [
            stream(ACKER_ACK_STREAM),
            stream(ACKER_FAIL_STREAM),
            stream(ACKER_RESET_TIMEOUT_STREAM),
        ];
        let max_pending = env
            .config
            .max_spout_pending
            .filter(|m| *m > 0)
            .map(|m| m as usize);
        Self {
            spout: factory(),
            factory,
            env,
            emitter: None,
            active,
            spout_active: false,
            scheduled: false,
            turn_seq: 0,
            parked: false,
            park_fallback_armed: false,
            idle_turns: 0,
            idle_since: Instant::now(),
            wait,
            max_pending,
            ack_streams,
            lost_since_turn: false,
        }
    }

    /// Numbers the next turn, unless one is scheduled already.
    fn next_turn(&mut self) -> Option<u64> {
        if self.scheduled {
            return None;
        }
        self.scheduled = true;
        self.turn_seq += 1;
        Some(self.turn_seq)
    }

    fn schedule(&mut self, ctx: &mut Context<Self>, delay: Option<Duration>) {
        let Some(seq) = self.next_turn() else {
            return;
        };
        match delay {
            None => ctx.notify(Turn(seq)),
            Some(d) => {
                ctx.notify_later(Turn(seq), d);
            }
        }
    }

    /// Schedules the next turn after `wait`, the wait strategy's answer to an idle turn.
    fn schedule_idle(&mut self, ctx: &mut Context<Self>, wait: IdleWait) {
        match wait {
            IdleWait::Sleep(d) => self.schedule(ctx, Some(d)),
            IdleWait::Park(d) => {
                let Some(seq) = self.next_turn() else {
                    return;
                };
                let addr = ctx.address();
                idle_thread::poll_when_idle(d, Box::new(move || addr.do_send(Turn(seq))));
                self.parked = true;
                if !self.park_fallback_armed {
                    self.park_fallback_armed = true;
                    ctx.run_later(self.wait.longest(), |act, ctx| {
                        act.park_fallback_armed = false;
                        if act.parked {
                            ctx.notify(Turn(act.turn_seq));
                        }
                    });
                }
            }
            IdleWait::Yield => {
                let Some(seq) = self.next_turn() else {
                    return;
                };
                // Through the runtime, so the other tasks of this thread run first.
                ctx.spawn(
                    actix::fut::wrap_future::<_, Self>(tokio::task::yield_now())
                        .map(move |(), _act, ctx| ctx.notify(Turn(seq))),
                );
            }
        }
    }

    fn sync_activation(&mut self) {
        if self.emitter.is_none() || self.active == self.spout_active {
            return;
        }
        self.spout_active = self.active;
        if self.active {
            self.spout.activate();
        } else {
            self.spout.deactivate();
        }
    }

    fn at_max_pending(&self) -> bool {
        match (&self.emitter, self.max_pending) {
            (Some(e), Some(max)) => e.is_acking() && e.pending_count() >= max,
            _ => false,
        }
    }

    /// Acks, fails or re-times the trees the ackers report on.
    fn handle_acker_batch(&mut self, batch: TupleBatch) {
        let Some(emitter) = self.emitter.as_mut() else {
            return;
        };
        let [ack, fail, reset] = self.ack_streams;
        let now = std::time::Instant::now();
        let mut ended = Vec::new();
        let mut tuples = batch.tuples;
        for wire in tuples.drain() {
            let Some(root) = wire.values.first().and_then(|v| v.as_i64()) else {
                continue;
            };
            let root = root as u64;
            let stream = Some(wire.stream);
            if stream == ack {
                if let Some(tree) = emitter.take_pending(root) {
                    self.env.stats.add_acked(1);
                    self.env
                        .stats
                        .add_complete_latency(now.saturating_duration_since(tree.emitted_at));
                    ended.push(TreeEnd::Acked(tree.message_id));
                }
            } else if stream == fail {
                if let Some(tree) = emitter.take_pending(root) {
                    let reason = match wire.values.get(2).and_then(|v| v.as_i64()) {
                        Some(FAIL_LOST) => FailReason::Lost,
                        _ => FailReason::BoltFailed,
                    };
                    self.env.stats.add_failed_because(reason, 1);
                    ended.push(TreeEnd::Failed(tree.message_id, reason));
                }
            } else if stream == reset {
                emitter.touch_pending(root);
            }
        }
        for end in ended {
            self.end_tree(end);
        }
        if let Some(emitter) = self.emitter.as_mut() {
            emitter.flush();
        }
        self.end_lost_trees();
    }

    /// Fails the trees the transport lost, with [`FailReason::Lost`]; true if there were any.
    fn end_lost_trees(&mut self) -> bool {
        let Some(emitter) = self.emitter.as_mut() else {
            return false;
        };
        let lost = emitter.take_lost_trees();
        if lost.is_empty() {
            return false;
        }
        self.env
            .stats
            .add_failed_because(FailReason::Lost, lost.len() as u64);
        for tree in lost {
            self.end_tree(TreeEnd::Failed(tree.message_id, FailReason::Lost));
        }
        true
    }

    fn expire_pending(&mut self) {
        let Some(emitter) = self.emitter.as_mut() else {
            return;
        };
        let expired = emitter.expire_pending();
        if expired.is_empty() {
            return;
        }
        self.env
            .stats
            .add_failed_because(FailReason::Timeout, expired.len() as u64);
        for tree in expired {
            self.end_tree(TreeEnd::Failed(tree.message_id, FailReason::Timeout));
        }
        if let Some(emitter) = self.emitter.as_mut() {
            emitter.flush();
        }
        self.end_lost_trees();
    }

    /// Tells the spout how a tree ended, guarded like `next_tuple`: a panic in `ack` or `fail`
    /// becomes the spout's error and a fresh instance carries on.
    fn end_tree(&mut self, end: TreeEnd) {
        if matches!(end, TreeEnd::Failed(_, FailReason::Lost)) {
            self.lost_since_turn = true;
        }
        let spout = &mut self.spout;
        let result = call_guarded(|| match end {
            TreeEnd::Acked(id) => spout.ack(id),
            TreeEnd::Failed(id, reason) => spout.fail_with_reason(id, reason),
        });
        if let Err(panic) = result {
            let env = &self.env;
            rebuild_after_panic(
                &mut self.spout,
                &self.factory,
                &self.env,
                self.spout_active,
                " in ack/fail",
                &panic,
                |msg| {
                    tracing::error!(task = %env.task, error = %msg, "component reported an error");
                    env.stats.record_error(msg);
                },
            );
        }
    }

    /// One turn: up to a batch of emits. Returns true if anything was emitted.
    fn turn(&mut self) -> bool {
        let Some(emitter) = self.emitter.as_mut() else {
            return false;
        };
        let budget = self.env.config.producer_batch_size.max(1) as u64;
        emitter.refresh_clock();
        let start = emitter.emitted_total();
        loop {
            let before = emitter.emitted_total();
            let result = {
                let mut collector = SpoutOutputCollector::new(emitter);
                call_guarded(|| self.spout.next_tuple(&mut collector))
            };
            match result {
                Ok(Ok(())) => {}
                Ok(Err(e)) => storm_core::dataplane::Emitter::report_error(emitter, &e.0),
                Err(panic) => {
                    rebuild_after_panic(
                        &mut self.spout,
                        &self.factory,
                        &self.env,
                        self.spout_active,
                        "",
                        &panic,
                        |msg| storm_core::dataplane::Emitter::report_error(emitter, msg),
                    );
                    break;
                }
            }
            let now = emitter.emitted_total();
            let full = self
                .max_pending
                .is_some_and(|m| emitter.is_acking() && emitter.pending_count() >= m);
            if now == before || now - start >= budget || emitter.is_blocked() || full {
                break;
            }
        }
        emitter.flush();
        let acks = emitter.take_immediate_acks();
        let emitted = emitter.emitted_total() - start;
        self.env.stats.add_acked(acks.len() as u64);
        for id in acks {
            self.end_tree(TreeEnd::Acked(id));
        }
        self.end_lost_trees();
        self.env.stats.exhausted.set(self.spout.is_exhausted());
        emitted > 0
    }
}

impl Actor for SpoutTask {
    type Context = Context<Self>;
}

impl Handler<Wire> for SpoutTask {
    type Result = ();

    fn handle(&mut self, msg: Wire, ctx: &mut Context<Self>) {
        match self.env.make_emitter(&msg.0) {
            Ok(emitter) => self.emitter = Some(emitter),
            Err(e) => {
                tracing::error!(task = %self.env.task, error = %e, "cannot wire spout task");
                self.env.stats.record_error(&e.to_string());
                return;
            }
        }
        self.env.directory = Some(msg.0);
        self.spout.open(&self.env.config, &self.env.context);
        self.env.stats.exhausted.set(self.spout.is_exhausted());
        let tracks = self.emitter.as_ref().is_some_and(TaskEmitter::is_acking);
        if tracks && self.env.config.enable_message_timeouts {
            ctx.run_interval(self.env.config.message_timeout(), |act, ctx| {
                act.expire_pending();
                act.schedule(ctx, None);
            });
        }
        self.sync_activation();
        self.schedule(ctx, None);
    }
}

impl Handler<Turn> for SpoutTask {
    type Result = ();

    fn handle(&mut self, msg: Turn, ctx: &mut Context<Self>) {
        if !self.scheduled || msg.0 != self.turn_seq {
            return; // a park's poll or fallback after the other ran the turn
        }
        self.scheduled = false;
        self.parked = false;
        if !self.active {
            return;
        }
        match &self.emitter {
            Some(e) if !e.is_blocked() => {}
            _ => return, // a credit or wiring will schedule the next turn
        }
        if self.at_max_pending() {
            return; // an ack, fail or timeout will schedule the next turn
        }
        let started = std::time::Instant::now();
        let emitted = self.turn();
        self.env.record_busy(started);
        if std::mem::take(&mut self.lost_since_turn) {
            self.schedule(ctx, Some(LOST_TURN_WAIT));
        } else if emitted {
            self.idle_turns = 0;
            self.schedule(ctx, None);
        } else {
            if self.idle_turns == 0 {
                self.idle_since = started;
            }
            self.idle_turns = self.idle_turns.saturating_add(1);
            let wait = self
                .wait
                .after(self.idle_turns, started.duration_since(self.idle_since));
            self.schedule_idle(ctx, wait);
        }
    }
}

impl Handler<TupleBatch> for SpoutTask {
    type Result = ();

    fn handle(&mut self, batch: TupleBatch, ctx: &mut Context<Self>) {
        idle_thread::handled();
        let started = std::time::Instant::now();
        let n = batch.tuples.len();
        let src = batch.src;
        let epoch = batch.epoch;
        self.env.stats.add_executed(n as u64);
        self.handle_acker_batch(batch);
        self.env.stats.exhausted.set(self.spout.is_exhausted());
        self.env.return_credit(src, n, epoch, None);
        self.env.progress.batch_done();
        self.env.record_busy(started);
        if self.active && !self.at_max_pending() {
            self.schedule(ctx, None);
        }
    }
}

impl Handler<CreditGrant> for SpoutTask {
    type Result = ();

    fn handle(&mut self, grant: CreditGrant, ctx: &mut Context<Self>) {
        idle_thread::handled();
        if let Some(e) = self.emitter.as_mut() {
            e.add_credit(grant.from, grant.tuples, grant.buffer);
            if !e.is_blocked() {
                self.schedule(ctx, None);
            }
        }
        if self.end_lost_trees() {
            if let Some(e) = self.emitter.as_mut() {
                e.flush();
            }
        }
    }
}

impl Handler<Lost> for SpoutTask {
    type Result = ();

    /// Fails at once the trees the transport lost: those with tuples in flight on a connection
    /// that broke or dropped by the peer, and every pending tree when a peer worker is gone.
    fn handle(&mut self, lost: Lost, ctx: &mut Context<Self>) {
        idle_thread::handled();
        let Some(emitter) = self.emitter.as_mut() else {
            return;
        };
        match lost {
            Lost::InFlight(roots) => emitter.fail_lost(roots),
            Lost::Peer(_) => emitter.fail_all_pending(),
        }
        if self.end_lost_trees() {
            if let Some(e) = self.emitter.as_mut() {
                e.flush();
            }
            if self.active && !self.at_max_pending() {
                self.schedule(ctx, None);
            }
        }
    }
}

impl Handler<SetActive> for SpoutTask {
    type Result = ();

    fn handle(&mut self, msg: SetActive, ctx: &mut Context<Self>) {
        self.active = msg.0;
        self.sync_activation();
        if self.active {
            self.schedule(ctx, None);
        }
    }
}

impl Handler<Shutdown> for SpoutTask {
    type Result = ();

    fn handle(&mut self, msg: Shutdown, ctx: &mut Context<Self>) {
        if self.emitter.is_some() {
            if self.spout_active {
                self.spout.deactivate();
                self.spout_active = false;
            }
            self.spout.close();
        }
        let _ = msg.done.send(self.env.task);
        ctx.stop();
    }
}
