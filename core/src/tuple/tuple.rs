//! `Tuple`: what a bolt receives: values plus where they came from and which trees they belong to.

use std::cell::Cell;
use std::rc::Rc;

use super::{Fields, MessageId, Value, Values};
use crate::dataplane::{BatchDrain, TupleSource};
use crate::ids::{ComponentId, StreamId, TaskId};
use crate::system;
use crate::util::SplitMix64;

/// A tuple as a bolt sees it (Storm's `Tuple`).
///
/// A tuple lives on the thread of the task that received it (its schema is shared with `Rc`),
/// which is also the only place its collector can ack it.
#[derive(Debug)]
pub struct Tuple {
    values: Values,
    source: Rc<TupleSource>,
    source_task: TaskId,
    message_id: MessageId,
    /// XOR of the edge ids of the tuples anchored to this one (Storm's `outAckVal`).
    out_ack_val: Cell<u64>,
}

impl Tuple {
    /// Assembles a received tuple. Executors call this (through
    /// [`crate::dataplane::received_tuple`]); authors get tuples from `execute`.
    pub(crate) fn new(
        values: Values,
        source: Rc<TupleSource>,
        source_task: TaskId,
        message_id: MessageId,
    ) -> Self {
        Self {
            values,
            source,
            source_task,
            message_id,
            out_ack_val: Cell::new(0),
        }
    }

    /// Gives this tuple the next record of the same stream and task, as if it were a new
    /// tuple: its values moved in place from the batch being drained (the old ones dropped),
    /// and no edge anchored to it yet. Only the executor's receive loop does this, between two
    /// calls that lend the tuple out (see [`crate::dataplane::InputBatch::next_reusing`]).
    #[inline(always)]
    pub(crate) fn refill_from(&mut self, rows: &mut BatchDrain<'_>, message_id: MessageId) {
        rows.take_values_into(&mut self.values);
        self.message_id = message_id;
        self.out_ack_val.set(0);
    }

    /// True if the tuple came on the stream that `source` describes (the same schema).
    #[inline(always)]
    pub(crate) fn has_source(&self, source: &Rc<TupleSource>) -> bool {
        Rc::ptr_eq(&self.source, source)
    }

    /// A standalone tuple for unit-testing a bolt (Storm's `Testing.testTuple`): component
    /// `"component"`, task 1, the default stream, fields `field1..fieldN` unless given.
    pub fn for_test(values: Values, fields: Option<Fields>) -> Self {
        let fields =
            fields.unwrap_or_else(|| Fields::new((1..=values.len()).map(|i| format!("field{i}"))));
        let source = Rc::new(TupleSource {
            component: ComponentId::new("component"),
            stream: StreamId::default_stream(),
            fields,
        });
        Self::new(values, source, TaskId(1), MessageId::unanchored())
    }

    /// The values, in field order.
    pub fn values(&self) -> &Values {
        &self.values
    }

    /// Takes the values out, dropping the metadata.
    pub fn into_values(self) -> Values {
        self.values
    }

    /// The value at a position.
    pub fn get(&self, index: usize) -> Option<&Value> {
        self.values.get(index)
    }

    /// The value of a named field, if the stream declares it.
    pub fn get_by_field(&self, field: &str) -> Option<&Value> {
        self.source
            .fields
            .index_of(field)
            .and_then(|i| self.values.get(i))
    }

    /// The string at a position, if it is one.
    pub fn get_str(&self, index: usize) -> Option<&str> {
        self.get(index).and_then(Value::as_str)
    }

    /// The string in a named field, if it is one.
    pub fn get_str_by_field(&self, field: &str) -> Option<&str> {
        self.get_by_field(field).and_then(Value::as_str)
    }

    /// The integer at a position, if it is one.
    pub fn get_i64(&self, index: usize) -> Option<i64> {
        self.get(index).and_then(Value::as_i64)
    }

    /// The integer in a named field, if it is one.
    pub fn get_i64_by_field(&self, field: &str) -> Option<i64> {
        self.get_by_field(field).and_then(Value::as_i64)
    }

    /// How many values the tuple has.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// True if it has none.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The names of the tuple's fields.
    pub fn fields(&self) -> &Fields {
        &self.source.fields
    }

    /// The component that emitted the tuple.
    pub fn source_component(&self) -> &ComponentId {
        &self.source.component
    }

    /// The stream it was emitted on.
    pub fn source_stream_id(&self) -> &StreamId {
        &self.source.stream
    }

    /// The task that emitted it.
    pub fn source_task(&self) -> TaskId {
        self.source_task
    }

    /// The tuple trees it belongs to.
    pub fn message_id(&self) -> &MessageId {
        &self.message_id
    }

    /// True for the tick tuples `topology.tick.tuple.freq.secs` asks for (Storm's `TupleUtils.isTick`).
    pub fn is_tick(&self) -> bool {
        self.source.component == system::SYSTEM_COMPONENT
            && self.source.stream == system::TICK_STREAM
    }

    /// The XOR of the edges anchored to this tuple so far.
    pub(crate) fn out_ack_val(&self) -> u64 {
        self.out_ack_val.get()
    }

    /// Records a new edge anchored to this tuple.
    pub(crate) fn xor_out_ack_val(&self, edge: u64) {
        self.out_ack_val.set(self.out_ack_val.get() ^ edge);
    }

    /// The ids of a tuple anchored to this one alone, when this one is in exactly one tree
    /// (the common case): a fresh edge of that tree, drawn from `rng` and recorded here
    /// (Storm's `BoltOutputCollector` for one anchor). `None`, changing nothing, when this
    /// tuple is in no tree or in several.
    #[inline(always)]
    pub(crate) fn anchor_in_one_tree(&self, rng: &mut SplitMix64) -> Option<MessageId> {
        let MessageId::One([(root, _)]) = &self.message_id else {
            return None;
        };
        let edge = rng.next_nonzero();
        self.xor_out_ack_val(edge);
        Some(MessageId::root(*root, edge))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values;

    #[test]
    fn values_are_reachable_by_index_and_by_field() {
        let t = Tuple::for_test(values!["storm", 7], Some(Fields::from(["word", "count"])));
        assert_eq!(t.get_str(0), Some("storm"));
        assert_eq!(t.get_i64_by_field("count"), Some(7));
        assert_eq!(t.get_by_field("nope"), None);
        assert_eq!(t.source_stream_id().as_str(), "default");
        assert!(!t.is_tick());
    }

    #[test]
    fn an_anchor_in_one_tree_gives_a_fresh_edge_of_that_tree_and_records_it() {
        let mut rng = SplitMix64::new(9);
        let mut t = Tuple::for_test(values!["w"], None);
        assert_eq!(t.anchor_in_one_tree(&mut rng), None, "in no tree");
        t.message_id = MessageId::root(42, 5);
        let Some(MessageId::One([(root, edge)])) = t.anchor_in_one_tree(&mut rng) else {
            panic!("one tree gives one edge");
        };
        assert_eq!(root, 42);
        assert_ne!(edge, 0);
        assert_eq!(t.out_ack_val(), edge);
        let mut several = MessageId::root(1, 2);
        several.xor_edge(3, 4);
        t.message_id = several;
        assert_eq!(t.anchor_in_one_tree(&mut rng), None, "in two trees");
        assert_eq!(t.out_ack_val(), edge, "nothing recorded");
    }
}
