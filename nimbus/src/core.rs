//! `NimbusCore`: what Nimbus does with each request, timer and monitor round, free of actix
//! and sockets so it can be driven directly in tests (with [`storm_zk::MemClusterState`]).
//!
//! The [`crate::Nimbus`] actor runs one call at a time (requests, timers and rounds never
//! interleave), so the checks a submission makes (is the name free?) hold until it is stored.
//! Calls return the [`Timer`]s a status transition asks for; the actor arms them.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use storm_core::topology::TopologyShape;
use storm_core::{ComponentId, Config, StormTopology, TopologyId};
use storm_zk::{ClusterState, Credentials, RebalanceOptions, StormBase, TopologyStatus};

use crate::authorizer::{Operation, SimpleAclAuthorizer, TopologyAcl, TOPOLOGY_USERS};
use crate::heartbeats::{HeartbeatCache, Liveness};
use crate::status::{self, Effect, TopologyAction};
use crate::store::ArtifactStore;
use crate::submission;
pub use crate::topology_record::TopologyRecord;
use storm_client::config::DaemonConfig;
use storm_client::protocol::{
    RebalanceRequest, RemoteError, Request, Response, SubmitTopology, TopologyDist, WINDOW_IDS,
};

/// A timer a transition asks for: run `action` on a topology after `delay`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timer {
    /// The topology.
    pub topology_id: TopologyId,
    /// How long to wait.
    pub delay: Duration,
    /// What to run.
    pub action: TopologyAction,
}

/// The current time, on both clocks Nimbus uses.
#[derive(Debug, Clone, Copy)]
pub struct Now {
    /// Monotonic time, for heartbeat ages and upload expiry.
    pub instant: Instant,
    /// Wall-clock seconds since the epoch, for ids and start times written to ZooKeeper.
    pub secs: u64,
}

impl Now {
    /// The current time.
    pub fn current() -> Self {
        Self {
            instant: Instant::now(),
            secs: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

pub(crate) fn unavailable(e: impl std::fmt::Display) -> RemoteError {
    RemoteError::Unavailable {
        reason: e.to_string(),
    }
}

/// A topology's credentials: a fresh random worker secret.
fn new_credentials() -> Result<Credentials, getrandom::Error> {
    let mut worker_secret = vec![0u8; 32];
    getrandom::fill(&mut worker_secret)?;
    Ok(Credentials { worker_secret })
}

/// Nimbus's state and logic.
pub struct NimbusCore {
    pub(crate) config: DaemonConfig,
    pub(crate) state: Arc<dyn ClusterState>,
    pub(crate) store: Mutex<ArtifactStore>,
    pub(crate) records: Mutex<BTreeMap<TopologyId, Arc<TopologyRecord>>>,
    pub(crate) heartbeats: Mutex<HeartbeatCache>,
    counter: AtomicU64,
    leader: AtomicBool,
    authorizer: SimpleAclAuthorizer,
    /// Who began each upload, with authentication on: only they may add to it or submit it.
    upload_owners: Mutex<BTreeMap<String, String>>,
    pub(crate) started: Instant,
}

impl std::fmt::Debug for NimbusCore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NimbusCore")
            .field("leader", &self.is_leader())
            .finish_non_exhaustive()
    }
}

impl NimbusCore {
    /// Nimbus over a cluster state and an artifact store; not leader until told.
    pub fn new(config: DaemonConfig, state: Arc<dyn ClusterState>, store: ArtifactStore) -> Self {
        Self {
            authorizer: SimpleAclAuthorizer::new(&config.security),
            upload_owners: Mutex::new(BTreeMap::new()),
            config,
            state,
            store: Mutex::new(store),
            records: Mutex::new(BTreeMap::new()),
            heartbeats: Mutex::new(HeartbeatCache::default()),
            counter: AtomicU64::new(0),
            leader: AtomicBool::new(false),
            started: Instant::now(),
        }
    }

    /// Whether this Nimbus leads.
    pub fn is_leader(&self) -> bool {
        self.leader.load(Ordering::SeqCst)
    }

    /// Records leadership lost.
    pub fn lose_leadership(&self) {
        self.leader.store(false, Ordering::SeqCst);
        lock(&self.records).clear();
    }

    /// Becomes leader: re-arms the timers of killed and rebalancing topologies (Storm's
    /// `GAIN_LEADERSHIP` event).
    pub async fn gain_leadership(&self, now: Now) -> Vec<Timer> {
        self.leader.store(true, Ordering::SeqCst);
        let mut timers = Vec::new();
        let ids = match self.state.active_storms().await {
            Ok(ids) => ids,
            Err(e) => {
                tracing::warn!(error = %e, "reading topologies after gaining leadership");
                return timers;
            }
        };
        for id in ids {
            match self.fire(&id, TopologyAction::GainLeadership, now).await {
                Ok(t) => timers.extend(t),
                Err(e) => tracing::warn!(topology = %id, error = %e, "re-arming timers"),
            }
        }
        timers
    }

    async fn ensure_leader(&self) -> Result<(), RemoteError> {
        if self.is_leader() {
            return Ok(());
        }
        let leader = self.state.leader().await.ok().flatten().map(|l| l.id());
        Err(RemoteError::NotLeader { leader })
    }

    /// Answers one request (authentication off: every request is allowed).
    pub async fn handle(&self, request: Request, now: Now) -> (Response, Vec<Timer>) {
        self.handle_as(None, request, now).await
    }

    /// Answers one request from `user`, the user its connection authenticated as (`None`:
    /// authentication is off): the authorizer checks it first, and a submission records
    /// `user` as the topology's owner.
    pub async fn handle_as(
        &self,
        user: Option<&str>,
        request: Request,
        now: Now,
    ) -> (Response, Vec<Timer>) {
        if let Some(user) = user {
            if let Err(e) = self.authorize(user, &request).await {
                return (Response::Error(e), Vec::new());
            }
        }
        match self.try_handle(request, user, now).await {
            Ok(done) => done,
            Err(e) => (Response::Error(e), Vec::new()),
        }
    }

    /// Whether `user` may make `request` (`SimpleAclAuthorizer`), with the ACL of the
    /// topology it names.
    async fn authorize(&self, user: &str, request: &Request) -> Result<(), RemoteError> {
        let acl = match Operation::of(request) {
            Operation::Topology(name) => match self.find(name).await {
                Ok((id, base)) => Some(self.topology_acl(&id, &base)),
                Err(RemoteError::NotFound { .. }) => None,
                Err(e) => return Err(e),
            },
            _ => None,
        };
        self.authorizer.permit(user, request, acl.as_ref())
    }

    /// Refuses `user` an upload another user began.
    fn check_upload_owner(
        &self,
        location: &str,
        user: Option<&str>,
        action: &str,
    ) -> Result<(), RemoteError> {
        let Some(user) = user else { return Ok(()) };
        match lock(&self.upload_owners).get(location) {
            Some(owner) if owner != user => Err(RemoteError::NotAuthorized {
                user: user.to_owned(),
                action: format!("{action} to an upload of another user"),
                topology: None,
            }),
            _ => Ok(()),
        }
    }

    /// A topology's owner and `topology.users`.
    fn topology_acl(&self, id: &TopologyId, base: &StormBase) -> TopologyAcl {
        let users = self
            .record(id)
            .ok()
            .and_then(|r| {
                r.config
                    .get(TOPOLOGY_USERS)
                    .and_then(|v| v.as_array())
                    .map(|a| {
                        a.iter()
                            .filter_map(|u| u.as_str().map(str::to_owned))
                            .collect()
                    })
            })
            .unwrap_or_default();
        TopologyAcl {
            owner: base.owner.clone(),
            users,
        }
    }

    async fn try_handle(
        &self,
        request: Request,
        user: Option<&str>,
        now: Now,
    ) -> Result<(Response, Vec<Timer>), RemoteError> {
        let reply = |r: Response| Ok((r, Vec::new()));
        match request {
            Request::IsTopologyNameAllowed { name } => {
                submission::validate_name(&name)?;
                if self.find(&name).await.is_ok() {
                    return Err(RemoteError::AlreadyExists { name });
                }
                reply(Response::Ok)
            }
            Request::BeginFileUpload { size } => {
                self.ensure_leader().await?;
                let location = lock(&self.store).begin(size, now.instant)?;
                if let Some(user) = user {
                    lock(&self.upload_owners).insert(location.clone(), user.to_owned());
                }
                reply(Response::UploadStarted { location })
            }
            Request::UploadChunk { location, data } => {
                self.check_upload_owner(&location, user, "uploadChunk")?;
                lock(&self.store).chunk(&location, &data, now.instant)?;
                reply(Response::Ok)
            }
            Request::FinishFileUpload { location, sha256 } => {
                self.check_upload_owner(&location, user, "finishFileUpload")?;
                lock(&self.store).finish(&location, &sha256, now.instant)?;
                reply(Response::Uploaded { location })
            }
            Request::SubmitTopology(submit) => {
                self.check_upload_owner(&submit.artifact, user, "submitTopology")?;
                let artifact = submit.artifact.clone();
                let id = self.submit(submit, user, now).await?;
                lock(&self.upload_owners).remove(&artifact);
                reply(Response::Submitted {
                    topology_id: id.to_string(),
                })
            }
            Request::KillTopology { name, wait_secs } => {
                let (id, base) = self.find(&name).await?;
                let record = self.record(&id)?;
                let wait_secs = wait_secs.unwrap_or(record.config.message_timeout_secs);
                let timers = self
                    .apply(&id, &base, TopologyAction::Kill { wait_secs }, now)
                    .await?;
                Ok((Response::Ok, timers))
            }
            Request::Activate { name } => {
                self.user_action(&name, TopologyAction::Activate, now).await
            }
            Request::Deactivate { name } => {
                self.user_action(&name, TopologyAction::Inactivate, now)
                    .await
            }
            Request::Rebalance { name, options } => {
                let (id, base) = self.find(&name).await?;
                let record = self.record(&id)?;
                let options = rebalance_options(&name, &record, options)?;
                let timers = self
                    .apply(&id, &base, TopologyAction::Rebalance(options), now)
                    .await?;
                Ok((Response::Ok, timers))
            }
            Request::ListTopologies => reply(Response::Topologies(self.list(now).await?)),
            Request::GetTopologyInfo { name } => {
                reply(Response::TopologyInfo(self.info(&name, None, now).await?))
            }
            Request::GetTopologyPageInfo { name, window } => {
                if !WINDOW_IDS.contains(&window.as_str()) {
                    return Err(RemoteError::BadRequest {
                        reason: format!(
                            "unknown window {window:?}, expected one of {WINDOW_IDS:?}"
                        ),
                    });
                }
                reply(Response::TopologyInfo(
                    self.info(&name, Some(&window), now).await?,
                ))
            }
            Request::GetTopologyDist { topology_id } => {
                let dist = lock(&self.store).dist(&topology_id)?;
                let dist = dist.ok_or_else(|| RemoteError::NotFound {
                    name: topology_id.clone(),
                })?;
                reply(Response::TopologyDist(dist))
            }
            Request::GetClusterInfo => reply(Response::ClusterInfo(self.cluster(now).await?)),
            Request::GetLeader => {
                self.ensure_leader().await?;
                reply(Response::Ok)
            }
            Request::DownloadChunk {
                topology_id,
                offset,
                max_len,
            } => {
                let max = (max_len as usize).min(self.config.max_frame.saturating_sub(64));
                let data = lock(&self.store).read_chunk(&topology_id, offset, max)?;
                let data = data.ok_or(RemoteError::NotFound { name: topology_id })?;
                reply(Response::Chunk { data })
            }
        }
    }

    async fn user_action(
        &self,
        name: &str,
        action: TopologyAction,
        now: Now,
    ) -> Result<(Response, Vec<Timer>), RemoteError> {
        let (id, base) = self.find(name).await?;
        let timers = self.apply(&id, &base, action, now).await?;
        Ok((Response::Ok, timers))
    }

    /// Runs a timer's action on a topology (stale timers are no-ops).
    pub async fn fire(
        &self,
        id: &TopologyId,
        action: TopologyAction,
        now: Now,
    ) -> Result<Vec<Timer>, RemoteError> {
        if !self.is_leader() {
            return Ok(Vec::new());
        }
        match self.state.storm(id).await.map_err(unavailable)? {
            Some(base) => self.apply(id, &base, action, now).await,
            None => Ok(Vec::new()),
        }
    }

    async fn submit(
        &self,
        submit: SubmitTopology,
        owner: Option<&str>,
        now: Now,
    ) -> Result<TopologyId, RemoteError> {
        self.ensure_leader().await?;
        let valid = submission::validate(&submit)?;
        let artifact = lock(&self.store)
            .finished(&submit.artifact)
            .cloned()
            .ok_or_else(|| RemoteError::UnknownUpload {
                location: submit.artifact.clone(),
            })?;
        if self.find(&valid.name).await.is_ok() {
            return Err(RemoteError::AlreadyExists { name: valid.name });
        }
        let n = self.counter.fetch_add(1, Ordering::SeqCst) + 1;
        let id = TopologyId::new(format!("{}-{n}-{}", valid.name, now.secs));
        let shape = valid.shape(id.as_str());
        let component_executors = submission::component_executors(&shape);
        let dist = TopologyDist {
            topology_id: id.to_string(),
            name: valid.name.clone(),
            config_json: valid
                .config
                .to_json()
                .map_err(|e| RemoteError::InvalidConfig {
                    reason: e.to_string(),
                })?,
            topology_json: submit.topology_json.clone(),
            args: submit.args.clone(),
            artifact_size: artifact.size,
            artifact_sha256: artifact.sha256.clone(),
        };
        lock(&self.store).install(&submit.artifact, &dist)?;
        let base = StormBase {
            name: valid.name.clone(),
            status: if submit.active {
                TopologyStatus::Active
            } else {
                TopologyStatus::Inactive
            },
            num_workers: valid.config.workers,
            component_executors,
            launch_time_secs: now.secs,
            owner: owner.unwrap_or_default().to_owned(),
            prev_status: None,
        };
        // The secret its workers prove to each other; written before the `StormBase`, so no
        // worker ever starts without one.
        let credentials = new_credentials().map_err(unavailable)?;
        if let Err(e) = self.state.set_credentials(&id, &credentials).await {
            lock(&self.store).remove(id.as_str());
            return Err(unavailable(e));
        }
        if let Err(e) = self.state.set_storm(&id, &base).await {
            lock(&self.store).remove(id.as_str());
            return Err(unavailable(e));
        }
        lock(&self.records).insert(
            id.clone(),
            Arc::new(TopologyRecord {
                name: valid.name.clone(),
                config: valid.config,
                topology: valid.topology,
                shape,
            }),
        );
        tracing::info!(topology = %id, name = %valid.name, "topology submitted");
        // Assign at once rather than at the next round.
        if let Err(e) = self.mk_assignments(now, None).await {
            tracing::warn!(error = %e, "scheduling after a submission; the next round retries");
        }
        Ok(id)
    }

    /// The topology called `name`.
    pub(crate) async fn find(&self, name: &str) -> Result<(TopologyId, StormBase), RemoteError> {
        for id in self.state.active_storms().await.map_err(unavailable)? {
            if let Some(base) = self.state.storm(&id).await.map_err(unavailable)? {
                if base.name == name {
                    return Ok((id, base));
                }
            }
        }
        Err(RemoteError::NotFound {
            name: name.to_owned(),
        })
    }

    /// A topology's record, from the cache or its files.
    pub(crate) fn record(&self, id: &TopologyId) -> Result<Arc<TopologyRecord>, RemoteError> {
        if let Some(r) = lock(&self.records).get(id) {
            return Ok(r.clone());
        }
        let dist =
            lock(&self.store)
                .dist(id.as_str())?
                .ok_or_else(|| RemoteError::Unavailable {
                    reason: format!("the files of topology {id} are missing from this Nimbus"),
                })?;
        let config = Config::from_json(&dist.config_json).map_err(unavailable)?;
        let topology: StormTopology =
            serde_json::from_str(&dist.topology_json).map_err(unavailable)?;
        let shape = TopologyShape::new(id.as_str(), &topology, &config);
        let record = Arc::new(TopologyRecord {
            name: dist.name,
            config,
            topology,
            shape,
        });
        lock(&self.records).insert(id.clone(), record.clone());
        Ok(record)
    }

    /// Applies an action through the status table and carries out its effects.
    async fn apply(
        &self,
        id: &TopologyId,
        base: &StormBase,
        action: TopologyAction,
        now: Now,
    ) -> Result<Vec<Timer>, RemoteError> {
        self.ensure_leader().await?;
        let t =
            status::transition(&base.status, base.prev_status.as_ref(), &action).map_err(|e| {
                RemoteError::IllegalTransition {
                    name: base.name.clone(),
                    status: e.status.to_owned(),
                    action: e.action.to_owned(),
                }
            })?;
        let mut next = base.clone();
        if let Some(status) = t.status.clone() {
            next.status = status;
            next.prev_status = t.prev_status.clone();
        }
        let mut timers = Vec::new();
        let mut rescheduled = false;
        for effect in t.effects {
            match effect {
                Effect::Schedule { delay, action } => timers.push(Timer {
                    topology_id: id.clone(),
                    delay,
                    action,
                }),
                Effect::Remove => {
                    self.remove(id).await?;
                    return Ok(timers);
                }
                Effect::DoRebalance(options) => {
                    if let Some(n) = options.num_workers {
                        next.num_workers = n;
                    }
                    next.component_executors
                        .extend(options.num_executors.iter().map(|(c, n)| (c.clone(), *n)));
                    rescheduled = true;
                }
            }
        }
        if t.status.is_some() || rescheduled {
            self.state.set_storm(id, &next).await.map_err(unavailable)?;
            tracing::info!(topology = %id, action = action.name(), status = %next.status, "topology status");
        }
        if rescheduled {
            self.mk_assignments(now, Some(id))
                .await
                .map_err(unavailable)?;
        }
        Ok(timers)
    }

    /// Storm's REMOVE: the assignment and `StormBase` go (so supervisors kill the workers),
    /// then heartbeats, errors, restarts and files.
    async fn remove(&self, id: &TopologyId) -> Result<(), RemoteError> {
        self.state
            .remove_assignment(id)
            .await
            .map_err(unavailable)?;
        self.state.remove_storm(id).await.map_err(unavailable)?;
        if let Err(e) = self.state.remove_credentials(id).await {
            tracing::warn!(topology = %id, error = %e, "removing the credentials");
        }
        tracing::info!(topology = %id, "topology removed");
        lock(&self.heartbeats).remove(id);
        lock(&self.records).remove(id);
        lock(&self.store).remove(id.as_str());
        if let Err(e) = self.state.teardown_heartbeats(id).await {
            tracing::warn!(topology = %id, error = %e, "removing heartbeats; cleanup retries");
        }
        if let Err(e) = self.state.teardown_errors(id).await {
            tracing::warn!(topology = %id, error = %e, "removing errors; cleanup retries");
        }
        if let Err(e) = self.state.teardown_restarts(id).await {
            tracing::warn!(topology = %id, error = %e, "removing restarts; cleanup retries");
        }
        Ok(())
    }

    /// The config this Nimbus runs with.
    pub fn config(&self) -> &DaemonConfig {
        &self.config
    }

    /// Supervisors registering and going away (and rewriting their records).
    pub fn watch_supervisors(&self) -> storm_zk::ChangeWatch {
        self.state.watch_supervisors()
    }

    pub(crate) fn liveness(&self) -> Liveness {
        Liveness {
            task_timeout: self.config.nimbus_task_timeout,
            task_launch: self.config.nimbus_task_launch,
            supervisor_timeout: self.config.nimbus_supervisor_timeout,
            monitor_period: self.config.nimbus_monitor_freq,
        }
    }

    pub(crate) fn lock_store(&self) -> MutexGuard<'_, ArtifactStore> {
        lock(&self.store)
    }

    pub(crate) fn lock_heartbeats(&self) -> MutexGuard<'_, HeartbeatCache> {
        lock(&self.heartbeats)
    }
}

/// Checks `storm rebalance` options against the topology and resolves the wait.
fn rebalance_options(
    name: &str,
    record: &TopologyRecord,
    request: RebalanceRequest,
) -> Result<RebalanceOptions, RemoteError> {
    let invalid = |reason: String| RemoteError::InvalidRebalance {
        name: name.to_owned(),
        reason,
    };
    if request.num_workers == Some(0) {
        return Err(invalid("the worker count must be at least 1".into()));
    }
    let mut num_executors = BTreeMap::new();
    let known: BTreeSet<&str> = record
        .shape
        .topology
        .components
        .keys()
        .map(ComponentId::as_str)
        .collect();
    for (component, n) in request.num_executors {
        if !known.contains(component.as_str()) {
            return Err(invalid(format!("it has no component {component:?}")));
        }
        let tasks = record.shape.layout.tasks_of(&component).len() as u32;
        if n == 0 || n > tasks {
            return Err(invalid(format!(
                "component {component:?} has {tasks} tasks, so it can have 1 to {tasks} executors, not {n}"
            )));
        }
        num_executors.insert(ComponentId::new(component), n);
    }
    Ok(RebalanceOptions {
        wait_secs: request
            .wait_secs
            .unwrap_or(record.config.message_timeout_secs),
        num_workers: request.num_workers,
        num_executors,
    })
}
