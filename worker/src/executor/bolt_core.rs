//! `BoltCore`: one bolt instance with its emitter, and the ways a tuple reaches it: a batch
//! from its actor's mailbox, a tick, or a direct call from a task chained to it (see
//! [`super::ChainedBolt`]). The actor ([`super::BoltTask`]) and the chained handle share it.

use std::rc::Rc;
use std::sync::Arc;

use storm_core::system::TICK_STREAM;
use storm_core::topology::BoltFactory;
use storm_core::{
    Bolt, InputBatch, MessageId, OutputCollector, TaskId, Tuple, TupleSource, UnknownStream, Value,
    Values,
};

use crate::batch::TupleBatch;
use crate::executor::guard::call_guarded;
use crate::executor::{TaskEmitter, TaskEnv};
use crate::transport::Directory;
use crate::StreamTable;

/// One bolt task's instance and output.
pub struct BoltCore {
    bolt: Box<dyn Bolt>,
    factory: BoltFactory,
    pub(crate) env: TaskEnv,
    emitter: Option<TaskEmitter>,
    schemas: Vec<Rc<TupleSource>>,
    /// The tuple lent to the bolt for chained inputs, refilled in place from one to the next.
    chained_input: Option<Tuple>,
    /// Chained inputs executed and not yet counted in the task's statistics.
    chained_executed: u64,
    stopped: bool,
}

impl BoltCore {
    /// The task's instance, not wired yet.
    pub fn new(factory: BoltFactory, env: TaskEnv) -> Self {
        Self {
            bolt: factory(),
            factory,
            schemas: env.table.schemas(),
            env,
            emitter: None,
            chained_input: None,
            chained_executed: 0,
            stopped: false,
        }
    }

    /// The task.
    pub fn task(&self) -> TaskId {
        self.env.task
    }

    /// Builds the emitter and prepares the bolt; false (the error reported) if it cannot be
    /// wired.
    pub fn wire(&mut self, directory: &Arc<Directory>) -> bool {
        match self.env.make_emitter(directory) {
            Ok(emitter) => self.emitter = Some(emitter),
            Err(e) => {
                tracing::error!(task = %self.env.task, error = %e, "cannot wire bolt task");
                self.env.stats.record_error(&e.to_string());
                return false;
            }
        }
        self.env.directory = Some(directory.clone());
        self.bolt.prepare(&self.env.config, &self.env.context);
        true
    }

    /// The emitter, once wired.
    pub fn emitter(&self) -> Option<&TaskEmitter> {
        self.emitter.as_ref()
    }

    /// True while the task should take no input: not wired yet, or its output (or the output
    /// of a task chained to it) waits for credit.
    pub fn is_blocked(&self) -> bool {
        match &self.emitter {
            Some(e) => e.is_blocked(),
            None => !self.stopped,
        }
    }

    /// True once wired and not stopped.
    pub fn is_running(&self) -> bool {
        self.emitter.is_some() && !self.stopped
    }

    /// Runs the bolt on a batch, flushes its output and returns credit to the sender.
    pub fn process(&mut self, batch: TupleBatch) {
        let Some(emitter) = self.emitter.as_mut() else {
            tracing::error!(task = %self.env.task, "a batch reached an unwired bolt; dropped");
            return;
        };
        let started = std::time::Instant::now();
        let n = batch.tuples.len();
        let src = batch.src;
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
                    let msg = format!("bolt panicked: {panic}; the task's bolt is rebuilt");
                    storm_core::Emitter::report_error(emitter, &msg);
                    self.bolt = (self.factory)();
                    self.bolt.prepare(&self.env.config, &self.env.context);
                }
            }
        }
        drop(inputs);
        self.flush();
        self.env.stats.add_executed(n as u64);
        self.env.return_credit(src, n, Some(tuples));
        self.env.progress.batch_done();
        self.env.record_busy(started);
    }

    /// Runs the bolt on one tuple that a task chained to it emitted. Its output is sealed
    /// when the upstream task flushes (see [`BoltCore::flush`]).
    #[inline]
    pub fn execute_chained(
        &mut self,
        source_task: TaskId,
        stream: u32,
        values: Values,
        message_id: MessageId,
    ) {
        let Some(emitter) = self.emitter.as_mut() else {
            return;
        };
        let Some(schema) = self.schemas.get(stream as usize) else {
            let unknown = UnknownStream {
                source_task,
                stream,
            };
            storm_core::Emitter::report_error(emitter, &unknown.to_string());
            return;
        };
        Tuple::place_in(
            &mut self.chained_input,
            values,
            schema,
            source_task,
            message_id,
        );
        let (bolt, input) = (&mut self.bolt, &mut self.chained_input);
        let run = call_guarded(|| {
            let mut collector = OutputCollector::new(emitter);
            bolt.execute_in(input, &mut collector);
        });
        self.chained_executed += 1;
        if let Err(panic) = run {
            let msg = format!("bolt panicked: {panic}; the task's bolt is rebuilt");
            storm_core::Emitter::report_error(emitter, &msg);
            self.chained_input = None;
            self.bolt = (self.factory)();
            self.bolt.prepare(&self.env.config, &self.env.context);
        }
    }

    /// Seals the output and publishes the counters, the chained tasks' included.
    pub fn flush(&mut self) {
        if let Some(emitter) = self.emitter.as_mut() {
            emitter.flush();
        }
        if self.chained_executed > 0 {
            self.env
                .stats
                .add_executed(std::mem::take(&mut self.chained_executed));
        }
    }

    /// Sends the bolt a tick tuple.
    pub fn tick(&mut self, freq_secs: u32) {
        let Some(emitter) = self.emitter.as_mut() else {
            return;
        };
        let Some(schema) = self.schemas.get(StreamTable::TICK as usize) else {
            return;
        };
        debug_assert_eq!(schema.stream.as_str(), TICK_STREAM);
        let mut values = Values::new();
        values.push(Value::Int(i64::from(freq_secs)));
        let tuple = Tuple::new(
            values,
            schema.clone(),
            TaskId::SYSTEM,
            storm_core::MessageId::unanchored(),
        );
        let mut collector = OutputCollector::new(emitter);
        match call_guarded(|| self.bolt.execute(tuple, &mut collector)) {
            Ok(Ok(())) => {}
            Ok(Err(e)) => collector.report_error(&e.0),
            Err(panic) => {
                let msg = format!("bolt panicked on a tick: {panic}; the task's bolt is rebuilt");
                collector.report_error(&msg);
                self.bolt = (self.factory)();
                self.bolt.prepare(&self.env.config, &self.env.context);
            }
        }
        self.flush();
    }

    /// Adds credit returned by a receiver.
    pub fn add_credit(
        &mut self,
        from: TaskId,
        tuples: u32,
        buffer: Option<storm_core::BatchTuples>,
    ) {
        if let Some(e) = self.emitter.as_mut() {
            e.add_credit(from, tuples, buffer);
        }
    }

    /// Cleans the bolt up (if it was prepared); it takes no tuple after this.
    pub fn stop(&mut self) {
        if self.emitter.is_some() && !self.stopped {
            self.bolt.cleanup();
        }
        self.stopped = true;
    }
}
