//! `TlsConfig`: the `storm.yaml` keys of TLS on the Nimbus port and on worker links, a part of
//! [`crate::DaemonConfig`]; [`storm_codec::tls`] turns the files they name into rustls configs.
//! Storm's key names, with PEM files where Storm names Java keystores: a *keystore* here is one
//! PEM file holding the certificate chain (leaf first) and the unencrypted private key, a
//! *truststore* a PEM file of CA certificates. TLS 1.3 only. Off by default.
//!
//! | key | default | meaning |
//! |---|---|---|
//! | `nimbus.thrift.tls.enable` (ours) | `false` | the Nimbus port speaks TLS only (Storm opens a second port, `nimbus.thrift.tls.port`) |
//! | `nimbus.thrift.tls.server.keystore.path` | none | Nimbus's certificate chain and key |
//! | `nimbus.thrift.tls.server.truststore.path` | none | the CAs client certificates must chain to |
//! | `nimbus.thrift.tls.client.auth.required` | `true` | clients must show a certificate (mutual TLS) |
//! | `nimbus.thrift.client.use.tls` | `false` | clients (CLI, submitter, supervisors, UI, standby Nimbus) use TLS |
//! | `nimbus.thrift.tls.client.truststore.path` | none | the CAs Nimbus's certificate must chain to |
//! | `nimbus.thrift.tls.client.cert.path`, `.key.path` | none | the client's certificate chain and key (PEM, as in Storm) |
//! | `nimbus.thrift.tls.client.keystore.path` | none | or both in one file |
//! | `storm.messaging.netty.tls.enable` | `false` | worker links speak mutual TLS |
//! | `storm.messaging.netty.tls.keystore.path` | none | the worker's certificate chain and key |
//! | `storm.messaging.netty.tls.truststore.path` | none | the CAs peer workers' certificates must chain to |
//! | `storm.messaging.netty.tls.client.keystore.path` | the keystore | what a worker shows when it connects |
//! | `storm.messaging.netty.tls.client.truststore.path` | the truststore | what it trusts when it connects |
//!
//! **Host names.** A client checks the server's certificate against the host it dialled: a
//! Nimbus client the host of the `nimbus.seeds` entry (or of the leader a standby names), a
//! worker the host the assignment gives for the peer's node (the supervisor's
//! `storm.local.hostname`). Each certificate must list those names, DNS names or IP addresses,
//! as subject alternative names. Worker links always require the client's certificate (Storm's
//! `ClientAuth.REQUIRE`); the HMAC handshake still runs inside TLS on both connections.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;
use storm_codec::tls::{Identity, PemFile, TlsClient, TlsError, TlsServer, TrustStore};

use crate::config::ConfigError;

/// The keys read here, so `DaemonConfig` does not warn about them.
pub const TLS_KEYS: &[&str] = &[
    NIMBUS_ENABLE,
    NIMBUS_KEYSTORE,
    NIMBUS_TRUSTSTORE,
    NIMBUS_CLIENT_AUTH,
    CLIENT_USE_TLS,
    CLIENT_TRUSTSTORE,
    CLIENT_CERT,
    CLIENT_KEY,
    CLIENT_KEYSTORE,
    LINKS_ENABLE,
    LINKS_KEYSTORE,
    LINKS_TRUSTSTORE,
    LINKS_CLIENT_KEYSTORE,
    LINKS_CLIENT_TRUSTSTORE,
];

const NIMBUS_ENABLE: &str = "nimbus.thrift.tls.enable";
const NIMBUS_KEYSTORE: &str = "nimbus.thrift.tls.server.keystore.path";
const NIMBUS_TRUSTSTORE: &str = "nimbus.thrift.tls.server.truststore.path";
const NIMBUS_CLIENT_AUTH: &str = "nimbus.thrift.tls.client.auth.required";
const CLIENT_USE_TLS: &str = "nimbus.thrift.client.use.tls";
const CLIENT_TRUSTSTORE: &str = "nimbus.thrift.tls.client.truststore.path";
const CLIENT_CERT: &str = "nimbus.thrift.tls.client.cert.path";
const CLIENT_KEY: &str = "nimbus.thrift.tls.client.key.path";
const CLIENT_KEYSTORE: &str = "nimbus.thrift.tls.client.keystore.path";
const LINKS_ENABLE: &str = "storm.messaging.netty.tls.enable";
const LINKS_KEYSTORE: &str = "storm.messaging.netty.tls.keystore.path";
const LINKS_TRUSTSTORE: &str = "storm.messaging.netty.tls.truststore.path";
const LINKS_CLIENT_KEYSTORE: &str = "storm.messaging.netty.tls.client.keystore.path";
const LINKS_CLIENT_TRUSTSTORE: &str = "storm.messaging.netty.tls.client.truststore.path";

/// TLS settings, each field with its key and default (the module's table).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsConfig {
    /// `nimbus.thrift.tls.enable` (ours; `false`).
    pub nimbus_enable: bool,
    /// `nimbus.thrift.tls.server.keystore.path` (PEM chain and key).
    pub nimbus_keystore: Option<PathBuf>,
    /// `nimbus.thrift.tls.server.truststore.path` (PEM CAs).
    pub nimbus_truststore: Option<PathBuf>,
    /// `nimbus.thrift.tls.client.auth.required` (`true`, as Storm's defaults.yaml).
    pub nimbus_client_auth_required: bool,
    /// `nimbus.thrift.client.use.tls` (`false`).
    pub client_use_tls: bool,
    /// `nimbus.thrift.tls.client.truststore.path` (PEM CAs).
    pub client_truststore: Option<PathBuf>,
    /// `nimbus.thrift.tls.client.cert.path` (PEM chain).
    pub client_cert: Option<PathBuf>,
    /// `nimbus.thrift.tls.client.key.path` (PEM key).
    pub client_key: Option<PathBuf>,
    /// `nimbus.thrift.tls.client.keystore.path` (PEM chain and key).
    pub client_keystore: Option<PathBuf>,
    /// `storm.messaging.netty.tls.enable` (`false`).
    pub links_enable: bool,
    /// `storm.messaging.netty.tls.keystore.path` (PEM chain and key).
    pub links_keystore: Option<PathBuf>,
    /// `storm.messaging.netty.tls.truststore.path` (PEM CAs).
    pub links_truststore: Option<PathBuf>,
    /// `storm.messaging.netty.tls.client.keystore.path` (the keystore when unset).
    pub links_client_keystore: Option<PathBuf>,
    /// `storm.messaging.netty.tls.client.truststore.path` (the truststore when unset).
    pub links_client_truststore: Option<PathBuf>,
}

impl Default for TlsConfig {
    fn default() -> Self {
        Self {
            nimbus_enable: false,
            nimbus_keystore: None,
            nimbus_truststore: None,
            nimbus_client_auth_required: true,
            client_use_tls: false,
            client_truststore: None,
            client_cert: None,
            client_key: None,
            client_keystore: None,
            links_enable: false,
            links_keystore: None,
            links_truststore: None,
            links_client_keystore: None,
            links_client_truststore: None,
        }
    }
}

/// A worker's two sides of TLS on its links.
#[derive(Debug, Clone)]
pub struct LinkTls {
    /// Accepts peer workers; requires their certificates.
    pub server: TlsServer,
    /// Connects to peer workers, showing this worker's certificate.
    pub client: TlsClient,
}

fn flag(map: &BTreeMap<String, Value>, key: &str, default: bool) -> Result<bool, ConfigError> {
    match map.get(key).filter(|v| !v.is_null()) {
        None => Ok(default),
        Some(v) => v.as_bool().ok_or_else(|| ConfigError::WrongType {
            key: key.to_owned(),
            expected: "true or false",
        }),
    }
}

fn path(map: &BTreeMap<String, Value>, key: &str) -> Result<Option<PathBuf>, ConfigError> {
    match map.get(key).filter(|v| !v.is_null()) {
        None => Ok(None),
        Some(v) => {
            v.as_str()
                .map(|s| Some(PathBuf::from(s)))
                .ok_or_else(|| ConfigError::WrongType {
                    key: key.to_owned(),
                    expected: "a file path",
                })
        }
    }
}

/// The file `key` names, or an error saying `because` needs it.
fn needed(
    value: &Option<PathBuf>,
    key: &'static str,
    because: &'static str,
) -> Result<PemFile, TlsError> {
    value
        .as_ref()
        .map(|p| PemFile::new(key, p))
        .ok_or(TlsError::Unset { key, because })
}

impl TlsConfig {
    /// Reads the TLS keys of a `storm.yaml` map; missing keys keep their defaults.
    pub fn from_map(map: &BTreeMap<String, Value>) -> Result<Self, ConfigError> {
        Ok(Self {
            nimbus_enable: flag(map, NIMBUS_ENABLE, false)?,
            nimbus_keystore: path(map, NIMBUS_KEYSTORE)?,
            nimbus_truststore: path(map, NIMBUS_TRUSTSTORE)?,
            nimbus_client_auth_required: flag(map, NIMBUS_CLIENT_AUTH, true)?,
            client_use_tls: flag(map, CLIENT_USE_TLS, false)?,
            client_truststore: path(map, CLIENT_TRUSTSTORE)?,
            client_cert: path(map, CLIENT_CERT)?,
            client_key: path(map, CLIENT_KEY)?,
            client_keystore: path(map, CLIENT_KEYSTORE)?,
            links_enable: flag(map, LINKS_ENABLE, false)?,
            links_keystore: path(map, LINKS_KEYSTORE)?,
            links_truststore: path(map, LINKS_TRUSTSTORE)?,
            links_client_keystore: path(map, LINKS_CLIENT_KEYSTORE)?,
            links_client_truststore: path(map, LINKS_CLIENT_TRUSTSTORE)?,
        })
    }

    /// The Nimbus port's TLS, `None` when `nimbus.thrift.tls.enable` is off; with
    /// `nimbus.thrift.tls.client.auth.required`, clients must show a certificate signed by a
    /// CA of the server truststore.
    pub fn nimbus_server(&self) -> Result<Option<TlsServer>, TlsError> {
        if !self.nimbus_enable {
            return Ok(None);
        }
        let keystore = needed(&self.nimbus_keystore, NIMBUS_KEYSTORE, NIMBUS_ENABLE)?;
        let identity = Identity::load_keystore(keystore)?;
        let clients = if self.nimbus_client_auth_required {
            let because = NIMBUS_CLIENT_AUTH;
            let file = needed(&self.nimbus_truststore, NIMBUS_TRUSTSTORE, because)?;
            Some(TrustStore::load(file)?)
        } else {
            None
        };
        TlsServer::new(&identity, clients.as_ref()).map(Some)
    }

    /// A Nimbus client's TLS, `None` when `nimbus.thrift.client.use.tls` is off. Its
    /// certificate is optional here; a Nimbus requiring one refuses the handshake without it.
    pub fn nimbus_client(&self) -> Result<Option<TlsClient>, TlsError> {
        if !self.client_use_tls {
            return Ok(None);
        }
        let trust = needed(&self.client_truststore, CLIENT_TRUSTSTORE, CLIENT_USE_TLS)?;
        let trust = TrustStore::load(trust)?;
        let identity = match (&self.client_cert, &self.client_key, &self.client_keystore) {
            (Some(cert), key, _) => {
                let key = needed(key, CLIENT_KEY, CLIENT_CERT)?;
                Some(Identity::load(PemFile::new(CLIENT_CERT, cert), key)?)
            }
            (None, Some(_), _) => {
                return Err(TlsError::Unset {
                    key: CLIENT_CERT,
                    because: CLIENT_KEY,
                })
            }
            (None, None, Some(store)) => Some(Identity::load_keystore(PemFile::new(
                CLIENT_KEYSTORE,
                store,
            ))?),
            (None, None, None) => None,
        };
        TlsClient::new(&trust, identity.as_ref()).map(Some)
    }

    /// A worker's TLS on its links, `None` when `storm.messaging.netty.tls.enable` is off.
    pub fn worker_links(&self) -> Result<Option<LinkTls>, TlsError> {
        if !self.links_enable {
            return Ok(None);
        }
        let keystore = needed(&self.links_keystore, LINKS_KEYSTORE, LINKS_ENABLE)?;
        let truststore = needed(&self.links_truststore, LINKS_TRUSTSTORE, LINKS_ENABLE)?;
        let identity = Identity::load_keystore(keystore)?;
        let trust = TrustStore::load(truststore)?;
        let client_identity = match &self.links_client_keystore {
            Some(p) => Identity::load_keystore(PemFile::new(LINKS_CLIENT_KEYSTORE, p))?,
            None => identity.clone(),
        };
        let client_trust = match &self.links_client_truststore {
            Some(p) => TrustStore::load(PemFile::new(LINKS_CLIENT_TRUSTSTORE, p))?,
            None => trust.clone(),
        };
        Ok(Some(LinkTls {
            server: TlsServer::new(&identity, Some(&trust))?,
            client: TlsClient::new(&client_trust, Some(&client_identity))?,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(json: &str) -> TlsConfig {
        let map: BTreeMap<String, Value> = serde_json::from_str(json).expect("json");
        TlsConfig::from_map(&map).expect("valid")
    }

    #[test]
    fn off_by_default_and_mutual_when_on() {
        let c = config("{}");
        assert_eq!(c, TlsConfig::default());
        assert!(c.nimbus_client_auth_required);
        assert!(c.nimbus_server().expect("off").is_none());
        assert!(c.nimbus_client().expect("off").is_none());
        assert!(c.worker_links().expect("off").is_none());
    }

    #[test]
    fn a_missing_key_names_itself_and_the_key_that_needs_it() {
        let c = config(r#"{"nimbus.thrift.tls.enable": true}"#);
        let e = c.nimbus_server().expect_err("no keystore").to_string();
        assert!(
            e.contains(NIMBUS_KEYSTORE) && e.contains(NIMBUS_ENABLE),
            "{e}"
        );
        let c = config(r#"{"storm.messaging.netty.tls.enable": true}"#);
        let e = c.worker_links().expect_err("no keystore").to_string();
        assert!(e.contains(LINKS_KEYSTORE), "{e}");
        let c = config(r#"{"nimbus.thrift.client.use.tls": true}"#);
        let e = c.nimbus_client().expect_err("no truststore").to_string();
        assert!(e.contains(CLIENT_TRUSTSTORE), "{e}");
    }

    #[test]
    fn a_missing_file_names_the_key_and_the_path() {
        let c = config(
            r#"{"storm.messaging.netty.tls.enable": true,
                "storm.messaging.netty.tls.keystore.path": "/nonexistent/worker.pem",
                "storm.messaging.netty.tls.truststore.path": "/nonexistent/ca.pem"}"#,
        );
        let e = c.worker_links().expect_err("no file").to_string();
        assert!(
            e.contains(LINKS_KEYSTORE) && e.contains("/nonexistent/worker.pem"),
            "{e}"
        );
    }

    #[test]
    fn wrong_types_name_their_key() {
        let map: BTreeMap<String, Value> =
            serde_json::from_str(r#"{"storm.messaging.netty.tls.enable": "yes"}"#).expect("json");
        let e = TlsConfig::from_map(&map).expect_err("not a bool");
        assert!(e.to_string().contains(LINKS_ENABLE), "{e}");
    }
}
