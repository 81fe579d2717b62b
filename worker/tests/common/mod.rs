//! Components shared by the worker's tests: a spout of fixed values and a bolt that records
//! which task saw what, plus a bounded wait.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use storm_core::*;

/// (task, values) pairs seen by recording bolts, or lifecycle events.
pub type Log<T> = Arc<Mutex<Vec<T>>>;

pub fn log<T>() -> Log<T> {
    Arc::new(Mutex::new(Vec::new()))
}

pub fn entries<T: Clone>(log: &Log<T>) -> Vec<T> {
    log.lock().expect("log").clone()
}

/// Emits its values once, spread over its tasks (task i of n takes every n-th).
pub struct ListSpout {
    all: Vec<Values>,
    mine: Vec<Values>,
    fields: Fields,
    acked: usize,
}

impl ListSpout {
    pub fn new(all: Vec<Values>, fields: impl Into<Fields>) -> Self {
        Self {
            all,
            mine: Vec::new(),
            fields: fields.into(),
            acked: 0,
        }
    }
}

impl Spout for ListSpout {
    fn open(&mut self, _conf: &Config, ctx: &TopologyContext) {
        let n = ctx.component_tasks(ctx.this_component_id().as_str()).len();
        let i = ctx.this_task_index();
        self.mine = self
            .all
            .iter()
            .enumerate()
            .filter(|(k, _)| k % n == i)
            .map(|(_, v)| v.clone())
            .rev()
            .collect();
    }

    fn next_tuple(&mut self, c: &mut SpoutOutputCollector<'_>) -> ComponentResult {
        if let Some(v) = self.mine.pop() {
            c.emit_with_id(v, 0)?;
        }
        Ok(())
    }

    fn ack(&mut self, _id: Value) {
        self.acked += 1;
    }

    fn declare_output_fields(&self, d: &mut OutputFieldsDeclarer) {
        d.declare(self.fields.clone());
    }

    fn is_exhausted(&self) -> bool {
        self.mine.is_empty()
    }
}

/// Emits 1, 2, 3, ... on `["n"]` as fast as it is asked, untracked.
pub struct Numbers(pub i64);

impl Spout for Numbers {
    fn next_tuple(&mut self, c: &mut SpoutOutputCollector<'_>) -> ComponentResult {
        self.0 += 1;
        c.emit(values![self.0])?;
        Ok(())
    }

    fn declare_output_fields(&self, d: &mut OutputFieldsDeclarer) {
        d.declare(["n"]);
    }
}

/// Records (its task, the values) for every input, and acks it.
pub struct RecordingBolt {
    pub log: Log<(TaskId, Values)>,
    task: TaskId,
}

impl RecordingBolt {
    pub fn new(log: Log<(TaskId, Values)>) -> Self {
        Self {
            log,
            task: TaskId(0),
        }
    }
}

impl Bolt for RecordingBolt {
    fn prepare(&mut self, _conf: &Config, ctx: &TopologyContext) {
        self.task = ctx.this_task_id();
    }

    fn execute(&mut self, input: Tuple, c: &mut OutputCollector<'_>) -> ComponentResult {
        c.ack(&input);
        self.log
            .lock()
            .expect("log")
            .push((self.task, input.values().clone()));
        Ok(())
    }

    fn declare_output_fields(&self, _d: &mut OutputFieldsDeclarer) {}
}

pub use storm_worker::testing::wait_until;
