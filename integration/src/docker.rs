//! `ComposeCluster`: the Docker compose cluster (`docker/compose.yaml`, three ZooKeeper members,
//! two Nimbus, three supervisors, the UI) under a project name of its own, for the Docker integration
//! runs (`src/bin/docker_scenarios.rs`). Topologies write their reports to a host folder mounted
//! at `/results` (`docker/compose.test.yaml`). Containers are stopped, killed, cut off the
//! network and started again by their names; `docker-compose down` removes the project's
//! containers, network and volumes when the value is dropped, also when a scenario fails.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use tempfile::TempDir;

use crate::wait::wait_every;

/// How often Docker is asked about the cluster while waiting.
pub const DOCKER_POLL: Duration = Duration::from_millis(500);

/// Why a Docker command failed.
#[derive(Debug, thiserror::Error)]
pub enum DockerError {
    /// The command could not be run.
    #[error("running {command}: {source}")]
    Spawn {
        /// The command line.
        command: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// The command exited with an error.
    #[error("{command} failed: {stderr}")]
    Failed {
        /// The command line.
        command: String,
        /// What it printed on stderr.
        stderr: String,
    },
    /// The cluster did not come up healthy in time.
    #[error("{what} not seen within {waited:?}")]
    NotReady {
        /// What was awaited.
        what: String,
        /// How long.
        waited: Duration,
    },
}

/// Runs a command, returning its stdout.
fn run(program: &str, args: &[&str], env: &[(&str, &Path)]) -> Result<String, DockerError> {
    let command = format!("{program} {}", args.join(" "));
    let mut cmd = Command::new(program);
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().map_err(|source| DockerError::Spawn {
        command: command.clone(),
        source,
    })?;
    if !out.status.success() {
        return Err(DockerError::Failed {
            command,
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Whether a Docker engine answers.
pub fn docker_available() -> bool {
    run("docker", &["info", "--format", "{{.ServerVersion}}"], &[]).is_ok()
}

/// The compose cluster of one run.
#[derive(Debug)]
pub struct ComposeCluster {
    project: String,
    files: Vec<PathBuf>,
    results: TempDir,
}

/// The `storm` options that make a command in a container run as the admin user.
pub const ADMIN: [&str; 4] = [
    "-c",
    "storm.client.user=admin",
    "-c",
    "storm.client.secret.file=/secrets/admin.secret",
];

/// Every service of the compose file.
pub const SERVICES: [&str; 9] = [
    "zk1",
    "zk2",
    "zk3",
    "nimbus1",
    "nimbus2",
    "supervisor1",
    "supervisor2",
    "supervisor3",
    "ui",
];

impl ComposeCluster {
    /// Brings the cluster of `docker_dir`'s compose files up under `project` and waits until
    /// every service is healthy.
    pub async fn up(docker_dir: &Path, project: &str) -> Result<Self, DockerError> {
        let results = tempfile::Builder::new()
            .prefix("storm-docker-results-")
            .tempdir()
            .map_err(|source| DockerError::Spawn {
                command: "creating the results folder".into(),
                source,
            })?;
        // The containers' user must be able to write there.
        let _ = run(
            "chmod",
            &["0777", &results.path().display().to_string()],
            &[],
        );
        let cluster = Self {
            project: project.to_owned(),
            files: vec![
                docker_dir.join("compose.yaml"),
                docker_dir.join("compose.test.yaml"),
            ],
            results,
        };
        cluster.compose(&["up", "-d"])?;
        cluster
            .wait_healthy(&SERVICES, Duration::from_secs(120))
            .await?;
        Ok(cluster)
    }

    /// Runs `docker-compose` on this project with `args`.
    pub fn compose(&self, args: &[&str]) -> Result<String, DockerError> {
        let mut all: Vec<String> = Vec::new();
        for f in &self.files {
            all.push("-f".into());
            all.push(f.display().to_string());
        }
        all.push("-p".into());
        all.push(self.project.clone());
        all.extend(args.iter().map(|a| (*a).to_owned()));
        let refs: Vec<&str> = all.iter().map(String::as_str).collect();
        run(
            "docker-compose",
            &refs,
            &[("STORM_RESULTS_DIR", self.results.path())],
        )
    }

    /// Runs `docker` with `args`.
    pub fn docker(&self, args: &[&str]) -> Result<String, DockerError> {
        run("docker", args, &[])
    }

    /// The container of a service (compose's `<project>_<service>_1`).
    pub fn container(&self, service: &str) -> String {
        format!("{}_{service}_1", self.project)
    }

    /// The project's network.
    pub fn network(&self) -> String {
        format!("{}_storm", self.project)
    }

    /// The host folder the topologies' reports land in (`/results` in the containers).
    pub fn results(&self) -> &Path {
        self.results.path()
    }

    /// A service's health as Docker sees it (`healthy`, `starting`, `unhealthy`), or its state
    /// when it is not running.
    pub fn health(&self, service: &str) -> String {
        self.docker(&[
            "inspect",
            "--format",
            "{{if .State.Running}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}",
            &self.container(service),
        ])
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|e| e.to_string())
    }

    /// Waits until every one of `services` is healthy.
    pub async fn wait_healthy(
        &self,
        services: &[&str],
        deadline: Duration,
    ) -> Result<(), DockerError> {
        let what = format!("{} healthy", services.join(", "));
        wait_every(&what, deadline, DOCKER_POLL, || async {
            services.iter().all(|s| self.health(s) == "healthy")
        })
        .await
        .map(|_| ())
        .map_err(|_| DockerError::NotReady {
            what: format!(
                "{what} ({})",
                services
                    .iter()
                    .map(|s| format!("{s}: {}", self.health(s)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            waited: deadline,
        })
    }

    /// Runs `storm ARGS` in a service's container, as the cluster's admin user
    /// (`docker/make-secrets.sh`).
    pub fn storm(&self, service: &str, args: &[&str]) -> Result<String, DockerError> {
        let container = self.container(service);
        let mut all = vec!["exec", container.as_str(), "storm"];
        all.extend_from_slice(&ADMIN);
        all.extend_from_slice(args);
        self.docker(&all)
    }

    /// Where each task of `topology` runs: task id to the host name of its supervisor, from
    /// `storm info` (asked in `via`'s container).
    pub fn task_hosts(&self, via: &str, topology: &str) -> BTreeMap<u32, String> {
        let Ok(info) = self.storm(via, &["info", topology]) else {
            return BTreeMap::new();
        };
        parse_task_hosts(&info)
    }

    /// Saves everything the cluster's containers logged to `<dir>/<project>.log`; returns the
    /// path, or why it could not be saved.
    pub fn save_logs(&self, dir: &Path) -> String {
        let path = dir.join(format!("{}.log", self.project));
        let saved = std::fs::create_dir_all(dir)
            .map_err(|e| e.to_string())
            .and_then(|()| {
                self.compose(&["logs", "--no-color", "-t"])
                    .map_err(|e| e.to_string())
            })
            .map(|mut logs| {
                // Worker logs stay in the supervisors' containers.
                for service in SERVICES.iter().filter(|s| s.starts_with("supervisor")) {
                    let tail = self
                        .docker(&[
                            "exec",
                            &self.container(service),
                            "sh",
                            "-c",
                            "for f in /data/workers-artifacts/*/*/worker.log; do \
                             [ -f \"$f\" ] && echo \"== $f\" && tail -n 300 \"$f\"; done",
                        ])
                        .unwrap_or_else(|e| e.to_string());
                    logs.push_str(&format!("\n######## workers of {service}\n{tail}"));
                }
                logs
            })
            .and_then(|logs| std::fs::write(&path, logs).map_err(|e| e.to_string()));
        match saved {
            Ok(()) => path.display().to_string(),
            Err(e) => format!("not saved ({e})"),
        }
    }
}

impl Drop for ComposeCluster {
    fn drop(&mut self) {
        if let Err(e) = self.compose(&["down", "-v", "--remove-orphans", "-t", "2"]) {
            tracing::warn!(error = %e, project = %self.project, "tearing the compose cluster down");
        }
    }
}

/// Reads `[task] host:port` and `[first-last] host:port` entries of `storm info`'s executors.
pub fn parse_task_hosts(info: &str) -> BTreeMap<u32, String> {
    let mut hosts = BTreeMap::new();
    let executors = info
        .split("\nExecutors:\n")
        .nth(1)
        .and_then(|rest| rest.split("\n\n").next())
        .unwrap_or("");
    for entry in executors.split('[').skip(1) {
        let Some((tasks, rest)) = entry.split_once(']') else {
            continue;
        };
        let Some(host) = rest
            .split_whitespace()
            .next()
            .and_then(|hp| hp.trim_end_matches(',').rsplit_once(':'))
            .map(|(h, _)| h.to_owned())
        else {
            continue;
        };
        let (first, last) = tasks.split_once('-').unwrap_or((tasks, tasks));
        if let (Ok(first), Ok(last)) = (first.parse::<u32>(), last.parse::<u32>()) {
            for t in first..=last {
                hosts.insert(t, host.clone());
            }
        }
    }
    hosts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_hosts_come_from_the_executor_lines() {
        let info = "Topology:  wc (wc-1-2)\n\nExecutors:\n  count (2): [1] supervisor1:6700, [2-3] supervisor2:6701\n  spout (1): [4] supervisor1:6700\n\nLast errors:\n  (none)\n";
        let hosts = parse_task_hosts(info);
        assert_eq!(hosts.get(&1).map(String::as_str), Some("supervisor1"));
        assert_eq!(hosts.get(&3).map(String::as_str), Some("supervisor2"));
        assert_eq!(hosts.get(&4).map(String::as_str), Some("supervisor1"));
        assert_eq!(hosts.len(), 4);
    }
}
