//! Multiple named streams, task counts versus parallelism, tick tuples and emit errors.

// Tests fail by panicking: unwrap and expect are how they assert.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use storm_core::topology::TopologyShape;
use storm_core::*;
use storm_worker::testing::{complete_topology, CompleteTopologyParam, MockedSources};
use storm_worker::{KillOptions, LocalCluster};

const TIMEOUT: Duration = Duration::from_secs(20);

/// Splits numbers into an "even" and an "odd" stream.
struct ParityBolt;
impl BasicBolt for ParityBolt {
    fn execute(&mut self, t: &Tuple, c: &mut BasicOutputCollector<'_, '_>) -> ComponentResult {
        let n = t.get_i64_by_field("n").ok_or("n")?;
        let stream = if n % 2 == 0 { "even" } else { "odd" };
        c.emit_to(stream, values![n, n * n])?;
        Ok(())
    }
    fn declare_output_fields(&self, d: &mut OutputFieldsDeclarer) {
        d.declare_stream("even", ["n", "square"]);
        d.declare_stream("odd", ["n", "square"]);
    }
}

struct NoSpout;
impl Spout for NoSpout {
    fn next_tuple(&mut self, _c: &mut SpoutOutputCollector<'_>) -> ComponentResult {
        Ok(())
    }
    fn declare_output_fields(&self, d: &mut OutputFieldsDeclarer) {
        d.declare(["n"]);
    }
}

#[test]
fn tuples_go_out_on_their_named_streams() {
    let evens = log();
    let mut b = TopologyBuilder::new();
    b.set_spout("numbers", || NoSpout, 1);
    b.set_basic_bolt("parity", || ParityBolt, 3)
        .shuffle_grouping("numbers");
    let sink = evens.clone();
    b.set_bolt("evens", move || RecordingBolt::new(sink.clone()), 1)
        .shuffle_grouping(("parity", "even"));
    let topology = b.create_topology().expect("valid");
    let mut sources = MockedSources::new();
    sources.add_mock_data("numbers", (1..=10).map(|n| values![n]));
    let cluster = LocalCluster::new().expect("cluster");
    let out = complete_topology(&cluster, &topology, CompleteTopologyParam::new(sources))
        .expect("complete");
    let sorted = |mut v: Vec<Values>| {
        v.sort_by_key(|v| v[0].as_i64());
        v
    };
    assert_eq!(
        sorted(out.read_tuples("parity", "even")),
        (1..=5)
            .map(|k| values![2 * k, 4 * k * k])
            .collect::<Vec<_>>()
    );
    assert_eq!(sorted(out.read_tuples("parity", "odd")).len(), 5);
    assert!(out.read_tuples("parity", "default").is_empty());
    assert_eq!(out.read_tuples("numbers", "default").len(), 10);
    // Only the "even" stream reached the bolt subscribed to it.
    let got: BTreeSet<i64> = entries(&evens)
        .iter()
        .filter_map(|(_, v)| v[0].as_i64())
        .collect();
    assert_eq!(got, BTreeSet::from([2, 4, 6, 8, 10]));
    cluster.shutdown();
}

/// (task id, task index, the component's tasks) as each task saw them in `prepare`.
type TaskInfos = Arc<Mutex<Vec<(TaskId, usize, Vec<TaskId>)>>>;

/// Records the task id and the component's task list it was given.
struct TaskInfoBolt(TaskInfos);
impl Bolt for TaskInfoBolt {
    fn prepare(&mut self, _c: &Config, ctx: &TopologyContext) {
        self.0.lock().expect("log").push((
            ctx.this_task_id(),
            ctx.this_task_index(),
            ctx.component_tasks("bolt").to_vec(),
        ));
    }
    fn execute(&mut self, t: Tuple, c: &mut OutputCollector<'_>) -> ComponentResult {
        c.ack(&t);
        Ok(())
    }
    fn declare_output_fields(&self, _d: &mut OutputFieldsDeclarer) {}
}

#[test]
fn a_component_runs_its_task_count_not_its_parallelism() {
    let infos = Arc::new(Mutex::new(Vec::new()));
    let mut b = TopologyBuilder::new();
    b.set_spout("spout", || NoSpout, 1);
    let sink = infos.clone();
    b.set_bolt("bolt", move || TaskInfoBolt(sink.clone()), 2)
        .set_num_tasks(5)
        .shuffle_grouping("spout");
    let topology = b.create_topology().expect("valid");
    // The shape every process computes: the user's components plus one acker (task 1,
    // since "__acker" sorts first), then "bolt" and "spout".
    let shape = TopologyShape::new("tasks", &topology.definition, &Config::new());
    let layout = &shape.layout;
    assert_eq!(layout.tasks_of("__acker"), &[TaskId(1)]);
    assert_eq!(layout.tasks_of("bolt").len(), 5);
    assert_eq!(layout.executors_of("bolt").len(), 2);
    let expected_tasks: Vec<TaskId> = (2..=6).map(TaskId).collect();
    assert_eq!(layout.tasks_of("bolt"), expected_tasks.as_slice());
    let cluster = LocalCluster::new().expect("cluster");
    cluster
        .submit_topology("tasks", Config::new(), &topology)
        .expect("submit");
    assert!(wait_until(TIMEOUT, || infos.lock().expect("log").len() == 5));
    let mut got = infos.lock().expect("log").clone();
    got.sort();
    for (i, (task, index, all)) in got.iter().enumerate() {
        assert_eq!(*task, expected_tasks[i]);
        assert_eq!(*index, i);
        assert_eq!(all, &expected_tasks);
    }
    cluster.shutdown();
}

struct TickCounter(Log<(TaskId, Values)>);
impl Bolt for TickCounter {
    fn execute(&mut self, t: Tuple, c: &mut OutputCollector<'_>) -> ComponentResult {
        if t.is_tick() {
            assert_eq!(t.source_component().as_str(), "__system");
            self.0
                .lock()
                .expect("log")
                .push((t.source_task(), t.values().clone()));
        }
        c.ack(&t);
        Ok(())
    }
    fn declare_output_fields(&self, _d: &mut OutputFieldsDeclarer) {}
}

#[test]
fn bolts_get_tick_tuples_at_the_configured_frequency() {
    let ticks = log();
    let mut b = TopologyBuilder::new();
    b.set_spout("spout", || NoSpout, 1);
    let sink = ticks.clone();
    b.set_bolt("ticked", move || TickCounter(sink.clone()), 1)
        .add_configuration("topology.tick.tuple.freq.secs", 1)
        .shuffle_grouping("spout");
    let topology = b.create_topology().expect("valid");
    let cluster = LocalCluster::new().expect("cluster");
    cluster
        .submit_topology("ticks", Config::new(), &topology)
        .expect("submit");
    assert!(wait_until(Duration::from_secs(10), || entries(&ticks)
        .len()
        >= 2));
    let first = entries(&ticks)[0].clone();
    assert_eq!(first, (TaskId::SYSTEM, values![1]));
    cluster.shutdown();
}

/// Counts ticks, and takes long enough over every other tuple that its input never runs dry.
struct SlowTickCounter(Log<(TaskId, Values)>);
impl Bolt for SlowTickCounter {
    fn execute(&mut self, t: Tuple, c: &mut OutputCollector<'_>) -> ComponentResult {
        if t.is_tick() {
            self.0
                .lock()
                .expect("log")
                .push((t.source_task(), t.values().clone()));
        } else {
            std::thread::sleep(Duration::from_micros(50));
        }
        c.ack(&t);
        Ok(())
    }
    fn declare_output_fields(&self, _d: &mut OutputFieldsDeclarer) {}
}

// A saturated bolt's mailbox never empties, and actix runs an actor's timers only when it does:
// the ticks must still come.
#[test]
fn a_saturated_bolt_still_gets_its_tick_tuples() {
    let ticks = log();
    let mut b = TopologyBuilder::new();
    b.set_spout("numbers", || Numbers(0), 1);
    let sink = ticks.clone();
    b.set_bolt("slow", move || SlowTickCounter(sink.clone()), 1)
        .add_configuration("topology.tick.tuple.freq.secs", 1)
        .shuffle_grouping("numbers");
    let topology = b.create_topology().expect("valid");
    let cluster = LocalCluster::new().expect("cluster");
    cluster
        .submit_topology("busy-ticks", Config::new(), &topology)
        .expect("submit");
    assert!(wait_until(Duration::from_secs(20), || entries(&ticks)
        .len()
        >= 3));
    assert_eq!(entries(&ticks)[0], (TaskId::SYSTEM, values![1]));
    cluster.shutdown();
}

/// Tries every kind of bad emit once, recording the errors.
struct BadEmitter {
    errors: Log<EmitError>,
    done: bool,
}
impl Spout for BadEmitter {
    fn next_tuple(&mut self, c: &mut SpoutOutputCollector<'_>) -> ComponentResult {
        if self.done {
            return Ok(());
        }
        self.done = true;
        let mut errors = self.errors.lock().expect("log");
        errors.extend(c.emit_to("nope", values![1], None).err());
        errors.extend(c.emit(values![1, 2]).err());
        errors.extend(c.emit_direct(TaskId(1), "default", values![1], None).err());
        errors.extend(c.emit_to("direct", values![1], None).err());
        errors.extend(c.emit_direct(TaskId(99), "direct", values![1], None).err());
        Ok(())
    }
    fn declare_output_fields(&self, d: &mut OutputFieldsDeclarer) {
        d.declare(["n"]);
        d.declare_stream_direct("direct", true, ["n"]);
    }
    fn is_exhausted(&self) -> bool {
        self.done
    }
}

#[test]
fn bad_emits_are_refused_with_clear_errors_and_send_nothing() {
    let errors = log();
    let seen = log();
    let mut b = TopologyBuilder::new();
    let e = errors.clone();
    b.set_spout(
        "bad",
        move || BadEmitter {
            errors: e.clone(),
            done: false,
        },
        1,
    );
    let s1 = seen.clone();
    b.set_bolt("regular", move || RecordingBolt::new(s1.clone()), 1)
        .shuffle_grouping("bad");
    let s2 = seen.clone();
    b.set_bolt("direct", move || RecordingBolt::new(s2.clone()), 1)
        .direct_grouping(("bad", "direct"));
    let topology = b.create_topology().expect("valid");
    let cluster = LocalCluster::new().expect("cluster");
    cluster
        .submit_topology("bad", Config::new(), &topology)
        .expect("submit");
    cluster
        .wait_until_complete("bad", TIMEOUT)
        .expect("complete");
    cluster
        .kill_topology_with_opts("bad", KillOptions::wait(0))
        .expect("kill");
    let errors: Vec<EmitErrorKind> = entries(&errors).iter().map(|e| e.kind().clone()).collect();
    let bad = ComponentId::new("bad");
    assert_eq!(
        errors,
        vec![
            EmitErrorKind::UnknownStream {
                component: bad.clone(),
                stream: "nope".into()
            },
            EmitErrorKind::WrongArity {
                component: bad.clone(),
                stream: StreamId::new("default"),
                got: 2,
                expected: 1
            },
            EmitErrorKind::NotDirect {
                component: bad.clone(),
                stream: StreamId::new("default")
            },
            EmitErrorKind::DirectStream {
                component: bad.clone(),
                stream: StreamId::new("direct")
            },
            EmitErrorKind::NotSubscribed {
                component: bad,
                stream: StreamId::new("direct"),
                task: TaskId(99)
            },
        ]
    );
    assert!(
        entries(&seen).is_empty(),
        "a refused emit must send nothing"
    );
    cluster.shutdown();
}

/// Emits each input on the default stream, then its negation on the "echo" stream.
struct TwoStreamEcho;
impl BasicBolt for TwoStreamEcho {
    fn execute(&mut self, t: &Tuple, c: &mut BasicOutputCollector<'_, '_>) -> ComponentResult {
        let n = t.get_i64(0).ok_or("n")?;
        c.emit(values![n])?;
        c.emit_to("echo", values![-n])?;
        Ok(())
    }
    fn declare_output_fields(&self, d: &mut OutputFieldsDeclarer) {
        d.declare(["n"]);
        d.declare_stream("echo", ["n"]);
    }
}

#[test]
fn one_tasks_tuples_reach_a_target_in_emit_order_across_streams_and_batches() {
    // The default stream goes the collectors' inline short way and "echo" the executor's
    // general way; both append to the same batch for the sink, which fills every 3 tuples.
    tuples_keep_emit_order(false);
}

#[test]
fn one_tasks_tuples_reach_a_target_on_its_thread_in_emit_order_across_streams() {
    // On one thread the sink shares the echo bolt's arbiter.
    tuples_keep_emit_order(true);
}

fn tuples_keep_emit_order(one_thread: bool) {
    let seen = log();
    let mut b = TopologyBuilder::new();
    let numbers: Vec<Values> = (1..=50).map(|n| values![n]).collect();
    b.set_spout("numbers", move || ListSpout::new(numbers.clone(), ["n"]), 1);
    b.set_basic_bolt("echo", || TwoStreamEcho, 1)
        .shuffle_grouping("numbers");
    let s = seen.clone();
    b.set_bolt("sink", move || RecordingBolt::new(s.clone()), 1)
        .global_grouping("echo")
        .global_grouping(("echo", "echo"));
    let topology = b.create_topology().expect("valid");
    let mut config = Config::new();
    config.acker_executors = Some(0);
    config.producer_batch_size = 3;
    // Two threads put the sink on its own; one puts every task on one arbiter.
    config.worker_threads = Some(if one_thread { 1 } else { 2 });
    let cluster = LocalCluster::new().expect("cluster");
    cluster
        .submit_topology("order", config, &topology)
        .expect("submit");
    cluster
        .wait_until_complete("order", TIMEOUT)
        .expect("complete");
    cluster
        .kill_topology_with_opts("order", KillOptions::wait(0))
        .expect("kill");
    let got: Vec<i64> = entries(&seen)
        .iter()
        .filter_map(|(_, v)| v[0].as_i64())
        .collect();
    let expected: Vec<i64> = (1..=50).flat_map(|n| [n, -n]).collect();
    assert_eq!(got, expected);
    cluster.shutdown();
}
