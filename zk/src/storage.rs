//! `StateStorage`: the znode operations a backend provides (Storm's `IStateStorage`).
//!
//! [`crate::StormClusterState`] turns records into paths and bytes over any `StateStorage`, so the
//! ZooKeeper and in-memory backends share every rule about layout and encoding and differ only
//! here. Paths are absolute below the backend's root (`/assignments/t-1`).

use std::future::Future;

use crate::error::Result;
use crate::leadership::Leadership;
use crate::watch::{ChangeWatch, WatchedDir};

/// Bytes-and-paths storage with ZooKeeper's semantics: persistent, ephemeral and sequential
/// nodes, change notifications and a leader latch.
pub trait StateStorage: Send + Sync + 'static {
    /// Creates `path` and any missing parents as persistent nodes.
    fn mkdirs(&self, path: &str) -> impl Future<Output = Result<()>> + Send;

    /// Writes a persistent node, creating it and its parents when missing.
    fn set_data(&self, path: &str, data: Vec<u8>) -> impl Future<Output = Result<()>> + Send;

    /// A node's data, or `None` when it does not exist.
    fn get_data(&self, path: &str) -> impl Future<Output = Result<Option<Vec<u8>>>> + Send;

    /// A node's children's names, sorted; empty when the node does not exist.
    fn get_children(&self, path: &str) -> impl Future<Output = Result<Vec<String>>> + Send;

    /// Deletes a node and everything below it; a missing node is not an error.
    fn delete_node(&self, path: &str) -> impl Future<Output = Result<()>> + Send;

    /// Writes an ephemeral node owned by this backend's session, creating parents as needed.
    /// The backend remembers it and re-creates it in every later session until
    /// [`StateStorage::delete_ephemeral`].
    fn set_ephemeral(&self, path: &str, data: Vec<u8>) -> impl Future<Output = Result<()>> + Send;

    /// Forgets an ephemeral registration and deletes its node.
    fn delete_ephemeral(&self, path: &str) -> impl Future<Output = Result<()>> + Send;

    /// Creates a persistent sequential node `<prefix><10-digit sequence>` and returns its name
    /// (the last path segment).
    fn create_sequential(
        &self,
        prefix: &str,
        data: Vec<u8>,
    ) -> impl Future<Output = Result<String>> + Send;

    /// Changes under one directory, from now on.
    fn subscribe(&self, dir: WatchedDir) -> ChangeWatch;

    /// Joins the leader latch under [`crate::paths::LEADER_LOCK`] with `data` as the
    /// participant's node data; resolves once this participant leads. Cancelling the future
    /// leaves the latch.
    fn contend_leadership(&self, data: Vec<u8>) -> impl Future<Output = Result<Leadership>> + Send;
}
