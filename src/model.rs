//! The paper's network, f(x) = W2 ReLU(W1 x + b1), and its initialisation.
//!
//! All parameters live in one flat vector `theta` = [W1 | W2 | b1], the
//! weight matrices first so that the constrained norm covers a prefix:
//! - W1: `inputs` rows (2p, one per one-hot position) of `stride` floats,
//!   i.e. the transpose of PyTorch's (hidden, 2p) weight, so that layer 1 is a
//!   gather of two contiguous rows;
//! - W2: `classes` rows of `stride` floats (PyTorch's layout, no bias);
//! - b1: `stride` floats.
//!
//! `stride` >= hidden; the padding is zero and stays zero through training.

use crate::config::RunConfig;
use crate::rng::{stream, SplitMix64};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    pub p: usize,
    pub hidden: usize,
}

impl Shape {
    pub fn of(c: &RunConfig) -> Shape {
        Shape { p: c.p as usize, hidden: c.hidden as usize }
    }
    pub fn inputs(&self) -> usize {
        2 * self.p
    }
    pub fn classes(&self) -> usize {
        self.p
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    pub shape: Shape,
    pub stride: usize,
    pub theta: Vec<f32>,
}

impl Params {
    pub fn zeros(shape: Shape, stride: usize) -> Params {
        assert!(stride >= shape.hidden);
        let len = (shape.inputs() + shape.classes() + 1) * stride;
        Params { shape, stride, theta: vec![0.0; len] }
    }

    /// PyTorch's nn.Linear default (uniform in +-1/sqrt(fan_in)) for W1, b1
    /// and W2, then W1 and W2 times alpha. Returns the parameters and the
    /// weight norm N0 recorded before W2 is (optionally) zeroed.
    pub fn init(c: &RunConfig) -> (Params, f64) {
        let shape = Shape::of(c);
        let mut prm = Params::zeros(shape, shape.hidden);
        let mut rng = SplitMix64::new(c.seed, stream::INIT);
        let mut uniform = |fan_in: usize| {
            let bound = 1.0 / (fan_in as f64).sqrt();
            ((2.0 * rng.next_f64() - 1.0) * bound) as f32
        };
        // Drawn in PyTorch's order: W1 row by row (hidden x inputs), b1, W2.
        let (h, k) = (shape.hidden, shape.inputs());
        for j in 0..h {
            for i in 0..k {
                prm.theta[i * h + j] = uniform(k);
            }
        }
        let b1 = prm.b1_offset();
        for j in 0..h {
            prm.theta[b1 + j] = uniform(k);
        }
        let w2 = prm.w2_offset();
        for x in &mut prm.theta[w2..w2 + shape.classes() * h] {
            *x = uniform(h);
        }
        let alpha = c.alpha as f32;
        for x in prm.weights_mut() {
            *x *= alpha;
        }
        let norm0 = prm.weight_norm();
        if c.zero_last {
            prm.theta[w2..w2 + shape.classes() * h].fill(0.0);
        }
        (prm, norm0)
    }

    pub fn w2_offset(&self) -> usize {
        self.shape.inputs() * self.stride
    }

    pub fn b1_offset(&self) -> usize {
        (self.shape.inputs() + self.shape.classes()) * self.stride
    }

    /// W1 and W2: what alpha scales and the constrained norm keeps.
    pub fn weights(&self) -> &[f32] {
        &self.theta[..self.b1_offset()]
    }

    pub fn weights_mut(&mut self) -> &mut [f32] {
        let end = self.b1_offset();
        &mut self.theta[..end]
    }

    /// sqrt of the sum of squares of every weight matrix entry, in f64.
    pub fn weight_norm(&self) -> f64 {
        self.weights().iter().map(|&x| (x as f64) * (x as f64)).sum::<f64>().sqrt()
    }

    /// sqrt of the sum of squares of W1's entries and of W2's, in f64: the
    /// parts of [`Params::weight_norm`] (whose square is their squares' sum).
    pub fn layer_norms(&self) -> (f64, f64) {
        let norm = |x: &[f32]| x.iter().map(|&v| (v as f64) * (v as f64)).sum::<f64>().sqrt();
        (norm(&self.theta[..self.w2_offset()]), norm(&self.theta[self.w2_offset()..self.b1_offset()]))
    }

    /// The same parameters laid out with another row stride.
    pub fn restride(&self, stride: usize) -> Params {
        let mut out = Params::zeros(self.shape, stride);
        let rows = self.shape.inputs() + self.shape.classes() + 1;
        let h = self.shape.hidden;
        for r in 0..rows {
            out.theta[r * stride..r * stride + h].copy_from_slice(&self.theta[r * self.stride..r * self.stride + h]);
        }
        out
    }

    /// PyTorch's (hidden, inputs) view of W1: entry (j, i).
    pub fn w1(&self, j: usize, i: usize) -> f32 {
        self.theta[i * self.stride + j]
    }

    /// W2 entry (class c, neuron j).
    pub fn w2(&self, c: usize, j: usize) -> f32 {
        self.theta[self.w2_offset() + c * self.stride + j]
    }

    pub fn b1(&self, j: usize) -> f32 {
        self.theta[self.b1_offset() + j]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_follows_pytorch_bounds_and_alpha() {
        let c = RunConfig { p: 11, hidden: 20, ..RunConfig::default() };
        let (prm, n0) = Params::init(&c);
        let b1 = 1.0 / (22f32).sqrt();
        let b2 = 1.0 / (20f32).sqrt();
        assert!((0..20).all(|j| (0..22).all(|i| prm.w1(j, i).abs() <= b1)));
        assert!((0..11).all(|k| (0..20).all(|j| prm.w2(k, j).abs() <= b2)));
        assert!((n0 - prm.weight_norm()).abs() < 1e-9);
        let (scaled, n8) = Params::init(&RunConfig { alpha: 8.0, ..c.clone() });
        assert_eq!(scaled.w1(3, 4), 8.0 * prm.w1(3, 4));
        assert_eq!(scaled.b1(3), prm.b1(3));
        assert!((n8 - 8.0 * n0).abs() < 1e-4);
        let (zeroed, nz) = Params::init(&RunConfig { zero_last: true, ..c });
        assert_eq!(nz, n0, "N0 is recorded before W2 is zeroed");
        assert!((0..11).all(|k| (0..20).all(|j| zeroed.w2(k, j) == 0.0)));
    }

    #[test]
    fn weight_norms_are_sums_over_the_parameters() {
        let (prm, _) = Params::init(&RunConfig { p: 7, hidden: 9, ..RunConfig::default() });
        let sq = |x: f32| (x as f64) * (x as f64);
        let w1: f64 = (0..9).flat_map(|j| (0..14).map(move |i| (j, i))).map(|(j, i)| sq(prm.w1(j, i))).sum();
        let w2: f64 = (0..7).flat_map(|c| (0..9).map(move |j| (c, j))).map(|(c, j)| sq(prm.w2(c, j))).sum();
        let (n1, n2) = prm.layer_norms();
        assert!((n1 * n1 - w1).abs() < 1e-12 && (n2 * n2 - w2).abs() < 1e-12);
        assert!((prm.weight_norm().powi(2) - (w1 + w2)).abs() < 1e-12);
        // The biases are no part of it.
        let mut biased = prm.clone();
        let b1 = biased.b1_offset();
        biased.theta[b1] = 100.0;
        assert_eq!(biased.weight_norm(), prm.weight_norm());
    }

    #[test]
    fn restride_keeps_entries() {
        let (prm, _) = Params::init(&RunConfig { p: 5, hidden: 7, ..RunConfig::default() });
        let wide = prm.restride(16);
        assert_eq!(wide.w1(6, 9), prm.w1(6, 9));
        assert_eq!(wide.w2(4, 2), prm.w2(4, 2));
        assert_eq!(wide.weight_norm(), prm.weight_norm());
        assert_eq!(wide.restride(7), prm);
    }
}
