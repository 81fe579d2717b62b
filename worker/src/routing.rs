//! Routing: for one emitting task, which tasks each emitted tuple goes to.
//!
//! Pure logic over `storm-core`'s groupings: a stream name and values in, task ids out. It
//! knows nothing of batches or transports, so the same routing serves local and remote tasks.

use std::collections::BTreeMap;

use storm_core::grouping::{
    CustomGroupingFactory, Grouper, GrouperParams, LoadBounds, SingleChoice,
};
use storm_core::{
    ComponentId, EmitError, GlobalStreamId, Grouping, StreamId, TaskId, TopologyError,
    TopologyShape, Value,
};

use crate::StreamTable;

/// Where [`OutputRouting::route_fast`] sent a tuple.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// To exactly this task.
    One(TaskId),
    /// To the tasks in the caller's list (possibly none).
    Listed,
}

/// One output stream of the emitting task.
pub struct OutStream {
    /// The stream's id.
    pub id: StreamId,
    /// Its number in the [`StreamTable`].
    pub index: u32,
    /// How many fields it declares.
    pub arity: usize,
    /// Declared direct.
    pub direct: bool,
    groupers: Vec<Grouper>,
    direct_targets: Vec<TaskId>,
}

/// Where the emitting task runs, for the groupings that care about locality.
pub struct Placement<'a> {
    /// The tasks of its worker.
    pub worker_tasks: &'a [TaskId],
    /// The tasks on its thread.
    pub thread_tasks: &'a [TaskId],
    /// Bounds of load-aware shuffles, `None` for plain shuffles.
    pub load_aware: Option<LoadBounds>,
}

/// The routes of every output stream of one task.
pub struct OutputRouting {
    component: ComponentId,
    streams: Vec<OutStream>,
    default: Option<usize>,
    load_aware: bool,
}

impl OutputRouting {
    /// Builds the groupers of `task` for every subscription to its streams.
    pub fn new(
        shape: &TopologyShape,
        table: &StreamTable,
        custom_groupings: &BTreeMap<String, CustomGroupingFactory>,
        task: TaskId,
        placement: Placement<'_>,
    ) -> Result<Self, TopologyError> {
        let component = shape
            .layout
            .component_of(task)
            .cloned()
            .unwrap_or_else(|| ComponentId::new(storm_core::system::SYSTEM_COMPONENT));
        let mut streams = Vec::new();
        if let Some(def) = shape.topology.component(component.as_str()) {
            for (stream_id, info) in &def.streams {
                let global = GlobalStreamId::new(component.clone(), stream_id.clone());
                let mut groupers = Vec::new();
                let mut direct_targets = Vec::new();
                for (subscriber, sub) in shape.topology.subscribers(&global) {
                    let targets = shape.layout.tasks_of(subscriber.as_str());
                    if sub.grouping == Grouping::Direct {
                        direct_targets.extend_from_slice(targets);
                        continue;
                    }
                    let custom = match &sub.grouping {
                        Grouping::Custom(name) => custom_groupings.get(name).map(|f| f()),
                        _ => None,
                    };
                    groupers.push(Grouper::new(
                        &sub.grouping,
                        GrouperParams {
                            stream: &global,
                            source_fields: &info.fields,
                            target_tasks: targets,
                            worker_tasks: placement.worker_tasks,
                            thread_tasks: placement.thread_tasks,
                            load_aware: placement.load_aware,
                            seed: seed_for(task, subscriber.as_str(), stream_id.as_str()),
                            custom,
                        },
                    )?);
                }
                direct_targets.sort_unstable();
                direct_targets.dedup();
                streams.push(OutStream {
                    index: table.index_of(&global).unwrap_or(u32::MAX),
                    id: stream_id.clone(),
                    arity: info.fields.len(),
                    direct: info.direct,
                    groupers,
                    direct_targets,
                });
            }
        }
        let default = streams
            .iter()
            .position(|s| s.id.as_str() == storm_core::DEFAULT_STREAM);
        let load_aware = streams
            .iter()
            .any(|s| s.groupers.iter().any(Grouper::is_load_aware));
        Ok(Self {
            component,
            streams,
            default,
            load_aware,
        })
    }

    /// True if some grouping follows its targets' load.
    pub fn is_load_aware(&self) -> bool {
        self.load_aware
    }

    /// Lets the load-aware groupings re-read their targets' loads.
    pub fn refresh_loads(&mut self, load: &dyn Fn(TaskId) -> Option<f64>) {
        for s in &mut self.streams {
            for g in &mut s.groupers {
                g.refresh_load(load);
            }
        }
    }

    /// The emitting component.
    pub fn component(&self) -> &ComponentId {
        &self.component
    }

    /// The slot of the default stream.
    #[inline]
    pub fn resolve_default(&self) -> Result<usize, EmitError> {
        self.default.ok_or_else(|| EmitError::UnknownStream {
            component: self.component.clone(),
            stream: storm_core::DEFAULT_STREAM.to_owned(),
        })
    }

    /// The slot of a declared stream.
    #[inline]
    pub fn resolve(&self, stream: &str) -> Result<usize, EmitError> {
        if stream == storm_core::DEFAULT_STREAM {
            if let Some(slot) = self.default {
                return Ok(slot);
            }
        }
        self.streams
            .iter()
            .position(|s| s.id.as_str() == stream)
            .ok_or_else(|| EmitError::UnknownStream {
                component: self.component.clone(),
                stream: stream.to_owned(),
            })
    }

    /// The stream in a slot.
    pub fn stream(&self, slot: usize) -> &OutStream {
        &self.streams[slot]
    }

    /// Checks the number of values against the stream's fields.
    #[inline]
    pub fn check_arity(&self, slot: usize, got: usize) -> Result<(), EmitError> {
        let s = &self.streams[slot];
        if s.arity == got {
            Ok(())
        } else {
            Err(EmitError::WrongArity {
                component: self.component.clone(),
                stream: s.id.clone(),
                got,
                expected: s.arity,
            })
        }
    }

    /// The targets of a regular emit: one task decided without a list when the stream has a
    /// single single-target subscription, else appended to `out`.
    #[inline(always)]
    pub fn route_fast(
        &mut self,
        slot: usize,
        source_task: TaskId,
        values: &[Value],
        out: &mut Vec<TaskId>,
    ) -> Result<Route, EmitError> {
        let s = &mut self.streams[slot];
        if let [only] = s.groupers.as_mut_slice() {
            if !s.direct {
                if let SingleChoice::AtMostOne(one) = only.choose_one(values) {
                    return Ok(match one {
                        Some(t) => Route::One(t),
                        None => Route::Listed,
                    });
                }
            }
        }
        out.clear();
        self.route(slot, source_task, values, out)?;
        Ok(Route::Listed)
    }

    /// Appends the targets of a regular emit.
    #[inline]
    pub fn route(
        &mut self,
        slot: usize,
        source_task: TaskId,
        values: &[Value],
        out: &mut Vec<TaskId>,
    ) -> Result<(), EmitError> {
        let s = &mut self.streams[slot];
        if s.direct {
            return Err(EmitError::DirectStream {
                component: self.component.clone(),
                stream: s.id.clone(),
            });
        }
        for g in &mut s.groupers {
            g.choose_tasks(source_task, values, out);
        }
        Ok(())
    }

    /// Checks a direct emit to `task`.
    pub fn check_direct(&self, slot: usize, task: TaskId) -> Result<(), EmitError> {
        let s = &self.streams[slot];
        if !s.direct {
            return Err(EmitError::NotDirect {
                component: self.component.clone(),
                stream: s.id.clone(),
            });
        }
        if s.direct_targets.binary_search(&task).is_err() {
            return Err(EmitError::NotSubscribed {
                component: self.component.clone(),
                stream: s.id.clone(),
                task,
            });
        }
        Ok(())
    }

    /// Every task this task may ever send to.
    pub fn all_targets(&self, shape: &TopologyShape) -> Vec<TaskId> {
        let mut all = Vec::new();
        for s in &self.streams {
            let global = GlobalStreamId::new(self.component.clone(), s.id.clone());
            for (subscriber, _) in shape.topology.subscribers(&global) {
                all.extend_from_slice(shape.layout.tasks_of(subscriber.as_str()));
            }
        }
        all.sort_unstable();
        all.dedup();
        all
    }
}

/// A seed per (task, subscriber, stream), so shuffles differ between emitters.
fn seed_for(task: TaskId, subscriber: &str, stream: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ u64::from(task.0);
    for b in subscriber.bytes().chain([0]).chain(stream.bytes()) {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h
}
