//! `LocalCluster`: runs topologies inside this process until they are killed, like Storm's
//! `LocalCluster`. No ZooKeeper and no other process is involved.

use std::collections::BTreeMap;
use std::sync::{mpsc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use actix::System;
use storm_core::topology::validate_topology_name;
use storm_core::{Config, Topology};

use crate::error::{Result, WorkerError};
use crate::runtime::RunningTopology;
use crate::stats::TaskStatsSnapshot;

/// How long a kill waits for tasks to clean up before giving up on them.
const CLEANUP_TIMEOUT: Duration = Duration::from_secs(30);

/// Options of a kill (Storm's `KillOptions`).
#[derive(Debug, Clone, Copy, Default)]
pub struct KillOptions {
    /// Seconds between deactivating the spouts and stopping the tasks, so in-flight tuples can
    /// drain. `None`: the topology's `topology.message.timeout.secs`, as in Storm.
    pub wait_secs: Option<u64>,
}

impl KillOptions {
    /// Kill after `secs` seconds.
    pub fn wait(secs: u64) -> Self {
        Self {
            wait_secs: Some(secs),
        }
    }
}

/// A cluster in one process.
///
/// ```no_run
/// # fn topology() -> storm_core::Topology { unimplemented!() }
/// use storm_worker::{KillOptions, LocalCluster};
/// let cluster = LocalCluster::new().expect("actor system");
/// cluster.submit_topology("demo", storm_core::Config::new(), &topology()).expect("valid");
/// cluster.kill_topology_with_opts("demo", KillOptions::wait(0)).expect("running");
/// cluster.shutdown();
/// ```
pub struct LocalCluster {
    system: System,
    system_thread: Option<JoinHandle<()>>,
    topologies: Mutex<BTreeMap<String, RunningTopology>>,
}

impl LocalCluster {
    /// Starts the cluster's actor system.
    pub fn new() -> Result<Self> {
        let (tx, rx) = mpsc::channel();
        let system_thread = std::thread::Builder::new()
            .name("storm-local-system".into())
            .spawn(move || {
                let runner = System::new();
                if tx.send(System::current()).is_ok() {
                    if let Err(e) = runner.run() {
                        tracing::error!(error = %e, "local cluster actor system failed");
                    }
                }
            })
            .map_err(|e| WorkerError::System(e.to_string()))?;
        let system = rx
            .recv()
            .map_err(|_| WorkerError::System("the actor system did not start".into()))?;
        Ok(Self {
            system,
            system_thread: Some(system_thread),
            topologies: Mutex::new(BTreeMap::new()),
        })
    }

    fn topologies(&self) -> MutexGuard<'_, BTreeMap<String, RunningTopology>> {
        // A panic while holding the lock leaves the map itself consistent.
        self.topologies
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Validates and starts a topology, active.
    pub fn submit_topology(&self, name: &str, config: Config, topology: &Topology) -> Result<()> {
        self.submit_topology_with_state(name, config, topology, true)
    }

    /// Starts a topology, active or inactive (Storm's `SubmitOptions`).
    pub fn submit_topology_with_state(
        &self,
        name: &str,
        config: Config,
        topology: &Topology,
        active: bool,
    ) -> Result<()> {
        validate_name(name)?;
        let mut topologies = self.topologies();
        if topologies.contains_key(name) {
            return Err(WorkerError::AlreadyRunning(name.to_owned()));
        }
        let previous = System::try_current();
        System::set_current(self.system.clone());
        let started = RunningTopology::start(name, topology, config, active);
        if let Some(previous) = previous {
            System::set_current(previous);
        }
        topologies.insert(name.to_owned(), started?);
        Ok(())
    }

    /// Kills a topology after `topology.message.timeout.secs`, as Storm does by default.
    pub fn kill_topology(&self, name: &str) -> Result<()> {
        self.kill_topology_with_opts(name, KillOptions::default())
    }

    /// Deactivates the topology's spouts, waits `wait_secs`, then closes and cleans up every
    /// task and stops its threads. Returns once all of that is done.
    pub fn kill_topology_with_opts(&self, name: &str, options: KillOptions) -> Result<()> {
        let mut running = self
            .topologies()
            .remove(name)
            .ok_or_else(|| WorkerError::NotRunning(name.to_owned()))?;
        let wait = options
            .wait_secs
            .unwrap_or_else(|| u64::from(running.shape().config.message_timeout_secs));
        running.set_active(false);
        if wait > 0 {
            std::thread::sleep(Duration::from_secs(wait));
        }
        running.shutdown(CLEANUP_TIMEOUT)
    }

    /// Activates a topology's spouts.
    pub fn activate(&self, name: &str) -> Result<()> {
        self.with_topology(name, |t| t.set_active(true))
    }

    /// Deactivates a topology's spouts: `next_tuple` is no longer called.
    pub fn deactivate(&self, name: &str) -> Result<()> {
        self.with_topology(name, |t| t.set_active(false))
    }

    /// The counters of every task of a topology.
    pub fn topology_stats(&self, name: &str) -> Result<Vec<TaskStatsSnapshot>> {
        self.with_topology(name, |t| t.stats())
    }

    /// The names of the running topologies.
    pub fn topology_names(&self) -> Vec<String> {
        self.topologies().keys().cloned().collect()
    }

    /// Waits until every spout of a topology is exhausted and everything it emitted has been
    /// processed (and, with acking, acked or failed).
    pub fn wait_until_complete(&self, name: &str, timeout: Duration) -> Result<()> {
        let progress_check = |t: &mut RunningTopology| t.is_complete();
        let start = std::time::Instant::now();
        let mut pause = Duration::from_micros(200);
        loop {
            if self.with_topology(name, progress_check)? {
                return Ok(());
            }
            if start.elapsed() >= timeout {
                return Err(WorkerError::Timeout {
                    what: format!("topology {name} to complete"),
                    secs: timeout.as_secs_f64(),
                });
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(20));
        }
    }

    /// Runs `f` on a running topology.
    pub fn with_topology<T>(
        &self,
        name: &str,
        f: impl FnOnce(&mut RunningTopology) -> T,
    ) -> Result<T> {
        let mut topologies = self.topologies();
        let t = topologies
            .get_mut(name)
            .ok_or_else(|| WorkerError::NotRunning(name.to_owned()))?;
        Ok(f(t))
    }

    /// Kills every topology at once and stops the actor system.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        let running: Vec<_> = std::mem::take(&mut *self.topologies())
            .into_values()
            .collect();
        for mut t in running {
            t.set_active(false);
            if let Err(e) = t.shutdown(CLEANUP_TIMEOUT) {
                tracing::error!(error = %e, "topology did not stop cleanly");
            }
        }
        self.system.stop();
        if let Some(thread) = self.system_thread.take() {
            if thread.join().is_err() {
                tracing::error!("the local cluster's system thread panicked");
            }
        }
    }
}

impl Drop for LocalCluster {
    fn drop(&mut self) {
        if self.system_thread.is_some() {
            self.stop();
        }
    }
}

/// Storm's rule for topology names (see [`validate_topology_name`]).
pub fn validate_name(name: &str) -> Result<()> {
    validate_topology_name(name).map_err(|e| WorkerError::Topology(e.into()))
}
