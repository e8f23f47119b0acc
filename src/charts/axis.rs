//! What every chart shares, page and report alike: the palette and the phase
//! colours, the logarithmic step axis (ticks, labels, thinning of points
//! along it, the pixel -> step map) and the key strip below the plot.

use crate::run::phases::{Phase, PhaseBand};
use plotters::coord::combinators::WithKeyPoints;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

pub type Result<T, DB> = std::result::Result<T, DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// Okabe and Ito's colour-blind-safe palette (yellow darkened for white
/// paper), in the order runs of a sweep take their colours.
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
pub const TRAIN: RGBColor = PALETTE[0];
pub const TEST: RGBColor = PALETTE[1];
pub const REDUNDANCY: RGBColor = PALETTE[2];
pub const SYNERGY: RGBColor = PALETTE[3];
/// The sub-network's size, where it shares a chart with the measures.
pub const SIZE: RGBColor = PALETTE[4];
/// Notes, cursors and outlines: what is not data.
pub const MARK: RGBColor = RGBColor(90, 90, 90);

/// The band behind a phase, drawn opaque behind the curves and as the
/// phase's swatch in the key: one colour per phase in every chart.
pub fn phase_colour(p: Phase) -> RGBColor {
    match p {
        Phase::FeatureLearning => RGBColor(222, 235, 247),
        Phase::Emergence => RGBColor(250, 222, 236),
        Phase::Divergence => RGBColor(253, 232, 204),
        Phase::DelayedEmergence => RGBColor(232, 222, 248),
        Phase::Decoupling => RGBColor(216, 242, 229),
        Phase::Finalising => RGBColor(232, 232, 232),
    }
}

/// Light to dark purple along the log step axis (the Pareto plots' dots).
pub fn step_colour(step: u32, max: f64) -> RGBColor {
    let t = ((step.max(1) as f64).ln() / max.max(2.0).ln()).clamp(0.0, 1.0);
    let mix = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
    RGBColor(mix(230.0, 60.0), mix(200.0, 20.0), mix(240.0, 110.0))
}

/// Text sizes in pixels: labels, then captions. Only these few, because the
/// page's CSP admits plotters' text-measuring style attributes by their
/// hashes (one per size, in index.html).
pub const FONT_PX: [u32; 3] = [13, 15, 17];

/// Label size: larger on a wide chart (a projector, the report), smaller on
/// a phone.
pub fn font_px<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>) -> u32 {
    if area.dim_in_pixel().0 >= 420 {
        FONT_PX[1]
    } else {
        FONT_PX[0]
    }
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
    let t = sets.iter().map(|m| ticks(m)).find(|t| t.len() >= 3).unwrap_or_else(|| ticks(sets[3]));
    // A diverging loss spans dozens of decades: every few, so labels never overlap.
    let stride = t.len().div_ceil(8);
    t.into_iter().step_by(stride).collect()
}

/// Short tick labels: 1000, 0.5, 1e-5, 1e38.
pub fn tick_label(v: f64) -> String {
    if v != 0.0 && (v.abs() < 1e-3 || v.abs() >= 1e5) {
        format!("{v:.0e}")
    } else {
        format!("{}", (v * 1e4).round() / 1e4)
    }
}

/// Indices of the points to draw of a curve over ascending `steps`: the
/// first in each of `points` equal bins of ln(step) up to `max`, and always
/// the last (the newest value), so a long run costs no more than a short one.
pub fn thin_log(steps: impl Iterator<Item = u32>, max: u32, points: usize) -> Vec<usize> {
    let scale = points as f64 / (max.max(2) as f64).ln();
    let mut kept: Vec<usize> = Vec::new();
    let (mut last_bin, mut n) = (None, 0);
    for (i, s) in steps.enumerate() {
        let bin = ((s.max(1) as f64).ln() * scale) as i64;
        if last_bin != Some(bin) {
            kept.push(i);
            last_bin = Some(bin);
        }
        n = i + 1;
    }
    if n > 0 && kept.last() != Some(&(n - 1)) {
        kept.push(n - 1);
    }
    kept
}

/// A chart whose x axis is the log step axis.
pub type StepChart<'a, DB, Y> = ChartContext<'a, DB, Cartesian2d<WithKeyPoints<LogCoord<f64>>, Y>>;

/// The log step axis from 1 to `step_max` against `y` on `plot`, with its
/// caption, ticks and labels drawn.
pub fn step_axes<'a, DB, Y>(
    plot: &'a DrawingArea<DB, Shift>,
    px: u32,
    (title, y_desc): (&str, Option<&str>),
    step_max: f64,
    y: Y,
) -> Result<StepChart<'a, DB, Y::CoordDescType>, DB>
where
    DB: DrawingBackend + 'a,
    Y: AsRangedCoord<Value = f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    let x = (1f64..step_max.max(2.0)).log_scale().with_key_points(log_ticks(1.0, step_max.max(2.0)));
    let mut chart = ChartBuilder::on(plot)
        .caption(title, ("sans-serif", px + 2))
        .margin(px / 2)
        .margin_right(px * 2)
        .x_label_area_size(px * 3)
        .y_label_area_size(px * if y_desc.is_some() { 4 } else { 3 })
        .build_cartesian_2d(x, y)?;
    let mut mesh = chart.configure_mesh();
    mesh.x_desc("step")
        .x_label_formatter(&|v| tick_label(*v))
        .y_label_formatter(&|v| tick_label(*v))
        .label_style(("sans-serif", px))
        .axis_desc_style(("sans-serif", px))
        .y_labels(6)
        .light_line_style(WHITE);
    if let Some(d) = y_desc {
        mesh.y_desc(d);
    }
    mesh.draw()?;
    Ok(chart)
}

/// Maps a pixel of a chart's drawing area to the step under it (`None`
/// outside the plotting area), so the page can scrub through a run.
pub type StepAt = Box<dyn Fn((i32, i32)) -> Option<u32>>;

/// The pixel -> step map of `chart`. A log axis has no reverse translation
/// in plotters, so it is inverted here: ln(step) is linear in x across the
/// plotting area.
pub fn step_at<DB: DrawingBackend, Y: Ranged<ValueType = f64>>(chart: &StepChart<DB, Y>, step_max: f64) -> StepAt {
    let (xs, ys) = chart.plotting_area().get_pixel_range();
    let ln_max = step_max.max(2.0).ln();
    Box::new(move |(x, y)| {
        let inside = xs.contains(&x) && ys.contains(&y);
        let t = (x - xs.start) as f64 / (xs.end - xs.start - 1).max(1) as f64;
        inside.then(|| (t * ln_max).exp().round() as u32)
    })
}

/// The phases as bands behind the curves, each reaching the next band's
/// first checkpoint so that no white gap parts two phases.
pub fn phase_bands<DB: DrawingBackend, Y: Ranged<ValueType = f64>>(
    chart: &mut StepChart<DB, Y>,
    bands: &[PhaseBand],
) -> Result<(), DB> {
    let (y_lo, y_hi) = {
        let r = chart.y_range();
        (r.start, r.end)
    };
    for (i, b) in bands.iter().enumerate() {
        let end = bands.get(i + 1).map_or(b.to_step, |next| next.from_step);
        let (from, to) = (b.from_step.max(1) as f64, end.max(b.from_step + 1) as f64);
        let fill = phase_colour(b.phase).filled();
        chart.draw_series(std::iter::once(Rectangle::new([(from, y_lo), (to, y_hi)], fill)))?;
    }
    Ok(())
}

/// What a key entry shows left of its label.
#[derive(Clone, Copy, Debug)]
pub enum Swatch {
    /// A curve or a vertical mark: a short line in its style.
    Line(ShapeStyle),
    /// A dashed curve: a short dashed line.
    Dash(ShapeStyle),
    /// A band (a phase, a min-max spread): a filled box.
    Fill(RGBColor),
    /// A trail of dots in a Pareto plot.
    Dot(RGBColor),
}

#[derive(Clone, Debug)]
pub struct KeyEntry {
    pub label: String,
    pub swatch: Swatch,
    /// Outlined boldly: the current phase.
    pub marked: bool,
}

impl KeyEntry {
    pub fn new(label: impl Into<String>, swatch: Swatch) -> KeyEntry {
        KeyEntry { label: label.into(), swatch, marked: false }
    }
}

/// What the key adds to the current phase's name (a word, not bold type:
/// the page's CSP admits only the plain fonts' measuring styles): the last
/// phase, or the phase at the scrubbed step.
pub const NOW: &str = " (now)";
pub const AT_CURSOR: &str = " (at the cursor)";

/// One key entry per phase among `bands`, in the order they occur, named as
/// in the page's teaching text; the marked phase's entry outlined and its
/// name followed by the mark's word ([`NOW`] or [`AT_CURSOR`]).
pub fn phase_key(bands: &[PhaseBand], marked: Option<(Phase, &str)>) -> Vec<KeyEntry> {
    let mut seen = Vec::new();
    for b in bands {
        if !seen.contains(&b.phase) {
            seen.push(b.phase);
        }
    }
    let entry = |p: Phase| {
        let word = marked.filter(|m| m.0 == p).map(|m| m.1);
        let label = format!("{}{}", p.name(), word.unwrap_or(""));
        let marked = word.is_some();
        KeyEntry { marked, ..KeyEntry::new(label, Swatch::Fill(phase_colour(p))) }
    };
    seen.into_iter().map(entry).collect()
}

/// Dash and gap lengths of a dashed curve at label size `px`.
pub fn dash(px: u32) -> (u32, u32) {
    (px / 2 + 2, px / 3 + 1)
}

const SWATCH_PX: i32 = 18;

/// Draws `entries` in a strip along the bottom of `area`, in as many rows as
/// its width needs, and returns the rest of `area` for the plot: so the key
/// never covers a curve, however many entries a chart has.
pub fn key_strip<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    px: u32,
    entries: &[KeyEntry],
) -> Result<DrawingArea<DB, Shift>, DB> {
    if entries.is_empty() {
        return Ok(area.clone());
    }
    let font: TextStyle = ("sans-serif", px).into();
    let (width, height) = area.dim_in_pixel();
    let (px, row_px) = (px as i32, px as i32 * 3 / 2);
    let (mut x, mut row, mut at) = (2 * px, 0, Vec::new());
    for e in entries {
        let w = SWATCH_PX + 4 + area.estimate_text_size(&e.label, &font)?.0 as i32;
        if x > 2 * px && x + w > width as i32 - px {
            (x, row) = (2 * px, row + 1);
        }
        at.push((x, row * row_px + px / 4));
        x += w + px;
    }
    let strip_px = (row + 1) * row_px + px / 4;
    let (plot, strip) = area.split_vertically(height as i32 - strip_px);
    for (e, &(x, y)) in entries.iter().zip(&at) {
        let mid = y + px / 2;
        match e.swatch {
            Swatch::Line(style) => strip.draw(&PathElement::new([(x, mid), (x + SWATCH_PX, mid)], style))?,
            Swatch::Dash(style) => {
                // Shorter dashes than the curve's, so that two fit in a swatch.
                let (dash, gap) = (SWATCH_PX as u32 * 2 / 5, SWATCH_PX as u32 / 5);
                strip.draw(&DashedPathElement::new([(x, mid), (x + SWATCH_PX, mid)], dash, gap, style))?
            }
            Swatch::Fill(c) => {
                let corners = [(x, mid - px / 3), (x + SWATCH_PX, mid + px / 3)];
                strip.draw(&Rectangle::new(corners, c.filled()))?;
                let outline = if e.marked { MARK.stroke_width(3) } else { MARK.mix(0.5).stroke_width(1) };
                strip.draw(&Rectangle::new(corners, outline))?;
            }
            Swatch::Dot(c) => strip.draw(&Circle::new((x + SWATCH_PX / 2, mid), 4, c.filled()))?,
        }
        strip.draw(&Text::new(e.label.clone(), (x + SWATCH_PX + 4, y), font.clone()))?;
    }
    Ok(plot)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thinning_keeps_the_ends_and_spreads_on_the_log_axis() {
        let k = thin_log(1..=4000u32, 4000, 50);
        assert!(k[0] == 0 && *k.last().unwrap() == 3999 && k.len() <= 52, "{k:?}");
        // Early steps each get a point, late ones share: the gaps grow along the run.
        assert_eq!(&k[..3], &[0, 1, 2]);
        assert!(k[k.len() - 2] - k[k.len() - 3] > 100);
        assert!(thin_log(std::iter::empty(), 10, 5).is_empty());
    }

    #[test]
    fn each_phase_has_its_own_colour() {
        let mut colours: Vec<_> = Phase::ALL.iter().map(|&p| phase_colour(p)).map(|c| (c.0, c.1, c.2)).collect();
        colours.sort();
        colours.dedup();
        assert_eq!(colours.len(), Phase::ALL.len());
    }
}
