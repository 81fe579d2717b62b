//! `WorkerRestarts`: how often a slot's worker was restarted, and why the last time
//! (`/restarts/<topology-id>/<node>-<port>`), so a crash loop is visible (STORM-2817).

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a supervisor restarted a worker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RestartReason {
    /// The process exited by itself with this code.
    Exited {
        /// The exit code.
        code: i32,
    },
    /// The process was ended by a signal it did not get from its supervisor (`kill -9`, the
    /// kernel's OOM killer, a crash).
    Signalled {
        /// The signal number.
        signal: i32,
    },
    /// The process was gone and its exit status unknown.
    Vanished,
    /// Its heartbeat was older than `supervisor.worker.timeout.secs`.
    MissedHeartbeat {
        /// The heartbeat's age when the supervisor gave up, in seconds (`None`: none found).
        age_secs: Option<u64>,
    },
    /// It sent no heartbeat within `supervisor.worker.start.timeout.secs`.
    StartTimeout,
}

impl fmt::Display for RestartReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RestartReason::Exited { code } => write!(f, "exited with code {code}"),
            RestartReason::Signalled { signal } => {
                let name = match signal {
                    6 => " (SIGABRT)",
                    9 => " (SIGKILL)",
                    11 => " (SIGSEGV)",
                    15 => " (SIGTERM)",
                    _ => "",
                };
                write!(f, "killed by signal {signal}{name}")
            }
            RestartReason::Vanished => write!(f, "gone, exit status unknown"),
            RestartReason::MissedHeartbeat { age_secs: Some(a) } => {
                write!(f, "missed heartbeats (last {a} s ago)")
            }
            RestartReason::MissedHeartbeat { age_secs: None } => {
                write!(f, "missed heartbeats (none found)")
            }
            RestartReason::StartTimeout => write!(f, "no heartbeat within the start timeout"),
        }
    }
}

/// A worker slot's restarts for one topology, rewritten by its supervisor at each restart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkerRestarts {
    /// Restarts so far.
    pub count: u64,
    /// Why the newest one happened.
    pub last_reason: RestartReason,
    /// When it happened, in seconds since the epoch.
    pub last_time_secs: u64,
}
