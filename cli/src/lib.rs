//! The `storm` command, in Storm's shape:
//!
//! ```text
//! storm [--config FILE] [-c key=value]... nimbus
//! storm supervisor
//! storm ui                          the UI daemon: REST API, web page, /metrics on ui.port
//! storm jar <binary> [args...]      runs the binary, which submits itself
//! storm list
//! storm info NAME                   status, workers and restarts, executors, last errors
//! storm kill NAME [-w SECS]
//! storm activate NAME
//! storm deactivate NAME
//! storm rebalance NAME [-w SECS] [-n WORKERS] [-e COMPONENT=N]...
//! ```
//!
//! Configuration comes from `storm.yaml` (`--config FILE`, else `$STORM_CONF_DIR/storm.yaml`,
//! else `~/.storm/storm.yaml`, else Storm's defaults) with `-c key=value` overrides on top.

mod commands;
mod error;
mod info;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use storm_client::DaemonConfig;

pub use error::CliError;

/// The command line.
#[derive(Debug, Parser)]
#[command(name = "storm", about = "Runs and controls a Storm cluster", version)]
pub struct Cli {
    /// The storm.yaml to read.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Overrides a storm.yaml key (repeatable); the value is YAML.
    #[arg(short = 'c', global = true, value_name = "KEY=VALUE")]
    pub overrides: Vec<String>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Runs the Nimbus daemon.
    Nimbus,
    /// Runs a Supervisor daemon.
    Supervisor,
    /// Runs the UI daemon: Storm's REST API v1, a live page and `/metrics` on `ui.port`.
    Ui,
    /// Runs a topology binary, which submits itself to Nimbus.
    Jar {
        /// The binary.
        binary: PathBuf,
        /// Its arguments.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Lists the topologies on the cluster.
    List,
    /// Shows a topology: status, workers with their restarts, executors and last errors.
    Info {
        /// The topology's name.
        name: String,
    },
    /// Kills a topology: deactivates it, waits, then removes it.
    Kill {
        /// The topology's name.
        name: String,
        /// Seconds to wait with spouts deactivated (default: its message timeout).
        #[arg(short = 'w', long = "wait")]
        wait: Option<u32>,
    },
    /// Activates a topology's spouts.
    Activate {
        /// The topology's name.
        name: String,
    },
    /// Deactivates a topology's spouts.
    Deactivate {
        /// The topology's name.
        name: String,
    },
    /// Spreads a topology again, with a new worker count or component parallelism.
    Rebalance {
        /// The topology's name.
        name: String,
        /// Seconds to wait with spouts deactivated (default: its message timeout).
        #[arg(short = 'w', long = "wait")]
        wait: Option<u32>,
        /// The new worker count.
        #[arg(short = 'n', long = "num-workers")]
        num_workers: Option<u32>,
        /// A component's new executor count, as COMPONENT=N (repeatable).
        #[arg(short = 'e', long = "executor", value_name = "COMPONENT=N")]
        executors: Vec<String>,
    },
}

/// Where `storm.yaml` is read from when `--config` is not given.
pub fn default_config_file() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("STORM_CONF_DIR").map(|d| Path::new(&d).join("storm.yaml")),
        std::env::var_os("HOME").map(|h| Path::new(&h).join(".storm").join("storm.yaml")),
    ];
    candidates.into_iter().flatten().find(|p| p.is_file())
}

impl Cli {
    /// The configuration: the file, then the overrides.
    pub fn daemon_config(&self) -> Result<DaemonConfig, CliError> {
        let file = self.config.clone().or_else(default_config_file);
        Ok(DaemonConfig::load(file.as_deref(), &self.overrides)?)
    }
}

/// Runs the command line of this process and returns its exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let daemon = matches!(
        cli.command,
        Command::Nimbus | Command::Supervisor | Command::Ui
    );
    init_tracing(if daemon { "info" } else { "warn" });
    match commands::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{}", storm_core::util::ErrorChain(&e));
            ExitCode::FAILURE
        }
    }
}

fn init_tracing(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_storms_shape() {
        let cli = Cli::parse_from([
            "storm",
            "rebalance",
            "-c",
            "nimbus.seeds=[\"h\"]",
            "wc",
            "-n",
            "2",
            "-e",
            "split=3",
            "-e",
            "count=1",
            "-c",
            "nimbus.thrift.port=7000",
        ]);
        assert_eq!(cli.overrides.len(), 2);
        match cli.command {
            Command::Rebalance {
                name,
                num_workers,
                executors,
                wait,
            } => {
                assert_eq!(name, "wc");
                assert_eq!(num_workers, Some(2));
                assert_eq!(executors, vec!["split=3", "count=1"]);
                assert_eq!(wait, None);
            }
            other => panic!("{other:?}"),
        }
        let config = Cli::parse_from(["storm", "-c", "nimbus.thrift.port=7000", "list"])
            .daemon_config()
            .expect("valid");
        assert_eq!(config.nimbus_port, 7000);
    }

    #[test]
    fn ui_is_a_daemon_role_with_storms_port_and_host_keys() {
        let cli = Cli::parse_from([
            "storm",
            "-c",
            "ui.port=9090",
            "-c",
            "ui.host=127.0.0.1",
            "ui",
        ]);
        assert!(matches!(cli.command, Command::Ui));
        let config = cli.daemon_config().expect("valid");
        assert_eq!(
            (config.ui_port, config.ui_host.as_str()),
            (9090, "127.0.0.1")
        );
        let defaults = Cli::parse_from(["storm", "ui"])
            .daemon_config()
            .expect("valid");
        assert_eq!(
            (defaults.ui_port, defaults.ui_host.as_str()),
            (8080, "0.0.0.0")
        );
    }

    #[test]
    fn jar_passes_every_argument_on() {
        let cli = Cli::parse_from(["storm", "jar", "./topo", "--sentences", "5", "-w", "x"]);
        match cli.command {
            Command::Jar { binary, args } => {
                assert_eq!(binary, PathBuf::from("./topo"));
                assert_eq!(args, vec!["--sentences", "5", "-w", "x"]);
            }
            other => panic!("{other:?}"),
        }
        let cli = Cli::parse_from(["storm", "kill", "wc", "-w", "0"]);
        assert!(matches!(cli.command, Command::Kill { wait: Some(0), .. }));
    }
}
