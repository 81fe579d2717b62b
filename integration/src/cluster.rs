//! `StormCluster`: a real cluster for one test. ZooKeeper, Nimbus and supervisors run as real
//! processes (`storm nimbus`, `storm supervisor` from the built `storm_cli` binary), each with
//! its own `storm.yaml`, `storm.local.dir` and log in the cluster's temporary directory.
//!
//! Everything is torn down by process id in `Drop`, even when the test panics: the daemons,
//! and every worker process whose environment points into this cluster's directory (found in
//! `/proc`), so no worker outlives its test.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

use serde_json::{json, Value};
use storm_core::TaskId;
use storm_zk::{Assignment, ClusterState, NodePort, ZkClusterState, ZkConfig};
use tempfile::TempDir;

use crate::ensemble::ZooKeeperEnsemble;
use crate::ports::{free_port, free_ports};
use crate::reports::{merged_counts, read_reports, SinkReport};
use crate::wait::wait_until;
use crate::zookeeper::{HarnessError, ServerOptions};

/// How long the harness waits for a daemon to come up.
pub const START_DEADLINE: Duration = Duration::from_secs(30);

/// How to build a cluster.
#[derive(Debug, Clone)]
pub struct ClusterOptions {
    /// The `storm` binary (`env!("CARGO_BIN_EXE_storm_cli")` in this package's tests).
    pub cli: PathBuf,
    /// Nimbus processes to start (1; more for HA, each on its own port, all in
    /// `nimbus.seeds` as `127.0.0.1:port`). The first leads.
    pub nimbuses: usize,
    /// Supervisors to start.
    pub supervisors: usize,
    /// Worker slots (ports) per supervisor.
    pub ports_per_supervisor: usize,
    /// Keys added to (or replacing) every daemon's `storm.yaml`.
    pub conf: BTreeMap<String, Value>,
    /// The ZooKeeper servers' settings.
    pub zookeeper: ServerOptions,
    /// ZooKeeper servers: 1 runs a standalone server, 3 an ensemble.
    pub zookeeper_members: usize,
}

impl ClusterOptions {
    /// Two supervisors with two slots each, and the short periods tests need.
    pub fn new(cli: impl Into<PathBuf>) -> Self {
        Self {
            cli: cli.into(),
            nimbuses: 1,
            supervisors: 2,
            ports_per_supervisor: 2,
            conf: BTreeMap::new(),
            zookeeper: ServerOptions::default(),
            zookeeper_members: 1,
        }
    }

    /// Sets a `storm.yaml` key for every daemon.
    pub fn with_conf(mut self, key: &str, value: Value) -> Self {
        self.conf.insert(key.to_owned(), value);
        self
    }
}

/// A daemon process.
#[derive(Debug)]
pub struct Daemon {
    /// `nimbus` or `supervisor-<i>`.
    pub name: String,
    child: Option<Child>,
    /// Its log.
    pub log: PathBuf,
    /// Its `storm.local.dir`.
    pub local_dir: PathBuf,
}

impl Daemon {
    fn spawn(
        cli: &Path,
        command: &str,
        name: &str,
        dir: &Path,
        conf: &Value,
    ) -> Result<Self, HarnessError> {
        let local_dir = dir.join(name);
        std::fs::create_dir_all(&local_dir)
            .map_err(io_err(format!("creating {}", local_dir.display())))?;
        let conf_path = local_dir.join("storm.yaml");
        // JSON is YAML: the file needs no YAML writer.
        std::fs::write(&conf_path, conf.to_string())
            .map_err(io_err(format!("writing {}", conf_path.display())))?;
        let log = dir.join(format!("{name}.log"));
        let out = File::options()
            .create(true)
            .append(true)
            .open(&log)
            .map_err(io_err(format!("opening {}", log.display())))?;
        let err = out.try_clone().map_err(io_err("cloning a log handle"))?;
        let child = Command::new(cli)
            .arg(command)
            .arg("--config")
            .arg(&conf_path)
            .env(
                "RUST_LOG",
                std::env::var("STORM_TEST_LOG").unwrap_or_else(|_| "info".into()),
            )
            .current_dir(&local_dir)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(io_err(format!("starting {}", cli.display())))?;
        tracing::info!(name, pid = child.id(), "daemon started");
        Ok(Self {
            name: name.to_owned(),
            child: Some(child),
            log,
            local_dir,
        })
    }

    /// The process id while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Whether the process still runs.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.as_mut().map(Child::try_wait), Some(Ok(None)))
    }

    /// Its log so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Kills it (SIGKILL to its pid) and reaps it. Idempotent.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.kill();
    }
}

fn io_err(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> HarnessError {
    let what = what.into();
    move |source| HarnessError::Io { what, source }
}

/// A finished `storm` command.
#[derive(Debug)]
pub struct CommandOutput {
    /// Its exit status.
    pub status: ExitStatus,
    /// What it printed.
    pub stdout: String,
    /// What it printed on stderr.
    pub stderr: String,
}

impl CommandOutput {
    /// Whether it exited with 0.
    pub fn ok(&self) -> bool {
        self.status.success()
    }
}

/// A running cluster.
pub struct StormCluster {
    /// The ZooKeeper server.
    pub zookeeper: ZooKeeperEnsemble,
    /// Nimbus (the first one, which led when the cluster started).
    pub nimbus: Daemon,
    /// The other Nimbus processes, standbys when the cluster started (`nimbus-1`, ...).
    pub other_nimbuses: Vec<Daemon>,
    /// The supervisors.
    pub supervisors: Vec<Daemon>,
    dir: TempDir,
    cli: PathBuf,
    client_conf: PathBuf,
    conf: Value,
    nimbus_port: u16,
    /// Each Nimbus's `storm.yaml`, in the order of [`Self::nimbus_mut`], to restart it.
    nimbus_confs: Vec<Value>,
}

impl std::fmt::Debug for StormCluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StormCluster")
            .field("dir", &self.dir.path())
            .field("nimbus_port", &self.nimbus_port)
            .finish_non_exhaustive()
    }
}

impl StormCluster {
    /// Starts ZooKeeper, Nimbus (and waits until it leads) and the supervisors (and waits until
    /// they registered).
    pub async fn start(options: ClusterOptions) -> Result<Self, HarnessError> {
        let zookeeper =
            ZooKeeperEnsemble::start(options.zookeeper_members, options.zookeeper.clone())?;
        let dir = tempfile::Builder::new()
            .prefix("storm-cluster-test-")
            .tempdir()
            .map_err(io_err("creating the cluster's directory"))?;
        let mut conf = json!({
            "storm.zookeeper.servers": zookeeper.servers(),
            "storm.zookeeper.root": "/storm",
            "storm.zookeeper.session.timeout": 6000,
            "storm.zookeeper.connection.timeout": 2000,
            "storm.local.hostname": "127.0.0.1",
            "nimbus.seeds": ["127.0.0.1"],
            "nimbus.monitor.freq.secs": 1,
            "supervisor.monitor.frequency.secs": 1,
            "supervisor.heartbeat.frequency.secs": 1,
            "supervisor.worker.shutdown.sleep.secs": 1,
            "worker.heartbeat.frequency.secs": 1,
        });
        if let Value::Object(map) = &mut conf {
            for (k, v) in &options.conf {
                map.insert(k.clone(), v.clone());
            }
        }
        let mut attempt = 0;
        let (nimbus, nimbus_port) = loop {
            attempt += 1;
            let port = free_port().map_err(io_err("finding a free port"))?;
            let mut c = conf.clone();
            c["nimbus.thrift.port"] = json!(port);
            c["storm.local.dir"] = json!(dir.path().join("nimbus").display().to_string());
            let mut nimbus = Daemon::spawn(&options.cli, "nimbus", "nimbus", dir.path(), &c)?;
            match wait_for_leader(&zookeeper, &options.conf, &mut nimbus, port).await {
                Ok(()) => break (nimbus, port),
                // The port was taken between choosing and binding it.
                Err(e) if attempt < 3 && nimbus.log_text().contains("cannot listen") => {
                    tracing::debug!(error = %e, "nimbus could not bind; retrying");
                }
                Err(e) => return Err(e),
            }
        };
        conf["nimbus.thrift.port"] = json!(nimbus_port);
        let mut nimbus_confs = vec![nimbus_conf(&conf, dir.path(), "nimbus", nimbus_port)];
        let mut other_nimbuses = Vec::new();
        if options.nimbuses > 1 {
            let mut seeds = vec![format!("127.0.0.1:{nimbus_port}")];
            for i in 1..options.nimbuses {
                let name = format!("nimbus-{i}");
                let port = free_port().map_err(io_err("finding a free port"))?;
                let c = nimbus_conf(&conf, dir.path(), &name, port);
                other_nimbuses.push(Daemon::spawn(
                    &options.cli,
                    "nimbus",
                    &name,
                    dir.path(),
                    &c,
                )?);
                nimbus_confs.push(c);
                seeds.push(format!("127.0.0.1:{port}"));
            }
            conf["nimbus.seeds"] = json!(seeds);
            for c in &mut nimbus_confs {
                c["nimbus.seeds"] = json!(seeds);
            }
        }
        let client_conf = dir.path().join("client-storm.yaml");
        std::fs::write(&client_conf, conf.to_string())
            .map_err(io_err("writing the client storm.yaml"))?;
        let mut cluster = Self {
            zookeeper,
            nimbus,
            other_nimbuses,
            supervisors: Vec::new(),
            dir,
            cli: options.cli.clone(),
            client_conf,
            conf,
            nimbus_port,
            nimbus_confs,
        };
        for i in 0..options.supervisors {
            cluster.add_supervisor(options.ports_per_supervisor, i)?;
        }
        let state = cluster.state().await?;
        let want = options.supervisors;
        let registered = wait_until("every supervisor registered", START_DEADLINE, || async {
            state
                .supervisors()
                .await
                .map(|s| s.len() == want)
                .unwrap_or(false)
        })
        .await;
        let want_nimbuses = options.nimbuses.max(1);
        let nimbuses_up = wait_until("every nimbus registered", START_DEADLINE, || async {
            state
                .nimbuses()
                .await
                .map(|n| n.len() == want_nimbuses)
                .unwrap_or(false)
        })
        .await;
        if registered.is_err() || nimbuses_up.is_err() {
            return Err(HarnessError::NotReady {
                port: nimbus_port,
                waited: START_DEADLINE,
                log_tail: cluster.logs(),
            });
        }
        Ok(cluster)
    }

    /// Nimbus number `i` (0: [`Self::nimbus`], then [`Self::other_nimbuses`]).
    pub fn nimbus_mut(&mut self, i: usize) -> &mut Daemon {
        match i {
            0 => &mut self.nimbus,
            _ => &mut self.other_nimbuses[i - 1],
        }
    }

    /// The `host:port` of Nimbus number `i`.
    pub fn nimbus_addr_of(&self, i: usize) -> String {
        let port = self.nimbus_confs[i]["nimbus.thrift.port"]
            .as_u64()
            .unwrap_or(0);
        format!("127.0.0.1:{port}")
    }

    /// Which Nimbus leads now, by ZooKeeper's latch, if one does.
    pub async fn leader_index(&self) -> Option<usize> {
        let leader = self.state().await.ok()?.leader().await.ok()??;
        (0..self.nimbus_confs.len()).find(|i| self.nimbus_addr_of(*i) == leader.id())
    }

    /// Starts Nimbus number `i` again (killed first if it runs) with the same port, config
    /// and `storm.local.dir`; waits for nothing.
    pub fn restart_nimbus(&mut self, i: usize) -> Result<(), HarnessError> {
        let name = self.nimbus_mut(i).name.clone();
        self.nimbus_mut(i).kill();
        let conf = self.nimbus_confs[i].clone();
        let daemon = Daemon::spawn(&self.cli, "nimbus", &name, self.dir.path(), &conf)?;
        *self.nimbus_mut(i) = daemon;
        Ok(())
    }

    fn add_supervisor(&mut self, ports: usize, i: usize) -> Result<(), HarnessError> {
        let name = format!("supervisor-{i}");
        let mut c = self.conf.clone();
        // Workers listen on their slot ports, so clusters of tests running side by side must not
        // share them.
        let slots = free_ports(ports).map_err(io_err("finding free slot ports"))?;
        c["supervisor.slots.ports"] = json!(slots);
        c["storm.local.dir"] = json!(self.dir.path().join(&name).display().to_string());
        let daemon = Daemon::spawn(&self.cli, "supervisor", &name, self.dir.path(), &c)?;
        self.supervisors.push(daemon);
        Ok(())
    }

    /// The cluster's directory (daemon logs and local dirs are in it).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Nimbus's `host:port`.
    pub fn nimbus_addr(&self) -> String {
        format!("127.0.0.1:{}", self.nimbus_port)
    }

    /// The `storm.yaml` a client of this cluster uses.
    pub fn client_conf(&self) -> &Path {
        &self.client_conf
    }

    /// The cluster-state config of this cluster (with its auth, if any).
    pub fn zk_config(&self) -> Result<ZkConfig, HarnessError> {
        let map: BTreeMap<String, Value> = match &self.conf {
            Value::Object(m) => m.clone().into_iter().collect(),
            _ => BTreeMap::new(),
        };
        ZkConfig::from_storm_map(&map).map_err(|e| HarnessError::Io {
            what: "reading the cluster's zookeeper keys".into(),
            source: std::io::Error::other(e),
        })
    }

    /// A cluster-state client, for assertions.
    pub async fn state(&self) -> Result<ZkClusterState, HarnessError> {
        ZkClusterState::connect(self.zk_config()?)
            .await
            .map_err(|e| HarnessError::Io {
                what: "connecting to the cluster state".into(),
                source: std::io::Error::other(e),
            })
    }

    /// Runs `storm <args>` against this cluster.
    pub async fn storm(&self, args: &[&str]) -> CommandOutput {
        let mut cmd = tokio::process::Command::new(&self.cli);
        cmd.arg("--config")
            .arg(&self.client_conf)
            .args(args)
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .kill_on_drop(true);
        match cmd.output().await {
            Ok(out) => CommandOutput {
                status: out.status,
                stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            },
            Err(e) => panic!("cannot run {}: {e}", self.cli.display()),
        }
    }

    /// Starts `storm ui` against this cluster on a free loopback port and waits until it
    /// accepts connections; returns the daemon (killed on drop) and its base URL.
    pub async fn start_ui(&self) -> Result<(Daemon, String), HarnessError> {
        let port = free_port().map_err(io_err("finding a free port"))?;
        let mut conf = self.conf.clone();
        conf["ui.port"] = json!(port);
        conf["ui.host"] = json!("127.0.0.1");
        let mut ui = Daemon::spawn(&self.cli, "ui", "ui", self.dir.path(), &conf)?;
        let addr = format!("127.0.0.1:{port}");
        let up = wait_until("storm ui listening", START_DEADLINE, || async {
            tokio::net::TcpStream::connect(&addr).await.is_ok()
        })
        .await;
        if up.is_err() || !ui.is_running() {
            return Err(HarnessError::NotReady {
                port,
                waited: START_DEADLINE,
                log_tail: ui.log_text(),
            });
        }
        Ok((ui, format!("http://{addr}")))
    }

    /// The process ids of the workers running for this cluster (their environment names a
    /// directory inside it).
    pub fn worker_pids(&self) -> Vec<u32> {
        worker_pids_under(self.dir.path())
    }

    /// The id supervisor `i` registered with (kept in its `storm.local.dir`).
    pub fn supervisor_id(&self, i: usize) -> Option<String> {
        let local = &self.supervisors.get(i)?.local_dir;
        let id = std::fs::read_to_string(local.join("supervisor").join("id")).ok()?;
        Some(id.trim().to_owned())
    }

    /// A machine dying: SIGKILL to supervisor `i`, then to every worker it started, by pid.
    /// Returns the workers' pids.
    pub fn kill_supervisor(&mut self, i: usize) -> Vec<u32> {
        let Some(daemon) = self.supervisors.get_mut(i) else {
            return Vec::new();
        };
        // The supervisor first, or it would relaunch the workers.
        daemon.kill();
        let workers = worker_pids_under(&daemon.local_dir);
        for pid in &workers {
            sigkill(*pid);
        }
        workers
    }

    /// Runs `storm jar BINARY --name NAME --output OUTPUT EXTRA...` (the test topologies'
    /// arguments), creating `output`; panics with the logs if the submission fails.
    pub async fn submit(&self, binary: &str, name: &str, output: &Path, extra: &[&str]) {
        if let Err(e) = std::fs::create_dir_all(output) {
            panic!("creating {}: {e}", output.display());
        }
        let out = output.display().to_string();
        let mut args = vec!["jar", binary, "--name", name, "--output", &out];
        args.extend_from_slice(extra);
        let submit = self.storm(&args).await;
        assert!(submit.ok(), "{submit:?}\n{}", self.logs());
    }

    /// The assignment of the one topology on the cluster, if there is one and it is assigned.
    pub async fn only_assignment(&self) -> Option<Assignment> {
        let state = self.state().await.ok()?;
        let ids = state.active_storms().await.ok()?;
        match ids.as_slice() {
            [id] => state.assignment(id).await.ok()?,
            _ => None,
        }
    }

    /// Waits until the word-count sinks' reports under `output` hold exactly `expected`; panics
    /// after `deadline` with how many words were right and the logs.
    pub async fn wait_for_word_counts(
        &self,
        output: &Path,
        expected: &BTreeMap<String, i64>,
        deadline: Duration,
    ) {
        let sink_counts = || merged_counts(&read_reports::<SinkReport>(output, "sink"));
        let reached = wait_until("the sinks hold the expected counts", deadline, || async {
            sink_counts() == *expected
        })
        .await;
        if let Err(e) = reached {
            let right = sink_counts()
                .iter()
                .filter(|(w, c)| expected.get(*w) == Some(c))
                .count();
            panic!(
                "{e}: {right} of {} words right\n{}",
                expected.len(),
                self.logs()
            );
        }
    }

    /// The worker processes of this cluster with their slot ports.
    pub fn worker_ports(&self) -> Vec<(u32, u16)> {
        self.worker_pids()
            .into_iter()
            .filter_map(|pid| {
                let environ = std::fs::read(format!("/proc/{pid}/environ")).ok()?;
                let port = environ.split(|b| *b == 0).find_map(|var| {
                    std::str::from_utf8(var)
                        .ok()?
                        .strip_prefix("STORM_WORKER_PORT=")?
                        .parse()
                        .ok()
                })?;
                Some((pid, port))
            })
            .collect()
    }

    /// The pid and slot of a worker of the one topology that does not run `task` (in a
    /// two-worker topology, the other worker), once assigned and running.
    pub async fn worker_without_task(&self, task: TaskId) -> Option<(u32, NodePort)> {
        let placed = self.only_assignment().await?;
        let with_task = placed.slot_of_task(task)?.clone();
        let other = placed.workers().into_iter().find(|w| *w != with_task)?;
        let (pid, _) = self
            .worker_ports()
            .into_iter()
            .find(|(_, port)| *port == other.port)?;
        Some((pid, other))
    }

    /// The end of every daemon's and worker's log, for failure messages.
    pub fn logs(&self) -> String {
        let mut out = String::new();
        let mut files: Vec<PathBuf> = vec![self.nimbus.log.clone()];
        files.extend(self.other_nimbuses.iter().map(|n| n.log.clone()));
        files.extend(self.supervisors.iter().map(|s| s.log.clone()));
        files.extend(find_files(self.dir.path(), "worker.log"));
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            out.push_str(&format!("==> {} <==\n", f.display()));
            out.push_str(&lines[lines.len().saturating_sub(40)..].join("\n"));
            out.push('\n');
        }
        out
    }
}

impl Drop for StormCluster {
    fn drop(&mut self) {
        // Runs on panics too: daemons first, then any worker left behind, all by pid.
        self.nimbus.kill();
        for n in &mut self.other_nimbuses {
            n.kill();
        }
        for s in &mut self.supervisors {
            s.kill();
        }
        for _ in 0..3 {
            let pids = self.worker_pids();
            if pids.is_empty() {
                break;
            }
            for pid in pids {
                sigkill(pid);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// The `storm.yaml` of a Nimbus called `name` on `port`, with its own `storm.local.dir`.
fn nimbus_conf(conf: &Value, dir: &Path, name: &str, port: u16) -> Value {
    let mut c = conf.clone();
    c["nimbus.thrift.port"] = json!(port);
    c["storm.local.dir"] = json!(dir.join(name).display().to_string());
    c
}

/// The process ids of live workers whose directory (`STORM_WORKER_DIR`) is under `dir`.
fn worker_pids_under(dir: &Path) -> Vec<u32> {
    let needle = format!("STORM_WORKER_DIR={}/", dir.display());
    let mut pids = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return pids;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(environ) = std::fs::read(entry.path().join("environ")) else {
            continue;
        };
        let matches = environ
            .split(|b| *b == 0)
            .any(|var| var.starts_with(needle.as_bytes()));
        if matches && !is_zombie(pid) {
            pids.push(pid);
        }
    }
    pids.sort_unstable();
    pids
}

/// SIGKILL to one process, by id; a process already gone is fine.
fn sigkill(pid: u32) {
    if let Some(pid) = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    {
        let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
    }
}

fn is_zombie(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            s.rsplit_once(')')
                .map(|(_, rest)| rest.trim_start().starts_with('Z'))
        })
        .unwrap_or(true)
}

fn find_files(dir: &Path, name: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(find_files(&path, name));
        } else if path.file_name().is_some_and(|n| n == name) {
            out.push(path);
        }
    }
    out
}

async fn wait_for_leader(
    zookeeper: &ZooKeeperEnsemble,
    extra: &BTreeMap<String, Value>,
    nimbus: &mut Daemon,
    port: u16,
) -> Result<(), HarnessError> {
    let mut map: BTreeMap<String, Value> = extra.clone();
    map.insert("storm.zookeeper.servers".into(), json!(zookeeper.servers()));
    let config = ZkConfig::from_storm_map(&map).map_err(|e| HarnessError::Io {
        what: "building the harness's zookeeper config".into(),
        source: std::io::Error::other(e),
    })?;
    let state = ZkClusterState::connect(config)
        .await
        .map_err(|e| HarnessError::Io {
            what: "connecting to the cluster state".into(),
            source: std::io::Error::other(e),
        })?;
    let started = std::time::Instant::now();
    loop {
        if !nimbus.is_running() {
            return Err(HarnessError::Io {
                what: format!("nimbus exited before leading; log:\n{}", nimbus.log_text()),
                source: std::io::Error::other("exited"),
            });
        }
        if let Ok(Some(leader)) = state.leader().await {
            if leader.port == port {
                return Ok(());
            }
        }
        if started.elapsed() > START_DEADLINE {
            return Err(HarnessError::NotReady {
                port,
                waited: started.elapsed(),
                log_tail: nimbus.log_text(),
            });
        }
        tokio::time::sleep(crate::wait::POLL_INTERVAL).await;
    }
}
