//! Worker restarts made visible (STORM-2817): each restart of a still-assigned worker is logged
//! with its reason and counted under `/restarts/<topology-id>/<node>-<port>`, one ZooKeeper
//! write per restart and none otherwise, for Nimbus's topology info and `storm info`.

use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;
use std::sync::Arc;
use std::time::Duration;

use storm_client::launch::now_secs;
use storm_core::TopologyId;
use storm_zk::{ClusterState, NodePort, RestartReason};

use crate::slot::WorkerFailure;

/// The reason recorded for a failure; a worker that died is described by its exit status.
pub fn restart_reason(cause: WorkerFailure, exit: Option<ExitStatus>) -> RestartReason {
    match cause {
        WorkerFailure::Died => match exit {
            Some(status) => match (status.code(), status.signal()) {
                (Some(code), _) => RestartReason::Exited { code },
                (None, Some(signal)) => RestartReason::Signalled { signal },
                (None, None) => RestartReason::Vanished,
            },
            None => RestartReason::Vanished,
        },
        WorkerFailure::MissedHeartbeat(age) => RestartReason::MissedHeartbeat {
            age_secs: age.as_ref().map(Duration::as_secs),
        },
        WorkerFailure::StartTimeout => RestartReason::StartTimeout,
    }
}

/// Counts one restart of `slot`'s worker in ZooKeeper and logs the count. A failed write is
/// logged: the restart itself goes ahead regardless.
pub async fn record_restart(
    state: Arc<dyn ClusterState>,
    topology_id: TopologyId,
    slot: NodePort,
    reason: RestartReason,
) {
    match state
        .record_restart(&topology_id, &slot, &reason, now_secs())
        .await
    {
        Ok(r) => {
            tracing::info!(topology = %topology_id, %slot, restarts = r.count, %reason, "worker restart recorded")
        }
        Err(e) => {
            tracing::warn!(topology = %topology_id, %slot, %reason, error = %e, "cannot record a worker restart in zookeeper")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dead_worker_is_described_by_its_exit_status() {
        let exited = ExitStatus::from_raw(3 << 8);
        let killed = ExitStatus::from_raw(9);
        assert_eq!(
            restart_reason(WorkerFailure::Died, Some(exited)),
            RestartReason::Exited { code: 3 }
        );
        assert_eq!(
            restart_reason(WorkerFailure::Died, Some(killed)),
            RestartReason::Signalled { signal: 9 }
        );
        assert_eq!(
            restart_reason(WorkerFailure::Died, None),
            RestartReason::Vanished
        );
        assert_eq!(
            restart_reason(
                WorkerFailure::MissedHeartbeat(Some(Duration::from_millis(4500))),
                None
            ),
            RestartReason::MissedHeartbeat { age_secs: Some(4) }
        );
        assert_eq!(
            restart_reason(WorkerFailure::StartTimeout, Some(killed)),
            RestartReason::StartTimeout
        );
    }
}
