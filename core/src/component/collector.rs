//! The collectors components emit through: `OutputCollector`, `SpoutOutputCollector` and
//! `BasicOutputCollector`. They are thin, typed fronts over an [`Emitter`] that the executor
//! provides, so this crate stays free of any runtime; an emit on the default stream tries the
//! task's [`crate::dataplane::EmitLane`] first, inline.

use crate::dataplane::{EmitTarget, Emitter};
use crate::error::EmitError;
use crate::ids::TaskId;
use crate::tuple::{Tuple, Value, Values};

/// The default-stream emit of every collector: the task's lane inline, else the executor's
/// way. The values an emit took are dropped without running their drop glue.
#[inline(always)]
fn emit_default(
    inner: &mut dyn Emitter,
    anchors: &[&Tuple],
    mut values: Values,
) -> Result<(), EmitError> {
    let sent = if inner.lane().try_emit(&mut values, anchors) {
        Ok(())
    } else {
        inner.emit(EmitTarget::Default, anchors, &mut values, None)
    };
    values.discard();
    sent
}

/// A bolt's collector (Storm's `OutputCollector`).
pub struct OutputCollector<'a> {
    inner: &'a mut dyn Emitter,
}

impl<'a> OutputCollector<'a> {
    /// Wraps an executor's emitter (the runtime builds collectors; authors are handed them).
    #[doc(hidden)]
    pub fn new(inner: &'a mut dyn Emitter) -> Self {
        Self { inner }
    }

    /// Emits an unanchored tuple on the default stream; its processing is not tracked.
    #[inline(always)]
    pub fn emit(&mut self, values: Values) -> Result<(), EmitError> {
        emit_default(self.inner, &[], values)
    }

    /// Emits on the default stream, anchored to the given inputs.
    #[inline(always)]
    pub fn emit_anchored(&mut self, anchors: &[&Tuple], values: Values) -> Result<(), EmitError> {
        emit_default(self.inner, anchors, values)
    }

    /// Emits on a named stream, anchored to the given inputs (none for unanchored).
    pub fn emit_to(
        &mut self,
        stream: &str,
        anchors: &[&Tuple],
        mut values: Values,
    ) -> Result<(), EmitError> {
        self.inner
            .emit(EmitTarget::Stream(stream), anchors, &mut values, None)
    }

    /// Emits to one task on a direct stream.
    pub fn emit_direct(
        &mut self,
        task: TaskId,
        stream: &str,
        anchors: &[&Tuple],
        mut values: Values,
    ) -> Result<(), EmitError> {
        self.inner
            .emit(EmitTarget::Direct(task, stream), anchors, &mut values, None)
    }

    /// Acks an input: this bolt is done with it.
    pub fn ack(&mut self, tuple: &Tuple) {
        self.inner.ack(tuple);
    }

    /// Fails an input: the spout tuples it descends from are failed and may be replayed.
    pub fn fail(&mut self, tuple: &Tuple) {
        self.inner.fail(tuple);
    }

    /// Keeps the trees of an input from timing out.
    pub fn reset_timeout(&mut self, tuple: &Tuple) {
        self.inner.reset_timeout(tuple);
    }

    /// Reports an error for this component (Storm's `reportError`): logged, counted and, on a
    /// cluster, written to ZooKeeper for `storm info` (throttled by
    /// `topology.max.error.report.per.interval` per `topology.error.throttle.interval.secs`).
    pub fn report_error(&mut self, error: &str) {
        self.inner.report_error(error);
    }

    /// The executor's emitter, for [`crate::dataplane::BasicBoltAdapter`].
    pub(crate) fn emitter(&mut self) -> &mut dyn Emitter {
        &mut *self.inner
    }
}

/// A spout's collector (Storm's `SpoutOutputCollector`).
pub struct SpoutOutputCollector<'a> {
    inner: &'a mut dyn Emitter,
}

impl<'a> SpoutOutputCollector<'a> {
    /// Wraps an executor's emitter (the runtime builds collectors; authors are handed them).
    #[doc(hidden)]
    pub fn new(inner: &'a mut dyn Emitter) -> Self {
        Self { inner }
    }

    /// Emits an untracked tuple on the default stream.
    #[inline(always)]
    pub fn emit(&mut self, values: Values) -> Result<(), EmitError> {
        emit_default(self.inner, &[], values)
    }

    /// Emits a tracked tuple on the default stream: `ack` or `fail` is called later with `message_id`.
    pub fn emit_with_id(
        &mut self,
        mut values: Values,
        message_id: impl Into<Value>,
    ) -> Result<(), EmitError> {
        self.inner.emit(
            EmitTarget::Default,
            &[],
            &mut values,
            Some(message_id.into()),
        )
    }

    /// Emits on a named stream, tracked if a message id is given.
    pub fn emit_to(
        &mut self,
        stream: &str,
        mut values: Values,
        message_id: Option<Value>,
    ) -> Result<(), EmitError> {
        self.inner
            .emit(EmitTarget::Stream(stream), &[], &mut values, message_id)
    }

    /// Emits to one task on a direct stream, tracked if a message id is given.
    pub fn emit_direct(
        &mut self,
        task: TaskId,
        stream: &str,
        mut values: Values,
        message_id: Option<Value>,
    ) -> Result<(), EmitError> {
        self.inner.emit(
            EmitTarget::Direct(task, stream),
            &[],
            &mut values,
            message_id,
        )
    }

    /// Reports an error for this component (Storm's `reportError`): logged, counted and, on a
    /// cluster, written to ZooKeeper for `storm info` (throttled by
    /// `topology.max.error.report.per.interval` per `topology.error.throttle.interval.secs`).
    pub fn report_error(&mut self, error: &str) {
        self.inner.report_error(error);
    }
}

/// A basic bolt's collector: every emit is anchored to the input being processed
/// (Storm's `BasicOutputCollector`).
pub struct BasicOutputCollector<'a, 't> {
    inner: &'a mut dyn Emitter,
    input: &'t Tuple,
}

impl<'a, 't> BasicOutputCollector<'a, 't> {
    /// Wraps an executor's emitter for one input (the runtime and the basic bolt adapter build
    /// these; authors are handed them).
    #[doc(hidden)]
    pub fn new(inner: &'a mut dyn Emitter, input: &'t Tuple) -> Self {
        Self { inner, input }
    }

    /// Emits on the default stream, anchored to the input.
    #[inline(always)]
    pub fn emit(&mut self, values: Values) -> Result<(), EmitError> {
        emit_default(self.inner, &[self.input], values)
    }

    /// Emits on a named stream, anchored to the input.
    pub fn emit_to(&mut self, stream: &str, mut values: Values) -> Result<(), EmitError> {
        self.inner
            .emit(EmitTarget::Stream(stream), &[self.input], &mut values, None)
    }

    /// Emits to one task on a direct stream, anchored to the input.
    pub fn emit_direct(
        &mut self,
        task: TaskId,
        stream: &str,
        mut values: Values,
    ) -> Result<(), EmitError> {
        self.inner.emit(
            EmitTarget::Direct(task, stream),
            &[self.input],
            &mut values,
            None,
        )
    }

    /// Keeps the input's trees from timing out.
    pub fn reset_timeout(&mut self) {
        self.inner.reset_timeout(self.input);
    }

    /// Reports an error for this component (Storm's `reportError`): logged, counted and, on a
    /// cluster, written to ZooKeeper for `storm info` (throttled by
    /// `topology.max.error.report.per.interval` per `topology.error.throttle.interval.secs`).
    pub fn report_error(&mut self, error: &str) {
        self.inner.report_error(error);
    }
}
