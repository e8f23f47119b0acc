//! The page's charts, drawn with plotters on any `DrawingBackend`: a canvas
//! in the page (plotters-canvas), SVG in the tests. Every chart but the
//! Pareto plot shares one logarithmic step axis, and each returns the map
//! from a pixel back to a step, so the page can scrub through a run.

mod frame;
pub mod report;

pub use frame::{csv, Frame};

use crate::run::phases::Phase;
use plotters::coord::combinators::WithKeyPoints;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::coord::Shift;
use plotters::prelude::*;

pub type Result<T, DB> = std::result::Result<T, DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// Colours that stay apart for colour-blind readers (Okabe and Ito).
pub const TRAIN: RGBColor = RGBColor(0, 114, 178);
pub const TEST: RGBColor = RGBColor(213, 94, 0);
pub const SYNERGY: RGBColor = RGBColor(204, 121, 167);
pub const REDUNDANCY: RGBColor = RGBColor(0, 158, 115);
const MARK: RGBColor = RGBColor(90, 90, 90);

/// One curve of a chart.
pub struct Line<'a> {
    pub label: &'a str,
    pub color: RGBColor,
    pub points: &'a [(f64, f64)],
}

/// The charts in page order, so the page and the tests name them alike.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Chart {
    Accuracy,
    Loss,
    Synergy,
    Size,
    Pareto,
}

impl Chart {
    pub const ALL: [Chart; 5] = [Chart::Accuracy, Chart::Loss, Chart::Synergy, Chart::Size, Chart::Pareto];

    /// Also the id of its canvas (`chart-<name>`) and of its PNG.
    pub fn name(self) -> &'static str {
        match self {
            Chart::Accuracy => "accuracy",
            Chart::Loss => "loss",
            Chart::Synergy => "synergy",
            Chart::Size => "size",
            Chart::Pareto => "pareto",
        }
    }

    /// Draws this chart of `f` on `area`; returns the pixel -> step map
    /// (`None` for the Pareto plot, whose axes are not steps).
    pub fn draw<DB: DrawingBackend>(self, area: &DrawingArea<DB, Shift>, f: &Frame) -> Result<Option<StepAt>, DB> {
        area.fill(&WHITE)?;
        let line = |label, color, points| Line { label, color, points };
        let (title, lines) = match self {
            Chart::Accuracy => (
                "Accuracy (1 = every answer right)",
                vec![line("train", TRAIN, &f.train_acc), line("test", TEST, &f.test_acc)],
            ),
            Chart::Loss => (
                "Loss (cross-entropy, log scale)",
                vec![line("train", TRAIN, &f.train_loss), line("test", TEST, &f.test_loss)],
            ),
            Chart::Synergy => (
                "Synergy and redundancy (normalised)",
                vec![line("synergy", SYNERGY, &f.synergy), line("redundancy", REDUNDANCY, &f.redundancy)],
            ),
            Chart::Size => ("Synergistic sub-network (neurons)", vec![line("neurons", SYNERGY, &f.size)]),
            Chart::Pareto => return pareto(area, f).map(|_| None),
        };
        let measures_note = f.measures_note();
        let text = match self {
            Chart::Synergy => (title, measures_note.as_str(), true),
            Chart::Size => (title, measures_note.as_str(), false),
            _ => (title, "press Start", false),
        };
        let step_at = match self {
            Chart::Loss => {
                let r = f.loss_range();
                let ticks = log_ticks(r.start, r.end);
                step_chart(area, f, text, r.log_scale().with_key_points(ticks), &lines)?
            }
            Chart::Size => step_chart(area, f, text, 0f64..f.size_max(), &lines)?,
            Chart::Accuracy => {
                let seeds = Seeds { bands: [(TRAIN, &f.train_band), (TEST, &f.test_band)], runs: &f.seed_runs };
                step_chart_with(area, f, text, 0f64..1.02, &lines, Some(&seeds))?
            }
            _ => step_chart(area, f, text, 0f64..1.02, &lines)?,
        };
        Ok(Some(step_at))
    }
}

/// Maps a pixel of a chart's canvas to the step under it.
pub type StepAt = Box<dyn Fn((i32, i32)) -> Option<u32>>;

/// Text sizes in pixels: labels, then captions. Only these few, because the
/// page's CSP admits plotters' text-measuring style attributes by their
/// hashes (one per size, in index.html).
pub const FONT_PX: [u32; 3] = [13, 15, 17];

/// Label size: larger on a wide chart (a projector), smaller on a phone.
fn font_px<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>) -> u32 {
    if area.dim_in_pixel().0 >= 420 {
        FONT_PX[1]
    } else {
        FONT_PX[0]
    }
}

/// Other seeds' runs on the accuracy chart: a min-max band per colour and
/// each run's (train, test) curves.
struct Seeds<'a> {
    bands: [(RGBColor, &'a Vec<(f64, f64, f64)>); 2],
    runs: &'a [(Vec<(f64, f64)>, Vec<(f64, f64)>)],
}

/// `note`: what to say while every line is empty; `named`: whether to name
/// the phase bands.
fn step_chart<DB, Y>(
    area: &DrawingArea<DB, Shift>,
    f: &Frame,
    text: (&str, &str, bool),
    y: Y,
    lines: &[Line],
) -> Result<StepAt, DB>
where
    DB: DrawingBackend,
    Y: AsRangedCoord<Value = f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    step_chart_with(area, f, text, y, lines, None)
}

fn step_chart_with<DB, Y>(
    area: &DrawingArea<DB, Shift>,
    f: &Frame,
    (title, note, named): (&str, &str, bool),
    y: Y,
    lines: &[Line],
    seeds: Option<&Seeds>,
) -> Result<StepAt, DB>
where
    DB: DrawingBackend,
    Y: AsRangedCoord<Value = f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    let px = font_px(area);
    // The key goes in a strip below the plot, where it never hides a curve.
    let (plot, strip) = area.split_vertically(area.dim_in_pixel().1 as i32 - 2 * px as i32);
    let mut chart = ChartBuilder::on(&plot)
        .caption(title, ("sans-serif", px + 2))
        .margin(px / 2)
        .margin_right(px * 2)
        .x_label_area_size(px * 3)
        .y_label_area_size(px * 3)
        .build_cartesian_2d((1f64..f.step_max()).log_scale().with_key_points(log_ticks(1.0, f.step_max())), y)?;
    let (y_lo, y_hi) = {
        let r = chart.y_range();
        (r.start, r.end)
    };
    chart
        .configure_mesh()
        .x_desc("step")
        .x_label_formatter(&|v| tick_label(*v))
        .y_label_formatter(&|v| tick_label(*v))
        .label_style(("sans-serif", px))
        .axis_desc_style(("sans-serif", px))
        .y_labels(6)
        .light_line_style(WHITE)
        .draw()?;
    if lines.iter().all(|l| l.points.is_empty()) {
        chart.draw_series(std::iter::once(Text::new(
            note.to_string(),
            (f.step_max().powf(0.1), y_lo + (y_hi - y_lo) * 0.5),
            ("sans-serif", px).into_font().color(&MARK),
        )))?;
    }
    phase_bands(&mut chart, f, (y_lo, y_hi), named, px)?;
    let mut entries = Vec::new();
    if let Some(s) = seeds.filter(|s| !s.runs.is_empty()) {
        for (color, band) in s.bands {
            if band.len() >= 2 {
                let outline: Vec<(f64, f64)> =
                    band.iter().map(|p| (p.0, p.2)).chain(band.iter().rev().map(|p| (p.0, p.1))).collect();
                chart.draw_series(std::iter::once(Polygon::new(outline, color.mix(0.18).filled())))?;
            }
        }
        for (train, test) in s.runs {
            chart.draw_series(LineSeries::new(train.iter().copied(), TRAIN.mix(0.55).stroke_width(1)))?;
            chart.draw_series(LineSeries::new(test.iter().copied(), TEST.mix(0.55).stroke_width(1)))?;
        }
        entries.push((format!("{} seeds: min-max", s.runs.len() + 1), MARK.mix(0.35).stroke_width(6)));
    }
    for l in lines {
        let style = l.color.stroke_width(2);
        chart.draw_series(LineSeries::new(l.points.iter().copied(), style))?;
        entries.push((l.label.to_string(), style));
    }
    let vertical = |step: u32, style: ShapeStyle| PathElement::new([(step as f64, y_lo), (step as f64, y_hi)], style);
    if let Some(g) = f.grok_step {
        let style = TEST.mix(0.6).stroke_width(2);
        chart.draw_series(std::iter::once(vertical(g, style)))?;
        entries.push((format!("95 % test accuracy (step {g})"), style));
    }
    if let Some(c) = f.cursor {
        chart.draw_series(std::iter::once(vertical(c, MARK.stroke_width(1))))?;
    }
    key(&strip, px, &entries)?;
    // A log axis has no reverse translation in plotters, so invert it here:
    // ln(step) is linear in x across the plotting area.
    let (xs, ys) = chart.plotting_area().get_pixel_range();
    let ln_max = f.step_max().ln();
    Ok(Box::new(move |(x, y)| {
        let inside = xs.contains(&x) && ys.contains(&y);
        let t = (x - xs.start) as f64 / (xs.end - xs.start - 1).max(1) as f64;
        inside.then(|| (t * ln_max).exp().round() as u32)
    }))
}

/// The phases as tinted bands behind the curves; named on the chart of
/// the measures they are read from, where a band is wide enough.
fn phase_bands<DB: DrawingBackend, Y: Ranged<ValueType = f64>>(
    chart: &mut ChartContext<DB, Cartesian2d<WithKeyPoints<LogCoord<f64>>, Y>>,
    f: &Frame,
    (y_lo, y_hi): (f64, f64),
    named: bool,
    px: u32,
) -> Result<(), DB> {
    let font: TextStyle = ("sans-serif", px).into_font().color(&MARK).into();
    for b in &f.phases {
        let (from, to) = (b.from_step as f64, b.to_step.max(b.from_step + 1) as f64);
        chart.draw_series(std::iter::once(Rectangle::new([(from, y_lo), (to, y_hi)], phase_tint(b.phase).filled())))?;
        let width = chart.backend_coord(&(to, y_hi)).0 - chart.backend_coord(&(from, y_hi)).0;
        let text = chart.plotting_area().estimate_text_size(b.phase.name(), &font)?.0 as i32;
        if named && text + 4 < width {
            chart.draw_series(std::iter::once(Text::new(b.phase.name(), (from, y_hi), font.clone())))?;
        }
    }
    Ok(())
}

/// A light tint per phase, in the paper's order.
fn phase_tint(p: Phase) -> RGBColor {
    match p {
        Phase::FeatureLearning => RGBColor(234, 242, 250),
        Phase::Emergence => RGBColor(252, 233, 243),
        Phase::Divergence => RGBColor(254, 241, 226),
        Phase::DelayedEmergence => RGBColor(241, 233, 251),
        Phase::Decoupling => RGBColor(230, 246, 239),
        Phase::Finalising => RGBColor(241, 241, 241),
    }
}

/// One row of line samples and labels, from the left of the plot.
fn key<DB: DrawingBackend>(
    strip: &DrawingArea<DB, Shift>,
    px: u32,
    entries: &[(String, ShapeStyle)],
) -> Result<(), DB> {
    let font: TextStyle = ("sans-serif", px).into();
    let (px, y) = (px as i32, px as i32 / 2);
    let mut x = 3 * px;
    for (label, style) in entries {
        strip.draw(&PathElement::new([(x, y + px / 2), (x + 18, y + px / 2)], *style))?;
        strip.draw(&Text::new(label.clone(), (x + 22, y), font.clone()))?;
        x += 22 + strip.estimate_text_size(label, &font)?.0 as i32 + px;
    }
    Ok(())
}

/// The sub-network experiment in the page: test accuracy of each run (label,
/// colour, (step, accuracy)) on the log step axis up to `steps`, with a key.
pub fn subnetwork_chart<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    steps: u32,
    curves: &[(String, RGBColor, Vec<(f64, f64)>)],
) -> Result<(), DB> {
    area.fill(&WHITE)?;
    let blank = Frame::blank(steps);
    let lines: Vec<Line> = curves.iter().map(|(l, c, p)| Line { label: l, color: *c, points: p }).collect();
    step_chart(area, &blank, (title, "training", false), 0f64..1.02, &lines).map(|_| ())
}

/// Normalised synergy against normalised redundancy, one dot per checkpoint,
/// darker as training goes on; the scrubbed step is ringed.
fn pareto<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, f: &Frame) -> Result<(), DB> {
    let px = font_px(area);
    let mut chart = ChartBuilder::on(area)
        .caption("Synergy against redundancy (darker = later)", ("sans-serif", px + 2))
        .margin(px / 2)
        .margin_right(px * 2)
        .x_label_area_size(px * 3)
        .y_label_area_size(px * 3)
        .build_cartesian_2d(-0.02f64..1.02, -0.02f64..1.02)?;
    chart
        .configure_mesh()
        .x_desc("redundancy")
        .y_desc("synergy")
        .x_labels(6)
        .label_style(("sans-serif", px))
        .axis_desc_style(("sans-serif", px))
        .y_labels(6)
        .light_line_style(WHITE)
        .draw()?;
    if f.pareto.is_empty() {
        chart.draw_series(std::iter::once(Text::new(
            f.measures_note(),
            (0.05, 0.5),
            ("sans-serif", px).into_font().color(&MARK),
        )))?;
        return Ok(());
    }
    let r = (px / 3).max(3) as i32;
    chart.draw_series(
        f.pareto.iter().map(|&(x, y, step)| Circle::new((x, y), r, step_colour(step, f.step_max()).filled())),
    )?;
    if let Some(&(x, y, _)) = f.cursor.and_then(|c| f.pareto.iter().rev().find(|p| p.2 <= c)) {
        chart.draw_series(std::iter::once(Circle::new((x, y), r * 2, MARK.stroke_width(2))))?;
    }
    Ok(())
}

/// Ticks for a log axis: the sparsest of powers of ten, 1-3, 1-2-5 or every
/// digit that gives at least three ticks in the range (so labels never crowd).
pub fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let (a, b) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
    let ticks = |mantissas: &[f64]| -> Vec<f64> {
        (a..=b)
            .flat_map(|e| mantissas.iter().map(move |m| m * 10f64.powi(e)))
            .filter(|v| (lo..=hi).contains(v))
            .collect()
    };
    let sets: [&[f64]; 4] = [&[1.0], &[1.0, 3.0], &[1.0, 2.0, 5.0], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]];
    sets.iter().map(|m| ticks(m)).find(|t| t.len() >= 3).unwrap_or_else(|| ticks(sets[3]))
}

/// Short tick labels: 1000, 0.5, 1e-5.
fn tick_label(v: f64) -> String {
    if v != 0.0 && v.abs() < 1e-3 {
        format!("{v:.0e}")
    } else {
        format!("{}", (v * 1e4).round() / 1e4)
    }
}

/// Light to dark purple along the log step axis.
pub fn step_colour(step: u32, max: f64) -> RGBColor {
    let t = ((step.max(1) as f64).ln() / max.max(2.0).ln()).clamp(0.0, 1.0);
    let mix = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
    RGBColor(mix(230.0, 60.0), mix(200.0, 20.0), mix(240.0, 110.0))
}
