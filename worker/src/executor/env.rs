//! `TaskEnv`: everything a task actor is built with: its context, config, stream schemas,
//! counters and the shared pieces of its topology.

use std::collections::BTreeMap;
use std::sync::Arc;

use storm_core::grouping::{CustomGroupingFactory, LoadBounds};
use storm_core::{Config, TaskId, TopologyContext, TopologyError};

use crate::batch::{BatchTuples, CreditGrant};
use crate::error_reports::{ErrorSink, TaskErrorReporter};
use crate::load::LoadMap;
use crate::routing::{OutputRouting, Placement};
use crate::transfer::Transfer;

use crate::executor::emitter::{EmitterCounters, RootAffinity};
use crate::executor::TaskEmitter;
use crate::progress::Progress;
use crate::stats::TaskStats;
use crate::transport::Directory;
use crate::StreamTable;

/// What a task needs besides its component instance.
pub struct TaskEnv {
    /// The task.
    pub task: TaskId,
    /// Its view of the topology.
    pub context: TopologyContext,
    /// The topology config with the component's overrides.
    pub config: Config,
    /// The topology's streams.
    pub table: Arc<StreamTable>,
    /// Its counters.
    pub stats: Arc<TaskStats>,
    /// The topology's in-flight counter.
    pub progress: Arc<Progress>,
    /// Custom grouping factories.
    pub custom_groupings: Arc<BTreeMap<String, CustomGroupingFactory>>,
    /// The credit window, in tuples, each task grants each of its senders (by task id).
    pub windows: Arc<Vec<u32>>,
    /// Links to every task, once wired.
    pub directory: Option<Arc<Directory>>,
    /// The acker task on this task's thread, if any: a spout draws root ids that this acker
    /// owns, so its tree bookkeeping stays on one core.
    pub local_acker: Option<TaskId>,
    /// The index of this task's thread (arbiter) in the worker.
    pub thread: usize,
    /// The tasks on this task's thread (the nearest scope of load-aware shuffles).
    pub thread_tasks: Arc<Vec<TaskId>>,
    /// How full every local task's input is.
    pub loads: Arc<LoadMap>,
    /// Where the worker publishes its tasks' errors, if anywhere.
    pub errors: Option<ErrorSink>,
}

impl TaskEnv {
    /// Builds the task's emitter once the directory is known.
    pub fn make_emitter(&self, directory: &Directory) -> Result<TaskEmitter, TopologyError> {
        let shape = self.context.shape();
        let routing = OutputRouting::new(
            shape,
            &self.table,
            &self.custom_groupings,
            self.task,
            Placement {
                worker_tasks: self.context.this_worker_tasks(),
                thread_tasks: &self.thread_tasks,
                load_aware: (!self.config.disable_loadaware_messaging).then_some(LoadBounds {
                    lower: self.config.localityaware_lower_bound,
                    higher: self.config.localityaware_higher_bound,
                }),
            },
        )?;
        let targets = routing.all_targets(shape);
        let windows = &self.windows;
        let outgoing = Transfer::new(
            self.task,
            &targets,
            |t| windows.get(t.0 as usize).copied().unwrap_or(0),
            |t| self.thread_tasks.binary_search(&t).is_err(),
            self.config.producer_batch_size as usize,
            directory,
            self.progress.clone(),
        );
        let ackers = shape.layout.tasks_of(storm_core::system::ACKER_COMPONENT);
        let root_affinity = self
            .local_acker
            .and_then(|a| ackers.iter().position(|t| *t == a))
            .map(|index| RootAffinity::new(index as u32, ackers.len() as u32));
        let mut emitter = TaskEmitter::new(
            self.task,
            routing,
            outgoing,
            EmitterCounters {
                stats: self.stats.clone(),
                progress: self.progress.clone(),
                loads: self.loads.clone(),
            },
            self.config.debug,
            root_affinity,
            ackers.to_vec(),
        );
        if let Some(sink) = &self.errors {
            emitter.publish_errors(TaskErrorReporter::new(
                self.task,
                self.stats.component.clone(),
                &self.config,
                sink.clone(),
            ));
        }
        Ok(emitter)
    }

    /// Counts the time since `started` as work done on this task's thread.
    #[inline]
    pub fn record_busy(&self, started: std::time::Instant) {
        self.loads.add_busy(self.thread, started.elapsed());
    }

    /// Returns credit for a processed batch to its sender.
    pub fn return_credit(
        &self,
        sender: TaskId,
        tuples: usize,
        epoch: u32,
        buffer: Option<BatchTuples>,
    ) {
        if sender == TaskId::SYSTEM {
            return;
        }
        self.loads.processed(self.task, tuples);
        if let Some(link) = self.directory.as_ref().and_then(|d| d.get(sender)) {
            link.send_credit(CreditGrant {
                from: self.task,
                to: sender,
                tuples: tuples as u32,
                epoch,
                buffer,
            });
        }
    }
}
