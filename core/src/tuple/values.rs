//! `Values`: the list of values one tuple carries, kept inline for up to two values.

use std::ops::{Deref, DerefMut};

use serde::{Deserialize, Serialize};
use smallvec::SmallVec;

use super::Value;

/// How many values a tuple keeps without a heap allocation.
pub const INLINE_VALUES: usize = 2;

/// The values of one tuple, in field order. Up to [`INLINE_VALUES`] are stored inline.
#[derive(Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Values(SmallVec<[Value; INLINE_VALUES]>);

impl Values {
    /// No values.
    pub fn new() -> Self {
        Self(SmallVec::new())
    }

    /// Room for `n` values.
    pub fn with_capacity(n: usize) -> Self {
        Self(SmallVec::with_capacity(n))
    }

    /// Appends a value.
    pub fn push(&mut self, v: impl Into<Value>) {
        self.0.push(v.into());
    }

    /// The values as an owned vector.
    pub fn into_vec(self) -> Vec<Value> {
        self.0.into_vec()
    }

    /// Drops values that an emit may have taken: when they were taken (nothing left, nothing
    /// on the heap) there is nothing to free, so the drop glue is skipped; otherwise it runs
    /// out of line. Keeps a collector's emit small.
    #[inline(always)]
    pub(crate) fn discard(self) {
        if self.0.is_empty() && !self.0.spilled() {
            // Empty and inline: owns no value and no allocation.
            std::mem::forget(self);
        } else {
            drop_out_of_line(self);
        }
    }
}

#[cold]
#[inline(never)]
fn drop_out_of_line(values: Values) {
    drop(values);
}

impl Deref for Values {
    type Target = [Value];
    fn deref(&self) -> &[Value] {
        &self.0
    }
}

impl DerefMut for Values {
    fn deref_mut(&mut self) -> &mut [Value] {
        &mut self.0
    }
}

impl std::fmt::Debug for Values {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.0.iter()).finish()
    }
}

impl From<Vec<Value>> for Values {
    fn from(v: Vec<Value>) -> Self {
        Self(SmallVec::from_vec(v))
    }
}

impl FromIterator<Value> for Values {
    fn from_iter<I: IntoIterator<Item = Value>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

impl IntoIterator for Values {
    type Item = Value;
    type IntoIter = smallvec::IntoIter<[Value; INLINE_VALUES]>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Values {
    type Item = &'a Value;
    type IntoIter = std::slice::Iter<'a, Value>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// Builds [`Values`] from expressions convertible into [`Value`]: `values!["word", 3]`.
#[macro_export]
macro_rules! values {
    () => { $crate::Values::new() };
    ($($v:expr),+ $(,)?) => {{
        let mut vs = $crate::Values::with_capacity(0 $(+ { let _ = stringify!($v); 1 })+);
        $( vs.push($v); )+
        vs
    }};
}

#[cfg(test)]
mod tests {
    use crate::Value;

    #[test]
    fn the_macro_converts_each_expression() {
        let vs = values!["word", 3, true];
        assert_eq!(
            &vs[..],
            &[Value::from("word"), Value::Int(3), Value::Bool(true)]
        );
        assert!(values![].is_empty());
    }
}
