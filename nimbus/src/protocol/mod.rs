//! The Nimbus protocol: length-prefixed bincode frames with a version byte ([`frame`]), the
//! requests and replies ([`messages`]) and the refusals ([`RemoteError`]).

pub mod frame;
pub mod messages;
mod remote_error;

pub use frame::{FrameError, DEFAULT_MAX_FRAME, PROTOCOL_VERSION};
pub use messages::{
    ExecutorSummary, RebalanceRequest, Request, Response, SubmitTopology, TopologyDist,
    TopologyInfo, TopologySummary,
};
pub use remote_error::RemoteError;

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
