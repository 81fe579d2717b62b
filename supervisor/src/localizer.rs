//! Downloading a topology's files from Nimbus (Storm's `AsyncLocalizer`): the run files, then
//! the artifact in chunks, verified against its SHA-256 before it is made executable and put
//! in place. A failed or corrupted download leaves nothing behind.

use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;

use storm_client::protocol::TopologyDist;
use storm_client::{DaemonConfig, NimbusClient};
use storm_core::TopologyId;
use storm_zk::ClusterState;

use storm_client::launch::{ARTIFACT_FILE, DIST_FILE};

use crate::local_state::LocalState;

/// Why a download failed.
#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    /// Nimbus could not be reached or refused.
    #[error(transparent)]
    Nimbus(#[from] storm_client::ClientError),
    /// A local file operation failed.
    #[error("{what} {path}: {source}")]
    File {
        /// What was being done.
        what: &'static str,
        /// The file.
        path: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}

fn file_err(
    what: &'static str,
    path: &std::path::Path,
) -> impl FnOnce(std::io::Error) -> DownloadError {
    let path = path.display().to_string();
    move |source| DownloadError::File { what, path, source }
}

/// Connects to the leading Nimbus (from ZooKeeper), or else to the first seed that answers.
pub async fn connect_nimbus(
    config: &DaemonConfig,
    state: &dyn ClusterState,
) -> Result<NimbusClient, storm_client::ClientError> {
    if let Ok(Some(leader)) = state.leader().await {
        match NimbusClient::connect_configured(
            &leader.id(),
            config,
            storm_client::nimbus_client::DEFAULT_TIMEOUT,
        )
        .await
        {
            Ok(c) => return Ok(c),
            Err(e) => tracing::debug!(error = %e, "leader not reachable; trying the seeds"),
        }
    }
    NimbusClient::connect_seeds(config).await
}

/// Downloads a topology's run files and artifact into its directory.
pub async fn download(
    config: DaemonConfig,
    state: Arc<dyn ClusterState>,
    local: LocalState,
    topology_id: TopologyId,
) -> Result<TopologyDist, DownloadError> {
    let dir = local.dist_dir(topology_id.as_str());
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(file_err("creating", &dir))?;
    let mut client = connect_nimbus(&config, state.as_ref()).await?;
    let dist = client.topology_dist(topology_id.as_str()).await?;
    let part = dir.join("storm.bin.part");
    client.download_artifact(&dist, &part).await?;
    let finish = async {
        let mut perms = tokio::fs::metadata(&part)
            .await
            .map_err(file_err("reading", &part))?
            .permissions();
        perms.set_mode(0o755);
        tokio::fs::set_permissions(&part, perms)
            .await
            .map_err(file_err("making executable", &part))?;
        let artifact = dir.join(ARTIFACT_FILE);
        tokio::fs::rename(&part, &artifact)
            .await
            .map_err(file_err("renaming", &part))?;
        let json = serde_json::to_vec(&dist).map_err(|e| DownloadError::File {
            what: "encoding",
            path: dir.join(DIST_FILE).display().to_string(),
            source: std::io::Error::other(e),
        })?;
        let dist_path = dir.join(DIST_FILE);
        tokio::fs::write(&dist_path, json)
            .await
            .map_err(file_err("writing", &dist_path))
    };
    if let Err(e) = finish.await {
        let _ = tokio::fs::remove_dir_all(&dir).await;
        return Err(e);
    }
    Ok(dist)
}
