//! Checking a submission before anything is stored: the name, the config, the topology's
//! structure and its custom groupings, as Storm's `StormSubmitter` and Nimbus do.

use std::collections::BTreeMap;
use std::sync::Arc;

use storm_core::grouping::CustomGroupingFactory;
use storm_core::topology::TopologyShape;
use storm_core::{ComponentId, Config, CustomStreamGrouping, StormTopology, TaskId, Value};

use storm_client::protocol::{RemoteError, SubmitTopology};

/// A submission that passed every check.
#[derive(Debug, Clone)]
pub struct ValidSubmission {
    /// The topology's name.
    pub name: String,
    /// Its config.
    pub config: Config,
    /// The user topology.
    pub topology: StormTopology,
}

impl ValidSubmission {
    /// The system topology and task layout every process of the cluster computes alike.
    pub fn shape(&self, topology_id: &str) -> TopologyShape {
        TopologyShape::new(topology_id, &self.topology, &self.config)
    }

    /// Executors per component of the system topology (the `StormBase`'s
    /// `component_executors`): the parallelism hints, `__acker` included.
    pub fn component_executors(&self) -> BTreeMap<ComponentId, u32> {
        component_executors(&self.shape("check"))
    }
}

/// The executors each component of a shape's system topology starts with.
pub fn component_executors(shape: &TopologyShape) -> BTreeMap<ComponentId, u32> {
    shape
        .topology
        .components
        .keys()
        .map(|id| {
            (
                id.clone(),
                shape.layout.executors_of(id.as_str()).len() as u32,
            )
        })
        .collect()
}

/// Storm's topology name rule (`storm_core::topology::validate_topology_name`, the one check
/// local mode uses too), as a refusal Nimbus can send.
pub fn validate_name(name: &str) -> Result<(), RemoteError> {
    storm_core::topology::validate_topology_name(name).map_err(|e| RemoteError::InvalidName {
        name: name.to_owned(),
        reason: e.to_string(),
    })
}

/// A grouping Nimbus only needs to know exists: it never routes a tuple.
struct Declared;

impl CustomStreamGrouping for Declared {
    fn prepare(&mut self, _stream: &storm_core::GlobalStreamId, _target_tasks: &[TaskId]) {}
    fn choose_tasks(&mut self, _source_task: TaskId, _values: &[Value], _out: &mut Vec<TaskId>) {}
}

/// Checks a submission's name, config and topology.
pub fn validate(request: &SubmitTopology) -> Result<ValidSubmission, RemoteError> {
    validate_name(&request.name)?;
    let config =
        Config::from_json(&request.config_json).map_err(|e| RemoteError::InvalidConfig {
            reason: e.to_string(),
        })?;
    config.validate().map_err(|e| RemoteError::InvalidConfig {
        reason: e.to_string(),
    })?;
    let topology: StormTopology =
        serde_json::from_str(&request.topology_json).map_err(|e| RemoteError::InvalidTopology {
            reason: format!("not a topology: {e}"),
        })?;
    let declared: BTreeMap<String, CustomGroupingFactory> = request
        .custom_groupings
        .iter()
        .map(|name| {
            let factory: CustomGroupingFactory =
                Arc::new(|| Box::new(Declared) as Box<dyn CustomStreamGrouping>);
            (name.clone(), factory)
        })
        .collect();
    storm_core::topology::validate(&topology, &declared).map_err(|e| {
        RemoteError::InvalidTopology {
            reason: e.to_string(),
        }
    })?;
    Ok(ValidSubmission {
        name: request.name.clone(),
        config,
        topology,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use storm_core::{BasicBolt, BasicOutputCollector, ComponentResult, OutputFieldsDeclarer};
    use storm_core::{Spout, SpoutOutputCollector, TopologyBuilder, Tuple};

    struct S;
    impl Spout for S {
        fn next_tuple(&mut self, _c: &mut SpoutOutputCollector<'_>) -> ComponentResult {
            Ok(())
        }
        fn declare_output_fields(&self, d: &mut OutputFieldsDeclarer) {
            d.declare(["word"]);
        }
    }
    struct B;
    impl BasicBolt for B {
        fn execute(
            &mut self,
            _t: &Tuple,
            _c: &mut BasicOutputCollector<'_, '_>,
        ) -> ComponentResult {
            Ok(())
        }
        fn declare_output_fields(&self, _d: &mut OutputFieldsDeclarer) {}
    }

    fn request(topology: &StormTopology, config: &Config) -> SubmitTopology {
        SubmitTopology {
            name: "words".into(),
            artifact: "upload-1".into(),
            config_json: config.to_json().expect("json"),
            topology_json: serde_json::to_string(topology).expect("json"),
            custom_groupings: Vec::new(),
            args: Vec::new(),
            active: true,
        }
    }

    fn word_topology() -> StormTopology {
        let mut b = TopologyBuilder::new();
        b.set_spout("words", || S, 2);
        b.set_basic_bolt("count", || B, 3)
            .fields_grouping("words", ["word"]);
        b.create_topology().expect("valid").definition
    }

    #[test]
    fn a_valid_submission_counts_its_executors_with_the_ackers() {
        let v = validate(&request(&word_topology(), &Config::new())).expect("valid");
        let executors = v.component_executors();
        assert_eq!(executors.get("words"), Some(&2));
        assert_eq!(executors.get("count"), Some(&3));
        assert_eq!(executors.get("__acker"), Some(&1), "one acker per worker");
    }

    #[test]
    fn names_follow_storms_rule() {
        for bad in ["", "a/b", "a.b", "a:b", "a\\b", "  "] {
            assert!(
                matches!(validate_name(bad), Err(RemoteError::InvalidName { .. })),
                "{bad:?}"
            );
        }
        validate_name("word-count_2").expect("fine");
    }

    #[test]
    fn bad_configs_and_topologies_are_refused_with_the_reason() {
        let mut config = Config::new();
        config.workers = 0;
        let err = validate(&request(&word_topology(), &config)).expect_err("bad config");
        assert!(
            matches!(&err, RemoteError::InvalidConfig { reason } if reason.contains("topology.workers")),
            "{err}"
        );

        let mut r = request(&word_topology(), &Config::new());
        r.config_json = r#"{"topology.wrokers": 2}"#.into();
        let err = validate(&r).expect_err("misspelt key");
        assert!(err.to_string().contains("topology.wrokers"), "{err}");

        let mut missing = word_topology();
        if let Some(count) = missing.components.get_mut("count") {
            count.inputs[0].stream.component = ComponentId::new("words2");
        }
        let err = validate(&request(&missing, &Config::new())).expect_err("missing component");
        assert!(
            matches!(&err, RemoteError::InvalidTopology { reason } if reason.contains("unknown component \"words2\"")),
            "{err}"
        );

        let mut r = request(&word_topology(), &Config::new());
        r.topology_json = "[1, 2]".into();
        assert!(matches!(
            validate(&r),
            Err(RemoteError::InvalidTopology { .. })
        ));
    }
}
