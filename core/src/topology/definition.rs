//! `StormTopology`: the serializable shape of a topology (components, streams, subscriptions,
//! parallelism), without the code that builds its components.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::component::StreamInfo;
use crate::grouping::Grouping;
use crate::ids::{ComponentId, GlobalStreamId, StreamId};

/// Whether a component is a spout or a bolt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ComponentKind {
    /// A source of tuples.
    Spout,
    /// A processing step.
    Bolt,
}

/// One input of a bolt: a stream and how its tuples are spread over the bolt's tasks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Subscription {
    /// The stream subscribed to.
    pub stream: GlobalStreamId,
    /// How tuples are spread.
    pub grouping: Grouping,
}

/// A component as the cluster sees it (Storm's `ComponentCommon` with its kind).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComponentDef {
    /// Spout or bolt.
    pub kind: ComponentKind,
    /// The bolt's inputs (none for spouts).
    pub inputs: Vec<Subscription>,
    /// The streams it emits.
    pub streams: BTreeMap<StreamId, StreamInfo>,
    /// Executors (threads of tasks) asked for.
    pub parallelism_hint: u32,
    /// Component configuration (`topology.tasks`, `topology.tick.tuple.freq.secs`, user keys).
    pub config: BTreeMap<String, serde_json::Value>,
}

impl ComponentDef {
    /// `topology.tasks` from the component configuration, if set and numeric.
    pub fn configured_tasks(&self) -> Option<u64> {
        self.config
            .get("topology.tasks")
            .and_then(serde_json::Value::as_u64)
    }
}

/// A topology's shape (Storm's `StormTopology`). Component ids are kept sorted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct StormTopology {
    /// Every component by id.
    pub components: BTreeMap<ComponentId, ComponentDef>,
}

impl StormTopology {
    /// A component by id.
    pub fn component(&self, id: &str) -> Option<&ComponentDef> {
        self.components.get(id)
    }

    /// The spouts' ids.
    pub fn spout_ids(&self) -> impl Iterator<Item = &ComponentId> {
        self.components
            .iter()
            .filter(|(_, c)| c.kind == ComponentKind::Spout)
            .map(|(id, _)| id)
    }

    /// Every (bolt, subscription) pair reading `stream`.
    pub fn subscribers<'a>(
        &'a self,
        stream: &'a GlobalStreamId,
    ) -> impl Iterator<Item = (&'a ComponentId, &'a Subscription)> + 'a {
        self.components.iter().flat_map(move |(id, c)| {
            c.inputs
                .iter()
                .filter(move |s| &s.stream == stream)
                .map(move |s| (id, s))
        })
    }

    /// The declared stream, if any.
    pub fn stream_info(&self, stream: &GlobalStreamId) -> Option<&StreamInfo> {
        self.components
            .get(&stream.component)
            .and_then(|c| c.streams.get(&stream.stream))
    }
}
