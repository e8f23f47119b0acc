//! Which measure announces grokking first: for every run, the step at which
//! each measure's rule fires, its lead over the step to test accuracy 95 %,
//! and over all runs which measure leads. The rules (also in
//! `docs/METHOD.md`) were fixed before any run was looked at:
//!
//! - **synergy peak**: the section-6 prediction over the whole run
//!   (`run::predict::predict_early` at fraction 1 with the default rule);
//!   when it predicts grokking, the step of the synergy peak it found
//!   (`peak_step`). The step at which the rule fired is listed beside it.
//! - **excluded loss rises**: walking the checkpoints in order, the first
//!   whose excluded loss is at least [`RISE_FACTOR`] times the lowest so far
//!   and at least [`RISE_NATS`] above it; the rise starts at that lowest
//!   checkpoint, whose step is announced (Nanda et al.: the excluded loss
//!   falls while the network memorises, then rises as the Fourier circuit
//!   takes over).
//! - **weight norm falls fastest**: the total weight norm at the checkpoints
//!   thinned to at most [`GRID`] points evenly spaced in ln(step) (the axis
//!   every chart draws); between consecutive points, the slope of
//!   ln(norm) per e-fold of steps; the end of the most negative segment, if
//!   its slope is below -[`MIN_FALL`] (a constrained norm never falls).
//! - **Fourier sparsity crosses half its final value**: the first checkpoint
//!   whose embedding Gini coefficient reaches half the last checkpoint's,
//!   if the first checkpoint's was below that (a crossing, not a start above).
//!
//! Why these: each is the event the measure's own literature reads as the
//! circuit forming (Nanda et al. 2023: excluded loss, Gini; Liu et al. 2022,
//! Omnigrok: the weight norm; the paper's section 6: the synergy peak), taken
//! on the raw values (no moving average, which would delay every step), with
//! thresholds against noise rather than tuned to any run.

use crate::charts::axis::thin_log;
use crate::claims::fmt_step;
use crate::claims::Run;
use crate::run::history::{History, WeightMeasures};
use crate::run::predict::{self, Rule};
use std::fmt::Write as _;

/// The excluded loss has risen once it is this many times its lowest so far...
pub const RISE_FACTOR: f64 = 2.0;
/// ... and this many nats above it (a doubling of a loss near 0 is noise).
pub const RISE_NATS: f64 = 0.1;
/// Points of the log-step grid on which the weight norm's slope is taken.
pub const GRID: usize = 64;
/// The slowest fall of ln(weight norm) per e-fold of steps that counts.
pub const MIN_FALL: f64 = 0.01;

/// The measures compared, in the report's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Measure {
    SynergyPeak,
    ExcludedRise,
    WeightNormFall,
    SparsityHalf,
}

impl Measure {
    pub const ALL: [Measure; 4] =
        [Measure::SynergyPeak, Measure::ExcludedRise, Measure::WeightNormFall, Measure::SparsityHalf];

    pub fn name(self) -> &'static str {
        match self {
            Measure::SynergyPeak => "synergy peak",
            Measure::ExcludedRise => "excluded loss rises",
            Measure::WeightNormFall => "weight norm falls fastest",
            Measure::SparsityHalf => "Fourier sparsity at half its final value",
        }
    }

    /// The step at which this measure announces grokking in `h` (None: never,
    /// or the run has no such measure).
    pub fn announced(self, h: &History) -> Option<u32> {
        match self {
            Measure::SynergyPeak => {
                let p = predict::predict_early(h, 1.0, &Rule::default());
                p.groks.then_some(p.peak_step).flatten()
            }
            Measure::ExcludedRise => excluded_rise(&weight_series(h, |w| w.excluded_loss)),
            Measure::WeightNormFall => fastest_fall(&weight_series(h, |w| w.weight_norm.total)),
            Measure::SparsityHalf => half_crossing(&weight_series(h, |w| w.fourier.gini)),
        }
    }
}

/// (step, value) of a weight measure at every checkpoint that has it.
fn weight_series(h: &History, f: fn(&WeightMeasures) -> f64) -> Vec<(u32, f64)> {
    (0..h.checkpoints.len()).filter_map(|i| Some((h.checkpoints[i].step, f(h.weights_at(i)?)))).collect()
}

/// The step where the excluded loss starts its first rise (see the module
/// documentation).
pub fn excluded_rise(loss: &[(u32, f64)]) -> Option<u32> {
    let mut lowest = *loss.first()?;
    for &(step, l) in loss {
        if l < lowest.1 {
            lowest = (step, l);
        } else if l >= RISE_FACTOR * lowest.1 && l - lowest.1 >= RISE_NATS {
            return Some(lowest.0);
        }
    }
    None
}

/// The end of the steepest fall of ln(norm) per e-fold of steps on the
/// thinned log grid (see the module documentation).
pub fn fastest_fall(norm: &[(u32, f64)]) -> Option<u32> {
    let grid = thin_log(norm.iter().map(|p| p.0), norm.last()?.0, GRID);
    let at = |i: usize| ((norm[i].0.max(1) as f64).ln(), norm[i].1.ln());
    let mut steepest: Option<(f64, u32)> = None;
    for w in grid.windows(2) {
        let ((t0, y0), (t1, y1)) = (at(w[0]), at(w[1]));
        let slope = (y1 - y0) / (t1 - t0);
        if slope < -MIN_FALL && steepest.is_none_or(|(s, _)| slope < s) {
            steepest = Some((slope, norm[w[1]].0));
        }
    }
    steepest.map(|(_, step)| step)
}

/// The first step whose value reaches half the last one, when the first
/// value was below it.
pub fn half_crossing(x: &[(u32, f64)]) -> Option<u32> {
    let half = x.last()?.1 / 2.0;
    if x[0].1 >= half {
        return None;
    }
    x.iter().find(|p| p.1 >= half).map(|p| p.0)
}

/// One run's announcements, in [`Measure::ALL`]'s order.
fn announcements(h: &History) -> Vec<Option<u32>> {
    Measure::ALL.iter().map(|m| m.announced(h)).collect()
}

/// "+40" (before grokking) or "-12" (after), from an announcement and the grokking step.
fn lead_text(at: Option<u32>, grokked: Option<u32>) -> String {
    match (at, grokked) {
        (Some(a), Some(g)) => format!("{:+}", g as i64 - a as i64),
        _ => "-".into(),
    }
}

fn median(mut v: Vec<i64>) -> f64 {
    v.sort_unstable();
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2] as f64
    } else {
        (v[n / 2 - 1] + v[n / 2]) as f64 / 2.0
    }
}

/// The report's section: a row per run, then which measure leads over every
/// run that grokked.
pub fn section(runs: &[Run]) -> String {
    let mut w = String::new();
    writeln!(w, "\n## Which measure announces grokking first\n").unwrap();
    writeln!(w, "Each measure's rule (`grokscope::report::leads`, `docs/METHOD.md`), fixed before the runs were looked at: the synergy peak of the section-6 prediction over the whole run; the excluded loss starting its first rise (the lowest checkpoint before it reaches {RISE_FACTOR}x that value and {RISE_NATS} nats more); the weight norm's fastest fall per e-fold of steps (on {GRID} log-spaced checkpoints); the embedding's Fourier Gini coefficient first reaching half its final value. Lead: steps from the announcement to test accuracy 95 % (positive: announced before grokking).\n").unwrap();
    let header: Vec<String> = Measure::ALL.iter().map(|m| format!("{} (lead)", m.name())).collect();
    writeln!(w, "| experiment | seed | grokked | {} | synergy rule fired at |", header.join(" | ")).unwrap();
    writeln!(w, "|---|---|---|{}---|", "---|".repeat(Measure::ALL.len())).unwrap();
    for run in runs {
        let cells: Vec<String> = announcements(&run.history)
            .iter()
            .map(|&at| format!("{} ({})", fmt_step(at), lead_text(at, run.grokked)))
            .collect();
        let fired = crate::run::told(&run.history).step;
        writeln!(
            w,
            "| {} | {} | {} | {} | {} |",
            run.preset,
            run.seed,
            fmt_step(run.grokked),
            cells.join(" | "),
            fmt_step(fired)
        )
        .unwrap();
    }
    w += &lead_table(runs);
    w
}

/// Over the runs that grokked: per measure, how often it announced, its
/// median lead and range, and in how many runs it was first (ties count
/// for each).
fn lead_table(runs: &[Run]) -> String {
    let grokked: Vec<(&Run, Vec<Option<u32>>)> =
        runs.iter().filter(|r| r.grokked.is_some()).map(|r| (r, announcements(&r.history))).collect();
    let mut w = String::new();
    writeln!(w, "\nOver the {} run(s) that grokked:\n", grokked.len()).unwrap();
    writeln!(w, "| measure | announced in | median lead (steps) | lead range | first in |\n|---|---|---|---|---|")
        .unwrap();
    for (m, measure) in Measure::ALL.iter().enumerate() {
        let leads: Vec<i64> = grokked.iter().filter_map(|(r, at)| Some(r.grokked? as i64 - at[m]? as i64)).collect();
        let first =
            grokked.iter().filter(|(_, at)| at[m].is_some_and(|s| at.iter().flatten().all(|&o| s <= o))).count();
        let (median, range) = match leads.is_empty() {
            true => ("-".to_string(), "-".to_string()),
            false => (
                format!("{:+}", median(leads.clone())),
                format!("{:+} to {:+}", leads.iter().min().unwrap(), leads.iter().max().unwrap()),
            ),
        };
        writeln!(w, "| {} | {}/{} | {median} | {range} | {first} |", measure.name(), leads.len(), grokked.len())
            .unwrap();
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(values: &[f64]) -> Vec<(u32, f64)> {
        values.iter().enumerate().map(|(i, &v)| (10 * (i as u32 + 1), v)).collect()
    }

    #[test]
    fn the_excluded_loss_rise_starts_at_its_lowest_point() {
        // Falls while memorising, a small wobble, then rises for good from step 60.
        let l = series(&[4.5, 1.0, 0.05, 0.04, 0.06, 0.03, 0.2, 1.5, 3.0]);
        assert_eq!(excluded_rise(&l), Some(60));
        // A doubling near zero is not a rise: 0.01 -> 0.03 is only 0.02 nats.
        assert_eq!(excluded_rise(&series(&[4.0, 0.01, 0.03, 0.02])), None);
        assert_eq!(excluded_rise(&[]), None);
    }

    #[test]
    fn the_weight_norm_falls_fastest_where_its_log_drops_most_per_e_fold() {
        // Flat, then halves between steps 300 and 400, then flat.
        let n: Vec<(u32, f64)> = (1..=100)
            .map(|i| {
                (
                    10 * i,
                    if i <= 30 {
                        40.0
                    } else if i < 40 {
                        40.0 - 2.0 * (i - 30) as f64
                    } else {
                        20.0
                    },
                )
            })
            .collect();
        let at = fastest_fall(&n).unwrap();
        assert!((310..=400).contains(&at), "{at}");
        // A constant norm (alpha runs) never falls.
        assert_eq!(fastest_fall(&series(&[5.0; 20])), None);
    }

    #[test]
    fn sparsity_crosses_half_its_final_value_once_from_below() {
        assert_eq!(half_crossing(&series(&[0.05, 0.1, 0.3, 0.41, 0.7, 0.8])), Some(40));
        // Already above half at the start: no crossing.
        assert_eq!(half_crossing(&series(&[0.2, 0.2, 0.25])), None);
    }
}
