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
//!   has since fallen at least [`Rule::min_drop`] below it (with a drop of 0,
//!   a curve still climbing counts: the rule then fires on the rise);
//! - train accuracy at the peak is at least [`Rule::min_train_acc`] (the
//!   peak follows memorisation; weight decay 50 and alpha 1 never get there);
//! - in bits, the raw synergy at the peak is at least [`Rule::min_bits`]
//!   deeper than at the prefix's shallowest point before it, so that min-max
//!   scaling does not blow noise up into a peak (the paper: runs that do not
//!   grok show "lower synergy").
//!
//! # Early means before test accuracy moves
//!
//! A prediction counts only if it is made while test accuracy is below
//! [`DEADLINE`] (10 %): once test accuracy has moved, anyone can see
//! grokking coming, and the verdict is "too late to predict". Each verdict
//! says what decided it ([`Gate`]): the synergy rule, the train-accuracy
//! gate (never memorised in the window: no grokking, whatever the synergy
//! does), or the deadline.
//!
//! # Thresholds
//!
//! [`Rule::default`] holds thresholds fitted by [`fit`] on init seeds 0 and
//! 1 of the paper-size reproduction (all seven experiments); `grokscope
//! reproduce` fits them again on its seeds 0-1 and scores them on the
//! held-out seeds 2-4 (docs/reproduction/REPORT.md).

use crate::analysis::smooth;
use crate::run::history::History;
use serde::Serialize;

/// Test accuracy after which a prediction is too late to count.
pub const DEADLINE: f64 = 0.10;

/// Thresholds of the prediction rule (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Rule {
    pub min_rise: f64,
    pub min_drop: f64,
    pub min_train_acc: f64,
    pub min_bits: f64,
}

impl Default for Rule {
    /// The thresholds [`fit`] chose on init seeds 0-1 of the committed
    /// five-seed reproduction (docs/reproduction/REPORT.md): the loosest of
    /// its grid. No fall after the maximum is asked for, so the rule fires on
    /// a rise of synergy after memorisation, not on a peak: every stricter
    /// rule missed grokking runs (whose synergy peaks after test accuracy has
    /// moved) without sparing alpha 50 (memorises, never groks).
    fn default() -> Self {
        Rule { min_rise: 0.1, min_drop: 0.0, min_train_acc: 0.9, min_bits: 0.0 }
    }
}

/// What decided a prediction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Gate {
    /// Fewer than three checkpoints: nothing decided.
    TooEarly,
    /// The synergy rule, on a memorised network.
    Synergy,
    /// The network had not memorised by the end of the window.
    TrainAccuracy,
    /// Test accuracy reached [`DEADLINE`] before the rule fired.
    TooLate,
}

impl Gate {
    pub fn name(self) -> &'static str {
        match self {
            Gate::TooEarly => "too early",
            Gate::Synergy => "synergy",
            Gate::TrainAccuracy => "train accuracy",
            Gate::TooLate => "too late",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Prediction {
    /// Grokking predicted.
    pub groks: bool,
    pub decided_by: Gate,
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

/// The rule's quantities on one prefix of the checkpoints.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Prefix {
    /// Index of the peak (the prefix's maximum, earliest on ties, from 1 on).
    peak: usize,
    rise: f64,
    drop: f64,
    bits: f64,
    train_acc: f64,
}

impl Rule {
    fn holds(&self, q: &Prefix) -> bool {
        q.rise >= self.min_rise
            && q.drop >= self.min_drop
            && q.train_acc >= self.min_train_acc
            && q.bits >= self.min_bits
    }
}

/// The rule's quantities on every prefix of 3 or more checkpoints (entry
/// k - 3 is the prefix of k checkpoints), in one pass: min-max scaling is
/// affine and the moving average linear, so the prefix's normalised curve is
/// the raw moving average rescaled by the prefix's range, and the peak, rise
/// and drop follow from running extremes.
fn prefixes(synergy_bits: &[f64], train_acc: &[f64]) -> Vec<Prefix> {
    let m = synergy_bits.len();
    let depth: Vec<f64> = synergy_bits.iter().map(|v| -v).collect();
    let e = smooth::ema(&depth, smooth::EMA_ALPHA);
    let mut low_e = e.clone();
    let mut low_depth = depth.clone();
    for k in 1..m {
        low_e[k] = low_e[k].min(low_e[k - 1]);
        low_depth[k] = low_depth[k].min(low_depth[k - 1]);
    }
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    let (mut peak, mut after) = (1, f64::INFINITY);
    let mut out = Vec::with_capacity(m.saturating_sub(2));
    for k in 0..m {
        lo = lo.min(depth[k]);
        hi = hi.max(depth[k]);
        if k >= 1 {
            if e[k] > e[peak] {
                (peak, after) = (k, e[k]);
            } else {
                after = after.min(e[k]);
            }
        }
        if k < 2 {
            continue;
        }
        let span = hi - lo;
        let scale = if span > 0.0 && span.is_finite() { 1.0 / span } else { 0.0 };
        let near = &depth[peak.saturating_sub(2)..(peak + 3).min(k + 1)];
        out.push(Prefix {
            peak,
            rise: (e[peak] - low_e[peak]) * scale,
            drop: (e[peak] - after.min(e[peak])) * scale,
            bits: near.iter().copied().fold(f64::NEG_INFINITY, f64::max) - low_depth[peak],
            train_acc: train_acc[peak],
        });
    }
    out
}

/// The verdict of `rule` on one prefix (`upto`: its last step).
fn verdict(q: Option<&Prefix>, steps: &[u32], upto: u32, rule: &Rule) -> Prediction {
    let mut p = Prediction {
        groks: false,
        decided_by: Gate::TooEarly,
        peak_step: None,
        upto,
        rise: 0.0,
        drop: 0.0,
        bits: 0.0,
        train_acc: 0.0,
        message: format!("too early to tell (step {upto})"),
    };
    let Some(q) = q else { return p };
    let at = steps[q.peak];
    (p.peak_step, p.rise, p.drop, p.bits, p.train_acc) = (Some(at), q.rise, q.drop, q.bits, q.train_acc);
    p.groks = rule.holds(q);
    p.decided_by = if q.train_acc < rule.min_train_acc && !p.groks { Gate::TrainAccuracy } else { Gate::Synergy };
    p.message = if p.groks {
        format!("synergy peak at step {at}: grokking likely")
    } else if q.train_acc < rule.min_train_acc {
        format!(
            "synergy highest at step {at}, before memorisation (train accuracy {:.2}): grokking not indicated",
            q.train_acc
        )
    } else if q.rise < rule.min_rise {
        format!("no synergy peak by step {upto}: synergy has not risen (grokking not indicated yet)")
    } else if q.bits < rule.min_bits {
        format!("synergy peak at step {at} is weak ({:.3} bits): grokking not indicated", q.bits)
    } else {
        format!("synergy still rising at step {upto} (maximum at step {at}): no peak yet")
    };
    p
}

/// Applies `rule` to the checkpoints `steps` with raw synergy (minimum
/// O-information, bits) and the train accuracy at each.
pub fn predict(steps: &[u32], synergy_bits: &[f64], train_acc: &[f64], rule: &Rule) -> Prediction {
    assert!(synergy_bits.len() == steps.len() && train_acc.len() == steps.len());
    let upto = steps.last().copied().unwrap_or(0);
    verdict(prefixes(synergy_bits, train_acc).last(), steps, upto, rule)
}

/// What the early prediction reads of a run: its checkpoints' steps,
/// synergy and accuracies.
pub struct Series {
    pub steps: Vec<u32>,
    pub synergy: Vec<f64>,
    pub train_acc: Vec<f64>,
    pub test_acc: Vec<f64>,
    prefixes: Vec<Prefix>,
}

impl Series {
    /// The checkpoints of `h` up to `fraction` of its planned steps.
    pub fn of(h: &History, fraction: f64) -> Series {
        let limit = (h.config.steps as f64 * fraction).round() as u32;
        let records = h.checkpoint_records();
        let m = h.checkpoints.iter().take_while(|c| c.step <= limit).count();
        let acc = |f: fn(&crate::engine::StepRecord) -> f64| -> Vec<f64> {
            records[..m].iter().map(|r| r.as_ref().map_or(0.0, f)).collect()
        };
        let synergy: Vec<f64> = h.checkpoints[..m].iter().map(|c| c.synergy).collect();
        let train_acc = acc(|r| r.train_acc);
        Series {
            steps: h.checkpoints[..m].iter().map(|c| c.step).collect(),
            prefixes: prefixes(&synergy, &train_acc),
            synergy,
            train_acc,
            test_acc: acc(|r| r.test_acc),
        }
    }

    /// The prediction a viewer would have had, checkpoint by checkpoint: the
    /// first prefix at which the rule fires while test accuracy is below
    /// [`DEADLINE`]; "too late" once test accuracy got there first; else
    /// the verdict on the whole series.
    pub fn predict(&self, rule: &Rule) -> Prediction {
        for (k, q) in self.prefixes.iter().enumerate() {
            let last = k + 2;
            let upto = self.steps[last];
            if self.test_acc[last] >= DEADLINE {
                let mut p = verdict(Some(q), &self.steps, upto, rule);
                p.groks = false;
                p.decided_by = Gate::TooLate;
                p.message = format!(
                    "too late to predict: test accuracy reached {:.0} % at step {upto} before a synergy peak announced it",
                    100.0 * self.test_acc[last]
                );
                return p;
            }
            if rule.holds(q) {
                return verdict(Some(q), &self.steps, upto, rule);
            }
        }
        verdict(self.prefixes.last(), &self.steps, self.steps.last().copied().unwrap_or(0), rule)
    }
}

/// The prediction from every checkpoint so far: what the page shows live.
pub fn predict_live(h: &History) -> Prediction {
    Series::of(h, 1.0).predict(&Rule::default())
}

/// The prediction a viewer would have had on the first `fraction` of the
/// run's planned steps.
pub fn predict_early(h: &History, fraction: f64, rule: &Rule) -> Prediction {
    Series::of(h, fraction).predict(rule)
}

/// Whether a prediction was right about a run that grokked or not.
pub fn right(p: &Prediction, grokked: bool) -> bool {
    p.decided_by != Gate::TooLate && p.groks == grokked
}

/// The thresholds [`fit`] searches, every combination.
pub const RISES: [f64; 6] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6];
pub const DROPS: [f64; 5] = [0.0, 0.05, 0.1, 0.2, 0.3];
pub const BITS: [f64; 6] = [0.0, 0.02, 0.05, 0.1, 0.2, 0.4];

/// The rule that is right on the most of `runs` (series, and whether the run
/// grokked), "too late" counting as wrong; ties go to the larger summed lead
/// (steps from a right "groks" call to the run's grokking step, given with
/// each run), then to the earlier rule in the grid's order. Train accuracy
/// at the peak stays at the default 0.9 (the paper's "after memorisation").
pub fn fit(runs: &[(Series, Option<u32>)]) -> Rule {
    let mut best: Option<(usize, i64, Rule)> = None;
    for &min_rise in &RISES {
        for &min_drop in &DROPS {
            for &min_bits in &BITS {
                let rule = Rule { min_rise, min_drop, min_bits, ..Rule::default() };
                let (mut right_n, mut lead) = (0, 0i64);
                for (s, grokked) in runs {
                    let p = s.predict(&rule);
                    if right(&p, grokked.is_some()) {
                        right_n += 1;
                        if let (true, Some(g)) = (p.groks, grokked) {
                            lead += *g as i64 - p.upto as i64;
                        }
                    }
                }
                if best.is_none_or(|(n, l, _)| (right_n, lead) > (n, l)) {
                    best = Some((right_n, lead, rule));
                }
            }
        }
    }
    best.map_or_else(Rule::default, |b| b.2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::RunConfig;
    use crate::engine::StepRecord;
    use crate::run::history::Measures;

    /// A rule that asks for a real peak (a rise, then a fall, deep enough):
    /// the mechanism's tests do not depend on the fitted default.
    const PEAK: Rule = Rule { min_rise: 0.3, min_drop: 0.1, min_train_acc: 0.9, min_bits: 0.05 };

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
        let p = predict(&steps(), &peaked(200.0, 0.3), &memorised_by(50), &PEAK);
        assert!(p.groks, "{p:?}");
        // The paper's moving average lags the raw peak by a few checkpoints.
        let at = p.peak_step.unwrap();
        assert!((200..=260).contains(&at), "{p:?}");
        assert_eq!(p.message, format!("synergy peak at step {at}: grokking likely"));
    }

    #[test]
    fn the_default_rule_fires_on_the_rise_after_memorisation() {
        let h = history(&peaked(400.0, 0.3), |s| if s > 700 { 0.99 } else { 0.01 });
        let p = predict_early(&h, 0.5, &Rule::default());
        assert!(p.groks && (45..400).contains(&p.upto), "called before the peak, once memorised: {p:?}");
        // The peak rule waits for the fall.
        let peak = predict_early(&h, 1.0, &PEAK);
        assert!(peak.groks && peak.upto > p.upto, "{peak:?} vs {p:?}");
    }

    #[test]
    fn falling_synergy_does_not() {
        // Alpha 50: synergy highest at the start, then lost for good.
        let syn: Vec<f64> = steps().iter().map(|&s| -0.3 * (-(s as f64) / 50.0).exp()).collect();
        let p = predict(&steps(), &syn, &memorised_by(20), &PEAK);
        assert!(!p.groks && p.message.contains("not risen"), "{p:?}");
    }

    #[test]
    fn a_peak_without_memorisation_does_not() {
        // Weight decay 50: never memorises.
        let acc = vec![0.3; 100];
        let p = predict(&steps(), &peaked(200.0, 0.3), &acc, &PEAK);
        assert!(!p.groks && p.message.contains("before memorisation"), "{p:?}");
        assert_eq!(p.decided_by, Gate::TrainAccuracy);
    }

    #[test]
    fn a_weak_peak_does_not() {
        // Weight decay 10: synergy stays low.
        let p = predict(&steps(), &peaked(200.0, 0.01), &memorised_by(50), &PEAK);
        assert!(!p.groks && p.message.contains("weak"), "{p:?}");
    }

    #[test]
    fn a_ramp_still_climbing_is_not_yet_a_peak() {
        let syn: Vec<f64> = steps().iter().map(|&s| -0.3 * s as f64 / 1000.0).collect();
        let p = predict(&steps(), &syn, &memorised_by(50), &PEAK);
        assert!(!p.groks && p.message.contains("still rising"), "{p:?}");
    }

    #[test]
    fn too_few_checkpoints() {
        let p = predict(&[5, 10], &[0.0, -0.1], &[1.0, 1.0], &PEAK);
        assert!(!p.groks && p.peak_step.is_none());
    }

    /// A run of 1000 steps with the synergy `syn` at checkpoints every 10
    /// steps, memorised by step 50, test accuracy `test` at each step.
    fn history(syn: &[f64], test: impl Fn(u32) -> f64) -> History {
        let mut h = History::new(&RunConfig { steps: 1000, every: 10, ..RunConfig::default() }, "cpu");
        let acc = memorised_by(50);
        let recs: Vec<StepRecord> = (1..=1000)
            .map(|s| StepRecord {
                step: s,
                train_loss: 1.0,
                train_acc: acc[(s.div_ceil(10) - 1) as usize],
                test_loss: 1.0,
                test_acc: test(s),
            })
            .collect();
        h.push(&recs);
        h.checkpoints = steps().iter().zip(syn).map(|(&step, &synergy)| Measures::example(step, synergy)).collect();
        h
    }

    #[test]
    fn the_one_pass_prefixes_equal_each_prefix_normalised_on_its_own() {
        // The paper's normalisation applied to each prefix separately.
        let syn: Vec<f64> = (0..60).map(|i| -0.1 * ((i as f64) * 0.37).sin() - 0.002 * i as f64).collect();
        let acc: Vec<f64> = (0..60).map(|i| (i as f64 / 20.0).min(1.0)).collect();
        for (k, q) in prefixes(&syn, &acc).iter().enumerate() {
            let s = smooth::synergy_curve(&syn[..k + 3]);
            let mut i = 1;
            for j in 1..s.len() {
                if s[j] > s[i] {
                    i = j;
                }
            }
            let lowest = |x: &[f64]| x.iter().copied().fold(f64::INFINITY, f64::min);
            assert_eq!(q.peak, i, "prefix {}", k + 3);
            assert!((q.rise - (s[i] - lowest(&s[..=i]))).abs() < 1e-12);
            assert!((q.drop - (s[i] - lowest(&s[i..]))).abs() < 1e-12);
            assert_eq!(q.train_acc, acc[i]);
        }
    }

    #[test]
    fn a_prediction_after_test_accuracy_moved_is_too_late() {
        // The peak at 200 is seen by about step 260, but test accuracy
        // reached 10 % at step 150.
        let h = history(&peaked(200.0, 0.3), |s| if s >= 150 { 0.5 } else { 0.01 });
        let p = predict_early(&h, 0.5, &PEAK);
        assert_eq!((p.groks, p.decided_by, p.upto), (false, Gate::TooLate, 150), "{p:?}");
        assert!(p.message.starts_with("too late to predict"), "{p:?}");
        assert!(!right(&p, true) && !right(&p, false));
    }

    #[test]
    fn the_train_gate_is_named() {
        let mut h = history(&peaked(200.0, 0.3), |_| 0.01);
        for r in &mut h.steps {
            r.train_acc = 0.3;
        }
        let p = predict_early(&h, 0.5, &PEAK);
        assert_eq!((p.groks, p.decided_by), (false, Gate::TrainAccuracy), "{p:?}");
    }

    #[test]
    fn fitting_finds_thresholds_that_separate_the_runs() {
        // Two grokking runs with a deep early peak, two that never grok with
        // a shallow one: the default rule calls the shallow peaks weak
        // already; the fit must get all four right, with the lead counted.
        let late = |s| if s > 700 { 0.99 } else { 0.01 };
        let runs: Vec<(Series, Option<u32>)> = vec![
            (Series::of(&history(&peaked(200.0, 0.3), late), 0.5), Some(701)),
            (Series::of(&history(&peaked(250.0, 0.5), late), 0.5), Some(701)),
            (Series::of(&history(&peaked(200.0, 0.03), |_| 0.01), 0.5), None),
            (Series::of(&history(&peaked(300.0, 0.01), |_| 0.01), 0.5), None),
        ];
        let rule = fit(&runs);
        for (s, g) in &runs {
            assert!(right(&s.predict(&rule), g.is_some()), "{rule:?}");
        }
        // A rule with no threshold on depth calls the shallow peaks too.
        let loose = Rule { min_bits: 0.0, ..rule };
        assert!(!right(&runs[2].0.predict(&loose), false), "{loose:?}");
    }

    #[test]
    fn early_prediction_fires_once_the_peak_has_passed() {
        let h = history(&peaked(200.0, 0.3), |s| if s > 600 { 0.99 } else { 0.02 });
        let p = predict_early(&h, 0.5, &PEAK);
        assert!(p.groks && p.upto > 200 && p.upto < 600, "{p:?}");
        assert_eq!(p.decided_by, Gate::Synergy);
        assert_eq!(h.grokked_at(), Some(601));
        assert!(predict_live(&h).groks);
    }
}
