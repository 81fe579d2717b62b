//! `ErrorInfo`: an error a component reported (`/errors/<topology-id>/<component>/e<sequence>`).

use serde::{Deserialize, Serialize};

/// One reported error (Storm's `ErrorInfo`); the newest 10 per component are kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorInfo {
    /// The error text, usually with its chain of causes.
    pub error: String,
    /// When it was reported, in seconds since the epoch.
    pub time_secs: u64,
    /// The host of the worker that reported it.
    pub host: String,
    /// The port of that worker.
    pub port: u16,
    /// The task that reported it.
    pub task: u32,
}
