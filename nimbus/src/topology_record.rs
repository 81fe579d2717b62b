//! `TopologyRecord`: a submitted topology as Nimbus keeps it to schedule it: the accepted
//! config and user topology, and the system topology with its task layout.

use std::collections::BTreeMap;

use storm_core::topology::{TaskLayout, TopologyShape};
use storm_core::{ComponentId, Config, StormTopology};

/// A submitted topology as Nimbus needs it to schedule: the accepted config and topology and
/// the system topology with its task layout.
#[derive(Debug)]
pub struct TopologyRecord {
    /// The topology's name.
    pub name: String,
    /// The config it was submitted with.
    pub config: Config,
    /// The user topology.
    pub topology: StormTopology,
    /// The system topology and initial layout, as workers compute them.
    pub shape: TopologyShape,
}

impl TopologyRecord {
    /// The task layout with a `StormBase`'s executor counts.
    pub fn layout(&self, component_executors: &BTreeMap<ComponentId, u32>) -> TaskLayout {
        TaskLayout::with_executors(&self.shape.topology, &self.config, component_executors)
    }
}
