//! The testing API, after Storm's `Testing`: run a topology on fixed input until everything has
//! been processed, and get back every tuple each component emitted, per stream.
//!
//! ```
//! use std::time::Duration;
//! use storm_core::*;
//! use storm_worker::testing::{complete_topology, CompleteTopologyParam, MockedSources};
//! use storm_worker::LocalCluster;
//!
//! struct Source;
//! impl Spout for Source {
//!     fn next_tuple(&mut self, _c: &mut SpoutOutputCollector<'_>) -> ComponentResult { Ok(()) }
//!     fn declare_output_fields(&self, d: &mut OutputFieldsDeclarer) { d.declare(["n"]); }
//! }
//! struct Double;
//! impl BasicBolt for Double {
//!     fn execute(&mut self, t: &Tuple, c: &mut BasicOutputCollector<'_, '_>) -> ComponentResult {
//!         c.emit(values![t.get_i64(0).unwrap_or(0) * 2])?;
//!         Ok(())
//!     }
//!     fn declare_output_fields(&self, d: &mut OutputFieldsDeclarer) { d.declare(["n"]); }
//! }
//!
//! let mut builder = TopologyBuilder::new();
//! builder.set_spout("source", || Source, 1);
//! builder.set_basic_bolt("double", || Double, 2).shuffle_grouping("source");
//! let topology = builder.create_topology().expect("valid");
//!
//! let mut sources = MockedSources::new();
//! sources.add_mock_data("source", [values![1], values![2]]);
//! let cluster = LocalCluster::new().expect("actor system");
//! let result = complete_topology(&cluster, &topology, CompleteTopologyParam::new(sources))
//!     .expect("completes");
//! let mut doubled = result.read_tuples("double", DEFAULT_STREAM);
//! doubled.sort_by_key(|v| v[0].as_i64());
//! assert_eq!(doubled, vec![values![2], values![4]]);
//! ```

mod capture_bolt;
mod complete;
mod fixed_tuple_spout;
mod mocked_sources;
mod wait;

pub use capture_bolt::{CapturedTuples, TupleCaptureBolt};
pub use complete::{complete_topology, CompleteTopologyParam};
pub use fixed_tuple_spout::FixedTupleSpout;
pub use mocked_sources::MockedSources;
pub use wait::wait_until;

/// The shape of a test topology, without ackers (for unit tests of routing and placement).
#[cfg(test)]
pub(crate) fn shape_without_ackers(
    builder: storm_core::TopologyBuilder,
) -> storm_core::topology::TopologyShape {
    let topology = match builder.create_topology() {
        Ok(t) => t,
        Err(e) => panic!("test topology is valid: {e}"),
    };
    let config = storm_core::Config {
        acker_executors: Some(0),
        ..storm_core::Config::default()
    };
    storm_core::topology::TopologyShape::new("t", &topology.definition, &config)
}
