//! What the cluster tests' topology (`src/bin/wordcount_topology.rs`) writes to its output
//! directory, and the word counts it must reach.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use storm::util::SplitMix64;
use storm_starter::word_count::{sentence, vocabulary};

/// What a spout task reports in `spout-<task>.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SpoutReport {
    /// Whether the spout is active, as its `activate`/`deactivate` calls say.
    pub active: bool,
    /// `next_tuple` calls so far.
    pub calls: u64,
    /// `next_tuple` calls made while deactivated (must stay 0).
    pub calls_while_inactive: u64,
    /// Sentences emitted (replays included).
    pub emitted: u64,
    /// With `--acked`: distinct sentences acked.
    #[serde(default)]
    pub acked: u64,
    /// With `--acked`: acks for a sentence already acked (must stay 0).
    #[serde(default)]
    pub acked_again: u64,
    /// With `--acked`: fails (each replayed).
    #[serde(default)]
    pub failed: u64,
    /// With `--acked`: fails because the tree timed out (`topology.message.timeout.secs`).
    #[serde(default)]
    pub failed_timeout: u64,
    /// With `--acked`: fails because a bolt failed a tuple of the tree.
    #[serde(default)]
    pub failed_by_bolt: u64,
    /// With `--acked`: fails because tuples of the tree were lost with a worker or connection.
    #[serde(default)]
    pub failed_lost: u64,
    /// With `--acked`: sentences emitted and neither acked nor failed yet.
    #[serde(default)]
    pub pending: u64,
    /// With `--acked`: the lowest message id not acked yet (pending or waiting for replay);
    /// ids are given in emit order from 0.
    #[serde(default)]
    pub oldest_unacked: Option<i64>,
}

/// What a sink task reports in `sink-<task>.json` at every tick (once a second).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SinkReport {
    /// Reports written so far (one per tick).
    pub ticks: u64,
    /// `(word, count)` tuples received.
    pub tuples: u64,
    /// Each word's highest count.
    pub counts: BTreeMap<String, i64>,
}

/// What a benchmark sink task reports in `bench-<task>.json` (`src/bin/bench_topology.rs`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BenchReport {
    /// Words received.
    pub words: u64,
    /// Latencies from each sentence's scheduled emit time to the sink, in µs (paced runs).
    pub latency: storm_starter::latency::LatencyHistogram,
}

/// Writes a report atomically (a temporary file renamed over it), so a reader never sees half
/// of one; a failure only loses this report.
pub fn write_json<T: Serialize>(path: &Path, value: &T) {
    let Ok(json) = serde_json::to_vec(value) else {
        return;
    };
    let tmp = path.with_extension("tmp");
    if std::fs::write(&tmp, json).is_ok() {
        let _ = std::fs::rename(&tmp, path);
    }
}

/// Every `<prefix>-<task>.json` report in `dir`, by file name.
pub fn read_reports<T: serde::de::DeserializeOwned>(
    dir: &Path,
    prefix: &str,
) -> BTreeMap<String, T> {
    let mut out = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(&format!("{prefix}-")) && name.ends_with(".json") {
            if let Ok(bytes) = std::fs::read(entry.path()) {
                if let Ok(report) = serde_json::from_slice(&bytes) {
                    out.insert(name, report);
                }
            }
        }
    }
    out
}

/// The sinks' counts merged (each word reaches one sink task).
pub fn merged_counts(sinks: &BTreeMap<String, SinkReport>) -> BTreeMap<String, i64> {
    let mut all = BTreeMap::new();
    for report in sinks.values() {
        for (w, c) in &report.counts {
            let e = all.entry(w.clone()).or_insert(0);
            *e = (*e).max(*c);
        }
    }
    all
}

/// The final word counts when `spout_tasks` spout tasks emit `sentences` sentences each.
pub fn expected_word_counts(spout_tasks: u64, sentences: u64) -> BTreeMap<String, i64> {
    let vocab = vocabulary();
    let mut counts = BTreeMap::new();
    let mut s = String::new();
    for task in 0..spout_tasks {
        let mut rng = SplitMix64::new(43 + task);
        for _ in 0..sentences {
            s.clear();
            sentence(&mut rng, &vocab, &mut s);
            for w in s.split(' ') {
                *counts.entry(w.to_owned()).or_insert(0) += 1;
            }
        }
    }
    counts
}
