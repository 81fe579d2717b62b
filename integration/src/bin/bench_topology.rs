//! The word count for the cluster benchmark (`benches/cluster_word_count.rs`): each sentence
//! carries the time it was scheduled to be emitted, the words carry it on, and each sink task
//! writes how many words it got and a histogram of their latencies to `bench-<task>.json`
//! under `--output` at every tick tuple (once a second).
//!
//! ```text
//! bench_topology --name NAME --output DIR [--rate SENTENCES_PER_SEC_PER_SPOUT]
//!                [--workers W] [--parallelism P] [--acked] [--receive-buffer TUPLES]
//! ```
//!
//! Without `--rate` it is `storm_starter`'s word count (the components the local benchmark
//! runs), with spouts emitting as fast as flow control lets them (throughput; acked runs keep
//! `topology.max.spout.pending` at 2000 as the local benchmark does). With it, each spout task
//! emits on a fixed schedule, returning without emitting when nothing is due, and the words
//! carry each sentence's scheduled time, so a stall shows as latency.

use std::path::PathBuf;
use std::process::ExitCode;

use storm::cluster::{self, BuildError, Submission};
use storm::{
    BasicBolt, BasicOutputCollector, ComponentResult, Config, OutputFieldsDeclarer,
    TopologyBuilder, TopologyContext, Tuple,
};
use storm_integration::reports::{write_json, BenchReport};
use storm_starter::paced::{now_micros, paced_builder};
use storm_starter::word_count::builder_without_sink;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

struct BenchSink {
    output: PathBuf,
    path: PathBuf,
    report: BenchReport,
}

impl BasicBolt for BenchSink {
    fn prepare(&mut self, _conf: &Config, context: &TopologyContext) {
        self.path = self
            .output
            .join(format!("bench-{}.json", context.this_task_id()));
    }

    fn execute(&mut self, input: &Tuple, _c: &mut BasicOutputCollector<'_, '_>) -> ComponentResult {
        if input.is_tick() {
            write_json(&self.path, &self.report);
            return Ok(());
        }
        self.report.words += 1;
        // Full-speed tuples carry no time, and are not timed: a clock read per word would cost
        // the sink more than its work.
        if let Some(scheduled) = input.get_i64(2).filter(|s| *s > 0) {
            let latency = (now_micros() - scheduled).max(0) as u64;
            self.report.latency.record(latency);
        }
        Ok(())
    }

    fn cleanup(&mut self) {
        write_json(&self.path, &self.report);
    }

    fn declare_output_fields(&self, _declarer: &mut OutputFieldsDeclarer) {}
}

struct Options {
    name: String,
    output: PathBuf,
    rate: Option<u64>,
    workers: u32,
    parallelism: u32,
    acked: bool,
    receive_buffer: Option<u32>,
}

fn parse(args: &[String]) -> Result<Options, BuildError> {
    let mut o = Options {
        name: "bench".into(),
        output: PathBuf::from("."),
        rate: None,
        workers: 2,
        parallelism: 2,
        acked: false,
        receive_buffer: None,
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        if flag == "--acked" {
            o.acked = true;
            continue;
        }
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--name" => o.name = value.clone(),
            "--output" => o.output = PathBuf::from(value),
            "--rate" => o.rate = Some(value.parse()?),
            "--workers" => o.workers = value.parse()?,
            "--parallelism" => o.parallelism = value.parse()?,
            "--receive-buffer" => o.receive_buffer = Some(value.parse()?),
            other => return Err(format!("unknown flag {other}").into()),
        }
    }
    Ok(o)
}

fn build(args: &[String]) -> Result<Submission, BuildError> {
    let o = parse(args)?;
    let mut builder = match o.rate {
        Some(rate) => paced(&o, rate),
        None => full_speed(&o),
    };
    let output = o.output.clone();
    builder
        .set_basic_bolt(
            "sink",
            move || BenchSink {
                output: output.clone(),
                path: PathBuf::new(),
                report: BenchReport::default(),
            },
            o.parallelism,
        )
        .local_or_shuffle_grouping("count")
        .add_configuration("topology.tick.tuple.freq.secs", 1);
    let mut config = Config::new();
    config.workers = o.workers;
    if let Some(size) = o.receive_buffer {
        config.executor_receive_buffer_size = size;
    }
    if o.acked {
        config.max_spout_pending = Some(2000);
    } else {
        config.acker_executors = Some(0);
    }
    Ok(Submission {
        name: o.name,
        config,
        topology: builder.create_topology()?,
    })
}

/// The word count of the local benchmark, at full speed.
fn full_speed(o: &Options) -> TopologyBuilder {
    builder_without_sink(None, o.parallelism, o.acked)
}

/// The word count with each sentence's scheduled time carried to the sink.
fn paced(o: &Options, rate: u64) -> TopologyBuilder {
    paced_builder(rate, o.parallelism, o.acked)
}

fn main() -> ExitCode {
    cluster::main_entry(build)
}
