//! Tests of `rest.rs`.

use super::*;
use storm_client::protocol::{
    ExecutorSummary, NimbusSummary, SupervisorSummary, TopologyInfo, WorkerSummary,
};
use storm_core::topology::{ComponentDef, Subscription};
use storm_core::{GlobalStreamId, Grouping, StormTopology};

fn summary() -> TopologySummary {
    TopologySummary {
        id: "wc-1-1".into(),
        name: "wc".into(),
        status: "ACTIVE".into(),
        num_tasks: 3,
        num_executors: 3,
        num_workers: 1,
        uptime_secs: 65,
    }
}

fn def(kind: ComponentKind, inputs: Vec<Subscription>) -> ComponentDef {
    ComponentDef {
        kind,
        inputs,
        streams: BTreeMap::new(),
        parallelism_hint: 1,
        config: BTreeMap::new(),
    }
}

fn view() -> TopologyView {
    let executor = |component: &str, task: u32| ExecutorSummary {
        component: component.into(),
        start_task: task,
        end_task: task,
        supervisor: "sup".into(),
        host: "h".into(),
        port: 6700,
    };
    let mut topology = StormTopology::default();
    topology
        .components
        .insert("spout".into(), def(ComponentKind::Spout, Vec::new()));
    let input = Subscription {
        stream: GlobalStreamId::new("spout", "default"),
        grouping: Grouping::Shuffle,
    };
    topology
        .components
        .insert("split".into(), def(ComponentKind::Bolt, vec![input]));
    let info = TopologyInfo {
        summary: summary(),
        executors: vec![
            executor("spout", 2),
            executor("split", 3),
            executor("__acker", 1),
        ],
        workers: vec![WorkerSummary {
            supervisor: "sup".into(),
            host: "h".into(),
            port: 6700,
            components: BTreeMap::from([("spout".into(), 1), ("split".into(), 1)]),
            restarts: 2,
            last_restart_reason: Some("exited with code 3".into()),
            last_restart_secs: Some(90),
        }],
        errors: BTreeMap::from([(
            "split".into(),
            vec![ErrorSummary {
                error: "boom".into(),
                time_secs: 90,
                host: "h".into(),
                port: 6700,
                task: 3,
            }],
        )]),
        stats: Default::default(),
    };
    TopologyView {
        stats: crate::stats::topology_stats(&info),
        info,
        topology,
        config: serde_json::Map::new(),
    }
}

#[test]
fn the_cluster_summary_adds_up_slots_executors_and_tasks() {
    let cluster = ClusterInfo {
        supervisors: vec![SupervisorSummary {
            id: "s".into(),
            host: "h".into(),
            uptime_secs: 5,
            slots_total: 4,
            slots_used: 1,
            version: "0.1.0".into(),
        }],
        nimbuses: Vec::new(),
        topologies: vec![summary()],
    };
    let json = cluster_summary(&cluster);
    assert_eq!(json["slotsTotal"], 4);
    assert_eq!(json["slotsFree"], 3);
    assert_eq!(json["executorsTotal"], 3);
    assert_eq!(json["topologies"], 1);
}

#[test]
fn a_seed_no_nimbus_registered_under_is_dead() {
    let cluster = ClusterInfo {
        supervisors: Vec::new(),
        nimbuses: vec![NimbusSummary {
            host: "127.0.0.1".into(),
            port: 6627,
            is_leader: true,
            uptime_secs: Some(61),
            version: Some("0.1.0".into()),
        }],
        topologies: Vec::new(),
    };
    let seeds = [("localhost".to_owned(), 6627), ("n2".to_owned(), 6627)];
    let json = nimbus_summary(&cluster, &seeds);
    let list = json["nimbuses"].as_array().cloned().unwrap_or_default();
    assert_eq!(list.len(), 2, "{json}");
    assert_eq!(list[0]["status"], "Leader");
    assert_eq!(list[0]["nimbusUpTime"], "1m 1s");
    assert_eq!(list[1]["host"], "n2");
    assert_eq!(list[1]["status"], "Dead");
}

#[test]
fn the_topology_page_has_storms_tables_and_the_last_error() {
    let json = topology_page(&view(), Window::TenMinutes, 100);
    assert_eq!(json["window"], "600");
    assert_eq!(json["windowHint"], "10m 0s");
    assert_eq!(json["uptime"], "1m 5s");
    assert_eq!(json["spouts"][0]["spoutId"], "spout");
    assert_eq!(json["spouts"][0]["completeLatency"], "0.000");
    let bolts = json["bolts"].as_array().cloned().unwrap_or_default();
    assert_eq!(bolts.len(), 1, "system components are left out: {json}");
    assert_eq!(bolts[0]["boltId"], "split");
    assert_eq!(bolts[0]["lastError"], "boom");
    assert_eq!(bolts[0]["errorLapsedSecs"], 10);
    assert_eq!(json["workers"][0]["restarts"], 2);
    assert_eq!(json["workers"][0]["componentNumTasks"]["split"], 1);
    assert_eq!(json["statsMeasured"], false);
    assert_eq!(json["topologyStats"].as_array().map(Vec::len), Some(4));
}

#[test]
fn an_unknown_component_is_refused_and_a_bolt_lists_its_inputs() {
    let v = view();
    let err = component_page(&v, "nosuch", Window::AllTime, 0).err();
    assert!(matches!(err, Some(ApiError::UnknownComponent { .. })));
    let page = component_page(&v, "split", Window::AllTime, 0).unwrap_or_default();
    assert_eq!(page["componentType"], "bolt");
    assert_eq!(page["inputStats"][0]["component"], "spout");
    assert_eq!(page["inputStats"][0]["grouping"], "shuffle grouping");
    assert_eq!(page["executorStats"][0]["id"], "[3-3]");
    assert_eq!(page["componentErrors"][0]["error"], "boom");
}

#[test]
fn the_picture_puts_bolts_after_their_inputs() {
    let json = visualization(&view());
    let stage = |id: &str| {
        json["components"]
            .as_array()
            .and_then(|c| c.iter().find(|c| c["id"] == id))
            .map(|c| c["stage"].clone())
    };
    assert_eq!(stage("spout"), Some(0.into()));
    assert_eq!(stage("split"), Some(1.into()));
    assert_eq!(json["streams"][0]["from"], "spout");
    assert_eq!(json["streams"][0]["to"], "split");
}
