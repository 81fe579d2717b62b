//! `TaskEmitter`: the [`Emitter`] behind a task's collector. It resolves the stream, checks the
//! values, asks routing for the targets, gives each copy its tuple-tree ids and appends it to
//! the transfer's batches.

use std::sync::Arc;

use storm_core::{
    EmitError, EmitTarget, Emitter, MessageId, TaskId, Tuple, Value, Values,
};

use crate::batch::WireTuple;
use crate::routing::OutputRouting;
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
        self.stats.add_emitted(self.emitted.saturating_sub(published));
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
        let (stream, direct) = match target {
            EmitTarget::Stream(s) => (s, None),
            EmitTarget::Direct(t, s) => (s, Some(t)),
        };
        let slot = self.routing.resolve(stream)?;
        self.routing.check_arity(slot, values.len())?;
        let mut targets = std::mem::take(&mut self.targets);
        targets.clear();
        let routed = match direct {
            Some(t) => self.routing.check_direct(slot, t).map(|()| targets.push(t)),
            None => self.routing.route(slot, self.task, &values, &mut targets),
        };
        if let Err(e) = routed {
            self.targets = targets;
            return Err(e);
        }
        let index = self.routing.stream(slot).index;
        if self.debug {
            tracing::info!(task = %self.task, component = %self.routing.component(), stream, ?values, "emitting");
        }
        self.emitted += 1;
        if let Some(id) = message_id {
            self.immediate_acks.push(id);
        }
        if let Some((&last, rest)) = targets.split_last() {
            for &dst in rest {
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
                last,
                WireTuple {
                    stream: index,
                    values,
                    message_id: MessageId::unanchored(),
                },
            );
        }
        self.targets = targets;
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
        self.stats.add_acked(1);
    }

    fn fail(&mut self, _tuple: &Tuple) {
        self.stats.add_failed(1);
    }

    fn reset_timeout(&mut self, _tuple: &Tuple) {}

    fn report_error(&mut self, error: &str) {
        tracing::error!(task = %self.task, component = %self.routing.component(), error, "component reported an error");
        self.stats.record_error(error);
    }
}
