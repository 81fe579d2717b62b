//! Optional TLS under the cluster's connections (the Nimbus port, worker links), with rustls
//! (ring provider, TLS 1.3 only). The one place that turns PEM files into rustls configs, so
//! `storm-client` (Nimbus port and client, storm.yaml keys) and `storm-worker` (links) share it.
//!
//! * [`pem`]: an [`Identity`] (certificate chain and private key) and a [`TrustStore`] (the CA
//!   certificates a peer's certificate must chain to), each read from PEM files named by a
//!   storm.yaml key; every error names the key and the file, and an expired or not yet valid
//!   certificate is refused at start, not at the first connection.
//! * [`setup`]: [`TlsServer`] (requires a client certificate when it has a trust store:
//!   mutual TLS) and [`TlsClient`] (checks the server's certificate against its trust store and
//!   the host name it dialled).
//! * [`stream`]: [`MaybeTlsStream`], a connection that is plain TCP or TLS. An enum, not a
//!   boxed trait object: with TLS off each read and write is one match away from the
//!   `TcpStream`'s own, and [`MaybeTlsStream::into_split`] keeps tokio's lock-free owned halves.
//!
//! TLS gives confidentiality and the peer's certificate identity; the challenge-response of
//! [`crate::handshake`] still runs inside it and proves the Storm user or the topology.

pub mod pem;
pub mod setup;
pub mod stream;

use std::path::PathBuf;

pub use pem::{Identity, PemFile, TrustStore};
pub use setup::{host_of, server_config, TlsClient, TlsServer};
pub use stream::{MaybeTlsStream, ReadHalf, WriteHalf};

/// Why TLS could not be set up from the configured files.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A key TLS needs is not set.
    #[error("{key} must be set: {because} needs it")]
    Unset {
        /// The missing storm.yaml key.
        key: &'static str,
        /// The key that turned TLS on.
        because: &'static str,
    },
    /// The file could not be read.
    #[error("{key}: cannot read {}: {source}", path.display())]
    Read {
        /// The storm.yaml key naming the file.
        key: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not PEM, or lacks what the key needs.
    #[error("{key}: {}: {reason}", path.display())]
    Invalid {
        /// The storm.yaml key naming the file.
        key: &'static str,
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// rustls refused the combination (e.g. a private key that does not match the certificate).
    #[error("{key}: {}: {reason}", path.display())]
    Rejected {
        /// The storm.yaml key naming the file.
        key: &'static str,
        /// The file.
        path: PathBuf,
        /// rustls's reason.
        reason: String,
    },
}

/// The crypto provider every config is built with.
fn provider() -> std::sync::Arc<rustls::crypto::CryptoProvider> {
    std::sync::Arc::new(rustls::crypto::ring::default_provider())
}

/// The protocol versions offered and accepted: TLS 1.3 only (Storm's default,
/// `storm.messaging.netty.tls.ssl.protocols: TLSv1.3`).
const VERSIONS: &[&rustls::SupportedProtocolVersion] = &[&rustls::version::TLS13];
