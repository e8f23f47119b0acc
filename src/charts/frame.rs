//! What the charts draw, taken from a run's history once per redraw:
//! thinned along the log step axis and normalised as in the paper.

use super::axis::thin_log;
use crate::config::Op;
use crate::engine::StepRecord;
use crate::run::history::{History, WeightMeasures};
use crate::run::phases::{self, Phase, PhaseBand};

/// A curve's (step, value) points.
pub type Points = Vec<(f64, f64)>;

/// Everything the charts show of a history.
pub struct Frame {
    /// Right end of the step axis: the run's planned length, so the axis
    /// stays put while the curves grow.
    pub steps: u32,
    pub train_acc: Points,
    pub test_acc: Points,
    pub train_loss: Points,
    pub test_loss: Points,
    /// Normalised progress measures (see `normalise`).
    pub synergy: Points,
    pub redundancy: Points,
    /// Neurons in the most synergistic multiplet.
    pub size: Points,
    /// The weight measures, normalised (`History::weight_curves`).
    pub weights: WeightPoints,
    /// The weight measures at the cursor's checkpoint (the last at or
    /// before it), else at the latest checkpoint that has them.
    pub mechanism: Option<(u32, WeightMeasures)>,
    /// The run's operation: what the Fourier measures mean depends on it.
    pub op: Op,
    /// (normalised redundancy, normalised synergy, step) per checkpoint.
    pub pareto: Vec<(f64, f64, u32)>,
    /// First step whose test accuracy reaches 95 %.
    pub grok_step: Option<u32>,
    /// The paper's phases read off the measures so far (`phases`).
    pub phases: Vec<PhaseBand>,
    /// The step being scrubbed or hovered.
    pub cursor: Option<u32>,
    /// Steps between checkpoints (0: no progress measures).
    pub every: u32,
    /// Runs of the same configuration with the next init seeds, drawn
    /// thin on the accuracy chart: (train, test) accuracy per run.
    pub seed_runs: Vec<(Points, Points)>,
    /// (step, min, max) of train and test accuracy over every seed (the
    /// primary run too); empty with one seed.
    pub train_band: Vec<(f64, f64, f64)>,
    pub test_band: Vec<(f64, f64, f64)>,
    /// The run before this one, faint on the accuracy and loss charts.
    pub previous: Option<Previous>,
    /// What the step charts say before the first step.
    pub start_note: &'static str,
}

/// The weight measures' normalised curves, as drawn.
#[derive(Clone, Debug, Default)]
pub struct WeightPoints {
    pub weight_norm: Points,
    pub gini: Points,
    pub key_fraction: Points,
    pub restricted_loss: Points,
    pub excluded_loss: Points,
}

/// A finished or interrupted earlier run, for comparison on the same axes.
pub struct Previous {
    /// Its key entry: how it differed ("previous: wd=0.1").
    pub label: String,
    pub train_acc: Points,
    pub test_acc: Points,
    pub train_loss: Points,
    pub test_loss: Points,
}

impl Frame {
    /// A run that has started but not trained a step yet (a GPU compiling
    /// its shaders can take most of a minute): the charts say so.
    pub fn starting(self) -> Frame {
        Frame { start_note: "starting: preparing the engine", ..self }
    }

    /// At most about `points` points per curve, spread evenly on the log axis.
    pub fn new(h: &History, cursor: Option<u32>, points: usize) -> Frame {
        Frame::with_seeds(h, &[], cursor, points)
    }

    /// `new`, with `others` (the same configuration, other init seeds)
    /// overlaid on the accuracy chart with a min-max band.
    pub fn with_seeds(h: &History, others: &[&History], cursor: Option<u32>, points: usize) -> Frame {
        let steps = h.config.steps.max(h.steps.last().map_or(0, |r| r.step)).max(2);
        let kept = thin_log(h.steps.iter().map(|r| r.step), steps, points);
        let series =
            |m: fn(&StepRecord) -> f64| kept.iter().map(|&i| (h.steps[i].step as f64, m(&h.steps[i]))).collect();
        let n = h.normalised();
        // The size as it is, in neurons: what a class counts.
        let size: Vec<f64> = h.checkpoints.iter().map(|c| c.synergy_size as f64).collect();
        let cp_kept = thin_log(h.checkpoints.iter().map(|c| c.step), steps, points);
        let pick = |v: &[f64]| -> Points { cp_kept.iter().map(|&i| (h.checkpoints[i].step as f64, v[i])).collect() };
        let w = h.weight_curves();
        let w_kept = thin_log(w.steps.iter().copied(), steps, points);
        let wpick = |v: &[f64]| -> Points { w_kept.iter().map(|&i| (w.steps[i] as f64, v[i])).collect() };
        Frame {
            steps,
            train_acc: series(|r| r.train_acc),
            test_acc: series(|r| r.test_acc),
            train_loss: series(|r| r.train_loss),
            test_loss: series(|r| r.test_loss),
            synergy: pick(&n.synergy),
            redundancy: pick(&n.redundancy),
            size: pick(&size),
            weights: WeightPoints {
                weight_norm: wpick(&w.weight_norm),
                gini: wpick(&w.gini),
                key_fraction: wpick(&w.key_fraction),
                restricted_loss: wpick(&w.restricted_loss),
                excluded_loss: wpick(&w.excluded_loss),
            },
            mechanism: mechanism_at(h, cursor),
            op: h.config.op,
            pareto: n.steps.iter().enumerate().map(|(i, &step)| (n.redundancy[i], n.synergy[i], step)).collect(),
            grok_step: h.grokked_at(),
            phases: phases::of(&n),
            cursor,
            every: h.config.every,
            seed_runs: others
                .iter()
                .map(|o| {
                    let own = |m: fn(&StepRecord) -> f64| {
                        kept.iter().filter_map(|&i| o.steps.get(i)).map(|r| (r.step as f64, m(r))).collect()
                    };
                    (own(|r| r.train_acc), own(|r| r.test_acc))
                })
                .collect(),
            train_band: band(h, others, &kept, |r| r.train_acc),
            test_band: band(h, others, &kept, |r| r.test_acc),
            previous: None,
            start_note: "press Start",
        }
    }

    /// Also the earlier run `h`, keyed `label`; the step axis spans both.
    pub fn with_previous(mut self, h: &History, label: String, points: usize) -> Frame {
        self.steps = self.steps.max(h.steps.last().map_or(0, |r| r.step));
        let kept = thin_log(h.steps.iter().map(|r| r.step), self.steps, points);
        let series =
            |m: fn(&StepRecord) -> f64| kept.iter().map(|&i| (h.steps[i].step as f64, m(&h.steps[i]))).collect();
        self.previous = Some(Previous {
            label,
            train_acc: series(|r| r.train_acc),
            test_acc: series(|r| r.test_acc),
            train_loss: series(|r| r.train_loss),
            test_loss: series(|r| r.test_loss),
        });
        self
    }

    /// How many runs the accuracy chart shows.
    pub fn seeds(&self) -> usize {
        1 + self.seed_runs.len()
    }

    pub fn step_max(&self) -> f64 {
        self.steps as f64
    }

    /// Both losses' range with a margin, for a log axis (positive).
    pub fn loss_range(&self) -> std::ops::Range<f64> {
        let before = self.previous.iter().flat_map(|p| p.train_loss.iter().chain(&p.test_loss));
        let all = self
            .train_loss
            .iter()
            .chain(&self.test_loss)
            .chain(before)
            .map(|p| p.1)
            .filter(|&l| l > 0.0 && l.is_finite());
        let (lo, hi) = all.fold((f64::INFINITY, 0f64), |(lo, hi), l| (lo.min(l), hi.max(l)));
        if hi > 0.0 {
            // Finite at both ends, even for a loss near f64's largest value.
            (lo.max(1e-9) * 0.7)..(hi * 1.4).min(f64::MAX)
        } else {
            1e-3..10.0
        }
    }

    /// What the measure charts say before their first point.
    pub fn measures_note(&self) -> String {
        match self.every {
            0 => "progress measures are off (every = 0)".into(),
            n => format!("one point every {n} steps"),
        }
    }

    /// The phase at the cursor, else the latest: the one the keys mark.
    pub fn phase_now(&self) -> Option<Phase> {
        let at_cursor = self.cursor.and_then(|c| phases::phase_at(&self.phases, c));
        at_cursor.or(self.phases.last().map(|b| b.phase))
    }

    pub fn size_max(&self) -> f64 {
        self.size.iter().map(|p| p.1).fold(1.0, f64::max) * 1.1
    }
}

/// The weight measures of the last checkpoint at or before `cursor` that
/// has them (the latest without a cursor), with its step.
fn mechanism_at(h: &History, cursor: Option<u32>) -> Option<(u32, WeightMeasures)> {
    let upto = cursor.unwrap_or(u32::MAX);
    (0..h.checkpoints.len())
        .rev()
        .filter(|&i| h.checkpoints[i].step <= upto)
        .find_map(|i| Some((h.checkpoints[i].step, h.weights_at(i)?.clone())))
}

/// (step, min, max) of `m` over the primary run and `others` at the kept
/// steps (records are one per step, so index `i` is the same step in each).
fn band(h: &History, others: &[&History], kept: &[usize], m: fn(&StepRecord) -> f64) -> Vec<(f64, f64, f64)> {
    if others.is_empty() {
        return Vec::new();
    }
    kept.iter()
        .map(|&i| {
            let r = &h.steps[i];
            let vals = std::iter::once(m(r)).chain(others.iter().filter_map(|o| o.steps.get(i)).map(m));
            let (lo, hi) = vals.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
            (r.step as f64, lo, hi)
        })
        .collect()
}

/// The CSV's columns after the step's own: the O-information measures,
/// then the weight measures (key frequencies space-separated; the spectra
/// are in the JSON only).
const CSV_MEASURES: [&str; 14] = [
    "synergy",
    "redundancy",
    "synergy_size",
    "redundancy_size",
    "weight_norm",
    "weight_norm_w1",
    "weight_norm_w2",
    "key_frequencies",
    "key_fraction",
    "gini",
    "key_fraction_out",
    "gini_out",
    "restricted_loss",
    "excluded_loss",
];

/// The run as a table: one row per step, the progress measures on the steps
/// that have a checkpoint (empty cells elsewhere, and where a checkpoint
/// has no weight measures).
pub fn csv(h: &History) -> String {
    let mut out = format!("step,train_loss,train_acc,test_loss,test_acc,{}\n", CSV_MEASURES.join(","));
    let empty = ",".repeat(CSV_MEASURES.len());
    let mut i = 0;
    for r in &h.steps {
        out += &format!("{},{},{},{},{}", r.step, r.train_loss, r.train_acc, r.test_loss, r.test_acc);
        while h.checkpoints.get(i).is_some_and(|c| c.step < r.step) {
            i += 1;
        }
        match h.checkpoints.get(i) {
            Some(c) if c.step == r.step => {
                out += &format!(",{},{},{},{}", c.synergy, c.redundancy, c.synergy_size, c.redundancy_size);
                match h.weights_at(i) {
                    Some(w) => {
                        let keys: Vec<String> = w.fourier.key_frequencies.iter().map(u32::to_string).collect();
                        let n = &w.weight_norm;
                        out += &format!(
                            ",{},{},{},{},{},{},{},{},{},{}\n",
                            n.total,
                            n.w1,
                            n.w2,
                            keys.join(" "),
                            w.fourier.key_fraction,
                            w.fourier.gini,
                            w.fourier_out.key_fraction,
                            w.fourier_out.gini,
                            w.restricted_loss,
                            w.excluded_loss
                        )
                    }
                    None => out += &format!("{}\n", &empty[4..]),
                }
            }
            _ => out += &format!("{empty}\n"),
        }
    }
    out
}
