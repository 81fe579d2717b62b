//! Shuffle grouping: Storm's `ShuffleGrouping`, round-robin over one random permutation of the
//! targets drawn at start, which spreads tuples evenly without a random draw per tuple.

use crate::ids::TaskId;
use crate::util::SplitMix64;

/// Round-robin over a shuffled copy of the targets.
pub struct ShuffleGrouper {
    choices: Vec<TaskId>,
    current: usize,
}

impl ShuffleGrouper {
    /// Shuffles the targets (Fisher–Yates) with `seed`.
    pub fn new(targets: &[TaskId], seed: u64) -> Self {
        let mut choices = targets.to_vec();
        let mut rng = SplitMix64::new(seed);
        for i in (1..choices.len()).rev() {
            let j = rng.below(i as u64 + 1) as usize;
            choices.swap(i, j);
        }
        Self {
            choices,
            current: 0,
        }
    }

    /// The target, when there is only one.
    pub fn only_target(&self) -> Option<TaskId> {
        match self.choices.as_slice() {
            [only] => Some(*only),
            _ => None,
        }
    }

    /// The next task. As in Storm the first pick is the second choice, wrapping to the first.
    #[inline]
    pub fn next_task(&mut self) -> Option<TaskId> {
        if self.choices.is_empty() {
            return None;
        }
        self.current += 1;
        if self.current >= self.choices.len() {
            self.current = 0;
        }
        Some(self.choices[self.current])
    }
}
