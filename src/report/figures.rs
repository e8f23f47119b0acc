//! The report's figures as SVG files: the page's charts of each experiment
//! (`charts::Chart`, the sub-network's `charts::subnetwork_chart`) and the
//! report's own across runs (`charts::report`): accuracy and synergy across
//! each sweep, Pareto plots, each experiment's measures over its phase bands.

use crate::charts::plot::{self, Trail};
use crate::charts::report::{self as rc, of_runs};
use crate::charts::{axis, Chart, Frame, PALETTE};
use crate::claims::{runs_of, Run};
use crate::config::{ALPHA, WEIGHT_DECAY};
use crate::engine::StepRecord;
use crate::run::history::History;
use crate::run::subnet::Subnetwork;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

/// Most points per curve in a figure.
const POINTS: usize = 400;
/// Pixels of a figure with one chart.
const SIZE: (u32, u32) = (760, 440);

pub fn write_subnetwork(dir: &Path, name: &str, s: &Subnetwork) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let runs: Vec<(String, Vec<(f64, f64)>)> = s
        .runs()
        .iter()
        .map(|(label, n, h)| {
            (format!("{label} ({n} neurons)"), h.steps.iter().map(|r| (r.step as f64, r.test_acc)).collect())
        })
        .collect();
    let title = format!(
        "Test accuracy: multiplet of step {} ({} of {} neurons)",
        s.step,
        s.neurons.len(),
        s.full.config.hidden
    );
    let steps = s.full.config.steps;
    svg_file(&dir.join(format!("{name}.svg")), SIZE, |a| {
        crate::charts::subnetwork_chart(a, &title, steps, &runs, Some(s.step))
    })?;
    let json = serde_json::to_string(s).map_err(|e| e.to_string())?;
    std::fs::write(dir.join(format!("{name}.json")), json).map_err(|e| format!("cannot write {name}.json: {e}"))
}

/// A value read off each step's record.
type Metric = fn(&StepRecord) -> f64;

fn curve(h: &History, m: Metric) -> Vec<(u32, f64)> {
    h.steps.iter().map(|r| (r.step, m(r))).collect()
}

/// The history's normalised checkpoint curves as (step, value): synergy,
/// redundancy, test loss and the synergistic sub-network's size.
fn normalised(h: &History) -> [Vec<(u32, f64)>; 4] {
    let n = h.normalised();
    let zip = |v: &[f64]| n.steps.iter().copied().zip(v.iter().copied()).collect::<Vec<_>>();
    [zip(&n.synergy), zip(&n.redundancy), zip(&n.test_loss), zip(&n.size)]
}

/// Synergy depth in bits (-minimum O-information), smoothed by the paper's
/// moving average but not rescaled, so runs compare (Figure 5).
fn synergy_bits(h: &History) -> Vec<(u32, f64)> {
    let depth: Vec<f64> = h.checkpoints.iter().map(|c| -c.synergy).collect();
    let e = crate::analysis::smooth::ema(&depth, crate::analysis::smooth::EMA_ALPHA);
    h.checkpoints.iter().map(|c| c.step).zip(e).collect()
}

/// Draws a figure with `draw` (whatever it returns beside the drawing is
/// not needed in a file) and writes it to `path`.
pub(crate) fn svg_file<F, T>(path: &Path, size: (u32, u32), draw: F) -> Result<(), String>
where
    F: FnOnce(&DrawingArea<SVGBackend, Shift>) -> Result<T, DrawingAreaErrorKind<std::io::Error>>,
{
    let mut text = String::new();
    {
        let area = SVGBackend::with_string(&mut text, size).into_drawing_area();
        draw(&area).map_err(|e| format!("drawing {}: {e}", path.display()))?;
        area.present().map_err(|e| format!("drawing {}: {e}", path.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Figure files (relative to the report) by what they show.
pub struct Figures {
    pub overview: Vec<(String, String)>,
    pub per_config: Vec<(&'static str, Vec<(String, String)>)>,
    /// The sub-network size rules compared, per experiment that recorded them.
    pub sizes: Vec<(String, String)>,
}

/// (file relative to the report, title) of each figure written.
type Written = Vec<(String, String)>;

pub fn figures(dir: &Path, runs: &[Run]) -> Result<Figures, String> {
    let step_max = runs.iter().map(|r| r.history.config.steps).max().unwrap_or(2) as f64;
    let mut overview = Vec::new();
    for (sweep, presets) in [("wd", &WEIGHT_DECAY[..]), ("alpha", &ALPHA[..])] {
        let sweep = Sweep { name: sweep, presets, runs, step_max };
        overview.extend(sweep.figures(dir)?);
    }
    let mut per_config = Vec::new();
    for p in crate::config::experiments() {
        let rs = runs_of(runs, p);
        if !rs.is_empty() {
            per_config.push((p, experiment_figures(dir, p, &rs)?));
        }
    }
    Ok(Figures { overview, per_config, sizes: size_rules(dir, runs, step_max)? })
}

/// Per experiment whose checkpoints recorded every size rule: each rule's
/// sub-network size as a fraction of the neurons, mean and min-max over seeds.
fn size_rules(dir: &Path, runs: &[Run], step_max: f64) -> Result<Written, String> {
    type Rule = fn(&crate::analysis::Sizes) -> usize;
    let rules: [(&str, Rule); 3] = [
        ("multiplet (paper's text)", |s| s.multiplet),
        ("union (default)", |s| s.union),
        ("per neuron", |s| s.per_neuron),
    ];
    let mut out = Vec::new();
    for p in crate::config::experiments() {
        let rs: Vec<&Run> =
            runs_of(runs, p).into_iter().filter(|r| r.history.checkpoints.iter().any(|c| c.sizes.is_some())).collect();
        if rs.is_empty() {
            continue;
        }
        let curves: Vec<_> = rules
            .iter()
            .zip(PALETTE)
            .map(|(&(name, rule), colour)| {
                let per_run: Vec<Vec<(u32, f64)>> = rs
                    .iter()
                    .map(|r| {
                        let n = r.history.config.hidden as f64;
                        r.history
                            .checkpoints
                            .iter()
                            .filter_map(|c| c.sizes.as_ref().map(|s| (c.step, rule(s) as f64 / n)))
                            .collect()
                    })
                    .collect();
                of_runs(name, colour, &per_run, POINTS)
            })
            .collect();
        let title = format!("{p}: synergistic sub-network size by rule (fraction of the neurons)");
        let file = format!("sizes_{p}.svg");
        svg_file(&dir.join(&file), SIZE, |a| {
            rc::sweep_chart(a, (&title, "fraction of neurons"), step_max, curves, 0.0..1.05)
        })?;
        out.push((format!("fig/{file}"), title));
    }
    Ok(out)
}

/// The presets of one sweep (weight decay, alpha) and every run.
struct Sweep<'a> {
    name: &'a str,
    presets: &'a [&'static str],
    runs: &'a [Run],
    step_max: f64,
}

impl Sweep<'_> {
    /// Figures 8 and 9 (train and test accuracy), 5 (synergy) and a Pareto plot.
    fn figures(&self, dir: &Path) -> Result<Written, String> {
        let mut out = Vec::new();
        let accuracy: [(&str, Metric); 2] = [("Train", |r| r.train_acc), ("Test", |r| r.test_acc)];
        for (which, m) in accuracy {
            let title = format!("{which} accuracy across the {} sweep (mean, min-max over seeds)", self.name);
            let file = format!("{}_accuracy_{}.svg", which.to_lowercase(), self.name);
            let curves = self.curves(|h| curve(h, m));
            svg_file(&dir.join(&file), SIZE, |a| {
                rc::sweep_chart(a, (&title, "accuracy"), self.step_max, curves, 0.0..1.02)
            })?;
            out.push((format!("fig/{file}"), title));
        }
        let title = format!("Synergy (bits, -min O-information, smoothed) across the {} sweep", self.name);
        let file = format!("synergy_{}.svg", self.name);
        let curves = self.curves(synergy_bits);
        let y = rc::span(&curves);
        svg_file(&dir.join(&file), SIZE, |a| rc::sweep_chart(a, (&title, "synergy (bits)"), self.step_max, curves, y))?;
        out.push((format!("fig/{file}"), title));
        let title = format!("Pareto: synergy against redundancy, {} sweep (first seed, darker = later)", self.name);
        let file = format!("pareto_{}.svg", self.name);
        let trails = self.pareto_trails();
        svg_file(&dir.join(&file), (620, 600), |a| plot::pareto(a, (&title, ""), &trails, self.step_max, None))?;
        out.push((format!("fig/{file}"), title));
        Ok(out)
    }

    /// One curve per preset that was run, over its seeds; each preset keeps
    /// its palette colour whichever others ran (`--only`).
    fn curves(&self, of: impl Fn(&History) -> Vec<(u32, f64)>) -> Vec<plot::Curve> {
        let runs = |p| runs_of(self.runs, p).iter().map(|r| of(&r.history)).collect::<Vec<_>>();
        let ran = self.presets.iter().zip(PALETTE).map(|(p, color)| (p, color, runs(p))).filter(|r| !r.2.is_empty());
        ran.map(|(p, color, runs)| of_runs(*p, color, &runs, POINTS)).collect()
    }

    /// Each preset's first seed.
    fn pareto_trails(&self) -> Vec<Trail> {
        let trail = |(p, color): (&&str, RGBColor)| {
            let first = self.runs.iter().find(|r| r.preset == *p)?;
            let [s, red, _, _] = normalised(&first.history);
            let dots = s.iter().zip(&red).map(|(s, r)| (r.1, s.1, s.0)).collect();
            Some(Trail { label: p.to_string(), color: Some(color), dots })
        };
        self.presets.iter().zip(PALETTE).filter_map(trail).collect()
    }
}

/// Figure 1 (the page's accuracy chart over every seed), figures 2-4 (the
/// normalised measures over the first seed's phases) and the page's five
/// charts of the first seed.
fn experiment_figures(dir: &Path, p: &str, rs: &[&Run]) -> Result<Written, String> {
    let (first, mut out) = (rs[0], Vec::new());
    let others: Vec<&History> = rs[1..].iter().map(|r| &r.history).collect();
    let frame = Frame::with_seeds(&first.history, &others, None, POINTS);
    let title = format!("{p}: accuracy of seed {} and the min-max over {} seed(s)", first.seed, rs.len());
    let file = format!("{p}_accuracy.svg");
    svg_file(&dir.join(&file), SIZE, |a| Chart::Accuracy.draw(a, &frame))?;
    out.push((format!("fig/{file}"), title));
    let norm: Vec<[Vec<(u32, f64)>; 4]> = rs.iter().map(|r| normalised(&r.history)).collect();
    let pick = |k: usize| norm.iter().map(|n| n[k].clone()).collect::<Vec<_>>();
    let curves = vec![
        of_runs("synergy", axis::SYNERGY, &pick(0), POINTS),
        of_runs("redundancy", axis::REDUNDANCY, &pick(1), POINTS),
        of_runs("test loss (log, normalised)", axis::TEST, &pick(2), POINTS).thin(),
        of_runs("sub-network size (normalised)", axis::SIZE, &pick(3), POINTS).thin(),
    ];
    let title =
        format!("{p}: normalised synergy, redundancy, test loss, sub-network size; phases of seed {}", first.seed);
    let file = format!("{p}_measures.svg");
    let steps = first.history.config.steps as f64;
    svg_file(&dir.join(&file), SIZE, |a| rc::measures_chart(a, &title, steps, curves, &first.phases))?;
    out.push((format!("fig/{file}"), title));
    let file = format!("{p}_seed{}_panel.svg", first.seed);
    svg_file(&dir.join(&file), (1200, 1020), |a| {
        let cells = a.split_evenly((3, 2));
        for (chart, cell) in Chart::ALL.iter().zip(&cells) {
            chart.draw(cell, &frame)?;
        }
        cells[5].fill(&WHITE)
    })?;
    let what = "the page's charts (accuracy, loss, measures, sub-network size, Pareto)";
    out.push((format!("fig/{file}"), format!("{p}, seed {}: {what}", first.seed)));
    Ok(out)
}
