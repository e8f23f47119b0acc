//! What a run leaves behind: its configuration and one record per step,
//! serialised as the JSON that `grokscope train` writes.

use crate::analysis::fourier::Spectrum;
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

/// The L2 norm of the weight matrices together (Omnigrok's measure, the
/// norm the alpha runs hold at N0) and of each.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WeightNorm {
    pub total: f64,
    pub w1: f64,
    pub w2: f64,
}

/// The established measures at one step, read off the weights
/// (`run::measure::weigh`): the weight norm, the Fourier spectra of the
/// input embedding (W1's columns for a and for b) and of the output
/// weights (W2's rows over c), and Nanda et al.'s restricted and excluded
/// losses (nats) over the embedding's key frequencies.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WeightMeasures {
    pub weight_norm: WeightNorm,
    pub fourier: Spectrum,
    pub fourier_out: Spectrum,
    pub restricted_loss: f64,
    pub excluded_loss: f64,
    /// The clock: each value a's embedding on the plane of the strongest
    /// key frequency (`analysis::fourier::clock`). Kept while the page is
    /// open, not in the run's JSON (p points per checkpoint would double it).
    #[serde(skip)]
    pub clock: Vec<(f32, f32)>,
}

/// Everything measured at one checkpoint, as the run's JSON writes it: the
/// O-information measures and, beside them, the weight measures (absent
/// from runs recorded before they existed).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    #[serde(flatten)]
    pub measures: Measures,
    #[serde(flatten)]
    pub weights: Option<WeightMeasures>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(into = "Record", from = "Record")]
pub struct History {
    pub config: RunConfig,
    /// The configuration as a query string (reproduces the run).
    pub query: String,
    pub backend: String,
    pub steps: Vec<StepRecord>,
    /// Progress measures every `config.every` steps (empty when 0).
    pub checkpoints: Vec<Measures>,
    /// The weight measures of each checkpoint, index for index (see
    /// [`History::weights_at`]; absent in runs recorded without them).
    pub weight_measures: Vec<Option<WeightMeasures>>,
    /// The first step whose loss was not finite; the run stops there
    /// (JSON has no NaN, so divergence is stated, not encoded).
    pub diverged_at: Option<u32>,
}

/// A history as its JSON has it: each checkpoint's weight measures inside
/// its entry of `checkpoints`.
#[derive(Serialize, Deserialize)]
struct Record {
    config: RunConfig,
    query: String,
    backend: String,
    steps: Vec<StepRecord>,
    checkpoints: Vec<Checkpoint>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    diverged_at: Option<u32>,
}

impl From<History> for Record {
    fn from(h: History) -> Record {
        let weights = h.weight_measures.into_iter().chain(std::iter::repeat(None));
        let checkpoints =
            h.checkpoints.into_iter().zip(weights).map(|(measures, weights)| Checkpoint { measures, weights });
        Record {
            config: h.config,
            query: h.query,
            backend: h.backend,
            steps: h.steps,
            checkpoints: checkpoints.collect(),
            diverged_at: h.diverged_at,
        }
    }
}

impl From<Record> for History {
    fn from(r: Record) -> History {
        let (checkpoints, weight_measures) = r.checkpoints.into_iter().map(|c| (c.measures, c.weights)).unzip();
        History {
            config: r.config,
            query: r.query,
            backend: r.backend,
            steps: r.steps,
            checkpoints,
            weight_measures,
            diverged_at: r.diverged_at,
        }
    }
}

impl History {
    pub fn new(config: &RunConfig, backend: &str) -> History {
        History {
            query: crate::url::to_query(config),
            config: config.clone(),
            backend: backend.into(),
            steps: Vec::new(),
            checkpoints: Vec::new(),
            weight_measures: Vec::new(),
            diverged_at: None,
        }
    }

    /// A checkpoint's measures into the history.
    pub fn add_checkpoint(&mut self, c: Checkpoint) {
        // Index for index with `checkpoints`, whatever was set before.
        self.weight_measures.resize(self.checkpoints.len(), None);
        self.checkpoints.push(c.measures);
        self.weight_measures.push(c.weights);
    }

    /// The weight measures of checkpoint `i`, when recorded.
    pub fn weights_at(&self, i: usize) -> Option<&WeightMeasures> {
        self.weight_measures.get(i).and_then(Option::as_ref)
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

    /// The weight measures' curves, each as the paper draws its measures:
    /// min-max to [0, 1] then the moving average (losses as ln(loss), like
    /// the test loss), over the checkpoints that have them.
    pub fn weight_curves(&self) -> WeightCurves {
        let (steps, w): (Vec<u32>, Vec<&WeightMeasures>) =
            (0..self.checkpoints.len()).filter_map(|i| Some((self.checkpoints[i].step, self.weights_at(i)?))).unzip();
        let curve = |f: fn(&WeightMeasures) -> f64| {
            smooth::ema(&smooth::min_max(&w.iter().map(|m| f(m)).collect::<Vec<f64>>()), smooth::EMA_ALPHA)
        };
        WeightCurves {
            weight_norm: curve(|m| m.weight_norm.total),
            gini: curve(|m| m.fourier.gini),
            key_fraction: curve(|m| m.fourier.key_fraction),
            restricted_loss: curve(|m| m.restricted_loss.max(1e-300).ln()),
            excluded_loss: curve(|m| m.excluded_loss.max(1e-300).ln()),
            steps,
        }
    }

    /// Reads back what `run::to_json` wrote (the page keeps its last run so).
    pub fn from_json(json: &str) -> Result<History, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
impl Measures {
    /// A checkpoint's O-information measures with `synergy` bits (and as
    /// much redundancy), for tests.
    pub fn example(step: u32, synergy: f64) -> Measures {
        Measures {
            step,
            synergy,
            redundancy: -synergy,
            synergy_size: 3,
            synergy_clusters: vec![0],
            redundancy_size: 2,
            sizes: None,
            labels: vec![0, 1],
        }
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

/// The weight measures' normalised curves ([`History::weight_curves`]), one
/// value per checkpoint that has them, each in [0, 1].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WeightCurves {
    pub steps: Vec<u32>,
    pub weight_norm: Vec<f64>,
    /// The embedding's Fourier sparsity and key fraction.
    pub gini: Vec<f64>,
    pub key_fraction: Vec<f64>,
    pub restricted_loss: Vec<f64>,
    pub excluded_loss: Vec<f64>,
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
        let m = Measures::example;
        h.checkpoints = vec![m(2, -1.0), m(4, -3.0), m(6, -2.0), m(8, -2.5)];
        let recs = h.checkpoint_records();
        assert_eq!(recs.iter().map(|r| r.unwrap().step).collect::<Vec<_>>(), [2, 4, 6, 8]);
        let n = h.normalised();
        assert_eq!(n.steps, [2, 4, 6, 8]);
        // The test loss falls, so its normalised log does too, from 1.
        assert!((n.test_loss[0] - 1.0).abs() < 1e-12 && n.test_loss[3] < n.test_loss[0], "{:?}", n.test_loss);
        assert!(n.synergy.iter().chain(&n.redundancy).all(|v| (0.0..=1.0).contains(v)));
    }

    #[test]
    fn weight_measures_sit_inside_their_checkpoints_in_the_json() {
        let mut h = History::new(&RunConfig::default(), "cpu");
        h.push(&[rec(1, 1.0), rec(2, 1.0)]);
        let m = |step| Measures::example(step, -1.0);
        let w = WeightMeasures {
            weight_norm: WeightNorm { total: 5.0, w1: 3.0, w2: 4.0 },
            fourier: Spectrum {
                key_frequencies: vec![7],
                key_fraction: 0.6,
                gini: 0.5,
                spectrum: vec![0.5, 2.0],
                ..Spectrum::default()
            },
            restricted_loss: 0.25,
            excluded_loss: 4.5,
            clock: vec![(1.0, 0.0)],
            ..WeightMeasures::default()
        };
        h.add_checkpoint(Checkpoint { measures: m(1), weights: None });
        h.add_checkpoint(Checkpoint { measures: m(2), weights: Some(w.clone()) });
        let json = serde_json::to_string(&h).unwrap();
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        let cp = &v["checkpoints"][1];
        assert_eq!(
            (cp["step"].as_u64(), cp["synergy"].as_f64(), cp["redundancy"].as_f64()),
            (Some(2), Some(-1.0), Some(1.0))
        );
        assert_eq!(cp["weight_norm"], serde_json::json!({"total": 5.0, "w1": 3.0, "w2": 4.0}));
        assert_eq!(cp["fourier"]["key_frequencies"], serde_json::json!([7]));
        assert_eq!((cp["restricted_loss"].as_f64(), cp["excluded_loss"].as_f64()), (Some(0.25), Some(4.5)));
        assert!(cp.get("clock").is_none() && v["checkpoints"][0].get("fourier").is_none(), "{json}");
        let back = History::from_json(&json).unwrap();
        assert!(back.weights_at(0).is_none());
        // The clock is the page's alone: not read back.
        assert_eq!(back.weights_at(1), Some(&WeightMeasures { clock: Vec::new(), ..w }));
        assert_eq!(back.checkpoints, h.checkpoints);
        // Curves only over checkpoints with weight measures.
        assert_eq!(back.weight_curves().steps, [2]);
    }
}
