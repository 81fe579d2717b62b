//! Java's `hashCode()` for the types tuples carry, with Java's wrapping `int` arithmetic, so that
//! fields and partial-key groupings send a key to the task Storm would.

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
    fn bytes_hash_treats_bytes_as_signed() {
        assert_eq!(bytes_hash(&[]), 1);
        assert_eq!(bytes_hash(&[0xff]), 31 - 1);
    }
}
