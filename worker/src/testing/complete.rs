//! `complete_topology`: Storm's `Testing.completeTopology` for local mode.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use storm_core::grouping::Grouping;
use storm_core::topology::{ComponentDef, ComponentKind, Subscription};
use storm_core::util::SplitMix64;
use storm_core::{Bolt, Config, GlobalStreamId, Spout, Topology, TopologyError};

use super::{CapturedTuples, FixedTupleSpout, MockedSources, TupleCaptureBolt};
use crate::error::{Result, WorkerError};
use crate::local_cluster::KillOptions;
use crate::LocalCluster;

/// Options of [`complete_topology`] (Storm's `CompleteTopologyParam`).
#[derive(Debug, Clone)]
pub struct CompleteTopologyParam {
    /// Fixed input per spout.
    pub mocked_sources: MockedSources,
    /// The topology config.
    pub config: Config,
    /// How long to wait for completion (Storm's `TEST_TIMEOUT_MS`, 10 s).
    pub timeout: Duration,
    /// The name to submit under; a random `topologytest-…` name by default.
    pub topology_name: Option<String>,
}

impl CompleteTopologyParam {
    /// Mocked sources with the default config and timeout.
    pub fn new(mocked_sources: MockedSources) -> Self {
        Self {
            mocked_sources,
            config: Config::default(),
            timeout: Duration::from_secs(10),
            topology_name: None,
        }
    }
}

/// Replaces the mocked spouts with [`FixedTupleSpout`]s, adds a [`TupleCaptureBolt`] that
/// subscribes to every stream, runs the topology until every spout is exhausted and all of its
/// tuples are processed, kills it, and returns what every component emitted.
///
/// Spouts without mocked data must report `is_exhausted` themselves, or this times out.
pub fn complete_topology(
    cluster: &LocalCluster,
    topology: &Topology,
    param: CompleteTopologyParam,
) -> Result<CapturedTuples> {
    let mut rng = SplitMix64::from_entropy();
    let mut test = topology.clone();
    for (spout, tuples) in param.mocked_sources.iter() {
        let def = test
            .definition
            .components
            .get(spout)
            .filter(|d| d.kind == ComponentKind::Spout)
            .ok_or_else(|| {
                WorkerError::Topology(TopologyError::UnknownComponent {
                    component: spout.clone(),
                    referenced_by: "mocked sources".into(),
                })
            })?;
        let streams: Vec<_> = def
            .streams
            .iter()
            .map(|(id, info)| (id.clone(), info.clone()))
            .collect();
        let tuples = tuples.clone();
        test.spouts.insert(
            spout.clone(),
            Arc::new(move || {
                Box::new(FixedTupleSpout::new(tuples.clone(), streams.clone())) as Box<dyn Spout>
            }),
        );
    }

    let store = Arc::new(Mutex::new(CapturedTuples::default()));
    let capture_id = storm_core::ComponentId::new(format!("capture-{:016x}", rng.next_u64()));
    let mut inputs = Vec::new();
    for (component, def) in &test.definition.components {
        for (stream, info) in &def.streams {
            inputs.push(Subscription {
                stream: GlobalStreamId::new(component.clone(), stream.clone()),
                grouping: if info.direct {
                    Grouping::Direct
                } else {
                    Grouping::Global
                },
            });
        }
    }
    test.definition.components.insert(
        capture_id.clone(),
        ComponentDef {
            kind: ComponentKind::Bolt,
            inputs,
            streams: Default::default(),
            parallelism_hint: 1,
            config: Default::default(),
        },
    );
    let capture_store = store.clone();
    test.bolts.insert(
        capture_id,
        Arc::new(move || Box::new(TupleCaptureBolt::new(capture_store.clone())) as Box<dyn Bolt>),
    );

    let name = param
        .topology_name
        .clone()
        .unwrap_or_else(|| format!("topologytest-{:016x}", rng.next_u64()));
    cluster.submit_topology(&name, param.config.clone(), &test)?;
    let waited = cluster.wait_until_complete(&name, param.timeout);
    let killed = cluster.kill_topology_with_opts(&name, KillOptions::wait(0));
    waited?;
    killed?;
    let captured = store
        .lock()
        .map(|s| s.clone())
        .map_err(|_| WorkerError::System("capture store poisoned by a panic".into()))?;
    Ok(captured)
}
