//! `Slot`: one worker port of a supervisor as a pure state machine (Storm's `Slot`, tested
//! step by step like Storm's `SlotTest`).
//!
//! Each step takes what the supervisor observes now (the assignment wanted for this port,
//! whether its artifact is downloaded, how the current worker process is doing) and returns the
//! next state and the actions the supervisor must carry out. Time is an input, so tests step
//! through timeouts without sleeping.
//!
//! ```text
//! Empty ──assigned──▶ WaitingForArtifact ──ready──▶ WaitingForWorkerStart ──heartbeat──▶ Running
//!   ▲                                                 │ died / start timeout               │ died, heartbeat
//!   │                                                 ▼                                    │ timeout, or
//!   └────────────── gone: cleanup ◀──────────── Killing (SIGTERM, then SIGKILL) ◀──────────┘ reassigned
//! ```

use std::time::{Duration, Instant};

use storm_core::{ExecutorInfo, TopologyId};

/// What Nimbus assigned to this port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalAssignment {
    /// The topology.
    pub topology_id: TopologyId,
    /// Its executors in this worker, sorted.
    pub executors: Vec<ExecutorInfo>,
}

/// How the slot's current worker process is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkerObservation {
    /// No process (never started, or already reaped).
    Gone,
    /// The process has exited.
    Exited,
    /// The process runs; `heartbeat_age` is the age of its newest local heartbeat, if any.
    Running {
        /// Age of the newest heartbeat.
        heartbeat_age: Option<Duration>,
    },
}

/// What the supervisor sees for one port at one step.
#[derive(Debug, Clone)]
pub struct Observation {
    /// The time of the step.
    pub now: Instant,
    /// The assignment Nimbus wants on this port.
    pub desired: Option<LocalAssignment>,
    /// Whether the desired topology's artifact and run files are downloaded and verified.
    pub artifact_ready: bool,
    /// The current worker, if the slot has one.
    pub worker: WorkerObservation,
}

/// The timeouts, from `storm.yaml`.
#[derive(Debug, Clone, Copy)]
pub struct SlotTimeouts {
    /// `supervisor.worker.start.timeout.secs`: time for a new worker's first heartbeat.
    pub worker_start: Duration,
    /// `supervisor.worker.timeout.secs`: heartbeat age after which a worker is restarted.
    pub worker: Duration,
    /// `supervisor.worker.shutdown.sleep.secs`: SIGTERM to SIGKILL grace.
    pub shutdown_sleep: Duration,
}

/// Where a slot is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlotState {
    /// No worker.
    Empty,
    /// Assigned; the artifact is being downloaded.
    WaitingForArtifact {
        /// The assignment.
        assignment: LocalAssignment,
    },
    /// The worker was started and has not sent a heartbeat yet.
    WaitingForWorkerStart {
        /// The assignment.
        assignment: LocalAssignment,
        /// The worker.
        worker_id: String,
        /// When it was started.
        launched_at: Instant,
    },
    /// The worker runs and heartbeats.
    Running {
        /// The assignment.
        assignment: LocalAssignment,
        /// The worker.
        worker_id: String,
    },
    /// The worker was told to stop.
    Killing {
        /// The worker.
        worker_id: String,
        /// When it was first told.
        since: Instant,
        /// Whether SIGKILL was sent.
        forced: bool,
    },
}

impl SlotState {
    /// Storm's name for the state.
    pub fn name(&self) -> &'static str {
        match self {
            SlotState::Empty => "EMPTY",
            SlotState::WaitingForArtifact { .. } => "WAITING_FOR_BLOB_LOCALIZATION",
            SlotState::WaitingForWorkerStart { .. } => "WAITING_FOR_WORKER_START",
            SlotState::Running { .. } => "RUNNING",
            SlotState::Killing { .. } => "KILL",
        }
    }

    /// The worker process the slot has, if any.
    pub fn worker_id(&self) -> Option<&str> {
        match self {
            SlotState::WaitingForWorkerStart { worker_id, .. }
            | SlotState::Running { worker_id, .. }
            | SlotState::Killing { worker_id, .. } => Some(worker_id),
            _ => None,
        }
    }
}

/// What the supervisor must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlotAction {
    /// Download the topology's artifact and run files (if not already under way).
    RequestArtifact(TopologyId),
    /// Start a worker process.
    Launch {
        /// Its id (and directory name).
        worker_id: String,
        /// What it runs.
        assignment: LocalAssignment,
    },
    /// Signal a worker: SIGTERM, or SIGKILL when `force`.
    Kill {
        /// The worker.
        worker_id: String,
        /// SIGKILL rather than SIGTERM.
        force: bool,
    },
    /// Reap a gone worker and delete its directory.
    Cleanup {
        /// The worker.
        worker_id: String,
    },
    /// The worker failed while still assigned, so it will be restarted: count the restart
    /// and log it with its cause. Comes before the action that ends the worker.
    WorkerFailed {
        /// The worker.
        worker_id: String,
        /// Its topology.
        topology_id: TopologyId,
        /// Why it is restarted.
        cause: WorkerFailure,
    },
}

/// Why a slot restarts a worker that is still assigned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkerFailure {
    /// The process exited or vanished; the supervisor knows its exit status.
    Died,
    /// Its heartbeat was older than `supervisor.worker.timeout.secs` (`None`: none found).
    MissedHeartbeat(Option<Duration>),
    /// It sent no heartbeat within `supervisor.worker.start.timeout.secs`.
    StartTimeout,
}

/// Puts a [`SlotAction::WorkerFailed`] in front of what a step does about the failure.
fn after_failure(
    worker_id: &str,
    assignment: &LocalAssignment,
    cause: WorkerFailure,
    (state, mut actions): (SlotState, Vec<SlotAction>),
) -> (SlotState, Vec<SlotAction>) {
    actions.insert(
        0,
        SlotAction::WorkerFailed {
            worker_id: worker_id.to_owned(),
            topology_id: assignment.topology_id.clone(),
            cause,
        },
    );
    (state, actions)
}

/// One port's state machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    /// The port.
    pub port: u16,
    /// Workers launched so far (names the next worker).
    pub launches: u64,
    /// The state.
    pub state: SlotState,
}

impl Slot {
    /// An empty slot.
    pub fn new(port: u16) -> Self {
        Self {
            port,
            launches: 0,
            state: SlotState::Empty,
        }
    }

    /// One step: the next slot and the actions to carry out, in order.
    pub fn step(mut self, obs: &Observation, timeouts: &SlotTimeouts) -> (Slot, Vec<SlotAction>) {
        let mut actions = Vec::new();
        // A slot that becomes empty looks at the assignment again in the same step, so a
        // replacement worker starts without waiting for the next one. Two passes suffice.
        for _ in 0..2 {
            let state = std::mem::replace(&mut self.state, SlotState::Empty);
            let (next, mut acts) = self.transition(state, obs, timeouts);
            let again = next == SlotState::Empty
                && acts.iter().any(|a| matches!(a, SlotAction::Cleanup { .. }));
            self.state = next;
            actions.append(&mut acts);
            if !again {
                break;
            }
        }
        (self, actions)
    }

    fn launch(
        &mut self,
        assignment: LocalAssignment,
        now: Instant,
    ) -> (SlotState, Vec<SlotAction>) {
        self.launches += 1;
        let worker_id = format!("{}-{}-{}", assignment.topology_id, self.port, self.launches);
        (
            SlotState::WaitingForWorkerStart {
                assignment: assignment.clone(),
                worker_id: worker_id.clone(),
                launched_at: now,
            },
            vec![SlotAction::Launch {
                worker_id,
                assignment,
            }],
        )
    }

    fn transition(
        &mut self,
        state: SlotState,
        obs: &Observation,
        timeouts: &SlotTimeouts,
    ) -> (SlotState, Vec<SlotAction>) {
        let kill = |worker_id: String| {
            (
                SlotState::Killing {
                    worker_id: worker_id.clone(),
                    since: obs.now,
                    forced: false,
                },
                vec![SlotAction::Kill {
                    worker_id,
                    force: false,
                }],
            )
        };
        let gone = |worker_id: String| (SlotState::Empty, vec![SlotAction::Cleanup { worker_id }]);
        let dead = matches!(
            obs.worker,
            WorkerObservation::Gone | WorkerObservation::Exited
        );
        match state {
            SlotState::Empty => match &obs.desired {
                None => (SlotState::Empty, Vec::new()),
                Some(a) if obs.artifact_ready => self.launch(a.clone(), obs.now),
                Some(a) => (
                    SlotState::WaitingForArtifact {
                        assignment: a.clone(),
                    },
                    vec![SlotAction::RequestArtifact(a.topology_id.clone())],
                ),
            },
            SlotState::WaitingForArtifact { assignment } => {
                if obs.desired.as_ref() != Some(&assignment) {
                    // Nothing started yet: simply look at the new assignment.
                    return self.transition(SlotState::Empty, obs, timeouts);
                }
                if obs.artifact_ready {
                    self.launch(assignment, obs.now)
                } else {
                    let topology = assignment.topology_id.clone();
                    (
                        SlotState::WaitingForArtifact { assignment },
                        vec![SlotAction::RequestArtifact(topology)],
                    )
                }
            }
            SlotState::WaitingForWorkerStart {
                assignment,
                worker_id,
                launched_at,
            } => {
                if obs.desired.as_ref() != Some(&assignment) {
                    kill(worker_id)
                } else if dead {
                    let failure = WorkerFailure::Died;
                    after_failure(&worker_id, &assignment, failure, gone(worker_id.clone()))
                } else if matches!(obs.worker, WorkerObservation::Running { heartbeat_age: Some(age) } if age < timeouts.worker)
                {
                    (
                        SlotState::Running {
                            assignment,
                            worker_id,
                        },
                        Vec::new(),
                    )
                } else if obs.now.saturating_duration_since(launched_at) >= timeouts.worker_start {
                    let failure = WorkerFailure::StartTimeout;
                    after_failure(&worker_id, &assignment, failure, kill(worker_id.clone()))
                } else {
                    (
                        SlotState::WaitingForWorkerStart {
                            assignment,
                            worker_id,
                            launched_at,
                        },
                        Vec::new(),
                    )
                }
            }
            SlotState::Running {
                assignment,
                worker_id,
            } => {
                let alive = matches!(obs.worker, WorkerObservation::Running { heartbeat_age: Some(age) } if age < timeouts.worker);
                if obs.desired.as_ref() != Some(&assignment) {
                    kill(worker_id)
                } else if dead {
                    let failure = WorkerFailure::Died;
                    after_failure(&worker_id, &assignment, failure, gone(worker_id.clone()))
                } else if !alive {
                    let age = match obs.worker {
                        WorkerObservation::Running { heartbeat_age } => heartbeat_age,
                        _ => None,
                    };
                    let failure = WorkerFailure::MissedHeartbeat(age);
                    after_failure(&worker_id, &assignment, failure, kill(worker_id.clone()))
                } else {
                    (
                        SlotState::Running {
                            assignment,
                            worker_id,
                        },
                        Vec::new(),
                    )
                }
            }
            SlotState::Killing {
                worker_id,
                since,
                forced,
            } => {
                if dead {
                    gone(worker_id)
                } else if !forced
                    && obs.now.saturating_duration_since(since) >= timeouts.shutdown_sleep
                {
                    (
                        SlotState::Killing {
                            worker_id: worker_id.clone(),
                            since,
                            forced: true,
                        },
                        vec![SlotAction::Kill {
                            worker_id,
                            force: true,
                        }],
                    )
                } else {
                    (
                        SlotState::Killing {
                            worker_id,
                            since,
                            forced,
                        },
                        Vec::new(),
                    )
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
