//! A checkpoint -> its progress measures: which samples the analysis sees,
//! its settings for a run, one checkpoint's O-information measures from the
//! activations ([`measure`]) and its weight measures from the parameters
//! ([`weigh`]).

use crate::analysis::fourier::{self, Table};
use crate::analysis::{self, ablation, AnalysisSettings};
use crate::config::{RunConfig, Samples};
use crate::data::{all_pairs, Dataset, Split};
use crate::model::Params;
use crate::rng::{stream, SplitMix64};
use crate::run::history::{Measures, WeightMeasures, WeightNorm};

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

/// The weight measures of the network `prm` of run `c` (see `docs/METHOD.md`):
/// weight norms; the spectra of the embedding (W1's rows for a and for b,
/// one spectrum) and of the output weights (W2's rows); the clock of the
/// embedding of a at its strongest frequency; restricted loss over every
/// input and excluded loss over the training inputs, for the embedding's
/// key frequencies. `logits`: the training set's at `prm` when the engine
/// has them (else one forward pass here). `threads` = 0: every core.
pub fn weigh(
    c: &RunConfig,
    step: u32,
    prm: &Params,
    logits: Option<&[f32]>,
    threads: usize,
) -> Result<WeightMeasures, String> {
    let threads = if threads == 0 { crate::par::threads() } else { threads };
    let (p, hd) = (prm.shape.p, prm.shape.hidden);
    let rows =
        |first: usize| -> Vec<&[f32]> { (first..first + p).map(|x| &prm.theta[x * prm.stride..][..hd]).collect() };
    let (emb_a, emb_b) = (rows(0), rows(p));
    let out = rows(prm.w2_offset() / prm.stride);
    let table = Table::new(p);
    let emb = fourier::energies(&table, &[emb_a.clone(), emb_b], threads);
    let fourier = fourier::spectrum(&emb);
    let fourier_out = fourier::spectrum(&fourier::energies(&table, &[out], threads));
    let clock = fourier
        .clock_frequency()
        .map_or(Vec::new(), |k| fourier::clock(&table, &emb_a, k as usize, &fourier::tuned_to(&emb, k as usize)));
    let train = Dataset::new(c).train;
    if logits.is_some_and(|l| l.len() != train.len() * p) {
        return Err(format!("weight measures at step {step}: logits of another shape than the training set's"));
    }
    let forward;
    let logits = match logits {
        Some(l) => l,
        None => {
            forward = crate::engine::cpu::logits(prm, &train, threads);
            &forward
        }
    };
    let losses = ablation::losses(prm, &all_pairs(c.op, c.p), &train, logits, &fourier.key_frequencies, threads);
    let (w1, w2) = prm.layer_norms();
    let m = WeightMeasures {
        weight_norm: WeightNorm { total: w1.hypot(w2), w1, w2 },
        fourier,
        fourier_out,
        restricted_loss: losses.restricted,
        excluded_loss: losses.excluded,
        clock,
    };
    let numbers = [m.weight_norm.total, m.fourier.gini, m.fourier_out.gini, m.restricted_loss, m.excluded_loss];
    match numbers.iter().all(|x| x.is_finite()) {
        true => Ok(m),
        false => Err(format!("weight measures at step {step}: the weights are not finite numbers")),
    }
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

    #[test]
    fn weighing_a_network_at_initialisation() {
        let c = RunConfig { p: 23, hidden: 40, ..RunConfig::default() };
        let (prm, n0) = Params::init(&c);
        let m = weigh(&c, 0, &prm, None, 2).unwrap();
        // The engine's own logits give the same measures as a forward pass here.
        let logits = crate::engine::cpu::logits(&prm, &Dataset::new(&c).train, 1);
        assert_eq!(weigh(&c, 0, &prm, Some(&logits), 1).unwrap(), m);
        assert!(weigh(&c, 0, &prm, Some(&logits[1..]), 1).unwrap_err().contains("shape"));
        assert!((m.weight_norm.total - n0).abs() < 1e-9);
        assert_eq!((m.fourier.spectrum.len(), m.fourier_out.spectrum.len()), (11, 11));
        // A random initialisation has no structure: no neuron commits to a frequency.
        assert!(m.fourier.key_frequencies.is_empty(), "{:?}", m.fourier);
        assert!(m.fourier.key_fraction < 0.4 && m.fourier.gini < 0.4, "{:?}", m.fourier);
        assert_eq!(m.clock.len(), 23);
        // Chance-level losses: ln 23 = 3.14.
        assert!((m.restricted_loss - 23f64.ln()).abs() < 0.1 && (m.excluded_loss - 23f64.ln()).abs() < 0.2, "{m:?}");
        let mut broken = prm.clone();
        broken.theta[0] = f32::NAN;
        assert!(weigh(&c, 7, &broken, None, 1).unwrap_err().contains("step 7"));
    }
}
