//! A seeded PRNG that gives the same stream on every target (native, wasm32):
//! SplitMix64, using only integer arithmetic.

#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// `stream` separates independent uses of one user seed (split, init, ties).
    pub fn new(seed: u64, stream: u64) -> Self {
        let mut r = SplitMix64(seed ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03));
        r.next_u64();
        r
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 random bits.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform integer in [0, n), without modulo bias (Lemire's method).
    pub fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0);
        loop {
            let m = (self.next_u64() as u128) * (n as u128);
            let low = m as u64;
            if low >= n.wrapping_neg() % n {
                return (m >> 64) as u64;
            }
        }
    }
}

/// Streams: one per random choice of a run, so changing one seed never
/// shifts another choice's numbers.
pub mod stream {
    pub const SPLIT: u64 = 1;
    pub const INIT: u64 = 2;
    pub const TIES: u64 = 3;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn below_is_in_range_and_covers_it() {
        let mut r = SplitMix64::new(7, 0);
        let mut seen = [false; 5];
        for _ in 0..200 {
            let x = r.below(5) as usize;
            seen[x] = true;
        }
        assert!(seen.iter().all(|&s| s));
    }

    #[test]
    fn streams_differ() {
        let a = SplitMix64::new(1, stream::SPLIT).next_u64();
        let b = SplitMix64::new(1, stream::INIT).next_u64();
        assert_ne!(a, b);
    }
}
