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

/// Words of one `Value`.
pub(crate) const VALUE_WORDS: usize = 3;
const _: () = assert!(std::mem::size_of::<Value>() == 8 * VALUE_WORDS);
const _: () = assert!(std::mem::align_of::<Value>() == 8);

impl Values {
    /// The values in place, when they are inline (not on the heap): where a batch copies them
    /// from, word by word.
    #[inline(always)]
    pub(crate) fn inline_values(&self) -> Option<&[Value]> {
        (!self.0.spilled()).then(|| self.0.as_slice())
    }

    /// Forgets the values without dropping them, leaving these values empty: their bytes were
    /// copied elsewhere, which owns them now.
    ///
    /// # Safety
    /// Every value must have been copied to a place that drops it (exactly once).
    #[inline(always)]
    #[allow(unsafe_code)]
    pub(crate) unsafe fn forget_values(&mut self) {
        // SAFETY: 0 is within capacity; the caller made another place the owner.
        unsafe { self.0.set_len(0) }
    }

    /// Replaces these values, in place, by `n` values' words at `src` (moved from there):
    /// no `Values` is built on the stack and copied, so nothing reads it back before the
    /// narrow stores that built it have left the store buffer. Old values that own nothing
    /// (a received word's) are forgotten without a call to their drop glue.
    ///
    /// # Safety
    /// `n` is at most [`INLINE_VALUES`], and `src` holds `n` valid `Value`s, 8-byte aligned,
    /// that nothing else will drop.
    #[inline(always)]
    #[allow(unsafe_code)]
    pub(crate) unsafe fn refill_raw(&mut self, src: *const std::mem::MaybeUninit<u64>, n: usize) {
        if self.0.spilled() {
            *self = Values::new();
        } else if self.0.iter().all(Value::owns_nothing) {
            // SAFETY: nothing to drop: forgetting them frees nothing.
            unsafe { self.0.set_len(0) };
        } else {
            self.0.clear();
        }
        // SAFETY: inline and empty now, so `n` (at most INLINE_VALUES) values fit; the caller
        // vouches for the source.
        unsafe {
            let dst = self.0.as_mut_ptr().cast::<std::mem::MaybeUninit<u64>>();
            match n {
                0 => {}
                1 => std::ptr::copy_nonoverlapping(src, dst, VALUE_WORDS),
                _ => std::ptr::copy_nonoverlapping(src, dst, 2 * VALUE_WORDS),
            }
            self.0.set_len(n);
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
