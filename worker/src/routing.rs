//! Routing: for one emitting task, which tasks each emitted tuple goes to.
//!
//! Pure logic over `storm-core`'s groupings: a stream name and values in, task ids out. It
//! knows nothing of batches or transports, so the same routing serves local and remote tasks.

use std::collections::BTreeMap;

use storm_core::dataplane::LanePlan;
use storm_core::grouping::{
    CustomGroupingFactory, Grouper, GrouperParams, LoadBounds, SingleChoice,
};
use storm_core::topology::TopologyShape;
use storm_core::{
    ComponentId, EmitError, EmitErrorKind, GlobalStreamId, Grouping, StreamId, TaskId,
    TopologyError, Value,
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

/// What an emit on the default stream needs when that stream has exactly one subscription
/// and is not direct: its slot, its number in the stream table and its arity. Computed once
/// when routing is built, so the common emit skips stream resolution and the general route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DefaultPlan {
    /// The default stream's slot.
    pub slot: usize,
    /// Its number in the topology's stream table (what a row carries).
    pub index: u32,
    /// The number of values it declares.
    pub arity: usize,
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
        self.default.ok_or_else(|| {
            EmitErrorKind::UnknownStream {
                component: self.component.clone(),
                stream: storm_core::DEFAULT_STREAM.to_owned(),
            }
            .into()
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
            .ok_or_else(|| {
                EmitErrorKind::UnknownStream {
                    component: self.component.clone(),
                    stream: stream.to_owned(),
                }
                .into()
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
            Err(EmitErrorKind::WrongArity {
                component: self.component.clone(),
                stream: s.id.clone(),
                got,
                expected: s.arity,
            }
            .into())
        }
    }

    /// The default stream's [`DefaultPlan`], if it has one subscription and is not direct.
    pub fn default_plan(&self) -> Option<DefaultPlan> {
        let slot = self.default?;
        let s = &self.streams[slot];
        (!s.direct && s.groupers.len() == 1).then_some(DefaultPlan {
            slot,
            index: s.index,
            arity: s.arity,
        })
    }

    /// The plan of the collectors' inline short way for a planned stream, when its grouping
    /// needs no state to choose (see [`storm_core::dataplane::EmitLane`]).
    pub fn lane_plan(&self, plan: DefaultPlan, tracked: bool) -> Option<LanePlan> {
        let choice = self.streams[plan.slot].groupers.first()?.lane_choice()?;
        Some(LanePlan {
            arity: plan.arity,
            stream: plan.index,
            choice,
            tracked,
        })
    }

    /// The one grouping of a planned stream picks its target (see [`DefaultPlan`]).
    #[inline(always)]
    pub fn choose_planned(&mut self, plan: DefaultPlan, values: &[Value]) -> SingleChoice {
        match self.streams[plan.slot].groupers.first_mut() {
            Some(grouper) => grouper.choose_one(values),
            None => SingleChoice::Several,
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
                        None => {
                            out.clear();
                            Route::Listed
                        }
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
            return Err(EmitErrorKind::DirectStream {
                component: self.component.clone(),
                stream: s.id.clone(),
            }
            .into());
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
            return Err(EmitErrorKind::NotDirect {
                component: self.component.clone(),
                stream: s.id.clone(),
            }
            .into());
        }
        if s.direct_targets.binary_search(&task).is_err() {
            return Err(EmitErrorKind::NotSubscribed {
                component: self.component.clone(),
                stream: s.id.clone(),
                task,
            }
            .into());
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

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use storm_core::{Fields, StreamInfo, TopologyBuilder};

    use super::*;
    use crate::testing::{FixedTupleSpout, TupleCaptureBolt};

    /// Routing of the spout `src` (default stream `[a, b]` and a direct stream `d`) with
    /// `subscribers` bolts on its default stream.
    fn spout_routing(subscribers: usize) -> OutputRouting {
        let streams = vec![
            (
                StreamId::default_stream(),
                StreamInfo {
                    fields: Fields::new(["a", "b"]),
                    direct: false,
                },
            ),
            (
                StreamId::new("d"),
                StreamInfo {
                    fields: Fields::new(["x"]),
                    direct: true,
                },
            ),
        ];
        let mut builder = TopologyBuilder::new();
        builder.set_spout(
            "src",
            move || FixedTupleSpout::new(Vec::new(), streams.clone()),
            1,
        );
        let store = Arc::new(Mutex::new(Default::default()));
        for i in 0..subscribers {
            let store = store.clone();
            builder
                .set_bolt(
                    format!("sink{i}"),
                    move || TupleCaptureBolt::new(store.clone()),
                    2,
                )
                .fields_grouping("src", ["b"])
                .direct_grouping(GlobalStreamId::new("src", "d"));
        }
        let shape = crate::testing::shape_without_ackers(builder);
        let table = StreamTable::new(&shape.topology);
        let src = shape.layout.tasks_of("src")[0];
        let all: Vec<TaskId> = shape.layout.all_tasks().map(TaskId).collect();
        match OutputRouting::new(
            &shape,
            &table,
            &BTreeMap::new(),
            src,
            Placement {
                worker_tasks: &all,
                thread_tasks: &all,
                load_aware: None,
            },
        ) {
            Ok(r) => r,
            Err(e) => panic!("routing builds: {e}"),
        }
    }

    #[test]
    fn the_default_stream_with_one_subscription_has_a_plan_that_routes_like_the_general_path() {
        let mut routing = spout_routing(1);
        let Some(plan) = routing.default_plan() else {
            panic!("one subscription on a non-direct default stream has a plan");
        };
        assert_eq!(plan.arity, 2);
        assert_eq!(
            plan.slot,
            routing.resolve_default().ok().unwrap_or(usize::MAX)
        );
        assert_eq!(plan.index, routing.stream(plan.slot).index);
        let mut general = Vec::new();
        for key in ["x", "y", "z", "w"] {
            let values = storm_core::values![1, key];
            let SingleChoice::AtMostOne(Some(planned)) = routing.choose_planned(plan, &values)
            else {
                panic!("a fields grouping picks one task");
            };
            let route = routing.route_fast(plan.slot, TaskId(0), &values, &mut general);
            assert_eq!(route.ok(), Some(Route::One(planned)), "key {key}");
        }
    }

    #[test]
    fn two_subscriptions_have_no_plan() {
        assert_eq!(spout_routing(2).default_plan(), None);
    }
}
