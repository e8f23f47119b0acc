//! The dataset: every pair (a, b) of Z_p with its label, split into train and
//! test by a seeded permutation that is the same on every target.

use crate::config::{Op, RunConfig};
use crate::rng::{stream, SplitMix64};

/// Samples as three parallel columns; `a` and `b` index the one-hot halves.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Split {
    pub a: Vec<u32>,
    pub b: Vec<u32>,
    pub label: Vec<u32>,
}

impl Split {
    pub fn len(&self) -> usize {
        self.label.len()
    }

    pub fn is_empty(&self) -> bool {
        self.label.is_empty()
    }

    fn push(&mut self, (a, b, c): (u32, u32, u32)) {
        self.a.push(a);
        self.b.push(b);
        self.label.push(c);
    }

    /// One u32 per sample, `a | b << 8 | label << 16` (p <= 256), for the GPU.
    pub fn packed(&self) -> Vec<u32> {
        (0..self.len()).map(|i| self.a[i] | self.b[i] << 8 | self.label[i] << 16).collect()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    pub p: usize,
    pub train: Split,
    pub test: Split,
}

fn pow_mod(mut base: u64, mut exp: u64, m: u64) -> u64 {
    let mut r = 1;
    base %= m;
    while exp > 0 {
        if exp & 1 == 1 {
            r = r * base % m;
        }
        base = base * base % m;
        exp >>= 1;
    }
    r
}

pub fn apply(op: Op, a: u32, b: u32, p: u32) -> u32 {
    let (a, b, p) = (a as u64, b as u64, p as u64);
    (match op {
        Op::Add => (a + b) % p,
        Op::Sub => (a + p - b) % p,
        Op::Mul => a * b % p,
        Op::Div => a * pow_mod(b, p - 2, p) % p,
    }) as u32
}

/// Every pair in canonical order (a major, b minor).
pub fn all_pairs(op: Op, p: u32) -> Split {
    let first_b = if op == Op::Div { 1 } else { 0 };
    let mut s = Split::default();
    for a in 0..p {
        for b in first_b..p {
            s.push((a, b, apply(op, a, b, p)));
        }
    }
    s
}

impl Dataset {
    pub fn new(c: &RunConfig) -> Dataset {
        let all = all_pairs(c.op, c.p);
        let n = all.len();
        let mut perm: Vec<usize> = (0..n).collect();
        let mut rng = SplitMix64::new(c.split_seed, stream::SPLIT);
        for i in (1..n).rev() {
            perm.swap(i, rng.below(i as u64 + 1) as usize);
        }
        let n_train = c.train_count();
        let pick = |idx: &[usize]| {
            let mut s = Split::default();
            for &i in idx {
                s.push((all.a[i], all.b[i], all.label[i]));
            }
            s
        };
        Dataset { p: c.p as usize, train: pick(&perm[..n_train]), test: pick(&perm[n_train..]) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paper_split_sizes_and_disjointness() {
        let d = Dataset::new(&RunConfig::default());
        assert_eq!((d.train.len(), d.test.len()), (3763, 5646));
        let mut seen = std::collections::HashSet::new();
        for s in [&d.train, &d.test] {
            for i in 0..s.len() {
                assert!(seen.insert((s.a[i], s.b[i])));
                assert_eq!(s.label[i], (s.a[i] + s.b[i]) % 97);
            }
        }
    }

    #[test]
    fn split_depends_on_split_seed_only() {
        let c = RunConfig::default();
        let d0 = Dataset::new(&c);
        assert_eq!(d0, Dataset::new(&RunConfig { seed: 9, ..c.clone() }));
        assert_ne!(d0, Dataset::new(&RunConfig { split_seed: 1, ..c }));
    }

    #[test]
    fn operations() {
        assert_eq!(apply(Op::Sub, 2, 5, 7), 4);
        assert_eq!(apply(Op::Mul, 3, 5, 7), 1);
        for b in 1..7 {
            assert_eq!(apply(Op::Mul, apply(Op::Div, 3, b, 7), b, 7), 3);
        }
        assert_eq!(all_pairs(Op::Div, 7).len(), 42);
    }
}
