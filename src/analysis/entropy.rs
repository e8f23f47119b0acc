//! Entropy of a Gaussian: `H(X) = 1/2 log det(2 pi e C)` with
//! `C = X^T X / (s - 1)` of demeaned (copula) values, here in bits, from a
//! Cholesky log-determinant. Optional bias correction as in gcmi / hoi
//! (Ince et al. 2017): subtract `d (ln 2 - ln(s - 1)) / 2 +
//! sum_{i=1..d} psi((s - i) / 2) / 2` nats for dimension d.

use super::linalg::{cholesky, gram, log_det_from_cholesky, Panels};

pub const LN_2: f64 = core::f64::consts::LN_2;

/// `log(2 pi e)`.
pub fn log_2pi_e() -> f64 {
    libm::log(2.0 * core::f64::consts::PI) + 1.0
}

/// The digamma function psi(x) for x > 0 (recurrence up to x >= 10, then the
/// asymptotic series), with `libm` for cross-target identical bits.
pub fn digamma(mut x: f64) -> f64 {
    let mut acc = 0.0;
    while x < 10.0 {
        acc -= 1.0 / x;
        x += 1.0;
    }
    let inv = 1.0 / x;
    let inv2 = inv * inv;
    let series =
        inv2 * (1.0 / 12.0 - inv2 * (1.0 / 120.0 - inv2 * (1.0 / 252.0 - inv2 * (1.0 / 240.0 - inv2 * (1.0 / 132.0)))));
    acc + libm::log(x) - 0.5 * inv - series
}

/// gcmi's bias of the Gaussian entropy estimate, in nats, for dimension `d`
/// from `samples` samples: `d (ln 2 - ln(s-1)) / 2 + sum_{i=1..d} psi((s-i)/2) / 2`.
pub fn bias_nats(d: usize, samples: usize) -> f64 {
    let s = samples as f64;
    let dterm = (LN_2 - libm::log(s - 1.0)) / 2.0;
    let mut psi = 0.0;
    for i in 1..=d {
        psi += digamma((s - i as f64) / 2.0) / 2.0;
    }
    d as f64 * dterm + psi
}

/// A covariance that has no Cholesky factor.
#[derive(Clone, Debug, PartialEq)]
pub struct NotPositiveDefinite {
    /// First column whose pivot vanished.
    pub column: usize,
}

/// Covariance `C = Z^T Z / (s - 1)` of neuron-major demeaned columns.
pub fn covariance(cols: &[f64], samples: usize, neurons: usize) -> Vec<f64> {
    let mut c = gram(&Panels::from_cols(cols, samples, neurons));
    let scale = 1.0 / (samples as f64 - 1.0);
    for v in &mut c {
        *v *= scale;
    }
    c
}

/// Entropy in bits of a Gaussian with covariance `cov` (`n x n`, row-major),
/// estimated from `samples` samples; `bias_correct` subtracts gcmi's bias.
pub fn gaussian_entropy_bits(
    cov: &[f64],
    n: usize,
    samples: usize,
    bias_correct: bool,
) -> Result<f64, NotPositiveDefinite> {
    let mut l = cov[..n * n].to_vec();
    cholesky(&mut l, n).map_err(|column| NotPositiveDefinite { column })?;
    let mut h = 0.5 * (n as f64 * log_2pi_e() + log_det_from_cholesky(&l, n));
    if bias_correct {
        h -= bias_nats(n, samples);
    }
    Ok(h / LN_2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digamma_values() {
        // scipy.special.digamma
        assert!((digamma(0.5) - (-1.963_510_026_021_423_5)).abs() < 3e-14);
        assert!((digamma(3.7) - 1.167_153_539_361_511_3).abs() < 3e-14);
        assert!((digamma(1881.0) - 7.539_292_989_693_016).abs() < 1e-13);
    }

    #[test]
    fn entropy_of_diagonal_gaussian() {
        // H = 1/2 log2(2 pi e)^n prod(var)
        let cov = [2.0, 0.0, 0.0, 0.0, 0.5, 0.0, 0.0, 0.0, 3.0];
        let h = gaussian_entropy_bits(&cov, 3, 100, false).unwrap();
        let expect = 0.5 * (3.0 * log_2pi_e() + libm::log(3.0)) / LN_2;
        assert!((h - expect).abs() < 1e-14);
        let hb = gaussian_entropy_bits(&cov, 3, 100, true).unwrap();
        assert!((h - hb - bias_nats(3, 100) / LN_2).abs() < 1e-14);
        assert!(gaussian_entropy_bits(&[1.0, 1.0, 1.0, 1.0], 2, 100, false).is_err());
    }
}
