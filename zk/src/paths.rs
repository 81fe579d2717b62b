//! Every znode path of the cluster state in one place (Storm's `ClusterUtils`).
//!
//! Paths are relative to `storm.zookeeper.root`, which the ZooKeeper client is chrooted to:
//!
//! ```text
//! /supervisors/<supervisor-id>                     SupervisorInfo, ephemeral
//! /assignments/<topology-id>                       Assignment
//! /storms/<topology-id>                            StormBase; the children are the active topologies
//! /credentials/<topology-id>                       Credentials: the secret its workers prove
//! /workerbeats/<topology-id>/<node>-<port>         WorkerHeartbeat
//! /errors/<topology-id>/<component>/e<sequence>    ErrorInfo, newest 10 kept; component %-encoded
//! /restarts/<topology-id>/<node>-<port>            WorkerRestarts, one write per restart
//! /stats/<supervisor-id>                           SupervisorStats, ephemeral, at each heartbeat
//! /nimbuses/<host:port>                            NimbusInfo, ephemeral
//! /leader-lock/_c_<uuid>-latch-<sequence>          NimbusInfo of each contender, ephemeral sequential
//! ```

use storm_core::TopologyId;

use crate::error::{Error, Result};
use crate::records::NodePort;

/// Parent of the supervisor registrations.
pub const SUPERVISORS: &str = "/supervisors";
/// Parent of the assignments.
pub const ASSIGNMENTS: &str = "/assignments";
/// Parent of the topologies' `StormBase`s.
pub const STORMS: &str = "/storms";
/// Parent of the topologies' credentials.
pub const CREDENTIALS: &str = "/credentials";
/// Parent of the worker heartbeats.
pub const WORKERBEATS: &str = "/workerbeats";
/// Parent of the component errors.
pub const ERRORS: &str = "/errors";
/// Parent of the worker restart counts.
pub const RESTARTS: &str = "/restarts";
/// Parent of the supervisors' worker stats.
pub const STATS: &str = "/stats";
/// Parent of the Nimbus registrations.
pub const NIMBUSES: &str = "/nimbuses";
/// The leader latch's directory (Curator's `LeaderLatch` layout).
pub const LEADER_LOCK: &str = "/leader-lock";
/// Name part of a latch node: `_c_<uuid>-latch-<sequence>`.
pub const LATCH_NAME: &str = "latch-";
/// Prefix of an error node's name before its sequence number.
pub const ERROR_PREFIX: &str = "e";

/// Every directory `setup` creates.
pub const DIRS: [&str; 10] = [
    SUPERVISORS,
    ASSIGNMENTS,
    STORMS,
    CREDENTIALS,
    WORKERBEATS,
    ERRORS,
    RESTARTS,
    STATS,
    NIMBUSES,
    LEADER_LOCK,
];

/// Checks that `name` can be one path segment.
pub fn check_name(what: &'static str, name: &str) -> Result<()> {
    if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\0']) {
        return Err(Error::InvalidName {
            what,
            name: name.to_owned(),
        });
    }
    Ok(())
}

/// `/supervisors/<id>`.
pub fn supervisor(id: &str) -> Result<String> {
    check_name("supervisor id", id)?;
    Ok(format!("{SUPERVISORS}/{id}"))
}

/// `/stats/<supervisor-id>`.
pub fn supervisor_stats(id: &str) -> Result<String> {
    check_name("supervisor id", id)?;
    Ok(format!("{STATS}/{id}"))
}

/// `/assignments/<topology-id>`.
pub fn assignment(id: &TopologyId) -> Result<String> {
    check_name("topology id", id.as_str())?;
    Ok(format!("{ASSIGNMENTS}/{id}"))
}

/// `/storms/<topology-id>`.
pub fn storm(id: &TopologyId) -> Result<String> {
    check_name("topology id", id.as_str())?;
    Ok(format!("{STORMS}/{id}"))
}

/// `/credentials/<topology-id>`.
pub fn credentials(id: &TopologyId) -> Result<String> {
    check_name("topology id", id.as_str())?;
    Ok(format!("{CREDENTIALS}/{id}"))
}

/// `/workerbeats/<topology-id>`.
pub fn workerbeats(id: &TopologyId) -> Result<String> {
    check_name("topology id", id.as_str())?;
    Ok(format!("{WORKERBEATS}/{id}"))
}

/// `/workerbeats/<topology-id>/<node>-<port>`.
pub fn workerbeat(id: &TopologyId, node: &str, port: u16) -> Result<String> {
    check_name("node", node)?;
    Ok(format!("{}/{node}-{port}", workerbeats(id)?))
}

/// Splits a heartbeat node name `<node>-<port>`; node ids may contain `-`, the port never does.
pub fn parse_node_port(name: &str) -> Option<NodePort> {
    let (node, port) = name.rsplit_once('-')?;
    if node.is_empty() {
        return None;
    }
    Some(NodePort {
        node: node.to_owned(),
        port: port.parse().ok()?,
    })
}

/// `/errors/<topology-id>`.
pub fn errors(id: &TopologyId) -> Result<String> {
    check_name("topology id", id.as_str())?;
    Ok(format!("{ERRORS}/{id}"))
}

/// `/errors/<topology-id>/<component, %-encoded>`.
pub fn component_errors(id: &TopologyId, component: &str) -> Result<String> {
    if component.is_empty() {
        return Err(Error::InvalidName {
            what: "component id",
            name: String::new(),
        });
    }
    Ok(format!("{}/{}", errors(id)?, encode_segment(component)))
}

/// The sequence number of an error node `e0000000042`, if `name` is one.
pub fn error_sequence(name: &str) -> Option<u64> {
    name.strip_prefix(ERROR_PREFIX)?.parse().ok()
}

/// `/restarts/<topology-id>`.
pub fn restarts(id: &TopologyId) -> Result<String> {
    check_name("topology id", id.as_str())?;
    Ok(format!("{RESTARTS}/{id}"))
}

/// `/restarts/<topology-id>/<node>-<port>`.
pub fn worker_restarts(id: &TopologyId, node: &str, port: u16) -> Result<String> {
    check_name("node", node)?;
    Ok(format!("{}/{node}-{port}", restarts(id)?))
}

/// `/nimbuses/<host:port>`.
pub fn nimbus(host: &str, port: u16) -> Result<String> {
    check_name("nimbus host", host)?;
    Ok(format!("{NIMBUSES}/{host}:{port}"))
}

/// The sequence number at the end of a latch node's name, if it is one.
pub fn latch_sequence(name: &str) -> Option<u64> {
    let (_, seq) = name.rsplit_once(LATCH_NAME)?;
    seq.parse().ok()
}

/// Percent-encodes everything but `[A-Za-z0-9._~-]`, as Storm URL-encodes component ids in
/// error paths, so any component id is one safe segment (`.` and `..` are encoded too).
pub fn encode_segment(s: &str) -> String {
    if s == "." || s == ".." {
        return s.replace('.', "%2E");
    }
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'~' | b'-') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The parent of a path (`/a/b` → `/a`, `/a` → `/`).
pub fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_storm_paths() {
        let t = TopologyId::new("wc-1-1700000000");
        assert_eq!(assignment(&t).expect("ok"), "/assignments/wc-1-1700000000");
        assert_eq!(
            workerbeat(&t, "node-a", 6700).expect("ok"),
            "/workerbeats/wc-1-1700000000/node-a-6700"
        );
        assert_eq!(
            component_errors(&t, "split words/1").expect("ok"),
            "/errors/wc-1-1700000000/split%20words%2F1"
        );
        assert_eq!(nimbus("h", 6627).expect("ok"), "/nimbuses/h:6627");
        assert_eq!(
            worker_restarts(&t, "node-a", 6700).expect("ok"),
            "/restarts/wc-1-1700000000/node-a-6700"
        );
        assert!(supervisor("a/b").is_err());
        assert!(assignment(&TopologyId::new("..")).is_err());
        assert_eq!(encode_segment(".."), "%2E%2E");
    }

    #[test]
    fn parses_node_names() {
        assert_eq!(
            parse_node_port("node-a-6700"),
            Some(NodePort {
                node: "node-a".into(),
                port: 6700
            })
        );
        assert_eq!(parse_node_port("nodeport"), None);
        assert_eq!(parse_node_port("-6700"), None);
        assert_eq!(error_sequence("e0000000012"), Some(12));
        assert_eq!(error_sequence("x1"), None);
        assert_eq!(latch_sequence("_c_1234-latch-0000000003"), Some(3));
        assert_eq!(parent("/a/b"), "/a");
        assert_eq!(parent("/a"), "/");
    }
}
