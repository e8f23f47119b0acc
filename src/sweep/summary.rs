//! What a sweep's table and heatmaps show of each cell: per run, the steps
//! to memorise and to grok, the final test accuracy, the synergy peak's
//! step and the regime (`run::regime`); per cell, their medians over the
//! seeds and the regime the rule gives for the median steps.

use crate::run::history::History;
use crate::run::regime::Regime;

/// What is read off one run.
#[derive(Clone, Debug, PartialEq)]
pub struct RunSummary {
    pub memorised: Option<u32>,
    pub grokked: Option<u32>,
    pub final_test_acc: f64,
    /// The most synergistic checkpoint (lowest O-information, the first
    /// of equals; None: no measures). Unsmoothed: the paper's moving
    /// average would move the peak later.
    pub synergy_peak: Option<u32>,
    pub regime: Regime,
}

impl RunSummary {
    pub fn of(h: &History) -> RunSummary {
        let peak = h.checkpoints.iter().filter(|c| c.synergy.is_finite()).fold(
            None::<&crate::run::history::Measures>,
            |best, c| match best {
                Some(b) if b.synergy <= c.synergy => best,
                _ => Some(c),
            },
        );
        RunSummary {
            memorised: h.memorised_at(),
            grokked: h.grokked_at(),
            final_test_acc: h.final_test_acc(),
            synergy_peak: peak.map(|c| c.step),
            regime: Regime::of(h),
        }
    }
}

/// A cell's medians over its seeds; a step that a run never reached counts
/// as later than every step (so "never" when most runs never got there).
#[derive(Clone, Debug, PartialEq)]
pub struct CellSummary {
    pub runs: Vec<RunSummary>,
    pub memorised: Option<f64>,
    pub grokked: Option<f64>,
    pub final_test_acc: f64,
    pub synergy_peak: Option<f64>,
    /// The rule applied to the median steps.
    pub regime: Regime,
}

impl CellSummary {
    pub fn of(runs: Vec<RunSummary>) -> CellSummary {
        let steps = |f: fn(&RunSummary) -> Option<u32>| median_step(&runs.iter().map(f).collect::<Vec<_>>());
        let (memorised, grokked) = (steps(|r| r.memorised), steps(|r| r.grokked));
        CellSummary {
            memorised,
            grokked,
            final_test_acc: median(runs.iter().map(|r| r.final_test_acc).collect()),
            synergy_peak: steps(|r| r.synergy_peak),
            regime: Regime::of_steps(memorised, grokked),
            runs,
        }
    }
}

/// The median (of an even count, the mean of the middle two) of values
/// with None above all; None when a middle value is.
pub fn median_step(steps: &[Option<u32>]) -> Option<f64> {
    Some(median(steps.iter().map(|s| s.map_or(f64::INFINITY, f64::from)).collect())).filter(|m| m.is_finite())
}

fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    match n % 2 {
        1 => v[n / 2],
        _ => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::RunConfig;
    use crate::engine::StepRecord;
    use crate::run::history::Measures;

    fn run(memorised: Option<u32>, grokked: Option<u32>, acc: f64) -> RunSummary {
        let regime = Regime::of_steps(memorised.map(f64::from), grokked.map(f64::from));
        RunSummary { memorised, grokked, final_test_acc: acc, synergy_peak: None, regime }
    }

    #[test]
    fn medians_count_never_as_latest() {
        assert_eq!(median_step(&[Some(10), None, Some(30)]), Some(30.0));
        assert_eq!(median_step(&[Some(10), None, None]), None);
        assert_eq!(median_step(&[Some(10), Some(20)]), Some(15.0));
        assert_eq!(median_step(&[Some(10), None]), None);
        assert_eq!(median_step(&[]), None);
    }

    #[test]
    fn a_cell_takes_the_regime_of_its_median_steps() {
        // Two seeds grok late, one never: the medians memorise at 20 and grok at 900.
        let c = CellSummary::of(vec![
            run(Some(20), Some(900), 0.99),
            run(Some(20), None, 0.5),
            run(Some(25), Some(700), 0.2),
        ]);
        assert_eq!((c.memorised, c.grokked, c.regime), (Some(20.0), Some(900.0), Regime::Grokking));
        assert_eq!(c.final_test_acc, 0.5);
        let c = CellSummary::of(vec![run(Some(20), None, 0.1), run(Some(22), Some(60), 0.99)]);
        assert_eq!((c.memorised, c.grokked, c.regime), (Some(21.0), None, Regime::Memorisation));
        assert!((c.final_test_acc - 0.545).abs() < 1e-12);
    }

    #[test]
    fn a_run_is_read_off_its_history() {
        let mut h = History::new(&RunConfig { steps: 6, every: 2, ..RunConfig::default() }, "cpu");
        let rec = |step, train_acc, test_acc| StepRecord { step, train_loss: 1.0, train_acc, test_loss: 1.0, test_acc };
        h.push(&[
            rec(1, 0.5, 0.0),
            rec(2, 1.0, 0.1),
            rec(3, 1.0, 0.2),
            rec(4, 1.0, 0.5),
            rec(5, 1.0, 0.96),
            rec(6, 1.0, 0.97),
        ]);
        // The most synergistic checkpoint (lowest O-information) is step 4.
        h.checkpoints = vec![Measures::example(2, -0.5), Measures::example(4, -3.0), Measures::example(6, -1.0)];
        let r = RunSummary::of(&h);
        assert_eq!((r.memorised, r.grokked, r.synergy_peak, r.final_test_acc), (Some(2), Some(5), Some(4), 0.97));
        assert_eq!(r.regime, Regime::Comprehension);
        h.checkpoints.clear();
        assert_eq!(RunSummary::of(&h).synergy_peak, None);
    }
}
