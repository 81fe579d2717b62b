//! Latency of the word count in local mode: a paced spout (returning without emitting when
//! nothing is due, as a spout reading a queue does) at 10 000, 100 000 and 1 000 000 words/s,
//! parallelism 1 and 2, unacked and acked; the latency from each sentence's *scheduled* emit
//! time to the sink (so stalls count), p50 / p99 / p99.9 / max, and the process's CPU use in
//! per cent of one core; then the same topology with nothing to emit, for the idle CPU. Each
//! run measures `WC_BENCH_SECS` (10) after `WC_BENCH_WARMUP` (3) seconds. It prints figures and
//! asserts nothing (`LATENCY_RATES=100000,0` picks rates, 0 being the idle run;
//! `LATENCY_CONF='{"topology.bolt.wait.strategy": "park"}'` sets keys):
//!
//!     cargo bench -p storm-starter --bench latency
//!
//! Under `cargo test` (no `--bench`) it runs one configuration for a second, as a smoke test.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use storm::{Config, KillOptions, LocalCluster};
use storm_starter::latency::LatencyHistogram;
use storm_starter::paced::paced_topology;

/// mimalloc, as a topology's binary should allocate (see the `storm_starter` crate doc).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const WORDS_PER_SENTENCE: u64 = 10;

fn env_secs(key: &str, default: u64) -> u64 {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// CPU time this process has used (user and system), from `/proc/self/stat`.
fn cpu_time() -> Duration {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return Duration::ZERO;
    };
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let Some((_, rest)) = stat.rsplit_once(')') else {
        return Duration::ZERO;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime are fields 14 and 15 of the line: 11 and 12 after the name.
    let total = ticks(11) + ticks(12);
    // The kernel's USER_HZ is 100 on every Linux this runs on.
    Duration::from_millis(total * 10)
}

struct Figures {
    latency: LatencyHistogram,
    cpu_per_cent: f64,
}

fn run(
    words_per_s: u64,
    parallelism: u32,
    acked: bool,
    warmup: Duration,
    secs: Duration,
) -> Figures {
    let probe = Arc::new(Mutex::new(LatencyHistogram::default()));
    let rate = words_per_s / WORDS_PER_SENTENCE / u64::from(parallelism);
    let topology = match paced_topology(rate, parallelism, acked, probe.clone()) {
        Ok(t) => t,
        Err(e) => panic!("the paced word count is valid: {e}"),
    };
    let mut config = config_from_env();
    if !acked {
        config.acker_executors = Some(0);
    }
    let cluster = match LocalCluster::new() {
        Ok(c) => c,
        Err(e) => panic!("local cluster: {e}"),
    };
    if let Err(e) = cluster.submit_topology("latency", config, &topology) {
        panic!("submit: {e}");
    }
    std::thread::sleep(warmup);
    if let Ok(mut p) = probe.lock() {
        *p = LatencyHistogram::default();
    }
    let cpu0 = cpu_time();
    let start = Instant::now();
    std::thread::sleep(secs);
    let cpu = cpu_time().saturating_sub(cpu0);
    let elapsed = start.elapsed();
    let latency = probe.lock().map(|p| p.clone()).unwrap_or_default();
    let _ = cluster.kill_topology_with_opts("latency", KillOptions::wait(0));
    cluster.shutdown();
    Figures {
        latency,
        cpu_per_cent: cpu.as_secs_f64() / elapsed.as_secs_f64() * 100.0,
    }
}

/// `Config::new()` with the keys of `LATENCY_CONF` (a JSON object) over it, for experiments
/// with the wait strategies.
fn config_from_env() -> Config {
    let Ok(extra) = std::env::var("LATENCY_CONF") else {
        return Config::new();
    };
    let mut config = match serde_json::to_value(Config::new()) {
        Ok(v) => v,
        Err(e) => panic!("config: {e}"),
    };
    match (
        serde_json::from_str::<serde_json::Value>(&extra),
        config.as_object_mut(),
    ) {
        (Ok(serde_json::Value::Object(keys)), Some(base)) => base.extend(keys),
        _ => panic!("LATENCY_CONF must be a JSON object"),
    }
    match serde_json::from_value(config) {
        Ok(c) => c,
        Err(e) => panic!("LATENCY_CONF: {e}"),
    }
}

/// The rates to run: `LATENCY_RATES` (a comma-separated list of words/s), or the three.
fn rates() -> Vec<u64> {
    std::env::var("LATENCY_RATES")
        .ok()
        .map(|v| v.split(',').filter_map(|r| r.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![10_000, 100_000, 1_000_000])
}

fn ms(micros: Option<u64>) -> String {
    micros.map_or("-".into(), |m| format!("{:.3}", m as f64 / 1000.0))
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let (warmup, secs) = if bench {
        (
            env_secs("WC_BENCH_WARMUP", 3),
            env_secs("WC_BENCH_SECS", 10),
        )
    } else {
        (0, 1)
    };
    let (warmup, secs) = (Duration::from_secs(warmup), Duration::from_secs(secs));
    let configs: Vec<(u64, u32, bool)> = if bench {
        let mut c = Vec::new();
        for rate in rates().into_iter().filter(|r| *r > 0) {
            for p in [1, 2] {
                for acked in [false, true] {
                    c.push((rate, p, acked));
                }
            }
        }
        c
    } else {
        vec![(100_000, 2, false)]
    };
    println!(
        "{:>10} {:>2} {:>8} {:>10} {:>9} {:>9} {:>9} {:>9} {:>8}",
        "words/s", "P", "acking", "words", "p50 ms", "p99 ms", "p99.9 ms", "max ms", "CPU %"
    );
    for (rate, p, acked) in configs {
        let f = run(rate, p, acked, warmup, secs);
        println!(
            "{:>10} {:>2} {:>8} {:>10} {:>9} {:>9} {:>9} {:>9} {:>8.1}",
            rate,
            p,
            if acked { "acked" } else { "unacked" },
            f.latency.len(),
            ms(f.latency.quantile(0.5)),
            ms(f.latency.quantile(0.99)),
            ms(f.latency.quantile(0.999)),
            ms(Some(f.latency.max())),
            f.cpu_per_cent,
        );
    }
    if bench && !rates().contains(&0) && std::env::var("LATENCY_RATES").is_ok() {
        return;
    }
    let idle = run(0, 2, false, warmup, secs);
    println!(
        "idle (nothing to emit), P=2: CPU {:.1} % of one core",
        idle.cpu_per_cent
    );
}
