//! `StormBase`: a topology's definition summary and status (`/storms/<topology-id>`).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use storm_core::ComponentId;

/// Where a topology is in its life (Storm's `TopologyStatus` with its action options).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TopologyStatus {
    /// Running; spouts emit.
    Active,
    /// Deployed, spouts paused.
    Inactive,
    /// Being killed: spouts are deactivated and the workers go after `wait_secs`.
    Killed {
        /// `storm kill -w`: seconds to let in-flight tuples finish.
        wait_secs: u32,
    },
    /// Being rebalanced after `wait_secs` with new parallelism.
    Rebalancing(RebalanceOptions),
}

impl TopologyStatus {
    /// Storm's name for the status: `ACTIVE`, `INACTIVE`, `KILLED`, `REBALANCING`.
    pub fn name(&self) -> &'static str {
        match self {
            TopologyStatus::Active => "ACTIVE",
            TopologyStatus::Inactive => "INACTIVE",
            TopologyStatus::Killed { .. } => "KILLED",
            TopologyStatus::Rebalancing(_) => "REBALANCING",
        }
    }
}

impl fmt::Display for TopologyStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What `storm rebalance` asked for.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RebalanceOptions {
    /// Seconds to wait (with spouts deactivated) before reassigning.
    pub wait_secs: u32,
    /// New `topology.workers`, if changed (`-n`).
    pub num_workers: Option<u32>,
    /// New executor counts per component (`-e name=n`).
    pub num_executors: BTreeMap<ComponentId, u32>,
}

/// A submitted topology as Nimbus tracks it (Storm's `StormBase`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StormBase {
    /// The name it was submitted under (`topology.name`).
    pub name: String,
    /// Its status.
    pub status: TopologyStatus,
    /// Worker processes it runs on.
    pub num_workers: u32,
    /// Executors of each component.
    pub component_executors: BTreeMap<ComponentId, u32>,
    /// When it was submitted, in seconds since the epoch.
    pub launch_time_secs: u64,
    /// Who submitted it.
    pub owner: String,
    /// The status before the current one, e.g. what to return to after rebalancing.
    pub prev_status: Option<TopologyStatus>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_carry_storms_names() {
        assert_eq!(TopologyStatus::Active.to_string(), "ACTIVE");
        assert_eq!(TopologyStatus::Killed { wait_secs: 3 }.name(), "KILLED");
        assert_eq!(
            TopologyStatus::Rebalancing(RebalanceOptions::default()).name(),
            "REBALANCING"
        );
    }
}
