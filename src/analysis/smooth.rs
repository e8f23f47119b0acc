//! The paper's display transforms for progress-measure series (per run,
//! with the step-0 checkpoint left out by the caller):
//! synergy: negate, min-max to [0, 1], exponential moving average;
//! redundancy: min-max, moving average; size of the synergistic
//! sub-network: Hampel filter, min-max, moving average.
//! No transform produces NaN: a constant series maps to zeros.

/// Weight of the newest value in the paper's moving average.
pub const EMA_ALPHA: f64 = 0.1;
/// The paper's Hampel filter: a window of 3 points (the point and one
/// neighbour each side) and a 3-sigma threshold.
pub const HAMPEL_WINDOW: usize = 3;
pub const HAMPEL_SIGMAS: f64 = 3.0;
/// Scale turning a median absolute deviation into a normal standard deviation.
const MAD_TO_SIGMA: f64 = 1.4826;

/// Min-max scaling to [0, 1]. Non-finite entries are ignored for the range
/// and map to 0; a constant (or empty) series maps to all zeros.
pub fn min_max(x: &[f64]) -> Vec<f64> {
    let finite = x.iter().copied().filter(|v| v.is_finite());
    let lo = finite.clone().fold(f64::INFINITY, f64::min);
    let hi = finite.fold(f64::NEG_INFINITY, f64::max);
    let span = hi - lo;
    x.iter().map(|&v| if v.is_finite() && span > 0.0 && span.is_finite() { (v - lo) / span } else { 0.0 }).collect()
}

/// Exponential moving average `e_t = alpha x_t + (1 - alpha) e_{t-1}`,
/// starting at `e_0 = x_0`.
pub fn ema(x: &[f64], alpha: f64) -> Vec<f64> {
    let mut out = Vec::with_capacity(x.len());
    let mut e = 0.0;
    for (t, &v) in x.iter().enumerate() {
        e = if t == 0 { v } else { alpha * v + (1.0 - alpha) * e };
        out.push(e);
    }
    out
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

/// Hampel filter: a point further than `sigmas` robust standard deviations
/// (1.4826 x median absolute deviation) from the median of the centred
/// window of `window` points is replaced by that median. The first and last
/// `window / 2` points are kept as they are.
pub fn hampel(x: &[f64], window: usize, sigmas: f64) -> Vec<f64> {
    let half = window / 2;
    let mut out = x.to_vec();
    if half == 0 || x.len() < 2 * half + 1 {
        return out;
    }
    let mut buf = Vec::with_capacity(2 * half + 1);
    for i in half..x.len() - half {
        buf.clear();
        buf.extend_from_slice(&x[i - half..=i + half]);
        let med = median(&mut buf);
        for v in buf.iter_mut() {
            *v = (*v - med).abs();
        }
        let mad = median(&mut buf);
        if (x[i] - med).abs() > sigmas * MAD_TO_SIGMA * mad {
            out[i] = med;
        }
    }
    out
}

/// Normalised synergy curve: negate, min-max, moving average.
pub fn synergy_curve(synergy_bits: &[f64]) -> Vec<f64> {
    let neg: Vec<f64> = synergy_bits.iter().map(|v| -v).collect();
    ema(&min_max(&neg), EMA_ALPHA)
}

/// Normalised redundancy curve: min-max, moving average.
pub fn redundancy_curve(redundancy_bits: &[f64]) -> Vec<f64> {
    ema(&min_max(redundancy_bits), EMA_ALPHA)
}

/// Normalised size of the synergistic sub-network: Hampel, min-max, moving average.
pub fn size_curve(neurons: &[f64]) -> Vec<f64> {
    ema(&min_max(&hampel(neurons, HAMPEL_WINDOW, HAMPEL_SIGMAS)), EMA_ALPHA)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn min_max_and_constant() {
        assert_eq!(min_max(&[2.0, 4.0, 3.0]), vec![0.0, 1.0, 0.5]);
        assert_eq!(min_max(&[5.0; 4]), vec![0.0; 4]);
        assert_eq!(min_max(&[]), Vec::<f64>::new());
        assert_eq!(min_max(&[1.0, f64::NAN, 3.0]), vec![0.0, 0.0, 1.0]);
        for c in [synergy_curve(&[1.5; 6]), redundancy_curve(&[0.0; 6]), size_curve(&[7.0; 6])] {
            assert!(c.iter().all(|v| *v == 0.0));
        }
    }

    #[test]
    fn ema_recurrence() {
        let e = ema(&[1.0, 0.0, 0.0, 1.0], 0.1);
        assert_eq!(e[0], 1.0);
        assert!((e[1] - 0.9).abs() < 1e-15);
        assert!((e[2] - 0.81).abs() < 1e-15);
        assert!((e[3] - (0.1 + 0.9 * 0.81)).abs() < 1e-15);
    }

    #[test]
    fn hampel_removes_spike() {
        let x = [10.0, 11.0, 10.0, 250.0, 10.0, 12.0, 11.0];
        let h = hampel(&x, 3, 3.0);
        assert_eq!(h[3], 10.0);
        assert_eq!(h[0], 10.0);
        assert_eq!(h[5], 12.0); // window [10, 12, 11]: median 11, MAD 1: kept
    }

    #[test]
    fn synergy_is_inverted() {
        let c = synergy_curve(&[-1.0, -3.0]);
        // negated: [1, 3] -> [0, 1] -> ema [0, 0.1]
        assert_eq!(c[0], 0.0);
        assert!((c[1] - 0.1).abs() < 1e-15);
    }
}
