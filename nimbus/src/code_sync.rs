//! Code distribution between Nimbus processes (Storm's `blobSync` and the artifact check of
//! `LeaderListenerCallback`): a Nimbus that does not lead copies each active topology's run
//! files and artifact from the leader, by the download path supervisors use (checked against
//! the announced SHA-256), into its own store, and deletes the files of topologies that are
//! gone. It is eligible to lead once it holds the files of every topology in `/storms`, or
//! when no other Nimbus leads (then nobody could supply what it lacks, and a leader that
//! can still kill or rebalance beats none).

use storm_client::nimbus_client::DEFAULT_TIMEOUT;
use storm_client::{ClientError, NimbusClient, RemoteError};
use storm_core::TopologyId;
use storm_zk::NimbusInfo;

use crate::core::NimbusCore;
use crate::store::StoreError;

/// Why a topology's files could not be copied from the leader.
#[derive(Debug, thiserror::Error)]
enum CopyError {
    /// The leader could not be asked, or refused.
    #[error(transparent)]
    Leader(#[from] ClientError),
    /// The copy could not be installed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl NimbusCore {
    /// One sync pass for the Nimbus registered as `me`; returns whether it is eligible to lead.
    pub async fn sync_code(&self, me: &NimbusInfo) -> Result<bool, storm_zk::Error> {
        if self.is_leader() {
            return Ok(true);
        }
        let active = self.state.active_storms().await?;
        let stored = self.lock_store().topology_ids();
        for id in stored {
            if !active.iter().any(|a| a.as_str() == id) {
                tracing::info!(topology = %id, "deleting the files of a removed topology");
                self.lock_store().remove(&id);
            }
        }
        let missing: Vec<TopologyId> = {
            let store = self.lock_store();
            active
                .into_iter()
                .filter(|id| !store.holds(id.as_str()))
                .collect()
        };
        if missing.is_empty() {
            return Ok(true);
        }
        let leader = match self.state.leader().await? {
            Some(l) if l.id() != me.id() => l,
            _ => {
                tracing::warn!(
                    ?missing,
                    "no other Nimbus leads to copy these topologies' files from; eligible anyway"
                );
                return Ok(true);
            }
        };
        let mut client = match NimbusClient::connect_configured(
            &leader.id(),
            &self.config,
            DEFAULT_TIMEOUT,
        )
        .await
        {
            Ok(c) => c,
            Err(e) => {
                tracing::info!(leader = %leader.id(), error = %e, "cannot reach the leader to copy artifacts");
                return Ok(false);
            }
        };
        let mut complete = true;
        for id in missing {
            match self.copy_from(&mut client, &id).await {
                Ok(()) => {
                    tracing::info!(topology = %id, leader = %leader.id(), "artifact copied from the leader")
                }
                // Killed since the listing: nothing to hold.
                Err(CopyError::Leader(ClientError::Remote(RemoteError::NotFound { .. }))) => {}
                Err(e) => {
                    tracing::warn!(topology = %id, leader = %leader.id(), error = %e, "copying an artifact from the leader");
                    complete = false;
                }
            }
        }
        Ok(complete)
    }

    /// Downloads one topology's files from the leader and installs them.
    async fn copy_from(&self, client: &mut NimbusClient, id: &TopologyId) -> Result<(), CopyError> {
        let dist = client.topology_dist(id.as_str()).await?;
        let part = self.lock_store().replica_path(id.as_str());
        client.download_artifact(&dist, &part).await?;
        Ok(self.lock_store().install_file(&part, &dist)?)
    }
}
