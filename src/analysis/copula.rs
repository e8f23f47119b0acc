//! Gaussian copula (Ince et al. 2017): per neuron, rank the samples
//! (1..s), map rank r to r / (s + 1), apply the inverse standard normal CDF,
//! and subtract the mean. Ties follow [`Ties`].

use super::linalg::{Panels, PANEL_LANES};
use super::Ties;
use crate::rng::SplitMix64;

// Wichura (1988), Algorithm AS 241 PPND16, accurate to about 1e-16. The
// coefficients keep the published digits.
#[allow(clippy::excessive_precision)]
const A: [f64; 8] = [
    3.387_132_872_796_366_608_0,
    1.331_416_678_917_843_774_5e2,
    1.971_590_950_306_551_442_7e3,
    1.373_169_376_550_946_112_5e4,
    4.592_195_393_154_987_145_7e4,
    6.726_577_092_700_870_085_3e4,
    3.343_057_558_358_812_810_5e4,
    2.509_080_928_730_122_672_7e3,
];
#[allow(clippy::excessive_precision)]
const B: [f64; 8] = [
    1.0,
    4.231_333_070_160_091_125_2e1,
    6.871_870_074_920_579_083_0e2,
    5.394_196_021_424_751_107_7e3,
    2.121_379_430_158_659_586_7e4,
    3.930_789_580_009_271_061_0e4,
    2.872_908_573_572_194_267_4e4,
    5.226_495_278_852_854_561_0e3,
];
#[allow(clippy::excessive_precision)]
const C: [f64; 8] = [
    1.423_437_110_749_683_577_34,
    4.630_337_846_156_545_295_90,
    5.769_497_221_460_691_405_50,
    3.647_848_324_763_204_605_04,
    1.270_458_252_452_368_382_58,
    2.417_807_251_774_506_117_70e-1,
    2.272_384_498_926_918_458_33e-2,
    7.745_450_142_783_414_076_40e-4,
];
#[allow(clippy::excessive_precision)]
const D: [f64; 8] = [
    1.0,
    2.053_191_626_637_758_821_87,
    1.676_384_830_183_803_849_40,
    6.897_673_349_851_000_045_50e-1,
    1.481_039_764_274_800_745_90e-1,
    1.519_866_656_361_645_719_66e-2,
    5.475_938_084_995_344_946_00e-4,
    1.050_750_071_644_416_843_24e-9,
];
#[allow(clippy::excessive_precision)]
const E: [f64; 8] = [
    6.657_904_643_501_103_777_20,
    5.463_784_911_164_114_369_90,
    1.784_826_539_917_291_335_80,
    2.965_605_718_285_048_912_30e-1,
    2.653_218_952_657_612_309_30e-2,
    1.242_660_947_388_078_438_60e-3,
    2.711_555_568_743_487_578_15e-5,
    2.010_334_399_292_288_132_65e-7,
];
#[allow(clippy::excessive_precision)]
const F: [f64; 8] = [
    1.0,
    5.998_322_065_558_879_376_90e-1,
    1.369_298_809_227_358_053_10e-1,
    1.487_536_129_085_061_485_25e-2,
    7.868_691_311_456_132_591_00e-4,
    1.846_318_317_510_054_681_80e-5,
    1.421_511_758_316_445_888_70e-7,
    2.044_263_103_389_939_785_64e-15,
];

#[inline]
fn poly(c: &[f64; 8], x: f64) -> f64 {
    let mut v = c[7];
    for i in (0..7).rev() {
        v = v * x + c[i];
    }
    v
}

/// Inverse of the standard normal CDF (Wichura's AS 241, PPND16), using
/// `libm` so every target gives the same bits. `p` outside (0, 1) gives
/// -inf / +inf at the ends and NaN outside.
pub fn ndtri(p: f64) -> f64 {
    if !(p > 0.0 && p < 1.0) {
        return if p == 0.0 {
            f64::NEG_INFINITY
        } else if p == 1.0 {
            f64::INFINITY
        } else {
            f64::NAN
        };
    }
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        let r = 0.180625 - q * q;
        return q * poly(&A, r) / poly(&B, r);
    }
    let r = if q < 0.0 { p } else { 1.0 - p };
    let r = libm::sqrt(-libm::log(r));
    let v = if r <= 5.0 {
        let r = r - 1.6;
        poly(&C, r) / poly(&D, r)
    } else {
        let r = r - 5.0;
        poly(&E, r) / poly(&F, r)
    };
    if q < 0.0 {
        -v
    } else {
        v
    }
}

/// Maps an f64 to a u64 with the same order (`-0.0` counts as `0.0`).
#[inline]
fn order_key(v: f64) -> u64 {
    let b = (v + 0.0).to_bits();
    if b >> 63 == 1 {
        !b
    } else {
        b | (1 << 63)
    }
}

/// Reusable per-thread buffers and the table `ndtri(r / (s + 1))`, r = 1..s.
pub struct Copula {
    samples: usize,
    table: Vec<f64>,
    keys: Vec<u128>,
    zeros: Vec<u32>,
    order: Vec<u32>,
}

impl Copula {
    pub fn new(samples: usize) -> Copula {
        let denom = samples as f64 + 1.0;
        let table = (1..=samples).map(|r| ndtri(r as f64 / denom)).collect();
        Copula {
            samples,
            table,
            keys: Vec::with_capacity(samples),
            zeros: Vec::with_capacity(samples),
            order: Vec::with_capacity(samples),
        }
    }

    /// Sorts the samples of `values` into `self.order` (by value, then
    /// sample index) with `self.keys` holding the non-zero ones; returns how
    /// many are negative and how many exactly zero.
    fn sort(&mut self, values: &[f64]) -> (usize, usize) {
        let s = values.len();
        // Split exact zeros from the rest without branches (ReLU: ~half are 0).
        self.keys.resize(s, 0);
        self.zeros.resize(s, 0);
        let (mut nk, mut nz) = (0, 0);
        {
            let (keys, zeros) = (&mut self.keys[..], &mut self.zeros[..]);
            for (i, &v) in values.iter().enumerate() {
                let zero = v == 0.0;
                keys[nk] = (order_key(v) as u128) << 64 | i as u128;
                zeros[nz] = i as u32;
                nk += usize::from(!zero);
                nz += usize::from(zero);
            }
        }
        self.keys.truncate(nk);
        self.zeros.truncate(nz);
        // Sorted by (value, sample index).
        self.keys.sort_unstable();
        let neg = self.keys.partition_point(|&k| ((k >> 64) as u64) < order_key(0.0));
        self.order.clear();
        self.order.extend(self.keys[..neg].iter().map(|&k| k as u32));
        self.order.extend_from_slice(&self.zeros);
        self.order.extend(self.keys[neg..].iter().map(|&k| k as u32));
        (neg, nz)
    }

    /// Copula-normalises one neuron's `values` (length s) into `out`.
    ///
    /// Ranks come from sorting by value. A block of tied values occupies
    /// consecutive ranks; inside the block, [`Ties::Stable`] keeps sample
    /// order, [`Ties::Random`] uses a uniformly random order (a Fisher-Yates
    /// shuffle per block, blocks in increasing value, drawn from the stream
    /// `SplitMix64::new(seed, neuron)`, so the seed and the neuron index
    /// alone decide it), and [`Ties::Average`] gives every member the
    /// block's mid-rank. Exact zeros (ReLU) are split off before sorting.
    pub fn transform(&mut self, values: &[f64], ties: Ties, seed: u64, neuron: u64, out: &mut [f64]) {
        let s = self.samples;
        assert_eq!(values.len(), s);
        assert_eq!(out.len(), s);
        let (neg, nz) = self.sort(values);
        let zero_key = order_key(0.0);
        let keys = &self.keys;
        let value_at = |r: usize| -> u64 {
            if r < neg {
                (keys[r] >> 64) as u64
            } else if r < neg + nz {
                zero_key
            } else {
                (keys[r - nz] >> 64) as u64
            }
        };
        let mut rng = SplitMix64::new(seed, neuron);
        let denom = s as f64 + 1.0;
        let mut a = 0;
        while a < s {
            let v = value_at(a);
            let mut b = a + 1;
            if a == neg && nz > 0 {
                b = a + nz;
            } else {
                while b < s && value_at(b) == v {
                    b += 1;
                }
            }
            if b - a == 1 {
                out[self.order[a] as usize] = self.table[a];
            } else {
                match ties {
                    Ties::Stable => {
                        for r in a..b {
                            out[self.order[r] as usize] = self.table[r];
                        }
                    }
                    Ties::Random => {
                        let block = &mut self.order[a..b];
                        for i in (1..block.len()).rev() {
                            block.swap(i, rng.below(i as u64 + 1) as usize);
                        }
                        for r in a..b {
                            out[self.order[r] as usize] = self.table[r];
                        }
                    }
                    Ties::Average => {
                        // Ranks a+1..=b share the mid-rank (a + 1 + b) / 2.
                        let g = ndtri((a + 1 + b) as f64 / 2.0 / denom);
                        for r in a..b {
                            out[self.order[r] as usize] = g;
                        }
                    }
                }
            }
            a = b;
        }
        let mean = out.iter().sum::<f64>() / s as f64;
        for v in out.iter_mut() {
            *v -= mean;
        }
    }
}

/// Copula-normalises `n` neuron-major columns (`cols[j*s..(j+1)*s]`), giving
/// neuron-major output. `ids[j]` is the neuron index that seeds column j's
/// random tie-breaking stream, so a neuron's values do not depend on which
/// other neurons are transformed with it.
pub fn copula_columns(cols: &[f64], samples: usize, ids: &[u64], ties: Ties, seed: u64) -> Vec<f64> {
    let n = ids.len();
    assert_eq!(cols.len(), n * samples);
    let mut out = vec![0.0; n * samples];
    if samples == 0 {
        return out;
    }
    let work = |cols: &[f64], out: &mut [f64], ids: &[u64]| {
        let mut cop = Copula::new(samples);
        for ((c, o), &id) in cols.chunks_exact(samples).zip(out.chunks_exact_mut(samples)).zip(ids) {
            cop.transform(c, ties, seed, id, o);
        }
    };
    if n >= 16 && samples * n > 1 << 15 && crate::par::threads() > 1 {
        let half = n / 2;
        let (c0, c1) = cols.split_at(half * samples);
        let (o0, o1) = out.split_at_mut(half * samples);
        let (i0, i1) = ids.split_at(half);
        crate::par::join(|| work(c0, o0, i0), || work(c1, o1, i1));
        return out;
    }
    work(cols, &mut out, ids);
    out
}

/// Copula values of `count` variables packed for the covariance kernel.
/// `raw(first, m, out)` writes the raw values of variables `first..first+m`
/// neuron-major into `out` (`m * samples`); `streams[i]` seeds variable i's
/// random tie-breaking. Equals [`copula_columns`] value for value.
pub fn copula_panels(
    samples: usize,
    streams: &[u64],
    ties: Ties,
    seed: u64,
    raw: impl Fn(usize, usize, &mut [f64]) + Sync,
) -> Panels {
    let count = streams.len();
    let s = samples;
    Panels::from_panel_fn(
        samples,
        count,
        || (Copula::new(s), vec![0.0; PANEL_LANES * s], vec![0.0; s]),
        |(cop, cols, z), p, panel| {
            let first = p * PANEL_LANES;
            let m = PANEL_LANES.min(count - first);
            raw(first, m, &mut cols[..m * s]);
            for l in 0..PANEL_LANES {
                if l < m {
                    cop.transform(&cols[l * s..(l + 1) * s], ties, seed, streams[first + l], z);
                    for (k, &v) in z.iter().enumerate() {
                        panel[k * PANEL_LANES + l] = v;
                    }
                } else {
                    for k in 0..s {
                        panel[k * PANEL_LANES + l] = 0.0;
                    }
                }
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ndtri_known_values() {
        assert_eq!(ndtri(0.5), 0.0);
        assert!((ndtri(0.975) - 1.959_963_984_540_054).abs() < 1e-15);
        assert!((ndtri(0.8413447460685429) - 1.0).abs() < 1e-14);
        assert!((ndtri(1e-10) + 6.361_340_902_404_056).abs() < 1e-12);
        assert!((ndtri(1e-300) + 37.047_096_299_361_2).abs() < 1e-11);
        for i in 1..1000 {
            let p = i as f64 / 1000.0;
            assert!((ndtri(p) + ndtri(1.0 - p)).abs() < 1e-13, "symmetry at {p}");
        }
        assert_eq!(ndtri(0.0), f64::NEG_INFINITY);
        assert!(ndtri(-1.0).is_nan());
    }

    #[test]
    fn ranks_and_ties() {
        let vals = [3.0, 0.0, 0.0, 5.0, -0.0, 1.0];
        let s = vals.len();
        let t = |r: usize| ndtri(r as f64 / (s as f64 + 1.0));
        let mut cop = Copula::new(s);
        let mut out = vec![0.0; s];
        cop.transform(&vals, Ties::Stable, 0, 0, &mut out);
        let stable = out.clone();
        // -0.0 ties with 0.0; stable order: samples 1, 2, 4 get ranks 1, 2, 3.
        let expect = [t(5), t(1), t(2), t(6), t(3), t(4)];
        let mean = expect.iter().sum::<f64>() / s as f64;
        for i in 0..s {
            assert!((out[i] - (expect[i] - mean)).abs() < 1e-15);
        }
        cop.transform(&vals, Ties::Average, 0, 0, &mut out);
        assert_eq!(out[1], out[2]);
        assert_eq!(out[1], out[4]);
        assert!(out.iter().sum::<f64>().abs() < 1e-14);
        let mut a = vec![0.0; s];
        let mut b = vec![0.0; s];
        cop.transform(&vals, Ties::Random, 7, 3, &mut a);
        cop.transform(&vals, Ties::Random, 7, 3, &mut b);
        assert_eq!(a, b);
        // Non-tied samples keep their ranks; tied ones share ranks 1..3.
        assert_eq!(a[0], stable[0]);
        let mut tied = [a[1], a[2], a[4]];
        tied.sort_by(f64::total_cmp);
        assert!((tied[0] - (t(1) - mean)).abs() < 1e-15);
    }

    #[test]
    fn panels_equal_columns() {
        let (s, n) = (700, 21);
        let mut r = SplitMix64::new(4, 0);
        let cols: Vec<f64> = (0..s * n).map(|_| (r.next_f64() - 0.4).max(0.0)).collect();
        let ids: Vec<u64> = (0..n as u64).map(|j| 3 * j + 1).collect();
        for ties in Ties::ALL {
            let z = copula_columns(&cols, s, &ids, ties, 9);
            let p = copula_panels(s, &ids, ties, 9, |first, m, out: &mut [f64]| {
                out.copy_from_slice(&cols[first * s..(first + m) * s])
            });
            for j in 0..n {
                for k in 0..s {
                    assert_eq!(p.get(k, j), z[j * s + k]);
                }
            }
        }
    }

    #[test]
    fn random_ties_differ_per_neuron_and_seed() {
        let vals = vec![0.0; 50];
        let mut cop = Copula::new(50);
        let mut a = vec![0.0; 50];
        let mut b = vec![0.0; 50];
        let mut c = vec![0.0; 50];
        cop.transform(&vals, Ties::Random, 1, 0, &mut a);
        cop.transform(&vals, Ties::Random, 1, 1, &mut b);
        cop.transform(&vals, Ties::Random, 2, 0, &mut c);
        assert_ne!(a, b);
        assert_ne!(a, c);
        let ids: Vec<u64> = (0..40).collect();
        let cols: Vec<f64> = (0..40 * 1000).map(|i| ((i * 7919) % 13) as f64).collect();
        let all = copula_columns(&cols, 1000, &ids, Ties::Random, 5);
        let one = copula_columns(&cols[39 * 1000..], 1000, &ids[39..], Ties::Random, 5);
        assert_eq!(&all[39 * 1000..], &one[..]);
    }
}
