//! `MessageId`: which tuple trees a tuple belongs to, and the edge id it carries in each.

use serde::{Deserialize, Serialize};
use smallvec::SmallVec;

/// Storm's `MessageId`: for every root (spout tuple) this tuple descends from, the XOR of the
/// random edge ids that created it. Unanchored tuples have none. One root is kept inline.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Default, Debug)]
pub struct MessageId(SmallVec<[(u64, u64); 1]>);

impl MessageId {
    /// An untracked tuple.
    pub fn unanchored() -> Self {
        Self(SmallVec::new())
    }

    /// The id of a spout tuple in the tree `root`, on the edge `edge`.
    pub fn root(root: u64, edge: u64) -> Self {
        let mut v = SmallVec::new();
        v.push((root, edge));
        Self(v)
    }

    /// XORs `edge` into the value kept for `root`, adding the root if it is new.
    pub fn xor_edge(&mut self, root: u64, edge: u64) {
        if let Some(entry) = self.0.iter_mut().find(|(r, _)| *r == root) {
            entry.1 ^= edge;
        } else {
            self.0.push((root, edge));
        }
    }

    /// `(root, edge value)` pairs.
    pub fn anchors(&self) -> &[(u64, u64)] {
        &self.0
    }

    /// True if the tuple belongs to no tracked tree.
    pub fn is_unanchored(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xor_edges_merge_per_root() {
        let mut id = MessageId::unanchored();
        id.xor_edge(1, 0b01);
        id.xor_edge(2, 0b10);
        id.xor_edge(1, 0b11);
        assert_eq!(id.anchors(), &[(1, 0b10), (2, 0b10)]);
    }
}
