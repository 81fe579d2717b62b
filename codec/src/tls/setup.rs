//! rustls configs from an [`Identity`] and a [`TrustStore`]: [`TlsServer`] accepts, and
//! requires a client certificate signed by its trust store when it has one (mutual TLS);
//! [`TlsClient`] connects, checking the server's certificate against its trust store and the
//! host name it dialled (a DNS name or an IP address, which the certificate must list as a
//! subject alternative name), and shows its own certificate when it has one.

use std::io;
use std::sync::Arc;

use rustls::pki_types::ServerName;
use rustls::server::WebPkiClientVerifier;
use rustls::{ClientConfig, ServerConfig};
use tokio::net::TcpStream;
use tokio_rustls::{TlsAcceptor, TlsConnector};

use super::{provider, Identity, MaybeTlsStream, TlsError, TrustStore, VERSIONS};

/// The accepting side of TLS.
#[derive(Clone)]
pub struct TlsServer {
    acceptor: TlsAcceptor,
    mutual: bool,
}

impl std::fmt::Debug for TlsServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsServer")
            .field("mutual", &self.mutual)
            .finish_non_exhaustive()
    }
}

impl TlsServer {
    /// Shows `identity`; with `clients`, requires every client to show a certificate that
    /// chains to one of its CAs.
    pub fn new(identity: &Identity, clients: Option<&TrustStore>) -> Result<Self, TlsError> {
        let config = server_config(identity, clients)?;
        Ok(Self {
            acceptor: TlsAcceptor::from(Arc::new(config)),
            mutual: clients.is_some(),
        })
    }

    /// Whether clients must show a certificate.
    pub fn is_mutual(&self) -> bool {
        self.mutual
    }

    /// Runs the server side of the TLS handshake on an accepted connection.
    pub async fn accept(&self, tcp: TcpStream) -> io::Result<MaybeTlsStream> {
        let tls = self.acceptor.accept(tcp).await?;
        Ok(MaybeTlsStream::Tls(Box::new(tls.into())))
    }
}

/// The rustls config of a server showing `identity`, TLS 1.3 only; with `clients`, requiring a
/// client certificate that chains to one of its CAs. [`TlsServer`] wraps it; a server that
/// brings its own TLS acceptor (the UI's actix-web) takes it as it is.
pub fn server_config(
    identity: &Identity,
    clients: Option<&TrustStore>,
) -> Result<ServerConfig, TlsError> {
    let builder = ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(VERSIONS)
        .map_err(|e| identity.cert_file.rejected(e))?;
    let builder = match clients {
        Some(trust) => {
            let verifier =
                WebPkiClientVerifier::builder_with_provider(trust.roots.clone(), provider())
                    .build()
                    .map_err(|e| trust.file.rejected(e))?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    builder
        .with_single_cert(identity.chain.clone(), identity.key.clone_key())
        .map_err(|e| identity.key_file.rejected(e))
}

/// The connecting side of TLS.
#[derive(Clone)]
pub struct TlsClient {
    connector: TlsConnector,
}

impl std::fmt::Debug for TlsClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsClient").finish_non_exhaustive()
    }
}

impl TlsClient {
    /// Trusts servers whose certificate chains to `trust`; shows `identity` when the server
    /// asks for a client certificate.
    pub fn new(trust: &TrustStore, identity: Option<&Identity>) -> Result<Self, TlsError> {
        let builder = ClientConfig::builder_with_provider(provider())
            .with_protocol_versions(VERSIONS)
            .map_err(|e| trust.file.rejected(e))?
            .with_root_certificates(trust.roots.clone());
        let config = match identity {
            Some(id) => builder
                .with_client_auth_cert(id.chain.clone(), id.key.clone_key())
                .map_err(|e| id.key_file.rejected(e))?,
            None => builder.with_no_client_auth(),
        };
        Ok(Self {
            connector: TlsConnector::from(Arc::new(config)),
        })
    }

    /// Runs the client side of the TLS handshake on a connection to `host` (as dialled: a DNS
    /// name or an IP address, IPv6 with or without brackets).
    pub async fn connect(&self, host: &str, tcp: TcpStream) -> io::Result<MaybeTlsStream> {
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        let name = ServerName::try_from(bare.to_owned()).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{host} is not a TLS server name: {e}"),
            )
        })?;
        let tls = self.connector.connect(name, tcp).await?;
        Ok(MaybeTlsStream::Tls(Box::new(tls.into())))
    }
}

/// The host part of `host:port` (an IPv6 address in brackets keeps them).
pub fn host_of(addr: &str) -> &str {
    match addr.rsplit_once(':') {
        Some((host, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => host,
        _ => addr,
    }
}
