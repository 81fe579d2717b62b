//! `DaemonConfig`: the cluster's `storm.yaml`, with Storm's key names and defaults
//! (`conf/defaults.yaml`), read by Nimbus, supervisors, workers and the `storm` command. The
//! failure-detection timings default to seconds rather than Storm's half-minutes (each field
//! says which; ARCHITECTURE.md, "Failure detection", says why).
//!
//! A file is read, then `-c key=value` overrides are layered over it (values are YAML, so
//! `-c supervisor.slots.ports=[6700,6701]` works), as Storm's command line does. Keys this build
//! does not know are kept (they are handed on to workers) and logged, never silently dropped.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use storm_zk::ZkConfig;

use crate::security_config::{SecurityConfig, SECURITY_KEYS};
use crate::tls_config::{TlsConfig, TLS_KEYS};

/// What is wrong with a `storm.yaml` or an override.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("reading {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not YAML, or not a map of keys to values.
    #[error("parsing {path}: {reason}")]
    Parse {
        /// The file (or `-c` for an override).
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// A `-c` override is not `key=value`.
    #[error("invalid override {arg:?}: expected key=value")]
    Override {
        /// The argument.
        arg: String,
    },
    /// A key has a value of the wrong type or out of range.
    #[error("invalid {key}: expected {expected}")]
    WrongType {
        /// The key.
        key: String,
        /// What it should be.
        expected: &'static str,
    },
    /// The `storm.zookeeper.*` keys are invalid.
    #[error(transparent)]
    ZooKeeper(#[from] storm_zk::Error),
}

/// How often a supervisor checks whether a worker process it started has exited, or a starting
/// one has written its first heartbeat (ours: a worker that dies is relaunched, and one that
/// starts is reported to Nimbus, this fast rather than at the next
/// `supervisor.monitor.frequency.secs`).
pub const WORKER_EXIT_POLL: Duration = Duration::from_millis(100);

/// Keys read by this build, besides `storm.zookeeper.*` (read by [`ZkConfig::from_storm_map`]).
const KNOWN_KEYS: &[&str] = &[
    "storm.local.dir",
    "storm.local.hostname",
    "nimbus.seeds",
    "nimbus.thrift.port",
    "nimbus.port",
    "nimbus.thrift.max_buffer_size",
    "nimbus.monitor.freq.secs",
    "nimbus.task.timeout.secs",
    "nimbus.task.launch.secs",
    "nimbus.supervisor.timeout.secs",
    "nimbus.file.copy.expiration.secs",
    "nimbus.artifact.max.bytes",
    "nimbus.code.sync.freq.secs",
    "storm.nimbus.retry.times",
    "storm.nimbus.retry.interval.millis",
    "storm.nimbus.retry.intervalceiling.millis",
    "supervisor.slots.ports",
    "supervisor.monitor.frequency.secs",
    "supervisor.heartbeat.frequency.secs",
    "supervisor.worker.timeout.secs",
    "supervisor.worker.start.timeout.secs",
    "supervisor.worker.shutdown.sleep.secs",
    "worker.heartbeat.frequency.secs",
    "ui.port",
    "ui.host",
];

/// The daemons' configuration. Each field names its key and Storm's default.
#[derive(Debug, Clone, PartialEq)]
pub struct DaemonConfig {
    /// `storm.zookeeper.*`: the ensemble, root, timeouts and auth.
    pub zookeeper: ZkConfig,
    /// `storm.local.dir` (`storm-local`): where daemons keep artifacts and worker directories.
    pub local_dir: PathBuf,
    /// `storm.local.hostname` (`localhost`): the host this daemon advertises (and Nimbus binds).
    pub hostname: String,
    /// `nimbus.seeds` (`["localhost"]`): the Nimbus hosts clients ask for the leader, in
    /// turn. An entry may also be `host:port` (an extension of ours, so several Nimbus
    /// processes can share one host); a plain host uses `nimbus.thrift.port`.
    pub nimbus_seeds: Vec<String>,
    /// `nimbus.thrift.port` (6627; `nimbus.port` is accepted too): Nimbus's port.
    pub nimbus_port: u16,
    /// `nimbus.thrift.max_buffer_size` (1048576): the largest frame either side accepts.
    pub max_frame: usize,
    /// `nimbus.monitor.freq.secs` (ours: 2; Storm: 10): how often Nimbus re-schedules and runs
    /// timed actions. A supervisor's znode vanishing triggers a round at once besides.
    pub nimbus_monitor_freq: Duration,
    /// `nimbus.task.timeout.secs` (ours: 10; Storm: 30): how long an executor's heartbeat may
    /// stay unchanged, on Nimbus's clock, before it counts as dead and is reassigned. Longer
    /// than a supervisor's in-place restart of a worker, so Nimbus does not move those.
    pub nimbus_task_timeout: Duration,
    /// `nimbus.task.launch.secs` (ours: 30; Storm: 120): a newly assigned executor counts as
    /// alive this long without heartbeats, while its worker downloads and starts.
    pub nimbus_task_launch: Duration,
    /// `nimbus.supervisor.timeout.secs` (ours: 6; Storm: 60): how long a supervisor's
    /// registration may stay unchanged before its slots count as dead, even while its
    /// ephemeral znode lingers.
    pub nimbus_supervisor_timeout: Duration,
    /// `nimbus.file.copy.expiration.secs` (600): idle uploads are dropped after this.
    pub nimbus_file_copy_expiration: Duration,
    /// `nimbus.artifact.max.bytes` (ours; 1 GiB): the largest artifact Nimbus accepts.
    pub nimbus_artifact_max_bytes: u64,
    /// `nimbus.code.sync.freq.secs` (Storm: 120; ours: 2): how often a standby Nimbus copies
    /// missing artifacts from the leader. It is not eligible to lead while any is missing, so
    /// a short period keeps a standby ready soon after each submission.
    pub nimbus_code_sync_freq: Duration,
    /// `storm.nimbus.retry.times` (Storm: 5; ours: 15): rounds over `nimbus.seeds` after the
    /// first, when no seed leads or answers, before a client gives up.
    pub nimbus_retry_times: u32,
    /// `storm.nimbus.retry.interval.millis` (Storm: 2000; ours: 500): the wait before the
    /// first retry round, doubled each round.
    pub nimbus_retry_interval: Duration,
    /// `storm.nimbus.retry.intervalceiling.millis` (Storm: 60000; ours: 2000): the longest
    /// wait between rounds. With ours a client keeps looking for about 27 s, longer than a
    /// failover (one `storm.zookeeper.session.timeout`), and finds the new leader within 2 s.
    pub nimbus_retry_interval_ceiling: Duration,
    /// `supervisor.slots.ports` (`[6700, 6701, 6702, 6703]`): one worker per port.
    pub supervisor_slots_ports: Vec<u16>,
    /// `supervisor.monitor.frequency.secs` (3): the slot state machines' period.
    pub supervisor_monitor_freq: Duration,
    /// `supervisor.heartbeat.frequency.secs` (ours: 2; Storm: 5): how often the registration,
    /// which carries the workers' heartbeats for Nimbus, is rewritten.
    pub supervisor_heartbeat_freq: Duration,
    /// `supervisor.worker.timeout.secs` (ours: 5; Storm: 30): local heartbeat age before a
    /// worker is restarted. A worker that exits is seen within [`WORKER_EXIT_POLL`] instead.
    pub supervisor_worker_timeout: Duration,
    /// `supervisor.worker.start.timeout.secs` (120): time for a new worker's first heartbeat.
    pub supervisor_worker_start_timeout: Duration,
    /// `supervisor.worker.shutdown.sleep.secs` (3): SIGTERM to SIGKILL grace.
    pub supervisor_worker_shutdown_sleep: Duration,
    /// `worker.heartbeat.frequency.secs` (1): the worker's heartbeat period.
    pub worker_heartbeat_freq: Duration,
    /// The Nimbus port's authentication, authorization and limits
    /// ([`crate::security_config`]).
    pub security: SecurityConfig,
    /// TLS on the Nimbus port and worker links ([`crate::tls_config`]).
    pub tls: TlsConfig,
    /// `ui.port` (8080): the port `storm ui` serves its page, REST API and `/metrics` on.
    pub ui_port: u16,
    /// `ui.host` (`0.0.0.0`): the address `storm ui` binds.
    pub ui_host: String,
    /// Every key as given (file and overrides), handed on to the processes a daemon starts.
    pub raw: BTreeMap<String, Value>,
}

impl Default for DaemonConfig {
    fn default() -> Self {
        Self {
            zookeeper: ZkConfig::default(),
            local_dir: PathBuf::from("storm-local"),
            hostname: "localhost".to_owned(),
            nimbus_seeds: vec!["localhost".to_owned()],
            nimbus_port: 6627,
            max_frame: crate::protocol::DEFAULT_MAX_FRAME,
            nimbus_monitor_freq: Duration::from_secs(2),
            nimbus_task_timeout: Duration::from_secs(10),
            nimbus_task_launch: Duration::from_secs(30),
            nimbus_supervisor_timeout: Duration::from_secs(6),
            nimbus_file_copy_expiration: Duration::from_secs(600),
            nimbus_artifact_max_bytes: 1 << 30,
            nimbus_code_sync_freq: Duration::from_secs(2),
            nimbus_retry_times: 15,
            nimbus_retry_interval: Duration::from_millis(500),
            nimbus_retry_interval_ceiling: Duration::from_millis(2000),
            supervisor_slots_ports: vec![6700, 6701, 6702, 6703],
            supervisor_monitor_freq: Duration::from_secs(3),
            supervisor_heartbeat_freq: Duration::from_secs(2),
            supervisor_worker_timeout: Duration::from_secs(5),
            supervisor_worker_start_timeout: Duration::from_secs(120),
            supervisor_worker_shutdown_sleep: Duration::from_secs(3),
            worker_heartbeat_freq: Duration::from_secs(1),
            security: SecurityConfig::default(),
            tls: TlsConfig::default(),
            ui_port: 8080,
            ui_host: "0.0.0.0".to_owned(),
            raw: BTreeMap::new(),
        }
    }
}

impl DaemonConfig {
    /// Reads `file` (if any) and layers `overrides` (`key=value`) over it.
    pub fn load(file: Option<&Path>, overrides: &[String]) -> Result<Self, ConfigError> {
        let mut map = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.to_owned(),
                    source,
                })?;
                parse_yaml_map(&text, &path.display().to_string())?
            }
            None => BTreeMap::new(),
        };
        for arg in overrides {
            let (key, value) = parse_override(arg)?;
            map.insert(key, value);
        }
        Self::from_map(map)
    }

    /// The config from a `storm.yaml` document.
    pub fn from_yaml(text: &str) -> Result<Self, ConfigError> {
        Self::from_map(parse_yaml_map(text, "storm.yaml")?)
    }

    /// The config from a map of Storm keys; missing keys keep Storm's defaults.
    pub fn from_map(map: BTreeMap<String, Value>) -> Result<Self, ConfigError> {
        let mut c = Self {
            zookeeper: ZkConfig::from_storm_map(&map)?,
            ..Self::default()
        };
        for key in map.keys() {
            let ours = ["storm.", "nimbus.", "supervisor.", "worker."]
                .iter()
                .any(|p| key.starts_with(p));
            if ours
                && !key.starts_with("storm.zookeeper.")
                && !KNOWN_KEYS.contains(&key.as_str())
                && !SECURITY_KEYS.contains(&key.as_str())
                && !TLS_KEYS.contains(&key.as_str())
            {
                tracing::warn!(key, "storm.yaml key not used by this build");
            }
        }
        if let Some(v) = map.get("storm.local.dir") {
            c.local_dir = PathBuf::from(string(v, "storm.local.dir")?);
        }
        if let Some(v) = map.get("storm.local.hostname").filter(|v| !v.is_null()) {
            c.hostname = string(v, "storm.local.hostname")?;
        }
        if let Some(v) = map.get("nimbus.seeds") {
            c.nimbus_seeds = v
                .as_array()
                .and_then(|a| {
                    a.iter()
                        .map(|s| s.as_str().map(str::to_owned))
                        .collect::<Option<Vec<_>>>()
                })
                .filter(|s| !s.is_empty())
                .ok_or_else(|| wrong("nimbus.seeds", "a non-empty list of host names"))?;
        }
        for key in ["nimbus.port", "nimbus.thrift.port"] {
            if let Some(v) = map.get(key) {
                c.nimbus_port = port(v, key)?;
            }
        }
        if let Some(v) = map.get("nimbus.thrift.max_buffer_size") {
            c.max_frame = v
                .as_u64()
                .filter(|n| (1024..=storm_codec::MAX_BODY_CEILING as u64).contains(n))
                .ok_or_else(|| {
                    wrong(
                        "nimbus.thrift.max_buffer_size",
                        "a byte count from 1024 to 67108864",
                    )
                })? as usize;
        }
        let secs_keys: [(&str, &mut Duration); 11] = [
            ("nimbus.monitor.freq.secs", &mut c.nimbus_monitor_freq),
            ("nimbus.task.timeout.secs", &mut c.nimbus_task_timeout),
            ("nimbus.task.launch.secs", &mut c.nimbus_task_launch),
            (
                "nimbus.supervisor.timeout.secs",
                &mut c.nimbus_supervisor_timeout,
            ),
            (
                "nimbus.file.copy.expiration.secs",
                &mut c.nimbus_file_copy_expiration,
            ),
            (
                "supervisor.monitor.frequency.secs",
                &mut c.supervisor_monitor_freq,
            ),
            (
                "supervisor.heartbeat.frequency.secs",
                &mut c.supervisor_heartbeat_freq,
            ),
            (
                "supervisor.worker.timeout.secs",
                &mut c.supervisor_worker_timeout,
            ),
            (
                "supervisor.worker.start.timeout.secs",
                &mut c.supervisor_worker_start_timeout,
            ),
            (
                "supervisor.worker.shutdown.sleep.secs",
                &mut c.supervisor_worker_shutdown_sleep,
            ),
            (
                "worker.heartbeat.frequency.secs",
                &mut c.worker_heartbeat_freq,
            ),
        ];
        for (key, field) in secs_keys {
            if let Some(v) = map.get(key) {
                *field = secs(v, key)?;
            }
        }
        if let Some(v) = map.get("nimbus.artifact.max.bytes") {
            c.nimbus_artifact_max_bytes = v
                .as_u64()
                .filter(|n| *n > 0)
                .ok_or_else(|| wrong("nimbus.artifact.max.bytes", "a positive byte count"))?;
        }
        if let Some(v) = map.get("ui.port") {
            c.ui_port = port(v, "ui.port")?;
        }
        if let Some(v) = map.get("ui.host").filter(|v| !v.is_null()) {
            c.ui_host = string(v, "ui.host")?;
        }
        if let Some(v) = map.get("nimbus.code.sync.freq.secs") {
            c.nimbus_code_sync_freq = secs(v, "nimbus.code.sync.freq.secs")?;
        }
        if let Some(v) = map.get("storm.nimbus.retry.times") {
            c.nimbus_retry_times = v
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| wrong("storm.nimbus.retry.times", "a count"))?;
        }
        for (key, field) in [
            (
                "storm.nimbus.retry.interval.millis",
                &mut c.nimbus_retry_interval,
            ),
            (
                "storm.nimbus.retry.intervalceiling.millis",
                &mut c.nimbus_retry_interval_ceiling,
            ),
        ] {
            if let Some(v) = map.get(key) {
                *field = v
                    .as_u64()
                    .map(Duration::from_millis)
                    .ok_or_else(|| wrong(key, "milliseconds"))?;
            }
        }
        if let Some(v) = map.get("supervisor.slots.ports") {
            c.supervisor_slots_ports = v
                .as_array()
                .and_then(|a| {
                    a.iter()
                        .map(|p| p.as_u64().and_then(|p| u16::try_from(p).ok()))
                        .collect::<Option<Vec<_>>>()
                })
                .ok_or_else(|| wrong("supervisor.slots.ports", "a list of port numbers"))?;
            c.supervisor_slots_ports.sort_unstable();
            c.supervisor_slots_ports.dedup();
        }
        c.security = SecurityConfig::from_map(&map)?;
        c.tls = TlsConfig::from_map(&map)?;
        c.raw = map;
        Ok(c)
    }

    /// The config with `storm.local.dir` made absolute against the current directory, so the
    /// processes a daemon starts elsewhere find it.
    pub fn with_absolute_local_dir(mut self) -> std::io::Result<Self> {
        if self.local_dir.is_relative() {
            self.local_dir = std::env::current_dir()?.join(&self.local_dir);
        }
        self.raw.insert(
            "storm.local.dir".to_owned(),
            Value::String(self.local_dir.display().to_string()),
        );
        Ok(self)
    }

    /// The keys as JSON, to hand to a process this daemon starts (`STORM_CONF`).
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.raw).unwrap_or_else(|_| "{}".to_owned())
    }

    /// The config from [`DaemonConfig::to_json`]'s output.
    pub fn from_json(json: &str) -> Result<Self, ConfigError> {
        let map: BTreeMap<String, Value> =
            serde_json::from_str(json).map_err(|e| ConfigError::Parse {
                path: "STORM_CONF".to_owned(),
                reason: e.to_string(),
            })?;
        Self::from_map(map)
    }

    /// `host:port` of each Nimbus seed: an entry that ends in `:port` is taken as it is, a
    /// plain host gets `nimbus.thrift.port`.
    pub fn nimbus_addresses(&self) -> Vec<String> {
        self.nimbus_seeds
            .iter()
            .map(|seed| match seed.rsplit_once(':') {
                Some((host, port))
                    if !host.is_empty() && !host.contains(':') && port.parse::<u16>().is_ok() =>
                {
                    seed.clone()
                }
                _ => format!("{seed}:{}", self.nimbus_port),
            })
            .collect()
    }
}

/// Parses a YAML document into a map of keys to JSON values. An empty document is an empty map.
pub fn parse_yaml_map(text: &str, origin: &str) -> Result<BTreeMap<String, Value>, ConfigError> {
    let value: Value = yaml_serde::from_str(text).map_err(|e| ConfigError::Parse {
        path: origin.to_owned(),
        reason: e.to_string(),
    })?;
    match value {
        Value::Null => Ok(BTreeMap::new()),
        Value::Object(m) => Ok(m.into_iter().collect()),
        _ => Err(ConfigError::Parse {
            path: origin.to_owned(),
            reason: "expected a map of keys to values".to_owned(),
        }),
    }
}

/// Splits `key=value`, parsing the value as YAML (a bare word stays a string).
pub fn parse_override(arg: &str) -> Result<(String, Value), ConfigError> {
    let (key, value) = arg
        .split_once('=')
        .filter(|(k, _)| !k.trim().is_empty())
        .ok_or_else(|| ConfigError::Override {
            arg: arg.to_owned(),
        })?;
    let parsed = yaml_serde::from_str::<Value>(value).unwrap_or(Value::String(value.to_owned()));
    Ok((key.trim().to_owned(), parsed))
}

fn wrong(key: &str, expected: &'static str) -> ConfigError {
    ConfigError::WrongType {
        key: key.to_owned(),
        expected,
    }
}

fn string(v: &Value, key: &str) -> Result<String, ConfigError> {
    v.as_str()
        .map(str::to_owned)
        .ok_or_else(|| wrong(key, "a string"))
}

fn port(v: &Value, key: &str) -> Result<u16, ConfigError> {
    v.as_u64()
        .and_then(|p| u16::try_from(p).ok())
        .ok_or_else(|| wrong(key, "a port number"))
}

fn secs(v: &Value, key: &str) -> Result<Duration, ConfigError> {
    v.as_u64()
        .map(Duration::from_secs)
        .ok_or_else(|| wrong(key, "whole seconds"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_storms_but_detection_takes_seconds() {
        let c = DaemonConfig::from_yaml("").expect("empty is fine");
        assert_eq!(c.nimbus_port, 6627);
        assert_eq!(c.supervisor_slots_ports, vec![6700, 6701, 6702, 6703]);
        assert_eq!(c.nimbus_monitor_freq, Duration::from_secs(2));
        assert_eq!(c.nimbus_task_timeout, Duration::from_secs(10));
        assert_eq!(c.nimbus_supervisor_timeout, Duration::from_secs(6));
        assert_eq!(c.supervisor_worker_timeout, Duration::from_secs(5));
        assert_eq!(c.zookeeper.session_timeout, Duration::from_secs(6));
        assert_eq!(c.zookeeper.root, "/storm");
        assert_eq!(c.local_dir, PathBuf::from("storm-local"));
    }

    #[test]
    fn seeds_may_name_their_port_and_retries_are_storms_keys() {
        let yaml = "nimbus.seeds: [\"n1\", \"127.0.0.2:7100\", \"n3:7200\"]\n\
                    nimbus.thrift.port: 7000\nstorm.nimbus.retry.times: 2\n\
                    storm.nimbus.retry.interval.millis: 100\nnimbus.code.sync.freq.secs: 1\n";
        let c = DaemonConfig::from_yaml(yaml).expect("valid");
        assert_eq!(
            c.nimbus_addresses(),
            vec!["n1:7000", "127.0.0.2:7100", "n3:7200"]
        );
        assert_eq!(c.nimbus_retry_times, 2);
        assert_eq!(c.nimbus_retry_interval, Duration::from_millis(100));
        assert_eq!(c.nimbus_retry_interval_ceiling, Duration::from_secs(2));
        assert_eq!(c.nimbus_code_sync_freq, Duration::from_secs(1));
        let bad = DaemonConfig::from_yaml("storm.nimbus.retry.interval.millis: soon");
        assert!(bad.is_err_and(|e| e.to_string().contains("storm.nimbus.retry.interval.millis")));
    }

    #[test]
    fn reads_storm_keys_and_overrides() {
        let yaml = "storm.zookeeper.servers: [\"z1\"]\nstorm.zookeeper.port: 2182\n\
                    nimbus.seeds: [\"n1\", \"n2\"]\nnimbus.thrift.port: 7000\n\
                    supervisor.slots.ports: [6701, 6700]\nnimbus.monitor.freq.secs: 1\n\
                    nimbus.supervisor.timeout.secs: 60\n\
                    storm.local.dir: /var/storm\n";
        let file = tempfile::NamedTempFile::new().expect("temp file");
        std::fs::write(file.path(), yaml).expect("write");
        let c = DaemonConfig::load(
            Some(file.path()),
            &[
                "nimbus.thrift.port=7001".into(),
                "supervisor.slots.ports=[6800]".into(),
                "storm.local.hostname=node-1".into(),
            ],
        )
        .expect("valid");
        assert_eq!(c.zookeeper.connect_string(), "z1:2182");
        assert_eq!(c.nimbus_addresses(), vec!["n1:7001", "n2:7001"]);
        assert_eq!(c.supervisor_slots_ports, vec![6800]);
        assert_eq!(c.nimbus_monitor_freq, Duration::from_secs(1));
        assert_eq!(c.nimbus_supervisor_timeout, Duration::from_secs(60));
        assert_eq!(c.local_dir, PathBuf::from("/var/storm"));
        assert_eq!(c.hostname, "node-1");
        let again = DaemonConfig::from_json(&c.to_json()).expect("round trip");
        assert_eq!(again, c);
    }

    #[test]
    fn bad_values_name_their_key() {
        let err = DaemonConfig::from_yaml("supervisor.slots.ports: [\"x\"]").expect_err("bad");
        assert_eq!(
            err.to_string(),
            "invalid supervisor.slots.ports: expected a list of port numbers"
        );
        let err = DaemonConfig::from_yaml("nimbus.task.timeout.secs: soon").expect_err("bad");
        assert!(
            err.to_string().contains("nimbus.task.timeout.secs"),
            "{err}"
        );
        assert!(matches!(
            DaemonConfig::from_yaml("- a list"),
            Err(ConfigError::Parse { .. })
        ));
        assert!(matches!(
            parse_override("novalue"),
            Err(ConfigError::Override { .. })
        ));
        let err = DaemonConfig::from_yaml("storm.zookeeper.port: x").expect_err("bad");
        assert!(err.to_string().contains("storm.zookeeper.port"), "{err}");
    }
}
