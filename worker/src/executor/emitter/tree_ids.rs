//! The tuple-tree ids of Storm's XOR algorithm as a [`TaskEmitter`] gives them: the roots a
//! spout draws (each owned by one acker), the edge ids of anchored emits, and the acks a bolt
//! combines per root before it sends them.

use storm_core::dataplane::TupleAcking;
use storm_core::util::{java_hash, FloorMod};
use storm_core::{MessageId, Tuple};

use super::TaskEmitter;

/// Which root ids a spout draws: those whose acker (Storm's
/// `floorMod(31 + Long.hashCode(root), ackers)`, the fields grouping on `id`) is `index`.
#[derive(Debug, Clone, Copy)]
pub struct RootAffinity {
    index: u32,
    modulo: FloorMod,
}

impl RootAffinity {
    /// Roots owned by the acker at `index` of `ackers`.
    pub fn new(index: u32, ackers: u32) -> Self {
        Self {
            index,
            modulo: FloorMod::new(ackers),
        }
    }

    fn owns(&self, root: u64) -> bool {
        let hash = 31i32.wrapping_add(java_hash::long_hash(root as i64));
        self.modulo.apply(hash) == self.index
    }
}

impl TaskEmitter {
    /// The tree ids of one copy of a bolt's tuple: a fresh edge per anchor, XORed into every
    /// root of that anchor and into the anchor's `out_ack_val` (Storm's `BoltOutputCollector`).
    /// The common case, one anchor in one tree, is inline.
    #[inline(always)]
    pub(super) fn anchored_id(&mut self, anchors: &[&Tuple]) -> MessageId {
        if let [anchor] = anchors {
            if let Some(id) = anchor.anchor_in_one_tree(&mut self.rng) {
                return id;
            }
        }
        self.anchored_id_in_several(anchors)
    }

    /// [`TaskEmitter::anchored_id`] for anchors in no tree or in several.
    #[inline(never)]
    pub(super) fn anchored_id_in_several(&mut self, anchors: &[&Tuple]) -> MessageId {
        let mut id = MessageId::unanchored();
        for anchor in anchors {
            if anchor.message_id().is_unanchored() {
                continue;
            }
            let edge = self.rng.next_nonzero();
            anchor.xor_out_ack_val(edge);
            for &(root, _) in anchor.message_id().anchors() {
                id.xor_edge(root, edge);
            }
        }
        id
    }

    /// The tree ids of one copy of an emitted tuple: a new edge of the spout tree `root`
    /// (XORed into `init_xor` for the ack-init), the anchored edges of a tracked bolt emit, or
    /// none.
    #[inline]
    pub(super) fn copy_id(
        &mut self,
        root: Option<u64>,
        tracked: bool,
        anchors: &[&Tuple],
        init_xor: &mut u64,
    ) -> MessageId {
        match root {
            Some(r) => {
                let edge = self.rng.next_nonzero();
                *init_xor ^= edge;
                MessageId::root(r, edge)
            }
            None if tracked => self.anchored_id(anchors),
            None => MessageId::unanchored(),
        }
    }

    /// A random root id, owned by the local acker when there is one (the draw stays uniform
    /// over those ids; after a few misses any id will do).
    pub(super) fn draw_root(&mut self) -> u64 {
        let mut root = self.rng.next_nonzero();
        if let Some(affinity) = self.root_affinity {
            for _ in 0..64 {
                if affinity.owns(root) {
                    break;
                }
                root = self.rng.next_nonzero();
            }
        }
        root
    }

    /// XORs an ack value into the last combined ack if that is `root`'s; false if it is not.
    /// Acks of one tree arrive together, so this is the common case.
    #[inline(always)]
    pub(super) fn combine_with_last(&mut self, root: u64, value: u64) -> bool {
        match self.unsent_acks.last_mut() {
            Some(last) if last.0 == root => {
                last.1 ^= value;
                true
            }
            _ => false,
        }
    }

    /// Adds a tuple's ack to the combined acks of its roots. An ack that does not continue the
    /// last one's tree starts an entry: a bolt's acks of one input batch come in runs per tree,
    /// so searching further back found nothing but cost ~100 instructions a new tree, and a
    /// root listed twice only means one more (still correct) tuple to its acker.
    pub(super) fn combine_ack(&mut self, tuple: &Tuple) {
        let out = tuple.out_ack_val();
        for &(root, value) in tuple.message_id().anchors() {
            if !self.combine_with_last(root, value ^ out) {
                self.unsent_acks.push((root, value ^ out));
            }
        }
    }

    pub(super) fn send_acks(&mut self) {
        let Some(slot) = self.acking.as_ref().and_then(|a| a.ack) else {
            return;
        };
        let acks = std::mem::take(&mut self.unsent_acks);
        for &(root, value) in &acks {
            self.emit_system(slot, storm_core::values![root as i64, value as i64]);
        }
        self.unsent_acks = acks;
        self.unsent_acks.clear();
    }
}
