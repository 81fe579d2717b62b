//! Word count in local mode.
//!
//! `cargo run --release --example word_count -- --sentences N --parallelism P` emits N
//! sentences from each of P spout tasks, waits until all are processed and prints every word's
//! final count, sorted by word (`word count` per line). Without `--sentences` it runs for
//! `--seconds` and prints throughput.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use storm::{Config, KillOptions, LocalCluster};
use storm_starter::word_count::{topology, SinkProbe, WordCountOptions};

/// mimalloc, as a topology's binary should allocate (see the `storm_starter` crate doc).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
struct Args {
    /// Sentences per spout task; run until all are processed, then print the counts.
    #[arg(long)]
    sentences: Option<u64>,
    /// Executors per component.
    #[arg(long, default_value_t = 2)]
    parallelism: u32,
    /// Track every sentence with the ackers (at-least-once).
    #[arg(long)]
    acked: bool,
    /// Tuples per batch between tasks (`topology.producer.batch.size`).
    #[arg(long)]
    batch_size: Option<u32>,
    /// Actor threads of the worker (`topology.worker.threads`); default one per CPU.
    #[arg(long)]
    threads: Option<u32>,
    /// Extra topology config, Storm style: `-c topology.max.spout.pending=1000` (repeatable).
    #[arg(short = 'c', value_parser = parse_key_value)]
    config: Vec<(String, String)>,
    /// Without --sentences: how long to run.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber_init();
    let args = Args::parse();
    let probe = Arc::new(SinkProbe::default());
    let options = WordCountOptions {
        sentences: args.sentences,
        parallelism: args.parallelism,
        acked: args.acked,
        keep_counts: args.sentences.is_some(),
    };
    let topology = topology(options, probe.clone()).context("building the word count")?;
    let mut config = Config::new();
    if !args.acked {
        config.acker_executors = Some(0);
    }
    if let Some(b) = args.batch_size {
        config.producer_batch_size = b;
    }
    config.worker_threads = args.threads;
    for (key, value) in &args.config {
        let value: serde_json::Value =
            serde_json::from_str(value).unwrap_or_else(|_| serde_json::Value::from(value.as_str()));
        config
            .set(key, value)
            .with_context(|| format!("setting {key}"))?;
    }
    config.validate().context("topology config")?;
    let cluster = LocalCluster::new()?;
    let started = Instant::now();
    cluster.submit_topology("word-count", config, &topology)?;
    match args.sentences {
        Some(_) => {
            cluster
                .wait_until_complete("word-count", Duration::from_secs(3600))
                .context("waiting for the word count to finish")?;
            cluster.kill_topology_with_opts("word-count", KillOptions::wait(0))?;
            let elapsed = started.elapsed();
            let counts = probe.final_counts();
            let mut out = String::new();
            for (word, count) in &counts {
                out.push_str(word);
                out.push(' ');
                out.push_str(&count.to_string());
                out.push('\n');
            }
            print!("{out}");
            eprintln!(
                "{} distinct words, {} words in {:.2}s",
                counts.len(),
                probe.words(),
                elapsed.as_secs_f64()
            );
        }
        None => {
            std::thread::sleep(Duration::from_secs(args.seconds));
            let words = probe.words();
            let elapsed = started.elapsed();
            cluster.kill_topology_with_opts("word-count", KillOptions::wait(0))?;
            println!(
                "{words} words in {:.1}s: {:.0} words/s",
                elapsed.as_secs_f64(),
                words as f64 / elapsed.as_secs_f64()
            );
        }
    }
    cluster.shutdown();
    Ok(())
}

fn parse_key_value(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("expected key=value, got {s:?}"))
}

fn tracing_subscriber_init() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
