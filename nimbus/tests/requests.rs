//! Nimbus's requests against an in-memory cluster state: submission and its refusals,
//! scheduling over supervisors' slots, the status transitions and their timers.

// Tests fail by panicking: unwrap and expect are how they assert.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::Fixture;
use storm_client::protocol::{hex, RebalanceRequest, RemoteError, SubmitTopology};
use storm_client::{Request, Response};
use storm_core::{ComponentId, Config, TopologyId};
use storm_nimbus::TopologyAction;
use storm_zk::{ClusterState, ErrorInfo, RestartReason, TopologyStatus};

fn submitted(r: Response) -> TopologyId {
    match r {
        Response::Submitted { topology_id } => TopologyId::new(topology_id),
        other => panic!("not submitted: {other:?}"),
    }
}

fn config(workers: u32) -> Config {
    let mut c = Config::new();
    c.workers = workers;
    c
}

#[tokio::test]
async fn a_submission_is_stored_and_assigned_evenly() {
    let f = Fixture::new().await;
    f.supervisor("sup-a", &[6700, 6701]).await;
    f.supervisor("sup-b", &[6700, 6701]).await;
    let id = submitted(f.submit("words", &config(2)).await);
    assert!(id.as_str().starts_with("words-1-"), "{id}");

    let base = f.state.storm(&id).await.expect("read").expect("stored");
    assert_eq!(base.name, "words");
    assert_eq!(base.status, TopologyStatus::Active);
    assert_eq!(base.num_workers, 2);
    // 2 spouts, 4 splits, 2 ackers (one per worker).
    assert_eq!(base.component_executors.values().sum::<u32>(), 8);

    let a = f
        .state
        .assignment(&id)
        .await
        .expect("read")
        .expect("assigned");
    assert_eq!(a.executor_node_port.len(), 8);
    let workers = a.workers();
    assert_eq!(workers.len(), 2, "{workers:?}");
    let nodes: BTreeSet<_> = workers.iter().map(|w| w.node.as_str()).collect();
    assert_eq!(
        nodes,
        BTreeSet::from(["sup-a", "sup-b"]),
        "spread over supervisors"
    );
    assert_eq!(
        a.node_host.get("sup-a").map(String::as_str),
        Some("host-sup-a")
    );

    // The run files are served to supervisors.
    match f
        .call(Request::GetTopologyDist {
            topology_id: id.to_string(),
        })
        .await
    {
        Response::TopologyDist(d) => {
            assert_eq!(d.args, vec!["--sentences", "10"]);
            assert_eq!(d.artifact_size, 23);
        }
        other => panic!("{other:?}"),
    }
    match f
        .call(Request::DownloadChunk {
            topology_id: id.to_string(),
            offset: 2,
            max_len: 4,
        })
        .await
    {
        Response::Chunk { data } => assert_eq!(data, b"/bin"),
        other => panic!("{other:?}"),
    }

    match f.call(Request::ListTopologies).await {
        Response::Topologies(list) => {
            assert_eq!(list.len(), 1);
            assert_eq!(list[0].name, "words");
            assert_eq!(list[0].status, "ACTIVE");
            assert_eq!(list[0].num_workers, 2);
            assert_eq!(list[0].num_tasks, 8);
        }
        other => panic!("{other:?}"),
    }
    match f
        .call(Request::GetTopologyInfo {
            name: "words".into(),
        })
        .await
    {
        Response::TopologyInfo(info) => {
            assert_eq!(info.executors.len(), 8);
            assert!(info.executors.iter().any(|e| e.component == "__acker"));
            assert_eq!(info.workers.len(), 2);
            assert!(info.workers.iter().all(|w| w.restarts == 0));
            assert!(info.errors.is_empty());
        }
        other => panic!("{other:?}"),
    }
    // A supervisor's restart record and a worker's error show in the info.
    let slot = a.workers().into_iter().next().expect("a worker");
    let reason = RestartReason::Signalled { signal: 9 };
    f.state
        .record_restart(&id, &slot, &reason, 1)
        .await
        .expect("restart");
    let error = ErrorInfo {
        error: "bolt panicked: boom".into(),
        time_secs: 2,
        host: "host-sup-a".into(),
        port: slot.port,
        task: 3,
    };
    f.state
        .report_error(&id, &ComponentId::new("split"), &error)
        .await
        .expect("error");
    match f
        .call(Request::GetTopologyInfo {
            name: "words".into(),
        })
        .await
    {
        Response::TopologyInfo(info) => {
            let w = info
                .workers
                .iter()
                .find(|w| w.supervisor == slot.node && w.port == slot.port)
                .expect("the restarted worker");
            assert_eq!(w.restarts, 1);
            assert_eq!(
                w.last_restart_reason.as_deref(),
                Some("killed by signal 9 (SIGKILL)")
            );
            assert_eq!(info.errors["split"][0].error, "bolt panicked: boom");
            assert_eq!(info.errors["split"][0].task, 3);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_second_submission_with_the_same_name_is_refused() {
    let f = Fixture::new().await;
    submitted(f.submit("words", &config(1)).await);
    let r = f.submit("words", &config(1)).await;
    assert_eq!(
        r,
        Response::Error(RemoteError::AlreadyExists {
            name: "words".into()
        })
    );
    assert_eq!(r_text(&r), "topology words already exists");
    let r = f
        .call(Request::IsTopologyNameAllowed {
            name: "words".into(),
        })
        .await;
    assert_eq!(r_text(&r), "topology words already exists");
    let r = f
        .call(Request::IsTopologyNameAllowed {
            name: "other".into(),
        })
        .await;
    assert_eq!(r, Response::Ok);
    assert_eq!(f.state.active_storms().await.expect("read").len(), 1);
}

fn r_text(r: &Response) -> String {
    match r {
        Response::Error(e) => e.to_string(),
        other => format!("{other:?}"),
    }
}

#[tokio::test]
async fn invalid_submissions_are_refused_and_store_nothing() {
    let f = Fixture::new().await;
    let artifact = f.upload(b"binary").await;
    let mut request = SubmitTopology {
        name: "bad".into(),
        artifact: artifact.clone(),
        config_json: r#"{"topology.workers": 0}"#.into(),
        topology_json: serde_json::to_string(&common::topology()).expect("json"),
        custom_groupings: Vec::new(),
        args: Vec::new(),
        active: true,
    };
    let r = f.call(Request::SubmitTopology(request.clone())).await;
    assert!(
        matches!(r, Response::Error(RemoteError::InvalidConfig { .. })),
        "{r:?}"
    );
    request.config_json = "{}".into();
    request.artifact = "upload-404".into();
    let r = f.call(Request::SubmitTopology(request.clone())).await;
    assert!(
        matches!(r, Response::Error(RemoteError::UnknownUpload { .. })),
        "{r:?}"
    );
    request.name = "a.b".into();
    let r = f.call(Request::SubmitTopology(request)).await;
    assert!(
        matches!(r, Response::Error(RemoteError::InvalidName { .. })),
        "{r:?}"
    );
    assert!(f.state.active_storms().await.expect("read").is_empty());
}

#[tokio::test]
async fn a_corrupted_upload_is_refused_and_nothing_is_stored() {
    let f = Fixture::new().await;
    let location = match f.call(Request::BeginFileUpload { size: 4 }).await {
        Response::UploadStarted { location } => location,
        other => panic!("{other:?}"),
    };
    f.call(Request::UploadChunk {
        location: location.clone(),
        data: b"abcd".to_vec(),
    })
    .await;
    let r = f
        .call(Request::FinishFileUpload {
            location: location.clone(),
            sha256: hex(&[0u8; 32]),
        })
        .await;
    assert!(
        matches!(r, Response::Error(RemoteError::ChecksumMismatch { .. })),
        "{r:?}"
    );
    let inbox = f.dir.path().join("nimbus").join("inbox");
    assert_eq!(std::fs::read_dir(inbox).expect("inbox").count(), 0);
}

#[tokio::test]
async fn deactivate_and_activate_change_the_status_and_refuse_unknown_names() {
    let f = Fixture::new().await;
    let id = submitted(f.submit("words", &config(1)).await);
    assert_eq!(
        f.call(Request::Deactivate {
            name: "words".into()
        })
        .await,
        Response::Ok
    );
    let status = |f: &Fixture| {
        let id = id.clone();
        let state = f.state.clone();
        async move {
            state
                .storm(&id)
                .await
                .expect("read")
                .expect("exists")
                .status
        }
    };
    assert_eq!(status(&f).await, TopologyStatus::Inactive);
    assert_eq!(
        f.call(Request::Activate {
            name: "words".into()
        })
        .await,
        Response::Ok
    );
    assert_eq!(status(&f).await, TopologyStatus::Active);
    assert_eq!(
        f.call(Request::Activate {
            name: "nope".into()
        })
        .await,
        Response::Error(RemoteError::NotFound {
            name: "nope".into()
        })
    );
}

#[tokio::test]
async fn kill_deactivates_then_removes_after_the_wait() {
    let f = Fixture::new().await;
    f.supervisor("sup-a", &[6700]).await;
    let id = submitted(f.submit("words", &config(1)).await);
    let (r, timers) = f
        .core
        .handle(
            Request::KillTopology {
                name: "words".into(),
                wait_secs: Some(5),
            },
            f.clock,
        )
        .await;
    assert_eq!(r, Response::Ok);
    assert_eq!(timers.len(), 1);
    assert_eq!(timers[0].delay, Duration::from_secs(5));
    assert_eq!(timers[0].action, TopologyAction::Remove);
    let base = f
        .state
        .storm(&id)
        .await
        .expect("read")
        .expect("still there");
    assert_eq!(base.status, TopologyStatus::Killed { wait_secs: 5 });
    assert!(
        f.state.assignment(&id).await.expect("read").is_some(),
        "kept during the wait"
    );
    // Killed topologies cannot be activated.
    let r = f
        .call(Request::Activate {
            name: "words".into(),
        })
        .await;
    assert_eq!(r_text(&r), "cannot activate topology words: it is KILLED");

    f.core
        .fire(&id, TopologyAction::Remove, f.later(5))
        .await
        .expect("fire");
    assert!(f.state.storm(&id).await.expect("read").is_none());
    assert!(f.state.assignment(&id).await.expect("read").is_none());
    assert!(!f
        .dir
        .path()
        .join("nimbus/stormdist")
        .join(id.as_str())
        .exists());
    // The name is free again.
    submitted(f.submit("words", &config(1)).await);
}

#[tokio::test]
async fn the_default_kill_wait_is_the_message_timeout() {
    let f = Fixture::new().await;
    let mut c = config(1);
    c.message_timeout_secs = 12;
    submitted(f.submit("words", &c).await);
    let (_, timers) = f
        .core
        .handle(
            Request::KillTopology {
                name: "words".into(),
                wait_secs: None,
            },
            f.clock,
        )
        .await;
    assert_eq!(timers[0].delay, Duration::from_secs(12));
}

#[tokio::test]
async fn rebalance_changes_the_worker_count_and_executors() {
    let f = Fixture::new().await;
    f.supervisor("sup-a", &[6700, 6701]).await;
    f.supervisor("sup-b", &[6700, 6701]).await;
    let id = submitted(f.submit("words", &config(1)).await);
    let a = f
        .state
        .assignment(&id)
        .await
        .expect("read")
        .expect("assigned");
    assert_eq!(a.workers().len(), 1);

    let mut options = RebalanceRequest {
        wait_secs: Some(0),
        num_workers: Some(3),
        ..Default::default()
    };
    options.num_executors.insert("split".into(), 2);
    let (r, timers) = f
        .core
        .handle(
            Request::Rebalance {
                name: "words".into(),
                options,
            },
            f.clock,
        )
        .await;
    assert_eq!(r, Response::Ok);
    assert_eq!(timers[0].action, TopologyAction::DoRebalance);
    let base = f.state.storm(&id).await.expect("read").expect("exists");
    assert!(matches!(base.status, TopologyStatus::Rebalancing(_)));

    f.core
        .fire(&id, TopologyAction::DoRebalance, f.later(1))
        .await
        .expect("fire");
    let base = f.state.storm(&id).await.expect("read").expect("exists");
    assert_eq!(
        base.status,
        TopologyStatus::Active,
        "back to the previous status"
    );
    assert_eq!(base.num_workers, 3);
    assert_eq!(base.component_executors.get("split"), Some(&2));
    let a = f
        .state
        .assignment(&id)
        .await
        .expect("read")
        .expect("assigned");
    assert_eq!(a.workers().len(), 3);
    // 2 spouts + 2 splits + 1 acker.
    assert_eq!(a.executor_node_port.len(), 5);
}

#[tokio::test]
async fn rebalance_options_are_checked() {
    let f = Fixture::new().await;
    submitted(f.submit("words", &config(1)).await);
    for (options, needle) in [
        (
            RebalanceRequest {
                num_workers: Some(0),
                ..Default::default()
            },
            "at least 1",
        ),
        (
            RebalanceRequest {
                num_executors: [("nope".to_owned(), 1)].into(),
                ..Default::default()
            },
            "no component \"nope\"",
        ),
        (
            RebalanceRequest {
                num_executors: [("split".to_owned(), 9)].into(),
                ..Default::default()
            },
            "has 4 tasks",
        ),
    ] {
        let r = f
            .call(Request::Rebalance {
                name: "words".into(),
                options,
            })
            .await;
        assert!(r_text(&r).contains(needle), "{}", r_text(&r));
    }
}

#[tokio::test]
async fn executors_of_a_lost_supervisor_move_to_a_live_one() {
    let f = Fixture::new().await;
    let lost = f.state.new_session();
    // sup-a registers through its own session, so it can vanish.
    lost.register_supervisor(&storm_zk::SupervisorInfo {
        id: "sup-a".into(),
        hostname: "a".into(),
        ports: vec![6700],
        used_ports: Vec::new(),
        time_secs: 0,
        uptime_secs: 0,
        version: "t".into(),
        worker_heartbeats: Vec::new(),
    })
    .await
    .expect("register");
    let id = submitted(f.submit("words", &config(1)).await);
    let a = f
        .state
        .assignment(&id)
        .await
        .expect("read")
        .expect("assigned");
    assert!(a.workers().iter().all(|w| w.node == "sup-a"));
    drop(lost);
    f.supervisor("sup-b", &[6700]).await;
    f.core.monitor(f.later(1)).await;
    let a = f
        .state
        .assignment(&id)
        .await
        .expect("read")
        .expect("assigned");
    assert!(
        a.workers().iter().all(|w| w.node == "sup-b"),
        "{:?}",
        a.workers()
    );
}

#[tokio::test]
async fn a_follower_refuses_changes_and_names_the_leader() {
    let f = Fixture::new().await;
    submitted(f.submit("words", &config(1)).await);
    f.core.lose_leadership();
    let r = f.call(Request::BeginFileUpload { size: 1 }).await;
    assert!(
        matches!(r, Response::Error(RemoteError::NotLeader { .. })),
        "{r:?}"
    );
    let r = f
        .call(Request::Deactivate {
            name: "words".into(),
        })
        .await;
    assert!(
        matches!(r, Response::Error(RemoteError::NotLeader { .. })),
        "{r:?}"
    );
}

#[tokio::test]
async fn get_leader_is_answered_yes_by_the_leader_and_not_leader_by_a_follower() {
    let f = Fixture::new().await;
    assert_eq!(f.call(Request::GetLeader).await, Response::Ok);
    f.core.lose_leadership();
    let r = f.call(Request::GetLeader).await;
    assert!(
        matches!(r, Response::Error(RemoteError::NotLeader { .. })),
        "{r:?}"
    );
}

#[tokio::test]
async fn topology_info_carries_the_stats_supervisors_published() {
    use storm_core::stats::{ExecutorWindows, StatsCounts, WINDOW_IDS};
    use storm_zk::{SupervisorStats, WorkerStats};

    let f = Fixture::new().await;
    f.supervisor("sup-a", &[6700]).await;
    let id = submitted(f.submit("words", &config(1)).await);
    let a = f
        .state
        .assignment(&id)
        .await
        .expect("read")
        .expect("assigned");
    let slot = a.workers().into_iter().next().expect("a worker");
    let executors = a
        .executors_in(&slot)
        .into_iter()
        .map(|e| ExecutorWindows {
            component: "split".into(),
            start_task: e.start.0,
            end_task: e.end.0,
            windows: WINDOW_IDS
                .iter()
                .map(|w| {
                    let counts = StatsCounts {
                        executed: 10,
                        ..Default::default()
                    };
                    ((*w).to_owned(), counts)
                })
                .collect(),
            ..Default::default()
        })
        .collect::<Vec<_>>();
    let n = executors.len() as u64;
    let record = SupervisorStats {
        host: "host-sup-a".into(),
        time_secs: 1,
        workers: vec![WorkerStats {
            topology_id: id.to_string(),
            port: slot.port,
            time_secs: 1,
            executors,
        }],
    };
    f.state
        .set_supervisor_stats("sup-a", &record)
        .await
        .expect("publish");
    match f
        .call(Request::GetTopologyInfo {
            name: "words".into(),
        })
        .await
    {
        Response::TopologyInfo(info) => {
            assert_eq!(info.stats.windows.len(), 4);
            let w = &info.stats.windows["600"];
            assert_eq!(w.bolts["split"].counts.executed, 10 * n);
            assert_eq!(w.executors.len() as u64, n);
            assert_eq!(w.executors[0].host, "host-sup-a");
        }
        other => panic!("{other:?}"),
    }
    match f
        .call(Request::GetTopologyPageInfo {
            name: "words".into(),
            window: "10800".into(),
        })
        .await
    {
        Response::TopologyInfo(info) => {
            assert_eq!(info.stats.windows.keys().collect::<Vec<_>>(), ["10800"]);
        }
        other => panic!("{other:?}"),
    }
    match f
        .call(Request::GetTopologyPageInfo {
            name: "words".into(),
            window: "60".into(),
        })
        .await
    {
        Response::Error(RemoteError::BadRequest { .. }) => {}
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn cluster_info_lists_supervisors_nimbuses_with_the_leader_and_topologies() {
    let f = Fixture::new().await;
    f.supervisor("sup-a", &[6700, 6701]).await;
    let me = storm_zk::NimbusInfo::new("n1", 6627);
    let standby = storm_zk::NimbusInfo::new("n2", 6627);
    f.state.register_nimbus(&me).await.expect("register");
    f.state.register_nimbus(&standby).await.expect("register");
    let _leading = f.state.contend_leadership(&me).await.expect("latch");
    submitted(f.submit("words", &config(1)).await);

    let info = match f.call(Request::GetClusterInfo).await {
        Response::ClusterInfo(info) => info,
        other => panic!("not cluster info: {other:?}"),
    };
    assert_eq!(info.supervisors.len(), 1);
    let sup = &info.supervisors[0];
    assert_eq!((sup.id.as_str(), sup.slots_total), ("sup-a", 2));
    let hosts: Vec<(&str, bool)> = info
        .nimbuses
        .iter()
        .map(|n| (n.host.as_str(), n.is_leader))
        .collect();
    assert_eq!(hosts, [("n1", true), ("n2", false)]);
    assert!(
        info.nimbuses[0].uptime_secs.is_some(),
        "the answering leader knows its uptime"
    );
    assert_eq!(info.nimbuses[1].uptime_secs, None);
    assert_eq!(info.topologies.len(), 1);
    assert_eq!(info.topologies[0].name, "words");
}
