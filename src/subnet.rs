//! The sub-network experiment's choices (paper section 7), on every target:
//! which checkpoint's multiplet to take, its neurons, and the mask keeping
//! them. `grokscope subnetwork` (`reproduce`) and the page both use these.

use crate::engine::Mask;
use crate::history::{Checkpoint, History};

/// The checkpoint whose synergistic multiplet is taken: the run's global
/// minimum of synergy, or the last checkpoint at or before `step`.
pub fn pick_checkpoint(h: &History, step: Option<u32>) -> Result<&Checkpoint, String> {
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
pub fn synergy_neurons(cp: &Checkpoint) -> Vec<usize> {
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
