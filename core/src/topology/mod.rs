//! Topologies: their serializable shape, the builder that assembles them, their validation and
//! the layout of their tasks.

mod builder;
mod definition;
mod layout;
mod name;
mod shape;
mod system;
mod validation;

use std::collections::BTreeMap;
use std::sync::Arc;

pub use builder::{BoltDeclarer, SpoutDeclarer, TopologyBuilder};
pub use definition::{ComponentDef, ComponentKind, StormTopology, Subscription};
pub use layout::{ComponentTasks, ExecutorInfo, TaskLayout};
pub use name::{validate_topology_name, TopologyNameError, FORBIDDEN_NAME_CHARS};
pub use shape::TopologyShape;
pub use system::{acker_count, system_topology};
pub use validation::validate;

use crate::component::{Bolt, Spout};
use crate::grouping::CustomGroupingFactory;
use crate::ids::ComponentId;

/// Builds a fresh spout instance for a task.
pub type SpoutFactory = Arc<dyn Fn() -> Box<dyn Spout> + Send + Sync>;
/// Builds a fresh bolt instance for a task.
pub type BoltFactory = Arc<dyn Fn() -> Box<dyn Bolt> + Send + Sync>;

/// A validated topology: its shape plus the factories that build its components.
///
/// The factories are code, so a topology never travels: a worker process running the author's
/// binary rebuilds the same topology and finds its components by id.
#[derive(Clone)]
pub struct Topology {
    /// The shape, as the cluster sees it.
    pub definition: StormTopology,
    /// Spout factories by component id.
    pub spouts: BTreeMap<ComponentId, SpoutFactory>,
    /// Bolt factories by component id.
    pub bolts: BTreeMap<ComponentId, BoltFactory>,
    /// Custom grouping factories by name.
    pub custom_groupings: BTreeMap<String, CustomGroupingFactory>,
}

impl std::fmt::Debug for Topology {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Topology")
            .field("definition", &self.definition)
            .finish_non_exhaustive()
    }
}
