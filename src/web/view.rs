//! What the run shows: the metrics, the charts (redrawn only when their
//! data changed) and the readout under the pointer.

use super::dom::{self, by_id, metric, now_ms, on, text};
use super::hidpi::{self, Scaled};
use super::player::State;
use super::with;
pub use crate::charts::number;
use crate::charts::{Chart, Frame, StepAt};
use crate::config::RunConfig;
use crate::engine::StepRecord;
use crate::run::history::{Checkpoint, History};
use crate::run::phases;
use crate::url;
use plotters::coord::Shift;
use plotters::prelude::DrawingArea;
use web_sys::{HtmlCanvasElement, MouseEvent};

/// Points per curve at most: enough for a smooth line at any canvas width.
const POINTS: usize = 500;
/// Bit per chart in `View::dirty`.
pub const ALL_CHARTS: u8 = 0xFF;
/// The charts drawn from every step (the others from checkpoints).
pub const STEP_CHARTS: u8 = 0b00011;

fn bit(c: Chart) -> u8 {
    1 << index(c)
}

fn index(c: Chart) -> usize {
    Chart::ALL.iter().position(|&x| x == c).expect("a chart")
}

pub struct View {
    /// The step under the pointer, marked on every chart.
    cursor: Option<u32>,
    /// Charts to redraw.
    pub dirty: u8,
    /// Redraw at the next frame (hover, a new size), not at the throttled rate.
    pub urgent: bool,
    drawn_at: f64,
    /// Per chart, the step at a pointer position, as last drawn.
    step_at: Vec<Option<StepAt>>,
    /// Time and step of the last steps-per-second sample.
    rate: (f64, u32),
    /// The run before the current one, drawn faint for comparison.
    pub previous: Option<History>,
}

impl Default for View {
    fn default() -> Self {
        View {
            cursor: None,
            dirty: ALL_CHARTS,
            urgent: false,
            drawn_at: 0.0,
            step_at: Chart::ALL.iter().map(|_| None).collect(),
            rate: (0.0, 0),
            previous: None,
        }
    }
}

impl View {
    /// A new run: no cursor, every chart redrawn.
    pub fn forget(&mut self) {
        self.cursor = None;
        self.dirty = ALL_CHARTS;
    }
}

/// Scrubbing on every chart, and a redraw at the new size.
pub fn wire() {
    for c in Chart::ALL {
        let canvas: HtmlCanvasElement = by_id(&format!("chart-{}", c.name()));
        on(&canvas, "pointermove", move |e: MouseEvent| hover(c, (e.offset_x(), e.offset_y())));
        on(&canvas, "pointerleave", |_: MouseEvent| {
            with(|a| {
                a.view.forget();
                a.view.urgent = true;
            });
            text("readout", "");
        });
    }
    on(&web_sys::window().expect("a window"), "resize", |_: web_sys::Event| with(|a| a.view.dirty = ALL_CHARTS));
}

/// Every value of the previous run off the page.
pub fn clear() {
    text("copy", "Copy link");
    text("readout", "");
    text("prediction", "");
    for m in [
        "step",
        "train_acc",
        "test_acc",
        "train_loss",
        "test_loss",
        "synergy",
        "redundancy",
        "synergy_size",
        "rate",
        "grok_step",
        "phase",
        "seeds",
        "weight_norm",
        "key_fraction",
        "restricted_loss",
        "excluded_loss",
    ] {
        metric(m, "");
    }
    super::probe::answer();
}

/// Plain numbers in the metrics (the tests read them); words around them in index.html.
pub fn publish(r: &StepRecord) {
    metric("step", &r.step.to_string());
    metric("train_acc", &format!("{:.4}", r.train_acc));
    metric("test_acc", &format!("{:.4}", r.test_acc));
    metric("train_loss", &number(r.train_loss));
    metric("test_loss", &number(r.test_loss));
    let now = now_ms();
    let (t, s) = with(|a| a.view.rate);
    if now - t >= 1000.0 || s > r.step {
        if s > 0 && s < r.step {
            metric("rate", &format!("{:.1}", (r.step - s) as f64 * 1000.0 / (now - t)));
        }
        with(|a| a.view.rate = (now, r.step));
    }
}

/// A measured checkpoint into the metrics, the phase, the prediction and
/// the probe (whose network is now this checkpoint's).
pub fn publish_measures(c: &Checkpoint) {
    let cp = &c.measures;
    let (phase, prediction) = with(|a| {
        // Every step chart shows the phase bands too.
        a.view.dirty = ALL_CHARTS;
        let h = a.runs.driver.history();
        let bands = phases::phases_of(h);
        (bands.last().map_or("", |b| b.phase.name()), crate::run::predict::predict_live(h).message)
    });
    metric("synergy", &number(cp.synergy));
    metric("redundancy", &number(cp.redundancy));
    metric("synergy_size", &cp.synergy_size.to_string());
    metric("phase", phase);
    text("prediction", &prediction);
    if let Some(w) = &c.weights {
        metric("weight_norm", &number(w.weight_norm.total));
        metric("key_fraction", &format!("{:.4}", w.fourier.key_fraction));
        metric("restricted_loss", &number(w.restricted_loss));
        metric("excluded_loss", &number(w.excluded_loss));
    }
    super::probe::answer();
}

/// The values at the step under the pointer, and a cursor on every chart.
fn hover(c: Chart, p: (i32, i32)) {
    let line = with(|a| {
        let step = a.view.step_at[index(c)].as_ref().and_then(|f| f(p))?;
        let last = a.runs.driver.history().steps.last()?.step;
        let step = step.clamp(1, last);
        a.view.cursor = Some(step);
        a.view.dirty = ALL_CHARTS;
        a.view.urgent = true;
        readout(a.runs.driver.history(), step)
    });
    if let Some(l) = line {
        text("readout", &l);
    }
}

/// The readout's line for `step`: the step's values, its phase, the last checkpoint.
fn readout(h: &History, step: u32) -> Option<String> {
    let r = h.steps.get(step as usize - 1)?;
    let mut line = format!(
        "Step {}: train accuracy {:.1} %, test accuracy {:.1} %, train loss {}, test loss {}",
        r.step,
        100.0 * r.train_acc,
        100.0 * r.test_acc,
        number(r.train_loss),
        number(r.test_loss)
    );
    if let Some(p) = phases::phase_at(&phases::phases_of(h), step) {
        line += &format!("; phase: {}", p.name());
    }
    if let Some(i) = h.checkpoints.iter().rposition(|cp| cp.step <= step) {
        let cp = &h.checkpoints[i];
        line += &format!(
            "; at step {}: synergy {} bits (O-information, negative = synergy), redundancy {} bits, synergistic sub-network {} neurons",
            cp.step,
            number(cp.synergy),
            number(cp.redundancy),
            cp.synergy_size
        );
        if let Some(w) = h.weights_at(i) {
            line += &format!(
                ", weight norm {}, Fourier sparsity {:.3}, key fraction {:.3}, restricted loss {}, excluded loss {}",
                number(w.weight_norm.total),
                w.fourier.gini,
                w.fourier.key_fraction,
                number(w.restricted_loss),
                number(w.excluded_loss)
            );
        }
    }
    Some(line)
}

/// Redraws dirty charts: at once after a hover, else at most every 100 ms
/// (every 300 ms once the run is long, so drawing never crowds out training).
pub async fn render_loop() {
    loop {
        dom::next_frame().await;
        let now = now_ms();
        let due = with(|a| {
            let gap = if a.runs.driver.history().steps.len() > 2000 { 300.0 } else { 100.0 };
            a.view.dirty != 0 && (a.view.urgent || now - a.view.drawn_at >= gap)
        });
        if due {
            draw();
        }
    }
}

/// What the charts show now, with the previous run faint behind it.
pub fn frame() -> Frame {
    with(|a| {
        let frame = Frame::with_seeds(a.runs.driver.history(), &a.runs.other_histories(), a.view.cursor, POINTS);
        let label = a.view.previous.as_ref().map(|p| previous_label(&p.config, &a.config));
        // The previous run's key entry, for the tests too (`data-previous`).
        match &label {
            Some(l) => drop(dom::body().dataset().set("previous", l)),
            None => dom::body().dataset().delete("previous"),
        }
        let frame = match a.player.state == State::Running && a.runs.driver.history().steps.is_empty() {
            true => frame.starting(),
            false => frame,
        };
        match (&a.view.previous, label) {
            (Some(p), Some(l)) => frame.with_previous(p, l, POINTS),
            _ => frame,
        }
    })
}

fn draw() {
    let dirty = with(|a| {
        let d = a.view.dirty;
        a.view.dirty = 0;
        a.view.urgent = false;
        a.view.drawn_at = now_ms();
        d
    });
    let frame = frame();
    for c in Chart::ALL.into_iter().filter(|&c| dirty & bit(c) != 0) {
        let Some((area, zoom)) = area(&format!("chart-{}", c.name())) else { continue };
        match c.draw(&area, &frame) {
            // Pointer offsets are CSS pixels; the chart's are layout pixels.
            Ok(step_at) => with(|a| {
                a.view.step_at[index(c)] = step_at.map(|f| -> StepAt {
                    Box::new(move |(x, y)| f(((x as f64 / zoom) as i32, (y as f64 / zoom) as i32)))
                })
            }),
            Err(e) => web_sys::console::warn_1(&format!("chart {}: {e:?}", c.name()).into()),
        }
        area.present().ok();
        summarise(c, &frame);
    }
}

/// The chart's text alternative (its canvas's description), rewritten only
/// when it says something new.
fn summarise(c: Chart, f: &Frame) {
    let id = format!("summary-{}", c.name());
    let words = c.summary(f);
    if by_id::<web_sys::Element>(&id).text_content().as_deref() != Some(words.as_str()) {
        text(&id, &words);
    }
}

/// The previous run's key entry: its settings where they differ from `now`'s.
fn previous_label(before: &RunConfig, now: &RunConfig) -> String {
    let changed: Vec<String> = url::keys()
        .filter_map(|k| {
            let (was, is) = (url::value(before, k)?, url::value(now, k)?);
            (was != is).then(|| format!("{k}={was}"))
        })
        .collect();
    match changed.len() {
        0 => "previous run (same settings)".into(),
        1..=3 => format!("previous: {}", changed.join(", ")),
        _ => format!("previous: {}, …", changed[..3].join(", ")),
    }
}

/// The canvas `id` to draw on, at its displayed size and the device's pixel
/// ratio (crisp on a projector at 150 %), and CSS pixels per layout pixel.
pub fn area(id: &str) -> Option<(DrawingArea<Scaled, Shift>, f64)> {
    let canvas: HtmlCanvasElement = by_id(id);
    hidpi::area(canvas.clone(), css_size(&canvas), dom::pixel_ratio())
}

/// The canvas's displayed size in CSS pixels (a floor while it is hidden).
pub fn css_size(canvas: &HtmlCanvasElement) -> (u32, u32) {
    (canvas.client_width().max(100) as u32, canvas.client_height().max(80) as u32)
}
