//! Fields grouping: equal values of the grouping fields always reach the same task.
//!
//! Storm's `TupleUtils.chooseTaskIndex`: `floorMod(Arrays.deepHashCode(keys), numTasks)` over
//! the sorted target tasks, with Java's hash codes, so a key lands on the task Storm picks.

use crate::ids::TaskId;
use crate::tuple::Value;
use crate::util::java_hash::list_hash;
use crate::util::FloorMod;

/// Hashes the grouping fields of each tuple onto the sorted targets.
#[derive(Debug, Clone)]
pub struct FieldsGrouper {
    indices: Vec<usize>,
    targets: Vec<TaskId>,
    modulo: FloorMod,
}

impl FieldsGrouper {
    /// Groups on the values at `indices` (positions of the grouping fields, in grouping order).
    pub fn new(indices: Vec<usize>, targets: Vec<TaskId>) -> Self {
        let modulo = FloorMod::new(targets.len() as u32);
        Self {
            indices,
            targets,
            modulo,
        }
    }

    /// The task for a tuple.
    #[inline(always)]
    pub fn choose(&self, values: &[Value]) -> Option<TaskId> {
        match self.targets.as_slice() {
            [] => return None,
            // Every key maps to the only task: no need to hash.
            [only] => return Some(*only),
            _ => {}
        }
        let hash = match self.indices.as_slice() {
            // One key: skip the iterator machinery on the hot path.
            [i] => 31i32.wrapping_add(field_hash(values, *i)),
            many => list_hash(many.iter().map(|i| field_hash(values, *i))),
        };
        self.targets.get(self.modulo.apply(hash) as usize).copied()
    }
}

/// The Java hash of the value at `index` (0, Java's `null`, when the tuple is shorter). A
/// `match` rather than `Option::map_or`, which the compiler had left out of line.
#[inline(always)]
fn field_hash(values: &[Value], index: usize) -> i32 {
    match values.get(index) {
        Some(v) => v.java_hash_code(),
        None => 0,
    }
}
