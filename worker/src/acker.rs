//! The acker bolt (`__acker`): Storm's XOR algorithm for guaranteed processing.
//!
//! Every edge of a tuple tree gets a random 64-bit id. Per root the acker keeps the XOR of the
//! ids it is told about: the spout's `__ack_init` (XOR of the edges it emitted) and each bolt's
//! `__ack_ack` (the input's edge XOR the edges anchored to it). Every edge appears exactly
//! twice, so the value returns to zero exactly when the whole tree is processed; then the acker
//! tells the spout task on the direct `__ack_ack` stream. A `__ack_fail` fails the tree at once,
//! and its reason (a bolt's fail, or tuples lost with a worker or connection) goes on to the
//! spout.
//! Entries rotate through three buckets, one per tick (`topology.message.timeout.secs`), and
//! expire silently: the spout times the tree out on its own.

use std::time::Instant;

use storm_core::dataplane::InputBatch;
use storm_core::system::{
    ACKER_ACK_STREAM, ACKER_FAIL_STREAM, ACKER_INIT_STREAM, ACKER_RESET_TIMEOUT_STREAM,
    FAIL_BY_BOLT,
};
use storm_core::{
    values, Bolt, ComponentResult, OutputCollector, OutputFieldsDeclarer, TaskId, Tuple,
};

use crate::rotating_map::RotatingMap;

struct AckEntry {
    value: u64,
    started: Instant,
    spout_task: Option<TaskId>,
    /// Why the tree failed (`FAIL_BY_BOLT`, `FAIL_LOST`), once a fail came.
    failed: Option<i64>,
}

/// How many inputs the acker handles between two readings of the clock.
const CLOCK_EVERY: u32 = 256;

/// The acker bolt.
pub struct Acker {
    pending: RotatingMap<u64, AckEntry>,
    now: Instant,
    until_clock: u32,
}

impl Default for Acker {
    fn default() -> Self {
        Self {
            pending: RotatingMap::new(3),
            now: Instant::now(),
            until_clock: 0,
        }
    }
}

fn id_of(tuple: &Tuple) -> Option<u64> {
    tuple.get_i64(0).map(|v| v as u64)
}

impl Bolt for Acker {
    fn execute(&mut self, input: Tuple, collector: &mut OutputCollector<'_>) -> ComponentResult {
        self.handle(&input, collector)
    }

    /// As the provided method, but one tuple is refilled row after row (the acker keeps no
    /// input): most of what reaches an acker is small acks, for which building and dropping a
    /// tuple each cost more than the XOR.
    fn execute_batch(&mut self, inputs: &mut InputBatch<'_>, collector: &mut OutputCollector<'_>) {
        let mut slot = None;
        while let Some(next) = inputs.next_reusing(&mut slot) {
            let result = match next {
                Ok(input) => self.handle(input, collector),
                Err(unknown) => Err(unknown.to_string().into()),
            };
            if let Err(e) = result {
                collector.report_error(&e.0);
            }
        }
    }

    fn declare_output_fields(&self, declarer: &mut OutputFieldsDeclarer) {
        for s in [ACKER_ACK_STREAM, ACKER_RESET_TIMEOUT_STREAM] {
            declarer.declare_stream_direct(s, true, ["id", "time-delta-ms"]);
        }
        declarer.declare_stream_direct(ACKER_FAIL_STREAM, true, ["id", "time-delta-ms", "reason"]);
    }
}

impl Acker {
    /// Applies one input: a tick rotates the entries, anything else updates its root's entry
    /// and tells the spout when the tree is complete, failed or re-timed.
    fn handle(&mut self, input: &Tuple, collector: &mut OutputCollector<'_>) -> ComponentResult {
        if input.is_tick() {
            // Expired trees are dropped silently; their spouts time them out.
            self.pending.rotate();
            return Ok(());
        }
        let Some(id) = id_of(input) else {
            collector.report_error("acker input without an id");
            return Ok(());
        };
        let stream = input.source_stream_id().as_str();
        // A coarse clock: the time delta is informational, and reading the clock per tuple
        // would cost more than the XOR.
        if self.until_clock == 0 {
            self.now = Instant::now();
            self.until_clock = CLOCK_EVERY;
        }
        self.until_clock -= 1;
        let now = self.now;
        let entry = self.pending.get_or_insert_with(id, || AckEntry {
            value: 0,
            started: now,
            spout_task: None,
            failed: None,
        });
        let mut reset = false;
        match stream {
            ACKER_INIT_STREAM => {
                entry.value ^= input.get_i64(1).unwrap_or(0) as u64;
                entry.spout_task = Some(input.source_task());
            }
            ACKER_ACK_STREAM => entry.value ^= input.get_i64(1).unwrap_or(0) as u64,
            ACKER_FAIL_STREAM => {
                let reason = input.get_i64(1).unwrap_or(FAIL_BY_BOLT);
                // A bolt's fail says more than a loss, which may only be its consequence.
                entry.failed = Some(entry.failed.map_or(reason, |r| r.min(reason)));
            }
            ACKER_RESET_TIMEOUT_STREAM => reset = true,
            other => {
                let msg = format!("acker got a tuple on unexpected stream {other:?}");
                collector.report_error(&msg);
            }
        }
        let (spout_task, value, failed, started) =
            (entry.spout_task, entry.value, entry.failed, entry.started);
        if reset {
            self.pending.touch(id);
        }
        let Some(spout) = spout_task else {
            // An ack or fail that overtook the init waits for it.
            return Ok(());
        };
        let elapsed = || self.now.saturating_duration_since(started).as_millis() as i64;
        let id_value = id as i64;
        if value == 0 {
            self.pending.remove(&id);
            collector.emit_direct(spout, ACKER_ACK_STREAM, &[], values![id_value, elapsed()])?;
        } else if let Some(reason) = failed {
            self.pending.remove(&id);
            collector.emit_direct(
                spout,
                ACKER_FAIL_STREAM,
                &[],
                values![id_value, elapsed(), reason],
            )?;
        } else if reset {
            collector.emit_direct(
                spout,
                ACKER_RESET_TIMEOUT_STREAM,
                &[],
                values![id_value, elapsed()],
            )?;
        }
        Ok(())
    }
}
