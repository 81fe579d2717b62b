//! `MessageId`: which tuple trees a tuple belongs to, and the edge id it carries in each.

use serde::{Deserialize, Serialize};

/// Storm's `MessageId`: for every root (spout tuple) this tuple descends from, the XOR of the
/// random edge ids that created it. Unanchored tuples have none. One root, the common case, is
/// kept inline; only several roots allocate. An enum rather than a small vector, so that
/// dropping the id of an untracked or single-tree tuple is a tag test, not a call.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Default, Debug)]
pub enum MessageId {
    /// In no tracked tree.
    #[default]
    Unanchored,
    /// In one tree: `[(root, edge value)]`.
    One([(u64, u64); 1]),
    /// In several trees.
    Many(Vec<(u64, u64)>),
}

impl MessageId {
    /// An untracked tuple.
    #[inline]
    pub fn unanchored() -> Self {
        MessageId::Unanchored
    }

    /// The id of a spout tuple in the tree `root`, on the edge `edge`.
    #[inline]
    pub fn root(root: u64, edge: u64) -> Self {
        MessageId::One([(root, edge)])
    }

    /// XORs `edge` into the value kept for `root`, adding the root if it is new.
    pub fn xor_edge(&mut self, root: u64, edge: u64) {
        match self {
            MessageId::Unanchored => *self = MessageId::root(root, edge),
            MessageId::One([(r, e)]) if *r == root => *e ^= edge,
            MessageId::One([first]) => *self = MessageId::Many(vec![*first, (root, edge)]),
            MessageId::Many(all) => match all.iter_mut().find(|(r, _)| *r == root) {
                Some(entry) => entry.1 ^= edge,
                None => all.push((root, edge)),
            },
        }
    }

    /// `(root, edge value)` pairs.
    #[inline]
    pub fn anchors(&self) -> &[(u64, u64)] {
        match self {
            MessageId::Unanchored => &[],
            MessageId::One(one) => one,
            MessageId::Many(all) => all,
        }
    }

    /// True if the tuple belongs to no tracked tree.
    #[inline]
    pub fn is_unanchored(&self) -> bool {
        self.anchors().is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xor_edges_merge_per_root() {
        let mut id = MessageId::unanchored();
        id.xor_edge(1, 0b01);
        assert_eq!(id, MessageId::root(1, 0b01));
        id.xor_edge(2, 0b10);
        id.xor_edge(1, 0b11);
        assert_eq!(id.anchors(), &[(1, 0b10), (2, 0b10)]);
        id.xor_edge(2, 0b10);
        assert_eq!(id.anchors(), &[(1, 0b10), (2, 0)]);
        assert!(!id.is_unanchored());
        assert!(MessageId::unanchored().is_unanchored());
        assert!(MessageId::Many(Vec::new()).is_unanchored());
    }

    #[test]
    fn one_root_takes_no_more_room_than_a_pair_and_a_tag() {
        assert!(std::mem::size_of::<MessageId>() <= 24);
    }
}
