//! Partial-key grouping: each key has two candidate tasks and goes to the one this emitter has
//! sent fewer tuples to, so a hot key is spread over two tasks (Storm's `PartialKeyGrouping`
//! with `RandomTwoTaskAssignmentCreator` and `BalancedTargetSelector`).

use std::collections::HashMap;

use crate::ids::TaskId;
use crate::tuple::Value;
use crate::util::java_hash::bytes_hash;
use crate::util::JavaRandom;

/// Two-choices grouping over the sorted targets.
pub struct PartialKeyGrouper {
    indices: Option<Vec<usize>>,
    targets: Vec<TaskId>,
    sent: HashMap<TaskId, u64>,
    key: Vec<u8>,
}

impl PartialKeyGrouper {
    /// Keys on the values at `indices`, or on the first value's text when `None`.
    pub fn new(indices: Option<Vec<usize>>, targets: Vec<TaskId>) -> Self {
        Self {
            indices,
            targets,
            sent: HashMap::new(),
            key: Vec::new(),
        }
    }

    /// The two candidates for a key: Java `Random` seeded with `Arrays.hashCode(keyBytes)`.
    pub fn candidates(&mut self, values: &[Value]) -> Option<[TaskId; 2]> {
        let n = self.targets.len();
        if n == 0 || values.is_empty() {
            return None;
        }
        self.key.clear();
        match &self.indices {
            Some(indices) => {
                for i in indices {
                    let h = values.get(*i).map_or(0, Value::java_hash_code);
                    self.key.extend_from_slice(&h.to_be_bytes());
                }
            }
            None => self.key.extend_from_slice(values[0].to_string().as_bytes()),
        }
        let mut rnd = JavaRandom::new(i64::from(bytes_hash(&self.key)));
        let c1 = rnd.next_int(n as i32) as usize;
        let mut c2 = rnd.next_int(n as i32) as usize;
        if c2 == c1 {
            c2 = (c2 + 1) % n;
        }
        Some([self.targets[c1], self.targets[c2]])
    }

    /// The less loaded candidate (the first on a tie), counted as sent.
    pub fn choose(&mut self, values: &[Value]) -> Option<TaskId> {
        let [a, b] = self.candidates(values)?;
        let load = |t: TaskId| self.sent.get(&t).copied().unwrap_or(0);
        let chosen = if load(b) < load(a) { b } else { a };
        *self.sent.entry(chosen).or_insert(0) += 1;
        Some(chosen)
    }
}
