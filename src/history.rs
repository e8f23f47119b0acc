//! What a run leaves behind: its configuration and one record per step,
//! serialised as the JSON that `grokscope train` writes.

use crate::config::RunConfig;
use crate::engine::StepRecord;
use serde::Serialize;

/// The progress measures at one step: O-information (bits) of the most
/// synergistic multiplet (the minimum) and the most redundant (the maximum).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Checkpoint {
    pub step: u32,
    pub synergy: f64,
    pub redundancy: f64,
    /// Neurons in the most synergistic multiplet (the synergistic sub-network).
    pub synergy_size: usize,
    pub synergy_clusters: Vec<usize>,
    pub redundancy_size: usize,
    /// Each neuron's cluster.
    pub labels: Vec<usize>,
}

#[derive(Clone, Debug, Serialize)]
pub struct History {
    pub config: RunConfig,
    /// The configuration as a query string (reproduces the run).
    pub query: String,
    pub backend: String,
    pub steps: Vec<StepRecord>,
    /// Progress measures every `config.every` steps (empty when 0).
    pub checkpoints: Vec<Checkpoint>,
    /// The first step whose loss was not finite; the run stops there
    /// (JSON has no NaN, so divergence is stated, not encoded).
    #[serde(skip_serializing_if = "Option::is_none")]
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

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a history serialises")
    }
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
        assert!(h.push(&[rec(1, 1.0), rec(2, 0.5)]));
        assert!(!h.push(&[rec(3, f64::NAN), rec(4, 0.1)]));
        assert_eq!(h.steps.len(), 2);
        assert_eq!(h.diverged_at, Some(3));
        let json = h.to_json();
        assert!(json.contains("\"diverged_at\":3") && !json.contains("NaN"), "{json}");
        assert_eq!(h.first_step(|r| r.test_acc, 0.2), Some(2));
    }
}
