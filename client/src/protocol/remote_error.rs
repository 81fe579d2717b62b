//! `RemoteError`: what Nimbus answers when it refuses a request, in words a person can act on.

use serde::{Deserialize, Serialize};

/// A refusal from Nimbus (Storm's `AlreadyAliveException`, `NotAliveException`,
/// `InvalidTopologyException`, `IllegalStateException`, ...), sent in a reply frame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum RemoteError {
    /// A topology with this name is already on the cluster.
    #[error("topology {name} already exists")]
    AlreadyExists {
        /// The name.
        name: String,
    },
    /// No topology with this name is on the cluster.
    #[error("topology {name} is not running on the cluster")]
    NotFound {
        /// The name.
        name: String,
    },
    /// The topology name is unusable.
    #[error("invalid topology name {name:?}: {reason}")]
    InvalidName {
        /// The name.
        name: String,
        /// Why.
        reason: String,
    },
    /// The topology's structure is invalid (unknown components, bad groupings, no spouts...).
    #[error("invalid topology: {reason}")]
    InvalidTopology {
        /// What is wrong.
        reason: String,
    },
    /// The topology's configuration is invalid.
    #[error("invalid topology configuration: {reason}")]
    InvalidConfig {
        /// What is wrong.
        reason: String,
    },
    /// The artifact exceeds `nimbus.artifact.max.bytes`.
    #[error("artifact of {size} bytes is larger than nimbus.artifact.max.bytes ({max}); nothing was stored")]
    ArtifactTooLarge {
        /// The artifact's size (or the size reached so far).
        size: u64,
        /// The limit.
        max: u64,
    },
    /// The uploaded bytes do not have the checksum the client announced.
    #[error("artifact checksum mismatch: the client announced sha256 {expected}, Nimbus received {actual}; nothing was stored")]
    ChecksumMismatch {
        /// The checksum the client computed.
        expected: String,
        /// The checksum of the bytes Nimbus received.
        actual: String,
    },
    /// The upload location is unknown: never started, expired, or already used.
    #[error("unknown upload {location} (expired, finished or never started)")]
    UnknownUpload {
        /// The location named.
        location: String,
    },
    /// The action is not allowed in the topology's current status (Storm's `TopologyActions`).
    #[error("cannot {action} topology {name}: it is {status}")]
    IllegalTransition {
        /// The topology.
        name: String,
        /// Its status.
        status: String,
        /// The refused action.
        action: String,
    },
    /// A rebalance named something that cannot be done.
    #[error("invalid rebalance of {name}: {reason}")]
    InvalidRebalance {
        /// The topology.
        name: String,
        /// Why.
        reason: String,
    },
    /// This Nimbus does not lead the cluster.
    #[error("this Nimbus is not the leader{}", leader.as_ref().map(|l| format!(", the leader is {l}")).unwrap_or_default())]
    NotLeader {
        /// The current leader, if known (`host:port`).
        leader: Option<String>,
    },
    /// The request could not be understood.
    #[error("bad request: {reason}")]
    BadRequest {
        /// Why.
        reason: String,
    },
    /// Nimbus cannot serve the request now (ZooKeeper or its disk failed); try again.
    #[error("nimbus is unavailable: {reason}")]
    Unavailable {
        /// Why.
        reason: String,
    },
    /// The connection did not authenticate, and this Nimbus requires it.
    #[error("not authenticated: {reason}")]
    Unauthenticated {
        /// Why, and what to configure.
        reason: String,
    },
    /// The authenticated user may not do this (Storm's `AuthorizationException`).
    #[error("user {user} is not authorized to {action}{}", topology.as_ref().map(|t| format!(" on topology {t}")).unwrap_or_default())]
    NotAuthorized {
        /// The user.
        user: String,
        /// The refused request, by Storm's name (`killTopology`, `submitTopology`, ...).
        action: String,
        /// The topology it named, if any.
        topology: Option<String>,
    },
}
