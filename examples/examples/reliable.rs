//! At-least-once processing in local mode: a reliable spout emits N messages through a bolt
//! that fails some and drops others (seeded), and re-emits whatever fails or times out until
//! every message is acked.
//!
//! `cargo run --release --example reliable -- --messages 10000 --fail-per-mille 50`

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use storm::util::SplitMix64;
use storm::{
    Bolt, ComponentResult, Config, KillOptions, LocalCluster, OutputCollector,
    OutputFieldsDeclarer, TopologyBuilder, TopologyContext, Tuple,
};
use storm_starter::reliable::{ReliableLog, ReliableSpout};

/// mimalloc, as a topology's binary should allocate (see the `storm_starter` crate doc).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
struct Args {
    /// Messages the spout emits (each until acked).
    #[arg(long, default_value_t = 10_000)]
    messages: u64,
    /// Inputs the flaky bolt fails, per thousand.
    #[arg(long, default_value_t = 50)]
    fail_per_mille: u64,
    /// Inputs the flaky bolt drops (never acks: they time out), per thousand.
    #[arg(long, default_value_t = 10)]
    drop_per_mille: u64,
    /// `topology.message.timeout.secs`.
    #[arg(long, default_value_t = 2)]
    timeout_secs: u32,
}

/// Fails or drops a seeded fraction of its inputs and acks the rest.
struct FlakyBolt {
    rng: SplitMix64,
    fail: u64,
    drop: u64,
}

impl Bolt for FlakyBolt {
    fn prepare(&mut self, _conf: &Config, context: &TopologyContext) {
        self.rng = SplitMix64::new(u64::from(context.this_task_id().get()));
    }

    fn execute(&mut self, input: Tuple, collector: &mut OutputCollector<'_>) -> ComponentResult {
        let roll = self.rng.below(1000);
        if roll < self.fail {
            collector.fail(&input);
        } else if roll >= self.fail + self.drop {
            collector.ack(&input);
        }
        Ok(())
    }

    fn declare_output_fields(&self, _declarer: &mut OutputFieldsDeclarer) {}
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let log = Arc::new(ReliableLog::default());
    let mut builder = TopologyBuilder::new();
    let (messages, spout_log) = (args.messages, log.clone());
    builder.set_spout(
        "messages",
        move || ReliableSpout::new(messages, spout_log.clone()),
        2,
    );
    let (fail, drop) = (args.fail_per_mille, args.drop_per_mille);
    builder
        .set_bolt(
            "flaky",
            move || FlakyBolt {
                rng: SplitMix64::new(0),
                fail,
                drop,
            },
            2,
        )
        .shuffle_grouping("messages");
    let topology = builder.create_topology().context("building the topology")?;
    let mut config = Config::new();
    config.message_timeout_secs = args.timeout_secs;
    let cluster = LocalCluster::new()?;
    let started = Instant::now();
    cluster.submit_topology("reliable", config, &topology)?;
    cluster
        .wait_until_complete("reliable", Duration::from_secs(600))
        .context("waiting for every message to be acked")?;
    let elapsed = started.elapsed();
    cluster.kill_topology_with_opts("reliable", KillOptions::wait(0))?;
    cluster.shutdown();
    let acks = log.acks();
    let once = acks.values().filter(|n| **n == 1).count();
    println!(
        "{} messages acked ({} exactly once) after {} emits and {} fails or timeouts, in {:.1}s",
        acks.len(),
        once,
        log.emits(),
        log.fails(),
        elapsed.as_secs_f64()
    );
    Ok(())
}
