//! `BoltTask`: the actor that runs one bolt task.
//!
//! It takes batches from its mailbox and hands each to the bolt's [`Bolt::execute_batch`]
//! (which builds each [`storm_core::Tuple`] and calls `execute`), then flushes its output and returns
//! credit to the sender. While its own output waits for credit it stashes incoming batches
//! unprocessed and returns no credit for them, so back-pressure travels upstream batch by
//! batch.

use std::collections::VecDeque;
use std::rc::Rc;
use std::time::{Duration, Instant};

use actix::{Actor, ActorContext, AsyncContext, Context, Handler};
use storm_core::dataplane::{received_tuple, Emitter, InputBatch, TupleSource};
use storm_core::system::TICK_STREAM;
use storm_core::{Bolt, OutputCollector, TaskId, Value, Values};

use crate::batch::{CreditGrant, TupleBatch};
use storm_core::topology::BoltFactory;

use crate::executor::guard::{call_guarded, rebuild_after_panic};
use crate::executor::latency_sampler::LatencySampler;
use crate::executor::{idle_thread, SetActive, Shutdown, TaskEmitter, TaskEnv, Wire};
use crate::transport::Lost;
use crate::StreamTable;

/// One bolt task.
pub struct BoltTask {
    bolt: Box<dyn Bolt>,
    factory: BoltFactory,
    env: TaskEnv,
    emitter: Option<TaskEmitter>,
    /// Batches waiting, with when each arrived (for the process latency).
    stash: VecDeque<(TupleBatch, Instant)>,
    /// Samples execute and process latencies of about `topology.stats.sample.rate` of the
    /// input tuples, a whole batch at a time.
    sampler: LatencySampler,
    schemas: Vec<Rc<TupleSource>>,
    /// When the next tick tuple is due, and the tick period in seconds.
    next_tick: Option<(Instant, u32)>,
}

/// A tick counts as due this much early, so that a timer firing a little ahead of its instant
/// does not push the tick back a whole period.
const TICK_TOLERANCE: Duration = Duration::from_millis(50);

impl BoltTask {
    /// A task running `bolt`; it waits for [`Wire`] before preparing it.
    pub fn new(factory: BoltFactory, env: TaskEnv) -> Self {
        Self {
            bolt: factory(),
            factory,
            schemas: env.table.schemas(),
            sampler: LatencySampler::new(env.config.stats_sample_rate),
            env,
            emitter: None,
            stash: VecDeque::new(),
            next_tick: None,
        }
    }

    fn can_process(&self) -> bool {
        matches!(&self.emitter, Some(e) if !e.is_blocked())
    }

    /// Runs a batch that arrived at `arrived` (`None`: just now, not stashed).
    fn process(&mut self, batch: TupleBatch, arrived: Option<Instant>) {
        let Some(emitter) = self.emitter.as_mut() else {
            self.stash
                .push_front((batch, arrived.unwrap_or_else(Instant::now)));
            return;
        };
        let started = std::time::Instant::now();
        let n = batch.tuples.len();
        let src = batch.src;
        let epoch = batch.epoch;
        let mut tuples = batch.tuples;
        let mut inputs = InputBatch::new(tuples.drain(), &self.schemas, src);
        // One unwind guard per batch, not per tuple: a panic skips only the tuple that caused
        // it, and the rest of the batch goes to a fresh instance.
        loop {
            let bolt = &mut self.bolt;
            let run = call_guarded(|| {
                let mut collector = OutputCollector::new(emitter);
                bolt.execute_batch(&mut inputs, &mut collector);
            });
            match run {
                Ok(()) => break,
                Err(panic) => {
                    rebuild_after_panic(
                        &mut self.bolt,
                        &self.factory,
                        &self.env,
                        true,
                        "",
                        &panic,
                        |msg| Emitter::report_error(emitter, msg),
                    );
                }
            }
        }
        drop(inputs);
        if self.sampler.sample(n as u64) {
            let ended = Instant::now();
            self.env.stats.add_latency_sample(
                n as u64,
                ended.saturating_duration_since(started),
                ended.saturating_duration_since(arrived.unwrap_or(started)),
            );
        }
        emitter.flush();
        self.env.stats.add_executed(n as u64);
        self.env.return_credit(src, n, epoch, Some(tuples));
        self.env.progress.batch_done();
        self.env.record_busy(started);
        self.tick_if_due();
    }

    fn drain_stash(&mut self) {
        while self.can_process() {
            match self.stash.pop_front() {
                Some((batch, arrived)) => self.process(batch, Some(arrived)),
                None => break,
            }
        }
    }

    /// Delivers the tick tuple if it is due. Called by the tick timer and after every input
    /// batch: actix runs an actor's timers only once its mailbox is empty, which a saturated
    /// bolt's never is, so without the second call a busy bolt would get no ticks at all.
    fn tick_if_due(&mut self) {
        let Some((due, freq_secs)) = self.next_tick else {
            return;
        };
        let now = Instant::now();
        if now + TICK_TOLERANCE < due {
            return;
        }
        self.next_tick = Some((now + Duration::from_secs(u64::from(freq_secs)), freq_secs));
        self.tick(freq_secs);
    }

    fn tick(&mut self, freq_secs: u32) {
        let Some(emitter) = self.emitter.as_mut() else {
            return;
        };
        let Some(schema) = self.schemas.get(StreamTable::TICK as usize) else {
            return;
        };
        debug_assert_eq!(schema.stream.as_str(), TICK_STREAM);
        let mut values = Values::new();
        values.push(Value::Int(i64::from(freq_secs)));
        let tuple = received_tuple(
            values,
            schema.clone(),
            TaskId::SYSTEM,
            storm_core::MessageId::unanchored(),
        );
        let mut collector = OutputCollector::new(emitter);
        match call_guarded(|| self.bolt.execute(tuple, &mut collector)) {
            Ok(Ok(())) => {}
            Ok(Err(e)) => collector.report_error(&e.0),
            Err(panic) => rebuild_after_panic(
                &mut self.bolt,
                &self.factory,
                &self.env,
                true,
                " on a tick",
                &panic,
                |msg| collector.report_error(msg),
            ),
        }
        emitter.flush();
    }
}

impl Actor for BoltTask {
    type Context = Context<Self>;
}

impl Handler<Wire> for BoltTask {
    type Result = ();

    fn handle(&mut self, msg: Wire, ctx: &mut Context<Self>) {
        match self.env.make_emitter(&msg.0) {
            Ok(emitter) => self.emitter = Some(emitter),
            Err(e) => {
                tracing::error!(task = %self.env.task, error = %e, "cannot wire bolt task");
                self.env.stats.record_error(&e.to_string());
                return;
            }
        }
        self.env.directory = Some(msg.0);
        self.bolt.prepare(&self.env.config, &self.env.context);
        if let Some(freq) = self.env.config.tick_tuple_freq_secs {
            let period = Duration::from_secs(u64::from(freq));
            self.next_tick = Some((Instant::now() + period, freq));
            ctx.run_interval(period, |act, _| act.tick_if_due());
        }
        self.drain_stash();
    }
}

impl Handler<TupleBatch> for BoltTask {
    type Result = ();

    fn handle(&mut self, batch: TupleBatch, _ctx: &mut Context<Self>) {
        idle_thread::handled();
        if self.stash.is_empty() && self.can_process() {
            self.process(batch, None);
        } else {
            self.stash.push_back((batch, Instant::now()));
        }
    }
}

impl Handler<CreditGrant> for BoltTask {
    type Result = ();

    fn handle(&mut self, grant: CreditGrant, _ctx: &mut Context<Self>) {
        idle_thread::handled();
        if let Some(e) = self.emitter.as_mut() {
            e.add_credit(grant.from, grant.tuples, grant.buffer);
        }
        self.drain_stash();
    }
}

impl Handler<Lost> for BoltTask {
    type Result = ();

    /// Tracked tuples it sent were lost in flight: their trees fail at once, through their
    /// ackers. A gone peer's ackers are the spouts' concern.
    fn handle(&mut self, lost: Lost, _ctx: &mut Context<Self>) {
        idle_thread::handled();
        if let (Lost::InFlight(roots), Some(e)) = (lost, self.emitter.as_mut()) {
            e.fail_lost(roots);
        }
    }
}

impl Handler<SetActive> for BoltTask {
    type Result = ();

    fn handle(&mut self, _msg: SetActive, _ctx: &mut Context<Self>) {}
}

impl Handler<Shutdown> for BoltTask {
    type Result = ();

    fn handle(&mut self, msg: Shutdown, ctx: &mut Context<Self>) {
        if self.emitter.is_some() {
            self.bolt.cleanup();
        }
        let _ = msg.done.send(self.env.task);
        ctx.stop();
    }
}
