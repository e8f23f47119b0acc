//! The report's figures beyond the page's charts (`grokscope reproduce`):
//! several runs on the one log step axis, each as a mean with its min-max
//! spread over seeds, and an experiment's measures over its phase bands.

use super::axis::{thin_log, StepAt};
use super::plot::{Curve, Result, StepPlot};
use crate::run::phases::PhaseBand;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::collections::BTreeMap;
use std::ops::Range;

/// What the report's bands show.
const SPREAD: &str = "min-max over seeds";

/// Mean and min-max spread of several runs' (step, value) curves, step by
/// step over the runs that reached that step (no spread from one run); at
/// most about `points` points, thinned along the log step axis.
pub fn of_runs(label: impl Into<String>, color: RGBColor, runs: &[Vec<(u32, f64)>], points: usize) -> Curve {
    let mut at: BTreeMap<u32, Vec<f64>> = BTreeMap::new();
    for r in runs {
        for &(s, v) in r {
            if v.is_finite() {
                at.entry(s).or_default().push(v);
            }
        }
    }
    let at: Vec<(u32, Vec<f64>)> = at.into_iter().collect();
    let max = at.last().map_or(2, |a| a.0);
    let mut c = Curve::new(label, color, Vec::new());
    for i in thin_log(at.iter().map(|a| a.0), max, points) {
        let (x, vals) = (at[i].0 as f64, &at[i].1);
        c.points.push((x, vals.iter().sum::<f64>() / vals.len() as f64));
        if runs.len() > 1 {
            let lo = vals.iter().copied().fold(f64::INFINITY, f64::min);
            c.band.push((x, lo, vals.iter().copied().fold(f64::NEG_INFINITY, f64::max)));
        }
    }
    c
}

/// The values' range over `curves` (means and spreads), from zero or below
/// to a tenth above the top.
pub fn span(curves: &[Curve]) -> Range<f64> {
    let values = curves.iter().flat_map(|c| c.points.iter().map(|p| p.1).chain(c.band.iter().flat_map(|b| [b.1, b.2])));
    let (lo, hi) = values.fold((0f64, 0.01f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    lo..hi * 1.1
}

/// Runs of a sweep, one curve each; returns where the plot is (`StepAt`).
pub fn sweep_chart<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    (title, y_desc): (&str, &str),
    step_max: f64,
    curves: Vec<Curve>,
    y: Range<f64>,
) -> Result<StepAt, DB> {
    let plot =
        StepPlot { y_desc: Some(y_desc), band_label: Some(SPREAD.into()), ..StepPlot::new(title, step_max, curves) };
    plot.draw(area, y)
}

/// An experiment's normalised curves over the phases of one of its runs,
/// which the key names; returns where the plot is (`StepAt`).
pub fn measures_chart<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    step_max: f64,
    curves: Vec<Curve>,
    phases: &[PhaseBand],
) -> Result<StepAt, DB> {
    let plot = StepPlot {
        y_desc: Some("normalised"),
        band_label: Some(SPREAD.into()),
        phases,
        key_phases: true,
        ..StepPlot::new(title, step_max, curves)
    };
    plot.draw(area, 0f64..1.1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::PALETTE;

    #[test]
    fn spread_over_runs() {
        let runs = vec![vec![(1, 1.0), (2, 3.0)], vec![(1, 3.0), (2, 5.0), (3, 7.0)]];
        let c = of_runs("x", PALETTE[0], &runs, 100);
        assert_eq!(c.points, vec![(1.0, 2.0), (2.0, 4.0), (3.0, 7.0)]);
        assert_eq!(c.band, vec![(1.0, 1.0, 3.0), (2.0, 3.0, 5.0), (3.0, 7.0, 7.0)]);
        assert!(of_runs("x", PALETTE[0], &runs[..1], 100).band.is_empty());
        assert_eq!(span(&[c]), 0.0..7.0 * 1.1);
    }
}
