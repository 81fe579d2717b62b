//! A reliable spout: it keeps every message until it is acked and re-emits it when it fails or
//! times out, so each message is eventually fully processed (at-least-once). A shared
//! [`ReliableLog`] records what happened, for tests and examples to check.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use storm::{
    values, ComponentResult, Config, OutputFieldsDeclarer, Spout, SpoutOutputCollector,
    TopologyContext, Value, Values,
};

/// What a [`ReliableSpout`] did, shared with whoever watches it.
#[derive(Debug, Default)]
pub struct ReliableLog {
    acks: Mutex<BTreeMap<u64, u32>>,
    emits: AtomicU64,
    fails: AtomicU64,
    max_in_flight: AtomicU64,
}

impl ReliableLog {
    /// How many times each message id was acked.
    pub fn acks(&self) -> BTreeMap<u64, u32> {
        self.acks.lock().map(|a| a.clone()).unwrap_or_default()
    }

    /// Emits, replays included.
    pub fn emits(&self) -> u64 {
        self.emits.load(Ordering::SeqCst)
    }

    /// Fails and timeouts seen.
    pub fn fails(&self) -> u64 {
        self.fails.load(Ordering::SeqCst)
    }

    /// The most tuples this spout ever had emitted and not yet acked or failed.
    pub fn max_in_flight(&self) -> u64 {
        self.max_in_flight.load(Ordering::SeqCst)
    }
}

/// Emits messages `0..total` (spread over its tasks) with their number as message id.
pub struct ReliableSpout {
    total: u64,
    next: u64,
    step: u64,
    pending: BTreeMap<u64, Values>,
    replay: VecDeque<u64>,
    in_flight: u64,
    log: Arc<ReliableLog>,
}

impl ReliableSpout {
    /// A spout of `total` messages reporting to `log`.
    pub fn new(total: u64, log: Arc<ReliableLog>) -> Self {
        Self {
            total,
            next: 0,
            step: 1,
            pending: BTreeMap::new(),
            replay: VecDeque::new(),
            in_flight: 0,
            log,
        }
    }

    fn emit(&mut self, id: u64, c: &mut SpoutOutputCollector<'_>) -> ComponentResult {
        let Some(values) = self.pending.get(&id).cloned() else {
            return Ok(());
        };
        c.emit_with_id(values, id)?;
        self.in_flight += 1;
        self.log.emits.fetch_add(1, Ordering::SeqCst);
        self.log
            .max_in_flight
            .fetch_max(self.in_flight, Ordering::SeqCst);
        Ok(())
    }
}

impl Spout for ReliableSpout {
    fn open(&mut self, _conf: &Config, context: &TopologyContext) {
        self.next = context.this_task_index() as u64;
        self.step = context
            .component_tasks(context.this_component_id().as_str())
            .len()
            .max(1) as u64;
    }

    fn next_tuple(&mut self, c: &mut SpoutOutputCollector<'_>) -> ComponentResult {
        if let Some(id) = self.replay.pop_front() {
            return self.emit(id, c);
        }
        if self.next < self.total {
            let id = self.next;
            self.next += self.step;
            self.pending
                .insert(id, values![id as i64, format!("message {id}")]);
            return self.emit(id, c);
        }
        Ok(())
    }

    fn ack(&mut self, message_id: Value) {
        let Some(id) = message_id.as_i64().map(|i| i as u64) else {
            return;
        };
        self.in_flight = self.in_flight.saturating_sub(1);
        if self.pending.remove(&id).is_some() {
            if let Ok(mut acks) = self.log.acks.lock() {
                *acks.entry(id).or_default() += 1;
            }
        }
    }

    fn fail(&mut self, message_id: Value) {
        let Some(id) = message_id.as_i64().map(|i| i as u64) else {
            return;
        };
        self.in_flight = self.in_flight.saturating_sub(1);
        self.log.fails.fetch_add(1, Ordering::SeqCst);
        if self.pending.contains_key(&id) {
            self.replay.push_back(id);
        }
    }

    fn declare_output_fields(&self, declarer: &mut OutputFieldsDeclarer) {
        declarer.declare(["id", "text"]);
    }

    fn is_exhausted(&self) -> bool {
        self.next >= self.total && self.pending.is_empty()
    }
}
