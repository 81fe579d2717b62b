//! `NimbusInfo`: a Nimbus daemon, as registered under `/nimbuses/<host:port>` and in the leader latch.

use serde::{Deserialize, Serialize};

/// A Nimbus daemon (Storm's `NimbusInfo`/`NimbusSummary`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NimbusInfo {
    /// The host clients reach it on.
    pub host: String,
    /// Its RPC port (`nimbus.thrift.port` in Storm).
    pub port: u16,
    /// Whether it held leadership when this record was written.
    pub is_leader: bool,
}

impl NimbusInfo {
    /// A Nimbus at `host:port`, not (yet) leader.
    pub fn new(host: impl Into<String>, port: u16) -> Self {
        Self {
            host: host.into(),
            port,
            is_leader: false,
        }
    }

    /// `host:port`, its znode name and participant id.
    pub fn id(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}
