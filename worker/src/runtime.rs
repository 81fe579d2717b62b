//! `RunningTopology`: starts the tasks of a topology as actors on a pool of arbiters, wires
//! them together, and activates, deactivates and stops them.
//!
//! Placement: the worker has `topology.worker.threads` arbiters (default: one per CPU).
//! Executor *i* of a component at pipeline stage *s* runs on arbiter
//! *(i + ⌊s · threads / stages⌋) mod threads*: at parallelism *P* each arbiter holds whole
//! spout → bolt → bolt pipelines and only re-partitioning hops (fields groupings, shuffles)
//! cross threads, and at a parallelism below the thread count the stages are spread over the
//! arbiters rather than all stacked on the first.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::{Actor, Addr, Arbiter};
use storm_core::topology::{ComponentKind, TopologyShape};
use storm_core::{ComponentId, Config, ExecutorInfo, TaskId, Topology, TopologyContext};

use storm_core::system::ACKER_COMPONENT;
use storm_core::topology::BoltFactory;
use storm_core::Bolt;

use crate::acker::Acker;
use crate::error::{Result, WorkerError};
use crate::error_reports::ErrorSink;
use crate::executor::idle_thread::{start_executor_thread, ThreadSignal};
use crate::executor::{BoltTask, SetActive, Shutdown, SpoutTask, TaskEnv, Wire};
use crate::load::LoadMap;
use crate::progress::Progress;
use crate::stats::{TaskStats, TaskStatsSnapshot};
use crate::stats_windows::StatsRollup;
use crate::transport::{Directory, LocalLink, LocalSide, RemoteLink, TaskRoutes};
use crate::StreamTable;
use storm_core::stats::ExecutorWindows;

enum TaskAddr {
    Spout(Addr<SpoutTask>),
    Bolt(Addr<BoltTask>),
}

/// A topology whose tasks run in this process.
pub struct RunningTopology {
    shape: Arc<TopologyShape>,
    arbiters: Vec<Arbiter>,
    tasks: Vec<(TaskId, TaskAddr)>,
    stats: Vec<Arc<TaskStats>>,
    progress: Arc<Progress>,
    loads: Arc<LoadMap>,
    active: bool,
}

impl RunningTopology {
    /// Starts every task of `topology`. Must run where an actix `System` is current.
    pub fn start(
        topology_id: &str,
        topology: &Topology,
        config: Config,
        active: bool,
    ) -> Result<Self> {
        Self::start_executors(topology_id, topology, config, None, active)
    }

    /// Starts the executors of `topology` that `assigned` names (all, as the layout groups
    /// them, when `None`), with no link to tasks elsewhere. Must run where an actix `System` is
    /// current.
    pub fn start_executors(
        topology_id: &str,
        topology: &Topology,
        config: Config,
        assigned: Option<&[ExecutorInfo]>,
        active: bool,
    ) -> Result<Self> {
        Self::start_worker(topology_id, topology, config, assigned, active, None, None)
    }

    /// Starts the executors of `topology` that `assigned` names (all when `None`): a worker
    /// process runs the executors its assignment gives it, grouped as Nimbus grouped them (a
    /// rebalance may have changed the grouping). Every task not started here is reached through
    /// `remote` ([`RemoteLink`]), which learns this worker's side once the tasks are up. The
    /// errors the tasks report go to `errors` too, throttled per task. Must run where an actix
    /// `System` is current.
    pub fn start_worker(
        topology_id: &str,
        topology: &Topology,
        config: Config,
        assigned: Option<&[ExecutorInfo]>,
        active: bool,
        remote: Option<Arc<TaskRoutes>>,
        errors: Option<ErrorSink>,
    ) -> Result<Self> {
        config.validate()?;
        storm_core::topology::validate(&topology.definition, &topology.custom_groupings)?;
        let shape = Arc::new(TopologyShape::new(
            topology_id,
            &topology.definition,
            &config,
        ));
        let table = Arc::new(StreamTable::new(&shape.topology));
        // The executors to run here, by component.
        let mut executors: BTreeMap<ComponentId, Vec<ExecutorInfo>> = BTreeMap::new();
        match assigned {
            Some(assigned) => {
                for executor in assigned {
                    if let Some(component) = shape.layout.component_of(executor.start) {
                        executors
                            .entry(component.clone())
                            .or_default()
                            .push(*executor);
                    }
                }
                executors.values_mut().for_each(|e| e.sort_unstable());
            }
            None => {
                for (component, tasks) in shape.layout.components() {
                    executors.insert(component.clone(), tasks.executors.clone());
                }
            }
        }
        let worker_tasks: Arc<Vec<TaskId>> = Arc::new({
            let mut tasks: Vec<TaskId> = executors
                .values()
                .flatten()
                .flat_map(ExecutorInfo::tasks)
                .collect();
            tasks.sort_unstable();
            tasks.dedup();
            tasks
        });
        let windows = Arc::new(credit_windows(&shape));
        let custom_groupings = Arc::new(topology.custom_groupings.clone());
        let progress = Arc::new(Progress::default());
        let threads = config
            .worker_threads
            .map(|t| t as usize)
            .unwrap_or_else(|| {
                std::thread::available_parallelism()
                    .map(|n| n.get())
                    .unwrap_or(1)
            })
            .max(1);
        let signals: Vec<Arc<ThreadSignal>> = (0..threads).map(|_| Arc::default()).collect();
        let arbiters = signals
            .iter()
            .map(|signal| start_executor_thread(&config, signal.clone()))
            .collect::<std::io::Result<Vec<Arbiter>>>()
            .map_err(WorkerError::Threads)?;

        let placed = place_tasks(&shape, &executors, &worker_tasks, threads);
        // The tasks of each arbiter (the nearest scope of load-aware shuffles), and the acker
        // task on each, for spouts to keep their trees on their own thread.
        let mut tasks_by_thread: Vec<Vec<TaskId>> = vec![Vec::new(); threads];
        let mut local_ackers: Vec<Option<TaskId>> = vec![None; threads];
        for p in &placed {
            tasks_by_thread[p.thread].push(p.task);
            if p.component.as_str() == ACKER_COMPONENT && local_ackers[p.thread].is_none() {
                local_ackers[p.thread] = Some(p.task);
            }
        }
        let tasks_by_thread: Vec<Arc<Vec<TaskId>>> = tasks_by_thread
            .into_iter()
            .map(|mut t| {
                t.sort_unstable();
                Arc::new(t)
            })
            .collect();
        let loads = Arc::new(LoadMap::new(
            shape.layout.task_count(),
            &tasks_by_thread
                .iter()
                .map(|t| t.as_slice())
                .collect::<Vec<_>>(),
            config.executor_receive_buffer_size,
        ));
        let mut tasks = Vec::new();
        let mut stats = Vec::new();
        let stream_ids = table.stream_ids();
        let mut directory = Directory::new();
        for PlacedTask {
            component,
            thread,
            task,
        } in placed
        {
            let Some(def) = shape.topology.components.get(&component) else {
                continue;
            };
            let arbiter = arbiters[thread].handle();
            let task_stats = Arc::new(TaskStats::with_streams(
                task,
                component.clone(),
                stream_ids.clone(),
            ));
            stats.push(task_stats.clone());
            let env = TaskEnv {
                task,
                context: TopologyContext::new(shape.clone(), task, worker_tasks.clone()),
                config: config.merged_with(&def.config)?,
                table: table.clone(),
                stats: task_stats,
                progress: progress.clone(),
                custom_groupings: custom_groupings.clone(),
                windows: windows.clone(),
                local_acker: local_ackers[thread],
                thread,
                thread_tasks: tasks_by_thread[thread].clone(),
                loads: loads.clone(),
                directory: None,
                errors: errors.clone(),
            };
            let missing = || WorkerError::MissingFactory(component.to_string());
            let (addr, (batches, credits, lost)) = match def.kind {
                ComponentKind::Spout => {
                    let factory = topology
                        .spouts
                        .get(&component)
                        .cloned()
                        .ok_or_else(missing)?;
                    let addr = SpoutTask::start_in_arbiter(&arbiter, move |_| {
                        SpoutTask::new(factory, env, active)
                    });
                    let links = (
                        addr.clone().recipient(),
                        addr.clone().recipient(),
                        addr.clone().recipient(),
                    );
                    (TaskAddr::Spout(addr), links)
                }
                ComponentKind::Bolt => {
                    let factory = if component.as_str() == ACKER_COMPONENT {
                        acker_factory()
                    } else {
                        topology
                            .bolts
                            .get(&component)
                            .cloned()
                            .ok_or_else(missing)?
                    };
                    let addr =
                        BoltTask::start_in_arbiter(&arbiter, move |_| BoltTask::new(factory, env));
                    let links = (
                        addr.clone().recipient(),
                        addr.clone().recipient(),
                        addr.clone().recipient(),
                    );
                    (TaskAddr::Bolt(addr), links)
                }
            };
            directory.insert(
                task,
                Arc::new(LocalLink::new(
                    batches,
                    credits,
                    lost,
                    loads.clone(),
                    signals[thread].clone(),
                )),
            );
            tasks.push((task, addr));
        }
        if let Some(routes) = &remote {
            for task in (1..=shape.layout.task_count() as u32).map(TaskId) {
                if directory.get(task).is_none() {
                    directory.insert(task, Arc::new(RemoteLink::new(task, routes.clone())));
                }
            }
        }
        let directory = Arc::new(directory);
        if let Some(routes) = &remote {
            routes.set_local(LocalSide {
                directory: directory.clone(),
                loads: loads.clone(),
                progress: progress.clone(),
            });
        }
        // Bolts first, so a spout's first batch finds its consumers prepared.
        for (_, addr) in &tasks {
            if let TaskAddr::Bolt(a) = addr {
                a.do_send(Wire(directory.clone()));
            }
        }
        for (_, addr) in &tasks {
            if let TaskAddr::Spout(a) = addr {
                a.do_send(Wire(directory.clone()));
            }
        }
        tracing::info!(
            topology = topology_id,
            tasks = tasks.len(),
            threads,
            "topology started"
        );
        Ok(Self {
            shape,
            arbiters,
            tasks,
            stats,
            progress,
            loads,
            active,
        })
    }

    /// The topology's shape and layout.
    pub fn shape(&self) -> &Arc<TopologyShape> {
        &self.shape
    }

    /// Activates or deactivates the spouts.
    pub fn set_active(&mut self, active: bool) {
        self.active = active;
        for (_, addr) in &self.tasks {
            if let TaskAddr::Spout(a) = addr {
                a.do_send(SetActive(active));
            }
        }
    }

    /// True while the spouts are active.
    pub fn is_active(&self) -> bool {
        self.active
    }

    /// The counters of every task.
    pub fn stats(&self) -> Vec<TaskStatsSnapshot> {
        self.stats.iter().map(|s| s.snapshot()).collect()
    }

    /// Records every task's totals in `rollup` at `now_secs` (seconds since the epoch) and
    /// returns the windows of `executors` (those of this worker), with their queues' fill.
    pub fn roll_up_stats(
        &self,
        rollup: &mut StatsRollup,
        now_secs: u64,
        executors: &[ExecutorInfo],
    ) -> Vec<ExecutorWindows> {
        rollup.record(now_secs, &self.stats());
        executors
            .iter()
            .map(|e| {
                let component = self
                    .shape
                    .layout
                    .component_of(e.start)
                    .map(ToString::to_string)
                    .unwrap_or_default();
                let fill = e
                    .tasks()
                    .filter_map(|t| self.loads.queue_load(t))
                    .fold(0.0, f64::max);
                rollup.executor_windows(&component, e.start, e.end, fill)
            })
            .collect()
    }

    /// The live counters of every task.
    pub fn task_stats(&self) -> &[Arc<TaskStats>] {
        &self.stats
    }

    /// The in-flight counters.
    pub fn progress(&self) -> &Arc<Progress> {
        &self.progress
    }

    /// True when every spout is exhausted and nothing it emitted is still being processed.
    pub fn is_complete(&self) -> bool {
        let spouts: BTreeSet<_> = self.shape.topology.spout_ids().cloned().collect();
        let exhausted = self
            .stats
            .iter()
            .filter(|s| spouts.contains(&s.component))
            .all(|s| s.exhausted.get());
        exhausted && self.progress.in_flight() == 0 && self.progress.pending_trees() == 0
    }

    /// Waits, polling, until [`Self::is_complete`]; errors after `timeout`.
    pub fn wait_until_complete(&self, timeout: Duration) -> Result<()> {
        let start = Instant::now();
        let mut pause = Duration::from_micros(200);
        while !self.is_complete() {
            if start.elapsed() >= timeout {
                return Err(WorkerError::Timeout {
                    what: format!(
                        "topology {} to complete ({} batches in flight, {} trees pending)",
                        self.shape.topology_id,
                        self.progress.in_flight(),
                        self.progress.pending_trees()
                    ),
                    secs: timeout.as_secs_f64(),
                });
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(20));
        }
        Ok(())
    }

    /// Closes the spouts, cleans up the bolts, then stops the arbiters.
    pub fn shutdown(mut self, timeout: Duration) -> Result<()> {
        self.stop_tasks(timeout)
    }

    fn stop_tasks(&mut self, timeout: Duration) -> Result<()> {
        let (tx, rx) = mpsc::channel();
        let mut expected = 0;
        for (_, addr) in &self.tasks {
            let done = tx.clone();
            let connected = match addr {
                TaskAddr::Spout(a) => a.connected().then(|| a.do_send(Shutdown { done })),
                TaskAddr::Bolt(a) => a.connected().then(|| a.do_send(Shutdown { done })),
            };
            expected += usize::from(connected.is_some());
        }
        drop(tx);
        self.tasks.clear();
        let deadline = Instant::now() + timeout;
        let mut stopped = 0;
        let mut result = Ok(());
        while stopped < expected {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(_) => stopped += 1,
                // Every sender is gone: the remaining tasks died without cleaning up.
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    result = Err(WorkerError::Timeout {
                        what: format!("{} tasks to clean up", expected - stopped),
                        secs: timeout.as_secs_f64(),
                    });
                    break;
                }
            }
        }
        for arbiter in self.arbiters.drain(..) {
            arbiter.stop();
            if arbiter.join().is_err() {
                tracing::error!("an arbiter thread panicked");
            }
        }
        tracing::info!(topology = %self.shape.topology_id, "topology stopped");
        result
    }
}

impl Drop for RunningTopology {
    fn drop(&mut self) {
        if !self.arbiters.is_empty() {
            let _ = self.stop_tasks(Duration::from_secs(10));
        }
    }
}

fn acker_factory() -> BoltFactory {
    Arc::new(|| Box::new(Acker::default()) as Box<dyn Bolt>)
}

/// A task this worker runs, and the arbiter it runs on.
struct PlacedTask {
    component: ComponentId,
    thread: usize,
    task: TaskId,
}

/// Where each of this worker's tasks runs: executor *i* of a component at stage *s* on arbiter
/// *(i + ⌊s · threads / stages⌋) mod threads* (see the module doc), in topology order.
fn place_tasks(
    shape: &TopologyShape,
    executors: &BTreeMap<ComponentId, Vec<ExecutorInfo>>,
    worker_tasks: &[TaskId],
    threads: usize,
) -> Vec<PlacedTask> {
    let stages = pipeline_stages(shape);
    let last_stage = stages.values().copied().max().unwrap_or(0);
    let mut placed = Vec::new();
    for component in shape.topology.components.keys() {
        let Some(executors) = executors.get(component) else {
            continue;
        };
        let stage = stages.get(component).copied().unwrap_or(0);
        let offset = stage * threads / (last_stage + 1);
        for (e, executor) in executors.iter().enumerate() {
            for task in executor.tasks() {
                if worker_tasks.binary_search(&task).is_ok() {
                    placed.push(PlacedTask {
                        component: component.clone(),
                        thread: (e + offset) % threads,
                        task,
                    });
                }
            }
        }
    }
    placed
}

/// Each component's distance from the spouts: 0 for a spout, else one more than its furthest
/// input (system components such as the acker are left at 0). A cycle stops growing after
/// as many rounds as there are components.
fn pipeline_stages(shape: &TopologyShape) -> BTreeMap<ComponentId, usize> {
    let components = &shape.topology.components;
    let mut stages: BTreeMap<ComponentId, usize> =
        components.keys().map(|c| (c.clone(), 0)).collect();
    for _ in 0..components.len() {
        let mut changed = false;
        for (component, def) in components {
            if component.as_str() == ACKER_COMPONENT {
                continue;
            }
            let stage = def
                .inputs
                .iter()
                .filter(|input| input.stream.component.as_str() != ACKER_COMPONENT)
                .filter_map(|input| stages.get(&input.stream.component))
                .map(|s| s + 1)
                .max()
                .unwrap_or(0);
            if stages.get(component) != Some(&stage) {
                stages.insert(component.clone(), stage);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    stages
}

/// The credit window each task grants each sender: its receive buffer shared by its senders.
fn credit_windows(shape: &TopologyShape) -> Vec<u32> {
    let buffer = shape.config.executor_receive_buffer_size;
    let batch = shape.config.producer_batch_size;
    let mut windows = vec![0u32; shape.layout.task_count() + 1];
    for (component, def) in &shape.topology.components {
        let sources: BTreeSet<_> = def.inputs.iter().map(|s| &s.stream.component).collect();
        let senders: usize = sources
            .iter()
            .map(|c| shape.layout.tasks_of(c.as_str()).len())
            .sum();
        let window = (buffer / senders.max(1) as u32).max(batch);
        for task in shape.layout.tasks_of(component.as_str()) {
            windows[task.0 as usize] = window;
        }
    }
    windows
}

#[cfg(test)]
mod tests;
