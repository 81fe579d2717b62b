//! Tests of `runtime.rs`.

use super::*;
use crate::testing::FixedTupleSpout;
use storm_core::{
    BasicBolt, BasicOutputCollector, ComponentResult, Fields, OutputFieldsDeclarer, StreamId,
    StreamInfo, TopologyBuilder, Tuple,
};

/// A bolt that declares one field and emits nothing.
struct Stage;

impl BasicBolt for Stage {
    fn execute(&mut self, _: &Tuple, _: &mut BasicOutputCollector<'_, '_>) -> ComponentResult {
        Ok(())
    }

    fn declare_output_fields(&self, declarer: &mut OutputFieldsDeclarer) {
        declarer.declare(["x"]);
    }
}

/// `a` (spout) → `b` → `c` → `d`, each with `parallelism` executors (and, with `cycle`, `d`
/// also feeding `b`), and the thread of each component's executors in order.
fn chain_placement(parallelism: u32, threads: usize, cycle: bool) -> BTreeMap<String, Vec<usize>> {
    let mut builder = TopologyBuilder::new();
    let x = StreamInfo {
        fields: Fields::new(["x"]),
        direct: false,
    };
    let streams = vec![(StreamId::default_stream(), x)];
    builder.set_spout(
        "a",
        move || FixedTupleSpout::new(Vec::new(), streams.clone()),
        parallelism,
    );
    let b = builder
        .set_basic_bolt("b", || Stage, parallelism)
        .shuffle_grouping("a");
    if cycle {
        b.shuffle_grouping("d");
    }
    builder
        .set_basic_bolt("c", || Stage, parallelism)
        .fields_grouping("b", ["x"]);
    builder
        .set_basic_bolt("d", || Stage, parallelism)
        .shuffle_grouping("c");
    let shape = crate::testing::shape_without_ackers(builder);
    let executors: BTreeMap<ComponentId, Vec<ExecutorInfo>> = shape
        .layout
        .components()
        .map(|(c, tasks)| (c.clone(), tasks.executors.clone()))
        .collect();
    let all: Vec<TaskId> = shape.layout.all_tasks().map(TaskId).collect();
    let mut threads_of: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for p in place_tasks(&shape, &executors, &all, threads) {
        threads_of
            .entry(p.component.as_str().to_owned())
            .or_default()
            .push(p.thread);
    }
    threads_of
}

#[test]
fn one_executor_per_stage_spreads_the_stages_over_the_threads() {
    let placed = chain_placement(1, 2, false);
    assert_eq!(placed["a"], vec![0]);
    assert_eq!(placed["b"], vec![0]);
    assert_eq!(placed["c"], vec![1]);
    assert_eq!(placed["d"], vec![1]);
}

#[test]
fn as_many_executors_as_threads_keep_whole_pipelines_on_each_thread() {
    let placed = chain_placement(2, 2, false);
    for component in ["a", "b", "c", "d"] {
        let mut threads = placed[component].clone();
        threads.sort_unstable();
        assert_eq!(threads, vec![0, 1], "{component} uses both threads");
    }
    // Executor i of a stage shares its thread with executor i of the stage it feeds.
    assert_eq!(placed["a"], placed["b"]);
    assert_eq!(placed["c"], placed["d"]);
}

#[test]
fn a_cycle_still_gets_every_task_a_thread() {
    let placed = chain_placement(1, 2, true);
    for component in ["a", "b", "c", "d"] {
        assert_eq!(placed[component].len(), 1, "{component}");
        assert!(placed[component][0] < 2, "{component}");
    }
}
