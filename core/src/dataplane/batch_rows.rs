//! The rows of a batch: the tuples one task sends another in one message, as records of stream
//! number and values packed in one buffer of words, with tree ids apart in a second column
//! that only tracked tuples use ([`BatchTuples`]). A record is as long as its values: a header
//! word (stream, tracked flag, kind), then each inline value's three words, so a one-value
//! tuple takes 32 bytes and a two-value tuple 56; values that live on the heap (more than two)
//! travel as their seven-word `Values`. Bytes are what a hop between threads pays for, in cache
//! lines moved from one core to the other, and what the batches streaming through a core's
//! first-level cache evict of everything else.
//!
//! They live in this crate, beside [`crate::Tuple`], so that the provided `Bolt::execute_batch` can
//! turn rows into tuples in the same compiled loop as the bolt's `execute`.

use std::fmt;
use std::marker::PhantomData;
use std::mem::MaybeUninit;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::tuple::{MessageId, Value, Values, INLINE_VALUES, VALUE_WORDS};

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

/// Words of a `Values`.
const VALUES_WORDS: usize = 7;
const _: () = assert!(std::mem::size_of::<Values>() == 8 * VALUES_WORDS);
const _: () = assert!(std::mem::align_of::<Values>() == 8);
/// The longest record: a header and a whole `Values`.
const MAX_RECORD_WORDS: usize = 1 + VALUES_WORDS;
/// The kind of a record whose values are a whole `Values` (on the heap).
const KIND_HEAP: u64 = 3;
const _: () = assert!(INLINE_VALUES < KIND_HEAP as usize);
const _: () = assert!(INLINE_VALUES * VALUE_WORDS < MAX_RECORD_WORDS);

type Word = MaybeUninit<u64>;

/// A record's header, the one place that knows the record format: as a word, the stream, the
/// tracked flag at bit 32 and the kind (the number of inline values, or [`KIND_HEAP`]) from
/// bit 40.
#[derive(Clone, Copy)]
struct Header {
    stream: u32,
    tracked: bool,
    kind: u64,
}

impl Header {
    #[inline(always)]
    fn word(self) -> u64 {
        u64::from(self.stream) | u64::from(self.tracked) << 32 | self.kind << 40
    }

    #[inline(always)]
    fn read(word: u64) -> Self {
        Self {
            stream: word as u32,
            tracked: word >> 32 & 1 == 1,
            kind: word >> 40,
        }
    }

    /// Words of the record it heads, itself included.
    #[inline(always)]
    fn record_words(self) -> usize {
        if self.kind == KIND_HEAP {
            MAX_RECORD_WORDS
        } else {
            1 + self.kind as usize * VALUE_WORDS
        }
    }
}

/// The tuples of one batch (see the module doc).
#[derive(Default)]
pub struct BatchTuples {
    /// The records, back to back. Every word below `words.len()` is initialised.
    words: Vec<Word>,
    /// Tuples in `words`.
    len: usize,
    /// Tree ids of the tracked tuples, in order.
    ids: Vec<MessageId>,
    /// Words the last drain read: what [`BatchTuples::own_room`] writes over.
    read: usize,
}

// A batch crosses threads (a mailbox message to another task's arbiter), so it must be `Send`.
// It is, with no `unsafe impl`, through its fields: words of `MaybeUninit<u64>` and
// `MessageId`s. But those words own the `Value`s and whole `Values` moved into them bitwise,
// so sending a batch sends them: that is sound only because they are `Send` themselves. The
// compiler cannot see through the words, hence this check: should `Value` ever hold something
// that is not `Send` (an `Rc`, say), this stops compiling rather than let batches carry it to
// another thread.
const _: fn() = || {
    fn assert_send<T: Send>() {}
    assert_send::<Value>();
    assert_send::<Values>();
    assert_send::<MessageId>();
    assert_send::<BatchTuples>();
};

/// One record read in place: stream, tracked flag, values.
struct RecordRef<'a> {
    stream: u32,
    tracked: bool,
    values: &'a [Value],
}

impl BatchTuples {
    /// Room for `tuples` tuples of any size before growing.
    pub fn with_capacity(tuples: usize) -> Self {
        Self {
            words: Vec::with_capacity(tuples * MAX_RECORD_WORDS),
            len: 0,
            ids: Vec::new(),
            read: 0,
        }
    }

    /// Tuples in the batch.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// True if it holds none.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Tuples it holds for sure before growing, whatever their size (0 for a batch never
    /// allocated).
    #[inline]
    pub fn capacity(&self) -> usize {
        self.words.capacity() / MAX_RECORD_WORDS
    }

    /// Appends a tuple.
    #[inline(always)]
    pub fn push(&mut self, stream: u32, mut values: Values, message_id: MessageId) {
        self.push_taking(stream, &mut values, message_id);
    }

    /// Appends a tuple, taking `values` (left empty), with its bytes moved word by word from
    /// where the author's code built them into the record. A move of a row by value goes
    /// through a temporary on the stack, built with narrow stores and read back with wide
    /// loads: a load that cannot take its bytes from one earlier store waits until the store
    /// buffer has drained, and on an emit's path that buffer holds the rows just appended (see
    /// `ARCHITECTURE.md`, the data path). Eight-byte loads match the stores that built the
    /// values, and the stream, flag and kind are written as one word.
    #[inline(always)]
    pub fn push_taking(&mut self, stream: u32, values: &mut Values, message_id: MessageId) {
        let tracked = !message_id.is_unanchored();
        self.append(stream, tracked, values);
        if tracked {
            self.ids.push(message_id);
        }
    }

    /// Appends a record, taking `values`; the caller keeps the ids column in step.
    #[inline(always)]
    #[allow(unsafe_code)]
    fn append(&mut self, stream: u32, tracked: bool, values: &mut Values) {
        let at = self.words.len();
        if self.words.capacity() - at < MAX_RECORD_WORDS {
            self.words.reserve(MAX_RECORD_WORDS);
        }
        // SAFETY: there is room for a record of up to MAX_RECORD_WORDS at `at` (reserved
        // above). Inline values are copied as their words (read as `MaybeUninit`, volatile so
        // that they stay eight-byte loads) and forgotten in `values`, which the record owns now;
        // heap values move as their whole `Values`, replaced by an empty one. Every word up to
        // the new length is written.
        unsafe {
            let dst = self.words.as_mut_ptr().add(at);
            let header = match values.inline_values() {
                Some(inline) => {
                    let n = inline.len();
                    let src = inline.as_ptr().cast::<Word>();
                    let header = Header {
                        stream,
                        tracked,
                        kind: n as u64,
                    };
                    dst.write(MaybeUninit::new(header.word()));
                    let copy = |words: usize| {
                        for i in 0..words {
                            dst.add(1 + i).write(src.add(i).read_volatile());
                        }
                    };
                    match n {
                        0 => {}
                        1 => copy(VALUE_WORDS),
                        _ => copy(2 * VALUE_WORDS),
                    }
                    values.forget_values();
                    header
                }
                None => {
                    let header = Header {
                        stream,
                        tracked,
                        kind: KIND_HEAP,
                    };
                    dst.write(MaybeUninit::new(header.word()));
                    dst.add(1).cast::<Values>().write(std::mem::take(values));
                    header
                }
            };
            self.words.set_len(at + header.record_words());
        }
        self.len += 1;
    }

    /// Writes zeros over the words the last drain read, so that their cache lines are this
    /// core's before tuples are appended. A reused buffer's lines were last read by its
    /// receiver, often on another core: whole-line writes in one pass take them back without
    /// fetching them, while appends one record at a time would each wait for a transfer from
    /// that core (see `ARCHITECTURE.md`, the data path).
    pub fn own_room(&mut self) {
        let read = std::mem::take(&mut self.read);
        for word in self.words.spare_capacity_mut().iter_mut().take(read) {
            word.write(MaybeUninit::new(0));
        }
    }

    /// Empties the batch, keeping its allocations for reuse.
    pub fn clear(&mut self) {
        drop(self.drain());
    }

    /// Takes the tuples out in order, leaving the batch empty with its allocations.
    #[allow(unsafe_code)]
    pub fn drain(&mut self) -> BatchDrain<'_> {
        let words = self.words.len();
        if words > 0 {
            self.read = words;
        }
        let left = self.len;
        // The records move to the drain, which drops what it does not hand out.
        // SAFETY: 0 is within capacity; the drain reads the `words` words that were
        // initialised, through the pointer it borrows with the batch.
        unsafe { self.words.set_len(0) };
        self.len = 0;
        let start = self.words.as_ptr();
        BatchDrain {
            at: start,
            // SAFETY: `words` words were initialised from `start`.
            end: unsafe { start.add(words) },
            values_at: None,
            left,
            ids: self.ids.drain(..),
            _batch: PhantomData,
        }
    }

    /// Checks that every tracked tuple has its ids (a batch read from the network could lie).
    pub fn is_consistent(&self) -> bool {
        self.records().filter(|r| r.tracked).count() == self.ids.len()
    }

    /// Appends the roots of the trees its tracked tuples belong to, each once per run of
    /// tuples of the same tree (callers that need each root once sort and dedup). Reads only
    /// the ids column, so an untracked batch costs a length test: what a sender keeps of a
    /// batch in flight, to fail the trees it would lose.
    pub fn tree_roots_into(&self, out: &mut Vec<u64>) {
        for id in &self.ids {
            for &(root, _) in id.anchors() {
                if out.last() != Some(&root) {
                    out.push(root);
                }
            }
        }
    }

    /// Appends the first value, as an integer, of every record on `stream`: the root of each
    /// `__ack_init` a spout sent in this batch.
    pub fn first_ints_of_stream(&self, stream: u32, out: &mut Vec<u64>) {
        for record in self.records().filter(|r| r.stream == stream) {
            if let Some(v) = record.values.first().and_then(Value::as_i64) {
                out.push(v as u64);
            }
        }
    }

    /// The records in place.
    #[allow(unsafe_code)]
    fn records(&self) -> impl Iterator<Item = RecordRef<'_>> {
        let mut at = 0;
        std::iter::from_fn(move || {
            if at >= self.words.len() {
                return None;
            }
            // SAFETY: records are laid out back to back from 0 by `push_taking`, and `at`
            // stays on record boundaries; the values of a record are valid `Value`s (inline)
            // or a valid `Values` (heap), borrowed with the batch.
            unsafe {
                let p = self.words.as_ptr().add(at);
                let h = Header::read(p.read().assume_init());
                at += h.record_words();
                let values: &[Value] = if h.kind == KIND_HEAP {
                    &*p.add(1).cast::<Values>()
                } else {
                    std::slice::from_raw_parts(p.add(1).cast::<Value>(), h.kind as usize)
                };
                Some(RecordRef {
                    stream: h.stream,
                    tracked: h.tracked,
                    values,
                })
            }
        })
    }
}

impl Drop for BatchTuples {
    fn drop(&mut self) {
        self.clear();
    }
}

impl Clone for BatchTuples {
    fn clone(&self) -> Self {
        let mut copy = BatchTuples::with_capacity(self.len);
        let mut ids = self.ids.iter();
        for r in self.records() {
            let id = if r.tracked {
                ids.next().cloned().unwrap_or_default()
            } else {
                MessageId::unanchored()
            };
            copy.push(r.stream, r.values.iter().cloned().collect(), id);
        }
        copy
    }
}

impl PartialEq for BatchTuples {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len
            && self.ids == other.ids
            && self.records().zip(other.records()).all(|(a, b)| {
                a.stream == b.stream && a.tracked == b.tracked && a.values == b.values
            })
    }
}

impl fmt::Debug for BatchTuples {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BatchTuples")
            .field(
                "rows",
                &self
                    .records()
                    .map(|r| (r.stream, r.tracked, r.values))
                    .collect::<Vec<_>>(),
            )
            .field("ids", &self.ids)
            .finish()
    }
}

/// How a batch travels: its rows as (stream, tracked, values), then the ids.
#[derive(Serialize)]
struct WireBatchRef<'a> {
    rows: Vec<(u32, bool, &'a [Value])>,
    ids: &'a [MessageId],
}

#[derive(Deserialize)]
struct WireBatch {
    rows: Vec<(u32, bool, Values)>,
    ids: Vec<MessageId>,
}

impl Serialize for BatchTuples {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        WireBatchRef {
            rows: self
                .records()
                .map(|r| (r.stream, r.tracked, r.values))
                .collect(),
            ids: &self.ids,
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for BatchTuples {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let wire = WireBatch::deserialize(deserializer)?;
        let mut batch = BatchTuples::with_capacity(wire.rows.len());
        for (stream, tracked, mut values) in wire.rows {
            // The ids column is checked apart (`is_consistent`): a row says whether it has one.
            batch.append(stream, tracked, &mut values);
        }
        batch.ids = wire.ids;
        Ok(batch)
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

/// The tuples of a batch, taken out in order; those not taken are dropped with it.
pub struct BatchDrain<'a> {
    at: *const Word,
    end: *const Word,
    /// The current record's values, until taken, and its kind.
    values_at: Option<(*const Word, u64)>,
    left: usize,
    ids: std::vec::Drain<'a, MessageId>,
    _batch: PhantomData<&'a mut BatchTuples>,
}

impl BatchDrain<'_> {
    /// Steps onto the next record: its stream and tree ids. Its values are then taken with
    /// [`BatchDrain::take_values_into`] or [`BatchDrain::take_values`], or dropped at the next
    /// step.
    #[inline(always)]
    #[allow(unsafe_code)]
    pub(crate) fn next_record(&mut self) -> Option<(u32, MessageId)> {
        self.drop_untaken();
        if self.at >= self.end {
            return None;
        }
        // SAFETY: `at` is on a record boundary below `end` (records are back to back, as
        // `push_taking` wrote them); the record's values stay where they are until taken, and
        // `at` moves past them.
        let h = Header::read(unsafe { self.at.read().assume_init() });
        // SAFETY: the record's values follow its header word, inside the record.
        self.values_at = Some((unsafe { self.at.add(1) }, h.kind));
        // SAFETY: the whole record lies below `end`, so its end is at most `end`.
        self.at = unsafe { self.at.add(h.record_words()) };
        self.left -= 1;
        let message_id = if h.tracked {
            self.ids.next().unwrap_or_default()
        } else {
            MessageId::unanchored()
        };
        Some((h.stream, message_id))
    }

    /// Moves the current record's values into `values`, in place of what it held.
    #[inline(always)]
    #[allow(unsafe_code)]
    pub(crate) fn take_values_into(&mut self, values: &mut Values) {
        let Some((src, kind)) = self.values_at.take() else {
            return;
        };
        // SAFETY: `src` holds the current record's values, not taken before (`values_at` is
        // cleared as they move).
        unsafe {
            if kind == KIND_HEAP {
                *values = src.cast::<Values>().read();
            } else {
                values.refill_raw(src, kind as usize);
            }
        }
    }

    /// Moves the current record's values out.
    #[inline(always)]
    pub(crate) fn take_values(&mut self) -> Values {
        let mut values = Values::new();
        self.take_values_into(&mut values);
        values
    }

    /// Drops the current record's values if nobody took them.
    #[inline(always)]
    fn drop_untaken(&mut self) {
        if self.values_at.is_some() {
            drop(self.take_values());
        }
    }
}

impl Iterator for BatchDrain<'_> {
    type Item = WireTuple;

    #[inline(always)]
    fn next(&mut self) -> Option<WireTuple> {
        let (stream, message_id) = self.next_record()?;
        Some(WireTuple {
            stream,
            values: self.take_values(),
            message_id,
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining(), Some(self.remaining()))
    }
}

impl BatchDrain<'_> {
    /// Tuples not taken yet.
    fn remaining(&self) -> usize {
        self.left
    }
}

impl ExactSizeIterator for BatchDrain<'_> {}

impl Drop for BatchDrain<'_> {
    fn drop(&mut self) {
        self.drop_untaken();
        for _ in self.by_ref() {}
    }
}

#[cfg(test)]
mod tests;
