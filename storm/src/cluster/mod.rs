//! Running a topology on a cluster: the one entry point an author's binary needs.
//!
//! A topology's components are code, so on a cluster the author's binary itself is the
//! artifact: `storm jar <binary> [args]` runs it with `STORM_JAR` set, and it submits itself
//! (uploading its own file); each supervisor later starts the same binary, with the same
//! arguments, in worker mode, where it rebuilds the topology and runs its assigned tasks.
//! [`run`] tells the two apart, so `main` stays one line.
//!
//! `config.workers` (`topology.workers`) spreads the topology over that many worker processes,
//! which Nimbus places on the supervisors' free slots. Each worker runs its share of the
//! executors and exchanges tuples with the others over TCP: it listens on its slot port, connects
//! to the workers holding the tasks it sends to, and proves it belongs to the topology (a
//! challenge-response on a secret Nimbus makes at submission). Groupings, acking and
//! backpressure work across workers as within one; a dead worker is restarted by its supervisor,
//! and with ackers the tuples it lost are replayed.
//!
//! ```no_run
//! use storm::cluster::{self, Submission};
//! use storm::*;
//! # struct Words;
//! # impl Spout for Words {
//! #     fn next_tuple(&mut self, _c: &mut SpoutOutputCollector<'_>) -> ComponentResult { Ok(()) }
//! #     fn declare_output_fields(&self, d: &mut OutputFieldsDeclarer) { d.declare(["word"]); }
//! # }
//!
//! fn main() -> Result<(), cluster::ClusterError> {
//!     cluster::run(|args| {
//!         let mut builder = TopologyBuilder::new();
//!         builder.set_spout("words", || Words, 2);
//!         let mut config = Config::new();
//!         config.workers = 2;
//!         let name = args.first().cloned().unwrap_or_else(|| "words".into());
//!         Ok(Submission { name, config, topology: builder.create_topology()? })
//!     })
//! }
//! ```

use std::path::PathBuf;

pub use storm_client::launch::WorkerLaunch;
pub use storm_client::{BuildError, ClusterError, StormSubmitter, Submission};

use storm_client::launch::ENV_JAR;

/// How this process was started.
#[derive(Debug)]
pub enum Launch {
    /// By a supervisor, as a worker.
    Worker(Box<WorkerLaunch>),
    /// By `storm jar`, to submit the topology; `jar` is this binary.
    Submit {
        /// The artifact to upload.
        jar: PathBuf,
    },
    /// Directly, by a person or a script.
    Direct,
}

impl Launch {
    /// Reads the environment the supervisor or `storm jar` set.
    pub fn detect() -> Result<Self, ClusterError> {
        if let Some(worker) = WorkerLaunch::from_env()? {
            return Ok(Launch::Worker(Box::new(worker)));
        }
        match std::env::var_os(ENV_JAR) {
            Some(jar) if !jar.is_empty() => Ok(Launch::Submit {
                jar: PathBuf::from(jar),
            }),
            _ => Ok(Launch::Direct),
        }
    }
}

/// The program's arguments (without the program name).
pub fn args() -> Vec<String> {
    std::env::args().skip(1).collect()
}

/// Submits the topology `build` makes (under `storm jar`) or runs this worker's share of it
/// (under a supervisor). `build` gets the program's arguments and must build the same topology
/// from the same arguments every time.
pub fn run<F>(build: F) -> Result<(), ClusterError>
where
    F: FnOnce(&[String]) -> Result<Submission, BuildError>,
{
    let args = args();
    match Launch::detect()? {
        Launch::Worker(launch) => {
            init_tracing();
            let submission = build(&args).map_err(ClusterError::Build)?;
            storm_client::run_worker(&launch, &submission.topology)?;
            Ok(())
        }
        Launch::Submit { jar } => {
            let submission = build(&args).map_err(ClusterError::Build)?;
            let id = StormSubmitter::from_env(jar)?.submit(&submission, &args)?;
            println!("Submitted topology {} as {id}", submission.name);
            Ok(())
        }
        Launch::Direct => Err(ClusterError::NotLaunched),
    }
}

/// [`run`] for `main`: prints a failure as `error: …` with its causes and exits with 1.
///
/// ```no_run
/// # use storm::cluster::{self, Submission};
/// # fn build(_args: &[String]) -> Result<Submission, cluster::BuildError> { unimplemented!() }
/// fn main() -> std::process::ExitCode {
///     cluster::main_entry(build)
/// }
/// ```
pub fn main_entry<F>(build: F) -> std::process::ExitCode
where
    F: FnOnce(&[String]) -> Result<Submission, BuildError>,
{
    match run(build) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}", storm_core::util::ErrorChain(&e));
            std::process::ExitCode::FAILURE
        }
    }
}

/// Logs to stderr (the worker's log file), filtered by `RUST_LOG` (default `info`).
fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}
