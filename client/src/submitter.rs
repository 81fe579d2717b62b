//! `StormSubmitter`: uploads the topology's binary to Nimbus and submits the topology
//! (Storm's `StormSubmitter`).

use std::path::PathBuf;

use storm_core::{Config, Topology};

use crate::config::DaemonConfig;
use crate::error::ClusterError;
use crate::launch::ENV_CONF;
use crate::nimbus_client::NimbusClient;
use crate::protocol::SubmitTopology;

/// What the author's code builds: the topology, its name and its config.
pub struct Submission {
    /// The topology's name (`topology.name`).
    pub name: String,
    /// Its config.
    pub config: Config,
    /// The topology.
    pub topology: Topology,
}

/// Submits topologies to the Nimbus named by a `storm.yaml` config.
#[derive(Debug, Clone)]
pub struct StormSubmitter {
    config: DaemonConfig,
    jar: PathBuf,
}

impl StormSubmitter {
    /// A submitter uploading `jar` to the Nimbus of `config`.
    pub fn new(config: DaemonConfig, jar: PathBuf) -> Self {
        Self { config, jar }
    }

    /// A submitter for the cluster `storm jar` was pointed at (`STORM_CONF`; Storm's defaults
    /// when unset).
    pub fn from_env(jar: PathBuf) -> Result<Self, ClusterError> {
        let config = match std::env::var(ENV_CONF) {
            Ok(json) => DaemonConfig::from_json(&json)?,
            Err(_) => DaemonConfig::default(),
        };
        Ok(Self::new(config, jar))
    }

    /// Uploads the binary and submits `submission`, active; workers will be started with
    /// `args`. Returns the topology id.
    pub fn submit(&self, submission: &Submission, args: &[String]) -> Result<String, ClusterError> {
        // As Storm's `storm jar -c topology.users=[...]`: the command line's ACL reaches the
        // topology unless its code set one.
        let mut config = submission.config.clone();
        if let Some(users) = self.config.raw.get("topology.users") {
            if config.get("topology.users").is_none() {
                config
                    .set("topology.users", users.clone())
                    .map_err(|e| ClusterError::TopologyConfig(e.to_string()))?;
            }
        }
        let request = SubmitTopology {
            name: submission.name.clone(),
            artifact: String::new(),
            config_json: config
                .to_json()
                .map_err(|e| ClusterError::TopologyConfig(e.to_string()))?,
            topology_json: serde_json::to_string(&submission.topology.definition)
                .map_err(|e| ClusterError::TopologyConfig(e.to_string()))?,
            custom_groupings: submission
                .topology
                .custom_groupings
                .keys()
                .cloned()
                .collect(),
            args: args.to_vec(),
            active: true,
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(ClusterError::Runtime)?;
        runtime.block_on(async {
            let mut client = NimbusClient::connect_seeds(&self.config).await?;
            // Refuse a taken name before uploading the binary in vain.
            client.check_topology_name(&request.name).await?;
            let artifact = client.upload_artifact(&self.jar).await?;
            let id = client
                .submit_topology(SubmitTopology {
                    artifact,
                    ..request
                })
                .await?;
            Ok(id)
        })
    }
}
