//! The page's charts, which the report also draws to SVG: the eight of a
//! run (`Chart`) and the sub-network experiment's test accuracy.

use super::axis::{self, log_ticks, thin_log, StepAt, MARK, PALETTE, REDUNDANCY, SYNERGY, TEST, TRAIN};
use super::frame::{Frame, Points, Previous};
use super::plot::{self, Curve, Mark, Result, StepPlot, Trail};
use crate::config::Op;
use plotters::coord::Shift;
use plotters::prelude::*;

/// The charts in page order, so the page and the tests name them alike.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Chart {
    Accuracy,
    Loss,
    Synergy,
    Size,
    Pareto,
    /// The weight measures over the steps (normalised).
    Weights,
    /// The embedding's Fourier spectrum at the scrubbed step.
    Spectrum,
    /// The clock at the scrubbed step.
    Clock,
}

impl Chart {
    pub const ALL: [Chart; 8] = [
        Chart::Accuracy,
        Chart::Loss,
        Chart::Synergy,
        Chart::Size,
        Chart::Pareto,
        Chart::Weights,
        Chart::Spectrum,
        Chart::Clock,
    ];

    /// Also the id of its canvas (`chart-<name>`) and of its PNG.
    pub fn name(self) -> &'static str {
        match self {
            Chart::Accuracy => "accuracy",
            Chart::Loss => "loss",
            Chart::Synergy => "synergy",
            Chart::Size => "size",
            Chart::Pareto => "pareto",
            Chart::Weights => "weights",
            Chart::Spectrum => "spectrum",
            Chart::Clock => "clock",
        }
    }

    /// Whether the chart's x axis is the step (so a pointer over it scrubs).
    pub fn over_steps(self) -> bool {
        !matches!(self, Chart::Pareto | Chart::Spectrum | Chart::Clock)
    }

    /// Draws this chart of `f` on `area`; returns the pixel -> step map
    /// (`None` for the Pareto plot, whose axes are not steps).
    pub fn draw<DB: DrawingBackend>(self, area: &DrawingArea<DB, Shift>, f: &Frame) -> Result<Option<StepAt>, DB> {
        let note = match self {
            Chart::Accuracy | Chart::Loss => f.start_note.into(),
            _ => f.measures_note(),
        };
        match self {
            Chart::Pareto => return pareto(area, f, &note).map(|_| None),
            Chart::Spectrum => return spectrum(area, f, &note).map(|_| None),
            Chart::Clock => return clock(area, f, &note).map(|_| None),
            _ => {}
        }
        let plot = self.step_plot(f, &note);
        match self {
            Chart::Loss => {
                let r = f.loss_range();
                let ticks = log_ticks(r.start, r.end);
                plot.draw(area, r.log_scale().with_key_points(ticks))
            }
            Chart::Size => plot.draw(area, 0f64..f.size_max()),
            _ => plot.draw(area, 0f64..1.02),
        }
        .map(Some)
    }

    /// What the chart shows, in words (its text alternative on the page):
    /// the latest values, the grokking step, the phases shaded and the
    /// current one, or what to do while it is empty.
    pub fn summary(self, f: &Frame) -> String {
        let last = |p: &[(f64, f64)]| p.last().copied();
        let pct = |v: f64| format!("{:.1} %", 100.0 * v);
        let values = match self {
            Chart::Accuracy => last(&f.train_acc).zip(last(&f.test_acc)).map(|((s, tr), (_, te))| {
                let grok = f.grok_step.map_or("Test accuracy has not reached 95 % yet.".into(), |g| {
                    format!("Test accuracy first reached 95 % at step {g}.")
                });
                format!("Step {s} of {}: train accuracy {}, test accuracy {}. {grok}", f.steps, pct(tr), pct(te))
            }),
            Chart::Loss => last(&f.train_loss)
                .zip(last(&f.test_loss))
                .map(|((s, tr), (_, te))| format!("Step {s}: train loss {}, test loss {}.", number(tr), number(te))),
            Chart::Synergy => last(&f.synergy).zip(last(&f.redundancy)).map(|((s, sy), (_, re))| {
                format!("Step {s}: synergy {sy:.2}, redundancy {re:.2} (normalised over the run, 0 to 1: 1 is the most synergistic, or redundant, point).")
            }),
            Chart::Size => {
                last(&f.size).map(|(s, n)| format!("Step {s}: the synergistic sub-network has {n} neurons."))
            }
            Chart::Pareto => f.pareto.last().map(|&(re, sy, s)| {
                let n = f.pareto.len();
                format!("{n} checkpoints; the latest, step {s}: redundancy {re:.2}, synergy {sy:.2} (normalised).")
            }),
            Chart::Weights => f.mechanism.as_ref().map(|(s, m)| {
                format!(
                    "Step {s}: weight norm {}, Fourier sparsity (Gini) {:.2}, key fraction {:.2}, restricted loss {}, excluded loss {}.",
                    number(m.weight_norm.total),
                    m.fourier.gini,
                    m.fourier.key_fraction,
                    number(m.restricted_loss),
                    number(m.excluded_loss)
                )
            }),
            Chart::Spectrum => f.mechanism.as_ref().map(|(s, m)| {
                let keys: Vec<String> = m.fourier.key_frequencies.iter().map(u32::to_string).collect();
                let keys = if keys.is_empty() { "none yet".to_string() } else { keys.join(", ") };
                format!(
                    "Step {s}: key frequencies {keys} (of {}); {:.0} % of the embedding's norm² sits at each neuron's own strongest frequency.",
                    m.fourier.spectrum.len(),
                    100.0 * m.fourier.key_fraction
                )
            }),
            Chart::Clock => f.mechanism.as_ref().map(|(s, m)| clock_words(*s, m)),
        };
        let Some(mut out) = values else {
            return format!(
                "No data yet: {}.",
                if self == Chart::Accuracy || self == Chart::Loss { f.start_note.into() } else { f.measures_note() }
            );
        };
        if self.over_steps() && !f.phases.is_empty() {
            let mut names: Vec<&str> = Vec::new();
            for b in &f.phases {
                if !names.contains(&b.phase.name()) {
                    names.push(b.phase.name());
                }
            }
            out += &format!(" Phases shaded: {}.", names.join(", "));
            if let Some(p) = f.phase_now() {
                let at = f.cursor.map_or("now".into(), |c| format!("at step {c}"));
                out += &format!(" Phase {at}: {}.", p.name());
            }
        }
        out
    }

    /// The curves, marks and phases of a step chart.
    fn step_plot<'a>(self, f: &'a Frame, note: &'a str) -> StepPlot<'a> {
        let line = |label: &str, color, points: &Vec<(f64, f64)>| Curve::new(label, color, points.clone());
        let (title, curves) = match self {
            Chart::Accuracy => ("Accuracy (1 = every answer right)", accuracy_curves(f)),
            Chart::Loss => (
                "Loss (cross-entropy, log scale)",
                previous_curves(f, |p| (&p.train_loss, &p.test_loss))
                    .into_iter()
                    .chain([line("train", TRAIN, &f.train_loss), line("test", TEST, &f.test_loss).dashed()])
                    .collect(),
            ),
            Chart::Synergy => (
                "Synergy and redundancy (normalised)",
                vec![line("synergy", SYNERGY, &f.synergy), line("redundancy", REDUNDANCY, &f.redundancy).dashed()],
            ),
            Chart::Weights => ("Weight measures (normalised)", weight_curves(f)),
            _ => ("Synergistic sub-network (neurons)", vec![line("neurons", SYNERGY, &f.size)]),
        };
        let grok = f.grok_step.map(|g| Mark {
            step: g,
            // Short enough for a phone's key row.
            label: format!("test ≥ 95 % at step {g}"),
            style: TEST.mix(0.6).stroke_width(2),
        });
        let cursor = f.cursor.map(|c| Mark { step: c, label: String::new(), style: MARK.stroke_width(1) });
        StepPlot {
            band_label: (f.seeds() > 1).then(|| format!("{} seeds: min-max", f.seeds())),
            phases: &f.phases,
            key_phases: true,
            phase_now: f.phase_now().map(|p| (p, if f.cursor.is_some() { axis::AT_CURSOR } else { axis::NOW })),
            marks: grok.into_iter().chain(cursor).collect(),
            note,
            ..StepPlot::new(title, f.step_max(), curves)
        }
    }
}

/// Four decimals, as a plain number JavaScript reads back (the page's
/// metrics, readout and chart summaries); very small or large values in
/// scientific notation (a diverging loss is 1e38, not 39 digits), and words
/// for what is not a number: at most 12 characters.
pub fn number(x: f64) -> String {
    if x.is_nan() {
        "not a number".into()
    } else if x.is_infinite() {
        (if x > 0.0 { "infinite" } else { "-infinite" }).into()
    } else if x != 0.0 && (x.abs() < 1e-3 || x.abs() >= 1e5) {
        format!("{x:.3e}")
    } else {
        format!("{x:.4}")
    }
}

/// The weight measures' curves: the two losses a dashed-and-solid pair,
/// like train and test.
fn weight_curves(f: &Frame) -> Vec<Curve> {
    let w = &f.weights;
    vec![
        Curve::new("weight norm", PALETTE[7], w.weight_norm.clone()),
        Curve::new("Fourier sparsity", PALETTE[4], w.gini.clone()),
        Curve::new("key fraction", PALETTE[5], w.key_fraction.clone()).dashed(),
        Curve::new("restricted loss", PALETTE[0], w.restricted_loss.clone()),
        Curve::new("excluded loss", PALETTE[1], w.excluded_loss.clone()).dashed(),
    ]
}

/// What the Fourier measures mean for `op`, or None for addition (their
/// home): said on the spectrum and the clock, and in the page.
pub fn fourier_caveat(op: Op) -> Option<&'static str> {
    match op {
        Op::Add => None,
        Op::Sub => Some("subtraction: the clock of b turns backwards; the losses use cos w(a - b - c)"),
        Op::Mul | Op::Div => Some("multiplication and division are not waves over Z_p: expect no clock"),
    }
}

/// The embedding's spectrum at the frame's checkpoint: each frequency's
/// share of the norm², and the part held by neurons tuned to it.
fn spectrum<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, f: &Frame, note: &str) -> Result<(), DB> {
    let title = match &f.mechanism {
        Some((s, _)) => format!("Fourier spectrum of the embedding, step {s}"),
        None => "Fourier spectrum of the embedding".into(),
    };
    let bars: Vec<(f64, f64)> = f.mechanism.as_ref().map_or(Vec::new(), |(_, m)| {
        let total: f64 = m.fourier.spectrum.iter().map(|&x| (x as f64).powi(2)).sum::<f64>().max(f64::MIN_POSITIVE);
        let tuned = m.fourier.tuned.iter().map(|&x| (x as f64).powi(2) / total).chain(std::iter::repeat(0.0));
        m.fourier.spectrum.iter().map(|&x| (x as f64).powi(2) / total).zip(tuned).collect()
    });
    let notes: Vec<&str> = std::iter::once(note).chain(fourier_caveat(f.op)).collect();
    plot::bars(area, (&title, &notes.join("; ")), ("frequency k", "share of the norm²"), &bars)
}

/// The clock at the frame's checkpoint: each value a at its embedding's
/// position on the plane of the strongest key frequency, coloured by a.
fn clock<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, f: &Frame, note: &str) -> Result<(), DB> {
    let (title, points) = match &f.mechanism {
        Some((s, m)) => {
            let k = m.fourier.clock_frequency().map_or(String::new(), |k| format!(" on frequency {k}"));
            (format!("Clock: each a{k}, step {s}"), m.clock.clone())
        }
        None => ("Clock: each a on its strongest frequency".into(), Vec::new()),
    };
    let caveat = if points.is_empty() { Some(note) } else { fourier_caveat(f.op) };
    plot::clock(area, &title, caveat, &points)
}

/// The clock in words: how round it is.
fn clock_words(step: u32, m: &crate::run::history::WeightMeasures) -> String {
    let r: Vec<f64> = m.clock.iter().map(|&(x, y)| (x as f64).hypot(y as f64)).collect();
    if r.is_empty() {
        return format!("Step {step}: no clock (the embedding has no frequency plane).");
    }
    let mean = r.iter().sum::<f64>() / r.len() as f64;
    let sd = (r.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / r.len() as f64).sqrt();
    let k = m.fourier.clock_frequency().unwrap_or(0);
    format!(
        "Step {step}: the {} values of a on frequency {k}, at distance {} from the centre, give or take {:.0} % ({}).",
        r.len(),
        number(mean),
        100.0 * sd / mean.max(f64::MIN_POSITIVE),
        if sd < 0.2 * mean { "on a circle" } else { "not yet a circle" }
    )
}

/// Other seeds' runs faint behind the run's train and test accuracy, which
/// carry the min-max band over every seed.
fn accuracy_curves(f: &Frame) -> Vec<Curve> {
    let mut curves = previous_curves(f, |p| (&p.train_acc, &p.test_acc));
    for (train, test) in &f.seed_runs {
        curves.push(Curve::new("", TRAIN, train.clone()).faint());
        curves.push(Curve::new("", TEST, test.clone()).faint().dashed());
    }
    curves.push(Curve::new("train", TRAIN, f.train_acc.clone()).with_band(f.train_band.clone()));
    curves.push(Curve::new("test", TEST, f.test_acc.clone()).with_band(f.test_band.clone()).dashed());
    curves
}

/// The previous run's train and test curves (`pick`), faint and behind,
/// keyed once with how it differed.
fn previous_curves(f: &Frame, pick: fn(&Previous) -> (&Points, &Points)) -> Vec<Curve> {
    let Some(p) = &f.previous else { return Vec::new() };
    let (train, test) = pick(p);
    let faded = |label: &str, color: RGBColor, points: &Points| Curve {
        opacity: 0.35,
        ..Curve::new(label, color, points.clone()).faint()
    };
    vec![faded("", TRAIN, train), faded(&p.label, TEST, test)]
}

/// The run's checkpoints as one trail, the scrubbed one ringed.
fn pareto<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, f: &Frame, note: &str) -> Result<(), DB> {
    let trail = Trail { label: String::new(), color: None, dots: f.pareto.clone() };
    let ring = f.cursor.and_then(|c| f.pareto.iter().rev().find(|p| p.2 <= c)).map(|&(x, y, _)| (x, y));
    let title = "Synergy against redundancy (darker = later)";
    plot::pareto(area, (title, note), &[trail], f.step_max(), ring)
}

/// Most points per sub-network curve, as the page's charts draw.
const SUBNETWORK_POINTS: usize = 400;

/// The sub-network experiment: test accuracy of each run (label, (step,
/// accuracy)), in palette order, on the log step axis up to `steps`;
/// `taken_at`: the checkpoint whose multiplet was retrained.
pub fn subnetwork_chart<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    steps: u32,
    runs: &[(String, Vec<(f64, f64)>)],
    taken_at: Option<u32>,
) -> Result<(), DB> {
    let curves = runs
        .iter()
        .zip(PALETTE)
        .map(|((label, points), color)| {
            let kept = thin_log(points.iter().map(|p| p.0 as u32), steps, SUBNETWORK_POINTS);
            Curve::new(label, color, kept.into_iter().map(|i| points[i]).collect())
        })
        .collect();
    let marks = taken_at
        .map(|s| Mark { step: s, label: format!("multiplet taken at step {s}"), style: MARK.stroke_width(1) })
        .into_iter()
        .collect();
    let plot = StepPlot {
        y_desc: Some("test accuracy"),
        marks,
        note: "training",
        ..StepPlot::new(title, steps as f64, curves)
    };
    plot.draw(area, 0f64..1.02).map(|_| ())
}
