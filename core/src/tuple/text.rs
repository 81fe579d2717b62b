//! `Text`: the string a [`Value::Str`](crate::Value::Str) holds. Up to 23 bytes live inline,
//! in the value's own three words, so a word never touches the allocator; longer strings are
//! one boxed `str`.
//!
//! An inline string is built from the source with word-wide loads and written as whole words.
//! A byte-wise `memcpy` into a stack buffer, read back wide right after (what a general small
//! string does), cannot forward its narrow or masked stores to the wide load: the load waits for
//! the stores to reach the cache. That wait was the largest single cost of the word count's
//! split bolt (see `ARCHITECTURE.md`).
//!
//! Bytes past an inline string's length are zero, so two inline strings are equal exactly when
//! their bytes and lengths are.

use std::borrow::Borrow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The longest string stored inline.
pub const INLINE_TEXT: usize = 23;

/// The length of an inline string. An enum rather than a `u8`, so that the values it cannot take
/// are free for `Value`'s other variants and a `Value` stays 24 bytes.
#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
#[rustfmt::skip]
#[allow(dead_code)] // Only ever made by `Inline::from_words`.
enum InlineLen {
    L0, L1, L2, L3, L4, L5, L6, L7, L8, L9, L10, L11, L12, L13, L14, L15, L16, L17, L18, L19, L20,
    L21, L22, L23,
}

/// An inline string: its bytes, zero past its length, then its length.
#[derive(Clone, Copy)]
#[repr(C, align(8))]
struct Inline {
    bytes: [u8; INLINE_TEXT],
    len: InlineLen,
}

impl Inline {
    /// The inline string from its three words, written as whole words: byte arrays are
    /// written and copied in 4-, 2- and 1-byte pieces, which wide loads then wait on (see the
    /// module doc).
    ///
    /// # Safety
    /// The words are in little-endian byte order (`to_le`). The last byte, the length, must be
    /// at most 23 (a valid `InlineLen`); the first that many bytes must be valid UTF-8, and the
    /// bytes between them zero (equality compares all 24 bytes).
    #[inline(always)]
    #[allow(unsafe_code)]
    unsafe fn from_words(words: [u64; 3]) -> Self {
        // SAFETY: `Inline` is `repr(C, align(8))`: 23 bytes, then the length at offset 23, 24
        // bytes in all, as `[u64; 3]` is; the caller vouches for the length byte.
        unsafe { std::mem::transmute::<[u64; 3], Inline>(words) }
    }

    /// Its three words.
    #[inline(always)]
    #[allow(unsafe_code)]
    fn words(self) -> [u64; 3] {
        // SAFETY: all 24 bytes of an `Inline` are initialised (no padding), and any bytes are
        // valid `u64`s.
        unsafe { std::mem::transmute::<Inline, [u64; 3]>(self) }
    }
}

enum Repr {
    Inline(Inline),
    Heap(Box<str>),
}

/// A UTF-8 string value, inline up to [`INLINE_TEXT`] bytes (see the module doc). It reads as a
/// `str` (`Deref`, `Borrow<str>`, `AsRef<str>`), hashes and orders as one, and serializes as one.
/// Two `Text`s compare as three words when both are inline; a map keyed by `Text` is best looked
/// up with a `&Text` for that reason.
pub struct Text(Repr);

impl PartialEq for Text {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            // Bytes past the length are zero: equal words are equal strings.
            (Repr::Inline(a), Repr::Inline(b)) => a.words() == b.words(),
            (Repr::Heap(a), Repr::Heap(b)) => a == b,
            // Inline exactly when at most 23 bytes: a boxed string is longer.
            _ => false,
        }
    }
}

impl Eq for Text {}

impl Clone for Text {
    /// An inline string is copied as its three words (see `Inline::from_words`).
    #[inline(always)]
    #[allow(unsafe_code)]
    fn clone(&self) -> Self {
        match &self.0 {
            Repr::Inline(inline) => {
                // SAFETY: the words of a valid `Inline`.
                Text(Repr::Inline(unsafe { Inline::from_words(inline.words()) }))
            }
            Repr::Heap(s) => Text(Repr::Heap(s.clone())),
        }
    }
}

/// Eight bytes of `b` from `at`, little-endian.
#[inline(always)]
fn load_u64(b: &[u8], at: usize) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(word)
}

/// Four bytes of `b` from `at`, little-endian.
#[inline(always)]
fn load_u32(b: &[u8], at: usize) -> u64 {
    let mut word = [0u8; 4];
    word.copy_from_slice(&b[at..at + 4]);
    u64::from(u32::from_le_bytes(word))
}

/// The first up-to-8 bytes of `b` as a little-endian word, zero above the length: two loads
/// that may overlap, never a byte loop.
#[inline(always)]
fn short_word(b: &[u8]) -> u64 {
    let n = b.len();
    match n {
        0 => 0,
        1..=3 => {
            u64::from(b[0])
                | u64::from(b[n / 2]) << (8 * (n / 2))
                | u64::from(b[n - 1]) << (8 * (n - 1))
        }
        4..=7 => load_u32(b, 0) | load_u32(b, n - 4) << (8 * (n - 4)),
        _ => load_u64(b, 0),
    }
}

impl Text {
    /// A copy of `s`: inline when it fits, else boxed.
    #[inline(always)]
    #[allow(unsafe_code)]
    pub fn new(s: &str) -> Self {
        let b = s.as_bytes();
        let n = b.len();
        let (w0, w1, w2) = if n <= 8 {
            (short_word(b), 0, 0)
        } else if n <= 16 {
            (load_u64(b, 0), load_u64(b, n - 8) >> (8 * (16 - n)), 0)
        } else if n <= INLINE_TEXT {
            (
                load_u64(b, 0),
                load_u64(b, 8),
                load_u64(b, n - 8) >> (8 * (24 - n)),
            )
        } else {
            return Self::boxed(s);
        };
        let words = [w0.to_le(), w1.to_le(), (w2 | (n as u64) << 56).to_le()];
        // SAFETY: in little-endian order the last word's top byte is the length, `n` ≤ 23.
        Text(Repr::Inline(unsafe { Inline::from_words(words) }))
    }

    #[cold]
    #[inline(never)]
    fn boxed(s: &str) -> Self {
        Text(Repr::Heap(Box::from(s)))
    }

    /// The string.
    #[inline(always)]
    #[allow(unsafe_code)]
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Inline(inline) => {
                let bytes = &inline.bytes[..inline.len as usize];
                // SAFETY: an inline string's first `len` bytes are a copy of a whole `&str`
                // (`Text::new` builds every `Repr::Inline`, `clone` copies one whole, and
                // nothing writes to them afterwards), so they are valid UTF-8.
                unsafe { std::str::from_utf8_unchecked(bytes) }
            }
            Repr::Heap(s) => s,
        }
    }

    /// True when the string lives inside the value (no allocation).
    pub fn is_inline(&self) -> bool {
        matches!(self.0, Repr::Inline(_))
    }

    /// An inline string's bytes as three little-endian words, zero past the length (the length
    /// byte cleared too), and the length, for word-wide readers such as Java's string hash;
    /// `None` when boxed.
    #[inline(always)]
    pub(crate) fn inline_words(&self) -> Option<([u64; 3], usize)> {
        const LENGTH_BYTE: u64 = 0xff << 56;
        match &self.0 {
            Repr::Inline(inline) => {
                let [w0, w1, w2] = inline.words().map(u64::from_le);
                Some(([w0, w1, w2 & !LENGTH_BYTE], inline.len as usize))
            }
            Repr::Heap(_) => None,
        }
    }
}

impl Default for Text {
    fn default() -> Self {
        Text::new("")
    }
}

impl Deref for Text {
    type Target = str;

    #[inline(always)]
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for Text {
    #[inline(always)]
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl Hash for Text {
    /// As the `str` hashes, which `Borrow<str>` requires.
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialOrd for Text {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Text {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<&str> for Text {
    #[inline(always)]
    fn from(s: &str) -> Self {
        Text::new(s)
    }
}

impl From<&String> for Text {
    fn from(s: &String) -> Self {
        Text::new(s)
    }
}

impl From<String> for Text {
    /// Inline when it fits; else the string's own allocation, shrunk to its length (a
    /// `realloc` when it has spare capacity: a string built in a reused buffer and passed as
    /// `&str` costs one exact-size allocation instead).
    fn from(s: String) -> Self {
        if s.len() <= INLINE_TEXT {
            Text::new(&s)
        } else {
            Text(Repr::Heap(s.into_boxed_str()))
        }
    }
}

impl From<Text> for String {
    fn from(t: Text) -> Self {
        match t.0 {
            Repr::Inline(_) => t.as_str().to_owned(),
            Repr::Heap(s) => s.into_string(),
        }
    }
}

impl Serialize for Text {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;

        impl serde::de::Visitor<'_> for TextVisitor {
            type Value = Text;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }

            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Text, E> {
                Ok(Text::new(s))
            }

            fn visit_string<E: serde::de::Error>(self, s: String) -> Result<Text, E> {
                Ok(Text::from(s))
            }

            fn visit_bytes<E: serde::de::Error>(self, b: &[u8]) -> Result<Text, E> {
                std::str::from_utf8(b)
                    .map(Text::new)
                    .map_err(|_| E::invalid_value(serde::de::Unexpected::Bytes(b), &self))
            }
        }

        deserializer.deserialize_string(TextVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every length from 0 to 40, ASCII and multi-byte.
    fn samples() -> Vec<String> {
        let ascii = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH";
        let mut all: Vec<String> = (0..=40).map(|n| ascii[..n].to_owned()).collect();
        all.extend(
            [
                "é",
                "naïve",
                "日本語のテキスト",
                "emoji 🦀 crab",
                "ü".repeat(12).as_str(),
            ]
            .map(String::from),
        );
        all
    }

    #[test]
    fn reads_back_every_length_it_was_built_from() {
        for s in samples() {
            let t = Text::new(&s);
            assert_eq!(t.as_str(), s);
            assert_eq!(t.len(), s.len());
            assert_eq!(t.is_inline(), s.len() <= INLINE_TEXT, "{s:?}");
            assert_eq!(Text::from(s.clone()), t);
            assert_eq!(String::from(t.clone()), s);
        }
    }

    #[test]
    fn inline_words_hold_the_bytes_and_zero_past_the_length() {
        for s in samples().into_iter().filter(|s| s.len() <= INLINE_TEXT) {
            let t = Text::new(&s);
            let (words, len) = t.inline_words().expect("inline");
            assert_eq!(len, s.len());
            let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
            assert_eq!(&bytes[..len], s.as_bytes());
            assert!(bytes[len..].iter().all(|&b| b == 0), "{s:?}: {bytes:?}");
        }
    }

    #[test]
    fn equality_hashing_and_order_follow_the_str() {
        use std::collections::hash_map::DefaultHasher;
        let hash = |h: &dyn Fn(&mut DefaultHasher)| {
            let mut state = DefaultHasher::new();
            h(&mut state);
            state.finish()
        };
        let all = samples();
        for a in &all {
            let ta = Text::new(a);
            assert_eq!(
                hash(&|s| ta.hash(s)),
                hash(&|s| a.as_str().hash(s)),
                "{a:?}"
            );
            for b in &all {
                let tb = Text::new(b);
                assert_eq!(ta == tb, a == b, "{a:?} vs {b:?}");
                assert_eq!(ta.cmp(&tb), a.cmp(b), "{a:?} vs {b:?}");
            }
        }
    }

    #[test]
    fn a_text_is_three_words_with_room_for_other_variants() {
        assert_eq!(std::mem::size_of::<Text>(), 24);
        assert_eq!(std::mem::size_of::<Option<Text>>(), 24);
    }

    #[test]
    fn round_trips_through_bincode_as_a_string() {
        let cfg = bincode::config::standard();
        for s in samples() {
            let t = Text::new(&s);
            let bytes = bincode::serde::encode_to_vec(&t, cfg).expect("encode");
            assert_eq!(
                bytes,
                bincode::serde::encode_to_vec(&s, cfg).expect("encode str"),
                "{s:?}"
            );
            let (back, _): (Text, usize) =
                bincode::serde::decode_from_slice(&bytes, cfg).expect("decode");
            assert_eq!(back, t);
        }
    }
}
