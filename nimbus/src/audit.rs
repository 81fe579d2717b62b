//! The audit log: one line per state-changing request (upload, submit, kill, activate,
//! deactivate, rebalance) with the user who made it, where from and how it ended, and one per
//! refused authorization of any request. Lines go through `tracing` under the target
//! [`AUDIT_TARGET`], so a subscriber can route them to a file of their own.

use storm_client::protocol::{RemoteError, Request, Response, SubmitTopology};

/// The `tracing` target of audit lines.
pub const AUDIT_TARGET: &str = "storm_audit";

/// What the audit log needs of a request, taken before the request is handed on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    request: &'static str,
    topology: Option<String>,
    changes_state: bool,
}

impl AuditEntry {
    /// The entry for `request`.
    pub fn of(request: &Request) -> Self {
        let topology = match request {
            Request::SubmitTopology(SubmitTopology { name, .. })
            | Request::KillTopology { name, .. }
            | Request::Activate { name }
            | Request::Deactivate { name }
            | Request::Rebalance { name, .. }
            | Request::GetTopologyInfo { name }
            | Request::IsTopologyNameAllowed { name } => Some(name.clone()),
            Request::GetTopologyDist { topology_id }
            | Request::DownloadChunk { topology_id, .. } => Some(topology_id.clone()),
            _ => None,
        };
        let changes_state = matches!(
            request,
            Request::BeginFileUpload { .. }
                | Request::FinishFileUpload { .. }
                | Request::SubmitTopology(_)
                | Request::KillTopology { .. }
                | Request::Activate { .. }
                | Request::Deactivate { .. }
                | Request::Rebalance { .. }
        );
        Self {
            request: request.name(),
            topology,
            changes_state,
        }
    }

    /// Writes the line, if the request changed state or was refused by the authorizer.
    /// `user` is `None` when authentication is off.
    pub fn record(&self, user: Option<&str>, peer: &str, response: &Response) {
        let unauthorized = matches!(response, Response::Error(RemoteError::NotAuthorized { .. }));
        if !self.changes_state && !unauthorized {
            return;
        }
        let user = user.unwrap_or("<unauthenticated>");
        let topology = self.topology.as_deref().unwrap_or("-");
        let request = self.request;
        match response {
            Response::Error(e) => tracing::info!(
                target: AUDIT_TARGET,
                user = %user, %peer, request = %request, topology = %topology, outcome = "refused",
                reason = %e, "audit"
            ),
            _ => tracing::info!(
                target: AUDIT_TARGET,
                user = %user, %peer, request = %request, topology = %topology, outcome = "done",
                "audit"
            ),
        }
    }
}
