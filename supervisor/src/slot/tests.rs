//! Tests of `slot.rs`.

// Reference: storm-server `daemon/supervisor/Slot.java` and its `SlotTest`.
use super::*;
use storm_core::TaskId;

const T: SlotTimeouts = SlotTimeouts {
    worker_start: Duration::from_secs(120),
    worker: Duration::from_secs(30),
    shutdown_sleep: Duration::from_secs(3),
};

fn assignment(topology: &str, tasks: &[u32]) -> LocalAssignment {
    LocalAssignment {
        topology_id: TopologyId::new(topology),
        executors: tasks
            .iter()
            .map(|t| ExecutorInfo {
                start: TaskId(*t),
                end: TaskId(*t),
            })
            .collect(),
    }
}

struct Clock(Instant);
impl Clock {
    fn at(&self, secs: u64) -> Instant {
        self.0 + Duration::from_secs(secs)
    }
}

fn obs(
    now: Instant,
    desired: Option<&LocalAssignment>,
    artifact_ready: bool,
    worker: WorkerObservation,
) -> Observation {
    Observation {
        now,
        desired: desired.cloned(),
        artifact_ready,
        worker,
    }
}

fn beating(secs: u64) -> WorkerObservation {
    WorkerObservation::Running {
        heartbeat_age: Some(Duration::from_secs(secs)),
    }
}

const STARTING: WorkerObservation = WorkerObservation::Running {
    heartbeat_age: None,
};

#[test]
fn an_assignment_downloads_then_launches_then_runs() {
    let c = Clock(Instant::now());
    let a = assignment("t-1-1", &[1, 2]);
    let slot = Slot::new(6700);
    let (slot, acts) = slot.step(&obs(c.at(0), Some(&a), false, WorkerObservation::Gone), &T);
    assert_eq!(slot.state.name(), "WAITING_FOR_BLOB_LOCALIZATION");
    assert_eq!(
        acts,
        vec![SlotAction::RequestArtifact(a.topology_id.clone())]
    );

    let (slot, acts) = slot.step(&obs(c.at(1), Some(&a), true, WorkerObservation::Gone), &T);
    assert_eq!(
        acts,
        vec![SlotAction::Launch {
            worker_id: "t-1-1-6700-1".into(),
            assignment: a.clone()
        }]
    );
    assert_eq!(slot.state.name(), "WAITING_FOR_WORKER_START");

    let (slot, acts) = slot.step(&obs(c.at(2), Some(&a), true, STARTING), &T);
    assert!(acts.is_empty());
    assert_eq!(slot.state.name(), "WAITING_FOR_WORKER_START");
    let (slot, acts) = slot.step(&obs(c.at(3), Some(&a), true, beating(0)), &T);
    assert!(acts.is_empty());
    assert_eq!(
        slot.state,
        SlotState::Running {
            assignment: a,
            worker_id: "t-1-1-6700-1".into()
        }
    );
}

fn running(a: &LocalAssignment) -> Slot {
    Slot {
        port: 6700,
        launches: 1,
        state: SlotState::Running {
            assignment: a.clone(),
            worker_id: "w1".into(),
        },
    }
}

#[test]
fn a_worker_that_dies_is_cleaned_up_and_relaunched_at_once() {
    let c = Clock(Instant::now());
    let a = assignment("t-1-1", &[1]);
    let (slot, acts) =
        running(&a).step(&obs(c.at(0), Some(&a), true, WorkerObservation::Exited), &T);
    assert_eq!(
        acts,
        vec![
            SlotAction::WorkerFailed {
                worker_id: "w1".into(),
                topology_id: a.topology_id.clone(),
                cause: WorkerFailure::Died,
            },
            SlotAction::Cleanup {
                worker_id: "w1".into()
            },
            SlotAction::Launch {
                worker_id: "t-1-1-6700-2".into(),
                assignment: a.clone()
            }
        ]
    );
    assert_eq!(slot.state.name(), "WAITING_FOR_WORKER_START");
}

#[test]
fn a_silent_worker_is_killed_then_forced_then_relaunched() {
    let c = Clock(Instant::now());
    let a = assignment("t-1-1", &[1]);
    let (slot, acts) = running(&a).step(&obs(c.at(0), Some(&a), true, beating(29)), &T);
    assert!(acts.is_empty(), "29 s is within the timeout");
    let (slot, acts) = slot.step(&obs(c.at(1), Some(&a), true, beating(30)), &T);
    assert_eq!(
        acts,
        vec![
            SlotAction::WorkerFailed {
                worker_id: "w1".into(),
                topology_id: a.topology_id.clone(),
                cause: WorkerFailure::MissedHeartbeat(Some(Duration::from_secs(30))),
            },
            SlotAction::Kill {
                worker_id: "w1".into(),
                force: false
            }
        ]
    );
    let (slot, acts) = slot.step(&obs(c.at(3), Some(&a), true, beating(32)), &T);
    assert!(acts.is_empty(), "SIGTERM gets its grace");
    let (slot, acts) = slot.step(&obs(c.at(4), Some(&a), true, beating(33)), &T);
    assert_eq!(
        acts,
        vec![SlotAction::Kill {
            worker_id: "w1".into(),
            force: true
        }]
    );
    let (slot, acts) = slot.step(&obs(c.at(5), Some(&a), true, beating(34)), &T);
    assert!(acts.is_empty(), "SIGKILL is sent once");
    let (slot, acts) = slot.step(&obs(c.at(6), Some(&a), true, WorkerObservation::Exited), &T);
    assert_eq!(
        acts.len(),
        2,
        "the failure was counted once, at the kill: {acts:?}"
    );
    assert!(
        matches!(&acts[1], SlotAction::Launch { worker_id, .. } if worker_id == "t-1-1-6700-2")
    );
    assert_eq!(slot.state.name(), "WAITING_FOR_WORKER_START");
}

#[test]
fn an_unassigned_worker_is_killed_and_the_slot_empties() {
    let c = Clock(Instant::now());
    let a = assignment("t-1-1", &[1]);
    let (slot, acts) = running(&a).step(&obs(c.at(0), None, false, beating(0)), &T);
    assert_eq!(
        acts,
        vec![SlotAction::Kill {
            worker_id: "w1".into(),
            force: false
        }]
    );
    let (slot, acts) = slot.step(&obs(c.at(1), None, false, WorkerObservation::Exited), &T);
    assert_eq!(
        acts,
        vec![SlotAction::Cleanup {
            worker_id: "w1".into()
        }]
    );
    assert_eq!(slot.state, SlotState::Empty);
}

#[test]
fn a_changed_assignment_replaces_the_worker() {
    let c = Clock(Instant::now());
    let a = assignment("t-1-1", &[1]);
    let b = assignment("t-1-1", &[1, 2]);
    let (slot, acts) = running(&a).step(&obs(c.at(0), Some(&b), true, beating(0)), &T);
    assert!(matches!(acts[..], [SlotAction::Kill { force: false, .. }]));
    let (slot, acts) = slot.step(&obs(c.at(1), Some(&b), true, WorkerObservation::Gone), &T);
    assert!(matches!(
        &acts[..],
        [SlotAction::Cleanup { .. }, SlotAction::Launch { assignment, .. }] if *assignment == b
    ));
    assert_eq!(slot.state.name(), "WAITING_FOR_WORKER_START");
}

#[test]
fn a_worker_that_never_heartbeats_is_killed_after_the_start_timeout() {
    let c = Clock(Instant::now());
    let a = assignment("t-1-1", &[1]);
    let slot = Slot {
        port: 6700,
        launches: 1,
        state: SlotState::WaitingForWorkerStart {
            assignment: a.clone(),
            worker_id: "w1".into(),
            launched_at: c.at(0),
        },
    };
    let (slot, acts) = slot.step(&obs(c.at(119), Some(&a), true, STARTING), &T);
    assert!(acts.is_empty());
    let (slot, acts) = slot.step(&obs(c.at(120), Some(&a), true, STARTING), &T);
    assert!(matches!(
        acts[..],
        [
            SlotAction::WorkerFailed {
                cause: WorkerFailure::StartTimeout,
                ..
            },
            SlotAction::Kill { force: false, .. }
        ]
    ));
    assert_eq!(slot.state.name(), "KILL");
}

#[test]
fn an_assignment_withdrawn_during_download_leaves_the_slot_empty() {
    let c = Clock(Instant::now());
    let a = assignment("t-1-1", &[1]);
    let slot = Slot::new(6700);
    let (slot, _) = slot.step(&obs(c.at(0), Some(&a), false, WorkerObservation::Gone), &T);
    let (slot, acts) = slot.step(&obs(c.at(1), None, false, WorkerObservation::Gone), &T);
    assert!(acts.is_empty());
    assert_eq!(slot.state, SlotState::Empty);
    assert_eq!(slot.launches, 0);
}

#[test]
fn a_worker_that_exits_while_starting_is_relaunched_in_the_same_step() {
    let c = Clock(Instant::now());
    let a = assignment("t-1-1", &[1]);
    let slot = Slot {
        port: 6700,
        launches: 1,
        state: SlotState::WaitingForWorkerStart {
            assignment: a.clone(),
            worker_id: "w1".into(),
            launched_at: c.at(0),
        },
    };
    let (slot, acts) = slot.step(&obs(c.at(1), Some(&a), true, WorkerObservation::Exited), &T);
    assert_eq!(
        acts,
        vec![
            SlotAction::WorkerFailed {
                worker_id: "w1".into(),
                topology_id: a.topology_id.clone(),
                cause: WorkerFailure::Died,
            },
            SlotAction::Cleanup {
                worker_id: "w1".into()
            },
            SlotAction::Launch {
                worker_id: "t-1-1-6700-2".into(),
                assignment: a
            }
        ]
    );
    assert_eq!(slot.state.name(), "WAITING_FOR_WORKER_START");
}
