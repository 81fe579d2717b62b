//! Java's `hashCode()` for the types tuples carry, with Java's wrapping `int` arithmetic, so that
//! fields and partial-key groupings send a key to the task Storm would.

use crate::tuple::Text;

/// `String.hashCode()`: `s[0]*31^(n-1) + ... + s[n-1]` over UTF-16 code units.
#[inline]
pub fn string_hash(s: &str) -> i32 {
    const P2: i32 = 31 * 31;
    const P3: i32 = 31 * 31 * 31;
    const P4: i32 = 31 * 31 * 31 * 31;
    let bytes = s.as_bytes();
    let mut h: i32 = 0;
    let mut high = 0u8;
    // Four bytes a step: h·31⁴ + b0·31³ + b1·31² + b2·31 + b3, independent multiplies.
    let mut chunks = bytes.chunks_exact(4);
    for c in &mut chunks {
        let (b0, b1, b2, b3) = (c[0], c[1], c[2], c[3]);
        high |= b0 | b1 | b2 | b3;
        h = h
            .wrapping_mul(P4)
            .wrapping_add(i32::from(b0) * P3)
            .wrapping_add(i32::from(b1) * P2)
            .wrapping_add(i32::from(b2) * 31)
            .wrapping_add(i32::from(b3));
    }
    for &b in chunks.remainder() {
        high |= b;
        h = h.wrapping_mul(31).wrapping_add(i32::from(b));
    }
    if high < 0x80 {
        return h;
    }
    // Not ASCII: one UTF-16 unit is no longer one byte.
    s.encode_utf16().fold(0i32, |h, unit| {
        h.wrapping_mul(31).wrapping_add(i32::from(unit))
    })
}

/// `31⁻ᵏ mod 2³²` for k = 0..=8, the zero padding of an inline string's last word: 31 is odd,
/// so it has an inverse modulo 2³².
const INVERSE_POWERS_OF_31: [u32; 9] = {
    // Newton's iteration doubles the correct low bits each step: 5 steps reach 32.
    let mut inverse: u32 = 31;
    let mut step = 0;
    while step < 5 {
        inverse = inverse.wrapping_mul(2u32.wrapping_sub(31u32.wrapping_mul(inverse)));
        step += 1;
    }
    let mut powers = [1u32; 9];
    let mut k = 1;
    while k < 9 {
        powers[k] = powers[k - 1].wrapping_mul(inverse);
        k += 1;
    }
    powers
};

/// `b0·31⁷ + b1·31⁶ + … + b7` over the bytes of a little-endian word, in three multiplies:
/// pairs in 16-bit lanes, then quads in 32-bit lanes (no lane overflows: a pair is at most
/// 255·32, a quad at most 8160·962), then the two quads.
#[inline(always)]
fn word_hash(w: u64) -> u32 {
    const BYTES: u64 = 0x00ff_00ff_00ff_00ff;
    const PAIRS: u64 = 0x0000_ffff_0000_ffff;
    let pairs = (w & BYTES) * 31 + ((w >> 8) & BYTES);
    let quads = (pairs & PAIRS) * (31 * 31) + ((pairs >> 16) & PAIRS);
    (quads as u32)
        .wrapping_mul(31 * 31 * 31 * 31)
        .wrapping_add((quads >> 32) as u32)
}

/// `String.hashCode()` of a [`Text`]. An inline ASCII string is hashed a word at a time: its
/// bytes are zero past its length, so hashing the zero-padded words gives `h·31^padding`,
/// and one multiply by the inverse of `31^padding` gives `h`. Other strings take
/// [`string_hash`].
#[inline(always)]
pub fn text_hash(t: &Text) -> i32 {
    const HIGH_BITS: u64 = 0x8080_8080_8080_8080;
    let Some((words, len)) = t.inline_words() else {
        return string_hash(t);
    };
    if (words[0] | words[1] | words[2]) & HIGH_BITS != 0 {
        return string_hash(t);
    }
    let [w0, w1, w2] = words;
    let then = |h: u32, w: u64| h.wrapping_mul(POW_31_8).wrapping_add(word_hash(w));
    let (padded, used) = match len {
        0..=8 => (word_hash(w0), 8),
        9..=16 => (then(word_hash(w0), w1), 16),
        _ => (then(then(word_hash(w0), w1), w2), 24),
    };
    padded.wrapping_mul(INVERSE_POWERS_OF_31[used - len]) as i32
}

const POW_31_8: u32 = 31u32.wrapping_pow(8);

/// `Long.hashCode(v)`: `(int)(v ^ (v >>> 32))`.
pub fn long_hash(v: i64) -> i32 {
    let u = v as u64;
    (u ^ (u >> 32)) as u32 as i32
}

/// `Double.hashCode(v)`: `Long.hashCode(doubleToLongBits(v))`, with NaN canonicalised.
pub fn double_hash(v: f64) -> i32 {
    let bits = if v.is_nan() {
        0x7ff8_0000_0000_0000_i64
    } else {
        v.to_bits() as i64
    };
    long_hash(bits)
}

/// `Arrays.hashCode(byte[])`: the 31-rule over signed bytes, starting at 1.
pub fn bytes_hash(b: &[u8]) -> i32 {
    b.iter().fold(1i32, |h, &x| {
        h.wrapping_mul(31).wrapping_add(i32::from(x as i8))
    })
}

/// `List.hashCode()` / `Arrays.deepHashCode`, given the elements' hash codes.
pub fn list_hash(hashes: impl IntoIterator<Item = i32>) -> i32 {
    hashes
        .into_iter()
        .fold(1i32, |h, e| h.wrapping_mul(31).wrapping_add(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_hash_uses_utf16_units() {
        assert_eq!(string_hash("a"), 97);
        // "é" is one UTF-16 unit, 0xE9, although it is two UTF-8 bytes.
        assert_eq!(string_hash("é"), 0xE9);
        // "😀" is a surrogate pair: 0xD83D, 0xDE00.
        assert_eq!(string_hash("😀"), 0xD83D * 31 + 0xDE00);
    }

    #[test]
    fn ascii_strings_hash_bytewise() {
        for s in [
            "",
            "a",
            "ab",
            "abc",
            "abcd",
            "abcde",
            "hello world, this is storm",
            "~~~~~~~~~",
        ] {
            let plain = s
                .bytes()
                .fold(0i32, |h, b| h.wrapping_mul(31).wrapping_add(i32::from(b)));
            assert_eq!(string_hash(s), plain, "{s:?}");
        }
    }

    #[test]
    fn every_length_hashes_like_the_plain_rule() {
        let mut rng = crate::util::SplitMix64::new(9);
        for len in 0..=40 {
            for _ in 0..200 {
                let s: String = (0..len).map(|_| char::from(rng.below(128) as u8)).collect();
                let plain = s
                    .bytes()
                    .fold(0i32, |h, b| h.wrapping_mul(31).wrapping_add(i32::from(b)));
                assert_eq!(string_hash(&s), plain, "{s:?}");
            }
            // A non-ASCII letter anywhere takes the UTF-16 path.
            if len > 0 {
                let mut s: String = "x".repeat(len - 1);
                s.insert(rng.below(len as u64) as usize, 'é');
                let utf16 = s
                    .encode_utf16()
                    .fold(0i32, |h, u| h.wrapping_mul(31).wrapping_add(i32::from(u)));
                assert_eq!(string_hash(&s), utf16, "{s:?}");
            }
        }
    }

    #[test]
    fn text_hash_equals_the_string_hash_at_every_length() {
        let mut rng = crate::util::SplitMix64::new(11);
        for len in 0..=40 {
            for _ in 0..200 {
                let s: String = (0..len)
                    .map(|_| char::from(1 + rng.below(127) as u8))
                    .collect();
                assert_eq!(text_hash(&Text::new(&s)), string_hash(&s), "{s:?}");
            }
            if len > 0 {
                let mut s: String = "y".repeat(len - 1);
                s.insert(rng.below(len as u64) as usize, 'ü');
                assert_eq!(text_hash(&Text::new(&s)), string_hash(&s), "{s:?}");
            }
        }
        assert_eq!(text_hash(&Text::new("hello")), 99_162_322);
    }

    #[test]
    fn bytes_hash_treats_bytes_as_signed() {
        assert_eq!(bytes_hash(&[]), 1);
        assert_eq!(bytes_hash(&[0xff]), 31 - 1);
    }
}
