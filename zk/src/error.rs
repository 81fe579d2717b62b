//! The crate's one error type, with the znode path or config key each failure concerns.

use std::time::Duration;

/// What went wrong talking to the cluster state.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A ZooKeeper request failed (after retries, when the failure was retryable).
    #[error("zookeeper {op} {path}: {source}")]
    Zk {
        /// The operation, e.g. `get_data`.
        op: &'static str,
        /// The znode, relative to `storm.zookeeper.root`.
        path: String,
        /// The client's error.
        #[source]
        source: zookeeper_client::Error,
    },
    /// No session could be established with the ensemble.
    #[error("connecting to zookeeper at {connect_string}: {source}")]
    Connect {
        /// `storm.zookeeper.servers` and `storm.zookeeper.port` as a connect string.
        connect_string: String,
        /// The client's error.
        #[source]
        source: zookeeper_client::Error,
    },
    /// The state had no live session for as long as an operation may wait.
    #[error("no zookeeper session for {waited:?} while trying to {op} {path}")]
    NotConnected {
        /// The operation that gave up.
        op: &'static str,
        /// The znode it concerned.
        path: String,
        /// How long it waited.
        waited: Duration,
    },
    /// A value could not be encoded.
    #[error("encoding a {what}: {source}")]
    Encode {
        /// The record type.
        what: &'static str,
        /// The codec's error.
        #[source]
        source: storm_codec::CodecError,
    },
    /// A znode's bytes are not a valid value of the expected record (empty, another layout
    /// version, garbage or trailing bytes).
    #[error("decoding {path}: {source}")]
    Decode {
        /// The znode.
        path: String,
        /// The codec's error.
        #[source]
        source: storm_codec::CodecError,
    },
    /// A name that becomes one znode path segment is unusable (empty, `.`/`..`, or has `/`).
    #[error("invalid {what} {name:?}: must be non-empty, not . or .., and contain no '/' or NUL")]
    InvalidName {
        /// What the name names (`supervisor id`, `topology id`, …).
        what: &'static str,
        /// The name given.
        name: String,
    },
    /// A configuration value is unusable.
    #[error("invalid {key}: {reason}")]
    InvalidConfig {
        /// Storm's key, e.g. `storm.zookeeper.root`.
        key: &'static str,
        /// Why.
        reason: String,
    },
    /// A znode kept changing under a compare-and-set loop.
    #[error("{path}: changed concurrently {attempts} times in a row, giving up")]
    Contention {
        /// The znode.
        path: String,
        /// Attempts made.
        attempts: u32,
    },
    /// The state was shut down while the operation waited.
    #[error("the cluster state is closed")]
    Closed,
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The operation may succeed if tried again later: the connection or session was lost.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Zk { source, .. } | Error::Connect { source, .. } => zk_retryable(source),
            Error::NotConnected { .. } | Error::Contention { .. } => true,
            _ => false,
        }
    }

    /// ZooKeeper refused the request for lack of credentials (`NoAuth`).
    pub fn is_no_auth(&self) -> bool {
        matches!(
            self,
            Error::Zk {
                source: zookeeper_client::Error::NoAuth,
                ..
            }
        )
    }

    /// The stored bytes are not a record this build can read.
    pub fn is_codec(&self) -> bool {
        matches!(self, Error::Decode { .. } | Error::Encode { .. })
    }

    pub(crate) fn zk(op: &'static str, path: &str, source: zookeeper_client::Error) -> Self {
        Error::Zk {
            op,
            path: path.to_owned(),
            source,
        }
    }
}

/// Errors after which the same request can be sent again: the connection broke (`ConnectionLoss`,
/// or the client's `Custom("no response …")` dead-connection detector), no server answered, or the
/// session ended and a new one is being made.
pub(crate) fn zk_retryable(e: &zookeeper_client::Error) -> bool {
    use zookeeper_client::Error as Zk;
    matches!(
        e,
        Zk::ConnectionLoss
            | Zk::Custom(_)
            | Zk::Timeout
            | Zk::NoHosts
            | Zk::SessionExpired
            | Zk::ClientClosed
            | Zk::Throttled
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_errors() {
        let lost = Error::zk("get_data", "/a", zookeeper_client::Error::ConnectionLoss);
        assert!(lost.is_retryable());
        assert!(!lost.is_no_auth());
        let denied = Error::zk("get_data", "/a", zookeeper_client::Error::NoAuth);
        assert!(denied.is_no_auth());
        assert!(!denied.is_retryable());
        assert!(Error::Decode {
            path: "/a".into(),
            source: storm_codec::CodecError::Empty
        }
        .is_codec());
        assert_eq!(
            denied.to_string(),
            "zookeeper get_data /a: not authorized",
            "messages name the operation and the path"
        );
    }
}
