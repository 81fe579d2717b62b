//! `UiHttps`: HTTPS for `storm ui`, with Storm's keys (`ui.https.*`) and PEM files where Storm
//! names Java keystores:
//!
//! | key | default | meaning |
//! |---|---|---|
//! | `ui.https.port` | unset | serve HTTPS on this port (0 or unset: no HTTPS) |
//! | `ui.https.keystore.path` | none | PEM: the UI's certificate chain and private key |
//! | `ui.https.need.client.auth` | `false` | browsers must show a certificate of the truststore |
//! | `ui.https.truststore.path` | none | PEM: the CAs client certificates must chain to |
//! | `ui.disable.http.binding` | `true` | with HTTPS on, serve no plain HTTP on `ui.port` |
//!
//! TLS 1.3 only, set up by `storm_codec::tls` as the Nimbus port's is.

use rustls::ServerConfig;
use storm_client::tls::{server_config, Identity, PemFile, TlsError, TrustStore};
use storm_client::{ConfigError, DaemonConfig};

const PORT: &str = "ui.https.port";
const KEYSTORE: &str = "ui.https.keystore.path";
const NEED_CLIENT_AUTH: &str = "ui.https.need.client.auth";
const TRUSTSTORE: &str = "ui.https.truststore.path";
const DISABLE_HTTP: &str = "ui.disable.http.binding";

/// Why HTTPS could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum HttpsError {
    /// A key has the wrong type.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The PEM files are unusable (names the key and the file).
    #[error("UI HTTPS: {0}")]
    Tls(#[from] TlsError),
}

/// The UI's HTTPS listener, when `ui.https.port` is set.
#[derive(Debug)]
pub struct UiHttps {
    /// `ui.https.port`.
    pub port: u16,
    /// The rustls config actix-web serves with.
    pub config: ServerConfig,
    /// Whether plain HTTP on `ui.port` is served too (`ui.disable.http.binding: false`).
    pub keep_http: bool,
}

fn raw<'a>(config: &'a DaemonConfig, key: &str) -> Option<&'a serde_json::Value> {
    config.raw.get(key).filter(|v| !v.is_null())
}

fn wrong(key: &str, expected: &'static str) -> ConfigError {
    ConfigError::WrongType {
        key: key.to_owned(),
        expected,
    }
}

fn flag(config: &DaemonConfig, key: &str, default: bool) -> Result<bool, ConfigError> {
    raw(config, key).map_or(Ok(default), |v| {
        v.as_bool().ok_or_else(|| wrong(key, "true or false"))
    })
}

fn file(config: &DaemonConfig, key: &'static str) -> Result<Option<PemFile>, ConfigError> {
    raw(config, key)
        .map(|v| {
            v.as_str()
                .map(|p| PemFile::new(key, p))
                .ok_or_else(|| wrong(key, "a file path"))
        })
        .transpose()
}

impl UiHttps {
    /// HTTPS as `config` sets it; `None` when `ui.https.port` is unset or 0.
    pub fn from_config(config: &DaemonConfig) -> Result<Option<Self>, HttpsError> {
        let port = match raw(config, PORT) {
            None => 0,
            Some(v) => v
                .as_u64()
                .and_then(|p| u16::try_from(p).ok())
                .ok_or_else(|| wrong(PORT, "a port number"))?,
        };
        if port == 0 {
            return Ok(None);
        }
        let keystore = file(config, KEYSTORE)?.ok_or(TlsError::Unset {
            key: KEYSTORE,
            because: PORT,
        })?;
        let identity = Identity::load_keystore(keystore)?;
        let clients = if flag(config, NEED_CLIENT_AUTH, false)? {
            let store = file(config, TRUSTSTORE)?.ok_or(TlsError::Unset {
                key: TRUSTSTORE,
                because: NEED_CLIENT_AUTH,
            })?;
            Some(TrustStore::load(store)?)
        } else {
            None
        };
        Ok(Some(Self {
            port,
            config: server_config(&identity, clients.as_ref())?,
            keep_http: !flag(config, DISABLE_HTTP, true)?,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(overrides: &[&str]) -> DaemonConfig {
        let overrides: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
        DaemonConfig::load(None, &overrides).expect("config")
    }

    #[test]
    fn off_unless_a_port_is_set() {
        assert!(UiHttps::from_config(&config(&[])).expect("off").is_none());
        assert!(UiHttps::from_config(&config(&["ui.https.port=0"]))
            .expect("off")
            .is_none());
    }

    #[test]
    fn a_port_without_a_keystore_or_with_a_missing_one_names_the_key() {
        let e = UiHttps::from_config(&config(&["ui.https.port=8443"])).expect_err("no keystore");
        assert!(e.to_string().contains(KEYSTORE), "{e}");
        let c = config(&[
            "ui.https.port=8443",
            "ui.https.keystore.path=/nonexistent/ui.pem",
        ]);
        let e = UiHttps::from_config(&c).expect_err("no file");
        let text = e.to_string();
        assert!(
            text.contains(KEYSTORE) && text.contains("/nonexistent/ui.pem"),
            "{text}"
        );
    }
}
