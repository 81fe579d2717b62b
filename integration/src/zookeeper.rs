//! `ZooKeeperServer`: Debian's ZooKeeper run as a plain `java` process for one test.
//!
//! Each server gets a free loopback port, its own `zoo.cfg` and data directory in a temporary
//! directory, and its log in `zookeeper.log` there. It is ready when the `srvr` four-letter word
//! answers `Mode: …` (ZooKeeper says `imok` before it serves). The process is killed by its id
//! (SIGKILL: the data is thrown away anyway) in [`ZooKeeperServer::stop`] and in `Drop`, so it
//! goes away even when a test panics.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;
use tracing::{debug, info};

use crate::ports::free_port;

/// Debian's server jar (its manifest's `Class-Path` names every dependency).
pub const ZOOKEEPER_JAR: &str = "/usr/share/java/zookeeper.jar";
/// The logging binding that sends the server's log to its stderr.
pub const SLF4J_SIMPLE_JAR: &str = "/usr/share/java/slf4j-simple.jar";

const START_DEADLINE: Duration = Duration::from_secs(20);
const PROBE_TIMEOUT: Duration = Duration::from_millis(500);
const PROBE_INTERVAL: Duration = Duration::from_millis(50);
/// Attempts with a new port when the chosen one was taken before the server bound it.
pub(crate) const PORT_ATTEMPTS: u32 = 5;

/// Why the harness could not provide a server. Its `Debug` is its message, so a test's
/// `expect` prints the advice (such as running `scripts/install-zookeeper.sh`).
#[derive(thiserror::Error)]
pub enum HarnessError {
    /// ZooKeeper or Java is missing.
    #[error("ZooKeeper is not installed ({missing}): run scripts/install-zookeeper.sh")]
    NotInstalled {
        /// What was not found.
        missing: String,
    },
    /// A file or process operation failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The error.
        #[source]
        source: io::Error,
    },
    /// The server process ended before it served.
    #[error("ZooKeeper on port {port} exited with {status} before serving; log tail:\n{log_tail}")]
    Exited {
        /// Its port.
        port: u16,
        /// How it ended.
        status: ExitStatus,
        /// The end of its log.
        log_tail: String,
    },
    /// The server did not serve before the deadline.
    #[error("ZooKeeper on port {port} not serving after {waited:?}; log tail:\n{log_tail}")]
    NotReady {
        /// Its port.
        port: u16,
        /// How long the harness waited.
        waited: Duration,
        /// The end of its log.
        log_tail: String,
    },
}

impl std::fmt::Debug for HarnessError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

fn io_err(what: impl Into<String>) -> impl FnOnce(io::Error) -> HarnessError {
    let what = what.into();
    move |source| HarnessError::Io { what, source }
}

/// Server settings.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// `tickTime`; the server allows sessions from 2 to 20 ticks unless set below.
    pub tick_time: Duration,
    /// `minSessionTimeout`, if not the default 2 × tickTime.
    pub min_session_timeout: Option<Duration>,
    /// `maxSessionTimeout`, if not the default 20 × tickTime.
    pub max_session_timeout: Option<Duration>,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            tick_time: Duration::from_millis(2000),
            min_session_timeout: None,
            max_session_timeout: None,
        }
    }
}

/// A ZooKeeper server owned by a test: standalone, or one member of a
/// [`crate::ensemble::ZooKeeperEnsemble`].
#[derive(Debug)]
pub struct ZooKeeperServer {
    dir: TempDir,
    port: u16,
    options: ServerOptions,
    child: Option<Child>,
    member: Option<Membership>,
}

/// What makes a server a member of an ensemble: its `myid` and the `server.N` lines every
/// member shares.
#[derive(Debug, Clone)]
pub(crate) struct Membership {
    pub(crate) myid: usize,
    pub(crate) server_lines: String,
}

impl ZooKeeperServer {
    /// Starts a server with default options and waits until it serves.
    pub fn start() -> Result<Self, HarnessError> {
        Self::start_with(ServerOptions::default())
    }

    /// Starts a server and waits until it serves, retrying with a new port if the chosen one
    /// was taken in the meantime.
    pub fn start_with(options: ServerOptions) -> Result<Self, HarnessError> {
        let mut server = Self::new(options, 0, None)?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            server.port = free_port().map_err(io_err("finding a free port"))?;
            match server.launch() {
                Ok(()) => return Ok(server),
                // Most likely the port was taken between choosing and binding it.
                Err(e @ HarnessError::Exited { .. }) if attempt < PORT_ATTEMPTS => {
                    debug!(error = %e, "ZooKeeper exited early; retrying on another port");
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// A server not started yet: its directory, client port and (for an ensemble member) its
    /// membership.
    pub(crate) fn new(
        options: ServerOptions,
        port: u16,
        member: Option<Membership>,
    ) -> Result<Self, HarnessError> {
        check_installed()?;
        let dir = tempfile::Builder::new()
            .prefix("storm-zk-test-")
            .tempdir()
            .map_err(io_err("creating the server's temporary directory"))?;
        Ok(Self {
            dir,
            port,
            options,
            child: None,
            member,
        })
    }

    /// `127.0.0.1:<port>`.
    pub fn connect_string(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// A cluster-state config for this server: `root`, a 6 s session and a 2 s connection
    /// timeout (short, so failure tests run quickly).
    pub fn zk_config(&self, root: &str) -> storm_zk::ZkConfig {
        storm_zk::ZkConfig::for_connect_string(&self.connect_string())
            .with_root(root)
            .with_session_timeout(Duration::from_secs(6))
            .with_connection_timeout(Duration::from_secs(2))
    }

    /// The client port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server process's id while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// The data directory (kept across [`ZooKeeperServer::restart`]).
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// The server's log file.
    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join("zookeeper.log")
    }

    /// Whether the server answers `srvr` with a mode now.
    pub fn is_serving(&self) -> bool {
        self.mode().is_some()
    }

    /// The mode `srvr` reports now (`standalone`, `leader` or `follower`), if it serves.
    pub fn mode(&self) -> Option<String> {
        probe(self.port)
    }

    /// Kills the server (SIGKILL to its process id) and waits for it to end. Idempotent.
    pub fn stop(&mut self) -> Result<(), HarnessError> {
        if let Some(mut child) = self.child.take() {
            let pid = child.id();
            // An error here means it had already exited; wait() reaps it either way.
            let _ = child.kill();
            child
                .wait()
                .map_err(io_err(format!("waiting for ZooKeeper pid {pid} to end")))?;
            info!(pid, port = self.port, "ZooKeeper stopped");
        }
        Ok(())
    }

    /// Starts the server again on the same port and data directory (stopping it first if it
    /// runs), and waits until it serves.
    pub fn restart(&mut self) -> Result<(), HarnessError> {
        self.stop()?;
        self.launch()
    }

    fn write_config(&self) -> Result<PathBuf, HarnessError> {
        let data = self.data_dir();
        fs::create_dir_all(&data).map_err(io_err(format!("creating {}", data.display())))?;
        let mut cfg = format!(
            "tickTime={}\ndataDir={}\nclientPort={}\nclientPortAddress=127.0.0.1\n\
             admin.enableServer=false\n4lw.commands.whitelist=srvr,ruok,mntr,stat\n",
            self.options.tick_time.as_millis(),
            data.display(),
            self.port
        );
        if let Some(t) = self.options.min_session_timeout {
            cfg.push_str(&format!("minSessionTimeout={}\n", t.as_millis()));
        }
        if let Some(t) = self.options.max_session_timeout {
            cfg.push_str(&format!("maxSessionTimeout={}\n", t.as_millis()));
        }
        if let Some(member) = &self.member {
            cfg.push_str("initLimit=10\nsyncLimit=5\n");
            cfg.push_str(&member.server_lines);
            let myid = data.join("myid");
            fs::write(&myid, format!("{}\n", member.myid))
                .map_err(io_err(format!("writing {}", myid.display())))?;
        }
        let path = self.dir.path().join("zoo.cfg");
        fs::write(&path, cfg).map_err(io_err(format!("writing {}", path.display())))?;
        Ok(path)
    }

    /// Spawns the JVM and waits until it serves; on failure the process is killed.
    fn launch(&mut self) -> Result<(), HarnessError> {
        self.spawn()?;
        self.wait_started()
    }

    /// Spawns the JVM (a quorum peer for an ensemble member), without waiting for it.
    pub(crate) fn spawn(&mut self) -> Result<(), HarnessError> {
        let cfg = self.write_config()?;
        let log_path = self.log_path();
        let log = File::options()
            .create(true)
            .append(true)
            .open(&log_path)
            .map_err(io_err(format!("opening {}", log_path.display())))?;
        let log_err = log
            .try_clone()
            .map_err(io_err(format!("opening {}", log_path.display())))?;
        let child = Command::new("java")
            .args([
                "-Xms32m",
                "-Xmx256m",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-Dzookeeper.forceSync=no",
                "-cp",
                &format!("{ZOOKEEPER_JAR}:{SLF4J_SIMPLE_JAR}"),
            ])
            .arg(if self.member.is_some() {
                "org.apache.zookeeper.server.quorum.QuorumPeerMain"
            } else {
                "org.apache.zookeeper.server.ZooKeeperServerMain"
            })
            .arg(&cfg)
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(log_err))
            .spawn()
            .map_err(|e| {
                if e.kind() == io::ErrorKind::NotFound {
                    HarnessError::NotInstalled {
                        missing: "java is not on PATH".into(),
                    }
                } else {
                    HarnessError::Io {
                        what: "starting java".into(),
                        source: e,
                    }
                }
            })?;
        self.child = Some(child);
        Ok(())
    }

    /// Waits until the spawned server serves; on failure the process is killed.
    pub(crate) fn wait_started(&mut self) -> Result<(), HarnessError> {
        let pid = self.pid();
        match self.wait_serving() {
            Ok(took) => {
                info!(pid, port = self.port, ?took, "ZooKeeper serving");
                Ok(())
            }
            Err(e) => {
                let _ = self.stop();
                Err(e)
            }
        }
    }

    fn wait_serving(&mut self) -> Result<Duration, HarnessError> {
        let started = Instant::now();
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    self.child = None;
                    return Err(HarnessError::Exited {
                        port: self.port,
                        status,
                        log_tail: log_tail(&self.log_path()),
                    });
                }
            }
            if probe(self.port).is_some() {
                return Ok(started.elapsed());
            }
            if started.elapsed() > START_DEADLINE {
                return Err(HarnessError::NotReady {
                    port: self.port,
                    waited: started.elapsed(),
                    log_tail: log_tail(&self.log_path()),
                });
            }
            std::thread::sleep(PROBE_INTERVAL);
        }
    }
}

impl Drop for ZooKeeperServer {
    fn drop(&mut self) {
        // Runs on panics too, so a failed test leaves no server behind.
        let _ = self.stop();
    }
}

fn check_installed() -> Result<(), HarnessError> {
    for jar in [ZOOKEEPER_JAR, SLF4J_SIMPLE_JAR] {
        if !Path::new(jar).exists() {
            return Err(HarnessError::NotInstalled {
                missing: format!("{jar} is missing"),
            });
        }
    }
    Ok(())
}

/// Sends `srvr` and returns the answer's `Mode:` (none while the server does not serve). Every
/// step has a timeout: a server that is still starting can accept and then never answer.
fn probe(port: u16) -> Option<String> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut stream = TcpStream::connect_timeout(&addr, PROBE_TIMEOUT).ok()?;
    stream.set_read_timeout(Some(PROBE_TIMEOUT)).ok()?;
    stream.set_write_timeout(Some(PROBE_TIMEOUT)).ok()?;
    stream.write_all(b"srvr").ok()?;
    let mut answer = String::new();
    let _ = stream.take(64 * 1024).read_to_string(&mut answer);
    answer
        .lines()
        .find_map(|l| l.strip_prefix("Mode:"))
        .map(|m| m.trim().to_owned())
}

fn log_tail(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_install_names_the_script() {
        let e = HarnessError::NotInstalled {
            missing: "/usr/share/java/zookeeper.jar is missing".into(),
        };
        assert!(
            e.to_string().contains("run scripts/install-zookeeper.sh"),
            "{e}"
        );
    }
}
