//! A worker's error publisher: writes the errors its tasks report (already throttled per task,
//! [`storm_worker::error_reports`]) to `/errors/<topology-id>/<component>/e<seq>`, where Nimbus
//! reads them for `storm info`. It runs on the worker's runtime, off the tasks' threads.

use std::sync::Arc;

use storm_core::TopologyId;
use storm_worker::error_reports::ReportedError;
use storm_zk::{ClusterState, ErrorInfo};
use tokio::sync::mpsc::UnboundedReceiver;

/// Where the errors come from: the worker's host and slot port.
#[derive(Debug, Clone)]
pub struct ErrorOrigin {
    /// The topology.
    pub topology_id: TopologyId,
    /// The worker's host (`storm.local.hostname`).
    pub host: String,
    /// The worker's port.
    pub port: u16,
}

impl ErrorOrigin {
    /// The record of `error` as Nimbus reads it.
    pub fn error_info(&self, error: &ReportedError) -> ErrorInfo {
        ErrorInfo {
            error: error.message.clone(),
            time_secs: error.time_secs,
            host: self.host.clone(),
            port: self.port,
            task: error.task.0,
        }
    }
}

/// Writes every error that arrives on `errors` until its senders are gone. A write that fails
/// (ZooKeeper unreachable) is logged and the error dropped: errors are diagnostics, and the
/// worker must not stall or die for them.
pub async fn publish_errors(
    state: Arc<dyn ClusterState>,
    origin: ErrorOrigin,
    mut errors: UnboundedReceiver<ReportedError>,
) {
    while let Some(error) = errors.recv().await {
        let info = origin.error_info(&error);
        if let Err(e) = state
            .report_error(&origin.topology_id, &error.component, &info)
            .await
        {
            tracing::warn!(component = %error.component, task = %error.task, error = %e, "cannot write a component error to zookeeper");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use storm_core::{ComponentId, Config, TaskId};
    use storm_worker::error_reports::{ErrorSink, TaskErrorReporter};
    use storm_zk::MemClusterState;

    #[tokio::test]
    async fn reported_errors_land_in_the_cluster_state_with_task_host_and_port() {
        let state = Arc::new(MemClusterState::new());
        state.setup().await.expect("setup");
        let id = TopologyId::new("wc-1-1");
        let (sink, rx) = ErrorSink::channel();
        let count = ComponentId::new("count");
        let config = Config {
            max_error_report_per_interval: 2,
            ..Config::default()
        };
        let mut reporter = TaskErrorReporter::new(TaskId(7), count.clone(), &config, sink);
        for n in 0..4 {
            reporter.report(&format!("bolt panicked: boom {n}"));
        }
        drop(reporter); // the last sender: the publisher ends once it has written everything
        let origin = ErrorOrigin {
            topology_id: id.clone(),
            host: "node-1".into(),
            port: 6701,
        };
        publish_errors(state.clone(), origin, rx).await;
        let errors = state.errors(&id, &count).await.expect("read");
        let texts: Vec<&str> = errors.iter().map(|e| e.error.as_str()).collect();
        assert_eq!(
            texts,
            vec!["bolt panicked: boom 1", "bolt panicked: boom 0"]
        );
        assert!(errors
            .iter()
            .all(|e| e.task == 7 && e.host == "node-1" && e.port == 6701 && e.time_secs > 0));
    }
}
