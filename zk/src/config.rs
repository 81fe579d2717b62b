//! `ZkConfig`: where the ensemble is and how to talk to it, with Storm's `storm.zookeeper.*` keys.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::error::{Error, Result};

/// Connection settings for the cluster state in ZooKeeper.
///
/// Each field documents the Storm key it comes from and Storm's default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZkConfig {
    /// `storm.zookeeper.servers` (`["localhost"]`): the ensemble's hosts. An entry may carry its
    /// own port (`"10.0.0.1:2182"`); otherwise `port` is used.
    pub servers: Vec<String>,
    /// `storm.zookeeper.port` (2181).
    pub port: u16,
    /// `storm.zookeeper.root` (`/storm`): every znode of this cluster lives below it (the client
    /// is chrooted there), so several clusters can share one ensemble.
    pub root: String,
    /// `storm.zookeeper.session.timeout` (ours: 6000 ms; Storm: 20000). The server clamps it to
    /// [2 × tickTime, 20 × tickTime] (4 to 40 s with the default tickTime of 2 s). Ephemeral
    /// registrations (a supervisor, the Nimbus leader latch) vanish this long after a crash;
    /// why 6 s is safe: ARCHITECTURE.md, "Failure detection".
    pub session_timeout: Duration,
    /// `storm.zookeeper.connection.timeout` (15000 ms): how long to try one server, and how long a
    /// silent connection is trusted before it is declared dead.
    pub connection_timeout: Duration,
    /// `storm.zookeeper.auth.scheme` and `storm.zookeeper.auth.payload` (unset): when set, every
    /// session authenticates and every znode is created readable and writable only by the
    /// same identity (ZooKeeper's `auth` ACL with all permissions).
    pub auth: Option<ZkAuth>,
    /// Whether the session watches `/supervisors` (ours, not a Storm key; default true). Only
    /// Nimbus needs those changes: workers and supervisors turn it off
    /// ([`ZkConfig::without_supervisor_watch`]), so each supervisor's heartbeat notifies the
    /// Nimbus sessions, not every session of the cluster.
    pub watch_supervisors: bool,
}

/// ZooKeeper authentication: a scheme and its payload.
#[derive(Clone, PartialEq, Eq)]
pub struct ZkAuth {
    /// `storm.zookeeper.auth.scheme`, usually `digest`.
    pub scheme: String,
    /// `storm.zookeeper.auth.payload`: for `digest`, `user:password`.
    pub payload: String,
}

impl std::fmt::Debug for ZkAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The payload is a secret: never print it.
        f.debug_struct("ZkAuth")
            .field("scheme", &self.scheme)
            .field("payload", &"<redacted>")
            .finish()
    }
}

impl ZkAuth {
    /// Digest authentication with `user:password`.
    pub fn digest(user: &str, password: &str) -> Self {
        Self {
            scheme: "digest".to_owned(),
            payload: format!("{user}:{password}"),
        }
    }
}

impl Default for ZkConfig {
    fn default() -> Self {
        Self {
            servers: vec!["localhost".to_owned()],
            port: 2181,
            root: "/storm".to_owned(),
            session_timeout: Duration::from_millis(6_000),
            connection_timeout: Duration::from_millis(15_000),
            auth: None,
            watch_supervisors: true,
        }
    }
}

impl ZkConfig {
    /// The same settings for a session that does not watch `/supervisors` (workers,
    /// supervisors).
    pub fn without_supervisor_watch(mut self) -> Self {
        self.watch_supervisors = false;
        self
    }

    /// Storm's defaults pointed at one connect string such as `"127.0.0.1:2181"` or
    /// `"h1:2181,h2:2181"` (no chroot: use `root`).
    pub fn for_connect_string(connect_string: &str) -> Self {
        Self {
            servers: connect_string
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            ..Self::default()
        }
    }

    /// The same config with another `storm.zookeeper.root`.
    pub fn with_root(mut self, root: impl Into<String>) -> Self {
        self.root = root.into();
        self
    }

    /// The same config with another session timeout.
    pub fn with_session_timeout(mut self, timeout: Duration) -> Self {
        self.session_timeout = timeout;
        self
    }

    /// The same config with another connection timeout.
    pub fn with_connection_timeout(mut self, timeout: Duration) -> Self {
        self.connection_timeout = timeout;
        self
    }

    /// The same config with authentication.
    pub fn with_auth(mut self, auth: ZkAuth) -> Self {
        self.auth = Some(auth);
        self
    }

    /// `host:port,host:port`, with `port` added to servers that name none. The root is not part
    /// of it: the state creates the root first and then chroots its client there.
    pub fn connect_string(&self) -> String {
        self.servers
            .iter()
            .map(|s| {
                if has_port(s) {
                    s.clone()
                } else if s.contains(':') && !s.starts_with('[') {
                    format!("[{s}]:{}", self.port)
                } else {
                    format!("{s}:{}", self.port)
                }
            })
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Checks that the config can be used.
    pub fn validate(&self) -> Result<()> {
        if self.servers.is_empty() || self.servers.iter().any(|s| s.trim().is_empty()) {
            return Err(Error::InvalidConfig {
                key: "storm.zookeeper.servers",
                reason: "needs at least one non-empty host".into(),
            });
        }
        validate_root(&self.root)?;
        if self.session_timeout.is_zero() {
            return Err(Error::InvalidConfig {
                key: "storm.zookeeper.session.timeout",
                reason: "must be positive".into(),
            });
        }
        if let Some(auth) = &self.auth {
            if auth.scheme.is_empty() {
                return Err(Error::InvalidConfig {
                    key: "storm.zookeeper.auth.scheme",
                    reason: "is empty".into(),
                });
            }
            if auth.scheme == "digest" && !auth.payload.contains(':') {
                return Err(Error::InvalidConfig {
                    key: "storm.zookeeper.auth.payload",
                    reason: "digest needs user:password".into(),
                });
            }
        }
        Ok(())
    }

    /// Reads the `storm.zookeeper.*` keys of a Storm config map (storm.yaml); missing keys keep
    /// Storm's defaults and values of the wrong type are errors.
    pub fn from_storm_map(map: &BTreeMap<String, serde_json::Value>) -> Result<Self> {
        let mut config = Self::default();
        if let Some(v) = map.get("storm.zookeeper.servers") {
            config.servers = v
                .as_array()
                .and_then(|a| {
                    a.iter()
                        .map(|s| s.as_str().map(str::to_owned))
                        .collect::<Option<Vec<_>>>()
                })
                .ok_or_else(|| wrong_type("storm.zookeeper.servers", "a list of host names"))?;
        }
        if let Some(v) = map.get("storm.zookeeper.port") {
            config.port = v
                .as_u64()
                .and_then(|p| u16::try_from(p).ok())
                .ok_or_else(|| wrong_type("storm.zookeeper.port", "a port number"))?;
        }
        if let Some(v) = map.get("storm.zookeeper.root") {
            config.root = v
                .as_str()
                .ok_or_else(|| wrong_type("storm.zookeeper.root", "a path"))?
                .to_owned();
        }
        if let Some(v) = map.get("storm.zookeeper.session.timeout") {
            config.session_timeout = millis(v, "storm.zookeeper.session.timeout")?;
        }
        if let Some(v) = map.get("storm.zookeeper.connection.timeout") {
            config.connection_timeout = millis(v, "storm.zookeeper.connection.timeout")?;
        }
        let scheme = map
            .get("storm.zookeeper.auth.scheme")
            .filter(|v| !v.is_null());
        let payload = map
            .get("storm.zookeeper.auth.payload")
            .filter(|v| !v.is_null());
        if let Some(scheme) = scheme {
            let scheme = scheme
                .as_str()
                .ok_or_else(|| wrong_type("storm.zookeeper.auth.scheme", "a string"))?;
            let payload = payload
                .and_then(|p| p.as_str())
                .ok_or_else(|| wrong_type("storm.zookeeper.auth.payload", "a string"))?;
            config.auth = Some(ZkAuth {
                scheme: scheme.to_owned(),
                payload: payload.to_owned(),
            });
        }
        config.validate()?;
        Ok(config)
    }
}

fn has_port(server: &str) -> bool {
    let tail = match server.strip_prefix('[') {
        Some(rest) => match rest.split_once("]:") {
            Some((_, port)) => port,
            None => return false,
        },
        None => match server.split_once(':') {
            Some((_, port)) if !port.contains(':') => port,
            _ => return false,
        },
    };
    tail.parse::<u16>().is_ok()
}

pub(crate) fn validate_root(root: &str) -> Result<()> {
    let bad = |reason: &str| {
        Err(Error::InvalidConfig {
            key: "storm.zookeeper.root",
            reason: format!("{root:?} {reason}"),
        })
    };
    if !root.starts_with('/') {
        return bad("must start with '/'");
    }
    if root.len() > 1 && root.ends_with('/') {
        return bad("must not end with '/'");
    }
    if root.len() > 1
        && root[1..]
            .split('/')
            .any(|s| s.is_empty() || s == "." || s == ".." || s.contains('\0'))
    {
        return bad("has an empty, '.' or '..' segment");
    }
    Ok(())
}

fn wrong_type(key: &'static str, expected: &str) -> Error {
    Error::InvalidConfig {
        key,
        reason: format!("expected {expected}"),
    }
}

fn millis(v: &serde_json::Value, key: &'static str) -> Result<Duration> {
    v.as_u64()
        .map(Duration::from_millis)
        .ok_or_else(|| wrong_type(key, "milliseconds as a whole number"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_string_adds_the_port_where_missing() {
        let c = ZkConfig {
            servers: vec![
                "a".into(),
                "b:2182".into(),
                "::1".into(),
                "[::1]:3000".into(),
            ],
            port: 2000,
            ..ZkConfig::default()
        };
        assert_eq!(c.connect_string(), "a:2000,b:2182,[::1]:2000,[::1]:3000");
    }

    #[test]
    fn reads_storm_keys() {
        let map: BTreeMap<String, serde_json::Value> = serde_json::from_str(
            r#"{"storm.zookeeper.servers": ["z1", "z2"], "storm.zookeeper.port": 2182,
                "storm.zookeeper.root": "/prod", "storm.zookeeper.session.timeout": 4000,
                "storm.zookeeper.auth.scheme": "digest", "storm.zookeeper.auth.payload": "u:p"}"#,
        )
        .expect("test json");
        let c = ZkConfig::from_storm_map(&map).expect("valid config");
        assert_eq!(c.connect_string(), "z1:2182,z2:2182");
        assert_eq!(c.root, "/prod");
        assert_eq!(c.session_timeout, Duration::from_secs(4));
        assert_eq!(c.connection_timeout, Duration::from_secs(15));
        assert_eq!(c.auth, Some(ZkAuth::digest("u", "p")));
        assert!(
            !format!("{c:?}").contains("u:p"),
            "the payload is never printed"
        );
    }

    #[test]
    fn rejects_bad_values() {
        for root in ["storm", "/storm/", "/a//b", "/a/../b"] {
            let c = ZkConfig::default().with_root(root);
            assert!(c.validate().is_err(), "{root} should be rejected");
        }
        assert!(ZkConfig::default().with_root("/").validate().is_ok());
        let mut map = BTreeMap::new();
        map.insert("storm.zookeeper.port".to_owned(), serde_json::json!("x"));
        assert!(ZkConfig::from_storm_map(&map).is_err());
        let c = ZkConfig::default().with_auth(ZkAuth {
            scheme: "digest".into(),
            payload: "nocolon".into(),
        });
        assert!(c.validate().is_err());
    }
}
