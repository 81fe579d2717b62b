//! `FailReason`: why a spout tuple's tree failed (STORM-521), for spouts that want to retry
//! differently after a timeout, a bolt's fail or a failure that lost the tuples.

/// Why a tracked tree failed; see [`crate::Spout::fail_with_reason`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FailReason {
    /// The tree was not complete within `topology.message.timeout.secs` (tuples lost silently,
    /// or a slow tree).
    Timeout,
    /// A bolt failed one of its tuples (`OutputCollector::fail`, a basic bolt's error).
    BoltFailed,
    /// Some of its tuples were lost with a worker that died or a connection that broke: they
    /// were sent and will never be processed, so the tree failed at once.
    Lost,
}

impl FailReason {
    /// A short name: `timeout`, `bolt-failed` or `lost`.
    pub fn as_str(self) -> &'static str {
        match self {
            FailReason::Timeout => "timeout",
            FailReason::BoltFailed => "bolt-failed",
            FailReason::Lost => "lost",
        }
    }
}

impl std::fmt::Display for FailReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
