//! The system topology: the user's topology plus Storm's system components, as every process
//! of a cluster must see it to agree on task ids. With acking on (`topology.acker.executors`
//! null or above 0) it adds the `__acker` bolt and the acking streams (Storm's
//! `StormCommon.systemTopology` and `addAcker`).

use std::collections::BTreeMap;

use crate::component::StreamInfo;
use crate::config::Config;
use crate::grouping::Grouping;
use crate::ids::{ComponentId, GlobalStreamId, StreamId};
use crate::system::{
    ACKER_ACK_STREAM, ACKER_COMPONENT, ACKER_FAIL_STREAM, ACKER_INIT_STREAM,
    ACKER_RESET_TIMEOUT_STREAM,
};
use crate::topology::{ComponentDef, ComponentKind, StormTopology, Subscription};
use crate::tuple::Fields;

/// The number of acker tasks: `topology.acker.executors`, or one per worker when unset.
pub fn acker_count(config: &Config) -> u32 {
    config.acker_executors.unwrap_or(config.workers)
}

/// The user's topology with the system components added.
pub fn system_topology(user: &StormTopology, config: &Config) -> StormTopology {
    let ackers = acker_count(config);
    let mut topology = user.clone();
    if ackers == 0 {
        return topology;
    }
    let stream = |fields: &[&str], direct: bool| StreamInfo {
        fields: Fields::new(fields.iter().copied()),
        direct,
    };
    let acker = ComponentId::new(ACKER_COMPONENT);
    let mut acker_inputs = Vec::new();
    for (id, def) in topology.components.iter_mut() {
        match def.kind {
            ComponentKind::Spout => {
                // Storm's third field, "spout-task", is the tuple's source task already; two
                // values keep the tuple inline.
                def.streams.insert(
                    StreamId::new(ACKER_INIT_STREAM),
                    stream(&["id", "init-val"], false),
                );
                acker_inputs.push(subscription(id, ACKER_INIT_STREAM, by_id()));
                for s in [
                    ACKER_ACK_STREAM,
                    ACKER_FAIL_STREAM,
                    ACKER_RESET_TIMEOUT_STREAM,
                ] {
                    def.inputs.push(subscription(&acker, s, Grouping::Direct));
                }
            }
            ComponentKind::Bolt => {
                def.streams.insert(
                    StreamId::new(ACKER_ACK_STREAM),
                    stream(&["id", "ack-val"], false),
                );
                def.streams.insert(
                    StreamId::new(ACKER_FAIL_STREAM),
                    stream(&["id", "reason"], false),
                );
                def.streams.insert(
                    StreamId::new(ACKER_RESET_TIMEOUT_STREAM),
                    stream(&["id"], false),
                );
                for s in [
                    ACKER_ACK_STREAM,
                    ACKER_FAIL_STREAM,
                    ACKER_RESET_TIMEOUT_STREAM,
                ] {
                    acker_inputs.push(subscription(id, s, by_id()));
                }
            }
        }
    }
    let mut streams = BTreeMap::new();
    for s in [ACKER_ACK_STREAM, ACKER_RESET_TIMEOUT_STREAM] {
        streams.insert(StreamId::new(s), stream(&["id", "time-delta-ms"], true));
    }
    streams.insert(
        StreamId::new(ACKER_FAIL_STREAM),
        stream(&["id", "time-delta-ms", "reason"], true),
    );
    let mut acker_config = BTreeMap::new();
    if config.enable_message_timeouts {
        // The acker rotates its pending trees once per message timeout.
        acker_config.insert(
            "topology.tick.tuple.freq.secs".to_owned(),
            serde_json::Value::from(config.message_timeout_secs),
        );
    }
    topology.components.insert(
        acker,
        ComponentDef {
            kind: ComponentKind::Bolt,
            inputs: acker_inputs,
            streams,
            parallelism_hint: ackers,
            config: acker_config,
        },
    );
    topology
}

fn by_id() -> Grouping {
    Grouping::Fields(Fields::from(["id"]))
}

fn subscription(component: &ComponentId, stream: &str, grouping: Grouping) -> Subscription {
    Subscription {
        stream: GlobalStreamId::new(component.clone(), stream),
        grouping,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::TaskLayout;

    fn user() -> StormTopology {
        let mut t = StormTopology::default();
        let mut streams = BTreeMap::new();
        streams.insert(
            StreamId::new("default"),
            StreamInfo {
                fields: Fields::from(["x"]),
                direct: false,
            },
        );
        t.components.insert(
            "spout".into(),
            ComponentDef {
                kind: ComponentKind::Spout,
                inputs: vec![],
                streams: streams.clone(),
                parallelism_hint: 2,
                config: BTreeMap::new(),
            },
        );
        t.components.insert(
            "bolt".into(),
            ComponentDef {
                kind: ComponentKind::Bolt,
                inputs: vec![subscription(&"spout".into(), "default", Grouping::Shuffle)],
                streams,
                parallelism_hint: 3,
                config: BTreeMap::new(),
            },
        );
        t
    }

    #[test]
    fn ackers_default_to_one_per_worker_and_take_the_first_task_ids() {
        let config = Config {
            workers: 2,
            ..Config::default()
        };
        let sys = system_topology(&user(), &config);
        let layout = TaskLayout::new(&sys, &config);
        // "__acker" sorts before lowercase ids, as in Storm.
        assert_eq!(layout.tasks_of(ACKER_COMPONENT).len(), 2);
        assert_eq!(layout.tasks_of(ACKER_COMPONENT)[0].0, 1);
        let spout = sys.component("spout").expect("spout");
        assert!(spout.streams.contains_key(ACKER_INIT_STREAM));
        assert_eq!(spout.inputs.len(), 3);
    }

    #[test]
    fn zero_ackers_leave_the_topology_alone() {
        let config = Config {
            acker_executors: Some(0),
            ..Config::default()
        };
        assert_eq!(system_topology(&user(), &config), user());
    }
}
