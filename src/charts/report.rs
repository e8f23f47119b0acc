//! Charts of `grokscope reproduce` and `grokscope subnetwork`, for any
//! plotters backend (the report writes SVG): several runs on one log step
//! axis, each as a mean line with a shaded spread (min to max over seeds),
//! optional phase bands behind the curves and vertical marks.

use crate::charts::{log_ticks, step_colour};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::collections::BTreeMap;
use std::ops::Range;

pub type Result<T, DB> = std::result::Result<T, DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// Okabe and Ito's colour-blind-safe palette (yellow darkened for white paper).
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 0, 0),
    RGBColor(170, 150, 0),
];

/// A curve: its mean and, when several seeds went into it, their spread.
#[derive(Clone, Debug, Default)]
pub struct Series {
    pub label: String,
    pub color: RGBColor,
    pub mean: Vec<(f64, f64)>,
    /// Lower and upper edge of the spread (empty: no band).
    pub lo: Vec<(f64, f64)>,
    pub hi: Vec<(f64, f64)>,
    /// Drawn thinner (a secondary curve, such as train accuracy or loss).
    pub thin: bool,
}

impl Series {
    /// Mean and min-max spread of several runs' (step, value) curves, step
    /// by step over the runs that reached that step; at most about `points`
    /// points, spread evenly on the log step axis.
    pub fn of_runs(label: impl Into<String>, color: RGBColor, runs: &[Vec<(u32, f64)>], points: usize) -> Series {
        let mut at: BTreeMap<u32, Vec<f64>> = BTreeMap::new();
        for r in runs {
            for &(s, v) in r {
                if v.is_finite() {
                    at.entry(s).or_default().push(v);
                }
            }
        }
        let max = at.keys().last().copied().unwrap_or(2).max(2);
        let keep = thin_log(at.keys().copied(), max, points);
        let mut s = Series { label: label.into(), color, ..Series::default() };
        for (i, (&step, vals)) in at.iter().enumerate() {
            if !keep.contains(&i) {
                continue;
            }
            let x = step as f64;
            let mean = vals.iter().sum::<f64>() / vals.len() as f64;
            s.mean.push((x, mean));
            if runs.len() > 1 {
                s.lo.push((x, vals.iter().copied().fold(f64::INFINITY, f64::min)));
                s.hi.push((x, vals.iter().copied().fold(f64::NEG_INFINITY, f64::max)));
            }
        }
        s
    }

    pub fn thin(mut self) -> Series {
        self.thin = true;
        self
    }
}

/// Indices of the items to keep: the first in each of `points` equal bins
/// of ln(step), and always the last.
pub fn thin_log(steps: impl Iterator<Item = u32>, max: u32, points: usize) -> std::collections::BTreeSet<usize> {
    let scale = points as f64 / (max.max(2) as f64).ln();
    let mut kept = std::collections::BTreeSet::new();
    let (mut last_bin, mut n) = (None, 0);
    for (i, s) in steps.enumerate() {
        let bin = ((s.max(1) as f64).ln() * scale) as i64;
        if last_bin != Some(bin) {
            kept.insert(i);
            last_bin = Some(bin);
        }
        n = i + 1;
    }
    if n > 0 {
        kept.insert(n - 1);
    }
    kept
}

/// A shaded interval of steps behind the curves (a phase band).
#[derive(Clone, Debug)]
pub struct Shade {
    pub from: f64,
    pub to: f64,
    pub color: RGBColor,
    pub label: String,
}

/// One chart against the log step axis.
pub struct StepPlot<'a> {
    pub title: &'a str,
    pub y_desc: &'a str,
    pub y: Range<f64>,
    pub step_max: f64,
    pub series: &'a [Series],
    pub shades: &'a [Shade],
    /// Vertical lines at steps, with a legend label.
    pub marks: &'a [(f64, String)],
}

const GREY: RGBColor = RGBColor(110, 110, 110);

/// Draws `plot` on `area`.
pub fn step_plot<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, plot: &StepPlot) -> Result<(), DB> {
    area.fill(&WHITE)?;
    let px = 15;
    let step_max = plot.step_max.max(2.0);
    let mut chart = ChartBuilder::on(area)
        .caption(plot.title, ("sans-serif", px + 2))
        .margin(8)
        .margin_right(24)
        .x_label_area_size(40)
        .y_label_area_size(52)
        .build_cartesian_2d((1f64..step_max).log_scale().with_key_points(log_ticks(1.0, step_max)), plot.y.clone())?;
    chart
        .configure_mesh()
        .x_desc("step")
        .y_desc(plot.y_desc)
        .x_label_formatter(&|v| format!("{}", (*v * 1e4).round() / 1e4))
        .label_style(("sans-serif", px - 2))
        .axis_desc_style(("sans-serif", px - 2))
        .y_labels(6)
        .light_line_style(WHITE)
        .draw()?;
    let (y0, y1) = (plot.y.start, plot.y.end);
    for s in plot.shades {
        let (a, b) = (s.from.max(1.0), s.to.max(1.0).min(step_max));
        chart.draw_series(std::iter::once(Rectangle::new([(a, y0), (b, y1)], s.color.mix(0.35).filled())))?;
        chart.draw_series(std::iter::once(Text::new(
            s.label.clone(),
            ((a * b).sqrt().max(a), y1 - (y1 - y0) * 0.04),
            ("sans-serif", 11).into_font().color(&GREY).pos(plotters::style::text_anchor::Pos::new(
                plotters::style::text_anchor::HPos::Center,
                plotters::style::text_anchor::VPos::Top,
            )),
        )))?;
    }
    for s in plot.series {
        if !s.lo.is_empty() && s.lo.len() == s.hi.len() {
            let poly: Vec<(f64, f64)> = s.lo.iter().copied().chain(s.hi.iter().rev().copied()).collect();
            chart.draw_series(std::iter::once(Polygon::new(poly, s.color.mix(0.18).filled())))?;
        }
    }
    for s in plot.series {
        let style = s.color.stroke_width(if s.thin { 1 } else { 2 });
        chart
            .draw_series(LineSeries::new(s.mean.iter().copied(), style))?
            .label(s.label.clone())
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 16, y)], style));
    }
    for (i, (step, label)) in plot.marks.iter().enumerate() {
        let style = PALETTE[(i + 6) % PALETTE.len()].mix(0.7).stroke_width(1);
        chart
            .draw_series(std::iter::once(PathElement::new([(*step, y0), (*step, y1)], style)))?
            .label(label.clone())
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 16, y)], style));
    }
    if !plot.series.is_empty() || !plot.marks.is_empty() {
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .label_font(("sans-serif", px - 3))
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(200, 200, 200))
            .draw()?;
    }
    Ok(())
}

/// A run in a Pareto plot: its label, colour and (redundancy, synergy, step) dots.
pub type Trail = (String, RGBColor, Vec<(f64, f64, u32)>);

/// Normalised synergy (y) against normalised redundancy (x) for several
/// runs, each a trail of dots darker as training goes on, in its colour's hue.
pub fn pareto_plot<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    runs: &[Trail],
    step_max: f64,
) -> Result<(), DB> {
    area.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 17))
        .margin(8)
        .margin_right(24)
        .x_label_area_size(40)
        .y_label_area_size(52)
        .build_cartesian_2d(-0.02f64..1.02, -0.02f64..1.02)?;
    chart
        .configure_mesh()
        .x_desc("redundancy (normalised)")
        .y_desc("synergy (normalised)")
        .label_style(("sans-serif", 13))
        .axis_desc_style(("sans-serif", 13))
        .light_line_style(WHITE)
        .draw()?;
    for (label, color, pts) in runs {
        let c = *color;
        chart
            .draw_series(pts.iter().map(|&(x, y, step)| {
                let shade = step_colour(step, step_max);
                // Darker with time: blend the run's colour with the step shade.
                let mix = |a: u8, b: u8| ((a as u16 + b as u16) / 2) as u8;
                Circle::new((x, y), 3, RGBColor(mix(c.0, shade.0), mix(c.1, shade.1), mix(c.2, shade.2)).filled())
            }))?
            .label(label.clone())
            .legend(move |(x, y)| Circle::new((x + 8, y), 4, c.filled()));
    }
    if !runs.is_empty() {
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .label_font(("sans-serif", 12))
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(200, 200, 200))
            .draw()?;
    }
    Ok(())
}

/// Light fills for the phase bands, in `phases::Phase::ALL` order.
pub const PHASE_COLOURS: [RGBColor; 6] = [
    RGBColor(220, 220, 220),
    RGBColor(250, 200, 225),
    RGBColor(255, 225, 170),
    RGBColor(250, 170, 200),
    RGBColor(180, 225, 205),
    RGBColor(190, 215, 240),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_over_runs() {
        let runs = vec![vec![(1, 1.0), (2, 3.0)], vec![(1, 3.0), (2, 5.0), (3, 7.0)]];
        let s = Series::of_runs("x", PALETTE[0], &runs, 100);
        assert_eq!(s.mean, vec![(1.0, 2.0), (2.0, 4.0), (3.0, 7.0)]);
        assert_eq!(s.lo, vec![(1.0, 1.0), (2.0, 3.0), (3.0, 7.0)]);
        assert_eq!(s.hi, vec![(1.0, 3.0), (2.0, 5.0), (3.0, 7.0)]);
        let one = Series::of_runs("x", PALETTE[0], &runs[..1], 100);
        assert!(one.lo.is_empty());
    }

    #[test]
    fn thinning_keeps_the_ends() {
        let k = thin_log(1..=4000u32, 4000, 50);
        assert!(k.contains(&0) && k.contains(&3999) && k.len() <= 52);
    }
}
