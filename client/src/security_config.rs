//! `SecurityConfig`: the `storm.yaml` keys of the Nimbus port's authentication, authorization
//! and limits, a part of [`crate::DaemonConfig`]. Storm's keys keep Storm's meanings
//! (`SimpleACLAuthorizer`); the keys Storm lacks (its SASL transport is configured by a JAAS
//! file instead) are ours, named in Storm's style:
//!
//! | key | default | meaning |
//! |---|---|---|
//! | `nimbus.authentication` (ours) | `false` | clients must prove a user's secret to Nimbus |
//! | `nimbus.credentials.file` (ours) | none | Nimbus's users and secrets, YAML `user: secret`, mode 0600 |
//! | `nimbus.admins` | `[]` | users who may do anything |
//! | `nimbus.users` | unset | when set, the only users who may upload, submit and list |
//! | `nimbus.supervisor.users` | `[]` | users who may fetch artifacts and run files (supervisors, standby Nimbus) |
//! | `nimbus.max.connections` (ours) | 256 | connections Nimbus holds at once; more are refused |
//! | `nimbus.connection.idle.timeout.secs` (ours) | 300 | a connection silent this long is closed |
//! | `storm.client.user` (ours) | none | the user a client (CLI, submitter, supervisor) authenticates as |
//! | `storm.client.secret.file` (ours) | none | the file holding that user's secret, mode 0600 |
//! | `storm.client.secret` (ours) | none | the secret itself, when no file is named |
//!
//! A topology's `topology.users` (in its config) lists who besides its submitter and the admins
//! may kill, activate, deactivate, rebalance and read it.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;

use crate::config::ConfigError;

/// The keys read here, so `DaemonConfig` does not warn about them.
pub const SECURITY_KEYS: &[&str] = &[
    "nimbus.authentication",
    "nimbus.credentials.file",
    "nimbus.admins",
    "nimbus.users",
    "nimbus.supervisor.users",
    "nimbus.max.connections",
    "nimbus.connection.idle.timeout.secs",
    "storm.client.user",
    "storm.client.secret.file",
    "storm.client.secret",
];

/// A secret given inline in `storm.yaml`; never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct InlineSecret(pub String);

impl fmt::Debug for InlineSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("InlineSecret(<redacted>)")
    }
}

/// The Nimbus port's security settings, each field with its key and default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityConfig {
    /// `nimbus.authentication` (ours; `false`): Nimbus requires every connection to prove a
    /// user's secret. Off, Nimbus warns at start that anyone reaching its port may do anything.
    pub authentication: bool,
    /// `nimbus.credentials.file` (ours; none): Nimbus's users and their secrets (YAML
    /// `user: secret`); Nimbus refuses to start with authentication on and no such file, or a
    /// file other users may read.
    pub credentials_file: Option<PathBuf>,
    /// `nimbus.admins` (`[]`): users who may do anything.
    pub admins: Vec<String>,
    /// `nimbus.users` (unset): when set, the only users (besides admins) who may upload,
    /// submit and list topologies.
    pub users: Option<Vec<String>>,
    /// `nimbus.supervisor.users` (`[]`): users who may fetch topologies' run files and
    /// artifacts (supervisors, and standby Nimbus processes copying from the leader).
    pub supervisor_users: Vec<String>,
    /// `nimbus.max.connections` (ours; 256): connections Nimbus holds at once; a connection
    /// past the cap is told so and closed.
    pub max_connections: usize,
    /// `nimbus.connection.idle.timeout.secs` (ours; 300): a connection with no request for
    /// this long (or a handshake not finished in it) is closed.
    pub idle_timeout: Duration,
    /// `storm.client.user` (ours; none): the user this process authenticates as to Nimbus.
    pub client_user: Option<String>,
    /// `storm.client.secret.file` (ours; none): the file holding that user's secret (its
    /// whole content, trimmed); refused when other users may read it.
    pub client_secret_file: Option<PathBuf>,
    /// `storm.client.secret` (ours; none): the secret inline, when no file is named.
    pub client_secret: Option<InlineSecret>,
}

impl Default for SecurityConfig {
    fn default() -> Self {
        Self {
            authentication: false,
            credentials_file: None,
            admins: Vec::new(),
            users: None,
            supervisor_users: Vec::new(),
            max_connections: 256,
            idle_timeout: Duration::from_secs(300),
            client_user: None,
            client_secret_file: None,
            client_secret: None,
        }
    }
}

fn wrong(key: &str, expected: &'static str) -> ConfigError {
    ConfigError::WrongType {
        key: key.to_owned(),
        expected,
    }
}

fn string(map: &BTreeMap<String, Value>, key: &str) -> Result<Option<String>, ConfigError> {
    match map.get(key).filter(|v| !v.is_null()) {
        None => Ok(None),
        Some(v) => v
            .as_str()
            .map(|s| Some(s.to_owned()))
            .ok_or_else(|| wrong(key, "a string")),
    }
}

fn list(map: &BTreeMap<String, Value>, key: &str) -> Result<Option<Vec<String>>, ConfigError> {
    match map.get(key).filter(|v| !v.is_null()) {
        None => Ok(None),
        Some(v) => v
            .as_array()
            .and_then(|a| {
                a.iter()
                    .map(|s| s.as_str().map(str::to_owned))
                    .collect::<Option<Vec<_>>>()
            })
            .map(Some)
            .ok_or_else(|| wrong(key, "a list of user names")),
    }
}

impl SecurityConfig {
    /// Reads the security keys of a `storm.yaml` map; missing keys keep their defaults.
    pub fn from_map(map: &BTreeMap<String, Value>) -> Result<Self, ConfigError> {
        let mut c = Self::default();
        if let Some(v) = map.get("nimbus.authentication") {
            c.authentication = v
                .as_bool()
                .ok_or_else(|| wrong("nimbus.authentication", "true or false"))?;
        }
        c.credentials_file = string(map, "nimbus.credentials.file")?.map(PathBuf::from);
        c.admins = list(map, "nimbus.admins")?.unwrap_or_default();
        c.users = list(map, "nimbus.users")?;
        c.supervisor_users = list(map, "nimbus.supervisor.users")?.unwrap_or_default();
        if let Some(v) = map.get("nimbus.max.connections") {
            c.max_connections = v
                .as_u64()
                .filter(|n| *n > 0)
                .and_then(|n| usize::try_from(n).ok())
                .ok_or_else(|| wrong("nimbus.max.connections", "a positive count"))?;
        }
        if let Some(v) = map.get("nimbus.connection.idle.timeout.secs") {
            c.idle_timeout = v
                .as_u64()
                .filter(|n| *n > 0)
                .map(Duration::from_secs)
                .ok_or_else(|| wrong("nimbus.connection.idle.timeout.secs", "whole seconds"))?;
        }
        c.client_user = string(map, "storm.client.user")?;
        c.client_secret_file = string(map, "storm.client.secret.file")?.map(PathBuf::from);
        c.client_secret = string(map, "storm.client.secret")?.map(InlineSecret);
        Ok(c)
    }
}

impl crate::DaemonConfig {
    /// This config without the client's user, secret and Nimbus TLS certificate: what a
    /// supervisor hands the workers it starts, so topology code never holds the supervisor's
    /// identity (workers do not call Nimbus; their link keys stay).
    pub fn without_client_credentials(&self) -> Self {
        let mut c = self.clone();
        for key in [
            "storm.client.user",
            "storm.client.secret.file",
            "storm.client.secret",
            "nimbus.thrift.tls.client.cert.path",
            "nimbus.thrift.tls.client.key.path",
            "nimbus.thrift.tls.client.keystore.path",
        ] {
            c.raw.remove(key);
        }
        c.security.client_user = None;
        c.security.client_secret_file = None;
        c.security.client_secret = None;
        c.tls.client_cert = None;
        c.tls.client_key = None;
        c.tls.client_keystore = None;
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_off_and_storms_keys_are_read() {
        let c = SecurityConfig::from_map(&BTreeMap::new()).expect("empty");
        assert_eq!(c, SecurityConfig::default());
        let map: BTreeMap<String, Value> = serde_json::from_str(
            r#"{"nimbus.authentication": true, "nimbus.admins": ["root"],
                "nimbus.users": ["alice"], "nimbus.supervisor.users": ["sup"],
                "nimbus.max.connections": 8, "nimbus.connection.idle.timeout.secs": 30,
                "storm.client.user": "alice", "storm.client.secret": "s3cret"}"#,
        )
        .expect("json");
        let c = SecurityConfig::from_map(&map).expect("valid");
        assert!(c.authentication);
        assert_eq!(c.admins, ["root"]);
        assert_eq!(c.users.as_deref(), Some(&["alice".to_owned()][..]));
        assert_eq!(c.max_connections, 8);
        assert_eq!(c.idle_timeout, Duration::from_secs(30));
        assert!(!format!("{c:?}").contains("s3cret"));
    }

    #[test]
    fn bad_values_name_their_key() {
        let map: BTreeMap<String, Value> =
            serde_json::from_str(r#"{"nimbus.admins": "root"}"#).expect("json");
        let e = SecurityConfig::from_map(&map).expect_err("not a list");
        assert!(e.to_string().contains("nimbus.admins"), "{e}");
    }

    #[test]
    fn workers_get_no_client_identity_but_keep_their_link_keys() {
        let overrides: Vec<String> = [
            "storm.client.user=sup",
            "storm.client.secret=s3cret",
            "nimbus.thrift.tls.client.keystore.path=/etc/storm/client.pem",
            "storm.messaging.netty.tls.keystore.path=/etc/storm/worker.pem",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let c = crate::DaemonConfig::load(None, &overrides).expect("config");
        let w = c.without_client_credentials();
        assert_eq!(w.security.client_user, None);
        assert_eq!(w.tls.client_keystore, None);
        assert!(!w.raw.contains_key("nimbus.thrift.tls.client.keystore.path"));
        assert_eq!(w.tls.links_keystore, c.tls.links_keystore);
        assert!(w
            .raw
            .contains_key("storm.messaging.netty.tls.keystore.path"));
    }
}
