//! `TopologyShape`: what every process of a cluster derives alike from a submitted topology:
//! the system topology and its task layout.

use super::{StormTopology, TaskLayout};
use crate::config::Config;

/// The topology's shape and task layout, shared by every task of a worker.
#[derive(Debug, Clone)]
pub struct TopologyShape {
    /// The id the cluster gave the topology (its name in local mode).
    pub topology_id: String,
    /// The components and their streams.
    pub topology: StormTopology,
    /// Task ids and executors.
    pub layout: TaskLayout,
    /// The topology's configuration.
    pub config: Config,
}

impl TopologyShape {
    /// The shape every process of a cluster computes alike from the user's topology: the
    /// system topology (ackers added) and its task layout.
    pub fn new(topology_id: impl Into<String>, user: &StormTopology, config: &Config) -> Self {
        let topology = crate::topology::system_topology(user, config);
        let layout = TaskLayout::new(&topology, config);
        Self {
            topology_id: topology_id.into(),
            topology,
            layout,
            config: config.clone(),
        }
    }
}
