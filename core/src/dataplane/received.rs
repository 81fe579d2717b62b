//! The runtime's side of a received [`Tuple`]: assembling it, and the acking state its
//! anchored emits record. Authors ack, fail and anchor through the collectors; only the
//! executors (and the collectors' inline lane) build tuples and draw their edges.

use std::rc::Rc;

use super::TupleSource;
use crate::ids::TaskId;
use crate::tuple::{MessageId, Tuple, Values};
use crate::util::SplitMix64;

/// Assembles a received tuple: `values` sent by `source_task` on the stream `source`
/// describes, in the trees of `message_id`, with no edge anchored to it yet.
pub fn received_tuple(
    values: Values,
    source: Rc<TupleSource>,
    source_task: TaskId,
    message_id: MessageId,
) -> Tuple {
    Tuple::new(values, source, source_task, message_id)
}

/// The acking state of a received tuple (Storm's `outAckVal`), which executors read and
/// change as they anchor emits to it and ack it.
pub trait TupleAcking {
    /// The XOR of the edges anchored to this tuple so far.
    fn out_ack_val(&self) -> u64;
    /// Records a new edge anchored to this tuple.
    fn xor_out_ack_val(&self, edge: u64);
    /// The ids of a tuple anchored to this one alone, when this one is in exactly one tree
    /// (the common case): a fresh edge of that tree, drawn from `rng` and recorded here
    /// (Storm's `BoltOutputCollector` for one anchor). `None`, changing nothing, when this
    /// tuple is in no tree or in several.
    fn anchor_in_one_tree(&self, rng: &mut SplitMix64) -> Option<MessageId>;
}

// The methods forward to `Tuple`'s own (crate-private) ones, and are inlinable across crates
// as those were, so the executor's ack path compiles as before.
impl TupleAcking for Tuple {
    #[inline]
    fn out_ack_val(&self) -> u64 {
        Tuple::out_ack_val(self)
    }

    #[inline]
    fn xor_out_ack_val(&self, edge: u64) {
        Tuple::xor_out_ack_val(self, edge);
    }

    #[inline(always)]
    fn anchor_in_one_tree(&self, rng: &mut SplitMix64) -> Option<MessageId> {
        Tuple::anchor_in_one_tree(self, rng)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{ComponentId, StreamId};
    use crate::tuple::Fields;
    use crate::values;

    #[test]
    fn a_received_tuple_starts_with_no_edge_and_records_the_ones_anchored_to_it() {
        let source = Rc::new(TupleSource {
            component: ComponentId::new("split"),
            stream: StreamId::default_stream(),
            fields: Fields::from(["word"]),
        });
        let t = received_tuple(values!["w"], source, TaskId(4), MessageId::root(1, 2));
        assert_eq!((t.source_task(), t.get_str(0)), (TaskId(4), Some("w")));
        assert_eq!(TupleAcking::out_ack_val(&t), 0);
        TupleAcking::xor_out_ack_val(&t, 0b110);
        TupleAcking::xor_out_ack_val(&t, 0b011);
        assert_eq!(TupleAcking::out_ack_val(&t), 0b101);
        let mut rng = SplitMix64::new(3);
        let Some(MessageId::One([(root, edge)])) = TupleAcking::anchor_in_one_tree(&t, &mut rng)
        else {
            panic!("one tree gives one edge");
        };
        assert_eq!(root, 1);
        assert_eq!(TupleAcking::out_ack_val(&t), 0b101 ^ edge);
    }
}
