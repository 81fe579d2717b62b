//! `Credentials`: a topology's secrets (`/credentials/<topology-id>`, Storm's path for them).
//!
//! Nimbus makes a random worker secret when the topology is submitted; its workers prove they
//! know it when they connect to each other (a challenge-response with an HMAC, so the secret never
//! crosses the wire). With ZooKeeper digest auth the znode is readable only by the cluster's
//! own identity, like every other znode.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A topology's secrets.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credentials {
    /// The secret a topology's workers share (32 random bytes).
    pub worker_secret: Vec<u8>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print a secret, not even in a debug log.
        f.debug_struct("Credentials")
            .field(
                "worker_secret",
                &format_args!("<{} bytes>", self.worker_secret.len()),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_the_secret() {
        let c = Credentials {
            worker_secret: b"very-secret-bytes".to_vec(),
        };
        let shown = format!("{c:?}");
        assert!(!shown.contains("very"), "{shown}");
        assert!(shown.contains("17 bytes"), "{shown}");
    }
}
