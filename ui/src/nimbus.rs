//! `NimbusGateway`: the UI's way to Nimbus. Each call finds the leader through `nimbus.seeds`
//! (`NimbusClient::connect_seeds`) and makes its requests on a fresh connection, so a Nimbus
//! failover needs nothing of the UI; the search gives up after two rounds, so a page answers
//! within seconds when no Nimbus leads.

use std::future::Future;

use storm_client::protocol::{ClusterInfo, TopologyDist, TopologyInfo, TopologySummary};
use storm_client::{ClientError, DaemonConfig, NimbusClient};
use storm_core::StormTopology;

use crate::error::ApiError;
use crate::stats::{topology_stats, TopologyStats};

/// Talks to the leading Nimbus.
#[derive(Debug, Clone)]
pub struct NimbusGateway {
    config: DaemonConfig,
}

/// A topology with everything the UI shows of it.
#[derive(Debug, Clone)]
pub struct TopologyView {
    /// Nimbus's info: summary, executors, workers with restarts, errors.
    pub info: TopologyInfo,
    /// Its shape: components, streams and subscriptions.
    pub topology: StormTopology,
    /// The topology config Nimbus accepted.
    pub config: serde_json::Map<String, serde_json::Value>,
    /// Its numbers.
    pub stats: TopologyStats,
}

impl TopologyView {
    /// `topology.message.timeout.secs` (Storm's default 30).
    pub fn message_timeout_secs(&self) -> u64 {
        self.config
            .get("topology.message.timeout.secs")
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(30)
    }
}

impl NimbusGateway {
    /// A gateway with the daemon's config (at most two rounds over the seeds per call).
    pub fn new(mut config: DaemonConfig) -> Self {
        config.nimbus_retry_times = config.nimbus_retry_times.min(1);
        Self { config }
    }

    /// Runs `call` on a connection to the leader.
    pub async fn with_client<T, F, Fut>(&self, call: F) -> Result<T, ApiError>
    where
        F: FnOnce(NimbusClient) -> Fut,
        Fut: Future<Output = Result<T, ClientError>>,
    {
        let client = NimbusClient::connect_seeds(&self.config).await?;
        Ok(call(client).await?)
    }

    /// The cluster's daemons and topologies.
    pub async fn cluster(&self) -> Result<ClusterInfo, ApiError> {
        self.with_client(|mut c| async move { c.cluster_info().await })
            .await
    }

    /// The Nimbus seeds this UI was configured with, as `(host, port)`.
    pub fn seeds(&self) -> Vec<(String, u16)> {
        self.config
            .nimbus_seeds
            .iter()
            .map(|seed| match seed.rsplit_once(':') {
                Some((host, port)) => match port.parse() {
                    Ok(port) => (host.to_owned(), port),
                    Err(_) => (seed.clone(), self.config.nimbus_port),
                },
                None => (seed.clone(), self.config.nimbus_port),
            })
            .collect()
    }

    /// The summary of the topology with this id.
    pub async fn summary(&self, id: &str) -> Result<TopologySummary, ApiError> {
        let list = self
            .with_client(|mut c| async move { c.list_topologies().await })
            .await?;
        list.into_iter()
            .find(|t| t.id == id)
            .ok_or_else(|| ApiError::UnknownTopology { id: id.to_owned() })
    }

    /// A topology by id, with its shape, config and numbers.
    pub async fn topology(&self, id: &str) -> Result<TopologyView, ApiError> {
        let summary = self.summary(id).await?;
        let (info, dist) = self
            .with_client(|mut c| async move {
                let info = c.topology_info(&summary.name).await?;
                let dist = c.topology_dist(&summary.id).await?;
                Ok::<(TopologyInfo, TopologyDist), ClientError>((info, dist))
            })
            .await?;
        let topology: StormTopology =
            serde_json::from_str(&dist.topology_json).map_err(|e| ApiError::BadAnswer {
                reason: format!("topology of {id}: {e}"),
            })?;
        let config = match serde_json::from_str(&dist.config_json) {
            Ok(serde_json::Value::Object(map)) => map,
            Ok(_) | Err(_) => serde_json::Map::new(),
        };
        let stats = topology_stats(&info);
        Ok(TopologyView {
            info,
            topology,
            config,
            stats,
        })
    }
}
