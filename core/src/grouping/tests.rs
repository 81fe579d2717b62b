//! Grouping semantics, checked against Storm's definitions.
// Reference: storm-client/src/jvm/org/apache/storm/grouping/*.java and TupleUtils.chooseTaskIndex.

use std::collections::{BTreeMap, BTreeSet};

use super::*;
use crate::values;

fn tasks(r: std::ops::RangeInclusive<u32>) -> Vec<TaskId> {
    r.map(TaskId).collect()
}

fn grouper(g: Grouping, fields: &Fields, targets: &[TaskId], worker: &[TaskId]) -> Grouper {
    let stream = GlobalStreamId::new("src", "default");
    Grouper::new(
        &g,
        GrouperParams {
            stream: &stream,
            source_fields: fields,
            target_tasks: targets,
            worker_tasks: worker,
            thread_tasks: &[],
            load_aware: None,
            seed: 7,
            custom: None,
        },
    )
    .expect("grouper")
}

/// A fields grouping on `word` over a `(word, n)` stream.
fn word_grouper(targets: &[TaskId]) -> Grouper {
    grouper(
        Grouping::Fields(Fields::from(["word"])),
        &Fields::from(["word", "n"]),
        targets,
        &[],
    )
}

fn choose(g: &mut Grouper, values: &[Value]) -> Vec<TaskId> {
    let mut out = Vec::new();
    g.choose_tasks(TaskId(1), values, &mut out);
    out
}

#[test]
fn fields_grouping_sends_equal_keys_to_one_task() {
    let targets = tasks(3..=6);
    let mut g = word_grouper(&targets);
    let mut seen: BTreeMap<String, BTreeSet<TaskId>> = BTreeMap::new();
    for i in 0..2000 {
        let word = format!("w{}", i % 50);
        let t = choose(&mut g, &values![word.clone(), i]);
        assert_eq!(t.len(), 1);
        seen.entry(word).or_default().insert(t[0]);
    }
    assert!(
        seen.values().all(|s| s.len() == 1),
        "a key reached two tasks"
    );
    let used: BTreeSet<TaskId> = seen.values().flatten().copied().collect();
    assert_eq!(used.len(), 4, "50 keys should cover all 4 tasks");
}

#[test]
fn fields_grouping_with_one_target_sends_every_key_to_it() {
    let targets = tasks(9..=9);
    let mut g = word_grouper(&targets);
    for i in 0..100 {
        assert_eq!(choose(&mut g, &values![format!("w{i}"), i]), targets);
    }
}

#[test]
fn fields_grouping_picks_the_task_storm_picks() {
    // floorMod(Arrays.deepHashCode(["hello"]), 3) = floorMod(31 + 99162322, 3) = 99162353 % 3 = 2
    let fields = Fields::from(["word"]);
    let targets = tasks(10..=12);
    let mut g = grouper(Grouping::Fields(fields.clone()), &fields, &targets, &[]);
    assert_eq!(choose(&mut g, &values!["hello"]), vec![TaskId(12)]);
    // A negative hash still maps into range (floorMod, not %).
    let mut g = grouper(Grouping::Fields(fields.clone()), &fields, &targets, &[]);
    let h = Value::from("polygenelubricants").java_hash_code();
    assert!(h.wrapping_add(31) < 0);
    let expected = targets[(h.wrapping_add(31)).rem_euclid(3) as usize];
    assert_eq!(
        choose(&mut g, &values!["polygenelubricants"]),
        vec![expected]
    );
}

#[test]
fn all_grouping_reaches_every_task() {
    let fields = Fields::from(["x"]);
    let targets = tasks(1..=5);
    let mut g = grouper(Grouping::All, &fields, &targets, &[]);
    assert_eq!(choose(&mut g, &values![1]), targets);
}

#[test]
fn global_grouping_goes_to_the_lowest_task() {
    let fields = Fields::from(["x"]);
    let targets = vec![TaskId(9), TaskId(4), TaskId(7)];
    let mut g = grouper(Grouping::Global, &fields, &targets, &[]);
    for i in 0..10 {
        assert_eq!(choose(&mut g, &values![i]), vec![TaskId(4)]);
    }
    // An empty fields grouping is a global grouping, as in Storm.
    let mut g = grouper(Grouping::Fields(Fields::default()), &fields, &targets, &[]);
    assert_eq!(choose(&mut g, &values![1]), vec![TaskId(4)]);
}

#[test]
fn direct_grouping_takes_no_regular_emits() {
    let fields = Fields::from(["x"]);
    let mut g = grouper(Grouping::Direct, &fields, &tasks(1..=3), &[]);
    assert!(g.is_direct());
    assert!(choose(&mut g, &values![1]).is_empty());
}

#[test]
fn shuffle_spreads_evenly_round_robin() {
    let fields = Fields::from(["x"]);
    let targets = tasks(1..=4);
    let mut g = grouper(Grouping::Shuffle, &fields, &targets, &[]);
    let mut counts: BTreeMap<TaskId, u32> = BTreeMap::new();
    for i in 0..400 {
        for t in choose(&mut g, &values![i]) {
            *counts.entry(t).or_default() += 1;
        }
    }
    assert_eq!(counts.len(), 4);
    assert!(counts.values().all(|c| *c == 100), "{counts:?}");
}

#[test]
fn none_grouping_picks_one_task_at_random() {
    let fields = Fields::from(["x"]);
    let targets = tasks(1..=3);
    let mut g = grouper(Grouping::None, &fields, &targets, &[]);
    let mut used = BTreeSet::new();
    for i in 0..300 {
        let t = choose(&mut g, &values![i]);
        assert_eq!(t.len(), 1);
        used.insert(t[0]);
    }
    assert_eq!(used.len(), 3);
}

#[test]
fn local_or_shuffle_prefers_tasks_in_the_worker() {
    let fields = Fields::from(["x"]);
    let targets = tasks(1..=6);
    let worker = vec![TaskId(2), TaskId(5), TaskId(40)];
    let mut g = grouper(Grouping::LocalOrShuffle, &fields, &targets, &worker);
    let used: BTreeSet<TaskId> = (0..100).flat_map(|i| choose(&mut g, &values![i])).collect();
    assert_eq!(used, BTreeSet::from([TaskId(2), TaskId(5)]));
    // With no target in the worker it shuffles over all of them.
    let mut g = grouper(Grouping::LocalOrShuffle, &fields, &targets, &[TaskId(99)]);
    let used: BTreeSet<TaskId> = (0..100).flat_map(|i| choose(&mut g, &values![i])).collect();
    assert_eq!(used.len(), 6);
}

#[test]
fn partial_key_spreads_a_hot_key_over_two_tasks() {
    let fields = Fields::from(["word"]);
    let targets = tasks(1..=8);
    let mut g = grouper(Grouping::PartialKey(fields.clone()), &fields, &targets, &[]);
    let mut counts: BTreeMap<TaskId, u32> = BTreeMap::new();
    for _ in 0..1000 {
        let t = choose(&mut g, &values!["hot"]);
        assert_eq!(t.len(), 1);
        *counts.entry(t[0]).or_default() += 1;
    }
    assert_eq!(
        counts.len(),
        2,
        "a hot key uses exactly its two candidates: {counts:?}"
    );
    assert!(
        counts.values().all(|c| *c == 500),
        "and balances them: {counts:?}"
    );
}

#[test]
fn partial_key_candidates_follow_java_random() {
    // key bytes = big-endian "hot".hashCode() = 103501 = [0, 1, 148, 77];
    // seed = Arrays.hashCode(bytes); c1, c2 = new Random(seed).nextInt(8) twice.
    let mut pk = PartialKeyGrouper::new(Some(vec![0]), tasks(1..=8));
    let [a, b] = pk.candidates(&values!["hot"]).expect("candidates");
    let bytes = 103_501i32.to_be_bytes();
    let seed = crate::util::java_hash::bytes_hash(&bytes);
    let mut rnd = crate::util::JavaRandom::new(i64::from(seed));
    let c1 = rnd.next_int(8);
    let mut c2 = rnd.next_int(8);
    if c2 == c1 {
        c2 = (c2 + 1) % 8;
    }
    assert_eq!((a, b), (TaskId(c1 as u32 + 1), TaskId(c2 as u32 + 1)));
    assert_ne!(a, b);
}

struct EvenOdd;
impl CustomStreamGrouping for EvenOdd {
    fn prepare(&mut self, _stream: &GlobalStreamId, _targets: &[TaskId]) {}
    fn choose_tasks(&mut self, _src: TaskId, values: &[Value], out: &mut Vec<TaskId>) {
        let n = values[0].as_i64().unwrap_or(0);
        out.push(TaskId(if n % 2 == 0 { 1 } else { 2 }));
    }
}

#[test]
fn custom_grouping_decides_the_targets() {
    let fields = Fields::from(["x"]);
    let stream = GlobalStreamId::new("src", "default");
    let mut g = Grouper::new(
        &Grouping::Custom("evenodd".into()),
        GrouperParams {
            stream: &stream,
            source_fields: &fields,
            target_tasks: &tasks(1..=2),
            worker_tasks: &[],
            thread_tasks: &[],
            load_aware: None,
            seed: 0,
            custom: Some(Box::new(EvenOdd)),
        },
    )
    .expect("grouper");
    assert_eq!(choose(&mut g, &values![4]), vec![TaskId(1)]);
    assert_eq!(choose(&mut g, &values![5]), vec![TaskId(2)]);
}
