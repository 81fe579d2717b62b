//! The word-count topology gives exact counts: from mocked sentences, and from the random
//! sentences of the benchmark workload checked against a direct computation.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use sha2::{Digest, Sha256};
use storm::testing::{complete_topology, CompleteTopologyParam, MockedSources};
use storm::util::SplitMix64;
use storm::*;
use storm_starter::word_count::{self, SinkProbe, WordCountOptions};

#[test]
fn the_vocabulary_is_the_specified_one() {
    let mut text = word_count::vocabulary().join("\n");
    text.push('\n');
    let digest = Sha256::digest(text.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(
        hex,
        "c808052d743d13ca0f121e482fa92ece505e03f56197646937b539d74510f186"
    );
}

#[test]
fn counts_from_mocked_sentences_are_exact() {
    let probe = Arc::new(SinkProbe::default());
    let options = WordCountOptions {
        sentences: None,
        parallelism: 3,
        acked: false,
        keep_counts: true,
    };
    let topology = word_count::topology(options, probe.clone()).expect("valid");
    let mut sources = MockedSources::new();
    sources.add_mock_data(
        "sentences",
        [
            values!["the cow jumped over the moon"],
            values!["an apple a day keeps the doctor away"],
            values!["four score and seven years ago"],
            values!["the man"],
        ],
    );
    let cluster = LocalCluster::new().expect("cluster");
    let out = complete_topology(&cluster, &topology, CompleteTopologyParam::new(sources))
        .expect("completes");
    assert_eq!(out.read_tuples("split", "default").len(), 22);
    let mut last: BTreeMap<String, i64> = BTreeMap::new();
    for v in out.read_tuples("count", "default") {
        let (w, c) = (v[0].to_string(), v[1].as_i64().expect("count"));
        let e = last.entry(w).or_default();
        *e = (*e).max(c);
    }
    assert_eq!(last["the"], 4);
    assert_eq!(last["man"], 1);
    assert_eq!(last.values().sum::<i64>(), 22);
    assert_eq!(probe.final_counts(), last);
    cluster.shutdown();
}

#[test]
fn counts_of_the_benchmark_workload_are_exact() {
    let (sentences, parallelism) = (500u64, 2u32);
    let probe = Arc::new(SinkProbe::default());
    let options = WordCountOptions {
        sentences: Some(sentences),
        parallelism,
        acked: false,
        keep_counts: true,
    };
    let topology = word_count::topology(options, probe.clone()).expect("valid");
    let cluster = LocalCluster::new().expect("cluster");
    let mut config = Config::new();
    config.acker_executors = Some(0);
    cluster
        .submit_topology("wc", config, &topology)
        .expect("submit");
    cluster
        .wait_until_complete("wc", Duration::from_secs(30))
        .expect("completes");
    cluster
        .kill_topology_with_opts("wc", KillOptions::wait(0))
        .expect("kill");

    let vocab = word_count::vocabulary();
    let mut expected: BTreeMap<String, i64> = BTreeMap::new();
    for k in 0..u64::from(parallelism) {
        let mut rng = SplitMix64::new(43 + k);
        for _ in 0..sentences {
            let mut s = String::new();
            word_count::sentence(&mut rng, &vocab, &mut s);
            for w in s.split(' ') {
                *expected.entry(w.to_owned()).or_default() += 1;
            }
        }
    }
    assert_eq!(probe.final_counts(), expected);
    assert_eq!(probe.words(), sentences * u64::from(parallelism) * 10);
    cluster.shutdown();
}

#[test]
fn the_exclamation_topology_exclaims_twice() {
    let topology = storm_starter::exclamation::topology(Some(20)).expect("valid");
    let cluster = LocalCluster::new().expect("cluster");
    let out = complete_topology(
        &cluster,
        &topology,
        CompleteTopologyParam::new(MockedSources::new()),
    )
    .expect("completes");
    let words = out.read_tuples("word", "default");
    let finals = out.read_tuples("exclaim2", "default");
    assert_eq!(words.len(), 200, "10 spout tasks emit 20 words each");
    assert_eq!(finals.len(), 200);
    assert!(finals
        .iter()
        .all(|v| v[0].as_str().is_some_and(|s| s.ends_with("!!!!!!"))));
    cluster.shutdown();
}
