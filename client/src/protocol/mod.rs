//! The Nimbus protocol: `storm-codec` frames (a length, a version byte and bincode) carrying
//! the requests and replies ([`messages`]), a topology's stats ([`stats`]) and the refusals
//! ([`RemoteError`]).

pub mod messages;
mod remote_error;
pub mod stats;

pub use messages::{ClusterInfo, NimbusSummary, SupervisorSummary};
pub use messages::{
    ErrorSummary, ExecutorSummary, RebalanceRequest, Request, Response, SubmitTopology,
    TopologyDist, TopologyInfo, TopologySummary, WorkerSummary,
};
pub use remote_error::RemoteError;
pub use stats::{
    ComponentStats, ExecutorStats, FailedByCause, StatsCounts, StreamStats, TopologyStats,
    WindowStats, WINDOW_IDS,
};
pub use storm_codec::{handshake, CodecError, FrameCodec};

/// The protocol version this build speaks.
pub const PROTOCOL_VERSION: u8 = 1;

/// The version byte of the authentication handshake's frames on the Nimbus port (see
/// `storm_codec::handshake`); distinct from [`PROTOCOL_VERSION`], so each side can tell a client
/// that authenticates from one that does not.
pub const AUTH_VERSION: u8 = 0x41;

/// The default largest frame (Storm's `nimbus.thrift.max_buffer_size`, 1 MiB).
pub const DEFAULT_MAX_FRAME: usize = 1 << 20;

/// The frames of a Nimbus connection whose largest frame is `max_frame` bytes.
pub fn frames(max_frame: usize) -> FrameCodec {
    FrameCodec::new(PROTOCOL_VERSION, max_frame)
}

/// Bytes per upload or download chunk (Storm uploads in 307200-byte chunks).
pub const CHUNK_SIZE: usize = 256 * 1024;

/// Hex form of a SHA-256 digest.
pub fn hex(digest: &[u8]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(digest.len() * 2);
    for b in digest {
        let _ = write!(out, "{b:02x}");
    }
    out
}
