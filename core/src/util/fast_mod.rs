//! `FloorMod`: Java's `Math.floorMod(h, n)` for a fixed `n` without a division instruction
//! (Lemire's fastmod), since a division per tuple is a visible cost in fields groupings.

/// `floorMod(h, n)` for one divisor `n` (1 ≤ n < 2³¹).
#[derive(Debug, Clone, Copy)]
pub struct FloorMod {
    n: u32,
    magic: u64,
    /// `2³¹ mod n`: `h` is shifted by 2³¹ to make it non-negative, then shifted back.
    offset: u32,
}

impl FloorMod {
    /// Prepares the divisor; `n` must be at least 1.
    pub fn new(n: u32) -> Self {
        let n = n.max(1);
        Self {
            n,
            magic: (u64::MAX / u64::from(n)).wrapping_add(1),
            offset: ((1u64 << 31) % u64::from(n)) as u32,
        }
    }

    #[inline]
    fn mod_u32(&self, a: u32) -> u32 {
        let low = self.magic.wrapping_mul(u64::from(a));
        ((u128::from(low) * u128::from(self.n)) >> 64) as u32
    }

    /// `floorMod(h, n)`: always in `0..n`.
    #[inline]
    pub fn apply(&self, h: i32) -> u32 {
        if self.n.is_power_of_two() {
            // Two's complement: the low bits are the floor modulus (and n = 1 gives 0).
            return (h as u32) & (self.n - 1);
        }
        // a = h + 2³¹ is in 0..2³², and (a mod n) - (2³¹ mod n) ≡ h (mod n).
        let a = (h as u32) ^ 0x8000_0000;
        let r = self.mod_u32(a);
        if r >= self.offset {
            r - self.offset
        } else {
            r + self.n - self.offset
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_rem_euclid_for_all_kinds_of_values() {
        let hs = [
            0,
            1,
            -1,
            7,
            -7,
            99_162_353,
            i32::MAX,
            i32::MIN,
            i32::MIN + 1,
            -123_456_789,
        ];
        for n in (1..=37u32).chain([64, 1 << 20, 1 << 30]) {
            let f = FloorMod::new(n);
            for &h in &hs {
                assert_eq!(f.apply(h), h.rem_euclid(n as i32) as u32, "h={h} n={n}");
            }
        }
        let f = FloorMod::new(1_000_003);
        for &h in &hs {
            assert_eq!(f.apply(h), h.rem_euclid(1_000_003) as u32);
        }
    }
}
