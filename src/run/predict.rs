//! Section 6 of the paper: an early synergy peak predicts grokking.
//!
//! # The rule
//!
//! From the checkpoints seen so far (a prefix of the run), normalise the
//! synergy as the paper does but over the prefix only (negate the minimum
//! O-information, min-max to [0, 1], moving average: `smooth::synergy_curve`),
//! since the rest of the run is not known yet. Grokking is predicted when the
//! prefix holds a synergy *peak* while the network has memorised:
//!
//! - the peak is the prefix's maximum of the normalised curve (the earliest
//!   on ties), not at its first checkpoint;
//! - it rose at least [`Rule::min_rise`] above the lowest value before it and
//!   has since fallen at least [`Rule::min_drop`] below it (a peak, not a
//!   ramp still climbing or a curve that only falls, as alpha 1 and 50 do);
//! - train accuracy at the peak is at least [`Rule::min_train_acc`] (the
//!   peak follows memorisation; weight decay 50 and alpha 1 never get there);
//! - in bits, the raw synergy at the peak is at least [`Rule::min_bits`]
//!   deeper than at the prefix's shallowest point before it, so that min-max
//!   scaling does not blow noise up into a peak (the paper: runs that do not
//!   grok show "lower synergy").
//!
//! Why these: the paper's evidence (Figure 5) is qualitative: runs that grok
//! (wd 0.1, wd 2, alpha 8) show a small synergy peak early, after
//! memorisation; runs that do not either never reach much synergy (wd 10, 50)
//! or lose it at once (alpha 1, 50), or never memorise (wd 50, alpha 1). The
//! rule encodes exactly those shapes; the thresholds were set on synthetic
//! curves (the tests) and checked on the `--quick` reproduction, where it is
//! right on all seven experiments when it sees the first half of the run
//! (on the first quarter it misses wd 2: the paper's moving average, at one
//! checkpoint per 10 steps, has not come down from the peak yet).
//! `grokscope reproduce` reports how often it is right over every
//! configuration and seed, and whether it fired before test accuracy did.

use crate::analysis::smooth;
use crate::run::history::History;
use serde::Serialize;

/// Thresholds of the prediction rule (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Rule {
    pub min_rise: f64,
    pub min_drop: f64,
    pub min_train_acc: f64,
    pub min_bits: f64,
}

impl Default for Rule {
    fn default() -> Self {
        Rule { min_rise: 0.3, min_drop: 0.1, min_train_acc: 0.9, min_bits: 0.05 }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Prediction {
    /// Grokking predicted.
    pub groks: bool,
    /// Step of the prefix's synergy maximum (None with fewer than 3 checkpoints).
    pub peak_step: Option<u32>,
    /// The last checkpoint step the prediction saw.
    pub upto: u32,
    /// The rule's quantities at the peak.
    pub rise: f64,
    pub drop: f64,
    pub bits: f64,
    pub train_acc: f64,
    /// For people: "synergy peak at step N: grokking likely", or why not.
    pub message: String,
}

/// Applies `rule` to the checkpoints `steps` with raw synergy (minimum
/// O-information, bits) and the train accuracy at each.
pub fn predict(steps: &[u32], synergy_bits: &[f64], train_acc: &[f64], rule: &Rule) -> Prediction {
    let m = steps.len();
    assert!(synergy_bits.len() == m && train_acc.len() == m);
    let upto = steps.last().copied().unwrap_or(0);
    let mut p = Prediction {
        groks: false,
        peak_step: None,
        upto,
        rise: 0.0,
        drop: 0.0,
        bits: 0.0,
        train_acc: 0.0,
        message: String::new(),
    };
    if m < 3 {
        p.message = format!("too early to tell (step {upto})");
        return p;
    }
    let s = smooth::synergy_curve(synergy_bits);
    let mut i = 1;
    for k in 1..m {
        if s[k] > s[i] {
            i = k;
        }
    }
    let lowest = |x: &[f64]| x.iter().copied().fold(f64::INFINITY, f64::min);
    p.peak_step = Some(steps[i]);
    p.rise = s[i] - lowest(&s[..=i]);
    p.drop = s[i] - lowest(&s[i..]);
    let depth: Vec<f64> = synergy_bits.iter().map(|v| -v).collect();
    let peak_depth = depth[i.saturating_sub(2)..(i + 3).min(m)].iter().copied().fold(f64::NEG_INFINITY, f64::max);
    p.bits = peak_depth - lowest(&depth[..=i]);
    p.train_acc = train_acc[i];
    let at = steps[i];
    p.groks = p.rise >= rule.min_rise
        && p.drop >= rule.min_drop
        && p.train_acc >= rule.min_train_acc
        && p.bits >= rule.min_bits;
    p.message = if p.groks {
        format!("synergy peak at step {at}: grokking likely")
    } else if p.rise < rule.min_rise {
        format!("no synergy peak by step {upto}: synergy has not risen (grokking not indicated yet)")
    } else if p.train_acc < rule.min_train_acc {
        format!(
            "synergy peak at step {at} before memorisation (train accuracy {:.2}): grokking not indicated",
            p.train_acc
        )
    } else if p.bits < rule.min_bits {
        format!("synergy peak at step {at} is weak ({:.3} bits): grokking not indicated", p.bits)
    } else {
        format!("synergy still rising at step {upto} (maximum at step {at}): no peak yet")
    };
    p
}

/// Train accuracy at each checkpoint (0 where the step has no record).
fn checkpoint_train_acc(h: &History) -> Vec<f64> {
    h.checkpoint_records().iter().map(|r| r.map_or(0.0, |r| r.train_acc)).collect()
}

/// The prediction from every checkpoint so far: what the page shows live.
pub fn predict_live(h: &History) -> Prediction {
    let steps: Vec<u32> = h.checkpoints.iter().map(|c| c.step).collect();
    let syn: Vec<f64> = h.checkpoints.iter().map(|c| c.synergy).collect();
    predict(&steps, &syn, &checkpoint_train_acc(h), &Rule::default())
}

/// The prediction a viewer would have had on the first `fraction` of the
/// run's planned steps: the first prefix (in checkpoints) at which the rule
/// fires, else the verdict on the whole window. `upto` says when it was made.
pub fn predict_early(h: &History, fraction: f64, rule: &Rule) -> Prediction {
    let limit = (h.config.steps as f64 * fraction).round() as u32;
    let steps: Vec<u32> = h.checkpoints.iter().map(|c| c.step).take_while(|&s| s <= limit).collect();
    let syn: Vec<f64> = h.checkpoints.iter().map(|c| c.synergy).collect();
    let acc = checkpoint_train_acc(h);
    let m = steps.len();
    for k in 3..m {
        let p = predict(&steps[..k], &syn[..k], &acc[..k], rule);
        if p.groks {
            return p;
        }
    }
    predict(&steps, &syn[..m], &acc[..m], rule)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn steps() -> Vec<u32> {
        (1..=100).map(|i| i * 10).collect()
    }

    /// Synergy bits: a dip (synergy peak) of `depth` bits centred at `at`.
    fn peaked(at: f64, depth: f64) -> Vec<f64> {
        steps().iter().map(|&s| -0.02 - depth * (-((s as f64 - at) / (at / 3.0)).powi(2)).exp()).collect()
    }

    fn memorised_by(step: u32) -> Vec<f64> {
        steps().iter().map(|&s| if s >= step { 1.0 } else { s as f64 / step as f64 }).collect()
    }

    #[test]
    fn an_early_peak_after_memorisation_predicts_grokking() {
        let p = predict(&steps(), &peaked(200.0, 0.3), &memorised_by(50), &Rule::default());
        assert!(p.groks, "{p:?}");
        // The paper's moving average lags the raw peak by a few checkpoints.
        let at = p.peak_step.unwrap();
        assert!((200..=260).contains(&at), "{p:?}");
        assert_eq!(p.message, format!("synergy peak at step {at}: grokking likely"));
    }

    #[test]
    fn falling_synergy_does_not() {
        // Alpha 50: synergy highest at the start, then lost for good.
        let syn: Vec<f64> = steps().iter().map(|&s| -0.3 * (-(s as f64) / 50.0).exp()).collect();
        let p = predict(&steps(), &syn, &memorised_by(20), &Rule::default());
        assert!(!p.groks && p.message.contains("not risen"), "{p:?}");
    }

    #[test]
    fn a_peak_without_memorisation_does_not() {
        // Weight decay 50: never memorises.
        let acc = vec![0.3; 100];
        let p = predict(&steps(), &peaked(200.0, 0.3), &acc, &Rule::default());
        assert!(!p.groks && p.message.contains("before memorisation"), "{p:?}");
    }

    #[test]
    fn a_weak_peak_does_not() {
        // Weight decay 10: synergy stays low.
        let p = predict(&steps(), &peaked(200.0, 0.01), &memorised_by(50), &Rule::default());
        assert!(!p.groks && p.message.contains("weak"), "{p:?}");
    }

    #[test]
    fn a_ramp_still_climbing_is_not_yet_a_peak() {
        let syn: Vec<f64> = steps().iter().map(|&s| -0.3 * s as f64 / 1000.0).collect();
        let p = predict(&steps(), &syn, &memorised_by(50), &Rule::default());
        assert!(!p.groks && p.message.contains("still rising"), "{p:?}");
    }

    #[test]
    fn too_few_checkpoints() {
        let p = predict(&[5, 10], &[0.0, -0.1], &[1.0, 1.0], &Rule::default());
        assert!(!p.groks && p.peak_step.is_none());
    }

    #[test]
    fn early_prediction_fires_once_the_peak_has_passed() {
        use crate::config::RunConfig;
        use crate::engine::StepRecord;
        use crate::run::history::{History, Measures};
        let mut h = History::new(&RunConfig { steps: 1000, every: 10, ..RunConfig::default() }, "cpu");
        let acc = memorised_by(50);
        let recs: Vec<StepRecord> = (1..=1000)
            .map(|s| StepRecord {
                step: s,
                train_loss: 1.0,
                train_acc: acc[(s.div_ceil(10) - 1) as usize],
                test_loss: 1.0,
                test_acc: if s > 600 { 0.99 } else { 0.1 },
            })
            .collect();
        h.push(&recs);
        h.checkpoints = steps()
            .iter()
            .zip(peaked(200.0, 0.3))
            .map(|(&step, synergy)| Measures {
                step,
                synergy,
                redundancy: 0.0,
                synergy_size: 1,
                synergy_clusters: vec![],
                redundancy_size: 1,
                labels: vec![],
            })
            .collect();
        let p = predict_early(&h, 0.5, &Rule::default());
        assert!(p.groks && p.upto > 200 && p.upto < 600, "{p:?}");
        assert_eq!(h.grokked_at(), Some(601));
        assert!(predict_live(&h).groks);
    }
}
