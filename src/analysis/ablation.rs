//! Restricted and excluded loss (Nanda et al. 2023, section 5.1), adapted to
//! this MLP: the logits L(a, b, c) = W2[c] . h(a, b) over the inputs, with t
//! the true answer a o b, have components along the "clock" directions
//! cos(w_k (t - c)) and sin(w_k (t - c)) of the key frequencies k
//! (w_k = 2 pi k / p; for addition t - c = a + b - c, Nanda's directions).
//!
//! - The projection P = sum_k alpha_k cos(w_k (t - c)) + beta_k sin(w_k (t - c)),
//!   with alpha_k = <L, cos(w_k (t - c))> / ||cos(w_k (t - c))||^2 over every
//!   input and class: the directions are orthogonal (each sums whole periods
//!   over c), of squared norm N p / 2 for N inputs.
//! - Restricted logits: P plus each class's mean over the inputs of what P
//!   leaves out (Nanda's bias term), on all N inputs; restricted loss is
//!   their mean cross-entropy. They depend on the input only through t, so
//!   this costs p rows of p classes.
//! - Excluded logits: L - P on the training inputs; excluded loss is their
//!   mean cross-entropy (Nanda evaluates it on the training data).
//!
//! No p^3 work: L is linear in h, so the coefficients need only the logits
//! summed over the inputs with each answer t, y[t][c] = W2[c] . sum h(a, b)
//! (one p x p x hidden product), and those summed along t - c = d: z[d];
//! then alpha_k = sum_d z[d] cos(w_k d) / (N p / 2).

use super::fourier::Table;
use crate::data::Split;
use crate::engine::{cpu, Tally};
use crate::model::Params;

/// The two losses, in nats, as the CPU engine's cross-entropy computes them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Losses {
    pub restricted: f64,
    pub excluded: f64,
}

/// The clock component P of the logits: P_t(c) for each answer t and class
/// c (p x p, row t), from the hidden activations of `all` (every input).
pub struct Clock {
    pub p: usize,
    pub rows: Vec<f64>,
    /// Restricted logits per answer t: P_t plus the class means of L - P.
    pub restricted: Vec<f64>,
    /// Inputs with answer t among `all`.
    pub counts: Vec<usize>,
}

/// Answers per thread job when summing activations.
const ANSWERS: usize = 8;

/// sum of h(a, b) over the inputs with answer t, per t (p rows of `hidden`),
/// in f64, each row summed in input order by one job (so the bits do not
/// depend on the threads).
fn hidden_by_answer(prm: &Params, all: &Split, threads: usize) -> Vec<f64> {
    let (p, hd, stride) = (prm.shape.p, prm.shape.hidden, prm.stride);
    // The inputs grouped by answer, each group in input order.
    let mut by_answer: Vec<Vec<usize>> = vec![Vec::new(); p];
    for (i, &t) in all.label.iter().enumerate() {
        by_answer[t as usize].push(i);
    }
    let jobs: Vec<&[Vec<usize>]> = by_answer.chunks(ANSWERS).collect();
    let parts = crate::par::map(threads, jobs, |group| {
        let mut sums = vec![0f64; group.len() * hd];
        let mut h = vec![0f32; stride];
        for (row, inputs) in sums.chunks_exact_mut(hd).zip(group) {
            for &i in inputs {
                cpu::hidden(prm, &all.a[i..=i], &all.b[i..=i], &mut h);
                for (s, &x) in row.iter_mut().zip(&h[..hd]) {
                    *s += x as f64;
                }
            }
        }
        sums
    });
    parts.concat()
}

impl Clock {
    /// The clock component for the key frequencies `keys` of the network
    /// `prm` over the inputs `all` (labels: the true answers).
    pub fn new(prm: &Params, all: &Split, keys: &[u32], threads: usize) -> Clock {
        let (p, hd) = (prm.shape.p, prm.shape.hidden);
        let table = Table::new(p);
        let w2: Vec<&[f32]> = (0..p).map(|c| &prm.theta[prm.w2_offset() + c * prm.stride..][..hd]).collect();
        let sums = hidden_by_answer(prm, all, threads);
        let n = all.len() as f64;
        // y[t][c]: the logit of class c summed over the inputs with answer t
        // (one p x p x hidden product); z[d]: summed over t - c = d.
        let y: Vec<f64> = (0..p * p)
            .map(|i| sums[i / p * hd..][..hd].iter().zip(w2[i % p]).map(|(s, &w)| s * w as f64).sum())
            .collect();
        let mut z = vec![0f64; p];
        for (i, &v) in y.iter().enumerate() {
            z[(i / p + p - i % p) % p] += v;
        }
        // P depends on t - c alone: g(d) = sum_k alpha_k cos(w_k d) + beta_k sin(w_k d),
        // alpha_k = sum_d z[d] cos(w_k d) / (N p / 2), beta_k the same with sin.
        let mut g = vec![0f64; p];
        for &k in keys {
            let (mut along_cos, mut along_sin) = (0.0, 0.0);
            for (d, &zd) in z.iter().enumerate() {
                let (cd, sd) = table.at(k as i64, d as i64);
                along_cos += cd * zd;
                along_sin += sd * zd;
            }
            let (alpha, beta) = (along_cos / (n * p as f64 / 2.0), along_sin / (n * p as f64 / 2.0));
            for (d, gd) in g.iter_mut().enumerate() {
                let (cd, sd) = table.at(k as i64, d as i64);
                *gd += alpha * cd + beta * sd;
            }
        }
        let rows: Vec<f64> = (0..p * p).map(|i| g[(i / p + p - i % p) % p]).collect();
        let mut counts = vec![0usize; p];
        for &t in &all.label {
            counts[t as usize] += 1;
        }
        // Class means over the inputs of what P leaves out: L's less P's.
        let left: Vec<f64> = (0..p)
            .map(|c| (0..p).map(|t| y[t * p + c] - counts[t] as f64 * rows[t * p + c]).sum::<f64>() / n)
            .collect();
        let restricted = (0..p * p).map(|i| rows[i] + left[i % p]).collect();
        Clock { p, rows, restricted, counts }
    }

    /// Mean cross-entropy of the restricted logits over every input.
    pub fn restricted_loss(&self) -> f64 {
        let p = self.p;
        let mut tally = Tally::default();
        let mut row = vec![0f32; p];
        for t in 0..p {
            for (r, &x) in row.iter_mut().zip(&self.restricted[t * p..(t + 1) * p]) {
                *r = x as f32;
            }
            let mut one = Tally::default();
            cpu::softmax_xent(&row, t, &mut one, None);
            tally.loss_sum += one.loss_sum * self.counts[t] as f64;
            tally.count += self.counts[t];
        }
        tally.loss()
    }

    /// The excluded logits L - P of `s` given its logits (`classes` per row).
    pub fn excluded(&self, s: &Split, logits: &[f32]) -> Vec<f32> {
        let p = self.p;
        let mut out = logits.to_vec();
        for (i, row) in out.chunks_exact_mut(p).enumerate() {
            let t = s.label[i] as usize;
            for (x, &pc) in row.iter_mut().zip(&self.rows[t * p..(t + 1) * p]) {
                *x -= pc as f32;
            }
        }
        out
    }
}

/// Restricted loss over `all` (every input) and excluded loss over `train`
/// (whose logits at `prm` are `logits`, `classes` per row) of the network
/// `prm` for the key frequencies `keys`.
pub fn losses(prm: &Params, all: &Split, train: &Split, logits: &[f32], keys: &[u32], threads: usize) -> Losses {
    let clock = Clock::new(prm, all, keys, threads);
    let excluded = clock.excluded(train, logits);
    let mut tally = Tally::default();
    for (i, row) in excluded.chunks_exact(prm.shape.p).enumerate() {
        cpu::softmax_xent(row, train.label[i] as usize, &mut tally, None);
    }
    Losses { restricted: clock.restricted_loss(), excluded: tally.loss() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Op, RunConfig};
    use crate::data::{all_pairs, Dataset};

    fn network(op: Op) -> (RunConfig, Params) {
        let c = RunConfig { op, p: 13, hidden: 20, ..RunConfig::default() };
        (c.clone(), Params::init(&c).0)
    }

    /// <x, y> over every input and class of two p^3 logit arrays.
    fn inner(x: &[f32], y: &[f64]) -> f64 {
        x.iter().zip(y).map(|(&a, &b)| a as f64 * b).sum()
    }

    #[test]
    fn the_clock_component_is_the_projection_and_the_parts_sum_to_the_logits() {
        for op in [Op::Add, Op::Sub, Op::Mul] {
            let (c, prm) = network(op);
            let all = all_pairs(op, c.p);
            let keys = [2, 5];
            let clock = Clock::new(&prm, &all, &keys, 2);
            let l = cpu::logits(&prm, &all, 1);
            let p = c.p as usize;
            // The clock component of every input, brute force over p^3.
            let pc: Vec<f64> =
                (0..all.len()).flat_map(|i| clock.rows[all.label[i] as usize * p..][..p].to_vec()).collect();
            let excluded = clock.excluded(&all, &l);
            // Excluded plus clock component give back the logits.
            for ((e, &x), q) in excluded.iter().zip(&l).zip(&pc) {
                assert!((*e as f64 + q - x as f64).abs() < 1e-5, "{e} + {q} != {x}");
            }
            // What is excluded has no component along any key direction: P is the projection.
            let table = Table::new(p);
            for &k in &keys {
                for phase in [0, 1] {
                    let dir: Vec<f64> = (0..all.len())
                        .flat_map(|i| {
                            let t = all.label[i] as i64;
                            (0..p as i64).map(move |c| (t, c)).collect::<Vec<_>>()
                        })
                        .map(|(t, c)| {
                            let (cs, sn) = table.at(k as i64, t - c);
                            if phase == 0 {
                                cs
                            } else {
                                sn
                            }
                        })
                        .collect();
                    let norm2: f64 = dir.iter().map(|d| d * d).sum();
                    let left = inner(&excluded, &dir) / norm2;
                    let had = inner(&l, &dir) / norm2;
                    assert!(left.abs() < 1e-6 * (1.0 + had.abs()), "{op:?} k={k}: {left} left of {had}");
                }
            }
        }
    }

    #[test]
    fn no_key_frequency_restricts_to_the_class_means() {
        let (c, prm) = network(Op::Add);
        let d = Dataset::new(&c);
        let all = all_pairs(c.op, c.p);
        let clock = Clock::new(&prm, &all, &[], 1);
        assert!(clock.rows.iter().all(|&x| x == 0.0));
        // Excluding nothing leaves the training loss; restricting to nothing,
        // the class means' loss: about ln p at initialisation.
        let got = losses(&prm, &all, &d.train, &cpu::logits(&prm, &d.train, 1), &[], 1);
        let mut tally = Tally::default();
        let l = cpu::logits(&prm, &d.train, 1);
        for (i, row) in l.chunks_exact(13).enumerate() {
            cpu::softmax_xent(row, d.train.label[i] as usize, &mut tally, None);
        }
        assert_eq!(got.excluded, tally.loss());
        assert!((got.restricted - (13f64).ln()).abs() < 0.05, "{}", got.restricted);
    }

    #[test]
    fn a_network_whose_logits_are_a_clock_loses_nothing_restricted_and_everything_excluded() {
        // A lookup table: neuron j = (a, b) fires (1) only on its own pair
        // (W1 rows 1 for a and for b, bias -1), and writes 200 cos(w_k (a + b - c)) to class c.
        let p = 13usize;
        let c = RunConfig { p: p as u32, hidden: (p * p) as u32, ..RunConfig::default() };
        let n = p * p;
        let mut prm = Params::zeros(crate::model::Shape::of(&c), n);
        let t = Table::new(p);
        let k = 4i64;
        let (b1, w2) = (prm.b1_offset(), prm.w2_offset());
        for j in 0..n {
            let (a, b) = (j / p, j % p);
            prm.theta[a * n + j] = 1.0;
            prm.theta[(p + b) * n + j] = 1.0;
            prm.theta[b1 + j] = -1.0;
            for cl in 0..p {
                prm.theta[w2 + cl * n + j] = 200.0 * t.at(k, (a + b) as i64 - cl as i64).0 as f32;
            }
        }
        let all = all_pairs(Op::Add, c.p);
        let d = Dataset::new(&c);
        let train_logits = cpu::logits(&prm, &d.train, 1);
        let got = losses(&prm, &all, &d.train, &train_logits, &[k as u32], 1);
        let mut whole = Tally::default();
        for (i, row) in cpu::logits(&prm, &all, 1).chunks_exact(p).enumerate() {
            cpu::softmax_xent(row, all.label[i] as usize, &mut whole, None);
        }
        assert!(whole.acc() == 1.0 && whole.loss() < 1e-3, "{}", whole.loss());
        assert!((got.restricted - whole.loss()).abs() < 1e-4, "{got:?} vs {}", whole.loss());
        // Nothing is left but noise at the level of f32 rounding: chance, ln p.
        assert!((got.excluded - (p as f64).ln()).abs() < 1e-3, "{got:?}");
        // Another frequency is no part of these logits.
        let other = losses(&prm, &all, &d.train, &train_logits, &[1], 1);
        assert!(other.restricted > 2.0 && other.excluded < 1e-3, "{other:?}");
    }
}
