//! Stream groupings: how the tuples of a stream are spread over a subscribing bolt's tasks.
//!
//! [`Grouping`] is the declarative form stored in a topology; [`Grouper`] is its running form,
//! one per (emitting task, stream, subscriber), that picks target tasks for each tuple. Every
//! grouping follows Storm's semantics, hashes included, so keys land where Storm puts them.

mod custom;
mod fields;
mod load_aware;
mod partial_key;
mod shuffle;

use serde::{Deserialize, Serialize};

pub use custom::{CustomGroupingFactory, CustomStreamGrouping};
pub use fields::FieldsGrouper;
pub use load_aware::{LoadAwareShuffleGrouper, LoadBounds, Locality};
pub use partial_key::PartialKeyGrouper;
pub use shuffle::ShuffleGrouper;

use crate::dataplane::LaneChoice;
use crate::error::TopologyError;
use crate::ids::{GlobalStreamId, TaskId};
use crate::tuple::{Fields, Value};
use crate::util::SplitMix64;

/// How a stream's tuples are spread over a bolt's tasks (Storm's `Grouping`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Grouping {
    /// Spread evenly: Storm's load-aware shuffle (nearest tasks first while they keep up), or
    /// round-robin over a random permutation of the tasks with
    /// `topology.disable.loadaware.messaging`.
    Shuffle,
    /// Equal values of these fields always reach the same task.
    Fields(Fields),
    /// Everything goes to the task with the lowest id.
    Global,
    /// Every tuple goes to every task.
    All,
    /// One uniformly random task per tuple.
    None,
    /// The emitter picks the task with `emit_direct`.
    Direct,
    /// Shuffle over the tasks in the emitter's worker, or over all if it has none.
    LocalOrShuffle,
    /// Each key goes to the less loaded of two tasks chosen by its hash.
    PartialKey(Fields),
    /// A user grouping, by the name its factory is registered under.
    Custom(String),
}

impl Grouping {
    /// The grouping's name, for messages.
    pub fn name(&self) -> &'static str {
        match self {
            Grouping::Shuffle => "shuffle grouping",
            Grouping::Fields(_) => "fields grouping",
            Grouping::Global => "global grouping",
            Grouping::All => "all grouping",
            Grouping::None => "none grouping",
            Grouping::Direct => "direct grouping",
            Grouping::LocalOrShuffle => "local-or-shuffle grouping",
            Grouping::PartialKey(_) => "partial-key grouping",
            Grouping::Custom(_) => "custom grouping",
        }
    }

    /// The fields a grouping keys on, if it keys on fields.
    pub fn key_fields(&self) -> Option<&Fields> {
        match self {
            Grouping::Fields(f) | Grouping::PartialKey(f) => Some(f),
            _ => None,
        }
    }
}

/// What a grouper needs to know when it starts.
pub struct GrouperParams<'a> {
    /// The stream grouped.
    pub stream: &'a GlobalStreamId,
    /// The stream's declared fields.
    pub source_fields: &'a Fields,
    /// The subscriber's tasks, ascending.
    pub target_tasks: &'a [TaskId],
    /// The tasks of the emitter's worker (for local-or-shuffle and load-aware shuffle).
    pub worker_tasks: &'a [TaskId],
    /// The tasks on the emitter's thread (for load-aware shuffle).
    pub thread_tasks: &'a [TaskId],
    /// Load-aware shuffles with these bounds, or `None` for Storm's plain shuffle
    /// (`topology.disable.loadaware.messaging`).
    pub load_aware: Option<LoadBounds>,
    /// Seed for the random groupings.
    pub seed: u64,
    /// The user grouping, for [`Grouping::Custom`].
    pub custom: Option<Box<dyn CustomStreamGrouping>>,
}

/// The answer of [`Grouper::choose_one`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SingleChoice {
    /// This task, or none.
    AtMostOne(Option<TaskId>),
    /// The grouping may pick several tasks: ask [`Grouper::choose_tasks`].
    Several,
}

/// A running grouping.
pub enum Grouper {
    /// See [`Grouping::Shuffle`] and [`Grouping::LocalOrShuffle`], load-aware.
    LoadAware(LoadAwareShuffleGrouper),
    /// See [`Grouping::Shuffle`] and [`Grouping::LocalOrShuffle`], plain.
    Shuffle(ShuffleGrouper),
    /// See [`Grouping::Fields`].
    Fields(FieldsGrouper),
    /// See [`Grouping::Global`].
    Global(TaskId),
    /// See [`Grouping::All`].
    All(Vec<TaskId>),
    /// See [`Grouping::None`].
    Random(Vec<TaskId>, SplitMix64),
    /// See [`Grouping::Direct`]: regular emits reach nobody.
    Direct,
    /// See [`Grouping::PartialKey`].
    PartialKey(PartialKeyGrouper),
    /// See [`Grouping::Custom`].
    Custom(Box<dyn CustomStreamGrouping>),
}

impl Grouper {
    /// Starts a grouping. Field names were validated with the topology; a missing one here is
    /// reported as [`TopologyError::UnknownField`].
    pub fn new(grouping: &Grouping, params: GrouperParams<'_>) -> Result<Self, TopologyError> {
        let targets = params.target_tasks;
        Ok(match grouping {
            Grouping::Shuffle => shuffle(targets, &params),
            Grouping::LocalOrShuffle => {
                let local: Vec<TaskId> = targets
                    .iter()
                    .copied()
                    .filter(|t| params.worker_tasks.contains(t))
                    .collect();
                let chosen = if local.is_empty() { targets } else { &local };
                shuffle(chosen, &params)
            }
            Grouping::Fields(f) if f.is_empty() => Grouper::Global(lowest(targets)),
            Grouping::Fields(f) => Grouper::Fields(FieldsGrouper::new(
                field_indices(f, &params)?,
                targets.to_vec(),
            )),
            Grouping::Global => Grouper::Global(lowest(targets)),
            Grouping::All => Grouper::All(targets.to_vec()),
            Grouping::None => Grouper::Random(targets.to_vec(), SplitMix64::new(params.seed)),
            Grouping::Direct => Grouper::Direct,
            Grouping::PartialKey(f) => {
                let indices = if f.is_empty() {
                    None
                } else {
                    Some(field_indices(f, &params)?)
                };
                Grouper::PartialKey(PartialKeyGrouper::new(indices, targets.to_vec()))
            }
            Grouping::Custom(name) => {
                let mut custom =
                    params
                        .custom
                        .ok_or_else(|| TopologyError::UnknownCustomGrouping {
                            name: name.clone(),
                            referenced_by: params.stream.component.clone(),
                        })?;
                custom.prepare(params.stream, targets);
                Grouper::Custom(custom)
            }
        })
    }

    /// Appends the tasks that should receive a tuple with these values.
    #[inline]
    pub fn choose_tasks(&mut self, source_task: TaskId, values: &[Value], out: &mut Vec<TaskId>) {
        match self {
            Grouper::LoadAware(g) => out.extend(g.next_task()),
            Grouper::Shuffle(g) => out.extend(g.next_task()),
            Grouper::Fields(g) => out.extend(g.choose(values)),
            Grouper::Global(t) => out.push(*t),
            Grouper::All(ts) => out.extend_from_slice(ts),
            Grouper::Random(ts, rng) => {
                if !ts.is_empty() {
                    out.push(ts[rng.below(ts.len() as u64) as usize]);
                }
            }
            Grouper::Direct => {}
            Grouper::PartialKey(g) => out.extend(g.choose(values)),
            Grouper::Custom(g) => g.choose_tasks(source_task, values, out),
        }
    }

    /// The one target of a tuple, for groupings that pick at most one task (the common case,
    /// routed without a target list).
    #[inline(always)]
    pub fn choose_one(&mut self, values: &[Value]) -> SingleChoice {
        let one = match self {
            Grouper::LoadAware(g) => g.next_task(),
            Grouper::Shuffle(g) => g.next_task(),
            Grouper::Fields(g) => g.choose(values),
            Grouper::Global(t) => Some(*t),
            Grouper::Random(ts, rng) => {
                (!ts.is_empty()).then(|| ts[rng.below(ts.len() as u64) as usize])
            }
            Grouper::PartialKey(g) => g.choose(values),
            Grouper::Direct => None,
            Grouper::All(_) | Grouper::Custom(_) => return SingleChoice::Several,
        };
        SingleChoice::AtMostOne(one)
    }

    /// How the collectors' inline short way ([`crate::dataplane::EmitLane`]) can make this choice, for
    /// groupings that need no state to pick their one task; `None` for the others. A
    /// load-aware shuffle has one while its scope holds one task, until its next
    /// [`Grouper::refresh_load`], after which the choice is asked for again.
    pub fn lane_choice(&self) -> Option<LaneChoice> {
        match self {
            Grouper::Fields(g) => Some(LaneChoice::Fields(g.clone())),
            Grouper::Global(t) => Some(LaneChoice::One(*t)),
            Grouper::LoadAware(g) => g.settled_target().map(LaneChoice::One),
            Grouper::Shuffle(g) => g.only_target().map(LaneChoice::One),
            Grouper::All(_)
            | Grouper::Random(..)
            | Grouper::Direct
            | Grouper::PartialKey(_)
            | Grouper::Custom(_) => None,
        }
    }

    /// True for groupings that follow their targets' load (see [`Grouper::refresh_load`]).
    pub fn is_load_aware(&self) -> bool {
        matches!(self, Grouper::LoadAware(_))
    }

    /// Lets a load-aware grouping re-read its targets' loads; others ignore it.
    pub fn refresh_load(&mut self, load: &dyn Fn(TaskId) -> Option<f64>) {
        if let Grouper::LoadAware(g) = self {
            g.refresh_load(load);
        }
    }

    /// True for direct groupings, which only `emit_direct` reaches.
    pub fn is_direct(&self) -> bool {
        matches!(self, Grouper::Direct)
    }
}

fn shuffle(targets: &[TaskId], params: &GrouperParams<'_>) -> Grouper {
    match params.load_aware {
        Some(bounds) => Grouper::LoadAware(LoadAwareShuffleGrouper::new(
            targets,
            params.thread_tasks,
            params.worker_tasks,
            params.seed,
            bounds,
        )),
        None => Grouper::Shuffle(ShuffleGrouper::new(targets, params.seed)),
    }
}

fn lowest(targets: &[TaskId]) -> TaskId {
    targets.iter().copied().min().unwrap_or(TaskId(0))
}

fn field_indices(fields: &Fields, params: &GrouperParams<'_>) -> Result<Vec<usize>, TopologyError> {
    fields
        .names()
        .iter()
        .map(|name| {
            params
                .source_fields
                .index_of(name)
                .ok_or_else(|| TopologyError::UnknownField {
                    field: name.clone(),
                    component: params.stream.component.clone(),
                    stream: params.stream.stream.clone(),
                    referenced_by: params.stream.component.clone(),
                })
        })
        .collect()
}

#[cfg(test)]
mod tests;
