//! The sub-network experiment (paper section 7), on every target: which
//! checkpoint's multiplet to take, its neurons, the mask keeping them, and
//! the retraining with and without them. `grokscope subnetwork`,
//! `reproduce` and the page all use these.
//!
//! The paper takes "sub-networks with high synergy during the emergence
//! phase" (for weight decay 0.1, the delayed emergence phase), so the
//! default checkpoint is the most synergistic one in the run's (delayed)
//! emergence band ([`Pick::Emergence`]); the global minimum and a given step
//! stay options. The multiplet is the run's synergistic sub-network (its
//! `size` rule: by default the union-mode multiplet, docs/METHOD.md).

use super::batch::finish_batch;
use super::driver::{Driver, Measuring};
use super::history::{History, Measures};
use super::phases::{self, Phase};
use crate::config::RunConfig;
use crate::engine::{gpu::GpuError, Engine, Mask};
use serde::{Deserialize, Serialize};

/// Which checkpoint's multiplet the experiment takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Pick {
    /// The most synergistic checkpoint of the delayed emergence band, else
    /// of the emergence band, else the run's global minimum.
    Emergence,
    /// The run's global minimum of synergy.
    Minimum,
    /// The last checkpoint at or before this step.
    Step(u32),
}

/// The most synergistic of `cps`.
fn most_synergistic<'a>(cps: impl Iterator<Item = &'a Measures>) -> Option<&'a Measures> {
    cps.min_by(|a, b| a.synergy.total_cmp(&b.synergy))
}

/// The checkpoint whose synergistic multiplet is taken, and how it was
/// chosen (for people).
pub fn pick_checkpoint(h: &History, pick: Pick) -> Result<(&Measures, String), String> {
    let none = || match pick {
        Pick::Step(s) => format!("no checkpoint at or before step {s} (checkpoints need every > 0)"),
        _ => "the run has no checkpoints (set every > 0)".into(),
    };
    let minimum = || most_synergistic(h.checkpoints.iter()).ok_or_else(none);
    match pick {
        Pick::Step(s) => {
            let cp = h.checkpoints.iter().rev().find(|c| c.step <= s).ok_or_else(none)?;
            Ok((cp, format!("the checkpoint at step {}", cp.step)))
        }
        Pick::Minimum => Ok((minimum()?, "the run's most synergistic checkpoint".into())),
        Pick::Emergence => {
            let bands = phases::phases_of(h);
            for phase in [Phase::DelayedEmergence, Phase::Emergence] {
                let Some(b) = bands.iter().find(|b| b.phase == phase) else { continue };
                let inside = h.checkpoints.iter().filter(|c| (b.from_step..=b.to_step).contains(&c.step));
                if let Some(cp) = most_synergistic(inside) {
                    let why = format!(
                        "the most synergistic checkpoint of the {} band ({}-{})",
                        phase.name(),
                        b.from_step,
                        b.to_step
                    );
                    return Ok((cp, why));
                }
            }
            Ok((minimum()?, "the run's most synergistic checkpoint (the run has no emergence band)".into()))
        }
    }
}

/// The neurons of a checkpoint's synergistic sub-network: those whose
/// cluster is in it.
pub fn synergy_neurons(cp: &Measures) -> Vec<usize> {
    cp.labels.iter().enumerate().filter(|(_, l)| cp.synergy_clusters.contains(l)).map(|(j, _)| j).collect()
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
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Subnetwork {
    pub query: String,
    /// The checkpoint whose multiplet was taken, and how it was chosen.
    pub step: u32,
    pub chosen: String,
    /// The synergy (bits) at that checkpoint.
    pub synergy_bits: f64,
    pub neurons: Vec<usize>,
    pub silence: bool,
    pub full: History,
    pub sub: History,
    pub inverse: History,
}

/// How fast a run generalised: the step to test accuracy 95 % and the area
/// under its test-accuracy curve (the mean test accuracy over the steps, so
/// 1 is a network right from the first step).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Speed {
    pub grokked: Option<u32>,
    pub area: f64,
}

impl Speed {
    pub fn of(h: &History) -> Speed {
        let n = h.steps.len().max(1) as f64;
        Speed { grokked: h.grokked_at(), area: h.steps.iter().map(|r| r.test_acc).sum::<f64>() / n }
    }

    /// Whether this run generalised no later than `other`: it reached 95 %
    /// test accuracy and `other` did not, or sooner, or (when neither did)
    /// with at least as large an area.
    pub fn no_later_than(&self, other: &Speed) -> bool {
        match (self.grokked, other.grokked) {
            (Some(a), Some(b)) => a <= b,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => self.area >= other.area,
        }
    }
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

    /// The speed of the full model, the sub-network and its inverse.
    pub fn speeds(&self) -> [Speed; 3] {
        [Speed::of(&self.full), Speed::of(&self.sub), Speed::of(&self.inverse)]
    }

    /// The paper's claim on this seed: the sub-network generalises (reaches
    /// 95 %), and no later than its inverse.
    pub fn holds(&self) -> bool {
        let [_, sub, inverse] = self.speeds();
        sub.grokked.is_some() && sub.no_later_than(&inverse)
    }
}

/// The configuration the sub-networks retrain with: the run's, without measures.
pub fn retrain_config(full: &RunConfig) -> RunConfig {
    RunConfig { every: 0, ..full.clone() }
}

/// Section 7: from a trained run `full` (with checkpoints), retrain from the
/// same initialisation with only the synergistic multiplet's neurons (of the
/// checkpoint `pick` chooses), and with only the others, the two as one
/// batch; `open` starts an engine for configurations and masks.
pub async fn experiment(
    full: History,
    pick: Pick,
    silence: bool,
    open: impl FnOnce(&[(&RunConfig, Option<&Mask>)]) -> Result<Engine, GpuError>,
) -> Result<Subnetwork, String> {
    let (cp, chosen) = pick_checkpoint(&full, pick)?;
    let (step, synergy_bits, neurons) = (cp.step, cp.synergy, synergy_neurons(cp));
    let rc = retrain_config(&full.config);
    let mask = mask_of(&neurons, full.config.hidden as usize, silence);
    let inverse = mask.inverse();
    let engine = open(&[(&rc, Some(&mask)), (&rc, Some(&inverse))]).map_err(|e| e.to_string())?;
    let drivers = vec![Driver::new(&rc, "", Measuring::Off), Driver::new(&rc, "", Measuring::Off)];
    let done = finish_batch(drivers, engine, |_| {}).await.map_err(|e| e.to_string())?;
    let [sub, inverse] = <[Driver; 2]>::try_from(done).map_err(|_| "two retrained runs")?.map(|d| d.into_parts().0);
    Ok(Subnetwork { query: full.query.clone(), step, chosen, synergy_bits, neurons, silence, full, sub, inverse })
}

/// What [`Subnetwork::holds`] asks of a sub-network, stated once for the
/// report and the page.
pub const CLAIM: &str = "the synergistic sub-network alone reaches 95 % test accuracy, no later than its inverse";
