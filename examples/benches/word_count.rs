//! Word-count benchmark in local mode: words per second reaching the sink, sustained over
//! `WC_BENCH_SECS` (30) after `WC_BENCH_WARMUP` (10) seconds, at parallelism 1 and 2, unacked
//! and acked (one acker per pipeline, `topology.max.spout.pending` 2000), with each run's peak
//! RSS and the cost of acking. Every configuration runs in a fresh child process so
//! that peak RSS is its own.
//!
//! Run `scripts/bench.sh`: `cargo bench -p storm-starter --bench word_count` built with
//! functions aligned to 64 bytes, as the figures are measured. If `WC_LIMIT` names the `wc-limit`
//! binary (../shared/bench), `wc-limit fused` runs first and the ratios are printed too.
//! Next to each figure it prints the round trip of a cache line between two threads at that
//! moment: on a shared VM it swings by 3x as the host moves the vCPUs, and the P=2 figure with
//! it, since every tuple that crosses threads pays for it. It prints figures and asserts no
//! speed. Under `cargo test` (no `--bench`) it makes a one-second smoke run of each
//! configuration and fails only if one does not run. For experiments, `WC_RECV_BUF` and
//! `WC_BATCH` override `topology.executor.receive.buffer.size` and `topology.producer.batch.size`.

use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use storm::{Config, KillOptions, LocalCluster};
use storm_starter::word_count::{topology, SinkProbe, WordCountOptions};

/// mimalloc, as a topology's binary should allocate (see the `storm_starter` crate doc).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const CHILD: &str = "WC_BENCH_CHILD";
/// `topology.max.spout.pending` of the acked runs.
const ACKED_MAX_SPOUT_PENDING: u32 = 2000;

fn env_secs(key: &str, default: u64) -> u64 {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// Runs one configuration and prints `words_per_s=<n> peak_rss_kb=<n>`.
fn child(spec: &str) -> anyhow::Result<()> {
    let (p, acked) = spec
        .split_once(',')
        .ok_or_else(|| anyhow::anyhow!("bad {CHILD} value {spec:?}"))?;
    let parallelism: u32 = p.parse()?;
    let acked = acked == "acked";
    let probe = Arc::new(SinkProbe::default());
    let options = WordCountOptions {
        sentences: None,
        parallelism,
        acked,
        keep_counts: false,
    };
    let topology = topology(options, probe.clone())?;
    let mut config = Config::new();
    if acked {
        // Tuned as a Storm user would: one acker per pipeline and a cap on trees in flight.
        config.acker_executors = Some(parallelism);
        config.max_spout_pending = Some(ACKED_MAX_SPOUT_PENDING);
    } else {
        config.acker_executors = Some(0);
    }
    if let Ok(v) = std::env::var("WC_RECV_BUF") {
        config.executor_receive_buffer_size = v.parse()?;
    }
    if let Ok(v) = std::env::var("WC_BATCH") {
        config.producer_batch_size = v.parse()?;
    }
    let cluster = LocalCluster::new()?;
    cluster.submit_topology("wc-bench", config, &topology)?;
    std::thread::sleep(Duration::from_secs(env_secs("WC_BENCH_WARMUP", 10)));
    let (start_words, start) = (probe.words(), Instant::now());
    std::thread::sleep(Duration::from_secs(env_secs("WC_BENCH_SECS", 30)));
    let (words, elapsed) = (probe.words() - start_words, start.elapsed());
    cluster.kill_topology_with_opts("wc-bench", KillOptions::wait(0))?;
    println!(
        "words_per_s={:.0} peak_rss_kb={}",
        words as f64 / elapsed.as_secs_f64(),
        peak_rss_kb()
    );
    cluster.shutdown();
    Ok(())
}

/// The round trip of one cache line between two threads, in nanoseconds (median of three
/// rounds of 200 000 exchanges; short rounds mostly measure the thread's start). On shared VMs it swings by 3x as the host moves the vCPUs, and
/// every tuple that crosses threads pays for it, so each figure is printed next to it.
fn cross_core_round_trip_ns() -> f64 {
    const EXCHANGES: u64 = 200_000;
    let mut rounds: Vec<f64> = (0..3)
        .map(|_| {
            let flag = Arc::new(AtomicU64::new(0));
            let other = flag.clone();
            let echo = std::thread::spawn(move || {
                for i in 0..EXCHANGES {
                    // Bounded by the main thread, which always sends the next odd value.
                    // No `spin_loop` hint: its pause would be part of the figure.
                    while other.load(Ordering::Acquire) != 2 * i + 1 {}
                    other.store(2 * i + 2, Ordering::Release);
                }
            });
            let start = Instant::now();
            for i in 0..EXCHANGES {
                flag.store(2 * i + 1, Ordering::Release);
                while flag.load(Ordering::Acquire) != 2 * i + 2 {}
            }
            let ns = start.elapsed().as_nanos() as f64 / EXCHANGES as f64;
            let _ = echo.join();
            ns
        })
        .collect();
    rounds.sort_by(f64::total_cmp);
    rounds[rounds.len() / 2]
}

fn field(output: &str, key: &str) -> Option<f64> {
    output
        .split_whitespace()
        .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('=')?.parse().ok())
}

fn main() -> anyhow::Result<()> {
    if let Ok(spec) = std::env::var(CHILD) {
        return child(&spec);
    }
    // `cargo bench` passes `--bench`; `cargo test --all-targets` runs this binary without it,
    // and then a one-second smoke run checks that every configuration runs.
    let smoke = !std::env::args().any(|a| a == "--bench");
    let (warmup, secs) = if smoke {
        println!("smoke run (no --bench): 1 s per configuration, figures not comparable");
        (1, 1)
    } else {
        (
            env_secs("WC_BENCH_WARMUP", 10),
            env_secs("WC_BENCH_SECS", 30),
        )
    };
    let limit = match std::env::var("WC_LIMIT") {
        Ok(_) if smoke => None,
        Ok(bin) => {
            let out = Command::new(&bin)
                .args(["fused", &secs.to_string()])
                .output()?;
            let text = String::from_utf8_lossy(&out.stdout).to_string();
            let rate = field(&text, "fused words_per_s").or_else(|| field(&text, "words_per_s"));
            println!("wc-limit fused {secs}: {}", text.trim());
            rate
        }
        Err(_) => {
            println!("(set WC_LIMIT to the wc-limit binary to print ratios to `wc-limit fused`)");
            None
        }
    };
    let exe = std::env::current_exe()?;
    println!(
        "{:<22} {:>14} {:>10} {:>14} {:>16}",
        "configuration", "words/s", "ratio", "peak RSS MB", "core trip ns"
    );
    let mut unacked: [Option<f64>; 2] = [None, None];
    let mut failed = Vec::new();
    for spec in ["1,unacked", "2,unacked", "1,acked", "2,acked"] {
        let trip = cross_core_round_trip_ns();
        let out = Command::new(&exe)
            .env(CHILD, spec)
            .env("WC_BENCH_WARMUP", warmup.to_string())
            .env("WC_BENCH_SECS", secs.to_string())
            .output()?;
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        let (Some(rate), Some(rss)) = (field(&text, "words_per_s"), field(&text, "peak_rss_kb"))
        else {
            println!(
                "{spec}: failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
            failed.push(spec);
            continue;
        };
        if rate <= 0.0 {
            println!("{spec}: no word reached the sink");
            failed.push(spec);
        }
        let ratio = limit.map_or("-".to_string(), |l| format!("{:.2}x", rate / l));
        let p = usize::from(spec.starts_with('2'));
        let cost = if spec.ends_with(",acked") {
            unacked[p].map_or(String::new(), |u| {
                format!("  acking costs {:.0} %", 100.0 * (1.0 - rate / u))
            })
        } else {
            unacked[p] = Some(rate);
            String::new()
        };
        println!(
            "P={:<20} {:>14.0} {:>10} {:>14.1} {:>16.0}{cost}",
            spec.replace(',', " "),
            rate,
            ratio,
            rss / 1024.0,
            trip
        );
    }
    if !failed.is_empty() {
        anyhow::bail!("configurations that did not run: {failed:?}");
    }
    Ok(())
}
