//! `SimpleAclAuthorizer`: who may make which request, with the keys and meanings of Storm's
//! `SimpleACLAuthorizer`:
//!
//! * `nimbus.admins` may do anything;
//! * user requests (check a name, upload, submit, list) are open to every authenticated user,
//!   or only to `nimbus.users` when that is set;
//! * topology requests (kill, activate, deactivate, rebalance, info) are allowed to the
//!   topology's submitter (its owner) and the users in its `topology.users`;
//! * supervisor requests (a topology's run files and artifact) are allowed to
//!   `nimbus.supervisor.users` (supervisors, and standby Nimbus processes copying artifacts);
//! * `getLeader` is open to every authenticated user: it is how any client finds the leader.
//!
//! The rules are pure: [`NimbusCore`](crate::NimbusCore) finds the topology's owner and users.

use storm_client::protocol::{RemoteError, Request};
use storm_client::security_config::SecurityConfig;

/// The topology config key listing who besides the owner may act on a topology.
pub const TOPOLOGY_USERS: &str = "topology.users";

/// Which rule a request falls under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation<'a> {
    /// Open to any authenticated user.
    Anyone,
    /// Storm's `userCommands`.
    User,
    /// Storm's topology commands, on the topology named.
    Topology(&'a str),
    /// Storm's `supervisorCommands`.
    Supervisor,
}

impl<'a> Operation<'a> {
    /// The rule `request` falls under.
    pub fn of(request: &'a Request) -> Self {
        match request {
            Request::GetLeader => Operation::Anyone,
            Request::IsTopologyNameAllowed { .. }
            | Request::BeginFileUpload { .. }
            | Request::UploadChunk { .. }
            | Request::FinishFileUpload { .. }
            | Request::SubmitTopology(_)
            | Request::ListTopologies
            | Request::GetClusterInfo => Operation::User,
            Request::KillTopology { name, .. }
            | Request::Activate { name }
            | Request::Deactivate { name }
            | Request::Rebalance { name, .. }
            | Request::GetTopologyInfo { name }
            | Request::GetTopologyPageInfo { name, .. } => Operation::Topology(name),
            Request::GetTopologyDist { .. } | Request::DownloadChunk { .. } => {
                Operation::Supervisor
            }
        }
    }
}

/// Who may act on one topology besides the admins.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TopologyAcl {
    /// The user who submitted it (empty when it was submitted without authentication).
    pub owner: String,
    /// Its `topology.users`.
    pub users: Vec<String>,
}

/// The authorizer over `nimbus.admins`, `nimbus.users` and `nimbus.supervisor.users`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SimpleAclAuthorizer {
    admins: Vec<String>,
    users: Option<Vec<String>>,
    supervisor_users: Vec<String>,
}

impl SimpleAclAuthorizer {
    /// The authorizer `config` describes.
    pub fn new(config: &SecurityConfig) -> Self {
        Self {
            admins: config.admins.clone(),
            users: config.users.clone(),
            supervisor_users: config.supervisor_users.clone(),
        }
    }

    /// Whether `user` may make `request`; `topology` is the ACL of the topology a topology
    /// request names (`None` when no such topology exists: the request then fails as
    /// not found). A refusal names the user, the action and the topology.
    pub fn permit(
        &self,
        user: &str,
        request: &Request,
        topology: Option<&TopologyAcl>,
    ) -> Result<(), RemoteError> {
        let listed = |list: &[String]| list.iter().any(|u| u == user);
        if listed(&self.admins) {
            return Ok(());
        }
        let op = Operation::of(request);
        let allowed = match op {
            Operation::Anyone => true,
            Operation::User => self.users.as_deref().is_none_or(listed),
            Operation::Topology(_) => {
                topology.is_none_or(|acl| acl.owner == user || listed(&acl.users))
            }
            Operation::Supervisor => listed(&self.supervisor_users),
        };
        if allowed {
            return Ok(());
        }
        Err(RemoteError::NotAuthorized {
            user: user.to_owned(),
            action: request.name().to_owned(),
            topology: match op {
                Operation::Topology(name) => Some(name.to_owned()),
                _ => None,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn authorizer(users: Option<&[&str]>) -> SimpleAclAuthorizer {
        let strings = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        SimpleAclAuthorizer {
            admins: strings(&["root"]),
            users: users.map(strings),
            supervisor_users: strings(&["sup"]),
        }
    }

    fn kill(name: &str) -> Request {
        Request::KillTopology {
            name: name.into(),
            wait_secs: None,
        }
    }

    fn acl() -> TopologyAcl {
        TopologyAcl {
            owner: "alice".into(),
            users: vec!["carol".into()],
        }
    }

    #[test]
    fn the_owner_topology_users_and_admins_may_act_on_a_topology_others_may_not() {
        let a = authorizer(None);
        let requests = [
            kill("t"),
            Request::Activate { name: "t".into() },
            Request::Deactivate { name: "t".into() },
            Request::Rebalance {
                name: "t".into(),
                options: Default::default(),
            },
            Request::GetTopologyInfo { name: "t".into() },
        ];
        for r in &requests {
            for ok in ["alice", "carol", "root"] {
                assert_eq!(a.permit(ok, r, Some(&acl())), Ok(()), "{ok} {r:?}");
            }
            let e = a.permit("bob", r, Some(&acl())).expect_err("bob");
            let text = e.to_string();
            assert!(
                text.contains("bob") && text.contains(r.name()) && text.contains(" t"),
                "{text}"
            );
        }
    }

    #[test]
    fn nimbus_users_limits_who_may_submit_when_set() {
        let submit = Request::BeginFileUpload { size: 1 };
        assert_eq!(authorizer(None).permit("anyone", &submit, None), Ok(()));
        let limited = authorizer(Some(&["alice"]));
        assert_eq!(limited.permit("alice", &submit, None), Ok(()));
        assert_eq!(limited.permit("root", &submit, None), Ok(()));
        assert!(limited.permit("bob", &submit, None).is_err());
        assert!(limited
            .permit("bob", &Request::ListTopologies, None)
            .is_err());
        assert_eq!(limited.permit("bob", &Request::GetLeader, None), Ok(()));
    }

    #[test]
    fn only_supervisor_users_and_admins_may_fetch_artifacts() {
        let a = authorizer(None);
        let fetch = [
            Request::GetTopologyDist {
                topology_id: "t-1-1".into(),
            },
            Request::DownloadChunk {
                topology_id: "t-1-1".into(),
                offset: 0,
                max_len: 10,
            },
        ];
        for r in &fetch {
            assert_eq!(a.permit("sup", r, None), Ok(()));
            assert_eq!(a.permit("root", r, None), Ok(()));
            // Not even the topology's owner: the artifact is the cluster's to hand out.
            assert!(a.permit("alice", r, None).is_err());
        }
    }

    #[test]
    fn a_topology_request_for_no_such_topology_goes_on_to_be_not_found() {
        assert_eq!(authorizer(None).permit("bob", &kill("gone"), None), Ok(()));
    }
}
