//! Tests of the batch records: layout, round trips, drains, drops and bincode.

use super::*;
use crate::tuple::Value;
use crate::values;

fn sample() -> Vec<WireTuple> {
    vec![
        WireTuple {
            stream: 1,
            values: values!["a"],
            message_id: MessageId::unanchored(),
        },
        WireTuple {
            stream: 2,
            values: values!["b", 2, 3.5],
            message_id: MessageId::root(7, 9),
        },
        WireTuple {
            stream: 1,
            values: Values::new(),
            message_id: MessageId::unanchored(),
        },
        WireTuple {
            stream: 3,
            values: values![Value::Null, "c"],
            message_id: MessageId::root(8, 10),
        },
    ]
}

/// The sample tuples, pushed into `batch` and drained, come out as they went in.
fn reads_back_what_goes_in(batch: &mut BatchTuples) {
    let tuples = sample();
    for t in tuples.clone() {
        batch.push(t.stream, t.values, t.message_id);
    }
    assert_eq!(batch.drain().collect::<Vec<_>>(), tuples);
}

#[test]
fn owning_the_room_keeps_an_empty_batch_empty_and_its_capacity() {
    let mut batch: BatchTuples = sample().into_iter().collect();
    batch.clear();
    let capacity = batch.capacity();
    batch.own_room();
    assert!(batch.is_empty());
    assert_eq!(batch.capacity(), capacity);
    reads_back_what_goes_in(&mut batch);
}

#[test]
fn a_taken_tuple_comes_out_whole_and_leaves_its_values_empty() {
    let long = "a string too long to be stored inline in a value";
    let tuples = [
        sample(),
        vec![WireTuple {
            stream: u32::MAX,
            values: values![long, Value::Bytes(vec![1, 2].into()), i64::MIN],
            message_id: MessageId::root(u64::MAX, 1),
        }],
    ]
    .concat();
    let mut batch = BatchTuples::with_capacity(1);
    for t in tuples.clone() {
        let mut values = t.values;
        batch.push_taking(t.stream, &mut values, t.message_id);
        assert!(values.is_empty(), "the row took the values");
    }
    assert!(batch.is_consistent());
    assert_eq!(batch.drain().collect::<Vec<_>>(), tuples);
}

#[test]
fn tuples_come_out_as_they_went_in_and_the_buffer_is_kept() {
    let mut batch: BatchTuples = sample().into_iter().collect();
    assert_eq!(batch.len(), 4);
    assert!(batch.is_consistent());
    let out: Vec<WireTuple> = batch.drain().collect();
    assert_eq!(out, sample());
    assert!(batch.is_empty());
    assert!(batch.capacity() >= 4, "allocation kept for reuse");
}

#[test]
fn a_batch_missing_ids_is_detected_and_drains_without_them() {
    let mut batch: BatchTuples = sample().into_iter().collect();
    batch.ids.pop();
    assert!(!batch.is_consistent());
    let out: Vec<WireTuple> = batch.drain().collect();
    assert_eq!(out.len(), 4);
    assert!(out[3].message_id.is_unanchored());
}

#[test]
fn what_a_drain_does_not_hand_out_it_drops() {
    let long = || Value::from("a string too long to be stored inline in a value");
    let mut batch = BatchTuples::with_capacity(1);
    batch.push(1, values![long()], MessageId::unanchored());
    batch.push(2, values![long(), 7], MessageId::root(3, 4));
    batch.push(3, values![long(), long(), long()], MessageId::unanchored());
    batch.push(4, values![long()], MessageId::root(5, 6));
    let mut drain = batch.drain();
    assert_eq!(drain.len(), 4);
    // A record stepped onto and not taken is dropped at the next step.
    assert_eq!(drain.next_record().map(|(s, _)| s), Some(1));
    let (stream, id) = drain.next_record().expect("second");
    assert_eq!((stream, id), (2, MessageId::root(3, 4)));
    let mut values = values![long(), long(), long()];
    drain.take_values_into(&mut values);
    assert_eq!(values, values![long(), 7], "heap values replaced in place");
    drop(drain);
    assert!(batch.is_empty());
    assert!(batch.is_consistent());
    // Reused, the batch still reads back what goes in.
    batch.own_room();
    reads_back_what_goes_in(&mut batch);
}

#[test]
fn a_batch_is_cloned_and_compared_by_its_tuples() {
    let batch: BatchTuples = sample().into_iter().collect();
    let copy = batch.clone();
    assert_eq!(copy, batch);
    let mut other: BatchTuples = sample().into_iter().collect();
    other.push(1, values!["more"], MessageId::unanchored());
    assert_ne!(other, batch);
    assert!(format!("{batch:?}").contains("\"c\""));
}

#[test]
fn a_one_value_tuple_takes_four_words_and_two_values_seven() {
    let mut batch = BatchTuples::with_capacity(4);
    batch.push(0, values!["a"], MessageId::unanchored());
    assert_eq!(batch.words.len(), 4);
    batch.push(0, values!["a", 1], MessageId::root(1, 2));
    assert_eq!(batch.words.len(), 4 + 7);
    batch.push(0, values![1, 2, 3], MessageId::unanchored());
    assert_eq!(
        batch.words.len(),
        4 + 7 + 8,
        "heap values travel as a whole Values"
    );
    assert_eq!(batch.len(), 3);
}

#[test]
fn a_batch_names_the_roots_of_its_tracked_tuples_and_of_its_init_rows() {
    let mut batch = BatchTuples::with_capacity(4);
    batch.push(0, values!["a"], MessageId::root(5, 1));
    batch.push(0, values!["b"], MessageId::root(5, 2));
    batch.push(0, values!["c"], MessageId::unanchored());
    batch.push(0, values!["d"], MessageId::Many(vec![(6, 1), (7, 1)]));
    batch.push(9, values![8, 3], MessageId::unanchored());
    let mut roots = Vec::new();
    batch.tree_roots_into(&mut roots);
    assert_eq!(roots, [5, 6, 7], "a run of one tree counts once");
    let mut inits = Vec::new();
    batch.first_ints_of_stream(9, &mut inits);
    assert_eq!(inits, [8]);
}
