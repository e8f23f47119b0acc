//! What a run leaves behind: its configuration and one record per step,
//! serialised as the JSON that `grokscope train` writes.

use crate::analysis::{smooth, Sizes};
use crate::config::RunConfig;
use crate::engine::StepRecord;
use serde::{Deserialize, Serialize};

/// Train accuracy at which a run has memorised its training set.
pub const MEMORISED: f64 = 0.99;
/// Test accuracy at which a run has grokked (generalised).
pub const GROKKED: f64 = 0.95;

/// The progress measures at one step: O-information (bits) of the most
/// synergistic multiplet (the minimum) and the most redundant (the maximum).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Measures {
    pub step: u32,
    pub synergy: f64,
    pub redundancy: f64,
    /// Neurons of the synergistic sub-network (the most synergistic
    /// multiplet by the run's `size` rule) and its clusters.
    pub synergy_size: usize,
    pub synergy_clusters: Vec<usize>,
    /// The sub-network's size by every rule, where the analysis ran the
    /// union search (absent in older runs and with `size=multiplet`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sizes: Option<Sizes>,
    pub redundancy_size: usize,
    /// Each neuron's cluster.
    pub labels: Vec<usize>,
}

impl Measures {
    /// A checkpoint with a step and a synergy and nothing else of note: a
    /// history built by hand, as the tests of what is read off synergy do.
    pub fn with_synergy(step: u32, synergy: f64) -> Measures {
        Measures {
            step,
            synergy,
            redundancy: 0.0,
            synergy_size: 1,
            synergy_clusters: vec![],
            redundancy_size: 1,
            sizes: None,
            labels: vec![],
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct History {
    pub config: RunConfig,
    /// The configuration as a query string (reproduces the run).
    pub query: String,
    pub backend: String,
    pub steps: Vec<StepRecord>,
    /// Progress measures every `config.every` steps (empty when 0).
    pub checkpoints: Vec<Measures>,
    /// The first step whose loss was not finite; the run stops there
    /// (JSON has no NaN, so divergence is stated, not encoded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diverged_at: Option<u32>,
}

impl History {
    pub fn new(config: &RunConfig, backend: &str) -> History {
        History {
            query: crate::url::to_query(config),
            config: config.clone(),
            backend: backend.into(),
            steps: Vec::new(),
            checkpoints: Vec::new(),
            diverged_at: None,
        }
    }

    /// Appends finite records; the first non-finite one ends the run.
    /// Returns false once the run has diverged.
    pub fn push(&mut self, records: &[StepRecord]) -> bool {
        for r in records {
            if self.diverged_at.is_some() {
                break;
            }
            if r.is_finite() {
                self.steps.push(*r);
            } else {
                self.diverged_at = Some(r.step);
            }
        }
        self.diverged_at.is_none()
    }

    /// First step whose `metric` reaches `threshold`.
    pub fn first_step(&self, metric: fn(&StepRecord) -> f64, threshold: f64) -> Option<u32> {
        self.steps.iter().find(|r| metric(r) >= threshold).map(|r| r.step)
    }

    /// First step with train accuracy at [`MEMORISED`].
    pub fn memorised_at(&self) -> Option<u32> {
        self.first_step(|r| r.train_acc, MEMORISED)
    }

    /// First step with test accuracy at [`GROKKED`].
    pub fn grokked_at(&self) -> Option<u32> {
        self.first_step(|r| r.test_acc, GROKKED)
    }

    /// Test accuracy after the last step (0 before any).
    pub fn final_test_acc(&self) -> f64 {
        self.steps.last().map_or(0.0, |r| r.test_acc)
    }

    /// The step record at each checkpoint's step (steps count from 1, one record each).
    pub fn checkpoint_records(&self) -> Vec<Option<StepRecord>> {
        let at = |step| self.steps.binary_search_by_key(&step, |r: &StepRecord| r.step).ok().map(|i| self.steps[i]);
        self.checkpoints.iter().map(|c| at(c.step)).collect()
    }

    /// The checkpoints' curves as the paper draws them (`analysis::smooth`).
    pub fn normalised(&self) -> Normalised {
        let cps = &self.checkpoints;
        let of = |f: fn(&Measures) -> f64| cps.iter().map(f).collect::<Vec<f64>>();
        let records = self.checkpoint_records();
        let log_loss: Vec<f64> = records.iter().map(|r| r.map_or(f64::NAN, |r| r.test_loss.max(1e-300).ln())).collect();
        Normalised {
            steps: cps.iter().map(|c| c.step).collect(),
            synergy: smooth::synergy_curve(&of(|c| c.synergy)),
            redundancy: smooth::redundancy_curve(&of(|c| c.redundancy)),
            size: smooth::size_curve(&of(|c| c.synergy_size as f64)),
            test_loss: smooth::ema(&smooth::min_max(&log_loss), smooth::EMA_ALPHA),
            train_acc: records.iter().map(|r| r.map_or(f64::NAN, |r| r.train_acc)).collect(),
            test_acc: records.iter().map(|r| r.map_or(f64::NAN, |r| r.test_acc)).collect(),
        }
    }

    /// Reads back what `run::to_json` wrote (the page keeps its last run so).
    pub fn from_json(json: &str) -> Result<History, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }
}

/// A history's checkpoint curves, each in [0, 1] (NaN where undefined),
/// one value per checkpoint: synergy and redundancy by the paper's display
/// transforms, the synergistic sub-network's size, ln(test loss) min-max
/// scaled and smoothed like the measures, and the raw accuracies.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Normalised {
    pub steps: Vec<u32>,
    pub synergy: Vec<f64>,
    pub redundancy: Vec<f64>,
    pub size: Vec<f64>,
    pub test_loss: Vec<f64>,
    pub train_acc: Vec<f64>,
    pub test_acc: Vec<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(step: u32, loss: f64) -> StepRecord {
        StepRecord { step, train_loss: loss, train_acc: 0.5, test_loss: 1.0, test_acc: step as f64 / 10.0 }
    }

    #[test]
    fn divergence_stops_the_history() {
        let mut h = History::new(&RunConfig::default(), "cpu");
        // Values whose shortest decimal needs all 17 digits read back exactly.
        assert!(h.push(&[rec(1, 1.0 / 3.0), rec(2, 0.1 + 0.2)]));
        assert!(!h.push(&[rec(3, f64::NAN), rec(4, 0.1)]));
        assert_eq!(h.steps.len(), 2);
        assert_eq!(h.diverged_at, Some(3));
        let json = serde_json::to_string(&h).unwrap();
        assert!(json.contains("\"diverged_at\":3") && !json.contains("NaN"), "{json}");
        let back = History::from_json(&json).unwrap();
        assert_eq!((back.steps, back.diverged_at, back.config), (h.steps.clone(), Some(3), h.config.clone()));
        assert_eq!(h.first_step(|r| r.test_acc, 0.2), Some(2));
        assert_eq!((h.memorised_at(), h.grokked_at()), (None, None));
    }

    #[test]
    fn thresholds_and_checkpoint_records() {
        let mut h = History::new(&RunConfig::default(), "cpu");
        let recs: Vec<StepRecord> = (1..=10)
            .map(|s| StepRecord {
                train_acc: s as f64 / 10.0,
                test_acc: s as f64 / 11.0,
                test_loss: 1.0 / s as f64,
                ..rec(s, 1.0)
            })
            .collect();
        h.push(&recs);
        assert_eq!(h.memorised_at(), Some(10));
        assert_eq!(h.grokked_at(), None);
        let m = |step, synergy| Measures {
            step,
            synergy,
            redundancy: -synergy,
            synergy_size: 3,
            synergy_clusters: vec![0],
            redundancy_size: 2,
            sizes: None,
            labels: vec![0, 1],
        };
        h.checkpoints = vec![m(2, -1.0), m(4, -3.0), m(6, -2.0), m(8, -2.5)];
        let recs = h.checkpoint_records();
        assert_eq!(recs.iter().map(|r| r.unwrap().step).collect::<Vec<_>>(), [2, 4, 6, 8]);
        let n = h.normalised();
        assert_eq!(n.steps, [2, 4, 6, 8]);
        // The test loss falls, so its normalised log does too, from 1.
        assert!((n.test_loss[0] - 1.0).abs() < 1e-12 && n.test_loss[3] < n.test_loss[0], "{:?}", n.test_loss);
        assert!(n.synergy.iter().chain(&n.redundancy).all(|v| (0.0..=1.0).contains(v)));
    }
}
