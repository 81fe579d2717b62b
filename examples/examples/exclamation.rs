//! The exclamation topology in local mode: 10 spout tasks emit 5 words each, two bolts append
//! "!!!" in turn, and the final words are printed.

use std::time::Duration;

use anyhow::Context;
use storm::testing::{complete_topology, CompleteTopologyParam, MockedSources};
use storm::LocalCluster;

/// mimalloc, as a topology's binary should allocate (see the `storm_starter` crate doc).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    let topology =
        storm_starter::exclamation::topology(Some(5)).context("building the topology")?;
    let cluster = LocalCluster::new()?;
    let mut param = CompleteTopologyParam::new(MockedSources::new());
    param.timeout = Duration::from_secs(30);
    let out = complete_topology(&cluster, &topology, param)?;
    for values in out.read_tuples("exclaim2", storm::DEFAULT_STREAM) {
        println!("{}", values[0]);
    }
    cluster.shutdown();
    Ok(())
}
