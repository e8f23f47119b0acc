//! Checkpoint activations -> the paper's progress measures: which samples
//! the analysis sees, its settings for a run, and one checkpoint's measures.

use crate::analysis::{self, AnalysisSettings};
use crate::config::{RunConfig, Samples};
use crate::data::{all_pairs, Dataset, Split};
use crate::engine::{gpu::GpuError, Engine};
use crate::rng::{stream, SplitMix64};
use crate::run::history::Measures;

/// The analysis settings a run records: its clusters, multiplet mode and tie
/// rule, with random ties seeded from the run's seed.
pub fn settings(c: &RunConfig) -> AnalysisSettings {
    AnalysisSettings {
        clusters: c.clusters as usize,
        mode: c.mode,
        ties: c.ties,
        seed: SplitMix64::new(c.seed, stream::TIES).next_u64(),
        bias_correct: false,
        size: c.size,
    }
}

/// The inputs whose hidden activations are analysed.
pub fn analysis_samples(c: &RunConfig, d: &Dataset) -> Split {
    match c.samples {
        Samples::Train => d.train.clone(),
        Samples::All => all_pairs(c.op, c.p),
    }
}

/// Whether `step` is a checkpoint of the run.
pub fn is_checkpoint(c: &RunConfig, step: u32) -> bool {
    c.every > 0 && step.is_multiple_of(c.every)
}

/// How many steps to run from `step` so that a batch ends on the next
/// checkpoint (or the last step), at most `cap`.
pub fn batch_len(c: &RunConfig, step: u32, cap: u32) -> u32 {
    let next = step.checked_div(c.every).map_or(c.steps, |k| (k + 1) * c.every);
    (next.min(c.steps) - step).min(cap)
}

/// The activations the analysis reads at the engine's current step: the
/// training set's are already on hand after each step.
pub async fn activations(c: &RunConfig, engine: &Engine, samples: &Split) -> Result<Vec<f32>, GpuError> {
    match c.samples {
        Samples::Train => engine.train_activations().await,
        Samples::All => engine.activations(samples).await,
    }
}

/// The progress measures of one checkpoint from its activations (`rows` x
/// `hidden`, row-major).
pub fn measure(c: &RunConfig, step: u32, activations: &[f32], rows: usize) -> Result<Measures, String> {
    let a = analysis::analyze(activations, rows, c.hidden as usize, &settings(c))
        .map_err(|e| format!("analysis at step {step}: {e}"))?;
    Ok(Measures {
        step,
        synergy: a.synergy.bits,
        redundancy: a.redundancy.bits,
        synergy_size: a.subnetwork.neurons,
        synergy_clusters: a.subnetwork.clusters,
        sizes: a.sizes,
        redundancy_size: a.redundancy.neurons,
        labels: a.labels,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_end_on_checkpoints() {
        let c = RunConfig { steps: 23, every: 5, ..RunConfig::default() };
        assert_eq!(batch_len(&c, 0, 32), 5);
        assert_eq!(batch_len(&c, 5, 3), 3);
        assert_eq!(batch_len(&c, 20, 32), 3);
        assert!(is_checkpoint(&c, 20) && !is_checkpoint(&c, 23));
        let none = RunConfig { steps: 23, every: 0, ..RunConfig::default() };
        assert_eq!(batch_len(&none, 0, 32), 23);
        assert!(!is_checkpoint(&none, 5));
    }
}
