//! Carrying out each subcommand.

use std::collections::BTreeMap;
use std::process::ExitCode;

use storm_client::launch::{now_secs, ENV_CONF, ENV_JAR};
use storm_client::protocol::{RebalanceRequest, TopologySummary};
use storm_client::{DaemonConfig, NimbusClient};

use crate::info::format_info;
use crate::{Cli, CliError, Command};

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<ExitCode, CliError> {
    let config = cli.daemon_config()?;
    match cli.command {
        Command::Nimbus => {
            storm_nimbus::daemon::run(config)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Supervisor => {
            storm_supervisor::daemon::run(config)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Ui => {
            storm_ui::run(config)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Jar { binary, args } => jar(&config, &binary, &args),
        Command::List => {
            let list = client(&config, |mut c| async move { c.list_topologies().await })?;
            print!("{}", format_list(&list));
            Ok(ExitCode::SUCCESS)
        }
        Command::Info { name } => {
            let info = client(&config, |mut c| async move { c.topology_info(&name).await })?;
            print!("{}", format_info(&info, now_secs()));
            Ok(ExitCode::SUCCESS)
        }
        Command::Kill { name, wait } => {
            client(&config, |mut c| async move {
                c.kill_topology(&name, wait).await
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Activate { name } => {
            client(&config, |mut c| async move { c.activate(&name).await })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Deactivate { name } => {
            client(&config, |mut c| async move { c.deactivate(&name).await })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Rebalance {
            name,
            wait,
            num_workers,
            executors,
        } => {
            let options = RebalanceRequest {
                wait_secs: wait,
                num_workers,
                num_executors: parse_executors(&executors)?,
            };
            client(
                &config,
                |mut c| async move { c.rebalance(&name, options).await },
            )?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Connects to Nimbus and runs one call.
fn client<T, F, Fut>(config: &DaemonConfig, call: F) -> Result<T, CliError>
where
    F: FnOnce(NimbusClient) -> Fut,
    Fut: std::future::Future<Output = Result<T, storm_client::ClientError>>,
{
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(CliError::Runtime)?;
    runtime.block_on(async {
        let c = NimbusClient::connect_seeds(config).await?;
        Ok(call(c).await?)
    })
}

/// `storm jar`: runs the binary with `STORM_JAR` (itself) and `STORM_CONF` (this config), so
/// it submits itself; its exit code is the command's.
fn jar(
    config: &DaemonConfig,
    binary: &std::path::Path,
    args: &[String],
) -> Result<ExitCode, CliError> {
    let jar_err = |source| CliError::Jar {
        binary: binary.display().to_string(),
        source,
    };
    let path = std::fs::canonicalize(binary).map_err(jar_err)?;
    let status = std::process::Command::new(&path)
        .args(args)
        .env(ENV_JAR, &path)
        .env(ENV_CONF, config.to_json())
        .status()
        .map_err(jar_err)?;
    Ok(match status.code() {
        Some(0) => ExitCode::SUCCESS,
        Some(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        None => ExitCode::FAILURE,
    })
}

/// `-e COMPONENT=N` arguments.
pub fn parse_executors(args: &[String]) -> Result<BTreeMap<String, u32>, CliError> {
    args.iter()
        .map(|a| {
            let (component, n) = a
                .rsplit_once('=')
                .ok_or_else(|| CliError::Usage(format!("-e {a}: expected COMPONENT=N")))?;
            let n = n
                .parse::<u32>()
                .map_err(|_| CliError::Usage(format!("-e {a}: {n:?} is not a number")))?;
            Ok((component.to_owned(), n))
        })
        .collect()
}

/// `storm list`'s table (Storm's columns).
pub fn format_list(list: &[TopologySummary]) -> String {
    if list.is_empty() {
        return "No topologies running.\n".to_owned();
    }
    let width = list.iter().map(|t| t.name.len()).max().unwrap_or(0).max(20);
    let mut out = format!(
        "{:<width$} {:<12} {:<10} {:<12} {:<11}\n",
        "Topology_name", "Status", "Num_tasks", "Num_workers", "Uptime_secs"
    );
    out.push_str(&"-".repeat(width + 49));
    out.push('\n');
    for t in list {
        out.push_str(&format!(
            "{:<width$} {:<12} {:<10} {:<12} {:<11}\n",
            t.name, t.status, t.num_tasks, t.num_workers, t.uptime_secs
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn executors_parse_and_refuse_nonsense() {
        let parsed = parse_executors(&["split=3".into(), "a=b=1".into()]).expect("valid");
        assert_eq!(parsed.get("split"), Some(&3));
        assert_eq!(parsed.get("a=b"), Some(&1));
        assert!(parse_executors(&["split".into()]).is_err());
        assert!(parse_executors(&["split=x".into()]).is_err());
    }

    #[test]
    fn the_list_has_storms_columns() {
        assert_eq!(format_list(&[]), "No topologies running.\n");
        let text = format_list(&[TopologySummary {
            id: "wc-1-1".into(),
            name: "wc".into(),
            status: "ACTIVE".into(),
            num_tasks: 9,
            num_executors: 9,
            num_workers: 1,
            uptime_secs: 12,
        }]);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("Topology_name"));
        assert!(lines[2].starts_with("wc "));
        assert!(lines[2].contains("ACTIVE"));
    }
}
