//! Grouping semantics, end to end through a LocalCluster: which bolt tasks receive what.

// Tests fail by panicking: unwrap and expect are how they assert.
#![allow(clippy::unwrap_used, clippy::expect_used)]
// Reference: Storm's "Concepts" page, section "Stream groupings".

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use common::*;
use storm_core::*;
use storm_worker::{KillOptions, LocalCluster};

const TIMEOUT: Duration = Duration::from_secs(20);

fn words(n: usize, distinct: usize) -> Vec<Values> {
    (0..n)
        .map(|i| values![format!("w{}", i % distinct), i as i64])
        .collect()
}

/// Runs spout(2 tasks) → bolt(4 tasks) wired by `wire`, returns what each bolt task saw.
fn run(
    name: &str,
    input: Vec<Values>,
    wire: impl FnOnce(BoltDeclarer<'_>) -> BoltDeclarer<'_>,
) -> Vec<(TaskId, Values)> {
    run_with_tasks(name, input, wire).0
}

/// Like [`run`], also returning the bolt's task ids, ascending.
fn run_with_tasks(
    name: &str,
    input: Vec<Values>,
    wire: impl FnOnce(BoltDeclarer<'_>) -> BoltDeclarer<'_>,
) -> (Vec<(TaskId, Values)>, Vec<TaskId>) {
    run_custom(name, input, (2, 4), Config::new(), wire)
}

/// Runs spout → bolt with these parallelisms and config.
fn run_custom(
    name: &str,
    input: Vec<Values>,
    (spouts, bolts): (u32, u32),
    config: Config,
    wire: impl FnOnce(BoltDeclarer<'_>) -> BoltDeclarer<'_>,
) -> (Vec<(TaskId, Values)>, Vec<TaskId>) {
    let seen = log();
    let mut b = TopologyBuilder::new();
    b.set_spout(
        "spout",
        move || ListSpout::new(input.clone(), ["word", "n"]),
        spouts,
    );
    let sink = seen.clone();
    wire(b.set_bolt("bolt", move || RecordingBolt::new(sink.clone()), bolts));
    let topology = b.create_topology().expect("valid");
    let cluster = LocalCluster::new().expect("cluster");
    cluster
        .submit_topology(name, config, &topology)
        .expect("submit");
    cluster
        .wait_until_complete(name, TIMEOUT)
        .expect("complete");
    let tasks = cluster
        .with_topology(name, |t| t.shape().layout.tasks_of("bolt").to_vec())
        .expect("running");
    cluster
        .kill_topology_with_opts(name, KillOptions::wait(0))
        .expect("kill");
    cluster.shutdown();
    (entries(&seen), tasks)
}

fn bolt_tasks_by_key(seen: &[(TaskId, Values)]) -> BTreeMap<String, BTreeSet<TaskId>> {
    let mut m: BTreeMap<String, BTreeSet<TaskId>> = BTreeMap::new();
    for (task, v) in seen {
        m.entry(v[0].to_string()).or_default().insert(*task);
    }
    m
}

#[test]
fn fields_grouping_sends_equal_keys_to_one_task() {
    let seen = run("fields", words(400, 40), |d| {
        d.fields_grouping("spout", ["word"])
    });
    assert_eq!(seen.len(), 400);
    let by_key = bolt_tasks_by_key(&seen);
    assert_eq!(by_key.len(), 40);
    assert!(by_key.values().all(|t| t.len() == 1), "{by_key:?}");
    let used: BTreeSet<_> = seen.iter().map(|(t, _)| *t).collect();
    assert!(used.len() > 1, "40 keys should use several tasks");
}

#[test]
fn all_grouping_reaches_every_task() {
    let seen = run("all", words(10, 10), |d| d.all_grouping("spout"));
    assert_eq!(seen.len(), 40);
    let by_key = bolt_tasks_by_key(&seen);
    assert!(by_key.values().all(|t| t.len() == 4));
}

#[test]
fn global_grouping_goes_to_the_lowest_task_id() {
    let (seen, bolt_tasks) =
        run_with_tasks("global", words(50, 50), |d| d.global_grouping("spout"));
    assert_eq!(seen.len(), 50);
    let tasks: BTreeSet<_> = seen.iter().map(|(t, _)| *t).collect();
    assert_eq!(bolt_tasks.len(), 4);
    assert_eq!(tasks, BTreeSet::from([bolt_tasks[0]]));
}

#[test]
fn shuffle_and_none_spread_every_tuple_once() {
    for (name, none) in [("shuffle", false), ("none", true)] {
        let seen = run(name, words(400, 400), |d| {
            if none {
                d.none_grouping("spout")
            } else {
                d.shuffle_grouping("spout")
            }
        });
        assert_eq!(seen.len(), 400);
        let tasks: BTreeSet<_> = seen.iter().map(|(t, _)| *t).collect();
        assert_eq!(tasks.len(), 4, "{name} should reach all tasks");
    }
}

#[test]
fn load_aware_shuffle_keeps_tuples_on_the_emitters_thread() {
    // Two threads: the spout runs on thread 0; the bolt, one pipeline stage later, starts one
    // thread further, so its first task runs on thread 1 and its second shares thread 0 with
    // the spout. A light load never leaves the spout's thread.
    let mut config = Config::new();
    config.worker_threads = Some(2);
    let (seen, tasks) = run_custom("near", words(300, 300), (1, 2), config.clone(), |d| {
        d.shuffle_grouping("spout")
    });
    assert_eq!(seen.len(), 300);
    let used: BTreeSet<_> = seen.iter().map(|(t, _)| *t).collect();
    assert_eq!(used, BTreeSet::from([tasks[1]]));

    // Storm's plain shuffle spreads evenly over both.
    config.disable_loadaware_messaging = true;
    let (seen, _) = run_custom("plain", words(300, 300), (1, 2), config, |d| {
        d.shuffle_grouping("spout")
    });
    let mut per_task: BTreeMap<TaskId, usize> = BTreeMap::new();
    for (t, _) in &seen {
        *per_task.entry(*t).or_default() += 1;
    }
    assert_eq!(
        per_task.values().copied().collect::<Vec<_>>(),
        vec![150, 150]
    );
}

/// Records like [`RecordingBolt`], computing for a millisecond per tuple.
struct SlowBolt(RecordingBolt);

impl Bolt for SlowBolt {
    fn prepare(&mut self, conf: &Config, ctx: &TopologyContext) {
        self.0.prepare(conf, ctx);
    }

    fn execute(&mut self, input: Tuple, c: &mut OutputCollector<'_>) -> ComponentResult {
        // A millisecond of computation per tuple: the thread is busy, not asleep.
        let until = std::time::Instant::now() + Duration::from_millis(1);
        let mut x = 0u64;
        while std::time::Instant::now() < until {
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(1));
        }
        self.0.execute(input, c)
    }

    fn declare_output_fields(&self, _d: &mut OutputFieldsDeclarer) {}
}

#[test]
fn load_aware_shuffle_widens_when_the_near_task_falls_behind() {
    // Tracked emits take the executor's way.
    assert!(far_task_gets_tuples_when_the_near_one_falls_behind(
        "widen-tracked",
        || ListSpout::new(words(3000, 3000), ["word", "n"])
    ));
}

#[test]
fn a_settled_shuffle_in_the_collectors_lane_widens_too() {
    // Untracked emits take the collector's inline lane, which sends straight to the one task
    // on the spout's thread while the shuffle is settled there: the lane must give that up
    // when the shuffle widens.
    assert!(far_task_gets_tuples_when_the_near_one_falls_behind(
        "widen-lane",
        || Numbers(0)
    ));
}

/// The bolt task on the spout's thread cannot keep up (its input fills), the one on the
/// other thread idles: within a refresh or two the shuffle spreads over both. False if the
/// far task has not taken a fair share within [`TIMEOUT`].
fn far_task_gets_tuples_when_the_near_one_falls_behind<S: Spout>(
    name: &str,
    spout: impl Fn() -> S + Send + Sync + 'static,
) -> bool {
    let seen = log();
    let mut b = TopologyBuilder::new();
    b.set_spout("spout", spout, 1);
    let sink = seen.clone();
    b.set_bolt(
        "bolt",
        move || SlowBolt(RecordingBolt::new(sink.clone())),
        2,
    )
    .shuffle_grouping("spout");
    let topology = b.create_topology().expect("valid");
    let mut config = Config::new();
    config.worker_threads = Some(2);
    config.executor_receive_buffer_size = 100;
    config.producer_batch_size = 20;
    let cluster = LocalCluster::new().expect("cluster");
    cluster
        .submit_topology(name, config, &topology)
        .expect("submit");
    // The bolt's first task runs one thread further than the spout (see
    // `load_aware_shuffle_keeps_tuples_on_the_emitters_thread`).
    let far = cluster
        .with_topology(name, |t| t.shape().layout.tasks_of("bolt")[0])
        .expect("running");
    // Widened, the far task takes a fair share, not only the odd tuple of the executor's way
    // (the first and last of each batch).
    let widened = wait_until(TIMEOUT, || {
        let seen = entries(&seen);
        let far_share = seen.iter().filter(|(t, _)| *t == far).count();
        far_share >= 100 && 3 * far_share >= seen.len() - far_share
    });
    cluster
        .kill_topology_with_opts(name, KillOptions::wait(0))
        .expect("kill");
    cluster.shutdown();
    widened
}

#[test]
fn local_or_shuffle_uses_the_tasks_of_this_worker() {
    // In local mode every task is in the one worker, so all four are candidates.
    let seen = run("local", words(400, 400), |d| {
        d.local_or_shuffle_grouping("spout")
    });
    assert_eq!(seen.len(), 400);
    let tasks: BTreeSet<_> = seen.iter().map(|(t, _)| *t).collect();
    assert_eq!(tasks.len(), 4);
}

#[test]
fn partial_key_grouping_spreads_a_hot_key_over_two_tasks() {
    let seen = run("pkg", words(400, 1), |d| {
        d.partial_key_grouping("spout", ["word"])
    });
    assert_eq!(seen.len(), 400);
    let by_key = bolt_tasks_by_key(&seen);
    assert_eq!(by_key["w0"].len(), 2, "{by_key:?}");
}

/// Sends each number to the task whose index is the number modulo the task count.
struct DirectSpout {
    left: Vec<i64>,
    targets: Vec<TaskId>,
}

impl Spout for DirectSpout {
    fn open(&mut self, _conf: &Config, ctx: &TopologyContext) {
        self.targets = ctx.component_tasks("bolt").to_vec();
    }
    fn next_tuple(&mut self, c: &mut SpoutOutputCollector<'_>) -> ComponentResult {
        if let Some(n) = self.left.pop() {
            let task = self.targets[n as usize % self.targets.len()];
            c.emit_direct(task, "direct", values![n], None)?;
        }
        Ok(())
    }
    fn declare_output_fields(&self, d: &mut OutputFieldsDeclarer) {
        d.declare_stream_direct("direct", true, ["n"]);
    }
    fn is_exhausted(&self) -> bool {
        self.left.is_empty()
    }
}

#[test]
fn direct_grouping_goes_where_the_emitter_says() {
    let seen = log();
    let mut b = TopologyBuilder::new();
    b.set_spout(
        "spout",
        || DirectSpout {
            left: (0..40).collect(),
            targets: Vec::new(),
        },
        1,
    );
    let sink = seen.clone();
    b.set_bolt("bolt", move || RecordingBolt::new(sink.clone()), 4)
        .direct_grouping(("spout", "direct"));
    let topology = b.create_topology().expect("valid");
    let cluster = LocalCluster::new().expect("cluster");
    cluster
        .submit_topology("direct", Config::new(), &topology)
        .expect("submit");
    cluster
        .wait_until_complete("direct", TIMEOUT)
        .expect("complete");
    let bolt_tasks = cluster
        .with_topology("direct", |t| t.shape().layout.tasks_of("bolt").to_vec())
        .expect("running");
    cluster.shutdown();
    let seen = entries(&seen);
    assert_eq!(seen.len(), 40);
    for (task, v) in seen {
        let n = v[0].as_i64().expect("int");
        assert_eq!(task, bolt_tasks[(n % 4) as usize]);
    }
}

/// Even numbers to the first target task, odd ones to the second.
#[derive(Default)]
struct ByParity(Vec<TaskId>);
impl CustomStreamGrouping for ByParity {
    fn prepare(&mut self, _s: &GlobalStreamId, targets: &[TaskId]) {
        self.0 = targets.to_vec();
    }
    fn choose_tasks(&mut self, _src: TaskId, values: &[Value], out: &mut Vec<TaskId>) {
        let n = values[1].as_i64().unwrap_or(0);
        out.push(self.0[(n % 2) as usize]);
    }
}

#[test]
fn custom_grouping_decides_the_targets() {
    let (seen, bolt_tasks) = run_with_tasks("custom", words(100, 100), |d| {
        d.custom_grouping("spout", ByParity::default)
    });
    assert_eq!(seen.len(), 100);
    for (task, v) in seen {
        let n = v[1].as_i64().expect("int");
        assert_eq!(task, bolt_tasks[(n % 2) as usize]);
    }
}
