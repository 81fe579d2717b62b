//! The word count on a cluster: two worker processes on one machine, with a real ZooKeeper,
//! Nimbus and supervisor as processes (the integration harness), so every re-partitioning hop
//! can cross workers as frames over TCP.
//!
//! For each configuration it prints the words per second reaching the sinks, sustained over
//! `WC_BENCH_SECS` (30) after `WC_BENCH_WARMUP` (10) seconds, and the peak RSS of each worker:
//! unacked and acked at full speed, then paced at 100 000 words/s, where it also prints the
//! p50, p99 and p99.9 latency from each sentence's *scheduled* emit time to the sink (so stalls
//! count). If `WC_LIMIT` names the `wc-limit` binary (../shared/bench), `wc-limit fused` runs
//! first and the ratios are printed too. It prints figures and asserts no speed:
//!
//!     WC_LIMIT=/tmp/wc-limit/release/wc-limit cargo bench -p storm-integration --bench cluster_word_count
//!
//! Under `cargo test` (no `--bench`) each configuration runs for two seconds, as a smoke test.
//! For experiments, `WC_BENCH_RUNS` picks runs by name (`unacked,acked,paced`) and
//! `WC_BENCH_WORKERS` sets the worker count (1 puts everything in one process, for comparison),
//! `WC_RECV_BUF` overrides `topology.executor.receive.buffer.size`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use storm_integration::reports::{read_reports, BenchReport};
use storm_integration::{wait_until, ClusterOptions, StormCluster};
use storm_starter::latency::LatencyHistogram;

const CLI: &str = env!("CARGO_BIN_EXE_storm_cli");
const TOPOLOGY: &str = env!("CARGO_BIN_EXE_bench_topology");
/// Words per sentence of the word-count workload.
const WORDS_PER_SENTENCE: u64 = 10;
/// The paced run's rate, over both spout tasks.
const PACED_WORDS_PER_SEC: u64 = 100_000;

struct Run {
    name: &'static str,
    acked: bool,
    paced: bool,
}

struct Figures {
    words_per_s: f64,
    latency: LatencyHistogram,
    peak_rss_kb: Vec<u64>,
}

fn env_secs(key: &str, default: u64) -> u64 {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn fused(secs: u64) -> Option<f64> {
    let limit = std::env::var("WC_LIMIT").ok()?;
    let out = Command::new(limit)
        .args(["fused", &secs.to_string()])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace()
        .find_map(|w| w.strip_prefix("words_per_s="))
        .and_then(|v| v.parse().ok())
}

fn totals(output: &Path) -> (u64, LatencyHistogram) {
    let mut words = 0;
    let mut latency = LatencyHistogram::default();
    for report in read_reports::<BenchReport>(output, "bench").values() {
        words += report.words;
        latency.merge(&report.latency);
    }
    (words, latency)
}

fn peak_rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

async fn measure(run: &Run, workers: u32, warmup: Duration, secs: Duration) -> Figures {
    let mut options = ClusterOptions::new(CLI);
    options.supervisors = 1;
    options.ports_per_supervisor = 2;
    let cluster = StormCluster::start(options).await.expect("cluster");
    let output = cluster.dir().join("output");
    let rate = (PACED_WORDS_PER_SEC / WORDS_PER_SENTENCE / 2).to_string();
    let workers_arg = workers.to_string();
    let mut args = vec!["--workers", workers_arg.as_str(), "--parallelism", "2"];
    if run.acked {
        args.push("--acked");
    }
    let receive_buffer = std::env::var("WC_RECV_BUF").unwrap_or_default();
    if !receive_buffer.is_empty() {
        args.extend(["--receive-buffer", receive_buffer.as_str()]);
    }
    if run.paced {
        args.extend(["--rate", rate.as_str()]);
    }
    cluster.submit(TOPOLOGY, run.name, &output, &args).await;
    wait_until("words reach the sinks", Duration::from_secs(60), || async {
        totals(&output).0 > 0
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", cluster.logs()));
    assert_eq!(cluster.worker_pids().len(), workers as usize, "workers");
    tokio::time::sleep(warmup).await;
    let (words0, latency0) = totals(&output);
    let start = Instant::now();
    tokio::time::sleep(secs).await;
    let (words1, latency1) = totals(&output);
    let elapsed = start.elapsed().as_secs_f64();
    Figures {
        words_per_s: (words1 - words0) as f64 / elapsed,
        latency: latency1.since(&latency0),
        peak_rss_kb: cluster.worker_pids().into_iter().map(peak_rss_kb).collect(),
    }
}

fn millis(micros: Option<u64>) -> String {
    micros.map_or("-".into(), |m| format!("{:.3} ms", m as f64 / 1000.0))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let (warmup, secs) = if bench {
        (
            env_secs("WC_BENCH_WARMUP", 10),
            env_secs("WC_BENCH_SECS", 30),
        )
    } else {
        (0, 2)
    };
    let fused = if bench { fused(secs) } else { None };
    if let Some(f) = fused {
        println!("wc-limit fused {secs}: {:.2} M words/s", f / 1e6);
    }
    let runs = [
        Run {
            name: "unacked",
            acked: false,
            paced: false,
        },
        Run {
            name: "acked",
            acked: true,
            paced: false,
        },
        Run {
            name: "paced",
            acked: false,
            paced: true,
        },
    ];
    let picked = std::env::var("WC_BENCH_RUNS").unwrap_or_default();
    let workers = env_secs("WC_BENCH_WORKERS", 2) as u32;
    let mut results = BTreeMap::new();
    for run in runs
        .iter()
        .filter(|r| picked.is_empty() || picked.split(',').any(|p| p == r.name))
    {
        let f = measure(
            run,
            workers,
            Duration::from_secs(warmup),
            Duration::from_secs(secs),
        )
        .await;
        let ratio = fused.map_or(String::new(), |x| {
            format!(" ({:.2}x fused)", f.words_per_s / x)
        });
        let rss: Vec<String> = f
            .peak_rss_kb
            .iter()
            .map(|k| format!("{:.1} MB", *k as f64 / 1024.0))
            .collect();
        println!(
            "{workers} workers, {:<8} {:>7.2} M words/s{ratio}  peak RSS per worker: {}",
            run.name,
            f.words_per_s / 1e6,
            rss.join(", ")
        );
        if run.paced {
            println!(
                "  latency at {} words/s over {} words: p50 {}  p99 {}  p99.9 {}",
                PACED_WORDS_PER_SEC,
                f.latency.len(),
                millis(f.latency.quantile(0.5)),
                millis(f.latency.quantile(0.99)),
                millis(f.latency.quantile(0.999)),
            );
        }
        results.insert(run.name, f.words_per_s);
    }
    if let (Some(acked), Some(unacked)) = (results.get("acked"), results.get("unacked")) {
        println!("acked / unacked: {:.2}", acked / unacked.max(1.0));
    }
}
