//! The Fourier measures of Nanda et al. (2023, *Progress measures for
//! grokking via mechanistic interpretability*), read off the weights and
//! adapted to a wide MLP: how a matrix indexed by x in Z_p (an embedding row
//! per input value, or an output row per class; a column per neuron)
//! spreads each neuron's norm over the frequencies of the discrete Fourier
//! transform over Z_p, which frequencies neurons commit to (the key
//! frequencies), how concentrated each neuron is (Gini), and the "clock":
//! each value's embedding on the plane of one frequency.
//!
//! With the orthonormal real basis sqrt(2/p) cos(2 pi k x / p),
//! sqrt(2/p) sin(2 pi k x / p) (k = 1..=(p-1)/2) and 1/sqrt(p), neuron j's
//! energy at frequency k is E_k(j) = (2/p) [(sum_x M[x,j] cos)^2 + (sum_x M[x,j] sin)^2],
//! and ||M||^2 = E_0 + sum_{j,k} E_k(j) (Parseval, odd p; an even p's
//! frequency p/2 is left out). Per neuron, not over the whole matrix: a
//! transformer's shared embedding puts its norm in a few frequencies, but
//! each neuron of this MLP commits to one frequency of its own and the
//! neurons spread over nearly all of them, so the whole matrix's spectrum
//! stays flat while every neuron becomes sparse (`docs/METHOD.md`).
//! Angles come from a table of 2 pi (k x mod p) / p through `libm`, so
//! native and wasm32 give the same bits.

use serde::{Deserialize, Serialize};

/// A neuron commits to a frequency when it carries at least this share of
/// its energy there. A random neuron's strongest of the 48 frequencies (p =
/// 97) holds about 7-15 % of it (each frequency's energy is 4 squares), a
/// grokked neuron's most of it.
pub const COMMITTED: f64 = 0.5;

/// A matrix's spectrum over Z_p, as a run's JSON records it per checkpoint.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Spectrum {
    /// The key frequencies: those some neuron commits to (carries at least
    /// [`COMMITTED`] of its energy at), the most tuned energy first.
    pub key_frequencies: Vec<u32>,
    /// Share of the energy (squared norm, k >= 1) that sits at each
    /// neuron's own strongest frequency.
    pub key_fraction: f64,
    /// The neurons' mean Gini coefficient of their norms sqrt(E_k(j)) over
    /// k, weighted by their energy: 0 when every frequency is even, (m-1)/m
    /// (near 1) when each neuron has one of m frequencies; 0 for a zero matrix.
    pub gini: f64,
    /// The norm of each frequency k = 1..=(p-1)/2 over every neuron,
    /// sqrt(sum_j E_k(j)), in order.
    pub spectrum: Vec<f32>,
    /// Per frequency, the norm carried there by the neurons whose
    /// strongest frequency it is (the page's bars; not in the run's JSON).
    #[serde(skip)]
    pub tuned: Vec<f32>,
}

/// cos and sin of 2 pi n / p for n in 0..p: every angle a frequency k meets
/// at an integer x is one of these, at (k x) mod p.
pub struct Table {
    pub p: usize,
    pub cos: Vec<f64>,
    pub sin: Vec<f64>,
}

impl Table {
    pub fn new(p: usize) -> Table {
        let angle = |n: usize| 2.0 * std::f64::consts::PI * n as f64 / p as f64;
        Table {
            p,
            cos: (0..p).map(|n| libm::cos(angle(n))).collect(),
            sin: (0..p).map(|n| libm::sin(angle(n))).collect(),
        }
    }

    /// (cos, sin) of 2 pi k x / p for any integers (negative ones too).
    pub fn at(&self, k: i64, x: i64) -> (f64, f64) {
        let n = (k * x).rem_euclid(self.p as i64) as usize;
        (self.cos[n], self.sin[n])
    }

    /// The frequencies of the spectrum: 1..=(p-1)/2.
    pub fn frequencies(&self) -> std::ops::RangeInclusive<usize> {
        1..=(self.p - 1) / 2
    }

    /// sum_x rows[x] cos(2 pi k x / p) and the same with sin: per column,
    /// the matrix's component along frequency k (unnormalised).
    pub fn components(&self, rows: &[&[f32]], k: usize) -> (Vec<f64>, Vec<f64>) {
        let width = rows.first().map_or(0, |r| r.len());
        let (mut c, mut s) = (vec![0.0; width], vec![0.0; width]);
        for (x, row) in rows.iter().enumerate() {
            let (cx, sx) = self.at(k as i64, x as i64);
            for ((cj, sj), &v) in c.iter_mut().zip(&mut s).zip(*row) {
                *cj += cx * v as f64;
                *sj += sx * v as f64;
            }
        }
        (c, s)
    }
}

/// E_k(j) for k = 1..=(p-1)/2 (outer, index k - 1) and every neuron j
/// (inner) of the matrix whose row x is `rows[x]` (p rows), summed over
/// `matrices` (the embedding's a and b halves count as one).
pub fn energies(table: &Table, matrices: &[Vec<&[f32]>], threads: usize) -> Vec<Vec<f64>> {
    let scale = 2.0 / table.p as f64;
    crate::par::map(threads, table.frequencies().collect(), |k| {
        let width = matrices.first().and_then(|m| m.first()).map_or(0, |r| r.len());
        let mut e = vec![0.0; width];
        for rows in matrices {
            let (c, s) = table.components(rows, k);
            for ((ej, cj), sj) in e.iter_mut().zip(&c).zip(&s) {
                *ej += scale * (cj * cj + sj * sj);
            }
        }
        e
    })
}

/// Gini coefficient of non-negative values: sum_i (2i - m - 1) x_(i) / (m sum x)
/// over the ascending order; 0 when every value is 0.
pub fn gini(x: &[f64]) -> f64 {
    let total: f64 = x.iter().sum();
    if x.is_empty() || total <= 0.0 {
        return 0.0;
    }
    let mut sorted = x.to_vec();
    sorted.sort_by(f64::total_cmp);
    let m = sorted.len() as f64;
    sorted.iter().enumerate().map(|(i, v)| (2.0 * (i as f64 + 1.0) - m - 1.0) * v).sum::<f64>() / (m * total)
}

/// Index of the largest energy of a neuron's column over k (the lowest
/// frequency on ties).
fn strongest(column: &[f64]) -> usize {
    (0..column.len()).fold(0, |best, k| if column[k] > column[best] { k } else { best })
}

/// Which neurons are tuned to frequency k (their strongest; none without
/// energy), from the energies E_k(j).
pub fn tuned_to(e: &[Vec<f64>], k: usize) -> Vec<bool> {
    let width = e.first().map_or(0, Vec::len);
    (0..width)
        .map(|j| {
            let column: Vec<f64> = e.iter().map(|ek| ek[j]).collect();
            column.iter().sum::<f64>() > 0.0 && strongest(&column) + 1 == k
        })
        .collect()
}

/// The spectrum, key frequencies, key fraction and Gini of the energies
/// E_k(j) (`energies`' layout).
pub fn spectrum(e: &[Vec<f64>]) -> Spectrum {
    let (m, width) = (e.len(), e.first().map_or(0, Vec::len));
    let mut tuned = vec![0.0; m];
    let mut committed = vec![false; m];
    let (mut total, mut at_own, mut gini_sum) = (0.0, 0.0, 0.0);
    for j in 0..width {
        let column: Vec<f64> = e.iter().map(|ek| ek[j]).collect();
        let energy: f64 = column.iter().sum();
        if energy <= 0.0 {
            continue;
        }
        let own = strongest(&column);
        tuned[own] += column[own];
        committed[own] |= column[own] >= COMMITTED * energy;
        total += energy;
        at_own += column[own];
        gini_sum += energy * gini(&column.iter().map(|x| x.sqrt()).collect::<Vec<f64>>());
    }
    let mut keys: Vec<usize> = (0..m).filter(|&k| committed[k]).collect();
    keys.sort_by(|&a, &b| tuned[b].total_cmp(&tuned[a]).then(a.cmp(&b)));
    let ratio = |x: f64| if total > 0.0 { x / total } else { 0.0 };
    Spectrum {
        key_frequencies: keys.iter().map(|&k| k as u32 + 1).collect(),
        key_fraction: ratio(at_own),
        gini: ratio(gini_sum),
        spectrum: e.iter().map(|ek| ek.iter().sum::<f64>().sqrt() as f32).collect(),
        tuned: tuned.iter().map(|t| t.sqrt() as f32).collect(),
    }
}

impl Spectrum {
    /// The clock's frequency: the first key frequency, else the one with
    /// the most tuned energy (None for a zero matrix).
    pub fn clock_frequency(&self) -> Option<u32> {
        let strongest = (0..self.tuned.len()).filter(|&k| self.tuned[k] > 0.0).fold(None, |best: Option<usize>, k| {
            Some(best.map_or(k, |b| if self.tuned[k] > self.tuned[b] { k } else { b }))
        });
        self.key_frequencies.first().copied().or(strongest.map(|k| k as u32 + 1))
    }
}

/// The clock: each value x's row (its embedding) in the neurons `keep`
/// (those tuned to k: the others' waves of other frequencies would only
/// blur it) projected on the plane of frequency k, i.e. on the unit vectors
/// along u = sum_x rows[x] cos and the part of v = sum_x rows[x] sin
/// orthogonal to u. An embedding that is A cos(wx) + B sin(wx) with
/// |A| = |B|, A orthogonal to B, puts the values on a circle, k steps
/// apart. Empty when the plane is degenerate (a zero component).
pub fn clock(table: &Table, rows: &[&[f32]], k: usize, keep: &[bool]) -> Vec<(f32, f32)> {
    let (mut u, mut v) = table.components(rows, k);
    for ((uj, vj), &kept) in u.iter_mut().zip(&mut v).zip(keep) {
        if !kept {
            (*uj, *vj) = (0.0, 0.0);
        }
    }
    let dot = |x: &[f64], y: &[f64]| x.iter().zip(y).map(|(a, b)| a * b).sum::<f64>();
    let nu = dot(&u, &u).sqrt();
    if nu == 0.0 || !nu.is_finite() {
        return Vec::new();
    }
    let u: Vec<f64> = u.iter().map(|x| x / nu).collect();
    let along = dot(&v, &u);
    let v: Vec<f64> = v.iter().zip(&u).map(|(x, y)| x - along * y).collect();
    let nv = dot(&v, &v).sqrt();
    // A plane only when the sine part is not (numerically) inside u's line.
    if nv <= 1e-9 * nu || !nv.is_finite() {
        return Vec::new();
    }
    let project = |row: &[f32], axis: &[f64]| row.iter().zip(axis).map(|(&x, a)| x as f64 * a).sum::<f64>();
    rows.iter().map(|r| (project(r, &u) as f32, (project(r, &v) / nv) as f32)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: usize = 97;

    /// p rows of `width` columns: column j is amp_j cos(2 pi k(j) x / p + phase_j).
    fn waves(k: impl Fn(usize) -> usize, width: usize) -> Vec<Vec<f32>> {
        (0..P)
            .map(|x| {
                (0..width)
                    .map(|j| {
                        let phase = j as f64 * 0.7;
                        ((1.0 + j as f64 / width as f64)
                            * (2.0 * std::f64::consts::PI * (k(j) * x) as f64 / P as f64 + phase).cos())
                            as f32
                    })
                    .collect()
            })
            .collect()
    }

    fn view(m: &[Vec<f32>]) -> Vec<&[f32]> {
        m.iter().map(|r| r.as_slice()).collect()
    }

    #[test]
    fn a_pure_cosine_embedding_has_one_key_frequency_and_gini_near_one() {
        let t = Table::new(P);
        let m = waves(|_| 7, 30);
        let s = spectrum(&energies(&t, &[view(&m)], 2));
        assert_eq!(s.key_frequencies, [7]);
        assert!((s.key_fraction - 1.0).abs() < 1e-9, "{}", s.key_fraction);
        // One of 48 frequencies: (48 - 1) / 48.
        assert!((s.gini - 47.0 / 48.0).abs() < 1e-6, "{}", s.gini);
        assert_eq!(s.spectrum.len(), 48);
        assert!(s.spectrum.iter().enumerate().all(|(i, &n)| (i == 6) == (n > 1e-3)), "{:?}", s.spectrum);
        assert_eq!(s.clock_frequency(), Some(7));
    }

    #[test]
    fn neurons_on_different_frequencies_are_each_sparse_though_the_whole_is_flat() {
        // The grokked MLP: each neuron on a frequency of its own, all 48 used.
        let m = waves(|j| 1 + j % 48, 96);
        let s = spectrum(&energies(&Table::new(P), &[view(&m)], 1));
        assert_eq!(s.key_frequencies.len(), 48);
        assert!((s.key_fraction - 1.0).abs() < 1e-9 && s.gini > 0.97, "{s:?}");
        let (lo, hi) = s.spectrum.iter().fold((f32::MAX, 0f32), |(l, h), &x| (l.min(x), h.max(x)));
        assert!(hi < 2.0 * lo, "the matrix's own spectrum is flat: {lo}..{hi}");
    }

    #[test]
    fn energies_add_up_to_the_squared_norm() {
        // Parseval over Z_p (odd p): the constant's energy plus every frequency's.
        let mut r = crate::rng::SplitMix64::new(5, 0);
        let m: Vec<Vec<f32>> = (0..P).map(|_| (0..60).map(|_| r.next_f64() as f32 - 0.3).collect()).collect();
        let t = Table::new(P);
        let e = energies(&t, &[view(&m)], 1);
        let e0: f64 = (0..60).map(|j| m.iter().map(|row| row[j] as f64).sum::<f64>().powi(2)).sum::<f64>() / P as f64;
        let norm2: f64 = m.iter().flatten().map(|&x| (x as f64).powi(2)).sum();
        assert!((e0 + e.iter().flatten().sum::<f64>() - norm2).abs() < 1e-9 * norm2);
        // No structure: no neuron commits to a frequency, each holds little at its strongest.
        let s = spectrum(&e);
        assert!(s.key_frequencies.is_empty(), "{s:?}");
        assert!(s.gini < 0.4 && s.key_fraction < 0.2, "{s:?}");
        assert!(s.clock_frequency().is_some());
    }

    #[test]
    fn two_frequencies_share_the_key_set_most_tuned_first() {
        let m = waves(|j| if j < 8 { 3 } else { 11 }, 20);
        let s = spectrum(&energies(&Table::new(P), &[view(&m)], 1));
        assert_eq!(s.key_frequencies, [11, 3]);
        assert!((s.key_fraction - 1.0).abs() < 1e-9);
    }

    #[test]
    fn a_zero_matrix_has_no_key_frequency_and_no_nan() {
        let m = vec![vec![0f32; 4]; P];
        let s = spectrum(&energies(&Table::new(P), &[view(&m)], 1));
        assert!(s.key_frequencies.is_empty() && s.key_fraction == 0.0 && s.gini == 0.0, "{s:?}");
        assert_eq!(s.clock_frequency(), None);
        assert!(clock(&Table::new(P), &view(&m), 1, &[true; 4]).is_empty());
        assert!(tuned_to(&energies(&Table::new(P), &[view(&m)], 1), 1).iter().all(|&t| !t));
    }

    #[test]
    fn gini_of_known_vectors() {
        assert_eq!(gini(&[1.0, 1.0, 1.0, 1.0]), 0.0);
        assert!((gini(&[0.0, 0.0, 0.0, 2.0]) - 0.75).abs() < 1e-12);
        assert!((gini(&[1.0, 2.0, 3.0]) - 2.0 / 9.0).abs() < 1e-12);
    }

    #[test]
    fn the_clock_of_a_rotating_embedding_is_a_circle_k_steps_apart() {
        // Column pairs cos and sin of 2 pi k x / p: a perfect clock.
        let k = 5;
        let m: Vec<Vec<f32>> = (0..P)
            .map(|x| {
                let (c, s) = Table::new(P).at(k as i64, x as i64);
                vec![c as f32, s as f32, 0.0, 2.0 * c as f32, 2.0 * s as f32]
            })
            .collect();
        // Beside them, neurons on frequency 9: not tuned to 5, left out of its clock.
        let m: Vec<Vec<f32>> = m
            .iter()
            .enumerate()
            .map(|(x, row)| {
                let (c, _) = Table::new(P).at(9, x as i64);
                row.iter().copied().chain([3.0 * c as f32, -c as f32]).collect()
            })
            .collect();
        let keep = tuned_to(&energies(&Table::new(P), &[view(&m)], 1), k);
        assert_eq!(keep, [true, true, false, true, true, false, false], "the zero neuron is tuned to nothing");
        let pts = clock(&Table::new(P), &view(&m), k, &keep);
        assert_eq!(pts.len(), P);
        let r: Vec<f64> = pts.iter().map(|&(x, y)| (x as f64).hypot(y as f64)).collect();
        assert!(r.iter().all(|&ri| (ri - r[0]).abs() < 1e-5 * r[0]), "{r:?}");
        // Value x sits at angle 2 pi k x / p (up to the plane's orientation).
        let angle = |i: usize| (pts[i].1 as f64).atan2(pts[i].0 as f64);
        let step = (angle(1) - angle(0)).rem_euclid(2.0 * std::f64::consts::PI);
        let want = 2.0 * std::f64::consts::PI * k as f64 / P as f64;
        assert!((step - want).abs() < 1e-5 || (step - (2.0 * std::f64::consts::PI - want)).abs() < 1e-5, "{step}");
    }
}
