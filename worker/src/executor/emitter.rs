//! `TaskEmitter`: the [`Emitter`] behind a task's collector. It resolves the stream, checks the
//! values, asks routing for the targets, gives each copy its tuple-tree ids and appends it to
//! the transfer's batches.

use std::sync::Arc;

use storm_core::{EmitError, EmitTarget, Emitter, MessageId, TaskId, Tuple, Value, Values};

use crate::batch::WireTuple;
use crate::routing::{OutputRouting, Route};
use crate::stats::TaskStats;
use crate::transfer::Transfer;

/// The emitting side of one task.
pub struct TaskEmitter {
    task: TaskId,
    routing: OutputRouting,
    transfer: Transfer,
    targets: Vec<TaskId>,
    stats: Arc<TaskStats>,
    emitted: u64,
    acked: u64,
    failed: u64,
    debug: bool,
    /// Spout message ids to ack at once: with no ackers nothing is tracked (as in Storm).
    immediate_acks: Vec<Value>,
}

impl TaskEmitter {
    /// An emitter over a task's routing and transfer.
    pub fn new(
        task: TaskId,
        routing: OutputRouting,
        transfer: Transfer,
        stats: Arc<TaskStats>,
        debug: bool,
    ) -> Self {
        Self {
            task,
            routing,
            transfer,
            targets: Vec::new(),
            stats,
            emitted: 0,
            acked: 0,
            failed: 0,
            debug,
            immediate_acks: Vec::new(),
        }
    }

    /// The outgoing batches.
    pub fn transfer(&mut self) -> &mut Transfer {
        &mut self.transfer
    }

    /// True while a sealed batch waits for credit.
    #[inline]
    pub fn is_blocked(&self) -> bool {
        self.transfer.is_blocked()
    }

    /// Tuples emitted since the task started.
    pub fn emitted_total(&self) -> u64 {
        self.emitted
    }

    /// Seals part-full batches, sends what credit allows and publishes the counters.
    pub fn flush(&mut self) {
        self.transfer.flush();
        let published = self.stats.emitted();
        self.stats
            .add_emitted(self.emitted.saturating_sub(published));
        self.stats.add_acked(std::mem::take(&mut self.acked));
        self.stats.add_failed(std::mem::take(&mut self.failed));
    }

    /// Spout message ids that are complete already (no ackers).
    pub fn take_immediate_acks(&mut self) -> Vec<Value> {
        std::mem::take(&mut self.immediate_acks)
    }

    #[inline]
    fn emit_inner(
        &mut self,
        target: EmitTarget<'_>,
        values: Values,
        message_id: Option<Value>,
    ) -> Result<(), EmitError> {
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
                .route_fast(slot, self.task, &values, &mut self.targets)?,
        };
        let index = self.routing.stream(slot).index;
        if self.debug {
            let stream = &self.routing.stream(slot).id;
            tracing::info!(task = %self.task, component = %self.routing.component(), %stream, ?values, "emitting");
        }
        self.emitted += 1;
        if let Some(id) = message_id {
            self.immediate_acks.push(id);
        }
        if let Route::One(dst) = route {
            self.transfer.push(
                dst,
                WireTuple {
                    stream: index,
                    values,
                    message_id: MessageId::unanchored(),
                },
            );
            return Ok(());
        }
        let n = self.targets.len();
        if n > 0 {
            for i in 0..n - 1 {
                let dst = self.targets[i];
                self.transfer.push(
                    dst,
                    WireTuple {
                        stream: index,
                        values: values.clone(),
                        message_id: MessageId::unanchored(),
                    },
                );
            }
            self.transfer.push(
                self.targets[n - 1],
                WireTuple {
                    stream: index,
                    values,
                    message_id: MessageId::unanchored(),
                },
            );
        }
        Ok(())
    }
}

impl Emitter for TaskEmitter {
    #[inline]
    fn emit(
        &mut self,
        target: EmitTarget<'_>,
        _anchors: &[&Tuple],
        values: Values,
        message_id: Option<Value>,
    ) -> Result<(), EmitError> {
        self.emit_inner(target, values, message_id)
    }

    fn ack(&mut self, _tuple: &Tuple) {
        self.acked += 1;
    }

    fn fail(&mut self, _tuple: &Tuple) {
        self.failed += 1;
    }

    fn reset_timeout(&mut self, _tuple: &Tuple) {}

    fn report_error(&mut self, error: &str) {
        tracing::error!(task = %self.task, component = %self.routing.component(), error, "component reported an error");
        self.stats.record_error(error);
    }
}
