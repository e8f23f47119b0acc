//! The two kinds of chart every figure is: curves against the log step axis
//! (`StepPlot`) and synergy against redundancy (`pareto`), each with its key
//! in the strip below the plot.

use super::axis::{self, font_px, KeyEntry, StepAt, Swatch, MARK};
use crate::run::phases::{Phase, PhaseBand};
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::coord::Shift;
use plotters::prelude::*;

pub use axis::Result;

/// The key's swatch for a spread over seeds, which takes each curve's colour
/// in the plot: a neutral grey.
const SPREAD: RGBColor = RGBColor(200, 200, 200);

/// One curve against the step axis.
#[derive(Clone, Debug)]
pub struct Curve {
    /// Its key entry (empty: not keyed, as another seed's run).
    pub label: String,
    pub color: RGBColor,
    pub points: Vec<(f64, f64)>,
    /// (step, min, max) shaded behind every curve (empty: none).
    pub band: Vec<(f64, f64, f64)>,
    pub width: u32,
    pub opacity: f64,
    /// Dashed, in the curve and its key swatch: the second of a pair
    /// (test beside train, redundancy beside synergy) told apart without colour.
    pub dashed: bool,
}

impl Curve {
    pub fn new(label: impl Into<String>, color: RGBColor, points: Vec<(f64, f64)>) -> Curve {
        Curve { label: label.into(), color, points, band: Vec::new(), width: 2, opacity: 1.0, dashed: false }
    }

    /// A secondary curve (train beside test, a measure beside the main two).
    pub fn thin(self) -> Curve {
        Curve { width: 1, ..self }
    }

    /// One of several runs behind the main curves.
    pub fn faint(self) -> Curve {
        Curve { width: 1, opacity: 0.55, ..self }
    }

    pub fn dashed(self) -> Curve {
        Curve { dashed: true, ..self }
    }

    pub fn with_band(self, band: Vec<(f64, f64, f64)>) -> Curve {
        Curve { band, ..self }
    }

    fn style(&self) -> ShapeStyle {
        self.color.mix(self.opacity).stroke_width(self.width)
    }

    fn swatch(&self) -> Swatch {
        if self.dashed {
            Swatch::Dash(self.style())
        } else {
            Swatch::Line(self.style())
        }
    }
}

/// A vertical line at a step (the grokking step, the scrub cursor).
#[derive(Clone, Debug)]
pub struct Mark {
    pub step: u32,
    /// Its key entry (empty: not keyed).
    pub label: String,
    pub style: ShapeStyle,
}

/// Curves against the log step axis, over the phases' bands, with a key.
pub struct StepPlot<'a> {
    pub title: &'a str,
    pub y_desc: Option<&'a str>,
    /// Right end of the step axis.
    pub step_max: f64,
    pub curves: Vec<Curve>,
    /// The key's name for the curves' bands, if they have any.
    pub band_label: Option<String>,
    pub phases: &'a [PhaseBand],
    /// Whether the phases are keyed (every chart that draws them, bar the
    /// report's sweeps).
    pub key_phases: bool,
    /// The phase the key marks (the scrubbed step's or the last) and the
    /// word it adds (`axis::AT_CURSOR` or `axis::NOW`).
    pub phase_now: Option<(Phase, &'static str)>,
    pub marks: Vec<Mark>,
    /// Said in the plot while no curve has a point.
    pub note: &'a str,
}

impl<'a> StepPlot<'a> {
    pub fn new(title: &'a str, step_max: f64, curves: Vec<Curve>) -> StepPlot<'a> {
        StepPlot {
            title,
            y_desc: None,
            step_max,
            curves,
            band_label: None,
            phases: &[],
            key_phases: false,
            phase_now: None,
            marks: Vec::new(),
            note: "",
        }
    }

    fn key(&self) -> Vec<KeyEntry> {
        let mut key = Vec::new();
        if let Some(l) = self.band_label.as_ref().filter(|_| self.curves.iter().any(|c| c.band.len() >= 2)) {
            key.push(KeyEntry::new(l, Swatch::Fill(SPREAD)));
        }
        let curves = self.curves.iter().map(|c| (&c.label, c.swatch()));
        let marks = self.marks.iter().map(|m| (&m.label, Swatch::Line(m.style)));
        key.extend(curves.chain(marks).filter(|e| !e.0.is_empty()).map(|(l, s)| KeyEntry::new(l, s)));
        if self.key_phases {
            key.extend(axis::phase_key(self.phases, self.phase_now));
        }
        key
    }

    /// Draws the plot on `area` with `y` as its value axis; returns the
    /// pixel -> step map.
    pub fn draw<DB, Y>(&self, area: &DrawingArea<DB, Shift>, y: Y) -> Result<StepAt, DB>
    where
        DB: DrawingBackend,
        Y: AsRangedCoord<Value = f64>,
        Y::CoordDescType: ValueFormatter<f64>,
    {
        area.fill(&WHITE)?;
        let px = font_px(area);
        let plot = axis::key_strip(area, px, &self.key())?;
        let mut chart = axis::step_axes(&plot, px, (self.title, self.y_desc), self.step_max, y)?;
        let (y_lo, y_hi) = {
            let r = chart.y_range();
            (r.start, r.end)
        };
        axis::phase_bands(&mut chart, self.phases)?;
        for c in self.curves.iter().filter(|c| c.band.len() >= 2) {
            let outline = c.band.iter().map(|p| (p.0, p.2)).chain(c.band.iter().rev().map(|p| (p.0, p.1)));
            chart
                .draw_series(std::iter::once(Polygon::new(outline.collect::<Vec<_>>(), c.color.mix(0.18).filled())))?;
        }
        for c in &self.curves {
            if c.dashed {
                let (dash, gap) = axis::dash(px);
                chart.draw_series(DashedLineSeries::new(c.points.iter().copied(), dash, gap, c.style()))?;
            } else {
                chart.draw_series(LineSeries::new(c.points.iter().copied(), c.style()))?;
            }
        }
        for m in &self.marks {
            let x = m.step.max(1) as f64;
            chart.draw_series(std::iter::once(PathElement::new([(x, y_lo), (x, y_hi)], m.style)))?;
        }
        if self.curves.iter().all(|c| c.points.is_empty()) {
            chart.draw_series(std::iter::once(Text::new(
                self.note.to_string(),
                (self.step_max.powf(0.1), y_lo + (y_hi - y_lo) * 0.5),
                ("sans-serif", px).into_font().color(&MARK),
            )))?;
        }
        Ok(axis::step_at(&chart, self.step_max))
    }
}

/// A run in a Pareto plot: (normalised redundancy, normalised synergy,
/// step) per checkpoint.
pub struct Trail {
    /// Its key entry (empty: not keyed, the only run).
    pub label: String,
    /// The run's hue, blended into the step shade (`None`: the shade alone).
    pub color: Option<RGBColor>,
    pub dots: Vec<(f64, f64, u32)>,
}

/// Normalised synergy against normalised redundancy, a dot per checkpoint,
/// darker as training goes on; `ring`: a dot to circle (the scrubbed step).
pub fn pareto<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    (title, note): (&str, &str),
    trails: &[Trail],
    step_max: f64,
    ring: Option<(f64, f64)>,
) -> Result<(), DB> {
    area.fill(&WHITE)?;
    let px = font_px(area);
    let key: Vec<KeyEntry> = trails
        .iter()
        .filter(|t| !t.label.is_empty())
        .map(|t| KeyEntry::new(&t.label, Swatch::Dot(t.color.unwrap_or(MARK))))
        .collect();
    let plot = axis::key_strip(area, px, &key)?;
    let names = ("redundancy (normalised)", "synergy (normalised)");
    let mut chart = cartesian(&plot, px, title, names, -0.02f64..1.02, -0.02f64..1.02)?;
    if trails.iter().all(|t| t.dots.is_empty()) {
        let font = ("sans-serif", px).into_font().color(&MARK);
        chart.draw_series(std::iter::once(Text::new(note.to_string(), (0.05, 0.5), font)))?;
        return Ok(());
    }
    let r = (px / 3).max(3) as i32;
    for t in trails {
        chart.draw_series(t.dots.iter().map(|&(x, y, step)| {
            let shade = axis::step_colour(step, step_max);
            let c = t.color.map_or(shade, |c| {
                let mix = |a: u8, b: u8| ((a as u16 + b as u16) / 2) as u8;
                RGBColor(mix(c.0, shade.0), mix(c.1, shade.1), mix(c.2, shade.2))
            });
            Circle::new((x, y), r, c.filled())
        }))?;
    }
    if let Some(at) = ring {
        chart.draw_series(std::iter::once(Circle::new(at, r * 2, MARK.stroke_width(2))))?;
    }
    Ok(())
}

/// A linear chart on `plot` with its caption, named axes and ticks (the
/// Pareto plot and the bars alike).
fn cartesian<'a, DB: DrawingBackend>(
    plot: &'a DrawingArea<DB, Shift>,
    px: u32,
    title: &str,
    (x_desc, y_desc): (&str, &str),
    x: std::ops::Range<f64>,
    y: std::ops::Range<f64>,
) -> Result<
    ChartContext<'a, DB, Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>>,
    DB,
> {
    let mut chart = ChartBuilder::on(plot)
        .caption(title, ("sans-serif", px + 2))
        .margin(px / 2)
        .margin_right(px * 2)
        .x_label_area_size(px * 3)
        // Room for the rotated axis name beside the tick labels, as on the step axes.
        .y_label_area_size(px * 4)
        .build_cartesian_2d(x, y)?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_labels(6)
        .y_labels(6)
        .x_label_formatter(&|v| axis::tick_label(*v))
        .y_label_formatter(&|v| axis::tick_label(*v))
        .label_style(("sans-serif", px))
        .axis_desc_style(("sans-serif", px))
        .light_line_style(WHITE)
        .draw()?;
    Ok(chart)
}

/// Stacked bars over the frequencies 1..=m: per frequency, (share, part of
/// it held by the neurons tuned to it), the part dark over the light whole.
pub fn bars<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    (title, note): (&str, &str),
    (x_desc, y_desc): (&str, &str),
    bars: &[(f64, f64)],
) -> Result<(), DB> {
    area.fill(&WHITE)?;
    let px = font_px(area);
    // The whole bar a light tint (opaque, so its key swatch matches).
    let tint = |c: u8| (255.0 - 0.35 * (255.0 - c as f64)).round() as u8;
    let sky = axis::PALETTE[5];
    let (whole, part) = (RGBColor(tint(sky.0), tint(sky.1), tint(sky.2)), axis::PALETTE[0]);
    let key = [
        KeyEntry::new("all neurons", Swatch::Fill(whole)),
        KeyEntry::new("neurons tuned to that frequency", Swatch::Fill(part)),
    ];
    let plot = axis::key_strip(area, px, &key)?;
    let m = bars.len().max(1) as f64;
    let top = bars.iter().map(|b| b.0).fold(0.0, f64::max).max(1.0 / m) * 1.15;
    let mut chart = cartesian(&plot, px, title, (x_desc, y_desc), 0.5f64..m + 0.5, 0f64..top)?;
    let rect = |k: usize, h: f64| [(k as f64 + 0.6, 0.0), (k as f64 + 1.4, h)];
    chart.draw_series(bars.iter().enumerate().map(|(k, b)| Rectangle::new(rect(k, b.0), whole.filled())))?;
    chart.draw_series(bars.iter().enumerate().map(|(k, b)| Rectangle::new(rect(k, b.1.min(b.0)), part.filled())))?;
    if !note.is_empty() {
        let font = ("sans-serif", px).into_font().color(&MARK);
        chart.draw_series(std::iter::once(Text::new(note.to_string(), (1.0, top * 0.93), font)))?;
    }
    Ok(())
}

/// Points in the plane, each coloured by its index around the colour wheel
/// (value a of p), on equal axes centred at 0 with a faint circle of their
/// mean radius; a few values labelled so the order can be read. `note`: a
/// line said in the plot (why it is empty, or what it means here).
pub fn clock<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    note: Option<&str>,
    points: &[(f32, f32)],
) -> Result<(), DB> {
    area.fill(&WHITE)?;
    let px = font_px(area);
    let n = points.len().max(1);
    let hue = |i: usize| {
        let c = HSLColor(i as f64 / n as f64 * 0.9, 0.8, 0.42).to_rgba();
        RGBColor(c.0, c.1, c.2)
    };
    let quarters: Vec<usize> = (0..4).map(|q| q * n / 4).collect();
    let key: Vec<KeyEntry> = match points.is_empty() {
        true => Vec::new(),
        false => quarters.iter().map(|&i| KeyEntry::new(format!("a = {i}"), Swatch::Dot(hue(i)))).collect(),
    };
    let plot = axis::key_strip(area, px, &key)?;
    // A square plot (equal axes: a circle looks round), centred.
    let (w, h) = plot.dim_in_pixel();
    let caption = 2 * (px + 2);
    let side = w.min(h.saturating_sub(caption)).max(1);
    let square = plot.shrink(((w - side) / 2, 0), (side, (side + caption).min(h)));
    let r = points.iter().map(|&(x, y)| (x as f64).hypot(y as f64)).fold(0.0, f64::max).max(1e-12) * 1.12;
    let mut chart = ChartBuilder::on(&square)
        .caption(title, ("sans-serif", px + 2))
        .margin(px / 2)
        .build_cartesian_2d(-r..r, -r..r)?;
    let font = ("sans-serif", px).into_font().color(&MARK);
    if let Some(t) = note {
        chart.draw_series(std::iter::once(Text::new(t.to_string(), (-0.95 * r, 0.95 * r), font.clone())))?;
    }
    if points.is_empty() {
        return Ok(());
    }
    let mean = points.iter().map(|&(x, y)| (x as f64).hypot(y as f64)).sum::<f64>() / n as f64;
    let ring = (0..=120).map(|i| {
        let t = i as f64 / 120.0 * std::f64::consts::TAU;
        (mean * t.cos(), mean * t.sin())
    });
    chart.draw_series(std::iter::once(PathElement::new(ring.collect::<Vec<_>>(), MARK.mix(0.3).stroke_width(1))))?;
    chart.draw_series(std::iter::once(Circle::new((0.0, 0.0), 2, MARK.filled())))?;
    let dot = (px / 3).max(4) as i32;
    chart.draw_series(
        points.iter().enumerate().map(|(i, &(x, y))| Circle::new((x as f64, y as f64), dot, hue(i).filled())),
    )?;
    // The first few values, so that the order round the clock can be read.
    for (i, &(x, y)) in points.iter().enumerate().take(3) {
        let (x, y) = (x as f64, y as f64);
        let out = 1.0 + 0.14 * r / (x.hypot(y)).max(1e-12);
        chart.draw_series(std::iter::once(Text::new(i.to_string(), (x * out, y * out), font.clone())))?;
    }
    Ok(())
}
