//! The sub-network experiment (paper section 7), on every target: which
//! checkpoint's multiplet to take, its neurons, the mask keeping them, and
//! the retraining with and without them. `grokscope subnetwork`,
//! `reproduce` and the page all use these.

use super::driver::{finish, Driver, Measuring};
use super::history::{History, Measures};
use super::measure;
use crate::analysis::{self, AnalysisSettings, Mode};
use crate::config::RunConfig;
use crate::engine::{gpu::GpuError, Engine, Mask};
use serde::Serialize;

/// The checkpoint whose synergistic multiplet is taken: the run's global
/// minimum of synergy, or the last checkpoint at or before `step`.
pub fn pick_checkpoint(h: &History, step: Option<u32>) -> Result<&Measures, String> {
    let pick = match step {
        Some(s) => h.checkpoints.iter().rev().find(|c| c.step <= s),
        None => h.checkpoints.iter().min_by(|a, b| a.synergy.total_cmp(&b.synergy)),
    };
    pick.ok_or_else(|| match step {
        Some(s) => format!("no checkpoint at or before step {s} (checkpoints need every > 0)"),
        None => "the run has no checkpoints (set every > 0)".into(),
    })
}

/// The neurons of a checkpoint's most synergistic multiplet: those whose
/// cluster is in it.
pub fn synergy_neurons(cp: &Measures) -> Vec<usize> {
    in_clusters(&cp.labels, &cp.synergy_clusters)
}

/// The neurons whose label is one of `clusters`.
fn in_clusters(labels: &[usize], clusters: &[usize]) -> Vec<usize> {
    labels.iter().enumerate().filter(|(_, l)| clusters.contains(l)).map(|(j, _)| j).collect()
}

/// The mask keeping `neurons` of `hidden`.
pub fn mask_of(neurons: &[usize], hidden: usize, silence: bool) -> Mask {
    let mut keep = vec![false; hidden];
    for &j in neurons {
        keep[j] = true;
    }
    Mask { keep, silence }
}

/// The three runs of the experiment and how the neurons were chosen.
#[derive(Clone, Debug, Serialize)]
pub struct Subnetwork {
    pub query: String,
    /// The checkpoint whose multiplet was taken.
    pub step: u32,
    pub synergy_bits: f64,
    /// The multiplet mode that chose the neurons (see [`experiment`]).
    pub multiplet_mode: Mode,
    pub neurons: Vec<usize>,
    pub silence: bool,
    pub full: History,
    pub sub: History,
    pub inverse: History,
}

impl Subnetwork {
    /// (name, neurons, history) of the three runs.
    pub fn runs(&self) -> [(&'static str, usize, &History); 3] {
        let n = self.full.config.hidden as usize;
        [
            ("full model", n, &self.full),
            ("synergistic sub-network", self.neurons.len(), &self.sub),
            ("inverse sub-network", n - self.neurons.len(), &self.inverse),
        ]
    }
}

/// The configuration the sub-networks retrain with: the run's, without measures.
pub fn retrain_config(full: &RunConfig) -> RunConfig {
    RunConfig { every: 0, ..full.clone() }
}

/// Section 7: from a trained run `full` (with checkpoints), retrain from the
/// same initialisation with only the synergistic multiplet's neurons, and
/// with only the others; `open` starts an engine for a configuration and mask.
///
/// In `mean` mode the most synergistic multiplet is often every cluster (the
/// whole network, leaving an empty inverse); then the chosen checkpoint is
/// re-analysed in `union` mode (the authors' code) on the same activations
/// (the run replayed to that step, bit for bit) and its multiplet is taken.
pub async fn experiment(
    full: History,
    step: Option<u32>,
    silence: bool,
    mut open: impl FnMut(&RunConfig, Option<&Mask>) -> Result<Engine, GpuError>,
) -> Result<Subnetwork, String> {
    let cp = pick_checkpoint(&full, step)?.clone();
    let c = &full.config;
    let hidden = c.hidden as usize;
    let (mut neurons, mut synergy_bits, mut multiplet_mode) = (synergy_neurons(&cp), cp.synergy, c.mode);
    let mut train = |c: &RunConfig, mask: Option<&Mask>, capture: &[u32]| {
        let driver = Driver::new(c, "", Measuring::Off).capturing(capture);
        let engine = open(c, mask).map_err(|e| e.to_string());
        async move {
            let done = finish(driver, &mut engine?, crate::engine::gpu::MAX_BATCH / 2, |_| {}).await;
            Ok::<_, String>(done.map_err(|e| e.to_string())?.into_parts())
        }
    };
    if neurons.len() == hidden && c.mode == Mode::Mean {
        let replay = RunConfig { steps: cp.step, ..retrain_config(c) };
        let (_, caps, _) = train(&replay, None, &[cp.step]).await?;
        let cap = caps.first().ok_or("the replay kept no activations")?;
        let x = match c.samples {
            crate::config::Samples::Train => &cap.train,
            crate::config::Samples::All => &cap.all,
        };
        let settings = AnalysisSettings { mode: Mode::Union, ..measure::settings(c) };
        let a = analysis::analyze(x, x.len() / hidden, hidden, &settings)
            .map_err(|e| format!("union re-analysis at step {}: {e}", cp.step))?;
        neurons = in_clusters(&a.labels, &a.synergy.clusters);
        synergy_bits = a.synergy.bits;
        multiplet_mode = Mode::Union;
    }
    let rc = retrain_config(c);
    let mask = mask_of(&neurons, hidden, silence);
    let (sub, _, _) = train(&rc, Some(&mask), &[]).await?;
    let (inverse, _, _) = train(&rc, Some(&mask.inverse()), &[]).await?;
    Ok(Subnetwork {
        query: full.query.clone(),
        step: cp.step,
        synergy_bits,
        multiplet_mode,
        neurons,
        silence,
        full,
        sub,
        inverse,
    })
}
