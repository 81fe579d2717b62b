//! `Value`: one field of a tuple. Short strings are stored inline, so most tuples never touch the heap.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::Text;
use crate::util::java_hash;

/// One field of a tuple, in the spirit of the Java objects Storm tuples hold.
///
/// Strings of up to 23 bytes live inside the value itself (no allocation), which is what lets
/// words cross threads without a trip to the allocator.
#[derive(PartialEq, Serialize, Deserialize, Default)]
pub enum Value {
    /// Java's `null`.
    #[default]
    Null,
    /// A boolean.
    Bool(bool),
    /// A signed integer (Java `int` and `long` both map here).
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// A UTF-8 string, inline when short.
    Str(Text),
    /// Raw bytes (boxed, so that a `Value` stays 24 bytes).
    Bytes(Box<[u8]>),
    /// A list of values (boxed, so that a `Value` stays 24 bytes).
    List(Box<[Value]>),
}

impl Value {
    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s.as_str()),
            _ => None,
        }
    }

    /// The string as a [`Text`], if this is one: the key type to look it up by in a map keyed
    /// by `Text` (word-wide equality).
    pub fn as_text(&self) -> Option<&Text> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The integer, if this is one.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The number as a float, if this is an integer or a float.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Float(f) => Some(*f),
            Value::Int(i) => Some(*i as f64),
            _ => None,
        }
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The bytes, if this is a byte array.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Bytes(b) => Some(b),
            _ => None,
        }
    }

    /// The elements, if this is a list.
    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(l) => Some(l),
            _ => None,
        }
    }

    /// True when dropping this value frees nothing (no allocation behind it).
    #[inline(always)]
    pub(crate) fn owns_nothing(&self) -> bool {
        match self {
            Value::Str(s) => s.is_inline(),
            Value::Bytes(_) | Value::List(_) => false,
            Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_) => true,
        }
    }

    /// True for `Value::Null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The name of the variant, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "string",
            Value::Bytes(_) => "bytes",
            Value::List(_) => "list",
        }
    }

    /// The `hashCode()` Java gives the equivalent object: `String.hashCode` over UTF-16 units,
    /// `Long.hashCode`, `Boolean.hashCode`, `Double.hashCode`, `Arrays.hashCode(byte[])` and
    /// `List.hashCode`. Groupings use it so that keys land on the same tasks as in Storm.
    #[inline(always)]
    pub fn java_hash_code(&self) -> i32 {
        // Strings first, by one compare of the tag: the `match` alone became a jump table,
        // whose indirect jump waited on the tag (8 % of the word count's split bolt).
        if let Value::Str(s) = self {
            return java_hash::text_hash(s);
        }
        self.java_hash_code_of_other()
    }

    /// [`Value::java_hash_code`] of a value that is not a string.
    #[inline(never)]
    fn java_hash_code_of_other(&self) -> i32 {
        match self {
            Value::Null => 0,
            Value::Bool(true) => 1231,
            Value::Bool(false) => 1237,
            Value::Int(i) => java_hash::long_hash(*i),
            Value::Float(f) => java_hash::double_hash(*f),
            Value::Str(s) => java_hash::text_hash(s),
            Value::Bytes(b) => java_hash::bytes_hash(b),
            Value::List(l) => java_hash::list_hash(l.iter().map(Value::java_hash_code)),
        }
    }
}

impl Clone for Value {
    /// A value that owns no allocation is copied bitwise, as its three words: a derived clone
    /// rebuilds an inline string from 23 bytes and its length byte, in 8-, 4- and 1-byte
    /// pieces that the next wide load of the value must wait for.
    ///
    /// The match names every variant, with no catch-all: a new variant must be placed in one
    /// arm or the other, so one that owns memory cannot fall into the bitwise copy unnoticed
    /// (two values freeing one allocation).
    #[inline]
    #[allow(unsafe_code)]
    fn clone(&self) -> Self {
        match self {
            Value::Str(s) if !s.is_inline() => Value::Str(s.clone()),
            Value::Bytes(b) => Value::Bytes(b.clone()),
            Value::List(l) => Value::List(l.clone()),
            // SAFETY: these variants own nothing (a string here is inline: the arm above took
            // the boxed ones) and have no drop effect beyond their bytes, so a bitwise copy
            // is a clone.
            Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_) | Value::Str(_) => unsafe {
                std::ptr::read(self)
            },
        }
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x:?}"),
            Value::Str(s) => write!(f, "{:?}", s.as_str()),
            Value::Bytes(b) => write!(f, "bytes{b:?}"),
            Value::List(l) => f.debug_list().entries(l).finish(),
        }
    }
}

impl fmt::Display for Value {
    /// What Java's `toString()` would print for the equivalent object.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Str(s) => f.write_str(s),
            Value::List(l) => {
                f.write_str("[")?;
                for (i, v) in l.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{v}")?;
                }
                f.write_str("]")
            }
            other => write!(f, "{other:?}"),
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Str(Text::new(s))
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Str(Text::from(s))
    }
}

impl From<&String> for Value {
    fn from(s: &String) -> Self {
        Value::Str(Text::new(s))
    }
}

impl From<Text> for Value {
    fn from(s: Text) -> Self {
        Value::Str(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

macro_rules! int_from {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(i: $t) -> Self {
                Value::Int(i64::from(i))
            }
        }
    )*};
}
int_from!(i8, i16, i32, i64, u8, u16, u32);

impl From<u64> for Value {
    /// Values above `i64::MAX` wrap, as a Java `long` would hold them.
    fn from(i: u64) -> Self {
        Value::Int(i as i64)
    }
}

impl From<usize> for Value {
    fn from(i: usize) -> Self {
        Value::Int(i as i64)
    }
}

impl From<f64> for Value {
    fn from(f: f64) -> Self {
        Value::Float(f)
    }
}

impl From<f32> for Value {
    fn from(f: f32) -> Self {
        Value::Float(f64::from(f))
    }
}

impl From<Vec<u8>> for Value {
    fn from(b: Vec<u8>) -> Self {
        Value::Bytes(b.into_boxed_slice())
    }
}

impl From<&[u8]> for Value {
    fn from(b: &[u8]) -> Self {
        Value::Bytes(b.into())
    }
}

impl From<Vec<Value>> for Value {
    fn from(l: Vec<Value>) -> Self {
        Value::List(l.into_boxed_slice())
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_three_words() {
        assert_eq!(std::mem::size_of::<Value>(), 24);
    }

    #[test]
    fn short_strings_do_not_allocate() {
        let v = Value::from("a word of 23 bytes long");
        match v {
            Value::Str(s) => assert!(s.is_inline()),
            other => panic!("expected a string, got {other:?}"),
        }
    }

    /// One value of every variant, strings both inline and boxed.
    fn one_of_each() -> Vec<Value> {
        vec![
            Value::Null,
            Value::Bool(true),
            Value::Int(-7),
            Value::Float(2.5),
            Value::from("word"),
            Value::from("a string much longer than twenty-four bytes"),
            Value::from(vec![1u8, 2, 3]),
            Value::from(vec![Value::Int(1), Value::from("x")]),
        ]
    }

    #[test]
    fn a_clone_equals_its_source_and_owns_its_own_allocation() {
        let all = one_of_each();
        for v in &all {
            let copy = v.clone();
            assert_eq!(&copy, v);
            drop(copy);
            // The source is intact after its clone is dropped (no shared allocation).
            assert_eq!(v, &v.clone());
        }
        let cloned = all.clone();
        drop(all);
        assert_eq!(
            cloned[5].as_str(),
            Some("a string much longer than twenty-four bytes")
        );
    }

    #[test]
    fn java_hash_codes_match_the_jvm() {
        // Values printed by a JVM: "hello".hashCode(), Long.valueOf(1L<<32).hashCode(), etc.
        assert_eq!(Value::from("hello").java_hash_code(), 99_162_322);
        assert_eq!(Value::from("").java_hash_code(), 0);
        assert_eq!(Value::Int(1 << 32).java_hash_code(), 1);
        assert_eq!(Value::Int(-1).java_hash_code(), 0);
        assert_eq!(Value::Bool(true).java_hash_code(), 1231);
        assert_eq!(Value::Float(1.0).java_hash_code(), 1_072_693_248);
        // Arrays.asList("a", "b").hashCode() = 31 * (31 * 1 + 97) + 98
        let list = Value::from(vec![Value::from("a"), Value::from("b")]);
        assert_eq!(list.java_hash_code(), 31 * (31 + 97) + 98);
    }

    #[test]
    fn values_round_trip_through_bincode() {
        let vs = one_of_each();
        let cfg = bincode::config::standard();
        let bytes = bincode::serde::encode_to_vec(&vs, cfg).expect("encode");
        let (back, _): (Vec<Value>, usize) =
            bincode::serde::decode_from_slice(&bytes, cfg).expect("decode");
        assert_eq!(back, vs);
    }
}
