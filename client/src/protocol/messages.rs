//! The requests a client sends Nimbus and the replies it gets (Storm's `Nimbus.Iface`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{RemoteError, TopologyStats};

/// A request to Nimbus. Each gets exactly one [`Response`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Request {
    /// Asks whether a topology could be submitted under `name` now (Storm's
    /// `isTopologyNameAllowed`), so a client need not upload an artifact in vain.
    IsTopologyNameAllowed {
        /// The name.
        name: String,
    },
    /// Starts an artifact upload of `size` bytes (Storm's `beginFileUpload`).
    BeginFileUpload {
        /// The artifact's size; Nimbus refuses sizes over `nimbus.artifact.max.bytes` at once.
        size: u64,
    },
    /// The next chunk of an upload (Storm's `uploadChunk`).
    UploadChunk {
        /// The upload, as [`Response::UploadStarted`] named it.
        location: String,
        /// The bytes.
        data: Vec<u8>,
    },
    /// Ends an upload; Nimbus keeps the artifact only if its SHA-256 is `sha256`.
    FinishFileUpload {
        /// The upload.
        location: String,
        /// The hex SHA-256 of the whole artifact, as the client computed it.
        sha256: String,
    },
    /// Submits a topology whose artifact was uploaded (Storm's `submitTopologyWithOpts`).
    SubmitTopology(SubmitTopology),
    /// Kills a topology: deactivates it, waits `wait_secs` (default: its message timeout), then
    /// removes it.
    KillTopology {
        /// The topology's name.
        name: String,
        /// `storm kill -w`.
        wait_secs: Option<u32>,
    },
    /// Activates a topology's spouts.
    Activate {
        /// The topology's name.
        name: String,
    },
    /// Deactivates a topology's spouts.
    Deactivate {
        /// The topology's name.
        name: String,
    },
    /// Rebalances a topology.
    Rebalance {
        /// The topology's name.
        name: String,
        /// What to change.
        options: RebalanceRequest,
    },
    /// Lists the topologies (Storm's `getClusterInfo`, topologies part).
    ListTopologies,
    /// Details of one topology (Storm's `getTopologyInfo`), with its stats over every window.
    GetTopologyInfo {
        /// The topology's name.
        name: String,
    },
    /// Details of one topology with its stats over one window only (Storm's
    /// `getTopologyPageInfo`, what the UI's topology page asks for).
    GetTopologyPageInfo {
        /// The topology's name.
        name: String,
        /// A Storm window id: "600", "10800", "86400" or ":all-time"
        /// (`protocol::stats::WINDOW_IDS`); anything else is a `BadRequest`.
        window: String,
    },
    /// What a supervisor needs to run a topology's workers, except the artifact's bytes.
    GetTopologyDist {
        /// The topology id.
        topology_id: String,
    },
    /// Part of a topology's artifact (Storm's `downloadChunk`, stateless here).
    DownloadChunk {
        /// The topology id.
        topology_id: String,
        /// Where to start.
        offset: u64,
        /// Most bytes to return.
        max_len: u32,
    },
    /// Asks whether this Nimbus leads (Storm's `getLeader`): the leader answers
    /// [`Response::Ok`], any other Nimbus [`RemoteError::NotLeader`] naming the leader it knows.
    GetLeader,
    /// The cluster's supervisors, Nimbus processes and topologies (Storm's `getClusterInfo`),
    /// for `storm ui`.
    GetClusterInfo,
}

impl Request {
    /// The request's name, for logs.
    pub fn name(&self) -> &'static str {
        match self {
            Request::IsTopologyNameAllowed { .. } => "isTopologyNameAllowed",
            Request::BeginFileUpload { .. } => "beginFileUpload",
            Request::UploadChunk { .. } => "uploadChunk",
            Request::FinishFileUpload { .. } => "finishFileUpload",
            Request::SubmitTopology(_) => "submitTopology",
            Request::KillTopology { .. } => "killTopology",
            Request::Activate { .. } => "activate",
            Request::Deactivate { .. } => "deactivate",
            Request::Rebalance { .. } => "rebalance",
            Request::ListTopologies => "listTopologies",
            Request::GetTopologyInfo { .. } => "getTopologyInfo",
            Request::GetTopologyPageInfo { .. } => "getTopologyPageInfo",
            Request::GetTopologyDist { .. } => "getTopologyDist",
            Request::DownloadChunk { .. } => "downloadChunk",
            Request::GetLeader => "getLeader",
            Request::GetClusterInfo => "getClusterInfo",
        }
    }
}

/// A topology submission. The topology and config travel as JSON, the form Storm ships
/// configs in (component configs hold arbitrary JSON values).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmitTopology {
    /// The topology's name.
    pub name: String,
    /// The upload location of its artifact (the author's binary).
    pub artifact: String,
    /// The topology config (`storm_core::Config`) as JSON.
    pub config_json: String,
    /// The user topology (`storm_core::StormTopology`) as JSON.
    pub topology_json: String,
    /// Names of the custom groupings the author's code provides.
    pub custom_groupings: Vec<String>,
    /// The program arguments the binary was run with: workers are started with the same ones,
    /// so the author's code rebuilds the same topology.
    pub args: Vec<String>,
    /// Start active (Storm's `SubmitOptions.initial_status`).
    pub active: bool,
}

/// What `storm rebalance` asks for.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RebalanceRequest {
    /// `-w`: seconds to wait with spouts deactivated (default: the message timeout).
    pub wait_secs: Option<u32>,
    /// `-n`: the new worker count.
    pub num_workers: Option<u32>,
    /// `-e name=n`: new executor counts.
    pub num_executors: BTreeMap<String, u32>,
}

/// Nimbus's reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Response {
    /// Done.
    Ok,
    /// An upload began; send chunks to this location.
    UploadStarted {
        /// The upload's location.
        location: String,
    },
    /// An upload is complete and verified.
    Uploaded {
        /// The location to name in [`SubmitTopology::artifact`].
        location: String,
    },
    /// The topology was accepted under this id.
    Submitted {
        /// `<name>-<counter>-<launch secs>`.
        topology_id: String,
    },
    /// The topologies on the cluster.
    Topologies(Vec<TopologySummary>),
    /// One topology in detail.
    TopologyInfo(TopologyInfo),
    /// A topology's run files.
    TopologyDist(TopologyDist),
    /// Part of an artifact; empty at the end.
    Chunk {
        /// The bytes.
        data: Vec<u8>,
    },
    /// The request was refused.
    Error(RemoteError),
    /// The cluster's daemons and topologies.
    ClusterInfo(ClusterInfo),
}

/// One topology in `storm list` (Storm's `TopologySummary`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopologySummary {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// `ACTIVE`, `INACTIVE`, `KILLED` or `REBALANCING`.
    pub status: String,
    /// Tasks (system tasks included).
    pub num_tasks: u32,
    /// Executors.
    pub num_executors: u32,
    /// Worker processes it is assigned.
    pub num_workers: u32,
    /// Seconds since submission.
    pub uptime_secs: u64,
}

/// The cluster at a glance (Storm's `ClusterSummary`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterInfo {
    /// Every registered supervisor, by id.
    pub supervisors: Vec<SupervisorSummary>,
    /// Every registered Nimbus process, by `host:port`.
    pub nimbuses: Vec<NimbusSummary>,
    /// The topologies, as in `storm list`.
    pub topologies: Vec<TopologySummary>,
}

/// A supervisor as registered under `/supervisors` (Storm's `SupervisorSummary`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupervisorSummary {
    /// Its id.
    pub id: String,
    /// The host its workers listen on.
    pub host: String,
    /// Seconds since it started.
    pub uptime_secs: u64,
    /// Worker slots (`supervisor.slots.ports`).
    pub slots_total: u32,
    /// Slots running a worker.
    pub slots_used: u32,
    /// Its build version.
    pub version: String,
}

/// A Nimbus process as registered under `/nimbuses` (Storm's `NimbusSummary`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NimbusSummary {
    /// Its host.
    pub host: String,
    /// Its port.
    pub port: u16,
    /// Whether it leads.
    pub is_leader: bool,
    /// Seconds since it started; known only for the Nimbus that answered.
    pub uptime_secs: Option<u64>,
    /// Its build version; known only for the Nimbus that answered.
    pub version: Option<String>,
}

/// One executor's placement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecutorSummary {
    /// The component.
    pub component: String,
    /// First task.
    pub start_task: u32,
    /// Last task.
    pub end_task: u32,
    /// The supervisor running it.
    pub supervisor: String,
    /// That supervisor's host.
    pub host: String,
    /// The worker port.
    pub port: u16,
}

/// One worker slot of a topology, with its restarts (so a crash loop shows, STORM-2817).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkerSummary {
    /// The supervisor running it.
    pub supervisor: String,
    /// That supervisor's host.
    pub host: String,
    /// The worker port.
    pub port: u16,
    /// Executors in it, by component.
    pub components: BTreeMap<String, u32>,
    /// Times its supervisor restarted it for this topology.
    pub restarts: u64,
    /// Why the newest restart happened, e.g. "exited with code 3".
    pub last_restart_reason: Option<String>,
    /// When it happened, in seconds since the epoch.
    pub last_restart_secs: Option<u64>,
}

/// One error a component reported (Storm's `ErrorInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorSummary {
    /// The error text.
    pub error: String,
    /// When it was reported, in seconds since the epoch.
    pub time_secs: u64,
    /// The reporting worker's host.
    pub host: String,
    /// Its port.
    pub port: u16,
    /// The reporting task.
    pub task: u32,
}

/// One topology in detail (Storm's `TopologyInfo`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopologyInfo {
    /// The summary.
    pub summary: TopologySummary,
    /// Every assigned executor.
    pub executors: Vec<ExecutorSummary>,
    /// Every assigned worker, by slot.
    pub workers: Vec<WorkerSummary>,
    /// Each component's newest errors, newest first.
    pub errors: BTreeMap<String, Vec<ErrorSummary>>,
    /// Its stats per window, component and executor, as its workers last published them
    /// (at most a few seconds old).
    pub stats: TopologyStats,
}

/// What a supervisor downloads to run a topology (Storm's `stormconf.ser`, `stormcode.ser`
/// and the jar's metadata).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopologyDist {
    /// The topology id.
    pub topology_id: String,
    /// Its name.
    pub name: String,
    /// The config Nimbus accepted, as JSON.
    pub config_json: String,
    /// The user topology, as JSON.
    pub topology_json: String,
    /// The program arguments workers are started with.
    pub args: Vec<String>,
    /// The artifact's size.
    pub artifact_size: u64,
    /// The artifact's hex SHA-256.
    pub artifact_sha256: String,
}
