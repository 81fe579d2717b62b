//! `TaskEmitter`: the [`Emitter`] behind a task's collector. It resolves the stream, checks the
//! values, asks routing for the targets, gives each copy its tuple-tree ids and appends it to
//! the transfer's batches. With ackers it also does the task's part of Storm's XOR algorithm:
//! spouts start trees (`__ack_init`), bolts anchor edges and send `__ack_ack`/`__ack_fail`:
//! the ids are drawn and combined in `emitter/tree_ids.rs`, and the spout's trees, pending or
//! lost by the transport, are kept in `emitter/pending_trees.rs`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use storm_core::dataplane::{
    BatchTuples, EmitLane, EmitTarget, Emitter, LanePlan, OpenBatches, TupleAcking,
};
use storm_core::grouping::SingleChoice;
use storm_core::system::{
    ACKER_ACK_STREAM, ACKER_FAIL_STREAM, ACKER_INIT_STREAM, ACKER_RESET_TIMEOUT_STREAM,
    FAIL_BY_BOLT,
};
use storm_core::util::SplitMix64;
use storm_core::{EmitError, MessageId, TaskId, Tuple, Value, Values};

use crate::error_reports::TaskErrorReporter;
use crate::load::{LoadMap, LoadSampler};
use crate::progress::Progress;
use crate::rotating_map::RotatingMap;
use crate::routing::{DefaultPlan, OutputRouting, Route};
use crate::stats::TaskStats;
use crate::transfer::Transfer;

mod pending_trees;
mod tree_ids;
pub use pending_trees::PendingTree;
pub use tree_ids::RootAffinity;

/// One emit, as the collector asked for it.
struct EmitRequest<'t, 'a> {
    target: EmitTarget<'t>,
    anchors: &'a [&'a Tuple],
    values: &'a mut Values,
    message_id: Option<Value>,
}

/// The acking streams of this task, as routing slots.
struct AckSlots {
    init: Option<usize>,
    ack: Option<usize>,
    fail: Option<usize>,
    reset: Option<usize>,
}

/// The emitting side of one task.
pub struct TaskEmitter {
    task: TaskId,
    routing: OutputRouting,
    transfer: Transfer,
    /// The open batches, and the collectors' inline short way into them.
    lane: EmitLane,
    targets: Vec<TaskId>,
    stats: Arc<TaskStats>,
    progress: Arc<Progress>,
    emitted: u64,
    acked: u64,
    failed: u64,
    debug: bool,
    rng: SplitMix64,
    acking: Option<AckSlots>,
    /// The short way for untracked emits on the default stream, when nothing needs the
    /// general one (no ackers, no debug logging, one subscription).
    default_plan: Option<DefaultPlan>,
    /// Spout trees not yet complete, rotated once per message timeout.
    pending: RotatingMap<u64, PendingTree>,
    /// Trees started less trees ended since the last flush told [`Progress`].
    unpublished_trees: i64,
    /// The emit time given to new trees: set once per spout turn, not read per tuple.
    now: Instant,
    /// Spout message ids to ack at once: with no ackers nothing is tracked (as in Storm).
    immediate_acks: Vec<Value>,
    /// Roots are drawn to belong to the acker on this thread, when there is one.
    root_affinity: Option<RootAffinity>,
    /// Acks not yet sent, XOR-combined per root: the acker only needs the XOR of a root's ack
    /// values, so the acks of one batch for one tree travel as one tuple.
    unsent_acks: Vec<(u64, u64)>,
    /// A spout's trees the transport lost, until the spout task ends them.
    lost_trees: Vec<PendingTree>,
    /// Input loads of the local tasks, for load-aware shuffles.
    loads: Arc<LoadMap>,
    /// When load-aware shuffles next re-read the loads.
    next_load_refresh: Instant,
    /// This emitter's samples of the threads' busy time.
    load_sampler: LoadSampler,
    /// Where reported errors go beyond the log and counters (a worker process: ZooKeeper).
    errors: Option<TaskErrorReporter>,
    /// Per stream number: emitted and transferred since the last flush published them.
    stream_counts: Vec<[u64; 2]>,
    /// The default stream's number: the lane's emits go there.
    default_stream: Option<u32>,
}

/// The collectors' lane plan for the default stream as its grouping stands now: none with
/// debug logging (which names every emit) or when the grouping must draw; `tracked` when the
/// topology has ackers.
fn lane_plan(routing: &OutputRouting, debug: bool, tracked: bool) -> Option<LanePlan> {
    let plan = (!debug).then(|| routing.default_plan()).flatten()?;
    routing.lane_plan(plan, tracked)
}

/// How often load-aware shuffles re-read their targets' loads (Storm: about every second).
const LOAD_REFRESH: Duration = Duration::from_secs(1);

/// The worker-wide counters an emitter reports to.
pub struct EmitterCounters {
    /// The task's statistics.
    pub stats: Arc<TaskStats>,
    /// The topology's in-flight counter.
    pub progress: Arc<Progress>,
    /// Input loads of the local tasks.
    pub loads: Arc<LoadMap>,
}

impl TaskEmitter {
    /// An emitter over a task's routing, transfer and open batches.
    pub fn new(
        task: TaskId,
        routing: OutputRouting,
        (transfer, open): (Transfer, OpenBatches),
        counters: EmitterCounters,
        debug: bool,
        root_affinity: Option<RootAffinity>,
    ) -> Self {
        let EmitterCounters {
            stats,
            progress,
            loads,
        } = counters;
        let slot = |s: &str| routing.resolve(s).ok();
        let slots = AckSlots {
            init: slot(ACKER_INIT_STREAM),
            ack: slot(ACKER_ACK_STREAM),
            fail: slot(ACKER_FAIL_STREAM),
            reset: slot(ACKER_RESET_TIMEOUT_STREAM),
        };
        let acking = (slots.init.is_some() || slots.ack.is_some()).then_some(slots);
        // Debug logging names every emit, so it takes the general way. The emitter's own short
        // way is for untracked emits; with ackers the lane alone short-cuts anchored ones.
        let plan = (!debug).then(|| routing.default_plan()).flatten();
        let default_plan = plan.filter(|_| acking.is_none());
        let lane_plan = lane_plan(&routing, debug, acking.is_some());
        let default_stream = routing
            .resolve_default()
            .ok()
            .map(|slot| routing.stream(slot).index);
        Self {
            stream_counts: Vec::new(),
            default_stream,
            task,
            lane: EmitLane::new(open, lane_plan),
            routing,
            transfer,
            targets: Vec::new(),
            stats,
            progress,
            emitted: 0,
            acked: 0,
            failed: 0,
            debug,
            rng: SplitMix64::from_entropy(),
            acking,
            default_plan,
            pending: RotatingMap::new(2),
            unpublished_trees: 0,
            now: Instant::now(),
            immediate_acks: Vec::new(),
            root_affinity,
            unsent_acks: Vec::new(),
            lost_trees: Vec::new(),
            load_sampler: loads.sampler(),
            loads,
            next_load_refresh: Instant::now() + LOAD_REFRESH,
            errors: None,
        }
    }

    /// Publishes the errors this task reports through `reporter` as well (throttled).
    pub fn publish_errors(&mut self, reporter: TaskErrorReporter) {
        self.errors = Some(reporter);
    }

    /// Adds credit returned by `from` (see [`Transfer::add_credit`]).
    pub fn add_credit(&mut self, from: TaskId, tuples: u32, buffer: Option<BatchTuples>) {
        self.transfer
            .add_credit(self.lane.open_batches(), from, tuples, buffer);
        if self.transfer.has_refused() {
            self.fail_refused();
        }
    }

    /// True while a sealed batch waits for credit.
    #[inline]
    pub fn is_blocked(&self) -> bool {
        self.transfer.is_blocked()
    }

    /// True when tuple trees are tracked (the topology has ackers).
    pub fn is_acking(&self) -> bool {
        self.acking.is_some()
    }

    /// Reads the clock once for the trees a spout turn is about to start.
    pub fn refresh_clock(&mut self) {
        self.now = Instant::now();
    }

    /// Tuples emitted since the task started.
    pub fn emitted_total(&self) -> u64 {
        self.emitted + self.lane.emitted()
    }

    /// Seals part-full batches, sends what credit allows and publishes the counters.
    pub fn flush(&mut self) {
        // Before any batch is sealed: a tree must count as pending before its tuples can be
        // processed, and as ended before the batch that ended it counts as done.
        if self.unpublished_trees != 0 {
            self.progress
                .add_pending_trees(std::mem::take(&mut self.unpublished_trees));
        }
        self.send_acks();
        let lane_emitted = self.lane.take_emitted();
        self.emitted += lane_emitted;
        if let (Some(stream), true) = (self.default_stream, lane_emitted > 0) {
            // One target per lane emit.
            self.count_stream(stream, lane_emitted, lane_emitted);
        }
        self.transfer.flush(self.lane.open_batches());
        if self.transfer.has_refused() {
            self.fail_refused();
        }
        if self.routing.is_load_aware() {
            self.refresh_loads();
        }
        let published = self.stats.emitted();
        self.stats
            .add_emitted(self.emitted.saturating_sub(published));
        self.stats.add_acked(std::mem::take(&mut self.acked));
        self.stats.add_failed(std::mem::take(&mut self.failed));
        for (stream, counts) in self.stream_counts.iter_mut().enumerate() {
            if counts[0] != 0 || counts[1] != 0 {
                let [emitted, transferred] = std::mem::take(counts);
                self.stats.add_stream(stream as u32, emitted, transferred);
            }
        }
    }

    /// Counts tuples emitted and copies transferred on stream number `stream`, published at
    /// the next flush. The vector grows once per stream, never per tuple.
    #[inline(always)]
    fn count_stream(&mut self, stream: u32, emitted: u64, transferred: u64) {
        let i = stream as usize;
        if i >= self.stream_counts.len() {
            self.stream_counts.resize(i + 1, [0, 0]);
        }
        self.stream_counts[i][0] += emitted;
        self.stream_counts[i][1] += transferred;
    }

    /// About once a second (with jitter, so emitters do not move together), lets load-aware
    /// shuffles re-read their targets' loads.
    fn refresh_loads(&mut self) {
        let now = Instant::now();
        if now < self.next_load_refresh {
            return;
        }
        self.load_sampler.sample(&self.loads, now);
        let (loads, sampler) = (&self.loads, &self.load_sampler);
        self.routing.refresh_loads(&|t| sampler.load(loads, t));
        // A shuffle may have settled on one task, or stopped having one.
        self.lane
            .set_plan(lane_plan(&self.routing, self.debug, self.acking.is_some()));
        let jitter = Duration::from_millis(self.rng.below(1000));
        self.next_load_refresh = now + LOAD_REFRESH / 2 + jitter;
    }

    /// Spout message ids that are complete already (no ackers).
    pub fn take_immediate_acks(&mut self) -> Vec<Value> {
        std::mem::take(&mut self.immediate_acks)
    }

    /// Appends a tuple to the open batch of `dst` (see [`Transfer::push`]).
    #[inline(always)]
    fn append(&mut self, dst: TaskId, stream: u32, values: Values, message_id: MessageId) {
        self.transfer
            .push(self.lane.open_batches(), dst, stream, values, message_id);
    }

    /// Sends a system tuple (to the ackers) through routing, untracked.
    fn emit_system(&mut self, slot: usize, values: Values) {
        let index = self.routing.stream(slot).index;
        match self
            .routing
            .route_fast(slot, self.task, &values, &mut self.targets)
        {
            Ok(Route::One(dst)) => {
                self.count_stream(index, 1, 1);
                self.append(dst, index, values, MessageId::unanchored());
            }
            Ok(Route::Listed) => {
                self.count_stream(index, 1, self.targets.len() as u64);
                for i in 0..self.targets.len() {
                    let dst = self.targets[i];
                    self.append(dst, index, values.clone(), MessageId::unanchored());
                }
            }
            Err(e) => tracing::error!(task = %self.task, error = %e, "cannot route a system tuple"),
        }
    }

    /// Routes one emit, gives each copy its tree ids and queues it; see the module doc.
    #[inline(never)]
    fn emit_tuple(&mut self, request: EmitRequest<'_, '_>) -> Result<(), EmitError> {
        let EmitRequest {
            target,
            anchors,
            values,
            message_id,
        } = request;
        let (slot, direct) = match target {
            EmitTarget::Default => (self.routing.resolve_default()?, None),
            EmitTarget::Stream(s) => (self.routing.resolve(s)?, None),
            EmitTarget::Direct(t, s) => (self.routing.resolve(s)?, Some(t)),
        };
        self.routing.check_arity(slot, values.len())?;
        let route = match direct {
            Some(t) => {
                self.routing.check_direct(slot, t)?;
                Route::One(t)
            }
            None => self
                .routing
                .route_fast(slot, self.task, values, &mut self.targets)?,
        };
        let index = self.routing.stream(slot).index;
        if self.debug {
            let stream = &self.routing.stream(slot).id;
            tracing::info!(task = %self.task, component = %self.routing.component(), %stream, ?values, "emitting");
        }
        self.emitted += 1;

        // A spout tuple with a message id starts a tree when there are ackers.
        let root = match (message_id, &self.acking) {
            (Some(id), Some(_)) => {
                let root = self.draw_root();
                self.pending.insert(
                    root,
                    PendingTree {
                        message_id: id,
                        emitted_at: self.now,
                    },
                );
                self.unpublished_trees += 1;
                Some(root)
            }
            (Some(id), None) => {
                self.immediate_acks.push(id);
                None
            }
            (None, _) => None,
        };
        let tracked = root.is_some()
            || (self.acking.is_some() && anchors.iter().any(|a| !a.message_id().is_unanchored()));

        let mut init_xor = 0u64;
        let copies = match route {
            Route::One(_) => 1,
            Route::Listed => self.targets.len() as u64,
        };
        self.count_stream(index, 1, copies);
        if let Route::One(dst) = route {
            let message_id = self.copy_id(root, tracked, anchors, &mut init_xor);
            self.append(dst, index, std::mem::take(values), message_id);
        } else {
            let n = self.targets.len();
            for i in 0..n {
                let dst = self.targets[i];
                let message_id = self.copy_id(root, tracked, anchors, &mut init_xor);
                if i + 1 == n {
                    // The last copy takes the values themselves.
                    self.append(dst, index, std::mem::take(values), message_id);
                } else {
                    self.append(dst, index, values.clone(), message_id);
                }
            }
        }
        if let (Some(r), Some(init)) = (root, self.acking.as_ref().and_then(|a| a.init)) {
            self.emit_system(init, storm_core::values![r as i64, init_xor as i64]);
        }
        Ok(())
    }

    /// The target of an emit on a planned stream, counted as emitted (`Some(None)`: no task
    /// takes it); `None`, having done nothing, when the general way must take the emit.
    #[inline(always)]
    fn choose_planned(&mut self, plan: DefaultPlan, values: &[Value]) -> Option<Option<TaskId>> {
        if values.len() != plan.arity {
            return None;
        }
        let SingleChoice::AtMostOne(dst) = self.routing.choose_planned(plan, values) else {
            return None;
        };
        self.emitted += 1;
        Some(dst)
    }

    /// Sends `[root]` on a system stream (reset timeout) for every root of a tuple.
    fn send_for_roots(&mut self, slot: usize, tuple: &Tuple) {
        for &(root, _) in tuple.message_id().anchors() {
            self.emit_system(slot, storm_core::values![root as i64]);
        }
    }
}

impl Emitter for TaskEmitter {
    #[inline]
    fn lane(&mut self) -> &mut EmitLane {
        &mut self.lane
    }

    #[inline]
    fn emit(
        &mut self,
        target: EmitTarget<'_>,
        anchors: &[&Tuple],
        values: &mut Values,
        message_id: Option<Value>,
    ) -> Result<(), EmitError> {
        // The short way: an untracked emit on the default stream with one subscription, in a
        // topology without ackers, costs a grouping choice and an append.
        if let (EmitTarget::Default, None, Some(plan)) = (target, &message_id, self.default_plan) {
            if let Some(dst) = self.choose_planned(plan, values) {
                self.count_stream(plan.index, 1, u64::from(dst.is_some()));
                if let Some(dst) = dst {
                    let values = std::mem::take(values);
                    self.append(dst, plan.index, values, MessageId::unanchored());
                }
                return Ok(());
            }
        }
        self.emit_tuple(EmitRequest {
            target,
            anchors,
            values,
            message_id,
        })
    }

    fn ack(&mut self, tuple: &Tuple) {
        self.acked += 1;
        if self.acking.is_some() {
            // The common case inline: one tree, the same as the last ack's.
            if let MessageId::One([(root, value)]) = tuple.message_id() {
                if self.combine_with_last(*root, value ^ tuple.out_ack_val()) {
                    return;
                }
            }
            self.combine_ack(tuple);
        }
    }

    fn acks_only_count(&self) -> bool {
        self.acking.is_none()
    }

    fn count_acks(&mut self, n: u64) {
        self.acked += n;
    }

    fn fail(&mut self, tuple: &Tuple) {
        self.failed += 1;
        if let Some(slot) = self.acking.as_ref().and_then(|a| a.fail) {
            for &(root, _) in tuple.message_id().anchors() {
                self.emit_system(slot, storm_core::values![root as i64, FAIL_BY_BOLT]);
            }
        }
    }

    fn reset_timeout(&mut self, tuple: &Tuple) {
        if let Some(slot) = self.acking.as_ref().and_then(|a| a.reset) {
            self.send_for_roots(slot, tuple);
        }
    }

    fn report_error(&mut self, error: &str) {
        tracing::error!(task = %self.task, component = %self.routing.component(), error, "component reported an error");
        self.stats.record_error(error);
        if let Some(reporter) = &mut self.errors {
            reporter.report(error);
        }
    }
}
