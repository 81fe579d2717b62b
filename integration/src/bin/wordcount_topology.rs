//! The word count as a cluster topology binary, for the cluster tests: `storm jar` runs it to
//! submit itself; supervisors run it as a worker. Its sink and spout write what they see to
//! files under `--output`, so a test can check the output of a topology running in another
//! process.
//!
//! ```text
//! wordcount_topology --name NAME --output DIR [--sentences N | --rate PER_SEC]
//!                    [--workers W] [--parallelism P] [--acked]
//!                    [--spouts S] [--broadcast B] [--slow-sink-micros M]
//!                    [--panic-every N] [--exit-after N]
//!                    [--message-timeout-secs T]
//! ```
//!
//! `--acked`: one acker per worker; each sentence is emitted with a message id, replayed when it
//! fails or times out, and the spout reports how many distinct sentences were acked, and its
//! failures by reason. `--message-timeout-secs T`: `topology.message.timeout.secs` (10 by
//! default here).
//! `--broadcast B`: B more tasks take every sentence (all grouping), each reporting how many it
//! got in `all-<task>.json`. `--spouts S`: S spout tasks instead of P. `--slow-sink-micros M`: the sink works M µs per tuple.
//! With both `--sentences` and `--rate`, the spouts emit at the rate until the count.
//! `--panic-every N` adds a `faulty` bolt (one task, every sentence) that panics on every Nth
//! sentence its worker gives it; `--exit-after N` makes it end its worker process with exit
//! code 3 at the Nth, so the supervisor restarts it (and, counting again, it exits again).
//!
//! `--sentences N`: each spout task emits N sentences of the word-count workload (the same
//! generator and seeds as `storm_starter::word_count`), so the final counts are known.
//! `--rate R`: each spout task emits R sentences per second, forever.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use storm::cluster::{self, BuildError, Submission};
use storm::util::SplitMix64;
use storm::{
    values, BasicBolt, BasicOutputCollector, ComponentResult, Config, FailReason,
    OutputFieldsDeclarer, Spout, SpoutOutputCollector, TopologyBuilder, TopologyContext, Tuple,
};
use storm_integration::reports::{write_json, SinkReport, SpoutReport};
use storm_starter::word_count::{sentence, vocabulary, SplitSentence, WordCount};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

struct SentenceSpout {
    output: PathBuf,
    limit: Option<u64>,
    rate: Option<u64>,
    vocab: Vec<String>,
    rng: SplitMix64,
    acked_mode: bool,
    pending: BTreeMap<i64, String>,
    replay: VecDeque<(i64, String)>,
    acked: BTreeSet<i64>,
    report: SpoutReport,
    path: PathBuf,
    started: Instant,
    last_write: Instant,
}

impl SentenceSpout {
    fn new(output: PathBuf, limit: Option<u64>, rate: Option<u64>, acked_mode: bool) -> Self {
        Self {
            acked_mode,
            pending: BTreeMap::new(),
            replay: VecDeque::new(),
            acked: BTreeSet::new(),
            path: output.clone(),
            output,
            limit,
            rate,
            vocab: Vec::new(),
            rng: SplitMix64::new(43),
            report: SpoutReport::default(),
            started: Instant::now(),
            last_write: Instant::now(),
        }
    }

    fn write(&mut self) {
        let pending = self.pending.keys().next().copied();
        let replay = self.replay.iter().map(|(id, _)| *id).min();
        self.report.oldest_unacked = pending.into_iter().chain(replay).min();
        write_json(&self.path, &self.report);
        self.last_write = Instant::now();
    }
}

impl Spout for SentenceSpout {
    fn open(&mut self, _conf: &Config, context: &TopologyContext) {
        self.vocab = vocabulary();
        // The same seeds as storm_starter's RandomSentenceSpout, so counts are predictable.
        self.rng = SplitMix64::new(43 + context.this_task_index() as u64);
        self.path = self
            .output
            .join(format!("spout-{}.json", context.this_task_id()));
        self.started = Instant::now();
        self.write();
    }

    fn activate(&mut self) {
        self.report.active = true;
        self.write();
    }

    fn deactivate(&mut self) {
        self.report.active = false;
        self.write();
    }

    fn next_tuple(&mut self, collector: &mut SpoutOutputCollector<'_>) -> ComponentResult {
        self.report.calls += 1;
        if !self.report.active {
            self.report.calls_while_inactive += 1;
        }
        if self.last_write.elapsed().as_millis() >= 50 {
            self.write();
        }
        if let Some((id, s)) = self.replay.pop_front() {
            collector.emit_with_id(values![s.clone()], id)?;
            self.pending.insert(id, s);
            self.report.emitted += 1;
            self.report.pending = self.pending.len() as u64;
            return Ok(());
        }
        let fresh = self.report.emitted - self.report.failed;
        if self.limit.is_some_and(|l| fresh >= l) {
            return Ok(());
        }
        if let Some(rate) = self.rate {
            let allowed = self.started.elapsed().as_millis() as u64 * rate / 1000;
            if fresh >= allowed {
                return Ok(());
            }
        }
        let mut s = String::with_capacity(80);
        sentence(&mut self.rng, &self.vocab, &mut s);
        if self.acked_mode {
            let id = fresh as i64;
            collector.emit_with_id(values![s.clone()], id)?;
            self.pending.insert(id, s);
            self.report.pending = self.pending.len() as u64;
        } else {
            collector.emit(values![s])?;
        }
        self.report.emitted += 1;
        Ok(())
    }

    fn ack(&mut self, message_id: storm::Value) {
        let Some(id) = message_id.as_i64() else {
            return;
        };
        self.pending.remove(&id);
        if self.acked.insert(id) {
            self.report.acked += 1;
        } else {
            self.report.acked_again += 1;
        }
        self.report.pending = self.pending.len() as u64;
    }

    fn fail_with_reason(&mut self, message_id: storm::Value, reason: FailReason) {
        let Some(id) = message_id.as_i64() else {
            return;
        };
        if let Some(s) = self.pending.remove(&id) {
            self.report.failed += 1;
            match reason {
                FailReason::Timeout => self.report.failed_timeout += 1,
                FailReason::BoltFailed => self.report.failed_by_bolt += 1,
                _ => self.report.failed_lost += 1,
            }
            self.replay.push_back((id, s));
        }
        self.report.pending = self.pending.len() as u64;
    }

    fn declare_output_fields(&self, declarer: &mut OutputFieldsDeclarer) {
        declarer.declare(["sentence"]);
    }
}

struct FileSink {
    output: PathBuf,
    path: PathBuf,
    report: SinkReport,
    prefix: &'static str,
    delay: Duration,
}

impl BasicBolt for FileSink {
    fn prepare(&mut self, _conf: &Config, context: &TopologyContext) {
        self.path = self
            .output
            .join(format!("{}-{}.json", self.prefix, context.this_task_id()));
    }

    fn execute(&mut self, input: &Tuple, _c: &mut BasicOutputCollector<'_, '_>) -> ComponentResult {
        if input.is_tick() {
            self.report.ticks += 1;
            write_json(&self.path, &self.report);
            return Ok(());
        }
        if !self.delay.is_zero() {
            std::thread::sleep(self.delay);
        }
        self.report.tuples += 1;
        if self.prefix == "all" {
            return Ok(());
        }
        let (Some(word), Some(count)) = (input.get_str(0), input.get_i64(1)) else {
            return Err("expected (word, count)".into());
        };
        let c = self.report.counts.entry(word.to_owned()).or_insert(0);
        *c = (*c).max(count);
        Ok(())
    }

    fn cleanup(&mut self) {
        write_json(&self.path, &self.report);
    }

    fn declare_output_fields(&self, _declarer: &mut OutputFieldsDeclarer) {}
}

/// Sentences the faulty bolt saw in this process: a rebuilt instance goes on counting.
static FAULTY_SEEN: AtomicU64 = AtomicU64::new(0);

/// The exit code of a worker the faulty bolt ends.
const FAULTY_EXIT_CODE: i32 = 3;

struct FaultyBolt {
    panic_every: Option<u64>,
    exit_after: Option<u64>,
}

impl BasicBolt for FaultyBolt {
    fn execute(
        &mut self,
        _input: &Tuple,
        _c: &mut BasicOutputCollector<'_, '_>,
    ) -> ComponentResult {
        let seen = FAULTY_SEEN.fetch_add(1, Ordering::Relaxed) + 1;
        if self.exit_after.is_some_and(|n| seen >= n) {
            eprintln!("faulty bolt: exiting the worker after {seen} sentences");
            std::process::exit(FAULTY_EXIT_CODE);
        }
        if self.panic_every.is_some_and(|n| seen.is_multiple_of(n)) {
            panic!("faulty bolt panics on sentence {seen}");
        }
        Ok(())
    }

    fn declare_output_fields(&self, _declarer: &mut OutputFieldsDeclarer) {}
}

#[derive(Debug)]
struct Options {
    name: String,
    output: PathBuf,
    sentences: Option<u64>,
    rate: Option<u64>,
    workers: u32,
    acked: bool,
    broadcast: u32,
    slow_sink_micros: u64,
    spouts: Option<u32>,
    parallelism: u32,
    panic_every: Option<u64>,
    exit_after: Option<u64>,
    message_timeout_secs: u32,
}

fn parse(args: &[String]) -> Result<Options, BuildError> {
    let mut o = Options {
        name: "wordcount".into(),
        output: PathBuf::from("."),
        sentences: None,
        rate: None,
        workers: 1,
        acked: false,
        broadcast: 0,
        slow_sink_micros: 0,
        spouts: None,
        parallelism: 1,
        panic_every: None,
        exit_after: None,
        message_timeout_secs: 10,
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        if flag == "--acked" {
            o.acked = true;
            continue;
        }
        let value = it
            .next()
            .ok_or_else(|| format!("{flag} needs a value"))?
            .clone();
        match flag.as_str() {
            "--name" => o.name = value,
            "--output" => o.output = PathBuf::from(value),
            "--sentences" => o.sentences = Some(value.parse()?),
            "--rate" => o.rate = Some(value.parse()?),
            "--workers" => o.workers = value.parse()?,
            "--parallelism" => o.parallelism = value.parse()?,
            "--broadcast" => o.broadcast = value.parse()?,
            "--spouts" => o.spouts = Some(value.parse()?),
            "--slow-sink-micros" => o.slow_sink_micros = value.parse()?,
            "--panic-every" => o.panic_every = Some(value.parse()?),
            "--exit-after" => o.exit_after = Some(value.parse()?),
            "--message-timeout-secs" => o.message_timeout_secs = value.parse()?,
            other => return Err(format!("unknown flag {other}").into()),
        }
    }
    if o.sentences.is_none() && o.rate.is_none() {
        return Err("give --sentences N or --rate PER_SEC".into());
    }
    Ok(o)
}

fn build(args: &[String]) -> Result<Submission, BuildError> {
    let o = parse(args)?;
    let p = o.parallelism;
    let mut builder = TopologyBuilder::new();
    let (output, limit, rate, acked) = (o.output.clone(), o.sentences, o.rate, o.acked);
    builder.set_spout(
        "sentences",
        move || SentenceSpout::new(output.clone(), limit, rate, acked),
        o.spouts.unwrap_or(p),
    );
    builder
        .set_basic_bolt("split", || SplitSentence, p)
        .shuffle_grouping("sentences");
    builder
        .set_basic_bolt("count", WordCount::default, p)
        .fields_grouping("split", ["word"]);
    let output = o.output.clone();
    let delay = Duration::from_micros(o.slow_sink_micros);
    builder
        .set_basic_bolt(
            "sink",
            move || FileSink {
                output: output.clone(),
                path: PathBuf::new(),
                report: SinkReport::default(),
                prefix: "sink",
                delay,
            },
            p,
        )
        .fields_grouping("count", ["word"])
        .add_configuration("topology.tick.tuple.freq.secs", 1);
    if o.broadcast > 0 {
        let output = o.output.clone();
        builder
            .set_basic_bolt(
                "everyone",
                move || FileSink {
                    output: output.clone(),
                    path: PathBuf::new(),
                    report: SinkReport::default(),
                    prefix: "all",
                    delay: Duration::ZERO,
                },
                o.broadcast,
            )
            .all_grouping("sentences")
            .add_configuration("topology.tick.tuple.freq.secs", 1);
    }
    if o.panic_every.is_some() || o.exit_after.is_some() {
        let (panic_every, exit_after) = (o.panic_every, o.exit_after);
        builder
            .set_basic_bolt(
                "faulty",
                move || FaultyBolt {
                    panic_every,
                    exit_after,
                },
                1,
            )
            .shuffle_grouping("sentences");
    }
    let mut config = Config::new();
    config.workers = o.workers;
    if !o.acked {
        config.acker_executors = Some(0);
    } else {
        config.message_timeout_secs = o.message_timeout_secs;
    }
    config.worker_threads = Some(1);
    Ok(Submission {
        name: o.name,
        config,
        topology: builder.create_topology()?,
    })
}

fn main() -> ExitCode {
    cluster::main_entry(build)
}
