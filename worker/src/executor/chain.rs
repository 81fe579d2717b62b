//! Operator chaining: a bolt task on the same thread as an upstream task, and later in the
//! pipeline, takes that task's tuples by a direct call at the emit ([`ChainedTask`]) instead of
//! through a batch, the upstream actor's mailbox and its own receive loop. Which edges are
//! chained is decided when the topology starts (see `runtime.rs`); this file holds the shared
//! handle through which both the bolt's actor and its chained upstreams reach the bolt, and
//! the thread's registry of them.
//!
//! Order and flow control stay as without chaining: every tuple of a chained edge takes the
//! direct call, so an edge's tuples keep their order; an upstream flushes its chained tasks
//! when it flushes, before it counts its own input done; and a chained task that cannot take
//! input (its own output waits for credit, or it is not wired yet) makes its upstreams count
//! as blocked, which it lifts with a [`Wake`] once it can.

use std::cell::RefCell;
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;

use actix::Recipient;
use storm_core::{ChainedTask, MessageId, TaskId, Values};

use crate::executor::bolt_core::BoltCore;
use crate::executor::Wake;

/// A tuple delivered before its chained task could run it.
struct EarlyTuple {
    source_task: TaskId,
    stream: u32,
    values: Values,
    message_id: MessageId,
    /// Counted in the topology's in-flight work until it runs.
    counted: bool,
}

/// A bolt task as its actor and its chained upstreams share it.
pub struct ChainedBolt {
    core: RefCell<BoltCore>,
    /// Tuples delivered while the bolt could not run them (not wired yet), run once it can.
    early: RefCell<VecDeque<EarlyTuple>>,
    /// The chained upstream tasks, woken when this task can take input again.
    upstreams: RefCell<Vec<Recipient<Wake>>>,
}

impl ChainedBolt {
    /// Shares `core`.
    pub fn new(core: BoltCore) -> Self {
        Self {
            core: RefCell::new(core),
            early: RefCell::new(VecDeque::new()),
            upstreams: RefCell::new(Vec::new()),
        }
    }

    /// The bolt, for its actor. Borrowed only between calls that lend out its input, so a
    /// second borrow is a chaining bug (a cycle) and panics.
    pub fn core(&self) -> std::cell::RefMut<'_, BoltCore> {
        self.core.borrow_mut()
    }

    /// True while the task should take no input (see [`BoltCore::is_blocked`]), or tuples
    /// delivered early still wait.
    pub fn is_blocked(&self) -> bool {
        !self.early.borrow().is_empty() || self.core.try_borrow().map_or(true, |c| c.is_blocked())
    }

    /// Seals the task's output (called when a chained upstream flushes).
    pub fn flush(&self) {
        if let Ok(mut core) = self.core.try_borrow_mut() {
            core.flush();
        }
    }

    /// Wakes `upstream` whenever this task can take input again.
    pub fn add_upstream(&self, upstream: Recipient<Wake>) {
        self.upstreams.borrow_mut().push(upstream);
    }

    /// Tells the chained upstreams that this task can take input again.
    pub fn wake_upstreams(&self) {
        for upstream in self.upstreams.borrow().iter() {
            upstream.do_send(Wake);
        }
    }

    /// Runs the tuples delivered early, now that the task is wired; returns how many.
    pub fn run_early(&self) -> usize {
        let mut core = self.core.borrow_mut();
        if !core.is_running() {
            return 0;
        }
        let (mut ran, mut counted) = (0, 0);
        loop {
            let next = self.early.borrow_mut().pop_front();
            let Some(t) = next else { break };
            core.execute_chained(t.source_task, t.stream, t.values, t.message_id);
            ran += 1;
            counted += usize::from(t.counted);
        }
        if ran > 0 {
            core.flush();
            for _ in 0..counted {
                core.env.progress.batch_done();
            }
        }
        ran
    }
}

impl ChainedTask for ChainedBolt {
    #[inline]
    fn deliver(&self, source_task: TaskId, stream: u32, values: Values, message_id: MessageId) {
        let mut counted = false;
        if let Ok(mut core) = self.core.try_borrow_mut() {
            if core.is_running() {
                core.execute_chained(source_task, stream, values, message_id);
                return;
            }
            if !core.is_blocked() {
                // Stopped: the topology is being killed, as a closed mailbox drops a batch.
                tracing::debug!(task = %core.task(), "tuple for a stopped task; dropped");
                return;
            }
            // Counted in flight until it runs, so a bounded run does not end without it.
            core.env.progress.batch_created();
            counted = true;
        }
        self.early.borrow_mut().push_back(EarlyTuple {
            source_task,
            stream,
            values,
            message_id,
            counted,
        });
    }
}

thread_local! {
    /// The bolt tasks of this thread that an upstream may chain to, by task. Every topology
    /// runs on arbiters of its own, so task ids do not clash.
    static LOCAL_BOLTS: RefCell<BTreeMap<TaskId, Rc<ChainedBolt>>> = const { RefCell::new(BTreeMap::new()) };
}

/// Makes `bolt` reachable by the upstream tasks of this thread that chain to `task`.
pub fn register(task: TaskId, bolt: Rc<ChainedBolt>) {
    LOCAL_BOLTS.with(|b| b.borrow_mut().insert(task, bolt));
}

/// The bolt task `task` of this thread, if registered.
pub fn local_bolt(task: TaskId) -> Option<Rc<ChainedBolt>> {
    LOCAL_BOLTS.with(|b| b.borrow().get(&task).cloned())
}

/// Forgets `task` (it stopped).
pub fn unregister(task: TaskId) {
    LOCAL_BOLTS.with(|b| b.borrow_mut().remove(&task));
}
