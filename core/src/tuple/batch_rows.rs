//! The rows of a batch: the tuples one task sends another in one message, as rows of stream
//! number and values, with tree ids apart in a second column that only tracked tuples use
//! ([`BatchTuples`]). An untracked row is 64 bytes rather than 88 with an empty id slot: bytes
//! are what a hop between threads pays for, in cache lines moved from one core to the other.
//!
//! They live in this crate, beside [`crate::Tuple`], so that [`crate::Bolt::execute_batch`] can
//! turn rows into tuples in the same compiled loop as the bolt's `execute`.

use std::mem::MaybeUninit;

use serde::{Deserialize, Serialize};

use super::{MessageId, Values};

/// A tuple on its way between tasks, taken out of a batch: values, the stream (as an index into
/// the topology's stream table) and its tree ids. Field names travel once per stream,
/// not per tuple.
#[derive(Debug, Clone, PartialEq)]
pub struct WireTuple {
    /// Index of the (component, stream) it was emitted on.
    pub stream: u32,
    /// The values.
    pub values: Values,
    /// Its tuple-tree ids (empty when untracked).
    pub message_id: MessageId,
}

/// One tuple in a batch, without its tree ids. `repr(C)`, values first, so that
/// [`BatchTuples::push_taking`] can write it as eight words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[repr(C)]
struct Row {
    values: Values,
    stream: u32,
    tracked: bool,
}

/// Words of a `Values`, and of a row (the values, then one word of stream and flag).
const VALUES_WORDS: usize = 7;
const _: () = assert!(std::mem::size_of::<Values>() == 8 * VALUES_WORDS);
const _: () = assert!(std::mem::align_of::<Values>() == 8);
const _: () = assert!(std::mem::size_of::<Row>() == 8 * (VALUES_WORDS + 1));
const _: () = assert!(std::mem::offset_of!(Row, stream) == 8 * VALUES_WORDS);
const _: () = assert!(std::mem::offset_of!(Row, tracked) == 8 * VALUES_WORDS + 4);

/// The tuples of one batch (see the module doc).
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchTuples {
    rows: Vec<Row>,
    ids: Vec<MessageId>,
}

impl BatchTuples {
    /// Room for `tuples` tuples before growing.
    pub fn with_capacity(tuples: usize) -> Self {
        Self {
            rows: Vec::with_capacity(tuples),
            ids: Vec::new(),
        }
    }

    /// Tuples in the batch.
    #[inline]
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True if it holds none.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Tuples it holds before growing (0 for a batch never allocated).
    #[inline]
    pub fn capacity(&self) -> usize {
        self.rows.capacity()
    }

    /// Appends a tuple.
    #[inline(always)]
    pub fn push(&mut self, stream: u32, values: Values, message_id: MessageId) {
        let tracked = !message_id.is_unanchored();
        self.rows.push(Row {
            stream,
            tracked,
            values,
        });
        if tracked {
            self.ids.push(message_id);
        }
    }

    /// Appends a tuple, taking `values` (left empty), with its bytes moved word by word from
    /// where the author's code built them into the row. A move of the row by value goes through
    /// a temporary on the stack, built with narrow stores and read back with wide loads: a load
    /// that cannot take its bytes from one earlier store waits until the store buffer has
    /// drained, and on an emit's path that buffer holds the rows just appended (see
    /// `ARCHITECTURE.md`, the data path). Eight-byte loads match the stores that built the
    /// values, and the stream and flag are written as one word.
    #[inline(always)]
    #[allow(unsafe_code)]
    pub fn push_taking(&mut self, stream: u32, values: &mut Values, message_id: MessageId) {
        let tracked = !message_id.is_unanchored();
        let len = self.rows.len();
        if len == self.rows.capacity() {
            self.rows.reserve(1);
        }
        let src = (values as *mut Values).cast::<MaybeUninit<u64>>();
        // SAFETY: there is room for one more row at `len` (reserved above). `Row` is
        // `repr(C)`: its values are its first seven words, then the stream and the flag in the
        // eighth (checked by the constants above), so the row is fully written, its flag a valid
        // `bool`. The words of `values` are read as `MaybeUninit` (its unused inline slot and
        // padding may be uninitialised), volatile so that they stay eight-byte loads. The bytes
        // of `values` now belong to the row, and an empty `Values` is written over them before
        // anything can drop them twice.
        unsafe {
            let dst = self.rows.as_mut_ptr().add(len).cast::<MaybeUninit<u64>>();
            for i in 0..VALUES_WORDS {
                dst.add(i).write(src.add(i).read_volatile());
            }
            dst.add(VALUES_WORDS).write(MaybeUninit::new(
                u64::from(stream) | u64::from(tracked) << 32,
            ));
            std::ptr::write(values, Values::new());
            self.rows.set_len(len + 1);
        }
        if tracked {
            self.ids.push(message_id);
        }
    }

    /// Writes zeros over the room for the first `rows` rows, so that their cache lines are
    /// this core's before tuples are appended. A reused buffer's lines were last read by its
    /// receiver, often on another core: whole-line writes in one pass take them back without
    /// fetching them, while appends one row at a time would each wait for a transfer from that
    /// core (see `ARCHITECTURE.md`, the data path). Only the rows the receiver read need it.
    pub fn own_room(&mut self, rows: usize) {
        for slot in self.rows.spare_capacity_mut().iter_mut().take(rows) {
            *slot = std::mem::MaybeUninit::zeroed();
        }
    }

    /// Empties the batch, keeping its allocations for reuse.
    pub fn clear(&mut self) {
        self.rows.clear();
        self.ids.clear();
    }

    /// Takes the tuples out in order, leaving the batch empty with its allocations.
    pub fn drain(&mut self) -> BatchDrain<'_> {
        BatchDrain {
            rows: self.rows.drain(..),
            ids: self.ids.drain(..),
        }
    }

    /// Checks that every tracked tuple has its ids (a batch read from the network could lie).
    pub fn is_consistent(&self) -> bool {
        self.rows.iter().filter(|r| r.tracked).count() == self.ids.len()
    }
}

impl FromIterator<WireTuple> for BatchTuples {
    fn from_iter<I: IntoIterator<Item = WireTuple>>(iter: I) -> Self {
        let mut batch = BatchTuples::default();
        for t in iter {
            batch.push(t.stream, t.values, t.message_id);
        }
        batch
    }
}

/// The tuples of a batch, taken out in order.
pub struct BatchDrain<'a> {
    rows: std::vec::Drain<'a, Row>,
    ids: std::vec::Drain<'a, MessageId>,
}

impl Iterator for BatchDrain<'_> {
    type Item = WireTuple;

    #[inline]
    fn next(&mut self) -> Option<WireTuple> {
        let row = self.rows.next()?;
        let message_id = if row.tracked {
            self.ids.next().unwrap_or_default()
        } else {
            MessageId::unanchored()
        };
        Some(WireTuple {
            stream: row.stream,
            values: row.values,
            message_id,
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.rows.size_hint()
    }
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn owning_the_room_keeps_an_empty_batch_empty_and_its_capacity() {
        let mut batch: BatchTuples = sample().into_iter().collect();
        batch.clear();
        let capacity = batch.capacity();
        batch.own_room(capacity + 10);
        assert!(batch.is_empty());
        assert_eq!(batch.capacity(), capacity);
        let tuples = sample();
        for t in tuples.clone() {
            batch.push(t.stream, t.values, t.message_id);
        }
        assert_eq!(batch.drain().collect::<Vec<_>>(), tuples);
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
    fn an_untracked_row_is_smaller_than_a_tuple_with_an_id_slot() {
        assert!(std::mem::size_of::<Row>() + 16 <= std::mem::size_of::<WireTuple>());
    }
}
